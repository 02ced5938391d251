"""Every write of the comms app: comments, notifications, preferences, activity, feeds, webhooks.

Notification rows are written in the caller's transaction; e-mail leaves only after
commit, so that a rolled-back action never tells anyone about itself.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from steerco.accounts.models import User
from steerco.comms import webhooks
from steerco.comms.access import (
    access_calendar_feed_token_by_id,
    access_comment_by_id,
    access_comment_target,
    access_notification_by_id,
    access_webhook_by_id,
    people_who_see_project,
    require_webhook_manager,
)
from steerco.comms.events import WEBHOOK_EVENT_NAMES, unknown_events
from steerco.comms.models import (
    ActivityEvent,
    CalendarFeedToken,
    Comment,
    Mention,
    Notification,
    NotificationKind,
    NotificationPreference,
    Subscription,
    Webhook,
    WebhookDelivery,
)
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import ValidationFailed
from steerco.jobs.models import Job
from steerco.portfolios.models import Portfolio
from steerco.projects.models import Project

# "@ana" or "@ana.lopez-2"; not the middle of an e-mail address ("x@y.org").
MENTION_PATTERN = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.+-]*)")
MAX_COMMENT_LENGTH = 10_000
WEBHOOK_MAX_ATTEMPTS = 6
WEBHOOK_FIRST_RETRY = datetime.timedelta(minutes=1)
WEBHOOK_CLAIM_LEASE = datetime.timedelta(minutes=5)
DELIVER_WEBHOOK_JOB = "comms.deliver_webhook"
# How far back the e-mail sweep looks for notifications still waiting for their e-mail.
EMAIL_SWEEP_WINDOW = datetime.timedelta(days=2)

logger = logging.getLogger(__name__)


def mentioned_usernames(body: str) -> list[str]:
    """The distinct usernames written as ``@username`` in ``body``, in order of appearance."""
    names: list[str] = []
    for match in MENTION_PATTERN.finditer(body):
        # A sentence may end right after a mention: "thanks @ana."
        name = match.group(1).rstrip(".-+")
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


# Notifications


def _preferences(user_ids: Iterable[int], kind: str) -> dict[int, NotificationPreference]:
    return {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(
            user_id__in=list(user_ids), kind=kind
        )
    }


def notification_send(
    *,
    recipients: Iterable[User | None],
    actor: User | None,
    kind: NotificationKind | str,
    title: str,
    organisation_id: int,
    body: str = "",
    url: str = "",
) -> list[Notification]:
    """Notify each distinct active recipient (never the actor) as their preferences say.

    Recipients of another organisation are skipped. A recipient who turned both channels off
    gets nothing; one who wants e-mail only gets a row already marked read (it is the record
    of what was sent). Rows are written in the caller's transaction; e-mail leaves after commit.
    """
    people: dict[int, User] = {}
    for person in recipients:
        if person is None or not person.is_active or person.organisation_id != organisation_id:
            continue
        if actor is not None and person.pk == actor.pk:
            continue
        people.setdefault(person.pk, person)
    preferences = _preferences(people, str(kind))
    now = timezone.now()
    rows: list[Notification] = []
    for person in people.values():
        preference = preferences.get(person.pk)
        if preference is not None and not preference.in_app and not preference.email:
            continue
        wants_email = preference is None or preference.email
        rows.append(
            Notification(
                organisation_id=organisation_id,
                recipient=person,
                actor=actor,
                kind=str(kind),
                title=title[:200],
                body=body,
                url=url[:500],
                read_at=now if preference is not None and not preference.in_app else None,
                # Decided now: turning e-mail on (or adding an address) later must not mail
                # the backlog, and the sweep need never read these rows again.
                email_skipped=not wants_email or not person.email,
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created if not row.email_skipped]
    if ids:
        transaction.on_commit(lambda: notification_email_pending(notification_ids=ids))
    return created


def notification_email_pending(
    *,
    notification_ids: Iterable[int] | None = None,
    organisation_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """E-mail the notifications not yet e-mailed whose recipients want each one by e-mail.

    Without ``notification_ids`` it sweeps the rows of the last :data:`EMAIL_SWEEP_WINDOW`
    still waiting (a missed after-commit send, rows other apps wrote): older ones are news
    nobody wants mailed any more, and the window keeps each sweep's cost bounded. Rows
    marked ``email_skipped`` are never read; digest kinds wait for :func:`digest_send`.

    Each row is claimed (``emailed_at`` set by a conditional UPDATE) before its e-mail is
    sent, so the after-commit send and a sweep, or two sweeps, never mail it twice. If
    sending fails the claim is taken back: the next sweep retries it while it is in the
    window (a process that dies mid-send leaves it claimed: at most one e-mail, never two).
    Returns how many e-mails went out.
    """
    now = now or timezone.now()
    pending = Notification.objects.filter(
        emailed_at__isnull=True, email_skipped=False
    ).select_related("recipient")
    if notification_ids is not None:
        pending = pending.filter(pk__in=list(notification_ids))
    else:
        pending = pending.filter(created_at__gte=now - EMAIL_SWEEP_WINDOW)
    if organisation_ids is not None:
        pending = pending.filter(organisation_id__in=list(organisation_ids))
    sent = 0
    rows = list(pending.order_by("created_at", "id"))
    preferences = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in={row.recipient_id for row in rows}
        )
    }
    never: list[int] = []
    for row in rows:
        preference = preferences.get((row.recipient_id, row.kind))
        if (
            preference is not None
            and preference.email
            and preference.digest != NotificationPreference.Digest.NONE
        ):
            continue  # the digest takes it
        if (preference is not None and not preference.email) or not row.recipient.email:
            # E-mail was switched off (or the address removed) since the row was written.
            never.append(row.pk)
            continue
        claimed_at = timezone.now()
        claimed = Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(
            emailed_at=claimed_at
        )
        if claimed != 1:
            continue  # another sender got there first
        try:
            send_mail(
                subject=f"[Steerco] {row.title}",
                message=_email_text(row),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[row.recipient.email],
            )
        except Exception:  # one bad address or a mail server hiccup must not stop the rest
            logger.exception("E-mail of notification %s failed; the next sweep retries", row.pk)
            Notification.objects.filter(pk=row.pk, emailed_at=claimed_at).update(emailed_at=None)
            continue
        sent += 1
    if never:
        Notification.objects.filter(pk__in=never, emailed_at__isnull=True).update(
            email_skipped=True
        )
    return sent


def _email_text(notification: Notification) -> str:
    lines = [notification.title, ""]
    if notification.body:
        lines += [notification.body, ""]
    if notification.url:
        lines.append(f"Open it in Steerco: {notification.url}")
    lines.append("Change what you receive on your Notifications page.")
    return "\n".join(lines)


@transaction.atomic
def notification_mark_read(*, acting_user: User, notification_id: int) -> Notification:
    notification = access_notification_by_id(acting_user, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, acting_user: User) -> int:
    return Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(
    *, acting_user: User, kind: str, in_app: bool, email: bool, digest: str
) -> NotificationPreference:
    if kind not in NotificationKind.values:
        raise ValidationFailed({"kind": [f"Unknown notification kind {kind!r}."]})
    if digest not in NotificationPreference.Digest.values:
        raise ValidationFailed({"digest": ["Choose none, daily or weekly."]})
    preference, _ = NotificationPreference.objects.update_or_create(
        user=acting_user, kind=kind, defaults={"in_app": in_app, "email": email, "digest": digest}
    )
    return preference


# Comments


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationFailed({"body": ["Write something."]})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationFailed({"body": [f"At most {MAX_COMMENT_LENGTH} characters."]})
    return body


def _mentionable(body: str, *, author: User, project: Project) -> list[User]:
    """Users named in ``body`` who belong to the author's organisation and see the project."""
    names = mentioned_usernames(body)
    if not names:
        return []
    # A mention must never reveal a project to someone who may not see it.
    return list(people_who_see_project(project).filter(username__in=names).exclude(pk=author.pk))


