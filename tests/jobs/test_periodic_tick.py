"""The schedule's tick: each due run becomes exactly one job, however many workers tick."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from steerco.core.errors import ValidationFailed
from steerco.jobs import periodic, periodic_services
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import periodic_task
from steerco.jobs.periodic_services import (
    periodic_run_now,
    periodic_schedule_set_enabled,
    periodic_schedules_ensure,
    periodic_tick,
)
from steerco.jobs.registry import job_handler

UTC = dt.UTC
RUNS: list[dict[str, Any]] = []


@job_handler("tests.periodic_echo")
def _echo(params: dict[str, Any], progress: Any) -> dict[str, Any]:
    RUNS.append(params)
    return {"today": params["today"]}


@job_handler("tests.periodic_broken")
def _broken(params: dict[str, Any], progress: Any) -> None:
    raise RuntimeError("the mail server is down")


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.fixture
def schedule(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Only the periodic tasks a test registers (the product's own are left out)."""
    monkeypatch.setattr(periodic, "_PERIODIC", {})
    RUNS.clear()

    def register(**options: Any) -> Any:
        options.setdefault("title", "Echo")
        return periodic_task(options.pop("kind", "tests.periodic_echo"), **options)

    return register


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks: Any) -> Any:
    """Tick and run the jobs it queued (the test queue runs a job as it is enqueued)."""

    def tick(now: dt.datetime) -> list[Job]:
        with django_capture_on_commit_callbacks(execute=True):
            return periodic_tick(now=now)

    return tick


def test_a_due_interval_task_starts_one_job_per_organisation(
    schedule, org, other_org, run_jobs, django_assert_max_num_queries
):
    schedule(name="echo", every=dt.timedelta(minutes=5), params={"extra": 1})
    now = utc(2026, 3, 2, 10, 0)

    started = run_jobs(now)

    assert sorted(job.organisation_id for job in started) == sorted(
        [org.organisation.pk, other_org.organisation.pk]
    )
    for job in started:
        job.refresh_from_db()
        assert job.state == Job.State.SUCCEEDED
        assert job.kind == "tests.periodic_echo" and job.title == "Echo"
        assert job.created_by is None
        assert job.params == {
            "extra": 1,
            "organisation_id": job.organisation_id,
            "today": "2026-03-02",
            "periodic": "echo",
        }
    rows = PeriodicSchedule.objects.all()
    assert {(row.next_due_at, row.last_run_at) for row in rows} == {(utc(2026, 3, 2, 10, 5), now)}
    assert {row.last_job_id for row in rows} == {job.pk for job in started}

    # Not due again until 10:05, and a tick with nothing due stays cheap.
    with django_assert_max_num_queries(3):
        assert periodic_tick(now=utc(2026, 3, 2, 10, 4, 59)) == []
    assert len(run_jobs(utc(2026, 3, 2, 10, 5))) == 2


