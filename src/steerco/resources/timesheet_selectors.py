"""Reads of timesheets: a person's week as a grid, approval queues, my assignments, actuals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from steerco.accounts.models import User
from steerco.core.access import RESOURCE_EDITORS, has_role, organisation_id_of
from steerco.core.errors import AccessDenied, NotFound
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Project, Task
from steerco.resources.capacity_access import (
    access_timesheet_by_id,
    can_approve_timesheet,
    can_enter_timesheet,
    line_approval_scope,
    person_of,
    projects_whose_lines_user_decides,
    timesheets_visible_to,
)
from steerco.resources.capacity_engine_io import add_months, first_of_month
from steerco.resources.models import (
    Assignment,
    Booking,
    Person,
    ResourceRequest,
    Timesheet,
    TimesheetEntry,
)
from steerco.resources.timesheet_services import (
    DAYS,
    EDITABLE,
    actual_cost_from_timesheets,
    locked_until,
    monday_of,
    projects_open_to,
    suggested_percent_complete,
    week_days,
)

Category = TimesheetEntry.NonProjectCategory


@dataclass(frozen=True, slots=True)
class WorkItem:
    """Something a line of the grid is about; ``value`` is how the page names it."""

    value: str
    label: str
    group: str
    project_id: int | None = None
    task_id: int | None = None
    category: str = ""


def work_item_value(project_id: int | None, task_id: int | None, category: str) -> str:
    if task_id is not None:
        return f"t:{task_id}"
    if project_id is not None:
        return f"p:{project_id}"
    return f"c:{category}"


@dataclass
class GridLine:
    item: WorkItem
    hours: list[Decimal]
    note: str = ""
    # How the line's entries (one a day) stand: approved, sent back with a reason, or waiting.
    entry_ids: list[int] = field(default_factory=list)
    approved: int = 0
    rejection_reason: str = ""
    approved_by: str = ""
    approved_at: dt.datetime | None = None
    may_decide: bool = False

    @property
    def total(self) -> Decimal:
        return sum(self.hours, Decimal(0))

    @property
    def decision(self) -> str:
        """``approved``, ``rejected``, ``partly_approved`` or ``pending`` (nothing saved: ``""``)."""
        if not self.entry_ids:
            return ""
        if self.approved == len(self.entry_ids):
            return "approved"
        if self.rejection_reason:
            return "rejected"
        return "partly_approved" if self.approved else "pending"

    @property
    def decision_label(self) -> str:
        return {
            "approved": "Approved",
            "rejected": "Sent back",
            "partly_approved": "Partly approved",
            "pending": "Waiting",
        }.get(self.decision, "")


@dataclass
class TimesheetWeek:
    person: Person
    week_start: dt.date
    timesheet: Timesheet | None
    lines: list[GridLine]
    choices: list[WorkItem]
    locked_until: dt.date | None
    can_edit: bool
    can_approve: bool = False
    days: list[dt.date] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.timesheet.status if self.timesheet else Timesheet.Status.DRAFT

    @property
    def status_label(self) -> str:
        return self.timesheet.get_status_display() if self.timesheet else "Not started"

    @property
    def day_totals(self) -> list[Decimal]:
        return [sum((line.hours[i] for line in self.lines), Decimal(0)) for i in range(DAYS)]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, Decimal(0))

    @property
    def can_decide_lines(self) -> bool:
        return any(line.may_decide for line in self.lines)

    @property
    def locked_days(self) -> list[bool]:
        return [self.locked_until is not None and day <= self.locked_until for day in self.days]

    @property
    def previous_week(self) -> dt.date:
        return self.week_start - dt.timedelta(days=DAYS)

    @property
    def next_week(self) -> dt.date:
        return self.week_start + dt.timedelta(days=DAYS)


def task_label(project_code: str, name: str, wbs: str, uid: int) -> str:
    # Schedules repeat task names across phases; the WBS code (or number) tells them apart.
    return f"{project_code} · {name} ({wbs or f'#{uid}'})"


def work_items_for(person: Person) -> list[WorkItem]:
    """Projects the person may log on, the tasks they are assigned to there, and categories."""
    projects = list(projects_open_to(person).order_by("code").values("pk", "code", "name"))
    project_ids = [row["pk"] for row in projects]
    tasks = (
        Assignment.objects.filter(
            person=person, task__project_id__in=project_ids, task__is_summary=False
        )
        .order_by("task__project__code", "task__sort_order", "task__uid")
        .values(
            "task_id",
            "task__name",
            "task__wbs",
            "task__uid",
            "task__project_id",
            "task__project__code",
        )
    )
    items = [
        WorkItem(
            work_item_value(row["pk"], None, ""),
            f"{row['code']} {row['name']}",
            "Projects",
            project_id=row["pk"],
        )
        for row in projects
    ]
    items += [
        WorkItem(
            work_item_value(row["task__project_id"], row["task_id"], ""),
            task_label(
                row["task__project__code"], row["task__name"], row["task__wbs"], row["task__uid"]
            ),
            "My tasks",
            project_id=row["task__project_id"],
            task_id=row["task_id"],
        )
        for row in tasks
    ]
    items += [
        WorkItem(work_item_value(None, None, value), label, "Non-project time", category=value)
        for value, label in Category.choices
    ]
    return items


def _grid_lines(timesheet: Timesheet | None, choices: list[WorkItem]) -> list[GridLine]:
    if timesheet is None:
        return []
    by_value = {item.value: item for item in choices}
    lines: dict[str, GridLine] = {}
    entries = timesheet.entries.select_related("project", "task", "approved_by").order_by("pk")
    for entry in entries:
        value = work_item_value(entry.project_id, entry.task_id, entry.non_project_category)
        line = lines.get(value)
        if line is None:
            item = by_value.get(value)
            if item is None:
                # A project closed since the hours were entered still shows its line.
                if entry.task is not None and entry.project is not None:
                    label = task_label(
                        entry.project.code, entry.task.name, entry.task.wbs, entry.task.uid
                    )
                elif entry.project is not None:
                    label = f"{entry.project.code} {entry.project.name}"
                else:
                    label = entry.get_non_project_category_display()
                item = WorkItem(
                    value, label, "", entry.project_id, entry.task_id, entry.non_project_category
                )
            line = GridLine(item, [Decimal(0)] * DAYS, entry.note)
            lines[value] = line
        day = (entry.date - timesheet.week_start).days
        if 0 <= day < DAYS:
            line.hours[day] += entry.hours
        if entry.note and not line.note:
            line.note = entry.note
        line.entry_ids.append(entry.pk)
        if entry.approved_at is not None or timesheet.status == Timesheet.Status.APPROVED:
            line.approved += 1
            if entry.approved_at is not None and (
                line.approved_at is None or entry.approved_at > line.approved_at
            ):
                line.approved_at = entry.approved_at
                line.approved_by = str(entry.approved_by or "")
        elif entry.rejection_reason:
            line.rejection_reason = entry.rejection_reason
    return list(lines.values())


def _week(
    user: User, person: Person, week_start: dt.date, timesheet: Timesheet | None
) -> TimesheetWeek:
    choices = work_items_for(person)
    editable = timesheet is None or timesheet.status in EDITABLE
    lines = _grid_lines(timesheet, choices)
    if timesheet is not None and timesheet.status == Timesheet.Status.SUBMITTED:
        every_line, project_ids = line_approval_scope(user, timesheet)
        for line in lines:
            line.may_decide = line.decision != "approved" and (
                every_line or line.item.project_id in project_ids
            )
    return TimesheetWeek(
        person=person,
        week_start=week_start,
        timesheet=timesheet,
        lines=lines,
        choices=choices,
        locked_until=locked_until(person.organisation_id),
        can_edit=editable and can_enter_timesheet(user, person),
        can_approve=timesheet is not None
        and timesheet.status == Timesheet.Status.SUBMITTED
        and can_approve_timesheet(user, timesheet),
        days=week_days(week_start),
    )


def timesheet_week(
    *, user: User, week_start: dt.date, person_id: int | None = None
) -> TimesheetWeek:
    """A person's week (the user's own by default) as the grid shows it."""
    if person_id is None:
        person = person_of(user)
        if person is None:
            raise NotFound("Your account has no person record: ask a resource manager to link one.")
    else:
        person = Person.objects.filter(
            pk=person_id, organisation_id=organisation_id_of(user)
        ).first()
        if person is None:
            raise NotFound(f"No person {person_id}.")
        if not can_enter_timesheet(user, person):
            raise AccessDenied("You may only see your own timesheet here.")
    week_start = monday_of(week_start)
    timesheet = Timesheet.objects.filter(person=person, week_start=week_start).first()
    return _week(user, person, week_start, timesheet)


def timesheet_detail(*, user: User, timesheet_id: int) -> TimesheetWeek:
    """A week as its approvers (and its person) see it."""
    timesheet = access_timesheet_by_id(user, timesheet_id)
    return _week(user, timesheet.person, timesheet.week_start, timesheet)


@dataclass(frozen=True, slots=True)
class TimesheetSummary:
    timesheet_id: int
    person_id: int
    person_name: str
    week_start: dt.date
    status: str
    status_label: str
    hours: Decimal
    project_codes: tuple[str, ...]
    submitted_at: dt.datetime | None


def timesheet_list(
    *,
    user: User,
    status: str | None = None,
    person_id: int | None = None,
    week_start: dt.date | None = None,
    limit: int = 200,
) -> list[TimesheetSummary]:
    """Weeks the user may see, newest first (with their hours and projects), in three queries."""
    timesheets = timesheets_visible_to(user).select_related("person")
    if status:
        timesheets = timesheets.filter(status=status)
    if person_id is not None:
        timesheets = timesheets.filter(person_id=person_id)
    if week_start is not None:
        timesheets = timesheets.filter(week_start=monday_of(week_start))
    rows = list(timesheets.order_by("-week_start", "person__name")[:limit])
    ids = [row.pk for row in rows]
    hours = dict(
        TimesheetEntry.objects.filter(timesheet_id__in=ids)
        .values("timesheet_id")
        .annotate(total=Sum("hours"))
        .values_list("timesheet_id", "total")
    )
    codes: dict[int, set[str]] = defaultdict(set)
    for timesheet_id, code in (
        TimesheetEntry.objects.filter(timesheet_id__in=ids, project__isnull=False)
        .values_list("timesheet_id", "project__code")
        .distinct()
    ):
        codes[timesheet_id].add(code)
    return [
        TimesheetSummary(
            row.pk,
            row.person_id,
            row.person.name,
            row.week_start,
            row.status,
            row.get_status_display(),
            hours.get(row.pk) or Decimal(0),
            tuple(sorted(codes[row.pk])),
            row.submitted_at,
        )
        for row in rows
    ]


def timesheets_to_approve(*, user: User) -> list[TimesheetSummary]:
    """Submitted weeks the user may decide, whole or some of their lines.

    A fixed number of queries however many weeks wait: the per-week rule of
    :func:`line_approval_scope` is applied to all of them at once.
    """
    submitted = timesheet_list(user=user, status=Timesheet.Status.SUBMITTED)
    own_person_id = _own_person_id(user)
    submitted = [row for row in submitted if row.person_id != own_person_id]
    if has_role(user, RESOURCE_EDITORS) or not submitted:
        return submitted
    ids = [row.timesheet_id for row in submitted]
    # The person's line manager decides every line of the week.
    whole_weeks = set(
        Timesheet.objects.filter(pk__in=ids, person__manager_id=user.pk).values_list(
            "pk", flat=True
        )
    )
    # A week also waits for whoever may decide one of its lines still undecided (a project's
    # manager: the lines on their projects; the PMO and portfolio managers: any project line).
    undecided = TimesheetEntry.objects.filter(
        timesheet_id__in=ids,
        project__isnull=False,
        approved_at__isnull=True,
        rejection_reason="",
    )
    decidable = projects_whose_lines_user_decides(user)
    if decidable is not None:
        undecided = undecided.filter(project_id__in=decidable.values("pk"))
    waiting_lines = set(undecided.values_list("timesheet_id", flat=True).distinct())
    return [
        row
        for row in submitted
        if row.timesheet_id in whole_weeks or row.timesheet_id in waiting_lines
    ]


def _own_person_id(user: User) -> int | None:
    person = person_of(user)
    return person.pk if person else None


# -- my assignments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    task_id: int
    task_name: str
    project_id: int
    project_code: str
    project_name: str
    start: dt.datetime | None
    finish: dt.datetime | None
    work_hours: float
    actual_hours: float
    remaining_hours: float | None
    percent_complete: Decimal


@dataclass(frozen=True, slots=True)
class BookingRow:
    project_code: str
    project_name: str
    hours: list[float]
    kind: str


@dataclass(frozen=True)
class MyAssignments:
    person: Person | None
    assignments: list[AssignmentRow]
    months: list[dt.date]
    bookings: list[BookingRow]
    requests: list[ResourceRequest]


def my_assignments(*, user: User, today: dt.date | None = None, months: int = 6) -> MyAssignments:
    """The user's task assignments, bookings for the coming months, and approved requests."""
    person = person_of(user)
    first = first_of_month(today or dt.date.today())
    window = [add_months(first, index) for index in range(months)]
    if person is None:
        return MyAssignments(None, [], window, [], [])
    assignments = [
        AssignmentRow(
            row.task_id,
            row.task.name,
            row.task.project_id,
            row.task.project.code,
            row.task.project.name,
            row.task.early_start or row.task.planned_start,
            row.task.early_finish or row.task.planned_finish,
            row.work_minutes / 60,
            row.actual_work_minutes / 60,
            None if row.remaining_work_minutes is None else row.remaining_work_minutes / 60,
            row.task.percent_complete,
        )
        # Finished tasks are history: the list is what is on the person's plate.
        for row in Assignment.objects.filter(
            person=person,
            task__is_summary=False,
            task__actual_finish__isnull=True,
            task__percent_complete__lt=100,
        )
        .exclude(task__project__stage__in=[Project.Stage.CLOSED, Project.Stage.CANCELLED])
        .select_related("task", "task__project")
        .order_by("task__early_start", "task__project__code", "task__uid")
    ]
    cells: dict[tuple[str, str, str], list[float]] = {}
    for row in (
        Booking.objects.filter(person=person, month__gte=window[0], month__lte=window[-1])
        .values("project__code", "project__name", "kind", "month")
        .annotate(total=Sum("hours"))
        .order_by("project__code", "kind", "month")
    ):
        key = (row["project__code"], row["project__name"], row["kind"])
        values = cells.setdefault(key, [0.0] * months)
        values[window.index(row["month"])] += float(row["total"])
    bookings = [
        BookingRow(code, name, values, kind) for (code, name, kind), values in cells.items()
    ]
    requests = list(
        ResourceRequest.objects.filter(
            approved_person=person,
            status__in=[ResourceRequest.Status.APPROVED, ResourceRequest.Status.PARTIALLY_APPROVED],
            finish_date__gte=window[0],
        )
        .select_related("project")
        .order_by("start_date")
    )
    return MyAssignments(person, assignments, window, bookings, requests)


