"""Projects and their plans: lifecycle, business cases, calendars, schedules, baselines.

Organisation scoping: ``Category``, ``Calendar`` and ``Project`` carry a direct
``organisation`` foreign key, so that every list can filter on it without a
join. Everything else here is a child row that is only ever read through its
project (or calendar, or business case) and inherits the organisation from it:
``ProjectMember``, ``BusinessCase``, ``CashFlowLine``, ``CalendarException``,
``Task``, ``TaskLink``, ``Milestone``, ``Baseline``, ``BaselineTask``.

Owned children are deleted with their parent (CASCADE); references to things
that must outlive the referrer (a portfolio, a calendar, a manager) PROTECT.

Times in the schedule are timezone-aware datetimes; durations, work and float
are whole minutes of working time on the task's calendar, the unit the
scheduling engine works in.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from steerco.accounts.models import code_validator
from steerco.core.models import TimeStampedModel
from steerco.core.money import MoneyField
from steerco.projects.validators import validate_first_of_month


class Rag(models.TextChoices):
    """Red / amber / green: the traffic light every PMO report speaks."""

    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


def default_working_week() -> dict[str, list[list[str]]]:
    """Monday to Friday, 08:00-12:00 and 13:00-17:00; keys are ISO weekdays 0 (Monday)..6."""
    day = [["08:00", "12:00"], ["13:00", "17:00"]]
    return {str(weekday): (day if weekday < 5 else []) for weekday in range(7)}


class Category(TimeStampedModel):
    """A kind of project (regulatory, growth, run-the-business...) used for balance rules."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="project_categories"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, blank=True, help_text="Hex colour for charts")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="category_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Calendar(TimeStampedModel):
    """Working time: a week of working intervals, exceptions, and an optional base calendar.

    A calendar with a base calendar inherits its exceptions and overrides its week,
    the way Microsoft Project's resource calendars build on the project calendar.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="calendars"
    )
    name = models.CharField(max_length=200)
    base_calendar = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="derived_calendars"
    )
    hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("8.00"),
        help_text="Hours in a working day, used to turn days into minutes",
    )
    working_week = models.JSONField(
        default=default_working_week,
        blank=True,
        help_text='Weekday 0 (Monday)..6 to a list of ["HH:MM", "HH:MM"] intervals',
    )
    timezone = models.CharField(max_length=64, default="UTC")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="calendar_name_unique"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_default=True),
                name="calendar_one_default_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_day__gt=0, hours_per_day__lte=24),
                name="calendar_hours_per_day_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarException(TimeStampedModel):
    """A holiday (non-working) or a special working period on a calendar."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    finish_date = models.DateField()
    working = models.BooleanField(default=False)
    intervals = models.JSONField(
        default=list, blank=True, help_text='Working intervals when working: [["HH:MM", "HH:MM"]]'
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finish_date__gte=F("start_date")),
                name="calendar_exception_finish_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date}..{self.finish_date})"


class Project(TimeStampedModel):
    """A project from idea to closure."""

    class Stage(models.TextChoices):
        IDEA = "idea", "Idea"
        PROPOSAL = "proposal", "Proposal"
        APPROVED = "approved", "Approved"
        IN_EXECUTION = "in_execution", "In execution"
        CLOSING = "closing", "Closing"
        CLOSED = "closed", "Closed"
        ON_HOLD = "on_hold", "On hold"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="projects"
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.PROTECT, related_name="projects"
    )
    program = models.ForeignKey(
        "portfolios.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.IDEA)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    lifecycle_stage = models.ForeignKey(
        "governance.LifecycleStage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="Where the project is in its methodology's own lifecycle",
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsored_projects",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_projects",
    )
    business_unit = models.ForeignKey(
        "accounts.BusinessUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    priority = models.PositiveSmallIntegerField(default=3, help_text="1 (highest) to 5 (lowest)")
    health = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    mission_critical = models.BooleanField(default=False)
    mandatory = models.BooleanField(
        default=False, help_text="Regulatory or committed: the optimiser must include it"
    )
    start_date = models.DateField(null=True, blank=True)
    finish_date = models.DateField(null=True, blank=True)
    methodology = models.ForeignKey(
        "governance.MethodologyTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217; empty means the organisation's currency"
    )
    discount_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Overrides the organisation's annual discount rate",
    )
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    schedule_status_date = models.DateTimeField(
        null=True, blank=True, help_text="Progress is reported as of this moment"
    )
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the scheduler last computed the dates"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="project_code_unique"),
            models.CheckConstraint(
                condition=Q(priority__gte=1, priority__lte=5), name="project_priority_range"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(finish_date__isnull=True)
                | Q(finish_date__gte=F("start_date")),
                name="project_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__isnull=True)
                | Q(discount_rate__gte=Decimal("-0.5"), discount_rate__lte=Decimal("1")),
                name="project_discount_rate_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "stage"], name="project_org_stage_idx"),
            models.Index(fields=["portfolio", "stage"], name="project_portfolio_stage_idx"),
            models.Index(fields=["organisation", "health"], name="project_org_health_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectMember(TimeStampedModel):
    """Who works on a project. Team members see the projects they are members of."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["project_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.project} ({self.role})"


class BusinessCase(TimeStampedModel):
    """Why a project is worth doing: narrative plus monthly cost and benefit cash flows.

    Versions accumulate; at most one is approved at a time (the previous one is
    superseded when a new version is approved).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="business_cases")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(blank=True)
    problem = models.TextField(blank=True)
    options = models.TextField(blank=True)
    assumptions = models.TextField(blank=True)
    discount_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Overrides the project's and the organisation's annual discount rate",
    )
    start_month = models.DateField(
        null=True,
        blank=True,
        validators=[validate_first_of_month],
        help_text="Calendar month of month index 0; empty until the project is scheduled",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="business_case_version_unique"
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="approved"),
                name="business_case_one_approved_per_project",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="business_case_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__isnull=True)
                | Q(discount_rate__gte=Decimal("-0.5"), discount_rate__lte=Decimal("1")),
                name="business_case_discount_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} business case v{self.version}"


