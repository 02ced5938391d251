"""Worked examples of the portfolio optimiser, with optima computed by hand."""

from __future__ import annotations

import math

import pytest

from steerco.engine.errors import InfeasibleError, InputError
from steerco.engine.portfolio.model import (
    BalanceRule,
    BudgetRule,
    Dependency,
    ExclusiveGroup,
    Objective,
    Portfolio,
    Project,
)
from steerco.engine.portfolio.optimiser import check_plan, cutline, optimise

FAST = {"time_limit": 5.0, "threads": 1}


def project(identifier: str, duration: int = 1, **kwargs: object) -> Project:
    return Project(id=identifier, duration=duration, **kwargs)  # type: ignore[arg-type]


def solve(portfolio: Portfolio, **kwargs: object):
    options = {**FAST, **kwargs}
    result = optimise(portfolio, **options)  # type: ignore[arg-type]
    assert check_plan(portfolio, result.starts()) == []
    assert result.bound >= result.value - 1e-6
    return result


def test_budget_picks_the_pair_that_beats_the_biggest_project():
    # Given a 100 budget: A (60, worth 100) alone, or B + C (50 + 50, worth 130).
    portfolio = Portfolio(
        projects=[
            project("A", costs={"capex": [60]}, npv=100),
            project("B", costs={"capex": [50]}, npv=70),
            project("C", costs={"capex": [50]}, npv=60),
        ],
        months=1,
        budgets=[BudgetRule(100)],
    )
    result = solve(portfolio)
    assert result.starts() == {"B": 0, "C": 0}
    assert result.value == pytest.approx(130)
    assert result.optimal and result.status == "optimal"
    assert result.gap <= 1e-4
    # The ranked cut line takes A first and then nothing else fits.
    baseline = cutline(portfolio)
    assert baseline.starts() == {"A": 0}
    assert baseline.value == pytest.approx(100)
    assert result.cutline_value == pytest.approx(100)
    assert [b.name for b in result.binding] == ["budget total"]


def test_capacity_staggers_starts_and_discounting_puts_the_best_first():
    # Two projects each need the whole team (2 FTE) for 2 months of a 4-month
    # window: one runs in months 0-1, the other in 2-3; the more valuable one
    # goes first because delay is discounted. P3 (1 FTE) cannot fit anywhere.
    demand = {"Dev": [2, 2]}
    portfolio = Portfolio(
        projects=[
            project("P1", 2, demand=demand, npv=10),
            project("P2", 2, demand=demand, npv=8),
            project("P3", 2, demand={"Dev": [1, 1]}, npv=3),
        ],
        months=4,
        capacity={"Dev": 2},
        objective=Objective(monthly_discount_rate=0.01),
    )
    result = solve(portfolio)
    assert result.starts() == {"P1": 0, "P2": 2}
    assert result.value == pytest.approx(10 + 8 / 1.01**2)
    assert result.optimal
    binding = {b.name for b in result.binding}
    assert {"capacity Dev month 0", "capacity Dev month 3"} <= binding


def test_value_per_start_month_overrides_discounting():
    # NPV by start: starting late is worth more (a market opens in month 2).
    portfolio = Portfolio(
        projects=[project("X", npv_by_start=[1, 2, 5])],
        months=3,
    )
    result = solve(portfolio)
    assert result.starts() == {"X": 2}
    assert result.value == pytest.approx(5)


def test_finish_to_start_dependency_delays_the_successor():
    # B needs A finished: A lasts 2 months, so B starts in month 2 at the earliest.
    portfolio = Portfolio(
        projects=[project("A", 2, npv=1), project("B", 1, npv=10)],
        months=3,
        dependencies=[Dependency("A", "B")],
    )
    result = solve(portfolio)
    assert result.starts() == {"A": 0, "B": 2}
    assert result.value == pytest.approx(11)


def test_requires_dependency_drops_successor_of_an_excluded_project():
    portfolio = Portfolio(
        projects=[project("A", npv=1, excluded=True), project("B", npv=10), project("C", npv=2)],
        months=1,
        dependencies=[Dependency("A", "B", "requires")],
    )
    result = solve(portfolio)
    assert result.starts() == {"C": 0}
    assert "A" in result.unplannable and "B" in result.unplannable


