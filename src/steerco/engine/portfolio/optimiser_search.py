"""Local search on the compiled model: iterated local search with shift, swap
and drop-and-refill moves.

Moves keep the plan feasible: a move is applied to the row activities and
kept only when every row it touched is within bounds, so the search never has
to repair. Must-run projects may move to another start but never leave.

* shift: move a selected project to a start with a higher value;
* swap: replace a selected project by an unselected one worth more;
* perturbation: drop a few selected projects (at random, or those sharing a
  tight row), refill greedily without them, then with them, and keep the
  result when it is not worse (plateaus are crossed, valleys are not).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np

from steerco.engine.portfolio.optimiser_build import (
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
)
from steerco.engine.portfolio.optimiser_greedy import (
    HeuristicState,
    Kernels,
    add_with_predecessors,
    apply_column,
    can_add,
    fill,
    rows_within,
)


@numba.njit(cache=True, nogil=True)
def _value(
    chosen: Int32Array,
    col_value: FloatArray,
) -> float:
    total = 0.0
    for p in range(chosen.shape[0]):
        if chosen[p] >= 0:
            total += col_value[chosen[p]]
    return total


@numba.njit(cache=True, nogil=True)
def _try_replace(
    old: int,
    new: int,
    activity: FloatArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> bool:
    """Replace column old by new when every touched row stays within bounds."""
    apply_column(old, -1.0, activity, col_ptr, row_index, coef)
    if can_add(new, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
        apply_column(new, 1.0, activity, col_ptr, row_index, coef)
        if rows_within(old, activity, col_ptr, row_index, row_lo, row_hi, tolerance):
            return True
        apply_column(new, -1.0, activity, col_ptr, row_index, coef)
    apply_column(old, 1.0, activity, col_ptr, row_index, coef)
    return False


@numba.njit(cache=True, nogil=True)
def _shift_pass(
    chosen: Int32Array,
    activity: FloatArray,
    col_value: FloatArray,
    project_col_ptr: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> bool:
    improved = False
    for p in range(chosen.shape[0]):
        current = chosen[p]
        if current < 0:
            continue
        for c in range(project_col_ptr[p], project_col_ptr[p + 1]):
            if c == current or col_value[c] <= col_value[current] + 1e-9:
                continue
            if _try_replace(
                current, c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance
            ):
                chosen[p] = c
                current = c
                improved = True
    return improved


@numba.njit(cache=True, nogil=True)
def _swap_pass(
    chosen: Int32Array,
    activity: FloatArray,
    must_run: BoolArray,
    col_value: FloatArray,
    col_project: Int32Array,
    by_value: IntArray,
    best_value_of: FloatArray,
    project_col_ptr: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
    budget: int,
) -> bool:
    """Replace selected projects by unselected ones worth more (first improvement).

    ``by_value`` lists each project's columns by decreasing value (same
    segments as ``project_col_ptr``); ``budget`` caps the number of tries.
    """
    projects = chosen.shape[0]
    improved = False
    tries = 0
    for p in range(projects):
        current = chosen[p]
        if current < 0 or must_run[p]:
            continue
        for q in range(projects):
            if chosen[q] >= 0 or best_value_of[q] <= col_value[current] + 1e-9:
                continue
            for k in range(project_col_ptr[q], project_col_ptr[q + 1]):
                c = by_value[k]
                if col_value[c] <= col_value[current] + 1e-9:
                    break
                tries += 1
                if _try_replace(
                    current, c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance
                ):
                    chosen[p] = -1
                    chosen[q] = c
                    improved = True
                    break
            if chosen[p] < 0:
                break
            if tries > budget:
                return improved
    return improved


@numba.njit(cache=True, nogil=True)
def _random_fill(
    chosen: Int32Array,
    activity: FloatArray,
    order: IntArray,
    blocked: BoolArray,
    skip_probability: float,
    col_project: Int32Array,
    col_value: FloatArray,
    project_col_ptr: IntArray,
    pred_ptr: IntArray,
    pred_index: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> None:
    """One greedy pass in ``order`` that passes over each candidate at random."""
    for i in range(order.shape[0]):
        c = order[i]
        p = col_project[c]
        if chosen[p] >= 0 or blocked[p] or col_value[c] <= 0.0:
            continue
        if np.random.random() < skip_probability:
            continue
        add_with_predecessors(
            c,
            chosen,
            activity,
            col_project,
            col_value,
            project_col_ptr,
            pred_ptr,
            pred_index,
            col_ptr,
            row_index,
            coef,
            row_lo,
            row_hi,
            tolerance,
        )


@numba.njit(cache=True, nogil=True)
def _perturb_and_refill(
    chosen: Int32Array,
    activity: FloatArray,
    must_run: BoolArray,
    order: IntArray,
    blocked: BoolArray,
    strength: int,
    related_row: int,
    col_project: Int32Array,
    col_value: FloatArray,
    project_col_ptr: IntArray,
    pred_ptr: IntArray,
    pred_index: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> None:
    """Drop up to ``strength`` selected projects, then refill: first greedily
    with some candidates skipped at random and the dropped ones barred (so the
    search does not simply undo the move), then greedily with everything."""
    projects = chosen.shape[0]
    selected = np.empty(projects, dtype=np.int64)
    n_selected = 0
    for p in range(projects):
        c = chosen[p]
        if c < 0 or must_run[p]:
            continue
        if related_row >= 0:
            touches = False
            for k in range(col_ptr[c], col_ptr[c + 1]):
                if row_index[k] == related_row:
                    touches = True
                    break
            if not touches:
                continue
        selected[n_selected] = p
        n_selected += 1
    if n_selected == 0:
        return
    for i in range(min(strength, n_selected)):
        j = i + np.random.randint(n_selected - i)
        selected[i], selected[j] = selected[j], selected[i]
        p = selected[i]
        c = chosen[p]
        apply_column(c, -1.0, activity, col_ptr, row_index, coef)
        if rows_within(c, activity, col_ptr, row_index, row_lo, row_hi, tolerance):
            chosen[p] = -1
            blocked[p] = True
        else:
            apply_column(c, 1.0, activity, col_ptr, row_index, coef)
    _random_fill(
        chosen,
        activity,
        order,
        blocked,
        0.25,
        col_project,
        col_value,
        project_col_ptr,
        pred_ptr,
        pred_index,
        col_ptr,
        row_index,
        coef,
        row_lo,
        row_hi,
        tolerance,
    )
    for p in range(projects):
        blocked[p] = False
    _random_fill(
        chosen,
        activity,
        order,
        blocked,
        0.25,
        col_project,
        col_value,
        project_col_ptr,
        pred_ptr,
        pred_index,
        col_ptr,
        row_index,
        coef,
        row_lo,
        row_hi,
        tolerance,
    )


@numba.njit(cache=True, nogil=True)
def _iterated_search(
    chosen: Int32Array,
    activity: FloatArray,
    must_run: BoolArray,
    order: IntArray,
    tight_rows: IntArray,
    iterations: int,
    seed: int,
    col_project: Int32Array,
    col_value: FloatArray,
    project_col_ptr: IntArray,
    pred_ptr: IntArray,
    pred_index: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> float:
    """Run ``iterations`` perturbation steps from a feasible state; leaves the
    best state found in ``chosen`` / ``activity`` and returns its value.

    Acceptance is record-to-record travel (Dueck 1993): a trial becomes the
    current state when it is within ``deviation`` (relative) of the best
    found, so the search can cross shallow valleys without drifting away.
    """
    np.random.seed(seed)
    projects = chosen.shape[0]
    blocked = np.zeros(projects, dtype=np.bool_)
    best = _value(chosen, col_value)
    best_chosen = chosen.copy()
    best_activity = activity.copy()
    trial = chosen.copy()
    trial_activity = activity.copy()
    deviation = 0.002 * max(1e-9, abs(best))
    for _ in range(iterations):
        trial[:] = chosen
        trial_activity[:] = activity
        related = -1
        if tight_rows.shape[0] > 0 and np.random.random() < 0.5:
            related = tight_rows[np.random.randint(tight_rows.shape[0])]
        strength = 1 + np.random.randint(4)
        _perturb_and_refill(
            trial,
            trial_activity,
            must_run,
            order,
            blocked,
            strength,
            related,
            col_project,
            col_value,
            project_col_ptr,
            pred_ptr,
            pred_index,
            col_ptr,
            row_index,
            coef,
            row_lo,
            row_hi,
            tolerance,
        )
        _shift_pass(
            trial,
            trial_activity,
            col_value,
            project_col_ptr,
            col_ptr,
            row_index,
            coef,
            row_lo,
            row_hi,
            tolerance,
        )
        value = _value(trial, col_value)
        if value > best + 1e-9 * max(1.0, abs(best)):
            best = value
            best_chosen[:] = trial
            best_activity[:] = trial_activity
            deviation = 0.002 * max(1e-9, abs(best))
        if value >= best - deviation:
            chosen[:] = trial
            activity[:] = trial_activity
    chosen[:] = best_chosen
    activity[:] = best_activity
    return best


def improve(
    kernels: Kernels,
    state: HeuristicState,
    order: IntArray,
    *,
    seconds: float,
    seed: int = 0,
    swap_budget: int = 2_000_000,
    stop: Callable[[float], bool] | None = None,
) -> HeuristicState:
    """Improve a feasible state by local search for about ``seconds``.

    ``stop(value)`` is asked between rounds (for example: is this value
    within the gap of a proven bound?) and ends the search early when true.
    Returns a new state (the input is not changed); an infeasible input is
    returned unchanged.
    """
    if not state.feasible:
        return state
    chosen = state.chosen.copy()
    activity = state.activity.copy()
    k = kernels
    deadline = time.perf_counter() + seconds
    by_value, best_value_of = _columns_by_value(kernels)
    while True:
        shifted = _shift_pass(
            chosen,
            activity,
            k.col_value,
            k.project_col_ptr,
            k.col_ptr,
            k.row_index,
            k.coef,
            k.row_lo,
            k.row_hi,
            k.tolerance,
        )
        swapped = _swap_pass(
            chosen,
            activity,
            k.must_run,
            k.col_value,
            k.col_project,
            by_value,
            best_value_of,
            k.project_col_ptr,
            k.col_ptr,
            k.row_index,
            k.coef,
            k.row_lo,
            k.row_hi,
            k.tolerance,
            swap_budget,
        )
        if swapped:
            fill(
                chosen,
                activity,
                order,
                np.zeros(k.project_count, dtype=np.bool_),
                k.col_project,
                k.col_value,
                k.project_col_ptr,
                k.pred_ptr,
                k.pred_index,
                k.col_ptr,
                k.row_index,
                k.coef,
                k.row_lo,
                k.row_hi,
                k.tolerance,
            )
        if not (shifted or swapped) or time.perf_counter() > deadline:
            break
    iterations = 50
    round_number = 0
    while time.perf_counter() < deadline:
        if stop is not None and stop(_value(chosen, k.col_value)):
            break
        started = time.perf_counter()
        slack = np.minimum(k.row_hi - activity, activity - k.row_lo)
        tight = np.flatnonzero(slack <= 1e-6 * np.maximum(1.0, np.abs(k.row_hi))).astype(np.int64)
        _iterated_search(
            chosen,
            activity,
            k.must_run,
            order,
            tight,
            iterations,
            seed + round_number,
            k.col_project,
            k.col_value,
            k.project_col_ptr,
            k.pred_ptr,
            k.pred_index,
            k.col_ptr,
            k.row_index,
            k.coef,
            k.row_lo,
            k.row_hi,
            k.tolerance,
        )
        round_number += 1
        elapsed = time.perf_counter() - started
        remaining = deadline - time.perf_counter()
        if elapsed > 0 and remaining > 0:
            iterations = int(max(1, min(iterations * 2, iterations * 0.5 * remaining / elapsed)))
    result = HeuristicState(chosen=chosen, activity=activity, value=0.0, feasible=False)
    return kernels.finish(result)


def _columns_by_value(kernels: Kernels) -> tuple[IntArray, np.ndarray]:
    """Each project's columns by decreasing value, and each project's best value."""
    model = kernels.model
    by_value = np.empty(model.column_count, dtype=np.int64)
    best = np.full(kernels.project_count, -np.inf)
    ptr = model.project_col_ptr
    for p in range(kernels.project_count):
        begin, end = int(ptr[p]), int(ptr[p + 1])
        segment = np.arange(begin, end)
        values = model.col_value[begin:end]
        by_value[begin:end] = segment[np.argsort(-values, kind="stable")]
        if end > begin:
            best[p] = values.max()
    return by_value, best


def compile_kernels(kernels: Kernels, state: HeuristicState, order: IntArray) -> None:
    """Call every search kernel once, so that numba compiles (or loads) them all."""
    k = kernels
    chosen = state.chosen.copy()
    activity = state.activity.copy()
    by_value, best_value_of = _columns_by_value(kernels)
    _shift_pass(
        chosen, activity, k.col_value, k.project_col_ptr, k.col_ptr, k.row_index, k.coef,
        k.row_lo, k.row_hi, k.tolerance,
    )  # fmt: skip
    _swap_pass(
        chosen, activity, k.must_run, k.col_value, k.col_project, by_value, best_value_of,
        k.project_col_ptr, k.col_ptr, k.row_index, k.coef, k.row_lo, k.row_hi, k.tolerance, 10,
    )  # fmt: skip
    _iterated_search(
        chosen, activity, k.must_run, order, np.zeros(1, dtype=np.int64), 1, 0, k.col_project,
        k.col_value, k.project_col_ptr, k.pred_ptr, k.pred_index, k.col_ptr, k.row_index, k.coef,
        k.row_lo, k.row_hi, k.tolerance,
    )  # fmt: skip
