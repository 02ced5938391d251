"""Greedy heuristics on the compiled model: the ranked-list cut line and the
efficiency greedy that seeds the local search and the MILP.

Both work on a *state*: ``chosen[p]`` (the column of project p, or -1) and the
scaled row activities ``activity``. A column is added only if no row gets
further outside its bounds than it already is, so from a feasible state every
step stays feasible, and from the state with only must-run projects (which may
already break a balance rule) each step never makes things worse.

A balance rule's floor (a minimum share of spend) is different: from an
empty plan, every project outside the group lowers the share, so checking it
step by step would refuse them all. Construction therefore defers those
floors and :meth:`Kernels.repair_balance_floors` restores them at the end, by
adding projects of the group or removing the least valuable ones outside it.

The kernels are compiled with numba (``cache=True``: the first call in a fresh
environment compiles for a few seconds, later processes load the cache).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from steerco.engine.portfolio.optimiser_build import (
    BALANCE,
    BUDGET,
    CAPACITY,
    FEASIBILITY_TOLERANCE,
    STARTS,
    BoolArray,
    CompiledPortfolio,
    FloatArray,
    Int32Array,
    IntArray,
)


@numba.njit(cache=True, nogil=True)
def can_add(
    c: int,
    activity: FloatArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> bool:
    """True when adding column c moves no row further outside its bounds."""
    for k in range(col_ptr[c], col_ptr[c + 1]):
        r = row_index[k]
        a = coef[k]
        new = activity[r] + a
        if a > 0.0:
            if new > row_hi[r] + tolerance:
                return False
        elif new < row_lo[r] - tolerance:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def apply_column(
    c: int,
    sign: float,
    activity: FloatArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
) -> None:
    """Add (sign 1.0) or remove (sign -1.0) column c from the activities."""
    for k in range(col_ptr[c], col_ptr[c + 1]):
        activity[row_index[k]] += sign * coef[k]


@numba.njit(cache=True, nogil=True)
def rows_within(
    c: int,
    activity: FloatArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> bool:
    """True when every row column c touches is within its bounds."""
    for k in range(col_ptr[c], col_ptr[c + 1]):
        r = row_index[k]
        if activity[r] > row_hi[r] + tolerance or activity[r] < row_lo[r] - tolerance:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def add_with_predecessors(
    c: int,
    chosen: Int32Array,
    activity: FloatArray,
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
) -> bool:
    """Try to add column c, first adding missing predecessors when c needs them.

    Returns True when c was added (with any predecessors it pulled in).
    """
    if can_add(c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
        apply_column(c, 1.0, activity, col_ptr, row_index, coef)
        chosen[col_project[c]] = c
        return True
    q = col_project[c]
    missing = 0
    for k in range(pred_ptr[q], pred_ptr[q + 1]):
        if chosen[pred_index[k]] < 0:
            missing += 1
    if missing == 0:
        return False
    added = np.empty(missing, dtype=np.int64)
    n_added = 0
    gain = col_value[c]
    for k in range(pred_ptr[q], pred_ptr[q + 1]):
        a = pred_index[k]
        if chosen[a] >= 0:
            continue
        for ca in range(project_col_ptr[a], project_col_ptr[a + 1]):
            if can_add(ca, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
                apply_column(ca, 1.0, activity, col_ptr, row_index, coef)
                chosen[a] = ca
                added[n_added] = ca
                n_added += 1
                gain += col_value[ca]
                break
    if gain > 0.0 and can_add(c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
        apply_column(c, 1.0, activity, col_ptr, row_index, coef)
        chosen[q] = c
        return True
    for i in range(n_added):
        ca = added[i]
        apply_column(ca, -1.0, activity, col_ptr, row_index, coef)
        chosen[col_project[ca]] = -1
    return False


@numba.njit(cache=True, nogil=True)
def place_must_run(
    chosen: Int32Array,
    activity: FloatArray,
    must_run: BoolArray,
    project_col_ptr: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> int:
    """Put every must-run project at its earliest start that fits.

    Repeats passes so that a successor placed after its predecessor finds its
    dependency row satisfied. Returns the number of must-run projects left out.
    """
    projects = must_run.shape[0]
    for _ in range(projects + 1):
        changed = False
        for p in range(projects):
            if not must_run[p] or chosen[p] >= 0:
                continue
            for c in range(project_col_ptr[p], project_col_ptr[p + 1]):
                if can_add(c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
                    apply_column(c, 1.0, activity, col_ptr, row_index, coef)
                    chosen[p] = c
                    changed = True
                    break
        if not changed:
            break
    missing = 0
    for p in range(projects):
        if must_run[p] and chosen[p] < 0:
            missing += 1
    return missing


@numba.njit(cache=True, nogil=True)
def fill(
    chosen: Int32Array,
    activity: FloatArray,
    order: IntArray,
    blocked: BoolArray,
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
) -> int:
    """Add columns in ``order`` while they fit; returns how many were added."""
    added = 0
    for _ in range(3):
        changed = False
        for i in range(order.shape[0]):
            c = order[i]
            p = col_project[c]
            if chosen[p] >= 0 or blocked[p] or col_value[c] <= 0.0:
                continue
            if add_with_predecessors(
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
            ):
                added += 1
                changed = True
        if not changed:
            break
    return added


@numba.njit(cache=True, nogil=True)
def cut_line(
    chosen: Int32Array,
    activity: FloatArray,
    project_order: IntArray,
    project_col_ptr: IntArray,
    col_ptr: IntArray,
    row_index: Int32Array,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    tolerance: float,
) -> None:
    """Take projects in rank order, each at its earliest start that fits (one pass)."""
    for i in range(project_order.shape[0]):
        p = project_order[i]
        if chosen[p] >= 0:
            continue
        for c in range(project_col_ptr[p], project_col_ptr[p + 1]):
            if can_add(c, activity, col_ptr, row_index, coef, row_lo, row_hi, tolerance):
                apply_column(c, 1.0, activity, col_ptr, row_index, coef)
                chosen[p] = c
                break


@dataclass(slots=True)
class HeuristicState:
    """A plan as the kernels see it: one column (or -1) per compiled project."""

    chosen: Int32Array
    activity: FloatArray
    value: float
    feasible: bool

    def columns(self) -> Int32Array:
        return self.chosen[self.chosen >= 0]


class Kernels:
    """The compiled model's arrays in the layout the numba kernels take."""

    def __init__(self, model: CompiledPortfolio, row_hi: FloatArray | None = None) -> None:
        self.model = model
        self.col_ptr = model.col_ptr
        self.row_index = model.row_index
        self.coef = model.coef
        self.row_lo = model.row_lo
        self.row_hi = model.row_hi if row_hi is None else row_hi
        self.col_project = model.col_project
        self.col_value = model.col_value
        self.project_col_ptr = model.project_col_ptr
        self.must_run = model.must_run
        pred_counts = np.array([len(p) for p in model.predecessors], dtype=np.int64)
        self.pred_ptr = np.zeros(len(model.predecessors) + 1, dtype=np.int64)
        np.cumsum(pred_counts, out=self.pred_ptr[1:])
        self.pred_index = np.array(
            [a for preds in model.predecessors for a in preds], dtype=np.int64
        )
        self.tolerance = FEASIBILITY_TOLERANCE
        self.project_count = len(model.projects)
        kinds = np.array([info.kind for info in model.rows], dtype=object)
        floors = (kinds == BALANCE) & np.isfinite(self.row_lo)
        self.balance_floor_rows = np.flatnonzero(floors)
        # The row bounds construction checks: balance floors deferred (see the module notes).
        self.row_lo_construction = np.where(floors, -np.inf, self.row_lo)

    def empty_state(self) -> HeuristicState:
        return HeuristicState(
            chosen=np.full(self.project_count, -1, dtype=np.int32),
            activity=np.zeros(len(self.row_lo)),
            value=0.0,
            feasible=False,
        )

    def state_from_columns(self, columns: list[int] | Int32Array) -> HeuristicState:
        state = self.empty_state()
        for c in columns:
            p = int(self.col_project[c])
            if state.chosen[p] >= 0:
                continue
            state.chosen[p] = int(c)
            apply_column(int(c), 1.0, state.activity, self.col_ptr, self.row_index, self.coef)
        self.finish(state)
        return state

    def finish(self, state: HeuristicState) -> HeuristicState:
        """Recompute value and feasibility of a state from scratch."""
        columns = state.columns()
        state.activity = np.zeros(len(self.row_lo))
        for c in columns:
            apply_column(int(c), 1.0, state.activity, self.col_ptr, self.row_index, self.coef)
        state.value = float(self.col_value[columns].sum())
        inside = (state.activity <= self.row_hi + 1e-7) & (state.activity >= self.row_lo - 1e-7)
        must = bool(np.all(state.chosen[self.must_run] >= 0))
        state.feasible = bool(inside.all()) and must
        return state

    def place_must_run(self, state: HeuristicState) -> int:
        return int(
            place_must_run(
                state.chosen,
                state.activity,
                self.must_run,
                self.project_col_ptr,
                self.col_ptr,
                self.row_index,
                self.coef,
                self.row_lo_construction,
                self.row_hi,
                self.tolerance,
            )
        )

    def fill(
        self,
        state: HeuristicState,
        order: IntArray,
        blocked: BoolArray | None = None,
        *,
        defer_balance_floors: bool = False,
    ) -> None:
        if blocked is None:
            blocked = np.zeros(self.project_count, dtype=bool)
        row_lo = self.row_lo_construction if defer_balance_floors else self.row_lo
        fill(
            state.chosen,
            state.activity,
            order,
            blocked,
            self.col_project,
            self.col_value,
            self.project_col_ptr,
            self.pred_ptr,
            self.pred_index,
            self.col_ptr,
            self.row_index,
            self.coef,
            row_lo,
            self.row_hi,
            self.tolerance,
        )

    def efficiency_order(self, row_weight: FloatArray | None = None) -> IntArray:
        """Columns by value per weighted use of the resource rows, best first.

        Without weights, a row weighs by its pressure: how much of it all
        candidates would use (each spread over its starts) per unit of limit,
        so that scarce rows dominate the denominator.
        """
        model = self.model
        kinds = np.array([info.kind for info in model.rows])
        resource = (kinds == CAPACITY) | (kinds == BUDGET) | (kinds == STARTS)
        limit = np.where(resource & (self.row_hi > 0.0), self.row_hi, np.inf)
        entry_col = np.repeat(np.arange(model.column_count), np.diff(model.col_ptr))
        positive = np.maximum(model.coef, 0.0)
        if row_weight is None:
            starts_per_project = np.diff(model.project_col_ptr).astype(np.float64)
            spread = positive / starts_per_project[model.col_project[entry_col]]
            demand = np.bincount(model.row_index, weights=spread, minlength=len(model.rows))
            row_weight = np.where(np.isfinite(limit), demand / limit, 0.0)
            row_weight = np.maximum(row_weight, 0.0) / np.where(np.isfinite(limit), limit, 1.0)
        else:
            row_weight = np.where(resource, np.maximum(row_weight, 0.0), 0.0)
        use = np.bincount(
            entry_col,
            weights=positive * row_weight[model.row_index],
            minlength=model.column_count,
        )
        scale = use[use > 0].mean() if (use > 0).any() else 1.0
        efficiency = model.col_value / (use + 1e-9 * scale)
        return np.argsort(-efficiency, kind="stable").astype(np.int64)

    def greedy(self, order: IntArray) -> HeuristicState:
        """Must-run projects first, then columns in ``order`` while they fit."""
        state = self.empty_state()
        self.place_must_run(state)
        self.fill(state, order, defer_balance_floors=True)
        self.repair_balance_floors(state, order)
        return self.finish(state)

    def _fits(self, c: int, sign: float, activity: FloatArray, lows: FloatArray) -> bool:
        """Whether adding (1.0) or removing (-1.0) column c keeps every row within bounds
        (or no further outside than it is)."""
        entries = slice(int(self.col_ptr[c]), int(self.col_ptr[c + 1]))
        rows = self.row_index[entries]
        change = sign * self.coef[entries]
        new = activity[rows] + change
        too_high = (change > 0) & (new > self.row_hi[rows] + self.tolerance)
        too_low = (change < 0) & (new < lows[rows] - self.tolerance)
        return not bool(too_high.any() or too_low.any())

    def repair_balance_floors(self, state: HeuristicState, order: IntArray) -> None:
        """Bring every balance floor back within bounds after a construction that deferred
        them: first add columns (in ``order``) that raise a short floor and fit everything
        else, then remove the removable project that lowers it most per unit of value."""
        floors = self.balance_floor_rows
        if floors.size == 0:
            return
        # Floors still short may move either way while repairing; every other row must hold.
        for _ in range(2 * self.project_count + 1):
            short = floors[state.activity[floors] < self.row_lo[floors] - 1e-7]
            if short.size == 0:
                return
            lows = self.row_lo.copy()
            lows[short] = -np.inf
            row = int(short[0])
            if self._add_raising(state, order, row, lows):
                continue
            if not self._remove_lowering(state, row, lows):
                return  # nothing helps: finish() will mark the state infeasible

    def _add_raising(
        self, state: HeuristicState, order: IntArray, row: int, lows: FloatArray
    ) -> bool:
        for c in order:
            c = int(c)
            p = int(self.col_project[c])
            if state.chosen[p] >= 0 or self.col_value[c] <= 0.0:
                continue
            entries = slice(int(self.col_ptr[c]), int(self.col_ptr[c + 1]))
            on_row = self.coef[entries][self.row_index[entries] == row]
            if on_row.size == 0 or on_row.sum() <= 0.0:
                continue
            if self._fits(c, 1.0, state.activity, lows):
                apply_column(c, 1.0, state.activity, self.col_ptr, self.row_index, self.coef)
                state.chosen[p] = c
                return True
        return False

    def _remove_lowering(self, state: HeuristicState, row: int, lows: FloatArray) -> bool:
        best, best_ratio = -1, np.inf
        must = np.zeros(self.project_count, dtype=bool)
        must[self.must_run] = True
        for p in np.flatnonzero(state.chosen >= 0):
            if must[p]:
                continue
            c = int(state.chosen[p])
            entries = slice(int(self.col_ptr[c]), int(self.col_ptr[c + 1]))
            on_row = float(self.coef[entries][self.row_index[entries] == row].sum())
            if on_row >= 0.0 or not self._fits(c, -1.0, state.activity, lows):
                continue
            ratio = max(float(self.col_value[c]), 0.0) / -on_row
            if ratio < best_ratio:
                best, best_ratio = int(p), ratio
        if best < 0:
            return False
        c = int(state.chosen[best])
        apply_column(c, -1.0, state.activity, self.col_ptr, self.row_index, self.coef)
        state.chosen[best] = -1
        return True

    def cut_line(self, project_order: IntArray) -> HeuristicState:
        """The ranked-list baseline: rank order, earliest start that fits, one pass."""
        state = self.empty_state()
        self.place_must_run(state)
        cut_line(
            state.chosen,
            state.activity,
            project_order,
            self.project_col_ptr,
            self.col_ptr,
            self.row_index,
            self.coef,
            self.row_lo_construction,
            self.row_hi,
            self.tolerance,
        )
        # Rank order again, as columns: the repair adds the best-ranked projects first.
        columns_in_rank = (
            np.concatenate(
                [
                    np.arange(self.project_col_ptr[p], self.project_col_ptr[p + 1])
                    for p in project_order
                ]
            )
            if len(project_order)
            else np.zeros(0, dtype=np.int64)
        )
        self.repair_balance_floors(state, columns_in_rank.astype(np.int64))
        return self.finish(state)


def rank_projects(model: CompiledPortfolio, rank_by: str) -> IntArray:
    """Compiled projects in cut-line rank order: by score, or by value at the
    earliest start; ties keep the input order."""
    if rank_by == "score":
        keys = np.array([project.score for project in model.projects])
    else:
        keys = model.col_value[model.project_col_ptr[:-1]]
    return np.argsort(-keys, kind="stable").astype(np.int64)
