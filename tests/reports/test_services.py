"""Pack subscriptions and their scheduled email deliveries."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from steerco.comms.models import Notification, NotificationKind, Subscription
from steerco.core.errors import AccessDenied, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.reports.services import (
    packs_due,
    packs_send,
    period_key,
    subscription_create,
    subscription_delete,
)

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 16)


def test_period_keys():
    assert period_key(Subscription.Frequency.IMMEDIATE, MONDAY) == "2026-03-16"
    assert period_key(Subscription.Frequency.WEEKLY, MONDAY) == "2026-W12"
    assert period_key(Subscription.Frequency.WEEKLY, dt.date(2026, 3, 22)) == "2026-W12"
    assert period_key(Subscription.Frequency.WEEKLY, dt.date(2027, 1, 1)) == "2026-W53"
    assert period_key(Subscription.Frequency.MONTHLY, MONDAY) == "2026-03"


def test_subscribe_to_a_portfolio_or_to_all(world):
    executive = world.org.user("executive")

    portfolio = subscription_create(
        acting_user=executive, portfolio_id=world.digital.pk, frequency="weekly"
    )
    everything = subscription_create(acting_user=executive, frequency="daily")
    again = subscription_create(acting_user=executive, frequency="monthly")

    assert (portfolio.kind, portfolio.frequency) == ("executive_pack", "weekly")
    assert portfolio.portfolio == world.digital
    assert everything.portfolio is None
    assert everything.target == world.org.organisation
    assert again.pk == everything.pk and again.frequency == "monthly"
    assert Subscription.objects.filter(user=executive).count() == 2
    assert AuditEntry.objects.filter(entity_type="comms.subscription").count() == 3


def test_subscriptions_are_for_pack_readers_in_their_own_organisation(world, other_org):
    with pytest.raises(AccessDenied):
        subscription_create(acting_user=world.org.user("project_manager"), frequency="weekly")
    with pytest.raises(NotFound):
        subscription_create(acting_user=other_org.user("executive"), portfolio_id=world.digital.pk)
    with pytest.raises(ValidationFailed):
        subscription_create(acting_user=world.org.user("executive"), frequency="hourly")


def test_unsubscribe_own_only(world):
    executive, pmo = world.org.user("executive"), world.org.user("pmo_analyst")
    subscription = subscription_create(acting_user=executive, frequency="weekly")

    with pytest.raises(NotFound):
        subscription_delete(acting_user=pmo, subscription_id=subscription.pk)
    subscription_delete(
        acting_user=world.org.user("administrator"), subscription_id=subscription.pk
    )

    assert not Subscription.objects.exists()


def test_due_packs_are_emailed_with_the_pdf_once_per_period(world):
    executive = world.org.user("executive")
    executive.email = "exec@acme.example"
    executive.save()
    subscription_create(acting_user=executive, portfolio_id=world.digital.pk, frequency="weekly")

    run = packs_send(today=MONDAY)

    assert [d.user for d in run.sent] == [executive]
    [message] = mail.outbox
    assert message.to == ["exec@acme.example"]
    assert message.subject == "Executive pack: Digital portfolio, 16 March 2026"
    assert "2 active projects: 1 red, 1 amber, 0 green" in message.body
    [(file_name, content, mimetype)] = message.attachments
    assert file_name == "steerco-executive-pack-DIG-2026-03-16.pdf"
    assert content[:5] == b"%PDF-"
    assert mimetype == "application/pdf"
    notification = Notification.objects.get(recipient=executive)
    assert notification.kind == NotificationKind.REPORT_PACK_READY
    assert notification.emailed_at is not None

    # The same week: nothing is due; the next week: due again.
    assert packs_due(today=MONDAY + dt.timedelta(days=3)).due == []
    assert [d.period for d in packs_due(today=MONDAY + dt.timedelta(days=7)).due] == ["2026-W13"]


def test_subscribers_who_cannot_receive_are_reported_not_mailed(world):
    executive = world.org.user("executive")
    subscription = subscription_create(acting_user=executive, frequency="daily")
    manager = world.org.user("project_manager")
    manager.email = "pm@acme.example"
    manager.save()
    # A subscriber whose role changed since subscribing.
    Subscription.objects.create(
        organisation=world.org.organisation,
        user=manager,
        kind=Subscription.Kind.EXECUTIVE_PACK,
        frequency=Subscription.Frequency.WEEKLY,
        portfolio=world.ops,
    )

    run = packs_send(today=MONDAY)

    problems = {d.user.username: d.problem for d in run.due}
    assert problems == {
        executive.username: "the subscriber has no email address",
        manager.username: "the subscriber's role may not receive the pack",
    }
    assert run.sent == [] and mail.outbox == []
    assert subscription.pk in {d.subscription.pk for d in run.failed}


def test_dry_run_sends_nothing(world):
    executive = world.org.user("executive")
    executive.email = "exec@acme.example"
    executive.save()
    subscription_create(acting_user=executive, frequency="monthly")

    run = packs_send(today=MONDAY, dry_run=True)

    assert [d.period for d in run.due] == ["2026-03"]
    assert run.sent == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_a_failed_send_is_not_recorded_and_is_retried(world, monkeypatch):
    executive = world.org.user("executive")
    executive.email = "exec@acme.example"
    executive.save()
    subscription_create(acting_user=executive, portfolio_id=world.ops.pk, frequency="daily")

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    run = packs_send(today=MONDAY)

    assert [d.problem for d in run.due] == ["mail server went away"]
    assert not AuditEntry.objects.filter(summary="Executive pack emailed").exists()
    assert not Notification.objects.exists()
    assert len(packs_due(today=MONDAY).due) == 1  # due again on the next run
