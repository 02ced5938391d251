"""API: timesheets (my week, approvals), my assignments, locked periods, project actuals.

A week's lines each carry seven hours, Monday to Sunday. A line is a project
(``project_id``, optionally ``task_id``) or a non-project ``category``
(admin, training, leave, sick, public_holiday, support, other).
"""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from steerco.api.helpers import request_user
from steerco.core.access import organisation_id_of
from steerco.resources import timesheet_selectors, timesheet_services
from steerco.resources.models import LockedPeriod, Timesheet
from steerco.resources.timesheet_services import TimesheetLine

router = Router(tags=["timesheets"])


class LineIn(Schema):
    project_id: int | None = None
    task_id: int | None = None
    category: str = Field("", description="Non-project category when there is no project")
    hours: list[Decimal] = Field(description="Seven values, Monday to Sunday")
    note: str = ""


class WeekIn(Schema):
    week: datetime.date = Field(description="Any day of the week (its Monday is used)")
    person_id: int | None = Field(None, description="Someone else's week (resource managers)")
    lines: list[LineIn]


class LinesIn(Schema):
    lines: list[LineIn]


class RejectIn(Schema):
    reason: str


class WorkItemOut(Schema):
    value: str
    label: str
    group: str
    project_id: int | None
    task_id: int | None
    category: str


class LineOut(Schema):
    item: WorkItemOut
    hours: list[Decimal]
    total: Decimal
    note: str
    entry_ids: list[int] = Field(description="The line's entries (one a day): what lines decide")
    decision: str = Field(description="approved, rejected, partly_approved, pending ('' unsaved)")
    rejection_reason: str
    approved_by: str
    approved_at: datetime.datetime | None
    may_decide: bool = Field(description="Whether you may approve or send back this line")


class LineDecisionIn(Schema):
    entry_ids: list[int] = Field(description="Entries of the week (see each line's entry_ids)")


class LineRejectIn(LineDecisionIn):
    reason: str


class WeekOut(Schema):
    timesheet_id: int | None
    person_id: int
    person_name: str
    week_start: datetime.date
    status: str
    status_label: str
    reject_reason: str
    locked_until: datetime.date | None
    can_edit: bool
    can_approve: bool
    days: list[datetime.date]
    lines: list[LineOut]
    day_totals: list[Decimal]
    total: Decimal
    work_items: list[WorkItemOut] = Field(description="What a line may be about")


class SummaryOut(Schema):
    timesheet_id: int
    person_id: int
    person_name: str
    week_start: datetime.date
    status: str
    hours: Decimal
    project_codes: list[str]
    submitted_at: datetime.datetime | None


class TimesheetOut(Schema):
    id: int
    person_id: int
    week_start: datetime.date
    status: str
    reject_reason: str
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None


def week_out(week: timesheet_selectors.TimesheetWeek) -> dict[str, object]:
    return {
        "timesheet_id": week.timesheet.pk if week.timesheet else None,
        "person_id": week.person.pk,
        "person_name": week.person.name,
        "week_start": week.week_start,
        "status": week.status,
        "status_label": week.status_label,
        "reject_reason": week.timesheet.reject_reason if week.timesheet else "",
        "locked_until": week.locked_until,
        "can_edit": week.can_edit,
        "can_approve": week.can_approve,
        "days": week.days,
        "lines": week.lines,
        "day_totals": week.day_totals,
        "total": week.total,
        "work_items": week.choices,
    }


def lines_in(lines: list[LineIn]) -> list[TimesheetLine]:
    return [
        TimesheetLine(
            project_id=line.project_id,
            task_id=line.task_id,
            non_project_category=line.category,
            hours=tuple(line.hours),
            note=line.note,
        )
        for line in lines
    ]


@router.get("/timesheets/week", response=WeekOut)
def timesheet_week(
    request: HttpRequest, week: datetime.date | None = None, person_id: int | None = None
) -> dict[str, object]:
    """A week as a grid (your own unless ``person_id``); ``timesheet_id`` is null until saved."""
    return week_out(
        timesheet_selectors.timesheet_week(
            user=request_user(request),
            week_start=week or datetime.date.today(),
            person_id=person_id,
        )
    )


