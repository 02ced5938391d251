"""Every write to a project's schedule: rescheduling, grid edits, baselines, leveling, imports.

Each service checks access (``access_project_by_id(..., for_edit=True)``), validates before it
writes, writes in one transaction with an audit row, and raises ``ValidationFailed`` naming what
is wrong. A dependency cycle is a :class:`ScheduleCycle` naming the tasks in it, and nothing is
written: the transaction rolls back the edit that made it.

Rescheduling runs the CPM engine on the project calendar (with its exceptions), from the project
start, with progress up to the status date, and stores on each task its early and late dates,
floats, critical flag and scheduled dates (``planned_start`` / ``planned_finish``) in one
``bulk_update`` of the rows that changed. Conflicts (a "must start on" its predecessors make
impossible, a missed deadline) are returned per task; they are never silently dropped.

Leveling applies each moved task's new start as a "start no earlier than" constraint (a task that
already has one keeps the later of the two dates): the schedule stays explainable with the
ordinary CPM rules, the constraint shows in the grid and in Microsoft Project after an export,
and the audit row keeps every task's previous constraint. Tasks in progress, manually scheduled
or under another kind of constraint are never moved; the preview says so.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from steerco.accounts.models import User
from steerco.core.access import PROJECT_CREATORS, organisation_id_of, require_role
from steerco.core.audit import audit_record
from steerco.core.errors import NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.engine.errors import CycleError, InfeasibleError, InputError
from steerco.engine.formats.mspdi import MspdiError, read_mspdi, write_mspdi
from steerco.engine.scheduling import cpm
from steerco.engine.scheduling import leveling as lv
from steerco.engine.scheduling import montecarlo as mc
from steerco.jobs.models import Job
from steerco.jobs.services import job_start
from steerco.projects import engine_io, schedule_cache
from steerco.projects.access import access_project_by_id
from steerco.projects.engine_io import (
    Computation,
    Conflict,
    EngineCalendars,
    ResourceFacts,
    ScheduleGraph,
    schedule_graph_load,
)
from steerco.projects.models import (
    Baseline,
    BaselineTask,
    Calendar,
    CalendarException,
    Milestone,
    Project,
    Task,
    TaskLink,
)
from steerco.projects.schedule_mspdi import (
    ImportPlan,
    Matchers,
    export_project,
    import_plan,
    plan_calendar,
)
from steerco.resources.models import Absence, Assignment, Person, Role

Action = AuditEntry.Action

SIMULATION_KIND = "schedule.simulate"
START_CONSTRAINTS = ("SNET", "SNLT", "MSO")
FINISH_CONSTRAINTS = ("FNET", "FNLT", "MFO")
LEVELING_METHODS = ("heuristic", "solver")
LEVELING_MODES = ("delay_finish", "within_slack")
DISTRIBUTIONS = ("triangular", "pert", "uniform")
# Same seed and same number of passes give the same leveling: the preview and the apply agree.
LEVELING_PASSES = 400
LEVELING_SEED = 0
HEURISTIC_SECONDS = 5.0
SOLVER_SECONDS = 10.0
MAX_SOLVER_SECONDS = 60.0
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_ITERATIONS = 100_000


# -- errors ----------------------------------------------------------------------------------


class ScheduleCycle(ValidationFailed):
    """The links (with the summary structure) form a cycle; ``tasks`` names its tasks in order."""

    def __init__(self, tasks: Sequence[str], field: str = "links") -> None:
        self.tasks = list(tasks)
        path = " → ".join([*self.tasks, self.tasks[0]]) if self.tasks else "?"
        super().__init__(
            {field: [f"The dependencies form a cycle: {path}. Remove one of these links."]}
        )


def _labels(graph: ScheduleGraph) -> dict[str, str]:
    return {str(task.uid): f"{task.uid} {task.name}" for task in graph.tasks}


def _engine_failure(error: Exception, labels: Mapping[str, str], field: str = "schedule") -> Any:
    """The engine's error as the service error a user reads (names, not ids)."""
    if isinstance(error, CycleError):
        names = [labels.get(task, task) for task in error.tasks]
        return ScheduleCycle(names, field="links" if field == "schedule" else field)
    if isinstance(error, InfeasibleError):
        return ValidationFailed({field: [str(error)]})
    if isinstance(error, InputError):
        where = error.field or ""
        match = re.fullmatch(r"task (\S+)(.*)", where)
        if match and match.group(1) in labels:
            return ValidationFailed({field: [f"Task {labels[match.group(1)]}: {error.detail}"]})
        return ValidationFailed({field: [str(error)]})
    return error


# -- rescheduling ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RescheduleOutcome:
    """What a reschedule did: rows changed, the finish, the critical path, the conflicts."""

    project: Project
    changed: int
    finish: dt.datetime | None
    critical: tuple[int, ...]
    conflicts: tuple[Conflict, ...]
    notes: tuple[str, ...]
    # Primary keys of the task rows whose computed fields were written (``changed`` of them):
    # a page or an API answer can refresh those rows only.
    changed_task_ids: tuple[int, ...] = ()
    # What the database looks like once this transaction commits, as far as this reschedule
    # knows (read under the project's lock before the rows, plus its own writes): the page
    # keeps its check under it. A fingerprint read after the commit could already include
    # another process's write, which the check does not reflect. None when the fingerprint
    # does not cover the schedule (calendars of another organisation, no tasks).
    fingerprint: schedule_cache.Fingerprint | None = None

    def conflicts_by_uid(self) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {}
        for conflict in self.conflicts:
            result.setdefault(conflict.uid, []).append(conflict.message)
        return result


def _lock_schedule(project: Project) -> None:
    """Take the project's row lock for the rest of the transaction, then re-read the project.

    Two reschedules of one project at once would each compute from rows without the other's
    edit, and the later one's kept network (see :mod:`steerco.projects.schedule_cache`) would
    then carry the stale rows into every following edit. Holding the row lock serialises them;
    every read after it sees what the other transaction committed. (SQLite serialises writers
    anyway and ignores the lock.)
    """
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk", flat=True).first()
    project.refresh_from_db()


def _recompute(project: Project, *, acting_user: User | None, reason: str) -> RescheduleOutcome:
    """Reschedule inside the caller's transaction and store the dates of the rows that changed.

    The network is compiled from every row; the compiled network is then kept (see
    :mod:`steerco.projects.schedule_cache`) for the next duration edit.
    """
    _lock_schedule(project)
    schedule_cache.forget(project.pk)
    # Read before the rows: a write committed in between then shows as a difference later
    # (the entry is never newer than what it was compiled from).
    fingerprint = schedule_cache.fingerprint_of(project)
    rows = engine_io.schedule_rows_load(project)
    graph = rows.graph
    tasks = rows.tasks
    labels = {str(task.uid): f"{task.uid} {task.name}" for task in tasks}
    try:
        calendars = EngineCalendars(graph)
        project_start = engine_io.project_start_wall(project, tasks, calendars)
        if not tasks:
            return _stored(
                project,
                acting_user=acting_user,
                reason=reason,
                calendars=calendars,
                changed_task_ids=(),
                finish=None,
                critical=(),
                conflicts=(),
                notes=(),
                finishes={},
            )
        build = engine_io.build_network(
            tasks,
            rows.links,
            calendars,
            project_start=project_start,
            status_date=project.schedule_status_date,
        )
        compiled = cpm.compile_network(build.network)
        result = compiled.schedule()
        summary_leaves = engine_io.summary_leaf_positions(tasks)
        computed = engine_io.schedule_arrays(result, calendars, summary_leaves)
    except (CycleError, InputError) as error:
        raise _engine_failure(error, labels) from error
    task_pks = rows.task_pks
    changed = computed.differs(rows.stored)
    schedule_cache.write_changed_rows(task_pks, computed, changed)
    uids = np.fromiter((task.uid for task in tasks), np.int64, len(tasks))
    outcome = _stored(
        project,
        acting_user=acting_user,
        reason=reason,
        calendars=calendars,
        changed_task_ids=tuple(task_pks[changed].tolist()),
        finish=_finish_of(result, calendars),
        critical=tuple(uids[computed.critical].tolist()),
        conflicts=_conflicts_of(result),
        notes=build.notes,
        finishes=_finishes(task_pks, computed),
    )
    if any(
        calendar.organisation_id != project.organisation_id for calendar in graph.calendars.values()
    ):
        return outcome  # the fingerprint covers the organisation's calendars only
    assert project.scheduled_at is not None
    fingerprint = dataclasses.replace(fingerprint, scheduled_at=project.scheduled_at)
    outcome = dataclasses.replace(outcome, fingerprint=fingerprint)
    summaries = engine_io.summary_uids(tasks)
    pinned = [
        (position, engine_io.epoch_second(task.pinned_start))
        for position, task in enumerate(tasks)
        if task.is_manual
        and task.pinned_start is not None
        and not task.started
        and task.uid not in summaries
    ]
    pinned_positions = np.asarray([position for position, _ in pinned], np.int64)
    pinned_seconds = np.asarray([second for _, second in pinned], np.int64)
    if not _pins_hold(pinned_positions, pinned_seconds, computed):
        return outcome
    schedule_cache.keep(
        project.pk,
        schedule_cache.CachedSchedule(
            fingerprint=fingerprint,
            compiled=compiled,
            calendars=calendars,
            task_pks=task_pks,
            task_uids=uids,
            started=np.fromiter((task.started for task in tasks), bool, len(tasks)),
            summary=np.asarray(result.is_summary, bool).copy(),
            summary_leaves=summary_leaves,
            stored=computed,
            notes=build.notes,
            position_of_pk={int(pk): position for position, pk in enumerate(task_pks.tolist())},
            today=calendars.today() if project.start_date is None else None,
            pinned_positions=pinned_positions,
            pinned_seconds=pinned_seconds,
        ),
    )
    return outcome


