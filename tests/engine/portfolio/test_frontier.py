"""The efficient frontier: best value per total budget, with the cut line and
the current portfolio at each budget."""

from __future__ import annotations

import pytest

from steerco.engine.errors import InputError
from steerco.engine.portfolio.frontier import frontier
from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project
from steerco.engine.portfolio.optimiser import check_plan


def knapsack() -> Portfolio:
    # Spend and value: A 60/100, B 50/70, C 50/60, D 20/15.
    items = [("A", 60, 100), ("B", 50, 70), ("C", 50, 60), ("D", 20, 15)]
    return Portfolio(
        projects=[Project(id=i, duration=1, costs={"opex": [c]}, npv=v) for i, c, v in items],
        months=1,
        budgets=[BudgetRule(100)],
    )


def test_frontier_at_given_budgets_matches_hand_optima():
    result = frontier(
        knapsack(),
        budgets=[0, 50, 100, 130, 180],
        current={"C": 0, "D": 0},
        time_limit_per_point=5.0,
        threads=1,
    )
    budgets = [p.budget for p in result.points]
    values = [p.value for p in result.points]
    assert budgets == [0, 50, 100, 130, 180]
    # 50: B; 100: B + C; 130: A + B + D (185); 180: A + B + C (160 spend, 230) loses to
    # A + B + D + ... : A + C + D = 130/175, A + B + D = 130/185, all but C = 130, all = 180/245.
    assert values == pytest.approx([0, 70, 130, 185, 245])
    assert all(p.optimal and p.gap <= 1e-4 for p in result.points)
    assert all(p.spend <= p.budget + 1e-9 for p in result.points)
    # The cut line by value takes A, B, C, D in that order, skipping what does
    # not fit: 50 -> B; 100 -> A + D; 130 -> A + B + D; 180 -> all.
    assert [p.cutline_value for p in result.points] == pytest.approx([0, 70, 115, 185, 245])
    # The current portfolio (C + D, spend 70, worth 75) cut to each budget in rank order.
    assert [p.current_value for p in result.points] == pytest.approx([0, 60, 75, 75, 75])
    assert result.current_spend == pytest.approx(70)
    assert result.current_value == pytest.approx(75)


def test_default_frontier_spans_must_run_spend_to_where_money_stops_helping():
    portfolio = Portfolio(
        projects=[
            Project(id="M", duration=2, costs={"capex": [10, 10]}, npv=5, mandatory=True),
            Project(id="X", duration=2, costs={"capex": [30, 10]}, npv=50, demand={"Dev": [2, 2]}),
            Project(id="Y", duration=2, costs={"capex": [20, 20]}, npv=45, demand={"Dev": [2, 2]}),
            Project(id="Z", duration=1, costs={"opex": [15]}, npv=12),
        ],
        months=3,
        capacity={"Dev": 2},
    )
    result = frontier(portfolio, points=6, time_limit_per_point=5.0, threads=2)
    points = result.points
    assert len(points) == 6
    assert points[0].budget == pytest.approx(20)  # the mandatory project alone
    values = [p.value for p in points]
    assert values == sorted(values)  # more money never hurts an optimal plan
    assert values[0] == pytest.approx(5)
    # Capacity allows only one of X and Y; beyond M + X + Z money buys nothing.
    assert values[-1] == pytest.approx(5 + 50 + 12)
    for point in points:
        assert point.bound >= point.value - 1e-6
        plan = {item.project_id: item.start for item in point.plan}
        limited = Portfolio(
            projects=portfolio.projects,
            months=3,
            capacity={"Dev": 2},
            budgets=[BudgetRule(point.budget)],
        )
        assert check_plan(limited, plan) == []
        assert point.value >= point.cutline_value - 1e-6


def test_frontier_needs_two_points():
    with pytest.raises(InputError, match="points"):
        frontier(knapsack(), points=1)
