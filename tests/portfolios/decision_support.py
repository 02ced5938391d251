"""A small, fully known portfolio for the decision tests.

Horizon: January 2027, 12 months. One role, Data Engineer (DE), with 2 FTE (320 hours) a
month. Budgets: 30,000 capex and 20,000 opex a month (90,000 / 60,000 a quarter).

==========  ============  ===========================================================
project     stage         business case (month 0 = its start)      demand
==========  ============  ===========================================================
RUN-1       in execution  opex 10,000 x 6 from Nov 2026; benefit   1 FTE x 6 months
            (mandatory)   8,000 x 24 from month 6
NEW-A       proposal      capex 20,000 x 3; benefit 15,000 x 18      1 FTE x 3 months
NEW-B       idea          capex 15,000 x 2; benefit 6,000 x 12;      1 FTE x 2 months
                          needs NEW-A (a RAID dependency)
NEW-C       idea          opex 12,000 x 3; benefit 2,000 x 6         1 FTE x 3 months
==========  ============  ===========================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from steerco.governance.models import RaidItem
from steerco.portfolios.models import (
    Portfolio,
    PortfolioBudget,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
)
from steerco.projects.models import BusinessCase, CashFlowLine, Category, Project
from steerco.resources.models import CapacityPeriod, Role, RoleDemand

HORIZON = dt.date(2027, 1, 1)
MONTHS = 12


def month(offset: int, first: dt.date = HORIZON) -> dt.date:
    total = first.year * 12 + first.month - 1 + offset
    return dt.date(total // 12, total % 12 + 1, 1)


@dataclass
class SmallPortfolio:
    portfolio: Portfolio
    role: Role
    projects: dict[str, Project]
    plan: Scenario
    criterion: ScoringCriterion


def _case(project: Project, lines: list[tuple[str, str, int, int, float]]) -> BusinessCase:
    case = BusinessCase.objects.create(
        project=project,
        version=1,
        status=BusinessCase.Status.APPROVED,
        summary=f"Case of {project.code}",
        start_month=project.start_date,
    )
    rows = []
    for kind, category, first, count, amount in lines:
        for index in range(first, first + count):
            rows.append(
                CashFlowLine(
                    business_case=case,
                    kind=kind,
                    category=category,
                    month_index=index,
                    amount=Decimal(f"{amount:.2f}"),
                )
            )
    CashFlowLine.objects.bulk_create(rows)
    return case


def _demand(project: Project, role: Role, months: int) -> None:
    assert project.start_date is not None
    RoleDemand.objects.bulk_create(
        RoleDemand(
            project=project,
            role=role,
            month=month(index, project.start_date),
            hours=Decimal("160"),
            source=RoleDemand.Source.BUSINESS_CASE,
        )
        for index in range(months)
    )


def build_small_portfolio(org: Any, *, with_plan: bool = True) -> SmallPortfolio:
    organisation = org.organisation
    manager = org.user("project_manager")
    portfolio = Portfolio.objects.create(
        organisation=organisation, code="DIG", name="Digital", owner=org.user("portfolio_manager")
    )
    category = Category.objects.create(organisation=organisation, code="GROW", name="Growth")
    role = Role.objects.create(organisation=organisation, code="DE", name="Data Engineer")
    CapacityPeriod.objects.bulk_create(
        CapacityPeriod(organisation=organisation, role=role, month=month(i), hours=Decimal("320"))
        for i in range(MONTHS)
    )
    PortfolioBudget.objects.bulk_create(
        PortfolioBudget(
            portfolio=portfolio, month=month(i), capex=Decimal("30000"), opex=Decimal("20000")
        )
        for i in range(MONTHS)
    )

    def project(code: str, stage: str, start: dt.date, months: int, **extra: Any) -> Project:
        return Project.objects.create(
            organisation=organisation,
            portfolio=portfolio,
            code=code,
            name=f"Project {code}",
            stage=stage,
            manager=manager,
            category=category,
            start_date=start,
            finish_date=month(months, start) - dt.timedelta(days=1),
            **extra,
        )

    running = project("RUN-1", Project.Stage.IN_EXECUTION, dt.date(2026, 11, 1), 6, mandatory=True)
    _case(running, [("cost", "opex", 0, 6, 10_000), ("benefit", "cost_saving", 6, 24, 8_000)])
    _demand(running, role, 6)
    new_a = project("NEW-A", Project.Stage.PROPOSAL, month(0), 3)
    _case(new_a, [("cost", "capex", 0, 3, 20_000), ("benefit", "revenue", 3, 18, 15_000)])
    _demand(new_a, role, 3)
    new_b = project("NEW-B", Project.Stage.IDEA, month(3), 2)
    _case(new_b, [("cost", "capex", 0, 2, 15_000), ("benefit", "revenue", 2, 12, 6_000)])
    _demand(new_b, role, 2)
    new_c = project("NEW-C", Project.Stage.IDEA, month(1), 3)
    _case(new_c, [("cost", "opex", 0, 3, 12_000), ("benefit", "revenue", 3, 6, 2_000)])
    _demand(new_c, role, 3)
    RaidItem.objects.create(
        organisation=organisation,
        project=new_b,
        kind=RaidItem.Kind.DEPENDENCY,
        ref="D-1",
        title="Needs the data platform of NEW-A",
        depends_on_project=new_a,
    )
    criterion = ScoringCriterion.objects.create(
        organisation=organisation,
        code="VALUE",
        name="Strategic value",
        weight=Decimal("1"),
        levels=[{"value": v, "label": label} for v, label in ((1, "Low"), (2, "Mid"), (3, "High"))],
    )
    for code, level in (("RUN-1", 3), ("NEW-A", 3), ("NEW-B", 2), ("NEW-C", 1)):
        ProjectScore.objects.create(
            project=Project.objects.get(code=code), criterion=criterion, value=Decimal(level)
        )
    projects = {p.code: p for p in (running, new_a, new_b, new_c)}
    plan = Scenario.objects.create(
        organisation=organisation,
        portfolio=portfolio,
        name="Current plan",
        status=Scenario.Status.PROMOTED if with_plan else Scenario.Status.DRAFT,
        horizon_start=HORIZON,
        horizon_months=MONTHS,
        created_by=org.user("portfolio_manager"),
    )
    ScenarioProject.objects.bulk_create(
        [
            ScenarioProject(
                scenario=plan,
                project=running,
                mode=ScenarioProject.Mode.FORCED_IN,
                included=True,
                selected_start_month=running.start_date,
            ),
            ScenarioProject(
                scenario=plan, project=new_a, included=True, selected_start_month=month(0)
            ),
            ScenarioProject(scenario=plan, project=new_b, included=False),
            ScenarioProject(scenario=plan, project=new_c, included=False),
        ]
    )
    return SmallPortfolio(portfolio, role, projects, plan, criterion)
