"""Rescheduling MSPDI files: worked examples of MS Project's rules, shared-file floors, CLI."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path

import pytest

from steerco.cli import main
from steerco.engine.errors import CycleError
from steerco.engine.formats.mspdi import (
    TaskComparison,
    compare_with_saved,
    read_mspdi,
    reschedule,
    with_schedule,
    write_mspdi,
)

from .mspdi_helpers import (
    MSPDI_DIR,
    link_xml,
    need_shared_data,
    project_xml,
    shared_files,
    standard_calendar,
    task_xml,
)

# The project of project_xml() starts on Monday 8 January 2024 at 08:00.
MON, TUE, WED, THU, FRI = 8, 9, 10, 11, 12


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, minute, second)


def dates(tasks: str, **kwargs: str) -> dict[int, tuple[datetime, datetime]]:
    return dict(reschedule(read_mspdi(project_xml(tasks, **kwargs))).dates)


def test_finish_to_start_starts_next_morning_and_finish_stays_at_17() -> None:
    result = dates(task_xml(1) + task_xml(2, extra=link_xml(1)))
    assert result[1] == (at(MON, 8), at(MON, 17))
    assert result[2] == (at(TUE, 8), at(TUE, 17))


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (link_xml(1, 1, 4800), (at(WED, 8), at(WED, 17))),  # FS + 1 day
        (link_xml(1, 1, -2400), (at(MON, 13), at(TUE, 12))),  # FS - 4 hours (a lead)
        (link_xml(1, 3, 2400), (at(MON, 13), at(TUE, 12))),  # SS + 4 hours
        (link_xml(1, 1, 24000, 9), (at(TUE + 7, 8), at(TUE + 7, 17))),  # FS + 1 week
        (link_xml(1, 1, 50, 19), (at(TUE, 13), at(WED, 12))),  # FS + 50% of 8 hours
        (link_xml(1, 1, 14400, 8), (at(WED, 8), at(WED, 17))),  # FS + 1 elapsed day
    ],
)
def test_link_lags(link: str, expected: tuple[datetime, datetime]) -> None:
    assert dates(task_xml(1) + task_xml(2, extra=link))[2] == expected


def test_finish_to_finish_moves_a_short_task_late() -> None:
    result = dates(task_xml(1) + task_xml(2, "PT4H0M0S", extra=link_xml(1, 0)))
    assert result[2] == (at(MON, 13), at(MON, 17))


def test_start_to_finish_keeps_a_finish_at_the_start_of_a_day() -> None:
    """MS Project keeps Wednesday 08:00 (not Tuesday 17:00) as the finish given by SF."""
    snet = "<ConstraintType>4</ConstraintType><ConstraintDate>2024-01-10T08:00:00</ConstraintDate>"
    result = dates(task_xml(1, extra=snet) + task_xml(2, extra=link_xml(1, 2)))
    assert result[1] == (at(WED, 8), at(WED, 17))
    assert result[2] == (at(TUE, 8), at(WED, 8))


def test_milestone_after_a_task_stays_at_the_end_of_the_day() -> None:
    result = dates(task_xml(1) + task_xml(2, "PT0H0M0S", extra=link_xml(1)))
    assert result[2] == (at(MON, 17), at(MON, 17))


def test_elapsed_duration_runs_through_nights() -> None:
    result = dates(task_xml(1, "PT24H0M0S", duration_format=8))
    assert result[1] == (at(MON, 8), at(TUE, 8))


def test_seconds_are_kept() -> None:
    assert dates(task_xml(1, "PT1H0M30S"))[1] == (at(MON, 8), at(MON, 9, 0, 30))


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (
            "<ConstraintType>4</ConstraintType><ConstraintDate>2024-01-13T10:00:00</ConstraintDate>",
            (at(MON + 7, 8), at(MON + 7, 17)),
        ),  # SNET on a Saturday: next working time
        (
            "<ConstraintType>2</ConstraintType><ConstraintDate>2024-01-08T08:00:00</ConstraintDate>",
            (at(MON, 8), at(MON, 17)),
        ),  # MSO wins over the link
        (
            "<ConstraintType>7</ConstraintType><ConstraintDate>2024-01-08T17:00:00</ConstraintDate>",
            (at(MON, 8), at(MON, 17)),
        ),  # FNLT wins over the link
        (
            "<ConstraintType>6</ConstraintType><ConstraintDate>2024-01-11T17:00:00</ConstraintDate>",
            (at(THU, 8), at(THU, 17)),
        ),  # FNET
        (
            "<ConstraintType>5</ConstraintType><ConstraintDate>2024-01-12T08:00:00</ConstraintDate>",
            (at(TUE, 8), at(TUE, 17)),
        ),  # SNLT not reached: ASAP
    ],
)
def test_constraints(constraint: str, expected: tuple[datetime, datetime]) -> None:
    assert dates(task_xml(1) + task_xml(2, extra=link_xml(1) + constraint))[2] == expected


def test_as_late_as_possible_uses_the_free_float() -> None:
    alap = "<ConstraintType>1</ConstraintType>"
    result = dates(task_xml(1, "PT16H0M0S") + task_xml(2, extra=alap))
    assert result[2] == (at(TUE, 8), at(TUE, 17))


def test_summary_rolls_up_and_its_links_apply_to_children() -> None:
    tasks = (
        task_xml(1, "PT16H0M0S")
        + task_xml(2, "PT0H0M0S", extra=link_xml(1))  # summary, linked after task 1
        + task_xml(3, level=2)
        + task_xml(4, level=2, extra=link_xml(3))
        + task_xml(5, extra=link_xml(2))
    )
    result = dates(tasks)
    assert result[3] == (at(WED, 8), at(WED, 17))
    assert result[4] == (at(THU, 8), at(THU, 17))
    assert result[2] == (at(WED, 8), at(THU, 17))
    assert result[5] == (at(FRI, 8), at(FRI, 17))


def test_holiday_exception_is_skipped() -> None:
    holiday = (
        "<Exceptions><Exception><TimePeriod><FromDate>2024-01-09T00:00:00</FromDate>"
        "<ToDate>2024-01-09T23:59:00</ToDate></TimePeriod><Type>1</Type>"
        "<DayWorking>0</DayWorking></Exception></Exceptions>"
    )
    result = dates(task_xml(1, "PT16H0M0S"), calendars=standard_calendar(extra=holiday))
    assert result[1] == (at(MON, 8), at(WED, 17))


def test_task_calendar_of_24_hours() -> None:
    always = "".join(
        f"<WeekDay><DayType>{day}</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime>"
        "<FromTime>00:00:00</FromTime><ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes>"
        "</WeekDay>"
        for day in range(1, 8)
    )
    calendars = standard_calendar() + (
        "<Calendar><UID>2</UID><Name>24 Hours</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<WeekDays>{always}</WeekDays></Calendar>"
    )
    result = dates(
        task_xml(1, "PT16H0M0S", extra="<CalendarUID>2</CalendarUID>"), calendars=calendars
    )
    assert result[1] == (at(MON, 8), at(TUE, 0))


def test_resource_calendar_drives_an_assigned_task() -> None:
    """The resource does not work on Mondays, so its task starts on Tuesday."""
    calendars = standard_calendar() + (
        "<Calendar><UID>2</UID><Name>Ann</Name><IsBaseCalendar>0</IsBaseCalendar>"
        "<BaseCalendarUID>1</BaseCalendarUID><WeekDays><WeekDay><DayType>2</DayType>"
        "<DayWorking>0</DayWorking></WeekDay></WeekDays></Calendar>"
    )
    resources = (
        "<Resource><UID>1</UID><Name>Ann</Name><Type>1</Type>"
        "<CalendarUID>2</CalendarUID></Resource>"
    )
    assignments = (
        "<Assignment><UID>1</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID>"
        "<Units>1</Units><Work>PT8H0M0S</Work></Assignment>"
    )
    result = dates(
        task_xml(1) + task_xml(2), calendars=calendars, resources=resources, assignments=assignments
    )
    assert result[1] == (at(TUE, 8), at(TUE, 17))
    assert result[2] == (at(MON, 8), at(MON, 17))


def test_manual_task_stays_where_the_user_put_it() -> None:
    manual = (
        "<Manual>1</Manual><ManualStart>2024-01-10T10:00:00</ManualStart>"
        "<ManualDuration>PT4H0M0S</ManualDuration>"
    )
    project = read_mspdi(project_xml(task_xml(1) + task_xml(2, extra=link_xml(1) + manual)))
    result = reschedule(project)
    assert result.dates[2] == (at(WED, 10), at(WED, 15))
    assert any("manually scheduled" in note for note in result.notes[2])


def test_progress_actual_start_and_remaining_duration() -> None:
    started = (
        "<PercentComplete>50</PercentComplete><ActualStart>2024-01-08T10:00:00</ActualStart>"
        "<ActualDuration>PT4H0M0S</ActualDuration><RemainingDuration>PT4H0M0S</RemainingDuration>"
    )
    finished = (
        "<PercentComplete>100</PercentComplete><ActualStart>2024-01-08T08:00:00</ActualStart>"
        "<ActualFinish>2024-01-09T12:00:00</ActualFinish>"
    )
    result = dates(task_xml(1, extra=started) + task_xml(2, extra=finished))
    assert result[1] == (at(MON, 10), at(TUE, 10))
    assert result[2] == (at(MON, 8), at(TUE, 12))


def test_split_task_keeps_its_pause() -> None:
    """A day of zero work between two days of work is a split: the finish moves one day."""
    periods = "".join(
        f"<TimephasedData><Type>1</Type><UID>1</UID><Start>2024-01-{day:02d}T08:00:00</Start>"
        f"<Finish>2024-01-{day:02d}T17:00:00</Finish><Unit>2</Unit><Value>{value}</Value>"
        "</TimephasedData>"
        for day, value in ((8, "PT8H0M0S"), (9, "PT0H0M0S"), (10, "PT8H0M0S"))
    )
    resources = "<Resource><UID>1</UID><Name>Ann</Name><Type>1</Type></Resource>"
    assignments = (
        "<Assignment><UID>1</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID>"
        f"<Work>PT16H0M0S</Work><WorkContour>8</WorkContour>{periods}</Assignment>"
    )
    project = read_mspdi(
        project_xml(task_xml(1, "PT16H0M0S"), resources=resources, assignments=assignments)
    )
    assert project.assignments[0].timephased[1].value == 0
    result = reschedule(project)
    assert result.dates[1] == (at(MON, 8), at(WED, 17))
    assert any(note.startswith("split task: 8 working hours") for note in result.notes[1])


def test_leveling_delay_in_elapsed_days() -> None:
    delayed = "<LevelingDelay>14400</LevelingDelay><LevelingDelayFormat>8</LevelingDelayFormat>"
    assert dates(task_xml(1, extra=delayed))[1] == (at(TUE, 8), at(TUE, 17))


def test_cycle_is_reported() -> None:
    with pytest.raises(CycleError) as caught:
        dates(task_xml(1, extra=link_xml(2)) + task_xml(2, extra=link_xml(1)))
    assert set(caught.value.tasks) == {"Task UID 1", "Task UID 2"}


def test_saved_dates_are_never_read() -> None:
    """Changing the saved Start/Finish of every task leaves the computed dates unchanged."""
    need_shared_data()
    for name in ("generated__task-links__task-links-project2013-mspdi.xml", "mspditimephased.xml"):
        data = (MSPDI_DIR / name).read_text(encoding="utf-8")
        original = reschedule(read_mspdi(data.encode())).dates
        head, tasks_and_rest = data.split("<Tasks>", 1)
        tasks, rest = tasks_and_rest.split("</Tasks>", 1)
        tasks = tasks.replace("<Start>20", "<Start>19").replace("<Finish>20", "<Finish>19")
        scrambled = f"{head}<Tasks>{tasks}</Tasks>{rest}"
        assert scrambled != data
        assert reschedule(read_mspdi(scrambled.encode())).dates == original


def test_export_of_a_rescheduled_project() -> None:
    project = read_mspdi(project_xml(task_xml(1) + task_xml(2, extra=link_xml(1))))
    result = reschedule(project)
    exported = read_mspdi(write_mspdi(with_schedule(project, result)))
    assert exported.task(2).start == at(TUE, 8)
    assert all(row.matches for row in compare_with_saved(exported, result))


# Matching tasks per shared file, pinned at what the engine achieves: a regression fails.
FLOORS = {
    "generated__assignment-flags__assignment-flags-project2010-mspdi.xml": 20,
    "generated__assignment-text__assignment-text-project2010-mspdi.xml": 30,
    "generated__assignment-text__assignment-text-project2016-mspdi.xml": 30,
    "generated__task-baselines__task-baselines-project2002-mspdi.xml": 55,
    "generated__task-baselines__task-baselines-project2003-mspdi.xml": 55,
    "generated__task-baselines__task-baselines-project2013-mspdi.xml": 110,
    "generated__task-baselines__task-baselines-project2016-mspdi.xml": 110,
    "generated__task-costs__task-costs-project2019-mspdi.xml": 10,
    "generated__task-dates__task-dates-project2003-mspdi.xml": 10,
    "generated__task-dates__task-dates-project2007-mspdi.xml": 10,
    "generated__task-dates__task-dates-project2013-mspdi.xml": 10,
    "generated__task-dates__task-dates-project2016-mspdi.xml": 10,
    "generated__task-durations__task-durations-project2003-mspdi.xml": 110,
    "generated__task-durations__task-durations-project2013-mspdi.xml": 110,
    "generated__task-durations__task-durations-project2019-mspdi.xml": 110,
    "generated__task-finishes__task-finishes-project2013-mspdi.xml": 10,
    "generated__task-finishes__task-finishes-project2016-mspdi.xml": 10,
    "generated__task-finishes__task-finishes-project2019-mspdi.xml": 10,
    "generated__task-flags__task-flags-project2003-mspdi.xml": 20,
    "generated__task-flags__task-flags-project2007-mspdi.xml": 20,
    "generated__task-flags__task-flags-project2010-mspdi.xml": 20,
    "generated__task-flags__task-flags-project2013-mspdi.xml": 20,
    "generated__task-flags__task-flags-project2019-mspdi.xml": 20,
    "generated__task-links__task-links-project2013-mspdi.xml": 16,
    "generated__task-starts__task-starts-project2013-mspdi.xml": 10,
    "generated__task-starts__task-starts-project2016-mspdi.xml": 10,
    "generated__task-text__task-text-project2010-mspdi.xml": 30,
    "generated__task-text__task-text-project2016-mspdi.xml": 30,
    "generated__task-textvalues__task-textvalues-project2013-mspdi.xml": 3,
    "generated__task-textvalues__task-textvalues-project2016-mspdi.xml": 3,
    "mspdiassignmentfields.xml": 1,
    "mspdiduration.xml": 10,
    "mspdirelations.xml": 5,
    "mspdisplittask.xml": 2,
    "mspditimephased.xml": 40,
    "project__default-duration-format__DefaultDurationFormat.xml": 1,
}
FILES = shared_files()


@functools.cache
def _rows(path: Path) -> list[TaskComparison]:
    project = read_mspdi(path)
    return compare_with_saved(project, reschedule(project))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_matching_floor_per_file(path: Path) -> None:
    rows = _rows(path)
    matching = sum(row.matches for row in rows)
    assert matching >= FLOORS.get(path.name, 0), [r for r in rows if not r.matches][:3]
    # Every unmatched task carries a reason, and none is left unexplained.
    assert all(
        row.reason and not row.reason.startswith("unexplained") for row in rows if not row.matches
    )


def test_core_cpm_adapter_runs_on_a_shared_file() -> None:
    need_shared_data()
    from steerco.engine.formats.mspdi_schedule import reschedule_with_core_cpm

    project = read_mspdi(MSPDI_DIR / "mspdiduration.xml")
    rows = compare_with_saved(project, reschedule_with_core_cpm(project))
    assert sum(row.matches for row in rows) == 10


def test_total_matching_rate() -> None:
    need_shared_data()
    total = matching = 0
    for path in FILES:
        rows = _rows(path)
        total += len(rows)
        matching += sum(row.matches for row in rows)
    assert total == 1161
    assert matching >= sum(FLOORS.values())


def test_bench_json_lines_have_exactly_the_interface_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    need_shared_data()
    files = [str(MSPDI_DIR / "mspdirelations.xml"), str(MSPDI_DIR / "mspdisplittask.xml")]
    assert main(["bench", "mspdi", "--json", *files]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["file", "tasks", "tasks_matching", "error", "dates"]
    assert first["tasks"] == 5 and first["tasks_matching"] == 5 and first["error"] is None
    assert first["dates"][4] == {
        "uid": 5,
        "start": "2006-09-22T08:00:00",
        "finish": "2006-09-25T08:00:00",
    }


def test_bench_reports_a_bad_file_and_prints_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(project_xml(task_xml(1) + task_xml(2, extra=link_xml(1))))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(project_xml(task_xml(1, "PT1X")))
    assert main(["bench", "mspdi", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "files imported: 1 / 2" in out
    assert "Duration 'PT1X' is not an ISO 8601 duration" in out
    assert main(["bench", "mspdi", "--json", str(bad)]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["error"].endswith("Task UID 1: Duration 'PT1X' is not an ISO 8601 duration")
    assert record["tasks"] == 0 and record["dates"] == []
