"""Reading a project's schedule: the grid rows, baseline variance, earned value, risk results.

:func:`schedule_view` loads the whole schedule in a fixed number of queries and computes on it
in memory: the CPM engine runs again (nothing is written) so that conflicts are listed per task
and a schedule whose stored dates no longer match its data (edited elsewhere) is flagged. The
Gantt chart download uses it.

:func:`schedule_window` is what the schedule page and the API show: one page of grid rows (outline order,
optionally only critical tasks or tasks matching a search) with the project's totals. It reads
the window's rows only, plus two integers per task to know the outline order and a few
aggregates, so a page costs the same whatever the size of the project. The engine check behind
the conflicts and the "out of date" banner (:class:`ScheduleCheck`) and the outline are kept
per process until the schedule changes; a grid edit supplies the check from its own
reschedule.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
from django.db import connection
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from steerco.accounts.models import User
from steerco.engine.errors import CycleError, InputError
from steerco.engine.scheduling import cpm
from steerco.jobs.models import Job
from steerco.projects import engine_io, schedule_cache
from steerco.projects.access import access_project_by_id, can_edit_project
from steerco.projects.engine_io import EngineCalendars, ScheduleGraph, schedule_graph_load
from steerco.projects.models import Baseline, BaselineTask, Project, Task, TaskLink
from steerco.projects.schedule_services import (
    SIMULATION_KIND,
    RescheduleOutcome,
    format_predecessor,
)
from steerco.resources.models import Assignment

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


def _outline_order(pairs: Sequence[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """Task ids (given as ``(id, parent id)`` in sort order) depth first under their parents,
    with their depth.

    A schedule from Microsoft Project, or built in the grid, is sorted in outline order already:
    one pass checks it (each task's parent is the last task still open above it) and says each
    depth; any other order is walked as a tree.
    """
    known = {pk for pk, _ in pairs}
    ordered: list[tuple[int, int]] = []
    open_above: list[int] = []  # the current task's ancestors, outermost first
    for pk, parent_id in pairs:
        parent = parent_id if parent_id in known else None
        while open_above and open_above[-1] != parent:
            open_above.pop()
        if parent is not None and not open_above:
            return _outline_walk(pairs)
        ordered.append((pk, len(open_above)))
        open_above.append(pk)
    return ordered


def _outline_walk(pairs: Sequence[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """Task ids (given as ``(id, parent id)`` in sort order) depth first under their parents,
    with their depth."""
    children: dict[int | None, list[int]] = {}
    known = {pk for pk, _ in pairs}
    for pk, parent_id in pairs:
        children.setdefault(parent_id if parent_id in known else None, []).append(pk)
    ordered: list[tuple[int, int]] = []
    seen: set[int] = set()
    # An explicit stack rather than recursion: an outline may be deeper than Python's limit.
    stack: list[tuple[Iterator[int], int]] = [(iter(children.get(None, [])), 0)]
    while stack:
        siblings, depth = stack[-1]
        following = next(siblings, None)
        if following is None:
            stack.pop()
            continue
        if following in seen:
            continue
        pk = following
        seen.add(pk)
        ordered.append((pk, depth))
        if pk in children:
            stack.append((iter(children[pk]), depth + 1))
    # Anything left (a parent loop written around the services) still shows, at the top level.
    ordered.extend((pk, 0) for pk, _ in pairs if pk not in seen)
    return ordered


def _tree_order(tasks: list[Task]) -> list[tuple[Task, int]]:
    """Tasks depth first under their parents (in sort order), with their depth."""
    by_pk = {task.pk: task for task in tasks}
    return [
        (by_pk[pk], depth)
        for pk, depth in _outline_order([(task.pk, task.parent_id) for task in tasks])
    ]


def _resources(assignments: Iterable[Assignment]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    for assignment in assignments:
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


def _cycle_message(failure: CycleError, tasks: Iterable[Task | engine_io.TaskInput]) -> str:
    labels = {str(task.uid): f"{task.uid} {task.name}" for task in tasks}
    path = [labels.get(task, task) for task in failure.tasks]
    return "The dependencies form a cycle: " + " → ".join([*path, path[0]]) + "."


class _RowMaker:
    """Makes grid rows from task rows: one table of working time serves every row's variance
    (a binary search each)."""

    def __init__(
        self,
        calendars: EngineCalendars,
        *,
        predecessors: dict[int, list[str]],
        resources: dict[int, str],
        baseline_rows: dict[int, BaselineTask],
        conflicts: dict[int, list[str]],
    ) -> None:
        self.calendars = calendars
        self.predecessors = predecessors
        self.resources = resources
        self.baseline_rows = baseline_rows
        self.conflicts = conflicts
        self.axis: Any = None

    def row(self, task: Task, depth: int, *, is_summary: bool) -> ScheduleRow:
        calendars = self.calendars
        minutes_per_day = calendars.minutes_per_day
        baseline_row = self.baseline_rows.get(task.uid)
        variance = None
        if baseline_row is not None and baseline_row.finish and task.planned_finish:
            old = calendars.wall(baseline_row.finish)
            new = calendars.wall(task.planned_finish)
            assert old is not None and new is not None
            self.axis = self.axis or calendars.project.axis(old)
            variance = _days(self.axis.working_minutes_between(old, new), minutes_per_day)
        return ScheduleRow(
            task=task,
            depth=depth,
            is_summary=is_summary,
            duration_days=_days(task.duration_minutes, minutes_per_day) or Decimal(0),
            start=task.planned_start,
            finish=task.planned_finish,
            start_day=calendars.local_date(task.planned_start),
            finish_day=calendars.local_date(task.planned_finish),
            predecessors=", ".join(self.predecessors.get(task.pk, [])),
            constraint_day=calendars.local_date(task.constraint_date),
            total_float_days=_days(task.total_float_minutes, minutes_per_day),
            free_float_days=_days(task.free_float_minutes, minutes_per_day),
            critical=task.is_critical,
            baseline_start=None if baseline_row is None else baseline_row.start,
            baseline_finish=None if baseline_row is None else baseline_row.finish,
            finish_variance_days=variance,
            resources=self.resources.get(task.pk, ""),
            conflicts=tuple(self.conflicts.get(task.uid, [])),
        )


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
        error = _cycle_message(failure, graph.tasks)
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
    summaries = {task.parent_id for task in graph.tasks if task.parent_id is not None}
    maker = _RowMaker(
        calendars,
        predecessors=predecessor_text,
        resources=_resources(graph.assignments),
        baseline_rows=graph.baseline_rows,
        conflicts=conflicts,
    )
    rows = [
        maker.row(task, depth, is_summary=task.pk in summaries)
        for task, depth in _tree_order(graph.tasks)
    ]
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


# -- one page of the grid --------------------------------------------------------------------

PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class GridQuery:
    """Which rows of the grid to show: a page, only critical tasks, a search.

    ``task_id`` asks for the page that holds that task (when the filter keeps it); ``search``
    matches a task's name or the start of its WBS code, or its number.
    """

    page: int = 1
    critical_only: bool = False
    search: str = ""
    task_id: int | None = None
    page_size: int = PAGE_SIZE

    @property
    def filtered(self) -> bool:
        return self.critical_only or bool(self.search)


@dataclass(frozen=True, slots=True)
class ScheduleCheck:
    """What only the engine knows: the conflicts, its notes, an error, whether the stored dates
    are out of date."""

    conflicts: tuple[tuple[int, str, str], ...] = ()
    notes: tuple[str, ...] = ()
    error: str = ""
    stale: bool = False


@dataclass(slots=True)
class ScheduleWindow:
    """One page of the schedule grid, with the whole project's totals."""

    project: Project
    can_edit: bool
    query: GridQuery
    calendar_name: str
    minutes_per_day: int
    rows: list[ScheduleRow]
    start: dt.datetime | None
    finish: dt.datetime | None
    status_date: dt.datetime | None
    task_count: int
    critical_count: int
    has_wbs: bool
    matching: int  # tasks the filter keeps (every task without a filter)
    page: int
    pages: int
    check: ScheduleCheck
    baselines: list[Baseline]
    baseline: Baseline | None
    today: dt.date
    # The links into the page's tasks, each with its ``predecessor_uid``.
    links: list[Any] = field(default_factory=list)

    @property
    def conflicts(self) -> tuple[tuple[int, str, str], ...]:
        return self.check.conflicts

    @property
    def notes(self) -> tuple[str, ...]:
        return self.check.notes

    @property
    def error(self) -> str:
        return self.check.error

    @property
    def stale(self) -> bool:
        return self.check.stale

    @property
    def first_number(self) -> int:
        """The position (from 1) of the page's first row among the matching tasks."""
        return (self.page - 1) * self.query.page_size + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0

    @property
    def page_numbers(self) -> list[int | None]:
        """The page links to show: the first, the last and those around the current page
        (``None`` where pages are skipped)."""
        shown = sorted(
            {1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)}
        )
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