@transaction.atomic
def comment_create(
    *,
    acting_user: User,
    content_type: str,
    object_id: int,
    body: str,
    parent_id: int | None = None,
    url: str = "",
) -> Comment:
    """Comment on a visible object; mention and notify; the author follows the object."""
    target = access_comment_target(acting_user, content_type, object_id)
    body = _clean_body(body)
    # Written through the API there is no page to go back to: the object's own page then.
    url = url or target.url
    django_type = ContentType.objects.get_for_model(target.object)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(
            pk=parent_id, content_type=django_type, object_id=target.object.pk
        ).first()
        if parent is None:
            raise ValidationFailed({"parent_id": ["Reply to a comment on the same item."]})
    comment = Comment.objects.create(
        organisation_id=organisation_id_of(acting_user),
        author=acting_user,
        content_type=django_type,
        object_id=target.object.pk,
        project=target.project,
        parent=parent,
        body=body,
    )
    mentioned = _mentionable(body, author=acting_user, project=target.project)
    Mention.objects.bulk_create([Mention(comment=comment, user=user) for user in mentioned])
    excerpt = body if len(body) <= 500 else body[:497] + "..."
    notification_send(
        recipients=mentioned,
        actor=acting_user,
        kind=NotificationKind.MENTION,
        title=f"{acting_user.get_full_name() or acting_user.username} mentioned you on "
        f"{target.label}",
        body=excerpt,
        url=url,
        organisation_id=comment.organisation_id,
    )
    mentioned_ids = {user.pk for user in mentioned}
    followers = list(
        people_who_see_project(target.project)
        .filter(
            pk__in=Subscription.objects.filter(
                kind=Subscription.Kind.FOLLOW,
                content_type=django_type,
                object_id=target.object.pk,
            ).values("user_id")
        )
        .exclude(pk__in=mentioned_ids)
    )
    notification_send(
        recipients=followers,
        actor=acting_user,
        kind=NotificationKind.COMMENT,
        title=f"New comment on {target.label}",
        body=excerpt,
        url=url,
        organisation_id=comment.organisation_id,
    )
    Subscription.objects.get_or_create(
        organisation_id=comment.organisation_id,
        user=acting_user,
        kind=Subscription.Kind.FOLLOW,
        content_type=django_type,
        object_id=target.object.pk,
    )
    audit_record(actor=acting_user, action="create", instance=comment, after=snapshot(comment))
    activity_record(
        actor=acting_user,
        verb="commented on",
        target=target.object,
        label=target.label,
        project=target.project,
        data={"comment_id": comment.pk},
        event="comment.created",
    )
    return comment


