"""Project pages: the list (filtered through htmx), the detail, and the edit forms.

Views parse with forms, call one service or selector, and render. Service
errors come back beside the fields that caused them; ``member_required`` turns
``NotFound`` into 404 and ``AccessDenied`` into 403.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from steerco.core.access import PORTFOLIO_EDITORS, has_role
from steerco.core.errors import AccessDenied, Conflict, ServiceError, ValidationFailed
from steerco.projects import selectors, services
from steerco.projects.access import (
    access_business_case_by_id,
    access_project_by_id,
    can_create_projects,
)
from steerco.projects.forms import (
    BusinessCaseForm,
    CashFlowLineFormSet,
    ProjectFilterForm,
    ProjectForm,
)
from steerco.projects.models import BusinessCase, Project, ProjectMember
from steerco.web.decorators import member_required, steerco_user

PROJECTS_PER_PAGE = 25
BLANK_LINES = 3
LINE_ERROR = re.compile(r"lines\[(\d+)\]\.(\w+)")
COLUMNS = [
    ("code", "Code"),
    ("name", "Name"),
    ("stage", "Stage"),
    ("health", "Health"),
    ("priority", "Priority"),
    ("", "Portfolio"),
    ("", "Manager"),
    ("start", "Start"),
    ("finish", "Finish"),
]


DONE = {"submit": "submitted", "approve": "approved", "reject": "rejected", "delete": "deleted"}


def _said(error: ServiceError) -> str:
    """The messages of a service error, without field names, for a flash message."""
    if isinstance(error, ValidationFailed):
        return " ".join(message for field in error.errors.values() for message in field)
    return str(error)


def _integer(text: str | None) -> int:
    """A posted id; anything unreadable becomes 0, which no row has."""
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _query(request: HttpRequest, **changes: str | None) -> str:
    """The current query string with ``changes`` applied (None removes a key)."""
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


def _columns(request: HttpRequest, sort: str) -> list[dict[str, str]]:
    columns = []
    for key, label in COLUMNS:
        column = {"label": label, "query": "", "direction": ""}
        if key:
            if sort == key:
                column["direction"], next_sort = "ascending", f"-{key}"
            elif sort == f"-{key}":
                column["direction"], next_sort = "descending", key
            else:
                next_sort = key
            column["query"] = _query(request, sort=next_sort, page=None)
        columns.append(column)
    return columns


@member_required
def project_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    filter_form = ProjectFilterForm(request.GET, options=selectors.project_filter_options(user))
    filters = filter_form.filters()
    page = Paginator(selectors.project_list(user, filters), PROJECTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "page": page,
        "filter_form": filter_form,
        "columns": _columns(request, filters.sort),
        "previous_query": _query(request, page=str(page.previous_page_number()))
        if page.has_previous()
        else "",
        "next_query": _query(request, page=str(page.next_page_number())) if page.has_next() else "",
        "can_create": can_create_projects(user),
    }
    htmx = getattr(request, "htmx", None)
    # A history restore asks for the whole page even though it comes from htmx.
    fragment = bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
    template = "projects/_table.html" if fragment else "projects/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.project_detail(user, project_id)
    context = {
        "detail": detail,
        "project": detail.project,
        "can_decide": has_role(user, PORTFOLIO_EDITORS),
        "people": selectors.organisation_people(user) if detail.can_edit else [],
        "deletable": detail.project.stage in services.DELETABLE_STAGES,
        "member_roles": ProjectMember.Role.choices,
    }
    return render(request, "projects/detail.html", context)


@member_required
def project_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    if not can_create_projects(user):
        raise AccessDenied("Your role may not create projects.")
    form = ProjectForm(request.POST or None, options=selectors.project_options(user))
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(acting_user=user, fields=form.create_fields())
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"Project {project.code} created.")
            return redirect("projects:detail", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@member_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_project_by_id(user, project_id, for_edit=True)
    form = ProjectForm(
        request.POST or None, options=selectors.project_options(user), project=project
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                acting_user=user, project_id=project.pk, changes=form.changed_fields()
            )
        except ValidationFailed as error:
            form.add_service_errors(error)
        except Conflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Project {project.code} saved.")
            return redirect("projects:detail", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@require_POST
@member_required
def project_delete(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        services.project_delete(acting_user=user, project_id=project_id)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("projects:detail", project_id=project_id)
    messages.success(request, "Project deleted.")
    return redirect("projects:list")


@require_POST
@member_required
def project_member_add(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        services.project_member_add(
            acting_user=steerco_user(request),
            project_id=project_id,
            user_id=_integer(request.POST.get("user_id")),
            role=request.POST.get("role", ""),
        )
    except ValidationFailed as error:
        messages.error(request, _said(error))
    return redirect(reverse("projects:detail", args=[project_id]) + "#members")


@require_POST
@member_required
def project_member_remove(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    try:
        services.project_member_remove(
            acting_user=steerco_user(request), project_id=project_id, user_id=user_id
        )
    except ValidationFailed as error:
        messages.error(request, _said(error))
    return redirect(reverse("projects:detail", args=[project_id]) + "#members")


def _apply_line_errors(
    error: ValidationFailed, form: BusinessCaseForm, formset: Any, form_of_line: list[int]
) -> list[str]:
    """Put each service error beside its field; returns errors about the lines as a whole."""
    about_lines: list[str] = []
    other: dict[str, list[str]] = {}
    for key, messages_ in error.errors.items():
        match = LINE_ERROR.fullmatch(key)
        if match:
            line_form = formset.forms[form_of_line[int(match[1])]]
            name = match[2]
            line_form.add_error(name if name in line_form.fields else None, messages_)
        elif key == "lines":
            about_lines.extend(messages_)
        else:
            other[key] = messages_
    if other:
        form.add_service_errors(ValidationFailed(other))
    return about_lines


def _business_case_page(
    request: HttpRequest, project: Project, business_case: BusinessCase | None
) -> HttpResponse:
    user = steerco_user(request)
    about_lines: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        if "add_row" in data:
            # One more empty row; nothing is validated or saved until "Save".
            total = int(data.get("lines-TOTAL_FORMS") or 0)
            data["lines-TOTAL_FORMS"] = str(total + 1)
        form = BusinessCaseForm(data, business_case=business_case)
        formset = CashFlowLineFormSet(data, prefix="lines")
        if "add_row" not in data and form.is_valid() and formset.is_valid():
            form_of_line = [i for i, line in enumerate(formset.forms) if not line.is_blank()]
            lines = [formset.forms[i].line() for i in form_of_line]
            try:
                if business_case is None:
                    business_case = services.business_case_create(
                        acting_user=user,
                        project_id=project.pk,
                        fields=form.service_fields(),
                        lines=lines,
                    )
                else:
                    services.business_case_update(
                        acting_user=user,
                        business_case_id=business_case.pk,
                        fields=form.service_fields(),
                        lines=lines,
                    )
            except ValidationFailed as error:
                about_lines = _apply_line_errors(error, form, formset, form_of_line)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Business case v{business_case.version} saved.")
                return redirect(reverse("projects:detail", args=[project.pk]) + "#business-cases")
    else:
        form = BusinessCaseForm(business_case=business_case)
        rows: list[dict[str, Any]] = []
        if business_case is not None:
            rows = [
                {
                    "month_index": line.month_index,
                    "kind": line.kind,
                    "category": line.category,
                    "amount": line.amount,
                    "description": line.description,
                }
                for line in business_case.cash_flow_lines.order_by("month_index", "kind", "pk")
            ]
        formset = CashFlowLineFormSet(prefix="lines", initial=rows + [{}] * BLANK_LINES)
    context = {
        "project": project,
        "business_case": business_case,
        "form": form,
        "formset": formset,
        "about_lines": about_lines,
    }
    return render(request, "projects/business_case_form.html", context)


@member_required
def business_case_create(request: HttpRequest, project_id: int) -> HttpResponse:
    project = access_project_by_id(steerco_user(request), project_id, for_edit=True)
    return _business_case_page(request, project, None)


@member_required
def business_case_edit(request: HttpRequest, business_case_id: int) -> HttpResponse:
    business_case = access_business_case_by_id(
        steerco_user(request), business_case_id, for_edit=True
    )
    if business_case.status != BusinessCase.Status.DRAFT:
        messages.error(request, "Only a draft business case can change: create a new version.")
        return redirect("projects:detail", project_id=business_case.project_id)
    return _business_case_page(request, business_case.project, business_case)


def _business_case_action(request: HttpRequest, business_case_id: int, action: str) -> HttpResponse:
    user = steerco_user(request)
    business_case = access_business_case_by_id(user, business_case_id)
    try:
        if action == "submit":
            services.business_case_submit(acting_user=user, business_case_id=business_case_id)
        elif action == "approve":
            services.business_case_approve(acting_user=user, business_case_id=business_case_id)
        elif action == "reject":
            services.business_case_reject(
                acting_user=user,
                business_case_id=business_case_id,
                reason=request.POST.get("reason", ""),
            )
        else:
            services.business_case_delete(acting_user=user, business_case_id=business_case_id)
    except (ValidationFailed, Conflict) as error:
        messages.error(request, _said(error))
    else:
        messages.success(request, f"Business case v{business_case.version} {DONE[action]}.")
    return redirect(reverse("projects:detail", args=[business_case.project_id]) + "#business-cases")


@require_POST
@member_required
def business_case_submit(request: HttpRequest, business_case_id: int) -> HttpResponse:
    return _business_case_action(request, business_case_id, "submit")


@require_POST
@member_required
def business_case_approve(request: HttpRequest, business_case_id: int) -> HttpResponse:
    return _business_case_action(request, business_case_id, "approve")


@require_POST
@member_required
def business_case_reject(request: HttpRequest, business_case_id: int) -> HttpResponse:
    return _business_case_action(request, business_case_id, "reject")


@require_POST
@member_required
def business_case_delete(request: HttpRequest, business_case_id: int) -> HttpResponse:
    return _business_case_action(request, business_case_id, "delete")
