"""Roles, people, capacity, demand, bookings, assignments and timesheets.

Organisation scoping: ``Role``, ``Skill``, ``Person``, ``CostRate``,
``CapacityPeriod``, ``ResourceRequest``, ``Timesheet`` and ``LockedPeriod``
carry a direct ``organisation`` foreign key: they are listed organisation-wide
(capacity heatmaps, approval queues) without a single parent to filter on.
Child rows inherit it from their parent: ``PersonSkill`` and ``Absence``
(person), ``RoleDemand`` and ``Booking`` (project), ``Assignment`` (task),
``TimesheetEntry`` (timesheet), ``HiringPlan`` (scenario).

``Role`` here is a job role of the PMO's workforce (Data Engineer, Business
Analyst), not the permission role of a user (``accounts.Role``).
Hours are decimals with two places; months are first-of-month dates.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from steerco.accounts.models import code_validator
from steerco.core.models import TimeStampedModel
from steerco.core.money import MoneyField
from steerco.projects.validators import validate_first_of_month, validate_monday


class Role(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="resource_roles"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    default_cost_rate = MoneyField(default=Decimal("0"), help_text="Per hour")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="role_code_unique"),
            models.CheckConstraint(
                condition=Q(default_cost_rate__gte=0), name="role_cost_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Skill(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="skills"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="skill_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """Someone whose time is planned; may or may not log in (``user``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="people"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="people")
    business_unit = models.ForeignKey(
        "accounts.BusinessUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    calendar = models.ForeignKey(
        "projects.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    fte = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1.00"), help_text="0..1.5"
    )
    is_active = models.BooleanField(default=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_people",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=~Q(email=""),
                name="person_email_unique",
            ),
            models.CheckConstraint(
                condition=Q(fte__gte=0, fte__lte=Decimal("1.5")), name="person_fte_range"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="person_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "role", "is_active"], name="person_org_role_idx")
        ]

    def __str__(self) -> str:
        return self.name


class PersonSkill(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="people")
    level = models.PositiveSmallIntegerField(default=3, help_text="1 (novice) to 5 (expert)")

    class Meta:
        ordering = ["person_id", "skill_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="person_skill_unique"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="person_skill_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.skill} ({self.level})"