@transaction.atomic
def comment_update(*, acting_user: User, comment_id: int, body: str, url: str = "") -> Comment:
    """Edit one's own comment; people newly mentioned are told, the others are not again."""
    comment = access_comment_by_id(acting_user, comment_id, for_edit=True)
    before = snapshot(comment)
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    assert comment.project is not None
    already = set(comment.mentions.values_list("user_id", flat=True))
    newly = [
        user
        for user in _mentionable(comment.body, author=acting_user, project=comment.project)
        if user.pk not in already
    ]
    Mention.objects.bulk_create([Mention(comment=comment, user=user) for user in newly])
    if newly:
        target = access_comment_target(
            acting_user,
            f"{comment.content_type.app_label}.{comment.content_type.model}",
            comment.object_id,
        )
        notification_send(
            recipients=newly,
            actor=acting_user,
            kind=NotificationKind.MENTION,
            title=f"{acting_user.get_full_name() or acting_user.username} mentioned you on "
            f"{target.label}",
            body=comment.body[:500],
            url=url or target.url,
            organisation_id=comment.organisation_id,
        )
    audit_record(
        actor=acting_user, action="update", instance=comment, before=before, after=snapshot(comment)
    )
    return comment


@transaction.atomic
def comment_delete(*, acting_user: User, comment_id: int) -> None:
    comment = access_comment_by_id(acting_user, comment_id, for_edit=True)
    audit_record(actor=acting_user, action="delete", instance=comment, before=snapshot(comment))
    comment.delete()


# Activity and webhooks


def activity_record(
    *,
    actor: User | None,
    verb: str,
    target: Model | None = None,
    label: str = "",
    project: Project | None = None,
    portfolio: Portfolio | None = None,
    data: dict[str, Any] | None = None,
    event: str | None = None,
) -> ActivityEvent:
    """A line of the project's and portfolio's feeds: "Ana approved gate G2 of PRJ-014".

    Any app may call it inside its own transaction. With ``event`` (e.g.
    ``"gate_review.decided"``) the organisation's webhooks that listen to it are told too,
    after commit.
    """
    if project is not None:
        organisation_id = project.organisation_id
        portfolio_id = project.portfolio_id
    elif portfolio is not None:
        organisation_id = portfolio.organisation_id
        portfolio_id = portfolio.pk
    elif actor is not None and actor.organisation_id is not None:
        organisation_id, portfolio_id = actor.organisation_id, None
    else:
        raise ValueError("An activity needs a project, a portfolio or an actor.")
    activity = ActivityEvent.objects.create(
        organisation_id=organisation_id,
        actor=actor,
        verb=verb[:60],
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        target_label=label[:200],
        project=project,
        portfolio_id=portfolio_id,
        data=data or {},
    )
    if event is not None:
        webhook_dispatch(
            organisation_id=organisation_id,
            event=event,
            payload={
                "event": event,
                "occurred_at": activity.created_at.isoformat(),
                "actor": actor.username if actor is not None else None,
                "verb": activity.verb,
                "target": {
                    "type": activity.content_type.model if activity.content_type else None,
                    "id": activity.object_id,
                    "label": activity.target_label,
                },
                "project": {"id": project.pk, "code": project.code} if project else None,
                "portfolio_id": portfolio_id,
                "data": activity.data,
            },
        )
    return activity


