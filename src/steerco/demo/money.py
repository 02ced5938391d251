"""Budgets by cost category and month, 18 months of actual costs, forecasts and benefits.

Actual costs come from two places, as in most PMOs: the ledger (imported
monthly; invoices and, before timesheets moved into Steerco in May 2026, the
labour recharges) and approved timesheets priced at each person's rate.
Contractor invoices fill the gap between the two, so that a project's total
spend runs at its ``cost_factor`` times budget: an over-running project shows
a cost performance index below one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from steerco.core.money import quantize_money
from steerco.demo import catalogue, dates
from steerco.demo.bulk import insert_objects, insert_rows
from steerco.demo.catalogue import ProjectSpec
from steerco.demo.context import DemoContext, rng_for
from steerco.demo.portfolio import CAPEX_SHARE, cost_profile
from steerco.finance.models import (
    Benefit,
    BenefitValue,
    Budget,
    BudgetLine,
    CostCategory,
    CostLine,
    ExchangeRate,
    Forecast,
)

COST_CATEGORIES = [
    ("LAB-CAP", "Internal labour (capitalised)", "capex", True),
    ("LAB-OPEX", "Internal labour", "opex", True),
    ("CONTRACT", "Contractors and consultancy", "opex", False),
    ("SOFTWARE", "Software licences and subscriptions", "opex", False),
    ("HARDWARE", "Hardware and equipment", "capex", False),
    ("CLOUD", "Cloud services", "opex", False),
    ("TRAINING", "Training", "opex", False),
    ("TRAVEL", "Travel and expenses", "opex", False),
]

LABOUR_SHARE = 0.65
NON_LABOUR_MIX = {
    "software": {"CONTRACT": 0.12, "SOFTWARE": 0.10, "CLOUD": 0.07, "TRAINING": 0.03, "TRAVEL": 0.03},
    "data": {"CONTRACT": 0.08, "SOFTWARE": 0.08, "CLOUD": 0.15, "TRAINING": 0.02, "TRAVEL": 0.02},
    "infrastructure": {"HARDWARE": 0.22, "CONTRACT": 0.08, "TRAVEL": 0.03, "TRAINING": 0.02},
    "process": {"CONTRACT": 0.20, "SOFTWARE": 0.08, "TRAINING": 0.05, "TRAVEL": 0.02},
    "rollout": {"HARDWARE": 0.12, "CONTRACT": 0.12, "TRAINING": 0.08, "TRAVEL": 0.03},
}  # fmt: skip

VENDORS = {
    "CONTRACT": ["Accenture", "Capgemini", "Sopra Steria", "Ordina", "Avanade", "Kainos"],
    "SOFTWARE": ["Microsoft", "Atlassian", "Salesforce", "SAP", "Databricks", "ServiceNow"],
    "HARDWARE": ["Dell Technologies", "Cisco", "Honeywell", "Zebra Technologies", "Knapp"],
    "CLOUD": ["Microsoft Azure", "Databricks", "Confluent Cloud", "Snowflake"],
    "TRAINING": ["QA Ltd", "Learning Tree", "Good e-Learning"],
    "TRAVEL": ["Travel and expenses claims"],
}

EXCHANGE_RATES = [
    ("GBP", dt.date(2025, 1, 1), "1.18000000"),
    ("GBP", dt.date(2026, 1, 1), "1.15000000"),
    ("SEK", dt.date(2025, 1, 1), "0.08800000"),
    ("SEK", dt.date(2026, 1, 1), "0.09100000"),
    ("DKK", dt.date(2025, 1, 1), "0.13400000"),
    ("USD", dt.date(2025, 1, 1), "0.92000000"),
    ("USD", dt.date(2026, 1, 1), "0.86000000"),
]

BUDGET_STAGES = {"approved", "in_execution", "closing", "closed", "on_hold", "cancelled"}
ACTUALS_END = dt.date(2026, 11, 1)
"""Actuals run to the status date, in the middle of this month."""

# Benefits that are not money: category, measure, unit, baseline, target.
NON_FINANCIAL = {
    "Conversion rate": ("customer", "Web orders / sessions, monthly", "%", "2.10", "2.80"),
    "Picking accuracy": ("productivity", "Correct order lines / order lines", "%", "99.20", "99.85"),
    "Close duration": ("productivity", "Working days to close the month", "days", "9", "6"),
    "CO2e avoided": ("strategic", "Tonnes CO2e avoided, monthly", "t", "0", "310"),
    "Trade customers served": ("strategic", "Active Swedish trade customers", "customers", "0", "400"),
    "Unsupported devices": ("compliance", "Devices on Windows 10", "devices", "3200", "0"),
    "Accessibility audit findings": ("compliance", "Open WCAG 2.1 AA findings", "findings", "146", "0"),
    "Critical penetration test findings closed": ("risk_reduction", "Open critical findings", "findings", "9", "0"),
    "Time to answer data subject requests": ("compliance", "Median days per request", "days", "21", "5"),
    "Limited assurance opinion obtained": ("compliance", "Assurance opinion without qualification", "yes/no", "0", "1"),
    "Picks per hour": ("productivity", "Picks per picker hour", "picks/h", "118", "142"),
    "Online share of wholesale orders": ("strategic", "Orders placed online / all orders", "%", "12", "45"),
    "Faster month-end reporting": ("productivity", "Working days until management pack", "days", "8", "4"),
    "Fewer stock-outs": ("customer", "Availability of fresh lines at depots", "%", "94.0", "97.5"),
    "Faster close": ("productivity", "Working days to close the month", "days", "6", "5"),
}  # fmt: skip

BENEFIT_CATEGORY = {
    "GROW": "revenue",
    "EFF": "cost_saving",
    "RUN": "cost_avoidance",
    "REG": "cost_avoidance",
    "INN": "revenue",
    "SUS": "cost_saving",
}

# Approved change requests that moved a budget: project -> (cost impact, approved on).
BUDGET_CHANGES: dict[str, tuple[int, dt.date]] = {
    "DIG-111": (420_000, dt.date(2026, 6, 18)),
    "OPS-202": (260_000, dt.date(2026, 9, 10)),
    "DIG-101": (150_000, dt.date(2026, 7, 9)),
    "OPS-211": (300_000, dt.date(2026, 3, 12)),
}


def build_money(
    context: DemoContext,
    timesheet_hours: dict[tuple[str, dt.date], list[tuple[int, float]]],
) -> None:
    organisation = context.organisation
    categories = {
        row.code: row
        for row in CostCategory.objects.bulk_create(
            [
                CostCategory(
                    organisation=organisation,
                    code=code,
                    name=name,
                    expense_type=expense,
                    is_labour=labour,
                )
                for code, name, expense, labour in COST_CATEGORIES
            ]
        )
    }
    ExchangeRate.objects.bulk_create(
        [
            ExchangeRate(
                organisation=organisation,
                currency=currency,
                effective_date=day,
                rate_to_org_currency=Decimal(rate),
            )
            for currency, day, rate in EXCHANGE_RATES
        ]
    )
    budgets: list[Budget] = []
    budget_lines: list[BudgetLine] = []
    cost_rows: list[dict[str, object]] = []
    forecasts: list[Forecast] = []
    for spec in catalogue.PROJECTS:
        if spec.stage not in BUDGET_STAGES or spec.code == "OPS-225":
            continue
        monthly = _monthly_budget(context, spec)
        project_budgets, lines = _budget_versions(context, spec, monthly, categories)
        budgets.extend(project_budgets)
        budget_lines.extend(lines)
        actual = _actuals(context, spec, monthly, categories, timesheet_hours, cost_rows)
        forecasts.extend(_forecasts(context, spec, monthly, actual))
    insert_objects(budgets)
    insert_objects(budget_lines)
    insert_rows(CostLine, cost_rows)
    insert_objects(forecasts)
    _benefits(context)


def _months_of(context: DemoContext, spec: ProjectSpec) -> list[dt.date]:
    plan = context.plans.get(spec.code)
    if plan is not None:
        return list(dates.month_range(plan.start, plan.baseline_finish))
    return list(dates.month_range(spec.start, dates.add_months(spec.start, spec.months - 1)))


def _monthly_budget(context: DemoContext, spec: ProjectSpec) -> dict[tuple[str, dt.date], float]:
    """Budget by cost category and month, before any change request."""
    months = _months_of(context, spec)
    profile = cost_profile(len(months))
    total = spec.budget_k * 1000
    capex_share = CAPEX_SHARE[spec.kind]
    mix = NON_LABOUR_MIX[spec.kind]
    scale = (1 - LABOUR_SHARE) / sum(mix.values())
    result: dict[tuple[str, dt.date], float] = {}
    for month, share in zip(months, profile, strict=True):
        amount = total * share
        result[("LAB-CAP", month)] = amount * LABOUR_SHARE * capex_share
        result[("LAB-OPEX", month)] = amount * LABOUR_SHARE * (1 - capex_share)
        for code, part in mix.items():
            result[(code, month)] = amount * part * scale
    return result


def _budget_versions(
    context: DemoContext,
    spec: ProjectSpec,
    monthly: dict[tuple[str, dt.date], float],
    categories: dict[str, CostCategory],
) -> tuple[list[Budget], list[BudgetLine]]:
    project = context.projects[spec.code]
    approved_on = _g1(spec)
    change = BUDGET_CHANGES.get(spec.code)
    versions: list[tuple[str, float, dt.date, str]] = []
    if change is None:
        versions.append(
            ("approved", 1.0, approved_on, "Budget approved at the investment decision.")
        )
    else:
        extra, changed_on = change
        factor = 1 + extra / (spec.budget_k * 1000)
        versions.append(
            ("superseded", 1.0, approved_on, "Budget approved at the investment decision.")
        )
        versions.append(
            (
                "approved",
                factor,
                changed_on,
                f"Increased by EUR {extra:,} after an approved change request.",
            )
        )
    if spec.code == "DIG-111":
        versions.append(
            ("submitted", 1 + 600_000 / (spec.budget_k * 1000), dt.date(2026, 11, 6),
             "Proposed increase for the payments re-platforming change request, awaiting decision.")
        )  # fmt: skip
    budgets: list[Budget] = []
    lines: list[BudgetLine] = []
    for number, (status, factor, day, note) in enumerate(versions, start=1):
        budget = Budget(
            project=project,
            version=number,
            status=status,
            note=note,
            created_by=context.managers[spec.code],
            approved_by=context.users["exec"] if status in ("approved", "superseded") else None,
            approved_at=dates.aware(day, 15) if status in ("approved", "superseded") else None,
        )
        total = Decimal("0")
        for (code, month), amount in sorted(
            monthly.items(), key=lambda item: (item[0][1], item[0][0])
        ):
            value = quantize_money(round(amount * factor, 2))
            if value <= 0:
                continue
            total += value
            lines.append(
                BudgetLine(
                    budget=budget,
                    cost_category=categories[code],
                    month=month,
                    expense_type=categories[code].expense_type,
                    amount=value,
                )
            )
        budget.total = total
        budgets.append(budget)
    return budgets, lines


def _g1(spec: ProjectSpec) -> dt.date:
    from steerco.demo.portfolio import gate_dates

    return gate_dates(spec)["G1"]


def _actual_window(context: DemoContext, spec: ProjectSpec) -> list[dt.date]:
    plan = context.plans.get(spec.code)
    start = plan.start if plan is not None else spec.start
    if spec.stage == "approved":
        return []
    end = ACTUALS_END
    if spec.stage == "closed" and plan is not None:
        end = dates.month_start(plan.finish)
    if spec.stopped is not None:
        end = min(end, spec.stopped)
    first = max(dates.month_start(start), dates.FIRST_ACTUALS_MONTH)
    return list(dates.month_range(first, end))


def _actuals(
    context: DemoContext,
    spec: ProjectSpec,
    monthly: dict[tuple[str, dt.date], float],
    categories: dict[str, CostCategory],
    timesheet_hours: dict[tuple[str, dt.date], list[tuple[int, float]]],
    rows: list[dict[str, object]],
) -> float:
    """Cost lines of the project's months so far; returns the total spent (EUR)."""
    rng = rng_for("actuals", spec.code)
    project = context.projects[spec.code]
    capex_share = CAPEX_SHARE[spec.kind]
    spent = 0.0
    reference_number = 0

    def add(
        code: str,
        month: dt.date,
        amount_eur: float,
        source: str,
        reference: str,
        description: str,
        currency: str = "EUR",
        rate: float = 1.0,
    ) -> None:
        nonlocal spent
        if amount_eur < 1:
            return
        spent += amount_eur
        day = month + dt.timedelta(days=rng.randint(4, 24))
        if month == ACTUALS_END:
            day = month + dt.timedelta(days=rng.randint(1, 12))
        rows.append(
            {
                "organisation_id": context.organisation.pk,
                "project_id": project.pk,
                "cost_category_id": categories[code].pk,
                "month": month,
                "date": day,
                "expense_type": categories[code].expense_type,
                "amount": quantize_money(round(amount_eur / rate, 2)),
                "currency": currency,
                "amount_org_currency": quantize_money(round(amount_eur, 2)),
                "source": source,
                "reference": reference,
                "description": description,
                "import_batch": f"GL-{month:%Y-%m}" if source == "import" else "",
                "created_by_id": context.users["pmo"].pk if source == "manual" else None,
            }
        )

    for month in _actual_window(context, spec):
        factor = spec.cost_factor * rng.uniform(0.93, 1.07)
        if month == ACTUALS_END:
            # Half of the status month has gone by; its invoices are still coming in.
            factor *= 0.5
        budget_labour = monthly.get(("LAB-CAP", month), 0) + monthly.get(("LAB-OPEX", month), 0)
        if not budget_labour and not (
            spec.stage == "on_hold" and spec.stopped and month <= spec.stopped
        ):
            budget_labour = 0
        timesheet_cost = 0.0
        if month >= dt.date(2026, 5, 1):
            for person_id, hours in timesheet_hours.get((spec.code, month), []):
                timesheet_cost += hours * float(context.people[person_id].rate)
        if month < dt.date(2026, 5, 1):
            labour = budget_labour * factor
            add("LAB-CAP", month, labour * capex_share, "import", f"GL-{month:%Y%m}-LABCAP",
                "Internal labour recharge (ledger)")  # fmt: skip
            add("LAB-OPEX", month, labour * (1 - capex_share), "import", f"GL-{month:%Y%m}-LABOPEX",
                "Internal labour recharge (ledger)")  # fmt: skip
        else:
            add("LAB-CAP", month, timesheet_cost * capex_share, "timesheet", f"TS-{month:%Y-%m}-CAPEX",
                "Approved timesheets")  # fmt: skip
            add("LAB-OPEX", month, timesheet_cost * (1 - capex_share), "timesheet",
                f"TS-{month:%Y-%m}-OPEX", "Approved timesheets")  # fmt: skip
            gap = budget_labour * factor - timesheet_cost
            if gap > 0:
                reference_number += 1
                vendor = rng.choice(VENDORS["CONTRACT"])
                add("CONTRACT", month, gap, "import", f"INV-{spec.code}-{reference_number:04d}",
                    f"{vendor}: delivery team, {month:%B %Y}")  # fmt: skip
        for code in NON_LABOUR_MIX[spec.kind]:
            planned = monthly.get((code, month), 0)
            if not planned:
                continue
            amount = planned * factor * rng.uniform(0.8, 1.2)
            reference_number += 1
            vendor = rng.choice(VENDORS[code])
            currency, rate = "EUR", 1.0
            if spec.code == "GRO-301" and code in ("CONTRACT", "HARDWARE", "TRAVEL"):
                currency, rate = "SEK", 0.088 if month.year == 2025 else 0.091
            elif code == "TRAINING" and rng.random() < 0.5:
                currency, rate = "GBP", 1.18 if month.year == 2025 else 1.15
            source = "manual" if code == "TRAVEL" else "import"
            add(code, month, amount, source, f"INV-{spec.code}-{reference_number:04d}",
                f"{vendor}, {month:%B %Y}", currency, rate)  # fmt: skip
    return spent


