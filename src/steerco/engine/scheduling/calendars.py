"""Working calendars: working days and hours, holidays, derived calendars and date arithmetic.

Time model
----------
A calendar works in *naive local wall-clock* datetimes. Working time is counted in wall-clock
minutes: a day working 08:00-12:00 and 13:00-17:00 has 480 working minutes, also on the day a
daylight-saving change happens. An optional IANA time zone (``Calendar.time_zone``) is used only to
convert the wall-clock datetimes the engine computes to UTC (:meth:`Calendar.to_utc`).

Working intervals of a day are pairs of minutes after midnight, ``(480, 720)`` for 08:00-12:00; an
interval may end at 1440 (midnight). Which intervals apply on a date is decided, first match wins:

1. an exception of the calendar covering the date (holiday, or a day with other hours);
2. an exception of its base calendar, then of the base's base, ...;
3. a work-week period (``WorkWeekPeriod``) of the calendar covering the date, when it defines that
   weekday; then the calendar's default work week, when it defines that weekday;
4. the same for the base calendar, then its base, ...;
5. otherwise the day is non-working.

This is how Microsoft Project resolves a resource calendar derived from the "Standard" calendar: a
day the derived calendar leaves undefined (``None``) is taken from the base.

Boundary convention (as Microsoft Project): a moment at the end of a working interval is both "the
finish of the work before it" and "the start of the work after it". Adding working time therefore
returns the *end* of an interval (a task finishing at the end of the day finishes at 17:00, not at
08:00 the next working day), while a start is moved to the next working moment
(:meth:`Calendar.next_working_moment`).

:class:`WorkingTimeAxis` precomputes the working intervals of a calendar over a horizon and converts
between datetimes and an integer *working-minute offset* (working minutes after an origin) with a
binary search, so that scheduling can work on exact integers.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np

from steerco.engine.errors import InputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "MINUTES_PER_DAY",
    "STANDARD_CALENDAR",
    "TWENTY_FOUR_HOURS_CALENDAR",
    "Calendar",
    "CalendarException",
    "DayHours",
    "WorkWeek",
    "WorkWeekPeriod",
    "WorkingTimeAxis",
    "hours",
]

MINUTES_PER_DAY = 1440
# A calendar that has no working time for this long is treated as having none at all: date
# arithmetic would otherwise walk forever.
_MAX_NON_WORKING_DAYS = 366 * 20

DayHours = tuple[tuple[int, int], ...]
"""Working intervals of one day: ``((start_minute, end_minute), ...)``, sorted, not overlapping."""


def hours(*spans: str) -> DayHours:
    """Build a day's working intervals from ``"HH:MM-HH:MM"`` strings.

    Parameters
    ----------
    *spans:
        Intervals such as ``"08:00-12:00"``; ``"24:00"`` is accepted as an end (midnight).

    Returns
    -------
    DayHours
        The intervals in minutes after midnight, e.g. ``((480, 720), (780, 1020))``.

    Examples
    --------
    >>> hours("08:00-12:00", "13:00-17:00")
    ((480, 720), (780, 1020))
    """
    result: list[tuple[int, int]] = []
    for span in spans:
        try:
            start_text, end_text = span.split("-")
            start = _parse_clock(start_text)
            end = _parse_clock(end_text)
        except ValueError as error:
            raise InputError(f"expected 'HH:MM-HH:MM', got {span!r}", field="hours") from error
        result.append((start, end))
    return _check_day_hours(tuple(result), "hours")


def _parse_clock(text: str) -> int:
    hour_text, minute_text = text.strip().split(":")
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= minute < 60 and 0 <= hour <= 24) or (hour == 24 and minute):
        raise ValueError(text)
    return hour * 60 + minute


def _check_day_hours(day: DayHours, field_name: str) -> DayHours:
    day = tuple((int(start), int(end)) for start, end in day)
    previous_end = -1
    for start, end in day:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise InputError(
                f"working interval ({start}, {end}) must satisfy 0 <= start < end <= 1440 "
                "(minutes after midnight)",
                field=field_name,
            )
        if start < previous_end:
            raise InputError(
                "working intervals of a day must be sorted and must not overlap", field=field_name
            )
        previous_end = end
    return day


@dataclass(frozen=True, slots=True)
class WorkWeek:
    """Working hours for each weekday, Monday first.

    Parameters
    ----------
    days:
        Seven entries, Monday to Sunday. Each is the day's working intervals (``()`` for a
        non-working day) or ``None``: "not defined here", which a derived calendar takes from its
        base calendar (and a calendar without base treats as non-working).
    """

    days: tuple[DayHours | None, ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise InputError("a work week needs 7 days, Monday to Sunday", field="days")
        checked = tuple(
            None if day is None else _check_day_hours(day, f"days[{index}]")
            for index, day in enumerate(self.days)
        )
        object.__setattr__(self, "days", checked)

    @classmethod
    def standard(cls) -> WorkWeek:
        """Monday to Friday 08:00-12:00 and 13:00-17:00 (Microsoft Project's "Standard")."""
        day = hours("08:00-12:00", "13:00-17:00")
        return cls((day, day, day, day, day, (), ()))

    @classmethod
    def uniform(cls, day: DayHours, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)) -> WorkWeek:
        """The same working hours on the given weekdays (0 = Monday), none on the others."""
        return cls(tuple(day if weekday in weekdays else () for weekday in range(7)))

    @classmethod
    def inherit(cls, **overrides: DayHours) -> WorkWeek:
        """A derived work week: weekdays not named (``monday=...``) are taken from the base."""
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        unknown = set(overrides) - set(names)
        if unknown:
            raise InputError(f"unknown weekday {sorted(unknown)[0]!r}", field="days")
        return cls(tuple(overrides.get(name) for name in names))


