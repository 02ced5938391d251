"""Pages: people (list, detail, add, edit, deactivate) and roles (list, detail, add, edit, delete).

Lists search, filter, sort and page through htmx: the filter form and the
column and page links ask for the same URL, and an htmx request aimed at the
results answers with the results fragment only (the URL is pushed to history,
so that reload and back work). Every write goes through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from steerco.core.errors import Conflict, ValidationFailed
from steerco.resources import selectors, services
from steerco.resources.access import (
    access_person_by_id,
    access_role_by_id,
    can_edit_resources,
    may_see_cost_rates,
    require_resource_editor,
)
from steerco.resources.forms import (
    PersonFilterForm,
    PersonForm,
    RoleFilterForm,
    RoleForm,
    show_errors,
)
from steerco.web.decorators import member_required, steerco_user
from steerco.web.lists import page_links, render_list, sort_columns

PAGE_SIZE = 25


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    save: Callable[[dict[str, Any]], Model],
    success: Callable[[Model], str],
    cancel_url: str,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save`` and redirect, or show the service's errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationFailed as failure:
            show_errors(form, failure)
        else:
            messages.success(request, f"Saved {saved}.")
            return redirect(success(saved))
    return render(
        request, "resources/form.html", {"form": form, "title": title, "cancel_url": cancel_url}
    )


# People


@member_required
def person_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    filters = PersonFilterForm(request.GET, user=user)
    arguments = filters.selector_arguments()
    page = Paginator(selectors.person_list(user=user, **arguments), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    columns = sort_columns(
        request,
        arguments["sort"],
        [
            ("name", "Name", False),
            ("email", "Email", False),
            ("role", "Role", False),
            ("business_unit", "Business unit", False),
            ("fte", "FTE", True),
        ],
    )
    context = {
        "filters": filters,
        "search": arguments["search"],
        "sort": arguments["sort"],
        "page": page,
        "columns": columns,
        "can_edit": can_edit_resources(user),
        **page_links(request, page),
    }
    return render_list(request, "resources/people.html", "resources/_people_table.html", context)


@member_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.person_detail(user=user, person_id=person_id)
    return render(
        request,
        "resources/person.html",
        {"detail": detail, "person": detail.person, "can_edit": can_edit_resources(user)},
    )


@member_required
def person_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_resource_editor(user, "add people")
    form = PersonForm(request.POST or None, user=user)
    return form_page(
        request,
        form,
        title="Add a person",
        save=lambda data: services.person_create(acting_user=user, **data),
        success=lambda person: reverse("resources:person", args=[person.pk]),
        cancel_url=reverse("resources:people"),
    )


@member_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = steerco_user(request)
    person = access_person_by_id(user, person_id, for_edit=True)
    initial = {
        name: getattr(person, name)
        for name in (
            "name",
            "email",
            "role_id",
            "business_unit_id",
            "fte",
            "start_date",
            "end_date",
            "calendar_id",
            "manager_id",
            "user_id",
            "is_active",
        )
    }
    form = PersonForm(request.POST or None, initial=initial, user=user, editing=True)
    return form_page(
        request,
        form,
        title=f"Edit {person.name}",
        save=lambda data: services.person_update(acting_user=user, person_id=person.pk, **data),
        success=lambda saved: reverse("resources:person", args=[saved.pk]),
        cancel_url=reverse("resources:person", args=[person.pk]),
    )


@require_POST
@member_required
def person_deactivate(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person = services.person_deactivate(acting_user=steerco_user(request), person_id=person_id)
    except ValidationFailed as failure:
        messages.error(request, " ".join(m for ms in failure.errors.values() for m in ms))
        return redirect("resources:person", person_id)
    messages.success(request, f"{person.name} is no longer planned from {person.end_date}.")
    return redirect("resources:person", person.pk)


# Roles


@member_required
def role_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    filters = RoleFilterForm(request.GET, user=user)
    arguments = filters.selector_arguments()
    page = Paginator(selectors.role_list(user=user, **arguments), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    may_see_rates = may_see_cost_rates(user)
    column_specs = [
        ("code", "Code", False),
        ("name", "Name", False),
        ("people", "Active people", True),
    ]
    if may_see_rates:
        column_specs.append(("rate", "Default rate / h", True))
    context = {
        "filters": filters,
        "search": arguments["search"],
        "sort": arguments["sort"],
        "page": page,
        "columns": sort_columns(request, arguments["sort"], column_specs),
        "can_edit": can_edit_resources(user),
        "may_see_rates": may_see_rates,
        **page_links(request, page),
    }
    return render_list(request, "resources/roles.html", "resources/_roles_table.html", context)


@member_required
def role_detail(request: HttpRequest, role_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.role_detail(user=user, role_id=role_id)
    return render(
        request,
        "resources/role.html",
        {
            "detail": detail,
            "role": detail.role,
            "can_edit": can_edit_resources(user),
            "may_see_rates": may_see_cost_rates(user),
        },
    )


@member_required
def role_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_resource_editor(user, "create roles")
    form = RoleForm(request.POST or None)
    return form_page(
        request,
        form,
        title="New role",
        save=lambda data: services.role_create(acting_user=user, **data),
        success=lambda role: reverse("resources:role", args=[role.pk]),
        cancel_url=reverse("resources:roles"),
    )


@member_required
def role_edit(request: HttpRequest, role_id: int) -> HttpResponse:
    user = steerco_user(request)
    role = access_role_by_id(user, role_id, for_edit=True)
    initial = {
        name: getattr(role, name)
        for name in ("code", "name", "description", "default_cost_rate", "is_active")
    }
    form = RoleForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        title=f"Edit role {role.code}",
        save=lambda data: services.role_update(acting_user=user, role_id=role.pk, **data),
        success=lambda saved: reverse("resources:role", args=[saved.pk]),
        cancel_url=reverse("resources:role", args=[role.pk]),
    )


@require_POST
@member_required
def role_delete(request: HttpRequest, role_id: int) -> HttpResponse:
    try:
        services.role_delete(acting_user=steerco_user(request), role_id=role_id)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("resources:role", role_id)
    messages.success(request, "Role deleted.")
    return redirect("resources:roles")
