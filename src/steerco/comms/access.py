"""Who may comment on what, read which notifications, and manage webhooks.

- A user comments on (and reads the comments of) whatever they can see: a project, a task,
  a RAID item, a gate review or a status report. Each of those belongs to a project, so
  "can see" is the project access rule of ``steerco.projects.access``.
- Only its author edits or deletes a comment.
- Notifications, preferences and calendar feed tokens are private to their user.
- Administrators and PMO analysts manage the organisation's webhooks.
- Anything of another organisation, or that the user cannot see, is "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.urls import reverse

from steerco.accounts.models import Role, User
from steerco.comms.models import CalendarFeedToken, Comment, Notification, Webhook
from steerco.core.access import (
    ORGANISATION_WIDE_READERS,
    has_role,
    is_active_member,
    organisation_id_of,
)
from steerco.core.errors import AccessDenied, NotFound
from steerco.projects.access import access_project_by_id, access_task_by_id, projects_visible_to
from steerco.projects.models import Project, ProjectMember

WEBHOOK_MANAGERS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})


@dataclass(frozen=True, slots=True)
class CommentTarget:
    """Something a comment hangs on, with the project that decides who sees it."""

    content_type: str  # "app_label.model", as in URLs: "projects.task"
    object: Model
    project: Project
    label: str
    url: str = ""  # the page that shows the object and its comments


def _project_target(user: User, object_id: int) -> CommentTarget:
    project = access_project_by_id(user, object_id)
    return CommentTarget(
        "projects.project",
        project,
        project,
        f"{project.code} {project.name}",
        reverse("projects:detail", args=[project.pk]),
    )


def _task_target(user: User, object_id: int) -> CommentTarget:
    task = access_task_by_id(user, object_id)
    url = reverse("schedule:page", args=[task.project_id]) + f"?task={task.pk}"
    return CommentTarget(
        "projects.task", task, task.project, f"{task.project.code}: {task.name}", url
    )


def _raid_target(user: User, object_id: int) -> CommentTarget:
    from steerco.governance.access import access_raid_item_by_id

    item = access_raid_item_by_id(user, object_id)
    return CommentTarget(
        "governance.raiditem",
        item,
        item.project,
        f"{item.project.code}: {item}",
        reverse("governance:raid_edit", args=[item.pk]),
    )


def _gate_review_target(user: User, object_id: int) -> CommentTarget:
    from steerco.governance.access import access_gate_review_by_id

    review = access_gate_review_by_id(user, object_id)
    label = f"{review.project.code}: gate {review.gate.code} {review.gate.name}"
    url = reverse("governance:gate_review", args=[review.pk])
    return CommentTarget("governance.gatereview", review, review.project, label, url)


def _status_report_target(user: User, object_id: int) -> CommentTarget:
    from steerco.governance.access import access_status_report_by_id

    report = access_status_report_by_id(user, object_id)
    label = f"{report.project.code}: status report of {report.period_start:%d %b %Y}"
    url = reverse("governance:status_report", args=[report.pk])
    return CommentTarget("governance.statusreport", report, report.project, label, url)


# The kinds of object that take comments; each loader applies that object's access rule.
COMMENT_TARGETS: dict[str, Callable[[User, int], CommentTarget]] = {
    "projects.project": _project_target,
    "projects.task": _task_target,
    "governance.raiditem": _raid_target,
    "governance.gatereview": _gate_review_target,
    "governance.statusreport": _status_report_target,
}


def access_comment_target(user: User, content_type: str, object_id: int) -> CommentTarget:
    """The object ``content_type``/``object_id``, if it takes comments and ``user`` sees it."""
    loader = COMMENT_TARGETS.get(content_type)
    if loader is None or not is_active_member(user):
        raise NotFound(f"No {content_type} {object_id}.")
    return loader(user, object_id)


def can_see_project(user: User, project: Project) -> bool:
    return projects_visible_to(user).filter(pk=project.pk).exists()


def people_who_see_project(project: Project) -> QuerySet[User]:
    """The users ``can_see_project`` answers yes for, as one query.

    The rule of ``steerco.projects.access.projects_visible_to`` read the other way round:
    active users of the project's organisation with an organisation-wide role, or who
    manage, sponsor or are a member of the project.
    """
    named = [pk for pk in (project.manager_id, project.sponsor_id) if pk is not None]
    members = ProjectMember.objects.filter(project=project).values("user_id")
    return User.objects.filter(organisation_id=project.organisation_id, is_active=True).filter(
        Q(role__in=ORGANISATION_WIDE_READERS) | Q(pk__in=named) | Q(pk__in=members)
    )


def access_comment_by_id(user: User, comment_id: int, *, for_edit: bool = False) -> Comment:
    comment = (
        Comment.objects.select_related("project", "content_type", "author")
        .filter(pk=comment_id, organisation_id=organisation_id_of(user))
        .first()
    )
    if comment is None or comment.project is None or not can_see_project(user, comment.project):
        raise NotFound(f"No comment {comment_id}.")
    if for_edit and comment.author_id != user.pk:
        raise AccessDenied("Only its author may change or delete a comment.")
    return comment


def access_notification_by_id(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(f"No notification {notification_id}.")
    return notification


def access_calendar_feed_token_by_id(user: User, token_id: int) -> CalendarFeedToken:
    token = CalendarFeedToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(f"No calendar feed {token_id}.")
    return token


def can_manage_webhooks(user: User) -> bool:
    return has_role(user, WEBHOOK_MANAGERS)


def access_webhook_by_id(user: User, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(
        pk=webhook_id, organisation_id=organisation_id_of(user)
    ).first()
    if webhook is None or not can_manage_webhooks(user):
        raise NotFound(f"No webhook {webhook_id}.")
    return webhook


def require_webhook_manager(user: User) -> None:
    if not can_manage_webhooks(user):
        raise AccessDenied("Only administrators and PMO analysts manage webhooks.")
