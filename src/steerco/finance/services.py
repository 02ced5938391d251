"""Writes to money: budgets, cost lines, forecasts and exchange rates.

Every function checks the acting user's access, validates every field before
writing (raising ``ValidationFailed`` with every message at once, keyed by
field), writes, and records an audit row in the same transaction.

- A budget is created as a draft version of the project's budget; approving it
  supersedes the approved version before it (one approved budget at a time).
- A cost line's amount converts into organisation currency once, when it is
  recorded, at the rate in effect on the first day of its month; a month the
  books are closed for (``LockedPeriod``) takes no new cost.
- A forecast is computed by a named method and stored as ``Forecast`` rows,
  one per remaining month and expense type, all with the same ``as_of``: a new
  forecast of the same day replaces that day's, older ones are kept as history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from steerco.accounts.models import Organisation, User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.money import quantize_money
from steerco.core.validation import check_money_places
from steerco.finance import access
from steerco.finance.actuals import rate_table
from steerco.finance.estimates import (
    COMPUTED_METHODS,
    METHOD_FORMULAS,
    METHOD_LABELS,
    ZERO,
    EstimateInputs,
    RateTable,
    first_of_month,
    remaining_months,
    spread,
    spread_weights,
)
from steerco.finance.models import (
    Budget,
    BudgetLine,
    CostCategory,
    CostLine,
    ExchangeRate,
    ExpenseType,
    Forecast,
    currency_validator,
)
from steerco.finance.selectors import load_finance, project_figures, today
from steerco.projects.models import Project
from steerco.resources.models import LockedPeriod

Action = AuditEntry.Action
FORECAST_METHODS = (*COMPUTED_METHODS, "manual")
MAX_AMOUNT = Decimal("99999999999999.99")
# Money is planned and booked by month, and every financial page walks the months between the
# first and the last line: a typo such as year 0001 would make each view walk thousands of years.
FIRST_MONTH = dt.date(1990, 1, 1)
LAST_MONTH = dt.date(2100, 12, 1)


def month_out_of_range(month: dt.date) -> str | None:
    """Why ``month`` cannot hold money, or ``None`` when it can."""
    if not FIRST_MONTH <= month <= LAST_MONTH:
        return f"Use a month from {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}."
    return None


REFERENCE_LENGTH = CostLine._meta.get_field("reference").max_length or 100
DESCRIPTION_LENGTH = CostLine._meta.get_field("description").max_length or 300


class Errors:
    """Messages per field, so that one answer names every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def locked_until(organisation_id: int) -> dt.date | None:
    """The last day whose cost may no longer change, if the books are closed at all."""
    return (
        LockedPeriod.objects.filter(organisation_id=organisation_id)
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )


def parse_amount(value: object) -> Decimal | None:
    """A money amount from a number or text ("1 234,50" is not guessed at: use a point)."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
        text = text.replace(",", "") if "." in text or text.count(",") > 1 else text
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    if not number.is_finite():
        return None
    return number


# -- cost lines ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostLineRules:
    """What checking a cost line needs from its organisation, loaded once per batch."""

    organisation_id: int
    currency: str
    rates: RateTable
    locked_until: dt.date | None

    @classmethod
    def load(cls, organisation_id: int) -> CostLineRules:
        currency = (
            Organisation.objects.filter(pk=organisation_id).values_list("currency", flat=True).get()
        )
        return cls(
            organisation_id,
            currency,
            rate_table(organisation_id, currency),
            locked_until(organisation_id),
        )


@dataclass(frozen=True, slots=True)
class CheckedCostLine:
    month: dt.date
    date: dt.date | None
    expense_type: str
    amount: Decimal
    currency: str
    amount_org_currency: Decimal
    reference: str
    description: str


def check_cost_line(
    errors: Errors,
    rules: CostLineRules,
    *,
    category: CostCategory | None,
    month: dt.date | None,
    amount: object,
    currency: str,
    date: dt.date | None,
    expense_type: str,
    reference: str,
    description: str,
    default_currency: str,
    fields: dict[str, str] | None = None,
    check_locked: bool = True,
) -> CheckedCostLine | None:
    """Check one cost line's values; add messages under ``fields``' names (a file's columns)."""
    names = {
        "month": "month",
        "amount": "amount",
        "currency": "currency",
        "date": "date",
        "expense_type": "expense_type",
        "reference": "reference",
        "description": "description",
        **(fields or {}),
    }
    before = len(errors.errors)
    if month is None:
        if names["month"] not in errors.errors:
            errors.add(names["month"], "Give the month, e.g. 2026-03.")
    elif month.day != 1:
        errors.add(names["month"], f"Use the first day of the month, e.g. {month:%Y-%m}-01.")
    elif problem := month_out_of_range(month):
        errors.add(names["month"], problem)
    if date is not None and month is not None and first_of_month(date) != first_of_month(month):
        errors.add(names["date"], f"The date {date} is not in {month:%Y-%m}.")
    number = parse_amount(amount)
    if number is None:
        errors.add(names["amount"], f"{amount!r} is not an amount: use digits and a point.")
    elif abs(number) > MAX_AMOUNT:
        errors.add(names["amount"], "The amount is too large.")
    else:
        check_money_places(errors, names["amount"], number)
    currency = (currency or default_currency).strip().upper()
    try:
        currency_validator(currency)
    except Exception:
        errors.add(names["currency"], f"{currency!r} is not a three-letter currency code.")
        currency = ""
    valid_types = {value for value, _ in ExpenseType.choices}
    expense_type = (expense_type or "").strip().lower()
    if expense_type and expense_type not in valid_types:
        errors.add(names["expense_type"], "Use capex or opex.")
    if not expense_type and category is not None:
        expense_type = category.expense_type
    if len(reference) > REFERENCE_LENGTH:
        errors.add(names["reference"], f"Keep the reference to {REFERENCE_LENGTH} characters.")
    if len(description) > DESCRIPTION_LENGTH:
        errors.add(
            names["description"], f"Keep the description to {DESCRIPTION_LENGTH} characters."
        )
    rate: Decimal | None = None
    if currency and month is not None:
        rate = rules.rates.rate_for(currency, month)
        if rate is None:
            errors.add(
                names["currency"],
                f"No exchange rate for {currency} in effect on {first_of_month(month)}: "
                "add one on the exchange rates page first.",
            )
    if check_locked and month is not None:
        problem = closed_books_problem(rules, month, date)
        if problem:
            errors.add(names["date"] if date else names["month"], problem)
    if len(errors.errors) > before or number is None or month is None or rate is None:
        return None
    amount_value = quantize_money(number)
    return CheckedCostLine(
        month=month,
        date=date,
        expense_type=expense_type,
        amount=amount_value,
        currency=currency,
        amount_org_currency=quantize_money(amount_value * rate),
        reference=reference.strip(),
        description=description.strip(),
    )


def closed_books_problem(rules: CostLineRules, month: dt.date, date: dt.date | None) -> str:
    """Why a cost of ``month`` (on ``date``) may not be added, or "" when it may."""
    day = date or month
    if rules.locked_until is None or day > rules.locked_until:
        return ""
    return (
        f"The books are closed until {rules.locked_until}: cost in {day:%Y-%m} "
        "can no longer be added."
    )


def _checked_manual_cost(
    project: Project,
    rules: CostLineRules,
    *,
    cost_category_id: int,
    month: dt.date,
    amount: Decimal,
    currency: str,
    date: dt.date | None,
    expense_type: str,
    reference: str,
    description: str,
    replacing: CostLine | None,
) -> tuple[CostCategory, CheckedCostLine]:
    """Check a cost typed by hand (new, or ``replacing`` one); raise every problem at once.

    A reference names one hand-typed cost per project, so that an invoice is not booked twice.
    """
    errors = Errors()
    category = CostCategory.objects.filter(
        pk=cost_category_id, organisation_id=project.organisation_id
    ).first()
    if category is None:
        errors.add("cost_category_id", "Choose a cost category of your organisation.")
    checked = check_cost_line(
        errors,
        rules,
        category=category,
        month=month,
        amount=amount,
        currency=currency,
        date=date,
        expense_type=expense_type,
        reference=reference,
        description=description,
        default_currency=project.currency or rules.currency,
    )
    if checked is not None and checked.reference:
        taken = CostLine.objects.filter(
            project=project, source=CostLine.Source.MANUAL, reference=checked.reference
        )
        if replacing is not None:
            taken = taken.exclude(pk=replacing.pk)
        if taken.exists():
            errors.add("reference", f"{project.code} already has a cost line {checked.reference}.")
    errors.raise_if_any()
    assert checked is not None and category is not None
    return category, checked


@transaction.atomic
def cost_line_create(
    *,
    acting_user: User,
    project_id: int,
    cost_category_id: int,
    month: dt.date,
    amount: Decimal,
    currency: str = "",
    date: dt.date | None = None,
    expense_type: str = "",
    reference: str = "",
    description: str = "",
) -> CostLine:
    """Record an actual cost by hand; ``currency`` defaults to the project's."""
    project = access.access_project_financials(acting_user, project_id, for_actuals=True)
    rules = CostLineRules.load(project.organisation_id)
    category, checked = _checked_manual_cost(
        project,
        rules,
        cost_category_id=cost_category_id,
        month=month,
        amount=amount,
        currency=currency,
        date=date,
        expense_type=expense_type,
        reference=reference,
        description=description,
        replacing=None,
    )
    line = CostLine.objects.create(
        organisation_id=project.organisation_id,
        project=project,
        cost_category=category,
        month=checked.month,
        date=checked.date,
        expense_type=checked.expense_type,
        amount=checked.amount,
        currency=checked.currency,
        amount_org_currency=checked.amount_org_currency,
        source=CostLine.Source.MANUAL,
        reference=checked.reference,
        description=checked.description,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=line,
        after=snapshot(line),
        summary=f"Cost of {line.amount} {line.currency} on {project.code} ({line.month:%Y-%m})",
    )
    return line


def _manual_line_for_change(acting_user: User, cost_line_id: int) -> tuple[CostLine, CostLineRules]:
    line = access.access_cost_line_by_id(acting_user, cost_line_id, for_edit=True)
    line = CostLine.objects.select_for_update().select_related("project").get(pk=line.pk)
    if line.source != CostLine.Source.MANUAL:
        raise Conflict(
            f"This cost came from {line.get_source_display().lower()}: correct it at its source."
        )
    rules = CostLineRules.load(line.organisation_id)
    problem = closed_books_problem(rules, line.month, line.date)
    if problem:
        raise Conflict(problem)
    return line, rules


@transaction.atomic
def cost_line_update(
    *,
    acting_user: User,
    cost_line_id: int,
    cost_category_id: int,
    month: dt.date,
    amount: Decimal,
    currency: str = "",
    date: dt.date | None = None,
    expense_type: str = "",
    reference: str = "",
    description: str = "",
) -> CostLine:
    """Correct a cost typed in by hand (every field given again); imports are corrected there."""
    line, rules = _manual_line_for_change(acting_user, cost_line_id)
    project = line.project
    category, checked = _checked_manual_cost(
        project,
        rules,
        cost_category_id=cost_category_id,
        month=month,
        amount=amount,
        currency=currency,
        date=date,
        expense_type=expense_type,
        reference=reference,
        description=description,
        replacing=line,
    )
    before = snapshot(line)
    line.cost_category = category
    for name in (
        "month",
        "date",
        "expense_type",
        "amount",
        "currency",
        "amount_org_currency",
        "reference",
        "description",
    ):
        setattr(line, name, getattr(checked, name))
    line.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=line,
        before=before,
        after=snapshot(line),
        summary=f"Cost of {line.amount} {line.currency} on {project.code} "
        f"({line.month:%Y-%m}) corrected",
    )
    return line