class CashFlowLine(TimeStampedModel):
    """One cost or benefit amount in one month of a business case.

    Months are counted from the project's start (``month_index`` 0 is the first
    month) so that the optimiser can move the start without rewriting the case.
    Amounts are positive; ``kind`` gives the sign.
    """

    class Kind(models.TextChoices):
        COST = "cost", "Cost"
        BENEFIT = "benefit", "Benefit"

    class FlowCategory(models.TextChoices):
        CAPEX = "capex", "Capital expenditure"
        OPEX = "opex", "Operating expenditure"
        REVENUE = "revenue", "Revenue"
        COST_SAVING = "cost_saving", "Cost saving"
        COST_AVOIDANCE = "cost_avoidance", "Cost avoidance"
        OTHER_BENEFIT = "other_benefit", "Other financial benefit"

    business_case = models.ForeignKey(
        BusinessCase, on_delete=models.CASCADE, related_name="cash_flow_lines"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    category = models.CharField(max_length=16, choices=FlowCategory.choices)
    month_index = models.PositiveSmallIntegerField(help_text="0 = the project's first month")
    amount = MoneyField()
    description = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["business_case_id", "kind", "category", "month_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_case", "kind", "category", "month_index", "description"],
                name="cash_flow_line_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="cash_flow_amount_positive"),
            models.CheckConstraint(
                condition=Q(month_index__lte=600), name="cash_flow_month_index_range"
            ),
            models.CheckConstraint(
                condition=Q(kind="cost", category__in=["capex", "opex"])
                | (Q(kind="benefit") & ~Q(category__in=["capex", "opex"])),
                name="cash_flow_category_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.category} m{self.month_index}: {self.amount}"


class Task(TimeStampedModel):
    """One row of a project schedule (summary, task or milestone).

    ``uid`` is the stable task number within the project (Microsoft Project's
    UID), kept across imports and exports. The ``early_*``, ``late_*``,
    ``*_float_minutes`` and ``is_critical`` fields are written by the scheduler
    only, so that reads never recompute the critical path.
    """

    class ConstraintType(models.TextChoices):
        ASAP = "ASAP", "As soon as possible"
        ALAP = "ALAP", "As late as possible"
        SNET = "SNET", "Start no earlier than"
        SNLT = "SNLT", "Start no later than"
        FNET = "FNET", "Finish no earlier than"
        FNLT = "FNLT", "Finish no later than"
        MSO = "MSO", "Must start on"
        MFO = "MFO", "Must finish on"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    uid = models.PositiveIntegerField()
    external_id = models.CharField(
        max_length=64, blank=True, help_text="Identifier in the system it was imported from"
    )
    wbs = models.CharField(max_length=60, blank=True)
    outline_level = models.PositiveSmallIntegerField(default=1)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=255)
    notes = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    duration_minutes = models.PositiveIntegerField(default=0)
    is_milestone = models.BooleanField(default=False)
    is_summary = models.BooleanField(default=False)
    is_manual = models.BooleanField(default=False, help_text="Manually scheduled: dates are fixed")
    is_elapsed = models.BooleanField(
        default=False, help_text="Duration runs in calendar time, not working time"
    )
    constraint_type = models.CharField(
        max_length=4, choices=ConstraintType.choices, default=ConstraintType.ASAP
    )
    constraint_date = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    priority = models.PositiveSmallIntegerField(default=500, help_text="0..1000, for leveling")

    early_start = models.DateTimeField(null=True, blank=True)
    early_finish = models.DateTimeField(null=True, blank=True)
    late_start = models.DateTimeField(null=True, blank=True)
    late_finish = models.DateTimeField(null=True, blank=True)
    total_float_minutes = models.IntegerField(null=True, blank=True)
    free_float_minutes = models.IntegerField(null=True, blank=True)
    is_critical = models.BooleanField(default=False)

    planned_start = models.DateTimeField(null=True, blank=True)
    planned_finish = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_finish = models.DateTimeField(null=True, blank=True)
    percent_complete = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    remaining_minutes = models.PositiveIntegerField(null=True, blank=True)
    work_minutes = models.PositiveIntegerField(default=0)
    actual_work_minutes = models.PositiveIntegerField(default=0)
    cost = MoneyField(default=Decimal("0"))
    actual_cost = MoneyField(default=Decimal("0"))

    class Meta:
        ordering = ["project_id", "sort_order", "uid"]
        constraints = [
            models.UniqueConstraint(fields=["project", "uid"], name="task_uid_unique"),
            models.CheckConstraint(
                condition=Q(percent_complete__gte=0, percent_complete__lte=100),
                name="task_percent_complete_range",
            ),
            models.CheckConstraint(condition=Q(priority__lte=1000), name="task_priority_range"),
            models.CheckConstraint(
                condition=Q(constraint_type__in=["ASAP", "ALAP"])
                | Q(constraint_date__isnull=False),
                name="task_constraint_has_date",
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_finish__isnull=True)
                | Q(planned_finish__gte=F("planned_start")),
                name="task_planned_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_finish__isnull=True)
                | Q(actual_finish__gte=F("actual_start")),
                name="task_actual_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0, actual_cost__gte=0), name="task_cost_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "sort_order"], name="task_project_order_idx"),
            models.Index(fields=["project", "is_critical"], name="task_project_critical_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} {self.name}"


class TaskLink(TimeStampedModel):
    """A dependency between two tasks of the same project.

    ``lag_percent``, when set, is a lag in percent of the predecessor's duration
    and takes precedence over ``lag_minutes``; negative lags are leads.
    """

    class Type(models.TextChoices):
        FS = "FS", "Finish to start"
        SS = "SS", "Start to start"
        FF = "FF", "Finish to finish"
        SF = "SF", "Start to finish"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="task_links")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")
    type = models.CharField(max_length=2, choices=Type.choices, default=Type.FS)
    lag_minutes = models.IntegerField(default=0)
    lag_percent = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    lag_elapsed = models.BooleanField(default=False, help_text="Lag counts calendar time")

    class Meta:
        ordering = ["project_id", "predecessor_id", "successor_id"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="task_link_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="task_link_not_to_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} -{self.type}-> {self.successor_id}"


