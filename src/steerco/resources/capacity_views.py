"""Pages: the capacity heatmap (drill-down, what-if, fit), the person view, resource requests.

The heatmap's filter form asks for the same URL through htmx and swaps the
heatmap only (the URL is pushed, so reload and back work). A cell asks for
its drill-down fragment; the fit button asks for the fit preview fragment.
What-if moves travel in the ``moves`` parameter, ``CODE:+N, CODE:-N``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from steerco.accounts.models import User
from steerco.core.errors import Conflict, NotFound, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.resources import capacity_selectors, capacity_services, request_services
from steerco.resources.capacity_access import (
    access_portfolio_by_code,
    can_decide_requests,
    can_edit_capacity,
    require_capacity_reader,
)
from steerco.resources.capacity_engine_io import add_months, month_label, parse_month
from steerco.resources.capacity_fit import capacity_fit_preview
from steerco.resources.capacity_selectors import HeatmapQuery
from steerco.resources.models import Booking, ResourceRequest
from steerco.resources.skills_matching import rank_people_for_request
from steerco.web.decorators import member_required, steerco_user

MONTH_CHOICES = (6, 12, 18, 24)


def _parse_moves(text: str) -> list[tuple[str, int]]:
    moves = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code, separator, shift = part.rpartition(":")
        try:
            if not separator or not code.strip():
                raise ValueError(part)
            moves.append((code.strip(), int(shift)))
        except ValueError as error:
            raise ValidationFailed(
                {"moves": [f"{part!r}: write CODE:+N, e.g. PRJ-7:+2"]}
            ) from error
    return moves


def moves_text(moves: list[tuple[str, int]]) -> str:
    return ", ".join(f"{code}:{shift:+d}" for code, shift in moves)


class HeatmapParameters:
    """The heatmap's query string, parsed once, and the links that change one part of it."""

    def __init__(self, user: User, data: QueryDict) -> None:
        self.user = user
        self.portfolio_code = data.get("portfolio", "").strip()
        try:
            self.first_month = parse_month(
                data.get("from"), default=capacity_selectors.default_first_month()
            )
        except ValueError as error:
            raise ValidationFailed({"from": [str(error)]}) from error
        try:
            self.months = int(data.get("months") or 12)
        except ValueError as error:
            raise ValidationFailed({"months": ["Choose a number of months."]}) from error
        self.include_pipeline = data.get("pipeline") in ("1", "on", "true")
        scenario = data.get("scenario") or ""
        self.scenario_id = int(scenario) if is_whole_number(scenario) else None
        self.moves = _parse_moves(data.get("moves", ""))
        portfolio = (
            access_portfolio_by_code(user, self.portfolio_code) if self.portfolio_code else None
        )
        self.query = HeatmapQuery(
            first_month=self.first_month,
            months=self.months,
            portfolio_id=portfolio.pk if portfolio else None,
            include_pipeline=self.include_pipeline,
            scenario_id=self.scenario_id,
            moves=self._resolved_moves(),
        )

    def _resolved_moves(self) -> tuple[tuple[int, int], ...]:
        try:
            return capacity_selectors.resolve_moves(user=self.user, moves=self.moves)
        except NotFound as error:
            # A mistyped code in the what-if box is a mistake to correct, not a missing page.
            raise ValidationFailed({"moves": [str(error)]}) from error

    def params(self, **changes: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "portfolio": self.portfolio_code,
            "from": month_label(self.first_month),
            "months": self.months,
            "pipeline": "1" if self.include_pipeline else "",
            "scenario": self.scenario_id or "",
            "moves": moves_text(self.moves),
        }
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value not in ("", None)}

    def url(self, name: str, **changes: Any) -> str:
        return f"{reverse(name)}?{urlencode(self.params(**changes))}"

    def with_move(self, code: str, shift: int) -> str:
        moves = [(c, s) for c, s in self.moves if c != code]
        current = dict(self.moves).get(code, 0)
        if current + shift:
            moves.append((code, current + shift))
        return self.url("capacity:heatmap", moves=moves_text(moves))


def _heatmap_context(user: User, parameters: HeatmapParameters) -> dict[str, Any]:
    heatmap = capacity_selectors.heatmap(user=user, query=parameters.query)
    drill_base = parameters.url("capacity:drilldown")
    return {
        "heatmap": heatmap,
        "parameters": parameters,
        "drill_base": drill_base,
        "previous_url": parameters.url(
            "capacity:heatmap", **{"from": month_label(add_months(parameters.first_month, -3))}
        ),
        "next_url": parameters.url(
            "capacity:heatmap", **{"from": month_label(add_months(parameters.first_month, 3))}
        ),
        "clear_moves_url": parameters.url("capacity:heatmap", moves=""),
    }


