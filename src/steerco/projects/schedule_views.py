"""The project schedule page: grid, Gantt chart, baselines, leveling, risk, MSPDI files.

The page has five tabs (``?tab=schedule|baselines|leveling|risk|files``). The grid shows one
page of rows (``?page=N``, :data:`~steerco.projects.schedule_selectors.PAGE_SIZE` rows, outline
order), optionally only the critical tasks (``critical=1``) or the tasks matching a search
(``q=``); ``?task=ID`` opens the page that holds that task, with its comments. Grid cells post
one field at a time through htmx, with the page and filter, and get the schedule panel back at
that page, rescheduled; without JavaScript the same posts redirect back to the page with a
message. A service error (a cycle naming its tasks, a bad file naming its line) is shown in the
panel and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from steerco.core.access import organisation_id_of
from steerco.core.errors import Conflict, ServiceError, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.projects import schedule_charts as charts
from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.access import access_project_by_id, can_create_projects, can_edit_project
from steerco.projects.models import Task
from steerco.web.decorators import member_required, steerco_user

TABS = (
    ("schedule", "Schedule"),
    ("baselines", "Baselines"),
    ("leveling", "Leveling"),
    ("risk", "Risk"),
    ("files", "Import / export"),
)
EDITABLE = ("name", "duration_days", "predecessors", "percent_complete", "constraint")
ROW_FIELD = re.compile(r"^tasks\[(\d+)\]\.?")
SEARCH_CHARACTERS = 100


def said(error: ServiceError) -> str:
    """A service error as one sentence for a banner."""
    if isinstance(error, ValidationFailed):
        parts: list[str] = []
        for field, texts in error.errors.items():
            label = ""
            if field not in ("__all__", "file", "links", "schedule", "leveling"):
                # "tasks[12].duration_days" reads "Task 12, duration days: ..."
                label = ROW_FIELD.sub(r"Task \1, ", field).replace("_", " ") + ": "
            parts.extend(label + text for text in texts)
        return " ".join(parts)
    return str(error)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _is_history_restore(request: HttpRequest) -> bool:
    """htmx asks for the whole page when the browser goes back to a page it did not keep."""
    return bool(getattr(getattr(request, "htmx", None), "history_restore_request", False))


def grid_query(params: QueryDict, *, task_id: int | None = None) -> selectors.GridQuery:
    """The grid's page and filter from a query string or a post (bad values are ignored)."""
    page = params.get("page", "")
    return selectors.GridQuery(
        page=int(page) if is_whole_number(page) else 1,
        critical_only=params.get("critical") == "1",
        search=params.get("q", "").strip()[:SEARCH_CHARACTERS],
        task_id=task_id,
    )


def _grid_state(query: selectors.GridQuery, page: int) -> dict[str, str]:
    """The page and filter as request parameters (only those that differ from the default)."""
    state = {"page": str(page)} if page > 1 else {}
    if query.critical_only:
        state["critical"] = "1"
    if query.search:
        state["q"] = query.search
    return state


def _page_links(view: selectors.ScheduleWindow, base: dict[str, str]) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = []
    for number in view.page_numbers:
        if number is None:
            links.append({"number": None, "url": "", "current": False})
            continue
        state = _grid_state(view.query, number)
        links.append(
            {
                "number": number,
                "url": "?" + urlencode({**base, **state}),
                "current": number == view.page,
            }
        )
    return links


def _schedule_context(
    request: HttpRequest,
    project_id: int,
    query: selectors.GridQuery,
    *,
    tab: str = "schedule",
    outcome: services.RescheduleOutcome | None = None,
    **extra: Any,
) -> dict[str, Any]:
    view = selectors.schedule_window(steerco_user(request), project_id, query, outcome=outcome)
    state = _grid_state(query, view.page)
    base = {} if tab == "schedule" else {"tab": tab}
    # Rows link to ".../tasks/<id>/": reversed once, not twice per row.
    task_prefix = reverse("schedule:task_edit", args=[project_id, 0]).removesuffix("0/")
    return {
        "view": view,
        "project": view.project,
        "can_edit": view.can_edit,
        "task_prefix": task_prefix,
        "task_comments_prefix": reverse("comms:comments", args=["projects.task", 0]).removesuffix(
            "0/"
        ),
        "gantt": charts.gantt_svg(view) if tab == "schedule" else "",
        "constraint_choices": Task.ConstraintType.choices,
        # Every write from the panel sends the page and filter back, to be answered with them.
        "grid_state": state,
        "grid_state_json": json.dumps(state),
        "page_links": _page_links(view, base),
        "previous_url": "?" + urlencode({**base, **_grid_state(query, view.page - 1)})
        if view.page > 1
        else "",
        "next_url": "?" + urlencode({**base, **_grid_state(query, view.page + 1)})
        if view.page < view.pages
        else "",
        "clear_filter_url": "?" + urlencode(base),
        "tab": tab,
        **extra,
    }