class CostRate(TimeStampedModel):
    """An hourly rate from a date on, for a person or (as a default) for a role."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="cost_rates"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="cost_rates"
    )
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, null=True, blank=True, related_name="cost_rates"
    )
    rate = MoneyField(help_text="Per hour")
    currency = models.CharField(max_length=3, help_text="ISO 4217")
    effective_from = models.DateField()

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, role__isnull=True)
                | Q(person__isnull=True, role__isnull=False),
                name="cost_rate_person_or_role",
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="cost_rate_positive"),
            models.UniqueConstraint(
                fields=["person", "effective_from"],
                condition=Q(person__isnull=False),
                name="cost_rate_person_date_unique",
            ),
            models.UniqueConstraint(
                fields=["role", "effective_from"],
                condition=Q(role__isnull=False),
                name="cost_rate_role_date_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.role}: {self.rate} {self.currency} from {self.effective_from}"


class Absence(TimeStampedModel):
    """Time a person is away; ``hours_per_day`` empty means whole days."""

    class Reason(models.TextChoices):
        LEAVE = "leave", "Leave"
        SICK = "sick", "Sickness"
        TRAINING = "training", "Training"
        PUBLIC_HOLIDAY = "public_holiday", "Public holiday"
        OTHER = "other", "Other"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absences")
    start_date = models.DateField()
    finish_date = models.DateField()
    hours_per_day = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=15, choices=Reason.choices, default=Reason.LEAVE)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["person_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finish_date__gte=F("start_date")), name="absence_finish_after_start"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_day__isnull=True)
                | Q(hours_per_day__gt=0, hours_per_day__lte=24),
                name="absence_hours_range",
            ),
        ]
        indexes = [models.Index(fields=["person", "start_date"], name="absence_person_start_idx")]

    def __str__(self) -> str:
        return f"{self.person} {self.reason} {self.start_date}..{self.finish_date}"


class CapacityPeriod(TimeStampedModel):
    """Derived cache of available hours: per person and month, and per role and month.

    A person row has ``person`` set (and ``role`` copied from the person so that
    role totals group without a join); a role total row has ``person`` empty.
    Rebuilt by a service from people, calendars and absences; never edited.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="capacity_periods"
    )
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, null=True, blank=True, related_name="capacity_periods"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="capacity_periods"
    )
    month = models.DateField(validators=[validate_first_of_month])
    hours = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__isnull=False) | Q(person__isnull=False),
                name="capacity_period_role_or_person",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0), name="capacity_period_hours_positive"
            ),
            models.UniqueConstraint(
                fields=["person", "month"],
                condition=Q(person__isnull=False),
                name="capacity_period_person_month_unique",
            ),
            models.UniqueConstraint(
                fields=["role", "month"],
                condition=Q(person__isnull=True),
                name="capacity_period_role_month_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "month"], name="capacity_org_month_idx"),
            models.Index(fields=["role", "month"], name="capacity_role_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.role} {self.month:%Y-%m}: {self.hours} h"


class RoleDemand(TimeStampedModel):
    """Hours of a role a project needs in a month, from its business case, schedule or a planner."""

    class Source(models.TextChoices):
        BUSINESS_CASE = "business_case", "Business case"
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="role_demands"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="demands")
    month = models.DateField(validators=[validate_first_of_month])
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    source = models.CharField(max_length=15, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["project_id", "role_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "role", "month", "source"], name="role_demand_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="role_demand_hours_positive"),
        ]
        indexes = [models.Index(fields=["role", "month"], name="role_demand_role_month_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.role} {self.month:%Y-%m}: {self.hours} h"


class Booking(TimeStampedModel):
    """Hours of a named person reserved for a project in a month (soft = tentative)."""

    class Kind(models.TextChoices):
        SOFT = "soft", "Soft"
        HARD = "hard", "Hard"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="bookings"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bookings")
    month = models.DateField(validators=[validate_first_of_month])
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.SOFT)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["project_id", "person_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "month", "kind"], name="booking_unique"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="booking_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["person", "month"], name="booking_person_month_idx"),
            models.Index(fields=["project", "month"], name="booking_project_month_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.person} on {self.project_id} {self.month:%Y-%m}: {self.hours} h ({self.kind})"
        )


class Assignment(TimeStampedModel):
    """A person, or a generic role until someone is named, working on a task.

    ``units`` is a percentage of full time: 200 means two people's worth.
    """

    task = models.ForeignKey("projects.Task", on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments"
    )
    units = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("100"))
    work_minutes = models.PositiveIntegerField(default=0)
    actual_work_minutes = models.PositiveIntegerField(default=0)
    remaining_work_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["task_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(role__isnull=False),
                name="assignment_person_or_role",
            ),
            models.CheckConstraint(
                condition=Q(units__gte=0, units__lte=10000), name="assignment_units_range"
            ),
            models.UniqueConstraint(
                fields=["task", "person"],
                condition=Q(person__isnull=False),
                name="assignment_task_person_unique",
            ),
            models.UniqueConstraint(
                fields=["task", "role"],
                condition=Q(person__isnull=True),
                name="assignment_task_role_unique",
            ),
        ]
        indexes = [models.Index(fields=["person", "task"], name="assignment_person_task_idx")]

    def __str__(self) -> str:
        return f"{self.person or self.role} on task {self.task_id} ({self.units}%)"


