"""Properties of the optimiser on random small portfolios, checked against brute force.

Every plan is checked by :func:`check_plan`, which reads the portfolio directly
and shares no code with the optimiser's model.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InfeasibleError
from steerco.engine.portfolio.model import (
    BalanceRule,
    BudgetRule,
    Dependency,
    ExclusiveGroup,
    Objective,
    Portfolio,
    Project,
)
from steerco.engine.portfolio.optimiser import check_plan, cutline, optimise, plan_value

ROLES = ["Dev", "Analyst"]


@st.composite
def portfolios(draw: st.DrawFn, max_projects: int = 4) -> Portfolio:
    months = draw(st.integers(1, 5))
    count = draw(st.integers(1, max_projects))
    roles = ROLES[: draw(st.integers(0, 2))]
    projects = []
    for i in range(count):
        duration = draw(st.integers(1, 3))
        in_flight = draw(st.sampled_from(["no"] * 8 + ["fixed", "pausable"]))
        earliest = 0 if in_flight != "no" else draw(st.integers(0, 2))
        demand = {
            role: [draw(st.integers(0, 3)) for _ in range(duration)]
            for role in roles
            if draw(st.booleans())
        }
        costs = {
            kind: [draw(st.integers(0, 5)) for _ in range(duration)]
            for kind in ("capex", "opex")
            if draw(st.booleans())
        }
        flag = draw(st.sampled_from(["none"] * 8 + ["mandatory", "excluded"]))
        projects.append(
            Project(
                id=f"P{i}",
                duration=duration,
                demand=demand,
                costs=costs,
                npv=draw(st.integers(-5, 20)),
                score=draw(st.integers(0, 10)),
                probability_of_success=draw(st.sampled_from([0.5, 0.8, 1.0])),
                earliest_start=earliest,
                category=draw(st.sampled_from(["Run", "Grow"])),
                mandatory=flag == "mandatory",
                excluded=flag == "excluded" and in_flight != "fixed",
                in_flight=in_flight,  # type: ignore[arg-type]
            )
        )
    capacity = {role: draw(st.integers(1, 5)) for role in roles}
    budgets = []
    if draw(st.booleans()):
        budgets.append(BudgetRule(draw(st.integers(0, 25))))
    if draw(st.booleans()):
        budgets.append(BudgetRule(draw(st.integers(0, 8)), "capex", "month"))
    dependencies = []
    if count >= 2 and draw(st.booleans()):
        a, b = sorted(
            draw(st.lists(st.integers(0, count - 1), min_size=2, max_size=2, unique=True))
        )
        kind = draw(st.sampled_from(["requires", "finish_to_start"]))
        dependencies.append(Dependency(f"P{a}", f"P{b}", kind))  # type: ignore[arg-type]
    groups = []
    if count >= 2 and draw(st.booleans()):
        members = draw(st.lists(st.integers(0, count - 1), min_size=2, max_size=3, unique=True))
        groups.append(ExclusiveGroup("alternatives", [f"P{m}" for m in members]))
    balance = []
    if draw(st.booleans()):
        share = draw(st.sampled_from([0.25, 0.5, 0.75]))
        side = draw(st.sampled_from(["min_share", "max_share"]))
        balance.append(BalanceRule("category", "Run", **{side: share}))
    return Portfolio(
        projects=projects,
        months=months,
        capacity=capacity,
        budgets=budgets,
        dependencies=dependencies,
        exclusive_groups=groups,
        balance_rules=balance,
        max_starts_per_month=draw(st.sampled_from([None, 1, 2])),
        objective=Objective(
            risk=draw(st.sampled_from(["none", "probability"])),
            monthly_discount_rate=draw(st.sampled_from([0.0, 0.02])),
        ),
    )


def brute_force(portfolio: Portfolio) -> float | None:
    """Best value over every plan, or None when no plan is feasible."""
    options = [[None, *range(portfolio.months)] for _ in portfolio.projects]
    best = None
    for choice in itertools.product(*options):
        plan = {
            project.id: start
            for project, start in zip(portfolio.projects, choice, strict=True)
            if start is not None
        }
        if check_plan(portfolio, plan):
            continue
        value = plan_value(portfolio, plan)
        if best is None or value > best:
            best = value
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios())
def test_optimiser_finds_the_brute_force_optimum_with_a_feasible_plan(portfolio: Portfolio):
    best = brute_force(portfolio)
    if best is None:
        with pytest.raises(InfeasibleError):
            optimise(portfolio, time_limit=5.0, threads=1, shadow_prices=False)
        return
    result = optimise(portfolio, time_limit=5.0, threads=1, mip_rel_gap=1e-9, shadow_prices=False)
    assert check_plan(portfolio, result.starts()) == []
    assert result.value == pytest.approx(plan_value(portfolio, result.starts()))
    assert result.optimal
    assert result.value == pytest.approx(best, abs=1e-6)
    assert result.bound >= result.value - 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(max_projects=8), st.sampled_from(["value", "score"]), st.sampled_from([1, 2]))
def test_plans_are_feasible_never_worse_than_the_cut_line_and_below_the_bound(
    portfolio: Portfolio, rank_by: str, threads: int
):
    try:
        result = optimise(
            portfolio,
            time_limit=2.0,
            threads=threads,
            rank_by=rank_by,  # type: ignore[arg-type]
            shadow_prices=False,
        )
    except InfeasibleError as error:
        assert error.constraints
        return
    assert check_plan(portfolio, result.starts()) == []
    baseline = cutline(portfolio, rank_by=rank_by)  # type: ignore[arg-type]
    assert baseline.feasible == (check_plan(portfolio, baseline.starts()) == [])
    if baseline.feasible:
        assert result.value >= baseline.value - 1e-6
        assert result.cutline_value == pytest.approx(baseline.value)
    assert result.bound >= result.value - 1e-6
    assert result.gap >= 0
