"""Reads for the executive dashboard, the PDF pack and the XLSX exports.

The dashboard is one read-model, :class:`Dashboard`, built by :func:`dashboard_for_scope` in a
fixed number of queries whatever the number of projects: every total (budget, actual cost, risk
exposure, demand, capacity, slippage) is summed by the database, grouped by project, month or
role, and only the small grouped results come back to Python.

Which projects a dashboard covers is a :class:`DashboardScope`: a user's scope is the projects
they may see (``projects_visible_to``), so that executives, the PMO and portfolio managers see
the whole organisation and a project manager sees their own projects; the command line builds
an organisation-wide scope with no user at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from steerco.accounts.models import Organisation, User
from steerco.comms.models import Subscription
from steerco.core.access import is_active_member, organisation_id_of, sees_whole_organisation
from steerco.core.errors import NotFound
from steerco.core.money import quantize_money
from steerco.engine.portfolio import finance
from steerco.finance.models import Budget, BudgetLine, CostLine
from steerco.governance.models import RaidItem, StatusReport
from steerco.jobs.models import Job
from steerco.jobs.selectors import jobs_visible_to
from steerco.portfolios.access import access_portfolio_by_id, portfolios_visible_to
from steerco.portfolios.models import Portfolio
from steerco.projects.access import projects_visible_to
from steerco.projects.models import BusinessCase, CashFlowLine, Milestone, Project, Rag
from steerco.resources.models import CapacityPeriod, RoleDemand

# Projects an executive steers: committed and not finished. Ideas and proposals have no
# health yet; closed and cancelled projects no longer need attention.
ACTIVE_STAGES = (
    Project.Stage.APPROVED,
    Project.Stage.IN_EXECUTION,
    Project.Stage.CLOSING,
    Project.Stage.ON_HOLD,
)
DIMENSIONS = ("overall", "schedule", "cost", "scope", "risk")
DIMENSION_LABELS = {
    "overall": "Overall",
    "schedule": "Schedule",
    "cost": "Cost",
    "scope": "Scope",
    "risk": "Risk",
}
RAG_SEVERITY: dict[str, int] = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
CAPACITY_MONTHS = 12
SLIPPAGE_MONTHS_BEFORE = 12
SLIPPAGE_MONTHS_AFTER = 6
VALUE_BASES = ("npv", "score")
ZERO = Decimal("0")
# The primary keys of a scope's projects, as a sub-select for the database to filter on.
ProjectIds = QuerySet[Project, Any]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


# -- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardScope:
    """Which projects a dashboard or pack covers, and for which organisation."""

    organisation: Organisation
    projects: QuerySet[Project]
    portfolio: Portfolio | None
    whole_organisation: bool

    @property
    def label(self) -> str:
        if self.portfolio is not None:
            return f"{self.portfolio.name} portfolio"
        return "All portfolios" if self.whole_organisation else "My projects"


def scope_for_user(user: User, *, portfolio_id: int | None = None) -> DashboardScope:
    """The projects ``user`` may see, in one portfolio or all; another organisation's is 404."""
    organisation_id_of(user)
    portfolio = access_portfolio_by_id(user, portfolio_id) if portfolio_id is not None else None
    projects = projects_visible_to(user)
    if portfolio is not None:
        projects = projects.filter(portfolio=portfolio)
    organisation = user.organisation
    assert organisation is not None
    return DashboardScope(
        organisation=organisation,
        projects=projects,
        portfolio=portfolio,
        whole_organisation=sees_whole_organisation(user),
    )


def scope_for_organisation(
    organisation: Organisation, *, portfolio_code: str | None = None
) -> DashboardScope:
    """Every project of ``organisation`` (for the command line and scheduled deliveries)."""
    portfolio = None
    projects = Project.objects.filter(organisation=organisation)
    if portfolio_code:
        portfolio = Portfolio.objects.filter(organisation=organisation, code=portfolio_code).first()
        if portfolio is None:
            raise NotFound(f"No portfolio {portfolio_code} in {organisation.code}.")
        projects = projects.filter(portfolio=portfolio)
    return DashboardScope(
        organisation=organisation, projects=projects, portfolio=portfolio, whole_organisation=True
    )