def test_requires_dependency_pulls_in_a_worthless_predecessor():
    # The platform A is worth nothing alone but B (worth 10) requires it.
    portfolio = Portfolio(
        projects=[
            project("A", costs={"opex": [5]}, npv=0),
            project("B", costs={"opex": [5]}, npv=10),
            project("C", costs={"opex": [6]}, npv=7),
        ],
        months=1,
        budgets=[BudgetRule(11)],
        dependencies=[Dependency("A", "B", "requires")],
    )
    result = solve(portfolio)
    assert result.starts() == {"A": 0, "B": 0}
    assert result.value == pytest.approx(10)


def test_exclusive_group_keeps_one_alternative():
    portfolio = Portfolio(
        projects=[project("X", npv=5), project("Y", npv=7), project("Z", npv=4)],
        months=1,
        exclusive_groups=[ExclusiveGroup("ERP choice", ["X", "Y"])],
    )
    result = solve(portfolio)
    assert result.starts() == {"Y": 0, "Z": 0}
    assert result.value == pytest.approx(11)


def test_mandatory_project_is_in_even_with_negative_value():
    # M must run (regulatory) and costs 6 of 10: only B (4) still fits.
    portfolio = Portfolio(
        projects=[
            project("M", costs={"capex": [6]}, npv=-5, mandatory=True),
            project("A", costs={"capex": [5]}, npv=8),
            project("B", costs={"capex": [4]}, npv=3),
        ],
        months=1,
        budgets=[BudgetRule(10)],
    )
    result = solve(portfolio)
    assert result.starts() == {"M": 0, "B": 0}
    assert result.value == pytest.approx(-2)


def test_balance_rule_minimum_share_of_spend():
    # Regulatory work must be at least half of the spend: R1 + N1 (10 of 20)
    # is the best mix; adding N2 would drop the share to a third.
    portfolio = Portfolio(
        projects=[
            project("R1", costs={"opex": [10]}, npv=1, category="Regulatory"),
            project("N1", costs={"opex": [10]}, npv=10, category="Growth"),
            project("N2", costs={"opex": [10]}, npv=9, category="Growth"),
        ],
        months=1,
        budgets=[BudgetRule(30)],
        balance_rules=[BalanceRule("category", "Regulatory", min_share=0.5)],
    )
    result = solve(portfolio)
    assert result.starts() == {"R1": 0, "N1": 0}
    assert result.value == pytest.approx(11)
    assert any(b.kind == "balance" for b in result.binding)


def test_cut_line_and_greedy_keep_projects_outside_a_minimum_share_group():
    # The ranked list takes N1 (best value) first. Checked step by step, the Regulatory
    # floor would refuse it (the share of an empty plan plus N1 is 0%); the heuristics
    # defer the floor during construction and restore it at the end instead.
    portfolio = Portfolio(
        projects=[
            project("N1", costs={"opex": [10]}, npv=100, category="Growth"),
            project("R1", costs={"opex": [10]}, npv=10, category="Regulatory"),
            project("N2", costs={"opex": [10]}, npv=90, category="Growth"),
        ],
        months=1,
        budgets=[BudgetRule(30)],
        balance_rules=[BalanceRule("category", "Regulatory", min_share=0.5)],
    )
    baseline = cutline(portfolio)
    assert baseline.feasible
    # N1 and N2 both ranked above R1, but with both the share would be a third: the repair
    # removes the less valuable Growth project.
    assert sorted(planned.project_id for planned in baseline.plan) == ["N1", "R1"]
    assert baseline.value == pytest.approx(110)
    assert check_plan(portfolio, {p.project_id: p.start for p in baseline.plan}) == []
    result = solve(portfolio)
    assert result.value == pytest.approx(110)
    assert result.cutline_value == pytest.approx(110)


def test_balance_rule_maximum_share_of_spend():
    portfolio = Portfolio(
        projects=[
            project("T1", costs={"opex": [10]}, npv=10, business_unit="IT"),
            project("T2", costs={"opex": [10]}, npv=9, business_unit="IT"),
            project("S1", costs={"opex": [10]}, npv=1, business_unit="Sales"),
        ],
        months=1,
        balance_rules=[BalanceRule("business_unit", "IT", max_share=0.5)],
    )
    result = solve(portfolio)
    # IT may be at most half: one IT project with the Sales one.
    assert result.starts() == {"T1": 0, "S1": 0}


