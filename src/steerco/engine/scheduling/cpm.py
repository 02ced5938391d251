"""Critical-path method (CPM): forward and backward pass, floats, constraints and progress.

Time model
----------
The engine schedules on **integer minutes** so that every result is exact.

*Offset mode* (``Network.calendar is None``): a time is a number of working minutes after the
project start (offset 0). Durations, lags, constraint times and actual dates are integers on that
axis. This is the fast path: one compiled sweep over CSR arrays in topological order.

*Calendar mode* (``Network.calendar`` and ``Network.project_start`` given): the inputs may also be
naive wall-clock ``datetime`` values (an ``int`` still means working minutes after the project
start on the project calendar). Internally a time is a number of *wall-clock* minutes after the
midnight of the project start day; every task is moved on its own calendar (its ``calendar``, or
the project calendar, or continuous time when ``elapsed``), through precomputed interval tables of
each calendar. Lags run on the project calendar (or the successor's calendar, with
``Network.lags_on_successor_calendar``), or in continuous time when ``lag_elapsed``.
Results are given both as offsets on the project calendar's working-minute axis (the arrays of
:class:`ScheduleResult`) and as exact datetimes (:class:`TaskSchedule` ``*_date`` fields).

Conventions (those of Microsoft Project):

* A task's duration is working time on its calendar; a task starts at a working moment (a start
  at the end of a day moves to the next working start) and finishes at the end of its last working
  minute (17:00, not 08:00 the next day). A milestone (zero duration) stays at the moment its
  predecessors give it when that is working time or the end of a working interval.
* Links: ``FS`` successor start >= predecessor finish + lag; ``SS`` start >= start + lag; ``FF``
  finish >= finish + lag; ``SF`` finish >= start + lag. Lags may be negative, a percentage of the
  predecessor's duration, or elapsed.
* Every task starts no earlier than the project start, and, when a status date is given, every
  unfinished piece of work is scheduled after it.
* Constraints: ``SNET``/``FNET`` push early dates, ``SNLT``/``FNLT`` and the deadline bound late
  dates (links win over them: the violation is reported and shows as negative float); ``MSO`` and
  ``MFO`` are hard: they fix the task even against its links ("tasks honor their constraint
  dates"), the conflict is reported and the predecessors get negative float. ``ALAP`` tasks are
  scheduled as late as their successors' scheduled dates and the project finish allow.
* Summary tasks (tasks that are the ``parent`` of others) take their dates from their children:
  start = earliest child start, finish = latest child finish. A link into a summary applies to
  every task under it; a link out of a summary starts from the summary's dates.
* Progress: a finished task keeps its actual dates; an in-progress task keeps its actual start
  and its remaining duration resumes no earlier than the status date and than its predecessors
  allow (retained logic).
* The late finish of every task is bounded by the project finish (or, with
  ``multiple_critical_paths``, a task without successors by its own early finish). Total float is
  ``late finish - early finish`` in working minutes of the task's calendar; critical tasks are the
  unfinished ones with total float <= 0.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from steerco.engine.errors import InputError
from steerco.engine.scheduling.calendars import STANDARD_CALENDAR, Calendar

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "TIME_FIELDS",
    "CompiledNetwork",
    "ConstraintType",
    "Link",
    "LinkType",
    "Network",
    "ScheduleConflict",
    "ScheduleInput",
    "ScheduleResult",
    "Task",
    "TaskSchedule",
    "TimePoint",
    "compile_network",
    "schedule",
]

TimePoint = datetime | int
"""A moment: a naive wall-clock datetime, or working minutes after the project start."""


class LinkType(enum.StrEnum):
    """Dependency types between a predecessor and a successor."""

    FS = "FS"
    """Finish-to-start: the successor starts after the predecessor finishes."""
    SS = "SS"
    """Start-to-start."""
    FF = "FF"
    """Finish-to-finish."""
    SF = "SF"
    """Start-to-finish: the successor finishes after the predecessor starts."""


class ConstraintType(enum.StrEnum):
    """Date constraints (Microsoft Project's names)."""

    ASAP = "ASAP"
    """As soon as possible (no constraint)."""
    ALAP = "ALAP"
    """As late as possible without delaying successors or the project finish."""
    SNET = "SNET"
    """Start no earlier than."""
    SNLT = "SNLT"
    """Start no later than."""
    FNET = "FNET"
    """Finish no earlier than."""
    FNLT = "FNLT"
    """Finish no later than."""
    MSO = "MSO"
    """Must start on (hard)."""
    MFO = "MFO"
    """Must finish on (hard)."""


_DATED_CONSTRAINTS = frozenset(
    {
        ConstraintType.SNET,
        ConstraintType.SNLT,
        ConstraintType.FNET,
        ConstraintType.FNLT,
        ConstraintType.MSO,
        ConstraintType.MFO,
    }
)
_SUMMARY_CONSTRAINTS = frozenset({ConstraintType.ASAP, ConstraintType.SNET, ConstraintType.FNLT})


def _check_time_point(value: object, field_name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, datetime | int | np.integer):
        raise InputError("expected a datetime or an integer number of minutes", field=field_name)
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise InputError(
            "expected a naive wall-clock datetime of the calendar (see Calendar.from_utc)",
            field=field_name,
        )


@dataclass(frozen=True, slots=True)
class Task:
    """One task, milestone or summary task of a schedule.

    Parameters
    ----------
    id:
        Unique identifier.
    duration:
        Working minutes on the task's calendar (continuous minutes when ``elapsed``). Ignored for a
        summary task, whose dates come from its children.
    name:
        Label for users.
    parent:
        Id of the summary task this task belongs to (WBS), or ``None``.
    constraint:
        Date constraint; ``constraint_date`` is required for all but ``ASAP`` and ``ALAP``. A
        summary task accepts ``ASAP``, ``SNET`` and ``FNLT``.
    constraint_date:
        Datetime, or working minutes after the project start.
    deadline:
        Bounds the late finish (and so the float) without moving the early dates.
    milestone:
        Shown as a milestone; a task of zero duration is always one.
    calendar:
        Task calendar; ``None`` uses the project calendar. Needs calendar mode.
    elapsed:
        The duration runs in continuous time (Microsoft Project's "elapsed days"), nights and
        weekends included. Needs calendar mode.
    actual_start, actual_finish:
        Progress: when work started / finished. A finish without a start is refused.
    percent_complete:
        Duration percent complete (0-100); 100 with an actual start and no actual finish means
        finished after ``duration`` working minutes. Progress without an actual start is ignored
        (the task is scheduled as not started).
    remaining_duration:
        Working minutes left; defaults to ``duration * (1 - percent_complete / 100)``.
    """

    id: str
    duration: int = 0
    name: str = ""
    parent: str | None = None
    constraint: ConstraintType = ConstraintType.ASAP
    constraint_date: TimePoint | None = None
    deadline: TimePoint | None = None
    milestone: bool = False
    calendar: Calendar | None = None
    elapsed: bool = False
    actual_start: TimePoint | None = None
    actual_finish: TimePoint | None = None
    percent_complete: float = 0.0
    remaining_duration: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("a task needs a non-empty string id", field="id")
        where = f"task {self.id}"
        if isinstance(self.duration, bool) or not isinstance(self.duration, int | np.integer):
            raise InputError("duration must be an integer number of minutes", field=where)
        if self.duration < 0:
            raise InputError("duration must not be negative", field=where)
        try:
            constraint = ConstraintType(self.constraint)
        except ValueError as error:
            raise InputError(f"unknown constraint {self.constraint!r}", field=where) from error
        object.__setattr__(self, "constraint", constraint)
        if constraint in _DATED_CONSTRAINTS and self.constraint_date is None:
            raise InputError(f"constraint {constraint} needs a constraint_date", field=where)
        for name in ("constraint_date", "deadline", "actual_start", "actual_finish"):
            _check_time_point(getattr(self, name), f"{where}.{name}")
        if self.parent == self.id:
            raise InputError("a task cannot be its own parent", field=where)
        if not 0.0 <= float(self.percent_complete) <= 100.0:
            raise InputError("percent_complete must be between 0 and 100", field=where)
        if self.remaining_duration is not None and self.remaining_duration < 0:
            raise InputError("remaining_duration must not be negative", field=where)
        if self.actual_finish is not None and self.actual_start is None:
            raise InputError("an actual finish needs an actual start", field=where)
        if self.calendar is not None and not isinstance(self.calendar, Calendar):
            raise InputError("calendar must be a Calendar", field=where)

    @property
    def is_milestone(self) -> bool:
        """Whether the task is shown as a milestone (flagged, or zero duration)."""
        return self.milestone or self.duration == 0


@dataclass(frozen=True, slots=True)
class Link:
    """A dependency: ``successor`` depends on ``predecessor``.

    Parameters
    ----------
    predecessor, successor:
        Task ids (summary tasks allowed).
    type:
        ``FS`` (default), ``SS``, ``FF`` or ``SF``.
    lag:
        Working minutes on the project calendar (continuous minutes when ``lag_elapsed``); may be
        negative (a lead). With ``lag_is_percent`` it is a percentage of the predecessor's
        duration (``50`` = half of it).
    lag_is_percent:
        ``lag`` is a percentage of the predecessor's duration.
    lag_elapsed:
        The lag runs in continuous time. Needs calendar mode.
    """

    predecessor: str
    successor: str
    type: LinkType = LinkType.FS
    lag: int | float = 0
    lag_is_percent: bool = False
    lag_elapsed: bool = False

    def __post_init__(self) -> None:
        where = f"link {self.predecessor}->{self.successor}"
        try:
            object.__setattr__(self, "type", LinkType(self.type))
        except ValueError as error:
            raise InputError(f"unknown link type {self.type!r}", field=where) from error
        if self.predecessor == self.successor:
            raise InputError("a task cannot depend on itself", field=where)
        if isinstance(self.lag, bool) or not isinstance(self.lag, int | float | np.number):
            raise InputError("lag must be a number", field=where)
        if not self.lag_is_percent and self.lag != int(self.lag):
            raise InputError("lag must be a whole number of minutes", field=where)


@dataclass(frozen=True, slots=True)
class Network:
    """Everything :func:`schedule` needs.

    Parameters
    ----------
    tasks:
        The tasks; ids must be unique, parents must exist.
    links:
        The dependencies.
    calendar:
        Project calendar. Giving it (or ``project_start``) selects calendar mode (see the module
        docstring); without both the schedule is computed on working-minute offsets only.
    project_start:
        Naive wall-clock datetime of the project start (offset 0).
    status_date:
        Progress is measured up to this moment; unfinished work is scheduled after it.
    multiple_critical_paths:
        Microsoft Project's option: a task without successors gets its own early finish as late
        finish, so every chain ending there is critical.
    lags_on_successor_calendar:
        Run working-time lags on the successor's calendar (as Microsoft Project does) instead of
        the project calendar. Only matters in calendar mode with task calendars.
    """

    tasks: tuple[Task, ...]
    links: tuple[Link, ...] = ()
    calendar: Calendar | None = None
    project_start: datetime | None = None
    status_date: TimePoint | None = None
    multiple_critical_paths: bool = False
    lags_on_successor_calendar: bool = False
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "links", tuple(self.links))
        if self.project_start is not None and self.calendar is None:
            object.__setattr__(self, "calendar", STANDARD_CALENDAR)
        if self.calendar is not None and self.project_start is None:
            raise InputError("a project calendar needs a project_start", field="project_start")
        if self.project_start is not None and self.project_start.tzinfo is not None:
            raise InputError(
                "project_start must be a naive wall-clock datetime", field="project_start"
            )
        _check_time_point(self.status_date, "status_date")
        index: dict[str, int] = {}
        for position, task in enumerate(self.tasks):
            if not isinstance(task, Task):
                raise InputError("tasks must be Task objects", field="tasks")
            if task.id in index:
                raise InputError(f"duplicate task id {task.id!r}", field="tasks")
            index[task.id] = position
        object.__setattr__(self, "_index", index)
        for task in self.tasks:
            if task.parent is not None and task.parent not in index:
                raise InputError(f"parent {task.parent!r} is not a task", field=f"task {task.id}")
        for link in self.links:
            if not isinstance(link, Link):
                raise InputError("links must be Link objects", field="links")
            for end in (link.predecessor, link.successor):
                if end not in index:
                    raise InputError(
                        f"{end!r} is not a task", field=f"link {link.predecessor}->{link.successor}"
                    )
        if self.calendar is None:
            for task in self.tasks:
                dated = [task.constraint_date, task.deadline, task.actual_start, task.actual_finish]
                if any(isinstance(value, datetime) for value in dated):
                    raise InputError(
                        "datetimes need a project calendar and start", field=f"task {task.id}"
                    )
                if task.calendar is not None or task.elapsed:
                    raise InputError(
                        "task calendars and elapsed durations need a project calendar and start",
                        field=f"task {task.id}",
                    )
            if isinstance(self.status_date, datetime):
                raise InputError(
                    "a datetime status date needs a project calendar and start", field="status_date"
                )
            if any(link.lag_elapsed for link in self.links):
                raise InputError("elapsed lags need a project calendar and start", field="links")
        self._check_parent_loops()

    def _check_parent_loops(self) -> None:
        parent = {task.id: task.parent for task in self.tasks}
        state: dict[str, int] = {}
        for start in parent:
            path: list[str] = []
            current: str | None = start
            while current is not None and state.get(current, 0) == 0:
                state[current] = 1
                path.append(current)
                current = parent[current]
            if current is not None and state.get(current) == 1:
                loop = path[path.index(current) :]
                raise InputError(
                    "summary tasks form a loop: " + " -> ".join(loop), field="tasks.parent"
                )
            for task_id in path:
                state[task_id] = 2

    def index_of(self, task_id: str) -> int:
        """Position of ``task_id`` in ``tasks``."""
        try:
            return self._index[task_id]
        except KeyError:
            raise InputError(f"unknown task {task_id!r}", field="task_id") from None