def _pins_hold(
    positions: np.ndarray, seconds: np.ndarray, computed: engine_io.ScheduleArrays
) -> bool:
    """Whether every manually scheduled task starts where it is pinned.

    A manual task is pinned at its stored start, which the reschedule itself writes: when the
    schedule moves one (a pin in non-working time), the next compile would differ from the
    kept network, so it is not kept.
    """
    return bool((computed.seconds["planned_start"][positions] == seconds).all())


def _recompute_durations(
    project: Project,
    entry: schedule_cache.CachedSchedule,
    durations: Mapping[int, int],
    saved: Sequence[Task],
    *,
    acting_user: User | None,
    reason: str,
) -> RescheduleOutcome:
    """Reschedule after duration edits of tasks not started, on the kept compiled network.

    The same result as :func:`_recompute` (the tests compare both after random edits): the
    compiled network differs from a freshly compiled one only by these durations.
    """
    try:
        for pk, minutes in durations.items():
            position = entry.position_of_pk[pk]
            entry.compiled.set_duration(str(entry.task_uids[position]), minutes)
        result = entry.compiled.schedule()
        computed = engine_io.schedule_arrays(result, entry.calendars, entry.summary_leaves)
    except (CycleError, InputError):
        # Cannot happen for a duration edit of a leaf task; the full path names the problem.
        return _recompute(project, acting_user=acting_user, reason=reason)
    changed = computed.differs(entry.stored)
    schedule_cache.write_changed_rows(entry.task_pks, computed, changed)
    outcome = _stored(
        project,
        acting_user=acting_user,
        reason=reason,
        calendars=entry.calendars,
        changed_task_ids=tuple(entry.task_pks[changed].tolist()),
        finish=_finish_of(result, entry.calendars),
        critical=tuple(entry.task_uids[computed.critical].tolist()),
        conflicts=_conflicts_of(result),
        notes=entry.notes,
        finishes=_finishes(entry.task_pks, computed),
    )
    assert project.scheduled_at is not None
    entry.fingerprint = schedule_cache.after_own_writes(
        entry.fingerprint, saved=saved, scheduled_at=project.scheduled_at
    )
    entry.stored = computed
    if _pins_hold(entry.pinned_positions, entry.pinned_seconds, computed):
        schedule_cache.keep(project.pk, entry)
    return dataclasses.replace(outcome, fingerprint=entry.fingerprint)


def _finish_of(result: cpm.ScheduleResult, calendars: EngineCalendars) -> dt.datetime | None:
    if result.project_finish_date is None or not len(result):
        return None
    return calendars.project.to_utc(result.project_finish_date)


def _conflicts_of(result: cpm.ScheduleResult) -> tuple[Conflict, ...]:
    return tuple(
        Conflict(int(conflict.task_id), conflict.kind, conflict.message)
        for conflict in result.conflicts
    )


class _Finishes:
    """Scheduled finish by task primary key, made into a datetime only when asked."""

    def __init__(self, task_pks: np.ndarray, computed: engine_io.ScheduleArrays) -> None:
        self._task_pks = task_pks
        self._finish = computed.seconds["planned_finish"]
        self._position: dict[int, int] | None = None

    def get(self, pk: int) -> dt.datetime | None:
        if self._position is None:
            self._position = {
                int(value): position for position, value in enumerate(self._task_pks.tolist())
            }
        position = self._position.get(pk)
        if position is None:
            return None
        return engine_io.aware_datetimes(self._finish[position : position + 1])[0]


def _finishes(task_pks: np.ndarray, computed: engine_io.ScheduleArrays) -> _Finishes:
    return _Finishes(task_pks, computed)


def _stored(
    project: Project,
    *,
    acting_user: User | None,
    reason: str,
    calendars: EngineCalendars,
    changed_task_ids: tuple[int, ...],
    finish: dt.datetime | None,
    critical: tuple[int, ...],
    conflicts: tuple[Conflict, ...],
    notes: tuple[str, ...],
    finishes: _Finishes | Mapping[int, dt.datetime],
) -> RescheduleOutcome:
    """What every reschedule does once the task rows are written: milestone forecasts, the
    project's ``scheduled_at``, the audit row."""
    changed = len(changed_task_ids)
    _update_milestone_forecasts(project, finishes, calendars)
    project.scheduled_at = timezone.now()
    Project.objects.filter(pk=project.pk).update(scheduled_at=project.scheduled_at)
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        after={
            "rescheduled": reason,
            "changed_tasks": changed,
            "finish": finish,
            "critical_tasks": len(critical),
            "conflicts": len(conflicts),
        },
        summary=f"Rescheduled {project.code} ({reason}): {changed} task(s) moved"
        + (f", finish {calendars.local_date(finish)}" if finish else ""),
    )
    return RescheduleOutcome(
        project=project,
        changed=changed,
        finish=finish,
        critical=critical,
        conflicts=conflicts,
        notes=notes,
        changed_task_ids=changed_task_ids,
    )


def _update_milestone_forecasts(
    project: Project, finishes: _Finishes | Mapping[int, dt.datetime], calendars: EngineCalendars
) -> None:
    """A watched milestone tied to a task is forecast on that task's scheduled finish."""
    milestones = list(Milestone.objects.filter(project=project, task__isnull=False))
    changed = []
    for milestone in milestones:
        finish = finishes.get(milestone.task_id or 0)
        if finish is None:
            continue
        forecast = calendars.local_date(finish)
        if forecast != milestone.forecast_date:
            milestone.forecast_date = forecast
            changed.append(milestone)
    if changed:
        Milestone.objects.bulk_update(changed, ["forecast_date"])


@transaction.atomic
def project_reschedule(
    *, acting_user: User, project_id: int, reason: str = "on request"
) -> RescheduleOutcome:
    """Recompute and store a project's schedule (dates, floats, critical path).

    Raises
    ------
    ScheduleCycle
        When the links form a cycle; its message names the tasks, and nothing is written.
    ValidationFailed
        When a task or a calendar cannot be scheduled (named in the message).
    """
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    return _recompute(project, acting_user=acting_user, reason=reason)


class ScheduleSettings(TypedDict, total=False):
    start_date: dt.date | None
    status_date: dt.datetime | None
    calendar_id: int | None


