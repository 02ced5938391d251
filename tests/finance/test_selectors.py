"""A project's budget, actual and forecast on the worked example, and the roll-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, NotFound
from steerco.finance import selectors
from steerco.finance.models import CostLine
from steerco.resources.timesheet_services import actual_cost_from_timesheets
from tests.factories import CostLineFactory, ProjectMemberFactory
from tests.finance.conftest import AS_OF, FEB, JAN, MAR

pytestmark = pytest.mark.django_db
D = Decimal


def test_alpha_budget_actual_and_forecast(world):
    pmo = world.org.user("pmo_analyst")
    figures = selectors.project_financials(pmo, world.alpha.pk, as_of=AS_OF)
    assert figures.currency == "EUR"
    assert figures.budget is not None and figures.budget.version == 2
    assert (figures.bac, figures.planned_to_date, figures.actual) == (
        D("5000.00"),
        D("4322.58"),
        D("4240.00"),
    )
    # No forecast stored: the remaining budget (5000 - 4240) stands in, in March.
    assert (figures.eac_method, figures.etc, figures.eac, figures.vac) == (
        "budget_remaining",
        D("760.00"),
        D("5000.00"),
        D("0.00"),
    )
    assert figures.spend_variance == D("82.58")
    months = {row.month: (row.budget, row.actual, row.forecast) for row in figures.months}
    assert months == {
        JAN: (D("3000.00"), D("3000.00"), D(0)),
        FEB: (D("1000.00"), D("1240.00"), D(0)),
        MAR: (D("1000.00"), D(0), D("760.00")),
    }
    assert figures.months[-1].cumulative_actual_and_forecast == D("5000.00")
    categories = {row.code: (row.budget, row.actual) for row in figures.categories}
    assert categories == {"HW": (D("2000.00"), D("1900.00")), "LAB": (D("3000.00"), D("2340.00"))}
    types = {
        row.expense_type: (row.budget, row.actual, row.forecast) for row in figures.expense_types
    }
    assert types == {
        "capex": (D("2000.00"), D("1900.00"), D(0)),
        "opex": (D("3000.00"), D("2340.00"), D("760.00")),
    }
    sources = {row.source: row.amount for row in figures.sources}
    assert sources == {"import": D("3000.00"), "manual": D("360.00"), "timesheet_live": D("880.00")}
    estimates = {e.method: e.eac for e in figures.estimates}
    assert estimates["cpi"] == D("6057.14") and estimates["budget_remaining"] == D("5000.00")
    assert figures.earned_value.percent_complete == D("70.00")


def test_timesheet_cost_uses_the_rate_in_effect_each_day_like_the_timesheet_module(world):
    # 8 h at 50 before 16 February, 8 h at 60 after; the draft week is not counted.
    theirs = actual_cost_from_timesheets(world.alpha)
    assert theirs.cost == D("880.00")
    pmo = world.org.user("pmo_analyst")
    figures = selectors.project_financials(pmo, world.alpha.pk, as_of=AS_OF)
    assert {row.source: row.amount for row in figures.sources}["timesheet_live"] == theirs.cost


def test_posted_timesheet_cost_replaces_the_live_figure_of_its_month(world):
    CostLineFactory(
        project=world.alpha,
        cost_category=world.labour,
        month=FEB,
        amount=D("500"),
        source=CostLine.Source.TIMESHEET,
        reference="TS-2026-02",
    )
    figures = selectors.project_financials(
        world.org.user("pmo_analyst"), world.alpha.pk, as_of=AS_OF
    )
    assert figures.actual == D("3860.00")  # 3000 + 360 + 500, not + 880 as well
    assert {row.source for row in figures.sources} == {"import", "manual", "timesheet"}


def test_a_project_in_another_currency_converts_at_each_months_rate(world):
    figures = selectors.project_financials(world.org.user("executive"), world.bravo.pk, as_of=AS_OF)
    assert figures.project.currency == "USD" and figures.currency == "EUR"
    # February at 0.90, March at 0.80 (the rate from 15 March applies from April).
    assert figures.bac == D("1700.00")
    assert figures.actual == D("450.00")
    assert [row.budget for row in figures.months] == [D("900.00"), D("800.00")]


def test_the_status_date_limits_actuals_and_budget_to_date(world):
    earlier = selectors.project_financials(
        world.org.user("pmo_analyst"), world.alpha.pk, as_of=JAN.replace(day=31)
    )
    assert earlier.actual == D("3000.00")
    assert earlier.planned_to_date == D("3000.00")


def test_program_and_portfolio_roll_ups_sum_their_projects(world):
    pmo = world.org.user("pmo_analyst")
    program = selectors.program_rollup(pmo, world.program.pk, as_of=AS_OF)
    assert [item.project.code for item in program.projects] == ["ALPHA", "BRAVO"]
    assert (program.totals.bac, program.totals.actual) == (D("6700.00"), D("4690.00"))
    assert program.totals.eac == sum((item.eac for item in program.projects), D(0))
    portfolio = selectors.portfolio_rollup(pmo, world.portfolio.pk, as_of=AS_OF)
    assert portfolio.totals.projects == 3
    assert portfolio.totals.bac == D("6700.00")
    groups = {group.label: (group.projects, group.bac) for group in portfolio.groups}
    assert groups == {"Platform": (2, D("6700.00")), "Not in a program": (1, D(0))}
    feb = next(row for row in portfolio.months if row.month == FEB)
    assert (feb.budget, feb.actual) == (D("1900.00"), D("1690.00"))
    # The project page and the roll-up agree to the cent.
    alpha = selectors.project_financials(pmo, world.alpha.pk, as_of=AS_OF)
    rolled = next(item for item in portfolio.projects if item.project.code == "ALPHA")
    assert (rolled.bac, rolled.actual, rolled.eac) == (alpha.bac, alpha.actual, alpha.eac)


def test_who_reads_which_financials(world, other_org):
    org = world.org
    assert selectors.project_financials(world.pm, world.alpha.pk, as_of=AS_OF).bac == D("5000.00")
    with pytest.raises(NotFound):  # not a project the PM can see
        selectors.project_financials(world.pm, world.bravo.pk)
    member = org.user("team_member")
    ProjectMemberFactory(project=world.alpha, user=member)
    with pytest.raises(AccessDenied):
        selectors.project_financials(member, world.alpha.pk)
    with pytest.raises(AccessDenied):
        selectors.project_financials(org.user("resource_manager"), world.alpha.pk)
    with pytest.raises(AccessDenied):
        selectors.portfolio_rollup(world.pm, world.portfolio.pk)
    with pytest.raises(NotFound):
        selectors.project_financials(other_org.user("administrator"), world.alpha.pk)
    with pytest.raises(NotFound):
        selectors.portfolio_rollup(other_org.user("administrator"), world.portfolio.pk)
    # A program's manager reads its roll-up.
    assert selectors.program_rollup(world.program.manager, world.program.pk).totals.projects == 2


def test_the_overview_groups_by_portfolio_for_readers_and_lists_a_pms_projects(world):
    overview = selectors.overview(world.org.user("executive"), as_of=AS_OF)
    assert [(group.label, group.bac) for group in overview.groups] == [("Change", D("6700.00"))]
    mine = selectors.overview(world.pm, as_of=AS_OF)
    assert [item.project.code for item in mine.projects] == ["ALPHA"]


def test_a_week_approved_after_the_posting_still_counts(world):
    from django.utils import timezone

    from steerco.resources.models import Timesheet

    CostLineFactory(
        project=world.alpha,
        cost_category=world.labour,
        month=FEB,
        amount=D("880"),
        source=CostLine.Source.TIMESHEET,
        reference="TS-2026-02",
    )
    # The draft week of 23 February (8 h at 60) is approved after February was posted.
    Timesheet.objects.filter(person=world.ada, status=Timesheet.Status.DRAFT).update(
        status=Timesheet.Status.APPROVED,
        decided_at=timezone.now() + dt.timedelta(minutes=1),
    )
    figures = selectors.project_financials(
        world.org.user("pmo_analyst"), world.alpha.pk, as_of=AS_OF
    )
    sources = {row.source: row.amount for row in figures.sources}
    assert (sources["timesheet"], sources["timesheet_live"]) == (D("880.00"), D("480.00"))