def _forecasts(
    context: DemoContext,
    spec: ProjectSpec,
    monthly: dict[tuple[str, dt.date], float],
    spent: float,
) -> list[Forecast]:
    if spec.stage not in {"approved", "in_execution", "closing", "on_hold"}:
        return []
    plan = context.plans.get(spec.code)
    finish = plan.finish if plan is not None else dates.add_months(spec.start, spec.months - 1)
    change = BUDGET_CHANGES.get(spec.code, (0, dt.date.min))[0]
    budget = sum(monthly.values()) + change
    estimate_at_completion = max(budget * spec.cost_factor, spent * 1.02)
    remaining = max(0.0, estimate_at_completion - spent)
    rows: list[Forecast] = []
    capex_share = CAPEX_SHARE[spec.kind]
    for as_of, first, factor, method in (
        (dt.date(2026, 10, 1), dt.date(2026, 10, 1), 0.97, "manual"),
        (dt.date(2026, 11, 2), dt.date(2026, 11, 1), 1.0, "cpi" if spec.health != "green" else "budget_remaining"),
    ):  # fmt: skip
        months = list(dates.month_range(max(first, dates.month_start(spec.start)), finish))
        if not months:
            continue
        for month, share in zip(months, cost_profile(len(months)), strict=True):
            amount = remaining * factor * share
            for expense, part in (("capex", capex_share), ("opex", 1 - capex_share)):
                if part <= 0:
                    continue
                rows.append(
                    Forecast(
                        project=context.projects[spec.code],
                        as_of=as_of,
                        month=month,
                        expense_type=expense,
                        amount=quantize_money(round(amount * part, 2)),
                        method=method,
                        note="Monthly forecast review with the finance business partner."
                        if month == months[0]
                        else "",
                        made_by=context.managers[spec.code],
                    )
                )
    return rows