def _panel(
    request: HttpRequest, project_id: int, query: selectors.GridQuery, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "projects/schedule/_panel.html",
        _schedule_context(request, project_id, query, **extra),
    )


def _back(request: HttpRequest, project_id: int, tab: str = "schedule") -> HttpResponse:
    """Back to the page (and tab) after a plain form post, at the page and filter it sent."""
    url = reverse("schedule:page", args=[project_id])
    query = grid_query(request.POST)
    state = {**({"tab": tab} if tab != "schedule" else {}), **_grid_state(query, query.page)}
    return redirect(f"{url}?{urlencode(state)}" if state else url)


@member_required
@require_GET
def schedule_page(request: HttpRequest, project_id: int) -> HttpResponse:
    tab = request.GET.get("tab", "schedule")
    if tab not in dict(TABS):
        tab = "schedule"
    # "?task=ID" opens that task's comments, where a mention notification leads, on the page of
    # the grid that holds the task.
    raw_task = request.GET.get("task", "")
    task_id = int(raw_task) if is_whole_number(raw_task) else None
    if tab in ("schedule", "baselines"):
        query = grid_query(request.GET, task_id=task_id)
        if tab == "schedule" and _is_htmx(request) and not _is_history_restore(request):
            return _panel(request, project_id, query)  # a page link or the filter of the grid
        context = _schedule_context(request, project_id, query, tab=tab)
    else:
        user = steerco_user(request)
        project = access_project_by_id(user, project_id)
        context = {"project": project, "can_edit": can_edit_project(user, project)}
    context.update(tab=tab, tabs=TABS)
    if task_id is not None:
        context["comments_task_id"] = task_id
    if tab == "risk":
        context["simulation"] = selectors.simulation_latest(steerco_user(request), project_id)
        context.update(_risk_charts(context["simulation"]))
    return render(request, "projects/schedule/page.html", context)


@member_required
@require_GET
def earned_value(request: HttpRequest, project_id: int) -> HttpResponse:
    """The earned value card, loaded after the panel: it reads every task."""
    project, panel, note = selectors.earned_value_of(steerco_user(request), project_id)
    return render(
        request,
        "projects/schedule/_earned_value.html",
        {"project": project, "ev": panel, "note": note},
    )


def _decimal(value: str, field: str) -> Decimal:
    try:
        return Decimal(value.strip().replace(",", ".") or "0")
    except InvalidOperation:
        raise ValidationFailed({field: ["Enter a number."]}) from None


def _edit_from_post(request: HttpRequest, task_id: int) -> services.TaskEdit:
    """The one grid cell that changed (htmx names it), or every cell of a plain form post."""
    trigger = request.POST.get("changed") or request.headers.get("HX-Trigger-Name", "")
    fields = [trigger] if trigger in {*EDITABLE, "constraint_type", "constraint_date"} else []
    if not fields:
        fields = [name for name in EDITABLE if name in request.POST]
        if "constraint_type" in request.POST:
            fields.append("constraint")
    edit: services.TaskEdit = {"task_id": task_id}
    for field in fields:
        if field == "name":
            edit["name"] = request.POST.get("name", "")
        elif field == "duration_days":
            edit["duration_days"] = _decimal(request.POST.get("duration_days", ""), field)
        elif field == "percent_complete":
            edit["percent_complete"] = _decimal(request.POST.get("percent_complete", ""), field)
        elif field == "predecessors":
            edit["predecessors"] = request.POST.get("predecessors", "")
        elif field in ("constraint", "constraint_type", "constraint_date"):
            edit["constraint_type"] = request.POST.get("constraint_type", "ASAP")
            raw = request.POST.get("constraint_date", "").strip()
            try:
                edit["constraint_date"] = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                raise ValidationFailed({"constraint_date": ["Enter a date."]}) from None
    return edit


def _after_write(
    request: HttpRequest,
    project_id: int,
    *,
    done: str,
    error: ServiceError | None = None,
    outcome: services.RescheduleOutcome | None = None,
    landing: int | None = None,
) -> HttpResponse:
    """The panel at the page and filter the htmx request sent (at the page of ``landing``, a
    task, if the filter keeps it); a redirect to the page after a plain form post."""
    if _is_htmx(request):
        return _panel(
            request,
            project_id,
            grid_query(request.POST, task_id=landing),
            error_message=said(error) if error else "",
            done_message="" if error else done,
            outcome=outcome,
        )
    if error is not None:
        messages.error(request, said(error))
    else:
        messages.success(request, done)
    return _back(request, project_id)


