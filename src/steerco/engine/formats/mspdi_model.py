"""The data model of a Microsoft Project XML (MSPDI) file.

Small frozen dataclasses that mirror the parts of MSPDI that Steerco reads and
writes: project settings, calendars (with 2003-style and 2007+ exceptions and
work weeks), tasks with links, constraints, progress and baselines, resources
and assignments.

Units follow the file, so that a write followed by a read gives back equal
objects: durations and work are whole seconds (MSPDI writes ``PT16H0M0S``),
link lags and leveling delays are tenths of a minute (``LinkLag``), times of
day are minutes after midnight with 1440 for the midnight that ends a day.
Dates are naive local datetimes, as MS Project writes them.

Saved ``start`` / ``finish`` dates are kept as data (for export and for
comparison) and are never read by the scheduler in :mod:`.mspdi_schedule`.
"""

from __future__ import annotations

import calendar as _month_calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from itertools import pairwise

from steerco.engine.errors import InputError

NAMESPACE = "http://schemas.microsoft.com/project"

#: ``ResourceUID`` of the placeholder assignment MS Project writes for a task without resources.
UNASSIGNED_RESOURCE_UID = -65535

MINUTES_PER_DAY_CLOCK = 1440


class LinkType(IntEnum):
    """``PredecessorLink/Type``."""

    FINISH_FINISH = 0
    FINISH_START = 1
    START_FINISH = 2
    START_START = 3


class ConstraintType(IntEnum):
    """``Task/ConstraintType``."""

    AS_SOON_AS_POSSIBLE = 0
    AS_LATE_AS_POSSIBLE = 1
    MUST_START_ON = 2
    MUST_FINISH_ON = 3
    START_NO_EARLIER_THAN = 4
    START_NO_LATER_THAN = 5
    FINISH_NO_EARLIER_THAN = 6
    FINISH_NO_LATER_THAN = 7


class TimeUnit(IntEnum):
    """What a duration format counts in (the unit part of ``DurationFormat``)."""

    MINUTE = 1
    HOUR = 2
    DAY = 3
    WEEK = 4
    MONTH = 5
    PERCENT = 6
    DEFAULT = 7


# MSPDI duration format codes: the plain ones, their elapsed twins and their estimated
# ("?") twins. 21 and 53 mean "no format stored": use the project's default.
_FORMAT_UNITS: dict[int, tuple[TimeUnit, bool, bool]] = {}
for _base, _unit in (
    (3, TimeUnit.MINUTE),
    (5, TimeUnit.HOUR),
    (7, TimeUnit.DAY),
    (9, TimeUnit.WEEK),
    (11, TimeUnit.MONTH),
):
    _FORMAT_UNITS[_base] = (_unit, False, False)
    _FORMAT_UNITS[_base + 1] = (_unit, True, False)
    _FORMAT_UNITS[_base + 32] = (_unit, False, True)
    _FORMAT_UNITS[_base + 33] = (_unit, True, True)
_FORMAT_UNITS[19] = (TimeUnit.PERCENT, False, False)
_FORMAT_UNITS[20] = (TimeUnit.PERCENT, True, False)
_FORMAT_UNITS[51] = (TimeUnit.PERCENT, False, True)
_FORMAT_UNITS[52] = (TimeUnit.PERCENT, True, True)
_FORMAT_UNITS[21] = (TimeUnit.DEFAULT, False, False)
_FORMAT_UNITS[53] = (TimeUnit.DEFAULT, False, True)

DURATION_FORMATS = frozenset(_FORMAT_UNITS)


def format_unit(duration_format: int) -> TimeUnit:
    """The unit a ``DurationFormat`` / ``LagFormat`` code counts in."""
    return _FORMAT_UNITS[duration_format][0]


def is_elapsed_format(duration_format: int) -> bool:
    """True for elapsed formats (``ed``, ``eh``...): they count clock time, not working time."""
    return _FORMAT_UNITS[duration_format][1]


def is_estimated_format(duration_format: int) -> bool:
    """True for the estimated ("?") variants of the duration formats."""
    return _FORMAT_UNITS[duration_format][2]


