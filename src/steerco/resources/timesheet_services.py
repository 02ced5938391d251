"""Timesheets: weekly entry, submit, approve or reject, locked periods, and the roll-up of actuals.

A week is a grid: each line is a project (optionally one of its tasks) or a
non-project category (administration, training, leave...), with hours for each
day, Monday to Sunday. Saving replaces the week's lines. A week is edited while
it is a draft or has been rejected; it is then submitted, and approved or
rejected (with a reason) by a resource manager, the person's line manager, or
the manager of every project on it (see ``capacity_access``).

Locked periods: once the books are closed up to a date (``LockedPeriod``),
hours on or before it can no longer be added, changed, removed or approved.

Lines are also approved or sent back one by one
(:func:`timesheet_entries_approve`, :func:`timesheet_entries_reject`): each
line (``TimesheetEntry``) records who approved it and when, or why it went
back. The week is approved once every line is, and sent back once every line
is decided and some were rejected; approved lines keep their hours when the
rest of the week is corrected.

Roll-up: once a line is approved (alone or with its week), the approved hours of each task
become the task's actual work and, priced at each person's cost rate in effect
on each day, its actual cost. Earned value reads those two fields (see
``steerco.projects.engine_io.earned_value_input``). The finance module reads a
project's timesheet cost through :func:`actual_cost_from_timesheets`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from steerco.accounts.models import User
from steerco.comms.models import NotificationKind
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.projects.access import can_edit_project
from steerco.projects.models import Project, ProjectMember, Task
from steerco.resources.capacity_access import (
    access_timesheet_by_id,
    can_approve_timesheet,
    can_enter_timesheet,
    line_approval_scope,
    person_of,
    require_capacity_editor,
)
from steerco.resources.capacity_engine_io import first_of_month
from steerco.resources.models import (
    Assignment,
    Booking,
    CostRate,
    LockedPeriod,
    Person,
    Role,
    Timesheet,
    TimesheetEntry,
    approved_entry,
)
from steerco.resources.request_services import notify_people

Action = AuditEntry.Action
Status = Timesheet.Status
Category = TimesheetEntry.NonProjectCategory
CENT = Decimal("0.01")
DAYS = 7
OPEN_STAGES = (Project.Stage.APPROVED, Project.Stage.IN_EXECUTION, Project.Stage.CLOSING)
EDITABLE = (Status.DRAFT, Status.REJECTED)
# Progress suggested from hours never says "finished": only the project manager decides that.
MAX_SUGGESTED_PERCENT = Decimal("99")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_days(week_start: dt.date) -> list[dt.date]:
    return [week_start + dt.timedelta(days=offset) for offset in range(DAYS)]


def locked_until(organisation_id: int) -> dt.date | None:
    """The last closed day of the organisation's books (``None``: nothing is closed)."""
    return LockedPeriod.objects.filter(organisation_id=organisation_id).aggregate(
        until=Max("until")
    )["until"]