@transaction.atomic
def schedule_settings_update(
    *, acting_user: User, project_id: int, changes: ScheduleSettings
) -> RescheduleOutcome:
    """Change the project start, status date or calendar, and reschedule."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(ScheduleSettings.__optional_keys__)
    for name in sorted(unknown):
        errors[name] = ["Unknown field."]
    start = changes.get("start_date", project.start_date)
    if "start_date" in changes and start is not None and not isinstance(start, dt.date):
        errors["start_date"] = ["Enter a date."]
    elif start is not None and project.finish_date is not None and start > project.finish_date:
        errors["start_date"] = [
            f"The schedule cannot start after the project's finish date {project.finish_date}."
        ]
    status = changes.get("status_date", project.schedule_status_date)
    if status is not None and (not isinstance(status, dt.datetime) or timezone.is_naive(status)):
        errors["status_date"] = ["Give a date and time with a time zone."]
    calendar_id = changes.get("calendar_id", project.calendar_id)
    if (
        "calendar_id" in changes
        and calendar_id is not None
        and not Calendar.objects.filter(
            pk=calendar_id, organisation_id=project.organisation_id
        ).exists()
    ):
        errors["calendar_id"] = ["Not found."]
    if errors:
        raise ValidationFailed(errors)
    before = {
        "start_date": project.start_date,
        "schedule_status_date": project.schedule_status_date,
        "calendar_id": project.calendar_id,
    }
    project.start_date = start
    project.schedule_status_date = status
    project.calendar_id = calendar_id
    project.save(update_fields=["start_date", "schedule_status_date", "calendar", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=project,
        before=before,
        after={
            "start_date": project.start_date,
            "schedule_status_date": project.schedule_status_date,
            "calendar_id": project.calendar_id,
        },
        summary=f"Changed the schedule settings of {project.code}",
    )
    return _recompute(project, acting_user=acting_user, reason="schedule settings")


# -- grid edits ------------------------------------------------------------------------------


class TaskEdit(TypedDict, total=False):
    """One row edited in the grid; only the keys given change."""

    task_id: int
    name: str
    duration_minutes: int
    duration_days: Decimal
    percent_complete: Decimal
    constraint_type: str
    constraint_date: dt.datetime | dt.date | None
    predecessors: str


class LinkSpec(TypedDict, total=False):
    predecessor_id: int
    successor_id: int
    type: str
    lag_minutes: int
    lag_percent: Decimal | None


PREDECESSOR = re.compile(
    r"^(?P<uid>\d+)\s*(?P<type>FS|SS|FF|SF)?\s*"
    r"(?:(?P<sign>[+-])\s*(?P<amount>\d+(?:[.,]\d+)?)\s*(?P<unit>%|ed|eh|d|h|w|min)?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ParsedLink:
    predecessor_uid: int
    type: str
    lag_minutes: int
    lag_percent: Decimal | None
    lag_elapsed: bool


def parse_predecessors(text: str, *, minutes_per_day: int) -> list[ParsedLink]:
    """Microsoft Project's predecessor notation: ``"3, 5SS+2d, 7FF-1d, 9FS+50%"``.

    Lags are working days by default (``d``), or ``h`` hours, ``w`` weeks of five days,
    ``min`` minutes, ``%`` of the predecessor's duration, ``ed`` / ``eh`` elapsed days / hours.
    """
    links: list[ParsedLink] = []
    problems: list[str] = []
    for raw in re.split(r"[,;]", text or ""):
        token = raw.strip()
        if not token:
            continue
        match = PREDECESSOR.match(token)
        if match is None:
            problems.append(f"{token!r} is not a predecessor such as 3, 3SS or 3FS+2d.")
            continue
        lag_minutes = 0
        lag_percent: Decimal | None = None
        elapsed = False
        if match.group("amount") is not None:
            amount = Decimal(match.group("amount").replace(",", "."))
            if match.group("sign") == "-":
                amount = -amount
            unit = (match.group("unit") or "d").lower()
            if unit == "%":
                lag_percent = amount
            else:
                per_unit = {
                    "min": Decimal(1),
                    "h": Decimal(60),
                    "d": Decimal(minutes_per_day),
                    "w": Decimal(minutes_per_day * 5),
                    "ed": Decimal(1440),
                    "eh": Decimal(60),
                }[unit]
                elapsed = unit in ("ed", "eh")
                lag_minutes = int((amount * per_unit).to_integral_value())
        links.append(
            ParsedLink(
                predecessor_uid=int(match.group("uid")),
                type=(match.group("type") or "FS").upper(),
                lag_minutes=lag_minutes,
                lag_percent=lag_percent,
                lag_elapsed=elapsed,
            )
        )
    if problems:
        raise ValidationFailed({"predecessors": problems})
    return links


def format_predecessor(predecessor_uid: int, link: TaskLink, *, minutes_per_day: int) -> str:
    """One link in Microsoft Project's predecessor notation (the inverse of the parser)."""
    text = str(predecessor_uid)
    lag = ""
    if link.lag_percent is not None and link.lag_percent != 0:
        lag = f"{link.lag_percent.normalize():+f}%"
    elif link.lag_minutes:
        if link.lag_elapsed:
            days = Decimal(link.lag_minutes) / 1440
            lag = (
                f"{days:+g}ed"
                if days == days.to_integral_value()
                else f"{link.lag_minutes / 60:+g}eh"
            )
        else:
            days = Decimal(link.lag_minutes) / minutes_per_day
            if days == days.quantize(Decimal("0.01")):
                lag = f"{days.normalize():+f}d"
            else:
                lag = f"{link.lag_minutes / 60:+g}h"
    if link.type != "FS" or lag:
        text += link.type
    return text + lag


def _constraint_moment(
    value: dt.datetime | dt.date | None, kind: str, calendars: EngineCalendars
) -> dt.datetime | None:
    if value is None or kind in ("ASAP", "ALAP"):
        return None
    if isinstance(value, dt.datetime):
        if not timezone.is_naive(value):
            return value
        if value.time() != dt.time():
            # A time without a zone is read on the project calendar's clock.
            return calendars.aware(value)
        value = value.date()
    return calendars.day_moment(value, finish=kind in FINISH_CONSTRAINTS)


def _progress_changes(
    task: Task, percent: Decimal, project: Project, calendars: EngineCalendars
) -> dict[str, Any]:
    """What entering a % complete implies, as in Microsoft Project: work started at the
    scheduled start, finished at the scheduled finish at 100%, nothing started at 0%."""
    changes: dict[str, Any] = {"percent_complete": percent}
    start = task.actual_start or task.planned_start or task.early_start
    if start is None:
        day = project.start_date or calendars.today()
        start = calendars.day_moment(day, finish=False)
    if percent <= 0:
        changes["actual_start"] = None
        changes["actual_finish"] = None
        return changes
    if task.actual_start is None:
        changes["actual_start"] = start
    if percent >= 100:
        if task.actual_finish is None:
            finish = task.planned_finish if task.actual_start is None else None
            if finish is None or finish < start:
                # Not scheduled yet (or started elsewhere): the duration from the actual start.
                wall = calendars.wall(start)
                assert wall is not None
                finish = calendars.project.to_utc(
                    calendars.project.add_working_minutes(wall, task.duration_minutes)
                )
            changes["actual_finish"] = finish
    elif task.actual_finish is not None:
        changes["actual_finish"] = None
    return changes