def test_max_new_starts_per_month():
    portfolio = Portfolio(
        projects=[project("A", npv=5), project("B", npv=4), project("C", npv=3)],
        months=2,
        max_starts_per_month=1,
    )
    result = solve(portfolio)
    assert sorted(result.starts()) == ["A", "B"]
    assert sorted(result.starts().values()) == [0, 1]
    assert result.value == pytest.approx(9)


def test_fixed_in_flight_project_occupies_the_first_months():
    # F is running (2 FTE in months 0-1 of a 3 FTE team); C needs 2 FTE for a
    # month, so it waits until month 2.
    portfolio = Portfolio(
        projects=[
            project("F", 2, demand={"Dev": [2, 2]}, npv=1, in_flight="fixed"),
            project("C", 1, demand={"Dev": [2]}, npv=10),
        ],
        months=3,
        capacity={"Dev": 3},
    )
    result = solve(portfolio)
    assert result.starts() == {"F": 0, "C": 2}
    assert result.paused == ()


def test_pausable_in_flight_project_is_paused_for_a_better_one():
    # Continuing P (worth 4) blocks Q (worth 9): pausing P frees its team.
    portfolio = Portfolio(
        projects=[
            project("P", 2, demand={"Dev": [3, 3]}, npv=4, in_flight="pausable"),
            project("Q", 2, demand={"Dev": [3, 3]}, npv=9),
        ],
        months=2,
        capacity={"Dev": 3},
    )
    result = solve(portfolio)
    assert result.starts() == {"Q": 0}
    assert result.paused == ("P",)


def test_quarterly_capex_budget_is_named_by_calendar_quarter():
    # 15 of capex per quarter and two projects spending 5 a month for 3
    # months: one per quarter, the more valuable one first (discounting).
    portfolio = Portfolio(
        projects=[
            project("A", 3, costs={"capex": [5, 5, 5]}, npv=10),
            project("B", 3, costs={"capex": [5, 5, 5]}, npv=9),
        ],
        months=6,
        budgets=[BudgetRule(15, "capex", "quarter")],
        first_month="2027-01",
        objective=Objective(monthly_discount_rate=0.01),
    )
    result = solve(portfolio)
    assert result.starts() == {"A": 0, "B": 3}
    assert result.plan[1].start_label == "2027-04"
    assert {b.name for b in result.binding} == {"capex 2027-Q1", "capex 2027-Q2"}


def test_shadow_price_of_capacity_and_its_confirmation():
    # A (2 FTE, worth 10) fits a 3 FTE team; B (2 FTE, worth 6) does not. In
    # the LP relaxation B runs at half, so an FTE is worth 6 / 2 = 3; one more
    # FTE in the integer plan lets B in: +6.
    portfolio = Portfolio(
        projects=[
            project("A", demand={"Data Engineer": [2]}, npv=10),
            project("B", demand={"Data Engineer": [2]}, npv=6),
        ],
        months=1,
        capacity={"Data Engineer": 3},
    )
    result = solve(portfolio, confirm_shadow_prices=1)
    assert result.starts() == {"A": 0}
    (price,) = result.shadow_prices
    assert price.constraint == "capacity Data Engineer month 0"
    assert price.value == pytest.approx(3)
    assert price.confirmed_gain == pytest.approx(6)


def test_mandatory_project_that_cannot_fit_names_the_capacity():
    portfolio = Portfolio(
        projects=[project("P12", 6, demand={"Data Engineer": [1, 1, 1, 1, 3]}, mandatory=True)],
        months=6,
        capacity={"Data Engineer": 2},
    )
    with pytest.raises(InfeasibleError) as caught:
        optimise(portfolio, **FAST)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "mandatory project P12 cannot fit" in message
    assert "needs 3.0 FTE Data Engineer in month 4, capacity 2.0" in message
    assert "capacity Data Engineer month 4" in caught.value.constraints
    assert "mandatory P12" in caught.value.constraints


