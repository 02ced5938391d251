"""Feeding the scheduling engine from the database, and writing its answers back.

A project's whole schedule is loaded once into a :class:`ScheduleGraph` (a fixed handful of
queries whatever its size), turned into the engine's frozen dataclasses (``cpm.Network``, a
leveling problem, a Monte Carlo model, earned value inputs), and the engine's results are turned
back into aware datetimes for the ``Task`` rows.

Time: the database holds aware UTC datetimes; the engine works on naive wall-clock datetimes of
the project calendar (its ``timezone``). :class:`EngineCalendars` converts both ways.

Engine task ids are the task ``uid`` as text, so that the engine's messages ("task 12") read the
way a project manager numbers tasks.

Leveling works on whole working days of the project calendar (period 0 is the first working day
of the project); a task lasts ``ceil(duration / hours per day)`` periods. The Monte Carlo model
works on working days as decimals.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, CharField, F, Q, When
from django.db.models.functions import Cast

from steerco.engine import evm
from steerco.engine.errors import InputError
from steerco.engine.scheduling import calendars as core
from steerco.engine.scheduling import cpm
from steerco.engine.scheduling import leveling as lv
from steerco.engine.scheduling import montecarlo as mc
from steerco.projects.models import (
    Baseline,
    BaselineTask,
    Calendar,
    Project,
    Task,
    TaskLink,
)
from steerco.resources.models import Absence, Assignment, Person

DEFAULT_MINUTES_PER_DAY = 480
# Beyond this many periods a leveling horizon is refused: years of daily capacity arrays would
# cost more than the answer is worth on an interactive page.
MAX_LEVELING_PERIODS = 20_000


# -- the loaded graph ------------------------------------------------------------------------


@dataclass(slots=True)
class ScheduleGraph:
    """A project's schedule as loaded from the database, ready to compute on without queries."""

    project: Project
    tasks: list[Task]
    links: list[TaskLink]
    calendars: dict[int, Calendar]
    default_calendar_id: int | None
    assignments: list[Assignment] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    baseline: Baseline | None = None
    baseline_rows: dict[int, BaselineTask] = field(default_factory=dict)

    @property
    def project_calendar(self) -> Calendar | None:
        """The project's calendar, or the organisation's default one."""
        calendar_id = self.project.calendar_id or self.default_calendar_id
        return None if calendar_id is None else self.calendars.get(calendar_id)

    def uid_of(self) -> dict[int, int]:
        """Task uid by primary key."""
        return {task.pk: task.uid for task in self.tasks}

    def by_uid(self) -> dict[int, Task]:
        return {task.uid: task for task in self.tasks}


# The order of a project's tasks for every reader: the loaded graph, the rows a reschedule
# compares, the schedule page's outline, the Gantt chart and earned value. Positions in one
# must be positions in the others.
TASK_ORDER = ("sort_order", "uid", "pk")


def schedule_graph_load(
    project: Project, *, with_resources: bool = False, with_baseline: bool = False
) -> ScheduleGraph:
    """Load a project's tasks, links and calendars (and assignments, and its baseline).

    The number of queries does not depend on the number of tasks: tasks, links, calendars and
    their exceptions, then optionally assignments (with person and role), the baselines and the
    rows of the one compared against (number 0, else the lowest number).
    """
    tasks = list(Task.objects.filter(project=project).order_by(*TASK_ORDER))
    links = list(TaskLink.objects.filter(project=project).order_by("pk"))
    calendars, default_calendar_id = schedule_calendars_load(
        project, {task.calendar_id for task in tasks if task.calendar_id is not None}
    )
    graph = ScheduleGraph(
        project=project,
        tasks=tasks,
        links=links,
        calendars=calendars,
        default_calendar_id=default_calendar_id,
    )
    if with_resources:
        graph.assignments = list(
            Assignment.objects.filter(task__project=project)
            .select_related("person", "role")
            .order_by("task_id", "pk")
        )
    if with_baseline:
        graph.baselines = list(Baseline.objects.filter(project=project).order_by("number"))
        graph.baseline = graph.baselines[0] if graph.baselines else None
        if graph.baseline is not None:
            graph.baseline_rows = {
                row.task_uid: row for row in BaselineTask.objects.filter(baseline=graph.baseline)
            }
    return graph


def schedule_calendars_load(
    project: Project, task_calendar_ids: Iterable[int]
) -> tuple[dict[int, Calendar], int | None]:
    """The calendars a schedule uses (with their exceptions and base calendars), and the
    organisation's default calendar id when the project has no calendar of its own."""
    wanted = set(task_calendar_ids)
    if project.calendar_id is not None:
        wanted.add(project.calendar_id)
    condition = Q(pk__in=wanted)
    if project.calendar_id is None:
        condition |= Q(organisation_id=project.organisation_id, is_default=True)
    calendars = {
        calendar.pk: calendar
        for calendar in Calendar.objects.filter(condition).prefetch_related("exceptions")
    }
    missing = _missing_bases(calendars)
    while missing:
        # Derived calendars are rare and shallow: one more query per level of derivation.
        for calendar in Calendar.objects.filter(pk__in=missing).prefetch_related("exceptions"):
            calendars[calendar.pk] = calendar
        missing = _missing_bases(calendars) - missing
    default_calendar_id = None
    if project.calendar_id is None:
        default_calendar_id = next(
            (
                calendar.pk
                for calendar in calendars.values()
                if calendar.is_default and calendar.organisation_id == project.organisation_id
            ),
            None,
        )
    return calendars, default_calendar_id


def _missing_bases(calendars: Mapping[int, Calendar]) -> set[int]:
    return {
        calendar.base_calendar_id
        for calendar in calendars.values()
        if calendar.base_calendar_id is not None and calendar.base_calendar_id not in calendars
    }


# -- calendars and time ----------------------------------------------------------------------


def day_hours(value: Any, where: str) -> core.DayHours:
    """``[["08:00", "12:00"], ...]`` as the engine's minutes after midnight."""
    if not value:
        return ()
    try:
        spans = [f"{start}-{end}" for start, end in value]
        return core.hours(*spans)
    except (TypeError, ValueError) as error:
        raise InputError(f"working hours {value!r} are not HH:MM pairs", field=where) from error
    except InputError as error:
        raise InputError(error.detail, field=where) from None


