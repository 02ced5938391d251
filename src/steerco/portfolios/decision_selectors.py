"""Reads for portfolio decisions: scenarios, runs, comparisons, frontier, scores, AHP,
business case metrics and recommendations.

Who sees what:

- scenarios, optimiser runs, comparisons, the frontier, scores and AHP are portfolio-level
  decisions: the roles that see the whole organisation read them (administrators, PMO
  analysts, portfolio managers, resource managers, executives); other members get
  "forbidden"; another organisation's objects are "not found", whatever the role;
- business case metrics follow the project: whoever may see the project sees them;
- recommendations list every open project of the portfolio for the organisation-wide roles,
  and only the projects a user may see for everyone else (a project manager sees their own).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

from steerco.accounts.models import User
from steerco.core.access import (
    PORTFOLIO_EDITORS,
    has_role,
    is_active_member,
    organisation_id_of,
    require_role,
    sees_whole_organisation,
)
from steerco.core.errors import AccessDenied, NotFound
from steerco.engine.errors import InputError
from steerco.engine.portfolio import finance
from steerco.engine.portfolio import model as engine
from steerco.engine.portfolio.ahp import (
    AhpResult,
    aggregate_judgments,
    ahp_weights,
    pairwise_matrix,
)
from steerco.engine.portfolio.recommendations import (
    ExpansionOption,
    PlanStatus,
    ProjectSignals,
    ProjectState,
    Recommendation,
    RecommendationPolicy,
    RiskItem,
    recommend,
)
from steerco.engine.portfolio.scoring import (
    AlignmentResult,
    ScoringResult,
    WeightSensitivity,
    alignment_scores,
    weight_sensitivity,
)
from steerco.finance.models import Budget, CostLine, Forecast
from steerco.jobs.models import Job
from steerco.portfolios import decision_charts as charts
from steerco.portfolios import decision_engine_io as io
from steerco.portfolios.models import (
    AhpComparison,
    ObjectiveContribution,
    OptimiserRun,
    Portfolio,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
    StrategicObjective,
)
from steerco.projects.access import access_business_case_by_id, projects_visible_to
from steerco.projects.models import BusinessCase, Milestone, Project
from steerco.resources.models import HiringPlan, Role, RoleDemand

FRONTIER_JOB = "portfolio.frontier"
OPTIMISE_JOB = "portfolio.optimise"
MAX_COMPARED = 6
SOLVED_RUN_STATES = (OptimiserRun.Status.OPTIMAL, OptimiserRun.Status.FEASIBLE)


# -- access ----------------------------------------------------------------------------------


def can_read_decisions(user: User) -> bool:
    return sees_whole_organisation(user)


def can_edit_decisions(user: User) -> bool:
    return has_role(user, PORTFOLIO_EDITORS)


def require_decision_reader(user: User) -> None:
    if not can_read_decisions(user):
        raise AccessDenied("Your role may not see portfolio decisions.")


def access_decision_portfolio(
    user: User, portfolio_id: int, *, for_edit: bool = False, readers_only: bool = True
) -> Portfolio:
    """The portfolio, if in the user's organisation; then the role is checked.

    Another organisation's portfolio is "not found" before any role check, so that its
    existence does not leak.
    """
    if not is_active_member(user):
        raise NotFound(f"No portfolio {portfolio_id}.")
    portfolio = (
        Portfolio.objects.select_related("organisation")
        .filter(organisation_id=organisation_id_of(user), pk=portfolio_id)
        .first()
    )
    if portfolio is None:
        raise NotFound(f"No portfolio {portfolio_id}.")
    if for_edit:
        require_role(user, PORTFOLIO_EDITORS, "change portfolio decisions")
    elif readers_only:
        require_decision_reader(user)
    return portfolio


def access_scenario_by_id(user: User, scenario_id: int, *, for_edit: bool = False) -> Scenario:
    if not is_active_member(user):
        raise NotFound(f"No scenario {scenario_id}.")
    scenario = (
        Scenario.objects.select_related("portfolio", "organisation", "based_on")
        .filter(organisation_id=organisation_id_of(user), pk=scenario_id)
        .first()
    )
    if scenario is None:
        raise NotFound(f"No scenario {scenario_id}.")
    if for_edit:
        require_role(user, PORTFOLIO_EDITORS, "change scenarios")
    else:
        require_decision_reader(user)
    return scenario


def access_run_by_id(user: User, run_id: int) -> OptimiserRun:
    if not is_active_member(user):
        raise NotFound(f"No optimiser run {run_id}.")
    run = (
        OptimiserRun.objects.select_related("scenario", "scenario__portfolio", "job")
        .filter(organisation_id=organisation_id_of(user), pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound(f"No optimiser run {run_id}.")
    require_decision_reader(user)
    return run


def organisation_portfolios(user: User) -> list[Portfolio]:
    if not is_active_member(user):
        return []
    return list(Portfolio.objects.filter(organisation_id=organisation_id_of(user)))


# -- scenarios -------------------------------------------------------------------------------


def scenario_list(user: User, *, portfolio_id: int | None = None) -> QuerySet[Scenario]:
    """Scenarios with their portfolio, project count and latest run: one query for the page."""
    require_decision_reader(user)
    latest = OptimiserRun.objects.filter(scenario=OuterRef("pk")).order_by("-created_at", "-pk")
    scenarios = (
        Scenario.objects.filter(organisation_id=organisation_id_of(user))
        .select_related("portfolio", "created_by", "promoted_by")
        .annotate(
            project_count=Count("projects", distinct=True),
            latest_run_id=Subquery(latest.values("pk")[:1]),
            latest_run_status=Subquery(latest.values("status")[:1]),
            latest_run_value=Subquery(latest.values("value")[:1]),
            latest_run_gap=Subquery(latest.values("gap")[:1]),
        )
        .order_by("portfolio__name", "-status", "-created_at", "-pk")
    )
    if portfolio_id is not None:
        scenarios = scenarios.filter(portfolio_id=portfolio_id)
    return scenarios


def promoted_scenario(portfolio_id: int) -> Scenario | None:
    return (
        Scenario.objects.select_related("portfolio", "organisation")
        .filter(portfolio_id=portfolio_id, status=Scenario.Status.PROMOTED)
        .first()
    )


def latest_solved_run(scenario: Scenario) -> OptimiserRun | None:
    return (
        OptimiserRun.objects.filter(scenario=scenario, status__in=SOLVED_RUN_STATES)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ScenarioOutcome:
    """A scenario's plan and what it spends and uses: from its latest solved run, or (never
    solved) from its rows as they stand."""

    scenario: Scenario
    run: OptimiserRun | None
    portfolio: engine.Portfolio
    plan: dict[str, int]
    summary: dict[str, Any]
    names: dict[str, str]
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        if self.run is not None:
            return f"optimiser run {self.run.pk}"
        return "not optimised yet: as planned"

    @property
    def first_month(self) -> dt.date:
        return io.parse_month(self.portfolio.first_month or "2000-01")


def scenario_engine_input(
    scenario: Scenario, options: io.OptimiserOptions | None = None
) -> io.EngineInput:
    """Build the optimiser input of a scenario from the database as it is now."""
    rows = io.plan_rows_of(ScenarioProject.objects.filter(scenario=scenario))
    hires = HiringPlan.objects.filter(scenario=scenario).select_related("role")
    return io.engine_input_build(
        portfolio_id=scenario.portfolio_id,
        organisation_id=scenario.organisation_id,
        organisation_rate=float(scenario.organisation.discount_rate),
        rows=rows,
        settings=io.scenario_settings(scenario, hires),
        options=options or io.OptimiserOptions(),
    )


def scenario_outcome(scenario: Scenario, run: OptimiserRun | None = None) -> ScenarioOutcome:
    run = run if run is not None else latest_solved_run(scenario)
    if run is not None and run.result.get("inputs"):
        inputs = run.result["inputs"]
        portfolio = io.portfolio_from_json(inputs["portfolio"])
        plan = {item["project"]: int(item["start"]) for item in run.result.get("plan", [])}
        summary = run.result.get("summary") or io.plan_summary(portfolio, plan)
        names = {code: entry["name"] for code, entry in inputs.get("projects", {}).items()}
        return ScenarioOutcome(
            scenario, run, portfolio, plan, summary, names, tuple(inputs.get("notes", []))
        )
    built = scenario_engine_input(scenario)
    plan = built.current_plan()
    return ScenarioOutcome(
        scenario,
        None,
        built.portfolio,
        plan,
        io.plan_summary(built.portfolio, plan),
        {code: facts.name for code, facts in built.facts.items()},
        built.notes,
    )


def roadmap_rows(outcome: ScenarioOutcome) -> list[dict[str, Any]]:
    first = outcome.first_month
    rows: list[dict[str, Any]] = []
    values = {
        item["project"]: item.get("value")
        for item in (outcome.run.result.get("plan", []) if outcome.run else [])
    }
    for code, start in sorted(outcome.plan.items(), key=lambda item: (item[1], item[0])):
        project = outcome.portfolio.project(code)
        if project.in_flight != "no":
            kind = "in flight"
        elif project.mandatory:
            kind = "forced in"
        else:
            kind = "chosen"
        begin = io.add_months(first, start)
        value = values.get(code)
        rows.append(
            {
                "project": code,
                "name": outcome.names.get(code, project.label),
                "start": begin.isoformat(),
                "end": io.add_months(begin, project.duration).isoformat(),
                "last": io.add_months(begin, project.duration - 1).isoformat(),
                "kind": kind,
                "value": value if value is not None else outcome.portfolio.value(project, start),
                "order": len(rows),
            }
        )
    return rows


@dataclass(frozen=True)
class RoleUse:
    role: str
    name: str
    peak_share: float
    months_over: int
    peak_month: str


def capacity_cells(
    summary: Mapping[str, Any], role_names: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[RoleUse]]:
    """Heatmap cells (role x month) and a per-role summary of a plan's capacity use."""
    first = io.parse_month(summary.get("first_month") or "2000-01")
    capacity = summary.get("capacity", {})
    fte = summary.get("fte", {})
    cells: list[dict[str, Any]] = []
    uses: list[RoleUse] = []
    for role in sorted(capacity, key=lambda code: role_names.get(code, code)):
        available = capacity[role]
        used = fte.get(role, [0.0] * len(available))
        name = role_names.get(role, role)
        peak, peak_month, over = 0.0, "", 0
        for index, (use, cap) in enumerate(zip(used, available, strict=False)):
            share = use / cap if cap > 0 else (2.0 if use > 1e-9 else 0.0)
            month = io.add_months(first, index)
            cells.append(
                {
                    "role": name,
                    "month": month.isoformat(),
                    "use": round(use, 3),
                    "capacity": round(cap, 3),
                    "share": round(share, 4),
                }
            )
            if share > peak:
                peak, peak_month = share, io.month_key(month)
            if use > cap + 1e-6:
                over += 1
        uses.append(RoleUse(role, name, peak, over, peak_month))
    return cells, uses


