"""In-app notifications and activity events for governance decisions.

A deliberately small local helper: the comms app will own notification services
(preferences, email, digests) later and can take these calls over. The rows are written in
the caller's transaction so that a decision and the news of it commit or roll back
together; e-mail, when comms adds it, belongs after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from steerco.accounts.models import User
from steerco.comms.models import ActivityEvent, Notification, NotificationKind
from steerco.projects.models import Project


def notify(
    *,
    recipients: Iterable[User | None],
    actor: User | None,
    kind: NotificationKind | str,
    title: str,
    body: str = "",
    url: str = "",
    organisation_id: int,
) -> list[Notification]:
    """One notification per distinct recipient, never to the actor themselves."""
    seen: set[int] = set()
    rows: list[Notification] = []
    for person in recipients:
        if person is None or not person.is_active or person.pk in seen:
            continue
        if actor is not None and person.pk == actor.pk:
            continue
        seen.add(person.pk)
        rows.append(
            Notification(
                organisation_id=organisation_id,
                recipient=person,
                actor=actor,
                kind=str(kind),
                title=title[:200],
                body=body,
                url=url[:500],
            )
        )
    return Notification.objects.bulk_create(rows)


def record_activity(
    *,
    actor: User | None,
    verb: str,
    target: Model,
    label: str,
    project: Project,
    data: dict[str, Any] | None = None,
) -> ActivityEvent:
    """A line of the project's activity feed: "Ana approved gate G2 of PRJ-014"."""
    return ActivityEvent.objects.create(
        organisation_id=project.organisation_id,
        actor=actor,
        verb=verb[:60],
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        target_label=label[:200],
        project=project,
        portfolio_id=project.portfolio_id,
        data=data or {},
    )
