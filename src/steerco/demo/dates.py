"""The demo's fixed clock, months, working days and public holidays.

Nothing in the demo reads the real clock: every date hangs off
:data:`STATUS_DATE`, so that two loads produce the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from zoneinfo import ZoneInfo

STATUS_DATE = dt.date(2026, 11, 16)
"""'Today' in the demo: a Monday; progress, actuals and timesheets stop here."""

LONDON = ZoneInfo("Europe/London")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STATUS_MOMENT = dt.datetime(2026, 11, 16, 8, 0, tzinfo=LONDON)

FIRST_ACTUALS_MONTH = dt.date(2025, 6, 1)
"""Eighteen months of actual costs: June 2025 to November 2026."""
LAST_CLOSED_MONTH = dt.date(2026, 10, 1)
"""The books are closed up to the end of October 2026."""
FIRST_TIMESHEET_WEEK = dt.date(2026, 5, 18)
"""Timesheets moved into Steerco in May 2026; older labour cost came from the ledger."""
CAPACITY_FIRST_MONTH = dt.date(2025, 6, 1)
CAPACITY_LAST_MONTH = dt.date(2028, 12, 1)
HOLIDAY_YEARS = (2024, 2025, 2026, 2027, 2028, 2029)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from ``first``'s month to ``last``'s month (0 when the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """First-of-month dates from ``first``'s month to ``last``'s month, both included."""
    month = month_start(first)
    while month <= last:
        yield month
        month = add_months(month, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def aware(day: dt.date, hour: int = 9, minute: int = 0, zone: ZoneInfo = LONDON) -> dt.datetime:
    """A moment on ``day`` in the office's time zone, as Django stores it."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday.

    The anonymous Gregorian algorithm (Meeus, *Astronomical Algorithms*, 2nd ed., ch. 8).
    """
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _next_weekday_on_or_after(day: dt.date, taken: set[dt.date]) -> dt.date:
    while day.weekday() >= 5 or day in taken:
        day += dt.timedelta(days=1)
    return day


def _first_monday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    last = month_end(dt.date(year, month, 1))
    return last - dt.timedelta(days=last.weekday())


def uk_bank_holidays(year: int) -> list[tuple[dt.date, str]]:
    """Bank holidays of England and Wales, with the usual substitute days.

    Rules as published by GOV.UK ("UK bank holidays"); no one-off holidays are
    announced for the years the demo covers.
    """
    easter = easter_sunday(year)
    holidays: list[tuple[dt.date, str]] = []
    taken: set[dt.date] = set()
    holidays.append((_substitute(dt.date(year, 1, 1), taken), _named("New Year's Day", year, 1, 1)))
    holidays.append((easter - dt.timedelta(days=2), "Good Friday"))
    holidays.append((easter + dt.timedelta(days=1), "Easter Monday"))
    holidays.append((_first_monday(year, 5), "Early May bank holiday"))
    holidays.append((_last_monday(year, 5), "Spring bank holiday"))
    holidays.append((_last_monday(year, 8), "Summer bank holiday"))
    holidays.append(
        (_substitute(dt.date(year, 12, 25), taken), _named("Christmas Day", year, 12, 25))
    )
    holidays.append((_substitute(dt.date(year, 12, 26), taken), _named("Boxing Day", year, 12, 26)))
    return sorted(holidays)


def _substitute(day: dt.date, taken: set[dt.date]) -> dt.date:
    result = _next_weekday_on_or_after(day, taken)
    taken.add(result)
    return result


def _named(name: str, year: int, month: int, day: int) -> str:
    if dt.date(year, month, day).weekday() >= 5:
        return f"{name} (substitute day)"
    return name


def dutch_public_holidays(year: int) -> list[tuple[dt.date, str]]:
    """Public holidays that Dutch employers give as days off (weekday ones matter).

    Liberation Day is a day off only in lustrum years (2025, 2030), as in most
    collective labour agreements.
    """
    easter = easter_sunday(year)
    kings_day = dt.date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = dt.date(year, 4, 26)
    holidays = [
        (dt.date(year, 1, 1), "Nieuwjaarsdag"),
        (easter + dt.timedelta(days=1), "Tweede Paasdag"),
        (kings_day, "Koningsdag"),
        (easter + dt.timedelta(days=39), "Hemelvaartsdag"),
        (easter + dt.timedelta(days=50), "Tweede Pinksterdag"),
        (dt.date(year, 12, 25), "Eerste Kerstdag"),
        (dt.date(year, 12, 26), "Tweede Kerstdag"),
    ]
    if year % 5 == 0:
        holidays.append((dt.date(year, 5, 5), "Bevrijdingsdag"))
    return sorted(holidays)


@cache
def holiday_dates(calendar_key: str) -> frozenset[dt.date]:
    rule = uk_bank_holidays if calendar_key == "uk" else dutch_public_holidays
    return frozenset(day for year in HOLIDAY_YEARS for day, _ in rule(year))


@cache
def working_days(calendar_key: str) -> tuple[dt.date, ...]:
    """Every working day of the calendar over the demo's whole time span."""
    holidays = holiday_dates(calendar_key)
    day = dt.date(HOLIDAY_YEARS[0], 1, 1)
    last = dt.date(HOLIDAY_YEARS[-1], 12, 31)
    days: list[dt.date] = []
    while day <= last:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


@cache
def working_day_index(calendar_key: str) -> dict[dt.date, int]:
    return {day: index for index, day in enumerate(working_days(calendar_key))}


def working_day_on_or_after(calendar_key: str, day: dt.date) -> int:
    """Index (in :func:`working_days`) of the first working day on or after ``day``."""
    index = working_day_index(calendar_key)
    while day not in index:
        day += dt.timedelta(days=1)
    return index[day]


@cache
def working_days_in_month(calendar_key: str, month: dt.date) -> int:
    return sum(1 for day in working_days(calendar_key) if month_start(day) == month)