@member_required
def heatmap(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_capacity_reader(user)
    errors: dict[str, list[str]] = {}
    try:
        parameters = HeatmapParameters(user, request.GET)
    except ValidationFailed as failure:
        errors = failure.errors
        # Show the rest of what was asked for, without the part that was wrong.
        fallback = request.GET.copy()
        for field in ("moves", *errors):
            fallback.pop(field, None)
        try:
            parameters = HeatmapParameters(user, fallback)
        except ValidationFailed:
            parameters = HeatmapParameters(user, QueryDict(""))
    context = _heatmap_context(user, parameters)
    context["errors"] = errors
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "heatmap" and not htmx.history_restore_request:
        response = render(request, "capacity/_heatmap.html", context)
    else:
        context.update(
            portfolios=capacity_selectors.portfolio_choices(user=user),
            scenarios=capacity_selectors.scenario_choices(user=user),
            # The months shown stay selectable, so that the fit button asks for the same window.
            month_choices=sorted({*MONTH_CHOICES, parameters.months}),
            can_edit=can_edit_capacity(user),
        )
        response = render(request, "capacity/heatmap.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@member_required
def drilldown(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    parameters = HeatmapParameters(user, request.GET)
    try:
        role_id = int(request.GET.get("role", ""))
        month = parse_month(request.GET.get("month"))
    except ValueError as error:
        raise ValidationFailed({"role": ["Pick a cell of the heatmap."]}) from error
    drill = capacity_selectors.heatmap_drilldown(
        user=user, query=parameters.query, role_id=role_id, month=month
    )
    rows = [
        {
            "project": project,
            "later_url": parameters.with_move(project.code, 1),
            "earlier_url": parameters.with_move(project.code, -1),
        }
        for project in drill.projects
    ]
    return render(
        request,
        "capacity/_drilldown.html",
        {"drill": drill, "rows": rows, "can_decide": can_decide_requests(user)},
    )


@member_required
def fit(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    parameters = HeatmapParameters(user, request.GET)
    try:
        max_shift = int(request.GET.get("max_shift") or 6)
    except ValueError:
        max_shift = 6
    preview = capacity_fit_preview(user=user, query=parameters.query, max_shift=max_shift)
    apply_url = parameters.url(
        "capacity:heatmap", moves=moves_text([(move.code, move.shift) for move in preview.moves])
    )
    return render(
        request,
        "capacity/_fit.html",
        {"preview": preview, "apply_url": apply_url, "max_shift": max_shift},
    )


@require_POST
@member_required
def refresh(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    result = capacity_services.capacity_refresh(acting_user=user)
    messages.success(
        request,
        f"Capacity rebuilt for {result.people} people over {result.months} months "
        f"from {month_label(result.first_month)}.",
    )
    return redirect("capacity:heatmap")


@member_required
def people(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_capacity_reader(user)
    try:
        first = parse_month(
            request.GET.get("from"), default=capacity_selectors.default_first_month()
        )
        months = int(request.GET.get("months") or 12)
        role = request.GET.get("role") or ""
        role_id = int(role) if role else None
    except ValueError:
        first, months, role_id = capacity_selectors.default_first_month(), 12, None
    search = request.GET.get("search", "").strip()
    view = capacity_selectors.person_heatmap(
        user=user,
        first_month=first,
        months=HeatmapQuery(first, max(1, min(36, months))).months,
        role_id=role_id,
        search=search,
        page=int(request.GET.get("page") or 1)
        if is_whole_number(request.GET.get("page") or "1")
        else 1,
    )
    base = {"from": month_label(first), "months": months, "role": role_id or "", "search": search}
    page = view.page
    context = {
        "view": view,
        "roles": capacity_selectors.role_choices(user=user),
        "filters": base,
        "month_choices": MONTH_CHOICES,
        "previous_url": (
            f"?{urlencode({**base, 'page': page.previous_page_number()})}"
            if page.has_previous()
            else None
        ),
        "next_url": (
            f"?{urlencode({**base, 'page': page.next_page_number()})}" if page.has_next() else None
        ),
    }
    return render(request, "capacity/people.html", context)


# -- resource requests -------------------------------------------------------------------------


@member_required
def request_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    status = request.GET.get("status", "")
    if status not in ResourceRequest.Status.values:
        status = ""
    page = Paginator(
        capacity_selectors.request_list(user=user, status=status or None), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "capacity/requests.html",
        {
            "page": page,
            "status": status,
            "statuses": ResourceRequest.Status.choices,
            "can_request": bool(capacity_selectors.requestable_projects(user=user)),
        },
    )


def _decimal(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return Decimal("NaN")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and is_whole_number(value) else None


@member_required
def request_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    projects = capacity_selectors.requestable_projects(user=user)
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        start, finish = _date(data.get("start_date")), _date(data.get("finish_date"))
        hours = _decimal(data.get("hours"))
        for name, value in (("start_date", start), ("finish_date", finish), ("hours", hours)):
            if value is None:
                errors[name] = ["This field is required."]
        project_id = _int(data.get("project"))
        if project_id is None:
            errors["project_id"] = ["Choose a project."]
        if not errors:
            assert start and finish and hours is not None and project_id is not None
            try:
                created = request_services.resource_request_create(
                    acting_user=user,
                    project_id=project_id,
                    role_id=_int(data.get("role")),
                    skill_id=_int(data.get("skill")),
                    requested_person_id=_int(data.get("person")),
                    start_date=start,
                    finish_date=finish,
                    hours=hours,
                    reason=data.get("reason", ""),
                )
            except ValidationFailed as failure:
                errors = failure.errors
            else:
                messages.success(request, "Request sent to the resource managers.")
                return redirect("capacity:request", request_id=created.pk)
    return render(
        request,
        "capacity/request_form.html",
        {
            "projects": projects,
            "roles": capacity_selectors.role_choices(user=user),
            "skills": capacity_selectors.skill_choices(user=user),
            "people": capacity_selectors.person_choices(user=user),
            "data": data,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@member_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = capacity_selectors.request_detail(user=user, request_id=request_id)
    candidates = (
        rank_people_for_request(user=user, request_id=request_id).candidates
        if detail.can_decide
        else []
    )
    return render(
        request,
        "capacity/request_detail.html",
        {
            "detail": detail,
            "item": detail.request,
            "candidates": candidates,
            "people": capacity_selectors.person_choices(user=user) if detail.can_decide else [],
            "kinds": Booking.Kind.choices,
            "errors": {},
        },
    )


@require_POST
@member_required
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    user = steerco_user(request)
    person_id = _int(request.POST.get("person"))
    try:
        if person_id is None:
            raise ValidationFailed({"person_id": ["Choose the person to book."]})
        decision = request_services.resource_request_approve(
            acting_user=user,
            request_id=request_id,
            person_id=person_id,
            hours=_decimal(request.POST.get("hours")),
            kind=request.POST.get("kind") or Booking.Kind.HARD,
            note=request.POST.get("note", ""),
        )
    except (ValidationFailed, Conflict) as failure:
        messages.error(request, str(failure))
    else:
        item = decision.request
        messages.success(
            request,
            f"{item.get_status_display()}: {item.approved_person} booked for "
            f"{item.approved_hours} h on {item.project.code}.",
        )
    return redirect("capacity:request", request_id=request_id)


@require_POST
@member_required
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        request_services.resource_request_reject(
            acting_user=user, request_id=request_id, reason=request.POST.get("reason", "")
        )
    except (ValidationFailed, Conflict) as failure:
        messages.error(request, str(failure))
    else:
        messages.success(request, "Request rejected; the requester sees your reason.")
    return redirect("capacity:request", request_id=request_id)


@require_POST
@member_required
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        request_services.resource_request_withdraw(acting_user=user, request_id=request_id)
    except Conflict as failure:
        messages.error(request, str(failure))
    else:
        messages.success(request, "Request withdrawn.")
    return redirect("capacity:request", request_id=request_id)


@member_required
def project_demand(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    if request.method == "POST":
        result = capacity_services.role_demand_rollup_from_schedule(
            acting_user=user, project_id=project_id
        )
        skipped = (
            f"; {result.skipped} assignment(s) without dates or role left out"
            if result.skipped
            else ""
        )
        messages.success(
            request,
            f"Demand rolled up from {result.assignments} assignment(s): {result.hours} h{skipped}.",
        )
        return redirect("capacity:project_demand", project_id=project_id)
    demand = capacity_selectors.project_demand(user=user, project_id=project_id)
    return render(request, "capacity/project_demand.html", {"demand": demand})
