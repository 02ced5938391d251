"""Pruning: old finished jobs and queue rows go, recent and unfinished ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from steerco.cli import main
from steerco.core.errors import ValidationFailed
from steerco.core.models import AuditEntry
from steerco.jobs.job_handlers import jobs_prune as prune_handler
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import periodic_task_named
from steerco.jobs.services import jobs_prune

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def job(org, name: str, state: str, finished_days_ago: float | None) -> Job:
    finished = days_ago(finished_days_ago) if finished_days_ago is not None else None
    return Job.objects.create(
        organisation=org.organisation, kind="tests.any", title=name, state=state,
        finished_at=finished,
    )  # fmt: skip


def task_row(status: str, finished_days_ago: float | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="steerco.jobs.tasks.run_job",
        backend_name="default",
        run_after=days_ago(200),
        finished_at=days_ago(finished_days_ago) if finished_days_ago is not None else None,
        exception_class_path="",
        traceback="",
    )


@pytest.fixture
def history(org, other_org):
    S, F, Q, R = (Job.State.SUCCEEDED, Job.State.FAILED, Job.State.QUEUED, Job.State.RUNNING)
    return {
        "old done": job(org, "old done", S, 120),
        "old failed": job(org, "old failed", F, 91),
        "recent": job(org, "recent", S, 89),
        "queued long ago": job(org, "queued long ago", Q, None),
        "running long": job(org, "running long", R, None),
        "other org old": job(other_org, "other org old", S, 400),
        "task old": task_row("SUCCESSFUL", 100),
        "task old failed": task_row("FAILED", 95),
        "task recent": task_row("SUCCESSFUL", 10),
        "task running": task_row("RUNNING", None),
        "task ready": task_row("READY", None),
    }


def remaining_titles() -> set[str]:
    return set(Job.objects.values_list("title", flat=True))


def test_old_finished_rows_go_and_recent_or_unfinished_ones_stay(org, history):
    result = jobs_prune(now=NOW)

    assert (result.jobs, result.task_results) == (3, 2)
    assert result.finished_before == days_ago(90)
    assert remaining_titles() == {"recent", "queued long ago", "running long"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        "SUCCESSFUL",
        "RUNNING",
        "READY",
    }
    assert DBTaskResult.objects.filter(pk=history["task recent"].pk).exists()
    audits = AuditEntry.objects.filter(entity_type="jobs.job", entity_id="prune")
    assert sorted(audits.values_list("after__jobs", flat=True)) == [1, 2]


def test_the_retention_comes_from_the_setting_or_the_days_given(org, history, settings):
    settings.STEERCO_JOB_RETENTION_DAYS = 100
    assert jobs_prune(now=NOW).jobs == 2  # 120 and 400 days old
    assert "old failed" in remaining_titles()
    assert jobs_prune(older_than_days=30, now=NOW).jobs == 2  # 91 and 89 days
    assert remaining_titles() == {"queued long ago", "running long"}
    with pytest.raises(ValidationFailed) as failure:
        jobs_prune(older_than_days=0, now=NOW)
    assert "days" in failure.value.errors


def test_a_periodic_run_prunes_its_organisation_and_keeps_each_tasks_last_run(
    org, other_org, history
):
    PeriodicSchedule.objects.create(
        organisation=org.organisation,
        name="comms.send_emails",
        next_due_at=NOW,
        last_job=history["old done"],
    )
    seen: list[tuple[int, str]] = []
    result = prune_handler(
        {"organisation_id": org.organisation.pk}, lambda p, m="": seen.append((p, m))
    )

    assert (result["jobs"], result["task_results"]) == (1, 2)
    assert remaining_titles() == {
        "old done",  # the schedule still shows how its last run ended
        "recent",
        "queued long ago",
        "running long",
        "other org old",  # another organisation's run prunes it
    }
    assert seen[-1] == (100, "1 jobs and 2 task rows pruned")
    task = periodic_task_named("jobs.prune")
    assert (task.kind, task.schedule_label) == ("jobs.prune", "daily at 03:30")


def test_the_command_prunes_with_the_days_given(org, history, capsys):
    # The command's clock is now: move the history so that it is as old then as at NOW.
    shift = timezone.now() - NOW
    for row in Job.objects.exclude(finished_at=None):
        Job.objects.filter(pk=row.pk).update(finished_at=row.finished_at + shift)
    for task in DBTaskResult.objects.exclude(finished_at=None):
        DBTaskResult.objects.filter(pk=task.pk).update(finished_at=task.finished_at + shift)
    assert main(["jobs", "prune", "--days", "90"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 job(s) and 2 task result(s) finished before ")
    assert main(["jobs", "prune", "--days", "50"]) == 0
    assert capsys.readouterr().out.startswith("1 job(s) and 0 task result(s)")
    assert remaining_titles() == {"queued long ago", "running long"}
    assert main(["jobs", "prune", "--days", "0"]) == 2
    assert "at least 1 day" in capsys.readouterr().out
