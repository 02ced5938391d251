"""Benchmark of the Monte Carlo schedule risk simulation.

Generates a seeded random network (about two links per task, FS/SS/FF/SF with lags, mixed
duration distributions, a few risk events and correlated groups), times
``steerco.engine.scheduling.montecarlo.simulate`` after a separate JIT warm-up, and compares it
with a plain NumPy implementation written here: duration sampling with the Generator's own
distributions, then a forward and a backward pass task by task, vectorised over iterations,
and Spearman's coefficient by sorting. The reference runs fewer iterations and its time is
scaled linearly to the engine's iteration count. It also recomputes the engine's finishes and
criticality from the engine's own sampled durations, as a correctness check.

Usage::

    .venv/bin/python benchmarks/montecarlo.py [--tasks 1000] [--iterations 10000]
        [--reference-iterations 1000] [--repeat 3] [--json]

``--json`` prints one line per case with exactly the keys tasks, iterations, seconds,
reference_seconds, speedup (wall-clock seconds, best of ``--repeat`` runs). The table adds the
CPU seconds of the best run, less sensitive to other processes on a shared machine. The table also shows the check: the largest difference between
the engine's and the reference's finishes and criticality indices on the same durations.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass

import numpy as np

from steerco.engine.scheduling.montecarlo import (
    CorrelationGroup,
    Distribution,
    Fixed,
    Link,
    LinkType,
    Lognormal,
    Pert,
    RiskEvent,
    RiskImpact,
    ScheduleRiskModel,
    SimulationSettings,
    Task,
    Triangular,
    Uniform,
    simulate,
)

LINK_TYPES = (LinkType.FS, LinkType.SS, LinkType.FF, LinkType.SF)


def random_network(task_count: int, seed: int = 7) -> ScheduleRiskModel:
    """A seeded random schedule risk model of ``task_count`` tasks."""
    rng = np.random.default_rng(seed)
    tasks: list[Task] = []
    for position in range(task_count):
        most_likely = float(rng.integers(1, 20))
        low = most_likely * float(rng.uniform(0.6, 1.0))
        high = most_likely * float(rng.uniform(1.1, 2.2))
        pick = rng.random()
        duration: Distribution
        if pick < 0.35:
            duration = Triangular(low, most_likely, high)
        elif pick < 0.70:
            duration = Pert(low, most_likely, high)
        elif pick < 0.80:
            duration = Uniform(low, high)
        elif pick < 0.90:
            duration = Lognormal.from_most_likely(most_likely, high=high)
        else:
            duration = Fixed(most_likely)
        tasks.append(Task(f"T{position}", duration, milestone=position % 50 == 49))
    links: list[Link] = []
    window = 60
    for successor in range(1, task_count):
        candidates = np.arange(max(0, successor - window), successor)
        count = min(candidates.size, int(rng.choice([1, 2, 2, 3])))
        for predecessor in rng.choice(candidates, size=count, replace=False):
            kind = LINK_TYPES[int(rng.choice(4, p=[0.7, 0.12, 0.12, 0.06]))]
            lag = float(rng.integers(-2, 6)) if rng.random() < 0.3 else 0.0
            links.append(Link(f"T{predecessor}", f"T{successor}", kind, lag))
    risks = []
    for number in range(max(1, task_count // 50)):
        hit = rng.choice(task_count, size=int(rng.integers(1, 4)), replace=False)
        impacts = tuple(
            RiskImpact(
                f"T{t}",
                percent_increase=float(rng.choice([0.0, 10.0, 25.0])),
                added_duration=Triangular(1.0, 3.0, 8.0) if rng.random() < 0.7 else None,
            )
            for t in hit
        )
        risks.append(RiskEvent(f"R{number}", float(rng.uniform(0.05, 0.5)), impacts))
    groups = []
    members = rng.permutation(task_count)
    for number in range(max(1, task_count // 100)):
        chosen = members[number * 5 : number * 5 + 5]
        groups.append(
            CorrelationGroup(
                f"G{number}", tuple(f"T{t}" for t in chosen), float(rng.uniform(0.2, 0.8))
            )
        )
    return ScheduleRiskModel(tuple(tasks), tuple(links), tuple(risks), tuple(groups))


# --- plain NumPy reference ------------------------------------------------------------------


@dataclass
class Arrays:
    order: list[int]
    predecessors: list[list[tuple[int, int, float]]]
    successors: list[list[tuple[int, int, float]]]


def network_arrays(model: ScheduleRiskModel) -> Arrays:
    index = {task.id: t for t, task in enumerate(model.tasks)}
    predecessors: list[list[tuple[int, int, float]]] = [[] for _ in model.tasks]
    successors: list[list[tuple[int, int, float]]] = [[] for _ in model.tasks]
    for link in model.links:
        p, s, kind = index[link.predecessor], index[link.successor], LINK_TYPES.index(link.type)
        predecessors[s].append((p, kind, link.lag))
        successors[p].append((s, kind, link.lag))
    return Arrays(model.network.order.tolist(), predecessors, successors)


def reference_sample(model: ScheduleRiskModel, iterations: int, seed: int) -> np.ndarray:
    """Durations (tasks x iterations) drawn with NumPy's own samplers; risks applied.

    Correlated groups are ignored: plain NumPy has no normal CDF for a copula.
    """
    rng = np.random.default_rng(seed)
    index = {task.id: t for t, task in enumerate(model.tasks)}
    durations = np.empty((len(model.tasks), iterations))
    for t, task in enumerate(model.tasks):
        durations[t] = draw(task.duration, rng, iterations)
    base = durations.copy()
    for risk in model.risks:
        occurs = rng.random(iterations) < risk.probability
        for impact in risk.impacts:
            t = index[impact.task_id]
            extra = base[t] * impact.percent_increase / 100
            if impact.added_duration is not None:
                extra = extra + draw(impact.added_duration, rng, iterations)
            durations[t] += np.where(occurs, extra, 0.0)
    return durations


def draw(distribution: Distribution, rng: np.random.Generator, size: int) -> np.ndarray:
    if isinstance(distribution, Fixed):
        return np.full(size, distribution.duration)
    if isinstance(distribution, Uniform):
        return rng.uniform(distribution.minimum, distribution.maximum, size)
    if isinstance(distribution, Triangular):
        return rng.triangular(
            distribution.minimum, distribution.most_likely, distribution.maximum, size
        )
    if isinstance(distribution, Pert):
        alpha, beta = distribution.beta_parameters
        width = distribution.maximum - distribution.minimum
        return distribution.minimum + width * rng.beta(alpha, beta, size)
    return distribution.shift + rng.lognormal(distribution.log_mean, distribution.log_sd, size)


def reference_passes(
    model: ScheduleRiskModel, arrays: Arrays, durations: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Finishes and critical counts from durations (tasks x iterations), task by task."""
    _task_count, iterations = durations.shape
    early_start = np.empty_like(durations)
    for t in arrays.order:
        start = np.full(iterations, model.tasks[t].earliest_start)
        d = durations[t]
        for p, kind, lag in arrays.predecessors[t]:
            if kind == 0:
                bound = early_start[p] + durations[p] + lag
            elif kind == 1:
                bound = early_start[p] + lag
            elif kind == 2:
                bound = early_start[p] + durations[p] + lag - d
            else:
                bound = early_start[p] + lag - d
            np.maximum(start, bound, out=start)
        early_start[t] = start
    early_finish = early_start + durations
    finish = early_finish.max(axis=0)
    late_finish = np.empty_like(durations)
    for t in reversed(arrays.order):
        end = finish.copy()
        d = durations[t]
        for s, kind, lag in arrays.successors[t]:
            if kind == 0:
                bound = late_finish[s] - durations[s] - lag
            elif kind == 1:
                bound = late_finish[s] - durations[s] - lag + d
            elif kind == 2:
                bound = late_finish[s] - lag
            else:
                bound = late_finish[s] - lag + d
            np.minimum(end, bound, out=end)
        late_finish[t] = end
    tolerance = 1e-9 * np.maximum(1.0, np.abs(finish))
    critical = (late_finish - early_finish <= tolerance).sum(axis=1)
    return finish, critical


