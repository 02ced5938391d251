"""Finance pages: overview, project financials, roll-ups, exchange rates, import and export.

Every write goes through the services; every read through the selectors. The
import page checks an upload first (a dry run that lists every bad row), keeps
the file under a signed token, and imports it only when the user confirms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from steerco.core.access import organisation_id_of
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.finance import access, charts, exports, imports, selectors, services
from steerco.finance.forms import (
    KIND_LABELS,
    ExchangeRateForm,
    ForecastForm,
    ImportForm,
    show_errors,
)
from steerco.finance.models import Budget
from steerco.jobs.services import job_start
from steerco.projects.models import Project
from steerco.web.decorators import member_required, steerco_user

COST_LINES_PER_PAGE = 25
# Files with more rows than this are checked and imported by the worker, not while the page waits.
INLINE_ROWS = 3000
WATCH_LIST = 12


def _as_of(request: HttpRequest) -> dt.date:
    text = request.GET.get("as_of", "")
    try:
        return dt.date.fromisoformat(text) if text else selectors.today()
    except ValueError:
        return selectors.today()


def _messages_of(failure: ValidationFailed) -> str:
    return " ".join(message for messages_ in failure.errors.values() for message in messages_)


def _nav(user: Any) -> dict[str, bool]:
    return {
        "may_read_all": access.reads_all_financials(user),
        "may_import": any(access.can_import(user, kind) for kind in access.IMPORT_KINDS),
        "may_edit_rates": access.can_edit_exchange_rates(user),
        "may_see_rates": access.reads_all_financials(user) or access.can_edit_exchange_rates(user),
    }


@member_required
def home(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    if not access.may_use_finance_pages(user):
        raise AccessDenied("Your role may not see financials.")
    as_of = _as_of(request)
    shows_money = access.reads_all_financials(user) or user.role == "project_manager"
    overview = selectors.overview(user, as_of=as_of) if shows_money else None
    context: dict[str, Any] = {
        "overview": overview,
        "as_of": as_of,
        "section": "home",
        **_nav(user),
    }
    if overview is not None:
        context["monthly_spec"] = charts.monthly(overview.months, overview.currency)
        projects = overview.projects
        if access.reads_all_financials(user):
            # The watch list: the projects forecast furthest over their budget.
            projects = sorted(projects, key=lambda item: item.vac)[:WATCH_LIST]
        context["projects"] = projects
    return render(request, "finance/home.html", context)


@member_required
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    as_of = _as_of(request)
    figures = selectors.project_financials(user, project_id, as_of=as_of)
    project_object = access.access_project_financials(user, project_id)
    lines = Paginator(selectors.cost_line_list(user, project_id), COST_LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    may_forecast = access.can_forecast(user, project_object)
    context = {
        "figures": figures,
        "project": figures.project,
        "as_of": as_of,
        "as_of_month": f"{as_of:%Y-%m}-01",
        "budgets": selectors.budget_list(user, project_id),
        "lines": lines,
        "may_forecast": may_forecast,
        "may_edit_budgets": access.can_edit_budgets(user),
        "may_edit_actuals": access.can_edit_actuals(user),
        "forecast_form": ForecastForm(initial={"method": figures.eac_method, "as_of": as_of})
        if may_forecast
        else None,
        "monthly_spec": charts.monthly(figures.months, figures.currency),
        "cumulative_spec": charts.cumulative(figures.months, figures.currency, f"{as_of:%Y-%m}-01"),
        "section": "project",
        **_nav(user),
    }
    return render(request, "finance/project.html", context)


@require_POST
@member_required
def forecast(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    form = ForecastForm(request.POST)
    target = reverse("finance:project", args=[project_id])
    if form.is_valid() and form.cleaned_data["as_of"]:
        target += f"?as_of={form.cleaned_data['as_of']:%Y-%m-%d}"
    if not form.is_valid():
        messages.error(request, "Choose a method (and an estimate to complete for a manual one).")
        return redirect(target)
    try:
        result = services.forecast_compute(
            acting_user=user,
            project_id=project_id,
            method=form.cleaned_data["method"],
            as_of=form.cleaned_data["as_of"],
            estimate_to_complete=form.cleaned_data["estimate_to_complete"]
            if form.cleaned_data["method"] == "manual"
            else None,
            note=form.cleaned_data["note"],
        )
    except ValidationFailed as failure:
        messages.error(request, _messages_of(failure))
        return redirect(target)
    messages.success(
        request,
        f"Forecast stored: {result.label}, EAC {result.eac:,.0f} (ETC {result.etc:,.0f}).",
    )
    return redirect(target)


def _budget_action(request: HttpRequest, budget_id: int, action: str) -> HttpResponse:
    user = steerco_user(request)
    budget: Budget = access.access_budget_by_id(user, budget_id)
    target = reverse("finance:project", args=[budget.project_id])
    try:
        if action == "approve":
            budget = services.budget_approve(acting_user=user, budget_id=budget_id)
            messages.success(request, f"Budget v{budget.version} approved.")
        else:
            services.budget_reject(
                acting_user=user, budget_id=budget_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"Budget v{budget.version} rejected.")
    except (ValidationFailed, Conflict) as error:
        messages.error(
            request, _messages_of(error) if isinstance(error, ValidationFailed) else str(error)
        )
    return redirect(target)


@require_POST
@member_required
def budget_approve(request: HttpRequest, budget_id: int) -> HttpResponse:
    return _budget_action(request, budget_id, "approve")


@require_POST
@member_required
def budget_reject(request: HttpRequest, budget_id: int) -> HttpResponse:
    return _budget_action(request, budget_id, "reject")


def _rollup_page(request: HttpRequest, rollup: selectors.Rollup) -> HttpResponse:
    user = steerco_user(request)
    context = {
        "rollup": rollup,
        "as_of": rollup.as_of,
        "monthly_spec": charts.monthly(rollup.months, rollup.currency),
        "cumulative_spec": charts.cumulative(
            rollup.months, rollup.currency, f"{rollup.as_of:%Y-%m}-01"
        ),
        "section": "rollup",
        **_nav(user),
    }
    return render(request, "finance/rollup.html", context)


@member_required
def portfolio(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    rollup = selectors.portfolio_rollup(steerco_user(request), portfolio_id, as_of=_as_of(request))
    return _rollup_page(request, rollup)


@member_required
def program(request: HttpRequest, program_id: int) -> HttpResponse:
    rollup = selectors.program_rollup(steerco_user(request), program_id, as_of=_as_of(request))
    return _rollup_page(request, rollup)


@member_required
def exchange_rates(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    rates = selectors.exchange_rate_list(user)
    may_edit = access.can_edit_exchange_rates(user)
    form = ExchangeRateForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        access.require_rate_editor(user)
        assert form is not None
        if form.is_valid():
            try:
                rate = services.exchange_rate_set(acting_user=user, **form.cleaned_data)
            except ValidationFailed as failure:
                show_errors(form, failure)
            else:
                messages.success(
                    request,
                    f"{rate.currency} from {rate.effective_date}: {rate.rate_to_org_currency}.",
                )
                return redirect("finance:rates")
    organisation = user.organisation
    return render(
        request,
        "finance/rates.html",
        {
            "rates": rates,
            "form": form,
            "may_edit": may_edit,
            "currency": organisation.currency if organisation else "",
            "section": "rates",
            **_nav(user),
        },
    )


@require_POST
@member_required
def exchange_rate_delete(request: HttpRequest, rate_id: int) -> HttpResponse:
    services.exchange_rate_delete(acting_user=steerco_user(request), rate_id=rate_id)
    messages.success(request, "Exchange rate deleted.")
    return redirect("finance:rates")


def _import_context(user: Any, form: ImportForm, **extra: Any) -> dict[str, Any]:
    kinds = [
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "spec": imports.KINDS[kind],
            "may_import": access.can_import(user, kind),
            "may_export": access.can_export(user, kind),
        }
        for kind in access.IMPORT_KINDS
        if access.can_import(user, kind) or access.can_export(user, kind)
    ]
    return {"form": form, "kinds": kinds, "section": "import", **_nav(user), **extra}


@member_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a file: it is checked (a dry run) and kept until the import is confirmed."""
    user = steerco_user(request)
    if not any(
        access.can_import(user, kind) or access.can_export(user, kind)
        for kind in access.IMPORT_KINDS
    ):
        raise AccessDenied("Your role may not import or export files.")
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method != "POST" or not form.is_valid():
        return render(request, "finance/import.html", _import_context(user, form))
    kind = form.cleaned_data["kind"]
    upload = form.cleaned_data["file"]
    filename = upload.name or "upload.csv"
    if upload.size and upload.size > imports.MAX_BYTES:
        form.add_error("file", "The file is larger than 20 MB: split it.")
        return render(request, "finance/import.html", _import_context(user, form))
    content = upload.read()
    try:
        table = imports.read_table(filename, content)
    except ValidationFailed as failure:
        show_errors(form, failure)
        return render(request, "finance/import.html", _import_context(user, form))
    if len(table.rows) > INLINE_ROWS:
        access.require_importer(user, kind)
        token = imports.stash_upload(
            acting_user=user, kind=kind, filename=filename, content=content
        )
        job = job_start(
            acting_user=user,
            kind=imports.IMPORT_JOB_KIND,
            title=f"Import {kind} from {filename}",
            params={"user_id": user.pk, "token": token, "dry_run": False},
        )
        messages.info(
            request,
            f"{len(table.rows)} rows: the file is checked and, if every row is good, imported "
            "in the background.",
        )
        return redirect("web:job", job.pk)
    try:
        report = imports.import_file(
            acting_user=user, kind=kind, filename=filename, content=content, dry_run=True
        )
    except ValidationFailed as failure:
        show_errors(form, failure)
        return render(request, "finance/import.html", _import_context(user, form))
    token = (
        imports.stash_upload(acting_user=user, kind=kind, filename=filename, content=content)
        if report.ok
        else ""
    )
    return render(
        request,
        "finance/import.html",
        _import_context(
            user,
            ImportForm(user=user, initial={"kind": kind}),
            report=report,
            token=token,
            kind_label=KIND_LABELS[kind],
        ),
    )


