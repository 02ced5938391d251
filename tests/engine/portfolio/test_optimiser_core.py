"""The CP-SAT core ladder: small exact problems around the LP relaxation."""

from __future__ import annotations

import itertools
import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project
from steerco.engine.portfolio.optimiser import check_plan, optimise
from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, compile_portfolio
from steerco.engine.portfolio.optimiser_cpsat import CpSatWorker
from steerco.engine.portfolio.optimiser_milp import column_rents, solve_milp, solve_relaxation


def _knapsack(items: int, constraints: int, seed: int) -> Portfolio:
    """A multidimensional knapsack as a one-month portfolio, values correlated with weights."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 100, size=(constraints, items))
    profits = weights.sum(axis=0) // constraints + rng.integers(0, 50, size=items)
    projects = [
        Project(
            id=f"I{j:02d}",
            duration=1,
            costs={f"line {i}": (float(weights[i, j]),) for i in range(constraints)},
            npv=float(profits[j]),
        )
        for j in range(items)
    ]
    budgets = [
        BudgetRule(float(weights[i].sum() // 2), f"line {i}", "window") for i in range(constraints)
    ]
    return Portfolio(projects=projects, months=1, budgets=budgets)


def _worker(model: CompiledPortfolio, seconds: float, found: list[np.ndarray]) -> CpSatWorker:
    lp = solve_relaxation(model)
    return CpSatWorker(
        model,
        row_hi=model.row_hi,
        deadline=time.perf_counter() + seconds,
        seed=0,
        offer=found.append,
        lp_values=lp.column_values,
        row_duals=lp.row_duals,
    )


def test_rents_price_each_project_at_the_lp_prices():
    # Given one budget of 1.5 and three one-unit projects worth 10, 6 and 1
    portfolio = Portfolio(
        projects=[
            Project(id=name, duration=1, costs={"capex": (1.0,)}, npv=value)
            for name, value in (("A", 10.0), ("B", 6.0), ("C", 1.0))
        ],
        months=1,
        budgets=[BudgetRule(1.5, "capex", "window")],
    )
    model = compile_portfolio(portfolio)
    lp = solve_relaxation(model)
    # When the LP runs A whole and B half, the budget is priced at B's value, 6
    assert np.allclose(lp.column_values, [1.0, 0.5, 0.0])
    rents = column_rents(model, lp.row_duals)
    # Then A's rent is what dropping it costs, B is undecided, C costs 5 to force in
    assert np.allclose(rents, [4.0, 0.0, -5.0])


def test_core_ladder_grows_and_keeps_the_lp_decisions_outside_the_core():
    # Given a 60-item knapsack and its LP relaxation
    model = compile_portfolio(_knapsack(60, 3, seed=4))
    lp = solve_relaxation(model)
    worker = _worker(model, 1.0, [])
    # When the ladder is listed
    ladder = list(worker._core_ladder())
    # Then cores grow (fewer fixed columns each step) and start at 20 free items
    fixed = [len(on) + len(off) for on, off in ladder]
    assert fixed[0] == 40
    assert fixed == sorted(fixed, reverse=True) and len(set(fixed)) == len(fixed)
    for on, off in ladder:
        # Columns fixed in are those the LP runs whole; fixed out, those it leaves out.
        assert np.all(lp.column_values[on] >= 1 - 1e-6)
        assert np.all(lp.column_values[off] <= 1e-6)
        assert not set(on.tolist()) & set(off.tolist())
    # Each core contains the previous one: its fixings are a subset.
    for (on_a, off_a), (on_b, off_b) in itertools.pairwise(ladder):
        assert set(on_b.tolist()) <= set(on_a.tolist())
        assert set(off_b.tolist()) <= set(off_a.tolist())


def test_cp_sat_with_core_ladder_reaches_the_highs_optimum_of_a_knapsack():
    # Given a 40-item, 3-constraint knapsack whose optimum HiGHS proves
    model = compile_portfolio(_knapsack(40, 3, seed=11))
    exact = solve_milp(model, time_limit=30.0, threads=1, mip_rel_gap=0.0)
    assert exact.status == "Optimal"
    # When CP-SAT climbs the core ladder, then searches the whole model
    found: list[np.ndarray] = []
    worker = _worker(model, 5.0, found)
    worker.run()
    assert worker.error is None
    # Then every plan it offers is feasible and the best is the optimum
    values = []
    for columns in found:
        assert model.violations(columns) == []
        values.append(float(model.col_value[columns].sum()))
    assert max(values) == exact.value


@settings(max_examples=8, deadline=None)
@given(items=st.integers(21, 30), constraints=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_optimiser_plans_on_knapsacks_with_a_core_never_break_a_budget(
    items: int, constraints: int, seed: int
) -> None:
    portfolio = _knapsack(items, constraints, seed)
    result = optimise(portfolio, time_limit=1.0, threads=2, mip_rel_gap=0.0, shadow_prices=False)
    assert check_plan(portfolio, result.starts()) == []
    assert result.value >= result.cutline_value - 1e-9
    assert result.value <= result.bound + 1e-6
