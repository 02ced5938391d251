"""Microsoft Project XML (MSPDI) to Steerco rows and back, in memory.

:func:`import_plan` reads a parsed file (:class:`~steerco.engine.formats.mspdi.MspdiProject`) into
an :class:`ImportPlan`: every row the import will write, checked, with the warnings a user
should read (resources no one in the organisation matches, links to tasks that are not
imported...). Nothing here touches the database except the read-only matching of resources to
people and roles, so that a file is judged whole before one row is written.

:func:`export_project` builds the file of a loaded schedule. What a round trip keeps: tasks with
WBS, outline, durations (working or elapsed), milestones, manual scheduling, constraints,
deadlines, priorities, progress (% complete, actual dates, remaining duration), work and cost,
notes; links with type and lag (minutes, elapsed or % of the predecessor); the project calendar
and task calendars with their exceptions; assignments (matched back to people and roles by
name); baselines 0-10.

Calendars are flattened on import: a derived calendar's week is resolved through its base, and
every day that differs from that week (holidays, recurring exceptions, work-week periods) becomes
an exception of the one Steerco calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from steerco.core.money import quantize_money
from steerco.engine.formats import mspdi
from steerco.engine.formats.mspdi_model import (
    UNASSIGNED_RESOURCE_UID,
    TimeUnit,
    format_unit,
    is_elapsed_format,
)
from steerco.engine.formats.mspdi_schedule import build_calendars
from steerco.engine.scheduling import calendars as core
from steerco.projects.engine_io import (
    ComputedTask,
    EngineCalendars,
    LinkInput,
    ScheduleGraph,
    TaskInput,
    day_hours,
)
from steerco.projects.models import Calendar, Task, TaskLink

NAME_LENGTH = 255
WBS_LENGTH = 60
CALENDAR_NAME_LENGTH = 200
UID_LIMIT = 2_147_483_647
# Exceptions outside this window around the project start are not copied: a daily exception
# "until 2149" would otherwise become a row per day for over a century.
EXCEPTION_YEARS_BEFORE = 30
EXCEPTION_YEARS_AFTER = 30

CONSTRAINTS = {
    mspdi.ConstraintType.AS_SOON_AS_POSSIBLE: "ASAP",
    mspdi.ConstraintType.AS_LATE_AS_POSSIBLE: "ALAP",
    mspdi.ConstraintType.MUST_START_ON: "MSO",
    mspdi.ConstraintType.MUST_FINISH_ON: "MFO",
    mspdi.ConstraintType.START_NO_EARLIER_THAN: "SNET",
    mspdi.ConstraintType.START_NO_LATER_THAN: "SNLT",
    mspdi.ConstraintType.FINISH_NO_EARLIER_THAN: "FNET",
    mspdi.ConstraintType.FINISH_NO_LATER_THAN: "FNLT",
}
CONSTRAINT_CODES = {code: kind for kind, code in CONSTRAINTS.items()}
LINK_TYPES = {
    mspdi.LinkType.FINISH_START: "FS",
    mspdi.LinkType.START_START: "SS",
    mspdi.LinkType.FINISH_FINISH: "FF",
    mspdi.LinkType.START_FINISH: "SF",
}
LINK_CODES = {code: kind for kind, code in LINK_TYPES.items()}
# MSPDI duration formats: 7 days, 8 elapsed days, 19 percent, 20 elapsed percent.
DAYS_FORMAT = 7
ELAPSED_DAYS_FORMAT = 8
PERCENT_FORMAT = 19
ELAPSED_PERCENT_FORMAT = 20


# -- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarPlan:
    """One calendar to write: its week and its exceptions (already flattened)."""

    uid: int
    name: str
    working_week: dict[str, list[list[str]]]
    hours_per_day: Decimal
    exceptions: tuple[tuple[str, dt.date, dt.date, bool, list[list[str]]], ...]


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """One task to write; ``schedule`` is what the engine reads of it."""

    schedule: TaskInput
    wbs: str
    outline_level: int
    sort_order: int
    notes: str
    calendar_uid: int | None
    saved_start: dt.datetime | None
    saved_finish: dt.datetime | None
    work_minutes: int
    actual_work_minutes: int
    cost: Decimal


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    task_uid: int
    person_id: int | None
    role_id: int | None
    units: Decimal
    work_minutes: int
    actual_work_minutes: int
    remaining_work_minutes: int | None


@dataclass(frozen=True, slots=True)
class BaselineRowPlan:
    task_uid: int
    name: str
    start: dt.datetime | None
    finish: dt.datetime | None
    duration_minutes: int
    work_minutes: int
    cost: Decimal


@dataclass(slots=True)
class ImportPlan:
    """Everything an import writes, built and checked before the first write."""

    name: str
    start_date: dt.date | None
    status_date: dt.datetime | None
    time_zone: str
    project_calendar_uid: int | None
    calendars: dict[int, CalendarPlan]
    tasks: list[TaskPlan]
    links: list[LinkInput]
    assignments: list[AssignmentPlan]
    baselines: dict[int, list[BaselineRowPlan]]
    warnings: list[str] = field(default_factory=list)


# -- helpers ---------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _intervals(day: core.DayHours) -> list[list[str]]:
    return [[_clock(start), _clock(end)] for start, end in day]


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _resolved_week(calendar: core.Calendar) -> list[core.DayHours]:
    week: list[core.DayHours] = []
    for weekday in range(7):
        current: core.Calendar | None = calendar
        value: core.DayHours | None = None
        while current is not None and value is None:
            value = current.week.days[weekday]
            current = current.base
        week.append(value or ())
    return week


def _chain(calendar: core.Calendar) -> list[core.Calendar]:
    chain: list[core.Calendar] = []
    current: core.Calendar | None = calendar
    while current is not None and len(chain) < 100:
        chain.append(current)
        current = current.base
    return chain


def flatten_calendar(
    calendar: core.Calendar, *, uid: int, name: str, around: dt.date, minutes_per_day: int
) -> CalendarPlan:
    """A calendar (with base calendars, exceptions and work weeks) as one week + exceptions."""
    week = _resolved_week(calendar)
    low = around - dt.timedelta(days=366 * EXCEPTION_YEARS_BEFORE)
    high = around + dt.timedelta(days=366 * EXCEPTION_YEARS_AFTER)
    names: dict[dt.date, str] = {}
    for member in _chain(calendar):
        for exception in member.exceptions:
            day = max(exception.start, low)
            while day <= min(exception.last, high):
                names.setdefault(day, exception.name)
                day += dt.timedelta(days=1)
        for period in member.work_weeks:
            day = max(period.start, low)
            while day <= min(period.end, high):
                names.setdefault(day, period.name)
                day += dt.timedelta(days=1)
    runs: list[tuple[str, dt.date, dt.date, bool, list[list[str]]]] = []
    for day in sorted(names):
        hours = calendar.working_intervals(day)
        if hours == week[day.weekday()]:
            continue
        entry = (names[day] or ("Holiday" if not hours else "Working time"), bool(hours))
        if runs:
            last_name, first, last, working, intervals = runs[-1]
            if (
                last == day - dt.timedelta(days=1)
                and (last_name, working) == entry
                and intervals == _intervals(hours)
            ):
                runs[-1] = (last_name, first, day, working, intervals)
                continue
        runs.append((entry[0][:200], day, day, entry[1], _intervals(hours)))
    return CalendarPlan(
        uid=uid,
        name=name,
        working_week={str(weekday): _intervals(week[weekday]) for weekday in range(7)},
        hours_per_day=(Decimal(minutes_per_day) / 60).quantize(Decimal("0.01")),
        exceptions=tuple(runs),
    )


def project_calendar_uid(project: mspdi.MspdiProject) -> int | None:
    """The calendar the file's project runs on (as Microsoft Project picks it)."""
    uids = {calendar.uid for calendar in project.calendars}
    if project.settings.calendar_uid in uids:
        return project.settings.calendar_uid
    for calendar in project.calendars:
        if calendar.is_base and calendar.name.lower() == "standard":
            return calendar.uid
    for calendar in project.calendars:
        if calendar.is_base:
            return calendar.uid
    return None


