"""The dashboard's read-model on a small portfolio whose every figure is known by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from steerco.core.errors import NotFound
from steerco.reports.selectors import (
    burn_months,
    dashboard_data,
    scope_for_organisation,
    watch_list_details,
)
from tests.factories import PortfolioFactory, ProjectScoreFactory, ScoringCriterionFactory
from tests.fixtures_people import make_org
from tests.reports.conftest import AS_OF

pytestmark = pytest.mark.django_db


def by_code(dashboard):
    return {project.code: project for project in dashboard.projects}


def test_only_active_projects_worst_first(world):
    dashboard = dashboard_data(world.org.user("executive"), as_of=AS_OF)

    assert [p.code for p in dashboard.projects] == ["DIG-1", "DIG-2", "OPS-1"]
    assert dashboard.whole_organisation is True
    assert dashboard.scope_label == "All portfolios"


def test_heatmap_reads_the_latest_submitted_report_else_the_project_health(world):
    projects = by_code(dashboard_data(world.org.user("executive"), as_of=AS_OF))

    portal = projects["DIG-1"]
    # The February report, not January's and not March's draft.
    assert [portal.rag(d) for d in ("overall", "schedule", "cost", "scope", "risk")] == [
        "red", "red", "amber", "amber", "green",
    ]  # fmt: skip
    assert portal.rag_source == "status report"
    assert portal.report_period_end == dt.date(2026, 2, 28)
    lake = projects["DIG-2"]
    assert {lake.rag(d) for d in ("overall", "schedule", "cost", "scope", "risk")} == {"amber"}
    assert lake.rag_source == "project health"
    assert lake.report_period_end is None


def test_bubble_values_npv_risk_exposure_and_budget(world):
    projects = by_code(dashboard_data(world.org.user("executive"), as_of=AS_OF))
    portal = projects["DIG-1"]

    # Net flows by month, discounted monthly at the organisation's 8% a year, month 0 undiscounted.
    net = {0: -1000.0, 1: -300.0, 3: 900.0, 12: 1200.0}
    expected_npv = sum(amount / 1.08 ** (index / 12) for index, amount in net.items())
    assert portal.npv == pytest.approx(expected_npv, abs=1e-6)
    assert portal.npv == pytest.approx(
        -1000 - 300 / 1.08 ** (1 / 12) + 900 / 1.08**0.25 + 1200 / 1.08
    )
    assert portal.risk_exposure == Decimal("3.0")  # 0.5 x 4 + 0.2 x 5; closed and issues left out
    assert portal.open_risks == 2
    assert portal.budget == Decimal("1000.00")  # the approved budget, not the draft
    assert portal.cost_basis == Decimal("1000.00")
    assert portal.business_case_cost == Decimal("1500.00")
    assert portal.actual == Decimal("500.00")  # January and February; May is after the as-of month
    assert portal.spent_share == pytest.approx(0.5)
    assert projects["DIG-2"].npv is None
    assert projects["DIG-2"].risk_exposure == Decimal("0.3")
    assert projects["OPS-1"].risk_exposure == 0


def test_score_basis_plots_only_scored_projects(world):
    criterion = ScoringCriterionFactory(organisation=world.org.organisation)
    ProjectScoreFactory(project=world.dig2, criterion=criterion, value=Decimal("3"))

    dashboard = dashboard_data(world.org.user("executive"), as_of=AS_OF, value_basis="score")

    assert dashboard.value_basis == "score"
    assert [p.code for p in dashboard.value_rows()] == ["DIG-2"]
    assert by_code(dashboard)["DIG-2"].score == pytest.approx(100.0)
    assert by_code(dashboard)["DIG-1"].score is None


def test_budget_burn_cumulates_by_month_and_stops_the_actual_line_today(world):
    burn = dashboard_data(world.org.user("executive"), as_of=AS_OF).burn

    assert [row.month for row in burn] == [dt.date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert [row.budget for row in burn] == [Decimal("250.00")] * 4
    assert [row.cumulative_budget for row in burn] == [
        Decimal("250.00"), Decimal("500.00"), Decimal("750.00"), Decimal("1000.00"),
    ]  # fmt: skip
    assert [row.actual for row in burn] == [
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("0"),
        None,
    ]
    assert [row.cumulative_actual for row in burn] == [
        Decimal("200.00"), Decimal("500.00"), Decimal("500.00"), None,
    ]  # fmt: skip


def test_burn_months_fills_gaps():
    january, march = dt.date(2026, 1, 1), dt.date(2026, 3, 1)
    rows = burn_months({january: Decimal("10"), march: Decimal("5")}, {}, dt.date(2026, 2, 1))

    assert [(r.month.month, r.cumulative_budget, r.cumulative_actual) for r in rows] == [
        (1, Decimal("10"), Decimal("0")),
        (2, Decimal("10"), Decimal("0")),
        (3, Decimal("15"), None),
    ]
    assert burn_months({}, {}, january) == []


def test_capacity_sums_the_next_twelve_months_by_role(world):
    dashboard = dashboard_data(world.org.user("executive"), as_of=AS_OF)
    rows = {row.role: row for row in dashboard.capacity}

    assert (dashboard.capacity_from, dashboard.capacity_to) == (
        dt.date(2026, 3, 1),
        dt.date(2027, 2, 1),
    )
    assert rows["Developer"].demand_hours == Decimal("150")  # March 2026 + February 2027
    assert rows["Developer"].capacity_hours == Decimal("140")  # role totals, not people's rows
    assert rows["Developer"].over is True
    assert rows["Business Analyst"].demand_hours == Decimal("40")  # the idea's 500 left out
    assert rows["Business Analyst"].capacity_hours == Decimal("160")
    assert rows["Business Analyst"].use == pytest.approx(0.25)


def test_slippage_trend_by_baseline_month(world):
    slippage = dashboard_data(world.org.user("executive"), as_of=AS_OF).slippage

    assert [(m.month, m.milestones, m.slipped, m.average_slip_days) for m in slippage] == [
        (dt.date(2026, 1, 1), 1, 0, -2.0),  # achieved two days early
        (dt.date(2026, 3, 1), 2, 1, 10.0),  # one 20 days late, one on time; the idea's left out
    ]


def test_summary_and_watch_list(world):
    dashboard = dashboard_data(world.org.user("executive"), as_of=AS_OF)
    summary = dashboard.summary

    assert (summary.projects, summary.red, summary.amber, summary.green) == (3, 1, 1, 1)
    assert (summary.mission_critical, summary.mission_critical_red) == (1, 1)
    assert (summary.budget, summary.actual) == (Decimal("1000.00"), Decimal("500.00"))
    assert (summary.slipped_milestones, summary.open_milestones) == (1, 2)
    assert summary.roles_over_capacity == 1
    [item] = dashboard.watch_list
    assert item.project.code == "DIG-1"
    assert item.next_milestone is not None
    assert (item.next_milestone.name, item.next_milestone.slip_days) == ("Go-live", 20)
    assert item.next_milestone.status == "slipped"
    assert item.report is not None and "board decision" in item.report.narrative

    details = watch_list_details(dashboard)
    assert [risk.exposure for risk in details.risks[world.dig1.pk]] == [
        Decimal("2.0"), Decimal("1.0"),
    ]  # fmt: skip
    assert details.burn[world.dig1.pk][-1].cumulative_budget == Decimal("1000.00")


def test_portfolio_filter(world):
    dashboard = dashboard_data(world.org.user("executive"), portfolio_id=world.ops.pk, as_of=AS_OF)

    assert [p.code for p in dashboard.projects] == ["OPS-1"]
    assert dashboard.scope_label == "Operations portfolio"
    assert dashboard.burn == []


def test_project_manager_sees_only_their_projects(world):
    dashboard = dashboard_data(world.org.user("project_manager"), as_of=AS_OF)

    assert [p.code for p in dashboard.projects] == ["DIG-1"]
    assert dashboard.whole_organisation is False
    assert dashboard.scope_label == "My projects"
    assert dashboard.summary.budget == Decimal("1000.00")


def test_team_member_without_projects_sees_an_empty_dashboard(world):
    dashboard = dashboard_data(world.org.user("team_member"), as_of=AS_OF)

    assert dashboard.projects == []
    assert dashboard.burn == [] and dashboard.slippage == []
    # Capacity is the organisation's; with no demand every role shows its hours only.
    assert all(row.demand_hours == 0 for row in dashboard.capacity)


def test_another_organisations_portfolio_is_not_found(world, other_org):
    with pytest.raises(NotFound):
        dashboard_data(other_org.user("executive"), portfolio_id=world.digital.pk)


def test_organisation_scope_for_the_command_line(world):
    other = make_org("INITECH", "Initech")
    PortfolioFactory(organisation=other.organisation, code="DIG")

    scope = scope_for_organisation(world.org.organisation, portfolio_code="DIG")

    assert scope.portfolio == world.digital
    assert set(scope.projects.values_list("code", flat=True)) == {"DIG-1", "DIG-2"}
    with pytest.raises(NotFound):
        scope_for_organisation(world.org.organisation, portfolio_code="NOPE")