@dataclass(frozen=True, slots=True)
class TimesheetLine:
    """One row of the weekly grid: a project (and task), or a non-project category."""

    project_id: int | None = None
    task_id: int | None = None
    non_project_category: str = ""
    hours: tuple[Decimal, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def key(self) -> tuple[int | None, int | None, str]:
        return (self.project_id, self.task_id, self.non_project_category)


def projects_open_to(person: Person) -> QuerySet[Project]:
    """Projects a person may log time on: open ones they belong to, are booked or assigned on."""
    mine = Q(pk__in=Booking.objects.filter(person=person).values("project_id")) | Q(
        pk__in=Assignment.objects.filter(person=person).values("task__project_id")
    )
    if person.user_id is not None:
        mine |= Q(manager_id=person.user_id) | Q(
            pk__in=ProjectMember.objects.filter(user_id=person.user_id).values("project_id")
        )
    return Project.objects.filter(
        organisation_id=person.organisation_id, stage__in=OPEN_STAGES
    ).filter(mine)


def _person_for(acting_user: User, person_id: int | None) -> Person:
    if person_id is None:
        person = person_of(acting_user)
        if person is None:
            raise NotFound("Your account has no person record: ask a resource manager to link one.")
        return person
    person = Person.objects.filter(
        pk=person_id, organisation_id=organisation_id_of(acting_user)
    ).first()
    if person is None:
        raise NotFound(f"No person {person_id}.")
    if not can_enter_timesheet(acting_user, person):
        raise AccessDenied("You may only enter your own timesheet.")
    return person


@transaction.atomic
def timesheet_open(
    *, acting_user: User, week_start: dt.date, person_id: int | None = None
) -> Timesheet:
    """The week's timesheet of a person (the acting user's own by default), created as a draft."""
    person = _person_for(acting_user, person_id)
    timesheet, created = Timesheet.objects.get_or_create(
        person=person,
        week_start=monday_of(week_start),
        defaults={"organisation_id": person.organisation_id},
    )
    if created:
        audit_record(
            actor=acting_user,
            action=Action.CREATE,
            instance=timesheet,
            after=snapshot(timesheet),
            summary=f"Timesheet of {person.name} for the week of {timesheet.week_start}",
        )
    return timesheet


def _access_for_entry(acting_user: User, timesheet_id: int) -> Timesheet:
    timesheet = access_timesheet_by_id(acting_user, timesheet_id)
    if not can_enter_timesheet(acting_user, timesheet.person):
        raise AccessDenied("You may only enter your own timesheet.")
    return timesheet


def _parse_line_hours(
    line: TimesheetLine, where: str, errors: dict[str, list[str]]
) -> list[Decimal]:
    if len(line.hours) != DAYS:
        errors.setdefault(f"{where}.hours", []).append("Give hours for each day, Monday to Sunday.")
        return [Decimal(0)] * DAYS
    values = []
    for index, raw in enumerate(line.hours):
        try:
            value = Decimal(str(raw if raw not in (None, "") else 0))
        except (InvalidOperation, ValueError):
            errors.setdefault(f"{where}.hours[{index}]", []).append("Enter a number of hours.")
            values.append(Decimal(0))
            continue
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(24):
            errors.setdefault(f"{where}.hours[{index}]", []).append("Between 0 and 24 hours.")
            value = Decimal(0)
        values.append(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return values


def _validated_lines(
    timesheet: Timesheet, lines: Sequence[TimesheetLine]
) -> list[tuple[TimesheetLine, list[Decimal]]]:
    errors: dict[str, list[str]] = {}
    person = timesheet.person
    project_ids = {line.project_id for line in lines if line.project_id is not None}
    open_projects = set(
        projects_open_to(person).filter(pk__in=project_ids).values_list("pk", flat=True)
    )
    task_ids = {line.task_id for line in lines if line.task_id is not None}
    tasks = {
        row["pk"]: row
        for row in Task.objects.filter(pk__in=task_ids).values("pk", "project_id", "is_summary")
    }
    seen: set[tuple[int | None, int | None, str]] = set()
    result = []
    day_totals = [Decimal(0)] * DAYS
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        hours = _parse_line_hours(line, where, errors)
        if line.project_id is None:
            if line.non_project_category not in Category.values:
                errors.setdefault(where, []).append("Choose a project or a non-project category.")
            if line.task_id is not None:
                errors.setdefault(f"{where}.task_id", []).append("A task needs its project.")
        else:
            if line.non_project_category:
                errors.setdefault(where, []).append("A line is a project or a category, not both.")
            if line.project_id not in open_projects:
                errors.setdefault(f"{where}.project_id", []).append(
                    "Not a project you work on, or it is not open for time."
                )
            if line.task_id is not None:
                task = tasks.get(line.task_id)
                if task is None or task["project_id"] != line.project_id:
                    errors.setdefault(f"{where}.task_id", []).append("No such task in the project.")
                elif task["is_summary"]:
                    errors.setdefault(f"{where}.task_id", []).append(
                        "Log time on a task, not on a summary."
                    )
        if len(line.note) > 300:
            errors.setdefault(f"{where}.note", []).append("At most 300 characters.")
        if line.key in seen:
            errors.setdefault(where, []).append("This line is already on the week.")
        seen.add(line.key)
        for day, value in enumerate(hours):
            day_totals[day] += value
        result.append((line, hours))
    for day, total in enumerate(day_totals):
        if total > 24:
            errors.setdefault(f"days[{day}]", []).append(
                f"{week_days(timesheet.week_start)[day]:%A} adds up to {total} h: a day has 24."
            )
    if errors:
        raise ValidationFailed(errors)
    return result


def _entry_key(
    project_id: int | None, task_id: int | None, category: str, day: dt.date
) -> tuple[int | None, int | None, str, dt.date]:
    return (project_id, task_id, category, day)


def _check_locked_days(
    timesheet: Timesheet, new_lines: list[tuple[TimesheetLine, list[Decimal]]]
) -> None:
    until = locked_until(timesheet.organisation_id)
    if until is None or until < timesheet.week_start:
        return
    days = week_days(timesheet.week_start)
    old = {
        _entry_key(e.project_id, e.task_id, e.non_project_category, e.date): e.hours
        for e in timesheet.entries.filter(date__lte=until)
        if e.hours
    }
    new = {
        _entry_key(line.project_id, line.task_id, line.non_project_category, days[i]): value
        for line, hours in new_lines
        for i, value in enumerate(hours)
        if value and days[i] <= until
    }
    if old != new:
        raise Conflict(f"The books are closed until {until}: hours on or before it cannot change.")


def _check_approved_hours(
    timesheet: Timesheet, new_lines: list[tuple[TimesheetLine, list[Decimal]]]
) -> dict[tuple[int | None, int | None, str, dt.date], int]:
    """The approved entries of a week sent back in part: kept as they are, by their key.

    Approved hours have become actual work and cost, so a correction may not change them.
    """
    approved = {
        _entry_key(e.project_id, e.task_id, e.non_project_category, e.date): e
        for e in timesheet.entries.filter(approved_at__isnull=False)
    }
    if not approved:
        return {}
    days = week_days(timesheet.week_start)
    new = {
        _entry_key(line.project_id, line.task_id, line.non_project_category, days[i]): value
        for line, hours in new_lines
        for i, value in enumerate(hours)
    }
    changed = sorted(
        f"{key[3]:%a %d %b}" for key, entry in approved.items() if new.get(key) != entry.hours
    )
    if changed:
        raise Conflict(
            f"Approved hours cannot change (on {', '.join(changed)}): correct the other lines."
        )
    return {key: entry.pk for key, entry in approved.items()}


@transaction.atomic
def timesheet_save(
    *, acting_user: User, timesheet_id: int, lines: Sequence[TimesheetLine]
) -> Timesheet:
    """Replace the lines of a draft (or rejected) week; a rejected week becomes a draft again."""
    timesheet = _access_for_entry(acting_user, timesheet_id)
    timesheet = Timesheet.objects.select_for_update().select_related("person").get(pk=timesheet.pk)
    if timesheet.status not in EDITABLE:
        raise Conflict(f"This week is {timesheet.get_status_display().lower()}: it cannot change.")
    validated = _validated_lines(timesheet, lines)
    _check_locked_days(timesheet, validated)
    kept = _check_approved_hours(timesheet, validated)
    before = {"hours": str(_total(timesheet)), "status": timesheet.status}
    timesheet.entries.exclude(pk__in=kept.values()).delete()
    days = week_days(timesheet.week_start)
    TimesheetEntry.objects.bulk_create(
        TimesheetEntry(
            timesheet=timesheet,
            project_id=line.project_id,
            task_id=line.task_id,
            non_project_category=line.non_project_category if line.project_id is None else "",
            date=days[day],
            hours=value,
            note=line.note.strip(),
        )
        for line, hours in validated
        for day, value in enumerate(hours)
        if value > 0
        and _entry_key(line.project_id, line.task_id, line.non_project_category, days[day])
        not in kept
    )
    if timesheet.status == Status.REJECTED:
        timesheet.status = Status.DRAFT
    timesheet.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=timesheet,
        before=before,
        after={"hours": str(_total(timesheet)), "status": timesheet.status},
        summary=f"Timesheet of {timesheet.person.name} for {timesheet.week_start} saved",
    )
    return timesheet


def _total(timesheet: Timesheet) -> Decimal:
    return sum((entry.hours for entry in timesheet.entries.all()), Decimal(0))


@transaction.atomic
def timesheet_save_week(
    *,
    acting_user: User,
    week_start: dt.date,
    lines: Sequence[TimesheetLine],
    person_id: int | None = None,
) -> Timesheet:
    """Open the week (creating it) and save its lines: the grid's one call."""
    timesheet = timesheet_open(acting_user=acting_user, week_start=week_start, person_id=person_id)
    return timesheet_save(acting_user=acting_user, timesheet_id=timesheet.pk, lines=lines)


@transaction.atomic
def timesheet_submit(*, acting_user: User, timesheet_id: int) -> Timesheet:
    """Send a week for approval."""
    timesheet = _access_for_entry(acting_user, timesheet_id)
    if timesheet.status not in EDITABLE:
        raise Conflict(f"This week is already {timesheet.get_status_display().lower()}.")
    until = locked_until(timesheet.organisation_id)
    if until is not None and timesheet.week_start + dt.timedelta(days=DAYS - 1) <= until:
        raise Conflict(f"The books are closed until {until}: this week can no longer be submitted.")
    if _total(timesheet) <= 0:
        raise ValidationFailed("Enter some hours before submitting the week.")
    before = snapshot(timesheet)
    timesheet.status = Status.SUBMITTED
    timesheet.submitted_at = timezone.now()
    timesheet.reject_reason = ""
    timesheet.save()
    # A line sent back and submitted again waits for a new decision, even if left unchanged:
    # otherwise it would still read "sent back" and stay out of its approver's queue.
    timesheet.entries.filter(approved_at__isnull=True).exclude(rejection_reason="").update(
        rejection_reason=""
    )
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=timesheet,
        before=before,
        after=snapshot(timesheet),
        summary=f"Timesheet of {timesheet.person.name} for {timesheet.week_start} submitted",
    )
    if timesheet.person.manager_id:
        notify_people(
            organisation_id=timesheet.organisation_id,
            recipients=[timesheet.person.manager_id],
            actor=acting_user,
            kind=NotificationKind.TIMESHEET_SUBMITTED,
            title=f"{timesheet.person.name}: week of {timesheet.week_start} to approve",
            url=f"/resources/timesheets/{timesheet.pk}/",
        )
    return timesheet


