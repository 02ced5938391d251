"""From the database to the optimiser's input: a small known portfolio maps exactly."""

from __future__ import annotations

import math

import pytest

from steerco.engine.portfolio.finance import npv
from steerco.portfolios import decision_engine_io as io
from steerco.portfolios import decision_selectors as selectors
from steerco.portfolios.models import ScenarioProject
from steerco.resources.models import HiringPlan
from tests.portfolios.decision_support import HORIZON, build_small_portfolio, month

pytestmark = pytest.mark.django_db


def test_a_small_portfolio_maps_to_the_expected_engine_input(org, django_assert_max_num_queries):
    # Given the small portfolio and its plan
    small = build_small_portfolio(org)
    # When its optimiser input is built
    with django_assert_max_num_queries(16):
        built = selectors.scenario_engine_input(small.plan)
    portfolio = built.portfolio
    # Then the window, projects, profiles, constraints and objective are the expected ones
    assert portfolio.months == 12 and portfolio.first_month == "2027-01"
    assert [p.id for p in portfolio.projects] == ["NEW-A", "NEW-B", "NEW-C", "RUN-1"]
    running = portfolio.project("RUN-1")
    # Started in November 2026: two of its six delivery months are behind it.
    assert running.in_flight == "fixed" and running.duration == 4
    assert running.costs == {"opex": (10_000.0,) * 4}
    assert running.demand == {"DE": (1.0,) * 4}
    remaining = [-10_000.0] * 4 + [8_000.0] * 24
    assert running.npv == pytest.approx(npv(remaining, 0.08))
    new_a = portfolio.project("NEW-A")
    assert new_a.in_flight == "no" and not new_a.mandatory and new_a.duration == 3
    assert new_a.costs == {"capex": (20_000.0,) * 3}
    assert new_a.demand == {"DE": (1.0,) * 3}
    assert new_a.npv == pytest.approx(npv([-20_000.0] * 3 + [15_000.0] * 18, 0.08))
    assert new_a.score == pytest.approx(100.0)
    assert portfolio.project("NEW-B").score == pytest.approx(50.0)
    assert portfolio.project("NEW-C").score == pytest.approx(0.0)
    assert [d.name for d in portfolio.dependencies] == ["NEW-B starts after NEW-A ends"]
    assert portfolio.capacity == {"DE": (2.0,) * 12}
    budgets = {(rule.spend, rule.period): rule.limits for rule in portfolio.budgets}
    assert budgets == {
        ("capex", "quarter"): (90_000.0,) * 4,
        ("opex", "quarter"): (60_000.0,) * 4,
    }
    assert portfolio.objective.npv_weight == 1.0 and portfolio.objective.score_weight == 0.0
    assert portfolio.objective.monthly_discount_rate == pytest.approx(1.08 ** (1 / 12) - 1)
    # And the plan as it stands is RUN-1 (in flight) and NEW-A from January
    assert built.current_plan() == {"RUN-1": 0, "NEW-A": 0}


def test_scenario_changes_reach_the_engine_input(org):
    # Given a plan with a start fixed, a project forced out, a hire and an override
    small = build_small_portfolio(org)
    rows = {row.project.code: row for row in ScenarioProject.objects.filter(scenario=small.plan)}
    rows["NEW-B"].start_month_override = month(6)
    rows["NEW-B"].exclusive_group = "PICK-ONE"
    rows["NEW-C"].mode = ScenarioProject.Mode.FORCED_OUT
    rows["NEW-C"].exclusive_group = "PICK-ONE"
    ScenarioProject.objects.bulk_update(
        rows.values(), ["start_month_override", "mode", "exclusive_group"]
    )
    HiringPlan.objects.create(scenario=small.plan, role=small.role, month=month(3), fte_delta=1)
    small.plan.capacity_overrides = {"DE": {"2027-02": 80}}
    small.plan.budget_overrides = {"2027-04": {"capex": "0"}}
    small.plan.save()
    # When the input is built
    built = selectors.scenario_engine_input(small.plan)
    portfolio = built.portfolio
    # Then each change shows
    new_b = portfolio.project("NEW-B")
    assert (new_b.earliest_start, new_b.latest_start) == (6, 6)
    assert portfolio.project("NEW-C").excluded
    assert [g.projects for g in portfolio.exclusive_groups] == [("NEW-B", "NEW-C")]
    capacity = portfolio.capacity_of("DE")
    assert capacity is not None
    # February's 0.5 FTE is less than the running RUN-1 needs: work under way keeps its FTE.
    assert capacity[0] == 2.0 and capacity[1] == 1.0 and capacity[2] == 2.0
    assert any("Data Engineer 2027-02 (1.0 FTE committed, 0.5 available)" in n for n in built.notes)
    assert capacity[3:] == (3.0,) * 9
    capex = next(rule for rule in portfolio.budgets if rule.spend == "capex")
    assert capex.limits == (90_000.0, 60_000.0, 90_000.0, 90_000.0)


