"""Executive packs go out by the worker's schedule: daily ones once a day, monthly once a month."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.core import mail

from steerco.comms.models import Subscription
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic_services import periodic_run_now, periodic_schedules_ensure
from steerco.jobs.periodic_services import periodic_tick as tick
from steerco.reports import pack, services
from steerco.reports.pack import RenderedPdf
from steerco.reports.services import frequency_name, subscription_create

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PACKS = "reports.deliver_packs"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.fixture
def deliveries(django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Tick at a given moment; the subjects of the packs that this tick emailed."""
    # Drawing charts and laying out PDFs is slow and tested elsewhere (test_services.py);
    # here only when packs go out matters.
    monkeypatch.setattr(services, "render_pdf", lambda html: RenderedPdf(b"%PDF-1.7", 1))
    monkeypatch.setattr(pack.charts, "to_svg", lambda spec, width: "<svg></svg>")

    def at(now: dt.datetime) -> list[str]:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            tick(now=now)
        return sorted(message.subject for message in mail.outbox[before:])

    return at


def test_daily_subscribers_get_one_pack_each_morning_and_monthly_ones_one_a_month(
    world, settings, deliveries, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Europe/London"
    executive = world.org.user("executive")
    executive.email = "exec@acme.example"
    executive.save()
    daily = subscription_create(
        acting_user=executive, portfolio_id=world.digital.pk, frequency="daily"
    )
    subscription_create(acting_user=executive, portfolio_id=world.ops.pk, frequency="monthly")
    assert (daily.frequency, frequency_name(daily.frequency)) == ("daily", "daily")
    periodic_schedules_ensure(now=utc(2026, 3, 15, 12))
    assert PeriodicSchedule.objects.get(name=PACKS).next_due_at == utc(2026, 3, 16, 7)

    assert deliveries(utc(2026, 3, 16, 6, 59)) == []
    assert deliveries(utc(2026, 3, 16, 7, 0, 20)) == [
        "Executive pack: Digital portfolio, 16 March 2026",
        "Executive pack: Operations portfolio, 16 March 2026",
    ]
    # Later the same day nothing is due; run by hand, it finds every pack already sent.
    assert deliveries(utc(2026, 3, 16, 15, 0)) == []
    with django_capture_on_commit_callbacks(execute=True):
        [by_hand] = periodic_run_now(name=PACKS, now=utc(2026, 3, 16, 15, 0))
    by_hand.refresh_from_db()
    assert (by_hand.state, by_hand.result["due"]) == (Job.State.SUCCEEDED, 0)
    assert len(mail.outbox) == 2

    # The next morning only the daily pack goes: the monthly one had its March pack.
    assert deliveries(utc(2026, 3, 17, 7, 0, 20)) == [
        "Executive pack: Digital portfolio, 17 March 2026"
    ]
    jobs = Job.objects.filter(kind=PACKS).order_by("pk")
    assert [job.params["today"] for job in jobs] == ["2026-03-16", "2026-03-16", "2026-03-17"]
    assert {job.state for job in jobs} == {Job.State.SUCCEEDED}


def test_older_daily_subscriptions_stored_as_immediate_still_read_as_daily(world):
    executive = world.org.user("executive")
    legacy = Subscription.objects.create(
        organisation=world.org.organisation,
        user=executive,
        kind=Subscription.Kind.EXECUTIVE_PACK,
        frequency=Subscription.Frequency.IMMEDIATE,
        portfolio=world.digital,
    )

    assert frequency_name(legacy.frequency) == "daily"
    again = subscription_create(
        acting_user=executive, portfolio_id=world.digital.pk, frequency="daily"
    )
    assert again.pk == legacy.pk and again.frequency == Subscription.Frequency.DAILY


def test_the_migration_turns_older_daily_packs_into_daily_and_leaves_follows_alone(world):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("steerco.comms.migrations.0002_subscription_daily")
    executive = world.org.user("executive")
    pack = Subscription.objects.create(
        organisation=world.org.organisation,
        user=executive,
        kind=Subscription.Kind.EXECUTIVE_PACK,
        frequency=Subscription.Frequency.IMMEDIATE,
        portfolio=world.digital,
    )
    follow = Subscription.objects.create(
        organisation=world.org.organisation,
        user=executive,
        kind=Subscription.Kind.FOLLOW,
        frequency=Subscription.Frequency.IMMEDIATE,
        content_type=ContentType.objects.get_for_model(world.dig1),
        object_id=world.dig1.pk,
    )

    migration.executive_packs_daily(apps, None)

    pack.refresh_from_db()
    follow.refresh_from_db()
    assert (pack.frequency, follow.frequency) == ("daily", "immediate")
    migration.executive_packs_immediate(apps, None)
    pack.refresh_from_db()
    assert pack.frequency == "immediate"