def _access_for_decision(acting_user: User, timesheet_id: int) -> Timesheet:
    timesheet = access_timesheet_by_id(acting_user, timesheet_id)
    if not can_approve_timesheet(acting_user, timesheet):
        raise AccessDenied(
            "Only a resource manager, the person's manager or the manager of every project "
            "on the week may decide it (and never one's own week)."
        )
    if timesheet.status != Status.SUBMITTED:
        raise Conflict(f"This week is {timesheet.get_status_display().lower()}, not submitted.")
    return timesheet


@transaction.atomic
def timesheet_approve(*, acting_user: User, timesheet_id: int) -> Timesheet:
    """Approve a submitted week; its hours become actual work and cost of their tasks."""
    timesheet = _access_for_decision(acting_user, timesheet_id)
    until = locked_until(timesheet.organisation_id)
    if (
        until is not None
        and timesheet.entries.filter(date__lte=until, approved_at__isnull=True).exists()
    ):
        raise Conflict(f"The books are closed until {until}: reject the week or reopen the period.")
    before = snapshot(timesheet)
    now = timezone.now()
    timesheet.entries.filter(approved_at__isnull=True).update(
        approved_by=acting_user, approved_at=now, rejection_reason="", updated_at=now
    )
    _record_week_decision(
        acting_user,
        timesheet,
        before=before,
        status=Status.APPROVED,
        reason=timesheet.reject_reason,
        verb="approved",
        title=f"Your week of {timesheet.week_start} is approved",
        now=now,
    )
    timesheet_rollup_tasks(
        timesheet.entries.filter(task__isnull=False).values_list("task_id", flat=True)
    )
    return timesheet