def _task_changes(
    task: Task, edit: TaskEdit, project: Project, calendars: EngineCalendars
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    if "name" in edit:
        changes["name"] = (edit["name"] or "").strip()
    if "duration_days" in edit and edit["duration_days"] is not None:
        try:
            days = Decimal(str(edit["duration_days"]))
        except InvalidOperation:
            days = Decimal(-1)
        if not days.is_finite() or days < 0 or days > 100_000:
            errors["duration_days"] = ["Give a duration in days, 0 or more."]
        else:
            changes["duration_minutes"] = int(
                (days * calendars.minutes_per_day).to_integral_value()
            )
    if "duration_minutes" in edit:
        changes["duration_minutes"] = edit["duration_minutes"]
    if "constraint_type" in edit or "constraint_date" in edit:
        kind = edit.get("constraint_type", task.constraint_type)
        raw_date = edit.get("constraint_date", task.constraint_date)
        if raw_date is None and kind in START_CONSTRAINTS:
            # As Microsoft Project does: a new date constraint starts at the task's own date.
            raw_date = task.planned_start or task.early_start
        elif raw_date is None and kind in FINISH_CONSTRAINTS:
            raw_date = task.planned_finish or task.early_finish
        if kind not in Task.ConstraintType.values:
            errors["constraint_type"] = [f"Unknown constraint {kind!r}."]
        elif kind not in ("ASAP", "ALAP") and raw_date is None:
            errors["constraint_date"] = [f"A {kind} constraint needs a date."]
        else:
            changes["constraint_type"] = kind
            changes["constraint_date"] = _constraint_moment(raw_date, kind, calendars)
    if "percent_complete" in edit and edit["percent_complete"] is not None:
        try:
            percent = Decimal(str(edit["percent_complete"])).quantize(Decimal("0.01"))
        except InvalidOperation:
            percent = Decimal(-1)
        if not percent.is_finite():
            percent = Decimal(-1)
        if not Decimal(0) <= percent <= Decimal(100):
            errors["percent_complete"] = ["Use a percentage from 0 to 100."]
        elif percent != task.percent_complete:
            changes.update(_progress_changes(task, percent, project, calendars))
    if errors:
        raise ValidationFailed(errors)
    return changes


def _apply_predecessors(
    *,
    acting_user: User,
    project: Project,
    task: Task,
    text: str,
    minutes_per_day: int,
) -> None:
    from steerco.projects import services as project_services

    wanted = parse_predecessors(text, minutes_per_day=minutes_per_day)
    by_uid = {
        row.uid: row
        for row in Task.objects.filter(
            project=project, uid__in=[link.predecessor_uid for link in wanted]
        )
    }
    problems = [
        f"There is no task {link.predecessor_uid} in {project.code}."
        for link in wanted
        if link.predecessor_uid not in by_uid
    ]
    problems += [
        "A task cannot depend on itself." for link in wanted if link.predecessor_uid == task.uid
    ]
    if problems:
        raise ValidationFailed({"predecessors": problems})
    existing = {
        link.predecessor_id: link
        for link in TaskLink.objects.filter(project=project, successor=task).order_by("pk")
    }
    kept: set[int] = set()
    for parsed in wanted:
        predecessor = by_uid[parsed.predecessor_uid]
        kept.add(predecessor.pk)
        link = existing.get(predecessor.pk)
        values = {
            "type": parsed.type,
            "lag_minutes": parsed.lag_minutes,
            "lag_percent": parsed.lag_percent,
            "lag_elapsed": parsed.lag_elapsed,
        }
        if link is None:
            project_services.link_create(
                acting_user=acting_user,
                project_id=project.pk,
                predecessor_id=predecessor.pk,
                successor_id=task.pk,
                type=parsed.type,
                lag_minutes=parsed.lag_minutes,
                lag_percent=parsed.lag_percent,
                lag_elapsed=parsed.lag_elapsed,
            )
        elif any(getattr(link, name) != value for name, value in values.items()):
            project_services.link_update(
                acting_user=acting_user,
                link_id=link.pk,
                changes=values,  # type: ignore[arg-type]
            )
    for predecessor_id, link in existing.items():
        if predecessor_id not in kept:
            project_services.link_delete(acting_user=acting_user, link_id=link.pk)


def _prefixed(error: ValidationFailed, prefix: str) -> ValidationFailed:
    """The error with its fields named after the grid row (``tasks[12].duration_days``)."""
    return ValidationFailed(
        {
            f"{prefix}.{field}" if field != "__all__" else prefix: messages
            for field, messages in error.errors.items()
        }
    )


@transaction.atomic
def schedule_edit(
    *,
    acting_user: User,
    project_id: int,
    task_edits: Sequence[TaskEdit] = (),
    add_links: Sequence[LinkSpec] = (),
    remove_link_ids: Sequence[int] = (),
) -> RescheduleOutcome:
    """Apply grid edits (names, durations, % complete, constraints, links) and reschedule.

    Everything happens in one transaction: an edit that makes the schedule impossible (a
    dependency cycle) leaves the project as it was, and the error names the tasks.
    """
    from steerco.projects import services as project_services

    project = access_project_by_id(acting_user, project_id, for_edit=True)
    _lock_schedule(project)
    if not add_links and not remove_link_ids and schedule_cache.durations_only(task_edits):
        entry = schedule_cache.take(project)
        if entry is not None:
            return _edit_durations(
                acting_user=acting_user, project=project, task_edits=task_edits, entry=entry
            )
    # Only the edited rows and the project calendar: the reschedule reads everything anyway.
    calendars = _project_calendars(project)
    tasks_by_id = _edited_tasks(project, task_edits)
    for edit in task_edits:
        task = tasks_by_id.get(edit.get("task_id", -1))
        if task is None:
            raise NotFound(f"No task {edit.get('task_id')} in {project.code}.")
        prefix = f"tasks[{task.uid}]"
        try:
            changes = _task_changes(task, edit, project, calendars)
            remaining_reset = "percent_complete" in changes and task.remaining_minutes is not None
            if changes:
                project_services.task_update(
                    acting_user=acting_user,
                    task_id=task.pk,
                    changes=changes,  # type: ignore[arg-type]
                )
            if remaining_reset:
                # The remaining duration follows the new % complete.
                Task.objects.filter(pk=task.pk).update(remaining_minutes=None)
            if "predecessors" in edit:
                _apply_predecessors(
                    acting_user=acting_user,
                    project=project,
                    task=task,
                    text=edit["predecessors"] or "",
                    minutes_per_day=calendars.minutes_per_day,
                )
        except ValidationFailed as error:
            raise _prefixed(error, prefix) from error
    for spec in add_links:
        project_services.link_create(
            acting_user=acting_user,
            project_id=project.pk,
            predecessor_id=spec.get("predecessor_id", 0),
            successor_id=spec.get("successor_id", 0),
            type=spec.get("type", "FS"),
            lag_minutes=spec.get("lag_minutes", 0),
            lag_percent=spec.get("lag_percent"),
        )
    links = set(
        TaskLink.objects.filter(project=project, pk__in=list(remove_link_ids)).values_list(
            "pk", flat=True
        )
    )
    for link_id in remove_link_ids:
        if link_id not in links:
            raise NotFound(f"No link {link_id} in {project.code}.")
        project_services.link_delete(acting_user=acting_user, link_id=link_id)
    return _recompute(project, acting_user=acting_user, reason="grid edit")


def _project_calendars(project: Project) -> EngineCalendars:
    """The project calendar (or the organisation's default), without loading any task."""
    calendars, default_calendar_id = engine_io.schedule_calendars_load(project, ())
    return EngineCalendars(
        ScheduleGraph(
            project=project,
            tasks=[],
            links=[],
            calendars=calendars,
            default_calendar_id=default_calendar_id,
        )
    )


def _edited_tasks(project: Project, task_edits: Sequence[TaskEdit]) -> dict[int, Task]:
    wanted = [edit.get("task_id", -1) for edit in task_edits]
    return {task.pk: task for task in Task.objects.filter(project=project, pk__in=wanted)}


def _edit_durations(
    *,
    acting_user: User,
    project: Project,
    task_edits: Sequence[TaskEdit],
    entry: schedule_cache.CachedSchedule,
) -> RescheduleOutcome:
    """Duration edits on a project whose compiled network is kept: only the edited rows are
    read, and the reschedule is incremental when every edited task is a leaf not started."""
    from steerco.projects import services as project_services

    tasks_by_id = _edited_tasks(project, task_edits)
    durations: dict[int, int] = {}
    saved: list[Task] = []
    replayable = True
    try:
        for edit in task_edits:
            task = tasks_by_id.get(edit.get("task_id", -1))
            if task is None:
                raise NotFound(f"No task {edit.get('task_id')} in {project.code}.")
            try:
                changes = _task_changes(task, edit, project, entry.calendars)
                if changes:
                    saved.append(
                        project_services.task_update(
                            acting_user=acting_user,
                            task_id=task.pk,
                            changes=changes,  # type: ignore[arg-type]
                        )
                    )
            except ValidationFailed as error:
                raise _prefixed(error, f"tasks[{task.uid}]") from error
            position = entry.position_of_pk.get(task.pk)
            if position is None or entry.started[position] or entry.summary[position]:
                replayable = False
            elif "duration_minutes" in changes:
                durations[task.pk] = int(changes["duration_minutes"])
    except Exception:
        if not saved:
            # Nothing written: the entry still matches the database.
            schedule_cache.keep(project.pk, entry)
        raise
    if not replayable:
        return _recompute(project, acting_user=acting_user, reason="grid edit")
    return _recompute_durations(
        project, entry, durations, saved, acting_user=acting_user, reason="grid edit"
    )


@transaction.atomic
def schedule_task_add(
    *, acting_user: User, project_id: int, name: str, duration_days: Decimal | None = None
) -> RescheduleOutcome:
    """Add a task at the end of the grid and reschedule."""
    from steerco.projects import services as project_services

    project = access_project_by_id(acting_user, project_id, for_edit=True)
    graph = schedule_graph_load(project)
    calendars = EngineCalendars(graph)
    minutes = 0
    if duration_days is not None:
        if not duration_days.is_finite() or not 0 <= duration_days <= 100_000:
            raise ValidationFailed({"duration_days": ["Give a duration in days, 0 or more."]})
        minutes = int((duration_days * calendars.minutes_per_day).to_integral_value())
    last = max((task.sort_order for task in graph.tasks), default=0)
    project_services.task_create(
        acting_user=acting_user,
        project_id=project.pk,
        fields={
            "name": name,
            "duration_minutes": minutes,
            "is_milestone": minutes == 0,
            "sort_order": last + 10,
        },
    )
    return _recompute(project, acting_user=acting_user, reason="task added")


@transaction.atomic
def schedule_task_remove(*, acting_user: User, project_id: int, task_id: int) -> RescheduleOutcome:
    """Delete a task (with its links) and reschedule."""
    from steerco.projects import services as project_services

    project = access_project_by_id(acting_user, project_id, for_edit=True)
    if not Task.objects.filter(pk=task_id, project=project).exists():
        raise NotFound(f"No task {task_id} in {project.code}.")
    project_services.task_delete(acting_user=acting_user, task_id=task_id)
    return _recompute(project, acting_user=acting_user, reason="task removed")


# -- baselines -------------------------------------------------------------------------------


@transaction.atomic
def baseline_capture(
    *,
    acting_user: User,
    project_id: int,
    number: int = 0,
    name: str = "",
    note: str = "",
    rescheduled: list[RescheduleOutcome] | None = None,
) -> Baseline:
    """Save the current schedule as baseline ``number`` (0-10), replacing one of that number.

    The schedule is recomputed first, so that the baseline never freezes stale dates; that
    reschedule's outcome is appended to ``rescheduled`` when given (the page keeps its check).
    """
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    if not isinstance(number, int) or not 0 <= number <= 10:
        raise ValidationFailed({"number": ["A baseline number is 0 to 10."]})
    if len(name) > 200:
        raise ValidationFailed({"name": ["At most 200 characters."]})
    outcome = _recompute(project, acting_user=acting_user, reason="baseline")
    if rescheduled is not None:
        rescheduled.append(outcome)
    tasks = list(Task.objects.filter(project=project).order_by("uid"))
    baseline = Baseline.objects.filter(project=project, number=number).first()
    replaced = baseline is not None
    now = timezone.now()
    if baseline is None:
        baseline = Baseline.objects.create(
            project=project,
            number=number,
            name=name or ("Baseline" if number == 0 else f"Baseline {number}"),
            captured_at=now,
            captured_by=acting_user,
            note=note,
        )
    else:
        baseline.tasks.all().delete()
        baseline.name = name or baseline.name
        baseline.note = note or baseline.note
        baseline.captured_at = now
        baseline.captured_by = acting_user
        baseline.save()
    BaselineTask.objects.bulk_create(
        [
            BaselineTask(
                baseline=baseline,
                task=task,
                task_uid=task.uid,
                name=task.name,
                start=task.planned_start,
                finish=task.planned_finish,
                duration_minutes=task.duration_minutes,
                work_minutes=task.work_minutes,
                cost=task.cost,
            )
            for task in tasks
        ],
        batch_size=500,
    )
    audit_record(
        actor=acting_user,
        action=Action.UPDATE if replaced else Action.CREATE,
        instance=baseline,
        organisation_id=project.organisation_id,
        after={"number": number, "tasks": len(tasks), "captured_at": now},
        summary=f"{'Replaced' if replaced else 'Captured'} baseline {number} of {project.code} "
        f"({len(tasks)} tasks)",
    )
    return baseline


# -- MSPDI import and export -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import wrote, and how Steerco's dates compare with those saved in the file."""

    project: Project
    created: bool
    tasks: int
    links: int
    assignments: int
    baselines: int
    calendars: int
    warnings: tuple[str, ...]
    dates_compared: int
    dates_matching: int
    differences: tuple[str, ...]
    reschedule: RescheduleOutcome


def _matchers(organisation_id: int) -> Matchers:
    people = list(
        Person.objects.filter(organisation_id=organisation_id).values_list("pk", "name", "email")
    )
    roles = list(Role.objects.filter(organisation_id=organisation_id).values_list("pk", "name"))
    return Matchers(
        people_by_email={email.lower(): pk for pk, _, email in people if email},
        people_by_name={name.strip().lower(): pk for pk, name, _ in people},
        roles_by_name={name.strip().lower(): pk for pk, name in roles},
    )


def _import_time_zone(project: Project | None, organisation_id: int) -> str:
    if project is not None and project.calendar_id is not None:
        zone = Calendar.objects.filter(pk=project.calendar_id).values_list("timezone", flat=True)
        if zone and zone[0]:
            return str(zone[0])
    default = Calendar.objects.filter(organisation_id=organisation_id, is_default=True)
    zone = default.values_list("timezone", flat=True)
    return str(zone[0]) if zone and zone[0] else settings.TIME_ZONE


def _precheck(plan: ImportPlan, *, label: str) -> tuple[Computation, EngineCalendars]:
    """Schedule the plan in memory: a file the engine refuses is refused before any write."""
    engine_calendars = {
        uid: plan_calendar(cal, plan.time_zone) for uid, cal in plan.calendars.items()
    }
    project_calendar = (
        engine_calendars[plan.project_calendar_uid]
        if plan.project_calendar_uid in engine_calendars
        else engine_io.standard_calendar(plan.time_zone)
    )
    minutes_per_day = (
        int(plan.calendars[plan.project_calendar_uid].hours_per_day * 60)
        if plan.project_calendar_uid in plan.calendars
        else engine_io.DEFAULT_MINUTES_PER_DAY
    )
    calendars = EngineCalendars.from_engine(project_calendar, engine_calendars, minutes_per_day)
    tasks = [_with_calendar(task.schedule, task.calendar_uid) for task in plan.tasks]
    start = engine_io.start_of_day(plan.start_date or calendars.today(), calendars)
    labels = {
        str(task.schedule.uid): f"UID {task.schedule.uid} {task.schedule.name}"
        for task in plan.tasks
    }
    try:
        computation = engine_io.compute(
            tasks, plan.links, calendars, project_start=start, status_date=plan.status_date
        )
    except (CycleError, InputError) as error:
        failure = _engine_failure(error, labels, field="file")
        if isinstance(failure, ValidationFailed):
            failure.errors = {
                "file": [f"{label}: {message}" for message in failure.errors.get("file", [])]
            }
        raise failure from error
    return computation, calendars


def _with_calendar(task: engine_io.TaskInput, calendar_uid: int | None) -> engine_io.TaskInput:
    return dataclasses.replace(task, calendar_id=calendar_uid)


def _calendar_row(
    *, organisation_id: int, name: str, project: Project | None
) -> tuple[Calendar, bool]:
    """A calendar row to (re)write: this project's own one of that name, or a new one."""
    existing = Calendar.objects.filter(organisation_id=organisation_id, name=name).first()
    if existing is not None and project is not None:
        shared = (
            Project.objects.filter(calendar=existing).exclude(pk=project.pk).exists()
            or Task.objects.filter(calendar=existing).exclude(project=project).exists()
            or Person.objects.filter(calendar=existing).exists()
            or Calendar.objects.filter(base_calendar=existing).exists()
            or existing.is_default
        )
        if not shared:
            return existing, False
    if existing is None:
        return Calendar(organisation_id=organisation_id, name=name), True
    taken = set(
        Calendar.objects.filter(
            organisation_id=organisation_id, name__startswith=name[:190]
        ).values_list("name", flat=True)
    )
    suffix = 2
    while f"{name[:190]} ({suffix})" in taken:
        suffix += 1
    return Calendar(organisation_id=organisation_id, name=f"{name[:190]} ({suffix})"), True


def _write_calendars(
    plan: ImportPlan, *, organisation_id: int, code: str, project: Project | None
) -> dict[int, Calendar]:
    written: dict[int, Calendar] = {}
    for uid, calendar_plan in plan.calendars.items():
        row, _ = _calendar_row(
            organisation_id=organisation_id,
            name=f"{code} {calendar_plan.name}"[:200],
            project=project,
        )
        row.working_week = calendar_plan.working_week
        row.hours_per_day = calendar_plan.hours_per_day
        row.timezone = plan.time_zone
        row.base_calendar = None
        row.save()
        CalendarException.objects.filter(calendar=row).delete()
        CalendarException.objects.bulk_create(
            [
                CalendarException(
                    calendar=row,
                    name=name or "Exception",
                    start_date=first,
                    finish_date=last,
                    working=working,
                    intervals=intervals,
                )
                for name, first, last, working, intervals in calendar_plan.exceptions
            ],
            batch_size=500,
        )
        written[uid] = row
    return written


def _write_schedule(
    plan: ImportPlan,
    *,
    project: Project,
    calendars: Mapping[int, Calendar],
    acting_user: User,
    file_name: str,
) -> tuple[int, int, int]:
    summaries = engine_io.summary_uids(task.schedule for task in plan.tasks)
    rows = []
    for task_plan in plan.tasks:
        task = task_plan.schedule
        start = task.pinned_start or task_plan.saved_start
        finish = task_plan.saved_finish
        if start is not None and finish is not None and finish < start:
            finish = start
        calendar = calendars.get(task_plan.calendar_uid or -1)
        rows.append(
            Task(
                project=project,
                uid=task.uid,
                wbs=task_plan.wbs,
                outline_level=task_plan.outline_level,
                name=task.name,
                notes=task_plan.notes,
                sort_order=task_plan.sort_order,
                duration_minutes=task.duration_minutes,
                is_milestone=task.is_milestone,
                is_summary=task.uid in summaries,
                is_manual=task.is_manual,
                is_elapsed=task.is_elapsed,
                constraint_type=task.constraint_type,
                constraint_date=task.constraint_date
                if task.constraint_type not in ("ASAP", "ALAP")
                else None,
                deadline=task.deadline,
                calendar=calendar,
                priority=task.priority,
                planned_start=start,
                planned_finish=finish,
                actual_start=task.actual_start,
                actual_finish=task.actual_finish
                if task.actual_finish is None
                or task.actual_start is None
                or task.actual_finish >= task.actual_start
                else task.actual_start,
                percent_complete=Decimal(str(task.percent_complete)).quantize(Decimal("0.01")),
                remaining_minutes=task.remaining_minutes,
                work_minutes=task_plan.work_minutes,
                actual_work_minutes=task_plan.actual_work_minutes,
                cost=task_plan.cost,
            )
        )
    Task.objects.bulk_create(rows, batch_size=500)
    pk_of = dict(Task.objects.filter(project=project).values_list("uid", "pk"))
    parented = []
    for row, task_plan in zip(rows, plan.tasks, strict=True):
        parent_uid = task_plan.schedule.parent_uid
        if parent_uid is not None and parent_uid in pk_of:
            row.pk = pk_of[row.uid]
            row.parent_id = pk_of[parent_uid]
            parented.append(row)
    Task.objects.bulk_update(parented, ["parent"], batch_size=500)
    limit = Decimal("99999.99")
    TaskLink.objects.bulk_create(
        [
            TaskLink(
                project=project,
                predecessor_id=pk_of[link.predecessor_uid],
                successor_id=pk_of[link.successor_uid],
                type=link.type,
                lag_minutes=link.lag_minutes,
                lag_percent=None
                if link.lag_percent is None
                else max(
                    -limit, min(limit, Decimal(str(link.lag_percent)).quantize(Decimal("0.01")))
                ),
                lag_elapsed=link.lag_elapsed,
            )
            for link in plan.links
        ],
        batch_size=500,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                task_id=pk_of[assignment.task_uid],
                person_id=assignment.person_id,
                role_id=assignment.role_id,
                units=assignment.units,
                work_minutes=assignment.work_minutes,
                actual_work_minutes=assignment.actual_work_minutes,
                remaining_work_minutes=assignment.remaining_work_minutes,
            )
            for assignment in plan.assignments
        ],
        batch_size=500,
    )
    now = timezone.now()
    for number, baseline_rows in sorted(plan.baselines.items()):
        baseline = Baseline.objects.create(
            project=project,
            number=number,
            name="Baseline" if number == 0 else f"Baseline {number}",
            captured_at=now,
            captured_by=acting_user,
            note=f"Imported from {file_name or 'a Microsoft Project file'}",
        )
        BaselineTask.objects.bulk_create(
            [
                BaselineTask(
                    baseline=baseline,
                    task_id=pk_of.get(row.task_uid),
                    task_uid=row.task_uid,
                    name=row.name,
                    start=row.start,
                    finish=row.finish,
                    duration_minutes=row.duration_minutes,
                    work_minutes=row.work_minutes,
                    cost=row.cost,
                )
                for row in baseline_rows
            ],
            batch_size=500,
        )
    return len(rows), len(plan.links), len(plan.assignments)


