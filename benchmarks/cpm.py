"""Benchmark: CPM forward + backward pass of the engine against a networkx reference.

Two network shapes, each with about two links per activity (mixed FS/SS/FF/SF, lags from -2 to
+5 days in minutes):

* ``shallow``: a portfolio of many small independent projects (40 activities each);
* ``deep``: one network where each activity depends on activities at most 10 positions before it,
  so the longest chain holds at least n/10 activities.

The engine is timed on its compiled sweep (``CompiledNetwork.run_passes``: forward pass, backward
pass, floats), after compiling the network once (topological order and CSR arrays, timed
separately as ``compile_seconds``). The reference is a plain Python pass over a networkx
topological order. A single-edit case changes one duration in a 10,000-activity project and
reschedules. numba's JIT compile (or cache load) is measured on its own before everything and
reported as ``jit_seconds`` on every row.

The ``single-edit-calendar`` case is what the product's schedule page does on a grid edit: a
10,000-task project in calendar mode (a standard 5-day calendar with holidays and a summer
shutdown, three task calendars, elapsed tasks and lags, work packages as summary tasks, mixed link
types and lags, date constraints, deadlines, progress up to a status date). It times
``set_duration`` + ``schedule()`` + reading what the product stores (the six date arrays as
``datetime64``, floats, critical flags, conflicts) over 50 edits; the reference is the product's
path of today, a from-scratch ``schedule(network)`` read through per-task records with
``datetime`` objects.

Run ``.venv/bin/python benchmarks/cpm.py [--sizes 10000 100000 1000000] [--json]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from steerco.engine.scheduling.cpm import Network, ScheduleResult

REFERENCE_LIMIT_SECONDS = 60.0
DAY = 480


def shallow_network(
    n: int, seed: int, project_size: int = 40
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Many independent projects; within a project each activity has ~2 earlier predecessors."""
    rng = np.random.default_rng(seed)
    durations = rng.integers(0, 10 * DAY, n)
    position_in_project = np.arange(n) % project_size
    project_first = np.arange(n) - position_in_project
    successors = np.repeat(np.arange(n), 2)
    reach = np.repeat(position_in_project, 2)
    keep = reach > 0
    successors = successors[keep]
    back = (rng.random(successors.shape[0]) * reach[keep]).astype(np.int64)
    predecessors = project_first[successors] + back
    return durations, predecessors, successors, *_types_and_lags(rng, successors.shape[0])