def _benefits(context: DemoContext) -> None:
    benefits: list[Benefit] = []
    values: list[list[BenefitValue]] = []
    for spec in catalogue.PROJECTS:
        if not spec.benefit_names or spec.stage == "cancelled":
            continue
        rng = rng_for("benefits", spec.code)
        plan = context.plans.get(spec.code)
        go_live = plan.go_live if plan is not None else dates.add_months(spec.start, spec.months)
        first_month = dates.add_months(dates.month_start(go_live), 1)
        financial = [name for name in spec.benefit_names if name not in NON_FINANCIAL]
        realisation = (
            rng.uniform(0.7, 1.15)
            if spec.stage in ("closed", "closing")
            else rng.uniform(0.6, 0.95)
        )
        for name in spec.benefit_names:
            if name in NON_FINANCIAL:
                category, measure, unit, baseline, target = NON_FINANCIAL[name]
                benefit = Benefit(
                    project=context.projects[spec.code],
                    name=name,
                    description=f"{name}, measured monthly by the benefit owner.",
                    category=category,
                    kind=Benefit.Kind.NON_FINANCIAL,
                    measure=measure,
                    unit=unit,
                    baseline_value=Decimal(baseline),
                    target_value=Decimal(target),
                    owner=context.users[spec.sponsor],
                )
                start_value, end_value = float(baseline), float(target)
            else:
                annual = spec.benefit_k * 1000 / max(1, len(financial))
                benefit = Benefit(
                    project=context.projects[spec.code],
                    name=name,
                    description=f"{name} as in the approved business case.",
                    category=BENEFIT_CATEGORY[spec.category],
                    kind=Benefit.Kind.FINANCIAL,
                    measure="Finance-validated monthly amount",
                    unit="EUR",
                    baseline_value=Decimal("0"),
                    target_value=quantize_money(annual),
                    owner=context.users[spec.sponsor],
                )
                start_value, end_value = 0.0, annual / 12
            rows = []
            for index, month in enumerate(
                dates.month_range(first_month, dates.add_months(first_month, 23))
            ):
                ramp = min(1.0, (index + 1) / 9)
                planned = start_value + (end_value - start_value) * ramp
                realised = None
                if month <= dt.date(2026, 10, 1):
                    achieved = start_value + (planned - start_value) * realisation * rng.uniform(
                        0.9, 1.1
                    )
                    realised = Decimal(f"{achieved:.4f}")
                rows.append(
                    BenefitValue(
                        benefit=benefit,
                        month=month,
                        planned=Decimal(f"{planned:.4f}"),
                        realised=realised,
                    )
                )
            benefits.append(benefit)
            values.append(rows)
    insert_objects(benefits)
    insert_objects([row for rows in values for row in rows])


def realised_benefits(context: DemoContext, code: str) -> tuple[Decimal, Decimal]:
    """Planned and realised financial benefits of a project so far (for its review)."""
    planned = Decimal("0")
    realised = Decimal("0")
    rows = BenefitValue.objects.filter(
        benefit__project=context.projects[code],
        benefit__kind=Benefit.Kind.FINANCIAL,
        realised__isnull=False,
    ).values_list("planned", "realised")
    for plan_value, real_value in rows:
        planned += plan_value
        realised += real_value or Decimal("0")
    return quantize_money(planned), quantize_money(realised)


def spend_to_date(context: DemoContext) -> dict[str, Decimal]:
    """Actual cost by project code, from the cost lines just written."""
    from django.db.models import Sum

    totals: dict[str, Decimal] = defaultdict(Decimal)
    rows = (
        CostLine.objects.filter(organisation=context.organisation)
        .values_list("project__code")
        .annotate(total=Sum("amount_org_currency"))
    )
    for code, total in rows:
        totals[code] = total or Decimal("0")
    return totals