def _check(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise InputError(message, field=field)


def _check_format(value: int, field: str) -> None:
    _check(value in DURATION_FORMATS, f"{value} is not an MSPDI duration format", field)


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """One working period of a day, in minutes after midnight (``to_minute`` 1440 = midnight)."""

    from_minute: int
    to_minute: int

    def __post_init__(self) -> None:
        _check(
            0 <= self.from_minute < self.to_minute <= MINUTES_PER_DAY_CLOCK,
            f"working time {self.from_minute}-{self.to_minute} must satisfy "
            "0 <= from < to <= 1440 minutes",
            "WorkingTime",
        )


def _check_working_times(times: tuple[WorkingTime, ...], field: str) -> None:
    for earlier, later in pairwise(times):
        _check(
            earlier.to_minute <= later.from_minute,
            "working times must be sorted and must not overlap",
            field,
        )


@dataclass(frozen=True, slots=True)
class WeekDay:
    """Working time of one day of the week; ``day_type`` 1 = Sunday ... 7 = Saturday."""

    day_type: int
    working: bool
    working_times: tuple[WorkingTime, ...] = ()

    def __post_init__(self) -> None:
        _check(1 <= self.day_type <= 7, f"DayType {self.day_type} is not 1..7", "WeekDay")
        _check_working_times(self.working_times, "WeekDay")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How a 2007+ calendar exception repeats (``Exception/Type`` 2..7).

    ``recurrence_type``: 2 yearly on a day of a month, 3 yearly on the n-th weekday of a
    month, 4 monthly on a day, 5 monthly on the n-th weekday, 6 weekly, 7 every n days.
    ``days_of_week`` is a bit mask (1 = Sunday ... 64 = Saturday); ``month_item`` 3..9 =
    Sunday..Saturday; ``month_position`` 0..3 = first..fourth, 4 = last; ``month`` 0..11.
    """

    recurrence_type: int
    period: int = 1
    occurrences: int | None = None
    entered_by_occurrences: bool = False
    days_of_week: int | None = None
    month: int | None = None
    month_item: int | None = None
    month_position: int | None = None
    month_day: int | None = None

    def __post_init__(self) -> None:
        _check(
            2 <= self.recurrence_type <= 7,
            f"exception Type {self.recurrence_type} is not 1..7",
            "Exception",
        )
        _check(self.period >= 1, "exception Period must be at least 1", "Exception")


@dataclass(frozen=True, slots=True)
class CalendarException:
    """Days that differ from the working week: holidays, or special working days.

    ``recurrence`` None means every day from ``from_date`` to ``to_date``.
    """

    from_date: datetime
    to_date: datetime
    working: bool = False
    working_times: tuple[WorkingTime, ...] = ()
    name: str = ""
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        _check(
            self.from_date.date() <= self.to_date.date(),
            "exception FromDate is after its ToDate",
            "Exception",
        )
        _check_working_times(self.working_times, "Exception")

    def days(self) -> Iterator[date]:
        """Each day the exception covers."""
        return exception_days(self)


@dataclass(frozen=True, slots=True)
class WorkWeek:
    """A 2007+ alternative working week that applies between two dates."""

    from_date: datetime
    to_date: datetime
    name: str = ""
    week_days: tuple[WeekDay, ...] = ()

    def __post_init__(self) -> None:
        _check(self.from_date <= self.to_date, "work week FromDate is after its ToDate", "WorkWeek")


@dataclass(frozen=True, slots=True)
class Calendar:
    """A base calendar, or a calendar derived from one (resource calendars).

    A derived calendar lists only the week days and exceptions it changes; everything
    else comes from ``base_calendar_uid``.
    """

    uid: int
    name: str = ""
    is_base: bool = True
    base_calendar_uid: int | None = None
    week_days: tuple[WeekDay, ...] = ()
    exceptions: tuple[CalendarException, ...] = ()
    work_weeks: tuple[WorkWeek, ...] = ()

    def __post_init__(self) -> None:
        kinds = [day.day_type for day in self.week_days]
        _check(len(kinds) == len(set(kinds)), "a week day is listed twice", f"Calendar {self.uid}")
        _check(
            self.base_calendar_uid != self.uid,
            "a calendar cannot derive from itself",
            f"Calendar {self.uid}",
        )


@dataclass(frozen=True, slots=True)
class Baseline:
    """A saved baseline (``Baseline`` element; ``number`` 0 is "Baseline", 1..10 the others)."""

    number: int = 0
    start: datetime | None = None
    finish: datetime | None = None
    duration: int | None = None
    duration_format: int | None = None
    work: int | None = None
    cost: float | None = None

    def __post_init__(self) -> None:
        _check(0 <= self.number <= 10, f"baseline Number {self.number} is not 0..10", "Baseline")
        if self.duration_format is not None:
            _check_format(self.duration_format, "Baseline")


@dataclass(frozen=True, slots=True)
class Link:
    """A ``PredecessorLink``: ``lag`` is ``LinkLag`` as in the file.

    That is tenths of a minute, except for the percent lag formats (19, 20, 51, 52)
    where it is a percentage of the predecessor's duration.
    """

    predecessor_uid: int
    link_type: LinkType = LinkType.FINISH_START
    lag: int = 0
    lag_format: int = 7
    cross_project: bool = False
    cross_project_name: str = ""

    def __post_init__(self) -> None:
        _check_format(self.lag_format, "PredecessorLink")
        _check(
            format_unit(self.lag_format) is not TimeUnit.DEFAULT,
            f"LagFormat {self.lag_format} is not a lag unit",
            "PredecessorLink",
        )


@dataclass(frozen=True, slots=True)
class Task:
    """One ``Task``; durations and work in seconds, ``leveling_delay`` in tenths of a minute."""

    uid: int
    id: int | None = None
    name: str = ""
    wbs: str = ""
    outline_number: str = ""
    outline_level: int = 1
    task_type: int = 0
    active: bool = True
    manual: bool = False
    is_null: bool = False
    summary: bool = False
    milestone: bool = False
    estimated: bool = False
    effort_driven: bool = False
    external_task: bool = False
    priority: int = 500
    start: datetime | None = None
    finish: datetime | None = None
    duration: int | None = None
    duration_format: int = 7
    manual_start: datetime | None = None
    manual_finish: datetime | None = None
    manual_duration: int | None = None
    work: int | None = None
    stop: datetime | None = None
    resume: datetime | None = None
    constraint_type: ConstraintType = ConstraintType.AS_SOON_AS_POSSIBLE
    constraint_date: datetime | None = None
    deadline: datetime | None = None
    calendar_uid: int | None = None
    ignore_resource_calendar: bool = False
    leveling_delay: int = 0
    leveling_delay_format: int = 8
    percent_complete: int = 0
    percent_work_complete: int = 0
    actual_start: datetime | None = None
    actual_finish: datetime | None = None
    actual_duration: int | None = None
    remaining_duration: int | None = None
    actual_work: int | None = None
    remaining_work: int | None = None
    cost: float | None = None
    fixed_cost: float = 0.0
    notes: str = ""
    predecessors: tuple[Link, ...] = ()
    baselines: tuple[Baseline, ...] = ()

    def __post_init__(self) -> None:
        where = f"Task UID {self.uid}"
        _check(self.outline_level >= 0, "OutlineLevel must not be negative", where)
        _check(self.task_type in (0, 1, 2), f"Type {self.task_type} is not 0, 1 or 2", where)
        _check_format(self.duration_format, where)
        _check_format(self.leveling_delay_format, where)
        _check(0 <= self.percent_complete <= 100, "PercentComplete must be within 0..100", where)
        _check(
            0 <= self.percent_work_complete <= 100,
            "PercentWorkComplete must be within 0..100",
            where,
        )
        for name in ("duration", "manual_duration", "actual_duration", "remaining_duration"):
            value = getattr(self, name)
            _check(value is None or value >= 0, f"{name} must not be negative", where)
        needs_date = self.constraint_type not in (
            ConstraintType.AS_SOON_AS_POSSIBLE,
            ConstraintType.AS_LATE_AS_POSSIBLE,
        )
        _check(
            not needs_date or self.constraint_date is not None,
            f"constraint {self.constraint_type.name} needs a ConstraintDate",
            where,
        )
        _check(
            all(link.predecessor_uid != self.uid for link in self.predecessors),
            "a task cannot be its own predecessor",
            where,
        )


@dataclass(frozen=True, slots=True)
class Resource:
    """One ``Resource``; ``resource_type`` 0 = material, 1 = work, 2 = cost."""

    uid: int
    id: int | None = None
    name: str = ""
    resource_type: int = 1
    is_null: bool = False
    initials: str = ""
    code: str = ""
    group: str = ""
    email_address: str = ""
    max_units: float = 1.0
    standard_rate: float = 0.0
    overtime_rate: float = 0.0
    cost_per_use: float = 0.0
    accrue_at: int = 3
    calendar_uid: int | None = None
    is_generic: bool = False
    is_inactive: bool = False
    notes: str = ""
    baselines: tuple[Baseline, ...] = ()

    def __post_init__(self) -> None:
        _check(
            self.resource_type in (0, 1, 2),
            f"Type {self.resource_type} is not 0, 1 or 2",
            f"Resource UID {self.uid}",
        )
        _check(self.max_units >= 0, "MaxUnits must not be negative", f"Resource UID {self.uid}")


@dataclass(frozen=True, slots=True)
class TimephasedWork:
    """One ``TimephasedData`` period of an assignment.

    ``kind`` 1 is planned (remaining) work, 2 actual work (other MSPDI codes are kept
    as they are); ``value`` is seconds of work, None when the file leaves it empty
    (non-working time). Work of zero inside a task marks a split: a pause.
    """

    kind: int
    start: datetime
    finish: datetime
    unit: int = 2
    value: int | None = None

    def __post_init__(self) -> None:
        _check(self.start <= self.finish, "TimephasedData Start is after Finish", "TimephasedData")


@dataclass(frozen=True, slots=True)
class Assignment:
    """One ``Assignment`` of a resource to a task (``resource_uid`` None: no resource)."""

    uid: int
    task_uid: int
    resource_uid: int | None = None
    units: float = 1.0
    work: int | None = None
    actual_work: int | None = None
    remaining_work: int | None = None
    start: datetime | None = None
    finish: datetime | None = None
    actual_start: datetime | None = None
    actual_finish: datetime | None = None
    stop: datetime | None = None
    resume: datetime | None = None
    delay: int = 0
    work_contour: int = 0
    percent_work_complete: int = 0
    cost: float | None = None
    actual_cost: float | None = None
    baselines: tuple[Baseline, ...] = ()
    timephased: tuple[TimephasedWork, ...] = ()

    def __post_init__(self) -> None:
        where = f"Assignment UID {self.uid}"
        _check(self.units >= 0, "Units must not be negative", where)
        _check(0 <= self.work_contour <= 8, f"WorkContour {self.work_contour} is not 0..8", where)


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    """Project-level elements of the file; times of day in minutes after midnight."""

    name: str = ""
    title: str = ""
    subject: str = ""
    category: str = ""
    company: str = ""
    manager: str = ""
    author: str = ""
    save_version: int | None = None
    creation_date: datetime | None = None
    last_saved: datetime | None = None
    schedule_from_start: bool = True
    start_date: datetime | None = None
    finish_date: datetime | None = None
    status_date: datetime | None = None
    current_date: datetime | None = None
    calendar_uid: int | None = None
    default_start_time: int = 480
    default_finish_time: int = 1020
    minutes_per_day: int = 480
    minutes_per_week: int = 2400
    days_per_month: int = 20
    default_task_type: int = 0
    default_fixed_cost_accrual: int = 3
    default_standard_rate: float = 0.0
    default_overtime_rate: float = 0.0
    duration_format: int = 7
    work_format: int = 2
    currency_symbol: str = "$"
    currency_code: str = ""
    currency_digits: int = 2
    fiscal_year_start_month: int = 1
    week_start_day: int = 0
    honor_constraints: bool = False
    new_tasks_effort_driven: bool = False
    new_tasks_estimated: bool = True
    new_tasks_are_manual: bool = False
    splits_in_progress_tasks: bool = True
    move_completed_ends_back: bool = False
    move_remaining_starts_back: bool = False
    move_remaining_starts_forward: bool = False
    move_completed_ends_forward: bool = False

    def __post_init__(self) -> None:
        _check(self.minutes_per_day > 0, "MinutesPerDay must be positive", "Project")
        _check(self.minutes_per_week > 0, "MinutesPerWeek must be positive", "Project")
        _check(self.days_per_month > 0, "DaysPerMonth must be positive", "Project")
        _check_format(self.duration_format, "Project")
        for name in ("default_start_time", "default_finish_time"):
            minute = getattr(self, name)
            _check(0 <= minute <= MINUTES_PER_DAY_CLOCK, f"{name} is not a time of day", "Project")


@dataclass(frozen=True, slots=True)
class MspdiProject:
    """A whole MSPDI file. Validates that UIDs are unique and references resolve."""

    settings: ProjectSettings = ProjectSettings()
    calendars: tuple[Calendar, ...] = ()
    tasks: tuple[Task, ...] = ()
    resources: tuple[Resource, ...] = ()
    assignments: tuple[Assignment, ...] = ()

    def __post_init__(self) -> None:
        for kind, uids in (
            ("Calendar", [c.uid for c in self.calendars]),
            ("Task", [t.uid for t in self.tasks]),
            ("Resource", [r.uid for r in self.resources]),
            ("Assignment", [a.uid for a in self.assignments]),
        ):
            seen: set[int] = set()
            for uid in uids:
                _check(uid not in seen, f"UID {uid} is used twice", kind)
                seen.add(uid)
        task_uids = {t.uid for t in self.tasks}
        for task in self.tasks:
            for link in task.predecessors:
                if not link.cross_project:
                    _check(
                        link.predecessor_uid in task_uids,
                        f"PredecessorUID {link.predecessor_uid} is not a task of this file",
                        f"Task UID {task.uid}",
                    )
        resource_uids = {r.uid for r in self.resources}
        for assignment in self.assignments:
            where = f"Assignment UID {assignment.uid}"
            _check(
                assignment.task_uid in task_uids,
                f"TaskUID {assignment.task_uid} is not a task of this file",
                where,
            )
            _check(
                assignment.resource_uid is None or assignment.resource_uid in resource_uids,
                f"ResourceUID {assignment.resource_uid} is not a resource of this file",
                where,
            )

    def task(self, uid: int) -> Task:
        """The task with this UID."""
        for task in self.tasks:
            if task.uid == uid:
                return task
        raise KeyError(uid)


# --- recurring exceptions ---------------------------------------------------------------

_WEEKDAY_BITS = (2, 4, 8, 16, 32, 64, 1)  # date.weekday() order: Monday first


def _nth_weekday(year: int, month: int, month_item: int, position: int) -> date | None:
    """The n-th (``position`` 0..3, 4 = last) day of a month matching ``month_item``."""
    days_in_month = _month_calendar.monthrange(year, month)[1]
    candidates = []
    for day in range(1, days_in_month + 1):
        current = date(year, month, day)
        sunday_first = (current.weekday() + 1) % 7  # 0 = Sunday
        if month_item == 0:
            matches = True
        elif month_item == 1:
            matches = sunday_first not in (0, 6)
        elif month_item == 2:
            matches = sunday_first in (0, 6)
        else:
            matches = sunday_first == month_item - 3
        if matches:
            candidates.append(current)
    if not candidates:
        return None
    if position >= 4:
        return candidates[-1]
    return candidates[position] if position < len(candidates) else None


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _month_calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


def exception_days(exception: CalendarException) -> Iterator[date]:
    """Every day a calendar exception covers, recurrences expanded.

    The expansion follows MS Project's recurrence rules; it stops at ``to_date`` and
    after ``occurrences`` days when the exception was entered by a count.
    """
    first = exception.from_date.date()
    last = exception.to_date.date()
    recurrence = exception.recurrence
    if recurrence is None:
        current = first
        while current <= last:
            yield current
            current += timedelta(days=1)
        return
    limit = recurrence.occurrences if recurrence.entered_by_occurrences else None
    produced = 0

    def within(candidate: date | None) -> bool:
        return candidate is not None and first <= candidate <= last

    kind = recurrence.recurrence_type
    if kind == 7:
        current = first
        while current <= last and (limit is None or produced < limit):
            yield current
            produced += 1
            current += timedelta(days=recurrence.period)
        return
    if kind == 6:
        mask = recurrence.days_of_week or _WEEKDAY_BITS[first.weekday()]
        # Weeks start on Sunday; the first week is the one that holds from_date.
        week_start = first - timedelta(days=(first.weekday() + 1) % 7)
        while week_start <= last and (limit is None or produced < limit):
            for offset in range(7):
                current = week_start + timedelta(days=offset)
                if mask & _WEEKDAY_BITS[current.weekday()] and within(current):
                    if limit is not None and produced >= limit:
                        return
                    yield current
                    produced += 1
            week_start += timedelta(weeks=recurrence.period)
        return
    if kind in (4, 5):
        year, month = first.year, first.month
        while date(year, month, 1) <= last and (limit is None or produced < limit):
            if kind == 4:
                candidate: date | None = _month_day(year, month, recurrence.month_day or first.day)
            else:
                candidate = _nth_weekday(
                    year, month, recurrence.month_item or 0, recurrence.month_position or 0
                )
            if within(candidate):
                assert candidate is not None
                yield candidate
                produced += 1
            year, month = _add_months(year, month, recurrence.period)
        return
    # Yearly (2: a day of a month, 3: the n-th weekday of a month).
    month = (recurrence.month if recurrence.month is not None else first.month - 1) + 1
    year = first.year
    while date(year, 1, 1) <= last and (limit is None or produced < limit):
        if kind == 2:
            candidate = _month_day(year, month, recurrence.month_day or first.day)
        else:
            candidate = _nth_weekday(
                year, month, recurrence.month_item or 0, recurrence.month_position or 0
            )
        if within(candidate):
            assert candidate is not None
            yield candidate
            produced += 1
        year += 1
