"""API: a project's schedule, grid edits, baselines, leveling, Monte Carlo, MSPDI files.

Anyone who may see the project reads; only its manager and the PMO change it (403 for the
others); projects outside the user's view are 404. A dependency cycle is a 422 problem whose
``errors.links`` names the tasks.

The schedule (``GET``, and the answer of ``PUT`` and of grid edits) lists its tasks a page at a
time, in outline order: ``?page=`` (from 1) and ``?page_size=`` (up to
:data:`MAX_PAGE_SIZE`, the default), ``?critical=true`` for the critical tasks only, ``?q=``
to search names, WBS codes and numbers, ``?task_id=`` for the page that holds a task. ``links``
are those into the page's tasks; the totals (start, finish, ``critical_count``,
``task_count``, conflicts) are the whole project's.
"""

# No "from __future__ import annotations": Ninja reads the annotations at run time.

import datetime
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from steerco.api.helpers import request_user
from steerco.core.errors import NotFound, ValidationFailed
from steerco.jobs.api import JobOut
from steerco.jobs.models import Job
from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.models import Baseline

router = Router(tags=["schedule"])

# A project of up to this many tasks comes in one page, as before paging.
MAX_PAGE_SIZE = 1000


# -- schemas ---------------------------------------------------------------------------------


class ConflictOut(Schema):
    task_uid: int
    kind: str
    message: str


class ScheduleTaskOut(Schema):
    id: int
    uid: int
    name: str
    wbs: str
    depth: int
    parent_id: int | None
    is_summary: bool
    is_milestone: bool
    is_manual: bool
    duration_minutes: int
    duration_days: float
    start: datetime.datetime | None
    finish: datetime.datetime | None
    early_start: datetime.datetime | None
    early_finish: datetime.datetime | None
    late_start: datetime.datetime | None
    late_finish: datetime.datetime | None
    total_float_minutes: int | None
    free_float_minutes: int | None
    critical: bool
    percent_complete: float
    constraint_type: str
    constraint_date: datetime.datetime | None
    deadline: datetime.datetime | None
    actual_start: datetime.datetime | None
    actual_finish: datetime.datetime | None
    predecessors: str
    resources: str
    baseline_start: datetime.datetime | None
    baseline_finish: datetime.datetime | None
    finish_variance_days: float | None
    conflicts: list[str]


class ScheduleLinkOut(Schema):
    id: int
    predecessor_id: int
    successor_id: int
    predecessor_uid: int
    successor_uid: int
    type: str
    lag_minutes: int
    lag_percent: float | None
    lag_elapsed: bool


class BaselineOut(Schema):
    id: int
    number: int
    name: str
    captured_at: datetime.datetime
    note: str


class EarnedValueOut(Schema):
    unit: str
    baseline: str
    status_date: datetime.datetime
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


class ScheduleOut(Schema):
    project_id: int
    code: str
    name: str
    can_edit: bool
    calendar: str
    minutes_per_day: int
    start_date: datetime.date | None
    start: datetime.datetime | None
    finish: datetime.datetime | None
    status_date: datetime.datetime | None
    stale: bool
    error: str
    critical_count: int
    tasks: list[ScheduleTaskOut]
    links: list[ScheduleLinkOut]
    conflicts: list[ConflictOut]
    notes: list[str]
    baselines: list[BaselineOut]
    compared_baseline: int | None
    earned_value: EarnedValueOut | None
    earned_value_note: str
    task_count: int
    matching_tasks: int
    page: int
    pages: int
    page_size: int


class SchedulePageIn(Schema):
    """Which tasks the schedule lists (the totals are always the whole project's)."""

    page: int = Field(1, ge=1)
    page_size: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    critical: bool = False
    q: str = Field("", max_length=100)
    task_id: int | None = None

    def grid_query(self) -> selectors.GridQuery:
        return selectors.GridQuery(
            page=self.page,
            critical_only=self.critical,
            search=self.q.strip(),
            task_id=self.task_id,
            page_size=self.page_size,
        )


class ScheduleSettingsIn(Schema):
    """The project start, status date or calendar; only the fields sent change."""

    start_date: datetime.date | None = None
    status_date: datetime.datetime | None = None
    calendar_id: int | None = None


class TaskEditIn(Schema):
    """One grid row: only the fields sent change. ``duration_days`` is in working days of the
    project calendar; ``predecessors`` uses Microsoft Project's notation (``3, 5SS+2d``)."""

    task_id: int
    name: str | None = None
    duration_minutes: int | None = None
    duration_days: Decimal | None = None
    percent_complete: Decimal | None = None
    constraint_type: str | None = None
    constraint_date: datetime.datetime | datetime.date | None = None
    predecessors: str | None = None


class LinkIn(Schema):
    predecessor_id: int
    successor_id: int
    type: str = "FS"
    lag_minutes: int = 0
    lag_percent: Decimal | None = None


