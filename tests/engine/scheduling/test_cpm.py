"""Critical-path method: worked examples with known answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pytest

from steerco.engine.errors import CycleError, InputError
from steerco.engine.scheduling.calendars import (
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
    ScheduleResult,
    Task,
    compile_network,
    schedule,
)

DAY = 480


def plan(
    tasks: list[Task], links: list[tuple[str, str]] | list[Link], **options: Any
) -> ScheduleResult:
    built = [link if isinstance(link, Link) else Link(*link) for link in links]
    return schedule(Network(tuple(tasks), tuple(built), **options))


# Hillier & Lieberman, "Introduction to Operations Research", the Reliable Construction Co.
# project (durations in weeks): project length 44, critical path A-B-C-E-F-J-L-N.
RELIABLE = {
    "A": (2, []),
    "B": (4, ["A"]),
    "C": (10, ["B"]),
    "D": (6, ["C"]),
    "E": (4, ["C"]),
    "F": (5, ["E"]),
    "G": (7, ["D"]),
    "H": (9, ["E", "G"]),
    "I": (7, ["C"]),
    "J": (8, ["F", "I"]),
    "K": (4, ["J"]),
    "L": (5, ["J"]),
    "M": (2, ["H"]),
    "N": (6, ["K", "L"]),
}
RELIABLE_DATES = {  # ES, EF, LS, LF, total float, free float
    "A": (0, 2, 0, 2, 0, 0),
    "B": (2, 6, 2, 6, 0, 0),
    "C": (6, 16, 6, 16, 0, 0),
    "D": (16, 22, 20, 26, 4, 0),
    "E": (16, 20, 16, 20, 0, 0),
    "F": (20, 25, 20, 25, 0, 0),
    "G": (22, 29, 26, 33, 4, 0),
    "H": (29, 38, 33, 42, 4, 0),
    "I": (16, 23, 18, 25, 2, 2),
    "J": (25, 33, 25, 33, 0, 0),
    "K": (33, 37, 34, 38, 1, 1),
    "L": (33, 38, 33, 38, 0, 0),
    "M": (38, 40, 42, 44, 4, 4),
    "N": (38, 44, 38, 44, 0, 0),
}


def test_textbook_network_dates_and_floats() -> None:
    tasks = [Task(name, duration) for name, (duration, _) in RELIABLE.items()]
    links = [(p, name) for name, (_, predecessors) in RELIABLE.items() for p in predecessors]
    result = plan(tasks, links)
    assert result.project_finish == 44
    for name, expected in RELIABLE_DATES.items():
        row = result[name]
        got = (
            row.early_start,
            row.early_finish,
            row.late_start,
            row.late_finish,
            row.total_float,
            row.free_float,
        )
        assert got == expected, name
    assert result.critical_tasks == ["A", "B", "C", "E", "F", "J", "L", "N"]
    assert result.conflicts == ()


@pytest.mark.parametrize(
    ("link", "successor_start", "successor_finish"),
    [
        (Link("A", "B", LinkType.FS, 2), 7, 10),
        (Link("A", "B", LinkType.FS, -2), 3, 6),
        (Link("A", "B", LinkType.SS, 2), 2, 5),
        (Link("A", "B", LinkType.FF, 2), 4, 7),
        (Link("A", "B", LinkType.SF, 6), 3, 6),
        (Link("A", "B", LinkType.SF, 2), 0, 3),  # the project start holds B back
        (Link("A", "B", LinkType.FS, 50, lag_is_percent=True), 9, 12),  # 50 % of 6 = 3
    ],
)
def test_each_link_type_with_lags(link: Link, successor_start: int, successor_finish: int) -> None:
    duration_a = 6 if link.lag_is_percent else 5
    result = plan([Task("A", duration_a), Task("B", 3)], [link])
    assert (result["B"].early_start, result["B"].early_finish) == (
        successor_start,
        successor_finish,
    )
    # The late pass mirrors the forward pass: the predecessor's float is what the link leaves.
    project_finish = max(duration_a, successor_finish)
    assert result["B"].late_finish == project_finish
    assert result.total_float.min() == 0


def test_constraints_on_the_successor() -> None:
    def with_constraint(kind: ConstraintType, moment: int) -> ScheduleResult:
        tasks = [Task("A", 5), Task("B", 3, constraint=kind, constraint_date=moment)]
        return plan(tasks, [("A", "B")])

    snet = with_constraint(ConstraintType.SNET, 10)
    assert (snet["B"].early_start, snet["A"].total_float, snet["B"].total_float) == (10, 5, 0)
    fnet = with_constraint(ConstraintType.FNET, 12)
    assert (fnet["B"].early_start, fnet["B"].early_finish) == (9, 12)
    mso_late = with_constraint(ConstraintType.MSO, 20)
    assert (mso_late["B"].early_start, mso_late["A"].total_float) == (20, 15)
    assert mso_late.conflicts == ()
    mfo = with_constraint(ConstraintType.MFO, 10)
    assert (mfo["B"].early_start, mfo["B"].early_finish, mfo.conflicts) == (7, 10, ())

    snlt = with_constraint(ConstraintType.SNLT, 3)
    assert snlt["B"].early_start == 5  # the link wins over a "no later than"
    assert (snlt["A"].total_float, snlt["B"].total_float) == (-2, -2)
    assert [(c.task_id, c.kind) for c in snlt.conflicts] == [("B", "SNLT")]
    fnlt = with_constraint(ConstraintType.FNLT, 6)
    assert fnlt["B"].early_finish == 8
    assert (fnlt["A"].total_float, fnlt["B"].total_float) == (-2, -2)
    assert [(c.task_id, c.kind) for c in fnlt.conflicts] == [("B", "FNLT")]
    assert fnlt["A"].critical and fnlt["B"].critical


def test_hard_constraints_win_over_links_and_report_the_conflict() -> None:
    # A must-start-on earlier than the predecessor allows: the constraint is kept.
    result = plan(
        [Task("A", 5), Task("B", 3, constraint=ConstraintType.MSO, constraint_date=3)],
        [("A", "B")],
    )
    assert (result["B"].early_start, result["B"].early_finish) == (3, 6)
    assert result["A"].total_float == -2
    (conflict,) = result.conflicts
    assert (conflict.task_id, conflict.kind) == ("B", "MSO")
    assert "minute 5" in conflict.message and "minute 3" in conflict.message
    # A predecessor pushing past a must-finish-on.
    result = plan(
        [Task("A", 10), Task("B", 2, constraint=ConstraintType.MFO, constraint_date=5)],
        [("A", "B")],
    )
    assert (result["B"].early_start, result["B"].early_finish) == (3, 5)
    assert result["A"].total_float == -7
    assert [(c.task_id, c.kind) for c in result.conflicts] == [("B", "MFO")]
    # A must-start-on later than a finish-no-later-than on the same task allows.
    result = plan([Task("A", 5, constraint=ConstraintType.MSO, constraint_date=10)], [])
    assert result.conflicts == ()
    result = plan(
        [Task("A", 5, constraint=ConstraintType.MSO, constraint_date=10, deadline=12)], []
    )
    assert [(c.task_id, c.kind) for c in result.conflicts] == [("A", "deadline")]
    assert result["A"].total_float == -3


def test_deadline_moves_float_not_dates() -> None:
    result = plan([Task("A", 5), Task("B", 3, deadline=6)], [("A", "B")])
    assert (result["B"].early_start, result["B"].early_finish) == (5, 8)
    assert (result["A"].total_float, result["B"].total_float) == (-2, -2)
    assert [c.kind for c in result.conflicts] == ["deadline"]
    relaxed = plan([Task("A", 5), Task("B", 3, deadline=20), Task("C", 12)], [("A", "B")])
    assert relaxed["B"].total_float == 4 and relaxed.conflicts == ()


def test_as_late_as_possible_uses_free_float() -> None:
    tasks = [Task("A", 5), Task("B", 2, constraint=ConstraintType.ALAP), Task("C", 1)]
    result = plan(tasks, [("A", "C"), ("B", "C")])
    assert (result["B"].early_start, result["B"].start, result["B"].finish) == (0, 3, 5)
    assert (result["C"].start, result["C"].finish) == (5, 6)
    # Two ALAP tasks in a row both move: the later first, then the earlier up to it.
    tasks = [
        Task("A", 10),
        Task("B", 2, constraint=ConstraintType.ALAP),
        Task("C", 3, constraint=ConstraintType.ALAP),
    ]
    result = plan(tasks, [("B", "C")])
    assert (result["C"].start, result["C"].finish) == (7, 10)
    assert (result["B"].start, result["B"].finish) == (5, 7)


def test_progress_and_retained_logic() -> None:
    # A started at 0 and is 30 % done at status date 6: 7 units remain, resumed at 6.
    result = plan(
        [Task("A", 10, actual_start=0, percent_complete=30), Task("B", 10)],
        [("A", "B")],
        status_date=6,
    )
    assert (result["A"].early_start, result["A"].early_finish) == (0, 13)
    assert (result["B"].early_start, result["B"].early_finish) == (13, 23)
    # A finished: actual dates kept, not critical; B (not started) waits for the status date.
    result = plan(
        [Task("A", 10, actual_start=0, actual_finish=4), Task("B", 10)],
        [("A", "B")],
        status_date=6,
    )
    assert (result["A"].early_start, result["A"].early_finish) == (0, 4)
    assert not result["A"].critical and result["A"].total_float == 0
    assert result["B"].early_start == 6
    # Out-of-sequence progress: Q started before its predecessor P; with retained logic Q's
    # remaining work waits for P to finish.
    result = plan(
        [
            Task("P", 10),
            Task("Q", 10, actual_start=2, percent_complete=50),
        ],
        [("P", "Q")],
        status_date=4,
    )
    assert (result["P"].early_start, result["P"].early_finish) == (4, 14)
    assert (result["Q"].early_start, result["Q"].early_finish) == (2, 19)
    assert result["Q"].late_start == 14  # late resume of the remaining work
    # An explicit remaining duration wins over percent complete.
    result = plan(
        [Task("A", 10, actual_start=0, percent_complete=50, remaining_duration=8)],
        [],
        status_date=3,
    )
    assert result["A"].early_finish == 11


def test_summary_tasks_roll_up_and_pass_links_to_children() -> None:
    tasks = [
        Task("P", 2),
        Task("S"),
        Task("X", 3, parent="S"),
        Task("Y", 4, parent="S"),
        Task("W", 1, parent="S"),
        Task("T", parent="S"),
        Task("U", 2, parent="T"),
        Task("Q", 1),
    ]
    result = plan(tasks, [("P", "S"), ("X", "Y"), ("S", "Q")])
    assert (result["X"].early_start, result["Y"].early_finish) == (2, 9)
    assert result["W"].early_start == 2  # the link into S holds every child back
    assert result["U"].early_start == 2  # also in a nested summary
    assert (result["T"].early_start, result["T"].early_finish) == (2, 4)
    summary = result["S"]
    assert summary.is_summary
    assert (summary.early_start, summary.early_finish) == (2, 9)
    assert (summary.late_start, summary.late_finish, summary.total_float) == (2, 9, 0)
    assert (result["Q"].early_start, result["Q"].early_finish) == (9, 10)
    # A link out of the summary binds every child's late finish.
    assert (result["W"].late_finish, result["W"].total_float) == (9, 6)
    assert result["U"].late_finish == 9
    assert result.critical_tasks == ["P", "S", "X", "Y", "Q"]


def test_summary_constraints() -> None:
    tasks = [
        Task("S", constraint=ConstraintType.SNET, constraint_date=5),
        Task("X", 3, parent="S"),
        Task("Z", 20),
    ]
    result = plan(tasks, [])
    assert result["X"].early_start == 5
    with pytest.raises(InputError, match="summary"):
        plan(
            [Task("S", constraint=ConstraintType.MSO, constraint_date=5), Task("X", 1, parent="S")],
            [],
        )


def test_cycle_error_names_the_tasks_in_order() -> None:
    tasks = [Task(name, 1) for name in "ABCDE"]
    with pytest.raises(CycleError) as caught:
        plan(tasks, [("A", "B"), ("B", "C"), ("C", "D"), ("D", "B"), ("D", "E")])
    assert caught.value.tasks == ["B", "C", "D"]
    assert "B -> C -> D -> B" in str(caught.value)
    # A child linked to its own summary is a cycle too.
    with pytest.raises(CycleError) as caught:
        plan([Task("S"), Task("X", 1, parent="S")], [("X", "S")])
    assert sorted(caught.value.tasks) == ["S", "X"]


def test_input_errors() -> None:
    with pytest.raises(InputError, match="duplicate"):
        Network((Task("A"), Task("A")))
    with pytest.raises(InputError, match="not a task"):
        Network((Task("A"),), (Link("A", "B"),))
    with pytest.raises(InputError, match="constraint_date"):
        Task("A", 1, constraint=ConstraintType.MSO)
    with pytest.raises(InputError, match="loop"):
        Network((Task("A", parent="B"), Task("B", parent="A")))
    with pytest.raises(InputError, match="calendar"):
        Network(
            (Task("A", 1, constraint=ConstraintType.SNET, constraint_date=datetime(2024, 1, 1)),)
        )


def test_multiple_critical_paths_option() -> None:
    tasks = [Task("A", 5), Task("B", 2)]
    assert plan(tasks, [])["B"].total_float == 3
    assert plan(tasks, [], multiple_critical_paths=True)["B"].total_float == 0


def test_compiled_network_reschedules_after_an_edit() -> None:
    tasks = [Task(name, duration) for name, (duration, _) in RELIABLE.items()]
    links = tuple(Link(p, name) for name, (_, preds) in RELIABLE.items() for p in preds)
    compiled = compile_network(Network(tuple(tasks), links))
    compiled.set_duration("I", 12)  # I becomes critical: J waits for it until week 28
    edited = compiled.schedule()
    fresh = schedule(
        Network(tuple(Task(t.id, 12 if t.id == "I" else t.duration) for t in tasks), links)
    )
    assert edited.project_finish == fresh.project_finish == 47
    for name in ("early_start", "late_finish", "total_float", "free_float"):
        assert np.array_equal(getattr(edited, name), getattr(fresh, name))


# ---------------------------------------------------------------------- calendar mode

UK = Calendar(
    "UK",
    exceptions=(
        CalendarException(date(2024, 3, 29), name="Good Friday"),
        CalendarException(date(2024, 4, 1), name="Easter Monday"),
    ),
    time_zone="Europe/London",
)
THURSDAY = datetime(2024, 3, 28, 8)


def test_dates_follow_ms_project_conventions() -> None:
    tasks = [
        Task("A", 3 * DAY),
        Task("M", 0),
        Task("B", DAY),
        Task("C", DAY),
    ]
    links = [Link("A", "M"), Link("M", "B"), Link("A", "C", LinkType.FS, -DAY)]
    result = plan(tasks, links, calendar=UK, project_start=THURSDAY)
    a = result["A"]
    # Thursday + Tuesday + Wednesday: Good Friday, the weekend and Easter Monday are skipped.
    assert (a.start_date, a.finish_date) == (THURSDAY, datetime(2024, 4, 3, 17))
    assert result["M"].start_date == result["M"].finish_date == datetime(2024, 4, 3, 17)
    assert result["B"].start_date == datetime(2024, 4, 4, 8)  # next morning, not 17:00
    assert result["C"].start_date == datetime(2024, 4, 3, 8)  # one day of lead
    assert (a.early_start, a.early_finish) == (0, 3 * DAY)
    assert result.project_finish_date == datetime(2024, 4, 4, 17)


def test_task_calendars_and_elapsed_durations() -> None:
    night = Calendar("Night", WorkWeek.uniform(hours("00:00-04:00", "22:00-24:00")), base=None)
    tasks = [
        Task("Pour", DAY),
        Task("Cure", 2 * 1440, elapsed=True),
        Task("Strip", 360, calendar=night),
        Task("Inspect", 60),
    ]
    links = [Link("Pour", "Cure"), Link("Cure", "Strip"), Link("Strip", "Inspect")]
    friday = datetime(2024, 4, 5, 8)
    result = plan(tasks, links, calendar=UK, project_start=friday)
    assert result["Pour"].finish_date == datetime(2024, 4, 5, 17)
    # Curing runs through the weekend in elapsed time.
    assert result["Cure"].finish_date == datetime(2024, 4, 7, 17)
    # The night week has no Sunday: the shift starts Monday 00:00, works 4 h, then 2 h from 22:00.
    assert result["Strip"].start_date == datetime(2024, 4, 8, 0)
    assert result["Strip"].finish_date == datetime(2024, 4, 9, 0)
    assert result["Inspect"].start_date == datetime(2024, 4, 9, 8)
    assert result["Inspect"].finish_date == datetime(2024, 4, 9, 9)


def test_datetime_constraints_progress_and_conflict_messages() -> None:
    tasks = [
        Task("A", 2 * DAY, actual_start=datetime(2024, 3, 25, 8), percent_complete=50),
        Task("B", DAY, constraint=ConstraintType.MSO, constraint_date=datetime(2024, 3, 26, 8)),
        Task("C", DAY, deadline=datetime(2024, 3, 27, 17)),
    ]
    result = plan(
        tasks,
        [Link("A", "B"), Link("B", "C")],
        calendar=UK,
        project_start=datetime(2024, 3, 25, 8),
        status_date=datetime(2024, 3, 26, 17),
    )
    # Half of A is done by Monday evening; the rest resumes after the status date.
    assert result["A"].finish_date == datetime(2024, 3, 27, 17)
    assert result["B"].start_date == datetime(2024, 3, 26, 8)  # hard constraint kept
    kinds = sorted((c.task_id, c.kind) for c in result.conflicts)
    assert kinds == [("B", "MSO")]
    (conflict,) = result.conflicts_of("B")
    assert "2024-03-26 08:00" in conflict.message and "2024-03-28 08:00" in conflict.message


def test_lags_on_the_successor_calendar() -> None:
    weekend = Calendar("Weekend crew", WorkWeek.uniform(hours("08:00-16:00"), weekdays=(5, 6)))
    tasks = [Task("A", DAY), Task("B", 60, calendar=weekend)]
    links = [Link("A", "B", LinkType.FS, 480)]
    monday = datetime(2024, 4, 8, 8)
    on_project = plan(tasks, links, calendar=UK, project_start=monday)
    # One project day of lag after Monday 17:00 ends Tuesday 17:00; the crew starts Saturday.
    assert on_project["B"].start_date == datetime(2024, 4, 13, 8)
    on_successor = plan(
        tasks, links, calendar=UK, project_start=monday, lags_on_successor_calendar=True
    )
    # The lag runs on the crew's calendar: all of Saturday, so B starts Sunday.
    assert on_successor["B"].start_date == datetime(2024, 4, 14, 8)


def test_schedule_across_a_dst_change_counts_wall_clock_minutes() -> None:
    london = Calendar(
        "London 24h",
        WorkWeek.uniform(hours("00:00-24:00"), weekdays=(0, 1, 2, 3, 4, 5, 6)),
        time_zone="Europe/London",
    )
    tasks = [Task("Run", 48 * 60), Task("Check", 60)]
    result = plan(
        tasks, [Link("Run", "Check")], calendar=london, project_start=datetime(2024, 3, 30)
    )
    run = result["Run"]
    assert run.finish_date == datetime(2024, 4, 1)  # 48 wall-clock hours
    assert run.start_date is not None and run.finish_date is not None
    # Clocks went forward on 31 March: only 47 real hours passed.
    elapsed = london.to_utc(run.finish_date) - london.to_utc(run.start_date)
    assert elapsed.total_seconds() == 47 * 3600
    assert result["Check"].finish_date == datetime(2024, 4, 1, 1)


def test_an_empty_network_finishes_where_it_starts() -> None:
    from datetime import datetime

    from steerco.engine.scheduling.calendars import STANDARD_CALENDAR

    assert schedule(Network(tasks=(), links=())).project_finish == 0
    dated = schedule(
        Network(
            tasks=(), links=(), calendar=STANDARD_CALENDAR, project_start=datetime(2026, 1, 5, 8)
        )
    )
    assert dated.project_finish == 0
    assert dated.project_finish_date == datetime(2026, 1, 5, 8)


def test_a_started_milestone_has_happened_at_its_actual_start_even_on_a_weekend() -> None:
    saturday = datetime(2026, 3, 7, 10)
    result = schedule(
        Network(
            (
                Task("go-live", 0, actual_start=saturday),
                Task("review", DAY, actual_start=datetime(2026, 3, 3, 18, 30)),
                Task("next", DAY),
            ),
            (Link("go-live", "next"),),
            project_start=datetime(2026, 3, 2, 8),
            status_date=datetime(2026, 3, 10, 8),
        )
    )
    starts, finishes = result.date_array("start"), result.date_array("finish")
    # Not moved to the status date like unfinished work, and never finishing before it started.
    assert starts[0] == finishes[0] == np.datetime64(saturday)
    # A task started after hours (in non-working time) finishes a working day later, not before.
    assert finishes[1] > starts[1]
    assert all(finishes >= starts)
