"""API: budgets, actual costs, forecasts, roll-ups, exchange rates, imports and exports.

Money is reported in the organisation's currency (``currency`` in each answer)
as decimal strings. Permissions follow ``steerco.finance.access``: another
organisation's project, budget, portfolio, program or rate is a 404, a project
whose money the caller may not read a 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.core.errors import ValidationFailed
from steerco.finance import exports, imports, selectors, services
from steerco.finance.models import Budget, CostCategory, CostLine, ExchangeRate, Forecast

router = Router(tags=["finance"])


# -- schemas -------------------------------------------------------------------------------------


class AsOf(Schema):
    as_of: dt.date | None = Field(None, description="Status date; today when empty")


class MonthOut(Schema):
    month: dt.date
    budget: Decimal
    actual: Decimal
    forecast: Decimal
    variance: Decimal = Field(description="Budget - actual - forecast of the month")
    cumulative_budget: Decimal
    cumulative_actual_and_forecast: Decimal


class CategoryOut(Schema):
    code: str
    name: str
    expense_type: str
    budget: Decimal
    actual: Decimal
    remaining: Decimal
    percent_spent: Decimal | None


class ExpenseTypeOut(Schema):
    expense_type: str = Field(description="capex or opex")
    label: str
    budget: Decimal
    actual: Decimal
    forecast: Decimal = Field(description="Estimate to complete")
    eac: Decimal
    variance: Decimal = Field(description="Budget - EAC")


class SourceOut(Schema):
    source: str = Field(description="import, manual, timesheet, or timesheet_live (not posted)")
    label: str
    amount: Decimal


class EstimateOut(Schema):
    method: str
    label: str
    formula: str
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    reason: str = Field(description="Why the method gives no estimate, when it does not")


class EarnedValueOut(Schema):
    percent_complete: Decimal | None
    pv: Decimal = Field(description="Budget to date (planned value)")
    ev: Decimal | None
    cpi: Decimal | None
    spi: Decimal | None


class ProjectBriefOut(Schema):
    id: int
    code: str
    name: str
    currency: str = Field(description="The project's own currency (budgets and forecasts)")
    stage: str
    portfolio_id: int
    program_id: int | None
    program_name: str


class ProjectFinancialsOut(Schema):
    project: ProjectBriefOut
    currency: str = Field(description="The organisation's currency, of every amount here")
    as_of: dt.date
    budget_id: int | None
    budget_version: int | None
    bac: Decimal = Field(description="Budget at completion: the approved budget")
    planned_to_date: Decimal
    actual: Decimal
    etc: Decimal
    eac: Decimal
    vac: Decimal
    vac_percent: Decimal | None
    spend_variance: Decimal = Field(description="Budget to date - actual")
    eac_method: str
    eac_method_label: str
    eac_formula: str
    forecast_as_of: dt.date | None = Field(description="When the forecast in use was made")
    earned_value: EarnedValueOut
    estimates: list[EstimateOut]
    months: list[MonthOut]
    categories: list[CategoryOut]
    expense_types: list[ExpenseTypeOut]
    sources: list[SourceOut]
    warnings: list[str]


class TotalsOut(Schema):
    key: str
    label: str
    projects: int
    bac: Decimal
    planned_to_date: Decimal
    actual: Decimal
    etc: Decimal
    eac: Decimal
    vac: Decimal
    vac_percent: Decimal | None
    spend_variance: Decimal
    over_budget: int = Field(description="Projects whose EAC is above their budget")


class RollupProjectOut(Schema):
    project: ProjectBriefOut
    bac: Decimal
    planned_to_date: Decimal
    actual: Decimal
    etc: Decimal
    eac: Decimal
    vac: Decimal
    vac_percent: Decimal | None
    cpi: Decimal | None
    eac_method: str
    forecast_as_of: dt.date | None


class RollupOut(Schema):
    scope: str
    id: int | None
    code: str
    name: str
    currency: str
    as_of: dt.date
    totals: TotalsOut
    groups: list[TotalsOut] = Field(description="Subtotals by program")
    projects: list[RollupProjectOut]
    months: list[MonthOut]
    expense_types: list[ExpenseTypeOut]
    warnings: list[str]


class BudgetOut(Schema):
    id: int
    project_id: int
    version: int
    status: str
    total: Decimal = Field(description="In the project's currency")
    note: str
    approved_at: dt.datetime | None
    created_at: dt.datetime


class BudgetLineOut(Schema):
    cost_category_id: int
    cost_category_code: str
    month: dt.date
    expense_type: str
    amount: Decimal

    @staticmethod
    def resolve_cost_category_code(line: Any) -> str:
        return str(line.cost_category.code)


class BudgetDetailOut(Schema):
    budget: BudgetOut
    lines: list[BudgetLineOut]


class BudgetLineIn(Schema):
    cost_category_id: int
    month: dt.date = Field(description="First day of the month")
    amount: Decimal
    expense_type: str = Field("", description="capex or opex; the category's when empty")


class BudgetIn(Schema):
    note: str = ""
    lines: list[BudgetLineIn]


class RejectIn(Schema):
    reason: str


class CostLineIn(Schema):
    cost_category_id: int
    month: dt.date = Field(description="First day of the month")
    amount: Decimal = Field(description="Negative for a credit")
    currency: str = Field("", description="ISO 4217; the project's when empty")
    date: dt.date | None = None
    expense_type: str = ""
    reference: str = ""
    description: str = ""


class CostLineOut(Schema):
    id: int
    project_id: int
    cost_category_id: int
    cost_category_code: str
    month: dt.date
    date: dt.date | None
    expense_type: str
    amount: Decimal
    currency: str
    amount_org_currency: Decimal
    source: str
    reference: str
    description: str
    import_batch: str

    @staticmethod
    def resolve_cost_category_code(line: CostLine) -> str:
        return line.cost_category.code


class ForecastRowOut(Schema):
    id: int
    as_of: dt.date
    month: dt.date
    expense_type: str
    amount: Decimal = Field(description="In the project's currency")
    method: str
    note: str


class ForecastIn(Schema):
    method: str = Field(
        description="cpi, cpi_spi, budget_remaining, run_rate, or manual (with an ETC)"
    )
    as_of: dt.date | None = Field(None, description="Today when empty")
    estimate_to_complete: Decimal | None = Field(None, description="Only for manual")
    note: str = ""


class ForecastResultOut(Schema):
    project_id: int
    as_of: dt.date
    method: str
    label: str
    formula: str
    actual: Decimal
    etc: Decimal
    eac: Decimal
    bac: Decimal
    vac: Decimal
    months: int


class ExchangeRateIn(Schema):
    currency: str
    effective_date: dt.date
    rate_to_org_currency: Decimal = Field(description="Organisation currency per unit")


class ExchangeRateOut(Schema):
    id: int
    currency: str
    effective_date: dt.date
    rate_to_org_currency: Decimal


class CostCategoryOut(Schema):
    id: int
    code: str
    name: str
    expense_type: str
    is_labour: bool


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportReportOut(Schema):
    kind: str
    filename: str
    dry_run: bool
    ok: bool
    written: bool
    rows: int
    bad_rows: int
    created: int
    updated: int
    skipped: int
    batch: str
    errors: list[RowErrorOut]
    notes: list[str]
    projects: list[str]


class ExportQuery(Schema):
    format: str = Field("csv", description="csv or xlsx")
    project: str | None = Field(None, description="actuals: one project's code")
    date_from: dt.date | None = Field(None, description="timesheets: from this day")
    date_to: dt.date | None = Field(None, description="timesheets: to this day")


# -- conversions ---------------------------------------------------------------------------------


def _brief(ref: selectors.ProjectRef) -> dict[str, Any]:
    return {
        "id": ref.id,
        "code": ref.code,
        "name": ref.name,
        "currency": ref.currency,
        "stage": ref.stage,
        "portfolio_id": ref.portfolio_id,
        "program_id": ref.program_id,
        "program_name": ref.program_name,
    }


def _month(row: selectors.MonthFigures) -> dict[str, Any]:
    return {
        "month": row.month,
        "budget": row.budget,
        "actual": row.actual,
        "forecast": row.forecast,
        "variance": row.variance,
        "cumulative_budget": row.cumulative_budget,
        "cumulative_actual_and_forecast": row.cumulative_actual_and_forecast,
    }


def _expense(row: selectors.ExpenseFigures) -> dict[str, Any]:
    return {
        "expense_type": row.expense_type,
        "label": row.label,
        "budget": row.budget,
        "actual": row.actual,
        "forecast": row.forecast,
        "eac": row.eac,
        "variance": row.variance,
    }


def _estimate(estimate: Any) -> dict[str, Any]:
    return {
        name: getattr(estimate, name)
        for name in ("method", "label", "formula", "eac", "etc", "vac", "reason")
    }


def project_financials_out(figures: selectors.ProjectFinancials) -> dict[str, Any]:
    earned = figures.earned_value
    return {
        "project": _brief(figures.project),
        "currency": figures.currency,
        "as_of": figures.as_of,
        "budget_id": figures.budget.id if figures.budget else None,
        "budget_version": figures.budget.version if figures.budget else None,
        "bac": figures.bac,
        "planned_to_date": figures.planned_to_date,
        "actual": figures.actual,
        "etc": figures.etc,
        "eac": figures.eac,
        "vac": figures.vac,
        "vac_percent": figures.vac_percent,
        "spend_variance": figures.spend_variance,
        "eac_method": figures.eac_method,
        "eac_method_label": figures.eac_method_label,
        "eac_formula": figures.eac_formula,
        "forecast_as_of": figures.forecast_as_of,
        "earned_value": {
            "percent_complete": earned.percent_complete,
            "pv": earned.pv,
            "ev": earned.ev,
            "cpi": earned.cpi,
            "spi": earned.spi,
        },
        "estimates": [_estimate(e) for e in figures.estimates],
        "months": [_month(row) for row in figures.months],
        "categories": [
            {
                "code": row.code,
                "name": row.name,
                "expense_type": row.expense_type,
                "budget": row.budget,
                "actual": row.actual,
                "remaining": row.remaining,
                "percent_spent": row.percent_spent,
            }
            for row in figures.categories
        ],
        "expense_types": [_expense(row) for row in figures.expense_types],
        "sources": [
            {"source": s.source, "label": s.label, "amount": s.amount} for s in figures.sources
        ],
        "warnings": figures.warnings,
    }


def _totals(totals: selectors.Totals) -> dict[str, Any]:
    return {
        "key": totals.key,
        "label": totals.label,
        "projects": totals.projects,
        "bac": totals.bac,
        "planned_to_date": totals.planned_to_date,
        "actual": totals.actual,
        "etc": totals.etc,
        "eac": totals.eac,
        "vac": totals.vac,
        "vac_percent": totals.vac_percent,
        "spend_variance": totals.spend_variance,
        "over_budget": totals.over_budget,
    }


def rollup_out(rollup: selectors.Rollup) -> dict[str, Any]:
    return {
        "scope": rollup.scope,
        "id": rollup.id,
        "code": rollup.code,
        "name": rollup.name,
        "currency": rollup.currency,
        "as_of": rollup.as_of,
        "totals": _totals(rollup.totals),
        "groups": [_totals(group) for group in rollup.groups],
        "projects": [
            {
                "project": _brief(item.project),
                "bac": item.bac,
                "planned_to_date": item.planned_to_date,
                "actual": item.actual,
                "etc": item.etc,
                "eac": item.eac,
                "vac": item.vac,
                "vac_percent": item.vac_percent,
                "cpi": item.earned_value.cpi,
                "eac_method": item.eac_method,
                "forecast_as_of": item.forecast_as_of,
            }
            for item in rollup.projects
        ],
        "months": [_month(row) for row in rollup.months],
        "expense_types": [_expense(row) for row in rollup.expense_types],
        "warnings": rollup.warnings,
    }


def _read_upload(file: UploadedFile) -> bytes:
    if file.size is not None and file.size > imports.MAX_BYTES:
        raise ValidationFailed({"file": [f"The file is larger than {imports.MAX_BYTES} bytes."]})
    return cast(bytes, file.read())


# -- endpoints -----------------------------------------------------------------------------------


@router.get("/finance/projects/{project_id}/summary", response=ProjectFinancialsOut)
def project_summary(request: HttpRequest, project_id: int, query: Query[AsOf]) -> dict[str, Any]:
    """Budget, actual and forecast by month, category and capex/opex, variance, and every
    estimate at completion with its method, in the organisation's currency."""
    figures = selectors.project_financials(request_user(request), project_id, as_of=query.as_of)
    return project_financials_out(figures)