@dataclass(frozen=True, slots=True)
class CalendarException:
    """A date range with other working hours than the work week (a holiday when ``working=()``).

    Parameters
    ----------
    start, end:
        First and last date covered (inclusive); ``end`` defaults to ``start``.
    working:
        Working intervals on each covered day; empty for a non-working day (holiday).
    name:
        Label shown to users ("Christmas").
    """

    start: date
    end: date | None = None
    working: DayHours = ()
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.start, datetime) or (isinstance(self.end, datetime)):
            raise InputError("exception dates must be dates, not datetimes", field="start")
        if self.end is None:
            object.__setattr__(self, "end", self.start)
        elif self.end < self.start:
            raise InputError("exception ends before it starts", field="end")
        object.__setattr__(self, "working", _check_day_hours(self.working, "working"))

    @property
    def last(self) -> date:
        """The last date covered (``end`` resolved)."""
        return self.end if self.end is not None else self.start


@dataclass(frozen=True, slots=True)
class WorkWeekPeriod:
    """A work week that applies between two dates instead of the default one (e.g. summer hours).

    Exceptions still win over it; weekdays it leaves as ``None`` fall back to the default week.
    """

    start: date
    end: date
    week: WorkWeek
    name: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError("work-week period ends before it starts", field="end")


@dataclass(frozen=True, slots=True, eq=False)
class Calendar:
    """A working calendar (project, resource or task calendar).

    Parameters
    ----------
    name:
        Calendar name ("Standard", "Night Shift", a resource's name).
    week:
        Default working hours per weekday. Weekdays set to ``None`` come from ``base``.
    exceptions:
        Holidays and days with other hours; ranges of one calendar must not overlap.
    base:
        The calendar this one is derived from (Microsoft Project's base calendar).
    work_weeks:
        Date ranges with another work week.
    time_zone:
        IANA time-zone name, used only to convert wall-clock datetimes to UTC.

    Notes
    -----
    Calendars compare by identity (two calendars with equal rules are still two calendars) so that
    using one as a dictionary key stays cheap.
    """

    name: str = "Standard"
    week: WorkWeek = field(default_factory=WorkWeek.standard)
    exceptions: tuple[CalendarException, ...] = ()
    base: Calendar | None = None
    work_weeks: tuple[WorkWeekPeriod, ...] = ()
    time_zone: str | None = None
    _day_cache: dict[date, DayHours] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _exception_starts: tuple[date, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.week, WorkWeek):
            raise InputError("week must be a WorkWeek", field="week")
        exceptions = tuple(sorted(self.exceptions, key=lambda exception: exception.start))
        for before, after in itertools.pairwise(exceptions):
            if after.start <= before.last:
                raise InputError(
                    f"exceptions {before.name or before.start} and {after.name or after.start} "
                    "overlap",
                    field="exceptions",
                )
        object.__setattr__(self, "exceptions", exceptions)
        object.__setattr__(self, "_exception_starts", tuple(e.start for e in exceptions))
        ancestor = self.base
        depth = 0
        while ancestor is not None:
            depth += 1
            if ancestor is self or depth > 100:
                raise InputError("base calendars form a loop", field="base")
            ancestor = ancestor.base
        if self.time_zone is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise InputError(
                    f"unknown time zone {self.time_zone!r}", field="time_zone"
                ) from error

    # -- which hours apply on a date -------------------------------------------------------

    def _own_exception(self, day: date) -> CalendarException | None:
        index = bisect.bisect_right(self._exception_starts, day) - 1
        if index >= 0 and self.exceptions[index].last >= day:
            return self.exceptions[index]
        return None

    def _own_week_day(self, day: date) -> DayHours | None:
        weekday = day.weekday()
        for period in self.work_weeks:
            if period.start <= day <= period.end and period.week.days[weekday] is not None:
                return period.week.days[weekday]
        return self.week.days[weekday]

    def working_intervals(self, day: date) -> DayHours:
        """Working intervals on ``day`` in minutes after midnight (``()`` when not working).

        Parameters
        ----------
        day:
            The date.

        Returns
        -------
        DayHours
            Sorted, non-overlapping ``(start, end)`` pairs; touching pairs are merged.
        """
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        resolved: DayHours | None = None
        calendar: Calendar | None = self
        while calendar is not None and resolved is None:
            exception = calendar._own_exception(day)
            if exception is not None:
                resolved = exception.working
            calendar = calendar.base
        calendar = self
        while calendar is not None and resolved is None:
            resolved = calendar._own_week_day(day)
            calendar = calendar.base
        merged = _merge_touching(resolved or ())
        self._day_cache[day] = merged
        return merged

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` has any working time."""
        return bool(self.working_intervals(day))

    def working_minutes_on(self, day: date) -> int:
        """Working minutes on ``day``."""
        return sum(end - start for start, end in self.working_intervals(day))

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` is inside a working interval (start included, end excluded)."""
        minute = _minute_of_day(moment)
        return any(start <= minute < end for start, end in self.working_intervals(moment.date()))

    # -- date arithmetic -------------------------------------------------------------------

    def next_working_moment(self, moment: datetime) -> datetime:
        """The first working moment at or after ``moment`` (where a task starting then starts).

        A moment at the end of a working interval moves to the start of the next one.
        """
        moment = _whole_minute(moment)
        day = moment.date()
        minute = _minute_of_day(moment)
        for _ in range(_MAX_NON_WORKING_DAYS):
            for start, end in self.working_intervals(day):
                if minute < end:
                    return _at(day, max(start, minute))
            day += timedelta(days=1)
            minute = 0
        raise InputError(f"calendar {self.name!r} has no working time after {moment}")

    def previous_working_moment(self, moment: datetime) -> datetime:
        """The last working moment at or before ``moment`` (where a task finishing then finishes).

        A moment at the start of a working interval moves back to the end of the previous one.
        """
        moment = _whole_minute(moment)
        day = moment.date()
        minute = _minute_of_day(moment)
        for _ in range(_MAX_NON_WORKING_DAYS):
            for start, end in reversed(self.working_intervals(day)):
                if minute > start:
                    return _at(day, min(end, minute))
            day -= timedelta(days=1)
            minute = MINUTES_PER_DAY
        raise InputError(f"calendar {self.name!r} has no working time before {moment}")

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """Move ``minutes`` of working time forward (or backward when negative) from ``start``.

        Parameters
        ----------
        start:
            Naive wall-clock datetime.
        minutes:
            Working minutes; ``0`` returns ``start`` unchanged.

        Returns
        -------
        datetime
            Going forward, the result is a finish: it may be the end of a working interval
            (Friday 17:00, not Monday 08:00). Going backward, it is a start: it may be the start
            of an interval (Wednesday 08:00, not Tuesday 17:00).
        """
        if minutes == 0:
            return start
        start = _whole_minute(start)
        remaining = abs(int(minutes))
        day = start.date()
        if minutes > 0:
            minute = _minute_of_day(start)
            for _ in range(_MAX_NON_WORKING_DAYS):
                for interval_start, interval_end in self.working_intervals(day):
                    if interval_end <= minute:
                        continue
                    begin = max(interval_start, minute)
                    if interval_end - begin >= remaining:
                        return _at(day, begin + remaining)
                    remaining -= interval_end - begin
                day += timedelta(days=1)
                minute = 0
        else:
            minute = _minute_of_day(start)
            for _ in range(_MAX_NON_WORKING_DAYS):
                for interval_start, interval_end in reversed(self.working_intervals(day)):
                    if interval_start >= minute:
                        continue
                    finish = min(interval_end, minute)
                    if finish - interval_start >= remaining:
                        return _at(day, finish - remaining)
                    remaining -= finish - interval_start
                day -= timedelta(days=1)
                minute = MINUTES_PER_DAY
        raise InputError(f"calendar {self.name!r} has no working time near {start}")

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Working minutes from ``start`` to ``end`` (negative when ``end`` is before ``start``)."""
        if end < start:
            return -self.working_minutes_between(end, start)
        start, end = _whole_minute(start), _whole_minute(end)
        total = 0
        day = start.date()
        while day <= end.date():
            low = _minute_of_day(start) if day == start.date() else 0
            high = _minute_of_day(end) if day == end.date() else MINUTES_PER_DAY
            for interval_start, interval_end in self.working_intervals(day):
                total += max(0, min(interval_end, high) - max(interval_start, low))
            day += timedelta(days=1)
        return total

    def to_utc(self, moment: datetime) -> datetime:
        """Convert a wall-clock datetime of this calendar to an aware UTC datetime.

        Without ``time_zone`` the wall clock is taken to be UTC. A wall-clock time that does not
        exist (skipped by a spring-forward change) or exists twice is resolved with ``fold=0``
        (the offset in force before the change), as :mod:`zoneinfo` does.
        """
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        if self.time_zone is None:
            return moment.replace(tzinfo=UTC)
        from zoneinfo import ZoneInfo

        return moment.replace(tzinfo=ZoneInfo(self.time_zone)).astimezone(UTC)

    def from_utc(self, moment: datetime) -> datetime:
        """Convert an aware datetime to this calendar's naive wall clock."""
        if moment.tzinfo is None:
            raise InputError("expected an aware datetime", field="moment")
        if self.time_zone is None:
            return moment.astimezone(UTC).replace(tzinfo=None)
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(self.time_zone)).replace(tzinfo=None)

    def axis(self, origin: datetime, horizon_days: int = 730) -> WorkingTimeAxis:
        """A :class:`WorkingTimeAxis` of this calendar with offset 0 at ``origin``."""
        return WorkingTimeAxis(self, origin, horizon_days)


