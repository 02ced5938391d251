"""The compiled model as a HiGHS MILP (and its LP relaxation).

Columns are the binaries x[p, s]; rows are the compiled rows plus one
assignment row per project (``sum_s x[p, s] <= 1``, ``= 1`` when it must run).
HiGHS gets the heuristic plan as a starting solution (``setSolution``), so its
incumbent is never worse than the heuristics, and reports the proven bound.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steerco.engine.portfolio.optimiser_build import (
    CompiledPortfolio,
    FloatArray,
    Int32Array,
)

_BANNER_LOCK = threading.Lock()
_BANNER_SHOWN = False
_THREAD_STATE = threading.local()


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while HiGHS prints its one-off banner.

    HiGHS writes "Running HiGHS ..." from C++ the first time a solver is
    created in a process, before any option can turn output off; commands
    whose stdout is JSON must not see it.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> Any:
    """A silent HiGHS instance."""
    import highspy

    global _BANNER_SHOWN
    with _BANNER_LOCK:
        if not _BANNER_SHOWN:
            with _quiet_stdout():
                highs = highspy.Highs()
            _BANNER_SHOWN = True
        else:
            highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


@dataclass(slots=True)
class MilpOutcome:
    """What one HiGHS run found."""

    columns: Int32Array | None
    value: float
    bound: float
    status: str
    seconds: float
    improvements: list[tuple[float, float]] = field(default_factory=list)


def highs_lp(
    col_value: FloatArray,
    col_ptr: np.ndarray,
    row_index: np.ndarray,
    coef: FloatArray,
    row_lo: FloatArray,
    row_hi: FloatArray,
    col_project: np.ndarray,
    must_run: np.ndarray,
    *,
    integer: bool = True,
    objective_scale: float = 1.0,
) -> Any:
    """A HighsLp from columns in CSC form plus one assignment row per project.

    ``col_project`` maps each column to its project (0..len(must_run)-1); the
    assignment row of a project is ``<= 1``, or ``= 1`` when it must run.
    The objective is divided by ``objective_scale`` (HiGHS works best with
    costs near 1; money in millions trips its scaling warnings).
    """
    import highspy

    n = int(col_value.shape[0])
    projects = int(must_run.shape[0])
    m = int(row_lo.shape[0])
    assign_row = m + col_project.astype(np.int64)
    counts = np.diff(col_ptr)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts + 1, out=start[1:])
    index = np.insert(row_index.astype(np.int64), col_ptr[1:], assign_row)
    value = np.insert(coef, col_ptr[1:], 1.0)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m + projects
    lp.col_cost_ = col_value / objective_scale
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.concatenate(
        [np.where(np.isfinite(row_lo), row_lo, -inf), np.where(must_run, 1.0, -inf)]
    )
    lp.row_upper_ = np.concatenate([np.where(np.isfinite(row_hi), row_hi, inf), np.ones(projects)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m + projects
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


def objective_scale(model: CompiledPortfolio) -> float:
    """A typical column value, to bring HiGHS's costs near 1."""
    values = np.abs(model.col_value)
    positive = values[values > 0]
    return float(np.median(positive)) if positive.shape[0] else 1.0


def build_lp(
    model: CompiledPortfolio,
    *,
    row_hi: FloatArray | None = None,
    integer: bool = True,
    relaxed_rows: np.ndarray | None = None,
    relaxed_must_run: np.ndarray | None = None,
    zero_objective: bool = False,
) -> Any:
    """The HighsLp of the whole model.

    ``row_hi`` overrides the upper limits (the frontier changes the total
    budget); ``relaxed_rows`` (bool per row) and ``relaxed_must_run`` (bool per
    project) drop constraints, and ``zero_objective`` asks for feasibility
    only, for infeasibility analysis.
    """
    hi = (model.row_hi if row_hi is None else row_hi).copy()
    lo = model.row_lo.copy()
    if relaxed_rows is not None:
        hi[relaxed_rows] = np.inf
        lo[relaxed_rows] = -np.inf
    must = model.must_run.copy()
    if relaxed_must_run is not None:
        must &= ~relaxed_must_run
    values = np.zeros(model.column_count) if zero_objective else model.col_value
    return highs_lp(
        values,
        model.col_ptr,
        model.row_index,
        model.coef,
        lo,
        hi,
        model.col_project,
        must,
        integer=integer,
        objective_scale=1.0 if zero_objective else objective_scale(model),
    )