def schedule_window(
    user: User,
    project_id: int,
    query: GridQuery | None = None,
    *,
    outcome: RescheduleOutcome | None = None,
) -> ScheduleWindow:
    """One page of the schedule of a project the user may see (``NotFound`` otherwise).

    The number of queries does not depend on the size of the project. ``outcome`` is the
    reschedule the request just made: its conflicts and notes are those the engine would
    find, so it is not run again. What the page needs from every task (see
    :func:`_whole_project`) is kept between pages while the schedule does not change.
    """
    query = query or GridQuery()
    project = access_project_by_id(user, project_id)
    check, whole = _whole_project(project, outcome)
    ordered = whole.ordered
    if query.critical_only:
        ordered = [(pk, depth) for pk, depth in ordered if pk in whole.critical]
    if query.search:
        found = set(_search(project, query.search))
        ordered = [(pk, depth) for pk, depth in ordered if pk in found]
    size = max(1, query.page_size)
    pages = max(1, math.ceil(len(ordered) / size))
    page = min(max(1, query.page), pages)
    if query.task_id is not None:
        position = next((at for at, (pk, _) in enumerate(ordered) if pk == query.task_id), None)
        if position is not None:
            page = position // size + 1
    window = ordered[(page - 1) * size : page * size]
    window_ids = [pk for pk, _ in window]
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=window_ids)}
    calendars_by_id, default_calendar_id = engine_io.schedule_calendars_load(
        project, {task.calendar_id for task in tasks.values() if task.calendar_id is not None}
    )
    graph = ScheduleGraph(
        project=project,
        tasks=[],
        links=[],
        calendars=calendars_by_id,
        default_calendar_id=default_calendar_id,
    )
    calendars = EngineCalendars(graph)
    baselines = list(Baseline.objects.filter(project=project).order_by("number"))
    baseline = baselines[0] if baselines else None
    baseline_rows: dict[int, BaselineTask] = {}
    if baseline is not None and tasks:
        baseline_rows = {
            row.task_uid: row
            for row in BaselineTask.objects.filter(
                baseline=baseline, task_uid__in=[task.uid for task in tasks.values()]
            )
        }
    conflicts: dict[int, list[str]] = {}
    for uid, _, message in check.conflicts:
        conflicts.setdefault(uid, []).append(message)
    links = list(
        TaskLink.objects.filter(successor_id__in=window_ids)
        .annotate(predecessor_uid=F("predecessor__uid"))
        .order_by("pk")
    )
    maker = _RowMaker(
        calendars,
        predecessors=_predecessors_of(links, calendars.minutes_per_day),
        resources=_resources(
            Assignment.objects.filter(task_id__in=window_ids)
            .select_related("person", "role")
            .order_by("task_id", "pk")
        ),
        baseline_rows=baseline_rows,
        conflicts=conflicts,
    )
    database_calendar = graph.project_calendar
    return ScheduleWindow(
        project=project,
        can_edit=can_edit_project(user, project),
        query=query,
        calendar_name=database_calendar.name if database_calendar else "Standard (default)",
        minutes_per_day=calendars.minutes_per_day,
        rows=[
            maker.row(tasks[pk], depth, is_summary=pk in whole.summaries)
            for pk, depth in window
            if pk in tasks
        ],
        start=whole.start,
        finish=whole.finish,
        status_date=project.schedule_status_date,
        task_count=len(whole.ordered),
        critical_count=len(whole.critical),
        has_wbs=whole.has_wbs,
        matching=len(ordered),
        page=page,
        pages=pages,
        check=check,
        baselines=baselines,
        baseline=baseline,
        today=calendars.today(),
        links=links,
    )


