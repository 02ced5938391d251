"""Reschedule an imported MSPDI project the way Microsoft Project does.

Dates are computed from durations, links, constraints, calendars, progress and the
project start: the saved ``Start`` / ``Finish`` of tasks are never read here.

Working time comes from :class:`steerco.engine.scheduling.calendars.Calendar` (which
resolves base calendars, exceptions and work weeks day by day). On top of it this
module adds what MS Project's arithmetic needs and the core CPM engine does not have
yet (see the report in :func:`reschedule`'s notes):

* second resolution: MS Project stores durations in tenths of a minute, so finishes
  such as 11:53:18 occur;
* the two readings of an interval boundary: Friday 17:00 and Monday 08:00 are the same
  working-time offset, yet a finish given by an SF/FF link stays on Monday 08:00 while
  a finish computed from a start stays on Friday 17:00;
* lags measured on the successor's calendar, percent lags, elapsed lags;
* resource calendars: a task with work resources runs on their calendars (intersected
  with the task calendar unless the task ignores resource calendars);
* manually scheduled tasks (pinned at the user's ``ManualStart``), actual dates,
  leveling delays, summary tasks whose links and constraints apply to their children.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from steerco.engine.errors import CycleError, InputError
from steerco.engine.formats.mspdi_model import (
    Calendar as MspdiCalendar,
)
from steerco.engine.formats.mspdi_model import (
    ConstraintType,
    Link,
    LinkType,
    MspdiProject,
    Task,
    TimeUnit,
    WeekDay,
    exception_days,
    format_unit,
    is_elapsed_format,
)
from steerco.engine.scheduling import calendars as core

SECONDS_PER_DAY = 86400
# A calendar without working time for this long is treated as having none: arithmetic
# would otherwise walk forever.
_MAX_DAYS_WITHOUT_WORK = 366 * 20

DayIntervals = tuple[tuple[int, int], ...]


class _WorkingDays(Protocol):
    """Anything that gives the working intervals (minutes after midnight) of a date."""

    def working_intervals(self, day: date) -> DayIntervals: ...


class _Intersection:
    """Working time common to several calendars (task calendar and resource calendar)."""

    def __init__(self, parts: Sequence[_WorkingDays]) -> None:
        self.parts = tuple(parts)
        self.name = " & ".join(getattr(part, "name", "?") for part in parts)

    def working_intervals(self, day: date) -> DayIntervals:
        current: list[tuple[int, int]] = [(0, 1440)]
        for part in self.parts:
            nxt: list[tuple[int, int]] = []
            for start, end in part.working_intervals(day):
                for low, high in current:
                    overlap = (max(start, low), min(end, high))
                    if overlap[0] < overlap[1]:
                        nxt.append(overlap)
            current = sorted(nxt)
        return tuple(current)


class WorkingClock:
    """Working-time arithmetic in whole seconds on one calendar (or continuous time).

    ``None`` as calendar means continuous time: MS Project's elapsed durations.
    """

    def __init__(self, calendar: _WorkingDays | None, name: str = "") -> None:
        self.calendar = calendar
        self.name = name or getattr(calendar, "name", "continuous")
        self._cache: dict[date, tuple[tuple[int, int], ...]] = {}

    @property
    def continuous(self) -> bool:
        return self.calendar is None

    def intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        """Working intervals of ``day`` in seconds after midnight."""
        cached = self._cache.get(day)
        if cached is None:
            if self.calendar is None:
                cached = ((0, SECONDS_PER_DAY),)
            else:
                cached = tuple((a * 60, b * 60) for a, b in self.calendar.working_intervals(day))
            self._cache[day] = cached
        return cached

    def _fail(self, moment: datetime) -> InputError:
        return InputError(
            f"calendar {self.name!r} has no working time near {moment:%Y-%m-%d}", field="calendar"
        )

    def next_start(self, moment: datetime) -> datetime:
        """First working moment at or after ``moment``; an interval end moves to the next start."""
        if self.calendar is None:
            return moment
        day, second = _split(moment)
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            for start, end in self.intervals(day):
                if second < end:
                    return _join(day, max(start, second))
            day += timedelta(days=1)
            second = 0
        raise self._fail(moment)

    def previous_finish(self, moment: datetime) -> datetime:
        """Last working moment at or before ``moment``; an interval start moves to the last end."""
        if self.calendar is None:
            return moment
        day, second = _split(moment)
        for _ in range(_MAX_DAYS_WITHOUT_WORK):
            for start, end in reversed(self.intervals(day)):
                if second > start:
                    return _join(day, min(end, second))
            day -= timedelta(days=1)
            second = SECONDS_PER_DAY
        raise self._fail(moment)

    def is_working_or_end(self, moment: datetime) -> bool:
        """Inside a working interval, or exactly at the end of one."""
        if self.calendar is None:
            return True
        day, second = _split(moment)
        if second == 0 and any(
            end == SECONDS_PER_DAY for _, end in self.intervals(day - timedelta(days=1))
        ):
            return True
        return any(start <= second <= end for start, end in self.intervals(day))

    def add(self, moment: datetime, seconds: int) -> datetime:
        """Move ``seconds`` of working time from ``moment`` (backward when negative).

        Forward, the result is a finish (it may be the end of an interval: 17:00);
        backward, it is a start (it may be the start of an interval: 08:00).
        """
        if seconds == 0:
            return moment
        if self.calendar is None:
            return moment + timedelta(seconds=seconds)
        if seconds < 0:
            return self._subtract(moment, -seconds)
        remaining = seconds
        day, second = _split(moment)
        for _ in range(_MAX_DAYS_WITHOUT_WORK + remaining // SECONDS_PER_DAY):
            for start, end in self.intervals(day):
                if end <= second:
                    continue
                begin = max(start, second)
                if end - begin >= remaining:
                    return _join(day, begin + remaining)
                remaining -= end - begin
            day += timedelta(days=1)
            second = 0
        raise self._fail(moment)

    def _subtract(self, moment: datetime, seconds: int) -> datetime:
        remaining = seconds
        day, second = _split(moment)
        for _ in range(_MAX_DAYS_WITHOUT_WORK + remaining // SECONDS_PER_DAY):
            for start, end in reversed(self.intervals(day)):
                if start >= second:
                    continue
                finish = min(end, second)
                if finish - start >= remaining:
                    return _join(day, finish - remaining)
                remaining -= finish - start
            day -= timedelta(days=1)
            second = SECONDS_PER_DAY
        raise self._fail(moment)

    def between(self, start: datetime, finish: datetime) -> int:
        """Working seconds from ``start`` to ``finish`` (negative when reversed)."""
        if finish < start:
            return -self.between(finish, start)
        if self.calendar is None:
            return int((finish - start).total_seconds())
        total = 0
        day = start.date()
        while day <= finish.date():
            low = _split(start)[1] if day == start.date() else 0
            high = _split(finish)[1] if day == finish.date() else SECONDS_PER_DAY
            for interval_start, interval_end in self.intervals(day):
                total += max(0, min(interval_end, high) - max(interval_start, low))
            day += timedelta(days=1)
        return total


def _split(moment: datetime) -> tuple[date, int]:
    return moment.date(), moment.hour * 3600 + moment.minute * 60 + moment.second


def _join(day: date, second: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(seconds=second)


# --- calendars of the file ---------------------------------------------------------------

# MSPDI DayType 1 = Sunday ... 7 = Saturday; the core WorkWeek is Monday first.
_WEEKDAY_INDEX = {2: 0, 3: 1, 4: 2, 5: 3, 6: 4, 7: 5, 1: 6}


def _core_week(days: Sequence[WeekDay]) -> core.WorkWeek:
    week: list[DayIntervals | None] = [None] * 7
    for day in days:
        week[_WEEKDAY_INDEX[day.day_type]] = (
            tuple((t.from_minute, t.to_minute) for t in day.working_times) if day.working else ()
        )
    return core.WorkWeek(tuple(week))


def _core_exceptions(calendar: MspdiCalendar) -> tuple[core.CalendarException, ...]:
    """One core exception per run of days; the first exception listed wins a day."""
    by_day: dict[date, tuple[DayIntervals, str]] = {}
    for exception in calendar.exceptions:
        working = (
            tuple((t.from_minute, t.to_minute) for t in exception.working_times)
            if exception.working
            else ()
        )
        for day in exception_days(exception):
            by_day.setdefault(day, (working, exception.name))
    result: list[core.CalendarException] = []
    run_start: date | None = None
    previous: date | None = None
    previous_value: tuple[DayIntervals, str] | None = None
    for day in sorted(by_day):
        value = by_day[day]
        if (
            previous is not None
            and day == previous + timedelta(days=1)
            and value == previous_value
            and run_start is not None
        ):
            previous = day
            continue
        if run_start is not None and previous is not None and previous_value is not None:
            result.append(
                core.CalendarException(run_start, previous, previous_value[0], previous_value[1])
            )
        run_start, previous, previous_value = day, day, value
    if run_start is not None and previous is not None and previous_value is not None:
        result.append(
            core.CalendarException(run_start, previous, previous_value[0], previous_value[1])
        )
    return tuple(result)


def build_calendars(project: MspdiProject) -> dict[int, core.Calendar]:
    """Core :class:`Calendar` objects for every calendar of the file, by UID.

    Derived calendars get their base calendar as ``base``; a missing or looping base
    is dropped (the calendar then stands alone).
    """
    by_uid = {calendar.uid: calendar for calendar in project.calendars}
    built: dict[int, core.Calendar] = {}

    def build(uid: int, visiting: frozenset[int]) -> core.Calendar:
        if uid in built:
            return built[uid]
        source = by_uid[uid]
        base_uid = source.base_calendar_uid
        base = None
        if base_uid is not None and base_uid in by_uid and base_uid not in visiting:
            base = build(base_uid, visiting | {uid})
        calendar = core.Calendar(
            name=source.name or f"Calendar {uid}",
            week=_core_week(source.week_days),
            exceptions=_core_exceptions(source),
            base=base,
            work_weeks=tuple(
                core.WorkWeekPeriod(
                    week.from_date.date(),
                    week.to_date.date(),
                    _core_week(week.week_days),
                    week.name,
                )
                for week in source.work_weeks
            ),
        )
        built[uid] = calendar
        return calendar

    for uid in by_uid:
        build(uid, frozenset())
    return built


# --- the schedule --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RescheduleResult:
    """Dates computed by :func:`reschedule`.

    Attributes
    ----------
    dates:
        ``{task UID: (start, finish)}`` for every task that has dates (null tasks excluded).
    notes:
        ``{task UID: (note, ...)}``: how each task's dates were decided when that is not
        plain CPM (manual scheduling, actual dates, resource calendars, ...), and what the
        computation could not take into account.
    """

    dates: Mapping[int, tuple[datetime, datetime]]
    notes: Mapping[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class _Node:
    task: Task
    parent: int | None
    children: list[int]
    start: datetime | None = None
    finish: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_summary(self) -> bool:
        return bool(self.children)


def _unit_seconds(unit: TimeUnit, project: MspdiProject, elapsed: bool) -> int:
    settings = project.settings
    if elapsed:
        return {
            TimeUnit.MINUTE: 60,
            TimeUnit.HOUR: 3600,
            TimeUnit.DAY: 86400,
            TimeUnit.WEEK: 7 * 86400,
            TimeUnit.MONTH: 30 * 86400,
        }.get(unit, 60)
    return {
        TimeUnit.MINUTE: 60,
        TimeUnit.HOUR: 3600,
        TimeUnit.DAY: settings.minutes_per_day * 60,
        TimeUnit.WEEK: settings.minutes_per_week * 60,
        TimeUnit.MONTH: settings.minutes_per_day * settings.days_per_month * 60,
    }.get(unit, 60)


class _Scheduler:
    def __init__(self, project: MspdiProject) -> None:
        self.project = project
        self.settings = project.settings
        self.calendars = build_calendars(project)
        self.clocks: dict[object, WorkingClock] = {}
        self.continuous = WorkingClock(None, "elapsed")
        self.project_calendar = self._project_calendar()
        self.nodes: dict[int, _Node] = {}
        self.order: list[int] = []
        self._build_outline()
        self.resources = {resource.uid: resource for resource in project.resources}
        self.assignments: dict[int, list] = {}
        for assignment in project.assignments:
            self.assignments.setdefault(assignment.task_uid, []).append(assignment)

    # -- set-up -------------------------------------------------------------------------

    def _project_calendar(self) -> core.Calendar:
        uid = self.settings.calendar_uid
        if uid is not None and uid in self.calendars:
            return self.calendars[uid]
        for calendar in self.project.calendars:
            if calendar.is_base and calendar.name.lower() == "standard":
                return self.calendars[calendar.uid]
        for calendar in self.project.calendars:
            if calendar.is_base:
                return self.calendars[calendar.uid]
        return core.STANDARD_CALENDAR

    def clock(self, key: object, source: _WorkingDays) -> WorkingClock:
        clock = self.clocks.get(key)
        if clock is None:
            clock = WorkingClock(source)
            self.clocks[key] = clock
        return clock

    def _build_outline(self) -> None:
        stack: list[tuple[int, int]] = []  # (outline level, uid)
        for task in self.project.tasks:
            if task.is_null:
                continue
            while stack and stack[-1][0] >= task.outline_level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            self.nodes[task.uid] = _Node(task, parent, [])
            if parent is not None:
                self.nodes[parent].children.append(task.uid)
            self.order.append(task.uid)
            stack.append((task.outline_level, task.uid))

    def ancestors(self, uid: int) -> list[int]:
        result = []
        parent = self.nodes[uid].parent
        while parent is not None:
            result.append(parent)
            parent = self.nodes[parent].parent
        return result

    def descendants(self, uid: int) -> list[int]:
        result: list[int] = []
        pending = list(self.nodes[uid].children)
        while pending:
            current = pending.pop()
            result.append(current)
            pending.extend(self.nodes[current].children)
        return result

    def task_clock(self, node: _Node) -> WorkingClock:
        """The calendar a task's work runs on (task calendar and its resources' calendars)."""
        task = node.task
        task_calendar = None
        if task.calendar_uid is not None:
            if task.calendar_uid in self.calendars:
                task_calendar = self.calendars[task.calendar_uid]
            else:
                node.notes.append(
                    f"task calendar UID {task.calendar_uid} is not in the file: "
                    "project calendar used"
                )
        resource_calendars: list[core.Calendar] = []
        if not task.ignore_resource_calendar or task_calendar is None:
            for assignment in self.assignments.get(task.uid, []):
                resource = self.resources.get(assignment.resource_uid or -1)
                if resource is None or resource.resource_type != 1:
                    continue
                calendar_uid = resource.calendar_uid
                if calendar_uid is not None and calendar_uid in self.calendars:
                    resource_calendars.append(self.calendars[calendar_uid])
                else:
                    resource_calendars.append(self.project_calendar)
        distinct = list({id(c): c for c in resource_calendars}.values())
        if len(distinct) > 1:
            node.notes.append(
                "several resources on different calendars: each assignment runs the task "
                "duration on its own calendar"
            )
        if distinct:
            parts: list[core.Calendar] = [distinct[0]]
            if task_calendar is not None and not task.ignore_resource_calendar:
                parts.append(task_calendar)
            if len(parts) == 1:
                return self.clock(id(parts[0]), parts[0])
            key = tuple(sorted(id(p) for p in parts))
            return self.clock(key, _Intersection(parts))
        calendar = task_calendar or self.project_calendar
        return self.clock(id(calendar), calendar)

    def assignment_clocks(self, node: _Node) -> list[tuple[WorkingClock, int]]:
        """(clock, delay in seconds) of each work assignment, for multi-calendar tasks."""
        result = []
        task = node.task
        task_calendar = self.calendars.get(task.calendar_uid) if task.calendar_uid else None
        for assignment in self.assignments.get(task.uid, []):
            resource = self.resources.get(assignment.resource_uid or -1)
            if resource is None or resource.resource_type != 1:
                continue
            calendar = self.calendars.get(resource.calendar_uid or -1, self.project_calendar)
            if task_calendar is not None and not task.ignore_resource_calendar:
                clock = self.clock(
                    tuple(sorted((id(calendar), id(task_calendar)))),
                    _Intersection([calendar, task_calendar]),
                )
            else:
                clock = self.clock(id(calendar), calendar)
            result.append((clock, assignment.delay * 6))
        return result

    # -- durations and lags ---------------------------------------------------------------

    def duration_of(self, task: Task) -> int:
        if task.manual and task.manual_duration is not None:
            return task.manual_duration
        return task.duration or 0

    def lag_moment(
        self, moment: datetime, link: Link, predecessor: _Node, clock: WorkingClock
    ) -> datetime:
        if link.lag == 0:
            return moment
        unit = format_unit(link.lag_format)
        elapsed = is_elapsed_format(link.lag_format)
        if unit is TimeUnit.PERCENT:
            # A percent lag is a share of the predecessor's duration (MPXJ, MS Project).
            seconds = round(self.duration_of(predecessor.task) * link.lag / 100)
        else:
            seconds = link.lag * 6
        return (self.continuous if elapsed else clock).add(moment, seconds)

    # -- forward pass -----------------------------------------------------------------------

    def topological_order(self) -> list[int]:
        """Tasks ordered so that each comes after what its dates depend on."""
        depends: dict[int, set[int]] = {uid: set() for uid in self.nodes}
        for uid, node in self.nodes.items():
            if node.is_summary:
                depends[uid].update(node.children)
            owners = [uid, *self.ancestors(uid)]
            for owner in owners:
                for link in self.nodes[owner].task.predecessors:
                    if link.predecessor_uid in self.nodes and not link.cross_project:
                        depends[uid].add(link.predecessor_uid)
        order: list[int] = []
        state: dict[int, int] = {}
        for root in self.order:
            if state.get(root):
                continue
            stack: list[tuple[int, list[int]]] = [(root, sorted(depends[root]))]
            state[root] = 1
            path = [root]
            while stack:
                uid, pending = stack[-1]
                if pending:
                    nxt = pending.pop()
                    status = state.get(nxt, 0)
                    if status == 1:
                        cycle = path[path.index(nxt) :]
                        raise CycleError([f"Task UID {u}" for u in cycle])
                    if status == 0:
                        state[nxt] = 1
                        path.append(nxt)
                        stack.append((nxt, sorted(depends[nxt])))
                    continue
                stack.pop()
                path.pop()
                state[uid] = 2
                order.append(uid)
        return order

    def link_bounds(self, uid: int, clock: WorkingClock) -> tuple[list[datetime], list[datetime]]:
        """Earliest start and finish that the links of the task and of its summaries allow."""
        starts: list[datetime] = []
        finishes: list[datetime] = []
        for owner in [uid, *self.ancestors(uid)]:
            for link in self.nodes[owner].task.predecessors:
                predecessor = self.nodes.get(link.predecessor_uid)
                if predecessor is None or link.cross_project or not predecessor.task.active:
                    continue
                if predecessor.start is None or predecessor.finish is None:
                    continue
                if link.link_type is LinkType.FINISH_START:
                    starts.append(self.lag_moment(predecessor.finish, link, predecessor, clock))
                elif link.link_type is LinkType.START_START:
                    starts.append(self.lag_moment(predecessor.start, link, predecessor, clock))
                elif link.link_type is LinkType.FINISH_FINISH:
                    finishes.append(self.lag_moment(predecessor.finish, link, predecessor, clock))
                else:
                    finishes.append(self.lag_moment(predecessor.start, link, predecessor, clock))
        return starts, finishes

    def schedule_leaf(self, uid: int, project_start: datetime) -> None:
        node = self.nodes[uid]
        task = node.task
        elapsed = is_elapsed_format(task.duration_format)
        clock = self.continuous if elapsed else self.task_clock(node)
        duration = self.duration_of(task)
        if task.duration is None and not task.manual:
            node.notes.append("no Duration in the file: scheduled as a milestone")

        if task.actual_start is not None:
            self._schedule_started(node, clock, duration)
            return
        if task.manual and task.manual_start is not None:
            node.notes.append("manually scheduled: starts at the user's ManualStart")
            node.start = task.manual_start
            node.finish = clock.add(task.manual_start, duration)
            return
        if task.manual:
            node.notes.append("manually scheduled without ManualStart: scheduled automatically")

        start_bounds, finish_bounds = self.link_bounds(uid, clock)
        start_bounds.append(project_start)
        for ancestor in self.ancestors(uid):
            summary = self.nodes[ancestor].task
            if (
                summary.constraint_type is ConstraintType.START_NO_EARLIER_THAN
                and summary.constraint_date is not None
            ):
                start_bounds.append(summary.constraint_date)
        constraint = task.constraint_type
        constraint_date = task.constraint_date
        if constraint is ConstraintType.START_NO_EARLIER_THAN and constraint_date is not None:
            start_bounds.append(constraint_date)
        elif constraint is ConstraintType.FINISH_NO_EARLIER_THAN and constraint_date is not None:
            finish_bounds.append(constraint_date)

        earliest = max(start_bounds)
        if task.leveling_delay:
            delay_elapsed = is_elapsed_format(task.leveling_delay_format)
            earliest = (self.continuous if delay_elapsed else clock).add(
                earliest, task.leveling_delay * 6
            )
        start, finish = self._place(clock, duration, earliest, max(finish_bounds, default=None))

        # Hard constraints win over links, as with MS Project's default "tasks will
        # always honor their constraint dates".
        if constraint_date is not None:
            if constraint is ConstraintType.MUST_START_ON:
                start, finish = self._from_start(clock, duration, constraint_date)
            elif constraint is ConstraintType.MUST_FINISH_ON:
                start, finish = self._from_finish(clock, duration, constraint_date)
            elif constraint is ConstraintType.START_NO_LATER_THAN and start > constraint_date:
                node.notes.append("links push the start past its SNLT date: the constraint wins")
                start, finish = self._from_start(clock, duration, constraint_date)
            elif constraint is ConstraintType.FINISH_NO_LATER_THAN and finish > constraint_date:
                node.notes.append("links push the finish past its FNLT date: the constraint wins")
                start, finish = self._from_finish(clock, duration, constraint_date)
        pause = self.split_pause(node, clock)
        if pause:
            finish = clock.add(finish, pause)
        node.start, node.finish = start, finish
        self._multi_calendar_spread(node, duration + pause)

    def _from_start(
        self, clock: WorkingClock, duration: int, moment: datetime
    ) -> tuple[datetime, datetime]:
        if duration == 0:
            start = moment if clock.is_working_or_end(moment) else clock.next_start(moment)
            return start, start
        start = clock.next_start(moment)
        return start, clock.add(start, duration)

    def _from_finish(
        self, clock: WorkingClock, duration: int, moment: datetime
    ) -> tuple[datetime, datetime]:
        if duration == 0:
            finish = moment if clock.is_working_or_end(moment) else clock.next_start(moment)
            return finish, finish
        return clock.add(moment, -duration), moment

    def _place(
        self,
        clock: WorkingClock,
        duration: int,
        earliest_start: datetime,
        earliest_finish: datetime | None,
    ) -> tuple[datetime, datetime]:
        start, finish = self._from_start(clock, duration, earliest_start)
        if earliest_finish is not None and earliest_finish > finish:
            start, finish = self._from_finish(clock, duration, earliest_finish)
        return start, finish

    def split_pause(self, node: _Node, clock: WorkingClock) -> int:
        """Working seconds of the pauses inside a split task.

        MS Project records a split as periods of zero work between periods of work in
        the assignment's timephased data. Only the length of each pause (working time on
        the task's calendar) is used, never its dates, so a split task that moves keeps
        its pauses.
        """
        work_assignments = [
            assignment
            for assignment in self.assignments.get(node.task.uid, [])
            if assignment.timephased
        ]
        if len(work_assignments) != 1:
            return 0
        periods = sorted(
            (p for p in work_assignments[0].timephased if p.kind in (1, 2)),
            key=lambda period: period.start,
        )
        worked = [period for period in periods if period.value]
        if len(worked) < 2:
            return 0
        first = min(period.start for period in worked)
        last = max(period.finish for period in worked)
        pause = sum(
            clock.between(period.start, period.finish)
            for period in periods
            if period.value == 0 and first <= period.start and period.finish <= last
        )
        if pause:
            node.notes.append(
                f"split task: {pause / 3600:g} working hours of pauses "
                "(zero-work periods of its timephased work)"
            )
        return pause

    def _multi_calendar_spread(self, node: _Node, duration: int) -> None:
        clocks = self.assignment_clocks(node)
        if len({id(clock) for clock, _ in clocks}) <= 1 and not any(delay for _, delay in clocks):
            return
        if node.start is None or is_elapsed_format(node.task.duration_format):
            return
        earliest = node.start
        starts, finishes = [], []
        for clock, delay in clocks:
            begin = clock.next_start(clock.add(earliest, delay) if delay else earliest)
            starts.append(begin)
            finishes.append(clock.add(begin, duration))
        node.start, node.finish = min(starts), max(finishes)
        if any(delay for _, delay in clocks):
            node.notes.append("assignment delay applied")

    def _schedule_started(self, node: _Node, clock: WorkingClock, duration: int) -> None:
        task = node.task
        assert task.actual_start is not None
        node.start = task.actual_start
        if task.actual_finish is not None:
            node.notes.append("finished: actual start and actual finish")
            node.finish = task.actual_finish
            return
        node.notes.append("in progress: starts at its actual start")
        actual = task.actual_duration
        remaining = task.remaining_duration
        if actual is None and remaining is None:
            actual = round(duration * task.percent_complete / 100)
        if actual is None:
            actual = max(0, duration - (remaining or 0))
        if remaining is None:
            remaining = max(0, duration - actual)
        stop = clock.add(task.actual_start, actual)
        resume = stop
        status = self.settings.status_date
        if status is not None and self.settings.move_remaining_starts_forward and resume < status:
            resume = status
            node.notes.append("remaining work moved to the status date")
        if remaining == 0:
            node.finish = stop
            return
        pause = self.split_pause(node, clock)
        node.finish = clock.add(clock.next_start(resume) if actual else resume, remaining + pause)

    def rollup(self, uid: int) -> None:
        node = self.nodes[uid]
        children = [
            self.nodes[child]
            for child in node.children
            if self.nodes[child].start is not None and self.nodes[child].task.active
        ]
        if not children:
            children = [self.nodes[c] for c in node.children if self.nodes[c].start is not None]
        if not children:
            return
        node.start = min(child.start for child in children if child.start is not None)
        node.finish = max(child.finish for child in children if child.finish is not None)

    # -- backward pass for ALAP tasks -------------------------------------------------------

    def successors(self) -> dict[int, list[tuple[int, Link]]]:
        result: dict[int, list[tuple[int, Link]]] = {uid: [] for uid in self.nodes}
        for uid, node in self.nodes.items():
            for link in node.task.predecessors:
                if link.predecessor_uid in result and not link.cross_project:
                    result[link.predecessor_uid].append((uid, link))
        return result

    def schedule_late(self, order: list[int], project_finish: datetime, all_tasks: bool) -> None:
        """Move ALAP tasks (every task when scheduling from the finish) as late as allowed.

        A task may move up to what its successors' scheduled dates and the project finish
        allow: MS Project's ALAP uses free float, it does not delay successors.
        """
        successors = self.successors()
        for uid in reversed(order):
            node = self.nodes[uid]
            task = node.task
            if node.is_summary or task.manual or task.actual_start is not None:
                continue
            wants_late = task.constraint_type is ConstraintType.AS_LATE_AS_POSSIBLE or (
                all_tasks and task.constraint_type is ConstraintType.AS_SOON_AS_POSSIBLE
            )
            if not wants_late or node.start is None or node.finish is None:
                continue
            elapsed = is_elapsed_format(task.duration_format)
            clock = self.continuous if elapsed else self.task_clock(node)
            duration = self.duration_of(task)
            latest_finish = project_finish
            owners = [uid, *self.descendants(uid)]
            for owner in owners:
                for successor_uid, link in successors.get(owner, []):
                    successor = self.nodes[successor_uid]
                    if successor.start is None or successor.finish is None:
                        continue
                    bound = self._late_bound(node, successor, link, clock, duration)
                    latest_finish = min(latest_finish, bound)
            latest_start = clock.add(latest_finish, -duration) if duration else latest_finish
            if latest_start > node.start:
                node.start = clock.next_start(latest_start) if duration else latest_start
                node.finish = clock.add(node.start, duration) if duration else node.start
                node.notes.append("as late as possible: moved to its late dates")

    def _late_bound(
        self, node: _Node, successor: _Node, link: Link, clock: WorkingClock, duration: int
    ) -> datetime:
        assert successor.start is not None and successor.finish is not None
        unit = format_unit(link.lag_format)
        lag_seconds = round(duration * link.lag / 100) if unit is TimeUnit.PERCENT else link.lag * 6
        lag_clock = self.continuous if is_elapsed_format(link.lag_format) else clock
        if link.link_type is LinkType.FINISH_START:
            return lag_clock.add(successor.start, -lag_seconds)
        if link.link_type is LinkType.FINISH_FINISH:
            return lag_clock.add(successor.finish, -lag_seconds)
        if link.link_type is LinkType.START_START:
            latest_start = lag_clock.add(successor.start, -lag_seconds)
        else:
            latest_start = lag_clock.add(successor.finish, -lag_seconds)
        return clock.add(latest_start, duration) if duration else latest_start

    # -- entry ------------------------------------------------------------------------------

    def run(self) -> RescheduleResult:
        project_start = self._project_start()
        order = self.topological_order()
        for uid in order:
            node = self.nodes[uid]
            if node.is_summary:
                self.rollup(uid)
            else:
                self.schedule_leaf(uid, project_start)
        finishes = [n.finish for n in self.nodes.values() if n.finish is not None]
        schedule_from_finish = not self.settings.schedule_from_start
        has_late = any(
            n.task.constraint_type is ConstraintType.AS_LATE_AS_POSSIBLE
            for n in self.nodes.values()
        )
        if finishes and (has_late or schedule_from_finish):
            project_finish = max(finishes)
            if schedule_from_finish and self.settings.finish_date is not None:
                project_finish = self.settings.finish_date
            self.schedule_late(order, project_finish, schedule_from_finish)
            for uid in order:
                if self.nodes[uid].is_summary:
                    self.rollup(uid)
        dates: dict[int, tuple[datetime, datetime]] = {}
        notes: dict[int, tuple[str, ...]] = {}
        for uid in self.order:
            node = self.nodes[uid]
            if node.start is not None and node.finish is not None:
                dates[uid] = (node.start, node.finish)
            if node.is_summary:
                node.notes.append("summary task: rolled up from its children")
            if node.notes:
                notes[uid] = tuple(node.notes)
        return RescheduleResult(dates=dates, notes=notes)

    def _project_start(self) -> datetime:
        start = self.settings.start_date
        if start is not None:
            return start
        candidates = [
            moment
            for node in self.nodes.values()
            for moment in (node.task.actual_start, node.task.constraint_date)
            if moment is not None
        ]
        if self.settings.current_date is not None:
            candidates.append(self.settings.current_date)
        if not candidates:
            raise InputError("the project has no StartDate", field="StartDate")
        return min(candidates)


def reschedule(project: MspdiProject) -> RescheduleResult:
    """Compute task dates with Steerco's MS Project-compatible scheduling pass.

    Parameters
    ----------
    project:
        An imported project; its saved task dates are ignored.

    Returns
    -------
    RescheduleResult
        ``dates`` ``{uid: (start, finish)}`` and per-task ``notes``.

    Raises
    ------
    CycleError
        When links and the outline form a cycle.
    InputError
        When a calendar has no working time at all.
    """
    return _Scheduler(project).run()


# --- the core CPM engine, for comparison -------------------------------------------------

_CORE_CONSTRAINTS = {
    ConstraintType.AS_SOON_AS_POSSIBLE: "ASAP",
    ConstraintType.AS_LATE_AS_POSSIBLE: "ALAP",
    ConstraintType.MUST_START_ON: "MSO",
    ConstraintType.MUST_FINISH_ON: "MFO",
    ConstraintType.START_NO_EARLIER_THAN: "SNET",
    ConstraintType.START_NO_LATER_THAN: "SNLT",
    ConstraintType.FINISH_NO_EARLIER_THAN: "FNET",
    ConstraintType.FINISH_NO_LATER_THAN: "FNLT",
}
_CORE_LINKS = {
    LinkType.FINISH_START: "FS",
    LinkType.START_START: "SS",
    LinkType.FINISH_FINISH: "FF",
    LinkType.START_FINISH: "SF",
}


def reschedule_with_core_cpm(project: MspdiProject) -> RescheduleResult:
    """Schedule the project with :func:`steerco.engine.scheduling.cpm.schedule`.

    The core engine works in whole minutes on working-time offsets and has no resource
    calendars, manual tasks or lags on the successor's calendar; this adapter maps what
    it can (a task's single resource calendar becomes its task calendar, a manual task
    becomes "must start on" its ManualStart) so that both engines can be compared on
    the same files. :func:`reschedule` is the MS Project-compatible pass.
    """
    from steerco.engine.scheduling import cpm

    scheduler = _Scheduler(project)
    if project.settings.start_date is None:
        raise InputError("the project has no StartDate", field="StartDate")
    if not scheduler.order:
        return RescheduleResult(dates={})
    by_uid = {uid: node for uid, node in scheduler.nodes.items()}
    tasks = []
    links = []
    for uid in scheduler.order:
        node = by_uid[uid]
        task = node.task
        calendar = None
        if not node.is_summary:
            clock = scheduler.task_clock(node)
            calendar = clock.calendar if isinstance(clock.calendar, core.Calendar) else None
        constraint = _CORE_CONSTRAINTS[task.constraint_type]
        constraint_date = task.constraint_date
        if task.manual and task.manual_start is not None:
            constraint, constraint_date = "MSO", task.manual_start
        actual_finish = task.actual_finish if task.actual_start is not None else None
        remaining = task.remaining_duration
        tasks.append(
            cpm.Task(
                id=str(uid),
                duration=round(scheduler.duration_of(task) / 60),
                name=task.name,
                parent=None if node.parent is None else str(node.parent),
                constraint=cpm.ConstraintType(constraint)
                if not node.is_summary or constraint in ("ASAP", "SNET", "FNLT")
                else cpm.ConstraintType.ASAP,
                constraint_date=constraint_date,
                deadline=task.deadline,
                calendar=None if calendar is scheduler.project_calendar else calendar,
                elapsed=is_elapsed_format(task.duration_format),
                actual_start=task.actual_start,
                actual_finish=actual_finish,
                percent_complete=float(task.percent_complete),
                remaining_duration=None if remaining is None else round(remaining / 60),
            )
        )
        for link in task.predecessors:
            if link.cross_project or link.predecessor_uid not in by_uid:
                continue
            percent = format_unit(link.lag_format) is TimeUnit.PERCENT
            links.append(
                cpm.Link(
                    predecessor=str(link.predecessor_uid),
                    successor=str(uid),
                    type=cpm.LinkType(_CORE_LINKS[link.link_type]),
                    lag=link.lag if percent else round(link.lag / 10),
                    lag_is_percent=percent,
                    lag_elapsed=is_elapsed_format(link.lag_format),
                )
            )
    network = cpm.Network(
        tasks=tuple(tasks),
        links=tuple(links),
        calendar=scheduler.project_calendar,
        project_start=project.settings.start_date,
        status_date=project.settings.status_date,
    )
    result = cpm.schedule(network)
    dates: dict[int, tuple[datetime, datetime]] = {}
    for record in result:
        if record.start_date is not None and record.finish_date is not None:
            dates[int(record.id)] = (record.start_date, record.finish_date)
    return RescheduleResult(dates=dates, notes={})
