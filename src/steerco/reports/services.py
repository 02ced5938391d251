"""Writes of the reports app: pack jobs and files, pack subscriptions, scheduled deliveries.

- :func:`pack_request` queues a background job (``reports.executive_pack``) that draws one
  pack and keeps its PDF in the default file storage; :func:`pack_file` hands it back to the
  user who may see the job.
- :func:`subscription_create` / :func:`subscription_delete` manage a user's executive pack
  subscriptions (``comms.Subscription`` of kind ``executive_pack``), for one portfolio or for
  the whole organisation (the subscription then points at the organisation itself).
- :func:`packs_send` emails each subscriber whose pack is due its PDF. The worker's schedule
  runs it every morning (the ``reports.deliver_packs`` periodic job; ``steerco report send``
  by hand): a subscription receives at most one pack per day, ISO week or calendar month, as
  its frequency says, so a second run on the same day sends nothing twice.

The ``Subscription.Frequency`` choices belong to the comms app: ``daily``, ``weekly`` and
``monthly`` say what they mean; ``immediate`` ("as it happens"), which stood for daily before
``daily`` existed, is still read as daily.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from steerco.accounts.models import Organisation, Role, User
from steerco.comms.models import Notification, NotificationKind, Subscription
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.jobs.models import Job
from steerco.jobs.selectors import access_job_by_id
from steerco.jobs.services import job_start
from steerco.portfolios.access import access_portfolio_by_id
from steerco.reports.pack import (
    ExecutivePack,
    RenderedPdf,
    build_pack,
    can_read_pack,
    pack_for_user,
    render_pdf,
    require_pack_reader,
)
from steerco.reports.selectors import scope_for_user

logger = logging.getLogger(__name__)

PACK_JOB_KIND = "reports.executive_pack"
DELIVERY_JOB_KIND = "reports.deliver_packs"
PACK_STORAGE_DIR = "reports/packs"
FREQUENCIES = {
    "daily": Subscription.Frequency.DAILY,
    "weekly": Subscription.Frequency.WEEKLY,
    "monthly": Subscription.Frequency.MONTHLY,
}
FREQUENCY_NAMES: dict[str, str] = {
    Subscription.Frequency.IMMEDIATE: "daily",
    **{stored: name for name, stored in FREQUENCIES.items()},
}
SENT_SUMMARY = "Executive pack emailed"


# -- packs on demand -------------------------------------------------------------------------


@transaction.atomic
def pack_request(
    *, acting_user: User, portfolio_id: int | None = None, as_of: dt.date | None = None
) -> Job:
    """Queue the drawing of a pack; the job's result names the PDF to download."""
    require_pack_reader(acting_user)
    portfolio = None
    if portfolio_id is not None:
        portfolio = access_portfolio_by_id(acting_user, portfolio_id)
    organisation_id = organisation_id_of(acting_user)
    # The file's name is chosen now because a job handler is not told its job's id.
    file_name = f"{PACK_STORAGE_DIR}/{organisation_id}/{uuid.uuid4().hex}.pdf"
    scope = portfolio.name if portfolio else "all portfolios"
    return job_start(
        acting_user=acting_user,
        kind=PACK_JOB_KIND,
        title=f"Executive pack: {scope}",
        params={
            "user_id": acting_user.pk,
            "portfolio_id": portfolio_id,
            "as_of": as_of.isoformat() if as_of else None,
            "file": file_name,
        },
    )


def pack_job_run(params: dict[str, Any], progress: Callable[[int, str], None]) -> dict[str, Any]:
    """Draw the pack a job asked for and store its PDF (the job handler's body)."""
    user = User.objects.select_related("organisation").get(pk=params["user_id"])
    as_of = dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else None
    progress(5, "Reading the portfolio")
    pack = pack_for_user(user, portfolio_id=params.get("portfolio_id"), as_of=as_of)
    progress(50, "Laying out the pages")
    rendered = render_pdf(pack.html)
    stored = default_storage.save(params["file"], ContentFile(rendered.pdf))
    progress(100, f"{rendered.page_count} pages")
    return {
        "file": stored,
        "file_name": pack.file_name,
        "pages": rendered.page_count,
        "titles": [page.title for page in pack.pages],
        "bytes": len(rendered.pdf),
        "as_of": pack.dashboard.as_of.isoformat(),
    }


