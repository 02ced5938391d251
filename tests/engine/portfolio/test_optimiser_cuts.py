"""Cover cuts on the LP relaxation: they must never cut off a plan.

Every cut the separator finds on small random portfolios is checked against
every feasible plan, enumerated by brute force on the compiled model; the
bound after the cuts must stay at or above the true optimum.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InfeasibleError
from steerco.engine.portfolio import optimiser
from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project
from steerco.engine.portfolio.optimiser import check_plan, optimise
from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, compile_portfolio
from steerco.engine.portfolio.optimiser_cuts import CoverSeparator, tighten_bound
from steerco.engine.portfolio.optimiser_milp import objective_scale, solve_relaxation

ROLES = ["Dev", "Analyst"]


@st.composite
def tight_portfolios(draw: st.DrawFn) -> Portfolio:
    """Few projects with big demands against small capacities and budgets,
    so that the LP spreads projects and covers exist."""
    months = draw(st.integers(1, 3))
    count = draw(st.integers(3, 6))
    projects = []
    for i in range(count):
        duration = draw(st.integers(1, 2))
        demand = {
            role: [draw(st.integers(1, 4)) for _ in range(duration)]
            for role in ROLES
            if draw(st.booleans())
        }
        costs = {"opex": [draw(st.integers(0, 6)) for _ in range(duration)]}
        projects.append(
            Project(
                id=f"P{i}",
                duration=duration,
                demand=demand,
                costs=costs,
                npv=draw(st.integers(1, 20)),
                mandatory=draw(st.integers(0, 9)) == 0,
            )
        )
    budgets = []
    if draw(st.booleans()):
        budgets.append(BudgetRule(draw(st.integers(3, 10)), "opex", "month"))
    if draw(st.booleans()):
        budgets.append(BudgetRule(draw(st.integers(4, 16))))
    return Portfolio(
        projects=projects,
        months=months,
        capacity={role: draw(st.integers(3, 7)) for role in ROLES},
        budgets=budgets,
    )


def feasible_plans(model: CompiledPortfolio) -> list[np.ndarray]:
    """Every feasible set of columns (at most one start per project)."""
    ptr = model.project_col_ptr
    options = [
        ([] if model.must_run[p] else [None]) + list(range(int(ptr[p]), int(ptr[p + 1])))
        for p in range(len(model.projects))
    ]
    plans = []
    for choice in itertools.product(*options):
        columns = np.array([c for c in choice if c is not None], dtype=np.int64)
        if not model.violations(columns, tolerance=1e-9):
            plans.append(columns)
    return plans


def _compile(portfolio: Portfolio) -> CompiledPortfolio | None:
    try:
        return compile_portfolio(portfolio)
    except InfeasibleError:
        return None


def _tightened(model: Any, lp: Any, **options: Any) -> Any:
    """Cover-cut rounds on the relaxation ``lp`` of ``model``, with 5 s to spare."""
    return tighten_bound(
        model,
        lp.solver,
        scale=objective_scale(model),
        row_hi=model.row_hi,
        deadline=time.perf_counter() + 5.0,
        **options,
    )


def _three_projects_of_two_fte() -> list[Project]:
    """One-month projects A, B and C worth 10, 9 and 8, each needing 2 FTE of Dev."""
    return [
        Project(id=name, duration=1, demand={"Dev": [2.0]}, npv=value)
        for name, value in (("A", 10.0), ("B", 9.0), ("C", 8.0))
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tight_portfolios())
def test_cuts_never_cut_off_a_feasible_plan_and_the_bound_stays_above_the_optimum(
    portfolio: Portfolio,
):
    model = _compile(portfolio)
    if model is None or model.column_count == 0:
        return
    plans = feasible_plans(model)
    lp = solve_relaxation(model, keep_solver=True)
    if not plans:
        return
    optimum = max(float(model.col_value[plan].sum()) for plan in plans)
    assert lp.status == "Optimal"
    outcome = _tightened(model, lp, min_gain=0.0)
    assert outcome.bound >= optimum - 1e-6 * max(1.0, abs(optimum))
    assert outcome.bound <= lp.objective + 1e-6 * max(1.0, abs(lp.objective))
    for cut in outcome.cuts:
        for plan in plans:
            assert np.isin(plan, cut.columns).sum() <= cut.rhs
    # A feasible plan is an integral point: no cut is violated there.
    separator = CoverSeparator(model, model.row_hi)
    for plan in plans:
        point = np.zeros(model.column_count)
        point[plan] = 1.0
        assert separator.separate(point) == []


def test_three_projects_that_two_at_a_time_break_the_capacity():
    # Given three one-month projects of 2 FTE each and 3 FTE of capacity,
    # the LP runs one and a half of them (10 + 9 / 2); no plan runs two.
    projects = _three_projects_of_two_fte()
    portfolio = Portfolio(projects=projects, months=1, capacity={"Dev": 3.0})
    model = compile_portfolio(portfolio)
    lp = solve_relaxation(model, keep_solver=True)
    assert lp.objective == pytest.approx(14.5)
    # When the cover cut "at most one of A, B, C" is added,
    outcome = _tightened(model, lp)
    # then the bound is the optimum.
    assert outcome.bound == pytest.approx(10.0)
    assert len(outcome.cuts) == 1
    assert sorted(outcome.cuts[0].columns.tolist()) == [0, 1, 2]
    assert outcome.cuts[0].rhs == 1.0


def test_one_cut_per_month_when_projects_can_move_between_months():
    # Given three one-month projects of 2 FTE that may start in month 0 or 1,
    # with 3 FTE each month: the LP runs all three (one and a half a month),
    # a plan runs at most one a month.
    projects = _three_projects_of_two_fte()
    portfolio = Portfolio(projects=projects, months=2, capacity={"Dev": 3.0})
    model = compile_portfolio(portfolio)
    plans = feasible_plans(model)
    optimum = max(float(model.col_value[plan].sum()) for plan in plans)
    lp = solve_relaxation(model, keep_solver=True)
    outcome = _tightened(model, lp)
    assert lp.objective == pytest.approx(27.0)
    assert optimum == pytest.approx(19.0)
    assert outcome.bound == pytest.approx(19.0)
    # Each cut holds the three starts of one month.
    for cut in outcome.cuts:
        assert set(model.col_start[cut.columns].tolist()) in ({0}, {1})
        for plan in plans:
            assert np.isin(plan, cut.columns).sum() <= cut.rhs


def _half_projects_portfolio() -> tuple[Portfolio, float]:
    """20 one-month projects of 2 FTE, 4 months of 5 FTE: the LP runs two and
    a half projects a month, a plan two; the best plan runs the 8 most
    valuable ones."""
    values = [float(v) for v in np.random.default_rng(3).integers(5, 30, size=20)]
    projects = [
        Project(id=f"P{i:02d}", duration=1, demand={"Dev": [2.0]}, npv=value)
        for i, value in enumerate(values)
    ]
    portfolio = Portfolio(projects=projects, months=4, capacity={"Dev": 5.0})
    return portfolio, sum(sorted(values)[-8:])


def test_optimise_with_one_thread_proves_the_plan_that_the_lp_overrates():
    portfolio, best = _half_projects_portfolio()
    plain = solve_relaxation(compile_portfolio(portfolio))
    assert plain.objective > best + 1.0
    result = optimise(portfolio, time_limit=5.0, threads=1, shadow_prices=False)
    assert check_plan(portfolio, result.starts()) == []
    assert result.value == pytest.approx(best)
    assert result.bound == pytest.approx(best)
    assert result.optimal


def test_without_the_milp_the_reported_bound_is_the_cut_lp_bound(
    monkeypatch: pytest.MonkeyPatch,
):
    # Given a time limit too short for HiGHS's MILP (as on large portfolios),
    # only the searches run: the proof comes from the cover cuts alone.
    monkeypatch.setattr(optimiser, "_MILP_LP_RATIO", 1e12)
    portfolio, best = _half_projects_portfolio()
    result = optimise(portfolio, time_limit=3.0, threads=2, shadow_prices=False)
    assert result.solver_status == "Not run"
    assert check_plan(portfolio, result.starts()) == []
    assert result.value == pytest.approx(best)
    assert result.bound == pytest.approx(best)
    assert result.optimal