def engine_calendar(
    calendar: Calendar, calendars: Mapping[int, Calendar], cache: dict[int, core.Calendar]
) -> core.Calendar:
    """The engine's view of a database calendar (and of its base calendars)."""
    if calendar.pk in cache:
        return cache[calendar.pk]
    where = f"calendar {calendar.name}"
    base = None
    if calendar.base_calendar_id is not None and calendar.base_calendar_id in calendars:
        base = engine_calendar(calendars[calendar.base_calendar_id], calendars, cache)
    week: list[core.DayHours | None] = []
    raw_week = calendar.working_week or {}
    for weekday in range(7):
        raw = raw_week.get(str(weekday), raw_week.get(weekday))
        if raw is None:
            # A derived calendar takes an undefined weekday from its base.
            week.append(None if base is not None else ())
        else:
            week.append(day_hours(raw, where))
    exceptions = tuple(
        core.CalendarException(
            exception.start_date,
            exception.finish_date,
            day_hours(exception.intervals, where) if exception.working else (),
            exception.name,
        )
        for exception in calendar.exceptions.all()
    )
    try:
        result = core.Calendar(
            name=calendar.name,
            week=core.WorkWeek(tuple(week)),
            exceptions=exceptions,
            base=base,
            time_zone=calendar.timezone or None,
        )
    except InputError as error:
        raise InputError(error.detail, field=where) from None
    cache[calendar.pk] = result
    return result


def standard_calendar(time_zone: str | None = None) -> core.Calendar:
    """Monday to Friday 08:00-12:00 and 13:00-17:00, for projects without a calendar."""
    return core.Calendar(
        name="Standard", week=core.WorkWeek.standard(), time_zone=time_zone or settings.TIME_ZONE
    )


class EngineCalendars:
    """The project calendar and task calendars as engine calendars, and time conversions."""

    def __init__(self, graph: ScheduleGraph) -> None:
        self._cache: dict[int, core.Calendar] = {}
        self._calendars = graph.calendars
        database_calendar = graph.project_calendar
        self.project_calendar_id = None if database_calendar is None else database_calendar.pk
        if database_calendar is None:
            self.project = standard_calendar()
            self.minutes_per_day = DEFAULT_MINUTES_PER_DAY
        else:
            self.project = engine_calendar(database_calendar, graph.calendars, self._cache)
            self.minutes_per_day = max(1, int(database_calendar.hours_per_day * 60))

    @classmethod
    def from_engine(
        cls,
        project: core.Calendar,
        task_calendars: Mapping[int, core.Calendar],
        minutes_per_day: int,
    ) -> EngineCalendars:
        """Calendars that are not rows yet (a file being imported), by their own ids."""
        self = object.__new__(cls)
        self._calendars = {}
        self._cache = dict(task_calendars)
        self.project_calendar_id = None
        self.project = project
        self.minutes_per_day = max(1, minutes_per_day)
        return self

    def of(self, calendar_id: int | None) -> core.Calendar | None:
        """A task calendar (``None`` when the task follows the project calendar)."""
        if calendar_id is None or calendar_id == self.project_calendar_id:
            return None
        if calendar_id in self._cache:
            return self._cache[calendar_id]
        calendar = self._calendars.get(calendar_id)
        if calendar is None:
            return None
        return engine_calendar(calendar, self._calendars, self._cache)

    def wall(self, moment: dt.datetime | None) -> dt.datetime | None:
        """An aware datetime as the project calendar's naive wall clock."""
        if moment is None:
            return None
        if moment.tzinfo is None:
            return moment
        return self.project.from_utc(moment)

    def aware(self, moment: dt.datetime | None) -> dt.datetime | None:
        """A wall-clock datetime of the project calendar as an aware UTC datetime."""
        return None if moment is None else self.project.to_utc(moment)

    def local_date(self, moment: dt.datetime | None) -> dt.date | None:
        wall = self.wall(moment)
        return None if wall is None else wall.date()

    def day_moment(self, day: dt.date, *, finish: bool) -> dt.datetime:
        """The first working moment of ``day`` (a start), or the last (a finish), as aware UTC.

        A non-working day gives the next working start, or the previous working finish.
        """
        midnight = dt.datetime.combine(day, dt.time())
        if finish:
            wall = self.project.previous_working_moment(midnight + dt.timedelta(days=1))
        else:
            wall = self.project.next_working_moment(midnight)
        return self.project.to_utc(wall)

    def today(self) -> dt.date:
        return self.project.from_utc(dt.datetime.now(dt.UTC)).date()


# -- tasks and links as the engine needs them ------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskInput:
    """One task as the engine adapter reads it (from a row, or from a file being imported)."""

    uid: int
    name: str
    parent_uid: int | None = None
    duration_minutes: int = 0
    is_milestone: bool = False
    is_manual: bool = False
    is_elapsed: bool = False
    constraint_type: str = "ASAP"
    constraint_date: dt.datetime | None = None
    deadline: dt.datetime | None = None
    calendar_id: int | None = None
    pinned_start: dt.datetime | None = None
    actual_start: dt.datetime | None = None
    actual_finish: dt.datetime | None = None
    percent_complete: float = 0.0
    remaining_minutes: int | None = None
    priority: int = 500

    @property
    def label(self) -> str:
        return f"{self.uid} {self.name}".strip()

    @property
    def finished(self) -> bool:
        return self.actual_start is not None and (
            self.actual_finish is not None or self.percent_complete >= 100
        )

    @property
    def started(self) -> bool:
        return self.actual_start is not None


@dataclass(frozen=True, slots=True)
class LinkInput:
    """One dependency: ``lag_percent`` (when set) wins over ``lag_minutes``."""

    predecessor_uid: int
    successor_uid: int
    type: str = "FS"
    lag_minutes: int = 0
    lag_percent: float | None = None
    lag_elapsed: bool = False


def task_inputs(graph: ScheduleGraph) -> list[TaskInput]:
    uid_of = graph.uid_of()
    return [
        TaskInput(
            uid=task.uid,
            name=task.name,
            parent_uid=uid_of.get(task.parent_id) if task.parent_id is not None else None,
            duration_minutes=task.duration_minutes,
            is_milestone=task.is_milestone,
            is_manual=task.is_manual,
            is_elapsed=task.is_elapsed,
            constraint_type=task.constraint_type,
            constraint_date=task.constraint_date,
            deadline=task.deadline,
            calendar_id=task.calendar_id,
            pinned_start=task.planned_start if task.is_manual else None,
            actual_start=task.actual_start,
            actual_finish=task.actual_finish,
            percent_complete=float(task.percent_complete),
            remaining_minutes=task.remaining_minutes,
            priority=task.priority,
        )
        for task in graph.tasks
    ]


def link_inputs(graph: ScheduleGraph) -> list[LinkInput]:
    uid_of = graph.uid_of()
    return [
        LinkInput(
            predecessor_uid=uid_of[link.predecessor_id],
            successor_uid=uid_of[link.successor_id],
            type=link.type,
            lag_minutes=link.lag_minutes,
            lag_percent=None if link.lag_percent is None else float(link.lag_percent),
            lag_elapsed=link.lag_elapsed,
        )
        for link in graph.links
        if link.predecessor_id in uid_of and link.successor_id in uid_of
    ]