def pack_file(*, user: User, job_id: int) -> tuple[bytes, str]:
    """The PDF of a finished pack job the user may see, and its file name."""
    job = access_job_by_id(user, job_id)
    if job.kind != PACK_JOB_KIND:
        raise NotFound(f"No executive pack {job_id}.")
    require_pack_reader(user)
    if job.state != Job.State.SUCCEEDED or not isinstance(job.result, dict):
        raise Conflict("The pack is not ready: wait for its job to finish.")
    stored = str(job.result.get("file", ""))
    if not stored.startswith(f"{PACK_STORAGE_DIR}/{job.organisation_id}/"):
        raise NotFound(f"No executive pack {job_id}.")
    try:
        with default_storage.open(stored, "rb") as handle:
            content: bytes = handle.read()
    except FileNotFoundError:
        raise NotFound("The pack's file is gone; generate it again.") from None
    return content, str(job.result.get("file_name") or f"steerco-executive-pack-{job_id}.pdf")


# -- subscriptions ---------------------------------------------------------------------------


def frequency_name(stored: str) -> str:
    return FREQUENCY_NAMES.get(stored, stored)


@transaction.atomic
def subscription_create(
    *, acting_user: User, portfolio_id: int | None = None, frequency: str = "weekly"
) -> Subscription:
    """Subscribe ``acting_user`` to the pack of one portfolio, or of all (``portfolio_id`` None).

    Subscribing again to the same pack changes its frequency instead of adding a second one.
    """
    require_pack_reader(acting_user)
    if frequency not in FREQUENCIES:
        raise ValidationFailed({"frequency": [f"Choose one of: {', '.join(FREQUENCIES)}."]})
    organisation_id = organisation_id_of(acting_user)
    target: dict[str, Any]
    if portfolio_id is not None:
        portfolio = access_portfolio_by_id(acting_user, portfolio_id)
        target = {"portfolio": portfolio, "content_type": None, "object_id": None}
    else:
        target = {
            "portfolio": None,
            "content_type": ContentType.objects.get_for_model(Organisation),
            "object_id": organisation_id,
        }
    existing = Subscription.objects.filter(
        user=acting_user, kind=Subscription.Kind.EXECUTIVE_PACK, **target
    ).first()
    stored = FREQUENCIES[frequency]
    if existing is not None:
        before = snapshot(existing)
        existing.frequency = stored
        existing.save(update_fields=["frequency", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            instance=existing,
            before=before,
            after=snapshot(existing),
        )
        return existing
    subscription = Subscription.objects.create(
        organisation_id=organisation_id,
        user=acting_user,
        kind=Subscription.Kind.EXECUTIVE_PACK,
        frequency=stored,
        **target,
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=subscription,
        after=snapshot(subscription),
    )
    return subscription


def access_pack_subscription_by_id(user: User, subscription_id: int) -> Subscription:
    """A pack subscription of the user's own; administrators may reach anyone's in their org."""
    subscriptions = Subscription.objects.filter(
        organisation_id=organisation_id_of(user), kind=Subscription.Kind.EXECUTIVE_PACK
    )
    if user.role != Role.ADMINISTRATOR:
        subscriptions = subscriptions.filter(user=user)
    subscription = subscriptions.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(f"No subscription {subscription_id}.")
    return subscription


@transaction.atomic
def subscription_delete(*, acting_user: User, subscription_id: int) -> None:
    subscription = access_pack_subscription_by_id(acting_user, subscription_id)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        instance=subscription,
        before=snapshot(subscription),
    )
    subscription.delete()


# -- scheduled deliveries --------------------------------------------------------------------


def period_key(frequency: str, today: dt.date) -> str:
    """The delivery period ``today`` falls in: one pack per subscription per period.

    Daily (and the older ``immediate``) is the day itself.
    """
    if frequency == Subscription.Frequency.MONTHLY:
        return f"{today:%Y-%m}"
    if frequency == Subscription.Frequency.WEEKLY:
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


@dataclass
class Delivery:
    subscription: Subscription
    period: str
    sent: bool = False
    problem: str = ""

    @property
    def user(self) -> User:
        return self.subscription.user

    @property
    def scope(self) -> str:
        portfolio = self.subscription.portfolio
        return portfolio.name if portfolio is not None else "All portfolios"


@dataclass
class DeliveryRun:
    today: dt.date
    due: list[Delivery] = field(default_factory=list)

    @property
    def sent(self) -> list[Delivery]:
        return [delivery for delivery in self.due if delivery.sent]

    @property
    def failed(self) -> list[Delivery]:
        return [delivery for delivery in self.due if delivery.problem]


