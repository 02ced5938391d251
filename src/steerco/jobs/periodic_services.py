"""Running periodic tasks: the schedule's tick, a run on demand, switching a task on or off.

:func:`periodic_tick` is what ``steerco worker`` calls every few seconds. Any number of
workers may tick the same database at once: a due run is claimed by moving its
``next_due_at`` on with a conditional UPDATE (compare-and-set on the old value), under
``SELECT ... FOR UPDATE SKIP LOCKED`` where the database has it, so exactly one worker
starts each run. The run itself is an ordinary :class:`Job`, queued once the claim commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from steerco.accounts.models import Organisation
from steerco.core.audit import audit_record
from steerco.core.errors import ValidationFailed
from steerco.core.models import AuditEntry
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import (
    PeriodicTask,
    organisation_time_zone,
    periodic_task_named,
    periodic_tasks,
)
from steerco.jobs.services import job_enqueue

logger = logging.getLogger(__name__)

# An interval run queued or running for longer than this is taken as lost with its worker.
LOST_RUN_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One periodic task as one organisation runs it (for listings)."""

    task: PeriodicTask
    schedule: PeriodicSchedule


def _organisations(organisation_ids: Iterable[int] | None) -> list[Organisation]:
    organisations = Organisation.objects.order_by("pk")
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=list(organisation_ids))
    return list(organisations)


def _schedules_of(
    organisations: list[Organisation], names: list[str]
) -> dict[tuple[int, str], PeriodicSchedule]:
    rows = PeriodicSchedule.objects.filter(organisation__in=organisations, name__in=names)
    return {(row.organisation_id, row.name): row for row in rows.select_related("organisation")}


def periodic_schedules_ensure(
    *, now: dt.datetime | None = None, organisation_ids: Iterable[int] | None = None
) -> list[ScheduleRow]:
    """Every (organisation, periodic task) pair with its schedule row, adding missing rows."""
    now = now or timezone.now()
    tasks = {task.name: task for task in periodic_tasks()}
    organisations = _organisations(organisation_ids)
    if not tasks or not organisations:
        return []
    existing = _schedules_of(organisations, list(tasks))
    missing = [
        PeriodicSchedule(
            organisation=organisation,
            name=name,
            next_due_at=task.first_due(now, organisation_time_zone(organisation)),
        )
        for organisation in organisations
        for name, task in tasks.items()
        if (organisation.pk, name) not in existing
    ]
    if missing:
        # Another worker may add the same rows at the same moment; the unique constraint
        # keeps one of each and this insert skips the rest.
        PeriodicSchedule.objects.bulk_create(missing, ignore_conflicts=True)
        existing = _schedules_of(organisations, list(tasks))
    return [
        ScheduleRow(tasks[name], existing[(organisation.pk, name)])
        for organisation in organisations
        for name in sorted(tasks)
        if (organisation.pk, name) in existing
    ]


def _job_params(task: PeriodicTask, organisation: Organisation, now: dt.datetime) -> dict[str, Any]:
    today = now.astimezone(organisation_time_zone(organisation)).date()
    return {
        **task.params,
        "organisation_id": organisation.pk,
        "today": today.isoformat(),
        "periodic": task.name,
    }


def _start_job(
    task: PeriodicTask, organisation: Organisation, now: dt.datetime, previous_job_id: int | None
) -> Job:
    """Create the run's job (inside the caller's transaction) and queue it after commit."""
    if task.every is not None and previous_job_id is not None:
        # Frequent housekeeping would bury everything else on the Jobs page: keep only its
        # latest successful run, and every failure.
        Job.objects.filter(pk=previous_job_id, state=Job.State.SUCCEEDED).delete()
    job = Job.objects.create(
        organisation=organisation,
        kind=task.kind,
        title=task.title[:200],
        params=_job_params(task, organisation, now),
    )
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def _still_busy(job_id: int | None, now: dt.datetime) -> bool:
    """Whether the schedule's last run is still queued or running (and not given up on)."""
    if job_id is None:
        return False
    return Job.objects.filter(
        pk=job_id,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
        # A run whose worker died stays "running" for ever: past this age it no longer holds
        # the schedule back, or the task would never run again.
        created_at__gt=now - LOST_RUN_AFTER,
    ).exists()