def deep_network(
    n: int, seed: int, window: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One network: activity i depends on i-1 and on a random one of the ``window`` before it."""
    rng = np.random.default_rng(seed)
    durations = rng.integers(0, 10 * DAY, n)
    chain = np.arange(1, n)
    other = np.arange(2, n)
    back = rng.integers(2, window + 1, other.shape[0])
    other_predecessors = np.maximum(other - back, 0)
    predecessors = np.concatenate([chain - 1, other_predecessors])
    successors = np.concatenate([chain, other])
    # Shuffle task numbering so that the input order is not already topological.
    permutation = rng.permutation(n)
    durations = durations[np.argsort(permutation)]
    predecessors = permutation[predecessors]
    successors = permutation[successors]
    return durations, predecessors, successors, *_types_and_lags(rng, successors.shape[0])


def _types_and_lags(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    types = rng.choice(4, size=count, p=[0.7, 0.1, 0.1, 0.1])
    lags = np.where(rng.random(count) < 0.3, rng.integers(-2 * DAY, 5 * DAY, count), 0)
    return types.astype(np.int64), lags.astype(np.int64)


def reference_pass(
    durations: np.ndarray,
    predecessors: np.ndarray,
    successors: np.ndarray,
    types: np.ndarray,
    lags: np.ndarray,
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Forward and backward pass over a networkx topological order, in plain Python."""
    import networkx as nx

    n = durations.shape[0]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    duration = durations.tolist()
    incoming: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    outgoing: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    for p, s, t, lag in zip(
        predecessors.tolist(), successors.tolist(), types.tolist(), lags.tolist(), strict=True
    ):
        graph.add_edge(p, s)
        incoming[s].append((p, t, lag))
        outgoing[p].append((s, t, lag))
    order = list(nx.topological_sort(graph))
    early_start = [0] * n
    early_finish = [0] * n
    for v in order:
        start = 0
        for p, t, lag in incoming[v]:
            if t == 0:
                start = max(start, early_finish[p] + lag)
            elif t == 1:
                start = max(start, early_start[p] + lag)
            elif t == 2:
                start = max(start, early_finish[p] + lag - duration[v])
            else:
                start = max(start, early_start[p] + lag - duration[v])
        early_start[v] = start
        early_finish[v] = start + duration[v]
    project_finish = max(early_finish)
    late_start = [0] * n
    late_finish = [0] * n
    for v in reversed(order):
        finish = project_finish
        for s, t, lag in outgoing[v]:
            if t == 0:
                finish = min(finish, late_start[s] - lag)
            elif t == 1:
                finish = min(finish, late_start[s] - lag + duration[v])
            elif t == 2:
                finish = min(finish, late_finish[s] - lag)
            else:
                finish = min(finish, late_finish[s] - lag + duration[v])
        late_finish[v] = finish
        late_start[v] = finish - duration[v]
    return early_start, early_finish, late_start, late_finish


def _best_of(function: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        timings.append(time.perf_counter() - began)
    return min(timings)


def measure_jit() -> float:
    """Seconds to get every kernel ready (a JIT compile, or a load from numba's disk cache).

    Covers the plain two-sweep kernel and both specialisations of the general kernel (offset
    mode and calendar mode).
    """
    began = time.perf_counter()
    from steerco.engine.scheduling.cpm import ConstraintType, Link, Network, Task, schedule
    from steerco.engine.scheduling.network import CompiledNetwork

    CompiledNetwork.from_arrays([1, 2, 3], [0, 1], [1, 2], [0, 1], [0, 5]).run_passes()
    tasks = (Task("A", 60), Task("B", 60, constraint=ConstraintType.SNET, constraint_date=120))
    schedule(Network(tasks, (Link("A", "B"),)))
    schedule(Network(tasks, (Link("A", "B"),), project_start=datetime(2024, 1, 1, 8)))
    return time.perf_counter() - began


def run_case(shape: str, n: int, seed: int, run_reference: bool) -> dict[str, object]:
    from steerco.engine.scheduling.network import CompiledNetwork

    generator = shallow_network if shape == "shallow" else deep_network
    durations, predecessors, successors, types, lags = generator(n, seed)
    began = time.perf_counter()
    compiled = CompiledNetwork.from_arrays(durations, predecessors, successors, types, lags)
    compile_seconds = time.perf_counter() - began
    engine_seconds = _best_of(compiled.run_passes, 5 if n <= 100_000 else 3)
    schedule_seconds = _best_of(compiled.schedule, 1)
    result = compiled.schedule()
    depth = _longest_chain(compiled)
    reference_seconds: float | None = None
    reference_note = "measured"
    if run_reference:
        began = time.perf_counter()
        early_start, _, _, _ = reference_pass(durations, predecessors, successors, types, lags)
        reference_seconds = time.perf_counter() - began
        # The reference does not clamp starts to the project start after FF/SF links, the
        # engine does; compare where the reference start is not negative.
        same = np.asarray(early_start) >= 0
        if not np.array_equal(result.early_start[same], np.asarray(early_start)[same]):
            raise SystemExit(f"{shape} {n}: early starts differ from the reference")
    return {
        "shape": shape,
        "activities": n,
        "links": int(successors.shape[0]),
        "depth": depth,
        "compile_seconds": round(compile_seconds, 4),
        "engine_seconds": round(engine_seconds, 5),
        "schedule_seconds": round(schedule_seconds, 4),
        "reference_seconds": None if reference_seconds is None else round(reference_seconds, 3),
        "reference_note": reference_note,
        "speedup": None
        if reference_seconds is None
        else round(reference_seconds / engine_seconds, 1),
        "us_per_activity": round(engine_seconds / n * 1e6, 4),
    }


def _longest_chain(compiled: object) -> int:
    """Number of activities on the longest chain of links (the network's depth)."""
    pointer = compiled._in_pointer  # type: ignore[attr-defined]
    source = compiled._in_source  # type: ignore[attr-defined]
    level = np.ones(pointer.shape[0] - 1, np.int64)
    _levels(pointer, source, level)
    return int(level.max()) if level.size else 0


def _levels(pointer: np.ndarray, source: np.ndarray, level: np.ndarray) -> None:
    from numba import njit

    @njit(cache=False)
    def fill(pointer, source, level):  # type: ignore[no-untyped-def]
        for i in range(level.shape[0]):
            for k in range(pointer[i], pointer[i + 1]):
                if level[source[k]] + 1 > level[i]:
                    level[i] = level[source[k]] + 1

    fill(pointer, source, level)


def single_edit_case(seed: int) -> dict[str, object]:
    """Change one duration in a 10,000-activity project and reschedule (full result).

    The reference reschedules from scratch (its whole pass); the engine keeps the compiled
    network and re-runs the sweep.
    """
    from steerco.engine.scheduling.network import CompiledNetwork

    n = 10_000
    durations, predecessors, successors, types, lags = deep_network(n, seed)
    compiled = CompiledNetwork.from_arrays(durations, predecessors, successors, types, lags)
    compiled.schedule()
    rng = np.random.default_rng(seed)
    timings = []
    for _ in range(50):
        task = str(int(rng.integers(0, n)))
        began = time.perf_counter()
        compiled.set_duration(task, int(rng.integers(0, 10 * DAY)))
        compiled.schedule()
        timings.append(time.perf_counter() - began)
    engine_seconds = statistics.median(timings)
    began = time.perf_counter()
    reference_pass(durations, predecessors, successors, types, lags)
    reference_seconds = time.perf_counter() - began
    return {
        "shape": "single-edit",
        "activities": n,
        "links": int(successors.shape[0]),
        "engine_seconds": round(engine_seconds, 6),
        "engine_seconds_max": round(max(timings), 6),
        "reference_seconds": round(reference_seconds, 3),
        "reference_note": "measured (full reference pass after the edit)",
        "speedup": round(reference_seconds / engine_seconds, 1),
        "us_per_activity": round(engine_seconds / n * 1e6, 4),
    }


def calendar_project(n: int, seed: int) -> tuple[Network, list[str]]:
    """A project of ``n`` tasks in calendar mode, and the ids of the tasks a user would edit.

    Work packages of 40 (a summary and 39 tasks) run in 25 parallel streams; within a package
    each task follows one or two of the 8 before it; each package follows the previous one of its
    stream and one random earlier package.
    """
    from steerco.engine.scheduling.calendars import (
        TWENTY_FOUR_HOURS_CALENDAR,
        Calendar,
        CalendarException,
        WorkWeek,
        hours,
    )
    from steerco.engine.scheduling.cpm import (
        ConstraintType,
        Link,
        LinkType,
        Network,
        Task,
        schedule,
    )

    rng = np.random.default_rng(seed)
    project_start = datetime(2025, 1, 6, 8)
    holidays = []
    for year in range(2024, 2036):
        for month, day, name in (
            (1, 1, "New Year"),
            (5, 1, "Labour Day"),
            (7, 14, "Summer holiday"),
            (11, 11, "Armistice"),
            (12, 25, "Christmas"),
            (12, 26, "Boxing Day"),
        ):
            holidays.append(CalendarException(date(year, month, day), name=name))
        holidays.append(CalendarException(date(year, 8, 4), date(year, 8, 8), name="Shutdown"))
    project_calendar = Calendar("Standard", WorkWeek.standard(), exceptions=tuple(holidays))
    task_calendars = [
        Calendar("Night shift", WorkWeek.uniform(hours("20:00-24:00")), base=project_calendar),
        Calendar(
            "Six days",
            WorkWeek.uniform(hours("07:00-11:00", "12:00-16:00"), (0, 1, 2, 3, 4, 5)),
            exceptions=tuple(holidays[:20]),
        ),
        TWENTY_FOUR_HOURS_CALENDAR,
    ]
    package_size = 40
    streams = 25
    ids: list[str] = []
    parents: list[str | None] = []
    for package in range(n // package_size):
        ids.append(f"WP{package}")
        parents.append(None)
        for step in range(package_size - 1):
            ids.append(f"T{package}.{step}")
            parents.append(f"WP{package}")
    count = len(ids)
    summaries = {parent for parent in parents if parent is not None}
    durations = np.where(rng.random(count) < 0.05, 0, rng.integers(1, 11, count) * DAY // 2)

    def random_lag() -> int:
        return int(rng.integers(-1, 4)) * DAY if rng.random() < 0.25 else 0

    link_types = [LinkType.FS, LinkType.SS, LinkType.FF, LinkType.SF]
    plain_links: list[tuple[str, str, LinkType, int]] = []
    for package in range(count // package_size):
        first = package * package_size + 1
        for step in range(1, package_size - 1):
            for _ in range(1 + int(rng.random() < 0.5)):
                back = int(rng.integers(1, min(step, 8) + 1))
                kind = link_types[int(rng.choice(4, p=[0.75, 0.1, 0.1, 0.05]))]
                plain_links.append(
                    (ids[first + step - back], ids[first + step], kind, random_lag())
                )
        if package >= streams:
            before = (package - streams) * package_size + 1
            plain_links.append((ids[before + package_size - 2], ids[first], LinkType.FS, 0))
            other = int(rng.integers(0, package)) * package_size + 1
            plain_links.append(
                (
                    ids[other + int(rng.integers(0, package_size - 1))],
                    ids[first + int(rng.integers(0, package_size - 1))],
                    LinkType.FS,
                    random_lag(),
                )
            )
    links = []
    for predecessor, successor, kind, lag in plain_links:
        roll = rng.random()
        if roll < 0.02:
            links.append(Link(predecessor, successor, kind, 50.0, lag_is_percent=True))
        elif roll < 0.03:
            links.append(Link(predecessor, successor, kind, 2 * 1440, lag_elapsed=True))
        else:
            links.append(Link(predecessor, successor, kind, lag))
    tasks = []
    for position, task_id in enumerate(ids):
        if task_id in summaries:
            tasks.append(Task(task_id))
            continue
        options: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.05:
            options["calendar"] = task_calendars[int(rng.integers(0, len(task_calendars)))]
        elif roll < 0.06:
            options["elapsed"] = True
        moment = project_start + timedelta(
            days=int(rng.integers(0, 700)), hours=int(rng.integers(0, 10))
        )
        roll = rng.random()
        if roll < 0.03:
            options.update(constraint=ConstraintType.SNET, constraint_date=moment)
        elif roll < 0.04:
            options.update(constraint=ConstraintType.FNLT, constraint_date=moment)
        elif roll < 0.045:
            options.update(constraint=ConstraintType.MSO, constraint_date=moment)
        elif roll < 0.055:
            options.update(constraint=ConstraintType.ALAP)
        if rng.random() < 0.01:
            options["deadline"] = moment + timedelta(days=30)
        tasks.append(Task(task_id, int(durations[position]), parent=parents[position], **options))
    # Progress up to a status date four months in: what was planned to finish by then is
    # finished on its planned dates, what straddles it is half done.
    status_date = project_start + timedelta(days=120)
    plan = schedule(Network(tuple(tasks), tuple(links), project_calendar, project_start))
    editable = []
    for position, task in enumerate(tasks):
        if task.id in summaries:
            continue
        record = plan[task.id]
        assert record.start_date is not None and record.finish_date is not None
        if record.finish_date <= status_date:
            actual: dict[str, Any] = {
                "actual_finish": record.finish_date,
                "percent_complete": 100.0,
            }
        elif record.start_date < status_date:
            actual = {"percent_complete": 50.0}
            editable.append(task.id)
        else:
            editable.append(task.id)
            continue
        tasks[position] = Task(
            task.id,
            task.duration,
            parent=task.parent,
            calendar=task.calendar,
            elapsed=task.elapsed,
            actual_start=record.start_date,
            **actual,
        )
    network = Network(
        tuple(tasks), tuple(links), project_calendar, project_start, status_date=status_date
    )
    return network, editable


def _product_read(result: ScheduleResult) -> int:
    """Read what the schedule page stores after an edit; returns a checksum so nothing is lazy."""
    from steerco.engine.scheduling.cpm import TIME_FIELDS

    dates = [result.date_array(name) for name in TIME_FIELDS]
    return (
        sum(int(values[-1].astype(np.int64)) for values in dates)
        + int(result.total_float.sum() + result.free_float.sum() + result.critical.sum())
        + len(result.conflicts)
    )


def calendar_single_edit_case(seed: int, edits: int = 50) -> dict[str, object]:
    """Change one duration in a 10,000-task calendar-mode project and reschedule (dates back)."""
    from steerco.engine.scheduling.cpm import compile_network, schedule

    n = 10_000
    network, editable = calendar_project(n, seed)
    compiled = compile_network(network)
    compiled.schedule()
    rng = np.random.default_rng(seed)
    timings = []
    durations: dict[str, int] = {}
    for _ in range(edits):
        task = editable[int(rng.integers(0, len(editable)))]
        minutes = int(rng.integers(0, 21)) * DAY // 2
        durations[task] = minutes
        began = time.perf_counter()
        compiled.set_duration(task, minutes)
        _product_read(compiled.schedule())
        timings.append(time.perf_counter() - began)
    engine_seconds = statistics.median(timings)
    # The reference applies the same durations to the input and schedules it from scratch.
    edited = dataclasses.replace(
        network,
        tasks=tuple(
            dataclasses.replace(task, duration=durations.get(task.id, task.duration))
            for task in network.tasks
        ),
    )
    began = time.perf_counter()
    reference = schedule(edited)
    records = list(reference)
    reference_seconds = time.perf_counter() - began
    result = compiled.schedule()
    if [record.finish_date for record in records] != result.date_array("finish").astype(
        "datetime64[us]"
    ).tolist():
        raise SystemExit("single-edit-calendar: the edited schedule differs from a fresh one")
    return {
        "shape": "single-edit-calendar",
        "activities": n,
        "links": len(network.links),
        "engine_seconds": round(engine_seconds, 6),
        "engine_seconds_max": round(max(timings), 6),
        "reference_seconds": round(reference_seconds, 3),
        "reference_note": "measured (from-scratch schedule() read through per-task records)",
        "speedup": round(reference_seconds / engine_seconds, 1),
        "us_per_activity": round(engine_seconds / n * 1e6, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--shapes", nargs="+", default=["shallow", "deep"])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", action="store_true", help="one JSON line per case")
    parser.add_argument(
        "--no-reference-at-1m", action="store_true", help="skip the reference at 1,000,000"
    )
    args = parser.parse_args()

    jit_seconds = measure_jit()
    rows: list[dict[str, object]] = []
    reference_per_activity: dict[str, float] = {}
    for shape in args.shapes:
        for n in args.sizes:
            run_reference = True
            if n >= 1_000_000:
                # Estimate from the largest measured size; run it only when it fits the budget.
                estimate = reference_per_activity.get(shape, math.inf) * n
                run_reference = not args.no_reference_at_1m and estimate < REFERENCE_LIMIT_SECONDS
            row = run_case(shape, n, args.seed, run_reference)
            if row["reference_seconds"] is not None:
                reference_per_activity[shape] = float(row["reference_seconds"]) / n  # type: ignore[arg-type]
            elif shape in reference_per_activity:
                estimate = reference_per_activity[shape] * n
                row["reference_seconds"] = round(estimate, 2)
                row["reference_note"] = "ESTIMATE (per-activity cost of the largest measured size)"
                row["speedup"] = round(estimate / float(row["engine_seconds"]), 1)  # type: ignore[arg-type]
            rows.append(row)
    rows.append(single_edit_case(args.seed))
    rows.append(calendar_single_edit_case(args.seed))
    for row in rows:
        row["jit_seconds"] = round(jit_seconds, 3)

    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"numba JIT compile / cache load: {jit_seconds:.2f} s")
    header = (
        f"{'shape':8} {'activities':>10} {'links':>9} {'depth':>7} {'compile s':>9} "
        f"{'engine s':>9} {'us/act':>7} {'reference s':>12} {'speedup':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if str(row["shape"]).startswith("single-edit"):
            continue
        reference = row["reference_seconds"]
        mark = "" if row["reference_note"] == "measured" else " (est.)"
        print(
            f"{row['shape']!s:8} {row['activities']:>10} {row['links']:>9} {row['depth']:>7} "
            f"{row['compile_seconds']:>9} {row['engine_seconds']:>9} {row['us_per_activity']:>7} "
            f"{'-' if reference is None else str(reference) + mark:>12} "
            f"{'-' if row['speedup'] is None else row['speedup']:>8}"
        )
    for edit in rows[-2:]:
        print(
            f"{edit['shape']} in {edit['activities']} activities (set_duration + schedule"
            f"{' + dates read' if edit['shape'] == 'single-edit-calendar' else ''}): "
            f"median {edit['engine_seconds']} s, max {edit['engine_seconds_max']} s; reference "
            f"from scratch {edit['reference_seconds']} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
