"""Efficient frontier: the best portfolio value at each total budget.

For a range of total budgets (spend of every cost type over the window), each
point is solved by the same method as :func:`~steerco.engine.portfolio.
optimiser.optimise` and reports its value, proven bound and gap. Points are
solved in increasing budget order and each starts from its neighbour's plan,
which stays feasible when the budget grows. Each point also gives what the
ranked-list cut line reaches at that budget and what the current portfolio
is worth within it (its projects in rank order, kept while they fit).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from steerco.engine.errors import InputError
from steerco.engine.portfolio.model import TOTAL_SPEND, BudgetRule, Portfolio
from steerco.engine.portfolio.optimiser import (
    PlannedProject,
    RankBy,
    _cutline_value,
    _gap,
    _planned,
    solve_compiled,
    warm_up,
)
from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, compile_portfolio
from steerco.engine.portfolio.optimiser_greedy import (
    HeuristicState,
    Kernels,
    apply_column,
    can_add,
    rank_projects,
)
from steerco.engine.portfolio.optimiser_milp import solve_relaxation


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    """The best plan found for one total budget.

    ``spend`` is what that plan spends over the window (at most ``budget``).
    """

    budget: float
    value: float
    bound: float
    gap: float
    optimal: bool
    spend: float
    plan: tuple[PlannedProject, ...]
    cutline_value: float
    current_value: float
    seconds: float
    first_feasible_seconds: float


@dataclass(frozen=True, slots=True)
class FrontierResult:
    """The frontier, plus the current portfolio's own spend and value."""

    points: tuple[FrontierPoint, ...]
    current_spend: float | None
    current_value: float | None
    seconds: float


def _column_spend(model: CompiledPortfolio) -> np.ndarray:
    """Spend of every cost type within the window, per column."""
    months = model.portfolio.months
    cumulative = [
        np.concatenate(([0.0], np.cumsum(p.spend_profile(TOTAL_SPEND)))) for p in model.projects
    ]
    spend = np.empty(model.column_count)
    for c in range(model.column_count):
        sums = cumulative[int(model.col_project[c])]
        spend[c] = sums[min(len(sums) - 1, max(0, months - int(model.col_start[c])))]
    return spend


def _with_total_budget(portfolio: Portfolio, limit: float) -> tuple[Portfolio, int]:
    """The portfolio with its window-total budget set to ``limit`` (added if absent)."""
    budgets = list(portfolio.budgets)
    for index, rule in enumerate(budgets):
        if rule.spend == TOTAL_SPEND and rule.period == "window":
            budgets[index] = BudgetRule(limit, TOTAL_SPEND, "window")
            return dataclasses.replace(portfolio, budgets=budgets), index
    budgets.append(BudgetRule(limit, TOTAL_SPEND, "window"))
    return dataclasses.replace(portfolio, budgets=budgets), len(budgets) - 1


def _current_within(
    kernels: Kernels,
    model: CompiledPortfolio,
    current_columns: list[int],
    rank: np.ndarray,
) -> HeuristicState:
    """The current portfolio cut to fit: must-run first, then its projects in
    rank order at their current starts, while they fit."""
    state = kernels.empty_state()
    kernels.place_must_run(state)
    by_project = {int(model.col_project[c]): c for c in current_columns}
    for p in rank:
        c = by_project.get(int(p))
        if c is None or state.chosen[int(p)] >= 0:
            continue
        if can_add(
            c,
            state.activity,
            kernels.col_ptr,
            kernels.row_index,
            kernels.coef,
            kernels.row_lo,
            kernels.row_hi,
            kernels.tolerance,
        ):
            apply_column(c, 1.0, state.activity, kernels.col_ptr, kernels.row_index, kernels.coef)
            state.chosen[int(p)] = c
    return kernels.finish(state)