@dataclass(frozen=True)
class ScenarioDetail:
    scenario: Scenario
    rows: list[ScenarioProject]
    hires: list[HiringPlan]
    runs: list[OptimiserRun]
    active_run: OptimiserRun | None
    outcome: ScenarioOutcome | None
    can_edit: bool
    addable: list[Project]
    roles: list[Role]
    roadmap_spec: dict[str, Any] | None
    heatmap_spec: dict[str, Any] | None
    role_use: list[RoleUse]
    role_names: dict[str, str]
    outcome_error: str = ""
    budget_rows: list[tuple[str, str, str]] = field(default_factory=list)
    capacity_rows: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def last_run(self) -> OptimiserRun | None:
        return self.runs[0] if self.runs else None


def scenario_detail(user: User, scenario_id: int) -> ScenarioDetail:
    """The planner page: rows, hires, runs, and the plan's roadmap and capacity heatmap."""
    scenario = access_scenario_by_id(user, scenario_id)
    rows = list(
        ScenarioProject.objects.filter(scenario=scenario)
        .select_related("project", "project__category")
        .order_by("project__code")
    )
    hires = list(HiringPlan.objects.filter(scenario=scenario).select_related("role"))
    runs = list(
        OptimiserRun.objects.filter(scenario=scenario)
        .select_related("job", "created_by")
        .order_by("-created_at", "-pk")[:10]
    )
    active = next(
        (
            run
            for run in runs
            if run.status in (OptimiserRun.Status.QUEUED, OptimiserRun.Status.RUNNING)
        ),
        None,
    )
    in_scenario = {row.project_id for row in rows}
    addable = [
        project
        for project in Project.objects.filter(
            portfolio_id=scenario.portfolio_id, stage__in=list(io.OPEN_STAGES)
        ).order_by("code")
        if project.pk not in in_scenario
    ]
    roles = list(Role.objects.filter(organisation_id=scenario.organisation_id, is_active=True))
    role_names = {role.code: role.name for role in roles}
    outcome: ScenarioOutcome | None = None
    error = ""
    try:
        outcome = scenario_outcome(scenario)
    except InputError as exc:
        error = str(exc)
    roadmap_spec = heatmap_spec = None
    role_use: list[RoleUse] = []
    if outcome is not None:
        roadmap_spec = charts.roadmap(roadmap_rows(outcome))
        cells, role_use = capacity_cells(outcome.summary, role_names)
        heatmap_spec = charts.capacity_heatmap(cells)
    budget_rows = [
        (month, str(amounts.get("capex", "")), str(amounts.get("opex", "")))
        for month, amounts in sorted((scenario.budget_overrides or {}).items())
        if isinstance(amounts, Mapping)
    ]
    capacity_rows = [
        (role, month, str(hours))
        for role, months in sorted((scenario.capacity_overrides or {}).items())
        if isinstance(months, Mapping)
        for month, hours in sorted(months.items())
    ]
    return ScenarioDetail(
        scenario=scenario,
        rows=rows,
        hires=hires,
        runs=runs,
        active_run=active,
        outcome=outcome,
        can_edit=can_edit_decisions(user),
        addable=addable,
        roles=roles,
        roadmap_spec=roadmap_spec,
        heatmap_spec=heatmap_spec,
        role_use=role_use,
        role_names=role_names,
        outcome_error=error,
        budget_rows=budget_rows,
        capacity_rows=capacity_rows,
    )