@member_required
@require_POST
def task_edit(request: HttpRequest, project_id: int, task_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        edit = _edit_from_post(request, task_id)
        outcome = services.schedule_edit(acting_user=user, project_id=project_id, task_edits=[edit])
    except ValidationFailed as error:
        return _after_write(request, project_id, done="", error=error)
    finish = outcome.finish
    return _after_write(
        request,
        project_id,
        done=f"Rescheduled: {outcome.changed} task(s) moved"
        + (f", finish {finish:%d %b %Y}." if finish else "."),
        outcome=outcome,
    )


@member_required
@require_POST
def task_add(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        raw = request.POST.get("duration_days", "").strip()
        outcome = services.schedule_task_add(
            acting_user=user,
            project_id=project_id,
            name=request.POST.get("name", ""),
            duration_days=_decimal(raw, "duration_days") if raw else None,
        )
    except ValidationFailed as error:
        return _after_write(request, project_id, done="", error=error)
    # The new task is the last of the grid: show its page.
    added = Task.objects.filter(project_id=project_id).order_by("-pk").values_list("pk", flat=True)
    return _after_write(
        request,
        project_id,
        done="Task added and rescheduled.",
        outcome=outcome,
        landing=added.first(),
    )


@member_required
@require_POST
def task_delete(request: HttpRequest, project_id: int, task_id: int) -> HttpResponse:
    try:
        outcome = services.schedule_task_remove(
            acting_user=steerco_user(request), project_id=project_id, task_id=task_id
        )
    except (ValidationFailed, Conflict) as error:
        return _after_write(request, project_id, done="", error=error)
    return _after_write(request, project_id, done="Task deleted and rescheduled.", outcome=outcome)


@member_required
@require_POST
def reschedule(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        outcome = services.project_reschedule(
            acting_user=steerco_user(request), project_id=project_id
        )
    except ValidationFailed as error:
        return _after_write(request, project_id, done="", error=error)
    return _after_write(
        request, project_id, done=f"Rescheduled: {outcome.changed} task(s) moved.", outcome=outcome
    )


@member_required
@require_POST
def settings_update(request: HttpRequest, project_id: int) -> HttpResponse:
    changes: services.ScheduleSettings = {}
    try:
        raw_start = request.POST.get("start_date", "").strip()
        if "start_date" in request.POST:
            changes["start_date"] = dt.date.fromisoformat(raw_start) if raw_start else None
        raw_status = request.POST.get("status_date", "").strip()
        if "status_date" in request.POST:
            changes["status_date"] = (
                dt.datetime.combine(dt.date.fromisoformat(raw_status), dt.time(17), dt.UTC)
                if raw_status
                else None
            )
    except ValueError:
        messages.error(request, "Enter dates as YYYY-MM-DD.")
        return _back(request, project_id)
    try:
        outcome = services.schedule_settings_update(
            acting_user=steerco_user(request), project_id=project_id, changes=changes
        )
    except ValidationFailed as error:
        messages.error(request, said(error))
    else:
        # The page this redirects to then need not run the engine again.
        selectors.schedule_check_keep(outcome.project, selectors.check_of_outcome(outcome), outcome)
        messages.success(request, "Schedule settings saved and the schedule recomputed.")
    return _back(request, project_id)


@member_required
@require_POST
def baseline_capture(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        number = int(request.POST.get("number", "0") or 0)
    except ValueError:
        number = -1
    # Capturing reschedules first, from the same rows: a check kept before still holds after,
    # and the dates are then up to date.
    kept = selectors.schedule_check_kept(access_project_by_id(user, project_id))
    rescheduled: list[services.RescheduleOutcome] = []
    try:
        baseline = services.baseline_capture(
            acting_user=user,
            project_id=project_id,
            number=number,
            name=request.POST.get("name", ""),
            note=request.POST.get("note", ""),
            rescheduled=rescheduled,
        )
    except ValidationFailed as error:
        messages.error(request, said(error))
    else:
        if kept is not None and not kept.error and rescheduled:
            selectors.schedule_check_keep(
                baseline.project, replace(kept, stale=False), rescheduled[0]
            )
        messages.success(
            request,
            f"Baseline {baseline.number} captured ({baseline.tasks.count()} tasks).",
        )
    return _back(request, project_id, "baselines")


@member_required
@require_POST
def level(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    method = request.POST.get("method", "heuristic")
    mode = request.POST.get("mode", "delay_finish")
    apply = request.POST.get("apply") == "1"
    project = access_project_by_id(user, project_id)
    context: dict[str, Any] = {"project": project, "method": method, "mode": mode}
    try:
        action = services.leveling_apply if apply else services.leveling_preview
        context["outcome"] = action(
            acting_user=user, project_id=project_id, method=method, mode=mode
        )
    except ValidationFailed as error:
        context["error_message"] = said(error)
    if not _is_htmx(request):
        if "error_message" in context:
            messages.error(request, context["error_message"])
        elif apply:
            messages.success(request, "Leveling applied and the schedule recomputed.")
        return _back(request, project_id, "leveling")
    return render(request, "projects/schedule/_leveling.html", context)


def _risk_charts(simulation: selectors.SimulationView) -> dict[str, Any]:
    result = simulation.result
    if result is None:
        return {"s_curve": "", "tornado": ""}
    return {"s_curve": charts.s_curve_svg(result), "tornado": charts.tornado_svg(result)}


def _risk(request: HttpRequest, project_id: int, **extra: Any) -> HttpResponse:
    simulation = selectors.simulation_latest(steerco_user(request), project_id)
    context = {
        "project": simulation.project,
        "simulation": simulation,
        **_risk_charts(simulation),
        **extra,
    }
    return render(request, "projects/schedule/_risk.html", context)


@member_required
@require_POST
def simulate(request: HttpRequest, project_id: int) -> HttpResponse:
    options = {
        key: request.POST.get(key)
        for key in services.DEFAULT_SIMULATION
        if request.POST.get(key) not in (None, "")
    }
    try:
        job = services.simulation_start(
            acting_user=steerco_user(request), project_id=project_id, options=options
        )
    except ValidationFailed as error:
        if _is_htmx(request):
            return _risk(request, project_id, error_message=said(error))
        messages.error(request, said(error))
        return _back(request, project_id, "risk")
    if _is_htmx(request):
        return _risk(request, project_id, started=job)
    messages.success(request, "The simulation is running.")
    return _back(request, project_id, "risk")


@member_required
@require_GET
def risk(request: HttpRequest, project_id: int) -> HttpResponse:
    return _risk(request, project_id)


@member_required
def mspdi(request: HttpRequest, project_id: int) -> HttpResponse:
    """GET: download the schedule as Microsoft Project XML. POST: replace it from a file."""
    user = steerco_user(request)
    if request.method != "POST":
        data, file_name = services.schedule_export_mspdi(acting_user=user, project_id=project_id)
        response = HttpResponse(data, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a Microsoft Project XML file.")
        return _back(request, project_id, "files")
    try:
        outcome = services.schedule_import_mspdi(
            acting_user=user,
            data=upload.read(),
            file_name=upload.name or "",
            project_id=project_id,
        )
    except ValidationFailed as error:
        messages.error(request, said(error))
        return _back(request, project_id, "files")
    _import_messages(request, outcome)
    return _back(request, project_id)


def _import_messages(request: HttpRequest, outcome: services.ImportOutcome) -> None:
    messages.success(
        request,
        f"Imported {outcome.tasks} tasks, {outcome.links} links and {outcome.assignments} "
        f"assignments. Steerco's dates match the file's for {outcome.dates_matching} of "
        f"{outcome.dates_compared} tasks.",
    )
    for warning in outcome.warnings[:10]:
        messages.warning(request, warning)
    if len(outcome.warnings) > 10:
        messages.warning(request, f"… and {len(outcome.warnings) - 10} more warnings.")


@member_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Create a project from a Microsoft Project XML file."""
    from steerco.portfolios.models import Portfolio

    user = steerco_user(request)
    portfolios = Portfolio.objects.filter(organisation_id=organisation_id_of(user)).order_by("name")
    context: dict[str, Any] = {"portfolios": portfolios, "can_create": can_create_projects(user)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            portfolio_id = int(request.POST.get("portfolio_id") or 0) or None
        except ValueError:
            portfolio_id = None
        try:
            if upload is None:
                raise ValidationFailed({"file": ["Choose a Microsoft Project XML file."]})
            outcome = services.schedule_import_mspdi(
                acting_user=user,
                data=upload.read(),
                file_name=upload.name or "",
                portfolio_id=portfolio_id,
                code=request.POST.get("code", "").strip(),
                name=request.POST.get("name", "").strip() or None,
            )
        except ServiceError as error:
            context["error_message"] = said(error)
            context["values"] = request.POST
        else:
            _import_messages(request, outcome)
            return redirect("schedule:page", outcome.project.pk)
    return render(request, "projects/schedule/import.html", context)


@member_required
@require_GET
def gantt(request: HttpRequest, project_id: int) -> HttpResponse:
    """The Gantt chart alone, as an SVG file (for reports and documents)."""
    chart = selectors.gantt_chart(steerco_user(request), project_id)
    return HttpResponse(charts.gantt_svg(chart), content_type="image/svg+xml")