def reference_run(model: ScheduleRiskModel, arrays: Arrays, iterations: int) -> float:
    """Seconds for a complete plain-NumPy simulation of ``iterations`` iterations."""
    start = time.perf_counter()
    durations = reference_sample(model, iterations, seed=1)
    finish, _critical = reference_passes(model, arrays, durations)
    np.percentile(finish, [10, 50, 80, 95])
    finish_ranks = np.argsort(np.argsort(finish))
    duration_ranks = np.argsort(np.argsort(durations, axis=1), axis=1)
    np.corrcoef(duration_ranks, finish_ranks[None, :])
    return time.perf_counter() - start


# --- driver ---------------------------------------------------------------------------------


def check(model: ScheduleRiskModel, arrays: Arrays, iterations: int) -> tuple[float, float]:
    """Largest differences (finish, criticality) between the engine and the reference passes."""
    result = simulate(model, SimulationSettings(iterations=iterations, seed=3, keep_durations=True))
    assert result.durations is not None
    finish, critical = reference_passes(model, arrays, np.ascontiguousarray(result.durations.T))
    engine_finish = np.sort(finish)
    finish_gap = float(np.abs(engine_finish - result.project.finishes).max())
    criticality = np.array([result.criticality[task.id] for task in model.tasks])
    critical_gap = float(np.abs(critical / iterations - criticality).max())
    return finish_gap, critical_gap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--reference-iterations", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--json", action="store_true", help="one JSON line per case")
    args = parser.parse_args(argv)

    # Warm-up: compiles the kernels (or loads numba's on-disk cache) outside the timings.
    start = time.perf_counter()
    simulate(random_network(20, seed=1), SimulationSettings(iterations=100))
    warm_up = time.perf_counter() - start
    if not args.json:
        print(f"JIT warm-up: {warm_up:.2f} s")
        print(
            f"{'tasks':>6} {'links':>6} {'iterations':>10} {'seconds':>8} {'cpu':>6} "
            f"{'reference':>9} {'speedup':>7} {'P50':>8} {'P80':>8} {'check':>14}"
        )
    for task_count in args.tasks:
        model = random_network(task_count)
        settings = SimulationSettings(iterations=args.iterations, seed=11)
        seconds = cpu_seconds = float("inf")
        result = None
        for _ in range(args.repeat):
            start, cpu_start = time.perf_counter(), time.process_time()
            result = simulate(model, settings)
            seconds = min(seconds, time.perf_counter() - start)
            cpu_seconds = min(cpu_seconds, time.process_time() - cpu_start)
        assert result is not None
        arrays = network_arrays(model)
        reference = min(
            reference_run(model, arrays, args.reference_iterations)
            for _ in range(max(1, args.repeat - 1))
        )
        reference_seconds = reference * args.iterations / args.reference_iterations
        finish_gap, critical_gap = check(model, arrays, 500)
        row = {
            "tasks": task_count,
            "iterations": args.iterations,
            "seconds": round(seconds, 4),
            "reference_seconds": round(reference_seconds, 4),
            "speedup": round(reference_seconds / seconds, 1),
        }
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{task_count:>6} {len(model.links):>6} {args.iterations:>10} {seconds:>8.3f} "
                f"{cpu_seconds:>6.3f} "
                f"{reference_seconds:>9.3f} {row['speedup']:>6}x {result.project.p50:>8.1f} "
                f"{result.project.p80:>8.1f} {finish_gap:>6.1e}/{critical_gap:.0e}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