def _aware(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=zone).astimezone(dt.UTC)


def _minutes(seconds: int | None) -> int:
    return 0 if seconds is None else max(0, round(seconds / 60))


def _money(value: float | None) -> Decimal:
    # Unlike typed amounts (refused past cents, see core.validation), these are costs
    # Microsoft Project computed from rates and work, fractions of a cent included; it
    # shows them to the cent, and so does Steerco.
    if value is None or value < 0:
        return Decimal("0.00")
    return quantize_money(Decimal(str(value)))


@dataclass(frozen=True, slots=True)
class Matchers:
    """The organisation's people and roles, to match a file's resources against."""

    people_by_email: Mapping[str, int]
    people_by_name: Mapping[str, int]
    roles_by_name: Mapping[str, int]


# -- import ----------------------------------------------------------------------------------


def import_plan(
    project: mspdi.MspdiProject, *, time_zone: str, matchers: Matchers, default_name: str
) -> ImportPlan:
    """The rows an import of ``project`` writes, with warnings; raises nothing for odd data."""
    zone = ZoneInfo(time_zone)
    warnings: list[str] = []
    settings = project.settings
    minutes_per_day = settings.minutes_per_day
    engine_calendars = build_calendars(project)
    calendar_uid = project_calendar_uid(project)
    around = (settings.start_date or dt.datetime(2000, 1, 1)).date()

    # The outline level 0 row is the project summary, a roll-up of the file, not a task.
    kept = [task for task in project.tasks if task.outline_level > 0 and not task.is_null]
    kept_uids = {task.uid for task in kept}
    used_calendars: set[int] = set()
    if calendar_uid is not None:
        used_calendars.add(calendar_uid)
    tasks: list[TaskPlan] = []
    stack: list[tuple[int, int]] = []
    for position, task in enumerate(kept):
        where = f"Task UID {task.uid}"
        if not 0 <= task.uid <= UID_LIMIT:
            warnings.append(f"{where}: the UID is out of range; the task is not imported.")
            continue
        while stack and stack[-1][0] >= task.outline_level:
            stack.pop()
        parent_uid = stack[-1][1] if stack else None
        stack.append((task.outline_level, task.uid))
        name = task.name or f"Task {task.uid}"
        if len(name) > NAME_LENGTH:
            warnings.append(f"{where}: the name is cut to {NAME_LENGTH} characters.")
            name = name[:NAME_LENGTH]
        if task.external_task:
            warnings.append(f"{where}: an external task is imported as an ordinary task.")
        task_calendar = task.calendar_uid
        if task_calendar is not None and task_calendar not in engine_calendars:
            task_calendar = None
        if task_calendar is not None and task_calendar != calendar_uid:
            used_calendars.add(task_calendar)
        elif task_calendar == calendar_uid:
            task_calendar = None
        if task.leveling_delay:
            warnings.append(f"{where}: its leveling delay is not imported (level again here).")
        constraint = CONSTRAINTS[task.constraint_type]
        pinned = task.manual_start or task.start if task.manual else None
        schedule = TaskInput(
            uid=task.uid,
            name=name,
            parent_uid=parent_uid,
            duration_minutes=_minutes(task.duration),
            is_milestone=task.milestone,
            is_manual=task.manual,
            is_elapsed=is_elapsed_format(task.duration_format),
            constraint_type=constraint,
            constraint_date=_aware(task.constraint_date, zone),
            deadline=_aware(task.deadline, zone),
            calendar_id=None,
            pinned_start=_aware(pinned, zone),
            actual_start=_aware(task.actual_start, zone),
            actual_finish=_aware(task.actual_finish, zone) if task.actual_start else None,
            percent_complete=float(task.percent_complete),
            remaining_minutes=None
            if task.remaining_duration is None or task.actual_start is None
            else _minutes(task.remaining_duration),
            priority=min(1000, max(0, task.priority)),
        )
        wbs = task.wbs or task.outline_number
        tasks.append(
            TaskPlan(
                schedule=schedule,
                wbs=wbs[:WBS_LENGTH],
                outline_level=task.outline_level,
                sort_order=(position + 1) * 10,
                notes=task.notes,
                calendar_uid=task_calendar,
                saved_start=_aware(task.start, zone),
                saved_finish=_aware(task.finish, zone),
                work_minutes=_minutes(task.work),
                actual_work_minutes=_minutes(task.actual_work),
                cost=_money(task.cost),
            )
        )
    imported = {plan.schedule.uid for plan in tasks}

    links: list[LinkInput] = []
    pairs: set[tuple[int, int]] = set()
    for task in kept:
        if task.uid not in imported:
            continue
        for link in task.predecessors:
            where = f"Task UID {task.uid}"
            if link.cross_project:
                warnings.append(
                    f"{where}: the link from another project ({link.cross_project_name or '?'}) "
                    "is not imported."
                )
                continue
            if link.predecessor_uid not in imported:
                if link.predecessor_uid not in kept_uids:
                    warnings.append(
                        f"{where}: the link from task {link.predecessor_uid}, which is not "
                        "imported, is dropped."
                    )
                continue
            pair = (link.predecessor_uid, task.uid)
            if pair in pairs:
                warnings.append(
                    f"{where}: a second link from task {link.predecessor_uid} is dropped "
                    "(Steerco keeps one link per pair of tasks)."
                )
                continue
            pairs.add(pair)
            percent = format_unit(link.lag_format) is TimeUnit.PERCENT
            links.append(
                LinkInput(
                    predecessor_uid=link.predecessor_uid,
                    successor_uid=task.uid,
                    type=LINK_TYPES[link.link_type],
                    lag_minutes=0 if percent else round(link.lag / 10),
                    lag_percent=float(link.lag) if percent else None,
                    lag_elapsed=is_elapsed_format(link.lag_format),
                )
            )

    assignments = _assignment_plans(project, imported, matchers, warnings)
    baselines: dict[int, list[BaselineRowPlan]] = {}
    for plan, task in zip(tasks, [t for t in kept if t.uid in imported], strict=True):
        for baseline in task.baselines:
            baselines.setdefault(baseline.number, []).append(
                BaselineRowPlan(
                    task_uid=task.uid,
                    name=plan.schedule.name,
                    start=_aware(baseline.start, zone),
                    finish=_aware(baseline.finish, zone)
                    if baseline.finish is None
                    or baseline.start is None
                    or baseline.finish >= baseline.start
                    else _aware(baseline.start, zone),
                    duration_minutes=_minutes(baseline.duration),
                    work_minutes=_minutes(baseline.work),
                    cost=_money(baseline.cost),
                )
            )

    calendars: dict[int, CalendarPlan] = {}
    for uid in sorted(used_calendars):
        source = next(calendar for calendar in project.calendars if calendar.uid == uid)
        calendars[uid] = flatten_calendar(
            engine_calendars[uid],
            uid=uid,
            name=(source.name or f"Calendar {uid}")[:CALENDAR_NAME_LENGTH],
            around=around,
            minutes_per_day=minutes_per_day,
        )
    name = settings.title or settings.name or default_name
    return ImportPlan(
        name=name[:200],
        start_date=None if settings.start_date is None else settings.start_date.date(),
        status_date=_aware(settings.status_date, zone),
        time_zone=time_zone,
        project_calendar_uid=calendar_uid,
        calendars=calendars,
        tasks=tasks,
        links=links,
        assignments=assignments,
        baselines=baselines,
        warnings=warnings,
    )


