"""Pages: my timesheet (the weekly grid), approvals, a week to decide, my assignments,
closed periods.

The grid posts every row as ``line-N-item`` (``p:<project>``, ``t:<task>`` or
``c:<category>``), ``line-N-d0`` .. ``line-N-d6`` (Monday to Sunday) and
``line-N-note``; empty rows are ignored. A refused save shows the page again
with what was typed and each message beside its row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from steerco.core.errors import Conflict, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.projects.models import Task
from steerco.resources import timesheet_selectors, timesheet_services
from steerco.resources.capacity_access import can_edit_capacity
from steerco.resources.models import LockedPeriod, Timesheet
from steerco.resources.timesheet_selectors import GridLine, TimesheetWeek, WorkItem
from steerco.resources.timesheet_services import DAYS, TimesheetLine
from steerco.web.decorators import member_required, steerco_user

BLANK_ROWS = 3
LINE_ERROR = re.compile(r"^lines\[(\d+)\]")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DECIDED = ("approved", "rejected", "partly_approved")


def _week_start(value: str | None) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        day = dt.date.today()
    return timesheet_services.monday_of(day)


def _hours(value: str) -> Decimal | str:
    text = value.strip().replace(",", ".")
    if not text:
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # the service names the bad value beside its day


def _posted_lines(
    request: HttpRequest, week: TimesheetWeek
) -> tuple[list[tuple[int, TimesheetLine]], list[GridLine]]:
    """The rows typed in: as service lines (with their row numbers) and as grid rows to show."""
    by_value = {item.value: item for item in week.choices}
    by_value.update({line.item.value: line.item for line in week.lines})
    count = min(200, int(request.POST.get("lines") or 0))
    task_ids = [
        int(value[2:])
        for index in range(count)
        if (value := request.POST.get(f"line-{index}-item", "")).startswith("t:")
        and is_whole_number(value[2:])
        and value not in by_value
    ]
    task_projects = dict(Task.objects.filter(pk__in=task_ids).values_list("pk", "project_id"))
    lines: list[tuple[int, TimesheetLine]] = []
    shown: list[GridLine] = []
    for index in range(count):
        value = request.POST.get(f"line-{index}-item", "")
        raw = [request.POST.get(f"line-{index}-d{day}", "") for day in range(DAYS)]
        note = request.POST.get(f"line-{index}-note", "")
        if not value and not any(text.strip() for text in raw):
            continue
        hours = [_hours(text) for text in raw]
        item = by_value.get(value)
        if item is None:
            kind, _, key = value.partition(":")
            number = int(key) if is_whole_number(key) else None
            item = WorkItem(
                value,
                value or "(choose)",
                "",
                project_id=number if kind == "p" else task_projects.get(number or 0),
                task_id=number if kind == "t" else None,
                category=key if kind == "c" else "",
            )
        lines.append(
            (
                index,
                TimesheetLine(
                    project_id=item.project_id,
                    task_id=item.task_id,
                    non_project_category=item.category,
                    hours=tuple(hours),  # type: ignore[arg-type]
                    note=note,
                ),
            )
        )
        shown.append(
            GridLine(item, [h if isinstance(h, Decimal) else Decimal(0) for h in hours], note)
        )
    return lines, shown


def _shown(hours: Decimal) -> str:
    # 8.00 shows as 8 and 7.50 as 7.5: people type hours, not money.
    return f"{hours.normalize():f}" if hours else ""


def _grid_context(
    week: TimesheetWeek, errors: dict[str, list[str]], row_of: dict[int, int] | None = None
) -> dict[str, Any]:
    line_errors: dict[int, list[str]] = {}
    general: list[str] = []
    for key, texts in errors.items():
        match = LINE_ERROR.match(key)
        if match and row_of is not None:
            line_errors.setdefault(row_of.get(int(match.group(1)), -1), []).extend(texts)
        else:
            general.extend(texts)
    locked = week.locked_days
    rows = [
        {
            "index": index,
            "line": line,
            "errors": line_errors.get(index, []),
            "total": _shown(line.total),
            "cells": [
                {
                    "day": day,
                    "value": _shown(line.hours[day]),
                    # Approved hours are actuals already: they stay as they are.
                    "locked": locked[day] or line.decision == "approved",
                }
                for day in range(DAYS)
            ],
        }
        for index, line in enumerate(week.lines)
    ]
    if week.can_edit:
        start = len(rows)
        rows += [
            {
                "index": start + offset,
                "line": None,
                "errors": [],
                "total": "",
                "cells": [{"day": day, "value": "", "locked": locked[day]} for day in range(DAYS)],
            }
            for offset in range(BLANK_ROWS)
        ]
    groups: dict[str, list[WorkItem]] = {}
    for item in week.choices:
        groups.setdefault(item.group, []).append(item)
    return {
        "week": week,
        "rows": rows,
        "groups": groups,
        "day_headers": [
            {"name": DAY_NAMES[i], "date": day, "locked": week.locked_days[i]}
            for i, day in enumerate(week.days)
        ],
        "day_totals": [_shown(total) or "0" for total in week.day_totals],
        "week_total": _shown(week.total) or "0",
        "general_errors": general,
        "row_count": len(rows),
        "show_decisions": week.status == Timesheet.Status.SUBMITTED
        or any(line.decision in DECIDED for line in week.lines),
    }


@member_required
def my_timesheet(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    source = request.POST if request.method == "POST" else request.GET
    week_start = _week_start(source.get("week"))
    person = source.get("person") or ""
    person_id = int(person) if is_whole_number(person) else None
    week = timesheet_selectors.timesheet_week(user=user, week_start=week_start, person_id=person_id)
    errors: dict[str, list[str]] = {}
    row_of: dict[int, int] = {}
    if request.method == "POST":
        numbered, shown = _posted_lines(request, week)
        row_of = {position: index for position, (index, _) in enumerate(numbered)}
        try:
            timesheet = timesheet_services.timesheet_save_week(
                acting_user=user,
                week_start=week_start,
                person_id=person_id,
                lines=[line for _, line in numbered],
            )
            if request.POST.get("action") == "submit":
                timesheet_services.timesheet_submit(acting_user=user, timesheet_id=timesheet.pk)
        except ValidationFailed as failure:
            errors = failure.errors
            # The rows typed are shown again, in order: message k sits beside row k.
            row_of = {position: position for position in range(len(numbered))}
            week = replace(week, lines=shown)
        except Conflict as failure:
            messages.error(request, str(failure))
            return redirect(_mine_url(week_start, person_id))
        else:
            submitted = request.POST.get("action") == "submit"
            messages.success(
                request, "Week submitted for approval." if submitted else "Week saved."
            )
            return redirect(_mine_url(week_start, person_id))
    context = _grid_context(week, errors, row_of)
    context.update(
        previous_url=_mine_url(week.previous_week, person_id),
        next_url=_mine_url(week.next_week, person_id),
        this_week_url=_mine_url(timesheet_services.monday_of(dt.date.today()), person_id),
        person_id=person_id,
        can_approve_others=can_edit_capacity(user),
    )
    return render(request, "timesheets/week.html", context, status=422 if errors else 200)


def _mine_url(week_start: dt.date, person_id: int | None) -> str:
    url = f"{reverse('timesheets:mine')}?week={week_start.isoformat()}"
    return f"{url}&person={person_id}" if person_id else url


@member_required
def approvals(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    return render(
        request,
        "timesheets/approvals.html",
        {
            "waiting": timesheet_selectors.timesheets_to_approve(user=user),
            "recent": [
                row
                for row in timesheet_selectors.timesheet_list(user=user, limit=50)
                if row.status != "submitted"
            ][:20],
        },
    )


@member_required
def detail(request: HttpRequest, timesheet_id: int) -> HttpResponse:
    user = steerco_user(request)
    week = timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet_id)
    context = _grid_context(replace(week, can_edit=False), {})
    context["decidable"] = week.can_approve
    context["decidable_lines"] = week.can_decide_lines
    return render(request, "timesheets/detail.html", context)


@require_POST
@member_required
def decide_lines(request: HttpRequest, timesheet_id: int) -> HttpResponse:
    """Approve or send back the ticked lines of a week (each line: its entries, one a day)."""
    user = steerco_user(request)
    week = timesheet_selectors.timesheet_detail(user=user, timesheet_id=timesheet_id)
    picked = set(request.POST.getlist("line"))
    entry_ids = [pk for line in week.lines if line.item.value in picked for pk in line.entry_ids]
    approving = request.POST.get("action") != "reject"
    try:
        if approving:
            timesheet = timesheet_services.timesheet_entries_approve(
                acting_user=user, timesheet_id=timesheet_id, entry_ids=entry_ids
            )
        else:
            timesheet = timesheet_services.timesheet_entries_reject(
                acting_user=user,
                timesheet_id=timesheet_id,
                entry_ids=entry_ids,
                reason=request.POST.get("reason", ""),
            )
    except ValidationFailed as failure:
        messages.error(
            request, " ".join(text for texts in failure.errors.values() for text in texts)
        )
        return redirect("timesheets:detail", timesheet_id=timesheet_id)
    except Conflict as failure:
        messages.error(request, str(failure))
        return redirect("timesheets:detail", timesheet_id=timesheet_id)
    lines = len({value for value in picked})
    done = "approved" if approving else "sent back"
    messages.success(
        request, f"{lines} line(s) {done}; the week is {timesheet.get_status_display().lower()}."
    )
    if timesheet.status == Timesheet.Status.SUBMITTED:
        return redirect("timesheets:detail", timesheet_id=timesheet_id)
    return redirect("timesheets:approvals")


@require_POST
@member_required
def approve(request: HttpRequest, timesheet_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        timesheet = timesheet_services.timesheet_approve(
            acting_user=user, timesheet_id=timesheet_id
        )
    except (Conflict, ValidationFailed) as failure:
        messages.error(request, str(failure))
        return redirect("timesheets:detail", timesheet_id=timesheet_id)
    messages.success(request, f"Approved the week of {timesheet.week_start} of {timesheet.person}.")
    return redirect("timesheets:approvals")


@require_POST
@member_required
def reject(request: HttpRequest, timesheet_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        timesheet = timesheet_services.timesheet_reject(
            acting_user=user, timesheet_id=timesheet_id, reason=request.POST.get("reason", "")
        )
    except (Conflict, ValidationFailed) as failure:
        messages.error(request, str(failure))
        return redirect("timesheets:detail", timesheet_id=timesheet_id)
    messages.success(
        request, f"Sent the week of {timesheet.week_start} back to {timesheet.person}."
    )
    return redirect("timesheets:approvals")


@member_required
def my_assignments(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    return render(
        request,
        "timesheets/my_assignments.html",
        {"mine": timesheet_selectors.my_assignments(user=user)},
    )


@member_required
def locked_periods(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            until = dt.date.fromisoformat(request.POST.get("until", ""))
        except ValueError:
            errors = {"until": ["Enter a date."]}
        else:
            try:
                timesheet_services.locked_period_set(
                    acting_user=user, until=until, reason=request.POST.get("reason", "")
                )
            except ValidationFailed as failure:
                errors = failure.errors
            except Conflict as failure:
                errors = {"until": [str(failure)]}
            else:
                messages.success(request, f"Books closed until {until}.")
                return redirect("timesheets:locked_periods")
    assert user.organisation_id is not None
    return render(
        request,
        "timesheets/locked_periods.html",
        {
            "periods": LockedPeriod.objects.filter(organisation_id=user.organisation_id)
            .select_related("locked_by")
            .order_by("-until"),
            "can_edit": can_edit_capacity(user),
            "errors": errors,
        },
        status=422 if errors else 200,
    )