@transaction.atomic
def cost_line_delete(*, acting_user: User, cost_line_id: int) -> None:
    """Remove a cost typed in by hand by mistake; the month's books must still be open."""
    line, _ = _manual_line_for_change(acting_user, cost_line_id)
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        instance=line,
        before=snapshot(line),
        summary=f"Cost of {line.amount} {line.currency} on {line.project.code} "
        f"({line.month:%Y-%m}) removed",
    )
    line.delete()


# -- budgets -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BudgetLineInput:
    cost_category_id: int
    month: dt.date
    amount: Decimal
    expense_type: str = ""


def _checked_budget_lines(
    errors: Errors, project: Project, lines: Sequence[BudgetLineInput]
) -> list[BudgetLine]:
    """Check every line (messages under ``lines[i].field``); the lines to write, unsaved."""
    categories = {
        category.pk: category
        for category in CostCategory.objects.filter(organisation_id=project.organisation_id)
    }
    valid_types = {value for value, _ in ExpenseType.choices}
    seen: dict[tuple[int, dt.date, str], int] = {}
    cleaned: list[BudgetLine] = []
    if not lines:
        errors.add("lines", "A budget needs at least one line.")
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        category = categories.get(line.cost_category_id)
        if category is None:
            errors.add(f"{where}.cost_category_id", "Choose a cost category of your organisation.")
        if line.month.day != 1:
            errors.add(f"{where}.month", "Use the first day of the month.")
        elif problem := month_out_of_range(line.month):
            errors.add(f"{where}.month", problem)
        amount = parse_amount(line.amount)
        if amount is None or amount < 0:
            errors.add(f"{where}.amount", "A budget amount is zero or more.")
        elif amount > MAX_AMOUNT:
            errors.add(f"{where}.amount", "The amount is too large.")
        elif not check_money_places(errors, f"{where}.amount", amount):
            amount = None
        expense_type = line.expense_type or (category.expense_type if category else "")
        if (category is not None or line.expense_type) and expense_type not in valid_types:
            errors.add(f"{where}.expense_type", "Use capex or opex.")
        key = (line.cost_category_id, line.month, expense_type)
        if key in seen:
            errors.add(
                f"{where}.month", f"Same category, month and expense type as line {seen[key]}."
            )
        seen.setdefault(key, index)
        if category is not None and amount is not None and 0 <= amount <= MAX_AMOUNT:
            cleaned.append(
                BudgetLine(
                    cost_category=category,
                    month=line.month,
                    expense_type=expense_type,
                    amount=quantize_money(amount),
                )
            )
    return cleaned


