"""Portfolios, programs, strategy, scoring, scenarios and optimiser runs.

Organisation scoping: ``Portfolio``, ``Program``, ``StrategicObjective``,
``ScoringCriterion``, ``AhpComparison``, ``Scenario`` and ``OptimiserRun`` carry
a direct ``organisation`` foreign key. Child rows read only through their
parent inherit it: ``ProjectScore`` and ``ObjectiveContribution`` (through the
project), ``ScenarioProject`` (through the scenario), ``PortfolioBudget`` and
``BalanceRule`` (through the portfolio).

Amounts are in the organisation's currency: a portfolio has no currency of its own.
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

# Saaty's fundamental scale runs from 1/9 to 9; six decimals keep 1/9 and 1/7 exact enough
# for the consistency ratio while letting the database check the range.
AHP_MIN = Decimal("0.111111")
AHP_MAX = Decimal("9")


class Portfolio(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="portfolios"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_portfolios",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="portfolio_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Program(TimeStampedModel):
    """A group of related projects managed together for benefits no single project gives."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="programs"
    )
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="programs")
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_programs",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="program_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StrategicObjective(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="strategic_objectives"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("1"))
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="strategic_objective_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="strategic_objective_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="strategic_objective_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ScoringCriterion(TimeStampedModel):
    """One dimension of the weighted score (value, risk, urgency...).

    Ordinal criteria list their ``levels`` as ``[{"value": 1, "label": "Low"}, ...]``;
    numeric ones are normalised from ``min_value``..``max_value``.
    """

    class ScaleType(models.TextChoices):
        NUMERIC = "numeric", "Numeric"
        ORDINAL = "ordinal", "Ordinal"

    class Direction(models.TextChoices):
        HIGHER_BETTER = "higher_better", "Higher is better"
        LOWER_BETTER = "lower_better", "Lower is better"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="scoring_criteria"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("1"))
    scale_type = models.CharField(
        max_length=10, choices=ScaleType.choices, default=ScaleType.ORDINAL
    )
    direction = models.CharField(
        max_length=15, choices=Direction.choices, default=Direction.HIGHER_BETTER
    )
    min_value = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal("1"))
    max_value = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal("5"))
    levels = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "scoring criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="scoring_criterion_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="scoring_criterion_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_value__gt=F("min_value")), name="scoring_criterion_range_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AhpComparison(TimeStampedModel):
    """One pairwise judgement: how much more important ``criterion_a`` is than ``criterion_b``.

    A value below 1 means ``criterion_b`` matters more. Each rater fills a named
    comparison set; the engine derives weights and the consistency ratio.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="ahp_comparisons"
    )
    set_name = models.CharField(max_length=100, default="default")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ahp_comparisons"
    )
    criterion_a = models.ForeignKey(
        ScoringCriterion, on_delete=models.CASCADE, related_name="ahp_comparisons_as_a"
    )
    criterion_b = models.ForeignKey(
        ScoringCriterion, on_delete=models.CASCADE, related_name="ahp_comparisons_as_b"
    )
    value = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        ordering = ["set_name", "rater_id", "criterion_a_id", "criterion_b_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "set_name", "rater", "criterion_a", "criterion_b"],
                name="ahp_comparison_unique",
            ),
            models.CheckConstraint(
                condition=~Q(criterion_a=F("criterion_b")), name="ahp_comparison_distinct_criteria"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=AHP_MIN, value__lte=AHP_MAX),
                name="ahp_comparison_value_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_a} vs {self.criterion_b}: {self.value}"


class ProjectScore(TimeStampedModel):
    """A project's score on one criterion; ``rater`` empty for the agreed (consensus) score."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.PROTECT, related_name="scores")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="project_scores",
    )
    value = models.DecimalField(max_digits=16, decimal_places=4)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["project_id", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "criterion", "rater"], name="project_score_unique_per_rater"
            ),
            # NULL raters are distinct to a plain unique constraint: one consensus score each.
            models.UniqueConstraint(
                fields=["project", "criterion"],
                condition=Q(rater__isnull=True),
                name="project_score_unique_consensus",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.criterion}: {self.value}"