def _assignment_plans(
    project: mspdi.MspdiProject, imported: set[int], matchers: Matchers, warnings: list[str]
) -> list[AssignmentPlan]:
    resources = {resource.uid: resource for resource in project.resources}
    plans: list[AssignmentPlan] = []
    seen: set[tuple[int, str]] = set()
    unmatched: dict[str, int] = {}
    for assignment in project.assignments:
        if assignment.task_uid not in imported:
            continue
        if assignment.resource_uid in (None, UNASSIGNED_RESOURCE_UID):
            continue
        resource = resources.get(assignment.resource_uid)  # type: ignore[arg-type]
        if resource is None or resource.resource_type != 1:
            continue
        person_id = None
        role_id = None
        name_key = resource.name.strip().lower()
        if not resource.is_generic:
            email_key = resource.email_address.strip().lower()
            person_id = matchers.people_by_email.get(email_key) if email_key else None
            if person_id is None:
                person_id = matchers.people_by_name.get(name_key)
        if person_id is None:
            role_id = matchers.roles_by_name.get(name_key)
        if person_id is None and role_id is None:
            unmatched[resource.name or f"UID {resource.uid}"] = (
                unmatched.get(resource.name or f"UID {resource.uid}", 0) + 1
            )
            continue
        key = (assignment.task_uid, f"p{person_id}" if person_id else f"r{role_id}")
        if key in seen:
            continue
        seen.add(key)
        units = Decimal(str(round(assignment.units * 100, 2)))
        plans.append(
            AssignmentPlan(
                task_uid=assignment.task_uid,
                person_id=person_id,
                role_id=role_id,
                units=min(units, Decimal(10000)),
                work_minutes=_minutes(assignment.work),
                actual_work_minutes=_minutes(assignment.actual_work),
                remaining_work_minutes=None
                if assignment.remaining_work is None
                else _minutes(assignment.remaining_work),
            )
        )
    for name, count in sorted(unmatched.items()):
        warnings.append(
            f"Resource {name!r} matches no person or role of the organisation: its "
            f"{count} assignment(s) are not imported."
        )
    return plans