def _search(project: Project, text: str) -> list[int]:
    """Ids of the tasks whose name holds ``text``, whose WBS code starts with it, or whose
    number it is."""
    text = text.strip()
    condition = Q(name__icontains=text) | Q(wbs__istartswith=text)
    if text.isdigit() and len(text) < 10:
        condition |= Q(uid=int(text))
    return list(Task.objects.filter(project=project).filter(condition).values_list("pk", flat=True))


def _predecessors_of(links: Iterable[Any], minutes_per_day: int) -> dict[int, list[str]]:
    """Predecessor notation of the links' successors, whatever page their predecessors are on
    (links annotated with ``predecessor_uid``)."""
    text: dict[int, list[str]] = {}
    for link in links:
        text.setdefault(link.successor_id, []).append(
            format_predecessor(link.predecessor_uid, link, minutes_per_day=minutes_per_day)
        )
    return text


# -- what a page needs from every task, kept per process while the schedule does not change ---


@dataclass(frozen=True, slots=True)
class _WholeProject:
    """Every task's place in the outline, the critical ones and the totals."""

    ordered: list[tuple[int, int]]  # (task id, depth) in outline order
    critical: frozenset[int]
    summaries: frozenset[int]
    start: dt.datetime | None
    finish: dt.datetime | None
    has_wbs: bool


