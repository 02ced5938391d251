"""Critical-path method: Hypothesis properties on random networks.

A small pure-Python pass (written from the textbook definitions, independent of the kernels) is
the reference for the compiled paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.scheduling.calendars import STANDARD_CALENDAR
from steerco.engine.scheduling.cpm import (
    ConstraintType,
    Link,
    LinkType,
    Network,
    ScheduleResult,
    Task,
    schedule,
)
from steerco.engine.scheduling.network import CompiledNetwork

LINK_TYPES = [LinkType.FS, LinkType.SS, LinkType.FF, LinkType.SF]


@dataclass
class RandomNetwork:
    durations: list[int]
    links: list[tuple[int, int, int, int]]  # predecessor, successor, type code, lag

    def network(self, **options: Any) -> Network:
        tasks = tuple(Task(f"T{i}", d) for i, d in enumerate(self.durations))
        links = tuple(Link(f"T{p}", f"T{s}", LINK_TYPES[t], lag) for p, s, t, lag in self.links)
        return Network(tasks, links, **options)


@st.composite
def random_networks(draw: st.DrawFn, max_tasks: int = 25) -> RandomNetwork:
    count = draw(st.integers(1, max_tasks))
    durations = draw(st.lists(st.integers(0, 30), min_size=count, max_size=count))
    links: list[tuple[int, int, int, int]] = []
    if count > 1:
        pairs = draw(
            st.lists(
                st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)),
                max_size=3 * count,
            )
        )
        for a, b in pairs:
            if a == b:
                continue
            # Links always go from the lower to the higher number: a DAG by construction.
            predecessor, successor = min(a, b), max(a, b)
            kind = draw(st.integers(0, 3))
            lag = draw(st.one_of(st.just(0), st.integers(-10, 15)))
            links.append((predecessor, successor, kind, lag))
    return RandomNetwork(durations, links)


def reference_schedule(net: RandomNetwork) -> dict[str, list[int]]:
    """Forward/backward pass straight from the definitions, tasks in index order."""
    n = len(net.durations)
    d = net.durations
    incoming: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    outgoing: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    for p, s, t, lag in net.links:
        incoming[s].append((p, t, lag))
        outgoing[p].append((s, t, lag))
    es = [0] * n
    for v in range(n):
        candidates = [0]
        for p, t, lag in incoming[v]:
            ef_p = es[p] + d[p]
            candidates.append([ef_p + lag, es[p] + lag, ef_p + lag - d[v], es[p] + lag - d[v]][t])
        es[v] = max(candidates)
    ef = [es[v] + d[v] for v in range(n)]
    finish = max(ef)
    lf = [0] * n
    for v in reversed(range(n)):
        candidates = [finish]
        for s, t, lag in outgoing[v]:
            ls_s = lf[s] - d[s]
            candidates.append([ls_s - lag, ls_s - lag + d[v], lf[s] - lag, lf[s] - lag + d[v]][t])
        lf[v] = min(candidates)
    free = []
    for v in range(n):
        slacks = [finish - ef[v]] if not outgoing[v] else []
        for s, t, lag in outgoing[v]:
            slacks.append(
                [
                    es[s] - lag - ef[v],
                    es[s] - lag - es[v],
                    ef[s] - lag - ef[v],
                    ef[s] - lag - es[v],
                ][t]
            )
        free.append(min(min(slacks), lf[v] - ef[v]))
    return {
        "early_start": es,
        "early_finish": ef,
        "late_start": [lf[v] - d[v] for v in range(n)],
        "late_finish": lf,
        "total_float": [lf[v] - ef[v] for v in range(n)],
        "free_float": free,
    }


def assert_matches_reference(result: ScheduleResult, expected: dict[str, list[int]]) -> None:
    for name, values in expected.items():
        assert getattr(result, name).tolist() == values, name


def link_slack(result: ScheduleResult, link: Link, *, late: bool = False) -> int:
    """How much the link is over-satisfied (negative: violated) by the early (or late) dates."""
    p, s = result[link.predecessor], result[link.successor]
    if late:
        p_start, p_finish, s_start, s_finish = (
            p.late_start,
            p.late_finish,
            s.late_start,
            s.late_finish,
        )
    else:
        p_start, p_finish, s_start, s_finish = (
            p.early_start,
            p.early_finish,
            s.early_start,
            s.early_finish,
        )
    lag = int(link.lag)
    return {
        LinkType.FS: s_start - p_finish - lag,
        LinkType.SS: s_start - p_start - lag,
        LinkType.FF: s_finish - p_finish - lag,
        LinkType.SF: s_finish - p_start - lag,
    }[link.type]


@settings(max_examples=120, deadline=None)
@given(net=random_networks())
def test_fast_path_and_general_kernel_equal_the_reference(net: RandomNetwork) -> None:
    expected = reference_schedule(net)
    fast = schedule(net.network())
    assert_matches_reference(fast, expected)
    # A deadline far away changes nothing but sends the network through the general kernel.
    general_tasks = tuple(
        Task(t.id, t.duration, deadline=10**6 if i == 0 else None)
        for i, t in enumerate(net.network().tasks)
    )
    general = schedule(Network(general_tasks, net.network().links))
    assert_matches_reference(general, expected)
    # So does the array constructor used for large networks.
    arrays = CompiledNetwork.from_arrays(
        net.durations,
        [p for p, _, _, _ in net.links],
        [s for _, s, _, _ in net.links],
        [t for _, _, t, _ in net.links],
        [lag for _, _, _, lag in net.links],
    ).schedule()
    assert_matches_reference(arrays, expected)


@settings(max_examples=120, deadline=None)
@given(net=random_networks())
def test_schedule_respects_links_floats_and_has_a_critical_path(net: RandomNetwork) -> None:
    network = net.network()
    result = schedule(network)
    for link in network.links:
        assert link_slack(result, link) >= 0
        assert link_slack(result, link, late=True) >= 0
    assert (result.total_float >= 0).all()
    assert (result.free_float >= 0).all()
    assert (result.free_float <= result.total_float).all()
    assert (result.early_start >= 0).all()
    assert (result.late_finish <= result.project_finish).all()
    # Walk back from a critical task finishing the project through driving links between
    # critical tasks: the walk must reach the project start.
    by_successor: dict[str, list[Link]] = {}
    for link in network.links:
        by_successor.setdefault(link.successor, []).append(link)
    current = next(t.id for t in result if t.critical and t.early_finish == result.project_finish)
    for _ in range(len(result) + 1):
        if result[current].early_start == 0:
            break
        driving = [
            link
            for link in by_successor.get(current, [])
            if result[link.predecessor].critical and link_slack(result, link) == 0
        ]
        assert driving, f"critical task {current} has no driving critical predecessor"
        current = driving[0].predecessor
    assert result[current].early_start == 0


@settings(max_examples=60, deadline=None)
@given(net=random_networks(max_tasks=15))
def test_calendar_mode_equals_offset_mode_on_the_project_calendar(net: RandomNetwork) -> None:
    # Durations in days of 480 minutes on the standard calendar: the wall-clock kernel must give
    # the same working-minute offsets as the offset kernel.
    scaled = RandomNetwork(
        [d * 60 for d in net.durations], [(p, s, t, lag * 60) for p, s, t, lag in net.links]
    )
    offsets = schedule(scaled.network())
    dated = schedule(
        scaled.network(calendar=STANDARD_CALENDAR, project_start=datetime(2024, 3, 25, 8))
    )
    for name in (
        "early_start",
        "early_finish",
        "late_start",
        "late_finish",
        "total_float",
        "free_float",
    ):
        assert getattr(dated, name).tolist() == getattr(offsets, name).tolist(), name
    for row in dated:
        assert row.start_date is not None and row.finish_date is not None
        if not row.is_milestone:
            assert STANDARD_CALENDAR.is_working_time(row.start_date)
            assert STANDARD_CALENDAR.previous_working_moment(row.finish_date) == row.finish_date
            assert (
                STANDARD_CALENDAR.working_minutes_between(row.start_date, row.finish_date)
                == scaled.durations[int(row.id[1:])]
            )


constraint_kinds = st.sampled_from(
    [
        ConstraintType.ASAP,
        ConstraintType.ALAP,
        ConstraintType.SNET,
        ConstraintType.SNLT,
        ConstraintType.FNET,
        ConstraintType.FNLT,
        ConstraintType.MSO,
        ConstraintType.MFO,
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    net=random_networks(max_tasks=15),
    constraints=st.lists(st.tuples(constraint_kinds, st.integers(0, 120)), max_size=15),
    deadlines=st.lists(st.one_of(st.none(), st.integers(0, 150)), max_size=15),
)
def test_constraints_hold_unless_reported(
    net: RandomNetwork,
    constraints: list[tuple[ConstraintType, int]],
    deadlines: list[int | None],
) -> None:
    tasks = []
    for i, duration in enumerate(net.durations):
        kind, moment = constraints[i] if i < len(constraints) else (ConstraintType.ASAP, 0)
        dated = kind not in (ConstraintType.ASAP, ConstraintType.ALAP)
        tasks.append(
            Task(
                f"T{i}",
                duration,
                constraint=kind,
                constraint_date=moment if dated else None,
                deadline=deadlines[i] if i < len(deadlines) else None,
            )
        )
    base = net.network()
    result = schedule(Network(tuple(tasks), base.links))
    reported = {(c.task_id, c.kind) for c in result.conflicts}
    hard_conflicts = {task_id for task_id, kind in reported if kind in ("MSO", "MFO")}
    for link in base.links:
        if link.successor not in hard_conflicts:
            assert link_slack(result, link) >= 0, link
    for task in tasks:
        row = result[task.id]
        moment = task.constraint_date if isinstance(task.constraint_date, int) else 0
        if task.constraint == ConstraintType.MSO:
            assert row.early_start == moment  # hard: always kept
        elif task.constraint == ConstraintType.MFO:
            assert row.early_finish == moment
        elif task.constraint == ConstraintType.SNET:
            assert row.early_start >= moment
        elif task.constraint == ConstraintType.FNET:
            assert row.early_finish >= moment
        elif task.constraint == ConstraintType.SNLT:
            assert (row.early_start <= moment) != ((task.id, "SNLT") in reported)
            assert row.late_start <= moment
        elif task.constraint == ConstraintType.FNLT:
            assert (row.early_finish <= moment) != ((task.id, "FNLT") in reported)
            assert row.late_finish <= moment
        elif task.constraint == ConstraintType.ALAP:
            assert row.early_start <= row.start <= max(row.early_start, row.late_start)
        if isinstance(task.deadline, int):
            assert (row.early_finish <= task.deadline) != ((task.id, "deadline") in reported)
            assert row.late_finish <= task.deadline
    # Scheduled dates keep every link too (ALAP tasks only move into free float).
    for link in base.links:
        if link.successor in hard_conflicts:
            continue
        p, s = result[link.predecessor], result[link.successor]
        lag = int(link.lag)
        slack = {
            LinkType.FS: s.start - p.finish - lag,
            LinkType.SS: s.start - p.start - lag,
            LinkType.FF: s.finish - p.finish - lag,
            LinkType.SF: s.finish - p.start - lag,
        }[link.type]
        assert slack >= 0, link
    # A negative float appears exactly when some late bound is below what the links allow.
    if not result.conflicts:
        assert np.all((result.total_float >= 0) | (result.late_finish < result.early_finish))
