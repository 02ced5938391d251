"""Working calendars: worked examples and properties of the date arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InputError
from steerco.engine.scheduling.calendars import (
    STANDARD_CALENDAR,
    TWENTY_FOUR_HOURS_CALENDAR,
    Calendar,
    CalendarException,
    WorkingTimeAxis,
    WorkWeek,
    WorkWeekPeriod,
    hours,
)

DAY = 480
# 2024-03-25 is a Monday; Good Friday 2024-03-29 and Easter Monday 2024-04-01 are UK holidays.
MONDAY = datetime(2024, 3, 25, 8, 0)
EASTER = (
    CalendarException(date(2024, 3, 29), name="Good Friday"),
    CalendarException(date(2024, 4, 1), name="Easter Monday"),
)
UK = Calendar("UK", exceptions=EASTER, time_zone="Europe/London")


def test_hours_parses_spans_into_minutes() -> None:
    assert hours("08:00-12:00", "13:00-17:00") == ((480, 720), (780, 1020))
    assert hours("22:00-24:00") == ((1320, 1440),)
    with pytest.raises(InputError):
        hours("13:00-12:00")
    with pytest.raises(InputError):
        hours("08:00-12:00", "11:00-13:00")


def test_standard_calendar_is_ms_project_default() -> None:
    assert STANDARD_CALENDAR.working_intervals(date(2024, 3, 25)) == ((480, 720), (780, 1020))
    assert STANDARD_CALENDAR.working_minutes_on(date(2024, 3, 25)) == 480
    assert not STANDARD_CALENDAR.is_working_day(date(2024, 3, 30))  # Saturday
    assert not STANDARD_CALENDAR.is_working_day(date(2024, 3, 31))  # Sunday


def test_a_task_finishing_at_the_end_of_a_day_finishes_at_17_00() -> None:
    # Five days of work from Monday 08:00 end on Friday 17:00, not next Monday 08:00.
    assert STANDARD_CALENDAR.add_working_minutes(MONDAY, 5 * DAY) == datetime(2024, 3, 29, 17)
    # Half a day ends at the lunch break.
    assert STANDARD_CALENDAR.add_working_minutes(MONDAY, 240) == datetime(2024, 3, 25, 12)
    # A start at the end of a day moves to the next working start.
    friday_evening = datetime(2024, 3, 29, 17)
    assert STANDARD_CALENDAR.next_working_moment(friday_evening) == datetime(2024, 4, 1, 8)
    assert STANDARD_CALENDAR.next_working_moment(datetime(2024, 3, 25, 12)) == datetime(
        2024, 3, 25, 13
    )
    assert STANDARD_CALENDAR.previous_working_moment(datetime(2024, 4, 1, 8)) == friday_evening


def test_arithmetic_skips_weekends_and_holidays() -> None:
    # Thursday 28 March 2024 + 2 days: Good Friday, the weekend and Easter Monday are skipped.
    thursday = datetime(2024, 3, 28, 8)
    assert UK.add_working_minutes(thursday, 2 * DAY) == datetime(2024, 4, 2, 17)
    assert UK.working_minutes_between(thursday, datetime(2024, 4, 2, 17)) == 2 * DAY
    assert UK.working_minutes_between(datetime(2024, 4, 2, 17), thursday) == -2 * DAY
    # Going backwards returns a start: one day back from Tuesday 17:00 is Tuesday 08:00.
    assert UK.add_working_minutes(datetime(2024, 4, 2, 17), -DAY) == datetime(2024, 4, 2, 8)
    assert UK.add_working_minutes(datetime(2024, 4, 2, 8), -DAY) == datetime(2024, 3, 28, 8)


def test_exception_with_other_hours_and_derived_calendar() -> None:
    half_day = CalendarException(date(2024, 12, 24), working=hours("08:00-12:00"), name="Eve")
    company = Calendar("Company", exceptions=(half_day,))
    # A resource calendar derived from it: works Saturday mornings and not on Wednesdays.
    resource = Calendar(
        "Alex",
        WorkWeek.inherit(saturday=hours("09:00-13:00"), wednesday=()),
        base=company,
    )
    assert resource.working_intervals(date(2024, 12, 24)) == ((480, 720),)  # base exception
    assert resource.working_intervals(date(2024, 12, 23)) == ((480, 720), (780, 1020))  # base
    assert resource.working_intervals(date(2024, 12, 25)) == ()  # own Wednesday
    assert resource.working_intervals(date(2024, 12, 28)) == ((540, 780),)  # own Saturday
    # The derived calendar's own exception overrides the base exception.
    override = Calendar(
        "Sam",
        WorkWeek.inherit(),
        exceptions=(CalendarException(date(2024, 12, 24), working=hours("08:00-17:00")),),
        base=company,
    )
    assert override.working_minutes_on(date(2024, 12, 24)) == 540


def test_exception_ranges_and_work_week_periods() -> None:
    summer = WorkWeekPeriod(
        date(2024, 7, 1), date(2024, 8, 31), WorkWeek.uniform(hours("08:00-14:00"))
    )
    calendar = Calendar(
        "Plant",
        exceptions=(CalendarException(date(2024, 8, 5), date(2024, 8, 16), name="Shutdown"),),
        work_weeks=(summer,),
    )
    assert calendar.working_minutes_on(date(2024, 7, 1)) == 360
    assert calendar.working_minutes_on(date(2024, 8, 9)) == 0
    assert calendar.working_minutes_on(date(2024, 9, 2)) == 480
    # Two weeks of shutdown are skipped.
    assert calendar.add_working_minutes(datetime(2024, 8, 2, 8), 720) == datetime(2024, 8, 19, 14)
    with pytest.raises(InputError, match="overlap"):
        Calendar(
            "Bad",
            exceptions=(
                CalendarException(date(2024, 1, 1), date(2024, 1, 5)),
                CalendarException(date(2024, 1, 5)),
            ),
        )


def test_dst_changes_count_wall_clock_minutes() -> None:
    # Europe/London: clocks go forward on 31 March 2024 and back on 27 October 2024.
    london = Calendar("London 24h", TWENTY_FOUR_HOURS_CALENDAR.week, time_zone="Europe/London")
    saturday = datetime(2024, 3, 30, 12)
    # 24 working hours of wall clock from Saturday noon end on Sunday noon, although only 23
    # real hours pass.
    sunday_noon = london.add_working_minutes(saturday, 24 * 60)
    assert sunday_noon == datetime(2024, 3, 31, 12)
    assert london.to_utc(sunday_noon) - london.to_utc(saturday) == timedelta(hours=23)
    assert london.to_utc(datetime(2024, 3, 31, 0, 30)) == datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    assert london.to_utc(datetime(2024, 3, 31, 3, 0)) == datetime(2024, 3, 31, 2, 0, tzinfo=UTC)
    autumn = datetime(2024, 10, 26, 12)
    assert london.working_minutes_between(autumn, datetime(2024, 10, 27, 12)) == 24 * 60
    assert london.to_utc(datetime(2024, 10, 27, 12)) - london.to_utc(autumn) == timedelta(hours=25)
    assert london.from_utc(datetime(2024, 7, 1, 7, tzinfo=UTC)) == datetime(2024, 7, 1, 8)
    # Office hours on the UK calendar are unaffected by the change: Friday 29 March (a holiday)
    # to Tuesday 2 April still counts one working day on Tuesday.
    assert UK.working_minutes_between(datetime(2024, 3, 29, 8), datetime(2024, 4, 2, 17)) == DAY
    assert UK.to_utc(datetime(2024, 4, 2, 8)) == datetime(2024, 4, 2, 7, tzinfo=UTC)


def test_axis_offsets_and_boundaries() -> None:
    axis = WorkingTimeAxis(UK, MONDAY, horizon_days=30)
    assert axis.to_offset(MONDAY) == 0
    assert axis.to_offset(datetime(2024, 3, 28, 17)) == 4 * DAY
    # Good Friday, the weekend and Easter Monday all map to the end of Thursday.
    assert axis.to_offset(datetime(2024, 3, 30, 10)) == 4 * DAY
    assert axis.to_datetime(4 * DAY, finish=True) == datetime(2024, 3, 28, 17)
    assert axis.to_datetime(4 * DAY, finish=False) == datetime(2024, 4, 2, 8)
    assert axis.to_datetime(-DAY, finish=False) == datetime(2024, 3, 22, 8)
    # Far beyond the first tables: they grow by themselves.
    later = datetime(2026, 3, 2, 8)
    assert axis.to_datetime(axis.to_offset(later), finish=False) == later


def test_a_calendar_without_working_time_is_refused() -> None:
    idle = Calendar("Idle", WorkWeek.uniform((), weekdays=()))
    with pytest.raises(InputError):
        idle.add_working_minutes(MONDAY, 60)
    with pytest.raises(InputError):
        WorkingTimeAxis(idle, MONDAY, horizon_days=10)


moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)
calendars = st.sampled_from(
    [
        STANDARD_CALENDAR,
        UK,
        TWENTY_FOUR_HOURS_CALENDAR,
        Calendar("Night", WorkWeek.uniform(hours("00:00-03:00", "23:00-24:00"))),
        Calendar("Weekend", WorkWeek.uniform(hours("10:00-16:00"), weekdays=(5, 6))),
    ]
)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=moments, minutes=st.integers(-30 * DAY, 30 * DAY))
def test_adding_then_measuring_returns_the_minutes(
    calendar: Calendar, start: datetime, minutes: int
) -> None:
    end = calendar.add_working_minutes(start, minutes)
    assert calendar.working_minutes_between(start, end) == minutes
    if minutes > 0:
        # A finish is never at the start of an interval: it is the end of real work.
        assert calendar.previous_working_moment(end) == end
    if minutes < 0:
        assert calendar.next_working_moment(end) == end


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, origin=moments, first=moments, second=moments)
def test_axis_agrees_with_calendar_arithmetic(
    calendar: Calendar, origin: datetime, first: datetime, second: datetime
) -> None:
    axis = WorkingTimeAxis(calendar, origin, horizon_days=60)
    assert axis.working_minutes_between(first, second) == calendar.working_minutes_between(
        first, second
    )
    offset = axis.to_offset(first)
    start = axis.to_datetime(offset, finish=False)
    finish = axis.to_datetime(offset, finish=True)
    assert start == calendar.next_working_moment(first)
    assert finish <= start
    assert axis.to_offset(start) == axis.to_offset(finish) == offset
