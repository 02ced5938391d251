"""Starting jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record
from steerco.core.errors import ValidationFailed
from steerco.core.models import AuditEntry
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.registry import known_kinds


@transaction.atomic
def job_start(*, acting_user: User, kind: str, title: str, params: dict[str, Any]) -> Job:
    """Queue a job; the worker picks it up once this transaction commits."""
    if kind not in known_kinds():
        raise ValidationFailed({"kind": [f"Unknown job kind {kind!r}."]})
    job = Job.objects.create(
        organisation_id=organisation_id_of(acting_user),
        kind=kind,
        title=title[:200],
        params=params,
        created_by=acting_user,
    )
    audit_record(actor=acting_user, action="create", instance=job, after={"kind": kind})
    transaction.on_commit(lambda: job_enqueue(job.pk))
    return job


def job_enqueue(job_id: int) -> None:
    """Hand a queued job to the task queue; call it once the job's row is committed."""
    from steerco.jobs.tasks import run_job

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_result_id="").update(task_result_id=str(result.id))


DEFAULT_RETENTION_DAYS = 90


def job_retention_days() -> int:
    """How many days finished jobs are kept (``STEERCO_JOB_RETENTION_DAYS``, default 90)."""
    return int(getattr(settings, "STEERCO_JOB_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass(frozen=True, slots=True)
class PruneResult:
    finished_before: dt.datetime
    jobs: int
    task_results: int


@transaction.atomic
def jobs_prune(
    *,
    older_than_days: int | None = None,
    organisation_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> PruneResult:
    """Delete finished jobs, and the queue's finished task rows, older than the retention.

    Queued and running jobs stay whatever their age, and so does the last run of each periodic
    task (the schedule shows how it ended). ``organisation_ids`` limits the jobs pruned; the
    queue's task rows belong to no organisation, so every old finished one goes.
    """
    days = job_retention_days() if older_than_days is None else older_than_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationFailed({"days": ["Keep finished jobs for at least 1 day."]})
    finished_before = (now or timezone.now()) - dt.timedelta(days=days)
    jobs = Job.objects.filter(
        state__in=[Job.State.SUCCEEDED, Job.State.FAILED], finished_at__lt=finished_before
    ).exclude(pk__in=PeriodicSchedule.objects.filter(last_job__isnull=False).values("last_job"))
    if organisation_ids is not None:
        jobs = jobs.filter(organisation_id__in=organisation_ids)
    by_organisation: dict[int, int] = {}
    for organisation_id in jobs.values_list("organisation_id", flat=True):
        by_organisation[organisation_id] = by_organisation.get(organisation_id, 0) + 1
    jobs_deleted = jobs.delete()[1].get(Job._meta.label, 0)
    task_results_deleted = _task_results_prune(finished_before)
    for organisation_id, count in sorted(by_organisation.items()):
        audit_record(
            actor=None,
            action=AuditEntry.Action.DELETE,
            entity_type=Job._meta.label_lower,
            entity_id="prune",
            organisation_id=organisation_id,
            after={"jobs": count, "finished_before": finished_before.isoformat()},
            summary=f"{count} jobs finished before {finished_before:%Y-%m-%d} pruned",
        )
    return PruneResult(finished_before, jobs_deleted, task_results_deleted)


def _task_results_prune(finished_before: dt.datetime) -> int:
    # Imported here: the database queue is one backend among others, and its models exist only
    # while its app is installed.
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    results = DBTaskResult.objects.finished().filter(finished_at__lt=finished_before)
    return int(results.delete()[1].get(DBTaskResult._meta.label, 0))