def configure(highs: Any, *, time_limit: float, threads: int, seed: int = 0) -> None:
    """Common options of every HiGHS run."""
    highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    highs.setOptionValue("threads", int(max(1, threads)))
    highs.setOptionValue("random_seed", int(seed))
    # Our own check of a plan allows 1e-7 on scaled rows (largest coefficient
    # 1); HiGHS must not hand back plans it accepted with a looser tolerance.
    highs.setOptionValue("mip_feasibility_tolerance", 1e-7)
    highs.setOptionValue("primal_feasibility_tolerance", 1e-7)


def add_rows(highs: Any, rows: list[tuple[np.ndarray, float]]) -> None:
    """Append rows ``sum of x[columns] <= limit`` to the model in ``highs``."""
    import highspy

    if not rows:
        return
    sizes = np.array([columns.shape[0] for columns, _ in rows], dtype=np.int64)
    starts = np.zeros(len(rows), dtype=np.int32)
    np.cumsum(sizes[:-1], out=starts[1:])
    index = np.concatenate([columns for columns, _ in rows]).astype(np.int32)
    highs.addRows(
        len(rows),
        np.full(len(rows), -highspy.kHighsInf),
        np.array([limit for _, limit in rows], dtype=np.float64),
        index.shape[0],
        starts,
        index,
        np.ones(index.shape[0]),
    )


