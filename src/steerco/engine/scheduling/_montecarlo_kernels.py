"""Compiled kernels of the Monte Carlo schedule simulation.

Everything here works on plain integer-indexed arrays prepared by
:mod:`steerco.engine.scheduling.montecarlo`; nothing here validates input.

A *slot* is one random quantity drawn per iteration: the first ``task_count`` slots are the
task durations (tasks numbered in topological order), the others are the added durations of
risk impacts. Each slot has a distribution kind, up to three parameters and, when it is
random, a row in the matrix of uniform draws.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KIND_FIXED = 0
KIND_UNIFORM = 1
KIND_TRIANGULAR = 2
KIND_PERT = 3
KIND_LOGNORMAL = 4

LINK_FS = 0
LINK_SS = 1
LINK_FF = 2
LINK_SF = 3

# Iterations handled together: the slots are sampled slot by slot inside a block (so a PERT
# table stays in cache for the whole block) and the network is then swept iteration by
# iteration (so the per-task arrays of one iteration stay in cache). 256 iterations of 1,000
# slots is 2 MB of durations, which fits in the second-level cache of common CPUs.
BLOCK_ITERATIONS = 256

# Smallest and largest uniform draw fed to an inverse CDF, so that a draw of exactly 0 (which
# numpy's generator can return) gives a finite lognormal duration.
_SMALLEST_UNIFORM = 2.0**-60
_LARGEST_UNIFORM = 1.0 - 2.0**-53

# Coefficients of the rational approximations of algorithm AS 241 (PPND16): M. J. Wichura,
# "The percentage points of the normal distribution", Applied Statistics 37(3), 1988,
# pp. 477-484. Accurate to about 1e-16 over the whole range.
_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


@njit(cache=True, inline="always")
def _polynomial(c: tuple[float, ...], x: float) -> float:
    return (
        (((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]
    ) * x + c[0]


@njit(cache=True)
def normal_quantile(probability: float) -> float:
    """Inverse of the standard normal CDF (AS 241); ``probability`` must be in (0, 1)."""
    q = probability - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _polynomial(_A, r) / _polynomial(_B, r)
    r = probability if q < 0.0 else 1.0 - probability
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        value = _polynomial(_C, r) / _polynomial(_D, r)
    else:
        r -= 5.0
        value = _polynomial(_E, r) / _polynomial(_F, r)
    return -value if q < 0.0 else value


@njit(cache=True)
def normal_cdf_into(normals: FloatArray, out: FloatArray, rows: IntArray) -> None:
    """Write Phi(normals[j]) into out[rows[j]]: the uniforms of a Gaussian copula."""
    count, width = normals.shape
    scale = 1.0 / math.sqrt(2.0)
    for j in range(count):
        for i in range(width):
            out[rows[j], i] = 0.5 * math.erfc(-normals[j, i] * scale)


@njit(cache=True)
def pert_tables(
    alpha: FloatArray, beta: FloatArray, cells: int
) -> tuple[FloatArray, npt.NDArray[np.int32]]:
    """CDF tables of standard beta distributions on ``cells`` equal cells, with guide tables.

    Interior cells are integrated with Simpson's rule. At an end the density behaves like
    x^(alpha - 1), which is not smooth when alpha is close to 1 (Simpson would be off by 0.1%
    of the mass there), so the two end cells are integrated exactly for that power times a
    straight line for the smooth factor. Each CDF is normalised to end at exactly 1, so the
    beta function is never needed.
    """
    count = alpha.shape[0]
    width = 1.0 / cells
    points = 2 * cells + 1
    log_x = np.empty(points)
    log_rest = np.empty(points)
    for i in range(points):
        x = i / (points - 1)
        log_x[i] = math.log(x) if x > 0.0 else -np.inf
        log_rest[i] = math.log1p(-x) if x < 1.0 else -np.inf
    cdf = np.zeros((count, cells + 1))
    guide = np.empty((count, cells), dtype=np.int32)
    density = np.empty(points)
    for r in range(count):
        rise = alpha[r] - 1.0
        fall = beta[r] - 1.0
        for i in range(points):
            # 0 * log(0) counts as 0 where alpha or beta is exactly 1.
            exponent = rise * log_x[i] if rise != 0.0 else 0.0
            exponent += fall * log_rest[i] if fall != 0.0 else 0.0
            density[i] = math.exp(exponent)
        total = 0.0
        for j in range(cells):
            if j == 0:
                smooth = math.exp(fall * log_rest[2]) if fall != 0.0 else 1.0
                mass = width ** (rise + 1) * (1 / (rise + 1) + (smooth - 1) / (rise + 2))
            elif j == cells - 1:
                smooth = math.exp(rise * log_x[points - 3]) if rise != 0.0 else 1.0
                mass = width ** (fall + 1) * (1 / (fall + 1) + (smooth - 1) / (fall + 2))
            else:
                left = density[2 * j]
                mass = width / 6 * (left + 4 * density[2 * j + 1] + density[2 * j + 2])
            total += mass
            cdf[r, j + 1] = total
        for j in range(1, cells):
            cdf[r, j] /= total
        cdf[r, cells] = 1.0
        # Guide table (Chen and Asau, 1974): the cell holding each bucket's lower edge.
        j = 0
        for k in range(cells):
            edge = k / cells
            while j < cells - 1 and cdf[r, j + 1] <= edge:
                j += 1
            guide[r, k] = j
    return cdf, guide


@njit(cache=True)
def _pert_value(
    u: float,
    minimum: float,
    width: float,
    cdf: FloatArray,
    guide: npt.NDArray[np.int32],
    table: int,
) -> float:
    cells = cdf.shape[1] - 1
    buckets = guide.shape[1]
    bucket = int(u * buckets)
    if bucket >= buckets:
        bucket = buckets - 1
    j = guide[table, bucket]
    # The guide gives the cell holding the bucket's lower edge; a short walk finds u's cell.
    while j < cells - 1 and cdf[table, j + 1] <= u:
        j += 1
    low = cdf[table, j]
    mass = cdf[table, j + 1] - low
    fraction = (u - low) / mass if mass > 0.0 else 0.0
    if fraction > 1.0:
        fraction = 1.0
    elif fraction < 0.0:
        fraction = 0.0
    return minimum + width * (j + fraction) / cells


@njit(cache=True)
def _sample_block(
    start: int,
    count: int,
    uniforms: FloatArray,
    slot_kind: IntArray,
    slot_parameters: FloatArray,
    slot_column: IntArray,
    slot_table: IntArray,
    pert_cdf: FloatArray,
    pert_guide: npt.NDArray[np.int32],
    values: FloatArray,
    column_sum: FloatArray,
    column_sum_squares: FloatArray,
) -> None:
    """Fill values[k, slot] for the iterations start .. start + count - 1.

    ``uniforms`` has one row per random slot, so each slot's loop reads contiguous memory;
    ``values`` is iteration-major because the passes read one iteration's durations at a time.
    """
    slot_count = slot_kind.shape[0]
    for s in range(slot_count):
        kind = slot_kind[s]
        p0 = slot_parameters[s, 0]
        p1 = slot_parameters[s, 1]
        p2 = slot_parameters[s, 2]
        if kind == KIND_FIXED:
            for k in range(count):
                values[k, s] = p0
            continue
        column = slot_column[s]
        draws = uniforms[column, start : start + count]
        total = 0.0
        total_squares = 0.0
        for k in range(count):
            total += draws[k]
            total_squares += draws[k] * draws[k]
        column_sum[column] += total
        column_sum_squares[column] += total_squares
        if kind == KIND_UNIFORM:
            for k in range(count):
                values[k, s] = p0 + (p1 - p0) * draws[k]
        elif kind == KIND_TRIANGULAR:
            # p0 = minimum, p1 = most likely, p2 = maximum: closed-form inverse CDF. Both
            # branches are computed so that the loop has no hard-to-predict jump.
            width = p2 - p0
            rising = width * (p1 - p0)
            falling = width * (p2 - p1)
            split = (p1 - p0) / width
            for k in range(count):
                u = draws[k]
                low = p0 + math.sqrt(u * rising)
                high = p2 - math.sqrt(max(1.0 - u, 0.0) * falling)
                values[k, s] = low if u < split else high
        elif kind == KIND_PERT:
            table = slot_table[s]
            for k in range(count):
                values[k, s] = _pert_value(draws[k], p0, p1, pert_cdf, pert_guide, table)
        else:
            # Lognormal: p0 = shift, p1 = mean of the log, p2 = sd of the log.
            for k in range(count):
                u = min(max(draws[k], _SMALLEST_UNIFORM), _LARGEST_UNIFORM)
                values[k, s] = p0 + math.exp(p1 + p2 * normal_quantile(u))


@njit(cache=True)
def run_simulation(
    iterations: int,
    uniforms: FloatArray,
    slot_kind: IntArray,
    slot_parameters: FloatArray,
    slot_column: IntArray,
    slot_table: IntArray,
    pert_cdf: FloatArray,
    pert_guide: npt.NDArray[np.int32],
    task_count: int,
    earliest_start: FloatArray,
    predecessor_start: IntArray,
    predecessor_task: IntArray,
    predecessor_type: IntArray,
    predecessor_lag: FloatArray,
    risk_occurs: npt.NDArray[np.bool_],
    impact_start: IntArray,
    impact_task: IntArray,
    impact_fraction: FloatArray,
    impact_slot: IntArray,
    milestone_task: IntArray,
    durations_out: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Sample, sweep forward and back, and accumulate statistics for every iteration.

    Tasks are numbered in a topological order (every link goes from a lower to a higher
    number), so one sweep up is the forward pass and one sweep down finds the critical tasks.
    ``uniforms`` holds one row of draws per random slot (columns x iterations).

    Returns
    -------
    finishes:
        Project finish of each iteration.
    milestone_finishes:
        Finish of each milestone task, iteration by iteration.
    critical_counts:
        Iterations in which each task had no total float.
    column_sum, column_sum_squares:
        Sums of each row of uniform draws and of their squares (for rank statistics).
    duration_moments:
        Per task: sum of (d - d0), sum of (d - d0)^2 and sum of (d - d0)(F - F0), where d is the
        realised duration, F the project finish and d0, F0 their values in the first
        iteration; shifting by the first value keeps the moments of a constant exactly zero.
    finish_moments:
        The same two sums for the project finish.
    """
    slot_count = slot_kind.shape[0]
    risk_count = risk_occurs.shape[1]
    keep_durations = durations_out.shape[0] > 0
    finishes = np.empty(iterations)
    milestone_finishes = np.empty((iterations, milestone_task.shape[0]))
    critical_counts = np.zeros(task_count, dtype=np.int64)
    column_count = uniforms.shape[0]
    column_sum = np.zeros(column_count)
    column_sum_squares = np.zeros(column_count)
    duration_moments = np.zeros((3, task_count))
    finish_moments = np.zeros(2)
    first_duration = np.zeros(task_count)
    first_finish = 0.0

    # Each link type becomes two 0/1 factors so that the passes have no branch per link:
    # bound on the start = start(p) + uses_finish * d(p) + lag - own * d(t).
    forward_uses_finish = np.empty(predecessor_type.shape[0])
    forward_own = np.empty(predecessor_type.shape[0])
    for link in range(predecessor_type.shape[0]):
        kind = predecessor_type[link]
        forward_uses_finish[link] = 1.0 if kind in (LINK_FS, LINK_FF) else 0.0
        forward_own[link] = 1.0 if kind in (LINK_FF, LINK_SF) else 0.0

    block = np.empty((BLOCK_ITERATIONS, slot_count))
    duration = np.empty(task_count)
    early_start = np.empty(task_count)
    early_finish = np.empty(task_count)
    critical = np.zeros(task_count, dtype=np.bool_)

    for start in range(0, iterations, BLOCK_ITERATIONS):
        count = min(BLOCK_ITERATIONS, iterations - start)
        _sample_block(
            start,
            count,
            uniforms,
            slot_kind,
            slot_parameters,
            slot_column,
            slot_table,
            pert_cdf,
            pert_guide,
            block,
            column_sum,
            column_sum_squares,
        )
        for k in range(count):
            i = start + k
            for t in range(task_count):
                duration[t] = block[k, t]
            for r in range(risk_count):
                if risk_occurs[i, r]:
                    for m in range(impact_start[r], impact_start[r + 1]):
                        t = impact_task[m]
                        # Percentages apply to the task's own sampled duration, so two risks of
                        # +10% each add 20% whatever order they are listed in.
                        extra = block[k, t] * impact_fraction[m]
                        if impact_slot[m] >= 0:
                            extra += block[k, impact_slot[m]]
                        duration[t] += extra
            if risk_count > 0:
                for t in range(task_count):
                    if duration[t] < 0.0:
                        duration[t] = 0.0

            finish = -np.inf
            for t in range(task_count):
                d = duration[t]
                start_time = earliest_start[t]
                for link in range(predecessor_start[t], predecessor_start[t + 1]):
                    p = predecessor_task[link]
                    bound = (
                        early_start[p] + forward_uses_finish[link] * duration[p]
                    ) + predecessor_lag[link]
                    bound -= forward_own[link] * d
                    start_time = max(start_time, bound)
                early_start[t] = start_time
                early_finish[t] = start_time + d
                finish = max(finish, start_time + d)
            finishes[i] = finish

            # Critical tasks (zero total float) without a full backward pass: a task is critical
            # when it finishes with the project, or when one of its links is tight (its bound
            # gives the start) towards a critical successor. Walking down the topological order
            # visits every successor before its predecessors, and only critical tasks' links.
            tolerance = 1e-9 * max(1.0, abs(finish))
            for t in range(task_count - 1, -1, -1):
                if not (critical[t] or early_finish[t] >= finish - tolerance):
                    continue
                critical[t] = False
                critical_counts[t] += 1
                d = duration[t]
                start_time = early_start[t]
                for link in range(predecessor_start[t], predecessor_start[t + 1]):
                    p = predecessor_task[link]
                    bound = (
                        early_start[p] + forward_uses_finish[link] * duration[p]
                    ) + predecessor_lag[link]
                    bound -= forward_own[link] * d
                    if bound >= start_time - tolerance:
                        critical[p] = True

            for m in range(milestone_task.shape[0]):
                milestone_finishes[i, m] = early_finish[milestone_task[m]]
            if i == 0:
                first_finish = finish
                for t in range(task_count):
                    first_duration[t] = duration[t]
            shifted_finish = finish - first_finish
            finish_moments[0] += shifted_finish
            finish_moments[1] += shifted_finish * shifted_finish
            for t in range(task_count):
                shifted = duration[t] - first_duration[t]
                duration_moments[0, t] += shifted
                duration_moments[1, t] += shifted * shifted
                duration_moments[2, t] += shifted * shifted_finish
            if keep_durations:
                for t in range(task_count):
                    durations_out[i, t] = duration[t]
    return (
        finishes,
        milestone_finishes,
        critical_counts,
        column_sum,
        column_sum_squares,
        duration_moments,
        finish_moments,
    )