ScheduleInput = Network
"""Alias: the input of :func:`schedule`."""


@dataclass(frozen=True, slots=True)
class ScheduleConflict:
    """A constraint the schedule could not honour, or a missed deadline.

    ``kind`` is the constraint type (``"MSO"``, ``"MFO"``, ``"SNLT"``, ``"FNLT"``) or
    ``"deadline"``.
    """

    task_id: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class TaskSchedule:
    """Computed dates of one task.

    Times are working minutes after the project start on the project calendar; the ``*_date``
    fields hold exact wall-clock datetimes in calendar mode (``None`` in offset mode). ``start``
    and ``finish`` are the scheduled dates: the early ones, except for ``ALAP`` tasks.
    """

    id: str
    start: int
    finish: int
    early_start: int
    early_finish: int
    late_start: int
    late_finish: int
    total_float: int
    free_float: int
    critical: bool
    is_summary: bool
    is_milestone: bool
    start_date: datetime | None = None
    finish_date: datetime | None = None
    early_start_date: datetime | None = None
    early_finish_date: datetime | None = None
    late_start_date: datetime | None = None
    late_finish_date: datetime | None = None


TIME_FIELDS = ("early_start", "early_finish", "late_start", "late_finish", "start", "finish")
"""Names of the time arrays of :class:`ScheduleResult` (and of its dates)."""