# -- export ----------------------------------------------------------------------------------

# MSPDI DayType: 1 = Sunday ... 7 = Saturday; Steerco's weekdays are 0 = Monday ... 6.
_DAY_TYPES = {0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7, 6: 1}


def _working_times(raw: Iterable[Sequence[str]]) -> tuple[mspdi.WorkingTime, ...]:
    return tuple(mspdi.WorkingTime(_minute(start), _minute(end)) for start, end in raw)


def _export_calendar(calendar: Calendar, uid: int, base_uid: int | None) -> mspdi.Calendar:
    raw_week = calendar.working_week or {}
    week_days = []
    for weekday in range(7):
        raw = raw_week.get(str(weekday), raw_week.get(weekday))
        if raw is None:
            if base_uid is not None:
                continue
            raw = []
        times = _working_times(raw)
        week_days.append(mspdi.WeekDay(_DAY_TYPES[weekday], bool(times), times))
    exceptions = tuple(
        mspdi.CalendarException(
            from_date=dt.datetime.combine(exception.start_date, dt.time()),
            to_date=dt.datetime.combine(exception.finish_date, dt.time(23, 59)),
            working=exception.working and bool(exception.intervals),
            working_times=_working_times(exception.intervals) if exception.working else (),
            name=exception.name,
        )
        for exception in calendar.exceptions.all()
    )
    return mspdi.Calendar(
        uid=uid,
        name=calendar.name,
        is_base=base_uid is None,
        base_calendar_uid=base_uid,
        week_days=tuple(week_days),
        exceptions=exceptions,
    )