class ScheduleEditIn(Schema):
    tasks: list[TaskEditIn] = []
    add_links: list[LinkIn] = []
    remove_link_ids: list[int] = []


class RescheduleOut(Schema):
    changed: int
    finish: datetime.datetime | None
    critical: list[int]
    conflicts: list[ConflictOut]
    notes: list[str]


class LevelIn(Schema):
    method: str = "heuristic"
    mode: str = "delay_finish"
    apply: bool = False
    time_limit: float | None = None


class MoveOut(Schema):
    uid: int
    name: str
    old_start: datetime.date
    new_start: datetime.date
    delay_days: int
    resources: list[str]
    competing_tasks: list[str]
    waits_for: list[str]
    applied: bool
    reason: str


class UnresolvedOut(Schema):
    uid: int
    name: str
    resources: list[str]
    first_day: datetime.date | None


class LevelingOut(Schema):
    method: str
    mode: str
    applied: bool
    leveled: bool
    finish_before: datetime.date | None
    finish_after: datetime.date | None
    makespan_days: int
    original_days: int
    lower_bound_days: int
    optimal: bool
    gap: float
    seconds: float
    solver_status: str | None
    moves: list[MoveOut]
    unresolved: list[UnresolvedOut]
    resources: list[str]
    notes: list[str]


class SimulateIn(Schema):
    iterations: int = 10_000
    seed: int = 0
    optimistic_percent: float = 10.0
    pessimistic_percent: float = 30.0
    distribution: str = "triangular"


class SimulationOut(Schema):
    job_id: int
    state: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    running_job_id: int | None
    result: dict[str, Any]


class BaselineIn(Schema):
    number: int = 0
    name: str = ""
    note: str = ""


class ImportOut(Schema):
    project_id: int
    code: str
    created: bool
    tasks: int
    links: int
    assignments: int
    baselines: int
    calendars: int
    dates_compared: int
    dates_matching: int
    differences: list[str]
    warnings: list[str]
    finish: datetime.datetime | None
    conflicts: list[ConflictOut]


# -- helpers ---------------------------------------------------------------------------------


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _schedule_out(view: selectors.ScheduleWindow) -> dict[str, Any]:
    project = view.project
    tasks = []
    uid_of: dict[int, int] = {}
    for row in view.rows:
        task = row.task
        uid_of[task.pk] = task.uid
        tasks.append(
            {
                "id": task.pk,
                "uid": task.uid,
                "name": task.name,
                "wbs": task.wbs,
                "depth": row.depth,
                "parent_id": task.parent_id,
                "is_summary": row.is_summary,
                "is_milestone": row.is_milestone,
                "is_manual": task.is_manual,
                "duration_minutes": task.duration_minutes,
                "duration_days": float(row.duration_days),
                "start": task.planned_start,
                "finish": task.planned_finish,
                "early_start": task.early_start,
                "early_finish": task.early_finish,
                "late_start": task.late_start,
                "late_finish": task.late_finish,
                "total_float_minutes": task.total_float_minutes,
                "free_float_minutes": task.free_float_minutes,
                "critical": task.is_critical,
                "percent_complete": float(task.percent_complete),
                "constraint_type": task.constraint_type,
                "constraint_date": task.constraint_date,
                "deadline": task.deadline,
                "actual_start": task.actual_start,
                "actual_finish": task.actual_finish,
                "predecessors": row.predecessors,
                "resources": row.resources,
                "baseline_start": row.baseline_start,
                "baseline_finish": row.baseline_finish,
                "finish_variance_days": _float(row.finish_variance_days),
                "conflicts": list(row.conflicts),
            }
        )
    links = [
        {
            "id": link.pk,
            "predecessor_id": link.predecessor_id,
            "successor_id": link.successor_id,
            "predecessor_uid": link.predecessor_uid,
            "successor_uid": uid_of.get(link.successor_id, -1),
            "type": link.type,
            "lag_minutes": link.lag_minutes,
            "lag_percent": _float(link.lag_percent),
            "lag_elapsed": link.lag_elapsed,
        }
        for link in view.links
    ]
    _, panel, panel_note = selectors.earned_value_of_project(project)
    earned_value = None
    if panel is not None:
        earned_value = {
            "unit": panel.unit,
            "baseline": panel.baseline_name,
            "status_date": panel.status,
            "bac": panel.bac,
            "pv": panel.pv,
            "ev": panel.ev,
            "ac": panel.ac,
            "sv": panel.sv,
            "cv": panel.cv,
            "spi": panel.spi,
            "cpi": panel.cpi,
            "eac": panel.eac,
            "percent_complete": panel.percent_complete,
            "spi_t": panel.spi_t,
        }
    return {
        "project_id": project.pk,
        "code": project.code,
        "name": project.name,
        "can_edit": view.can_edit,
        "calendar": view.calendar_name,
        "minutes_per_day": view.minutes_per_day,
        "start_date": project.start_date,
        "start": view.start,
        "finish": view.finish,
        "status_date": view.status_date,
        "stale": view.stale,
        "error": view.error,
        "critical_count": view.critical_count,
        "tasks": tasks,
        "links": links,
        "conflicts": [
            {"task_uid": uid, "kind": kind, "message": message}
            for uid, kind, message in view.conflicts
        ],
        "notes": list(view.notes),
        "baselines": view.baselines,
        "compared_baseline": None if view.baseline is None else view.baseline.number,
        "earned_value": earned_value,
        "earned_value_note": panel_note,
        "task_count": view.task_count,
        "matching_tasks": view.matching,
        "page": view.page,
        "pages": view.pages,
        "page_size": view.query.page_size,
    }