def run_list(user: User, scenario_id: int) -> QuerySet[OptimiserRun]:
    scenario = access_scenario_by_id(user, scenario_id)
    return OptimiserRun.objects.filter(scenario=scenario).order_by("-created_at", "-pk")


def run_get(user: User, scenario_id: int, run_id: int) -> OptimiserRun:
    run = access_run_by_id(user, run_id)
    if run.scenario_id != scenario_id:
        raise NotFound(f"No optimiser run {run_id} in scenario {scenario_id}.")
    return run


# -- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedScenario:
    scenario: Scenario
    outcome: ScenarioOutcome
    spend_by_period: dict[str, float]
    role_use: list[RoleUse]
    heatmap_spec: dict[str, Any] | None

    @property
    def total_spend(self) -> float:
        return math.fsum(self.spend_by_period.values())


@dataclass(frozen=True)
class ProjectDifference:
    project: str
    name: str
    starts: list[str]
    differs: bool


@dataclass(frozen=True)
class Comparison:
    scenarios: list[ComparedScenario]
    periods: list[str]
    differences: list[ProjectDifference]
    spend_spec: dict[str, Any] | None
    roles: list[str]

    @property
    def differing(self) -> list[ProjectDifference]:
        return [row for row in self.differences if row.differs]

    def spend_rows(self) -> list[tuple[str, list[float]]]:
        return [
            (period, [entry.spend_by_period.get(period, 0.0) for entry in self.scenarios])
            for period in self.periods
        ]

    def role_rows(self) -> list[tuple[str, list[RoleUse | None]]]:
        rows = []
        for role in self.roles:
            uses = []
            for entry in self.scenarios:
                uses.append(next((use for use in entry.role_use if use.name == role), None))
            rows.append((role, uses))
        return rows


