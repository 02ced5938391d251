"""The relaxation-selected search: the LP's selection, scheduled exactly.

The search keeps every project the LP relaxation runs whole, leaves out those
it leaves out, and lets HiGHS choose every start. The plans it hands over
must be real plans (no constraint broken) with exactly that selection, and
the optimiser must use it on models where HiGHS does not get the whole
model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steerco.engine.portfolio import optimiser
from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project
from steerco.engine.portfolio.optimiser import check_plan, optimise
from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, compile_portfolio
from steerco.engine.portfolio.optimiser_greedy import HeuristicState, Kernels
from steerco.engine.portfolio.optimiser_lns import NeighbourhoodSearch
from steerco.engine.portfolio.optimiser_milp import solve_relaxation

ROLES = ["Dev", "Analyst", "Tester"]


def _portfolio(count: int, months: int, seed: int, *, capacity: float = 6.0) -> Portfolio:
    """Projects with ramped demand on two of three roles, against flat
    capacities: the LP spreads their starts to smooth the monthly peaks."""
    rng = np.random.default_rng(seed)
    projects = []
    for i in range(count):
        duration = int(rng.integers(2, 7))
        shape = np.minimum(np.arange(1, duration + 1), np.arange(duration, 0, -1)).astype(float)
        roles = rng.choice(len(ROLES), size=2, replace=False)
        demand = {
            ROLES[int(r)]: [round(float(v), 1) for v in shape * rng.uniform(0.5, 2.0)]
            for r in roles
        }
        cost = float(rng.uniform(50, 150))
        projects.append(
            Project(
                id=f"P{i:02d}",
                duration=duration,
                demand=demand,
                costs={"opex": [round(cost, 0)] * duration},
                npv=round(cost * duration * float(rng.uniform(0.2, 1.5)), 0),
            )
        )
    return Portfolio(
        projects=projects,
        months=months,
        capacity={role: capacity for role in ROLES},
        budgets=[BudgetRule(round(0.5 * sum(sum(p.costs["opex"]) for p in projects), 0))],
    )


def _plan(model: CompiledPortfolio, state: HeuristicState) -> dict[str, int]:
    return {
        model.projects[p].id: int(model.col_start[state.chosen[p]])
        for p in np.flatnonzero(state.chosen >= 0)
    }


def _lp_selection(model: CompiledPortfolio) -> tuple[np.ndarray, np.ndarray]:
    """Each project's share selected by the LP relaxation, and its column values."""
    lp = solve_relaxation(model)
    return np.add.reduceat(lp.column_values, model.project_col_ptr[:-1]), lp.column_values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(4, 14), months=st.integers(6, 14), seed=st.integers(0, 10_000))
def test_plans_keep_the_lp_selection_and_break_no_constraint(count, months, seed):
    portfolio = _portfolio(count, months, seed)
    model = compile_portfolio(portfolio)
    selection, lp_values = _lp_selection(model)
    search = NeighbourhoodSearch(Kernels(model), lp_values=lp_values, seed=seed)
    offered: list[HeuristicState] = []
    result = search.relaxation_selected(5.0, on_plan=offered.append)
    for state in [*offered, *([result] if result is not None else [])]:
        plan = _plan(model, state)
        assert check_plan(portfolio, plan) == []
        selected = state.chosen >= 0
        assert np.all(selected[selection > 1.0 - 1e-6])
        assert not np.any(selected[selection <= 1e-6])
    if result is not None:
        # HiGHS reports each better plan as it finds it; the last is the answer.
        assert offered and offered[-1].value == result.value


def test_the_lp_spreads_starts_and_the_search_schedules_its_selection_whole():
    portfolio = _portfolio(14, 10, seed=32, capacity=5.0)
    model = compile_portfolio(portfolio)
    selection, lp_values = _lp_selection(model)
    ptr = model.project_col_ptr
    spread = [
        p
        for p in range(len(model.projects))
        if selection[p] > 1.0 - 1e-6 and np.sum(lp_values[ptr[p] : ptr[p + 1]] > 1e-6) > 1
    ]
    # The example must make the LP run some projects spread over several starts.
    assert len(spread) >= 3
    search = NeighbourhoodSearch(Kernels(model), lp_values=lp_values)
    result = search.relaxation_selected(10.0)
    assert result is not None
    assert check_plan(portfolio, _plan(model, result)) == []
    assert set(np.flatnonzero(result.chosen >= 0)) >= set(np.flatnonzero(selection > 1.0 - 1e-6))


def test_the_search_asks_whether_to_stop_and_needs_the_lp():
    portfolio = _portfolio(12, 10, seed=3)
    model = compile_portfolio(portfolio)
    _, lp_values = _lp_selection(model)
    asked = []

    def stop() -> bool:
        asked.append(True)
        return True

    NeighbourhoodSearch(Kernels(model), lp_values=lp_values).relaxation_selected(5.0, stop=stop)
    assert asked
    assert NeighbourhoodSearch(Kernels(model)).relaxation_selected(5.0) is None


@pytest.mark.parametrize(
    ("threads", "milp_lp_ratio"),
    [
        # HiGHS sits out (models too big for it): the helper thread opens with it.
        (2, 1e12),
        # HiGHS has the other thread: the main thread runs it before RENS.
        (2, 0.0),
        # One thread: the main thread runs it.
        (1, 1e12),
    ],
)
def test_the_optimiser_offers_the_scheduled_selection(monkeypatch, threads, milp_lp_ratio):
    monkeypatch.setattr(optimiser, "_MILP_LP_RATIO", milp_lp_ratio)
    # Keep the 14-project model off the race of small models.
    monkeypatch.setattr(optimiser, "_RACE_MAX_COLUMNS", 0)
    sources: list[str] = []
    offer = optimiser._Incumbent.offer

    def recording(self: Any, state: HeuristicState, source: str) -> bool:
        sources.append(source)
        return offer(self, state, source)

    monkeypatch.setattr(optimiser._Incumbent, "offer", recording)
    portfolio = _portfolio(14, 10, seed=32, capacity=5.0)
    result = optimise(portfolio, time_limit=3.0, threads=threads, shadow_prices=False)
    assert "relaxation-selected search" in sources
    assert check_plan(portfolio, result.starts()) == []