@transaction.atomic
def schedule_import_mspdi(
    *,
    acting_user: User,
    data: bytes,
    file_name: str = "",
    project_id: int | None = None,
    portfolio_id: int | None = None,
    code: str | None = None,
    name: str | None = None,
) -> ImportOutcome:
    """Import a Microsoft Project XML file: replace a project's schedule, or create a project.

    With ``project_id`` the project's tasks, links, assignments and baselines are replaced by
    the file's; without it a project ``code`` is created in ``portfolio_id``. The whole file is
    parsed, mapped and scheduled in memory first: a bad file raises ``ValidationFailed`` whose
    message names the element and its line (``line 143: Task UID 12: Duration ...``), or the
    tasks of a dependency cycle, and nothing is written.
    """
    organisation_id = organisation_id_of(acting_user)
    project: Project | None = None
    if project_id is not None:
        project = access_project_by_id(acting_user, project_id, for_edit=True)
    else:
        require_role(acting_user, PROJECT_CREATORS, "create projects")
        missing = {
            field: ["This field is required."]
            for field, value in (("code", code), ("portfolio_id", portfolio_id))
            if not value
        }
        if missing:
            raise ValidationFailed(missing)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed({"file": [f"The file is larger than {MAX_IMPORT_BYTES} bytes."]})
    label = file_name or "the file"
    try:
        parsed = read_mspdi(data)
    except MspdiError as error:
        raise ValidationFailed({"file": [f"{label}: {error}"]}) from error
    time_zone = _import_time_zone(project, organisation_id)
    plan = import_plan(
        parsed,
        time_zone=time_zone,
        matchers=_matchers(organisation_id),
        default_name=name or (file_name.rsplit(".", 1)[0] if file_name else "Imported schedule"),
    )
    if not plan.tasks:
        plan.warnings.append(f"{label} has no task: only its calendar is imported.")
    computation, _ = _precheck(plan, label=label)
    compared = 0
    matching = 0
    differences: list[str] = []
    for task_plan in plan.tasks:
        schedule = task_plan.schedule
        if task_plan.saved_start is None or task_plan.saved_finish is None:
            continue
        computed = computation.tasks.get(schedule.uid)
        if computed is None:
            continue
        compared += 1
        if (computed.start, computed.finish) == (task_plan.saved_start, task_plan.saved_finish):
            matching += 1
        elif len(differences) < 20:
            reason = " (manually scheduled)" if schedule.is_manual else ""
            differences.append(
                f"Task {schedule.uid} {schedule.name}: Steerco {computed.start:%Y-%m-%d %H:%M} → "
                f"{computed.finish:%Y-%m-%d %H:%M}, file {task_plan.saved_start:%Y-%m-%d %H:%M}"
                f" → {task_plan.saved_finish:%Y-%m-%d %H:%M}{reason}"
            )
    finish_date = (
        None
        if computation.project_finish is None
        else computation.project_finish.astimezone(dt.UTC).date()
    )
    created = project is None
    milestone_uids: dict[int, int] = {}
    if project is None:
        from steerco.projects import services as project_services

        assert code is not None and portfolio_id is not None
        written = _write_calendars(plan, organisation_id=organisation_id, code=code, project=None)
        calendar = written.get(plan.project_calendar_uid or -1)
        start_date = plan.start_date
        project = project_services.project_create(
            acting_user=acting_user,
            fields={
                "code": code,
                "name": name or plan.name,
                "portfolio_id": portfolio_id,
                "start_date": start_date,
                "finish_date": finish_date
                if finish_date and (start_date is None or finish_date >= start_date)
                else start_date,
                "calendar_id": None if calendar is None else calendar.pk,
            },
        )
    else:
        before = {
            "tasks": Task.objects.filter(project=project).count(),
            "start_date": project.start_date,
            "calendar_id": project.calendar_id,
        }
        # Watched milestones follow their task to its new row (same uid), not into the void.
        milestone_uids = dict(
            Milestone.objects.filter(project=project, task__isnull=False).values_list(
                "pk", "task__uid"
            )
        )
        Task.objects.filter(project=project).delete()
        Baseline.objects.filter(project=project).delete()
        written = _write_calendars(
            plan, organisation_id=organisation_id, code=project.code, project=project
        )
        calendar = written.get(plan.project_calendar_uid or -1)
        project.calendar = calendar or project.calendar
        if plan.start_date is not None:
            project.start_date = plan.start_date
            if project.finish_date is not None and project.finish_date < plan.start_date:
                project.finish_date = finish_date or plan.start_date
        project.schedule_status_date = plan.status_date
        project.save(
            update_fields=[
                "calendar",
                "start_date",
                "finish_date",
                "schedule_status_date",
                "updated_at",
            ]
        )
        audit_record(
            actor=acting_user,
            action=Action.UPDATE,
            instance=project,
            before=before,
            after={
                "start_date": project.start_date,
                "calendar_id": project.calendar_id,
                "schedule_status_date": project.schedule_status_date,
            },
            summary=f"Replaced the schedule of {project.code} from {label}",
        )
    if project.schedule_status_date != plan.status_date:
        project.schedule_status_date = plan.status_date
        project.save(update_fields=["schedule_status_date", "updated_at"])
    task_count, link_count, assignment_count = _write_schedule(
        plan, project=project, calendars=written, acting_user=acting_user, file_name=label
    )
    if not created and milestone_uids:
        new_tasks = dict(Task.objects.filter(project=project).values_list("uid", "pk"))
        for milestone_id, uid in milestone_uids.items():
            if uid in new_tasks:
                Milestone.objects.filter(pk=milestone_id).update(task_id=new_tasks[uid])
    reschedule = _recompute(project, acting_user=acting_user, reason=f"import of {label}")
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        after={
            "imported": label,
            "tasks": task_count,
            "links": link_count,
            "assignments": assignment_count,
            "baselines": len(plan.baselines),
            "warnings": len(plan.warnings),
            "dates_matching": matching,
            "dates_compared": compared,
        },
        summary=f"Imported {label} into {project.code}: {task_count} tasks, {link_count} links",
    )
    return ImportOutcome(
        project=project,
        created=created,
        tasks=task_count,
        links=link_count,
        assignments=assignment_count,
        baselines=len(plan.baselines),
        calendars=len(written),
        warnings=tuple(plan.warnings),
        dates_compared=compared,
        dates_matching=matching,
        differences=tuple(differences),
        reschedule=reschedule,
    )