@transaction.atomic
def budget_create(
    *,
    acting_user: User,
    project_id: int,
    lines: Sequence[BudgetLineInput],
    note: str = "",
) -> Budget:
    """A new draft version of a project's budget, by cost category, month and expense type."""
    project = access.access_project_financials(acting_user, project_id, for_budget=True)
    errors = Errors()
    cleaned = _checked_budget_lines(errors, project, lines)
    if len(note) > 5000:
        errors.add("note", "Keep the note to 5000 characters.")
    errors.raise_if_any()
    # Lock the project's budgets so that two drafts cannot take the same version number.
    list(Budget.objects.select_for_update().filter(project=project).values_list("pk"))
    version = (Budget.objects.filter(project=project).aggregate(v=Max("version"))["v"] or 0) + 1
    budget = Budget.objects.create(
        project=project,
        version=version,
        status=Budget.Status.DRAFT,
        note=note.strip(),
        created_by=acting_user,
        total=sum((line.amount for line in cleaned), ZERO),
    )
    for budget_line in cleaned:
        budget_line.budget = budget
    BudgetLine.objects.bulk_create(cleaned)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=budget,
        after={**snapshot(budget), "lines": len(cleaned)},
        summary=f"Budget v{version} of {project.code} drafted ({budget.total})",
    )
    return budget


@transaction.atomic
def budget_lines_replace(
    *, acting_user: User, budget_id: int, lines: Sequence[BudgetLineInput]
) -> Budget:
    """Replace every line of a draft budget: all of them are checked before any is written."""
    access.access_budget_by_id(acting_user, budget_id, for_edit=True)
    budget = Budget.objects.select_for_update().select_related("project").get(pk=budget_id)
    if budget.status != Budget.Status.DRAFT:
        raise Conflict(
            f"Budget v{budget.version} is {budget.get_status_display().lower()}: "
            "draft a new version to change it."
        )
    errors = Errors()
    cleaned = _checked_budget_lines(errors, budget.project, lines)
    errors.raise_if_any()
    before = {**snapshot(budget), "lines": budget.lines.count()}
    budget.lines.all().delete()
    for budget_line in cleaned:
        budget_line.budget = budget
    BudgetLine.objects.bulk_create(cleaned)
    budget.total = sum((line.amount for line in cleaned), ZERO)
    budget.save(update_fields=["total", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=budget,
        before=before,
        after={**snapshot(budget), "lines": len(cleaned)},
        summary=f"Lines of budget v{budget.version} of {budget.project.code} changed "
        f"({budget.total})",
    )
    return budget


@transaction.atomic
def budget_approve(*, acting_user: User, budget_id: int) -> Budget:
    """Approve a draft or submitted budget; the approved version before it is superseded."""
    access.access_budget_by_id(acting_user, budget_id, for_edit=True)
    budget = Budget.objects.select_for_update().select_related("project").get(pk=budget_id)
    if budget.status not in (Budget.Status.DRAFT, Budget.Status.SUBMITTED):
        raise Conflict(f"Budget v{budget.version} is {budget.get_status_display().lower()}.")
    if not budget.lines.exists():
        raise ValidationFailed({"lines": ["A budget without lines cannot be approved."]})
    before = snapshot(budget)
    previous = list(
        Budget.objects.select_for_update().filter(
            project_id=budget.project_id, status=Budget.Status.APPROVED
        )
    )
    for old in previous:
        old_before = snapshot(old)
        old.status = Budget.Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=acting_user,
            action=Action.UPDATE,
            instance=old,
            before=old_before,
            after=snapshot(old),
            summary=f"Budget v{old.version} of {budget.project.code} superseded",
        )
    budget.status = Budget.Status.APPROVED
    budget.approved_by = acting_user
    budget.approved_at = timezone.now()
    budget.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=budget,
        before=before,
        after=snapshot(budget),
        summary=f"Budget v{budget.version} of {budget.project.code} approved ({budget.total})",
    )
    return budget


