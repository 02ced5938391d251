"""Reading a project's schedule: the grid rows, baseline variance, earned value, risk results.

:func:`schedule_view` loads the whole schedule in a fixed number of queries and computes on it
in memory: the CPM engine runs again (nothing is written) so that conflicts are listed per task
and a schedule whose stored dates no longer match its data (edited elsewhere) is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from steerco.accounts.models import User
from steerco.engine.errors import CycleError, InputError
from steerco.jobs.models import Job
from steerco.projects import engine_io
from steerco.projects.access import access_project_by_id, can_edit_project
from steerco.projects.engine_io import EngineCalendars, ScheduleGraph, schedule_graph_load
from steerco.projects.models import Baseline, Project, Task, TaskLink
from steerco.projects.schedule_services import SIMULATION_KIND, format_predecessor

DAY_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One row of the grid (and one bar of the Gantt chart)."""

    task: Task
    depth: int
    is_summary: bool
    duration_days: Decimal
    start: dt.datetime | None
    finish: dt.datetime | None
    start_day: dt.date | None
    finish_day: dt.date | None
    predecessors: str
    constraint_day: dt.date | None
    total_float_days: Decimal | None
    free_float_days: Decimal | None
    critical: bool
    baseline_start: dt.datetime | None
    baseline_finish: dt.datetime | None
    finish_variance_days: Decimal | None
    resources: str
    conflicts: tuple[str, ...]

    @property
    def uid(self) -> int:
        return self.task.uid

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def is_milestone(self) -> bool:
        return self.task.is_milestone or (not self.is_summary and self.task.duration_minutes == 0)

    @property
    def percent_complete(self) -> Decimal:
        return self.task.percent_complete

    @property
    def indent(self) -> int:
        return min(self.depth, 8)


@dataclass(frozen=True, slots=True)
class EarnedValuePanel:
    """The earned value figures shown beside the schedule."""

    unit: str
    baseline_name: str
    status: dt.datetime
    bac: float
    pv: float
    ev: float
    ac: float
    sv: float
    cv: float
    spi: float | None
    cpi: float | None
    eac: float | None
    percent_complete: float | None
    spi_t: float | None


@dataclass(slots=True)
class ScheduleView:
    """Everything the schedule page and ``GET /projects/{id}/schedule`` show."""

    project: Project
    can_edit: bool
    calendar_name: str
    minutes_per_day: int
    rows: list[ScheduleRow]
    links: list[TaskLink]
    start: dt.datetime | None
    finish: dt.datetime | None
    status_date: dt.datetime | None
    conflicts: list[tuple[int, str, str]]
    notes: list[str]
    error: str
    stale: bool
    baselines: list[Baseline]
    baseline: Baseline | None
    earned_value: EarnedValuePanel | None
    earned_value_note: str
    today: dt.date
    uid_of: dict[int, int] = field(default_factory=dict)

    @property
    def critical_count(self) -> int:
        return sum(1 for row in self.rows if row.critical)

    @property
    def task_count(self) -> int:
        return len(self.rows)

    @property
    def has_wbs(self) -> bool:
        return any(row.task.wbs for row in self.rows)


def _days(minutes: int | None, minutes_per_day: int) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / minutes_per_day).quantize(DAY_PLACES)