def _quarter(month: dt.date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def scenario_compare(user: User, scenario_ids: Sequence[int]) -> Comparison:
    """Up to six scenarios side by side: value, spend by quarter, capacity use, risk, and the
    projects whose start differs (or that only some scenarios run)."""
    require_decision_reader(user)
    ids = list(dict.fromkeys(int(pk) for pk in scenario_ids))
    if not ids:
        raise NotFound("Choose the scenarios to compare.")
    if len(ids) > MAX_COMPARED:
        raise InputError(f"compare at most {MAX_COMPARED} scenarios", field="ids")
    scenarios = [access_scenario_by_id(user, pk) for pk in ids]
    role_names = {
        role.code: role.name
        for role in Role.objects.filter(organisation_id=organisation_id_of(user))
    }
    compared = []
    for scenario in scenarios:
        outcome = scenario_outcome(scenario)
        summary = outcome.summary
        first = io.parse_month(summary.get("first_month") or "2000-01")
        spend: dict[str, float] = defaultdict(float)
        for values in summary.get("spend", {}).values():
            for index, amount in enumerate(values):
                spend[_quarter(io.add_months(first, index))] += amount
        cells, uses = capacity_cells(summary, role_names)
        compared.append(
            ComparedScenario(scenario, outcome, dict(spend), uses, charts.capacity_heatmap(cells))
        )
    periods = sorted({period for entry in compared for period in entry.spend_by_period})
    codes = sorted({code for entry in compared for code in entry.outcome.plan})
    differences = []
    for code in codes:
        starts = []
        for entry in compared:
            start = entry.outcome.plan.get(code)
            starts.append(
                "—"
                if start is None
                else io.month_key(io.add_months(entry.outcome.first_month, start))
            )
        name = next((e.outcome.names.get(code) for e in compared if code in e.outcome.names), code)
        differences.append(ProjectDifference(code, name or code, starts, len(set(starts)) > 1))
    spend_rows = [
        {
            "period": period,
            "scenario": entry.scenario.name,
            "spend": entry.spend_by_period.get(period, 0.0),
        }
        for entry in compared
        for period in periods
    ]
    roles = sorted({use.name for entry in compared for use in entry.role_use})
    return Comparison(compared, periods, differences, charts.spend_by_period(spend_rows), roles)


# -- frontier --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontierView:
    portfolio: Portfolio
    job: Job | None
    result: dict[str, Any] | None
    spec: dict[str, Any] | None
    can_start: bool


def frontier_jobs(user: User, portfolio_id: int) -> QuerySet[Job]:
    return Job.objects.filter(
        organisation_id=organisation_id_of(user),
        kind=FRONTIER_JOB,
        params__portfolio_id=portfolio_id,
    ).order_by("-created_at", "-pk")


def frontier_latest(user: User, portfolio_id: int) -> FrontierView:
    """The latest frontier computed for the portfolio (and the job computing a newer one)."""
    portfolio = access_decision_portfolio(user, portfolio_id)
    job = frontier_jobs(user, portfolio_id).first()
    done = (
        job
        if job is not None and job.state == Job.State.SUCCEEDED
        else frontier_jobs(user, portfolio_id).filter(state=Job.State.SUCCEEDED).first()
    )
    result = done.result if done is not None else None
    spec = None
    if isinstance(result, dict):
        spec = charts.frontier(result.get("points", []), result.get("current"))
    return FrontierView(portfolio, job, result, spec, can_read_decisions(user))


# -- prioritisation --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCell:
    criterion: ScoringCriterion
    consensus: Decimal | None
    mine: Decimal | None
    group: float | None
    raters: int


@dataclass(frozen=True)
class ScoreRow:
    project: Project
    cells: list[ScoreCell]
    score: float | None
    rank: int | None
    missing: tuple[str, ...]


@dataclass(frozen=True)
class AlignmentRow:
    project: Project
    contributions: list[int]
    score: float


@dataclass(frozen=True)
class Prioritisation:
    portfolio: Portfolio | None
    portfolios: list[Portfolio]
    criteria: list[ScoringCriterion]
    weights: dict[str, float]
    rows: list[ScoreRow]
    result: ScoringResult | None
    sensitivity: WeightSensitivity | None
    objectives: list[StrategicObjective]
    alignment: AlignmentResult | None
    alignment_rows: list[AlignmentRow]
    ranking_spec: dict[str, Any] | None
    can_edit: bool

    def ranked(self) -> list[ScoreRow]:
        return sorted(self.rows, key=lambda row: (row.rank or 10**9, row.project.code))


def _open_projects(organisation_id: int, portfolio_id: int | None) -> QuerySet[Project]:
    projects = Project.objects.filter(
        organisation_id=organisation_id, stage__in=list(io.OPEN_STAGES)
    ).order_by("code")
    if portfolio_id is not None:
        projects = projects.filter(portfolio_id=portfolio_id)
    return projects


def prioritisation(user: User, portfolio_id: int | None = None) -> Prioritisation:
    """Criteria and weights, the score grid, the weighted ranking with its sensitivity to
    each weight, and the strategic alignment matrix: 7 queries."""
    require_decision_reader(user)
    organisation_id = organisation_id_of(user)
    portfolios = organisation_portfolios(user)
    portfolio = next((p for p in portfolios if p.pk == portfolio_id), None)
    if portfolio_id is not None and portfolio is None:
        raise NotFound(f"No portfolio {portfolio_id}.")
    projects = list(_open_projects(organisation_id, portfolio_id))
    scoring = io.scoring_load(organisation_id=organisation_id, projects=projects)
    criteria = list(scoring.criteria)
    stored: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for project_id, criterion_id, rater_id, value in _score_values(projects, criteria):
        key = "consensus" if rater_id is None else ("mine" if rater_id == user.pk else "")
        if key:
            stored[(project_id, criterion_id)][key] = value
    result = scoring.result()
    sensitivity = None
    if result is not None and len(projects) >= 2:
        try:
            sensitivity = weight_sensitivity(
                scoring.engine_criteria, scoring.filled_table(), dict(scoring.weights), top_k=3
            )
        except InputError:
            sensitivity = None
    score_of = {entry.project: entry for entry in result.projects} if result else {}
    rows = []
    for project in projects:
        cells = []
        group = scoring.table.get(project.code, {})
        counts = scoring.rater_counts.get(project.code, {})
        for criterion in criteria:
            values = stored.get((project.pk, criterion.pk), {})
            cells.append(
                ScoreCell(
                    criterion=criterion,
                    consensus=values.get("consensus"),
                    mine=values.get("mine"),
                    group=group.get(criterion.code),
                    raters=counts.get(criterion.code, 0),
                )
            )
        entry = score_of.get(project.code)
        rows.append(
            ScoreRow(
                project,
                cells,
                entry.score if entry else None,
                entry.rank if entry else None,
                scoring.missing.get(project.code, ()),
            )
        )
    objectives = list(
        StrategicObjective.objects.filter(organisation_id=organisation_id, is_active=True)
    )
    contributions: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, code, level in ObjectiveContribution.objects.filter(
        project__in=[p.pk for p in projects], objective__in=objectives
    ).values_list("project_id", "objective__code", "contribution"):
        contributions[project_id][code] = level
    alignment = None
    alignment_rows: list[AlignmentRow] = []
    weights = {o.code: float(o.weight) for o in objectives}
    if objectives and sum(weights.values()) > 0 and projects:
        alignment = alignment_scores(
            weights,
            {p.code: {k: float(v) for k, v in contributions[p.pk].items()} for p in projects},
        )
        alignment_rows = [
            AlignmentRow(
                project,
                [contributions[project.pk].get(o.code, 0) for o in objectives],
                alignment.scores.get(project.code, 0.0),
            )
            for project in projects
        ]
        alignment_rows.sort(key=lambda row: (-row.score, row.project.code))
    ranking_rows = []
    if result is not None:
        for entry in result.projects[:40]:
            for criterion in criteria:
                ranking_rows.append(
                    {
                        "project": entry.project,
                        "criterion": criterion.name,
                        "points": entry.contributions.get(criterion.code, 0.0),
                    }
                )
    return Prioritisation(
        portfolio=portfolio,
        portfolios=portfolios,
        criteria=criteria,
        weights=dict(result.weights) if result else {},
        rows=rows,
        result=result,
        sensitivity=sensitivity,
        objectives=objectives,
        alignment=alignment,
        alignment_rows=alignment_rows,
        ranking_spec=charts.score_ranking(ranking_rows),
        can_edit=can_edit_decisions(user),
    )


def _score_values(
    projects: Sequence[Project], criteria: Sequence[ScoringCriterion]
) -> Iterable[tuple[int, int, int | None, Decimal]]:
    return ProjectScore.objects.filter(
        project__in=[p.pk for p in projects], criterion__in=[c.pk for c in criteria]
    ).values_list("project_id", "criterion_id", "rater_id", "value")


# -- AHP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AhpPair:
    first: ScoringCriterion
    second: ScoringCriterion
    value: Decimal | None

    @property
    def choice(self) -> str:
        """The judgment as written on Saaty's scale: '3', '1', '1/5'."""
        if self.value is None or self.value <= 0:
            return ""
        number = float(self.value)
        return str(round(number)) if number >= 1 else f"1/{round(1 / number)}"


@dataclass(frozen=True)
class RaterAhp:
    rater: User
    result: AhpResult | None
    missing: int


@dataclass(frozen=True)
class AhpView:
    set_name: str
    set_names: list[str]
    criteria: list[ScoringCriterion]
    pairs: list[AhpPair]
    mine: AhpResult | None
    raters: list[RaterAhp]
    group: AhpResult | None
    can_edit: bool
    message: str = ""

    def flagged(self) -> set[tuple[str, str]]:
        """Pairs to review first in my matrix: the three worst when it is inconsistent."""
        if self.mine is None or self.mine.is_consistent:
            return set()
        return {(p.row_label, p.column_label) for p in self.mine.inconsistent_pairs[:3]}


def ahp_set_names(organisation_id: int) -> list[str]:
    names = list(
        AhpComparison.objects.filter(organisation_id=organisation_id)
        .values_list("set_name", flat=True)
        .distinct()
        .order_by("set_name")
    )
    return names or ["default"]


def _rater_result(
    labels: list[str], judgments: Mapping[tuple[str, str], float]
) -> tuple[AhpResult | None, int]:
    expected = len(labels) * (len(labels) - 1) // 2
    missing = expected - len(judgments)
    if missing > 0 or len(labels) < 2:
        return None, max(0, missing)
    try:
        return ahp_weights(pairwise_matrix(labels, judgments), labels=labels), 0
    except InputError:
        return None, missing


def exact_judgment(value: float) -> float:
    """A stored judgment as entered: 0.111111 is 1/9 (six decimals cannot hold it exactly)."""
    if 0 < value < 1:
        whole = round(1.0 / value)
        if whole >= 1 and abs(1.0 / whole - value) < 1e-5:
            return 1.0 / whole
    return min(9.0, max(1.0 / 9.0, value))


def ahp_judgments(
    organisation_id: int, set_name: str, criteria: Sequence[ScoringCriterion]
) -> dict[int, dict[tuple[str, str], float]]:
    """Each rater's judgments of a comparison set, keyed by criterion codes."""
    code_of = {criterion.pk: criterion.code for criterion in criteria}
    per_rater: dict[int, dict[tuple[str, str], float]] = defaultdict(dict)
    for rater_id, a, b, value in AhpComparison.objects.filter(
        organisation_id=organisation_id, set_name=set_name
    ).values_list("rater_id", "criterion_a_id", "criterion_b_id", "value"):
        if a in code_of and b in code_of:
            pair = (code_of[a], code_of[b])
            if (pair[1], pair[0]) in per_rater[rater_id]:
                continue
            per_rater[rater_id][pair] = exact_judgment(float(value))
    return per_rater


def ahp_group_result(
    organisation_id: int, set_name: str, criteria: Sequence[ScoringCriterion]
) -> tuple[AhpResult | None, dict[int, tuple[AhpResult | None, int]]]:
    """The group's weights (geometric mean of the complete matrices) and each rater's own."""
    labels = [criterion.code for criterion in criteria]
    per_rater = ahp_judgments(organisation_id, set_name, criteria)
    results = {rater: _rater_result(labels, judgments) for rater, judgments in per_rater.items()}
    complete = [
        pairwise_matrix(labels, per_rater[rater])
        for rater, (result, _) in results.items()
        if result is not None
    ]
    group = None
    if complete:
        group = ahp_weights(aggregate_judgments(complete), labels=labels)
    return group, results


def ahp_view(user: User, set_name: str | None = None) -> AhpView:
    """A comparison set: my judgments, every rater's consistency, and the group's weights."""
    require_decision_reader(user)
    organisation_id = organisation_id_of(user)
    names = ahp_set_names(organisation_id)
    chosen = set_name or names[0]
    criteria = list(
        ScoringCriterion.objects.filter(organisation_id=organisation_id, is_active=True)
    )
    group, results = ahp_group_result(organisation_id, chosen, criteria)
    mine_judgments = ahp_judgments(organisation_id, chosen, criteria).get(user.pk, {})
    by_code = {criterion.code: criterion for criterion in criteria}
    pairs = []
    for index, first in enumerate(criteria):
        for second in criteria[index + 1 :]:
            value = mine_judgments.get((first.code, second.code))
            if value is None and (second.code, first.code) in mine_judgments:
                value = 1.0 / mine_judgments[(second.code, first.code)]
            pairs.append(
                AhpPair(
                    by_code[first.code],
                    by_code[second.code],
                    Decimal(f"{value:.6f}") if value is not None else None,
                )
            )
    raters = User.objects.filter(pk__in=list(results)).order_by("last_name", "username")
    return AhpView(
        set_name=chosen,
        set_names=sorted(set(names) | {chosen}),
        criteria=criteria,
        pairs=pairs,
        mine=results.get(user.pk, (None, 0))[0],
        raters=[RaterAhp(rater, *results[rater.pk]) for rater in raters],
        group=group,
        can_edit=can_edit_decisions(user),
    )


# -- business case metrics -------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsView:
    """Every headline figure of a business case, the tornado and the payback picture."""

    business_case: BusinessCase | None
    project: Project
    annual_discount_rate: float
    metrics: finance.BusinessCaseMetrics | None
    sensitivity: finance.NpvSensitivity | None
    error: str
    tornado_spec: dict[str, Any] | None
    cash_flow_spec: dict[str, Any] | None

    @property
    def payback_years(self) -> float | None:
        if self.metrics is None or self.metrics.payback.months is None:
            return None
        return self.metrics.payback.months / 12


def discount_rate_of(
    project: Project, business_case_rate: Decimal | None, organisation_rate: Decimal
) -> float:
    """The business case's rate, else the project's, else the organisation's."""
    for rate in (business_case_rate, project.discount_rate, organisation_rate):
        if rate is not None:
            return float(rate)
    return 0.0


def metrics_from_lines(
    lines: Iterable[Mapping[str, Any]], annual_discount_rate: float
) -> tuple[finance.BusinessCaseMetrics, finance.NpvSensitivity]:
    """Metrics of cash-flow lines (``month_index``, ``kind``, ``category``, ``amount``)."""
    buckets: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for line in lines:
        kind = str(line.get("kind") or "")
        if kind not in ("cost", "benefit") or line.get("month_index") is None:
            continue
        category = "capex" if line.get("category") == "capex" else "opex"
        amount = float(line.get("amount") or 0)
        buckets[(kind, category)][int(line["month_index"])] += amount
    engine_lines = []
    labels = {
        ("cost", "capex"): ("Capital costs", finance.CostCategory.CAPEX),
        ("cost", "opex"): ("Operating costs", finance.CostCategory.OPEX),
        ("benefit", "opex"): ("Benefits", finance.CostCategory.OPEX),
    }
    for key, (label, category) in labels.items():
        months = buckets.get(key)
        if not months:
            continue
        first, last = min(months), max(months)
        engine_lines.append(
            finance.CashFlowLine(
                name=label,
                kind=finance.FlowKind(key[0]),
                amounts=tuple(months.get(m, 0.0) for m in range(first, last + 1)),
                start_month=first,
                category=category,
            )
        )
    case = finance.BusinessCase(tuple(engine_lines), annual_discount_rate)
    metrics = finance.business_case_metrics(case)
    sensitivity = finance.npv_sensitivity(
        case, cost_change=0.10, benefit_change=0.10, benefit_delay_months=(3, 6)
    )
    return metrics, sensitivity


def metrics_view(
    *,
    project: Project,
    business_case: BusinessCase | None,
    lines: Iterable[Mapping[str, Any]],
    annual_discount_rate: float,
    with_charts: bool = True,
) -> MetricsView:
    """Compute the metrics of ``lines``; invalid or empty input gives the reason, not an error."""
    metrics = sensitivity = None
    error = ""
    try:
        metrics, sensitivity = metrics_from_lines(lines, annual_discount_rate)
    except InputError as exc:
        error = exc.detail if exc.field in (None, "lines") else str(exc)
    tornado_spec = cash_flow_spec = None
    if with_charts and metrics is not None and sensitivity is not None:
        tornado_spec = charts.tornado(
            [
                {
                    "driver": row.driver,
                    "low": row.low_npv,
                    "high": row.high_npv,
                    "low_case": row.low_case,
                    "high_case": row.high_case,
                }
                for row in sensitivity.rows
            ],
            sensitivity.base_npv,
        )
        cash_flow_spec = charts.cash_flows(
            [
                {"month": month, "cumulative": cumulative, "discounted": discounted}
                for month, (cumulative, discounted) in enumerate(
                    zip(
                        metrics.cumulative_net_cash_flows,
                        metrics.cumulative_discounted_cash_flows,
                        strict=True,
                    )
                )
            ]
        )
    return MetricsView(
        business_case=business_case,
        project=project,
        annual_discount_rate=annual_discount_rate,
        metrics=metrics,
        sensitivity=sensitivity,
        error=error,
        tornado_spec=tornado_spec,
        cash_flow_spec=cash_flow_spec,
    )


def business_case_metrics(user: User, business_case_id: int) -> MetricsView:
    """Metrics of a saved business case, for whoever may see its project: 3 queries."""
    case = access_business_case_by_id(user, business_case_id)
    project = case.project
    rate = discount_rate_of(project, case.discount_rate, user.organisation.discount_rate)  # type: ignore[union-attr]
    lines = case.cash_flow_lines.values("month_index", "kind", "category", "amount")
    return metrics_view(
        project=project, business_case=case, lines=list(lines), annual_discount_rate=rate
    )


def business_case_metrics_preview(
    user: User,
    business_case_id: int,
    *,
    lines: Iterable[Mapping[str, Any]],
    discount_rate: Decimal | None,
) -> MetricsView:
    """Metrics of edited (unsaved) lines of a business case the user may see."""
    case = access_business_case_by_id(user, business_case_id)
    project = case.project
    rate = discount_rate_of(project, discount_rate, user.organisation.discount_rate)  # type: ignore[union-attr]
    return metrics_view(project=project, business_case=case, lines=lines, annual_discount_rate=rate)


def business_case_metrics_for_detail(
    business_case: BusinessCase, organisation_rate: Decimal
) -> MetricsView:
    """Metrics of a business case whose lines are already loaded (the project page): no query."""
    lines = [
        {
            "month_index": line.month_index,
            "kind": line.kind,
            "category": line.category,
            "amount": line.amount,
        }
        for line in business_case.cash_flow_lines.all()
    ]
    rate = discount_rate_of(business_case.project, business_case.discount_rate, organisation_rate)
    return metrics_view(
        project=business_case.project,
        business_case=business_case,
        lines=lines,
        annual_discount_rate=rate,
        with_charts=False,
    )


# -- recommendations -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRecommendation:
    project: Project
    recommendation: Recommendation
    signals: ProjectSignals

    @property
    def action(self) -> str:
        return self.recommendation.action.value

    @property
    def action_label(self) -> str:
        return self.recommendation.action.value.replace("_", " ")


@dataclass(frozen=True)
class RecommendationList:
    portfolio: Portfolio
    first_month: dt.date
    plan_source: str
    items: list[ProjectRecommendation]
    notes: list[str]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.items:
            counts[item.action] += 1
        return dict(counts)


def _shift(values: Sequence[float], offset: int) -> tuple[float, ...]:
    """Monthly values from the project's month 0 seen from now (``offset`` months run so far)."""
    if offset >= 0:
        return tuple(values[offset:])
    return (0.0,) * (-offset) + tuple(values)


def _cpi_history(projects: Sequence[Project], first_month: dt.date) -> dict[int, tuple[float, ...]]:
    """CPI per forecast review, oldest first: budget at completion / estimate at completion.

    EAC at a review = actual cost booked before the review's month + the forecast made at the
    review; CPI = BAC / EAC is the index those figures imply (EAC = BAC / CPI).
    """
    ids = [p.pk for p in projects]
    bac = dict(
        Budget.objects.filter(project_id__in=ids, status=Budget.Status.APPROVED).values_list(
            "project_id", "total"
        )
    )
    actual_by_month: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for project_id, month, amount in (
        CostLine.objects.filter(project_id__in=ids, month__lte=first_month)
        .values("project_id", "month")
        .annotate(total=Sum("amount_org_currency"))
        .values_list("project_id", "month", "total")
    ):
        actual_by_month[project_id].append((month, float(amount or 0)))
    forecasts: dict[int, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for project_id, as_of, total in (
        Forecast.objects.filter(project_id__in=ids, as_of__lte=first_month)
        .values("project_id", "as_of")
        .annotate(total=Sum("amount"))
        .values_list("project_id", "as_of", "total")
    ):
        forecasts[project_id][as_of] += float(total or 0)
    history: dict[int, tuple[float, ...]] = {}
    for project_id, reviews in forecasts.items():
        budget = float(bac.get(project_id) or 0)
        if budget <= 0:
            continue
        values = []
        for as_of in sorted(reviews):
            spent = math.fsum(
                amount
                for month, amount in actual_by_month.get(project_id, [])
                if month < io.month_start(as_of)
            )
            estimate = spent + reviews[as_of]
            if estimate > 0:
                values.append(budget / estimate)
        if values:
            history[project_id] = tuple(values)
    return history


def _spi_history(projects: Sequence[Project], first_month: dt.date) -> dict[int, tuple[float, ...]]:
    """Milestone SPI at the last three month ends: milestones achieved / milestones due."""
    due: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for project_id, due_date, baseline, achieved in Milestone.objects.filter(
        project__in=[p.pk for p in projects]
    ).values_list("project_id", "due_date", "baseline_date", "achieved_date"):
        due[project_id].append((baseline or due_date, achieved))
    history: dict[int, tuple[float, ...]] = {}
    ends = [io.add_months(first_month, -k) - dt.timedelta(days=1) for k in (2, 1, 0)]
    for project_id, milestones in due.items():
        values = []
        for end in ends:
            planned = [m for m in milestones if m[0] <= end]
            if not planned:
                continue
            done = sum(1 for m in milestones if m[1] is not None and m[1] <= end)
            # Zero is not an index the rules accept; a floor keeps "nothing done" very low.
            values.append(max(0.05, done / len(planned)))
        if values:
            history[project_id] = tuple(values)
    return history


def _over_allocated(
    organisation_id: int, first_month: dt.date, months: int
) -> tuple[frozenset[tuple[str, int]], dict[str, str]]:
    """Role-months where the open projects' demand exceeds capacity, months from now."""
    last = io.add_months(first_month, months - 1)
    demand: dict[tuple[str, int], float] = defaultdict(float)
    for role_code, month, hours in (
        RoleDemand.objects.filter(
            project__organisation_id=organisation_id,
            project__stage__in=list(io.OPEN_STAGES - io.PAUSED_STAGES),
            month__range=(first_month, last),
        )
        .values("role__code", "month")
        .annotate(total=Sum("hours"))
        .values_list("role__code", "month", "total")
    ):
        demand[(role_code, io.months_between(first_month, month))] += float(hours or 0)
    capacity, names = io.capacity_load(
        organisation_id=organisation_id,
        role_codes={role for role, _ in demand},
        first_month=first_month,
        months=months,
    )
    over = frozenset(
        key
        for key, hours in demand.items()
        if key[0] in capacity and hours > capacity[key[0]][key[1]] + 1e-6
    )
    return over, names


def portfolio_recommendations(user: User, portfolio_id: int) -> RecommendationList:
    """One recommendation per open project of the portfolio that the user may see.

    The plan is the portfolio's promoted scenario: its latest optimiser run when solved (plan
    membership, start months and shadow prices), else its rows as planned. Months are counted
    from the plan's first month.
    """
    portfolio = access_decision_portfolio(user, portfolio_id, readers_only=False)
    organisation = portfolio.organisation
    projects = list(
        projects_visible_to(user)
        .filter(portfolio=portfolio, stage__in=list(io.OPEN_STAGES))
        .select_related("category", "business_unit")
        .order_by("code")
    )
    notes: list[str] = []
    plan_scenario = promoted_scenario(portfolio.pk)
    first_month = (
        plan_scenario.horizon_start
        if plan_scenario is not None and plan_scenario.horizon_start
        else io.default_horizon_start()
    )
    months = plan_scenario.horizon_months if plan_scenario is not None else 36
    plan: dict[str, int] | None = None
    shadow: dict[tuple[str, int], float] = {}
    plan_source = "no plan yet: every project counts as in the plan"
    if plan_scenario is not None:
        run = latest_solved_run(plan_scenario)
        if run is not None:
            plan = {item["project"]: int(item["start"]) for item in run.result.get("plan", [])}
            for price in run.result.get("shadow_prices", []):
                shadow[(price["role"], int(price["month"]))] = float(price["value"])
            plan_source = f"optimiser run {run.pk} of the plan “{plan_scenario.name}”"
        else:
            plan = {}
            for row in ScenarioProject.objects.filter(scenario=plan_scenario).select_related(
                "project"
            ):
                if row.included and row.selected_start_month:
                    plan[row.project.code] = max(
                        0, io.months_between(first_month, row.selected_start_month)
                    )
                elif row.included and row.project.stage in io.RUNNING_STAGES:
                    plan[row.project.code] = 0
            plan_source = f"the plan “{plan_scenario.name}” as approved (not solved yet)"
    facts = io.project_facts_load(
        projects=projects, organisation_rate=float(organisation.discount_rate)
    )
    cpi = _cpi_history(projects, first_month)
    spi = _spi_history(projects, first_month)
    over, _ = _over_allocated(organisation.pk, first_month, months)
    signals = []
    for project in projects:
        fact = facts[project.pk]
        offset = io.months_between(fact.start, first_month) if fact.start else 0
        running = fact.is_running or fact.is_paused
        if running:
            offset = max(0, offset)
        current_start = max(0, -offset)
        status, delay = PlanStatus.IN_PLAN, 0
        if plan is not None:
            planned = plan.get(project.code)
            if planned is None:
                status = PlanStatus.NOT_IN_PLAN
            elif planned > current_start:
                status, delay = PlanStatus.STARTS_LATER, planned - current_start
        demand = {
            (role, month - offset): fte
            for role, values in fact.demand.items()
            for month, fte in enumerate(values)
            if month - offset >= 0 and fte > 0
        }
        costs = _shift(fact.cost_total(), offset)
        benefits = _shift(fact.benefits, offset)
        expansion = None
        if fact.expansion_case is not None:
            extra_costs, extra_benefits = fact.expansion_case
            expansion = ExpansionOption(
                description=f"business case v{fact.business_case_version} scale-up on the table",
                extra_costs=_shift(extra_costs, offset),
                extra_benefits=_shift(extra_benefits, offset),
            )
        signals.append(
            ProjectSignals(
                project=project.code,
                name=project.name,
                state=ProjectState.ACTIVE if running else ProjectState.PROPOSED,
                plan_status=status,
                plan_delay_months=delay,
                future_costs=costs,
                future_benefits=benefits,
                strategic_score=min(1.0, max(0.0, fact.score / 100.0)),
                mandatory=fact.mandatory,
                cpi_history=cpi.get(project.pk, ()),
                spi_history=spi.get(project.pk, ()),
                risks=tuple(RiskItem(r.probability, r.impact, r.name) for r in fact.risks),
                demand=demand,
                over_allocated=over,
                shadow_prices=shadow,
                expansion=expansion,
            )
        )
    policy = RecommendationPolicy(annual_discount_rate=float(organisation.discount_rate))
    results = recommend(signals, policy)
    if plan is None:
        notes.append("The portfolio has no promoted plan: promote a scenario to compare against.")
    items = [
        ProjectRecommendation(project, recommendation, signal)
        for project, recommendation, signal in zip(projects, results, signals, strict=True)
    ]
    order = {"kill": 0, "pause": 1, "delay": 2, "invest_more": 3, "continue": 4}
    items.sort(key=lambda item: (order.get(item.action, 9), item.project.code))
    return RecommendationList(portfolio, first_month, plan_source, items, notes)


def portfolios_with_plans(user: User) -> list[tuple[Portfolio, Scenario | None]]:
    portfolios = organisation_portfolios(user)
    promoted = {
        scenario.portfolio_id: scenario
        for scenario in Scenario.objects.filter(
            organisation_id=organisation_id_of(user), status=Scenario.Status.PROMOTED
        )
    }
    return [(portfolio, promoted.get(portfolio.pk)) for portfolio in portfolios]