@router.put("/timesheets/week", response=WeekOut)
def timesheet_save_week(request: HttpRequest, payload: WeekIn) -> dict[str, object]:
    """Save a week's lines (creating the timesheet); replaces every line."""
    user = request_user(request)
    timesheet = timesheet_services.timesheet_save_week(
        acting_user=user,
        week_start=payload.week,
        person_id=payload.person_id,
        lines=lines_in(payload.lines),
    )
    return week_out(timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet.pk))


@router.get("/timesheets/approvals", response=list[SummaryOut])
def timesheet_approvals(request: HttpRequest) -> list[timesheet_selectors.TimesheetSummary]:
    """Submitted weeks you may approve or reject."""
    return timesheet_selectors.timesheets_to_approve(user=request_user(request))


@router.get("/timesheets", response=list[SummaryOut])
def timesheet_list(
    request: HttpRequest,
    status: str | None = None,
    person_id: int | None = None,
    week: datetime.date | None = None,
) -> list[timesheet_selectors.TimesheetSummary]:
    """Weeks you may see (yours, your people's, your projects'), newest first; 200 at most."""
    return timesheet_selectors.timesheet_list(
        user=request_user(request), status=status, person_id=person_id, week_start=week
    )


@router.get("/timesheets/{timesheet_id}", response=WeekOut)
def timesheet_detail(request: HttpRequest, timesheet_id: int) -> dict[str, object]:
    return week_out(
        timesheet_selectors.timesheet_detail(user=request_user(request), timesheet_id=timesheet_id)
    )


@router.put("/timesheets/{timesheet_id}", response=WeekOut)
def timesheet_save(request: HttpRequest, timesheet_id: int, payload: LinesIn) -> dict[str, object]:
    user = request_user(request)
    timesheet_services.timesheet_save(
        acting_user=user, timesheet_id=timesheet_id, lines=lines_in(payload.lines)
    )
    return week_out(timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet_id))


@router.post("/timesheets/{timesheet_id}/submit", response=TimesheetOut)
def timesheet_submit(request: HttpRequest, timesheet_id: int) -> Timesheet:
    return timesheet_services.timesheet_submit(
        acting_user=request_user(request), timesheet_id=timesheet_id
    )


@router.post("/timesheets/{timesheet_id}/approve", response=TimesheetOut)
def timesheet_approve(request: HttpRequest, timesheet_id: int) -> Timesheet:
    """Approve: the hours become actual work and cost of their tasks."""
    return timesheet_services.timesheet_approve(
        acting_user=request_user(request), timesheet_id=timesheet_id
    )


@router.post("/timesheets/{timesheet_id}/reject", response=TimesheetOut)
def timesheet_reject(request: HttpRequest, timesheet_id: int, payload: RejectIn) -> Timesheet:
    return timesheet_services.timesheet_reject(
        acting_user=request_user(request), timesheet_id=timesheet_id, reason=payload.reason
    )


@router.post("/timesheets/{timesheet_id}/lines/approve", response=WeekOut)
def timesheet_lines_approve(
    request: HttpRequest, timesheet_id: int, payload: LineDecisionIn
) -> dict[str, object]:
    """Approve some lines of a submitted week; the week is approved with its last line."""
    user = request_user(request)
    timesheet_services.timesheet_entries_approve(
        acting_user=user, timesheet_id=timesheet_id, entry_ids=payload.entry_ids
    )
    return week_out(timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet_id))


@router.post("/timesheets/{timesheet_id}/lines/reject", response=WeekOut)
def timesheet_lines_reject(
    request: HttpRequest, timesheet_id: int, payload: LineRejectIn
) -> dict[str, object]:
    """Send some lines back with a reason; the week goes back once every line is decided."""
    user = request_user(request)
    timesheet_services.timesheet_entries_reject(
        acting_user=user,
        timesheet_id=timesheet_id,
        entry_ids=payload.entry_ids,
        reason=payload.reason,
    )
    return week_out(timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet_id))


# -- my assignments ----------------------------------------------------------------------------