def frontier(
    portfolio: Portfolio,
    *,
    budgets: Sequence[float] | None = None,
    points: int = 20,
    current: Mapping[str, int] | None = None,
    time_limit_per_point: float = 3.0,
    threads: int = 2,
    mip_rel_gap: float = 1e-4,
    rank_by: RankBy = "value",
    seed: int = 0,
) -> FrontierResult:
    """The optimal value over a range of total budgets.

    Parameters
    ----------
    portfolio:
        The decision problem; its window-total budget (if any) is replaced by
        each point's budget, every other constraint stays.
    budgets:
        Total budgets to solve; by default ``points`` budgets evenly spaced
        from the spend of the must-run projects to the spend of the LP
        relaxation's plan without a total budget (beyond it more money buys
        nothing, other constraints bind).
    points:
        Number of budgets when ``budgets`` is not given (at least 2).
    current:
        The current portfolio (project id -> start month), valued at each budget.
    time_limit_per_point:
        Seconds per point; what a point leaves unused passes to the next.
    threads, mip_rel_gap, rank_by, seed:
        As for :func:`~steerco.engine.portfolio.optimiser.optimise`.

    Returns
    -------
    FrontierResult
        Points in increasing budget order.
    """
    warm_up()
    started = time.perf_counter()
    if budgets is None and points < 2:
        raise InputError("needs at least 2 points", field="points")
    requested = None if budgets is None else sorted(float(b) for b in budgets)
    if requested is not None and (not requested or requested[0] < 0):
        raise InputError("needs budgets >= 0", field="budgets")
    ceiling = sum(sum(p.spend_profile(TOTAL_SPEND)) for p in portfolio.projects) + 1.0
    if requested is not None:
        ceiling = max(ceiling, requested[-1])
    widest, rule_index = _with_total_budget(portfolio, ceiling)
    model = compile_portfolio(widest)
    total_row = model.budget_rows[(rule_index, 0)]
    scale = float(model.row_scale[total_row])
    spend_of = _column_spend(model)
    kernels_all = Kernels(model)
    if requested is None:
        must_only = kernels_all.greedy(np.zeros(0, dtype=np.int64))
        low = float(spend_of[must_only.columns()].sum())
        high = low
        relaxed = solve_relaxation(model, threads=1, time_limit=max(1.0, time_limit_per_point))
        if relaxed.status == "Optimal":
            high = max(low, float(spend_of @ relaxed.column_values))
        requested = [float(b) for b in np.linspace(low, high, points)]
    rank = rank_projects(model, rank_by)
    current_columns = model.columns_of_plan(dict(current)) if current else []
    current_full = None
    current_spend = None
    if current:
        full_state = kernels_all.state_from_columns(current_columns)
        current_full = float(full_state.value)
        current_spend = float(spend_of[full_state.columns()].sum())

    results: list[FrontierPoint] = []
    previous: np.ndarray | None = None
    saved = 0.0
    for budget in requested:
        point_started = time.perf_counter()
        # Time a point did not need (it proved its gap early) goes to the next.
        point_limit = time_limit_per_point + saved
        row_hi = model.row_hi.copy()
        row_hi[total_row] = budget / scale
        warm = [previous] if previous is not None else None
        outcome = solve_compiled(
            model,
            time_limit=point_limit,
            threads=threads,
            mip_rel_gap=mip_rel_gap,
            rank_by=rank_by,
            seed=seed,
            row_hi=row_hi,
            warm_columns=warm,
            origin=point_started,
        )
        kernels = Kernels(model, row_hi)
        current_value = float("nan")
        if current:
            current_value = float(_current_within(kernels, model, current_columns, rank).value)
        seconds = time.perf_counter() - point_started
        saved = max(0.0, point_limit - seconds)
        state = outcome.state
        if state is None:
            results.append(
                FrontierPoint(
                    budget=float(budget),
                    value=float("nan"),
                    bound=float(outcome.bound),
                    gap=float("inf"),
                    optimal=False,
                    spend=float("nan"),
                    plan=(),
                    cutline_value=_cutline_value(outcome.cutline),
                    current_value=current_value,
                    seconds=seconds,
                    first_feasible_seconds=float("nan"),
                )
            )
            continue
        columns = state.columns()
        previous = columns
        value = float(state.value)
        bound = max(value, float(outcome.bound))
        gap = _gap(value, bound)
        results.append(
            FrontierPoint(
                budget=float(budget),
                value=value,
                bound=bound,
                gap=gap,
                optimal=gap <= mip_rel_gap,
                spend=float(spend_of[columns].sum()),
                plan=_planned(model, columns),
                cutline_value=_cutline_value(outcome.cutline),
                current_value=current_value,
                seconds=seconds,
                first_feasible_seconds=float(outcome.first_feasible),
            )
        )
    return FrontierResult(
        points=tuple(results),
        current_spend=current_spend,
        current_value=current_full,
        seconds=time.perf_counter() - started,
    )