def portfolio_options(user: User) -> list[Portfolio]:
    """The portfolios a user may pick on the dashboard (one query)."""
    if not is_active_member(user):
        return []
    return list(portfolios_visible_to(user).filter(is_active=True).order_by("name"))


# -- the read-model --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectHealth:
    """One active project as the executive dashboard shows it."""

    id: int
    code: str
    name: str
    portfolio_code: str
    portfolio_name: str
    stage: str
    stage_label: str
    manager: str
    mission_critical: bool
    priority: int
    start_date: dt.date | None
    finish_date: dt.date | None
    overall: str
    schedule: str
    cost: str
    scope: str
    risk: str
    rag_source: str
    report_period_end: dt.date | None
    budget: Decimal
    actual: Decimal
    business_case_cost: Decimal
    npv: float | None
    score: float | None
    risk_exposure: Decimal
    open_risks: int

    def rag(self, dimension: str) -> str:
        if dimension not in DIMENSIONS:
            raise KeyError(dimension)
        return str(getattr(self, dimension))

    @property
    def cost_basis(self) -> Decimal:
        """The approved budget, else the approved business case's costs: the bubble's size."""
        return self.budget if self.budget > 0 else self.business_case_cost

    @property
    def spent_share(self) -> float | None:
        return float(self.actual / self.budget) if self.budget > 0 else None

    def value(self, basis: str) -> float | None:
        return self.npv if basis == "npv" else self.score


@dataclass(frozen=True)
class LatestReport:
    """The words of a project's latest submitted status report."""

    project_id: int
    period_start: dt.date
    period_end: dt.date
    narrative: str
    achievements: str
    next_steps: str
    rag: dict[str, str]


@dataclass(frozen=True)
class MilestoneMark:
    project_id: int
    project_code: str
    name: str
    due_date: dt.date
    baseline_date: dt.date | None
    forecast_date: dt.date | None
    achieved_date: dt.date | None
    is_key: bool

    @property
    def reference_date(self) -> dt.date:
        """What the milestone is measured against: its baseline, else its due date."""
        return self.baseline_date or self.due_date

    @property
    def expected_date(self) -> dt.date:
        return self.achieved_date or self.forecast_date or self.due_date

    @property
    def slip_days(self) -> int:
        return (self.expected_date - self.reference_date).days

    @property
    def status(self) -> str:
        if self.achieved_date is not None:
            return "achieved"
        return "slipped" if self.slip_days > 0 else "on track"


@dataclass(frozen=True)
class BurnMonth:
    month: dt.date
    budget: Decimal
    actual: Decimal | None
    cumulative_budget: Decimal
    cumulative_actual: Decimal | None


@dataclass(frozen=True)
class CapacityRow:
    role: str
    demand_hours: Decimal
    capacity_hours: Decimal

    @property
    def use(self) -> float | None:
        return float(self.demand_hours / self.capacity_hours) if self.capacity_hours > 0 else None

    @property
    def over(self) -> bool:
        return self.demand_hours > self.capacity_hours


@dataclass(frozen=True)
class SlippageMonth:
    month: dt.date
    milestones: int
    slipped: int
    average_slip_days: float


@dataclass(frozen=True)
class WatchItem:
    project: ProjectHealth
    key_milestones: list[MilestoneMark]
    report: LatestReport | None

    @property
    def next_milestone(self) -> MilestoneMark | None:
        pending = [m for m in self.key_milestones if m.achieved_date is None]
        return min(pending, key=lambda m: m.expected_date) if pending else None