@dataclass(frozen=True, slots=True)
class _Kept:
    state: object
    check: ScheduleCheck
    whole: _WholeProject


# The projects looked at last, with what the database looked like then (a fingerprint of
# aggregates, see :mod:`steerco.projects.schedule_cache`, and the day when the start may follow
# "today"). An outline of 10,000 tasks weighs about a megabyte.
MAX_KEPT = 16
_kept_projects: OrderedDict[int, _Kept] = OrderedDict()
_kept_lock = threading.Lock()


def _state_of(project: Project) -> object:
    return _state(project, schedule_cache.fingerprint_of(project))


def _state(project: Project, fingerprint: schedule_cache.Fingerprint) -> object:
    today = timezone.now().date() if project.start_date is None else None
    return (fingerprint, today)


def _whole_project_read(project: Project) -> _WholeProject:
    # Two integers per task place every task in the outline (reading the critical flag too
    # would cost more than the query of the critical ones).
    outline = list(
        Task.objects.filter(project=project)
        .order_by(*engine_io.TASK_ORDER)
        .values_list("pk", "parent_id")
    )
    critical = Task.objects.filter(project=project, is_critical=True).values_list("pk", flat=True)
    totals = Task.objects.filter(project=project).aggregate(
        start=Min("planned_start"),
        finish=Max("planned_finish"),
        with_wbs=Count("pk", filter=~Q(wbs="")),
    )
    return _WholeProject(
        ordered=_outline_order(outline),
        critical=frozenset(critical),
        summaries=frozenset(parent_id for _, parent_id in outline if parent_id is not None),
        start=totals["start"],
        finish=totals["finish"],
        has_wbs=bool(totals["with_wbs"]),
    )


def _keep(project: Project, kept: _Kept) -> None:
    with _kept_lock:
        _kept_projects[project.pk] = kept
        _kept_projects.move_to_end(project.pk)
        while len(_kept_projects) > MAX_KEPT:
            _kept_projects.popitem(last=False)


def _kept_at(project: Project, state: object) -> _Kept | None:
    with _kept_lock:
        kept = _kept_projects.get(project.pk)
    return kept if kept is not None and kept.state == state else None


