"""Shared helpers of the MSPDI tests: data folder and small hand-made files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared_data import SHARED_DATA

MSPDI_DIR = SHARED_DATA / "schedules" / "mspdi"


def shared_files() -> list[Path]:
    """The shared MSPDI files, or one placeholder that skips when the folder is missing."""
    if not MSPDI_DIR.is_dir():
        return []
    return sorted(MSPDI_DIR.glob("*.xml"))


def need_shared_data() -> None:
    if not MSPDI_DIR.is_dir():
        pytest.skip(f"shared MSPDI data not found at {MSPDI_DIR}")


STANDARD_WEEK = """
<WeekDays>
  <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
  {weekdays}
  <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
</WeekDays>"""

WORKING_DAY = """<WeekDay><DayType>{day}</DayType><DayWorking>1</DayWorking><WorkingTimes>
<WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
<WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
</WorkingTimes></WeekDay>"""


def standard_calendar(uid: int = 1, extra: str = "") -> str:
    weekdays = "".join(WORKING_DAY.format(day=day) for day in range(2, 7))
    return (
        f"<Calendar><UID>{uid}</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<BaseCalendarUID>-1</BaseCalendarUID>{STANDARD_WEEK.format(weekdays=weekdays)}"
        f"{extra}</Calendar>"
    )


def task_xml(
    uid: int,
    duration: str = "PT8H0M0S",
    *,
    level: int = 1,
    duration_format: int = 7,
    extra: str = "",
) -> str:
    return (
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>Task {uid}</Name>"
        f"<OutlineLevel>{level}</OutlineLevel><Duration>{duration}</Duration>"
        f"<DurationFormat>{duration_format}</DurationFormat>{extra}</Task>"
    )


def link_xml(predecessor: int, link_type: int = 1, lag: int = 0, lag_format: int = 7) -> str:
    return (
        f"<PredecessorLink><PredecessorUID>{predecessor}</PredecessorUID><Type>{link_type}</Type>"
        f"<LinkLag>{lag}</LinkLag><LagFormat>{lag_format}</LagFormat></PredecessorLink>"
    )


def project_xml(
    tasks: str,
    *,
    calendars: str | None = None,
    resources: str = "",
    assignments: str = "",
    start: str = "2024-01-08T08:00:00",
    settings: str = "",
) -> bytes:
    """A small MSPDI file; the project starts on Monday 8 January 2024 by default."""
    calendars = standard_calendar() if calendars is None else calendars
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
<SaveVersion>14</SaveVersion>
<Name>test</Name>
<ScheduleFromStart>1</ScheduleFromStart>
<StartDate>{start}</StartDate>
<CalendarUID>1</CalendarUID>
<MinutesPerDay>480</MinutesPerDay>
<MinutesPerWeek>2400</MinutesPerWeek>
<DaysPerMonth>20</DaysPerMonth>
{settings}
<Calendars>{calendars}</Calendars>
<Tasks>{tasks}</Tasks>
<Resources>{resources}</Resources>
<Assignments>{assignments}</Assignments>
</Project>
"""
    return text.encode("utf-8")