def test_mandatory_projects_that_only_conflict_together_are_named_with_the_capacity():
    # Each fits alone, but in a 3-month window two 2-month projects overlap in
    # month 1 whatever their starts, and 2 + 2 FTE exceed the team of 3.
    demand = {"Dev": [2, 2]}
    portfolio = Portfolio(
        projects=[
            project("M1", 2, demand=demand, mandatory=True),
            project("M2", 2, demand=demand, mandatory=True),
            project("Other", 1, npv=5),
        ],
        months=3,
        capacity={"Dev": 3},
    )
    with pytest.raises(InfeasibleError) as caught:
        optimise(portfolio, **FAST)  # type: ignore[arg-type]
    constraints = caught.value.constraints
    assert "mandatory M1" in constraints and "mandatory M2" in constraints
    assert "capacity Dev month 1" in constraints
    assert not any("Other" in name for name in constraints)


def test_mandatory_projects_in_one_exclusive_group_conflict():
    portfolio = Portfolio(
        projects=[project("A", mandatory=True), project("B", mandatory=True)],
        months=1,
        exclusive_groups=[ExclusiveGroup("one of", ["A", "B"])],
    )
    with pytest.raises(InfeasibleError, match="exclusive group one of"):
        optimise(portfolio, **FAST)  # type: ignore[arg-type]


def test_empty_portfolio_and_unplannable_projects():
    portfolio = Portfolio(projects=[project("Long", 5, npv=3)], months=3)
    result = solve(portfolio)
    assert result.plan == ()
    assert result.value == 0 and result.optimal
    assert "cannot finish within the 3-month window" in result.unplannable["Long"]


def test_two_threads_give_the_same_optimum():
    portfolio = Portfolio(
        projects=[
            project(f"P{i}", 2, demand={"Dev": [1 + i % 3, 1]}, npv=10 + 3 * i) for i in range(8)
        ],
        months=5,
        capacity={"Dev": 4},
    )
    one = solve(portfolio, threads=1)
    two = solve(portfolio, threads=2)
    assert one.optimal and two.optimal
    assert one.value == pytest.approx(two.value)


def test_warm_start_is_never_lost():
    portfolio = Portfolio(
        projects=[project("A", npv=3), project("B", npv=4)],
        months=1,
        exclusive_groups=[ExclusiveGroup("g", ["A", "B"])],
    )
    result = solve(portfolio, warm_start={"A": 0})
    assert result.starts() == {"B": 0}


def test_invalid_options_are_rejected():
    portfolio = Portfolio(projects=[project("A", npv=1)], months=1)
    with pytest.raises(InputError, match="time_limit"):
        optimise(portfolio, time_limit=0)
    with pytest.raises(InputError, match="rank_by"):
        cutline(portfolio, rank_by="size")  # type: ignore[arg-type]


def test_inputs_validate_themselves():
    with pytest.raises(InputError, match="duration"):
        Project(id="A", duration=0)
    with pytest.raises(InputError, match="profile has 3 months"):
        Project(id="A", duration=2, demand={"Dev": [1, 1, 1]})
    with pytest.raises(InputError, match="unknown project Z"):
        Portfolio(projects=[project("A")], months=1, dependencies=[Dependency("A", "Z")])
    with pytest.raises(InputError, match="needs 4 limits"):
        Portfolio(
            projects=[project("A")], months=12, budgets=[BudgetRule([1, 2], "capex", "quarter")]
        )
    with pytest.raises(InputError, match="probability_of_success"):
        Project(id="A", duration=1, probability_of_success=1.5)


def test_risk_adjusted_objective():
    item = project("A", 3, npv=100, score=50, probability_of_success=0.8, risk_penalty=7)
    assert Objective(risk="probability").value(item, 0) == pytest.approx(80)
    assert Objective(risk="penalty").value(item, 0) == pytest.approx(93)
    mix = Objective(npv_weight=0.5, score_weight=2.0, monthly_discount_rate=0.01)
    assert mix.value(item, 2) == pytest.approx(0.5 * 100 / 1.01**2 + 100)
    assert math.isclose(Objective().value(project("B", delay_penalty=2, npv=10), 3), 4)


def test_binding_tolerance_reports_nearly_used_constraints():
    # 9.95 of a 10 FTE team is used: not "used up", but within 1%.
    portfolio = Portfolio(
        projects=[project("A", demand={"Dev": [9.95]}, npv=5)],
        months=1,
        capacity={"Dev": 10},
    )
    assert solve(portfolio).binding == ()
    (binding,) = solve(portfolio, binding_tolerance=0.01).binding
    assert binding.name == "capacity Dev month 0"
    assert binding.usage == pytest.approx(9.95)
    assert binding.slack == pytest.approx(0.05)
