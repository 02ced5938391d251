"""Feeding the portfolio engine from the database: optimiser inputs, scores, finance, signals.

Everything a decision needs is loaded in a fixed handful of queries into plain dataclasses
(:class:`ProjectFacts`, :class:`ScoringData`, capacity by role and month), then turned into
the engine's frozen inputs without further queries:

* a project's **cost profile** comes from its business case (the approved version, else the
  latest draft or submitted one): capex and opex lines by ``month_index`` (month 0 = the
  project's first month). Only the *delivery* months count against the portfolio's budget:
  from the start to the planned finish (or, without dates, to the first benefit month). Running
  costs after delivery still count in the NPV, as the business case says;
* its **demand profile** comes from ``RoleDemand`` (hours by role and calendar month, relative
  to the project's start), in full-time equivalents of :data:`HOURS_PER_FTE_MONTH`;
* its **value** is its NPV (at the business case's, the project's or the organisation's
  rate), its weighted score (0..100), a mix of both, or its NPV less its open risk exposure;
* dependencies are the open RAID "dependency" items between projects of the scenario;
  exclusive groups and forced in / out come from the scenario's rows; projects in execution
  are in flight (fixed when forced in or mandatory, otherwise allowed to pause); projects on
  hold are in flight and pausable;
* budgets come from ``PortfolioBudget`` (capex and opex apart, per quarter by default) with
  the scenario's overrides; capacity from the role totals of ``CapacityPeriod`` (else the sum
  of the people's rows, else the people's FTE) with the scenario's overrides and hires.

Engine project ids are project codes, so that the optimiser's messages read the way a PMO
names its projects ("capacity Data Engineer 2027-03", "DIG-114 requires DIG-101").
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q

from steerco.engine.errors import InputError
from steerco.engine.portfolio import model as engine
from steerco.engine.portfolio.finance import npv as engine_npv
from steerco.engine.portfolio.scoring import (
    Criterion,
    Direction,
    NumericScale,
    OrdinalScale,
    ScoringResult,
    aggregate_scores,
    score_projects,
)
from steerco.governance.models import RaidItem
from steerco.portfolios.models import (
    BalanceRule,
    Portfolio,
    PortfolioBudget,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
)
from steerco.projects.models import BusinessCase, CashFlowLine, Project
from steerco.resources.models import CapacityPeriod, HiringPlan, Person, Role, RoleDemand

HOURS_PER_FTE_MONTH = 160.0
"""Hours of one full-time equivalent in a month: 8 hours on about 20 working days."""

SNAPSHOT_VERSION = 1
OBJECTIVES = ("npv", "score", "mix", "risk_adjusted_value")
BUDGET_PERIODS = ("month", "quarter", "year", "window")
RUNNING_STAGES = frozenset({Project.Stage.IN_EXECUTION, Project.Stage.CLOSING})
PAUSED_STAGES = frozenset({Project.Stage.ON_HOLD})
PROPOSED_STAGES = frozenset({Project.Stage.IDEA, Project.Stage.PROPOSAL, Project.Stage.APPROVED})
OPEN_STAGES = RUNNING_STAGES | PAUSED_STAGES | PROPOSED_STAGES
# Where two sources give a project's demand, the most detailed one wins.
DEMAND_SOURCE_PRIORITY = (
    RoleDemand.Source.SCHEDULE,
    RoleDemand.Source.MANUAL,
    RoleDemand.Source.BUSINESS_CASE,
)
# With the score objective, each month of delay costs this share of a project's score, so that
# among plans of equal score the optimiser prefers earlier starts.
SCORE_DELAY_SHARE = 0.001
COST_KINDS = ("capex", "opex")


# -- months ----------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(first: dt.date, months: int) -> dt.date:
    total = first.year * 12 + first.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def months_between(first: dt.date, later: dt.date) -> int:
    """Whole months from the month of ``first`` to the month of ``later`` (may be negative)."""
    return (later.year - first.year) * 12 + later.month - first.month


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def parse_month(text: str) -> dt.date:
    """'2027-03' (or '2027-03-01') as the first of that month."""
    try:
        parts = [int(part) for part in str(text).split("-")[:2]]
        return dt.date(parts[0], parts[1], 1)
    except (ValueError, IndexError):
        raise InputError("use a month like 2027-03", field="month") from None


def monthly_rate(annual: float) -> float:
    return float((1.0 + annual) ** (1.0 / 12.0) - 1.0)


# -- scores ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoringData:
    """Criteria and every project's scores, ready for the scoring engine.

    ``table`` holds one raw value per project code and criterion code: the agreed (consensus)
    score where there is one, else the geometric mean of the raters' scores. ``missing`` lists
    the cells nobody scored; they count as the criterion's worst value so that an unscored
    project never outranks a scored one by accident.
    """

    criteria: tuple[ScoringCriterion, ...]
    engine_criteria: tuple[Criterion, ...]
    weights: Mapping[str, float]
    table: Mapping[str, Mapping[str, float]]
    rater_counts: Mapping[str, Mapping[str, int]]
    missing: Mapping[str, tuple[str, ...]]
    projects: tuple[str, ...]

    def filled_table(self) -> dict[str, dict[str, float]]:
        """Every project scores every criterion (missing cells at the criterion's worst)."""
        result: dict[str, dict[str, float]] = {}
        for code in self.projects:
            row = dict(self.table.get(code, {}))
            for criterion in self.engine_criteria:
                if criterion.key not in row:
                    row[criterion.key] = worst_raw_value(criterion)
            result[code] = row
        return result

    def result(self, weights: Mapping[str, float] | None = None) -> ScoringResult | None:
        """Weighted score (0..100) and rank of every project; None without criteria or weight."""
        chosen = dict(self.weights if weights is None else weights)
        if not self.engine_criteria or not self.projects or sum(chosen.values()) <= 0:
            return None
        return score_projects(self.engine_criteria, self.filled_table(), chosen, out_of=100.0)


def _levels(criterion: ScoringCriterion) -> list[tuple[float, str]]:
    levels = []
    for entry in criterion.levels or []:
        if isinstance(entry, dict) and "value" in entry:
            levels.append((float(entry["value"]), str(entry.get("label") or entry["value"])))
    return sorted(levels)


def engine_criterion(criterion: ScoringCriterion) -> Criterion:
    """The engine's view of a criterion: ordinal levels by position, else a numeric range."""
    direction = (
        Direction.LOWER_IS_BETTER
        if criterion.direction == ScoringCriterion.Direction.LOWER_BETTER
        else Direction.HIGHER_IS_BETTER
    )
    levels = _levels(criterion)
    if criterion.scale_type == ScoringCriterion.ScaleType.ORDINAL and len(levels) >= 2:
        labels = tuple(dict.fromkeys(label for _, label in levels))
        if len(labels) == len(levels):
            return Criterion(criterion.code, OrdinalScale(labels), direction, criterion.name)
    low, high = float(criterion.min_value), float(criterion.max_value)
    if levels:
        low, high = levels[0][0], levels[-1][0]
    return Criterion(criterion.code, NumericScale(low, high), direction, criterion.name)


def raw_value(criterion: ScoringCriterion, value: Decimal | float) -> float:
    """A stored score as the engine reads it: the level's position (1-based) on ordinal scales.

    Ordinal levels store their own values (1, 3, 5...); a value between two levels (a group's
    mean) becomes the matching fractional position.
    """
    number = float(value)
    levels = _levels(criterion)
    if criterion.scale_type != ScoringCriterion.ScaleType.ORDINAL or len(levels) < 2:
        return number
    values = [level for level, _ in levels]
    if number <= values[0]:
        return 1.0
    if number >= values[-1]:
        return float(len(values))
    for position in range(len(values) - 1):
        low, high = values[position], values[position + 1]
        if low <= number <= high:
            return position + 1 + (number - low) / (high - low)
    return 1.0


def worst_raw_value(criterion: Criterion) -> float:
    if isinstance(criterion.scale, OrdinalScale):
        best, worst = float(len(criterion.scale.levels)), 1.0
    else:
        best, worst = criterion.scale.maximum, criterion.scale.minimum
    return best if criterion.direction is Direction.LOWER_IS_BETTER else worst


def _clamp_raw(criterion: Criterion, value: float) -> float:
    if isinstance(criterion.scale, OrdinalScale):
        return min(float(len(criterion.scale.levels)), max(1.0, value))
    return min(criterion.scale.maximum, max(criterion.scale.minimum, value))


def scoring_load(*, organisation_id: int, projects: Sequence[Project]) -> ScoringData:
    """Active criteria and the scores of ``projects``: 2 queries."""
    criteria = tuple(
        ScoringCriterion.objects.filter(organisation_id=organisation_id, is_active=True)
    )
    code_of = {project.pk: project.code for project in projects}
    engine_criteria = tuple(engine_criterion(criterion) for criterion in criteria)
    by_code = {c.code: (c, e) for c, e in zip(criteria, engine_criteria, strict=True)}
    consensus: dict[str, dict[str, float]] = defaultdict(dict)
    per_rater: dict[int, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = ProjectScore.objects.filter(
        project_id__in=list(code_of), criterion__in=[c.pk for c in criteria]
    ).values_list("project_id", "criterion__code", "rater_id", "value")
    for project_id, criterion_code, rater_id, value in rows:
        criterion, engine_view = by_code[criterion_code]
        number = _clamp_raw(engine_view, raw_value(criterion, value))
        code = code_of[project_id]
        if rater_id is None:
            consensus[code][criterion_code] = number
        else:
            per_rater[rater_id][code][criterion_code] = number
            counts[code][criterion_code] += 1
    table: dict[str, dict[str, float]] = {code: dict(row) for code, row in consensus.items()}
    if per_rater:
        tables = [dict(rater_table) for rater_table in per_rater.values()]
        try:
            grouped = aggregate_scores(engine_criteria, tables)
        except InputError:
            grouped = _arithmetic_means(tables)
        for code, row in grouped.items():
            for key, mean in row.items():
                table.setdefault(code, {}).setdefault(key, mean)
    missing = {
        code: tuple(c.code for c in criteria if c.code not in table.get(code, {}))
        for code in code_of.values()
    }
    return ScoringData(
        criteria=criteria,
        engine_criteria=engine_criteria,
        weights={c.code: float(c.weight) for c in criteria},
        table=table,
        rater_counts={code: dict(row) for code, row in counts.items()},
        missing={code: cells for code, cells in missing.items() if cells},
        projects=tuple(code_of.values()),
    )


def _arithmetic_means(tables: Sequence[Mapping[str, Mapping[str, float]]]) -> dict[str, dict]:
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    for table in tables:
        for code, row in table.items():
            for key, value in row.items():
                sums[(code, key)].append(value)
    result: dict[str, dict[str, float]] = defaultdict(dict)
    for (code, key), values in sums.items():
        result[code][key] = math.fsum(values) / len(values)
    return result


# -- projects --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskFact:
    name: str
    probability: float
    impact: float


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """A project as the decision engines need it, loaded once, months relative to its start.

    ``costs`` and ``benefits`` are the business case's whole monthly flows (month 0 = the
    project's first month); ``delivery_months`` is how many of those months are delivery (and
    count against the portfolio budget). ``demand`` is FTE by role code per month from the
    start; ``start`` is the calendar month of month 0 when known.
    """

    id: int
    code: str
    name: str
    stage: str
    mandatory: bool
    manager_id: int | None
    category: str
    business_unit: str
    start: dt.date | None
    finish: dt.date | None
    annual_discount_rate: float
    business_case_id: int | None
    business_case_version: int | None
    costs: Mapping[str, tuple[float, ...]]
    benefits: tuple[float, ...]
    delivery_months: int
    demand: Mapping[str, tuple[float, ...]]
    score: float
    risks: tuple[RiskFact, ...]
    depends_on: tuple[str, ...]
    expansion_case: tuple[tuple[float, ...], tuple[float, ...]] | None = None

    @property
    def is_running(self) -> bool:
        return self.stage in RUNNING_STAGES

    @property
    def is_paused(self) -> bool:
        return self.stage in PAUSED_STAGES

    @property
    def risk_exposure(self) -> float:
        return math.fsum(risk.probability * risk.impact for risk in self.risks)

    def cost_total(self) -> tuple[float, ...]:
        length = max((len(values) for values in self.costs.values()), default=0)
        total = [0.0] * length
        for values in self.costs.values():
            for month, amount in enumerate(values):
                total[month] += amount
        return tuple(total)

    def net_flows(self) -> tuple[float, ...]:
        costs = self.cost_total()
        length = max(len(costs), len(self.benefits))
        return tuple(
            (self.benefits[m] if m < len(self.benefits) else 0.0)
            - (costs[m] if m < len(costs) else 0.0)
            for m in range(length)
        )

    def npv_from(self, offset: int) -> float:
        """NPV of the flows from month ``offset`` of the project on, valued at that month."""
        flows = self.net_flows()[max(0, offset) :]
        if not flows:
            return 0.0
        return float(engine_npv(list(flows), self.annual_discount_rate))

    def offset_at(self, first_month: dt.date) -> int:
        """Months the project has already run at ``first_month`` (0 when it has not started)."""
        if self.start is None:
            return 0
        return max(0, months_between(self.start, first_month))


def _business_case_queryset() -> Any:
    lines = CashFlowLine.objects.order_by("month_index").only(
        "business_case_id", "kind", "category", "month_index", "amount"
    )
    return (
        BusinessCase.objects.exclude(
            status__in=[BusinessCase.Status.REJECTED, BusinessCase.Status.SUPERSEDED]
        )
        .order_by("project_id", "-version")
        .prefetch_related(Prefetch("cash_flow_lines", queryset=lines))
    )


def _flows(case: BusinessCase) -> tuple[dict[str, list[float]], list[float]]:
    costs: dict[str, list[float]] = {}
    benefits: list[float] = []
    for line in case.cash_flow_lines.all():
        if line.kind == CashFlowLine.Kind.COST:
            kind = "capex" if line.category == CashFlowLine.FlowCategory.CAPEX else "opex"
            target = costs.setdefault(kind, [])
        else:
            target = benefits
        while len(target) <= line.month_index:
            target.append(0.0)
        target[line.month_index] += float(line.amount)
    return costs, benefits


def _delivery_months(
    project: Project, costs: Mapping[str, Sequence[float]], benefits: Sequence[float]
) -> int:
    if project.start_date and project.finish_date:
        return max(1, months_between(project.start_date, project.finish_date) + 1)
    first_benefit = next((m for m, amount in enumerate(benefits) if amount > 0), None)
    if first_benefit:
        return first_benefit
    return max(1, max((len(values) for values in costs.values()), default=1))


def project_facts_load(
    *, projects: Sequence[Project], organisation_rate: float, scoring: ScoringData | None = None
) -> dict[int, ProjectFacts]:
    """Facts of ``projects`` (with ``category`` and ``business_unit`` joined): 6 queries.

    Business cases with their lines (2), role demand (1), open RAID risks and dependencies
    (1), and the scores (2, unless ``scoring`` is given).
    """
    ids = [project.pk for project in projects]
    if scoring is None and projects:
        scoring = scoring_load(organisation_id=projects[0].organisation_id, projects=projects)
    cases: dict[int, list[BusinessCase]] = defaultdict(list)
    for case in _business_case_queryset().filter(project_id__in=ids):
        cases[case.project_id].append(case)
    demand_rows: dict[int, dict[str, list[tuple[str, dt.date, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for project_id, source, role_code, month, hours in RoleDemand.objects.filter(
        project_id__in=ids
    ).values_list("project_id", "source", "role__code", "month", "hours"):
        demand_rows[project_id][source].append((role_code, month, float(hours)))
    risks: dict[int, list[RiskFact]] = defaultdict(list)
    depends: dict[int, list[str]] = defaultdict(list)
    raid = (
        RaidItem.objects.filter(project_id__in=ids)
        .exclude(status=RaidItem.Status.CLOSED)
        .filter(Q(kind=RaidItem.Kind.RISK) | Q(kind=RaidItem.Kind.DEPENDENCY))
        .values_list(
            "project_id", "kind", "title", "probability", "cost_impact", "depends_on_project__code"
        )
    )
    for project_id, kind, title, probability, cost_impact, depends_on in raid:
        if kind == RaidItem.Kind.DEPENDENCY:
            if depends_on:
                depends[project_id].append(depends_on)
        elif probability is not None and cost_impact is not None and cost_impact > 0:
            risks[project_id].append(RiskFact(title, float(probability), float(cost_impact)))
    scores: dict[str, float] = {}
    if scoring is not None:
        result = scoring.result()
        if result is not None:
            scores = {entry.project: entry.score for entry in result.projects}
    facts: dict[int, ProjectFacts] = {}
    for project in projects:
        facts[project.pk] = _facts_of(
            project,
            cases.get(project.pk, []),
            demand_rows.get(project.pk, {}),
            organisation_rate=organisation_rate,
            score=scores.get(project.code, 0.0),
            risks=risks.get(project.pk, []),
            depends_on=depends.get(project.pk, []),
        )
    return facts


def _facts_of(
    project: Project,
    cases: list[BusinessCase],
    demand_by_source: Mapping[str, list[tuple[str, dt.date, float]]],
    *,
    organisation_rate: float,
    score: float,
    risks: list[RiskFact],
    depends_on: list[str],
) -> ProjectFacts:
    approved = next((c for c in cases if c.status == BusinessCase.Status.APPROVED), None)
    case = approved or (cases[0] if cases else None)
    costs, benefits = _flows(case) if case is not None else ({}, [])
    rate = project.discount_rate
    if case is not None and case.discount_rate is not None:
        rate = case.discount_rate
    annual = float(rate) if rate is not None else organisation_rate
    start = project.start_date or (case.start_month if case is not None else None)
    demand_source = next((s for s in DEMAND_SOURCE_PRIORITY if demand_by_source.get(s)), None)
    rows = demand_by_source.get(demand_source, []) if demand_source else []
    if start is None and rows:
        start = min(month for _, month, _ in rows)
    start = month_start(start) if start else None
    demand: dict[str, list[float]] = {}
    for role_code, month, hours in rows:
        index = months_between(start, month) if start else 0
        if index < 0 or hours <= 0:
            continue
        values = demand.setdefault(role_code, [])
        while len(values) <= index:
            values.append(0.0)
        values[index] += hours / HOURS_PER_FTE_MONTH
    delivery = _delivery_months(project, costs, benefits)
    delivery = max([delivery, *(len(values) for values in demand.values())])
    expansion = None
    if approved is not None and cases and cases[0] is not approved:
        newer_costs, newer_benefits = _flows(cases[0])
        expansion = _expansion(costs, benefits, newer_costs, newer_benefits)
    return ProjectFacts(
        id=project.pk,
        code=project.code,
        name=project.name,
        stage=project.stage,
        mandatory=project.mandatory,
        manager_id=project.manager_id,
        category=project.category.code if project.category else "",
        business_unit=project.business_unit.code if project.business_unit else "",
        start=start,
        finish=project.finish_date,
        annual_discount_rate=annual,
        business_case_id=case.pk if case is not None else None,
        business_case_version=case.version if case is not None else None,
        costs={kind: tuple(values) for kind, values in costs.items()},
        benefits=tuple(benefits),
        delivery_months=delivery,
        demand={role: tuple(values) for role, values in demand.items()},
        score=score,
        risks=tuple(risks),
        depends_on=tuple(depends_on),
        expansion_case=expansion,
    )


def _expansion(
    costs: Mapping[str, Sequence[float]],
    benefits: Sequence[float],
    newer_costs: Mapping[str, Sequence[float]],
    newer_benefits: Sequence[float],
) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """A newer, unapproved version that adds cost and benefit is an expansion on the table."""

    def total(profiles: Mapping[str, Sequence[float]]) -> list[float]:
        length = max((len(values) for values in profiles.values()), default=0)
        return [
            sum(values[m] for values in profiles.values() if m < len(values)) for m in range(length)
        ]

    old_cost, new_cost = total(costs), total(newer_costs)
    length = max(len(old_cost), len(new_cost), len(benefits), len(newer_benefits))

    def at(values: Sequence[float], month: int) -> float:
        return values[month] if month < len(values) else 0.0

    extra_costs = tuple(max(0.0, at(new_cost, m) - at(old_cost, m)) for m in range(length))
    extra_benefits = tuple(max(0.0, at(newer_benefits, m) - at(benefits, m)) for m in range(length))
    if sum(extra_benefits) <= 0:
        return None
    return extra_costs, extra_benefits


# -- scenario rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A project's place in a scenario (or in the current plan when there is no scenario)."""

    project_id: int
    mode: str = ScenarioProject.Mode.CANDIDATE
    start_month_override: dt.date | None = None
    exclusive_group: str = ""
    included: bool | None = None
    selected_start_month: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Hire:
    role_code: str
    month: dt.date
    fte_delta: float


@dataclass(frozen=True, slots=True)
class ScenarioSettings:
    """What a scenario changes: its window, budget and capacity overrides, and hires."""

    horizon_start: dt.date
    horizon_months: int
    budget_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    capacity_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    hires: tuple[Hire, ...] = ()


@dataclass(frozen=True, slots=True)
class OptimiserOptions:
    """How a scenario is valued and constrained beyond its data."""

    objective: str = "npv"
    mix_npv_share: float = 0.5
    budget_period: str = "quarter"
    max_starts_per_month: int | None = None

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise InputError(f"must be one of {', '.join(OBJECTIVES)}", field="objective")
        if self.budget_period not in BUDGET_PERIODS:
            raise InputError(f"must be one of {', '.join(BUDGET_PERIODS)}", field="budget_period")
        if not 0.0 <= self.mix_npv_share <= 1.0:
            raise InputError("must be between 0 and 1", field="mix_npv_share")
        if self.max_starts_per_month is not None and self.max_starts_per_month < 0:
            raise InputError("must be 0 or more", field="max_starts_per_month")


def default_horizon_start(today: dt.date | None = None) -> dt.date:
    return month_start(today or dt.date.today())


def scenario_settings(scenario: Scenario, hires: Iterable[HiringPlan]) -> ScenarioSettings:
    return ScenarioSettings(
        horizon_start=scenario.horizon_start or default_horizon_start(),
        horizon_months=scenario.horizon_months,
        budget_overrides=dict(scenario.budget_overrides or {}),
        capacity_overrides=dict(scenario.capacity_overrides or {}),
        hires=tuple(Hire(hire.role.code, hire.month, float(hire.fte_delta)) for hire in hires),
    )


def plan_rows_of(scenario_rows: Iterable[ScenarioProject]) -> list[PlanRow]:
    return [
        PlanRow(
            project_id=row.project_id,
            mode=row.mode,
            start_month_override=row.start_month_override,
            exclusive_group=row.exclusive_group,
            included=row.included,
            selected_start_month=row.selected_start_month,
        )
        for row in scenario_rows
    ]


def default_plan_rows(projects: Iterable[Project]) -> list[PlanRow]:
    """The plan of a portfolio nobody has planned yet: open projects, committed ones forced in."""
    rows = []
    for project in projects:
        if project.stage not in OPEN_STAGES:
            continue
        committed = project.mandatory or project.stage in RUNNING_STAGES
        rows.append(
            PlanRow(
                project_id=project.pk,
                mode=ScenarioProject.Mode.FORCED_IN
                if committed
                else ScenarioProject.Mode.CANDIDATE,
                included=committed or project.stage == Project.Stage.APPROVED,
                selected_start_month=month_start(project.start_date)
                if project.start_date
                else None,
            )
        )
    return rows


# -- capacity and budgets --------------------------------------------------------------------


def capacity_load(
    *, organisation_id: int, role_codes: Iterable[str], first_month: dt.date, months: int
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Hours per month of each role over the window, and the roles' names: 3 queries.

    Month by month: the role's total row of ``CapacityPeriod`` where there is one, else the
    sum of its people's rows, else (months the cache does not cover) each active person's
    FTE x :data:`HOURS_PER_FTE_MONTH` while they are employed. A role with no capacity rows
    and no people is left out (not limited).
    """
    codes = sorted(set(role_codes))
    last = add_months(first_month, months - 1)
    roles = {role.pk: role for role in Role.objects.filter(organisation_id=organisation_id)}
    wanted = {pk: role for pk, role in roles.items() if role.code in codes}
    totals: dict[tuple[int, dt.date], float] = {}
    people_sums: dict[tuple[int, dt.date], float] = defaultdict(float)
    for role_id, person_id, month, hours in CapacityPeriod.objects.filter(
        organisation_id=organisation_id, role_id__in=list(wanted), month__range=(first_month, last)
    ).values_list("role_id", "person_id", "month", "hours"):
        if person_id is None:
            totals[(role_id, month)] = float(hours)
        else:
            people_sums[(role_id, month)] += float(hours)
    people: dict[int, list[tuple[float, dt.date | None, dt.date | None]]] = defaultdict(list)
    for role_id, fte, start, end in Person.objects.filter(
        organisation_id=organisation_id, role_id__in=list(wanted), is_active=True
    ).values_list("role_id", "fte", "start_date", "end_date"):
        people[role_id].append((float(fte), start, end))
    capacity: dict[str, list[float]] = {}
    for role_id, role in wanted.items():
        has_rows = any(key[0] == role_id for key in totals) or any(
            key[0] == role_id for key in people_sums
        )
        if not has_rows and not people.get(role_id):
            continue
        values = []
        for index in range(months):
            month = add_months(first_month, index)
            if (role_id, month) in totals:
                values.append(totals[(role_id, month)])
            elif (role_id, month) in people_sums:
                values.append(people_sums[(role_id, month)])
            else:
                month_end = add_months(month, 1) - dt.timedelta(days=1)
                values.append(
                    HOURS_PER_FTE_MONTH
                    * math.fsum(
                        fte
                        for fte, start, end in people[role_id]
                        if (start is None or start <= month_end) and (end is None or end >= month)
                    )
                )
        capacity[role.code] = values
    names = {role.code: role.name for role in roles.values()}
    return capacity, names


def apply_capacity_changes(
    capacity_hours: Mapping[str, Sequence[float]],
    settings: ScenarioSettings,
) -> dict[str, list[float]]:
    """FTE per role and month after the scenario's overrides (hours) and hires (FTE)."""
    months = settings.horizon_months
    result = {
        role: [hours / HOURS_PER_FTE_MONTH for hours in values]
        for role, values in capacity_hours.items()
    }
    for role, by_month in settings.capacity_overrides.items():
        values = result.setdefault(role, [0.0] * months)
        for key, hours in by_month.items():
            index = months_between(settings.horizon_start, parse_month(key))
            if 0 <= index < months:
                values[index] = max(0.0, float(hours) / HOURS_PER_FTE_MONTH)
    for hire in settings.hires:
        values = result.setdefault(hire.role_code, [0.0] * months)
        first = max(0, months_between(settings.horizon_start, hire.month))
        for index in range(first, months):
            values[index] = max(0.0, values[index] + hire.fte_delta)
    return result


def budgets_load(*, portfolio_id: int, settings: ScenarioSettings) -> dict[str, list[float | None]]:
    """Capex and opex limits per month of the window (None: no budget that month): 1 query."""
    months = settings.horizon_months
    limits: dict[str, list[float | None]] = {kind: [None] * months for kind in COST_KINDS}
    last = add_months(settings.horizon_start, months - 1)
    for month, capex, opex in PortfolioBudget.objects.filter(
        portfolio_id=portfolio_id, month__range=(settings.horizon_start, last)
    ).values_list("month", "capex", "opex"):
        index = months_between(settings.horizon_start, month)
        limits["capex"][index] = float(capex)
        limits["opex"][index] = float(opex)
    for key, amounts in settings.budget_overrides.items():
        index = months_between(settings.horizon_start, parse_month(key))
        if not 0 <= index < months or not isinstance(amounts, Mapping):
            continue
        for kind in COST_KINDS:
            if amounts.get(kind) not in (None, ""):
                limits[kind][index] = max(0.0, float(amounts[kind]))
    return limits


# -- the optimiser's input -------------------------------------------------------------------


@dataclass(frozen=True)
class EngineInput:
    """An optimiser input and what is needed to read its answers back.

    ``facts`` and ``rows`` are keyed by engine project id (the project code).
    """

    portfolio: engine.Portfolio
    facts: Mapping[str, ProjectFacts]
    rows: Mapping[str, PlanRow]
    settings: ScenarioSettings
    options: OptimiserOptions
    role_names: Mapping[str, str]
    notes: tuple[str, ...] = ()

    @property
    def first_month(self) -> dt.date:
        return self.settings.horizon_start

    def month(self, index: int) -> dt.date:
        return add_months(self.settings.horizon_start, index)

    def current_plan(self) -> dict[str, int]:
        """The plan as it stands (project code -> start month of the window)."""
        plan: dict[str, int] = {}
        for code, row in self.rows.items():
            project = self.portfolio.project(code)
            if project.in_flight != "no" and row.included is not False:
                if not project.excluded:
                    plan[code] = 0
                continue
            if not row.included or row.selected_start_month is None:
                continue
            start = max(0, months_between(self.first_month, row.selected_start_month))
            if start < self.portfolio.months:
                plan[code] = max(start, project.earliest_start)
        return plan

    def snapshot(self) -> dict[str, Any]:
        """The exact engine input, as JSON, with the context needed to read it."""
        return {
            "version": SNAPSHOT_VERSION,
            "portfolio": portfolio_to_json(self.portfolio),
            "first_month": month_key(self.first_month),
            "options": {
                "objective": self.options.objective,
                "mix_npv_share": self.options.mix_npv_share,
                "budget_period": self.options.budget_period,
                "max_starts_per_month": self.options.max_starts_per_month,
            },
            "hours_per_fte_month": HOURS_PER_FTE_MONTH,
            "projects": {
                code: {
                    "id": facts.id,
                    "name": facts.name,
                    "stage": facts.stage,
                    "business_case_id": facts.business_case_id,
                    "business_case_version": facts.business_case_version,
                }
                for code, facts in self.facts.items()
            },
            "roles": dict(self.role_names),
            "notes": list(self.notes),
        }


def engine_input_build(
    *,
    portfolio_id: int,
    organisation_id: int,
    organisation_rate: float,
    rows: Sequence[PlanRow],
    settings: ScenarioSettings,
    options: OptimiserOptions,
) -> EngineInput:
    """Load everything a scenario needs and build the optimiser's input: 12 queries.

    Projects (1), their facts (6), capacity (3), budgets (1) and balance rules (1).
    """
    by_id = {row.project_id: row for row in rows}
    projects = list(
        Project.objects.filter(organisation_id=organisation_id, pk__in=list(by_id)).select_related(
            "category", "business_unit"
        )
    )
    facts = project_facts_load(projects=projects, organisation_rate=organisation_rate)
    roles = {role for fact in facts.values() for role in fact.demand}
    roles |= set(settings.capacity_overrides) | {hire.role_code for hire in settings.hires}
    capacity_hours, role_names = capacity_load(
        organisation_id=organisation_id,
        role_codes=roles,
        first_month=settings.horizon_start,
        months=settings.horizon_months,
    )
    budgets = budgets_load(portfolio_id=portfolio_id, settings=settings)
    balance = list(BalanceRule.objects.filter(portfolio_id=portfolio_id))
    return engine_input_from_facts(
        facts={facts[p.pk].code: facts[p.pk] for p in projects},
        rows={facts[p.pk].code: by_id[p.pk] for p in projects},
        settings=settings,
        options=options,
        capacity_hours=capacity_hours,
        role_names=role_names,
        budgets=budgets,
        balance_rules=balance,
        organisation_rate=organisation_rate,
    )


def engine_input_from_facts(
    *,
    facts: Mapping[str, ProjectFacts],
    rows: Mapping[str, PlanRow],
    settings: ScenarioSettings,
    options: OptimiserOptions,
    capacity_hours: Mapping[str, Sequence[float]],
    role_names: Mapping[str, str],
    budgets: Mapping[str, Sequence[float | None]],
    balance_rules: Sequence[BalanceRule],
    organisation_rate: float,
) -> EngineInput:
    """Build the engine's :class:`~steerco.engine.portfolio.model.Portfolio` (no query)."""
    notes: list[str] = []
    first = settings.horizon_start
    months = settings.horizon_months
    codes = sorted(facts)
    npv_of = {code: _window_npv(facts[code], first) for code in codes}
    total_npv = math.fsum(max(0.0, value) for value in npv_of.values())
    total_score = math.fsum(facts[code].score for code in codes)
    objective, score_weight = _objective(options, total_npv, total_score, organisation_rate)
    projects = []
    for code in codes:
        project = _engine_project(
            facts[code], rows[code], first, months, npv_of[code], options, score_weight
        )
        if project is not None:
            projects.append(project)
    known = {project.id for project in projects}
    started = {project.id for project in projects if project.in_flight != "no"}
    dependencies = []
    for code in codes:
        for predecessor in facts[code].depends_on:
            # A project already under way has started whatever it waited for (or the PMO
            # waived the wait): only a project still to start can wait for another.
            if predecessor in known and code in known - started and predecessor != code:
                dependencies.append(engine.Dependency(predecessor, code, "finish_to_start"))
    groups: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        if rows[code].exclusive_group and code in known:
            groups[rows[code].exclusive_group].append(code)
    exclusive = [
        engine.ExclusiveGroup(name, tuple(members))
        for name, members in sorted(groups.items())
        if len(members) > 1
    ]
    balance = []
    for rule in balance_rules:
        if rule.basis != BalanceRule.Basis.COST:
            notes.append(
                f"Balance rule {rule.dimension} {rule.key} counts projects; the optimiser "
                "balances spend only, so it was left out."
            )
            continue
        low = float(rule.min_share) if rule.min_share > 0 else None
        high = float(rule.max_share) if rule.max_share < 1 else None
        if low is None and high is None:
            continue
        balance.append(engine.BalanceRule(rule.dimension, rule.key, low, high))  # type: ignore[arg-type]
    capacity = apply_capacity_changes(capacity_hours, settings)
    used_roles = {role for project in projects for role in project.demand}
    capacity = {role: values for role, values in capacity.items() if role in used_roles}
    unlimited = sorted(used_roles - set(capacity))
    if unlimited:
        notes.append(
            "No capacity is recorded for "
            + ", ".join(role_names.get(role, role) for role in unlimited)
            + ": those roles are not limited."
        )
    committed = [project for project in projects if project.in_flight == "fixed"]
    _make_room_for_commitments(capacity, committed, first, role_names, notes)
    budget_rules = _budget_rules(
        budgets, options.budget_period, months, first, notes, _committed_spend(committed, months)
    )
    portfolio = engine.Portfolio(
        projects=projects,
        months=months,
        capacity={role: tuple(values) for role, values in sorted(capacity.items())},
        budgets=budget_rules,
        dependencies=dependencies,
        exclusive_groups=exclusive,
        balance_rules=balance,
        max_starts_per_month=options.max_starts_per_month,
        objective=objective,
        first_month=month_key(first),
    )
    return EngineInput(
        portfolio=portfolio,
        facts={code: facts[code] for code in known},
        rows={code: rows[code] for code in known},
        settings=settings,
        options=options,
        role_names=dict(role_names),
        notes=tuple(notes),
    )


def _window_npv(facts: ProjectFacts, first: dt.date) -> float:
    in_flight = facts.is_running or facts.is_paused
    return facts.npv_from(facts.offset_at(first) if in_flight else 0)


def _objective(
    options: OptimiserOptions, total_npv: float, total_score: float, organisation_rate: float
) -> tuple[engine.Objective, float]:
    # A project started later is worth its NPV discounted by the months lost, at the
    # organisation's rate (a project's own rate applies within its business case).
    monthly = monthly_rate(organisation_rate)
    if options.objective == "score":
        return engine.Objective(npv_weight=0.0, score_weight=1.0), 1.0
    if options.objective == "mix":
        share = options.mix_npv_share
        # Score points are priced so that the candidates' total score weighs as much as their
        # total positive NPV; the share then splits the weight between the two.
        price = total_npv / total_score if total_score > 0 else 0.0
        return (
            engine.Objective(
                npv_weight=share,
                score_weight=(1 - share) * price,
                monthly_discount_rate=monthly,
            ),
            (1 - share) * price,
        )
    risk: engine.RiskAdjustment = (
        "penalty" if options.objective == "risk_adjusted_value" else "none"
    )
    return (
        engine.Objective(
            npv_weight=1.0, score_weight=0.0, risk=risk, monthly_discount_rate=monthly
        ),
        0.0,
    )


def _engine_project(
    facts: ProjectFacts,
    row: PlanRow,
    first: dt.date,
    months: int,
    window_npv: float,
    options: OptimiserOptions,
    score_weight: float,
) -> engine.Project | None:
    in_flight_stage = facts.is_running or facts.is_paused
    forced_in = row.mode == ScenarioProject.Mode.FORCED_IN
    forced_out = row.mode == ScenarioProject.Mode.FORCED_OUT
    offset = facts.offset_at(first) if in_flight_stage else 0
    delivery = facts.delivery_months
    duration = max(1, delivery - offset)
    costs = {
        kind: tuple(values[offset:delivery])
        for kind, values in facts.costs.items()
        if any(values[offset:delivery])
    }
    demand = {
        role: tuple(values[offset:delivery])
        for role, values in facts.demand.items()
        if any(values[offset:delivery])
    }
    in_flight: engine.InFlight = "no"
    earliest, latest = 0, None
    if in_flight_stage:
        fixed = (forced_in or facts.mandatory) and not forced_out and facts.is_running
        in_flight = "fixed" if fixed else "pausable"
    elif row.start_month_override is not None:
        earliest = min(months - 1, max(0, months_between(first, row.start_month_override)))
        latest = earliest
    delay_penalty = 0.0
    if options.objective == "score":
        delay_penalty = SCORE_DELAY_SHARE * facts.score
    elif options.objective == "mix":
        delay_penalty = SCORE_DELAY_SHARE * facts.score * score_weight
    return engine.Project(
        id=facts.code,
        name=facts.name,
        duration=duration,
        costs=costs,
        demand=demand,
        npv=window_npv,
        score=facts.score,
        risk_penalty=facts.risk_exposure,
        delay_penalty=delay_penalty,
        earliest_start=earliest,
        latest_start=latest,
        category=facts.category,
        business_unit=facts.business_unit,
        mandatory=(forced_in or facts.mandatory) and not forced_out and in_flight == "no",
        excluded=forced_out,
        in_flight=in_flight,
    )


def _committed_spend(committed: Sequence[engine.Project], months: int) -> dict[str, list[float]]:
    spend: dict[str, list[float]] = {kind: [0.0] * months for kind in COST_KINDS}
    for project in committed:
        for kind, values in project.costs.items():
            row = spend.setdefault(kind, [0.0] * months)
            for month, amount in enumerate(values[:months]):
                row[month] += amount
    return spend


def _make_room_for_commitments(
    capacity: dict[str, list[float]],
    committed: Sequence[engine.Project],
    first: dt.date,
    role_names: Mapping[str, str],
    notes: list[str],
) -> None:
    """Raise a role-month's capacity to what running, fixed projects already need there.

    Work under way cannot be undone by the plan; when it alone exceeds a capacity the
    optimiser has nothing to decide there, so the limit becomes the committed amount (no
    new work fits) and the page says where.
    """
    over: list[str] = []
    for role, values in capacity.items():
        need = [0.0] * len(values)
        for project in committed:
            for month, fte in enumerate(project.demand.get(role, ())):
                if month < len(need):
                    need[month] += fte
        for month, fte in enumerate(need):
            if fte > values[month] + 1e-9:
                over.append(
                    f"{role_names.get(role, role)} {month_key(add_months(first, month))} "
                    f"({fte:.1f} FTE committed, {values[month]:.1f} available)"
                )
                values[month] = fte
    if over:
        notes.append(
            "Work under way alone exceeds the capacity of "
            + "; ".join(over[:12])
            + ("; …" if len(over) > 12 else "")
            + ". Those limits are set to the committed work: nothing new fits there."
        )


def _budget_rules(
    budgets: Mapping[str, Sequence[float | None]],
    period: str,
    months: int,
    first: dt.date,
    notes: list[str],
    committed: Mapping[str, Sequence[float]] | None = None,
) -> list[engine.BudgetRule]:
    rules = []
    probe = engine.Portfolio(projects=(), months=months, first_month=month_key(first))
    groups = probe.period_months(period)  # type: ignore[arg-type]
    for kind in COST_KINDS:
        values = budgets.get(kind, [])
        if not any(value is not None for value in values):
            continue
        limits: list[float] = []
        open_periods: list[str] = []
        overspent: list[str] = []
        for label, members in groups:
            known = [values[m] for m in members if m < len(values) and values[m] is not None]
            if len(known) < len(members):
                # A period without a budget for some of its months is not limited at all:
                # inventing a figure would decide the plan on a number nobody approved.
                limits.append(math.inf)
                open_periods.append(label)
            else:
                limit = math.fsum(v for v in known if v is not None)
                spent = (
                    math.fsum(committed.get(kind, [0.0] * months)[m] for m in members)
                    if committed
                    else 0.0
                )
                if spent > limit + 0.005:
                    # Work under way cannot be undone by the plan (see the capacity above).
                    overspent.append(f"{label} ({spent:,.0f} committed, budget {limit:,.0f})")
                    limit = spent
                limits.append(limit)
        if overspent:
            notes.append(
                f"Work under way alone exceeds the {kind} budget of "
                + "; ".join(overspent)
                + ". Those limits are set to the committed spend: nothing new fits there."
            )
        if open_periods:
            notes.append(
                f"No {kind} budget for every month of {', '.join(open_periods)}: "
                "those periods are not limited."
            )
        if all(math.isinf(limit) for limit in limits):
            continue
        ceiling = max(limit for limit in limits if math.isfinite(limit))
        # The engine takes finite limits; one far above any period's spend never binds.
        big = max(ceiling, 1.0) * 1000.0
        rules.append(
            engine.BudgetRule(
                tuple(big if math.isinf(limit) else limit for limit in limits),
                kind,
                period,  # type: ignore[arg-type]
            )
        )
    return rules


# -- snapshots -------------------------------------------------------------------------------


def _number_list(values: Any) -> Any:
    if isinstance(values, float | int):
        return values
    return [float(v) for v in values]


def portfolio_to_json(portfolio: engine.Portfolio) -> dict[str, Any]:
    """The engine input as JSON, complete enough for :func:`portfolio_from_json`."""
    objective = portfolio.objective
    return {
        "months": portfolio.months,
        "first_month": portfolio.first_month,
        "finish_within_window": portfolio.finish_within_window,
        "max_starts_per_month": None
        if portfolio.starts_limit() is None
        else list(portfolio.starts_limit() or ()),
        "objective": {
            "npv_weight": objective.npv_weight,
            "score_weight": objective.score_weight,
            "risk": objective.risk,
            "monthly_discount_rate": objective.monthly_discount_rate,
        },
        "capacity": {role: list(values) for role, values in portfolio.capacity.items()},  # type: ignore[arg-type]
        "budgets": [
            {"limits": _number_list(rule.limits), "spend": rule.spend, "period": rule.period}
            for rule in portfolio.budgets
        ],
        "dependencies": [
            {
                "predecessor": d.predecessor,
                "successor": d.successor,
                "kind": d.kind,
                "lag": d.lag,
            }
            for d in portfolio.dependencies
        ],
        "exclusive_groups": [
            {"name": g.name, "projects": list(g.projects), "at_most": g.at_most}
            for g in portfolio.exclusive_groups
        ],
        "balance_rules": [
            {
                "field": rule.field,
                "group": rule.group,
                "min_share": rule.min_share,
                "max_share": rule.max_share,
            }
            for rule in portfolio.balance_rules
        ],
        "projects": [
            {
                "id": p.id,
                "name": p.name,
                "duration": p.duration,
                "costs": {kind: list(values) for kind, values in p.costs.items()},
                "demand": {role: list(values) for role, values in p.demand.items()},
                "npv": p.npv,
                "score": p.score,
                "probability_of_success": p.probability_of_success,
                "risk_penalty": p.risk_penalty,
                "delay_penalty": p.delay_penalty,
                "earliest_start": p.earliest_start,
                "latest_start": p.latest_start,
                "category": p.category,
                "business_unit": p.business_unit,
                "mandatory": p.mandatory,
                "excluded": p.excluded,
                "in_flight": p.in_flight,
            }
            for p in portfolio.projects
        ],
    }


def portfolio_from_json(data: Mapping[str, Any]) -> engine.Portfolio:
    """Rebuild the exact engine input that a run was solved on."""
    objective = data.get("objective") or {}
    return engine.Portfolio(
        projects=[engine.Project(**entry) for entry in data.get("projects", [])],
        months=int(data["months"]),
        capacity={role: tuple(values) for role, values in (data.get("capacity") or {}).items()},
        budgets=[
            engine.BudgetRule(
                rule["limits"]
                if isinstance(rule["limits"], float | int)
                else tuple(rule["limits"]),
                rule["spend"],
                rule["period"],
            )
            for rule in data.get("budgets", [])
        ],
        dependencies=[engine.Dependency(**entry) for entry in data.get("dependencies", [])],
        exclusive_groups=[
            engine.ExclusiveGroup(entry["name"], tuple(entry["projects"]), entry.get("at_most", 1))
            for entry in data.get("exclusive_groups", [])
        ],
        balance_rules=[engine.BalanceRule(**entry) for entry in data.get("balance_rules", [])],
        max_starts_per_month=data.get("max_starts_per_month"),
        objective=engine.Objective(**objective),
        first_month=data.get("first_month"),
        finish_within_window=bool(data.get("finish_within_window", True)),
    )


def portfolio_load(portfolio_id: int) -> Portfolio:
    return Portfolio.objects.select_related("organisation").get(pk=portfolio_id)


# -- reading plans back ----------------------------------------------------------------------


def plan_summary(portfolio: engine.Portfolio, plan: Mapping[str, int]) -> dict[str, Any]:
    """What a plan (project id -> start month) spends, uses and is worth, month by month.

    JSON-ready: ``value`` under the portfolio's objective, ``npv`` (discounted for delays),
    ``score`` and ``risk_exposure`` totals, ``spend`` per cost type and month, ``fte`` used
    and ``capacity`` per role and month, and the window's ``first_month``.
    """
    months = portfolio.months
    spend: dict[str, list[float]] = {kind: [0.0] * months for kind in COST_KINDS}
    fte: dict[str, list[float]] = {role: [0.0] * months for role in portfolio.capacity}
    value = npv_total = score = risk = 0.0
    rate = portfolio.objective.monthly_discount_rate
    for code, start in plan.items():
        try:
            project = portfolio.project(code)
        except KeyError:
            continue
        value += portfolio.value(project, start)
        delay = max(0, start - project.earliest_start)
        npv_total += project.npv / (1.0 + rate) ** delay
        score += project.score
        risk += project.risk_penalty
        for kind, values in project.costs.items():
            row = spend.setdefault(kind, [0.0] * months)
            for offset, amount in enumerate(values):
                if start + offset < months:
                    row[start + offset] += amount
        for role, values in project.demand.items():
            row = fte.setdefault(role, [0.0] * months)
            for offset, amount in enumerate(values):
                if start + offset < months:
                    row[start + offset] += amount
    return {
        "first_month": portfolio.first_month,
        "months": months,
        "count": len(plan),
        "value": value,
        "npv": npv_total,
        "score": score,
        "risk_exposure": risk,
        "spend": spend,
        "fte": fte,
        "capacity": {role: list(values) for role, values in portfolio.capacity.items()},  # type: ignore[arg-type]
    }
