"""Calendar pages: the organisation's calendars, one calendar with its holidays, the forms.

Everyone in the organisation reads; administrators and PMO analysts change (the others get
403 on a write). The holiday form on a calendar's page posts through htmx and gets the holiday
panel back, with the errors beside the fields; without JavaScript the same post redirects back.
After a write, a banner says which project schedules followed the calendar.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from steerco.core.errors import Conflict, ValidationFailed
from steerco.projects import calendar_selectors as selectors
from steerco.projects import calendar_services as services
from steerco.projects.calendar_access import (
    access_calendar_by_id,
    access_calendar_exception_by_id,
    can_edit_calendars,
    require_calendar_editor,
)
from steerco.projects.calendar_forms import CalendarForm, ExceptionForm, HolidayImportForm
from steerco.web.decorators import member_required, steerco_user


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _said(error: ValidationFailed) -> str:
    return " ".join(message for texts in error.errors.values() for message in texts)


def _tell_effects(request: HttpRequest, effects: services.CalendarEffects) -> None:
    text = effects.summary()
    if text:
        level = messages.WARNING if effects.not_rescheduled else messages.INFO
        messages.add_message(request, level, text)


@member_required
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    context = {"rows": selectors.calendar_list(user), "can_edit": can_edit_calendars(user)}
    return render(request, "projects/calendars/list.html", context)


def _detail_context(request: HttpRequest, calendar_id: int, **extra: Any) -> dict[str, Any]:
    detail = selectors.calendar_detail(steerco_user(request), calendar_id)
    context: dict[str, Any] = {
        "detail": detail,
        "calendar": detail.calendar,
        "exception_form": ExceptionForm(prefix="holiday"),
        "import_form": HolidayImportForm(),
    }
    context.update(extra)
    return context


@member_required
@require_GET
def calendar_detail(request: HttpRequest, calendar_id: int) -> HttpResponse:
    return render(request, "projects/calendars/detail.html", _detail_context(request, calendar_id))


def _calendar_form_page(request: HttpRequest, calendar_id: int | None) -> HttpResponse:
    user = steerco_user(request)
    require_calendar_editor(user)
    calendar = access_calendar_by_id(user, calendar_id, for_edit=True) if calendar_id else None
    form = CalendarForm(
        request.POST or None,
        base_choices=selectors.calendar_choices(user, exclude=calendar_id),
        calendar=calendar,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if calendar is None:
                written = services.calendar_create(acting_user=user, fields=form.service_fields())
            else:
                written = services.calendar_update(
                    acting_user=user, calendar_id=calendar.pk, changes=form.service_fields()
                )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            verb = "created" if calendar is None else "saved"
            messages.success(request, f"Calendar {written.calendar.name} {verb}.")
            _tell_effects(request, written.effects)
            return redirect("calendars:detail", calendar_id=written.calendar.pk)
    context = {
        "form": form,
        "calendar": calendar,
        "time_zones": services.time_zone_names(),
    }
    return render(request, "projects/calendars/form.html", context)


@member_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    return _calendar_form_page(request, None)


@member_required
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    return _calendar_form_page(request, calendar_id)


@member_required
@require_POST
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    user = steerco_user(request)
    calendar = access_calendar_by_id(user, calendar_id, for_edit=True)
    try:
        services.calendar_delete(acting_user=user, calendar_id=calendar_id)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("calendars:detail", calendar_id=calendar_id)
    messages.success(request, f"Calendar {calendar.name} deleted.")
    return redirect("calendars:list")


def _exceptions_panel(
    request: HttpRequest, calendar_id: int, *, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "projects/calendars/_exceptions.html",
        _detail_context(request, calendar_id, **extra),
        status=status,
    )


@member_required
@require_POST
def exception_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    user = steerco_user(request)
    access_calendar_by_id(user, calendar_id, for_edit=True)
    form = ExceptionForm(request.POST, prefix="holiday")
    error: ValidationFailed | None = None
    if form.is_valid():
        try:
            written = services.calendar_exception_create(
                acting_user=user, calendar_id=calendar_id, fields=form.service_fields()
            )
        except ValidationFailed as failure:
            error = failure
            form.add_service_errors(failure)
    if error is None and not form.errors:
        done = f"{written.exception.name} added."
        effects_text = written.effects.summary()
        if _is_htmx(request):
            return _exceptions_panel(
                request, calendar_id, done_message=f"{done} {effects_text}".strip()
            )
        messages.success(request, done)
        _tell_effects(request, written.effects)
        return redirect(reverse("calendars:detail", args=[calendar_id]) + "#exceptions")
    if _is_htmx(request):
        # 200 so that htmx swaps the panel in: the errors sit beside their fields.
        return _exceptions_panel(request, calendar_id, exception_form=form)
    messages.error(request, _said(error) if error else "Check the holiday's fields.")
    return redirect(reverse("calendars:detail", args=[calendar_id]) + "#exceptions")


@member_required
def exception_edit(request: HttpRequest, exception_id: int) -> HttpResponse:
    user = steerco_user(request)
    exception = access_calendar_exception_by_id(user, exception_id, for_edit=True)
    form = ExceptionForm(request.POST or None, exception=exception)
    if request.method == "POST" and form.is_valid():
        try:
            written = services.calendar_exception_update(
                acting_user=user, exception_id=exception.pk, changes=form.service_fields()
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"{written.exception.name} saved.")
            _tell_effects(request, written.effects)
            return redirect(
                reverse("calendars:detail", args=[exception.calendar_id]) + "#exceptions"
            )
    context = {"form": form, "exception": exception, "calendar": exception.calendar}
    return render(request, "projects/calendars/exception_form.html", context)


@member_required
@require_POST
def exception_delete(request: HttpRequest, exception_id: int) -> HttpResponse:
    user = steerco_user(request)
    exception = access_calendar_exception_by_id(user, exception_id, for_edit=True)
    calendar_id, name = exception.calendar_id, exception.name
    effects = services.calendar_exception_delete(acting_user=user, exception_id=exception_id)
    if _is_htmx(request):
        return _exceptions_panel(
            request, calendar_id, done_message=f"{name} removed. {effects.summary()}".strip()
        )
    messages.success(request, f"{name} removed.")
    _tell_effects(request, effects)
    return redirect(reverse("calendars:detail", args=[calendar_id]) + "#exceptions")


@member_required
@require_POST
def holidays_import(request: HttpRequest, calendar_id: int) -> HttpResponse:
    user = steerco_user(request)
    access_calendar_by_id(user, calendar_id, for_edit=True)
    form = HolidayImportForm(request.POST, request.FILES)
    back = redirect(reverse("calendars:detail", args=[calendar_id]) + "#import")
    if not form.is_valid():
        messages.error(request, "Choose a CSV file of holidays (date,name).")
        return back
    upload = form.cleaned_data["file"]
    try:
        report = services.calendar_holidays_import(
            acting_user=user,
            calendar_id=calendar_id,
            content=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
        )
    except services.HolidayImportRejected as rejected:
        lines = [
            (f"line {error.line}: " if error.line else "") + error.message
            for error in rejected.report.errors
        ]
        messages.error(request, f"{upload.name}: nothing imported. " + " ".join(lines[:20]))
        return back
    if report.dry_run:
        messages.info(
            request,
            f"{upload.name} checked: {report.created} holiday(s) to add, {report.skipped} "
            "already there. Nothing written (check only).",
        )
    else:
        messages.success(
            request,
            f"Imported {report.created} holiday(s) from {upload.name}; {report.skipped} were "
            "already there.",
        )
        _tell_effects(request, report.effects)
    return back
