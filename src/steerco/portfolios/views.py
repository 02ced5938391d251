"""Pages: portfolios (list, detail, create, edit) and programs (detail, create, edit).

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
from steerco.portfolios import selectors, services
from steerco.portfolios.access import (
    access_portfolio_by_id,
    access_program_by_id,
    can_edit_portfolios,
    require_portfolio_editor,
)
from steerco.portfolios.forms import PortfolioFilterForm, PortfolioForm, ProgramForm, show_errors
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
        request,
        "portfolios/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url},
    )


# Portfolios


@member_required
def portfolio_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    filters = PortfolioFilterForm(request.GET)
    arguments = filters.selector_arguments()
    page = Paginator(selectors.portfolio_list(user=user, **arguments), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    columns = sort_columns(
        request,
        arguments["sort"],
        [
            ("code", "Code", False),
            ("name", "Name", False),
            ("owner", "Owner", False),
            ("programs", "Programs", True),
            ("projects", "Projects", True),
        ],
    )
    context = {
        "filters": filters,
        "search": arguments["search"],
        "sort": arguments["sort"],
        "page": page,
        "columns": columns,
        "can_edit": can_edit_portfolios(user),
        **page_links(request, page),
    }
    return render_list(request, "portfolios/list.html", "portfolios/_portfolio_table.html", context)


@member_required
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.portfolio_detail(user=user, portfolio_id=portfolio_id)
    return render(
        request,
        "portfolios/detail.html",
        {"detail": detail, "portfolio": detail.portfolio, "can_edit": can_edit_portfolios(user)},
    )


@member_required
def portfolio_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_portfolio_editor(user, "create portfolios")
    form = PortfolioForm(request.POST or None, user=user)
    return form_page(
        request,
        form,
        title="New portfolio",
        save=lambda data: services.portfolio_create(acting_user=user, **data),
        success=lambda portfolio: reverse("portfolios:detail", args=[portfolio.pk]),
        cancel_url=reverse("portfolios:list"),
    )


@member_required
def portfolio_edit(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    user = steerco_user(request)
    portfolio = access_portfolio_by_id(user, portfolio_id, for_edit=True)
    initial = {
        "code": portfolio.code,
        "name": portfolio.name,
        "description": portfolio.description,
        "owner_id": portfolio.owner_id,
        "is_active": portfolio.is_active,
    }
    form = PortfolioForm(request.POST or None, initial=initial, user=user)
    return form_page(
        request,
        form,
        title=f"Edit portfolio {portfolio.code}",
        save=lambda data: services.portfolio_update(
            acting_user=user, portfolio_id=portfolio.pk, **data
        ),
        success=lambda saved: reverse("portfolios:detail", args=[saved.pk]),
        cancel_url=reverse("portfolios:detail", args=[portfolio.pk]),
    )


@require_POST
@member_required
def portfolio_delete(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        services.portfolio_delete(acting_user=user, portfolio_id=portfolio_id)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("portfolios:detail", portfolio_id)
    messages.success(request, "Portfolio deleted.")
    return redirect("portfolios:list")


# Programs


@member_required
def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.program_detail(user=user, program_id=program_id)
    return render(
        request,
        "portfolios/program_detail.html",
        {"detail": detail, "program": detail.program, "can_edit": can_edit_portfolios(user)},
    )


@member_required
def program_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_portfolio_editor(user, "create programs")
    initial = {"portfolio_id": request.GET.get("portfolio")}
    form = ProgramForm(request.POST or None, initial=initial, user=user)
    return form_page(
        request,
        form,
        title="New program",
        save=lambda data: services.program_create(acting_user=user, **data),
        success=lambda program: reverse("portfolios:program", args=[program.pk]),
        cancel_url=reverse("portfolios:list"),
    )


@member_required
def program_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    user = steerco_user(request)
    program = access_program_by_id(user, program_id, for_edit=True)
    initial = {
        "portfolio_id": program.portfolio_id,
        "code": program.code,
        "name": program.name,
        "description": program.description,
        "manager_id": program.manager_id,
    }
    form = ProgramForm(request.POST or None, initial=initial, user=user)
    return form_page(
        request,
        form,
        title=f"Edit program {program.code}",
        save=lambda data: services.program_update(acting_user=user, program_id=program.pk, **data),
        success=lambda saved: reverse("portfolios:program", args=[saved.pk]),
        cancel_url=reverse("portfolios:program", args=[program.pk]),
    )


@require_POST
@member_required
def program_delete(request: HttpRequest, program_id: int) -> HttpResponse:
    user = steerco_user(request)
    program = access_program_by_id(user, program_id)
    try:
        services.program_delete(acting_user=user, program_id=program_id)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("portfolios:program", program_id)
    messages.success(request, f"Program {program.code} deleted.")
    return redirect("portfolios:detail", program.portfolio_id)