def _record_week_decision(
    acting_user: User,
    timesheet: Timesheet,
    *,
    before: dict[str, Any],
    status: str,
    reason: str,
    verb: str,
    title: str,
    now: dt.datetime | None = None,
) -> None:
    """Store a decision on the whole week, audit it and tell the person (every way of deciding)."""
    timesheet.status = status
    timesheet.reject_reason = reason
    timesheet.decided_by = acting_user
    timesheet.decided_at = now or timezone.now()
    timesheet.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=timesheet,
        before=before,
        after=snapshot(timesheet),
        summary=f"Timesheet of {timesheet.person.name} for {timesheet.week_start} {verb}",
    )
    notify_people(
        organisation_id=timesheet.organisation_id,
        recipients=[timesheet.person.user_id or 0],
        actor=acting_user,
        kind=NotificationKind.TIMESHEET_DECIDED,
        title=title,
        url=f"/resources/timesheets/mine/?week={timesheet.week_start}",
    )


@transaction.atomic
def timesheet_reject(*, acting_user: User, timesheet_id: int, reason: str) -> Timesheet:
    """Send a submitted week back to its person with a reason."""
    timesheet = _access_for_decision(acting_user, timesheet_id)
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say what to correct."]})
    before = snapshot(timesheet)
    # Lines approved already stay approved: only the others go back.
    timesheet.entries.filter(approved_at__isnull=True).update(
        rejection_reason=reason.strip()[:300], updated_at=timezone.now()
    )
    _record_week_decision(
        acting_user,
        timesheet,
        before=before,
        status=Status.REJECTED,
        reason=reason.strip(),
        verb="rejected",
        title=f"Your week of {timesheet.week_start} was sent back: {reason.strip()}",
    )
    return timesheet


