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
from steerco.jobs.selectors import access_job_by_id, jobs_visible_to

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


@router.get("/jobs/{job_id}", response=JobOut)
def job_detail(request: HttpRequest, job_id: int) -> Job:
    return access_job_by_id(request_user(request), job_id)