def export_project(
    graph: ScheduleGraph,
    calendars: EngineCalendars,
    computed: Mapping[int, ComputedTask] | None = None,
) -> mspdi.MspdiProject:
    """The MSPDI model of a loaded schedule (``graph`` loaded with resources and baselines).

    ``computed`` (the schedule computed now, by task uid) gives the Start and Finish written;
    without it the stored dates are written.
    """
    computed = computed or {}
    project = graph.project
    wall = calendars.wall

    calendar_uids: dict[int, int] = {}
    exported: list[mspdi.Calendar] = []

    def calendar_uid(calendar_id: int) -> int:
        if calendar_id in calendar_uids:
            return calendar_uids[calendar_id]
        calendar = graph.calendars[calendar_id]
        base_uid = None
        if calendar.base_calendar_id is not None and calendar.base_calendar_id in graph.calendars:
            base_uid = calendar_uid(calendar.base_calendar_id)
        uid = len(calendar_uids) + 1
        calendar_uids[calendar_id] = uid
        exported.append(_export_calendar(calendar, uid, base_uid))
        return uid

    project_calendar = graph.project_calendar
    if project_calendar is not None:
        project_calendar_uid_value = calendar_uid(project_calendar.pk)
    else:
        standard = mspdi.Calendar(
            uid=1,
            name="Standard",
            week_days=tuple(
                mspdi.WeekDay(
                    _DAY_TYPES[weekday],
                    weekday < 5,
                    (mspdi.WorkingTime(480, 720), mspdi.WorkingTime(780, 1020))
                    if weekday < 5
                    else (),
                )
                for weekday in range(7)
            ),
        )
        exported.append(standard)
        calendar_uids[-1] = 1
        project_calendar_uid_value = 1

    uid_of = graph.uid_of()
    children: dict[int, list[Task]] = {}
    for task in graph.tasks:
        children.setdefault(task.parent_id or 0, []).append(task)
    outline_numbers: dict[int, str] = {}

    def number(parent_id: int, prefix: str) -> None:
        for position, child in enumerate(children.get(parent_id, []), start=1):
            outline_numbers[child.pk] = f"{prefix}{position}"
            number(child.pk, f"{prefix}{position}.")

    number(0, "")
    predecessors: dict[int, list[TaskLink]] = {}
    for link in graph.links:
        predecessors.setdefault(link.successor_id, []).append(link)
    baselines_by_uid: dict[int, list[mspdi.Baseline]] = {}
    for baseline_number, rows in graph_baseline_rows(graph).items():
        for row in rows:
            baselines_by_uid.setdefault(row.task_uid, []).append(
                mspdi.Baseline(
                    number=baseline_number,
                    start=wall(row.start),
                    finish=wall(row.finish),
                    duration=row.duration_minutes * 60,
                    duration_format=DAYS_FORMAT,
                    work=row.work_minutes * 60,
                    cost=float(row.cost),
                )
            )
    summaries = {task.parent_id for task in graph.tasks if task.parent_id is not None}
    ordered = sorted(graph.tasks, key=lambda task: _outline_key(outline_numbers.get(task.pk, "")))
    tasks = []
    for row_id, task in enumerate(ordered, start=1):
        links = []
        for link in predecessors.get(task.pk, []):
            percent = link.lag_percent is not None
            if percent:
                lag_format = ELAPSED_PERCENT_FORMAT if link.lag_elapsed else PERCENT_FORMAT
                lag = round(link.lag_percent or 0)
            else:
                lag_format = ELAPSED_DAYS_FORMAT if link.lag_elapsed else DAYS_FORMAT
                lag = link.lag_minutes * 10
            links.append(
                mspdi.Link(
                    predecessor_uid=uid_of[link.predecessor_id],
                    link_type=LINK_CODES[link.type],
                    lag=lag,
                    lag_format=lag_format,
                )
            )
        dates = (task.planned_start, task.planned_finish)
        if task.uid in computed:
            dates = (computed[task.uid].start, computed[task.uid].finish)
        remaining = task.remaining_minutes
        if remaining is None and task.actual_start is not None:
            remaining = round(task.duration_minutes * (100 - float(task.percent_complete)) / 100)
        constraint = task.constraint_type
        task_calendar_uid = None
        if task.calendar_id is not None and task.calendar_id in graph.calendars:
            task_calendar_uid = calendar_uid(task.calendar_id)
        tasks.append(
            mspdi.Task(
                uid=task.uid,
                id=row_id,
                name=task.name,
                wbs=task.wbs or outline_numbers.get(task.pk, ""),
                outline_number=outline_numbers.get(task.pk, ""),
                outline_level=max(1, _depth(outline_numbers.get(task.pk, "1"))),
                manual=task.is_manual,
                summary=task.pk in summaries,
                milestone=task.is_milestone,
                priority=task.priority,
                start=wall(dates[0]),
                finish=wall(dates[1]),
                duration=task.duration_minutes * 60,
                duration_format=ELAPSED_DAYS_FORMAT if task.is_elapsed else DAYS_FORMAT,
                manual_start=wall(task.planned_start) if task.is_manual else None,
                manual_finish=wall(task.planned_finish) if task.is_manual else None,
                manual_duration=task.duration_minutes * 60 if task.is_manual else None,
                work=task.work_minutes * 60,
                constraint_type=CONSTRAINT_CODES[constraint],
                constraint_date=wall(task.constraint_date)
                if constraint not in ("ASAP", "ALAP")
                else None,
                deadline=wall(task.deadline),
                calendar_uid=task_calendar_uid,
                percent_complete=round(float(task.percent_complete)),
                actual_start=wall(task.actual_start),
                actual_finish=wall(task.actual_finish) if task.actual_start else None,
                remaining_duration=None if remaining is None else remaining * 60,
                actual_work=task.actual_work_minutes * 60,
                cost=float(task.cost),
                notes=task.notes,
                predecessors=tuple(links),
                baselines=tuple(sorted(baselines_by_uid.get(task.uid, []), key=lambda b: b.number)),
            )
        )

    resources: list[mspdi.Resource] = []
    resource_uids: dict[str, int] = {}
    assignments: list[mspdi.Assignment] = []
    for assignment in graph.assignments:
        if assignment.person is not None:
            key = f"person:{assignment.person_id}"
            if key not in resource_uids:
                resource_uids[key] = len(resource_uids) + 1
                resources.append(
                    mspdi.Resource(
                        uid=resource_uids[key],
                        id=resource_uids[key],
                        name=assignment.person.name,
                        email_address=assignment.person.email,
                        max_units=float(assignment.person.fte),
                    )
                )
        elif assignment.role is not None:
            key = f"role:{assignment.role_id}"
            if key not in resource_uids:
                resource_uids[key] = len(resource_uids) + 1
                resources.append(
                    mspdi.Resource(
                        uid=resource_uids[key],
                        id=resource_uids[key],
                        name=assignment.role.name,
                        is_generic=True,
                    )
                )
        else:
            continue
        assignments.append(
            mspdi.Assignment(
                uid=len(assignments) + 1,
                task_uid=uid_of[assignment.task_id],
                resource_uid=resource_uids[key],
                units=float(assignment.units) / 100,
                work=assignment.work_minutes * 60,
                actual_work=assignment.actual_work_minutes * 60,
                remaining_work=None
                if assignment.remaining_work_minutes is None
                else assignment.remaining_work_minutes * 60,
            )
        )

    start = None
    if project.start_date is not None:
        start = calendars.project.next_working_moment(
            dt.datetime.combine(project.start_date, dt.time())
        )
    finishes = [
        wall(computed[task.uid].finish if task.uid in computed else task.planned_finish)
        for task in graph.tasks
    ]
    scheduled_finish = max((moment for moment in finishes if moment is not None), default=None)
    database_calendar = graph.project_calendar
    minutes_per_day = calendars.minutes_per_day
    settings = mspdi.ProjectSettings(
        name=f"{project.code}.xml",
        title=project.name,
        manager=str(project.manager) if project.manager_id else "",
        start_date=start,
        finish_date=scheduled_finish,
        status_date=wall(project.schedule_status_date),
        calendar_uid=project_calendar_uid_value,
        minutes_per_day=minutes_per_day,
        minutes_per_week=minutes_per_day * 5,
        honor_constraints=True,
        new_tasks_estimated=False,
        currency_code=project.currency or "",
        default_start_time=_first_minute(database_calendar),
        default_finish_time=_first_minute(database_calendar) + minutes_per_day + 60,
    )
    return mspdi.MspdiProject(
        settings=settings,
        calendars=tuple(exported),
        tasks=tuple(tasks),
        resources=tuple(resources),
        assignments=tuple(assignments),
    )


