"""The one django-tasks task: run a :class:`Job` by its kind's handler."""

from __future__ import annotations

import traceback

from django.utils import timezone
from django_tasks import task

from steerco.jobs.models import Job
from steerco.jobs.registry import handler_for


@task()
def run_job(job_id: int) -> str:
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job.state
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=timezone.now(), progress=0
    )

    def progress(percent: int, message: str = "") -> None:
        # A separate UPDATE so the page sees progress while the handler runs.
        Job.objects.filter(pk=job.pk).update(
            progress=max(0, min(100, int(percent))), message=message[:300]
        )

    try:
        result = handler_for(job.kind)(dict(job.params), progress)
    except Exception as error:  # the job records any failure; the worker must go on
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED,
            error=f"{type(error).__name__}: {error}",
            message=str(error)[:300],
            finished_at=timezone.now(),
        )
        traceback.print_exc()
        return Job.State.FAILED
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.SUCCEEDED,
        progress=100,
        result=result,
        finished_at=timezone.now(),
    )
    return Job.State.SUCCEEDED