def schedule_export_mspdi(*, acting_user: User, project_id: int) -> tuple[bytes, str]:
    """The project's schedule as a Microsoft Project XML file: ``(data, file name)``."""
    project = access_project_by_id(acting_user, project_id)
    graph = schedule_graph_load(project, with_resources=True)
    graph.baselines = list(
        Baseline.objects.filter(project=project).order_by("number").prefetch_related("tasks")
    )
    calendars = EngineCalendars(graph)
    try:
        computed = engine_io.compute_graph(graph, calendars).tasks
    except (CycleError, InputError):
        computed = {}  # A schedule that cannot compute still exports, with its stored dates.
    data = write_mspdi(export_project(graph, calendars, computed))
    return data, f"{project.code}.xml"


# -- leveling --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LevelingMove:
    """One task leveling starts later, and why."""

    uid: int
    name: str
    old_start: dt.date
    new_start: dt.date
    delay_days: int
    resources: tuple[str, ...]
    competing: tuple[str, ...]
    waits_for: tuple[str, ...]
    applied: bool
    reason: str


@dataclass(frozen=True, slots=True)
class LevelingUnresolved:
    uid: int
    name: str
    resources: tuple[str, ...]
    first_day: dt.date | None


@dataclass(frozen=True, slots=True)
class LevelingOutcome:
    """A leveling preview (or what was applied)."""

    method: str
    mode: str
    applied: bool
    finish_before: dt.date | None
    finish_after: dt.date | None
    makespan_days: int
    original_days: int
    lower_bound_days: int
    optimal: bool
    gap: float
    seconds: float
    moves: tuple[LevelingMove, ...]
    unresolved: tuple[LevelingUnresolved, ...]
    resources: tuple[str, ...]
    notes: tuple[str, ...]
    solver_status: str | None = None
    reschedule: RescheduleOutcome | None = None

    @property
    def leveled(self) -> bool:
        return not self.unresolved


