"""Methodology templates, gates and reviews, RAID, change control, status reports, PIR, lessons.

Organisation scoping: ``MethodologyTemplate``, ``RaidItem``, ``ChangeRequest``
and ``LessonLearned`` carry a direct ``organisation`` foreign key (RAID logs,
change boards and the lessons library are read across projects). Child rows
inherit it from their parent:

- from the methodology template: ``LifecycleStage``, ``Gate``, ``GateChecklistItem``,
  ``ProjectTemplate``, ``PhaseTemplate``, ``TaskTemplate``, ``GuidancePage``;
- from the project: ``GateReview``, ``GateReviewItem``, ``QaReview``, ``QaFinding``,
  ``StatusReport``, ``PostImplementationReview``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from steerco.accounts.models import code_validator
from steerco.core.models import TimeStampedModel
from steerco.core.money import MoneyField
from steerco.projects.models import Project, Rag


class MethodologyTemplate(TimeStampedModel):
    """A way of running projects: lifecycle stages, gates, checklists, task templates, guidance."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"
        MONTHLY = "monthly", "Monthly"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="methodology_templates"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status_report_cadence = models.CharField(
        max_length=12, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="methodology_template_code_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_default=True),
                name="methodology_template_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LifecycleStage(TimeStampedModel):
    """A stage of a methodology, mapped onto Steerco's fixed project stages."""

    template = models.ForeignKey(
        MethodologyTemplate, on_delete=models.CASCADE, related_name="stages"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    project_stage = models.CharField(
        max_length=20,
        choices=Project.Stage.choices,
        help_text="The project stage a project is in while in this lifecycle stage",
    )
    guidance = models.TextField(blank=True, help_text="Markdown")

    class Meta:
        ordering = ["template_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="lifecycle_stage_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Gate(TimeStampedModel):
    """A decision point between two stages; approvers are named users or holders of a role."""

    template = models.ForeignKey(
        MethodologyTemplate, on_delete=models.CASCADE, related_name="gates"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    from_stage = models.ForeignKey(
        LifecycleStage, on_delete=models.PROTECT, related_name="exit_gates"
    )
    to_stage = models.ForeignKey(
        LifecycleStage, on_delete=models.PROTECT, related_name="entry_gates"
    )
    order = models.PositiveSmallIntegerField(default=0)
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="approver_of_gates"
    )
    approver_roles = models.JSONField(
        default=list, blank=True, help_text="accounts.Role values whose holders may decide"
    )

    class Meta:
        ordering = ["template_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="gate_code_unique"),
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="gate_between_distinct_stages"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GateChecklistItem(TimeStampedModel):
    """Something a gate review must show: a document, a filled field, or an automatic check.

    ``automatic_rule`` names a rule in the governance services' registry, e.g.
    ``business_case_npv_positive`` or ``risk_register_reviewed_30_days``, with
    its ``params``.
    """

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Document"
        FIELD = "field", "Field"
        AUTOMATIC = "automatic", "Automatic check"
        MANUAL = "manual", "Manual confirmation"

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="checklist_items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    help_text = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    automatic_rule = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["gate_id", "order"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="automatic") | ~Q(automatic_rule=""),
                name="gate_checklist_automatic_has_rule",
            )
        ]

    def __str__(self) -> str:
        return self.text


class ProjectTemplate(TimeStampedModel):
    """A starting plan (phases and tasks) a new project can be created from."""

    template = models.ForeignKey(
        MethodologyTemplate, on_delete=models.CASCADE, related_name="project_templates"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["template_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "code"], name="project_template_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PhaseTemplate(TimeStampedModel):
    project_template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="phases"
    )
    stage = models.ForeignKey(
        LifecycleStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="phase_templates",
    )
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project_template_id", "order"]

    def __str__(self) -> str:
        return self.name


class TaskTemplate(TimeStampedModel):
    """A task to create in a phase; ``role_code`` and ``work_hours`` seed role demand."""

    phase = models.ForeignKey(PhaseTemplate, on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    duration_days = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("1"))
    is_milestone = models.BooleanField(default=False)
    role_code = models.CharField(max_length=40, blank=True)
    work_hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="successors"
    )

    class Meta:
        ordering = ["phase_id", "order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_days__gte=0, work_hours__gte=0),
                name="task_template_duration_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GuidancePage(TimeStampedModel):
    template = models.ForeignKey(
        MethodologyTemplate, on_delete=models.CASCADE, related_name="guidance_pages"
    )
    stage = models.ForeignKey(
        LifecycleStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guidance_pages",
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    body = models.TextField(blank=True, help_text="Markdown")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template_id", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["template", "slug"], name="guidance_page_slug_unique")
        ]

    def __str__(self) -> str:
        return self.title


class GateReview(TimeStampedModel):
    """A project's request to pass a gate, and the decision on it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gate_reviews")
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=25, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    conditions_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "gate"],
                condition=Q(status="requested"),
                name="gate_review_one_open_per_gate",
            )
        ]
        indexes = [models.Index(fields=["project", "status"], name="gate_review_project_idx")]

    def __str__(self) -> str:
        return f"{self.gate} for {self.project_id} ({self.status})"


class GateReviewItem(TimeStampedModel):
    """The answer to one checklist item in one review; ``satisfied`` empty until checked."""

    review = models.ForeignKey(GateReview, on_delete=models.CASCADE, related_name="items")
    checklist_item = models.ForeignKey(
        GateChecklistItem, on_delete=models.PROTECT, related_name="review_items"
    )
    satisfied = models.BooleanField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    checked_automatically = models.BooleanField(default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_id", "checklist_item__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "checklist_item"], name="gate_review_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checklist_item}: {self.satisfied}"


class QaReview(TimeStampedModel):
    """A quality assurance review of a project by someone outside it."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="qa_reviews")
    title = models.CharField(max_length=200)
    scheduled_for = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qa_reviews",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    rating = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-scheduled_for"]
        verbose_name = "QA review"

    def __str__(self) -> str:
        return f"{self.title} ({self.scheduled_for})"


class QaFinding(TimeStampedModel):
    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"

    review = models.ForeignKey(QaReview, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    description = models.TextField()
    action = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="qa_findings",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_id", "status", "due_date"]
        verbose_name = "QA finding"

    def __str__(self) -> str:
        return f"{self.severity}: {self.description[:60]}"


class RaidItem(TimeStampedModel):
    """A risk, assumption, issue, decision or dependency in a project's RAID log.

    Risk fields (probability, impact, response) apply to risks; a dependency
    on another project names it in ``depends_on_project``.
    """

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        ASSUMPTION = "assumption", "Assumption"
        ISSUE = "issue", "Issue"
        DECISION = "decision", "Decision"
        DEPENDENCY = "dependency", "Dependency"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        ESCALATED = "escalated", "Escalated"
        CLOSED = "closed", "Closed"

    class Response(models.TextChoices):
        AVOID = "avoid", "Avoid"
        MITIGATE = "mitigate", "Mitigate"
        TRANSFER = "transfer", "Transfer"
        ACCEPT = "accept", "Accept"

    class Trend(models.TextChoices):
        UP = "up", "Worsening"
        STEADY = "steady", "Steady"
        DOWN = "down", "Improving"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="raid_items"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="raid_items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ref = models.CharField(max_length=20, help_text="e.g. R-012, unique within the project")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_raid_items",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    probability = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1..5")
    cost_impact = MoneyField(null=True, blank=True)
    schedule_impact_days = models.IntegerField(null=True, blank=True)
    response_strategy = models.CharField(max_length=10, choices=Response.choices, blank=True)
    response = models.TextField(blank=True)
    trend = models.CharField(max_length=6, choices=Trend.choices, blank=True)
    due_date = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    depends_on_project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependent_raid_items",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "ref"]
        verbose_name = "RAID item"
        constraints = [
            models.UniqueConstraint(fields=["project", "ref"], name="raid_item_ref_unique"),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=1),
                name="raid_item_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5),
                name="raid_item_impact_range",
            ),
            models.CheckConstraint(
                condition=~Q(depends_on_project=F("project")),
                name="raid_item_not_dependent_on_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "kind", "status"], name="raid_org_kind_idx"),
            models.Index(fields=["project", "kind", "status"], name="raid_project_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class ChangeRequest(TimeStampedModel):
    """A proposed change to scope, cost or schedule, decided by the change board."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        APPLIED = "applied", "Applied"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="change_requests"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests")
    ref = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    cost_impact = MoneyField(default=Decimal("0"), help_text="Negative when it saves money")
    schedule_impact_days = models.IntegerField(default=0)
    scope_impact = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["project", "ref"], name="change_request_ref_unique")
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="change_request_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class StatusReport(TimeStampedModel):
    """A periodic report on a project. ``suggested_*`` come from the data; the author decides."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    overall = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    schedule = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    cost = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    scope = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    risk = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    suggested_overall = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    suggested_schedule = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    suggested_cost = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    suggested_scope = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    suggested_risk = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    narrative = models.TextField(blank=True)
    achievements = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    key_milestones = models.JSONField(
        default=list, blank=True, help_text='[{"name": ..., "due": ..., "forecast": ...}]'
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_status_reports",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period_start"], name="status_report_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="status_report_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} status {self.period_start}..{self.period_end}"


class PostImplementationReview(TimeStampedModel):
    """What a closed project delivered against its business case, and what was learnt."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="post_implementation_review"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    scheduled_for = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="post_implementation_reviews",
    )
    summary = models.TextField(blank=True)
    went_well = models.TextField(blank=True)
    went_badly = models.TextField(blank=True)
    benefits_planned = MoneyField(null=True, blank=True)
    benefits_realised = MoneyField(null=True, blank=True)
    benefits_realisation_ratio = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True, help_text="Realised / planned"
    )

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(benefits_realisation_ratio__isnull=True)
                | Q(benefits_realisation_ratio__gte=0),
                name="pir_benefits_ratio_positive",
            )
        ]

    def __str__(self) -> str:
        return f"PIR of {self.project_id}"


class LessonLearned(TimeStampedModel):
    class Impact(models.TextChoices):
        POSITIVE = "positive", "Repeat it"
        NEGATIVE = "negative", "Avoid it"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="lessons_learned"
    )
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    post_implementation_review = models.ForeignKey(
        PostImplementationReview,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
    )
    category = models.ForeignKey(
        "projects.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lessons",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    impact = models.CharField(max_length=8, choices=Impact.choices, default=Impact.NEGATIVE)
    recommendation = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="List of short strings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "lessons learned"
        indexes = [
            models.Index(fields=["organisation", "category"], name="lesson_org_category_idx")
        ]

    def __str__(self) -> str:
        return self.title