@transaction.atomic
def budget_reject(*, acting_user: User, budget_id: int, reason: str) -> Budget:
    access.access_budget_by_id(acting_user, budget_id, for_edit=True)
    budget = Budget.objects.select_for_update().select_related("project").get(pk=budget_id)
    if budget.status not in (Budget.Status.DRAFT, Budget.Status.SUBMITTED):
        raise Conflict(f"Budget v{budget.version} is {budget.get_status_display().lower()}.")
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why the budget is rejected."]})
    before = snapshot(budget)
    budget.status = Budget.Status.REJECTED
    budget.note = (budget.note + "\n\nRejected: " + reason.strip()).strip()
    budget.save(update_fields=["status", "note", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=budget,
        before=before,
        after=snapshot(budget),
        summary=f"Budget v{budget.version} of {budget.project.code} rejected",
    )
    return budget


# -- forecasts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForecastResult:
    project_id: int
    as_of: dt.date
    method: str
    label: str
    formula: str
    actual: Decimal
    etc: Decimal
    eac: Decimal
    bac: Decimal
    months: int

    @property
    def vac(self) -> Decimal:
        return self.bac - self.eac


@transaction.atomic
def forecast_compute(
    *,
    acting_user: User,
    project_id: int,
    method: str,
    as_of: dt.date | None = None,
    estimate_to_complete: Decimal | None = None,
    note: str = "",
) -> ForecastResult:
    """Forecast the cost to complete by ``method`` and store it month by month.

    Methods: ``cpi`` and ``cpi_spi`` (earned value), ``budget_remaining``,
    ``run_rate``, and ``manual`` (the project manager's ``estimate_to_complete``).
    The estimate to complete is spread over the remaining months in proportion
    to the remaining approved budget (evenly for the run rate, or when no budget
    remains), and stored in the project's currency.
    """
    project = access.access_project_financials(acting_user, project_id, for_forecast=True)
    errors = Errors()
    if method not in FORECAST_METHODS:
        errors.add("method", f"Use one of: {', '.join(FORECAST_METHODS)}.")
    status_date = as_of or today()
    etc_given: Decimal | None = None
    if method == "manual":
        etc_given = parse_amount(estimate_to_complete) if estimate_to_complete is not None else None
        if etc_given is None or etc_given < 0:
            errors.add("estimate_to_complete", "Give the estimate to complete: zero or more.")
        elif etc_given > MAX_AMOUNT:
            errors.add("estimate_to_complete", "The amount is too large.")
        else:
            check_money_places(errors, "estimate_to_complete", etc_given)
    elif estimate_to_complete is not None:
        errors.add("estimate_to_complete", "Only a manual forecast takes an estimate to complete.")
    if len(note) > 300:
        errors.add("note", "Keep the note to 300 characters.")
    errors.raise_if_any()

    data = load_finance(
        project.organisation_id,
        Project.objects.filter(pk=project.pk),
        as_of=status_date,
        by_category=False,
    )
    figures = project_figures(data, data.projects[0])
    if method == "manual":
        assert etc_given is not None
        etc = quantize_money(etc_given)
    else:
        estimate = next(e for e in figures.estimates if e.method == method)
        if estimate.etc is None:
            raise ValidationFailed({"method": [f"{estimate.label}: {estimate.reason}"]})
        etc = max(ZERO, estimate.etc)

    budget_cells: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: ZERO)
    for (month, _, expense_type), amount in data.budget_cells.get(project.pk, {}).items():
        budget_cells[(month, expense_type)] += amount
    bac_capex = sum((a for (_, t), a in budget_cells.items() if t == ExpenseType.CAPEX), ZERO)
    capex_share = bac_capex / figures.bac if figures.bac > 0 else ZERO
    finish = first_of_month(project.finish_date) if project.finish_date else None
    months_left = remaining_months(
        EstimateInputs(
            as_of=status_date,
            budget_by_month={month: amount for (month, _), amount in budget_cells.items()},
            actual_by_month={},
            percent_complete=None,
            finish_month=finish,
        )
    )
    weights = spread_weights(
        as_of=status_date,
        remaining=months_left,
        budget_cells=budget_cells,
        capex_share=capex_share,
        even=method == "run_rate",
    )
    cells = spread(etc, weights)

    project_currency = project.currency or data.currency
    Forecast.objects.filter(project=project, as_of=status_date).delete()
    rows: list[Forecast] = []
    for month, expense_type, amount in cells:
        native = quantize_money(data.rates.to_currency(amount, project_currency, month))
        rows.append(
            Forecast(
                project=project,
                as_of=status_date,
                month=month,
                expense_type=expense_type,
                amount=native,
                method=method,
                note=note.strip() if not rows else "",
                made_by=acting_user,
            )
        )
    Forecast.objects.bulk_create(rows)
    result = ForecastResult(
        project_id=project.pk,
        as_of=status_date,
        method=method,
        label=METHOD_LABELS[method],
        formula=METHOD_FORMULAS[method],
        actual=figures.actual,
        etc=etc,
        eac=figures.actual + etc,
        bac=figures.bac,
        months=len({row.month for row in rows}),
    )
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        after={"method": method, "as_of": status_date, "etc": etc, "eac": result.eac},
        summary=f"Forecast of {project.code} by {METHOD_LABELS[method]}: EAC {result.eac}",
    )
    return result