def _resource_facts(graph: ScheduleGraph, first_day: dt.date) -> ResourceFacts:
    person_ids = {a.person_id for a in graph.assignments if a.person_id is not None}
    role_ids = {a.role_id for a in graph.assignments if a.person_id is None and a.role_id}
    people = {a.person.pk: a.person for a in graph.assignments if a.person is not None}
    calendar_ids = {p.calendar_id for p in people.values() if p.calendar_id is not None}
    database_calendars = {
        calendar.pk: calendar
        for calendar in Calendar.objects.filter(pk__in=calendar_ids).prefetch_related("exceptions")
    }
    missing = {
        c.base_calendar_id
        for c in database_calendars.values()
        if c.base_calendar_id and c.base_calendar_id not in database_calendars
    }
    if missing:
        for calendar in Calendar.objects.filter(pk__in=missing).prefetch_related("exceptions"):
            database_calendars[calendar.pk] = calendar
    cache: dict[int, Any] = {}
    person_calendars = {
        person.pk: engine_io.engine_calendar(
            database_calendars[person.calendar_id], database_calendars, cache
        )
        for person in people.values()
        if person.calendar_id in database_calendars
    }
    absences: dict[int, list[Absence]] = {}
    for absence in Absence.objects.filter(person_id__in=person_ids, finish_date__gte=first_day):
        absences.setdefault(absence.person_id, []).append(absence)
    role_capacity = {
        row["role_id"]: row["total"] or Decimal(0)
        for row in Person.objects.filter(
            organisation_id=graph.project.organisation_id, role_id__in=role_ids, is_active=True
        )
        .values("role_id")
        .annotate(total=Sum("fte"))
    }
    role_names = {a.role.pk: a.role.name for a in graph.assignments if a.role is not None}
    return ResourceFacts(
        people=people,
        person_calendars=person_calendars,
        absences=absences,
        role_capacity=role_capacity,
        role_names=role_names,
    )


def _check_leveling(method: str, mode: str, time_limit: float | None) -> float:
    errors: dict[str, list[str]] = {}
    if method not in LEVELING_METHODS:
        errors["method"] = ["Use heuristic or solver."]
    if mode not in LEVELING_MODES:
        errors["mode"] = ["Use delay_finish or within_slack."]
    if time_limit is not None and not 0 < time_limit <= MAX_SOLVER_SECONDS:
        errors["time_limit"] = [f"Give 0 to {MAX_SOLVER_SECONDS:g} seconds."]
    if errors:
        raise ValidationFailed(errors)
    if time_limit is not None:
        return time_limit
    return HEURISTIC_SECONDS if method == "heuristic" else SOLVER_SECONDS


def _level(
    project: Project, *, method: str, mode: str, time_limit: float | None
) -> tuple[LevelingOutcome, ScheduleGraph, engine_io.LevelingInput, EngineCalendars]:
    seconds = _check_leveling(method, mode, time_limit)
    graph = schedule_graph_load(project, with_resources=True)
    labels = _labels(graph)
    try:
        calendars = EngineCalendars(graph)
        computation = engine_io.compute_graph(graph, calendars)
        first_day = calendars.local_date(computation.project_start) or calendars.today()
        facts = _resource_facts(graph, first_day)
        problem = engine_io.leveling_input(graph, computation, calendars, facts, mode=mode)
        result = lv.level(
            problem.problem,
            method=method,
            time_limit=seconds,
            seed=LEVELING_SEED,
            max_passes=LEVELING_PASSES if method == "heuristic" else None,
        )
    except (CycleError, InputError, InfeasibleError) as error:
        raise _engine_failure(error, labels, field="leveling") from error
    by_uid = graph.by_uid()
    moves = []
    for move in result.moves:
        uid = int(move.task)
        reason = problem.movable.get(move.task, "")
        moves.append(
            LevelingMove(
                uid=uid,
                name=by_uid[uid].name,
                old_start=problem.day_of(move.original_start),
                new_start=problem.day_of(move.new_start),
                delay_days=move.delay,
                resources=tuple(problem.resource_labels.get(r, r) for r in move.resources),
                competing=tuple(problem.task_labels.get(t, t) for t in move.competing_tasks),
                waits_for=tuple(problem.task_labels.get(t, t) for t in move.delayed_predecessors),
                applied=not reason,
                reason=reason,
            )
        )
    unresolved = tuple(
        LevelingUnresolved(
            uid=int(item.task),
            name=by_uid[int(item.task)].name,
            resources=tuple(problem.resource_labels.get(r, r) for r in item.resources),
            first_day=problem.day_of(item.periods[0]) if item.periods else None,
        )
        for item in result.unresolved
    )
    finish_before = calendars.local_date(computation.project_finish)
    finish_after = finish_before
    if finish_before is not None:
        # The leveler counts whole days; its delay of the finish is what moves the real one.
        index = bisect.bisect_left(problem.days, finish_before)
        finish_after = problem.day_of(index + max(0, result.makespan - result.original_makespan))
    outcome = LevelingOutcome(
        method=result.method,
        mode=result.mode,
        applied=False,
        finish_before=finish_before,
        finish_after=finish_after,
        makespan_days=result.makespan,
        original_days=result.original_makespan,
        lower_bound_days=result.lower_bound,
        optimal=result.optimal,
        gap=result.gap,
        seconds=result.seconds,
        moves=tuple(sorted(moves, key=lambda m: (m.new_start, m.uid))),
        unresolved=unresolved,
        resources=tuple(sorted(problem.resource_labels.values())),
        notes=problem.notes,
        solver_status=result.solver_status,
    )
    return outcome, graph, problem, calendars