@pytest.mark.parametrize(
    ("objective", "npv_weight", "score_weight"),
    [("npv", 1.0, 0.0), ("score", 0.0, 1.0), ("risk_adjusted_value", 1.0, 0.0)],
)
def test_objectives(org, objective, npv_weight, score_weight):
    small = build_small_portfolio(org)
    options = io.OptimiserOptions(objective=objective)
    portfolio = selectors.scenario_engine_input(small.plan, options).portfolio
    assert portfolio.objective.npv_weight == npv_weight
    assert portfolio.objective.score_weight == score_weight
    expected_risk = "penalty" if objective == "risk_adjusted_value" else "none"
    assert portfolio.objective.risk == expected_risk


def test_mix_prices_score_points_so_both_halves_weigh_the_same(org):
    small = build_small_portfolio(org)
    built = selectors.scenario_engine_input(small.plan, io.OptimiserOptions(objective="mix"))
    portfolio = built.portfolio
    total_npv = sum(max(0.0, p.npv) for p in portfolio.projects)
    total_score = sum(p.score for p in portfolio.projects)
    assert portfolio.objective.npv_weight == 0.5
    assert portfolio.objective.score_weight == pytest.approx(0.5 * total_npv / total_score)


def test_the_snapshot_rebuilds_the_same_engine_input(org):
    small = build_small_portfolio(org)
    built = selectors.scenario_engine_input(small.plan)
    snapshot = built.snapshot()
    rebuilt = io.portfolio_from_json(snapshot["portfolio"])
    assert rebuilt == built.portfolio
    assert snapshot["first_month"] == "2027-01"
    assert snapshot["projects"]["NEW-A"]["id"] == small.projects["NEW-A"].pk


def test_capacity_falls_back_to_people_when_no_capacity_is_recorded(org):
    from steerco.resources.models import CapacityPeriod, Person

    small = build_small_portfolio(org)
    CapacityPeriod.objects.all().delete()
    Person.objects.create(
        organisation=org.organisation, name="Ada", role=small.role, fte="1.00", email="a@x.org"
    )
    Person.objects.create(
        organisation=org.organisation,
        name="Bob",
        role=small.role,
        fte="0.50",
        email="b@x.org",
        start_date=month(6),
    )
    portfolio = selectors.scenario_engine_input(small.plan).portfolio
    assert portfolio.capacity_of("DE") == (1.0,) * 6 + (1.5,) * 6


def test_plan_summary_adds_up_spend_and_use(org):
    small = build_small_portfolio(org)
    built = selectors.scenario_engine_input(small.plan)
    summary = io.plan_summary(built.portfolio, {"RUN-1": 0, "NEW-A": 0, "NEW-B": 3})
    assert summary["spend"]["capex"][:5] == [20_000.0] * 3 + [15_000.0] * 2
    assert summary["spend"]["opex"][:5] == [10_000.0] * 4 + [0.0]
    assert summary["fte"]["DE"][:6] == [2.0, 2.0, 2.0, 2.0, 1.0, 0.0]
    assert summary["count"] == 3
    assert math.isclose(summary["score"], 250.0)
    assert HORIZON.isoformat().startswith(summary["first_month"])


def test_work_under_way_is_never_made_infeasible_by_a_budget_cut(org):
    # Given a scenario that cuts the opex budget of the first quarter to nothing
    small = build_small_portfolio(org)
    small.plan.budget_overrides = {f"2027-0{m}": {"opex": "0"} for m in (1, 2, 3)}
    small.plan.save()
    # When its input is built
    built = selectors.scenario_engine_input(small.plan)
    # Then the quarter keeps exactly the running project's committed 30,000, and says so
    opex = next(rule for rule in built.portfolio.budgets if rule.spend == "opex")
    limits = built.portfolio.budget_limits(opex)
    assert limits[0] == pytest.approx(30_000.0) and limits[1] == 60_000.0
    assert any("opex budget of 2027-Q1 (30,000 committed, budget 0)" in n for n in built.notes)