def graph_baseline_rows(graph: ScheduleGraph) -> dict[int, list[BaselineRowPlan]]:
    """Every baseline of the graph, by number (loaded by the caller into ``graph.baselines``)."""
    rows: dict[int, list[BaselineRowPlan]] = {}
    for baseline in graph.baselines:
        for row in baseline.tasks.all():
            rows.setdefault(baseline.number, []).append(
                BaselineRowPlan(
                    task_uid=row.task_uid,
                    name=row.name,
                    start=row.start,
                    finish=row.finish,
                    duration_minutes=row.duration_minutes,
                    work_minutes=row.work_minutes,
                    cost=row.cost,
                )
            )
    return rows


def _first_minute(calendar: Calendar | None) -> int:
    if calendar is None:
        return 480
    raw_week = calendar.working_week or {}
    for weekday in range(7):
        raw = raw_week.get(str(weekday))
        if raw:
            return _minute(raw[0][0])
    return 480


def _outline_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def _depth(number: str) -> int:
    return number.count(".") + 1


def plan_calendar(plan: CalendarPlan, time_zone: str) -> core.Calendar:
    """The engine calendar a :class:`CalendarPlan` will become once written."""
    where = f"calendar {plan.name}"
    return core.Calendar(
        name=plan.name,
        week=core.WorkWeek(
            tuple(day_hours(plan.working_week[str(weekday)], where) for weekday in range(7))
        ),
        exceptions=tuple(
            core.CalendarException(
                first, last, day_hours(intervals, where) if working else (), name
            )
            for name, first, last, working, intervals in plan.exceptions
        ),
        time_zone=time_zone,
    )
