"""Background jobs as users see them: what runs, how far it got, what came out.

The queue itself is django-tasks' database backend; a :class:`Job` is the
user-facing record that the page and the API poll for state and progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from steerco.core.models import TimeStampedModel


class Job(TimeStampedModel):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=60, db_index=True)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="jobs"
    )
    task_result_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_range")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {self.State.SUCCEEDED, self.State.FAILED}


class PeriodicSchedule(TimeStampedModel):
    """When one periodic task last ran for one organisation, and when it is next due.

    Workers claim a due row by moving ``next_due_at`` on with a compare-and-set, so that
    however many workers tick the schedule, each due run becomes exactly one :class:`Job`.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="periodic_schedules"
    )
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    next_due_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="periodic_schedule_unique"
            )
        ]
        indexes = [models.Index(fields=["enabled", "next_due_at"], name="periodic_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_due_at:%Y-%m-%d %H:%M})"
