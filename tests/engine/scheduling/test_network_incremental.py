"""Rescheduling a compiled network after edits: the incremental sweep equals a fresh schedule.

``CompiledNetwork.schedule`` after ``set_duration`` recomputes only the nodes whose inputs or
neighbours moved. These tests check, in calendar mode with everything the kernel handles (summary
tasks, task calendars, elapsed durations and lags, percentage lags, constraints, deadlines,
progress, a status date), that the result is the one a from-scratch schedule gives.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.scheduling.calendars import (
    TWENTY_FOUR_HOURS_CALENDAR,
    Calendar,
    CalendarException,
    WorkWeek,
    hours,
)
from steerco.engine.scheduling.cpm import (
    TIME_FIELDS,
    ConstraintType,
    Link,
    LinkType,
    Network,
    ScheduleResult,
    Task,
    compile_network,
    schedule,
)

DAY = 480
START = datetime(2025, 3, 3, 8)  # a Monday
PROJECT_CALENDAR = Calendar(
    "Standard",
    WorkWeek.standard(),
    exceptions=(
        CalendarException(date(2025, 3, 7), name="Holiday"),
        CalendarException(date(2025, 3, 17), date(2025, 3, 19), name="Shutdown"),
    ),
)
NIGHT_SHIFT = Calendar("Night shift", WorkWeek.uniform(hours("20:00-24:00")), base=PROJECT_CALENDAR)
TASK_CALENDARS = (None, None, None, NIGHT_SHIFT, TWENTY_FOUR_HOURS_CALENDAR)
CONSTRAINTS = (
    ConstraintType.ASAP,
    ConstraintType.ASAP,
    ConstraintType.ALAP,
    ConstraintType.SNET,
    ConstraintType.SNLT,
    ConstraintType.FNET,
    ConstraintType.FNLT,
    ConstraintType.MSO,
    ConstraintType.MFO,
)


def assert_same_schedule(result: ScheduleResult, expected: ScheduleResult) -> None:
    for name in (*TIME_FIELDS, "total_float", "free_float", "critical", "is_milestone"):
        assert getattr(result, name).tolist() == getattr(expected, name).tolist(), name
    for name in TIME_FIELDS:
        assert result.date_array(name).tolist() == expected.date_array(name).tolist(), name
    assert result.project_finish == expected.project_finish
    assert result.project_finish_date == expected.project_finish_date
    assert [(c.task_id, c.kind, c.message) for c in result.conflicts] == [
        (c.task_id, c.kind, c.message) for c in expected.conflicts
    ]


@st.composite
def calendar_networks(draw: st.DrawFn) -> Network:
    """Blocks of plain tasks and summaries (with 1-3 children) in rank order; links go forward.

    A link out of a summary leaves from its last child's rank, so no link can close a loop
    through the summary structure.
    """
    tasks: list[Task] = []
    in_rank: list[int] = []
    out_rank: list[int] = []
    moment = st.integers(-5 * DAY // 60, 30 * DAY // 60).map(
        lambda hours_after: START + timedelta(hours=hours_after)
    )
    status = draw(st.one_of(st.none(), st.integers(2, 8)))
    status_date = None if status is None else START + timedelta(days=status, hours=3)
    for _ in range(draw(st.integers(1, 9))):
        summary_children = draw(st.one_of(st.just(0), st.integers(1, 3)))
        if summary_children:
            summary = len(tasks)
            tasks.append(Task(f"S{summary}"))
            in_rank.append(summary)
            out_rank.append(summary + summary_children)
        for _ in range(max(1, summary_children)):
            position = len(tasks)
            options: dict[str, Any] = {
                "calendar": draw(st.sampled_from(TASK_CALENDARS)),
                "elapsed": draw(st.booleans()) and draw(st.booleans()),
            }
            constraint = draw(st.sampled_from(CONSTRAINTS))
            if constraint not in (ConstraintType.ASAP, ConstraintType.ALAP):
                options["constraint_date"] = draw(moment)
            options["constraint"] = constraint
            if draw(st.integers(0, 5)) == 0:
                options["deadline"] = draw(moment)
            if status is not None and draw(st.integers(0, 3)) == 0:
                started = START + timedelta(hours=draw(st.integers(0, 24 * (status - 1))))
                options["actual_start"] = started
                if draw(st.booleans()):
                    options["actual_finish"] = started + timedelta(hours=draw(st.integers(0, 20)))
                else:
                    options["percent_complete"] = float(draw(st.integers(0, 90)))
            if summary_children:
                options["parent"] = f"S{summary}"
            tasks.append(Task(f"T{position}", draw(st.integers(0, 3 * DAY // 60)) * 60, **options))
            in_rank.append(position)
            out_rank.append(position)
    links: list[Link] = []
    count = len(tasks)
    for _ in range(draw(st.integers(0, 2 * count))):
        predecessor = draw(st.integers(0, count - 1))
        successor = draw(st.integers(0, count - 1))
        if out_rank[predecessor] >= in_rank[successor]:
            continue
        kind = draw(st.sampled_from(list(LinkType)))
        lag_kind = draw(st.integers(0, 5))
        if lag_kind == 0:
            links.append(Link(tasks[predecessor].id, tasks[successor].id, kind, 50.0, True))
        elif lag_kind == 1:
            links.append(Link(tasks[predecessor].id, tasks[successor].id, kind, 1440, False, True))
        else:
            lag = draw(st.sampled_from([0, 0, -DAY // 2, 120, DAY]))
            links.append(Link(tasks[predecessor].id, tasks[successor].id, kind, lag))
    return Network(
        tuple(tasks),
        tuple(links),
        PROJECT_CALENDAR,
        START,
        status_date=status_date,
        multiple_critical_paths=draw(st.booleans()),
        lags_on_successor_calendar=draw(st.booleans()),
    )


def with_durations(network: Network, durations: dict[str, int]) -> Network:
    tasks = tuple(
        dataclasses.replace(task, duration=durations.get(task.id, task.duration))
        for task in network.tasks
    )
    return dataclasses.replace(network, tasks=tasks)


edit_lists = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 4 * DAY // 60)), max_size=6)


@settings(max_examples=120, deadline=None)
@given(network=calendar_networks(), edits=edit_lists)
def test_edited_then_rescheduled_equals_a_schedule_from_scratch(
    network: Network, edits: list[tuple[int, int]]
) -> None:
    # Only tasks without progress: for those an edited duration means the same as a new input.
    editable = [
        task.id
        for task in network.tasks
        if task.actual_start is None and not any(other.parent == task.id for other in network.tasks)
    ]
    compiled = compile_network(network)
    compiled.schedule()
    durations: dict[str, int] = {}
    for pick, hours_long in edits:
        if not editable:
            break
        task_id = editable[pick % len(editable)]
        durations[task_id] = hours_long * 60
        compiled.set_duration(task_id, hours_long * 60)
        assert_same_schedule(compiled.schedule(), schedule(with_durations(network, durations)))
    # The offsets are working minutes of the project calendar from the project start.
    result = compiled.schedule()
    for name in ("start", "late_finish"):
        assert getattr(result, name).tolist() == [
            PROJECT_CALENDAR.working_minutes_between(START, moment)
            for moment in result.date_array(name).astype("datetime64[us]").tolist()
        ]


@settings(max_examples=80, deadline=None)
@given(network=calendar_networks(), edits=edit_lists)
def test_incremental_reschedules_equal_one_full_run_after_the_same_edits(
    network: Network, edits: list[tuple[int, int]]
) -> None:
    # Any task but summaries, in progress and finished ones included: a second compiled network
    # takes the same edits and schedules once (its first run is always a full one).
    editable = [task.id for task in network.tasks if task.id.startswith("T")]
    compiled = compile_network(network)
    compiled.schedule()
    fresh = compile_network(network)
    for pick, hours_long in edits:
        task_id = editable[pick % len(editable)]
        compiled.set_duration(task_id, hours_long * 60)
        fresh.set_duration(task_id, hours_long * 60)
        compiled.schedule()
    assert_same_schedule(compiled.schedule(), fresh.schedule())


def chain_with_a_side_branch() -> Network:
    # A (2 days) -> B (3 days) -> D (1 day) is critical; C (1 day) runs beside B with 2 days of
    # float. The Friday of the first week is a holiday.
    tasks = (
        Task("A", 2 * DAY),
        Task("B", 3 * DAY),
        Task("C", 1 * DAY),
        Task("D", 1 * DAY),
    )
    links = (Link("A", "B"), Link("A", "C"), Link("B", "D"), Link("C", "D"))
    return Network(tasks, links, PROJECT_CALENDAR, START)


def test_an_edit_inside_the_float_moves_only_the_edited_task() -> None:
    compiled = compile_network(chain_with_a_side_branch())
    before = compiled.schedule()
    compiled.set_duration("C", 2 * DAY)
    after = compiled.schedule()
    c = after.task_ids.index("C")
    # C now runs Wednesday and Thursday (Friday is a holiday), and keeps 1 day of float.
    assert after.date_array("finish")[c] == np.datetime64("2025-03-06T17:00")
    assert int(after.total_float[c]) == DAY
    assert after.project_finish == before.project_finish
    assert after["D"].finish_date == datetime(2025, 3, 11, 17)
    for task_id in ("A", "B", "D"):
        assert after[task_id] == before[task_id]


def test_an_edit_on_the_critical_path_moves_the_finish_and_every_float() -> None:
    compiled = compile_network(chain_with_a_side_branch())
    compiled.schedule()
    compiled.set_duration("B", 4 * DAY)
    after = compiled.schedule()
    # B: Wednesday 5 March + 4 working days, skipping the Friday holiday and the weekend.
    assert after["B"].finish_date == datetime(2025, 3, 11, 17)
    assert after["D"].finish_date == datetime(2025, 3, 12, 17)
    assert after["C"].total_float == 3 * DAY
    assert after.critical_tasks == ["A", "B", "D"]
    assert_same_schedule(
        after, schedule(with_durations(chain_with_a_side_branch(), {"B": 4 * DAY}))
    )


def test_a_long_edit_widens_the_calendar_tables_and_stays_exact() -> None:
    network = chain_with_a_side_branch()
    compiled = compile_network(network)
    compiled.schedule()
    # Ten years of work: far beyond the tables built for the first run.
    compiled.set_duration("B", 2_600 * DAY)
    assert_same_schedule(compiled.schedule(), schedule(with_durations(network, {"B": 2_600 * DAY})))
    compiled.set_duration("B", 3 * DAY)
    assert_same_schedule(compiled.schedule(), schedule(network))


def test_date_array_matches_the_records_and_needs_a_calendar() -> None:
    result = schedule(chain_with_a_side_branch())
    for name in TIME_FIELDS:
        as_datetimes = result.date_array(name).astype("datetime64[us]").tolist()
        assert as_datetimes == [getattr(record, f"{name}_date") for record in result]
    with pytest.raises(ValueError, match="unknown time array"):
        result.date_array("middle")
    offsets = schedule(Network((Task("A", 60),)))
    assert not offsets.has_dates
    with pytest.raises(ValueError, match="without a calendar"):
        offsets.date_array("start")


@st.composite
def offset_networks(draw: st.DrawFn) -> Network:
    """Offset mode (no calendar) with constraints and a summary: the general kernel, no tables."""
    count = draw(st.integers(2, 14))
    tasks = [Task("S"), Task("T0", draw(st.integers(0, 50)), parent="S")]
    for position in range(1, count):
        constraint = draw(st.sampled_from(CONSTRAINTS))
        moment = draw(st.integers(0, 120)) if constraint not in ("ASAP", "ALAP") else None
        tasks.append(
            Task(
                f"T{position}",
                draw(st.integers(0, 50)),
                parent="S" if draw(st.booleans()) else None,
                constraint=constraint,
                constraint_date=moment,
            )
        )
    pairs = draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))))
    links = tuple(
        Link(f"T{low}", f"T{high}", draw(st.sampled_from(list(LinkType))), draw(st.integers(-5, 9)))
        for low, high in ((min(pair), max(pair)) for pair in pairs)
        if low != high
    )
    return Network(tuple(tasks), links)


@settings(max_examples=80, deadline=None)
@given(network=offset_networks(), edits=edit_lists)
def test_offset_mode_with_constraints_reschedules_like_from_scratch(
    network: Network, edits: list[tuple[int, int]]
) -> None:
    compiled = compile_network(network)
    compiled.schedule()
    durations: dict[str, int] = {}
    for pick, minutes in edits:
        task_id = f"T{pick % (len(network.tasks) - 1)}"
        durations[task_id] = minutes
        compiled.set_duration(task_id, minutes)
        result = compiled.schedule()
        expected = schedule(with_durations(network, durations))
        for name in (*TIME_FIELDS, "total_float", "free_float", "critical"):
            assert getattr(result, name).tolist() == getattr(expected, name).tolist(), name
        assert [c.message for c in result.conflicts] == [c.message for c in expected.conflicts]