def _whole_project(
    project: Project, outcome: RescheduleOutcome | None
) -> tuple[ScheduleCheck, _WholeProject]:
    """The engine's check of the stored schedule and what the page needs from every task.

    Kept until the schedule, its calendars or its settings change; a reschedule the request
    just made (``outcome``) supplies the check.
    """
    if outcome is None:
        # Read before the rows: a write committed in between then shows as a difference later.
        state = _state_of(project)
        kept = _kept_at(project, state)
        if kept is not None:
            return kept.check, kept.whole
        rows = engine_io.schedule_rows_load(project)
        check = _check_computed(project, rows)
        whole = _whole_project_read(project)
        if all(
            calendar.organisation_id == project.organisation_id
            for calendar in rows.graph.calendars.values()
        ):
            _keep(project, _Kept(state, check, whole))
        else:  # the fingerprint covers the organisation's calendars only
            forget_checks(project.pk)
        return check, whole
    check = check_of_outcome(outcome)
    whole = _whole_project_read(project)
    _keep_if_known(project, outcome.fingerprint, check, whole)
    return check, whole


def _keep_if_known(
    project: Project,
    fingerprint: schedule_cache.Fingerprint | None,
    check: ScheduleCheck,
    whole: _WholeProject,
) -> None:
    """Keep what a reschedule this request made found, for the next pages.

    Only for a project already checked here (whose calendars the fingerprint covers), under
    the state the reschedule's own transaction left (``RescheduleOutcome.fingerprint``): a
    write another process commits after it then shows as a difference, as it must. Without
    that state (the fingerprint does not cover the schedule), nothing is kept.
    """
    if fingerprint is None:
        forget_checks(project.pk)
        return
    with _kept_lock:
        if project.pk not in _kept_projects:
            return
    _keep(project, _Kept(_state(project, fingerprint), check, whole))


def check_of_outcome(outcome: RescheduleOutcome) -> ScheduleCheck:
    """The check of a schedule a reschedule just stored: its conflicts and notes, up to date."""
    return ScheduleCheck(
        conflicts=tuple((item.uid, item.kind, item.message) for item in outcome.conflicts),
        notes=tuple(outcome.notes),
    )


def schedule_check_keep(project: Project, check: ScheduleCheck, outcome: RescheduleOutcome) -> None:
    """Keep the check of a reschedule this request made (``outcome``, see
    :func:`_keep_if_known`)."""
    with _kept_lock:
        if project.pk not in _kept_projects:
            return
    _keep_if_known(project, outcome.fingerprint, check, _whole_project_read(project))


def schedule_check_kept(project: Project) -> ScheduleCheck | None:
    """The kept check, if the schedule has not changed since it was made (no engine run)."""
    kept = _kept_at(project, _state_of(project))
    return None if kept is None else kept.check


def forget_checks(project_id: int | None = None) -> None:
    """Drop what is kept of one project (or of every project)."""
    with _kept_lock:
        if project_id is None:
            _kept_projects.clear()
        else:
            _kept_projects.pop(project_id, None)


def _check_computed(project: Project, rows: engine_io.ScheduleRows) -> ScheduleCheck:
    tasks = rows.tasks
    if not tasks:
        return ScheduleCheck()
    try:
        calendars = EngineCalendars(rows.graph)
        build = engine_io.build_network(
            tasks,
            rows.links,
            calendars,
            project_start=engine_io.project_start_wall(project, tasks, calendars),
            status_date=project.schedule_status_date,
        )
        result = cpm.schedule(build.network)
        computed = engine_io.schedule_arrays(
            result, calendars, engine_io.summary_leaf_positions(tasks)
        )
    except CycleError as failure:
        return ScheduleCheck(error=_cycle_message(failure, tasks))
    except InputError as failure:
        return ScheduleCheck(error=str(failure))
    stale = any(
        bool((computed.seconds[column] != rows.stored.seconds[column]).any())
        for column in ("planned_start", "planned_finish")
    )
    return ScheduleCheck(
        conflicts=tuple(
            (int(conflict.task_id), conflict.kind, conflict.message)
            for conflict in result.conflicts
        ),
        notes=build.notes,
        stale=stale,
    )


