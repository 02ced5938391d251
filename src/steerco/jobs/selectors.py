"""Reading jobs, always within the user's organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of, sees_whole_organisation
from steerco.core.errors import NotFound
from steerco.jobs.models import Job


def jobs_visible_to(user: User) -> QuerySet[Job]:
    jobs = Job.objects.filter(organisation_id=organisation_id_of(user)).select_related("created_by")
    if not sees_whole_organisation(user):
        jobs = jobs.filter(created_by=user)
    return jobs


def access_job_by_id(user: User, job_id: int) -> Job:
    try:
        return jobs_visible_to(user).get(pk=job_id)
    except Job.DoesNotExist:
        raise NotFound(f"No job {job_id}.") from None