def _merge_touching(day: DayHours) -> DayHours:
    merged: list[tuple[int, int]] = []
    for start, end in day:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _whole_minute(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        raise InputError(
            "calendars work in naive wall-clock datetimes; convert with Calendar.from_utc",
            field="datetime",
        )
    return moment.replace(second=0, microsecond=0)


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minute)


STANDARD_CALENDAR = Calendar("Standard", WorkWeek.standard())
"""Monday to Friday, 08:00-12:00 and 13:00-17:00: Microsoft Project's default calendar."""

TWENTY_FOUR_HOURS_CALENDAR = Calendar(
    "24 Hours", WorkWeek.uniform(((0, MINUTES_PER_DAY),), weekdays=(0, 1, 2, 3, 4, 5, 6))
)
"""Every minute is working time: Microsoft Project's "24 Hours" base calendar."""


class WorkingTimeAxis:
    """Integer working-minute offsets of one calendar, relative to an origin datetime.

    The calendar's working intervals are precomputed as arrays (wall-clock minutes after the
    midnight of ``origin``) over ``[origin - horizon_days / 4, origin + horizon_days]``; the tables
    grow by themselves when a conversion falls outside them.

    Parameters
    ----------
    calendar:
        The calendar.
    origin:
        The datetime of offset 0 (typically the project start).
    horizon_days:
        Initial number of days tabulated after ``origin``.
    before_days:
        Initial number of days tabulated before ``origin`` (default ``horizon_days / 4``).

    Notes
    -----
    ``to_offset`` is monotone. Every moment of a non-working gap maps to the same offset as the
    end of the interval before it; ``to_datetime(offset, finish=True)`` returns that interval end,
    ``finish=False`` the start of the next interval.
    """

    def __init__(
        self,
        calendar: Calendar,
        origin: datetime,
        horizon_days: int = 730,
        *,
        before_days: int | None = None,
    ) -> None:
        if horizon_days < 1:
            raise InputError("horizon_days must be at least 1", field="horizon_days")
        self.calendar = calendar
        self.origin = _whole_minute(origin)
        self.reference = datetime.combine(self.origin.date(), time())
        self._first_day = -max(28, horizon_days // 4 if before_days is None else before_days)
        self._last_day = horizon_days
        self._build()

    # The tables: interval k covers wall minutes [starts[k], ends[k]) after ``reference``, and
    # ``cumulative[k]`` working minutes (counted from the table start) precede it.
    def _build(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        first = self.origin.date() + timedelta(days=self._first_day)
        for day_index in range(self._first_day, self._last_day):
            day = first + timedelta(days=day_index - self._first_day)
            base_minute = day_index * MINUTES_PER_DAY
            for start, end in self.calendar.working_intervals(day):
                if ends and ends[-1] == base_minute + start:
                    ends[-1] = base_minute + end
                else:
                    starts.append(base_minute + start)
                    ends.append(base_minute + end)
        if not starts:
            raise InputError(
                f"calendar {self.calendar.name!r} has no working time between "
                f"{first} and {first + timedelta(days=self._last_day - self._first_day)}",
                field="calendar",
            )
        self.starts: NDArray[np.int64] = np.asarray(starts, dtype=np.int64)
        self.ends: NDArray[np.int64] = np.asarray(ends, dtype=np.int64)
        lengths = self.ends - self.starts
        self.cumulative: NDArray[np.int64] = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(
            np.int64
        )
        self.cumulative_end: NDArray[np.int64] = self.cumulative + lengths
        self._origin_work = 0
        self._origin_work = int(self._work_before(np.asarray([self._wall(self.origin)]))[0])

    @property
    def origin_work(self) -> int:
        """Working minutes from the start of the tables to the origin (offset 0)."""
        return self._origin_work

    @property
    def first_minute(self) -> int:
        """First wall minute (after ``reference``) covered by the tables."""
        return self._first_day * MINUTES_PER_DAY

    @property
    def last_minute(self) -> int:
        """Last wall minute (after ``reference``) covered by the tables."""
        return self._last_day * MINUTES_PER_DAY

    def _wall(self, moment: datetime) -> int:
        return int((_whole_minute(moment) - self.reference) // timedelta(minutes=1))

    def _ensure_wall(self, low: int, high: int) -> None:
        grown = False
        while low < self.first_minute:
            self._first_day *= 2
            grown = True
        while high > self.last_minute:
            self._last_day *= 2
            grown = True
        if grown:
            self._build()

    def _ensure_offsets(self, low: int, high: int) -> None:
        while low + self._origin_work < 0:
            self._first_day *= 2
            self._build()
        while high + self._origin_work > int(self.cumulative_end[-1]):
            self._last_day *= 2
            self._build()

    def _work_before(self, wall: NDArray[np.int64]) -> NDArray[np.int64]:
        index = np.searchsorted(self.starts, wall, side="right") - 1
        index = np.maximum(index, 0)
        inside = np.clip(wall - self.starts[index], 0, self.ends[index] - self.starts[index])
        return self.cumulative[index] + inside - self._origin_work

    # -- public conversions ----------------------------------------------------------------

    def wall_minutes(self, moment: datetime) -> int:
        """Wall-clock minutes from ``reference`` (midnight of the origin day) to ``moment``."""
        return self._wall(moment)

    def to_offset(self, moment: datetime) -> int:
        """Working minutes from the origin to ``moment`` (negative before the origin)."""
        wall = self._wall(moment)
        self._ensure_wall(wall, wall)
        return int(self._work_before(np.asarray([wall], dtype=np.int64))[0])

    def to_offsets(self, wall_minutes: NDArray[np.int64]) -> NDArray[np.int64]:
        """Vectorised :meth:`to_offset` for wall-clock minutes after ``reference``."""
        wall = np.asarray(wall_minutes, dtype=np.int64)
        if wall.size:
            self._ensure_wall(int(wall.min()), int(wall.max()))
        return self._work_before(wall)

    def to_datetime(self, offset: int, *, finish: bool = False) -> datetime:
        """The datetime ``offset`` working minutes after the origin.

        Parameters
        ----------
        offset:
            Working minutes after the origin.
        finish:
            At an interval boundary, ``True`` returns the end of the interval before (a finish,
            17:00) and ``False`` the start of the interval after (a start, 08:00 next day).
        """
        wall = self.to_wall_minutes(np.asarray([offset], dtype=np.int64), finish=finish)
        return self.reference + timedelta(minutes=int(wall[0]))

    def to_wall_minutes(self, offsets: NDArray[np.int64], *, finish: bool) -> NDArray[np.int64]:
        """Vectorised :meth:`to_datetime`, returning wall minutes after ``reference``."""
        offsets = np.asarray(offsets, dtype=np.int64)
        if offsets.size:
            # A start at the table's last boundary is the start of the next interval, so the
            # table must reach one minute beyond the largest offset for starts.
            self._ensure_offsets(int(offsets.min()), int(offsets.max()) + (0 if finish else 1))
        target = offsets + self._origin_work
        side = "left" if finish else "right"
        index = np.searchsorted(self.cumulative_end, target, side=side)  # type: ignore[call-overload]
        index = np.minimum(index, len(self.starts) - 1)
        result: NDArray[np.int64] = self.starts[index] + (target - self.cumulative[index])
        return result

    def to_datetimes(self, offsets: NDArray[np.int64], *, finish: bool) -> list[datetime]:
        """Vectorised :meth:`to_datetime`."""
        walls = self.to_wall_minutes(offsets, finish=finish)
        return [self.reference + timedelta(minutes=int(wall)) for wall in walls]

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """Same result as :meth:`Calendar.add_working_minutes`, through the tables."""
        if minutes == 0:
            return start
        return self.to_datetime(self.to_offset(start) + minutes, finish=minutes > 0)

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Same result as :meth:`Calendar.working_minutes_between`, through the tables."""
        return self.to_offset(end) - self.to_offset(start)