# -- exchange rates ------------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(
    *,
    acting_user: User,
    currency: str,
    effective_date: dt.date,
    rate_to_org_currency: Decimal,
) -> ExchangeRate:
    """Set the rate of ``currency`` from ``effective_date`` on (replacing that date's rate).

    Cost lines already recorded keep the amount they were converted to; budgets
    and forecasts convert at read time and follow the new rate.
    """
    access.require_rate_editor(acting_user)
    organisation_id = organisation_id_of(acting_user)
    organisation_currency = (
        Organisation.objects.filter(pk=organisation_id).values_list("currency", flat=True).get()
    )
    errors = Errors()
    currency = (currency or "").strip().upper()
    try:
        currency_validator(currency)
    except Exception:
        errors.add("currency", "Use a three-letter ISO 4217 code, e.g. USD.")
    if currency == organisation_currency:
        errors.add("currency", f"{currency} is the organisation's own currency: its rate is 1.")
    rate = parse_amount(rate_to_org_currency)
    if rate is None or rate <= 0:
        errors.add("rate_to_org_currency", "A rate is more than zero.")
    elif rate >= Decimal("10000000000") or rate != rate.quantize(Decimal("0.00000001")):
        errors.add("rate_to_org_currency", "Give the rate with at most 8 decimals.")
    errors.raise_if_any()
    assert rate is not None
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(organisation_id=organisation_id, currency=currency, effective_date=effective_date)
        .first()
    )
    if existing is not None:
        before = snapshot(existing)
        existing.rate_to_org_currency = rate
        existing.save(update_fields=["rate_to_org_currency", "updated_at"])
        audit_record(
            actor=acting_user,
            action=Action.UPDATE,
            instance=existing,
            before=before,
            after=snapshot(existing),
            summary=f"{currency} rate from {effective_date} set to {rate}",
        )
        return existing
    created = ExchangeRate.objects.create(
        organisation_id=organisation_id,
        currency=currency,
        effective_date=effective_date,
        rate_to_org_currency=rate,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=created,
        after=snapshot(created),
        summary=f"{currency} rate from {effective_date}: {rate}",
    )
    return created


@transaction.atomic
def exchange_rate_delete(*, acting_user: User, rate_id: int) -> None:
    rate = access.access_exchange_rate_by_id(acting_user, rate_id, for_edit=True)
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        instance=rate,
        before=snapshot(rate),
        summary=f"{rate.currency} rate from {rate.effective_date} deleted",
    )
    rate.delete()