def start_of_day(day: dt.date, calendars: EngineCalendars) -> dt.datetime:
    """A project starting on ``day`` starts at the calendar's first working time of a day
    (08:00 on the standard calendar): where elapsed-time tasks start, as in Microsoft Project."""
    first = calendars.project.next_working_moment(dt.datetime.combine(day, dt.time()))
    return dt.datetime.combine(day, first.time())


def project_start_wall(
    project: Project, tasks: Sequence[TaskInput], calendars: EngineCalendars
) -> dt.datetime:
    """The project start as the calendar's wall clock: the start date, else the earliest date
    a task is pinned to, else today."""
    if project.start_date is not None:
        return start_of_day(project.start_date, calendars)
    moments = [
        calendars.wall(moment)
        for task in tasks
        for moment in (task.pinned_start, task.actual_start, task.constraint_date)
        if moment is not None
    ]
    known = [moment for moment in moments if moment is not None]
    return start_of_day(min(known).date() if known else calendars.today(), calendars)


@dataclass(frozen=True, slots=True)
class NetworkBuild:
    network: cpm.Network
    notes: tuple[str, ...]


def summary_uids(tasks: Iterable[TaskInput]) -> set[int]:
    return {task.parent_uid for task in tasks if task.parent_uid is not None}


def build_network(
    tasks: Sequence[TaskInput],
    links: Sequence[LinkInput],
    calendars: EngineCalendars,
    *,
    project_start: dt.datetime,
    status_date: dt.datetime | None,
) -> NetworkBuild:
    """The CPM network of a schedule in calendar mode.

    A manually scheduled task is pinned where the user put it ("must start on" its start), as
    Microsoft Project keeps a manual task's dates. Constraints a summary task cannot take are
    dropped with a note rather than refused, so that one odd row does not stop the schedule.
    """
    notes: list[str] = []
    summaries = summary_uids(tasks)
    engine_tasks = []
    for task in tasks:
        summary = task.uid in summaries
        constraint = task.constraint_type
        constraint_date = task.constraint_date
        if task.is_manual and task.pinned_start is not None and not task.started and not summary:
            constraint, constraint_date = "MSO", task.pinned_start
        if summary and constraint not in ("ASAP", "SNET", "FNLT"):
            notes.append(
                f"Task {task.label}: a summary task takes its dates from its sub-tasks; its "
                f"{constraint} constraint is ignored."
            )
            constraint, constraint_date = "ASAP", None
        if constraint in ("ASAP", "ALAP"):
            constraint_date = None
        actual_start = calendars.wall(task.actual_start)
        engine_tasks.append(
            cpm.Task(
                id=str(task.uid),
                duration=0 if summary else int(task.duration_minutes),
                name=task.name,
                parent=None if task.parent_uid is None else str(task.parent_uid),
                constraint=cpm.ConstraintType(constraint),
                constraint_date=calendars.wall(constraint_date),
                deadline=calendars.wall(task.deadline),
                milestone=task.is_milestone,
                calendar=calendars.of(task.calendar_id),
                elapsed=task.is_elapsed,
                actual_start=actual_start,
                actual_finish=calendars.wall(task.actual_finish) if actual_start else None,
                percent_complete=min(100.0, max(0.0, task.percent_complete)),
                remaining_duration=task.remaining_minutes,
            )
        )
    known = {task.uid for task in tasks}
    engine_links = [
        cpm.Link(
            predecessor=str(link.predecessor_uid),
            successor=str(link.successor_uid),
            type=cpm.LinkType(link.type),
            lag=link.lag_percent if link.lag_percent is not None else int(link.lag_minutes),
            lag_is_percent=link.lag_percent is not None,
            lag_elapsed=link.lag_elapsed,
        )
        for link in links
        if link.predecessor_uid in known and link.successor_uid in known
    ]
    network = cpm.Network(
        tasks=tuple(engine_tasks),
        links=tuple(engine_links),
        calendar=calendars.project,
        project_start=project_start,
        status_date=calendars.wall(status_date),
    )
    return NetworkBuild(network, tuple(notes))


# -- results back ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComputedTask:
    """What the engine computed for one task, as aware datetimes."""

    uid: int
    start: dt.datetime
    finish: dt.datetime
    early_start: dt.datetime
    early_finish: dt.datetime
    late_start: dt.datetime
    late_finish: dt.datetime
    total_float_minutes: int
    free_float_minutes: int
    critical: bool
    is_summary: bool
    is_milestone: bool


@dataclass(frozen=True, slots=True)
class Conflict:
    """A constraint the schedule could not honour, or a missed deadline, for one task."""

    uid: int
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Computation:
    """A computed schedule: per task dates, conflicts, the project finish."""

    tasks: dict[int, ComputedTask]
    conflicts: tuple[Conflict, ...]
    project_start: dt.datetime
    project_finish: dt.datetime | None
    notes: tuple[str, ...]
    result: cpm.ScheduleResult | None


def compute(
    tasks: Sequence[TaskInput],
    links: Sequence[LinkInput],
    calendars: EngineCalendars,
    *,
    project_start: dt.datetime,
    status_date: dt.datetime | None,
) -> Computation:
    """Run the CPM engine. Raises ``CycleError`` / ``InputError`` as the engine does."""
    if not tasks:
        # Nothing to schedule (the engine's calendar tables need at least one task).
        return Computation(
            tasks={},
            conflicts=(),
            project_start=calendars.project.to_utc(project_start),
            project_finish=None,
            notes=(),
            result=None,
        )
    build = build_network(
        tasks, links, calendars, project_start=project_start, status_date=status_date
    )
    result = cpm.schedule(build.network)
    computed: dict[int, ComputedTask] = {}
    aware = calendars.project.to_utc
    for record in result:
        assert record.start_date is not None and record.finish_date is not None
        assert record.early_start_date is not None and record.early_finish_date is not None
        assert record.late_start_date is not None and record.late_finish_date is not None
        computed[int(record.id)] = ComputedTask(
            uid=int(record.id),
            start=aware(record.start_date),
            finish=aware(record.finish_date),
            early_start=aware(record.early_start_date),
            early_finish=aware(record.early_finish_date),
            late_start=aware(record.late_start_date),
            late_finish=aware(record.late_finish_date),
            total_float_minutes=record.total_float,
            free_float_minutes=record.free_float,
            critical=record.critical,
            is_summary=record.is_summary,
            is_milestone=record.is_milestone,
        )
    _summaries_critical_by_children(tasks, computed)
    conflicts = tuple(
        Conflict(int(conflict.task_id), conflict.kind, conflict.message)
        for conflict in result.conflicts
    )
    finish = None if result.project_finish_date is None else aware(result.project_finish_date)
    return Computation(
        tasks=computed,
        conflicts=conflicts,
        project_start=aware(project_start),
        project_finish=finish if computed else None,
        notes=build.notes,
        result=result,
    )


