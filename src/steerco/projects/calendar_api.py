"""API: working calendars and their exceptions (holidays, days with other hours).

Everyone in the organisation reads calendars; administrators and PMO analysts change them
(403 for the others); another organisation's calendars are 404. Errors are problem+json with
``errors`` keyed by field (``working_week.2``, ``intervals``, ``start_date``...). Writes answer
with what followed: the projects rescheduled on the new calendar, and those still to
reschedule.
"""

# No "from __future__ import annotations": Ninja reads the annotations at run time.

import datetime
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from steerco.api.helpers import request_user
from steerco.projects import calendar_selectors as selectors
from steerco.projects import calendar_services as services
from steerco.projects.models import Calendar, CalendarException

router = Router(tags=["calendars"])


# -- schemas ---------------------------------------------------------------------------------


class ExceptionOut(Schema):
    id: int
    calendar_id: int
    name: str
    start_date: datetime.date
    finish_date: datetime.date
    working: bool
    intervals: list[list[str]]


class WeekDayOut(Schema):
    weekday: int
    name: str
    intervals: list[list[str]]
    from_base_calendar: bool
    hours: Decimal


class UsageOut(Schema):
    project_count: int
    projects: list[str]
    task_project_count: int
    person_count: int
    people: list[str]
    derived_calendar_ids: list[int]
    default_project_count: int
    default_person_count: int
    in_use: bool


class CalendarSummaryOut(Schema):
    id: int
    name: str
    is_default: bool
    base_calendar_id: int | None
    base_calendar_name: str | None
    hours_per_day: Decimal
    timezone: str
    working_week: dict[str, list[list[str]]]
    weekly_hours: Decimal
    exception_count: int
    usage: UsageOut


class CalendarDetailOut(CalendarSummaryOut):
    effective_week: list[WeekDayOut]
    exceptions: list[ExceptionOut]
    can_edit: bool


class EffectsOut(Schema):
    rescheduled_projects: list[str]
    projects_to_reschedule: list[str]
    not_rescheduled: dict[str, str]


class CalendarOut(Schema):
    id: int
    name: str
    is_default: bool
    base_calendar_id: int | None
    hours_per_day: Decimal
    timezone: str
    working_week: dict[str, list[list[str]]]


class CalendarWriteOut(CalendarOut):
    effects: EffectsOut


class ExceptionWriteOut(ExceptionOut):
    effects: EffectsOut


class CalendarIn(Schema):
    """``working_week``: weekday "0" (Monday) .. "6" to ``[["08:00", "12:00"], ...]``; on a
    calendar with a base calendar, a weekday left out (or null) takes the base's hours."""

    name: str
    working_week: dict[str, Any] | None = None
    hours_per_day: Decimal = Decimal("8")
    timezone: str = "UTC"
    base_calendar_id: int | None = None
    is_default: bool = False


class CalendarChangeIn(Schema):
    """The fields sent change; the others keep their values."""

    name: str | None = None
    working_week: dict[str, Any] | None = None
    hours_per_day: Decimal | None = None
    timezone: str | None = None
    base_calendar_id: int | None = None
    is_default: bool | None = None


class ExceptionIn(Schema):
    """A holiday (``working`` false) or days with other hours (``working`` true and
    ``intervals``). ``finish_date`` defaults to ``start_date``."""

    name: str
    start_date: datetime.date
    finish_date: datetime.date | None = None
    working: bool = False
    intervals: list[Any] = []


class ExceptionChangeIn(Schema):
    name: str | None = None
    start_date: datetime.date | None = None
    finish_date: datetime.date | None = None
    working: bool | None = None
    intervals: list[Any] | None = None


# -- adapters --------------------------------------------------------------------------------


def _usage_out(usage: selectors.CalendarUsage) -> dict[str, Any]:
    return {
        "project_count": usage.project_count,
        "projects": [project.code for project in usage.projects],
        "task_project_count": usage.task_project_count,
        "person_count": usage.person_count,
        "people": usage.people,
        "derived_calendar_ids": [calendar.pk for calendar in usage.derived],
        "default_project_count": usage.default_project_count,
        "default_person_count": usage.default_person_count,
        "in_use": usage.in_use,
    }


def _calendar_fields(calendar: Calendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "is_default": calendar.is_default,
        "base_calendar_id": calendar.base_calendar_id,
        "hours_per_day": calendar.hours_per_day,
        "timezone": calendar.timezone,
        "working_week": calendar.working_week or {},
    }