def _tree_order(tasks: list[Task]) -> list[tuple[Task, int]]:
    """Tasks depth first under their parents (in sort order), with their depth."""
    children: dict[int | None, list[Task]] = {}
    known = {task.pk for task in tasks}
    for task in tasks:
        parent = task.parent_id if task.parent_id in known else None
        children.setdefault(parent, []).append(task)
    ordered: list[tuple[Task, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for task in children.get(parent, []):
            if task.pk in seen:
                continue
            seen.add(task.pk)
            ordered.append((task, depth))
            walk(task.pk, depth + 1)

    walk(None, 0)
    # Anything left (a parent loop written around the services) still shows, at the top level.
    ordered.extend((task, 0) for task in tasks if task.pk not in seen)
    return ordered


def _resources(graph: ScheduleGraph) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    for assignment in graph.assignments:
        if assignment.person is not None:
            label = assignment.person.name
        elif assignment.role is not None:
            label = assignment.role.name
        else:
            continue
        if assignment.units != Decimal(100):
            label += f" [{assignment.units.normalize():f}%]"
        names.setdefault(assignment.task_id, []).append(label)
    return {task_id: ", ".join(labels) for task_id, labels in names.items()}


def schedule_view(user: User, project_id: int) -> ScheduleView:
    """The schedule of a project the user may see (``NotFound`` otherwise)."""
    project = access_project_by_id(user, project_id)
    graph = schedule_graph_load(project, with_resources=True, with_baseline=True)
    return schedule_view_of(graph, can_edit=can_edit_project(user, project))


def schedule_view_of(graph: ScheduleGraph, *, can_edit: bool) -> ScheduleView:
    project = graph.project
    error = ""
    notes: list[str] = []
    conflicts: dict[int, list[str]] = {}
    conflict_rows: list[tuple[int, str, str]] = []
    stale = False
    calendars: EngineCalendars | None = None
    computation = None
    try:
        calendars = EngineCalendars(graph)
        computation = engine_io.compute_graph(graph, calendars)
    except CycleError as failure:
        labels = {str(task.uid): f"{task.uid} {task.name}" for task in graph.tasks}
        path = [labels.get(task, task) for task in failure.tasks]
        error = "The dependencies form a cycle: " + " → ".join([*path, path[0]]) + "."
    except InputError as failure:
        error = str(failure)
    if calendars is None:
        calendars = EngineCalendars.from_engine(engine_io.standard_calendar(), {}, 480)
    minutes_per_day = calendars.minutes_per_day
    if computation is not None:
        notes = list(computation.notes)
        for conflict in computation.conflicts:
            conflicts.setdefault(conflict.uid, []).append(conflict.message)
            conflict_rows.append((conflict.uid, conflict.kind, conflict.message))
        for task in graph.tasks:
            computed = computation.tasks.get(task.uid)
            if computed is not None and (
                task.planned_start != computed.start or task.planned_finish != computed.finish
            ):
                stale = True
                break
    uid_of = graph.uid_of()
    predecessor_text: dict[int, list[str]] = {}
    for link in graph.links:
        predecessor_uid = uid_of.get(link.predecessor_id)
        if predecessor_uid is None:
            continue
        predecessor_text.setdefault(link.successor_id, []).append(
            format_predecessor(predecessor_uid, link, minutes_per_day=minutes_per_day)
        )
    resources = _resources(graph)
    summaries = {task.parent_id for task in graph.tasks if task.parent_id is not None}
    rows = []
    axis = None
    for task, depth in _tree_order(graph.tasks):
        baseline_row = graph.baseline_rows.get(task.uid)
        variance = None
        if baseline_row is not None and baseline_row.finish and task.planned_finish:
            old = calendars.wall(baseline_row.finish)
            new = calendars.wall(task.planned_finish)
            assert old is not None and new is not None
            # One table of working time serves every row (a binary search each).
            axis = axis or calendars.project.axis(old)
            variance = _days(axis.working_minutes_between(old, new), minutes_per_day)
        rows.append(
            ScheduleRow(
                task=task,
                depth=depth,
                is_summary=task.pk in summaries,
                duration_days=_days(task.duration_minutes, minutes_per_day) or Decimal(0),
                start=task.planned_start,
                finish=task.planned_finish,
                start_day=calendars.local_date(task.planned_start),
                finish_day=calendars.local_date(task.planned_finish),
                predecessors=", ".join(predecessor_text.get(task.pk, [])),
                constraint_day=calendars.local_date(task.constraint_date),
                total_float_days=_days(task.total_float_minutes, minutes_per_day),
                free_float_days=_days(task.free_float_minutes, minutes_per_day),
                critical=task.is_critical,
                baseline_start=None if baseline_row is None else baseline_row.start,
                baseline_finish=None if baseline_row is None else baseline_row.finish,
                finish_variance_days=variance,
                resources=resources.get(task.pk, ""),
                conflicts=tuple(conflicts.get(task.uid, [])),
            )
        )
    starts = [task.planned_start for task in graph.tasks if task.planned_start is not None]
    finishes = [task.planned_finish for task in graph.tasks if task.planned_finish is not None]
    status = project.schedule_status_date or timezone.now()
    panel, panel_note = _earned_value(graph, status)
    database_calendar = graph.project_calendar
    return ScheduleView(
        project=project,
        can_edit=can_edit,
        calendar_name=database_calendar.name if database_calendar else "Standard (default)",
        minutes_per_day=minutes_per_day,
        rows=rows,
        links=graph.links,
        start=min(starts) if starts else None,
        finish=max(finishes) if finishes else None,
        status_date=project.schedule_status_date,
        conflicts=conflict_rows,
        notes=notes,
        error=error,
        stale=stale,
        baselines=graph.baselines,
        baseline=graph.baseline,
        earned_value=panel,
        earned_value_note=panel_note,
        today=calendars.today(),
        uid_of=uid_of,
    )


def _earned_value(graph: ScheduleGraph, status: dt.datetime) -> tuple[EarnedValuePanel | None, str]:
    if graph.baseline is None:
        return None, "Capture a baseline to measure earned value against it."
    try:
        build = engine_io.earned_value_input(graph, status)
    except InputError as failure:
        return None, f"Earned value cannot be computed: {failure}"
    if build is None:
        return None, "The baseline has no dated task to measure against."
    result = build.result
    if result.bac <= 0:
        return None, "The baseline holds no cost and no work to measure earned value with."
    eac = result.estimate("cpi").eac
    return (
        EarnedValuePanel(
            unit=build.unit,
            baseline_name=graph.baseline.name or f"Baseline {graph.baseline.number}",
            status=status,
            bac=result.bac,
            pv=result.pv,
            ev=result.ev,
            ac=result.ac,
            sv=result.sv,
            cv=result.cv,
            spi=result.spi,
            cpi=result.cpi,
            eac=eac,
            percent_complete=result.percent_complete,
            spi_t=result.spi_t,
        ),
        "",
    )


# -- Monte Carlo results ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulationView:
    """The latest Monte Carlo run of a project (and the one running now, if any)."""

    project: Project
    can_edit: bool
    latest: Job | None
    finished: Job | None

    @property
    def result(self) -> dict[str, Any] | None:
        if self.finished is None or not isinstance(self.finished.result, dict):
            return None
        return self.finished.result

    @property
    def running(self) -> bool:
        return self.latest is not None and not self.latest.is_finished


def simulation_jobs(project: Project) -> Any:
    return Job.objects.filter(
        organisation_id=project.organisation_id,
        kind=SIMULATION_KIND,
        params__project_id=project.pk,
    ).order_by("-created_at", "-id")


def simulation_latest(user: User, project_id: int) -> SimulationView:
    """The project's latest simulation, for anyone who may see the project."""
    project = access_project_by_id(user, project_id)
    jobs = simulation_jobs(project)
    return SimulationView(
        project=project,
        can_edit=can_edit_project(user, project),
        latest=jobs.first(),
        finished=jobs.filter(state=Job.State.SUCCEEDED).first(),
    )