# -- line by line -------------------------------------------------------------------------------


def _lines_for_decision(
    acting_user: User, timesheet_id: int, entry_ids: Sequence[int]
) -> tuple[Timesheet, list[TimesheetEntry]]:
    timesheet = access_timesheet_by_id(acting_user, timesheet_id)
    every_line, project_ids = line_approval_scope(acting_user, timesheet)
    if not every_line and not project_ids:
        raise AccessDenied(
            "Only a resource manager, the person's manager or the manager of a project "
            "on the week may decide its lines (and never the lines of one's own week)."
        )
    timesheet = Timesheet.objects.select_for_update().select_related("person").get(pk=timesheet.pk)
    if timesheet.status != Status.SUBMITTED:
        raise Conflict(f"This week is {timesheet.get_status_display().lower()}, not submitted.")
    wanted = set(entry_ids)
    if not wanted:
        raise ValidationFailed({"entry_ids": ["Choose the lines to decide."]})
    entries = list(timesheet.entries.filter(pk__in=wanted).order_by("date", "pk"))
    missing = wanted - {entry.pk for entry in entries}
    if missing:
        raise ValidationFailed(
            {"entry_ids": [f"Not lines of this week: {', '.join(map(str, sorted(missing)))}."]}
        )
    if not every_line:
        outside = [entry for entry in entries if entry.project_id not in project_ids]
        if outside:
            raise AccessDenied(
                "Some of these lines are not on projects you manage: "
                "the person's manager or a resource manager decides them."
            )
    return timesheet, entries


