"""Properties of resource leveling on random small networks (Hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steerco.engine.scheduling.leveling import (
    Evolution,
    LevelingLink,
    LevelingProblem,
    LevelingResource,
    LevelingTask,
    build_network,
    level,
    run_heuristic,
    warm_up,
)


@pytest.fixture(autouse=True, scope="module")
def compiled_kernels():
    # Compile (or load) the kernels first, so that no solve with a time limit pays for it.
    warm_up()


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(
    draw, *, max_tasks=9, kinds=("FS", "SS", "FF", "SF"), varying=True, mode="delay_finish"
):
    n = draw(st.integers(1, max_tasks))
    resources = []
    for index in range(draw(st.integers(1, 2))):
        if varying and draw(st.booleans()):
            capacity = tuple(draw(st.lists(st.integers(2, 5), min_size=1, max_size=12)))
        else:
            capacity = draw(st.integers(2, 5))
        resources.append(LevelingResource(f"r{index}", capacity))
    tasks = []
    for index in range(n):
        demands = {
            resource.id: draw(st.integers(0, 2)) for resource in resources if draw(st.booleans())
        }
        tasks.append(
            LevelingTask(
                f"t{index}",
                draw(st.integers(0, 5)),
                demands,
                priority=draw(st.sampled_from([0, 0, 0, 5])),
                earliest_start=draw(st.sampled_from([0, 0, 0, 2])),
            )
        )
    links = []
    for successor in range(1, n):
        for predecessor in range(successor):
            if draw(st.integers(0, 3)) == 0:
                links.append(
                    LevelingLink(
                        f"t{predecessor}",
                        f"t{successor}",
                        draw(st.sampled_from(kinds)),
                        draw(st.integers(0, 2)),
                    )
                )
    return LevelingProblem(tuple(tasks), tuple(links), tuple(resources), mode)


def capacity_at(resource, period):
    if isinstance(resource.capacity, int):
        return resource.capacity
    values = resource.capacity
    return values[min(period, len(values) - 1)]


def over_capacity(problem, starts):
    """(resource, period) pairs where the load exceeds the capacity."""
    finish = max((starts[t.id] + t.duration for t in problem.tasks), default=0)
    found = []
    for resource in problem.resources:
        for period in range(finish):
            load = sum(
                task.demands.get(resource.id, 0)
                for task in problem.tasks
                if starts[task.id] <= period < starts[task.id] + task.duration
            )
            if load > capacity_at(resource, period):
                found.append((resource.id, period))
    return found


def precedence_violations(problem, starts):
    duration = {task.id: task.duration for task in problem.tasks}
    broken = []
    for link in problem.links:
        before, after = link.predecessor, link.successor
        start_a, finish_a = starts[before], starts[before] + duration[before]
        start_b, finish_b = starts[after], starts[after] + duration[after]
        ok = {
            "FS": start_b >= finish_a + link.lag,
            "SS": start_b >= start_a + link.lag,
            "FF": finish_b >= finish_a + link.lag,
            "SF": finish_b >= start_a + link.lag,
        }[link.kind]
        if not ok:
            broken.append(link)
    for task in problem.tasks:
        if starts[task.id] < task.earliest_start:
            broken.append(task)
    return broken


@FAST
@given(problems())
def test_heuristic_respects_capacity_and_links(case):
    result = level(case, max_passes=40)
    assert over_capacity(case, result.starts) == []
    assert precedence_violations(case, result.starts) == []
    assert result.makespan == max((result.starts[t.id] + t.duration for t in case.tasks), default=0)
    assert result.lower_bound <= result.makespan
    for move in result.moves:
        assert move.new_start == result.starts[move.task]
        assert move.delay == move.new_start - move.original_start > 0
        # Every delay has a reason: a resource that blocked it or a predecessor.
        assert move.resources or move.delayed_predecessors


@FAST
@given(problems(mode="within_slack"))
def test_within_slack_never_moves_the_finish(case):
    result = level(case, max_passes=20)
    assert result.makespan == result.original_makespan
    assert max((result.finishes[t.id] for t in case.tasks), default=0) <= result.original_makespan
    assert precedence_violations(case, result.starts) == []
    unresolved = {item.task for item in result.unresolved}
    for resource_id, period in over_capacity(case, result.starts):
        # Every over-allocated period involves a task reported as not leveled.
        involved = {
            task.id
            for task in case.tasks
            if task.demands.get(resource_id, 0) > 0
            and result.starts[task.id] <= period < result.finishes[task.id]
        }
        assert involved & unresolved


@FAST
@given(problems(), st.integers(0, 7), st.integers(0, 1000))
def test_restarted_genetic_search_respects_capacity_and_links(case, rule, seed):
    network = build_network(case)
    first = run_heuristic(network, "delay_finish", time_limit=1.0, max_passes=4, seed=0, target=-1)
    evolution = Evolution(network, first.starts, first.makespan, seed=1, target=-1)
    evolution.restart(seed, rule=rule)
    evolution.run(40)
    starts, makespan = evolution.best()
    by_id = dict(zip(network.task_ids, starts.tolist(), strict=True))
    assert over_capacity(case, by_id) == []
    assert precedence_violations(case, by_id) == []
    assert makespan == max((by_id[t.id] + t.duration for t in case.tasks), default=0)


@FAST
@given(problems(), st.integers(0, 1000), st.integers(0, 1000))
def test_peak_crossover_keeps_a_stretch_of_the_first_parent(case, first_seed, second_seed):
    from steerco.engine.scheduling import _leveling_kernels as kernels

    network = build_network(case)
    first = run_heuristic(
        network, "delay_finish", time_limit=1.0, max_passes=3, seed=first_seed, target=-1
    )
    second = run_heuristic(
        network, "delay_finish", time_limit=1.0, max_passes=3, seed=second_seed, target=-1
    )
    key = np.zeros(network.size)
    kernels._peak_crossover(
        key,
        first.starts,
        first.makespan,
        second.starts,
        second.makespan,
        network.capacity,
        network.duration,
        network.use_ptr,
        network.use_resource,
        network.use_amount,
    )
    before, kept, after = key < 1, (key >= 1) & (key < 2), key >= 2
    assert (before | kept | after).all()
    # The kept tasks are those the first parent starts inside one window, in its order;
    # the others follow the second parent's order, before or after the window.
    if kept.any():
        window = first.starts[kept]
        assert (first.starts[before] < window.min()).all()
        assert (first.starts[after] > window.max()).all()
        assert np.array_equal(
            np.argsort(key[kept], kind="stable"), np.argsort(window, kind="stable")
        )
    for group in (before, after):
        assert np.array_equal(
            np.argsort(key[group], kind="stable"), np.argsort(second.starts[group], kind="stable")
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_tasks=7))
def test_solver_is_never_worse_than_the_heuristic(case):
    heuristic = level(case, max_passes=12, seed=3)
    solved = level(case, method="solver", max_passes=12, seed=3, time_limit=1.0, workers=2)
    assert solved.makespan <= heuristic.makespan
    assert solved.lower_bound <= solved.makespan
    assert over_capacity(case, solved.starts) == []
    assert precedence_violations(case, solved.starts) == []


def brute_force_makespan(case):
    """Best serial-scheme schedule over every task order: an optimum (Kolisch 1996)."""
    ids = [task.id for task in case.tasks]
    by_id = {task.id: task for task in case.tasks}
    predecessors: dict[str, list[str]] = {task_id: [] for task_id in ids}
    for link in case.links:
        predecessors[link.successor].append(link.predecessor)
    horizon = sum(task.duration for task in case.tasks) + 40
    best = None
    for order in itertools.permutations(ids):
        position = {task_id: index for index, task_id in enumerate(order)}
        if any(position[p] > position[s] for s in ids for p in predecessors[s]):
            continue
        load = {r.id: np.zeros(horizon, dtype=int) for r in case.resources}
        capacity = {
            r.id: np.array([capacity_at(r, period) for period in range(horizon)])
            for r in case.resources
        }
        starts: dict[str, int] = {}
        for task_id in order:
            task = by_id[task_id]
            lowest = max([0, *(starts[p] + by_id[p].duration for p in predecessors[task_id])])
            start = lowest
            while any(
                (
                    load[r][start : start + task.duration] + amount
                    > capacity[r][start : start + task.duration]
                ).any()
                for r, amount in task.demands.items()
            ):
                start += 1
            for r, amount in task.demands.items():
                load[r][start : start + task.duration] += amount
            starts[task_id] = start
        makespan = max(starts[t] + by_id[t].duration for t in ids)
        best = makespan if best is None else min(best, makespan)
    return best


@st.composite
def tiny_problems(draw):
    case = draw(problems(max_tasks=5, kinds=("FS",), varying=False))
    tasks = tuple(
        LevelingTask(t.id, t.duration, t.demands) for t in case.tasks
    )  # no release dates or priorities: plain RCPSP
    links = tuple(LevelingLink(l.predecessor, l.successor) for l in case.links)
    return LevelingProblem(tasks, links, case.resources)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_solver_reaches_the_optimum_on_tiny_networks(case):
    solved = level(case, method="solver", time_limit=2.0, workers=2)
    assert solved.makespan == brute_force_makespan(case)
    assert solved.optimal
