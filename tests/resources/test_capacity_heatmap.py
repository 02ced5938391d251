"""The role x month heatmap: numbers on a small example, scope, pipeline, what-if, drill-down,
hiring plans, the person view, and query counts that do not grow with the portfolio."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, NotFound
from steerco.resources import capacity_selectors as selectors
from steerco.resources.capacity_selectors import HeatmapQuery
from steerco.resources.models import RoleDemand
from tests.factories import (
    BookingFactory,
    CapacityPeriodFactory,
    HiringPlanFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    RoleFactory,
    ScenarioFactory,
)

pytestmark = pytest.mark.django_db

MAY, JUNE = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)
Stage = selectors.Project.Stage


def demand(project, role, month, hours, source="business_case"):
    return RoleDemand.objects.create(
        project=project, role=role, month=month, hours=Decimal(hours), source=source
    )


@pytest.fixture
def plan(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    ba = RoleFactory(organisation=o, code="BA", name="Business analyst")
    for role, hours in ((de, "160"), (ba, "100")):
        for month in (MAY, JUNE):
            CapacityPeriodFactory(role=role, person=None, month=month, hours=Decimal(hours))
    p1 = PortfolioFactory(organisation=o, code="P1")
    p2 = PortfolioFactory(organisation=o, code="P2")
    a = ProjectFactory(portfolio=p1, code="A", stage=Stage.IN_EXECUTION)
    b = ProjectFactory(portfolio=p1, code="B", stage=Stage.APPROVED)
    c = ProjectFactory(portfolio=p2, code="C", stage=Stage.IN_EXECUTION)
    d = ProjectFactory(portfolio=p2, code="D", stage=Stage.IDEA)
    e = ProjectFactory(portfolio=p2, code="E", stage=Stage.CLOSED)
    f = ProjectFactory(portfolio=p2, code="F", stage=Stage.IN_EXECUTION)
    demand(a, de, MAY, "100")
    demand(a, de, JUNE, "50")
    demand(b, de, MAY, "80", "manual")
    demand(b, de, MAY, "500")  # the business case: replaced by B's manual plan
    demand(c, de, MAY, "40")
    demand(d, ba, MAY, "90")  # an idea: only with the pipeline
    demand(e, de, MAY, "999")  # closed: never
    demand(f, de, JUNE, "30", "schedule")
    demand(f, de, JUNE, "300")  # the business case: replaced by F's schedule
    return {"de": de, "ba": ba, "p1": p1, "p2": p2, "a": a, "b": b, "c": c, "d": d, "f": f}


def cell(heatmap, code, month):
    row = next(row for row in heatmap.rows if row.code == code)
    return next(c for c in row.cells if c.month == month)


def test_heatmap_numbers_for_a_portfolio_against_the_whole_organisation(org, plan):
    heatmap = selectors.heatmap(
        user=org.user("resource_manager"),
        query=HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk),
    )
    may = cell(heatmap, "DE", MAY)
    assert (may.capacity, may.demand, may.other) == (160.0, 180.0, 40.0)
    assert (may.percent, may.level, may.over, may.excess) == (138, 4, True, 60.0)
    june = cell(heatmap, "DE", JUNE)
    assert (june.demand, june.other, june.level, june.over) == (50.0, 30.0, 0, False)
    assert cell(heatmap, "BA", MAY).load == 0.0
    assert (heatmap.hot_spots, heatmap.excess) == (1, 60.0)
    assert [row.code for row in heatmap.rows] == ["BA", "DE"]


def test_whole_organisation_and_pipeline(org, plan):
    user = org.user("executive")
    everything = selectors.heatmap(user=user, query=HeatmapQuery(MAY, 2))
    assert (cell(everything, "DE", MAY).demand, cell(everything, "DE", MAY).other) == (220.0, 0.0)
    with_pipeline = selectors.heatmap(user=user, query=HeatmapQuery(MAY, 2, include_pipeline=True))
    analysts = cell(with_pipeline, "BA", MAY)
    assert (analysts.demand, analysts.percent, analysts.level) == (90.0, 90, 2)


def test_what_if_moves_a_project_without_saving(org, plan):
    user = org.user("portfolio_manager")
    query = HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk, moves=((plan["b"].pk, 1),))
    heatmap = selectors.heatmap(user=user, query=query)
    assert cell(heatmap, "DE", MAY).demand == 100.0
    assert cell(heatmap, "DE", JUNE).demand == 130.0
    assert [(m.code, m.shift) for m in heatmap.moved] == [("B", 1)]
    assert heatmap.hot_spots == 0
    # Moving a project of another portfolio changes the "elsewhere" demand.
    other = selectors.heatmap(
        user=user,
        query=HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk, moves=((plan["c"].pk, -1),)),
    )
    assert cell(other, "DE", MAY).other == 0.0
    assert RoleDemand.objects.get(project=plan["b"], source="manual").month == MAY


def test_drilldown_lists_the_projects_behind_a_hot_spot(org, plan):
    query = HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk)
    PersonFactory(role=plan["de"], name="Ada")
    BookingFactory(project=plan["a"], person__role=plan["de"], month=MAY, hours=Decimal("60"))
    drill = selectors.heatmap_drilldown(
        user=org.user("resource_manager"), query=query, role_id=plan["de"].pk, month=MAY
    )
    assert [(p.code, p.hours, p.in_scope, p.booked) for p in drill.projects] == [
        ("A", 100.0, True, 60.0),
        ("B", 80.0, True, 0.0),
        ("C", 40.0, False, 0.0),
    ]
    assert (drill.cell.capacity, drill.cell.load, drill.cell.over) == (160.0, 220.0, True)
    moved = selectors.heatmap_drilldown(
        user=org.user("resource_manager"),
        query=HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk, moves=((plan["b"].pk, 1),)),
        role_id=plan["de"].pk,
        month=JUNE,
    )
    assert [(p.code, p.hours, p.shift) for p in moved.projects] == [
        ("B", 80.0, 1),
        ("A", 50.0, 0),
        ("F", 30.0, 0),
    ]


def test_hiring_plans_of_a_scenario_add_capacity(org, plan):
    scenario = ScenarioFactory(organisation=org.organisation, portfolio=plan["p1"])
    HiringPlanFactory(scenario=scenario, role=plan["de"], month=JUNE, fte_delta=Decimal("1"))
    heatmap = selectors.heatmap(
        user=org.user("portfolio_manager"), query=HeatmapQuery(MAY, 2, scenario_id=scenario.pk)
    )
    # No default calendar: the standard 8-hour weekdays, 22 of them in June 2026.
    assert cell(heatmap, "DE", MAY).capacity == 160.0
    assert (cell(heatmap, "DE", JUNE).capacity, cell(heatmap, "DE", JUNE).hiring) == (336.0, 176.0)


def test_person_view_compares_bookings_with_capacity(org, plan):
    ada = PersonFactory(role=plan["de"], name="Ada")
    CapacityPeriodFactory(role=plan["de"], person=ada, month=MAY, hours=Decimal("160"))
    BookingFactory(project=plan["a"], person=ada, month=MAY, hours=Decimal("100"), kind="hard")
    BookingFactory(project=plan["b"], person=ada, month=MAY, hours=Decimal("80"), kind="soft")
    view = selectors.person_heatmap(user=org.user("resource_manager"), first_month=MAY, months=2)
    [row] = view.rows
    may = row.cells[0]
    assert (row.name, may.capacity, may.hard, may.soft, may.percent, may.over) == (
        "Ada",
        160.0,
        100.0,
        80.0,
        112,
        True,
    )
    assert row.over_months == 1


@pytest.mark.parametrize("role", ["project_manager", "team_member"])
def test_the_capacity_picture_is_for_organisation_wide_readers(org, plan, role):
    with pytest.raises(AccessDenied):
        selectors.heatmap(user=org.user(role), query=HeatmapQuery(MAY, 2))


def test_another_organisations_portfolio_is_not_found(org, other_org, plan):
    with pytest.raises(NotFound):
        selectors.heatmap(
            user=other_org.user("resource_manager"),
            query=HeatmapQuery(MAY, 2, portfolio_id=plan["p1"].pk),
        )


def grow_portfolio(org, portfolio, roles, projects):
    for index in range(projects):
        project = ProjectFactory(portfolio=portfolio, stage=Stage.IN_EXECUTION)
        for month in (MAY, JUNE):
            demand(project, roles[index % len(roles)], month, "10")


@pytest.mark.parametrize("projects", [2, 25])
def test_heatmap_queries_do_not_grow_with_the_portfolio(
    org, plan, projects, django_assert_num_queries
):
    grow_portfolio(org, plan["p1"], [plan["de"], plan["ba"]], projects)
    user = org.user("resource_manager")
    query = HeatmapQuery(MAY, 12, portfolio_id=plan["p1"].pk, include_pipeline=True)
    # portfolio, roles, capacity, demand
    with django_assert_num_queries(4):
        selectors.heatmap(user=user, query=query)