@router.get("/finance/projects/{project_id}/budgets", response=list[BudgetOut])
def budget_list(request: HttpRequest, project_id: int) -> QuerySet[Budget]:
    return selectors.budget_list(request_user(request), project_id)


@router.post("/finance/projects/{project_id}/budgets", response={201: BudgetOut})
def budget_create(request: HttpRequest, project_id: int, payload: BudgetIn) -> Status[Budget]:
    """A new draft budget version (PMO, portfolio managers, administrators)."""
    budget = services.budget_create(
        acting_user=request_user(request),
        project_id=project_id,
        note=payload.note,
        lines=[services.BudgetLineInput(**line.model_dump()) for line in payload.lines],
    )
    return Status(201, budget)


@router.get("/finance/budgets/{budget_id}", response=BudgetDetailOut)
def budget_detail(request: HttpRequest, budget_id: int) -> dict[str, Any]:
    detail = selectors.budget_detail(request_user(request), budget_id)
    return {"budget": detail.budget, "lines": detail.lines}


class BudgetLinesIn(Schema):
    lines: list[BudgetLineIn]


@router.put("/finance/budgets/{budget_id}/lines", response=BudgetDetailOut)
def budget_lines_replace(
    request: HttpRequest, budget_id: int, payload: BudgetLinesIn
) -> dict[str, Any]:
    """Replace every line of a draft budget; any bad line refuses them all."""
    user = request_user(request)
    services.budget_lines_replace(
        acting_user=user,
        budget_id=budget_id,
        lines=[services.BudgetLineInput(**line.model_dump()) for line in payload.lines],
    )
    detail = selectors.budget_detail(user, budget_id)
    return {"budget": detail.budget, "lines": detail.lines}