class ResourceRequest(TimeStampedModel):
    """A project manager asks the resource manager for hours of a role, skill or person."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        PARTIALLY_APPROVED = "partially_approved", "Partially approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="resource_requests"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="resource_requests"
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    requested_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    start_date = models.DateField()
    finish_date = models.DateField()
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    approved_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="approved_requests"
    )
    approved_hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    decision_note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finish_date__gte=F("start_date")),
                name="resource_request_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(role__isnull=False)
                | Q(skill__isnull=False)
                | Q(requested_person__isnull=False),
                name="resource_request_asks_for_something",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0)
                & (Q(approved_hours__isnull=True) | Q(approved_hours__gte=0)),
                name="resource_request_hours_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="resource_request_status_idx")
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} for {self.project_id}: {self.hours} h ({self.status})"


class Timesheet(TimeStampedModel):
    """One person's week of hours, submitted for approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="timesheets"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="timesheets")
    week_start = models.DateField(validators=[validate_monday])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-week_start", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "week_start"], name="timesheet_week_unique")
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "week_start"], name="timesheet_org_status_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} week of {self.week_start}"


class TimesheetEntry(TimeStampedModel):
    """Hours on one day, either on a project (and optionally a task) or on non-project time."""

    class NonProjectCategory(models.TextChoices):
        ADMIN = "admin", "Administration"
        TRAINING = "training", "Training"
        LEAVE = "leave", "Leave"
        SICK = "sick", "Sickness"
        PUBLIC_HOLIDAY = "public_holiday", "Public holiday"
        SUPPORT = "support", "Support and operations"
        OTHER = "other", "Other"

    timesheet = models.ForeignKey(Timesheet, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="timesheet_entries",
    )
    task = models.ForeignKey(
        "projects.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="timesheet_entries",
    )
    non_project_category = models.CharField(
        max_length=15, choices=NonProjectCategory.choices, blank=True
    )
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    # Lines are approved (or sent back) one by one; a week is approved once all its lines are.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["timesheet_id", "date"]
        verbose_name_plural = "timesheet entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=24), name="timesheet_entry_hours_range"
            ),
            models.CheckConstraint(
                condition=Q(project__isnull=False, non_project_category="")
                | (Q(project__isnull=True) & ~Q(non_project_category="")),
                name="timesheet_entry_project_or_non_project",
            ),
            models.CheckConstraint(
                condition=Q(task__isnull=True) | Q(project__isnull=False),
                name="timesheet_entry_task_needs_project",
            ),
        ]
        indexes = [models.Index(fields=["project", "date"], name="timesheet_entry_project_idx")]

    def __str__(self) -> str:
        return f"{self.date}: {self.hours} h"


def approved_entry(prefix: str = "") -> Q:
    """Entries whose hours count as actuals: approved one by one, or with their whole week.

    ``prefix`` reaches the entry from another model (``"timesheet_entries__"``).
    Weeks imported as approved, and the demo's, have their lines approved with them.
    """
    return Q(**{f"{prefix}approved_at__isnull": False}) | Q(
        **{f"{prefix}timesheet__status": Timesheet.Status.APPROVED}
    )


class LockedPeriod(TimeStampedModel):
    """Time and cost on or before ``until`` may no longer change (the books are closed).

    Rows are kept as history; the latest ``until`` of an organisation is in force.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="locked_periods"
    )
    until = models.DateField()
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-until"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "until"], name="locked_period_unique")
        ]

    def __str__(self) -> str:
        return f"Locked until {self.until}"


class HiringPlan(TimeStampedModel):
    """People a scenario adds (or removes, when negative) in a role from a month on."""

    scenario = models.ForeignKey(
        "portfolios.Scenario", on_delete=models.CASCADE, related_name="hiring_plans"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="hiring_plans")
    month = models.DateField(validators=[validate_first_of_month])
    fte_delta = models.DecimalField(max_digits=6, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["scenario_id", "month", "role_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "role", "month"], name="hiring_plan_unique"
            ),
            models.CheckConstraint(
                condition=Q(fte_delta__gte=-1000, fte_delta__lte=1000),
                name="hiring_plan_fte_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.fte_delta:+} FTE from {self.month:%Y-%m}"