def leveling_preview(
    *,
    acting_user: User,
    project_id: int,
    method: str = "heuristic",
    mode: str = "delay_finish",
    time_limit: float | None = None,
) -> LevelingOutcome:
    """What leveling would move, and why, without changing anything."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    outcome, *_ = _level(project, method=method, mode=mode, time_limit=time_limit)
    return outcome


@transaction.atomic
def leveling_apply(
    *,
    acting_user: User,
    project_id: int,
    method: str = "heuristic",
    mode: str = "delay_finish",
    time_limit: float | None = None,
) -> LevelingOutcome:
    """Level and apply: each moved task gets "start no earlier than" its new start."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    outcome, graph, _problem, calendars = _level(
        project, method=method, mode=mode, time_limit=time_limit
    )
    by_uid = graph.by_uid()
    changed = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for move in outcome.moves:
        if not move.applied:
            continue
        task = by_uid[move.uid]
        moment = calendars.day_moment(move.new_start, finish=False)
        if (
            task.constraint_type == "SNET"
            and task.constraint_date
            and task.constraint_date >= moment
        ):
            continue
        before[str(task.uid)] = {
            "constraint_type": task.constraint_type,
            "constraint_date": task.constraint_date,
        }
        task.constraint_type = "SNET"
        task.constraint_date = moment
        after[str(task.uid)] = {"constraint_type": "SNET", "constraint_date": moment}
        changed.append(task)
    if changed:
        Task.objects.bulk_update(changed, ["constraint_type", "constraint_date"], batch_size=500)
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        before={"constraints": before},
        after={"leveled": outcome.method, "mode": outcome.mode, "constraints": after},
        summary=f"Leveled {project.code} ({outcome.method}): {len(changed)} task(s) delayed",
    )
    reschedule = _recompute(project, acting_user=acting_user, reason="leveling")
    return dataclasses.replace(
        outcome,
        applied=True,
        reschedule=reschedule,
        finish_after=calendars.local_date(reschedule.finish) or outcome.finish_after,
    )


# -- Monte Carlo -----------------------------------------------------------------------------


class SimulationOptions(TypedDict):
    iterations: int
    seed: int
    optimistic_percent: float
    pessimistic_percent: float
    distribution: str


DEFAULT_SIMULATION = SimulationOptions(
    iterations=10_000,
    seed=0,
    optimistic_percent=10.0,
    pessimistic_percent=30.0,
    distribution="triangular",
)


def simulation_options(raw: Mapping[str, Any]) -> SimulationOptions:
    """Checked options of a simulation run (defaults for the keys not given)."""
    errors: dict[str, list[str]] = {}
    options: dict[str, Any] = dict(DEFAULT_SIMULATION)
    for key in raw:
        if key not in options:
            errors[key] = ["Unknown field."]
    for key, low, high, kind in (
        ("iterations", 100, MAX_ITERATIONS, int),
        ("seed", 0, 2**31 - 1, int),
        ("optimistic_percent", 0, 95, float),
        ("pessimistic_percent", 0, 500, float),
    ):
        if raw.get(key) is None:
            continue
        try:
            value = kind(raw[key])
        except (TypeError, ValueError):
            errors[key] = ["Enter a number."]
            continue
        if not low <= value <= high:
            errors[key] = [f"Use {low} to {high}."]
        options[key] = value
    if raw.get("distribution") is not None:
        if raw["distribution"] not in DISTRIBUTIONS:
            errors["distribution"] = [f"Use one of {', '.join(DISTRIBUTIONS)}."]
        options["distribution"] = raw["distribution"]
    if errors:
        raise ValidationFailed(errors)
    return SimulationOptions(
        iterations=int(options["iterations"]),
        seed=int(options["seed"]),
        optimistic_percent=float(options["optimistic_percent"]),
        pessimistic_percent=float(options["pessimistic_percent"]),
        distribution=str(options["distribution"]),
    )


@transaction.atomic
def simulation_start(*, acting_user: User, project_id: int, options: Mapping[str, Any]) -> Job:
    """Queue a Monte Carlo run of the project's schedule as a background job."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    checked = simulation_options(options)
    # Fail now, not in the worker, when the schedule cannot even be computed.
    graph = schedule_graph_load(project)
    try:
        engine_io.compute_graph(graph)
    except (CycleError, InputError) as error:
        raise _engine_failure(error, _labels(graph)) from error
    if not graph.tasks:
        raise ValidationFailed({"schedule": ["The schedule has no task to simulate."]})
    return job_start(
        acting_user=acting_user,
        kind=SIMULATION_KIND,
        title=f"Monte Carlo risk analysis of {project.code}",
        params={"project_id": project.pk, **checked},
    )


Progress = Callable[[int, str], None]


def simulation_run(
    *, project_id: int, options: Mapping[str, Any], progress: Progress | None = None
) -> dict[str, Any]:
    """Run the simulation and return its JSON-safe summary (the job's result)."""
    began = time.perf_counter()
    report = progress or (lambda _percent, _message: None)
    checked = simulation_options(options)
    project = Project.objects.get(pk=project_id)
    report(5, "Loading the schedule")
    graph = schedule_graph_load(project)
    labels = _labels(graph)
    try:
        calendars = EngineCalendars(graph)
        computation = engine_io.compute_graph(graph, calendars)
        risk = engine_io.risk_input(
            graph,
            computation,
            calendars,
            optimistic_percent=checked["optimistic_percent"],
            pessimistic_percent=checked["pessimistic_percent"],
            distribution=checked["distribution"],
        )
    except (CycleError, InputError) as error:
        raise _engine_failure(error, labels) from error
    report(20, f"Simulating {checked['iterations']:,} schedules")
    result = mc.simulate(
        risk.model, mc.SimulationSettings(iterations=checked["iterations"], seed=checked["seed"])
    )
    report(90, "Summarising")

    def date_of(days: float) -> str:
        return engine_io.risk_date(risk, calendars, days).isoformat()

    names = {str(task.uid): task.name for task in graph.tasks}
    percentiles = {f"P{int(p)}": date_of(v) for p, v in sorted(result.project.percentiles.items())}
    s_curve = [[percent, date_of(days)] for percent, days in result.project.percentile_table(2.5)]
    s_curve.insert(0, [0.0, date_of(float(result.project.finishes[0]))])
    tornado = [
        {
            "uid": int(entry.id),
            "name": names.get(entry.id, entry.id),
            "spearman": round(entry.spearman, 4),
            "cruciality": round(entry.cruciality, 4),
            "criticality": None if entry.criticality is None else round(entry.criticality, 4),
        }
        for entry in result.sensitivity
        if entry.kind == "task"
    ][:12]
    criticality: list[dict[str, Any]] = sorted(
        (
            {"uid": int(task_id), "name": names.get(task_id, task_id), "index": round(value, 4)}
            for task_id, value in result.criticality.items()
        ),
        key=lambda row: (-row["index"], row["uid"]),
    )
    milestones = [
        {
            "uid": int(task_id),
            "name": names.get(task_id, task_id),
            **{f"P{int(p)}": date_of(v) for p, v in sorted(distribution.percentiles.items())},
        }
        for task_id, distribution in result.milestones.items()
    ]
    return {
        "project_id": project.pk,
        "options": dict(checked),
        "iterations": result.iterations,
        "seed": result.seed,
        "deterministic_finish": date_of(result.deterministic_finish),
        "scheduled_finish": None
        if computation.project_finish is None
        else computation.project_finish.isoformat(),
        "probability_of_deterministic_finish": round(result.probability_of_deterministic_finish, 4),
        "percentiles": percentiles,
        "mean_finish": date_of(result.project.mean),
        "standard_deviation_days": round(result.project.standard_deviation, 3),
        "s_curve": s_curve,
        "tornado": tornado,
        "criticality": criticality,
        "milestones": milestones,
        "notes": list(risk.notes),
        "seconds": round(time.perf_counter() - began, 3),
        "finished_at": timezone.now().isoformat(),
    }


@transaction.atomic
def simulation_record(*, acting_user: User, project_id: int, options: Mapping[str, Any]) -> Job:
    """Run a simulation now (the command line) and keep it as a finished job of the project."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    checked = simulation_options(options)
    started = timezone.now()
    result = simulation_run(project_id=project.pk, options=checked)
    job = Job.objects.create(
        organisation_id=project.organisation_id,
        kind=SIMULATION_KIND,
        title=f"Monte Carlo risk analysis of {project.code}",
        params={"project_id": project.pk, **checked},
        state=Job.State.SUCCEEDED,
        progress=100,
        result=result,
        created_by=acting_user,
        started_at=started,
        finished_at=timezone.now(),
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=job,
        after={"kind": SIMULATION_KIND, "project_id": project.pk},
        summary=f"Ran a Monte Carlo analysis of {project.code}",
    )
    return job