def _row_out(row: selectors.CalendarRow) -> dict[str, Any]:
    return {
        **_calendar_fields(row.calendar),
        "base_calendar_name": row.base_name,
        "weekly_hours": row.weekly_hours,
        "exception_count": row.exception_count,
        "usage": _usage_out(row.usage),
    }


def _effects_out(effects: services.CalendarEffects) -> dict[str, Any]:
    return {
        "rescheduled_projects": effects.rescheduled,
        "projects_to_reschedule": effects.to_reschedule,
        "not_rescheduled": effects.not_rescheduled,
    }


def _exception_fields(exception: CalendarException) -> dict[str, Any]:
    return {
        "id": exception.pk,
        "calendar_id": exception.calendar_id,
        "name": exception.name,
        "start_date": exception.start_date,
        "finish_date": exception.finish_date,
        "working": exception.working,
        "intervals": exception.intervals or [],
    }


# -- endpoints -------------------------------------------------------------------------------


@router.get("/calendars", response=list[CalendarSummaryOut])
@paginate
def calendar_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The organisation's calendars (the default first) and who follows each."""
    return [_row_out(row) for row in selectors.calendar_list(request_user(request))]


@router.post("/calendars", response={201: CalendarWriteOut})
def calendar_create(request: HttpRequest, payload: CalendarIn) -> Status[dict[str, Any]]:
    fields = payload.model_dump(exclude_unset=True)
    if fields.get("working_week") is None:
        fields.pop("working_week", None)
    written = services.calendar_create(
        acting_user=request_user(request), fields=cast(services.CalendarFields, fields)
    )
    return Status(
        201, {**_calendar_fields(written.calendar), "effects": _effects_out(written.effects)}
    )


@router.get("/calendars/{calendar_id}", response=CalendarDetailOut)
def calendar_detail(request: HttpRequest, calendar_id: int) -> dict[str, Any]:
    detail = selectors.calendar_detail(request_user(request), calendar_id)
    return {
        **_row_out(detail),
        "effective_week": [
            {
                "weekday": index,
                "name": day.name,
                "intervals": [list(interval) for interval in day.intervals],
                "from_base_calendar": day.inherited,
                "hours": day.hours,
            }
            for index, day in enumerate(detail.week)
        ],
        "exceptions": [_exception_fields(exception) for exception in detail.exceptions],
        "can_edit": detail.can_edit,
    }


@router.put("/calendars/{calendar_id}", response=CalendarWriteOut)
def calendar_update(
    request: HttpRequest, calendar_id: int, payload: CalendarChangeIn
) -> dict[str, Any]:
    written = services.calendar_update(
        acting_user=request_user(request),
        calendar_id=calendar_id,
        changes=cast(services.CalendarFields, payload.model_dump(exclude_unset=True)),
    )
    return {**_calendar_fields(written.calendar), "effects": _effects_out(written.effects)}


@router.delete("/calendars/{calendar_id}", response={204: None})
def calendar_delete(request: HttpRequest, calendar_id: int) -> Status[None]:
    """Refused (409) while projects, tasks, people or other calendars use the calendar."""
    services.calendar_delete(acting_user=request_user(request), calendar_id=calendar_id)
    return Status(204, None)


@router.post("/calendars/{calendar_id}/exceptions", response={201: ExceptionWriteOut})
def calendar_exception_create(
    request: HttpRequest, calendar_id: int, payload: ExceptionIn
) -> Status[dict[str, Any]]:
    written = services.calendar_exception_create(
        acting_user=request_user(request),
        calendar_id=calendar_id,
        fields=cast(services.ExceptionFields, payload.model_dump()),
    )
    return Status(
        201, {**_exception_fields(written.exception), "effects": _effects_out(written.effects)}
    )


@router.put("/calendar-exceptions/{exception_id}", response=ExceptionWriteOut)
def calendar_exception_update(
    request: HttpRequest, exception_id: int, payload: ExceptionChangeIn
) -> dict[str, Any]:
    written = services.calendar_exception_update(
        acting_user=request_user(request),
        exception_id=exception_id,
        changes=cast(services.ExceptionFields, payload.model_dump(exclude_unset=True)),
    )
    return {**_exception_fields(written.exception), "effects": _effects_out(written.effects)}


@router.delete("/calendar-exceptions/{exception_id}", response={204: None})
def calendar_exception_delete(request: HttpRequest, exception_id: int) -> Status[None]:
    services.calendar_exception_delete(acting_user=request_user(request), exception_id=exception_id)
    return Status(204, None)