# -- actuals of a project ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskActuals:
    task_id: int
    uid: int
    name: str
    work_hours: float
    actual_hours: float
    actual_cost: Decimal
    percent_complete: Decimal
    suggested_percent_complete: Decimal | None


@dataclass(frozen=True)
class ProjectActuals:
    project: Project
    hours: Decimal
    cost: Decimal
    by_month: list[tuple[dt.date, Decimal, Decimal]]
    tasks: list[TaskActuals]
    currencies: frozenset[str]


def project_actuals(*, user: User, project_id: int) -> ProjectActuals:
    """Approved hours and cost of a project, and each task's actual work and suggested progress."""
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    actuals = actual_cost_from_timesheets(project)
    remaining: dict[int, int] = defaultdict(int)
    has_remaining: set[int] = set()
    for row in Assignment.objects.filter(task__project=project).values(
        "task_id", "remaining_work_minutes"
    ):
        if row["remaining_work_minutes"] is not None:
            has_remaining.add(row["task_id"])
            remaining[row["task_id"]] += row["remaining_work_minutes"]
    tasks = [
        TaskActuals(
            task.pk,
            task.uid,
            task.name,
            task.work_minutes / 60,
            task.actual_work_minutes / 60,
            task.actual_cost,
            task.percent_complete,
            suggested_percent_complete(
                work_minutes=task.work_minutes,
                actual_minutes=task.actual_work_minutes,
                remaining_minutes=remaining[task.pk] if task.pk in has_remaining else None,
            ),
        )
        for task in _leaf_tasks_with_actuals(project)
    ]
    return ProjectActuals(
        project,
        actuals.hours,
        actuals.cost,
        [(row.month, row.hours, row.cost) for row in actuals.by_month],
        tasks,
        actuals.currencies,
    )


def _leaf_tasks_with_actuals(project: Project) -> QuerySet[Task]:
    return (
        Task.objects.filter(project=project, is_summary=False)
        .filter(
            Q(actual_work_minutes__gt=0)
            | Q(pk__in=TimesheetEntry.objects.filter(project=project).values("task_id"))
        )
        .order_by("sort_order", "uid")
    )