def _reschedule_out(outcome: services.RescheduleOutcome) -> dict[str, Any]:
    return {
        "changed": outcome.changed,
        "finish": outcome.finish,
        "critical": list(outcome.critical),
        "conflicts": [
            {"task_uid": c.uid, "kind": c.kind, "message": c.message} for c in outcome.conflicts
        ],
        "notes": list(outcome.notes),
    }


def _leveling_out(outcome: services.LevelingOutcome) -> dict[str, Any]:
    return {
        "method": outcome.method,
        "mode": outcome.mode,
        "applied": outcome.applied,
        "leveled": outcome.leveled,
        "finish_before": outcome.finish_before,
        "finish_after": outcome.finish_after,
        "makespan_days": outcome.makespan_days,
        "original_days": outcome.original_days,
        "lower_bound_days": outcome.lower_bound_days,
        "optimal": outcome.optimal,
        "gap": outcome.gap,
        "seconds": outcome.seconds,
        "solver_status": outcome.solver_status,
        "moves": [
            {
                "uid": move.uid,
                "name": move.name,
                "old_start": move.old_start,
                "new_start": move.new_start,
                "delay_days": move.delay_days,
                "resources": list(move.resources),
                "competing_tasks": list(move.competing),
                "waits_for": list(move.waits_for),
                "applied": move.applied,
                "reason": move.reason,
            }
            for move in outcome.moves
        ],
        "unresolved": [
            {
                "uid": item.uid,
                "name": item.name,
                "resources": list(item.resources),
                "first_day": item.first_day,
            }
            for item in outcome.unresolved
        ],
        "resources": list(outcome.resources),
        "notes": list(outcome.notes),
    }


def _import_out(outcome: services.ImportOutcome) -> dict[str, Any]:
    return {
        "project_id": outcome.project.pk,
        "code": outcome.project.code,
        "created": outcome.created,
        "tasks": outcome.tasks,
        "links": outcome.links,
        "assignments": outcome.assignments,
        "baselines": outcome.baselines,
        "calendars": outcome.calendars,
        "dates_compared": outcome.dates_compared,
        "dates_matching": outcome.dates_matching,
        "differences": list(outcome.differences),
        "warnings": list(outcome.warnings),
        "finish": outcome.reschedule.finish,
        "conflicts": _reschedule_out(outcome.reschedule)["conflicts"],
    }


def _read_upload(file: UploadedFile) -> bytes:
    if file.size is not None and file.size > services.MAX_IMPORT_BYTES:
        raise ValidationFailed(
            {"file": [f"The file is larger than {services.MAX_IMPORT_BYTES} bytes."]}
        )
    return cast(bytes, file.read())


# -- endpoints -------------------------------------------------------------------------------


# Registered first: its path would otherwise read as /projects/{project_id}/mspdi.
@router.post("/projects/import/mspdi", response={201: ImportOut})
def mspdi_create(
    request: HttpRequest,
    file: File[UploadedFile],
    portfolio_id: Form[int],
    code: Form[str],
    name: Form[str] = "",
) -> Status[dict[str, Any]]:
    """Create a project (an idea) from a Microsoft Project XML file."""
    outcome = services.schedule_import_mspdi(
        acting_user=request_user(request),
        data=_read_upload(file),
        file_name=file.name or "",
        portfolio_id=portfolio_id,
        code=code,
        name=name or None,
    )
    return Status(201, _import_out(outcome))


@router.get("/projects/{project_id}/schedule", response=ScheduleOut)
def schedule_detail(
    request: HttpRequest, project_id: int, listing: Query[SchedulePageIn]
) -> dict[str, Any]:
    """The schedule: tasks with computed dates, floats and critical flags (a page of them),
    their links, conflicts per task, baseline variance and earned value."""
    return _schedule_out(
        selectors.schedule_window(request_user(request), project_id, listing.grid_query())
    )