def earned_value_of(user: User, project_id: int) -> tuple[Project, EarnedValuePanel | None, str]:
    """The earned value panel of a project the user may see, and why it is empty if it is."""
    return earned_value_of_project(access_project_by_id(user, project_id))


NO_BASELINE_NOTE = "Capture a baseline to measure earned value against it."


def earned_value_of_project(project: Project) -> tuple[Project, EarnedValuePanel | None, str]:
    """Earned value reads every task, but only the fields it needs (and the compared
    baseline's rows), as plain values: three queries whatever the size of the project."""
    status = project.schedule_status_date or timezone.now()
    baseline = Baseline.objects.filter(project=project).order_by("number").first()
    if baseline is None:
        return project, None, NO_BASELINE_NOTE
    try:
        build = engine_io.earned_value_of_tasks(_earned_value_tasks(project, baseline), status)
    except InputError as failure:
        return project, None, f"Earned value cannot be computed: {failure}"
    panel, note = _earned_value_panel(baseline, build, status)
    return project, panel, note


def _microseconds(values: Sequence[Any]) -> list[int | None]:
    """Datetime values read with :func:`engine_io.column_as_held` as UTC microseconds since
    the epoch."""
    if connection.vendor != "sqlite":
        return [None if value is None else engine_io.epoch_microseconds(value) for value in values]
    # SQLite holds naive UTC text ("2026-01-05 08:00:00[.ffffff]").
    parsed = np.array(["NaT" if value is None else value for value in values], "datetime64[us]")
    ticks: list[int] = parsed.astype(np.int64).tolist()
    missing: list[bool] = np.isnat(parsed).tolist()
    return [None if gap else tick for tick, gap in zip(ticks, missing, strict=True)]


def _earned_value_tasks(project: Project, baseline: Baseline) -> engine_io.EarnedValueTasks:
    """The same leaf tasks and figures as :func:`engine_io.earned_value_input` reads from a
    loaded graph, in the same order, from two queries of plain values."""
    # Decimals come as text on SQLite, which ``float()`` reads as it reads Django's
    # ``Decimal`` of it (a two-place amount has fewer than the 15 significant digits SQLite
    # keeps), without a ``Decimal`` made and quantized per value.
    tasks = list(
        Task.objects.filter(project=project)
        .order_by(*engine_io.TASK_ORDER)
        .annotate(
            percent_number=engine_io.column_as_held("percent_complete"),
            actual_cost_number=engine_io.column_as_held("actual_cost"),
        )
        .values_list(
            "pk", "parent_id", "uid", "percent_number", "actual_cost_number", "actual_work_minutes"
        )
    )
    baseline_rows = list(
        BaselineTask.objects.filter(baseline=baseline)
        .annotate(
            start_moment=engine_io.column_as_held("start"),
            finish_moment=engine_io.column_as_held("finish"),
            cost_number=engine_io.column_as_held("cost"),
        )
        .values_list("task_uid", "start_moment", "finish_moment", "cost_number", "work_minutes")
    )
    starts = _microseconds([row[1] for row in baseline_rows])
    finishes = _microseconds([row[2] for row in baseline_rows])
    position_of = {row[0]: position for position, row in enumerate(baseline_rows)}
    summaries = {parent_id for _, parent_id, *_ in tasks if parent_id is not None}
    measured: list[int] = []  # positions in ``tasks``
    dated: list[int] = []  # positions in ``baseline_rows``
    for index, (pk, _, uid, *_) in enumerate(tasks):
        position = position_of.get(uid)
        if position is None or pk in summaries:
            continue
        if starts[position] is None or finishes[position] is None:
            continue
        measured.append(index)
        dated.append(position)
    return engine_io.EarnedValueTasks(
        baseline_start=np.array([starts[at] for at in dated], np.int64),
        baseline_finish=np.array([finishes[at] for at in dated], np.int64),
        baseline_cost=np.array([float(baseline_rows[at][3]) for at in dated], float),
        baseline_work_minutes=np.array([baseline_rows[at][4] for at in dated], float),
        percent_complete=np.array([float(tasks[at][3]) for at in measured], float),
        actual_cost=np.array([float(tasks[at][4]) for at in measured], float),
        actual_work_minutes=np.array([tasks[at][5] for at in measured], float),
    )


