"""A small portfolio with every kind of figure the executive dashboard shows.

``world`` (as of 15 March 2026) holds, in organisation ACME:

- DIG-1 (Digital, in execution, mission-critical, managed by the project manager user):
  an older submitted status report, the latest submitted one (red overall, amber scope) and a
  newer *draft* (ignored); an approved business case; an approved budget of 4 x 250 a month
  from January 2026 (and a draft budget, ignored); actual costs of 200 in January, 300 in
  February and 999 in May (after the as-of month, so ignored); two open risks (0.5 x 4 and
  0.2 x 5) and a closed one; two milestones, one key and slipped.
- DIG-2 (Digital, approved, health amber): no status report, so every dimension is amber.
- OPS-1 (Operations, on hold, green): a milestone on time.
- An idea and a closed project, which the dashboard leaves out.
- Role demand and capacity of two roles inside and outside the next twelve months.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from steerco.finance.models import Budget
from steerco.governance.models import RaidItem, StatusReport
from steerco.projects.models import BusinessCase, CashFlowLine, Project
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    BusinessCaseFactory,
    CapacityPeriodFactory,
    CashFlowLineFactory,
    CostCategoryFactory,
    CostLineFactory,
    MilestoneFactory,
    PortfolioFactory,
    ProjectFactory,
    RaidItemFactory,
    RoleDemandFactory,
    RoleFactory,
    StatusReportFactory,
)
from tests.fixtures_people import Org

AS_OF = dt.date(2026, 3, 15)
MONTH = dt.date(2026, 3, 1)


@dataclass
class World:
    org: Org
    digital: Any
    ops: Any
    dig1: Any
    dig2: Any
    ops1: Any
    idea: Any
    closed: Any
    case_lines: list[tuple[str, int, Decimal]]


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)


def build_world(org: Org) -> World:
    organisation = org.organisation
    digital = PortfolioFactory(organisation=organisation, code="DIG", name="Digital")
    ops = PortfolioFactory(organisation=organisation, code="OPS", name="Operations")
    manager = org.user("project_manager")
    dig1 = ProjectFactory(
        portfolio=digital,
        code="DIG-1",
        name="Customer portal",
        manager=manager,
        mission_critical=True,
        health="amber",
        start_date=dt.date(2025, 10, 1),
        finish_date=dt.date(2026, 12, 31),
    )
    dig2 = ProjectFactory(
        portfolio=digital,
        code="DIG-2",
        name="Data lake",
        stage=Project.Stage.APPROVED,
        health="amber",
        start_date=dt.date(2026, 4, 1),
        finish_date=dt.date(2026, 9, 30),
    )
    ops1 = ProjectFactory(
        portfolio=ops, code="OPS-1", name="Warehouse", stage=Project.Stage.ON_HOLD, health="green"
    )
    idea = ProjectFactory(portfolio=ops, code="OPS-9", stage=Project.Stage.IDEA, health="red")
    closed = ProjectFactory(portfolio=ops, code="OPS-0", stage=Project.Stage.CLOSED, health="red")

    # Status reports: the latest *submitted* one counts.
    submitted = StatusReport.Status.SUBMITTED
    StatusReportFactory(
        project=dig1, period_start=month(2026, 1), period_end=dt.date(2026, 1, 31),
        status=submitted, overall="green",
    )  # fmt: skip
    StatusReportFactory(
        project=dig1, period_start=month(2026, 2), period_end=dt.date(2026, 2, 28),
        status=submitted, overall="red", schedule="red", cost="amber", scope="amber",
        risk="green", narrative="Supplier late; board decision needed.",
    )  # fmt: skip
    StatusReportFactory(
        project=dig1, period_start=month(2026, 3), period_end=dt.date(2026, 3, 31),
        status=StatusReport.Status.DRAFT, overall="green",
    )  # fmt: skip
    StatusReportFactory(
        project=idea, period_start=month(2026, 2), period_end=dt.date(2026, 2, 28),
        status=submitted, overall="red",
    )  # fmt: skip

    # Business case: the approved one is valued; a draft version is not.
    case = BusinessCaseFactory(project=dig1, status=BusinessCase.Status.APPROVED, version=1)
    case_lines = [
        ("cost", 0, Decimal("1000.00")),
        ("cost", 1, Decimal("500.00")),
        ("benefit", 1, Decimal("200.00")),
        ("benefit", 3, Decimal("900.00")),
        ("benefit", 12, Decimal("1200.00")),
    ]
    for kind, index, amount in case_lines:
        CashFlowLineFactory(
            business_case=case,
            kind=kind,
            category="opex" if kind == "cost" else "cost_saving",
            month_index=index,
            amount=amount,
        )
    draft_case = BusinessCaseFactory(project=dig1, status=BusinessCase.Status.DRAFT, version=2)
    CashFlowLineFactory(
        business_case=draft_case, kind=CashFlowLine.Kind.BENEFIT, category="revenue",
        month_index=0, amount=Decimal("99999.00"),
    )  # fmt: skip

    # Budgets: approved 4 x 250 from January; a draft budget is ignored.
    category = CostCategoryFactory(organisation=organisation)
    budget = BudgetFactory(project=dig1, status=Budget.Status.APPROVED, total=Decimal("1000.00"))
    for number in (1, 2, 3, 4):
        BudgetLineFactory(
            budget=budget, cost_category=category, month=month(2026, number),
            amount=Decimal("250.00"),
        )  # fmt: skip
    draft = BudgetFactory(project=dig1, status=Budget.Status.DRAFT, total=Decimal("5000.00"))
    BudgetLineFactory(
        budget=draft, cost_category=category, month=month(2026, 1), amount=Decimal("5000.00")
    )
    for when, spent in ((month(2026, 1), "200.00"), (month(2026, 2), "300.00"),
                        (month(2026, 5), "999.00")):  # fmt: skip
        CostLineFactory(
            project=dig1, cost_category=category, month=when, amount=Decimal(spent),
            amount_org_currency=Decimal(spent),
        )  # fmt: skip
    # The idea's costs are not the portfolio's burn.
    CostLineFactory(
        project=idea, cost_category=category, month=month(2026, 1), amount=Decimal("777.00"),
        amount_org_currency=Decimal("777.00"),
    )  # fmt: skip

    # Risks: exposure 0.5 x 4 + 0.2 x 5 = 3.0; the closed one and the issue do not count.
    RaidItemFactory(project=dig1, probability=Decimal("0.5"), impact=4)
    RaidItemFactory(
        project=dig1, probability=Decimal("0.2"), impact=5, status=RaidItem.Status.ESCALATED
    )
    RaidItemFactory(
        project=dig1, probability=Decimal("0.9"), impact=5, status=RaidItem.Status.CLOSED
    )
    RaidItemFactory(project=dig1, kind=RaidItem.Kind.ISSUE, probability=None, impact=None)
    RaidItemFactory(project=dig2, probability=Decimal("0.1"), impact=3)

    # Milestones: DIG-1's key milestone slipped 20 days; its other one was achieved 2 days early.
    MilestoneFactory(
        project=dig1, name="Go-live", is_key=True, due_date=dt.date(2026, 3, 10),
        baseline_date=dt.date(2026, 3, 10), forecast_date=dt.date(2026, 3, 30),
    )  # fmt: skip
    MilestoneFactory(
        project=dig1, name="Design signed off", due_date=dt.date(2026, 1, 20),
        baseline_date=dt.date(2026, 1, 20), achieved_date=dt.date(2026, 1, 18),
    )  # fmt: skip
    MilestoneFactory(
        project=ops1, name="Racking installed", due_date=dt.date(2026, 3, 5),
        baseline_date=dt.date(2026, 3, 5), forecast_date=dt.date(2026, 3, 5),
    )  # fmt: skip
    MilestoneFactory(
        project=idea, name="Idea milestone", due_date=dt.date(2026, 3, 1),
        baseline_date=dt.date(2026, 3, 1), forecast_date=dt.date(2026, 6, 1),
    )  # fmt: skip

    # Capacity: the next twelve months are March 2026 to February 2027.
    developer = RoleFactory(organisation=organisation, code="DEV", name="Developer")
    analyst = RoleFactory(organisation=organisation, code="BA", name="Business Analyst")
    for project, role, when, hours in (
        (dig1, developer, month(2026, 3), "100"),
        (dig1, developer, month(2027, 2), "50"),
        (dig1, developer, month(2027, 3), "1000"),  # beyond the twelve months
        (dig1, developer, month(2026, 2), "1000"),  # before them
        (dig2, analyst, month(2026, 6), "40"),
        (idea, analyst, month(2026, 6), "500"),  # not an active project
    ):
        RoleDemandFactory(project=project, role=role, month=when, hours=Decimal(hours))
    for role, when, hours in (
        (developer, month(2026, 3), "120"),
        (developer, month(2026, 4), "20"),
        (analyst, month(2026, 6), "160"),
        (analyst, month(2027, 3), "999"),
    ):
        CapacityPeriodFactory(role=role, person=None, month=when, hours=Decimal(hours))
    # A person's own row is already in the role's total: it must not count twice.
    CapacityPeriodFactory(role=developer, month=month(2026, 3), hours=Decimal("70"))
    return World(org, digital, ops, dig1, dig2, ops1, idea, closed, case_lines)


@pytest.fixture
def world(org: Org) -> World:
    return build_world(org)


def sheet_rows(content: bytes, title: str | None = None) -> list[tuple[Any, ...]]:
    """The values of a workbook's first sheet (or the one titled ``title``), row by row."""
    workbook = load_workbook(io.BytesIO(content))
    sheet: Any = workbook[title] if title else workbook.worksheets[0]
    return list(sheet.iter_rows(values_only=True))