@router.put("/projects/{project_id}/schedule", response=ScheduleOut)
def schedule_settings(
    request: HttpRequest,
    project_id: int,
    payload: ScheduleSettingsIn,
    listing: Query[SchedulePageIn],
) -> dict[str, Any]:
    """Change the project start, status date or calendar; the schedule is recomputed."""
    user = request_user(request)
    outcome = services.schedule_settings_update(
        acting_user=user,
        project_id=project_id,
        changes=cast(services.ScheduleSettings, payload.model_dump(exclude_unset=True)),
    )
    return _schedule_out(
        selectors.schedule_window(user, project_id, listing.grid_query(), outcome=outcome)
    )


@router.post("/projects/{project_id}/schedule/tasks", response=ScheduleOut)
def schedule_edit(
    request: HttpRequest,
    project_id: int,
    payload: ScheduleEditIn,
    listing: Query[SchedulePageIn],
) -> dict[str, Any]:
    """Grid edits (name, duration, % complete, constraint, predecessors, links), then a
    reschedule, in one transaction."""
    user = request_user(request)
    outcome = services.schedule_edit(
        acting_user=user,
        project_id=project_id,
        task_edits=[
            cast(services.TaskEdit, edit.model_dump(exclude_unset=True)) for edit in payload.tasks
        ],
        add_links=[cast(services.LinkSpec, link.model_dump()) for link in payload.add_links],
        remove_link_ids=payload.remove_link_ids,
    )
    return _schedule_out(
        selectors.schedule_window(user, project_id, listing.grid_query(), outcome=outcome)
    )


@router.post("/projects/{project_id}/schedule/reschedule", response=RescheduleOut)
def schedule_reschedule(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """Recompute the schedule and store it (after edits made elsewhere)."""
    outcome = services.project_reschedule(acting_user=request_user(request), project_id=project_id)
    return _reschedule_out(outcome)


@router.post("/projects/{project_id}/baselines", response={201: BaselineOut})
def baseline_capture(
    request: HttpRequest, project_id: int, payload: BaselineIn
) -> Status[Baseline]:
    """Save the current schedule as baseline ``number`` (0-10; replaces one of that number)."""
    baseline = services.baseline_capture(
        acting_user=request_user(request),
        project_id=project_id,
        number=payload.number,
        name=payload.name,
        note=payload.note,
    )
    return Status(201, baseline)


@router.post("/projects/{project_id}/level", response=LevelingOut)
def level(request: HttpRequest, project_id: int, payload: LevelIn) -> dict[str, Any]:
    """Level resources: a preview of what moves and why; with ``apply`` the moves are applied
    as "start no earlier than" constraints and the schedule recomputed."""
    action = services.leveling_apply if payload.apply else services.leveling_preview
    outcome = action(
        acting_user=request_user(request),
        project_id=project_id,
        method=payload.method,
        mode=payload.mode,
        time_limit=payload.time_limit,
    )
    return _leveling_out(outcome)


@router.post("/projects/{project_id}/simulate", response={202: JobOut})
def simulate(request: HttpRequest, project_id: int, payload: SimulateIn) -> Status[Job]:
    """Start a Monte Carlo risk analysis as a background job; poll ``/jobs/{id}``."""
    job = services.simulation_start(
        acting_user=request_user(request), project_id=project_id, options=payload.model_dump()
    )
    return Status(202, job)


@router.get("/projects/{project_id}/simulation", response=SimulationOut)
def simulation(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """The latest finished Monte Carlo run: P10/P50/P80/P95, S-curve, tornado, criticality."""
    view = selectors.simulation_latest(request_user(request), project_id)
    if view.finished is None or view.result is None:
        raise NotFound(f"{view.project.code} has no finished simulation yet.")
    return {
        "job_id": view.finished.pk,
        "state": view.finished.state,
        "created_at": view.finished.created_at,
        "finished_at": view.finished.finished_at,
        "running_job_id": view.latest.pk if view.running and view.latest else None,
        "result": view.result,
    }


@router.post("/projects/{project_id}/mspdi", response=ImportOut)
def mspdi_replace(
    request: HttpRequest, project_id: int, file: File[UploadedFile]
) -> dict[str, Any]:
    """Replace the project's schedule with a Microsoft Project XML file (multipart ``file``).
    A bad file is a 422 naming the element and line; nothing is written."""
    outcome = services.schedule_import_mspdi(
        acting_user=request_user(request),
        data=_read_upload(file),
        file_name=file.name or "",
        project_id=project_id,
    )
    return _import_out(outcome)


@router.get("/projects/{project_id}/mspdi")
def mspdi_download(request: HttpRequest, project_id: int) -> HttpResponse:
    """The schedule as a Microsoft Project XML file."""
    data, file_name = services.schedule_export_mspdi(
        acting_user=request_user(request), project_id=project_id
    )
    response = HttpResponse(data, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