@dataclass(frozen=True)
class Summary:
    projects: int
    red: int
    amber: int
    green: int
    mission_critical: int
    mission_critical_red: int
    budget: Decimal
    actual: Decimal
    slipped_milestones: int
    open_milestones: int
    roles_over_capacity: int

    @property
    def spent_share(self) -> float | None:
        return float(self.actual / self.budget) if self.budget > 0 else None


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.date
    organisation_name: str
    currency: str
    portfolio: Portfolio | None
    whole_organisation: bool
    scope_label: str
    value_basis: str
    projects: list[ProjectHealth]
    reports: dict[int, LatestReport]
    milestones: list[MilestoneMark]
    burn: list[BurnMonth]
    capacity: list[CapacityRow]
    capacity_from: dt.date
    capacity_to: dt.date
    slippage: list[SlippageMonth]
    portfolios: list[Portfolio] = field(default_factory=list)

    @property
    def watch_list(self) -> list[WatchItem]:
        key_milestones: dict[int, list[MilestoneMark]] = defaultdict(list)
        for milestone in self.milestones:
            if milestone.is_key:
                key_milestones[milestone.project_id].append(milestone)
        return [
            WatchItem(project, key_milestones.get(project.id, []), self.reports.get(project.id))
            for project in self.projects
            if project.mission_critical
        ]

    @property
    def summary(self) -> Summary:
        overall = [project.overall for project in self.projects]
        critical = [project for project in self.projects if project.mission_critical]
        pending = [m for m in self.milestones if m.achieved_date is None]
        return Summary(
            projects=len(self.projects),
            red=overall.count(Rag.RED),
            amber=overall.count(Rag.AMBER),
            green=overall.count(Rag.GREEN),
            mission_critical=len(critical),
            mission_critical_red=sum(1 for project in critical if project.overall == Rag.RED),
            budget=sum((project.budget for project in self.projects), ZERO),
            actual=sum((project.actual for project in self.projects), ZERO),
            slipped_milestones=sum(1 for m in pending if m.status == "slipped"),
            open_milestones=len(pending),
            roles_over_capacity=sum(1 for row in self.capacity if row.over),
        )

    def value_rows(self) -> list[ProjectHealth]:
        """Projects that have a value on the chosen basis (the bubble chart's points)."""
        return [p for p in self.projects if p.value(self.value_basis) is not None]


# -- building it -----------------------------------------------------------------------------


def dashboard_data(
    user: User,
    *,
    portfolio_id: int | None = None,
    as_of: dt.date | None = None,
    value_basis: str = "npv",
) -> Dashboard:
    """The dashboard of the projects ``user`` may see, in one portfolio or all of them."""
    scope = scope_for_user(user, portfolio_id=portfolio_id)
    dashboard = dashboard_for_scope(scope, as_of=as_of, value_basis=value_basis)
    return replace(dashboard, portfolios=portfolio_options(user))


def _active(scope: DashboardScope) -> QuerySet[Project]:
    return scope.projects.filter(stage__in=ACTIVE_STAGES)


def dashboard_for_scope(
    scope: DashboardScope, *, as_of: dt.date | None = None, value_basis: str = "npv"
) -> Dashboard:
    """Build the dashboard of ``scope`` as of a date (default today): 12 queries, any size."""
    if value_basis not in VALUE_BASES:
        value_basis = "npv"
    as_of = as_of or timezone.localdate()
    this_month = month_start(as_of)
    active = _active(scope)
    # A sub-select, not a list of ids: the database filters each aggregate by itself.
    active_ids = active.values("pk")
    organisation = scope.organisation

    rows = list(_project_rows(active, this_month))  # 1
    reports = _latest_reports(row["latest_report_id"] for row in rows)  # 2
    values = _business_case_values(active_ids, organisation)  # 3
    scores = _scores(organisation.pk, rows)  # 4, 5
    projects = [
        _project_health(row, reports.get(row["pk"]), values.get(row["pk"]), scores) for row in rows
    ]
    projects.sort(key=lambda p: (RAG_SEVERITY.get(p.overall, 3), not p.mission_critical, p.code))
    capacity_from, capacity_to = this_month, add_months(this_month, CAPACITY_MONTHS)
    return Dashboard(
        as_of=as_of,
        organisation_name=organisation.name,
        currency=organisation.currency,
        portfolio=scope.portfolio,
        whole_organisation=scope.whole_organisation,
        scope_label=scope.label,
        value_basis=value_basis,
        projects=projects,
        reports=reports,
        milestones=_milestones(active_ids),  # 6
        burn=_burn(active_ids, this_month),  # 7, 8
        capacity=_capacity(organisation.pk, active_ids, capacity_from, capacity_to),  # 9, 10
        capacity_from=capacity_from,
        capacity_to=add_months(capacity_to, -1),
        slippage=_slippage(active_ids, this_month),  # 11
    )