def run_highs(highs: Any) -> None:
    """``highs.run()``, tolerant of the per-thread task scheduler.

    HiGHS sizes one task scheduler per calling thread on its first run; a
    later run in the same thread asking for another thread count fails
    without solving. Reset that thread's scheduler (never the global one,
    other threads may be solving) and run again.
    """
    import highspy

    wanted = int(highs.getOptionValue("threads")[1])
    if getattr(_THREAD_STATE, "threads", wanted) != wanted:
        highspy.Highs.resetThreadScheduler(True)
    _THREAD_STATE.threads = wanted
    status = highs.run()
    if status == highspy.HighsStatus.kError and (
        highs.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        highspy.Highs.resetThreadScheduler(True)
        highs.run()


def run_mip(
    lp: Any,
    *,
    scale: float,
    time_limit: float,
    threads: int,
    mip_rel_gap: float,
    warm_start: FloatArray | None = None,
    seed: int = 0,
    origin: float | None = None,
    on_solution: Callable[[FloatArray], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[FloatArray | None, float, float, str, list[tuple[float, float]]]:
    """Solve a HighsLp as a MIP.

    Returns (column values or None, objective, dual bound, status text,
    improvements as (seconds since ``origin``, objective)); objective values
    are multiplied back by ``scale``. ``on_solution`` receives the column
    values of each improving solution as HiGHS finds it; HiGHS is
    interrupted once ``stop()`` is true.
    """
    import highspy

    origin = time.perf_counter() if origin is None else origin
    highs = new_highs()
    configure(highs, time_limit=time_limit, threads=threads, seed=seed)
    highs.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    highs.passModel(lp)
    improvements: list[tuple[float, float]] = []

    def on_improvement(event: Any) -> None:
        improvements.append(
            (
                time.perf_counter() - origin,
                float(event.data_out.objective_function_value) * scale,
            )
        )
        if on_solution is not None:
            on_solution(np.asarray(event.data_out.mip_solution, dtype=np.float64))

    def on_interrupt(event: Any) -> None:
        if stop is not None and stop():
            event.interrupt()

    highs.cbMipImprovingSolution.subscribe(on_improvement)
    if stop is not None:
        highs.cbMipInterrupt.subscribe(on_interrupt)
    if warm_start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = warm_start
        solution.value_valid = True
        highs.setSolution(solution)
    run_highs(highs)
    highs.cbMipImprovingSolution.unsubscribe(on_improvement)
    if stop is not None:
        highs.cbMipInterrupt.unsubscribe(on_interrupt)
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    values = None
    objective = float("nan")
    if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
        values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value) * scale
    bound = float(info.mip_dual_bound) * scale
    return values, objective, bound, status, improvements


def solve_milp(
    model: CompiledPortfolio,
    *,
    time_limit: float,
    threads: int,
    mip_rel_gap: float,
    warm_start: Int32Array | None = None,
    row_hi: FloatArray | None = None,
    seed: int = 0,
    started: float | None = None,
) -> MilpOutcome:
    """Run HiGHS on the whole model; ``warm_start`` is a list of columns (a plan).

    ``started`` is the ``perf_counter`` time the caller's clock started at, so
    that the improvement times it records are on the caller's clock.
    """
    dense = None
    if warm_start is not None:
        dense = np.zeros(model.column_count)
        dense[warm_start] = 1.0
    clock = time.perf_counter()
    values, _, bound, status, improvements = run_mip(
        build_lp(model, row_hi=row_hi),
        scale=objective_scale(model),
        time_limit=time_limit,
        threads=threads,
        mip_rel_gap=mip_rel_gap,
        warm_start=dense,
        seed=seed,
        origin=started,
    )
    seconds = time.perf_counter() - clock
    columns = None
    value = float("nan")
    if values is not None:
        columns = np.flatnonzero(values > 0.5).astype(np.int32)
        value = float(model.col_value[columns].sum())
    return MilpOutcome(columns, value, bound, status, seconds, improvements)


@dataclass(slots=True)
class LpOutcome:
    """The LP relaxation: objective (a bound), column values and row duals.

    ``row_duals`` are the marginal objective per unit of each *scaled* row's
    limit, signed so that a positive value means more limit, more value.
    """

    status: str
    objective: float
    column_values: FloatArray
    row_duals: FloatArray
    seconds: float
    reduced_costs: FloatArray = field(default_factory=lambda: np.zeros(0))
    solver: Any = None


def solve_relaxation(
    model: CompiledPortfolio,
    *,
    row_hi: FloatArray | None = None,
    threads: int = 1,
    time_limit: float = 60.0,
    keep_solver: bool = False,
) -> LpOutcome:
    """Solve the LP relaxation of the whole model.

    With ``keep_solver`` the HiGHS instance comes back in ``solver``, solved,
    for cuts to be added to it.
    """
    highs = new_highs()
    configure(highs, time_limit=time_limit, threads=threads)
    scale = objective_scale(model)
    highs.passModel(build_lp(model, row_hi=row_hi, integer=False))
    clock = time.perf_counter()
    run_highs(highs)
    seconds = time.perf_counter() - clock
    status = highs.modelStatusToString(highs.getModelStatus())
    solution = highs.getSolution()
    m = model.row_count
    column_values = np.asarray(solution.col_value, dtype=np.float64)
    # For a maximisation HiGHS reports d objective / d limit directly: a
    # binding upper limit has a positive dual (checked by re-solving).
    row_duals = np.asarray(solution.row_dual, dtype=np.float64)[:m] * scale
    objective = float(highs.getInfo().objective_function_value) * scale
    reduced_costs = np.asarray(solution.col_dual, dtype=np.float64) * scale
    return LpOutcome(
        status,
        objective,
        column_values,
        row_duals,
        seconds,
        reduced_costs,
        highs if keep_solver else None,
    )


def column_rents(model: CompiledPortfolio, row_duals: FloatArray) -> FloatArray:
    """Each column's value less what it uses of the model's rows at the LP's prices.

    Unlike HiGHS's reduced costs, the "one start at most" rows of the
    projects are left out: their duals absorb the worth of every project the
    LP selects, whose chosen start then shows a reduced cost of zero. A
    project's best rent is what the LP bound loses when it is forced out (a
    positive rent) or in (a negative one).
    """
    entry_column = np.repeat(np.arange(model.column_count), np.diff(model.col_ptr))
    price = np.bincount(
        entry_column,
        weights=row_duals[model.row_index] * model.coef,
        minlength=model.column_count,
    )
    rents: FloatArray = model.col_value - price
    return rents