@require_POST
@member_required
def import_confirm(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    form = ImportForm(user=user)
    try:
        stash = imports.stashed_file(acting_user=user, token=request.POST.get("token", ""))
    except ValidationFailed as failure:
        messages.error(request, _messages_of(failure))
        return redirect("finance:import")
    try:
        report = imports.import_file(
            acting_user=user,
            kind=stash.kind,
            filename=stash.filename,
            content=stash.content,
            dry_run=False,
        )
    except imports.ImportRejected as rejected:
        # The data changed since the dry run (another import, a new locked period...).
        return render(
            request,
            "finance/import.html",
            _import_context(
                user, form, report=rejected.report, token="", kind_label=KIND_LABELS[stash.kind]
            ),
        )
    imports.drop_stash(stash.path)
    touched = list(
        Project.objects.filter(organisation_id=organisation_id_of(user), code__in=report.projects)
        .order_by("code")
        .values("pk", "code", "name")
    )
    return render(
        request,
        "finance/import.html",
        _import_context(
            user,
            form,
            report=report,
            done=True,
            touched=touched,
            kind_label=KIND_LABELS[stash.kind],
        ),
    )


@member_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    user = steerco_user(request)
    access.require_importer(user, kind)
    response = HttpResponse(imports.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="steerco-{kind}-template.csv"'
    return response


@member_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    user = steerco_user(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS:
        file_format = "csv"
    rows = exports.export_rows(
        acting_user=user, kind=kind, project_code=request.GET.get("project") or None
    )
    response = HttpResponse(
        exports.render(rows, file_format), content_type=exports.FORMATS[file_format]
    )
    name = exports.filename_for(kind, file_format, selectors.today())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