def _project_rows(active: QuerySet[Project], this_month: dt.date) -> Iterable[dict[str, Any]]:
    latest_report = (
        StatusReport.objects.filter(project=OuterRef("pk"), status=StatusReport.Status.SUBMITTED)
        .order_by("-period_start", "-pk")
        .values("pk")[:1]
    )
    approved_budget = Budget.objects.filter(
        project=OuterRef("pk"), status=Budget.Status.APPROVED
    ).values("total")[:1]
    actual = (
        CostLine.objects.filter(project=OuterRef("pk"), month__lte=this_month)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount_org_currency"))
        .values("total")
    )
    open_risks = RaidItem.objects.filter(project=OuterRef("pk"), kind=RaidItem.Kind.RISK).exclude(
        status=RaidItem.Status.CLOSED
    )
    exposure = (
        open_risks.order_by()
        .values("project")
        .annotate(
            total=Sum(
                F("probability") * F("impact"),
                output_field=DecimalField(max_digits=12, decimal_places=4),
            )
        )
        .values("total")
    )
    risk_count = open_risks.order_by().values("project").annotate(n=Count("pk")).values("n")
    money: DecimalField[Any, Any] = DecimalField(max_digits=18, decimal_places=2)
    return (
        active.order_by()
        .annotate(
            latest_report_id=Subquery(latest_report),
            budget_total=Coalesce(Subquery(approved_budget, output_field=money), ZERO),
            actual_total=Coalesce(Subquery(actual, output_field=money), ZERO),
            risk_exposure=Coalesce(
                Subquery(exposure, output_field=DecimalField(max_digits=12, decimal_places=4)),
                ZERO,
            ),
            open_risk_count=Coalesce(Subquery(risk_count, output_field=IntegerField()), 0),
        )
        .values(
            "pk",
            "code",
            "name",
            "stage",
            "health",
            "mission_critical",
            "priority",
            "start_date",
            "finish_date",
            "discount_rate",
            "portfolio__code",
            "portfolio__name",
            "manager__first_name",
            "manager__last_name",
            "manager__username",
            "latest_report_id",
            "budget_total",
            "actual_total",
            "risk_exposure",
            "open_risk_count",
        )
    )