class Milestone(TimeStampedModel):
    """A date the organisation watches, usually tied to a milestone task."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField()
    baseline_date = models.DateField(null=True, blank=True)
    forecast_date = models.DateField(null=True, blank=True)
    achieved_date = models.DateField(null=True, blank=True)
    is_key = models.BooleanField(
        default=False, help_text="Mission-critical: shown on the executive watch list"
    )

    class Meta:
        ordering = ["project_id", "due_date", "name"]
        indexes = [models.Index(fields=["project", "due_date"], name="milestone_project_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.due_date})"


class Baseline(TimeStampedModel):
    """A saved copy of the schedule (numbers 0..10, as in Microsoft Project)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    number = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    captured_at = models.DateTimeField()
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="baseline_number_unique"),
            models.CheckConstraint(condition=Q(number__lte=10), name="baseline_number_range"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} baseline {self.number}"


class BaselineTask(TimeStampedModel):
    """A task as it was when the baseline was captured.

    ``task_uid`` and ``name`` are copied so that the baseline survives the
    deletion of the task (which sets ``task`` to null).
    """

    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="baseline_rows"
    )
    task_uid = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    start = models.DateTimeField(null=True, blank=True)
    finish = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(default=0)
    work_minutes = models.PositiveIntegerField(default=0)
    cost = MoneyField(default=Decimal("0"))

    class Meta:
        ordering = ["baseline_id", "task_uid"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "task_uid"], name="baseline_task_unique"),
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(finish__isnull=True)
                | Q(finish__gte=F("start")),
                name="baseline_task_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.baseline} task {self.task_uid}"
