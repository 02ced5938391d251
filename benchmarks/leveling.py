"""Benchmark: resource leveling heuristic on random RCPSP-like networks.

Generates seeded random project networks of 100, 1,000 and 5,000 tasks (layered
finish-to-start networks, four renewable resources, about half the tasks using
each resource) and times ``level(problem, method="heuristic")`` with its default
budget against a plain single-pass serial schedule generation scheme (latest
finish time first) written here in Python as the reference.

    .venv/bin/python benchmarks/leveling.py [--json] [--sizes 100 1000 5000] [--seed 7]

With ``--json`` one line per size: ``size``, ``heuristic_seconds``,
``heuristic_makespan``, ``reference_seconds``, ``reference_makespan``.
Target: 1,000 tasks in under 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from steerco.engine.scheduling.leveling import (
    LevelingLink,
    LevelingProblem,
    LevelingResource,
    LevelingTask,
    level,
    warm_up,
)

RESOURCES = 4


def random_network(size: int, seed: int) -> LevelingProblem:
    """A layered network: every task but the first layer has 1-3 predecessors earlier."""
    rng = np.random.default_rng(seed)
    layer_width = max(2, int(np.sqrt(size)))
    tasks = []
    links = []
    demand = np.zeros((size, RESOURCES), dtype=int)
    for task in range(size):
        duration = int(rng.integers(1, 11))
        for resource in range(RESOURCES):
            if rng.random() < 0.5:
                demand[task, resource] = int(rng.integers(1, 11))
        tasks.append(
            LevelingTask(
                f"T{task}",
                duration,
                {f"R{r}": int(demand[task, r]) for r in range(RESOURCES) if demand[task, r]},
            )
        )
        layer_start = (task // layer_width) * layer_width
        if layer_start > 0:
            earlier = np.arange(max(0, layer_start - 2 * layer_width), layer_start)
            for predecessor in rng.choice(
                earlier, size=min(len(earlier), int(rng.integers(1, 4))), replace=False
            ):
                links.append(LevelingLink(f"T{int(predecessor)}", f"T{task}"))
    # Capacity between the largest single demand and the sum of a layer's demands,
    # so tasks of a layer compete (resource strength about 0.3).
    peak = demand.max(axis=0)
    layer_load = demand.sum(axis=0) / max(1, size // layer_width)
    capacity = np.maximum(peak, (peak + 0.3 * (layer_load - peak)).astype(int))
    resources = [LevelingResource(f"R{r}", int(capacity[r])) for r in range(RESOURCES)]
    return LevelingProblem(tuple(tasks), tuple(links), tuple(resources))


def reference_serial_schedule(problem: LevelingProblem) -> int:
    """Single-pass serial scheme, latest finish time first; returns the makespan."""
    index = {task.id: position for position, task in enumerate(problem.tasks)}
    n = len(problem.tasks)
    duration = np.array([task.duration for task in problem.tasks])
    predecessors: list[list[int]] = [[] for _ in range(n)]
    successors: list[list[int]] = [[] for _ in range(n)]
    for link in problem.links:
        predecessors[index[link.successor]].append(index[link.predecessor])
        successors[index[link.predecessor]].append(index[link.successor])
    # Critical path forward and backward passes.
    order: list[int] = []
    waiting = [len(p) for p in predecessors]
    ready = [task for task in range(n) if waiting[task] == 0]
    while ready:
        task = ready.pop()
        order.append(task)
        for successor in successors[task]:
            waiting[successor] -= 1
            if waiting[successor] == 0:
                ready.append(successor)
    early = np.zeros(n, dtype=int)
    for task in order:
        for predecessor in predecessors[task]:
            early[task] = max(early[task], early[predecessor] + duration[predecessor])
    finish = int((early + duration).max())
    late_finish = np.full(n, finish)
    for task in reversed(order):
        for successor in successors[task]:
            late_finish[task] = min(late_finish[task], late_finish[successor] - duration[successor])
    resource_ids = [resource.id for resource in problem.resources]
    capacity = np.array([resource.capacity for resource in problem.resources])
    horizon = int(duration.sum()) + 1
    available = np.repeat(capacity[:, None], horizon, axis=1)
    demand = np.array([[task.demands.get(r, 0) for r in resource_ids] for task in problem.tasks])
    start = np.full(n, -1)
    waiting = [len(p) for p in predecessors]
    eligible = [task for task in range(n) if waiting[task] == 0]
    for _ in range(n):
        task = min(eligible, key=lambda t: (late_finish[t], t))
        eligible.remove(task)
        t = max((start[p] + duration[p] for p in predecessors[task]), default=0)
        window = duration[task]
        while window and (available[:, t : t + window] < demand[task][:, None]).any():
            t += 1
        available[:, t : t + window] -= demand[task][:, None]
        start[task] = t
        for successor in successors[task]:
            waiting[successor] -= 1
            if waiting[successor] == 0:
                eligible.append(successor)
    return int((start + duration).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="best of N timings (default 3)")
    args = parser.parse_args()
    warm_up("heuristic")
    if not args.json:
        print(
            f"{'size':>6} {'heuristic s':>12} {'makespan':>9} {'reference s':>12} {'makespan':>9}"
        )
    for size in args.sizes:
        problem = random_network(size, args.seed + size)
        heuristic_seconds = float("inf")
        result = None
        for _ in range(args.repeats):
            began = time.perf_counter()
            result = level(problem, method="heuristic", seed=args.seed)
            heuristic_seconds = min(heuristic_seconds, time.perf_counter() - began)
        assert result is not None
        began = time.perf_counter()
        reference_makespan = reference_serial_schedule(problem)
        reference_seconds = time.perf_counter() - began
        record = {
            "size": size,
            "heuristic_seconds": round(heuristic_seconds, 4),
            "heuristic_makespan": result.makespan,
            "reference_seconds": round(reference_seconds, 4),
            "reference_makespan": reference_makespan,
        }
        if args.json:
            print(json.dumps(record), flush=True)
        else:
            print(
                f"{size:>6} {heuristic_seconds:>12.3f} {result.makespan:>9} "
                f"{reference_seconds:>12.3f} {reference_makespan:>9}",
                flush=True,
            )


if __name__ == "__main__":
    main()