def _latest_reports(report_ids: Iterable[int | None]) -> dict[int, LatestReport]:
    ids = [report_id for report_id in report_ids if report_id is not None]
    if not ids:
        return {}
    found: dict[int, LatestReport] = {}
    for row in StatusReport.objects.filter(pk__in=ids).values(
        "project_id",
        "period_start",
        "period_end",
        "narrative",
        "achievements",
        "next_steps",
        *DIMENSIONS,
    ):
        report = LatestReport(
            project_id=row["project_id"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            narrative=row["narrative"],
            achievements=row["achievements"],
            next_steps=row["next_steps"],
            rag={dimension: row[dimension] for dimension in DIMENSIONS},
        )
        found[report.project_id] = report
    return found


@dataclass(frozen=True)
class _CaseValue:
    npv: float | None
    cost: Decimal


def _business_case_values(
    active_ids: ProjectIds, organisation: Organisation
) -> dict[int, _CaseValue]:
    """NPV and total cost of each approved business case, from monthly nets summed by the DB."""
    approved = BusinessCase.Status.APPROVED
    money: DecimalField[Any, Any] = DecimalField(max_digits=18, decimal_places=2)
    rows = (
        CashFlowLine.objects.filter(
            business_case__status=approved, business_case__project__in=active_ids
        )
        .order_by()
        .values(
            "business_case__project_id",
            "business_case__project__discount_rate",
            "business_case__discount_rate",
            "month_index",
        )
        .annotate(
            benefit=Coalesce(
                Sum("amount", filter=Q(kind=CashFlowLine.Kind.BENEFIT)), ZERO, output_field=money
            ),
            cost=Coalesce(
                Sum("amount", filter=Q(kind=CashFlowLine.Kind.COST)), ZERO, output_field=money
            ),
        )
    )
    nets: dict[int, dict[int, float]] = defaultdict(dict)
    costs: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rates: dict[int, float] = {}
    for row in rows:
        project_id = row["business_case__project_id"]
        nets[project_id][row["month_index"]] = float(row["benefit"] - row["cost"])
        costs[project_id] += row["cost"]
        # The business case's own rate, else the project's, else the organisation's.
        rate = next(
            rate
            for rate in (
                row["business_case__discount_rate"],
                row["business_case__project__discount_rate"],
                organisation.discount_rate,
            )
            if rate is not None
        )
        rates[project_id] = float(rate)
    values: dict[int, _CaseValue] = {}
    for project_id, by_month in nets.items():
        flows = [by_month.get(month, 0.0) for month in range(max(by_month) + 1)]
        values[project_id] = _CaseValue(
            npv=finance.npv(flows, rates[project_id]), cost=costs[project_id]
        )
    return values


def _scores(organisation_id: int, rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Weighted scores (0..100) as the prioritisation page computes them: two queries."""
    from steerco.portfolios.decision_engine_io import scoring_load

    projects = [Project(pk=row["pk"], code=row["code"]) for row in rows]
    if not projects:
        return {}
    data = scoring_load(organisation_id=organisation_id, projects=projects)
    result = data.result()
    if result is None:
        return {}
    # The ranking counts an unscored cell as the worst value; a project nobody has scored at
    # all has no score to plot, rather than a score of zero.
    unscored = {code for code, cells in data.missing.items() if len(cells) == len(data.criteria)}
    return {
        entry.project: float(entry.score)
        for entry in result.projects
        if entry.project not in unscored
    }


def _manager_name(row: dict[str, Any]) -> str:
    full = f"{row['manager__first_name'] or ''} {row['manager__last_name'] or ''}".strip()
    return full or row["manager__username"] or ""


def _project_health(
    row: dict[str, Any],
    report: LatestReport | None,
    value: _CaseValue | None,
    scores: dict[str, float],
) -> ProjectHealth:
    if report is not None:
        rag, source = report.rag, "status report"
    else:
        rag, source = {dimension: row["health"] for dimension in DIMENSIONS}, "project health"
    return ProjectHealth(
        id=row["pk"],
        code=row["code"],
        name=row["name"],
        portfolio_code=row["portfolio__code"],
        portfolio_name=row["portfolio__name"],
        stage=row["stage"],
        stage_label=str(Project.Stage(row["stage"]).label),
        manager=_manager_name(row),
        mission_critical=row["mission_critical"],
        priority=row["priority"],
        start_date=row["start_date"],
        finish_date=row["finish_date"],
        overall=rag["overall"],
        schedule=rag["schedule"],
        cost=rag["cost"],
        scope=rag["scope"],
        risk=rag["risk"],
        rag_source=source,
        report_period_end=report.period_end if report else None,
        budget=quantize_money(row["budget_total"]),
        actual=quantize_money(row["actual_total"]),
        business_case_cost=quantize_money(value.cost if value else ZERO),
        npv=value.npv if value else None,
        score=scores.get(row["code"]),
        risk_exposure=quantize_money(row["risk_exposure"]),
        open_risks=row["open_risk_count"],
    )


def _milestones(active_ids: ProjectIds) -> list[MilestoneMark]:
    rows = (
        Milestone.objects.filter(project__in=active_ids)
        .order_by("project__code", "due_date", "pk")
        .values(
            "project_id",
            "project__code",
            "name",
            "due_date",
            "baseline_date",
            "forecast_date",
            "achieved_date",
            "is_key",
        )
    )
    return [
        MilestoneMark(
            project_id=row["project_id"],
            project_code=row["project__code"],
            name=row["name"],
            due_date=row["due_date"],
            baseline_date=row["baseline_date"],
            forecast_date=row["forecast_date"],
            achieved_date=row["achieved_date"],
            is_key=row["is_key"],
        )
        for row in rows
    ]


def burn_months(
    budget_by_month: dict[dt.date, Decimal],
    actual_by_month: dict[dt.date, Decimal],
    this_month: dt.date,
) -> list[BurnMonth]:
    """Monthly and cumulative budget and actual cost; the actual line stops at this month."""
    months = sorted(set(budget_by_month) | set(actual_by_month))
    if not months:
        return []
    result: list[BurnMonth] = []
    cumulative_budget = cumulative_actual = quantize_money(ZERO)
    month = months[0]
    while month <= months[-1]:
        budget = quantize_money(budget_by_month.get(month, ZERO))
        cumulative_budget += budget
        actual: Decimal | None = None
        running: Decimal | None = None
        if month <= this_month:
            actual = quantize_money(actual_by_month.get(month, ZERO))
            cumulative_actual += actual
            running = cumulative_actual
        result.append(BurnMonth(month, budget, actual, cumulative_budget, running))
        month = add_months(month, 1)
    return result


def _burn(active_ids: ProjectIds, this_month: dt.date) -> list[BurnMonth]:
    budget_by_month = dict(
        BudgetLine.objects.filter(
            budget__status=Budget.Status.APPROVED, budget__project__in=active_ids
        )
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    actual_by_month = dict(
        CostLine.objects.filter(project__in=active_ids, month__lte=this_month)
        .order_by()
        .values("month")
        .annotate(total=Sum("amount_org_currency"))
        .values_list("month", "total")
    )
    return burn_months(budget_by_month, actual_by_month, this_month)


def _capacity(
    organisation_id: int, active_ids: ProjectIds, first: dt.date, end: dt.date
) -> list[CapacityRow]:
    """Hours demanded by the scope's projects against the organisation's capacity, by role.

    Capacity is the whole organisation's (people serve every portfolio); demand is the scope's.
    """
    demand = dict(
        RoleDemand.objects.filter(project__in=active_ids, month__gte=first, month__lt=end)
        .order_by()
        .values("role__name")
        .annotate(hours=Sum("hours"))
        .values_list("role__name", "hours")
    )
    capacity = dict(
        CapacityPeriod.objects.filter(
            organisation_id=organisation_id,
            person__isnull=True,
            role__isnull=False,
            month__gte=first,
            month__lt=end,
        )
        .order_by()
        .values("role__name")
        .annotate(hours=Sum("hours"))
        .values_list("role__name", "hours")
    )
    roles = sorted(set(demand) | set(capacity))
    return [
        CapacityRow(
            role, quantize_money(demand.get(role, ZERO)), quantize_money(capacity.get(role, ZERO))
        )
        for role in roles
    ]


def _slippage(active_ids: ProjectIds, this_month: dt.date) -> list[SlippageMonth]:
    """Per month of the baseline date: milestones, how many slipped, and the average slip."""
    first = add_months(this_month, -SLIPPAGE_MONTHS_BEFORE)
    end = add_months(this_month, SLIPPAGE_MONTHS_AFTER + 1)
    expected = Coalesce("achieved_date", "forecast_date", "due_date")
    slip = ExpressionWrapper(expected - F("baseline_date"), output_field=DurationField())
    slipped = Q(achieved_date__gt=F("baseline_date")) | Q(
        achieved_date__isnull=True, forecast_date__gt=F("baseline_date")
    )
    rows = (
        Milestone.objects.filter(
            project__in=active_ids, baseline_date__gte=first, baseline_date__lt=end
        )
        .annotate(month=TruncMonth("baseline_date"))
        .order_by()
        .values("month")
        .annotate(milestones=Count("pk"), slipped=Count("pk", filter=slipped), average=Avg(slip))
        .order_by("month")
    )
    result = []
    for row in rows:
        average: dt.timedelta | None = row["average"]
        days = average.total_seconds() / 86_400 if average is not None else 0.0
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        result.append(SlippageMonth(month, row["milestones"], row["slipped"], round(days, 1)))
    return result


# -- what only the pack shows ----------------------------------------------------------------


@dataclass(frozen=True)
class RiskLine:
    project_id: int
    ref: str
    title: str
    probability: Decimal | None
    impact: int | None
    owner: str
    response: str

    @property
    def exposure(self) -> Decimal:
        if self.probability is None or self.impact is None:
            return ZERO
        return self.probability * self.impact


@dataclass(frozen=True)
class ProjectDetails:
    """What a mission-critical project's page of the pack adds to its dashboard row."""

    risks: dict[int, list[RiskLine]]
    burn: dict[int, list[BurnMonth]]


TOP_RISKS = 5


def watch_list_details(dashboard: Dashboard) -> ProjectDetails:
    """Top open risks and budget burn of the watch list's projects: three queries."""
    ids = [item.project.id for item in dashboard.watch_list]
    if not ids:
        return ProjectDetails({}, {})
    risks: dict[int, list[RiskLine]] = defaultdict(list)
    rows = (
        RaidItem.objects.filter(project_id__in=ids, kind=RaidItem.Kind.RISK)
        .exclude(status=RaidItem.Status.CLOSED)
        .annotate(
            exposure=ExpressionWrapper(
                Coalesce(F("probability"), ZERO) * Coalesce(F("impact"), 0),
                output_field=DecimalField(max_digits=12, decimal_places=4),
            )
        )
        .order_by("project_id", "-exposure", "ref")
        .values(
            "project_id",
            "ref",
            "title",
            "probability",
            "impact",
            "owner__first_name",
            "owner__last_name",
            "response",
        )
    )
    for row in rows:
        if len(risks[row["project_id"]]) >= TOP_RISKS:
            continue
        owner = f"{row['owner__first_name'] or ''} {row['owner__last_name'] or ''}".strip()
        risks[row["project_id"]].append(
            RiskLine(
                project_id=row["project_id"],
                ref=row["ref"],
                title=row["title"],
                probability=row["probability"],
                impact=row["impact"],
                owner=owner,
                response=row["response"],
            )
        )
    budgets: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for project_id, month, total in (
        BudgetLine.objects.filter(budget__status=Budget.Status.APPROVED, budget__project_id__in=ids)
        .order_by()
        .values("budget__project_id", "month")
        .annotate(total=Sum("amount"))
        .values_list("budget__project_id", "month", "total")
    ):
        budgets[project_id][month] = total
    this_month = month_start(dashboard.as_of)
    actuals: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    for project_id, month, total in (
        CostLine.objects.filter(project_id__in=ids, month__lte=this_month)
        .order_by()
        .values("project_id", "month")
        .annotate(total=Sum("amount_org_currency"))
        .values_list("project_id", "month", "total")
    ):
        actuals[project_id][month] = total
    burn = {
        project_id: burn_months(
            budgets.get(project_id, {}), actuals.get(project_id, {}), this_month
        )
        for project_id in ids
    }
    return ProjectDetails(dict(risks), burn)


# -- lists for the XLSX exports that no other app offers -------------------------------------


def milestone_list(user: User) -> QuerySet[Milestone]:
    """Milestones of every project ``user`` may see, by project and date."""
    return (
        Milestone.objects.filter(project__in=projects_visible_to(user))
        .select_related("project")
        .order_by("project__code", "due_date", "pk")
    )


# -- packs and subscriptions -----------------------------------------------------------------


def pack_subscription_list(user: User) -> QuerySet[Subscription]:
    """The user's own executive pack subscriptions, with their portfolios."""
    if not is_active_member(user):
        return Subscription.objects.none()
    return (
        Subscription.objects.filter(
            organisation_id=organisation_id_of(user),
            user=user,
            kind=Subscription.Kind.EXECUTIVE_PACK,
        )
        .select_related("portfolio")
        .order_by("portfolio__name", "pk")
    )


def pack_job_list(user: User, limit: int = 10) -> list[Job]:
    """The most recent pack jobs the user may see."""
    if not is_active_member(user):
        return []
    return list(jobs_visible_to(user).filter(kind="reports.executive_pack")[:limit])
