"""The comms housekeeping the worker's schedule runs: once per organisation, each its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from steerco.comms.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    Webhook,
    WebhookDelivery,
)
from steerco.jobs.models import Job
from steerco.jobs.periodic_services import periodic_run_now, periodic_tick

pytestmark = pytest.mark.django_db


def _notify(user: Any, title: str) -> Notification:
    return Notification.objects.create(
        organisation_id=user.organisation_id,
        recipient=user,
        kind=NotificationKind.MENTION,
        title=title,
    )


def _with_email(user: Any) -> Any:
    user.email = f"{user.username}@example.test"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    def start(name: str, organisation: Any) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            [job] = periodic_run_now(name=name, organisation_ids=[organisation.pk])
        job.refresh_from_db()
        return job

    return start


def test_pending_emails_of_one_organisation_only(org, other_org, run):
    mine = _notify(_with_email(org.user("pmo_analyst")), "Gate G2 requested")
    theirs = _notify(_with_email(other_org.user("pmo_analyst")), "Their gate")

    job = run("comms.send_emails", org.organisation)

    assert (job.state, job.result) == (Job.State.SUCCEEDED, {"sent": 1})
    assert [message.subject for message in mail.outbox] == ["[Steerco] Gate G2 requested"]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.emailed_at is not None and theirs.emailed_at is None


def test_daily_digests_of_one_organisation_only(org, other_org, run):
    for user in (_with_email(org.user("executive")), _with_email(other_org.user("executive"))):
        NotificationPreference.objects.create(
            user=user, kind=NotificationKind.MENTION, email=True, digest="daily"
        )
        _notify(user, "Mentioned on DIG-1")
        _notify(user, "Mentioned on DIG-2")

    job = run("comms.digest.daily", org.organisation)
    weekly = run("comms.digest.weekly", org.organisation)

    assert job.result == {"sent": 1} and weekly.result == {"sent": 0}
    [message] = mail.outbox
    assert message.to == [org.user("executive").email]
    assert "2 notification(s)" in message.subject


def test_the_webhook_sweep_leaves_other_organisations_deliveries_alone(org, other_org, run):
    webhook = Webhook.objects.create(
        organisation=other_org.organisation,
        name="Theirs",
        url="https://hooks.example/x",
        secret="s",
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event="project.updated",
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1),
    )

    job = run("comms.deliver_due_webhooks", org.organisation)

    assert job.result == {"attempts": 0, "succeeded": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PENDING, 0)


def test_the_schedule_sends_notification_emails_without_cron(
    org, django_capture_on_commit_callbacks
):
    _notify(_with_email(org.user("project_manager")), "Status report due")

    with django_capture_on_commit_callbacks(execute=True):
        started = periodic_tick()

    assert "comms.send_emails" in {job.params["periodic"] for job in started}
    assert [message.subject for message in mail.outbox] == ["[Steerco] Status report due"]