@router.post("/finance/budgets/{budget_id}/approve", response=BudgetOut)
def budget_approve(request: HttpRequest, budget_id: int) -> Budget:
    return services.budget_approve(acting_user=request_user(request), budget_id=budget_id)


@router.post("/finance/budgets/{budget_id}/reject", response=BudgetOut)
def budget_reject(request: HttpRequest, budget_id: int, payload: RejectIn) -> Budget:
    return services.budget_reject(
        acting_user=request_user(request), budget_id=budget_id, reason=payload.reason
    )


@router.get("/finance/projects/{project_id}/cost-lines", response=list[CostLineOut])
@paginate
def cost_line_list(request: HttpRequest, project_id: int) -> QuerySet[CostLine]:
    return selectors.cost_line_list(request_user(request), project_id)


@router.post("/finance/projects/{project_id}/cost-lines", response={201: CostLineOut})
def cost_line_create(
    request: HttpRequest, project_id: int, payload: CostLineIn
) -> Status[CostLine]:
    """Record an actual cost by hand (PMO, administrators)."""
    line = services.cost_line_create(
        acting_user=request_user(request), project_id=project_id, **payload.model_dump()
    )
    return Status(201, line)


@router.put("/finance/cost-lines/{cost_line_id}", response=CostLineOut)
def cost_line_update(request: HttpRequest, cost_line_id: int, payload: CostLineIn) -> CostLine:
    """Correct a cost typed in by hand (every field again); imported costs are refused (409)."""
    return services.cost_line_update(
        acting_user=request_user(request), cost_line_id=cost_line_id, **payload.model_dump()
    )