def _claim(
    schedule_id: int, task: PeriodicTask, organisation: Organisation, now: dt.datetime
) -> Job | None:
    """Start one due run unless another worker got there first.

    An interval task whose last run is still queued or running is not started again: its
    due time is passed over (``next_due_at`` still moves on) and the next one tries again.
    """
    with transaction.atomic():
        rows = PeriodicSchedule.objects.filter(pk=schedule_id, enabled=True, next_due_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            # A row another worker is claiming right now is skipped, not waited for.
            rows = rows.select_for_update(skip_locked=True)
        schedule = rows.first()
        if schedule is None:
            return None
        previous_due = schedule.next_due_at
        following = task.following_due(previous_due, now, organisation_time_zone(organisation))
        # An interval run still queued or running: a second one would only pile up behind it
        # (or overlap it). This due time is passed over, and not recorded as a run.
        busy = task.every is not None and _still_busy(schedule.last_job_id, now)
        changes: dict[str, Any] = {"next_due_at": following, "updated_at": now}
        if not busy:
            changes["last_run_at"] = now
        # Compare-and-set on the due time this worker read: of two workers that read the same
        # row (SQLite has no row locks), only the first UPDATE matches.
        claimed = PeriodicSchedule.objects.filter(
            pk=schedule_id, enabled=True, next_due_at=previous_due
        ).update(**changes)
        if not claimed:
            return None
        if busy:
            logger.info("Periodic task %s skipped: its last run is not finished", task.name)
            return None
        job = _start_job(task, organisation, now, schedule.last_job_id)
        PeriodicSchedule.objects.filter(pk=schedule_id).update(last_job=job)
    return job


def periodic_tick(*, now: dt.datetime | None = None) -> list[Job]:
    """Start every periodic run that is due now; safe with any number of workers at once.

    Returns the jobs this call started (each queued once its claim commits).
    """
    now = now or timezone.now()
    rows = periodic_schedules_ensure(now=now)
    started: list[Job] = []
    for row in sorted(rows, key=lambda row: (row.schedule.next_due_at, row.schedule.pk)):
        schedule = row.schedule
        if not schedule.enabled or schedule.next_due_at > now:
            continue
        try:
            job = _claim(schedule.pk, row.task, schedule.organisation, now)
        except Exception:  # one broken task must not stop the others, nor the worker
            logger.exception("Periodic task %s could not be started", row.task.name)
            continue
        if job is not None:
            started.append(job)
    return started


def periodic_run_now(
    *, name: str, organisation_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> list[Job]:
    """Start a periodic task at once for each organisation, leaving its next due time alone."""
    try:
        task = periodic_task_named(name)
    except LookupError:
        raise ValidationFailed({"name": [f"No periodic task {name!r}."]}) from None
    now = now or timezone.now()
    started: list[Job] = []
    for row in periodic_schedules_ensure(now=now, organisation_ids=organisation_ids):
        if row.task.name != name:
            continue
        schedule = row.schedule
        with transaction.atomic():
            job = _start_job(task, schedule.organisation, now, None)
            PeriodicSchedule.objects.filter(pk=schedule.pk).update(
                last_run_at=now, last_job=job, updated_at=now
            )
        started.append(job)
    return started


@transaction.atomic
def periodic_schedule_set_enabled(
    *, acting_user: Any, name: str, enabled: bool, organisation_ids: Iterable[int] | None = None
) -> int:
    """Switch a periodic task on or off (for some organisations, or all); returns rows changed.

    Switching a task back on makes it due at its next time, not at once for every run missed.
    """
    try:
        task = periodic_task_named(name)
    except LookupError:
        raise ValidationFailed({"name": [f"No periodic task {name!r}."]}) from None
    now = timezone.now()
    changed = 0
    for row in periodic_schedules_ensure(now=now, organisation_ids=organisation_ids):
        schedule = row.schedule
        if row.task.name != name or schedule.enabled == enabled:
            continue
        schedule.enabled = enabled
        if enabled:
            schedule.next_due_at = task.first_due(
                now, organisation_time_zone(schedule.organisation)
            )
        schedule.save(update_fields=["enabled", "next_due_at", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            instance=schedule,
            organisation_id=schedule.organisation_id,
            after={"enabled": enabled},
        )
        changed += 1
    return changed