class AssignmentOut(Schema):
    task_id: int
    task_name: str
    project_id: int
    project_code: str
    project_name: str
    start: datetime.datetime | None
    finish: datetime.datetime | None
    work_hours: float
    actual_hours: float
    remaining_hours: float | None
    percent_complete: Decimal


class BookingRowOut(Schema):
    project_code: str
    project_name: str
    kind: str
    hours: list[float] = Field(description="Hours per month, as in ``months``")


class MyRequestOut(Schema):
    id: int
    project_id: int
    start_date: datetime.date
    finish_date: datetime.date
    approved_hours: Decimal | None


class MyAssignmentsOut(Schema):
    person_id: int | None
    assignments: list[AssignmentOut]
    months: list[datetime.date]
    bookings: list[BookingRowOut]
    requests: list[MyRequestOut]


@router.get("/me/assignments", response=MyAssignmentsOut, tags=["me"])
def my_assignments(request: HttpRequest) -> dict[str, object]:
    """Your tasks, your bookings for the next six months, and requests approved for you."""
    mine = timesheet_selectors.my_assignments(user=request_user(request))
    return {
        "person_id": mine.person.pk if mine.person else None,
        "assignments": mine.assignments,
        "months": mine.months,
        "bookings": mine.bookings,
        "requests": mine.requests,
    }


# -- locked periods ----------------------------------------------------------------------------


class LockedPeriodOut(Schema):
    id: int
    until: datetime.date
    reason: str
    locked_by_id: int | None
    created_at: datetime.datetime


class LockedPeriodIn(Schema):
    until: datetime.date = Field(description="Last day whose time and cost are closed")
    reason: str = ""


@router.get("/locked-periods", response=list[LockedPeriodOut])
def locked_period_list(request: HttpRequest) -> list[LockedPeriod]:
    """The history of closed periods, latest first (the latest is in force)."""
    return list(
        LockedPeriod.objects.filter(organisation_id=organisation_id_of(request_user(request)))
    )


@router.post("/locked-periods", response={201: LockedPeriodOut})
def locked_period_set(request: HttpRequest, payload: LockedPeriodIn) -> Status[LockedPeriod]:
    """Close the books up to a date: hours on or before it can no longer change."""
    return Status(
        201,
        timesheet_services.locked_period_set(
            acting_user=request_user(request), until=payload.until, reason=payload.reason
        ),
    )


# -- actuals -----------------------------------------------------------------------------------


class TaskActualsOut(Schema):
    task_id: int
    uid: int
    name: str
    work_hours: float
    actual_hours: float
    actual_cost: Decimal
    percent_complete: Decimal
    suggested_percent_complete: Decimal | None = Field(
        description="From hours: actual / (actual + remaining), or actual / planned work"
    )


class MonthActualsOut(Schema):
    month: datetime.date
    hours: Decimal
    cost: Decimal


class ProjectActualsOut(Schema):
    project_id: int
    hours: Decimal
    cost: Decimal
    currencies: list[str] = Field(description="Currencies of the cost rates used")
    by_month: list[MonthActualsOut]
    tasks: list[TaskActualsOut]


@router.get("/projects/{project_id}/actuals", response=ProjectActualsOut, tags=["actuals"])
def project_actuals(request: HttpRequest, project_id: int) -> dict[str, object]:
    """Approved timesheet hours and cost, in total, by month and by task."""
    actuals = timesheet_selectors.project_actuals(user=request_user(request), project_id=project_id)
    return {
        "project_id": actuals.project.pk,
        "hours": actuals.hours,
        "cost": actuals.cost,
        "currencies": sorted(actuals.currencies),
        "by_month": [
            {"month": month, "hours": hours, "cost": cost}
            for month, hours, cost in actuals.by_month
        ],
        "tasks": actuals.tasks,
    }


class RecomputedOut(Schema):
    tasks: int


@router.post("/projects/{project_id}/actuals/rollup", response=RecomputedOut, tags=["actuals"])
def project_actuals_rollup(request: HttpRequest, project_id: int) -> dict[str, int]:
    """Recompute the project's task actuals from approved timesheets."""
    return {
        "tasks": timesheet_services.timesheet_rollup_project(
            acting_user=request_user(request), project_id=project_id
        )
    }
