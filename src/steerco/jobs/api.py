"""API: background jobs (state, progress, result or error)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.jobs.models import Job
from steerco.jobs.selectors import (
    PeriodicStatus,
    access_job_by_id,
    jobs_visible_to,
    periodic_status_for,
)

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    title: str
    state: str
    progress: int
    message: str
    result: Any | None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/jobs", response=list[JobOut])
@paginate
def job_list(request: HttpRequest) -> QuerySet[Job]:
    return jobs_visible_to(request_user(request))


class PeriodicTaskOut(Schema):
    name: str
    kind: str
    title: str
    schedule: str
    enabled: bool
    next_due_at: datetime
    last_run_at: datetime | None
    last_job_id: int | None
    last_job_state: str | None


@router.get("/jobs/periodic", response=list[PeriodicTaskOut])
def periodic_task_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The periodic tasks the workers run for this organisation, and when they run next."""
    return [_periodic_out(status) for status in periodic_status_for(request_user(request))]


def _periodic_out(status: PeriodicStatus) -> dict[str, Any]:
    return {
        "name": status.task.name,
        "kind": status.task.kind,
        "title": status.task.title,
        "schedule": status.task.schedule_label,
        "enabled": status.enabled,
        "next_due_at": status.next_due_at,
        "last_run_at": status.last_run_at,
        "last_job_id": status.last_job.pk if status.last_job else None,
        "last_job_state": status.last_job.state if status.last_job else None,
    }


@router.get("/jobs/{job_id}", response=JobOut)
def job_detail(request: HttpRequest, job_id: int) -> Job:
    return access_job_by_id(request_user(request), job_id)