@router.delete("/finance/cost-lines/{cost_line_id}", response={204: None})
def cost_line_delete(request: HttpRequest, cost_line_id: int) -> Status[None]:
    services.cost_line_delete(acting_user=request_user(request), cost_line_id=cost_line_id)
    return Status(204, None)


@router.get("/finance/projects/{project_id}/forecasts", response=list[ForecastRowOut])
@paginate
def forecast_list(request: HttpRequest, project_id: int) -> QuerySet[Forecast]:
    """Every stored forecast row, newest forecast first."""
    return selectors.forecast_list(request_user(request), project_id)


@router.post("/finance/projects/{project_id}/forecasts", response={201: ForecastResultOut})
def forecast_compute(
    request: HttpRequest, project_id: int, payload: ForecastIn
) -> Status[dict[str, Any]]:
    """Compute and store a forecast by the named method (the project's manager or the PMO)."""
    result = services.forecast_compute(
        acting_user=request_user(request), project_id=project_id, **payload.model_dump()
    )
    return Status(201, {**asdict(result), "vac": result.vac})


@router.get("/finance/portfolios/{portfolio_id}/rollup", response=RollupOut)
def portfolio_rollup(request: HttpRequest, portfolio_id: int, query: Query[AsOf]) -> dict[str, Any]:
    """Every project of the portfolio with program subtotals and monthly totals."""
    rollup = selectors.portfolio_rollup(request_user(request), portfolio_id, as_of=query.as_of)
    return rollup_out(rollup)


