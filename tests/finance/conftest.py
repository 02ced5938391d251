"""A small organisation with worked-out money, shared by the finance tests.

Acme keeps its books in EUR. Portfolio "Change" holds program "Platform" with
project ALPHA (EUR) and BRAVO (USD), and CHARLIE outside any program.

ALPHA's approved budget (v2; v1 superseded): January labour 1000 and hardware
2000 (capex), February and March labour 1000 each: BAC 5000. Actuals up to the
status date 10 March 2026: January ledger lines 1100 + 1900; a February
manual line of 400 USD at 0.90 = 360 EUR; approved timesheets of Ada, 8 h on
10 February at her rate of 50 and 8 h on 17 February at her new rate of 60
(= 880; a draft day is not counted). AC = 3000 + 360 + 880 = 4240. Two leaf
tasks of 600 and 400 minutes of work are 50% and 100% done: 70% complete.

BRAVO (USD): budget 1000 USD in February and March; USD is 0.90 from
1 January and 0.80 from 1 March (a rate from 15 March only applies from
April): BAC = 900 + 800 = 1700 EUR. One USD 500 invoice in February = 450 EUR.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from steerco.finance.models import Budget, CostLine, ExchangeRate
from steerco.resources.models import Timesheet
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    CostCategoryFactory,
    CostLineFactory,
    CostRateFactory,
    PersonFactory,
    PortfolioFactory,
    ProgramFactory,
    ProjectFactory,
    RoleFactory,
    TaskFactory,
    TimesheetEntryFactory,
    TimesheetFactory,
)

AS_OF = dt.date(2026, 3, 10)
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))


@dataclass
class World:
    org: Any
    portfolio: Any
    program: Any
    alpha: Any
    bravo: Any
    charlie: Any
    labour: Any
    hardware: Any
    ada: Any
    pm: Any


def rate(org: Any, currency: str, day: dt.date, value: str) -> ExchangeRate:
    return ExchangeRate.objects.create(
        organisation=org.organisation,
        currency=currency,
        effective_date=day,
        rate_to_org_currency=Decimal(value),
    )


def approved_budget(project: Any, lines: list[tuple[Any, dt.date, str]], version: int = 1) -> Any:
    budget = BudgetFactory(project=project, version=version, status=Budget.Status.APPROVED)
    total = Decimal(0)
    for category, month, amount in lines:
        BudgetLineFactory(
            budget=budget, cost_category=category, month=month, amount=Decimal(amount)
        )
        total += Decimal(amount)
    budget.total = total
    budget.save()
    return budget


@pytest.fixture
def world(org: Any) -> World:
    o = org.organisation
    pm = org.user("project_manager")
    portfolio = PortfolioFactory(organisation=o, code="CHG", name="Change")
    program = ProgramFactory(portfolio=portfolio, code="PLAT", name="Platform")
    alpha = ProjectFactory(
        organisation=o,
        portfolio=portfolio,
        program=program,
        code="ALPHA",
        name="Alpha",
        manager=pm,
        finish_date=dt.date(2026, 4, 30),
    )
    bravo = ProjectFactory(
        organisation=o, portfolio=portfolio, program=program, code="BRAVO", currency="USD"
    )
    charlie = ProjectFactory(organisation=o, portfolio=portfolio, code="CHARLIE")
    labour = CostCategoryFactory(
        organisation=o, code="LAB", name="Labour", expense_type="opex", is_labour=True
    )
    hardware = CostCategoryFactory(organisation=o, code="HW", name="Hardware", expense_type="capex")
    rate(org, "USD", JAN, "0.90")
    rate(org, "USD", MAR, "0.80")
    rate(org, "USD", dt.date(2026, 3, 15), "0.70")

    BudgetFactory(project=alpha, version=1, status=Budget.Status.SUPERSEDED)
    approved_budget(
        alpha,
        [
            (labour, JAN, "1000"),
            (hardware, JAN, "2000"),
            (labour, FEB, "1000"),
            (labour, MAR, "1000"),
        ],
        version=2,
    )
    approved_budget(bravo, [(labour, FEB, "1000"), (labour, MAR, "1000")])

    CostLineFactory(project=alpha, cost_category=labour, month=JAN, amount=Decimal("1100"))
    CostLineFactory(project=alpha, cost_category=hardware, month=JAN, amount=Decimal("1900"))
    CostLineFactory(
        project=alpha,
        cost_category=labour,
        month=FEB,
        amount=Decimal("400"),
        currency="USD",
        amount_org_currency=Decimal("360.00"),
        source=CostLine.Source.MANUAL,
    )
    CostLineFactory(
        project=bravo,
        cost_category=labour,
        month=FEB,
        amount=Decimal("500"),
        currency="USD",
        amount_org_currency=Decimal("450.00"),
    )
    # A cost after the status date's month is not an actual yet.
    CostLineFactory(project=alpha, cost_category=labour, month=APR, amount=Decimal("999"))

    engineers = RoleFactory(organisation=o, code="DEV", default_cost_rate=Decimal("40"))
    ada = PersonFactory(role=engineers, name="Ada", email="ada@acme.test")
    CostRateFactory(person=ada, role=None, rate=Decimal("50"), effective_from=JAN)
    CostRateFactory(person=ada, role=None, rate=Decimal("60"), effective_from=dt.date(2026, 2, 16))
    for week, day, status in (
        (dt.date(2026, 2, 9), dt.date(2026, 2, 10), Timesheet.Status.APPROVED),
        (dt.date(2026, 2, 16), dt.date(2026, 2, 17), Timesheet.Status.APPROVED),
        (dt.date(2026, 2, 23), dt.date(2026, 2, 24), Timesheet.Status.DRAFT),
    ):
        sheet = TimesheetFactory(person=ada, week_start=week, status=status)
        TimesheetEntryFactory(timesheet=sheet, project=alpha, date=day, hours=Decimal("8"))

    TaskFactory(project=alpha, work_minutes=600, percent_complete=Decimal("50"))
    TaskFactory(project=alpha, work_minutes=400, percent_complete=Decimal("100"))
    TaskFactory(project=alpha, is_summary=True, work_minutes=1000, percent_complete=Decimal("0"))
    return World(org, portfolio, program, alpha, bravo, charlie, labour, hardware, ada, pm)


@pytest.fixture(autouse=True)
def _static_files_not_scanned(settings: Any) -> None:
    # WhiteNoise walks every static file (node_modules too) for each new test client: over a
    # second a client. These tests never fetch static files through it (the browser test's
    # live server serves them itself).
    settings.WHITENOISE_USE_FINDERS = False