def test_two_ticks_that_read_the_same_due_row_start_it_once(schedule, org, monkeypatch):
    schedule(name="echo", every=dt.timedelta(minutes=5))
    now = utc(2026, 3, 2, 10, 0)
    periodic_schedules_ensure(now=now)
    real_zone = periodic_services.organisation_time_zone
    competitor_jobs: list[Job] = []

    def zone_after_a_competitor_claims(organisation: Any) -> Any:
        # Called between this worker's read of the row and its compare-and-set: let another
        # worker run a whole tick right there.
        if not competitor_jobs:
            competitor_jobs.append(Job())  # not again inside the competitor
            competitor_jobs.extend(periodic_tick(now=now))
        return real_zone(organisation)

    monkeypatch.setattr(periodic_services, "organisation_time_zone", zone_after_a_competitor_claims)
    mine = periodic_tick(now=now)

    assert len(competitor_jobs) == 2  # the marker and the competitor's one job
    assert mine == []
    assert Job.objects.count() == 1
    assert PeriodicSchedule.objects.get().next_due_at == utc(2026, 3, 2, 10, 5)


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_at_once_start_each_run_once(schedule):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL (the SQLite test database is shared)")
    from tests.fixtures_people import make_org

    make_org()
    make_org("GLOBEX", "Globex")
    schedule(name="echo", every=dt.timedelta(minutes=5))
    now = utc(2026, 3, 2, 10, 0)
    periodic_schedules_ensure(now=now)
    start = threading.Barrier(4)
    started: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            started.extend(job.pk for job in periodic_tick(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(started) == 2 == len(set(started)) == Job.objects.count()


def test_a_daily_task_follows_the_london_clock_across_the_spring_change(
    schedule, org, run_jobs, settings
):
    settings.TIME_ZONE = "Europe/London"
    schedule(name="morning", at=dt.time(7, 0))
    periodic_schedules_ensure(now=utc(2026, 3, 27, 12))
    row = PeriodicSchedule.objects.get()
    assert row.next_due_at == utc(2026, 3, 28, 7)

    assert run_jobs(utc(2026, 3, 28, 6, 59)) == []
    assert len(run_jobs(utc(2026, 3, 28, 7, 0, 10))) == 1
    row.refresh_from_db()
    assert row.next_due_at == utc(2026, 3, 29, 6)  # 07:00 BST
    assert run_jobs(utc(2026, 3, 29, 5, 59)) == []
    assert len(run_jobs(utc(2026, 3, 29, 6, 0, 10))) == 1
    row.refresh_from_db()
    assert row.next_due_at == utc(2026, 3, 30, 6)
    assert [params["today"] for params in RUNS] == ["2026-03-28", "2026-03-29"]


def test_today_is_the_organisations_date_not_utcs(schedule, org, run_jobs, settings):
    settings.TIME_ZONE = "Australia/Sydney"
    schedule(name="echo", every=dt.timedelta(hours=1))

    run_jobs(utc(2026, 3, 2, 20, 0))  # 07:00 on the 3rd in Sydney

    assert RUNS[0]["today"] == "2026-03-03"


def test_a_failed_run_is_recorded_and_the_schedule_moves_on(schedule, org, run_jobs):
    schedule(name="broken", kind="tests.periodic_broken", every=dt.timedelta(minutes=1))

    [job] = run_jobs(utc(2026, 3, 2, 10, 0))
    job.refresh_from_db()
    [again] = run_jobs(utc(2026, 3, 2, 10, 1))

    assert job.state == Job.State.FAILED
    assert "the mail server is down" in job.error
    # Failures of frequent tasks stay on the Jobs page.
    assert Job.objects.filter(pk__in=[job.pk, again.pk]).count() == 2


def test_frequent_tasks_keep_only_their_latest_success(schedule, org, run_jobs):
    schedule(name="echo", every=dt.timedelta(minutes=1))
    schedule(name="morning", at=dt.time(7, 0))

    for minute in range(3):
        run_jobs(utc(2026, 3, 2, 7, minute))
    run_jobs(utc(2026, 3, 3, 7, 0))
    run_jobs(utc(2026, 3, 4, 7, 0))

    assert Job.objects.filter(params__periodic="echo").count() == 1
    assert Job.objects.filter(params__periodic="morning").count() == 2


def test_a_disabled_task_does_not_run_and_resumes_at_its_next_time(schedule, org, run_jobs):
    schedule(name="echo", every=dt.timedelta(minutes=1))
    assert periodic_schedule_set_enabled(acting_user=None, name="echo", enabled=False) == 1

    assert run_jobs(utc(2026, 3, 2, 10, 0)) == []
    assert periodic_schedule_set_enabled(acting_user=None, name="echo", enabled=True) == 1
    assert PeriodicSchedule.objects.get().enabled
    with pytest.raises(ValidationFailed):
        periodic_schedule_set_enabled(acting_user=None, name="nope", enabled=False)


def test_run_now_starts_a_job_and_keeps_the_next_due_time(
    schedule, org, other_org, django_capture_on_commit_callbacks
):
    schedule(name="morning", at=dt.time(7, 0))
    now = utc(2026, 3, 2, 12, 0)
    with django_capture_on_commit_callbacks(execute=True):
        [job] = periodic_run_now(name="morning", organisation_ids=[org.organisation.pk], now=now)

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    mine = PeriodicSchedule.objects.get(organisation=org.organisation)
    assert (mine.last_run_at, mine.last_job_id) == (now, job.pk)
    assert mine.next_due_at == utc(2026, 3, 3, 7)
    with pytest.raises(ValidationFailed):
        periodic_run_now(name="nope")


def test_a_task_removed_from_the_code_is_left_alone(schedule, org, run_jobs):
    PeriodicSchedule.objects.create(
        organisation=org.organisation, name="gone", next_due_at=utc(2026, 1, 1)
    )

    assert run_jobs(utc(2026, 3, 2, 10, 0)) == []
    assert PeriodicSchedule.objects.get(name="gone").next_due_at == utc(2026, 1, 1)
