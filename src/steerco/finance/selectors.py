"""Reading money: a project's budget, actual cost and forecast, and their roll-ups.

Everything is reported in the organisation's currency. Budgets and forecasts
are kept in the project's currency and convert month by month at the rate in
effect on the month's first day; cost lines carry their converted amount from
import; unposted timesheet hours are priced live (``steerco.finance.actuals``).

- **Budget** is the approved budget version, by cost category, month and
  expense type (capex/opex). BAC is its total.
- **Actual** (AC) is every cost line up to the status date's month, plus
  approved timesheet hours up to the status date in months with no posted
  timesheet cost.
- **Forecast** is the latest ``Forecast`` made on or before the status date:
  its months from the status date's month on are the estimate to complete
  (ETC); EAC = AC + ETC. Without a stored forecast, the remaining-budget
  method stands in (and says so).
- **Variance**: spend variance = budget to date (PV) - AC; variance at
  completion VAC = BAC - EAC.

Projects, programs, portfolios and the organisation are all read by one
loader that takes the project set as a sub-query, so a roll-up costs the same
fixed number of queries for ten projects or ten thousand (pinned in the tests).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from steerco.accounts.models import Organisation, Role, User
from steerco.core.access import organisation_id_of
from steerco.core.money import quantize_money
from steerco.finance import access
from steerco.finance.actuals import TimesheetCost, rate_table, timesheet_cost
from steerco.finance.estimates import (
    METHOD_FORMULAS,
    METHOD_LABELS,
    ZERO,
    EarnedValue,
    Estimate,
    EstimateInputs,
    RateTable,
    computed_estimates,
    first_of_month,
    month_range,
    planned_to_date,
    spread,
)
from steerco.finance.models import (
    Budget,
    BudgetLine,
    CostCategory,
    CostLine,
    ExchangeRate,
    ExpenseType,
    Forecast,
)
from steerco.projects.models import Project, ProjectMember, Task

EXPENSE_LABELS = dict(ExpenseType.choices)
SOURCE_LABELS = {
    "import": "Ledger import",
    "manual": "Entered by hand",
    "timesheet": "Timesheets (posted)",
    "timesheet_live": "Timesheets (not yet posted)",
}
LIVE_TIMESHEETS = "timesheet_live"
KeyT = TypeVar("KeyT")


def today() -> dt.date:
    return timezone.localdate()


# -- loaded rows ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectRef:
    id: int
    code: str
    name: str
    currency: str
    stage: str
    portfolio_id: int
    portfolio_name: str
    program_id: int | None
    program_code: str
    program_name: str
    start_date: dt.date | None
    finish_date: dt.date | None


@dataclass(frozen=True, slots=True)
class CategoryRef:
    id: int
    code: str
    name: str
    expense_type: str
    is_labour: bool


@dataclass(frozen=True, slots=True)
class BudgetRef:
    id: int
    version: int


@dataclass
class StoredForecast:
    as_of: dt.date
    method: str
    cells: dict[tuple[dt.date, str], Decimal] = field(default_factory=dict)


# (month, cost category id or None, expense type) -> amount
BudgetCells = dict[tuple[dt.date, int | None, str], Decimal]
# (month, cost category id or None, expense type, source) -> amount
ActualCells = dict[tuple[dt.date, int | None, str, str], Decimal]


@dataclass
class FinanceData:
    """Every number the pages need for a set of projects, in organisation currency."""

    currency: str
    as_of: dt.date
    rates: RateTable
    projects: list[ProjectRef]
    categories: dict[int, CategoryRef]
    budgets: dict[int, BudgetRef]
    budget_cells: dict[int, BudgetCells]
    actual_cells: dict[int, ActualCells]
    forecasts: dict[int, StoredForecast]
    progress: dict[int, Decimal]
    warnings: list[str]


def _labour_bucket(categories: Mapping[int, CategoryRef]) -> tuple[int | None, str]:
    """Where live timesheet cost is booked: the first labour category, opex preferred."""
    labour = sorted(
        (c for c in categories.values() if c.is_labour),
        key=lambda c: (c.expense_type != ExpenseType.OPEX, c.code),
    )
    if labour:
        return labour[0].id, labour[0].expense_type
    return None, ExpenseType.OPEX


def _percent_complete(projects: QuerySet[Project]) -> dict[int, Decimal]:
    """Each project's progress: its leaf tasks' percent complete weighted by work (1 query).

    Duration is the weight when no task has work, a plain mean when nothing has either.
    """
    rows = (
        Task.objects.filter(project__in=projects, is_summary=False)
        .values("project_id")
        .annotate(
            tasks=Count("pk"),
            plain=Sum(Cast("percent_complete", FloatField())),
            work=Sum("work_minutes"),
            earned_work=Sum(
                Cast(F("work_minutes"), FloatField()) * Cast("percent_complete", FloatField())
            ),
            duration=Sum("duration_minutes"),
            earned_duration=Sum(
                Cast(F("duration_minutes"), FloatField()) * Cast("percent_complete", FloatField())
            ),
        )
        .order_by()
    )
    result: dict[int, Decimal] = {}
    for row in rows:
        if row["work"]:
            value = row["earned_work"] / row["work"]
        elif row["duration"]:
            value = row["earned_duration"] / row["duration"]
        elif row["tasks"]:
            value = (row["plain"] or 0.0) / row["tasks"]
        else:
            continue
        result[row["project_id"]] = Decimal(str(round(value, 2)))
    return result


def load_finance(
    organisation_id: int,
    projects: QuerySet[Project],
    *,
    as_of: dt.date,
    by_category: bool,
) -> FinanceData:
    """Load budgets, actuals, forecasts, progress and rates of ``projects``: 12 queries.

    ``by_category`` keeps the cost category of each amount (a project page);
    without it amounts are grouped by month and expense type only (roll-ups).
    """
    currency = (
        Organisation.objects.filter(pk=organisation_id).values_list("currency", flat=True).get()
    )
    rates = rate_table(organisation_id, currency)
    refs = [
        ProjectRef(
            id=row["pk"],
            code=row["code"],
            name=row["name"],
            currency=row["currency"] or currency,
            stage=row["stage"],
            portfolio_id=row["portfolio_id"],
            portfolio_name=row["portfolio__name"],
            program_id=row["program_id"],
            program_code=row["program__code"] or "",
            program_name=row["program__name"] or "",
            start_date=row["start_date"],
            finish_date=row["finish_date"],
        )
        for row in projects.order_by("code").values(
            "pk",
            "code",
            "name",
            "currency",
            "stage",
            "portfolio_id",
            "portfolio__name",
            "program_id",
            "program__code",
            "program__name",
            "start_date",
            "finish_date",
        )
    ]
    project_currency = {ref.id: ref.currency for ref in refs}
    categories = {
        row.id: row
        for row in (
            CategoryRef(*values)
            for values in CostCategory.objects.filter(organisation_id=organisation_id).values_list(
                "pk", "code", "name", "expense_type", "is_labour"
            )
        )
    }
    warnings: set[str] = set()
    current = first_of_month(as_of)

    budget_group = ["budget__project_id", "budget_id", "budget__version", "month", "expense_type"]
    if by_category:
        budget_group.append("cost_category_id")
    budgets: dict[int, BudgetRef] = {}
    budget_cells: dict[int, BudgetCells] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        BudgetLine.objects.filter(
            budget__project__in=projects, budget__status=Budget.Status.APPROVED
        )
        .values(*budget_group)
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        project_id = row["budget__project_id"]
        budgets[project_id] = BudgetRef(row["budget_id"], row["budget__version"])
        conversion = rates.convert(row["total"], project_currency[project_id], row["month"])
        if conversion.warning:
            warnings.add(conversion.warning)
        key = (row["month"], row.get("cost_category_id"), row["expense_type"])
        budget_cells[project_id][key] += conversion.amount

    actual_group = ["project_id", "month", "expense_type", "source"]
    if by_category:
        actual_group.append("cost_category_id")
    actual_cells: dict[int, ActualCells] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in (
        CostLine.objects.filter(project__in=projects, month__lte=current)
        .values(*actual_group)
        .annotate(total=Sum("amount_org_currency"))
        .order_by()
    ):
        key4 = (row["month"], row.get("cost_category_id"), row["expense_type"], row["source"])
        actual_cells[row["project_id"]][key4] += row["total"]

    live: TimesheetCost = timesheet_cost(projects, as_of=as_of, rates=rates)
    warnings.update(live.warnings)
    labour_id, labour_type = _labour_bucket(categories)
    for (project_id, month), amount in live.cost.items():
        category_id = labour_id if by_category else None
        actual_cells[project_id][(month, category_id, labour_type, LIVE_TIMESHEETS)] += amount

    latest = (
        Forecast.objects.filter(project_id=OuterRef("project_id"), as_of__lte=as_of)
        .order_by("-as_of")
        .values("as_of")[:1]
    )
    forecasts: dict[int, StoredForecast] = {}
    for row in (
        Forecast.objects.filter(project__in=projects, as_of=Subquery(latest))
        .values("project_id", "as_of", "method", "month", "expense_type")
        .annotate(total=Sum("amount"))
        .order_by("project_id", "month")
    ):
        project_id = row["project_id"]
        stored = forecasts.setdefault(project_id, StoredForecast(row["as_of"], row["method"]))
        if row["month"] < current:
            continue  # months the actuals now cover
        conversion = rates.convert(row["total"], project_currency[project_id], row["month"])
        if conversion.warning:
            warnings.add(conversion.warning)
        cell = (row["month"], row["expense_type"])
        stored.cells[cell] = stored.cells.get(cell, ZERO) + conversion.amount

    return FinanceData(
        currency=currency,
        as_of=as_of,
        rates=rates,
        projects=refs,
        categories=categories,
        budgets=budgets,
        budget_cells={key: dict(value) for key, value in budget_cells.items()},
        actual_cells={key: dict(value) for key, value in actual_cells.items()},
        forecasts=forecasts,
        progress=_percent_complete(projects),
        warnings=sorted(warnings),
    )


# -- one project's figures -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: dt.date
    budget: Decimal
    actual: Decimal
    forecast: Decimal
    cumulative_budget: Decimal
    cumulative_actual_and_forecast: Decimal

    @property
    def variance(self) -> Decimal:
        """Budget minus actual and forecast of the month (positive: under budget)."""
        return self.budget - self.actual - self.forecast


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    code: str
    name: str
    expense_type: str
    budget: Decimal
    actual: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.actual

    @property
    def percent_spent(self) -> Decimal | None:
        return None if self.budget <= 0 else quantize_money(100 * self.actual / self.budget)


@dataclass(frozen=True, slots=True)
class ExpenseFigures:
    expense_type: str
    label: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal

    @property
    def eac(self) -> Decimal:
        return self.actual + self.forecast

    @property
    def variance(self) -> Decimal:
        return self.budget - self.eac


@dataclass(frozen=True, slots=True)
class SourceFigures:
    source: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ProjectFinancials:
    project: ProjectRef
    currency: str
    as_of: dt.date
    budget: BudgetRef | None
    bac: Decimal
    planned_to_date: Decimal
    actual: Decimal
    etc: Decimal
    eac: Decimal
    eac_method: str
    eac_method_label: str
    eac_formula: str
    forecast_as_of: dt.date | None
    earned_value: EarnedValue
    estimates: list[Estimate]
    months: list[MonthFigures]
    categories: list[CategoryFigures]
    expense_types: list[ExpenseFigures]
    sources: list[SourceFigures]
    warnings: list[str]

    @property
    def vac(self) -> Decimal:
        return self.bac - self.eac

    @property
    def spend_variance(self) -> Decimal:
        return self.planned_to_date - self.actual

    @property
    def vac_percent(self) -> Decimal | None:
        return None if self.bac <= 0 else quantize_money(100 * self.vac / self.bac)

    @property
    def percent_spent(self) -> Decimal | None:
        return None if self.bac <= 0 else quantize_money(100 * self.actual / self.bac)

    @property
    def has_stored_forecast(self) -> bool:
        return self.forecast_as_of is not None

    @property
    def over_budget(self) -> bool:
        return self.eac > self.bac


def _sum_by(cells: Iterable[tuple[KeyT, Decimal]]) -> dict[KeyT, Decimal]:
    totals: dict[KeyT, Decimal] = defaultdict(lambda: ZERO)
    for key, amount in cells:
        totals[key] += amount
    return totals


def project_figures(data: FinanceData, project: ProjectRef) -> ProjectFinancials:
    """Budget, actual, forecast, variance and estimates of one loaded project."""
    as_of = data.as_of
    budget_cells = data.budget_cells.get(project.id, {})
    actual_cells = data.actual_cells.get(project.id, {})
    stored = data.forecasts.get(project.id)

    budget_by_month = {
        k: quantize_money(v)
        for k, v in _sum_by((key[0], amount) for key, amount in budget_cells.items()).items()
    }
    actual_by_month = {
        k: quantize_money(v)
        for k, v in _sum_by((key[0], amount) for key, amount in actual_cells.items()).items()
    }
    bac = sum(budget_by_month.values(), ZERO)
    ac = sum(actual_by_month.values(), ZERO)
    finish_month = first_of_month(project.finish_date) if project.finish_date else None
    inputs = EstimateInputs(
        as_of=as_of,
        budget_by_month=budget_by_month,
        actual_by_month=actual_by_month,
        percent_complete=data.progress.get(project.id),
        finish_month=finish_month,
    )
    earned, estimates = computed_estimates(inputs)

    if stored is not None:
        forecast_cells = {key: quantize_money(value) for key, value in stored.cells.items()}
        method = stored.method
        forecast_as_of: dt.date | None = stored.as_of
    else:
        # No stored forecast: the rest of the budget is the plan, spread as budgeted.
        current = first_of_month(as_of)
        method, forecast_as_of = "budget_remaining", None
        remaining = estimates["budget_remaining"].etc or ZERO
        future: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: ZERO)
        for key, amount in budget_cells.items():
            if key[0] >= current and amount > 0:
                future[(key[0], key[2])] += amount
        forecast_cells = {}
        if future and remaining > 0:
            for month, expense_type, amount in spread(remaining, sorted(future.items())):
                forecast_cells[(month, expense_type)] = amount
    forecast_by_month = _sum_by((key[0], amount) for key, amount in forecast_cells.items())
    etc = sum(forecast_cells.values(), ZERO)
    eac = ac + etc

    months: list[MonthFigures] = []
    every_month = set(budget_by_month) | set(actual_by_month) | set(forecast_by_month)
    if every_month:
        cumulative_budget = ZERO
        cumulative_spend = ZERO
        for month in month_range(min(every_month), max(every_month)):
            budget = budget_by_month.get(month, ZERO)
            actual = actual_by_month.get(month, ZERO)
            forecast = forecast_by_month.get(month, ZERO)
            cumulative_budget += budget
            cumulative_spend += actual + forecast
            months.append(
                MonthFigures(month, budget, actual, forecast, cumulative_budget, cumulative_spend)
            )

    categories: dict[int | None, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    category_type: dict[int | None, str] = {}
    for (_, category_id, expense_type), amount in budget_cells.items():
        categories[category_id][0] += amount
        category_type.setdefault(category_id, expense_type)
    for (_, category_id, expense_type, _), amount in actual_cells.items():
        categories[category_id][1] += amount
        category_type.setdefault(category_id, expense_type)
    category_rows = []
    for category_id, (budget, actual) in categories.items():
        ref = data.categories.get(category_id) if category_id is not None else None
        category_rows.append(
            CategoryFigures(
                ref.code if ref else "",
                ref.name if ref else "All categories",
                ref.expense_type if ref else category_type[category_id],
                quantize_money(budget),
                quantize_money(actual),
            )
        )
    category_rows.sort(key=lambda row: (row.code == "", row.code))

    expense_rows = []
    for expense_type, label in ExpenseType.choices:
        budget = sum((a for k, a in budget_cells.items() if k[2] == expense_type), ZERO)
        actual = sum((a for k, a in actual_cells.items() if k[2] == expense_type), ZERO)
        forecast = sum((a for k, a in forecast_cells.items() if k[1] == expense_type), ZERO)
        expense_rows.append(
            ExpenseFigures(
                expense_type,
                label,
                quantize_money(budget),
                quantize_money(actual),
                quantize_money(forecast),
            )
        )

    by_source = _sum_by((key[3], amount) for key, amount in actual_cells.items())
    sources = [
        SourceFigures(source, SOURCE_LABELS[source], quantize_money(by_source[source]))
        for source in SOURCE_LABELS
        if source in by_source
    ]

    warnings = list(data.warnings)
    if project.id not in data.budgets:
        warnings.append("No approved budget: budget figures are zero.")
    if stored is None:
        warnings.append(
            "No forecast stored yet: the remaining budget stands in for the estimate to complete."
        )

    return ProjectFinancials(
        project=project,
        currency=data.currency,
        as_of=as_of,
        budget=data.budgets.get(project.id),
        bac=bac,
        planned_to_date=planned_to_date(budget_by_month, as_of),
        actual=ac,
        etc=etc,
        eac=eac,
        eac_method=method,
        eac_method_label=METHOD_LABELS.get(method, method),
        eac_formula=METHOD_FORMULAS.get(method, ""),
        forecast_as_of=forecast_as_of,
        earned_value=earned,
        estimates=list(estimates.values()),
        months=months,
        categories=category_rows,
        expense_types=expense_rows,
        sources=sources,
        warnings=warnings,
    )


def project_financials(
    user: User, project_id: int, *, as_of: dt.date | None = None
) -> ProjectFinancials:
    """The financial summary of one project, if ``user`` may read its money."""
    project = access.access_project_financials(user, project_id)
    data = load_finance(
        project.organisation_id,
        Project.objects.filter(pk=project.pk),
        as_of=as_of or today(),
        by_category=True,
    )
    return project_figures(data, data.projects[0])


# -- roll-ups ------------------------------------------------------------------------------------


@dataclass
class Totals:
    """Summed figures of a group of projects (a program, a portfolio, everything)."""

    key: str
    label: str
    projects: int = 0
    bac: Decimal = ZERO
    planned_to_date: Decimal = ZERO
    actual: Decimal = ZERO
    etc: Decimal = ZERO
    eac: Decimal = ZERO
    over_budget: int = 0

    def add(self, figures: ProjectFinancials) -> None:
        self.projects += 1
        self.bac += figures.bac
        self.planned_to_date += figures.planned_to_date
        self.actual += figures.actual
        self.etc += figures.etc
        self.eac += figures.eac
        self.over_budget += 1 if figures.over_budget else 0

    @property
    def vac(self) -> Decimal:
        return self.bac - self.eac

    @property
    def spend_variance(self) -> Decimal:
        return self.planned_to_date - self.actual

    @property
    def vac_percent(self) -> Decimal | None:
        return None if self.bac <= 0 else quantize_money(100 * self.vac / self.bac)


@dataclass(frozen=True)
class Rollup:
    scope: str  # "portfolio", "program", "organisation" or "my projects"
    id: int | None
    code: str
    name: str
    currency: str
    as_of: dt.date
    projects: list[ProjectFinancials]
    groups: list[Totals]
    totals: Totals
    months: list[MonthFigures]
    expense_types: list[ExpenseFigures]
    warnings: list[str]


def _rollup(
    data: FinanceData,
    *,
    scope: str,
    scope_id: int | None,
    code: str,
    name: str,
    group_by: str,
) -> Rollup:
    figures = [project_figures(data, ref) for ref in data.projects]
    totals = Totals("total", "Total")
    groups: dict[str, Totals] = {}
    for item in figures:
        totals.add(item)
        if group_by == "program":
            key = item.project.program_code or ""
            label = item.project.program_name or "Not in a program"
        else:
            key = str(item.project.portfolio_id)
            label = item.project.portfolio_name
        groups.setdefault(key, Totals(key, label)).add(item)
    month_totals: dict[dt.date, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for item in figures:
        for row in item.months:
            cell = month_totals[row.month]
            cell[0] += row.budget
            cell[1] += row.actual
            cell[2] += row.forecast
    months: list[MonthFigures] = []
    cumulative_budget = ZERO
    cumulative_spend = ZERO
    if month_totals:
        for month in month_range(min(month_totals), max(month_totals)):
            budget, actual, forecast = month_totals.get(month, [ZERO, ZERO, ZERO])
            cumulative_budget += budget
            cumulative_spend += actual + forecast
            months.append(
                MonthFigures(month, budget, actual, forecast, cumulative_budget, cumulative_spend)
            )
    expense_types = []
    for expense_type, label in ExpenseType.choices:
        rows = [
            row
            for item in figures
            for row in item.expense_types
            if row.expense_type == expense_type
        ]
        expense_types.append(
            ExpenseFigures(
                expense_type,
                label,
                sum((row.budget for row in rows), ZERO),
                sum((row.actual for row in rows), ZERO),
                sum((row.forecast for row in rows), ZERO),
            )
        )
    ordered_groups = sorted(groups.values(), key=lambda group: (group.key == "", group.label))
    return Rollup(
        scope=scope,
        id=scope_id,
        code=code,
        name=name,
        currency=data.currency,
        as_of=data.as_of,
        projects=figures,
        groups=ordered_groups,
        totals=totals,
        months=months,
        expense_types=expense_types,
        warnings=data.warnings,
    )


def portfolio_rollup(user: User, portfolio_id: int, *, as_of: dt.date | None = None) -> Rollup:
    """Every project of a portfolio, with program subtotals and monthly totals."""
    portfolio = access.access_portfolio_financials(user, portfolio_id)
    data = load_finance(
        portfolio.organisation_id,
        Project.objects.filter(portfolio_id=portfolio.pk),
        as_of=as_of or today(),
        by_category=False,
    )
    return _rollup(
        data,
        scope="portfolio",
        scope_id=portfolio.pk,
        code=portfolio.code,
        name=portfolio.name,
        group_by="program",
    )


def program_rollup(user: User, program_id: int, *, as_of: dt.date | None = None) -> Rollup:
    program = access.access_program_financials(user, program_id)
    data = load_finance(
        program.organisation_id,
        Project.objects.filter(program_id=program.pk),
        as_of=as_of or today(),
        by_category=False,
    )
    return _rollup(
        data,
        scope="program",
        scope_id=program.pk,
        code=program.code,
        name=program.name,
        group_by="program",
    )


def overview(user: User, *, as_of: dt.date | None = None) -> Rollup:
    """The finance home: every project grouped by portfolio for those who read all money,
    the projects a project manager runs for a project manager."""
    organisation_id = organisation_id_of(user)
    projects = Project.objects.filter(organisation_id=organisation_id)
    if access.reads_all_financials(user):
        scope, name = "organisation", "All portfolios"
    elif user.role == Role.PROJECT_MANAGER:
        managed = ProjectMember.objects.filter(user=user, role=ProjectMember.Role.MANAGER)
        projects = projects.filter(Q(manager=user) | Q(pk__in=managed.values("project_id")))
        scope, name = "my projects", "My projects"
    else:
        projects = projects.none()
        scope, name = "my projects", "My projects"
    data = load_finance(organisation_id, projects, as_of=as_of or today(), by_category=False)
    return _rollup(data, scope=scope, scope_id=None, code="", name=name, group_by="portfolio")


# -- lists ---------------------------------------------------------------------------------------


def budget_list(user: User, project_id: int) -> QuerySet[Budget]:
    project = access.access_project_financials(user, project_id)
    return (
        Budget.objects.filter(project=project)
        .select_related("created_by", "approved_by")
        .order_by("-version")
    )


@dataclass(frozen=True)
class BudgetDetail:
    budget: Budget
    lines: list[BudgetLine]


def budget_detail(user: User, budget_id: int) -> BudgetDetail:
    budget = access.access_budget_by_id(user, budget_id)
    lines = list(
        BudgetLine.objects.filter(budget=budget)
        .select_related("cost_category")
        .order_by("month", "cost_category__code", "expense_type")
    )
    return BudgetDetail(budget, lines)


def cost_line_list(user: User, project_id: int) -> QuerySet[CostLine]:
    project = access.access_project_financials(user, project_id)
    return (
        CostLine.objects.filter(project=project)
        .select_related("cost_category")
        .order_by("-month", "-date", "-pk")
    )


def forecast_list(user: User, project_id: int) -> QuerySet[Forecast]:
    project = access.access_project_financials(user, project_id)
    return Forecast.objects.filter(project=project).order_by("-as_of", "month", "expense_type")


def exchange_rate_list(user: User) -> QuerySet[ExchangeRate]:
    access.require_exchange_rate_reader(user)
    return ExchangeRate.objects.filter(organisation_id=organisation_id_of(user)).order_by(
        "currency", "-effective_date"
    )


def cost_category_list(user: User) -> QuerySet[CostCategory]:
    if not (access.reads_all_financials(user) or user.role == Role.PROJECT_MANAGER):
        access.require_exchange_rate_reader(user)
    return CostCategory.objects.filter(organisation_id=organisation_id_of(user)).order_by("code")
