"""Cover cuts that tighten the LP bound of the time-indexed model.

The LP relaxation spreads a project over several starts, and so smooths its
demand in each role-month and its spend in each budget period: it fills a
capacity exactly with "half projects" that no plan can have. A cover cut says
that some projects cannot all sit in one row at once.

For a capacity or budget row ``sum_c a_c x_c <= b`` (coefficients >= 0, at
most one start per project), take projects ``C`` and a weight ``w_p`` for each
whose sum exceeds ``b``; let ``S_p`` be the starts of ``p`` that use at least
``w_p`` of the row. Any ``|C|`` of them together break the row, so

    sum over p in C of  x(S_p)  <=  |C| - 1.

The cut is extended to every other project: its starts that use at least
``max_p w_p`` count too (swapping a cover project for one that uses at least
as much keeps the sum above ``b``). This is the extended cover inequality of
the knapsack polytope (Balas 1975, "Facets of the knapsack polytope", Math.
Programming 8) written over the projects' "one start at most" choice, as in
the GUB covers of Wolsey ("Valid inequalities for 0-1 knapsacks and MIPs with
generalised upper bound constraints", Discrete Applied Math. 29, 1990).

Cuts are separated from the LP solution greedily (projects the LP runs almost
whole at heavy starts first), added to the LP, and the LP is solved again
(HiGHS's dual simplex restarts from the previous basis) until a round gains
little or the time is up. Every cut is valid for every plan, so the LP value
after any round is still a proven bound; the cuts also go to HiGHS's MILP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steerco.engine.portfolio.optimiser_build import (
    BUDGET,
    CAPACITY,
    CompiledPortfolio,
    FloatArray,
    Int32Array,
    IntArray,
)
from steerco.engine.portfolio.optimiser_milp import add_rows, run_highs

# A cover must exceed its row by more than the tolerance any plan is accepted
# with (HiGHS: 1e-7 on scaled rows, our checks less): a plan that uses a row
# up to its limit plus tolerance must never be cut off.
_COVER_MARGIN = 1e-6
_MIN_VIOLATION = 1e-3
_LIVE = 1e-6


@dataclass(slots=True)
class Cut:
    """``sum of x[columns] <= rhs``: at most ``rhs`` of these starts at once."""

    columns: Int32Array
    rhs: float
    row: int


@dataclass(slots=True)
class CutRound:
    """The LP bound after a round of cuts."""

    bound: float
    cuts: int
    seconds: float


@dataclass(slots=True)
class CutOutcome:
    """What the cut loop proved: the bound (``inf`` when no LP was solved)."""

    bound: float
    cuts: list[Cut] = field(default_factory=list)
    rounds: list[CutRound] = field(default_factory=list)
    column_values: FloatArray | None = None


class CoverSeparator:
    """Finds violated cover cuts of the capacity and budget rows of a model."""

    def __init__(self, model: CompiledPortfolio, row_hi: FloatArray) -> None:
        self.model = model
        kinds = np.array([info.kind for info in model.rows])
        candidate = ((kinds == CAPACITY) | (kinds == BUDGET)) & np.isfinite(row_hi)
        # A cover needs every other entry of its row to use the row, never free
        # room in it: rows with a negative coefficient are left alone.
        negative = np.zeros(model.row_count, dtype=bool)
        negative[model.row_index[model.coef < 0.0]] = True
        candidate &= ~negative
        entry_column = np.repeat(np.arange(model.column_count), np.diff(model.col_ptr))
        keep = candidate[model.row_index] & (model.coef > 0.0)
        rows = model.row_index[keep].astype(np.int64)
        # Row-major: entries of a row are in column order, hence grouped by project.
        order = np.lexsort((entry_column[keep], rows))
        self.entry_row = rows[order]
        self.entry_column = entry_column[keep][order].astype(np.int64)
        self.entry_coef = model.coef[keep][order]
        self.entry_project = model.col_project[self.entry_column].astype(np.int64)
        self.rows = np.unique(self.entry_row)
        self.row_ptr = np.searchsorted(self.entry_row, np.arange(model.row_count + 1))
        self.row_hi = row_hi

    def separate(self, x: FloatArray) -> list[Cut]:
        """Violated cover cuts at the point ``x`` (one per row at most)."""
        values = x[self.entry_column]
        live = values > _LIVE
        if not live.any():
            return []
        # Every live entry is a candidate weight threshold w for its project in
        # its row; its "share" is how much of the project the LP runs at starts
        # using at least w. Sort by row, project, weight (heaviest first) and
        # sum within each (row, project) group.
        row = self.entry_row
        project = self.entry_project
        coef = self.entry_coef
        order = np.lexsort((-coef, project, row))
        group_key = row[order] * (len(self.model.projects) + 1) + project[order]
        new_group = np.ones(order.shape[0], dtype=bool)
        new_group[1:] = group_key[1:] != group_key[:-1]
        running = np.cumsum(values[order])
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(order.shape[0]), 0))
        before = np.where(group_start > 0, running[group_start - 1], 0.0)
        share = np.minimum(1.0, running - before)
        candidate = live[order]
        ratio = np.where(candidate, (1.0 - share) / np.maximum(coef[order], 1e-12), np.inf)
        # One threshold per (row, project): the cheapest to count in a cover.
        by_group = np.lexsort((ratio, group_key))
        first = np.ones(by_group.shape[0], dtype=bool)
        first[1:] = group_key[by_group][1:] != group_key[by_group][:-1]
        best = order[by_group[first]]
        best_ratio = ratio[by_group[first]]
        best_share = share[by_group[first]]
        keep = np.isfinite(best_ratio)
        best, best_ratio, best_share = best[keep], best_ratio[keep], best_share[keep]
        # Per row, take projects by increasing ratio until their weights pass
        # the limit; a cover is worth keeping when the shares it misses sum
        # below 1.
        sequence = np.lexsort((best_ratio, row[best]))
        best, best_share = best[sequence], best_share[sequence]
        rows_of = row[best]
        weight = coef[best]
        row_begin = np.searchsorted(rows_of, self.rows)
        row_end = np.searchsorted(rows_of, self.rows, side="right")
        cumulative_weight = np.cumsum(weight)
        cumulative_cost = np.cumsum(1.0 - best_share)
        cuts = []
        for k, r in enumerate(self.rows):
            begin, end = int(row_begin[k]), int(row_end[k])
            if end <= begin:
                continue
            limit = float(self.row_hi[r])
            margin = _COVER_MARGIN * max(1.0, abs(limit))
            offset_weight = cumulative_weight[begin - 1] if begin > 0 else 0.0
            offset_cost = cumulative_cost[begin - 1] if begin > 0 else 0.0
            weights = cumulative_weight[begin:end] - offset_weight
            passing = np.flatnonzero(weights > limit + margin)
            if passing.shape[0] == 0:
                continue
            last = int(passing[0])
            if cumulative_cost[begin + last] - offset_cost >= 1.0 - _MIN_VIOLATION:
                continue
            members = best[begin : begin + last + 1]
            cut = self._cut(
                int(r),
                limit + margin,
                project[members],
                coef[members],
                best_share[begin : begin + last + 1],
                x,
            )
            if cut is not None:
                cuts.append(cut)
        return cuts

    def _cut(
        self,
        r: int,
        limit: float,
        projects: IntArray,
        weights: FloatArray,
        shares: FloatArray,
        x: FloatArray,
    ) -> Cut | None:
        """The extended cover cut of a cover (made minimal first) of row ``r``."""
        cover = sorted(zip(shares.tolist(), projects.tolist(), weights.tolist(), strict=True))
        total = float(weights.sum())
        # Make the cover minimal, dropping the projects the LP runs least first.
        index = 0
        while index < len(cover):
            if total - cover[index][2] > limit:
                total -= cover[index][2]
                cover.pop(index)
            else:
                index += 1
        heaviest = max(w for _, _, w in cover)
        threshold = np.full(len(self.model.projects), heaviest)
        for _, p, w in cover:
            threshold[p] = w
        begin, end = int(self.row_ptr[r]), int(self.row_ptr[r + 1])
        columns = self.entry_column[begin:end]
        member = self.entry_coef[begin:end] >= threshold[self.entry_project[begin:end]] - 1e-12
        size = len(cover)
        violation = float(x[columns[member]].sum()) - (size - 1)
        if violation <= _MIN_VIOLATION:
            return None
        return Cut(columns[member].astype(np.int32), float(size - 1), r)


def tighten_bound(
    model: CompiledPortfolio,
    highs: Any,
    *,
    scale: float,
    row_hi: FloatArray,
    deadline: float,
    min_gain: float = 1e-5,
    max_rounds: int = 50,
) -> CutOutcome:
    """Add rounds of cover cuts to a solved LP relaxation in ``highs``.

    ``highs`` holds the LP of ``model`` (columns in model order, objective
    divided by ``scale``), solved to optimality. Stops when a round finds no
    cut, gains less than ``min_gain`` (relative), or at ``deadline``
    (``perf_counter`` time). The HiGHS instance keeps the cuts.
    """
    import highspy

    outcome = CutOutcome(float("inf"))
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return outcome
    outcome.bound = float(highs.getInfo().objective_function_value) * scale
    outcome.column_values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    separator = CoverSeparator(model, row_hi)
    for _ in range(max_rounds):
        clock = time.perf_counter()
        if deadline - clock <= 0.0:
            break
        assert outcome.column_values is not None
        cuts = separator.separate(outcome.column_values)
        if not cuts:
            break
        add_cuts(highs, cuts)
        highs.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
        run_highs(highs)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # Out of time mid-solve: the bound of the last full round stands.
            break
        outcome.cuts.extend(cuts)
        bound = float(highs.getInfo().objective_function_value) * scale
        gain = outcome.bound - bound
        outcome.bound = min(outcome.bound, bound)
        outcome.column_values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        outcome.rounds.append(CutRound(outcome.bound, len(cuts), time.perf_counter() - clock))
        if gain <= min_gain * max(1.0, abs(bound)):
            break
    return outcome


def add_cuts(highs: Any, cuts: list[Cut]) -> None:
    """Append cuts as rows of the model in ``highs`` (same columns)."""
    add_rows(highs, [(cut.columns, cut.rhs) for cut in cuts])