def _validate_webhook(name: str, url: str, events: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the webhook a name."]
    if not url.startswith(("https://", "http://")):
        errors["url"] = ["Use an http:// or https:// address."]
    if any(not isinstance(event, str) or not event for event in events):
        errors["events"] = ["Events are non-empty names."]
    elif unknown := unknown_events(events):
        errors["events"] = [
            f"Unknown event(s) {', '.join(unknown)}; choose among "
            f"{', '.join(sorted(WEBHOOK_EVENT_NAMES))}."
        ]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def webhook_create(
    *, acting_user: User, name: str, url: str, events: list[str] | None = None
) -> tuple[Webhook, str]:
    """A new webhook and its signing secret (shown once; keep it on the receiving side)."""
    require_webhook_manager(acting_user)
    events = list(events or [])
    _validate_webhook(name, url, events)
    secret = secrets.token_hex(32)
    webhook = Webhook.objects.create(
        organisation_id=organisation_id_of(acting_user),
        name=name.strip()[:100],
        url=url,
        secret=secret,
        events=events,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user, action="create", instance=webhook, after={"name": name, "url": url}
    )
    return webhook, secret


@transaction.atomic
def webhook_update(
    *,
    acting_user: User,
    webhook_id: int,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> Webhook:
    webhook = access_webhook_by_id(acting_user, webhook_id)
    before = snapshot(webhook, ["name", "url", "events", "is_active"])
    webhook.name = name.strip()[:100] if name is not None else webhook.name
    webhook.url = url if url is not None else webhook.url
    webhook.events = list(events) if events is not None else webhook.events
    webhook.is_active = is_active if is_active is not None else webhook.is_active
    _validate_webhook(webhook.name, webhook.url, webhook.events)
    webhook.save()
    audit_record(
        actor=acting_user,
        action="update",
        instance=webhook,
        before=before,
        after=snapshot(webhook, ["name", "url", "events", "is_active"]),
    )
    return webhook


@transaction.atomic
def webhook_delete(*, acting_user: User, webhook_id: int) -> None:
    webhook = access_webhook_by_id(acting_user, webhook_id)
    audit_record(
        actor=acting_user, action="delete", instance=webhook, before={"name": webhook.name}
    )
    webhook.delete()


def webhook_dispatch(
    *, organisation_id: int, event: str, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """One pending delivery per active webhook listening to ``event``; sent after commit."""
    listening = [
        webhook
        for webhook in Webhook.objects.filter(organisation_id=organisation_id, is_active=True)
        if not webhook.events or event in webhook.events
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=webhook, event=event, payload=payload) for webhook in listening]
    )
    for delivery in deliveries:
        transaction.on_commit(partial(_start_delivery_job, delivery.pk, organisation_id))
    return deliveries


def _start_delivery_job(
    delivery_id: int, organisation_id: int, run_after: datetime.datetime | None = None
) -> None:
    """A background job for one attempt; ``run_after`` defers it when the backend can."""
    from steerco.jobs.tasks import run_job

    job = Job.objects.create(
        organisation_id=organisation_id,
        kind=DELIVER_WEBHOOK_JOB,
        title=f"Deliver webhook event (delivery {delivery_id})",
        params={"delivery_id": delivery_id},
    )
    task = run_job
    if run_after is not None:
        if not run_job.get_backend().supports_defer:
            # Without a deferring queue the retry waits for `steerco comms deliver-webhooks`.
            Job.objects.filter(pk=job.pk).delete()
            return
        task = run_job.using(run_after=run_after)
    result = task.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))


