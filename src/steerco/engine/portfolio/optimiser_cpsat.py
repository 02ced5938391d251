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

Given the LP relaxation, the worker first climbs a core ladder (Puchinger,
Raidl & Pferschy 2010, "The multidimensional knapsack problem: structure and
algorithms", INFORMS J. Computing 22(2)): projects whose LP rent (value less
the LP price of what they use) is far from zero keep the LP's decision, and
CP-SAT solves exactly the small problem of the undecided ones; the core grows while CP-SAT proves each size quickly.
The best plans of tight knapsacks differ from the LP in a few dozen of
projects only, so a proven core of that size finds them in a fraction of the
time a search of the whole model needs. Then CP-SAT searches the whole model.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, FloatArray, Int32Array
from steerco.engine.portfolio.optimiser_milp import column_rents

_RESOLUTION = 1_000_000
_CORE_FIRST = 20
_CORE_GROWTH = 1.4
_CORE_SHARE = 0.2
_LADDER_SHARE = 0.3


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
        lp_values: FloatArray | None = None,
        row_duals: FloatArray | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.model = model
        self.lp_values = lp_values
        self.row_duals = row_duals
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
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = int(self.seed)
        stop = self.stop_requested
        offer = self.offer
        worker = self
        core_model: list[Any] = [cp]

        class _Collector(cp_model.CpSolverSolutionCallback):
            def __init__(self) -> None:
                super().__init__()
                self.last: Int32Array | None = None

            def on_solution_callback(self) -> None:
                picked = np.array(
                    [c for c in range(len(x)) if self.boolean_value(x[c])], dtype=np.int32
                )
                self.last = picked
                offer(picked)
                # Only the whole model's bound bounds the portfolio.
                if worker.exact and core_model[0] is cp:
                    worker.bound = min(worker.bound, float(self.best_objective_bound))
                if stop.is_set():
                    self.stop_search()

        collector = _Collector()
        finished = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(solver, finished), daemon=True)
        watcher.start()
        # The ladder gets a share of the time; a search of the whole model
        # finds what no core holds (many tight rows leave many projects
        # undecided, and small cores then miss the best plans).
        ladder_end = time.perf_counter() + _LADDER_SHARE * (self.deadline - time.perf_counter())
        try:
            for fixed_on, fixed_off in self._core_ladder():
                remaining = self.deadline - time.perf_counter()
                ladder_left = ladder_end - time.perf_counter()
                if stop.is_set() or ladder_left <= 0.05:
                    break
                core = cp.clone()
                for c in fixed_on:
                    core.add(core.get_bool_var_from_proto_index(int(c)) == 1)
                for c in fixed_off:
                    core.add(core.get_bool_var_from_proto_index(int(c)) == 0)
                if collector.last is not None:
                    # The previous core's plan is a plan of this larger core.
                    for c in collector.last:
                        core.add_hint(core.get_bool_var_from_proto_index(int(c)), True)
                core_model[0] = core
                solver.parameters.max_time_in_seconds = max(
                    0.05, min(_CORE_SHARE * remaining, ladder_left)
                )
                core_status = solver.solve(core, collector)
                if core_status != cp_model.OPTIMAL:
                    # A core CP-SAT cannot prove fast: larger ones will not be
                    # faster, the search of the whole model takes over.
                    break
            core_model[0] = cp
            # No solution hint: on the knapsack benchmarks a hint of the current
            # plan held CP-SAT near it and found less than a search of its own.
            solver.parameters.max_time_in_seconds = max(0.05, self.deadline - time.perf_counter())
            status: Any = solver.solve(cp, collector)
        finally:
            finished.set()
            watcher.join()
        self.status = solver.status_name(status)
        if self.exact and self.status in ("OPTIMAL", "FEASIBLE"):
            self.bound = min(self.bound, float(solver.best_objective_bound))
        if self.exact and self.status == "INFEASIBLE":
            self.bound = -float("inf")

    def _core_ladder(self) -> Iterator[tuple[Int32Array, Int32Array]]:
        """Cores of growing size: (columns fixed to 1, columns fixed to 0).

        Projects are ranked by how undecided the LP leaves them: by how much
        the LP bound would lose if the project were forced out (when the LP
        runs it) or in (when it does not), its best start's value less what
        that start uses of every row at the LP's prices. Those
        outside the core keep the LP's choice when the LP runs them whole at
        one start or leaves them out entirely, and stay free otherwise.
        """
        model = self.model
        lp_values = self.lp_values
        row_duals = self.row_duals
        count = len(model.projects)
        if (
            lp_values is None
            or row_duals is None
            or lp_values.shape[0] != model.column_count
            or row_duals.shape[0] != model.row_count
            or count <= _CORE_FIRST
        ):
            return
        ptr = model.project_col_ptr
        doubt = np.abs(np.maximum.reduceat(column_rents(model, row_duals), ptr[:-1]))
        order = np.argsort(doubt, kind="stable")
        selected = np.add.reduceat(lp_values, ptr[:-1])
        top = np.maximum.reduceat(lp_values, ptr[:-1])
        size = _CORE_FIRST
        while size < count:
            core = np.zeros(count, dtype=bool)
            core[order[:size]] = True
            on = ~core & (top >= 1.0 - 1e-6)
            off = ~core & (selected <= 1e-6) & ~model.must_run
            on_columns = [
                int(ptr[p]) + int(np.argmax(lp_values[ptr[p] : ptr[p + 1]]))
                for p in np.flatnonzero(on)
            ]
            off_columns = _column_ranges(ptr, np.flatnonzero(on))
            off_columns = np.concatenate([off_columns, _column_ranges(ptr, np.flatnonzero(off))])
            keep = np.ones(model.column_count, dtype=bool)
            keep[on_columns] = False
            fixed_off = off_columns[keep[off_columns]]
            yield np.array(on_columns, dtype=np.int32), fixed_off.astype(np.int32)
            size = math.ceil(size * _CORE_GROWTH)

    @property
    def proved(self) -> bool:
        """CP-SAT proved optimality (or infeasibility) of an exact copy."""
        return self.exact and self.status in ("OPTIMAL", "INFEASIBLE")

    def _watch(self, solver: Any, finished: threading.Event) -> None:
        """Stop CP-SAT when asked, even between solutions."""
        while not finished.wait(0.05):
            if self.stop_requested.is_set():
                solver.stop_search()


def _column_ranges(ptr: npt.NDArray[np.int64], projects: npt.NDArray[np.int64]) -> Int32Array:
    """Every column of the given projects."""
    if projects.shape[0] == 0:
        return np.zeros(0, dtype=np.int32)
    return np.concatenate(
        [np.arange(int(ptr[p]), int(ptr[p + 1]), dtype=np.int32) for p in projects]
    )
