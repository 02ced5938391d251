"""Reading jobs, always within the user's organisation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of, sees_whole_organisation
from steerco.core.errors import AccessDenied, NotFound
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import PeriodicTask, organisation_time_zone, periodic_tasks


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


@dataclass(frozen=True, slots=True)
class PeriodicStatus:
    """One periodic task as the user's organisation runs it."""

    task: PeriodicTask
    enabled: bool
    next_due_at: datetime.datetime
    last_run_at: datetime.datetime | None
    last_job: Job | None


def periodic_status_for(
    user: User, *, now: datetime.datetime | None = None
) -> list[PeriodicStatus]:
    """The periodic tasks of the user's organisation (organisation-wide readers only).

    A task that has never been ticked for the organisation shows when it would first be due.
    """
    if not sees_whole_organisation(user):
        raise AccessDenied("Your role may not see the organisation's periodic tasks.")
    organisation_id = organisation_id_of(user)
    rows = {
        row.name: row
        for row in PeriodicSchedule.objects.filter(organisation_id=organisation_id).select_related(
            "organisation", "last_job"
        )
    }
    now = now or timezone.now()
    zone = organisation_time_zone(user.organisation)
    statuses = []
    for task in periodic_tasks():
        row = rows.get(task.name)
        if row is None:
            statuses.append(PeriodicStatus(task, True, task.first_due(now, zone), None, None))
        else:
            statuses.append(
                PeriodicStatus(task, row.enabled, row.next_due_at, row.last_run_at, row.last_job)
            )
    return statuses