class ObjectiveContribution(TimeStampedModel):
    """How strongly a project serves an objective: 0 none, 1 weak, 2 medium, 3 strong."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="objective_contributions"
    )
    objective = models.ForeignKey(
        StrategicObjective, on_delete=models.PROTECT, related_name="contributions"
    )
    contribution = models.PositiveSmallIntegerField(default=0)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["project_id", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "objective"], name="objective_contribution_unique"
            ),
            models.CheckConstraint(
                condition=Q(contribution__lte=3), name="objective_contribution_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} -> {self.objective}: {self.contribution}"


class Scenario(TimeStampedModel):
    """A what-if: a portfolio's candidate projects with overrides, solved and compared.

    ``inputs_snapshot`` holds the exact optimiser input the scenario was solved
    on, so that a promoted decision can be explained later even after the
    projects have changed.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SOLVED = "solved", "Solved"
        PROMOTED = "promoted", "Promoted"
        ARCHIVED = "archived", "Archived"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="scenarios"
    )
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="derived_scenarios"
    )
    horizon_start = models.DateField(null=True, blank=True, validators=[validate_first_of_month])
    horizon_months = models.PositiveSmallIntegerField(default=36)
    budget_overrides = models.JSONField(
        default=dict, blank=True, help_text='{"YYYY-MM": {"capex": "...", "opex": "..."}}'
    )
    capacity_overrides = models.JSONField(
        default=dict, blank=True, help_text='{"<role code>": {"YYYY-MM": hours}}'
    )
    inputs_snapshot = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)
    promotion_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "name"], name="scenario_name_unique_per_portfolio"
            ),
            models.UniqueConstraint(
                fields=["portfolio"],
                condition=Q(status="promoted"),
                name="scenario_one_promoted_per_portfolio",
            ),
            models.CheckConstraint(
                condition=Q(horizon_months__gte=1, horizon_months__lte=240),
                name="scenario_horizon_range",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="scenario_org_status_idx")]

    def __str__(self) -> str:
        return self.name


class ScenarioProject(TimeStampedModel):
    """A project's place in a scenario: what the planner fixed and what the optimiser chose."""

    class Mode(models.TextChoices):
        CANDIDATE = "candidate", "Optimiser decides"
        FORCED_IN = "forced_in", "Forced in"
        FORCED_OUT = "forced_out", "Forced out"

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="projects")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="scenario_rows"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.CANDIDATE)
    start_month_override = models.DateField(
        null=True, blank=True, validators=[validate_first_of_month]
    )
    exclusive_group = models.CharField(
        max_length=40, blank=True, help_text="At most one project of a group may be selected"
    )
    included = models.BooleanField(
        null=True, blank=True, help_text="Selected by the last solve; empty until solved"
    )
    selected_start_month = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["scenario_id", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "project"], name="scenario_project_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scenario} / {self.project_id} ({self.mode})"


class OptimiserRun(TimeStampedModel):
    """One solve of a scenario, with the solver's proof of quality (bound and gap)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        OPTIMAL = "optimal", "Optimal"
        FEASIBLE = "feasible", "Feasible (time limit)"
        INFEASIBLE = "infeasible", "Infeasible"
        FAILED = "failed", "Failed"

    class Objective(models.TextChoices):
        SCORE = "score", "Weighted score"
        NPV = "npv", "Net present value"
        MIX = "mix", "Half NPV, half score"
        RISK_ADJUSTED_VALUE = "risk_adjusted_value", "Risk-adjusted value"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="optimiser_runs"
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    objective = models.CharField(max_length=20, choices=Objective.choices, default=Objective.SCORE)
    time_limit_seconds = models.PositiveIntegerField(default=60)
    # Solver outputs: floats are what the solver produced; money is re-derived in Decimal.
    value = models.FloatField(null=True, blank=True)
    bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gap__isnull=True) | Q(gap__gte=0), name="optimiser_run_gap_positive"
            )
        ]
        indexes = [
            models.Index(fields=["scenario", "-created_at"], name="optimiser_run_scenario_idx")
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.scenario} ({self.status})"


class PortfolioBudget(TimeStampedModel):
    """Money the portfolio may spend in one month, the optimiser's budget constraint."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="budgets")
    month = models.DateField(validators=[validate_first_of_month])
    capex = MoneyField(default=Decimal("0"))
    opex = MoneyField(default=Decimal("0"))

    class Meta:
        ordering = ["portfolio_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "month"], name="portfolio_budget_month_unique"
            ),
            models.CheckConstraint(
                condition=Q(capex__gte=0, opex__gte=0), name="portfolio_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio} {self.month:%Y-%m}"


class BalanceRule(TimeStampedModel):
    """Share of the portfolio a category or business unit must (not) exceed.

    ``key`` is the category or business-unit code; shares are fractions 0..1 of
    the selected projects' total cost (or count).
    """

    class Dimension(models.TextChoices):
        CATEGORY = "category", "Category"
        BUSINESS_UNIT = "business_unit", "Business unit"

    class Basis(models.TextChoices):
        COST = "cost", "Share of cost"
        COUNT = "count", "Share of projects"

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="balance_rules")
    dimension = models.CharField(max_length=15, choices=Dimension.choices)
    key = models.CharField(max_length=40)
    basis = models.CharField(max_length=5, choices=Basis.choices, default=Basis.COST)
    min_share = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    max_share = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("1"))

    class Meta:
        ordering = ["portfolio_id", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "dimension", "key", "basis"], name="balance_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(min_share__gte=0, max_share__lte=1, min_share__lte=F("max_share")),
                name="balance_rule_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key}: {self.min_share}..{self.max_share}"