def _settle_week(acting_user: User, timesheet: Timesheet) -> Timesheet:
    """A week whose lines are all decided is approved (every line) or sent back (any rejected)."""
    entries = list(timesheet.entries.values_list("approved_at", "rejection_reason"))
    if any(approved is None and not reason for approved, reason in entries):
        return timesheet
    before = snapshot(timesheet)
    reasons = sorted({reason for approved, reason in entries if approved is None and reason})
    verb = "sent back" if reasons else "approved"
    reason = "; ".join(reasons)
    _record_week_decision(
        acting_user,
        timesheet,
        before=before,
        status=Status.REJECTED if reasons else Status.APPROVED,
        reason=reason,
        verb=verb,
        title=f"Your week of {timesheet.week_start} is {verb}" + (f": {reason}" if reasons else ""),
    )
    return timesheet


@transaction.atomic
def timesheet_entries_approve(
    *, acting_user: User, timesheet_id: int, entry_ids: Sequence[int]
) -> Timesheet:
    """Approve some lines of a submitted week; their hours count as actuals at once.

    The week is approved when its last line is; a line sent back may still be approved.
    """
    timesheet, entries = _lines_for_decision(acting_user, timesheet_id, entry_ids)
    until = locked_until(timesheet.organisation_id)
    closed = [e for e in entries if e.approved_at is None and until and e.date <= until]
    if closed:
        raise Conflict(f"The books are closed until {until}: those hours can no longer count.")
    now = timezone.now()
    fresh = [entry for entry in entries if entry.approved_at is None]
    TimesheetEntry.objects.filter(pk__in=[entry.pk for entry in fresh]).update(
        approved_by=acting_user, approved_at=now, rejection_reason="", updated_at=now
    )
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=timesheet,
        after={"approved": sorted(entry.pk for entry in fresh)},
        summary=f"{len(fresh)} line(s) of {timesheet.person.name}'s week of "
        f"{timesheet.week_start} approved",
    )
    timesheet_rollup_tasks({entry.task_id for entry in fresh if entry.task_id is not None})
    return _settle_week(acting_user, timesheet)


@transaction.atomic
def timesheet_entries_reject(
    *, acting_user: User, timesheet_id: int, entry_ids: Sequence[int], reason: str
) -> Timesheet:
    """Send some lines of a submitted week back with a reason; approved lines stay approved."""
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say what to correct."]})
    if len(reason.strip()) > 300:
        raise ValidationFailed({"reason": ["At most 300 characters."]})
    timesheet, entries = _lines_for_decision(acting_user, timesheet_id, entry_ids)
    approved = [entry for entry in entries if entry.approved_at is not None]
    if approved:
        raise Conflict(
            f"{len(approved)} of these lines are approved already: their hours are actuals now."
        )
    TimesheetEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
        rejection_reason=reason.strip(), updated_at=timezone.now()
    )
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=timesheet,
        after={"rejected": sorted(entry.pk for entry in entries), "reason": reason.strip()},
        summary=f"{len(entries)} line(s) of {timesheet.person.name}'s week of "
        f"{timesheet.week_start} sent back",
    )
    return _settle_week(acting_user, timesheet)


@transaction.atomic
def locked_period_set(*, acting_user: User, until: dt.date, reason: str = "") -> LockedPeriod:
    """Close the books up to ``until``; a period, once closed, is only reopened by an administrator."""
    require_capacity_editor(acting_user, "close periods")
    organisation_id = organisation_id_of(acting_user)
    current = locked_until(organisation_id)
    if current is not None and until <= current:
        raise Conflict(f"The books are already closed until {current}.")
    if until >= timezone.now().date() + dt.timedelta(days=1):
        raise ValidationFailed({"until": ["Close a day that has passed."]})
    # Hours in a closed period can no longer change, so a week not yet approved there
    # could never be approved: close only once every such week is decided.
    waiting = Timesheet.objects.filter(
        organisation_id=organisation_id,
        week_start__lte=until,
        pk__in=TimesheetEntry.objects.filter(date__lte=until, hours__gt=0)
        .exclude(approved_entry())
        .values("timesheet_id"),
    ).count()
    if waiting:
        raise Conflict(
            f"{waiting} week(s) with hours up to {until} are not approved yet: "
            "approve them, or have them corrected, first."
        )
    period = LockedPeriod.objects.create(
        organisation_id=organisation_id, until=until, locked_by=acting_user, reason=reason[:200]
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=period,
        after=snapshot(period),
        summary=f"Books closed until {until}",
    )
    return period