_TimeArrays = Mapping[str, "NDArray[np.int64]"]


class ScheduleResult:
    """Result of :func:`schedule`: arrays in task order plus per-task records.

    Attributes
    ----------
    task_ids:
        Task ids (a sequence of str), in the input order; every array follows it.
    early_start, early_finish, late_start, late_finish, start, finish:
        ``int64`` working-minute offsets on the project calendar.
    total_float, free_float:
        ``int64`` working minutes of each task's own calendar.
    critical:
        ``bool``: unfinished and total float <= 0.
    conflicts:
        Constraints that could not be honoured and missed deadlines.
    project_finish:
        Offset of the latest early finish.

    Notes
    -----
    In calendar mode the offsets and the ``datetime`` objects of the per-task records are made on
    first use: a reschedule that reads only :meth:`date_array` (or the floats) does not pay for
    them.
    """

    def __init__(
        self,
        *,
        task_ids: Sequence[str],
        times: _TimeArrays | Callable[[], _TimeArrays],
        total_float: NDArray[np.int64],
        free_float: NDArray[np.int64],
        critical: NDArray[np.bool_],
        is_summary: NDArray[np.bool_],
        is_milestone: NDArray[np.bool_],
        conflicts: tuple[ScheduleConflict, ...],
        project_finish: int,
        reference: datetime | None = None,
        wall_minutes: _TimeArrays | None = None,
        project_finish_date: datetime | None = None,
    ) -> None:
        self.task_ids = task_ids
        self._times = times
        self.total_float = total_float
        self.free_float = free_float
        self.critical = critical
        self.is_summary = is_summary
        self.is_milestone = is_milestone
        self.conflicts = conflicts
        self.project_finish = project_finish
        self.project_finish_date = project_finish_date
        self._reference = reference
        self._wall_minutes = wall_minutes
        self._dates: dict[str, list[datetime]] | None = None
        # Built on first lookup by id: a reschedule that only reads arrays should not pay for it.
        self._position: dict[str, int] | None = None

    def _time(self, name: str) -> NDArray[np.int64]:
        if callable(self._times):
            self._times = self._times()
        return self._times[name]

    @property
    def early_start(self) -> NDArray[np.int64]:
        """Early starts (working-minute offsets)."""
        return self._time("early_start")

    @property
    def early_finish(self) -> NDArray[np.int64]:
        """Early finishes (working-minute offsets)."""
        return self._time("early_finish")

    @property
    def late_start(self) -> NDArray[np.int64]:
        """Late starts (working-minute offsets)."""
        return self._time("late_start")

    @property
    def late_finish(self) -> NDArray[np.int64]:
        """Late finishes (working-minute offsets)."""
        return self._time("late_finish")

    @property
    def start(self) -> NDArray[np.int64]:
        """Scheduled starts (working-minute offsets): the early ones except for ALAP tasks."""
        return self._time("start")

    @property
    def finish(self) -> NDArray[np.int64]:
        """Scheduled finishes (working-minute offsets)."""
        return self._time("finish")

    @property
    def has_dates(self) -> bool:
        """Whether the schedule was computed in calendar mode (and so has dates)."""
        return self._wall_minutes is not None

    def date_array(self, name: str) -> NDArray[np.datetime64]:
        """One of the time arrays as naive wall-clock ``datetime64[m]`` values, in task order.

        Parameters
        ----------
        name:
            One of :data:`TIME_FIELDS` (``"start"``, ``"finish"``, ``"early_start"``, ...).

        Returns
        -------
        numpy.ndarray
            The same moments as the ``*_date`` fields of the per-task records, computed in one
            vectorised step (no Python ``datetime`` per task).

        Raises
        ------
        ValueError
            In offset mode (no calendar, so no dates), or for an unknown name.
        """
        if self._wall_minutes is None or self._reference is None:
            raise ValueError("a schedule computed without a calendar has no dates")
        if name not in TIME_FIELDS:
            raise ValueError(f"unknown time array {name!r}; expected one of {TIME_FIELDS}")
        walls = self._wall_minutes[name]
        result: NDArray[np.datetime64] = np.datetime64(self._reference, "m") + walls.astype(
            "timedelta64[m]"
        )
        return result

    def __len__(self) -> int:
        return len(self.task_ids)

    def __iter__(self) -> Iterator[TaskSchedule]:
        for position in range(len(self.task_ids)):
            yield self._record(position)

    def __getitem__(self, task_id: str) -> TaskSchedule:
        if self._position is None:
            self._position = {name: position for position, name in enumerate(self.task_ids)}
        try:
            return self._record(self._position[task_id])
        except KeyError:
            raise KeyError(task_id) from None

    @property
    def critical_tasks(self) -> list[str]:
        """Ids of the critical tasks, in input order."""
        return [self.task_ids[i] for i in np.flatnonzero(self.critical).tolist()]

    def conflicts_of(self, task_id: str) -> list[ScheduleConflict]:
        """The conflicts reported for one task."""
        return [conflict for conflict in self.conflicts if conflict.task_id == task_id]

    def _record(self, i: int) -> TaskSchedule:
        dates: dict[str, datetime | None] = {}
        if self._dates is None and self.has_dates:
            self._dates = {
                name: self.date_array(name).astype("datetime64[us]").tolist()
                for name in TIME_FIELDS
            }
        if self._dates is not None:
            for name, values in self._dates.items():
                dates[name] = values[i]
        return TaskSchedule(
            id=self.task_ids[i],
            start=int(self.start[i]),
            finish=int(self.finish[i]),
            early_start=int(self.early_start[i]),
            early_finish=int(self.early_finish[i]),
            late_start=int(self.late_start[i]),
            late_finish=int(self.late_finish[i]),
            total_float=int(self.total_float[i]),
            free_float=int(self.free_float[i]),
            critical=bool(self.critical[i]),
            is_summary=bool(self.is_summary[i]),
            is_milestone=bool(self.is_milestone[i]),
            start_date=dates.get("start"),
            finish_date=dates.get("finish"),
            early_start_date=dates.get("early_start"),
            early_finish_date=dates.get("early_finish"),
            late_start_date=dates.get("late_start"),
            late_finish_date=dates.get("late_finish"),
        )


def schedule(network: Network) -> ScheduleResult:
    """Compute the critical-path schedule of ``network``.

    Parameters
    ----------
    network:
        Tasks, links, and optionally the project calendar, start and status date.

    Returns
    -------
    ScheduleResult
        Early, late and scheduled dates, floats, critical flags and conflicts.

    Raises
    ------
    CycleError
        When the links (with the summary structure) form a cycle; ``tasks`` lists it in order.
    InputError
        When an input is invalid.
    """
    return compile_network(network).schedule()


def compile_network(network: Network) -> CompiledNetwork:
    """Check the network for cycles and prepare it for fast repeated scheduling."""
    from steerco.engine.scheduling.network import CompiledNetwork as _Compiled

    return _Compiled.from_network(network)


if TYPE_CHECKING:
    from steerco.engine.scheduling.network import CompiledNetwork
else:

    def __getattr__(name: str) -> object:
        if name == "CompiledNetwork":
            from steerco.engine.scheduling.network import CompiledNetwork

            return CompiledNetwork
        raise AttributeError(name)