def _summaries_critical_by_children(
    tasks: Sequence[TaskInput], computed: dict[int, ComputedTask]
) -> None:
    """A summary task is on the critical path when one of its sub-tasks is, as in Microsoft
    Project (the engine also flags a summary whose finished work left it without float)."""
    leaves = _leaves(tasks)
    for task in tasks:
        summary = computed.get(task.uid)
        if summary is None or not summary.is_summary:
            continue
        critical = any(
            computed[leaf].critical for leaf in leaves.get(task.uid, ()) if leaf in computed
        )
        if critical != summary.critical:
            computed[task.uid] = dataclasses.replace(summary, critical=critical)


def compute_graph(graph: ScheduleGraph, calendars: EngineCalendars | None = None) -> Computation:
    """Schedule a loaded project with its calendar, start and status date."""
    calendars = calendars or EngineCalendars(graph)
    tasks = task_inputs(graph)
    return compute(
        tasks,
        link_inputs(graph),
        calendars,
        project_start=project_start_wall(graph.project, tasks, calendars),
        status_date=graph.project.schedule_status_date,
    )


SCHEDULED_FIELDS = (
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float_minutes",
    "free_float_minutes",
    "is_critical",
    "planned_start",
    "planned_finish",
    "is_summary",
)


def apply_computation(tasks: Iterable[Task], computation: Computation) -> list[Task]:
    """Copy computed dates onto the rows; return the rows that changed (for ``bulk_update``)."""
    changed = []
    for task in tasks:
        computed = computation.tasks.get(task.uid)
        if computed is None:
            continue
        values = {
            "early_start": computed.early_start,
            "early_finish": computed.early_finish,
            "late_start": computed.late_start,
            "late_finish": computed.late_finish,
            "total_float_minutes": computed.total_float_minutes,
            "free_float_minutes": computed.free_float_minutes,
            "is_critical": computed.critical,
            "planned_start": computed.start,
            "planned_finish": computed.finish,
            "is_summary": computed.is_summary,
        }
        if any(getattr(task, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(task, name, value)
            changed.append(task)
    return changed


# -- results back as arrays (the reschedule path) -----------------------------------------

# Database field of each time array of the engine's result.
TIME_COLUMNS = (
    ("planned_start", "start"),
    ("planned_finish", "finish"),
    ("early_start", "early_start"),
    ("early_finish", "early_finish"),
    ("late_start", "late_start"),
    ("late_finish", "late_finish"),
)
# Stands for "no value" (or a value that is not a whole second) in the epoch-second arrays:
# it never equals a computed moment, so such a row is always written.
UNKNOWN_SECOND = np.iinfo(np.int64).min


SECONDS_PER_DAY = 86_400
# UTC offset in seconds at wall-clock midnight, by (time zone, day number since the epoch):
# fixed facts of the time-zone database, so shared by every project and kept for the process.
_midnight_offsets: dict[tuple[str, int], int] = {}


def _offsets_at_midnight(calendar: core.Calendar, days: np.ndarray) -> np.ndarray:
    zone = calendar.time_zone or ""
    offsets = np.empty(days.shape[0], np.int64)
    for index, day in enumerate(days.tolist()):
        offset = _midnight_offsets.get((zone, day))
        if offset is None:
            wall = dt.datetime(1970, 1, 1) + dt.timedelta(days=day)
            offset = int(calendar.to_utc(wall).timestamp()) - day * SECONDS_PER_DAY
            _midnight_offsets[(zone, day)] = offset
        offsets[index] = offset
    return offsets


def utc_seconds(calendar: core.Calendar, walls: np.ndarray) -> np.ndarray:
    """Naive wall-clock ``datetime64`` values of ``calendar`` as UTC seconds since the epoch.

    The same values as ``Calendar.to_utc`` one by one, in a vectorised step: a day whose UTC
    offset is the same at its midnight and at the next one keeps that offset all day (time
    zones change offset at most once a day); only the moments of the few days with a change
    (two a year) are converted one by one.
    """
    seconds = walls.astype("datetime64[s]").astype(np.int64)
    if calendar.time_zone is None or seconds.size == 0:
        return seconds
    days = seconds // SECONDS_PER_DAY
    distinct, inverse = np.unique(days, return_inverse=True)
    inverse = inverse.reshape(seconds.shape)
    at_start = _offsets_at_midnight(calendar, distinct)
    at_end = _offsets_at_midnight(calendar, distinct + 1)
    result: np.ndarray = seconds + at_start[inverse]
    flat_seconds = seconds.reshape(-1)
    flat_result = result.reshape(-1)
    for index in np.flatnonzero((at_start != at_end)[inverse].reshape(-1)).tolist():
        wall = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(flat_seconds[index]))
        flat_result[index] = int(calendar.to_utc(wall).timestamp())
    return result


def aware_datetimes(seconds: np.ndarray) -> list[dt.datetime]:
    """UTC epoch seconds as aware datetimes."""
    naive: list[dt.datetime] = seconds.astype("datetime64[s]").astype("datetime64[us]").tolist()
    return [moment.replace(tzinfo=dt.UTC) for moment in naive]


@dataclass(slots=True)
class ScheduleArrays:
    """The scheduler's fields of every task, in task order, as arrays.

    ``seconds`` holds the six dates by database field (UTC seconds since the epoch); the rest
    are the floats in minutes and the critical and summary flags. The same shape serves the
    computed schedule and the values stored on the rows, so that the rows to write are those
    where the two differ.
    """

    seconds: dict[str, np.ndarray]
    total_float: np.ndarray
    free_float: np.ndarray
    critical: np.ndarray
    is_summary: np.ndarray

    def differs(self, other: ScheduleArrays) -> np.ndarray:
        """Positions where any field differs."""
        mask = (
            (self.total_float != other.total_float)
            | (self.free_float != other.free_float)
            | (self.critical != other.critical)
            | (self.is_summary != other.is_summary)
        )
        for name, values in self.seconds.items():
            mask |= values != other.seconds[name]
        found: np.ndarray = np.flatnonzero(mask)
        return found


def summary_leaf_positions(tasks: Sequence[TaskInput]) -> list[tuple[int, np.ndarray]]:
    """For each summary task, its position and the positions of the leaf tasks under it."""
    position = {task.uid: index for index, task in enumerate(tasks)}
    summaries = summary_uids(tasks)
    return [
        (position[uid], np.asarray([position[leaf] for leaf in leaves], np.int64))
        for uid, leaves in _leaves(tasks).items()
        if uid in summaries and uid in position
    ]


def schedule_arrays(
    result: cpm.ScheduleResult,
    calendars: EngineCalendars,
    summary_leaves: Sequence[tuple[int, np.ndarray]],
) -> ScheduleArrays:
    """The engine's result as the rows' fields, without one ``datetime`` per task and date.

    A summary task is critical when one of its sub-tasks is (see
    :func:`_summaries_critical_by_children`).
    """
    critical = np.asarray(result.critical, bool).copy()
    for summary, leaves in summary_leaves:
        if result.is_summary[summary]:
            critical[summary] = bool(critical[leaves].any()) if leaves.size else False
    # One conversion for the six arrays: they share most of their days.
    seconds = utc_seconds(
        calendars.project, np.stack([result.date_array(name) for _, name in TIME_COLUMNS])
    )
    return ScheduleArrays(
        seconds={column: seconds[row] for row, (column, _) in enumerate(TIME_COLUMNS)},
        total_float=np.asarray(result.total_float, np.int64),
        free_float=np.asarray(result.free_float, np.int64),
        critical=critical,
        is_summary=np.asarray(result.is_summary, bool),
    )


@dataclass(slots=True)
class ScheduleRows:
    """What a reschedule reads: the engine's inputs and the scheduler's fields as stored.

    Read as plain values rather than model instances (a reschedule of 10,000 tasks spends most
    of its time making rows into objects otherwise); the same task order and the same inputs
    as :func:`schedule_graph_load` with :func:`task_inputs` and :func:`link_inputs`.
    """

    graph: ScheduleGraph  # the project and its calendars; no task or link rows
    task_pks: np.ndarray
    tasks: list[TaskInput]
    links: list[LinkInput]
    stored: ScheduleArrays


_INPUT_COLUMNS = (
    "pk",
    "uid",
    "parent_id",
    "name",
    "duration_minutes",
    "is_milestone",
    "is_manual",
    "is_elapsed",
    "constraint_type",
    "constraint_date",
    "deadline",
    "calendar_id",
    "pinned_start",
    "actual_start",
    "actual_finish",
    "percent_complete",
    "remaining_minutes",
    "priority",
)
_STORED_COLUMNS = ("total_float_minutes", "free_float_minutes", "is_critical", "is_summary")


def _stored_time_column(column: str) -> str:
    return f"stored_{column}"


def column_as_held(column: str) -> Any:
    """A column to read as the database holds it: on SQLite the text of its value, which the
    caller parses for every row in one step (Django's conversion of each value, to a
    ``datetime`` or a ``Decimal``, can cost more than the computation the rows are read for);
    elsewhere the column itself."""
    if connection.vendor == "sqlite":
        return Cast(column, output_field=CharField())
    return F(column)


def schedule_rows_load(project: Project) -> ScheduleRows:
    """Load what a reschedule needs in a fixed handful of queries (tasks, links, calendars).

    On SQLite the stored dates are read as the text the database holds and parsed in one
    vectorised step: Django's per-value datetime conversion would cost more than the
    schedule itself.
    """
    sqlite = connection.vendor == "sqlite"
    time_annotations: dict[str, Any] = {
        _stored_time_column(column): column_as_held(column) for column, _ in TIME_COLUMNS
    }
    rows = list(
        Task.objects.filter(project=project)
        .order_by(*TASK_ORDER)
        .annotate(
            pinned_start=Case(When(is_manual=True, then=F("planned_start")), default=None),
            **time_annotations,
        )
        .values_list(*_INPUT_COLUMNS, *_STORED_COLUMNS, *time_annotations)
    )
    uid_of = {row[0]: row[1] for row in rows}
    tasks = [
        TaskInput(
            uid=uid,
            name=name,
            parent_uid=uid_of.get(parent_id) if parent_id is not None else None,
            duration_minutes=duration,
            is_milestone=is_milestone,
            is_manual=is_manual,
            is_elapsed=is_elapsed,
            constraint_type=constraint_type,
            constraint_date=constraint_date,
            deadline=deadline,
            calendar_id=calendar_id,
            pinned_start=pinned_start if is_manual else None,
            actual_start=actual_start,
            actual_finish=actual_finish,
            percent_complete=float(percent),
            remaining_minutes=remaining,
            priority=priority,
        )
        for (
            _,
            uid,
            parent_id,
            name,
            duration,
            is_milestone,
            is_manual,
            is_elapsed,
            constraint_type,
            constraint_date,
            deadline,
            calendar_id,
            pinned_start,
            actual_start,
            actual_finish,
            percent,
            remaining,
            priority,
        ) in (row[: len(_INPUT_COLUMNS)] for row in rows)
    ]
    links = [
        LinkInput(
            predecessor_uid=uid_of[predecessor],
            successor_uid=uid_of[successor],
            type=kind,
            lag_minutes=lag_minutes,
            lag_percent=None if lag_percent is None else float(lag_percent),
            lag_elapsed=lag_elapsed,
        )
        for predecessor, successor, kind, lag_minutes, lag_percent, lag_elapsed in (
            TaskLink.objects.filter(project=project)
            .order_by("pk")
            .values_list(
                "predecessor_id",
                "successor_id",
                "type",
                "lag_minutes",
                "lag_percent",
                "lag_elapsed",
            )
        )
        if predecessor in uid_of and successor in uid_of
    ]
    calendars, default_calendar_id = schedule_calendars_load(
        project, {task.calendar_id for task in tasks if task.calendar_id is not None}
    )
    count = len(rows)
    first_stored = len(_INPUT_COLUMNS)
    first_time = first_stored + len(_STORED_COLUMNS)

    def numbers(offset: int) -> np.ndarray:
        return np.fromiter(
            (UNKNOWN_SECOND if row[offset] is None else row[offset] for row in rows),
            np.int64,
            count,
        )

    seconds = {}
    for index, (column, _) in enumerate(TIME_COLUMNS):
        values = [row[first_time + index] for row in rows]
        seconds[column] = (
            _text_seconds(values)
            if sqlite
            else np.fromiter((epoch_second(value) for value in values), np.int64, count)
        )
    stored = ScheduleArrays(
        seconds=seconds,
        total_float=numbers(first_stored),
        free_float=numbers(first_stored + 1),
        critical=np.fromiter((row[first_stored + 2] for row in rows), bool, count),
        is_summary=np.fromiter((row[first_stored + 3] for row in rows), bool, count),
    )
    return ScheduleRows(
        graph=ScheduleGraph(
            project=project,
            tasks=[],
            links=[],
            calendars=calendars,
            default_calendar_id=default_calendar_id,
        ),
        task_pks=np.fromiter((row[0] for row in rows), np.int64, count),
        tasks=tasks,
        links=links,
        stored=stored,
    )


def _text_seconds(values: Sequence[str | None]) -> np.ndarray:
    """Datetimes as SQLite holds them (naive UTC text) as epoch seconds, in one step."""
    micro = np.array(["NaT" if value is None else value for value in values], "datetime64[us]")
    ticks = micro.astype(np.int64)
    whole = ~np.isnat(micro) & (ticks % 1_000_000 == 0)
    result: np.ndarray = np.where(whole, ticks // 1_000_000, UNKNOWN_SECOND)
    return result


def epoch_second(moment: dt.datetime | None) -> int:
    """An aware datetime as UTC seconds since the epoch (``UNKNOWN_SECOND`` for none)."""
    if moment is None or moment.microsecond:
        return int(UNKNOWN_SECOND)
    return int(moment.timestamp())


# -- resource leveling -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    """What leveling needs to know about the people and roles assigned."""

    people: dict[int, Person]
    person_calendars: dict[int, core.Calendar]
    absences: dict[int, list[Absence]]
    role_capacity: dict[int, Decimal]
    role_names: dict[int, str]


@dataclass(frozen=True, slots=True)
class LevelingInput:
    """A leveling problem and how to read its answer back."""

    problem: lv.LevelingProblem
    days: tuple[dt.date, ...]
    task_labels: dict[str, str]
    resource_labels: dict[str, str]
    movable: dict[str, str]
    notes: tuple[str, ...]

    def day_of(self, period: int) -> dt.date:
        return self.days[min(max(period, 0), len(self.days) - 1)]


def _leaves(tasks: Sequence[TaskInput]) -> dict[int, list[int]]:
    """For each task uid, the leaf tasks under it (itself for a leaf)."""
    children: dict[int, list[int]] = defaultdict(list)
    for task in tasks:
        if task.parent_uid is not None:
            children[task.parent_uid].append(task.uid)
    result: dict[int, list[int]] = {}

    def leaves(uid: int, depth: int = 0) -> list[int]:
        if uid in result:
            return result[uid]
        if uid not in children or depth > 100:
            found = [uid]
        else:
            found = [leaf for child in children[uid] for leaf in leaves(child, depth + 1)]
        result[uid] = found
        return found

    for task in tasks:
        leaves(task.uid)
    return result


def _working_days(calendar: core.Calendar, first: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = first
    idle = 0
    while len(days) < count:
        if calendar.is_working_day(day):
            days.append(day)
            idle = 0
        else:
            idle += 1
            if idle > 366 * 5:
                raise InputError("the project calendar has no working days", field="calendar")
        day += dt.timedelta(days=1)
    return days


def _period_count(minutes: int, minutes_per_day: int) -> int:
    return 0 if minutes <= 0 else max(1, math.ceil(minutes / minutes_per_day))


def leveling_input(
    graph: ScheduleGraph,
    computation: Computation,
    calendars: EngineCalendars,
    facts: ResourceFacts,
    *,
    mode: str,
) -> LevelingInput:
    """The leveling problem of a project: leaf tasks not finished, on working days.

    Demands are assignment units in percent (100 = one full-time person); a person's capacity
    is ``FTE x 100`` on the days their calendar works and they are not away; a role's is the
    sum of the FTE of its active people (at least one person's worth). Each task may start no
    earlier than its computed early start: leveling only ever delays.
    """
    tasks = task_inputs(graph)
    by_uid = {task.uid: task for task in tasks}
    summaries = summary_uids(tasks)
    minutes_per_day = calendars.minutes_per_day
    notes: list[str] = []
    included: dict[int, TaskInput] = {}
    for task in tasks:
        if task.uid in summaries or task.finished or task.uid not in computation.tasks:
            continue
        included[task.uid] = task
    first_day = calendars.local_date(computation.project_start) or calendars.today()
    total_periods = sum(
        _period_count(_remaining_minutes(task), minutes_per_day) for task in included.values()
    )
    latest = max(
        (computed.early_start for computed in computation.tasks.values()),
        default=computation.project_start,
    )
    first_wall = calendars.wall(computation.project_start)
    latest_wall = calendars.wall(latest)
    assert first_wall is not None and latest_wall is not None
    span = calendars.project.working_minutes_between(first_wall, latest_wall) // minutes_per_day
    horizon = span + total_periods + 30
    if horizon > MAX_LEVELING_PERIODS:
        raise InputError(
            f"the schedule spans {horizon} working days; leveling handles up to "
            f"{MAX_LEVELING_PERIODS}",
            field="tasks",
        )
    days = _working_days(calendars.project, first_day, horizon)

    def period_of(moment: dt.datetime) -> int:
        day = calendars.local_date(moment)
        assert day is not None
        return min(bisect.bisect_left(days, day), len(days) - 1)

    movable: dict[str, str] = {}
    durations: dict[int, int] = {}
    for task in included.values():
        durations[task.uid] = _period_count(_remaining_minutes(task), minutes_per_day)
        reason = ""
        if task.started:
            reason = "in progress: its start is a fact"
        elif task.is_manual:
            reason = "manually scheduled"
        elif task.constraint_type not in ("ASAP", "SNET"):
            reason = f"has a {task.constraint_type} constraint"
        movable[str(task.uid)] = reason

    # Resources and demands.
    demands: dict[int, dict[str, int]] = defaultdict(dict)
    resource_labels: dict[str, str] = {}
    uid_of = graph.uid_of()
    for assignment in graph.assignments:
        task_uid = uid_of.get(assignment.task_id, -1)
        if task_uid not in included or included[task_uid].is_milestone:
            continue
        if assignment.person_id is not None:
            key = f"person:{assignment.person_id}"
            resource_labels[key] = assignment.person.name if assignment.person else key
        elif assignment.role_id is not None:
            key = f"role:{assignment.role_id}"
            resource_labels[key] = facts.role_names.get(assignment.role_id, key)
        else:
            continue
        units = round(float(assignment.units))
        if units > 0:
            demands[task_uid][key] = demands[task_uid].get(key, 0) + units
    capacities: dict[str, list[int]] = {}
    for key in resource_labels:
        kind, raw_id = key.split(":")
        if kind == "person":
            capacities[key] = _person_capacity(int(raw_id), facts, days, calendars)
        else:
            total = facts.role_capacity.get(int(raw_id), Decimal(0))
            capacities[key] = [max(100, round(float(total) * 100))]
    for uid, wanted in demands.items():
        for key, units in list(wanted.items()):
            most = max(capacities[key])
            if most <= 0:
                notes.append(
                    f"Task {by_uid[uid].label}: {resource_labels[key]} has no working time in "
                    "the horizon; that assignment is left out of leveling."
                )
                del wanted[key]
            elif units > most:
                notes.append(
                    f"Task {by_uid[uid].label}: {resource_labels[key]} is assigned at {units}% "
                    f"but has {most}% at most; leveled as {most}%."
                )
                wanted[key] = most

    leveling_tasks = []
    for task in included.values():
        computed = computation.tasks[task.uid]
        fixed = bool(movable[str(task.uid)])
        leveling_tasks.append(
            lv.LevelingTask(
                id=str(task.uid),
                duration=durations[task.uid],
                demands=dict(demands.get(task.uid, {})),
                # Facts and pinned tasks go first so that the others flow around them.
                priority=task.priority + (10_000 if fixed else 0),
                earliest_start=period_of(computed.start),
            )
        )
    leaves = _leaves(tasks)
    seen: dict[tuple[str, str, str], int] = {}
    for link in link_inputs(graph):
        lag_days = link.lag_minutes / minutes_per_day
        for predecessor in leaves.get(link.predecessor_uid, []):
            if predecessor not in included:
                continue
            if link.lag_percent is not None:
                lag_days = link.lag_percent / 100 * durations[predecessor]
            for successor in leaves.get(link.successor_uid, []):
                if successor not in included or successor == predecessor:
                    continue
                key3 = (str(predecessor), str(successor), link.type)
                seen[key3] = max(seen.get(key3, 0), max(0, round(lag_days)))
    leveling_links = tuple(
        lv.LevelingLink(predecessor, successor, kind, lag)
        for (predecessor, successor, kind), lag in seen.items()
    )
    resources = tuple(
        lv.LevelingResource(key, capacity if len(capacity) > 1 else capacity[0])
        for key, capacity in capacities.items()
    )
    problem = lv.LevelingProblem(
        tasks=tuple(leveling_tasks), links=leveling_links, resources=resources, mode=mode
    )
    return LevelingInput(
        problem=problem,
        days=tuple(days),
        task_labels={str(uid): task.label for uid, task in by_uid.items()},
        resource_labels=resource_labels,
        movable=movable,
        notes=tuple(notes),
    )


def _remaining_minutes(task: TaskInput) -> int:
    if task.started and task.remaining_minutes is not None:
        return task.remaining_minutes
    if task.started:
        return round(task.duration_minutes * (100 - task.percent_complete) / 100)
    return task.duration_minutes


def _person_capacity(
    person_id: int, facts: ResourceFacts, days: Sequence[dt.date], calendars: EngineCalendars
) -> list[int]:
    person = facts.people.get(person_id)
    if person is None:
        return [100]
    calendar = facts.person_calendars.get(person_id, calendars.project)
    full = round(float(person.fte) * 100)
    away: dict[dt.date, Decimal | None] = {}
    for absence in facts.absences.get(person_id, []):
        day = absence.start_date
        while day <= absence.finish_date:
            away[day] = absence.hours_per_day
            day += dt.timedelta(days=1)
    hours_per_day = Decimal(calendars.minutes_per_day) / 60
    capacity = []
    for day in days:
        employed = (person.start_date is None or day >= person.start_date) and (
            person.end_date is None or day <= person.end_date
        )
        if not (person.is_active and employed and calendar.is_working_day(day)):
            capacity.append(0)
        elif day in away:
            hours = away[day]
            share = Decimal(0) if hours is None else max(Decimal(0), 1 - hours / hours_per_day)
            capacity.append(round(full * float(share)))
        else:
            capacity.append(full)
    return capacity


# -- Monte Carlo -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskInput:
    """A Monte Carlo model of a project in working days, and the way back to dates."""

    model: mc.ScheduleRiskModel
    origin: dt.datetime
    minutes_per_day: int
    task_labels: dict[str, str]
    notes: tuple[str, ...]


def three_point(
    most_likely: float, *, optimistic_percent: float, pessimistic_percent: float, distribution: str
) -> mc.Distribution:
    """A duration distribution from a most likely value and a spread in percent."""
    if most_likely <= 0:
        return mc.Fixed(0.0)
    low = most_likely * max(0.0, 1 - optimistic_percent / 100)
    high = most_likely * (1 + pessimistic_percent / 100)
    if high <= low:
        return mc.Fixed(most_likely)
    if distribution == "pert":
        return mc.Pert(low, most_likely, high)
    if distribution == "uniform":
        return mc.Uniform(low, high)
    return mc.Triangular(low, most_likely, high)


def risk_input(
    graph: ScheduleGraph,
    computation: Computation,
    calendars: EngineCalendars,
    *,
    optimistic_percent: float,
    pessimistic_percent: float,
    distribution: str,
) -> RiskInput:
    """Leaf tasks with three-point durations around their remaining work, in working days.

    Finished tasks are fixed at their actual finish; work in progress resumes where the
    schedule resumes it; tasks not started may not start before the status date or their
    start constraint.
    """
    tasks = task_inputs(graph)
    summaries = summary_uids(tasks)
    minutes_per_day = calendars.minutes_per_day
    origin = calendars.wall(computation.project_start)
    assert origin is not None
    axis = calendars.project.axis(origin)

    def days_at(moment: dt.datetime | None) -> float:
        wall = calendars.wall(moment)
        return 0.0 if wall is None else axis.to_offset(wall) / minutes_per_day

    status = (
        days_at(graph.project.schedule_status_date) if graph.project.schedule_status_date else 0
    )
    model_tasks = []
    fixed_ids: set[str] = set()
    for task in tasks:
        if task.uid in summaries or task.uid not in computation.tasks:
            continue
        computed = computation.tasks[task.uid]
        task_id = str(task.uid)
        if task.finished:
            model_tasks.append(
                mc.Task(
                    task_id,
                    mc.Fixed(0.0),
                    milestone=task.is_milestone,
                    earliest_start=days_at(computed.finish),
                )
            )
            fixed_ids.add(task_id)
            continue
        remaining_days = _remaining_minutes(task) / minutes_per_day
        if task.is_elapsed:
            # Elapsed time runs nights and weekends: a calendar day is about 5/7 of a working day.
            remaining_days = _remaining_minutes(task) / 1440 * 5 / 7
        distribution_of = three_point(
            remaining_days,
            optimistic_percent=optimistic_percent,
            pessimistic_percent=pessimistic_percent,
            distribution=distribution,
        )
        if task.started:
            earliest = max(0.0, days_at(computed.finish) - remaining_days)
        else:
            earliest = max(0.0, status)
            if task.constraint_type in ("SNET", "MSO") and task.constraint_date is not None:
                earliest = max(earliest, days_at(task.constraint_date))
            if task.constraint_type in ("FNET", "MFO") and task.constraint_date is not None:
                earliest = max(earliest, days_at(task.constraint_date) - remaining_days)
            if task.is_manual and task.pinned_start is not None:
                earliest = max(earliest, days_at(task.pinned_start))
        model_tasks.append(
            mc.Task(task_id, distribution_of, milestone=task.is_milestone, earliest_start=earliest)
        )
    included = {task.id for task in model_tasks}
    leaves = _leaves(tasks)
    durations = {task.uid: task.duration_minutes / minutes_per_day for task in tasks}
    model_links = []
    seen: set[tuple[str, str, str]] = set()
    for link in link_inputs(graph):
        for predecessor in leaves.get(link.predecessor_uid, []):
            lag = link.lag_minutes / minutes_per_day
            if link.lag_percent is not None:
                lag = link.lag_percent / 100 * durations.get(predecessor, 0.0)
            for successor in leaves.get(link.successor_uid, []):
                source, target = str(predecessor), str(successor)
                if source not in included or target not in included or source == target:
                    continue
                if target in fixed_ids or (source, target, link.type) in seen:
                    continue
                seen.add((source, target, link.type))
                model_links.append(mc.Link(source, target, mc.LinkType(link.type), lag))
    notes: list[str] = []
    if not model_tasks:
        raise InputError("the schedule has no task to simulate", field="tasks")
    model = mc.ScheduleRiskModel(tasks=tuple(model_tasks), links=tuple(model_links))
    return RiskInput(
        model=model,
        origin=origin,
        minutes_per_day=minutes_per_day,
        task_labels={str(task.uid): task.label for task in tasks},
        notes=tuple(notes),
    )


def risk_date(risk: RiskInput, calendars: EngineCalendars, days: float) -> dt.datetime:
    """A simulated finish (working days from the project start) as an aware datetime."""
    axis = calendars.project.axis(risk.origin)
    wall = axis.to_datetime(round(days * risk.minutes_per_day), finish=True)
    return calendars.project.to_utc(wall)


# -- earned value ----------------------------------------------------------------------------

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class EarnedValueBuild:
    result: evm.EarnedValueResult
    unit: str  # "money" or "hours"
    baseline_start: dt.datetime
    status: dt.datetime


@dataclass(frozen=True, slots=True)
class EarnedValueTasks:
    """The leaf tasks earned value measures (those with a dated row in the compared baseline),
    in task order, as arrays: moments in UTC microseconds since the epoch (exact, whatever the
    database), money and work as floats."""

    baseline_start: np.ndarray  # int64
    baseline_finish: np.ndarray  # int64
    baseline_cost: np.ndarray
    baseline_work_minutes: np.ndarray
    percent_complete: np.ndarray
    actual_cost: np.ndarray
    actual_work_minutes: np.ndarray


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def epoch_microseconds(moment: dt.datetime) -> int:
    """An aware datetime as UTC microseconds since the epoch."""
    return (moment - EPOCH) // MICROSECOND


def earned_value_input(graph: ScheduleGraph, status: dt.datetime) -> EarnedValueBuild | None:
    """Earned value of the project's leaf tasks against the compared baseline, by week.

    A task's baseline cost (or, when the baseline holds no cost at all, its work in hours) is
    planned evenly over its baseline dates; EV is that budget times % complete; AC is the
    task's actual cost (or actual work). See :func:`earned_value_of_tasks`.
    """
    if graph.baseline is None or not graph.baseline_rows:
        return None
    summaries = {task.parent_id for task in graph.tasks if task.parent_id is not None}
    rows: list[tuple[Task, BaselineTask]] = []
    starts: list[int] = []
    finishes: list[int] = []
    for task in graph.tasks:
        baseline_row = graph.baseline_rows.get(task.uid)
        if baseline_row is None or task.pk in summaries:
            continue
        if baseline_row.start is None or baseline_row.finish is None:
            continue
        rows.append((task, baseline_row))
        starts.append(epoch_microseconds(baseline_row.start))
        finishes.append(epoch_microseconds(baseline_row.finish))
    count = len(rows)
    tasks = EarnedValueTasks(
        baseline_start=np.array(starts, np.int64),
        baseline_finish=np.array(finishes, np.int64),
        baseline_cost=np.fromiter((float(row.cost) for _, row in rows), float, count),
        baseline_work_minutes=np.fromiter((row.work_minutes for _, row in rows), float, count),
        percent_complete=np.fromiter(
            (float(task.percent_complete) for task, _ in rows), float, count
        ),
        actual_cost=np.fromiter((float(task.actual_cost) for task, _ in rows), float, count),
        actual_work_minutes=np.fromiter(
            (task.actual_work_minutes for task, _ in rows), float, count
        ),
    )
    return earned_value_of_tasks(tasks, status)


def earned_value_of_tasks(tasks: EarnedValueTasks, status: dt.datetime) -> EarnedValueBuild | None:
    """Earned value of leaf tasks (see :func:`earned_value_input`), ``None`` without any.

    The project's planned value curve is the sum of the tasks' (summed with NumPy: a 300-task
    plan over two years is 30,000 cells). EV and AC are summed in task order with Python's
    ``sum``, as they always were, so that the figures do not move in their last digits.
    """
    if tasks.baseline_start.size == 0:
        return None
    in_money = bool((tasks.baseline_cost > 0).any())
    first = int(tasks.baseline_start.min())
    last = int(tasks.baseline_finish.max())
    week_microseconds = WEEK // MICROSECOND
    periods = max(1, math.ceil((last - first) / week_microseconds))
    week = WEEK.total_seconds()
    budgets = tasks.baseline_cost if in_money else tasks.baseline_work_minutes / 60
    # Differences of whole microseconds are exact in float64; dividing them by 1e6 rounds as
    # ``timedelta.total_seconds()`` does.
    begins = (tasks.baseline_start - first) / 1_000_000
    ends = (tasks.baseline_finish - first) / 1_000_000
    marks = week * np.arange(1, periods + 1, dtype=float)
    lengths = ends - begins
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(
            lengths[:, None] > 0,
            np.clip((marks[None, :] - begins[:, None]) / lengths[:, None], 0.0, 1.0),
            (marks[None, :] >= ends[:, None]).astype(float),
        )
    cumulative = (budgets[:, None] * shares).sum(axis=0)
    earned = sum((budgets * tasks.percent_complete / 100).tolist())
    actual = sum((tasks.actual_cost if in_money else tasks.actual_work_minutes / 60).tolist())
    start = EPOCH + dt.timedelta(microseconds=first)
    status_input = evm.EarnedValueInput(
        planned_value=evm.PlannedValueCurve.from_cumulative(cumulative.tolist()),
        earned_value=earned,
        actual_cost=actual,
        status_period=max(0.0, (status - start) / WEEK),
    )
    return EarnedValueBuild(
        result=evm.earned_value(status_input),
        unit="money" if in_money else "hours",
        baseline_start=start,
        status=status,
    )
