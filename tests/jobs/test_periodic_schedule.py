"""When periodic tasks fall due: intervals, times of day, weekdays, daylight saving."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.jobs.periodic import PeriodicTask, periodic_task, periodic_tasks

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def daily_at(hour: int, minute: int = 0, weekday: int | None = None) -> PeriodicTask:
    return PeriodicTask(
        name="t", kind="tests.noop", title="T", at=dt.time(hour, minute), weekday=weekday
    )


def test_seven_in_the_morning_stays_seven_across_the_spring_change():
    # The clocks go forward in London at 01:00 UTC on Sunday 29 March 2026.
    task = daily_at(7)
    saturday = task.next_due_after(utc(2026, 3, 27, 12), LONDON)
    sunday = task.next_due_after(saturday, LONDON)
    monday = task.next_due_after(sunday, LONDON)

    assert saturday == utc(2026, 3, 28, 7)  # 07:00 GMT
    assert sunday == utc(2026, 3, 29, 6)  # 07:00 BST
    assert monday == utc(2026, 3, 30, 6)
    assert {moment.astimezone(LONDON).hour for moment in (saturday, sunday, monday)} == {7}


def test_seven_in_the_morning_stays_seven_across_the_autumn_change():
    # The clocks go back at 01:00 UTC on Sunday 25 October 2026: that day lasts 25 hours.
    task = daily_at(7)
    saturday = task.next_due_after(utc(2026, 10, 23, 12), LONDON)
    sunday = task.next_due_after(saturday, LONDON)

    assert saturday == utc(2026, 10, 24, 6)  # 07:00 BST
    assert sunday == utc(2026, 10, 25, 7)  # 07:00 GMT
    assert sunday - saturday == dt.timedelta(hours=25)


def test_a_time_skipped_in_spring_runs_as_the_clocks_jump_and_once():
    task = daily_at(1, 30)  # 01:30 does not exist in London on 29 March 2026
    due = task.next_due_after(utc(2026, 3, 28, 12), LONDON)

    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"
    assert task.next_due_after(due, LONDON) == utc(2026, 3, 30, 0, 30)  # 01:30 BST


def test_a_time_repeated_in_autumn_runs_once_at_the_first():
    task = daily_at(1, 30)  # 01:30 happens twice in London on 25 October 2026
    due = task.next_due_after(utc(2026, 10, 24, 12), LONDON)

    assert due == utc(2026, 10, 25, 0, 30)  # 01:30 BST, the first of the two
    assert task.next_due_after(due, LONDON) == utc(2026, 10, 26, 1, 30)  # 01:30 GMT, next day


def test_weekly_on_mondays():
    task = daily_at(6, weekday=0)
    first = task.next_due_after(utc(2026, 3, 25, 12), LONDON)  # a Wednesday

    assert first == utc(2026, 3, 30, 5)  # Monday 06:00 BST, the week the clocks changed
    assert task.next_due_after(first, LONDON) == utc(2026, 4, 6, 5)
    assert task.schedule_label == "Mondays at 06:00"


def test_intervals_keep_their_beat_and_skip_missed_runs():
    task = PeriodicTask(name="t", kind="tests.noop", title="T", every=dt.timedelta(minutes=5))
    due = utc(2026, 3, 1, 10, 0)

    assert task.following_due(due, utc(2026, 3, 1, 10, 0, 7), UTC) == utc(2026, 3, 1, 10, 5)
    # A worker down for an hour runs once, then carries on at :05, :10 ...
    assert task.following_due(due, utc(2026, 3, 1, 11, 2), UTC) == utc(2026, 3, 1, 11, 5)
    assert task.following_due(due, utc(2026, 3, 1, 11, 5), UTC) == utc(2026, 3, 1, 11, 10)
    assert task.first_due(due, UTC) == due
    assert task.schedule_label == "every 5 minutes"


def test_a_daily_task_down_for_days_runs_once_then_at_its_time():
    task = daily_at(7)
    following = task.following_due(utc(2026, 3, 2, 7), utc(2026, 3, 5, 9, 30), LONDON)

    assert following == utc(2026, 3, 6, 7)


@settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2028, 12, 31),
        timezones=st.just(UTC),
    ),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    weekday=st.one_of(st.none(), st.integers(0, 6)),
)
def test_next_due_is_soon_after_and_on_the_right_local_day(moment, hour, minute, weekday):
    task = daily_at(hour, minute, weekday)
    due = task.next_due_after(moment, LONDON)
    local = due.astimezone(LONDON)

    assert moment < due <= moment + dt.timedelta(days=8 if weekday is not None else 1, hours=2)
    assert weekday is None or local.weekday() == weekday
    # The wall clock shows the time asked for, or an hour later when it was skipped in spring.
    asked = dt.datetime.combine(local.date(), dt.time(hour, minute))
    assert local.replace(tzinfo=None) - asked in (dt.timedelta(0), dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "either every= or at="),
        ({"every": dt.timedelta(minutes=1), "at": dt.time(7)}, "either every= or at="),
        ({"every": dt.timedelta(seconds=5)}, "shorter than 30 seconds"),
        ({"every": dt.timedelta(minutes=1), "weekday": 0}, "weekday="),
        ({"at": dt.time(7), "weekday": 7}, "weekday="),
        ({"at": dt.time(7, tzinfo=UTC)}, "wall-clock"),
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused(options, message):
    with pytest.raises(ValueError, match=message):
        PeriodicTask(name="t", kind="tests.noop", title="T", **options)


def test_a_periodic_task_needs_a_registered_handler():
    with pytest.raises(RuntimeError, match="register its handler first"):
        periodic_task("tests.no_such_handler", title="Nothing", every=dt.timedelta(minutes=1))


def test_the_product_schedules_its_housekeeping():
    names = {task.name: task for task in periodic_tasks()}

    assert {
        "comms.digest.daily",
        "comms.digest.weekly",
        "comms.send_emails",
        "comms.deliver_due_webhooks",
        "governance.status_report_reminders",
        "reports.deliver_packs",
    } <= set(names)
    assert names["comms.digest.weekly"].params == {"period": "weekly"}
    assert names["comms.digest.weekly"].weekday == 0
