"""Pages: a project's hand-entered role demand (role x month grid) and its named bookings.

Both write through the same services as the API (``role_demand_replace``,
``booking_set``, ``booking_delete``). The grid is all or nothing: a cell that
is not a number of hours marks its row, and nothing is saved until every row
is right.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.resources import capacity_selectors, capacity_services, planning_selectors
from steerco.resources.capacity_engine_io import add_months, month_label, parse_month
from steerco.resources.capacity_services import RoleDemandRow
from steerco.resources.models import Booking, RoleDemand
from steerco.web.decorators import member_required, steerco_user

GRID_MONTHS = 12
ROW_ERROR = "rows[{}]"


def _cell_name(role_id: int, month: dt.date) -> str:
    return f"h-{role_id}-{month:%Y-%m}"


def _shown(hours: Decimal | None) -> str:
    return f"{hours.normalize():f}" if hours else ""


def _first_month(data: QueryDict) -> dt.date:
    try:
        return parse_month(data.get("from"), default=dt.date.today())
    except ValueError:
        return dt.date.today().replace(day=1)


def _posted_grid(
    data: QueryDict, grid: planning_selectors.DemandGrid
) -> tuple[list[RoleDemandRow], dict[int, list[str]], dict[str, str]]:
    """The posted cells as demand rows, the problems per role, and what was typed."""
    rows: list[RoleDemandRow] = []
    problems: dict[int, list[str]] = {}
    typed: dict[str, str] = {}
    for row in grid.rows:
        for month in grid.months:
            name = _cell_name(row.role_id, month)
            text = data.get(name, "").strip().replace(",", ".")
            typed[name] = text
            if not text:
                continue
            try:
                hours = Decimal(text)
            except InvalidOperation:
                hours = Decimal("NaN")
            if not hours.is_finite() or hours < 0:
                problems.setdefault(row.role_id, []).append(
                    f"{month:%b %Y}: {text!r} is not a number of hours (0 or more)."
                )
                continue
            if hours:
                rows.append(RoleDemandRow(row.role_id, month, hours))
    return rows, problems, typed


@member_required
def demand_grid(request: HttpRequest, project_id: int) -> HttpResponse:
    """The manual demand of a project, role x month; its planners edit it in place."""
    user = steerco_user(request)
    data = request.POST if request.method == "POST" else request.GET
    first = _first_month(data)
    grid = planning_selectors.manual_demand_grid(
        user=user, project_id=project_id, first_month=first, months=GRID_MONTHS
    )
    problems: dict[int, list[str]] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        if not grid.can_edit:
            raise AccessDenied("Only the project's manager or a resource manager may plan demand.")
        rows, problems, typed = _posted_grid(request.POST, grid)
        if not problems:
            kept = [RoleDemandRow(row.role_id, row.month, row.hours) for row in grid.outside]
            try:
                capacity_services.role_demand_replace(
                    acting_user=user,
                    project_id=project_id,
                    rows=kept + rows,
                    source=RoleDemand.Source.MANUAL,
                )
            except ValidationFailed as failure:
                problems = _problems_by_role(failure, kept + rows)
            else:
                messages.success(request, "Demand saved; the capacity heatmap shows it now.")
                url = reverse("capacity:demand_grid", args=[project_id])
                return redirect(f"{url}?from={month_label(first)}")
    table = [
        {
            "role_id": row.role_id,
            "name": row.name,
            "errors": problems.get(row.role_id, []),
            "cells": [
                {
                    "name": _cell_name(row.role_id, month),
                    "value": typed.get(_cell_name(row.role_id, month), _shown(hours)),
                    "month": month,
                }
                for month, hours in zip(grid.months, row.hours, strict=True)
            ],
        }
        for row in grid.rows
    ]
    context: dict[str, Any] = {
        "grid": grid,
        "project": grid.project,
        "table": table,
        "error_count": sum(len(texts) for texts in problems.values()),
        "first": month_label(first),
        "previous": month_label(add_months(first, -GRID_MONTHS)),
        "next": month_label(add_months(first, GRID_MONTHS)),
    }
    return render(request, "capacity/demand_grid.html", context, status=422 if problems else 200)


def _problems_by_role(failure: ValidationFailed, rows: list[RoleDemandRow]) -> dict[int, list[str]]:
    problems: dict[int, list[str]] = {}
    for key, texts in failure.errors.items():
        index = key.split("]")[0].removeprefix("rows[")
        role_id = (
            rows[int(index)].role_id if is_whole_number(index) and int(index) < len(rows) else 0
        )
        problems.setdefault(role_id, []).extend(texts)
    return problems


# -- bookings ----------------------------------------------------------------------------------


def _booking_values(data: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    person = data.get("person", "")
    if not is_whole_number(person):
        errors["person_id"] = ["Choose a person."]
    try:
        month = parse_month(data.get("month") or None)
    except ValueError:
        errors["month"] = ["Choose a month."]
        month = dt.date.today().replace(day=1)
    try:
        hours = Decimal((data.get("hours") or "").strip().replace(",", "."))
    except InvalidOperation:
        errors["hours"] = ["Enter a number of hours."]
        hours = Decimal(0)
    values = {
        "person_id": int(person) if is_whole_number(person) else 0,
        "month": month,
        "hours": hours,
        "kind": data.get("kind") or Booking.Kind.SOFT,
        "note": data.get("note", ""),
    }
    return values, errors


@member_required
def bookings(request: HttpRequest, project_id: int) -> HttpResponse:
    """A project's bookings: add, change the hours of, or cancel a booking."""
    user = steerco_user(request)
    view = planning_selectors.project_bookings(user=user, project_id=project_id)
    errors: dict[str, list[str]] = {}
    row_errors: dict[int, list[str]] = {}
    if request.method == "POST":
        if not view.can_plan:
            raise AccessDenied("Only the project's manager or a resource manager may book people.")
        action = request.POST.get("action", "set")
        booking_id = request.POST.get("booking", "")
        try:
            if action == "cancel" and is_whole_number(booking_id):
                capacity_services.booking_delete(acting_user=user, booking_id=int(booking_id))
                messages.success(request, "Booking cancelled.")
            else:
                values, errors = _booking_values(request.POST)
                if errors:
                    raise ValidationFailed(errors)
                saved = capacity_services.booking_set(
                    acting_user=user, project_id=project_id, **values
                )
                messages.success(
                    request,
                    "Booking removed (0 hours)."
                    if saved is None
                    else f"{saved.person.name} booked for {saved.hours} h in "
                    f"{saved.month:%B %Y} ({saved.get_kind_display().lower()}).",
                )
        except ValidationFailed as failure:
            errors = failure.errors
            if is_whole_number(booking_id):
                row_errors[int(booking_id)] = [t for texts in errors.values() for t in texts]
                errors = {}
        except (AccessDenied, Conflict) as failure:
            if is_whole_number(booking_id):
                row_errors[int(booking_id)] = [str(failure)]
            else:
                errors = {"kind": [str(failure)]}
        else:
            return redirect("capacity:bookings", project_id=project_id)
    rows = [
        {
            "booking": booking,
            "errors": row_errors.get(booking.pk, []),
            "editable": view.can_plan and (view.can_book_hard or booking.kind == Booking.Kind.SOFT),
        }
        for booking in view.bookings
    ]
    data = request.POST if errors else {}
    context = {
        "view": view,
        "project": view.project,
        "rows": rows,
        "errors": errors,
        "data": data,
        "people": capacity_selectors.person_choices(user=user) if view.can_plan else [],
        "kinds": Booking.Kind.choices if view.can_book_hard else [("soft", "Soft")],
        "this_month": f"{dt.date.today():%Y-%m}",
    }
    failed = bool(errors or row_errors)
    return render(request, "capacity/bookings.html", context, status=422 if failed else 200)
