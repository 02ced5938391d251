"""A CP-SAT racer for small models: more plans, sooner, next to HiGHS.

On small, tight models (the multidimensional knapsacks of OR-Library are the
typical case) HiGHS proves bounds well but can be slow to find the last
improvements, while CP-SAT's search finds good plans fast. This worker runs
CP-SAT (one search worker, full linearisation: its LP then guides the search
as in a MIP solver) on the same compiled model and hands every plan it finds
to the shared incumbent, from where HiGHS picks it up.

CP-SAT needs integers. Rows whose coefficients and limits are whole numbers
in business units (counts, knapsack weights) are copied exactly; others are
rounded conservatively: coefficients of an upper-limited row up and its limit
down (the other way round for lower limits), so every CP-SAT plan is feasible
for the real model (each is checked again anyway). When the whole copy is
exact (values too), CP-SAT's bound is a valid bound and its "optimal" a
proof; otherwise only its plans count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, FloatArray, Int32Array

_RESOLUTION = 1_000_000


def _integer_rows(
    model: CompiledPortfolio, row_hi: FloatArray
) -> tuple[list[list[tuple[int, float]]], FloatArray, bool]:
    """Per row, its (column, coefficient) terms; a multiplier making them
    integers; and whether every row is copied exactly."""
    terms: list[list[tuple[int, float]]] = [[] for _ in range(model.row_count)]
    for c in range(model.column_count):
        for k in range(int(model.col_ptr[c]), int(model.col_ptr[c + 1])):
            terms[int(model.row_index[k])].append((c, float(model.coef[k])))
    multiplier = np.full(model.row_count, float(_RESOLUTION))
    exact = True
    for r in range(model.row_count):
        scale = float(model.row_scale[r])
        values = [a * scale for _, a in terms[r]]
        limits = [v * scale for v in (model.row_lo[r], row_hi[r]) if math.isfinite(v)]
        # Rows that are integral in business units (counts, knapsack weights)
        # keep them exactly.
        if all(abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)) for v in values + limits) and (
            max((abs(v) for v in values), default=0.0) <= 1e12
        ):
            multiplier[r] = scale
        elif terms[r]:
            exact = False
    return terms, multiplier, exact


class CpSatWorker(threading.Thread):
    """CP-SAT on the compiled model in its own thread."""

    def __init__(
        self,
        model: CompiledPortfolio,
        *,
        row_hi: FloatArray,
        deadline: float,
        seed: int,
        offer: Callable[[Int32Array], object],
    ) -> None:
        super().__init__(daemon=True)
        self.model = model
        self.row_hi = row_hi
        self.deadline = deadline
        self.seed = seed
        self.offer = offer
        self.stop_requested = threading.Event()
        self.bound = float("inf")
        self.exact = False
        self.status = "Not run"
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._solve()
        except BaseException as error:  # reported to the caller's thread
            self.error = error

    def _solve(self) -> None:
        from ortools.sat.python import cp_model

        model = self.model
        cp = cp_model.CpModel()
        x = [cp.new_bool_var(f"x{c}") for c in range(model.column_count)]
        for p in range(len(model.projects)):
            columns = x[int(model.project_col_ptr[p]) : int(model.project_col_ptr[p + 1])]
            if model.must_run[p]:
                cp.add_exactly_one(columns)
            else:
                cp.add_at_most_one(columns)
        terms, multiplier, exact = _integer_rows(model, self.row_hi)
        for r, row_terms in enumerate(terms):
            if not row_terms:
                continue
            k = multiplier[r]
            hi = float(self.row_hi[r])
            lo = float(model.row_lo[r])
            if math.isfinite(hi):
                cp.add(
                    sum(math.ceil(a * k - 1e-9) * x[c] for c, a in row_terms)
                    <= math.floor(hi * k + 1e-9)
                )
            if math.isfinite(lo):
                cp.add(
                    sum(math.floor(a * k + 1e-9) * x[c] for c, a in row_terms)
                    >= math.ceil(lo * k - 1e-9)
                )
        values = model.col_value
        top = float(np.max(np.abs(values))) if values.shape[0] else 1.0
        value_scale = _RESOLUTION / top if top > 0 else 1.0
        integral_values = bool(np.all(np.abs(values - np.round(values)) <= 1e-9)) and top <= 1e12
        if integral_values:
            value_scale = 1.0
        self.exact = exact and integral_values
        cp.maximize(sum(round(float(v) * value_scale) * x[c] for c, v in enumerate(values)))
        # No solution hint: on the knapsack benchmarks a hint of the current
        # plan held CP-SAT near it and found less than a search of its own.
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, self.deadline - time.perf_counter())
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = int(self.seed)
        stop = self.stop_requested
        offer = self.offer
        worker = self

        class _Collector(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                picked = np.array(
                    [c for c in range(len(x)) if self.boolean_value(x[c])], dtype=np.int32
                )
                offer(picked)
                if worker.exact:
                    worker.bound = min(worker.bound, float(self.best_objective_bound))
                if stop.is_set():
                    self.stop_search()

        collector = _Collector()
        finished = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(solver, finished), daemon=True)
        watcher.start()
        try:
            status: Any = solver.solve(cp, collector)
        finally:
            finished.set()
            watcher.join()
        self.status = solver.status_name(status)
        if self.exact and self.status in ("OPTIMAL", "FEASIBLE"):
            self.bound = min(self.bound, float(solver.best_objective_bound))
        if self.exact and self.status == "INFEASIBLE":
            self.bound = -float("inf")

    @property
    def proved(self) -> bool:
        """CP-SAT proved optimality (or infeasibility) of an exact copy."""
        return self.exact and self.status in ("OPTIMAL", "INFEASIBLE")

    def _watch(self, solver: Any, finished: threading.Event) -> None:
        """Stop CP-SAT when asked, even between solutions."""
        while not finished.wait(0.05):
            if self.stop_requested.is_set():
                solver.stop_search()
