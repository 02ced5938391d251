"""An interval task never starts a run while its last one is still queued or running."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from steerco.jobs import periodic
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import periodic_task
from steerco.jobs.periodic_services import LOST_RUN_AFTER, periodic_tick
from steerco.jobs.registry import job_handler

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@job_handler("tests.periodic_overlap")
def _noop(params: dict[str, Any], progress: Any) -> dict[str, Any]:
    return {}


@pytest.fixture
def every_minute(monkeypatch: pytest.MonkeyPatch, org: Any) -> Any:
    """Only this test's task is scheduled, for one organisation; its runs are never executed
    (no after-commit callback runs), so each stays queued until the test says otherwise."""
    monkeypatch.setattr(periodic, "_PERIODIC", {})
    periodic_task("tests.periodic_overlap", name="overlap", title="Overlap", every=MINUTE)
    return org


def _schedule() -> PeriodicSchedule:
    return PeriodicSchedule.objects.get(name="overlap")


def test_a_run_still_queued_or_running_holds_the_next_one_back(every_minute: Any) -> None:
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    [first] = periodic_tick(now=start)
    Job.objects.filter(pk=first.pk).update(created_at=start)

    # Still queued: nothing new, but the schedule moves on rather than piling runs up.
    assert periodic_tick(now=start + MINUTE) == []
    schedule = _schedule()
    assert schedule.next_due_at == start + 2 * MINUTE
    assert schedule.last_job_id == first.pk
    assert schedule.last_run_at == start  # a skipped due time is not a run

    Job.objects.filter(pk=first.pk).update(state=Job.State.RUNNING)
    assert periodic_tick(now=start + 2 * MINUTE) == []
    assert Job.objects.count() == 1

    Job.objects.filter(pk=first.pk).update(state=Job.State.SUCCEEDED)
    [second] = periodic_tick(now=start + 3 * MINUTE)
    assert _schedule().last_job_id == second.pk
    assert _schedule().next_due_at == start + 4 * MINUTE


def test_a_failed_run_does_not_hold_the_next_one_back(every_minute: Any) -> None:
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    [first] = periodic_tick(now=start)
    Job.objects.filter(pk=first.pk).update(state=Job.State.FAILED, created_at=start)
    assert len(periodic_tick(now=start + MINUTE)) == 1


def test_a_run_lost_with_its_worker_stops_holding_the_schedule(every_minute: Any) -> None:
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    [first] = periodic_tick(now=start)
    Job.objects.filter(pk=first.pk).update(state=Job.State.RUNNING, created_at=start)
    later = start + LOST_RUN_AFTER + MINUTE
    [second] = periodic_tick(now=later)
    assert second.pk != first.pk
