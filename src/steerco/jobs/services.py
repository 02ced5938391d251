"""Starting jobs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record
from steerco.core.errors import ValidationFailed
from steerco.jobs.models import Job
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