# -- cost rates and the roll-up ----------------------------------------------------------------


class CostRates:
    """Each person's hourly rate on any date: their own rate in effect, else their role's.

    A rate is in effect from its ``effective_from`` until the next one; before a
    person's first own rate, the role's rates apply, then the role's default rate.
    """

    def __init__(
        self,
        person_role: dict[int, int],
        person_rates: dict[int, list[tuple[dt.date, Decimal]]],
        role_rates: dict[int, list[tuple[dt.date, Decimal]]],
        role_defaults: dict[int, Decimal],
    ) -> None:
        self.person_role = person_role
        self.person_rates = person_rates
        self.role_rates = role_rates
        self.role_defaults = role_defaults

    @classmethod
    def load(cls, person_ids: Iterable[int]) -> CostRates:
        ids = set(person_ids)
        person_role = dict(Person.objects.filter(pk__in=ids).values_list("pk", "role_id"))
        role_ids = set(person_role.values())
        person_rates: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        role_rates: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for rate in CostRate.objects.filter(
            Q(person_id__in=ids) | Q(role_id__in=role_ids)
        ).order_by("effective_from"):
            if rate.person_id is not None:
                person_rates[rate.person_id].append((rate.effective_from, rate.rate))
            elif rate.role_id is not None:
                role_rates[rate.role_id].append((rate.effective_from, rate.rate))
        role_defaults = dict(
            Role.objects.filter(pk__in=role_ids).values_list("pk", "default_cost_rate")
        )
        return cls(person_role, dict(person_rates), dict(role_rates), role_defaults)

    @staticmethod
    def _in_effect(rates: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal | None:
        index = bisect.bisect_right([start for start, _ in rates], day) - 1
        return rates[index][1] if index >= 0 else None

    def rate_on(self, person_id: int, day: dt.date) -> Decimal:
        own = self._in_effect(self.person_rates.get(person_id, []), day)
        if own is not None:
            return own
        role_id = self.person_role.get(person_id)
        if role_id is None:
            return Decimal(0)
        role = self._in_effect(self.role_rates.get(role_id, []), day)
        return role if role is not None else self.role_defaults.get(role_id, Decimal(0))


def suggested_percent_complete(
    *, work_minutes: int, actual_minutes: int, remaining_minutes: int | None = None
) -> Decimal | None:
    """Progress implied by hours: actual / (actual + remaining), or actual / planned work.

    ``None`` when there is nothing to compare with; never 100 (see ``MAX_SUGGESTED_PERCENT``).
    """
    if remaining_minutes is not None and actual_minutes + remaining_minutes > 0:
        ratio = Decimal(actual_minutes) / Decimal(actual_minutes + remaining_minutes)
    elif work_minutes > 0:
        ratio = Decimal(actual_minutes) / Decimal(work_minutes)
    else:
        return None
    return min(MAX_SUGGESTED_PERCENT, (ratio * 100).quantize(Decimal("0.1")))


def timesheet_rollup_tasks(task_ids: Iterable[int]) -> int:
    """Recompute the actual work and cost of tasks (and their assignments) from approved hours.

    Called inside the approving transaction; returns the number of tasks updated.
    """
    ids = set(task_ids)
    if not ids:
        return 0
    entries = list(
        TimesheetEntry.objects.filter(approved_entry(), task_id__in=ids).values(
            "task_id", "timesheet__person_id", "date", "hours"
        )
    )
    rates = CostRates.load({row["timesheet__person_id"] for row in entries})
    minutes: dict[int, Decimal] = defaultdict(Decimal)
    cost: dict[int, Decimal] = defaultdict(Decimal)
    person_minutes: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in entries:
        task_id, person_id = row["task_id"], row["timesheet__person_id"]
        minutes[task_id] += row["hours"] * 60
        person_minutes[(task_id, person_id)] += row["hours"] * 60
        cost[task_id] += row["hours"] * rates.rate_on(person_id, row["date"])
    tasks = list(Task.objects.filter(pk__in=ids))
    for task in tasks:
        task.actual_work_minutes = int(minutes[task.pk].to_integral_value(ROUND_HALF_UP))
        task.actual_cost = cost[task.pk].quantize(CENT, rounding=ROUND_HALF_UP)
    Task.objects.bulk_update(tasks, ["actual_work_minutes", "actual_cost", "updated_at"])
    assignments = list(Assignment.objects.filter(task_id__in=ids, person__isnull=False))
    for assignment in assignments:
        assert assignment.person_id is not None
        actual = int(
            person_minutes[(assignment.task_id, assignment.person_id)].to_integral_value(
                ROUND_HALF_UP
            )
        )
        assignment.actual_work_minutes = actual
        if assignment.work_minutes:
            assignment.remaining_work_minutes = max(0, assignment.work_minutes - actual)
    Assignment.objects.bulk_update(
        assignments, ["actual_work_minutes", "remaining_work_minutes", "updated_at"]
    )
    return len(tasks)


@transaction.atomic
def timesheet_rollup_project(*, acting_user: User, project_id: int) -> int:
    """Recompute the actuals of every task of a project that has approved hours."""
    project = Project.objects.filter(
        pk=project_id, organisation_id=organisation_id_of(acting_user)
    ).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    if not (can_edit_project(acting_user, project)):
        require_capacity_editor(acting_user, "recompute a project's actuals")
    task_ids = (
        TimesheetEntry.objects.filter(project=project, task__isnull=False)
        .values_list("task_id", flat=True)
        .distinct()
    )
    updated = timesheet_rollup_tasks(task_ids)
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        summary=f"Actuals of {project.code} recomputed from timesheets ({updated} tasks)",
    )
    return updated