@router.get("/finance/programs/{program_id}/rollup", response=RollupOut)
def program_rollup(request: HttpRequest, program_id: int, query: Query[AsOf]) -> dict[str, Any]:
    rollup = selectors.program_rollup(request_user(request), program_id, as_of=query.as_of)
    return rollup_out(rollup)


@router.get("/finance/exchange-rates", response=list[ExchangeRateOut])
def exchange_rate_list(request: HttpRequest) -> QuerySet[ExchangeRate]:
    return selectors.exchange_rate_list(request_user(request))


@router.post("/finance/exchange-rates", response=ExchangeRateOut)
def exchange_rate_set(request: HttpRequest, payload: ExchangeRateIn) -> ExchangeRate:
    """Set a currency's rate from a date on (PMO, administrators); replaces that date's rate."""
    return services.exchange_rate_set(acting_user=request_user(request), **payload.model_dump())


@router.delete("/finance/exchange-rates/{rate_id}", response={204: None})
def exchange_rate_delete(request: HttpRequest, rate_id: int) -> Status[None]:
    services.exchange_rate_delete(acting_user=request_user(request), rate_id=rate_id)
    return Status(204, None)


@router.get("/finance/cost-categories", response=list[CostCategoryOut])
def cost_category_list(request: HttpRequest) -> QuerySet[CostCategory]:
    return selectors.cost_category_list(request_user(request))


@router.post("/finance/imports/{kind}", response=ImportReportOut)
def import_file(
    request: HttpRequest,
    kind: str,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
) -> dict[str, Any]:
    """Check (``dry_run``, the default) or import a CSV or XLSX file of people, capacity,
    actuals or timesheets. A dry run lists every bad row; an import with any bad row is a
    422 whose errors are keyed "row N, column NAME", and writes nothing."""
    report = imports.import_file(
        acting_user=request_user(request),
        kind=kind,
        filename=file.name or "",
        content=_read_upload(file),
        dry_run=dry_run,
    )
    return report.as_dict()


@router.get("/finance/exports/{kind}")
def export_file(request: HttpRequest, kind: str, query: Query[ExportQuery]) -> HttpResponse:
    """People, capacity, actuals or timesheets as a CSV or XLSX file."""
    if query.format not in exports.FORMATS:
        raise ValidationFailed({"format": ["Use csv or xlsx."]})
    export = exports.export_rows(
        acting_user=request_user(request),
        kind=kind,
        project_code=query.project,
        first=query.date_from,
        last=query.date_to,
    )
    content = exports.render(export, query.format)
    response = HttpResponse(content, content_type=exports.FORMATS[query.format])
    name = exports.filename_for(kind, query.format, selectors.today())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