def _earned_value(graph: ScheduleGraph, status: dt.datetime) -> tuple[EarnedValuePanel | None, str]:
    if graph.baseline is None:
        return None, NO_BASELINE_NOTE
    try:
        build = engine_io.earned_value_input(graph, status)
    except InputError as failure:
        return None, f"Earned value cannot be computed: {failure}"
    return _earned_value_panel(graph.baseline, build, status)


def _earned_value_panel(
    baseline: Baseline, build: engine_io.EarnedValueBuild | None, status: dt.datetime
) -> tuple[EarnedValuePanel | None, str]:
    if build is None:
        return None, "The baseline has no dated task to measure against."
    result = build.result
    if result.bac <= 0:
        return None, "The baseline holds no cost and no work to measure earned value with."
    eac = result.estimate("cpi").eac
    return (
        EarnedValuePanel(
            unit=build.unit,
            baseline_name=baseline.name or f"Baseline {baseline.number}",
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


# -- the Gantt chart of every task -----------------------------------------------------------


class GanttRow(NamedTuple):
    """One bar of the Gantt chart: what it draws of a task, its moments as UTC microseconds
    since the epoch (exact arithmetic for the time scale, no datetime per task).

    ``start_day`` and ``finish_day`` are the dates on the project calendar (as the grid shows
    them), the baseline's days are UTC dates; each is ``""`` without its moment.
    """

    uid: int
    name: str
    indent: int
    is_summary: bool
    is_milestone: bool
    critical: bool
    percent_complete: Decimal
    start: int | None
    finish: int | None
    start_day: str
    finish_day: str
    baseline_start: int | None
    baseline_finish: int | None
    baseline_start_day: str
    baseline_finish_day: str
    conflicts: tuple[str, ...]


@dataclass(slots=True)
class GanttChart:
    """What the Gantt chart of a whole schedule draws."""

    project: Project
    rows: list[GanttRow]
    status_date: dt.datetime | None
    today: dt.date


def _moment_of(microseconds: int) -> dt.datetime:
    return engine_io.EPOCH + dt.timedelta(microseconds=microseconds)


def gantt_rows(rows: Iterable[ScheduleRow]) -> list[GanttRow]:
    """Grid rows (a page of the schedule) as Gantt bars."""
    microseconds = engine_io.epoch_microseconds
    return [
        GanttRow(
            uid=row.uid,
            name=row.name,
            indent=row.indent,
            is_summary=row.is_summary,
            is_milestone=row.is_milestone,
            critical=row.critical,
            percent_complete=row.percent_complete,
            start=None if row.start is None else microseconds(row.start),
            finish=None if row.finish is None else microseconds(row.finish),
            start_day="" if row.start_day is None else str(row.start_day),
            finish_day="" if row.finish_day is None else str(row.finish_day),
            baseline_start=None if row.baseline_start is None else microseconds(row.baseline_start),
            baseline_finish=(
                None if row.baseline_finish is None else microseconds(row.baseline_finish)
            ),
            baseline_start_day=(
                "" if row.baseline_start is None else f"{row.baseline_start:%Y-%m-%d}"
            ),
            baseline_finish_day=(
                "" if row.baseline_finish is None else f"{row.baseline_finish:%Y-%m-%d}"
            ),
            conflicts=row.conflicts,
        )
        for row in rows
    ]


def gantt_chart(user: User, project_id: int) -> GanttChart:
    """The Gantt chart of every task of a project the user may see (``NotFound`` otherwise).

    The same bars as the grid rows of :func:`schedule_view` in the same outline order, from
    plain values rather than model instances, in a number of queries that does not depend on
    the size of the project; the conflicts are those of the engine check the schedule page
    keeps (see :func:`_whole_project`), so the engine runs only when the schedule changed.
    """
    project = access_project_by_id(user, project_id)
    check, _ = _whole_project(project, None)
    tasks = list(
        Task.objects.filter(project=project)
        .order_by(*engine_io.TASK_ORDER)
        .annotate(
            start_moment=engine_io.column_as_held("planned_start"),
            finish_moment=engine_io.column_as_held("planned_finish"),
        )
        .values_list(
            "pk",
            "parent_id",
            "uid",
            "name",
            "is_milestone",
            "duration_minutes",
            "percent_complete",
            "is_critical",
            "start_moment",
            "finish_moment",
        )
    )
    starts = _microseconds([task[8] for task in tasks])
    finishes = _microseconds([task[9] for task in tasks])
    baseline = Baseline.objects.filter(project=project).order_by("number").first()
    baseline_moments: dict[int, tuple[int | None, int | None]] = {}
    if baseline is not None:
        baseline_rows = list(
            BaselineTask.objects.filter(baseline=baseline)
            .annotate(
                start_moment=engine_io.column_as_held("start"),
                finish_moment=engine_io.column_as_held("finish"),
            )
            .values_list("task_uid", "start_moment", "finish_moment")
        )
        baseline_moments = dict(
            zip(
                [row[0] for row in baseline_rows],
                zip(
                    _microseconds([row[1] for row in baseline_rows]),
                    _microseconds([row[2] for row in baseline_rows]),
                    strict=True,
                ),
                strict=True,
            )
        )
    calendars_by_id, default_calendar_id = engine_io.schedule_calendars_load(project, ())
    try:
        calendars = EngineCalendars(
            ScheduleGraph(
                project=project,
                tasks=[],
                links=[],
                calendars=calendars_by_id,
                default_calendar_id=default_calendar_id,
            )
        )
    except InputError:  # the schedule page says what is wrong; the chart still draws
        calendars = EngineCalendars.from_engine(engine_io.standard_calendar(), {}, 480)
    conflicts: dict[int, list[str]] = {}
    for uid, _, message in check.conflicts:
        conflicts.setdefault(uid, []).append(message)
    # Tasks share their start and finish moments: each distinct one is converted once.
    local_day: dict[int | None, str] = {None: ""}
    for moment in {*starts, *finishes} - {None}:
        assert moment is not None
        local_day[moment] = str(calendars.local_date(_moment_of(moment)))
    utc_day: dict[int | None, str] = {None: ""}
    for moment in {moment for pair in baseline_moments.values() for moment in pair} - {None}:
        assert moment is not None
        utc_day[moment] = f"{_moment_of(moment):%Y-%m-%d}"
    position_of = {task[0]: index for index, task in enumerate(tasks)}
    summaries = {task[1] for task in tasks if task[1] is not None}
    no_baseline: tuple[int | None, int | None] = (None, None)
    rows: list[GanttRow] = []
    add = rows.append
    for pk, depth in _outline_order([(task[0], task[1]) for task in tasks]):
        index = position_of[pk]
        _, _, uid, name, is_milestone, duration, percent, critical, _, _ = tasks[index]
        is_summary = pk in summaries
        start, finish = starts[index], finishes[index]
        baseline_start, baseline_finish = baseline_moments.get(uid, no_baseline)
        # Positional: ten thousand rows built with keywords cost a noticeable share.
        add(
            GanttRow(
                uid,
                name,
                min(depth, 8),
                is_summary,
                is_milestone or (not is_summary and duration == 0),
                critical,
                percent,
                start,
                finish,
                local_day[start],
                local_day[finish],
                baseline_start,
                baseline_finish,
                utc_day[baseline_start],
                utc_day[baseline_finish],
                tuple(conflicts.get(uid, ())),
            )
        )
    return GanttChart(
        project=project,
        rows=rows,
        status_date=project.schedule_status_date,
        today=calendars.today(),
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