def webhook_deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> WebhookDelivery:
    """Make one attempt at a pending delivery; on failure, back off exponentially and retry.

    The waits are 1, 2, 4, 8, 16 minutes; after the sixth failed attempt the delivery is
    marked failed. The network call happens outside any transaction.
    """
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    now = now or timezone.now()
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    # Claim the attempt, so that a deferred retry job and the cron sweep never both send it;
    # if this process dies mid-attempt, the lease runs out and the sweep tries again.
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status=WebhookDelivery.Status.PENDING,
            attempts=delivery.attempts,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + WEBHOOK_CLAIM_LEASE)
    )
    if not claimed:
        return delivery
    attempt = webhooks.post(
        url=delivery.webhook.url,
        secret=delivery.webhook.secret,
        event=delivery.event,
        delivery_id=delivery.pk,
        payload=delivery.payload,
    )
    delivery.attempts += 1
    delivery.response_code = attempt.status_code
    delivery.last_error = attempt.error
    if attempt.succeeded:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + WEBHOOK_FIRST_RETRY * 2 ** (delivery.attempts - 1)
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at:
        _start_delivery_job(
            delivery.pk, delivery.webhook.organisation_id, run_after=delivery.next_attempt_at
        )
    return delivery


def webhook_deliver_due(
    *, now: datetime.datetime | None = None, organisation_ids: Iterable[int] | None = None
) -> list[WebhookDelivery]:
    """Attempt every pending delivery whose retry time has come (the worker's schedule, CLI)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    if organisation_ids is not None:
        due = due.filter(webhook__organisation_id__in=list(organisation_ids))
    return [webhook_deliver(delivery_id=pk, now=now) for pk in list(due)]


# Calendar feeds


def calendar_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


@transaction.atomic
def calendar_feed_token_create(*, acting_user: User) -> tuple[CalendarFeedToken, str]:
    """A new secret feed address for the user; the raw token is shown once, only its hash kept."""
    organisation_id_of(acting_user)
    raw = secrets.token_urlsafe(32)
    token = CalendarFeedToken.objects.create(user=acting_user, token_hash=calendar_token_hash(raw))
    audit_record(actor=acting_user, action="create", instance=token, after={"user": acting_user.pk})
    return token, raw


@transaction.atomic
def calendar_feed_token_revoke(*, acting_user: User, token_id: int) -> CalendarFeedToken:
    token = access_calendar_feed_token_by_id(acting_user, token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=acting_user, action="revoke", instance=token)
    return token


# Digests


def digest_send(
    *,
    period: str,
    now: datetime.datetime | None = None,
    organisation_ids: Iterable[int] | None = None,
) -> int:
    """E-mail each user who chose a ``period`` digest one summary of those notifications.

    Covers notifications of the digest kinds not yet e-mailed (whenever they arrived, so a
    missed run loses nothing). Returns how many digests went out.
    """
    if period not in (NotificationPreference.Digest.DAILY, NotificationPreference.Digest.WEEKLY):
        raise ValidationFailed({"period": ["Choose daily or weekly."]})
    now = now or timezone.now()
    kinds_by_user: dict[int, set[str]] = {}
    preferences = NotificationPreference.objects.filter(digest=period, email=True)
    if organisation_ids is not None:
        preferences = preferences.filter(user__organisation_id__in=list(organisation_ids))
    for user_id, kind in preferences.values_list("user_id", "kind"):
        kinds_by_user.setdefault(user_id, set()).add(kind)
    sent = 0
    for user_id, kinds in kinds_by_user.items():
        rows = list(
            Notification.objects.filter(
                recipient_id=user_id,
                kind__in=kinds,
                emailed_at__isnull=True,
                email_skipped=False,
                created_at__lte=now,
            )
            .select_related("recipient")
            .order_by("created_at")
        )
        if not rows or not rows[0].recipient.email or not rows[0].recipient.is_active:
            continue
        lines = [f"{len(rows)} notification(s) since your last {period} digest:", ""]
        for row in rows:
            lines.append(f"- {row.created_at:%Y-%m-%d %H:%M} {row.title}")
            if row.url:
                lines.append(f"  {row.url}")
        send_mail(
            subject=f"[Steerco] Your {period} digest: {len(rows)} notification(s)",
            message="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[rows[0].recipient.email],
        )
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
        sent += 1
    return sent