def _already_sent(subscription_ids: list[int], since: dt.date) -> set[tuple[str, str]]:
    """(subscription id, period) of the deliveries recorded in the audit log since a date."""
    rows = AuditEntry.objects.filter(
        entity_type=Subscription._meta.label_lower,
        entity_id__in=[str(pk) for pk in subscription_ids],
        action=AuditEntry.Action.ACTION,
        summary=SENT_SUMMARY,
        at__date__gte=since,
    ).values_list("entity_id", "after")
    return {(entity_id, str((after or {}).get("period", ""))) for entity_id, after in rows}


def packs_due(
    *, today: dt.date | None = None, organisation_ids: list[int] | None = None
) -> DeliveryRun:
    """The pack deliveries due today, not yet sent in their period."""
    today = today or timezone.localdate()
    subscriptions = list(
        Subscription.objects.filter(kind=Subscription.Kind.EXECUTIVE_PACK, user__is_active=True)
        .select_related("user", "user__organisation", "portfolio", "organisation")
        .order_by("organisation_id", "portfolio_id", "user_id", "pk")
    )
    if organisation_ids is not None:
        subscriptions = [s for s in subscriptions if s.organisation_id in organisation_ids]
    # A month back covers the longest period (a calendar month) and the week that straddles it.
    sent = _already_sent([s.pk for s in subscriptions], today - dt.timedelta(days=38))
    run = DeliveryRun(today)
    for subscription in subscriptions:
        period = period_key(subscription.frequency, today)
        if (str(subscription.pk), period) in sent:
            continue
        delivery = Delivery(subscription, period)
        if subscription.user.organisation_id != subscription.organisation_id:
            delivery.problem = "the subscriber belongs to another organisation"
        elif not can_read_pack(subscription.user):
            delivery.problem = "the subscriber's role may not receive the pack"
        elif not subscription.user.email:
            delivery.problem = "the subscriber has no email address"
        run.due.append(delivery)
    return run


def packs_send(
    *,
    today: dt.date | None = None,
    organisation_ids: list[int] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, str], None] | None = None,
) -> DeliveryRun:
    """Email every pack that is due, each pack drawn once and sent to all who want it."""
    run = packs_due(today=today, organisation_ids=organisation_ids)
    if dry_run:
        return run
    drawn: dict[tuple[int, int | None], tuple[ExecutivePack, RenderedPdf]] = {}
    deliverable = [delivery for delivery in run.due if not delivery.problem]
    for index, delivery in enumerate(deliverable):
        subscription = delivery.subscription
        key = (subscription.organisation_id, subscription.portfolio_id)
        try:
            if key not in drawn:
                # Pack readers all see the whole organisation, so one drawing serves them all.
                pack = build_pack(
                    scope_for_user(subscription.user, portfolio_id=subscription.portfolio_id),
                    as_of=run.today,
                )
                drawn[key] = (pack, render_pdf(pack.html))
            pack, rendered = drawn[key]
            _deliver(delivery, pack, rendered)
        except (AccessDenied, NotFound, OSError) as error:
            delivery.problem = str(error) or type(error).__name__
            logger.warning("Executive pack not sent to %s: %s", subscription.user, error)
        if progress is not None:
            progress(int(100 * (index + 1) / len(deliverable)), f"{index + 1} packs handled")
    return run


def _deliver(delivery: Delivery, pack: ExecutivePack, rendered: RenderedPdf) -> None:
    subscription, user = delivery.subscription, delivery.user
    dashboard = pack.dashboard
    subject = f"Executive pack: {dashboard.scope_label}, {dashboard.as_of:%d %B %Y}"
    url = settings.SITE_URL.rstrip("/") + reverse("reports:dashboard")
    body = render_to_string(
        "reports/pack_email.txt",
        {
            "user": user,
            "dashboard": dashboard,
            "summary": dashboard.summary,
            "frequency": frequency_name(subscription.frequency),
            "url": url,
            "pages": pack.pages,
        },
    )
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    message.attach(pack.file_name, rendered.pdf, "application/pdf")
    # Sent before the delivery is recorded, outside any transaction: a slow mail server must
    # not hold the database's write lock. A failed send records nothing and is retried by the
    # next run.
    message.send(fail_silently=False)
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditEntry.Action.ACTION,
            instance=subscription,
            summary=SENT_SUMMARY,
            after={"period": delivery.period, "to": user.email, "pages": rendered.page_count},
        )
        Notification.objects.create(
            organisation_id=subscription.organisation_id,
            recipient=user,
            kind=NotificationKind.REPORT_PACK_READY,
            title=subject[:200],
            body=f"Sent to {user.email} with the PDF attached ({rendered.page_count} pages).",
            url=reverse("reports:dashboard"),
            emailed_at=timezone.now(),
        )
    delivery.sent = True