@dataclass(frozen=True, slots=True)
class MonthActuals:
    month: dt.date
    hours: Decimal
    cost: Decimal


@dataclass(frozen=True)
class TimesheetActuals:
    """A project's approved timesheet hours and their cost, in total and by month.

    ``currencies`` lists the currencies of the cost rates used (the cost is in
    those units, unconverted); the finance module converts.
    """

    project_id: int
    hours: Decimal
    cost: Decimal
    by_month: list[MonthActuals]
    currencies: frozenset[str]


def actual_cost_from_timesheets(project: Project) -> TimesheetActuals:
    """Approved hours on ``project`` (tasks or not) priced at the rates in effect each day.

    The seam the finance module calls for actual cost from timesheets.
    """
    entries = list(
        TimesheetEntry.objects.filter(approved_entry(), project=project).values(
            "timesheet__person_id", "date", "hours"
        )
    )
    people = {row["timesheet__person_id"] for row in entries}
    rates = CostRates.load(people)
    months: dict[dt.date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in entries:
        cell = months[first_of_month(row["date"])]
        cell[0] += row["hours"]
        cell[1] += row["hours"] * rates.rate_on(row["timesheet__person_id"], row["date"])
    by_month = [
        MonthActuals(month, hours, cost.quantize(CENT, rounding=ROUND_HALF_UP))
        for month, (hours, cost) in sorted(months.items())
    ]
    currencies = frozenset(
        CostRate.objects.filter(Q(person_id__in=people) | Q(role__people__in=people)).values_list(
            "currency", flat=True
        )
    )
    return TimesheetActuals(
        project.pk,
        sum((row.hours for row in by_month), Decimal(0)),
        sum((row.cost for row in by_month), Decimal(0)),
        by_month,
        currencies,
    )
