"""Reads of the comms app: comments of an object, a user's notifications, feeds."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet

from steerco.accounts.models import User
from steerco.comms.access import (
    CommentTarget,
    people_who_see_project,
    require_webhook_manager,
)
from steerco.comms.models import (
    ActivityEvent,
    CalendarFeedToken,
    Comment,
    Notification,
    NotificationKind,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)
from steerco.core.access import organisation_id_of
from steerco.portfolios.access import access_portfolio_by_id
from steerco.projects.access import access_project_by_id, projects_visible_to


def comments_of(target: CommentTarget) -> QuerySet[Comment]:
    """The comments on an object the caller already may see, oldest first, authors loaded."""
    return (
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(target.object),
            object_id=target.object.pk,
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


MENTION_SUGGESTIONS = 8


@dataclass(frozen=True, slots=True)
class MentionSuggestion:
    username: str
    name: str


def mention_suggestions(
    target: CommentTarget, *, typed: str, author: User
) -> list[MentionSuggestion]:
    """Colleagues whose username or name starts with ``typed`` and who see the target.

    The same people a mention would notify, so that the list never offers a name that
    would reveal the project to someone outside it.
    """
    typed = typed.strip().lstrip("@")
    # Visibility is filtered in the query: one query per keystroke, and the first few who
    # see the project are found however many colleagues who do not sort before them.
    people = people_who_see_project(target.project).exclude(pk=author.pk)
    if typed:
        people = people.filter(
            Q(username__istartswith=typed)
            | Q(first_name__istartswith=typed)
            | Q(last_name__istartswith=typed)
        )
    return [
        MentionSuggestion(person.username, person.get_full_name() or person.username)
        for person in people.order_by("username").only("username", "first_name", "last_name")[
            :MENTION_SUGGESTIONS
        ]
    ]


def notifications_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first, with who caused each."""
    notifications = Notification.objects.filter(recipient=user).select_related("actor")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@dataclass(frozen=True, slots=True)
class PreferenceRow:
    kind: str
    label: str
    in_app: bool
    email: bool
    digest: str


def preferences_of(user: User) -> list[PreferenceRow]:
    """One row per notification kind: the user's choice, or the default (in-app and e-mail)."""
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind in NotificationKind:
        preference = chosen.get(kind.value)
        rows.append(
            PreferenceRow(
                kind=kind.value,
                label=str(kind.label),
                in_app=preference.in_app if preference else True,
                email=preference.email if preference else True,
                digest=preference.digest if preference else NotificationPreference.Digest.NONE,
            )
        )
    return rows


def activity_of_project(user: User, project_id: int) -> QuerySet[ActivityEvent]:
    project = access_project_by_id(user, project_id)
    return (
        ActivityEvent.objects.filter(project=project)
        .select_related("actor", "project")
        .order_by("-created_at", "-id")
    )


def activity_of_portfolio(user: User, portfolio_id: int) -> QuerySet[ActivityEvent]:
    """The portfolio's own events and those of its projects that the user may see."""
    portfolio = access_portfolio_by_id(user, portfolio_id)
    visible = projects_visible_to(user).values("pk")
    events = ActivityEvent.objects.filter(portfolio=portfolio).filter(
        project__isnull=True
    ) | ActivityEvent.objects.filter(portfolio=portfolio, project__in=visible)
    return events.select_related("actor", "project").order_by("-created_at", "-id")


def calendar_feed_tokens_of(user: User) -> QuerySet[CalendarFeedToken]:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True)


def webhooks_of(user: User) -> QuerySet[Webhook]:
    require_webhook_manager(user)
    return Webhook.objects.filter(organisation_id=organisation_id_of(user)).order_by("name")


def deliveries_of(webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return webhook.deliveries.order_by("-created_at", "-id")


RECENT_DELIVERIES = 10


def webhooks_with_recent_deliveries(
    user: User, *, recent: int = RECENT_DELIVERIES
) -> QuerySet[Webhook]:
    """The organisation's webhooks with ``delivery_count`` and their latest ``recent_deliveries``.

    Deliveries pile up for months: the database keeps only the latest few per webhook (a
    sliced prefetch is one windowed query), and their payloads stay unread.
    """
    latest = WebhookDelivery.objects.defer("payload").order_by("-created_at", "-id")[:recent]
    return (
        webhooks_of(user)
        .annotate(delivery_count=Count("deliveries"))
        .prefetch_related(Prefetch("deliveries", queryset=latest, to_attr="recent_deliveries"))
    )
