"""Pages of portfolio decisions, under /portfolios/: the scenario planner, comparisons, the
efficient frontier, prioritisation (scores, weights, AHP), recommendations, and the business
case metrics editor.

Forms post to small views that call one service and redirect back with a message (errors
included); the optimiser and the frontier run as jobs whose progress the page polls through
htmx and which reload the page when they finish.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from steerco.core.errors import Conflict, NotFound, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.engine.errors import InputError
from steerco.jobs.models import Job
from steerco.portfolios import decision_selectors as selectors
from steerco.portfolios import decision_services as services
from steerco.portfolios.models import OptimiserRun, ScenarioProject
from steerco.projects.access import access_business_case_by_id, can_edit_project
from steerco.projects.forms import BusinessCaseForm, CashFlowLineFormSet
from steerco.projects.models import BusinessCase
from steerco.web.decorators import member_required, steerco_user

EXTRA_ROWS = 3
EXTRA_LINES = 6
OBJECTIVE_CHOICES = [
    ("npv", "Net present value"),
    ("score", "Weighted score"),
    ("mix", "Half NPV, half score"),
    ("risk_adjusted_value", "NPV less risk exposure"),
]
PERIOD_CHOICES = [
    ("month", "Month"),
    ("quarter", "Quarter"),
    ("year", "Year"),
    ("window", "Window"),
]


def _errors_text(error: ValidationFailed) -> str:
    return "; ".join(
        f"{field}: {' '.join(texts)}" if field != "__all__" else " ".join(texts)
        for field, texts in error.errors.items()
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _rows(data: QueryDict, prefix: str, fields: Iterable[str]) -> list[dict[str, str]]:
    """Rows of a repeated fieldset ``prefix-<row>-<field>``; rows left blank are skipped."""
    row_ids: list[str] = []
    for key in data:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1] not in row_ids:
            row_ids.append(parts[1])
    rows = []
    for row_id in row_ids:
        row = {field: data.get(f"{prefix}-{row_id}-{field}", "").strip() for field in fields}
        if any(row.values()):
            rows.append(row)
    return rows


# -- scenarios -------------------------------------------------------------------------------


@member_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    portfolio_id = _int(request.GET.get("portfolio"))
    scenarios = list(selectors.scenario_list(user, portfolio_id=portfolio_id))
    context = {
        "scenarios": scenarios,
        "portfolios": selectors.portfolios_with_plans(user),
        "portfolio_id": portfolio_id,
        "can_edit": selectors.can_edit_decisions(user),
    }
    return render(request, "decisions/scenario_list.html", context)


@require_POST
@member_required
def scenario_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    try:
        scenario = services.scenario_create(
            acting_user=user,
            portfolio_id=_int(request.POST.get("portfolio_id")) or 0,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            copy_from_id=_int(request.POST.get("copy_from_id")),
        )
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
        return redirect("decisions:scenarios")
    messages.success(request, f"Scenario “{scenario.name}” created from the plan.")
    return redirect("decisions:scenario", scenario_id=scenario.pk)


@member_required
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    detail = selectors.scenario_detail(steerco_user(request), scenario_id)
    last = detail.last_run
    context = {
        "detail": detail,
        "scenario": detail.scenario,
        "last_run": last,
        "modes": ScenarioProject.Mode.choices,
        "objectives": OBJECTIVE_CHOICES,
        "periods": PERIOD_CHOICES,
        "blank_rows": range(EXTRA_ROWS),
        "editable": detail.can_edit and detail.scenario.status not in ("promoted", "archived"),
        "others": _others(request, detail.scenario),
    }
    return render(request, "decisions/scenario_detail.html", context)


def _others(request: HttpRequest, scenario: Any) -> list[Any]:
    """Up to five other scenarios of the portfolio to compare with, the plan first."""
    others = [
        other
        for other in selectors.scenario_list(
            steerco_user(request), portfolio_id=scenario.portfolio_id
        )
        if other.pk != scenario.pk and other.status != "archived"
    ]
    others.sort(key=lambda other: other.status != "promoted")
    return others[:5]


def _back(scenario_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("decisions:scenario", args=[scenario_id]) + anchor)


@require_POST
@member_required
def scenario_projects(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """The planner's project table: modes, fixed starts, groups, removals and additions."""
    user = steerco_user(request)
    data = request.POST
    changes: list[services.ScenarioProjectChange] = []
    remove: list[int] = []
    for key in data:
        if not key.startswith("mode-"):
            continue
        project_id = _int(key.removeprefix("mode-"))
        if project_id is None:
            continue
        if data.get(f"remove-{project_id}"):
            remove.append(project_id)
            continue
        changes.append(
            {
                "project_id": project_id,
                "mode": data.get(key, ""),
                "start_month": data.get(f"start-{project_id}") or None,
                "exclusive_group": data.get(f"group-{project_id}", ""),
            }
        )
    for value in data.getlist("add"):
        project_id = _int(value)
        if project_id is not None:
            changes.append({"project_id": project_id})
    try:
        services.scenario_update(
            acting_user=user,
            scenario_id=scenario_id,
            changes={"projects": changes, "remove_project_ids": remove},
        )
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Projects of the scenario saved.")
    return _back(scenario_id, "#projects")


@require_POST
@member_required
def scenario_settings(request: HttpRequest, scenario_id: int) -> HttpResponse:
    """Name, window, budget and capacity overrides, and the hiring plan."""
    user = steerco_user(request)
    data = request.POST
    budget: dict[str, dict[str, Any]] = {}
    for row in _rows(data, "budget", ("month", "capex", "opex")):
        budget[row["month"]] = {"capex": row["capex"] or None, "opex": row["opex"] or None}
    capacity: dict[str, dict[str, Any]] = {}
    for row in _rows(data, "capacity", ("role", "month", "hours")):
        capacity.setdefault(row["role"], {})[row["month"]] = row["hours"] or "0"
    hires: list[services.HireInput] = [
        {
            "role_id": _int(row["role"]) or 0,
            "month": row["month"],
            "fte_delta": row["fte"] or "0",
            "note": row["note"],
        }
        for row in _rows(data, "hire", ("role", "month", "fte", "note"))
    ]
    changes: services.ScenarioChanges = {
        "name": data.get("name", ""),
        "description": data.get("description", ""),
        "horizon_start": data.get("horizon_start") or None,
        "horizon_months": _int(data.get("horizon_months")) or 0,
        "budget_overrides": budget,
        "capacity_overrides": capacity,
        "hires": hires,
    }
    try:
        services.scenario_update(acting_user=user, scenario_id=scenario_id, changes=changes)
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Scenario settings saved.")
    return _back(scenario_id, "#settings")


@require_POST
@member_required
def scenario_optimise(request: HttpRequest, scenario_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        run = services.scenario_optimise(
            acting_user=user,
            scenario_id=scenario_id,
            objective=request.POST.get("objective", "npv"),
            time_limit_seconds=_int(request.POST.get("time_limit_seconds")) or 0,
            max_starts_per_month=_int(request.POST.get("max_starts_per_month")),
            budget_period=request.POST.get("budget_period", "quarter"),
        )
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.info(request, f"Optimiser run {run.pk} started.")
    return _back(scenario_id, "#run")


@member_required
def run_status(request: HttpRequest, scenario_id: int, run_id: int) -> HttpResponse:
    """The run's progress (polled by htmx); once it has finished, the page reloads."""
    run = selectors.run_get(steerco_user(request), scenario_id, run_id)
    job = Job.objects.filter(pk=run.job_id).first() if run.job_id else None
    finished = run.status not in (OptimiserRun.Status.QUEUED, OptimiserRun.Status.RUNNING)
    if request.headers.get("HX-Request") and finished:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "decisions/_run_status.html",
        {"run": run, "job": job, "scenario_id": scenario_id, "finished": finished},
    )


@require_POST
@member_required
def scenario_promote(request: HttpRequest, scenario_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        scenario = services.scenario_promote(
            acting_user=user, scenario_id=scenario_id, reason=request.POST.get("reason", "")
        )
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{scenario.name}” is now the plan.")
    return _back(scenario_id)


@require_POST
@member_required
def scenario_delete(request: HttpRequest, scenario_id: int) -> HttpResponse:
    try:
        services.scenario_delete(acting_user=steerco_user(request), scenario_id=scenario_id)
    except Conflict as error:
        messages.error(request, str(error))
        return _back(scenario_id)
    messages.success(request, "Scenario deleted.")
    return redirect("decisions:scenarios")


@member_required
def scenario_compare(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    ids = [pk for pk in (_int(value) for value in request.GET.getlist("ids")) if pk is not None]
    comparison = None
    error = ""
    if ids:
        try:
            comparison = selectors.scenario_compare(user, ids)
        except InputError as exc:
            error = exc.detail
    else:
        selectors.require_decision_reader(user)
    context = {
        "comparison": comparison,
        "error": error,
        "scenarios": selectors.scenario_list(user),
        "selected": set(ids),
        "max_compared": selectors.MAX_COMPARED,
    }
    return render(request, "decisions/compare.html", context)


# -- frontier --------------------------------------------------------------------------------


@member_required
def frontier_page(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    user = steerco_user(request)
    if request.method == "POST":
        try:
            services.frontier_start(
                acting_user=user,
                portfolio_id=portfolio_id,
                points=_int(request.POST.get("points")) or 20,
                time_limit_per_point=float(request.POST.get("time_limit_per_point") or 3),
                objective=request.POST.get("objective", "npv"),
            )
        except (ValidationFailed, ValueError) as error:
            messages.error(
                request, _errors_text(error) if isinstance(error, ValidationFailed) else str(error)
            )
        return redirect("decisions:frontier", portfolio_id=portfolio_id)
    view = selectors.frontier_latest(user, portfolio_id)
    running = view.job is not None and not view.job.is_finished
    if request.headers.get("HX-Request"):
        if running:
            return render(request, "decisions/_frontier_job.html", {"view": view})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "view": view,
        "running": running,
        "objectives": OBJECTIVE_CHOICES,
        "portfolios": selectors.organisation_portfolios(user),
    }
    return render(request, "decisions/frontier.html", context)


@member_required
def frontier_home(request: HttpRequest) -> HttpResponse:
    portfolios = selectors.organisation_portfolios(steerco_user(request))
    selectors.require_decision_reader(steerco_user(request))
    if not portfolios:
        raise NotFound("No portfolio yet.")
    return redirect("decisions:frontier", portfolio_id=portfolios[0].pk)


# -- recommendations -------------------------------------------------------------------------


@member_required
def recommendations(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    portfolios = selectors.organisation_portfolios(user)
    portfolio_id = _int(request.GET.get("portfolio")) or (portfolios[0].pk if portfolios else None)
    listing = (
        selectors.portfolio_recommendations(user, portfolio_id)
        if portfolio_id is not None
        else None
    )
    context = {"listing": listing, "portfolios": portfolios, "portfolio_id": portfolio_id}
    return render(request, "decisions/recommendations.html", context)


# -- prioritisation --------------------------------------------------------------------------


@member_required
def prioritise(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    view = selectors.prioritisation(user, _int(request.GET.get("portfolio")))
    return render(request, "decisions/prioritise.html", {"view": view})


def _prioritise_url(request: HttpRequest) -> str:
    portfolio = _int(request.POST.get("portfolio"))
    url = reverse("decisions:prioritise")
    return f"{url}?portfolio={portfolio}" if portfolio else url


@require_POST
@member_required
def scores_save(request: HttpRequest) -> HttpResponse:
    """The score grid: one input per project and criterion (``score-<project>-<criterion>``)."""
    user = steerco_user(request)
    scores: list[services.ScoreInput] = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("score-"):
            continue
        parts = key.split("-")
        if len(parts) != 3 or not is_whole_number(parts[1]) or not is_whole_number(parts[2]):
            continue
        if value.strip() == request.POST.get(f"was-{parts[1]}-{parts[2]}", "").strip():
            continue
        scores.append(
            {
                "project_id": int(parts[1]),
                "criterion_id": int(parts[2]),
                "value": value.strip() or None,
            }
        )
    try:
        changed = services.project_scores_set(
            acting_user=user, scores=scores, as_rater=request.POST.get("as") == "rater"
        )
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    else:
        messages.success(request, f"{changed} score{'s' if changed != 1 else ''} saved.")
    return redirect(_prioritise_url(request) + "#scores")


@require_POST
@member_required
def weights_save(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    weights: dict[int, Any] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("weight-") and is_whole_number(key.removeprefix("weight-")):
            weights[int(key.removeprefix("weight-"))] = value.strip() or "0"
    try:
        services.criterion_weights_set(acting_user=user, weights=weights)
    except ValidationFailed as error:
        messages.error(request, _errors_text(error))
    else:
        messages.success(request, "Weights saved.")
    return redirect(_prioritise_url(request) + "#criteria")


@member_required
def ahp(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    set_name = (request.POST.get("set_name") or request.GET.get("set") or "").strip() or None
    if request.method == "POST":
        judgments: list[services.JudgmentInput] = []
        for key in request.POST:
            value = request.POST.get(key, "")
            parts = key.split("-")
            if parts[0] != "pair" or len(parts) != 3 or not value.strip():
                continue
            judgments.append(
                {
                    "criterion_a_id": int(parts[1]),
                    "criterion_b_id": int(parts[2]),
                    "value": _judgment(value),
                }
            )
        try:
            services.ahp_comparison_set(
                acting_user=user, set_name=set_name or "default", judgments=judgments
            )
        except ValidationFailed as error:
            messages.error(request, _errors_text(error))
        else:
            messages.success(request, "Your comparisons are saved.")
        return redirect(reverse("decisions:ahp") + f"?set={set_name or 'default'}")
    view = selectors.ahp_view(user, set_name)
    return render(
        request,
        "decisions/ahp.html",
        {"view": view, "scale": SAATY_CHOICES, "flagged": view.flagged()},
    )


SAATY_MEANINGS = {
    9: "extremely",
    7: "very strongly",
    5: "strongly",
    3: "moderately",
}
# Saaty's scale from "A extremely more important" (9) down to "B extremely more" (1/9).
SAATY_CHOICES = (
    [
        (str(k), f"{k} · A {SAATY_MEANINGS[k]} more important" if k in SAATY_MEANINGS else str(k))
        for k in range(9, 1, -1)
    ]
    + [("1", "1 · equally important")]
    + [
        (
            f"1/{k}",
            f"1/{k} · B {SAATY_MEANINGS[k]} more important" if k in SAATY_MEANINGS else f"1/{k}",
        )
        for k in range(2, 10)
    ]
)


def _judgment(text: str) -> str:
    """'1/3' or '0.333' as a decimal string the service checks."""
    text = text.strip()
    if "/" in text:
        top, _, bottom = text.partition("/")
        try:
            return str(Decimal(top) / Decimal(bottom))
        except (InvalidOperation, ArithmeticError):
            return text
    return text


@require_POST
@member_required
def ahp_apply(request: HttpRequest) -> HttpResponse:
    set_name = request.POST.get("set_name", "default")
    try:
        result = services.criterion_weights_from_ahp(
            acting_user=steerco_user(request), set_name=set_name
        )
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Criteria weights set from “{set_name}” (CR {result.consistency_ratio:.3f})."
        )
    return redirect(reverse("decisions:ahp") + f"?set={set_name}")


# -- business case metrics -------------------------------------------------------------------


def _form_lines(data: QueryDict) -> tuple[list[dict[str, Any]], int]:
    """Complete cash-flow rows of the posted grid, and how many rows were incomplete."""
    formset = CashFlowLineFormSet(data, prefix="lines")
    lines: list[dict[str, Any]] = []
    skipped = 0
    for form in formset.forms:
        if not form.is_valid() or form.is_blank():
            skipped += 0 if form.is_valid() else 1
            continue
        line = form.line()
        if None in (line["month_index"], line["kind"], line["category"], line["amount"]):
            skipped += 1
            continue
        lines.append(dict(line))
    return lines, skipped


def _rate(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None  # type: ignore[arg-type]
    except InvalidOperation:
        return None


@member_required
def business_case_editor(request: HttpRequest, business_case_id: int) -> HttpResponse:
    """A business case's cash-flow grid with its metrics computed live while it is edited."""
    user = steerco_user(request)
    view = selectors.business_case_metrics(user, business_case_id)
    case = view.business_case
    assert case is not None
    editable = case.status == BusinessCase.Status.DRAFT and can_edit_project(user, case.project)
    rows = [
        {
            "month_index": line.month_index,
            "kind": line.kind,
            "category": line.category,
            "amount": line.amount,
            "description": line.description,
        }
        for line in case.cash_flow_lines.order_by("month_index", "kind", "pk")
    ]
    context = {
        "view": view,
        "case": case,
        "project": case.project,
        "editable": editable,
        "form": BusinessCaseForm(business_case=case),
        "formset": CashFlowLineFormSet(prefix="lines", initial=rows + [{}] * EXTRA_LINES)
        if editable
        else None,
        "lines": rows,
    }
    return render(request, "decisions/business_case.html", context)


@require_POST
@member_required
def business_case_metrics(request: HttpRequest, business_case_id: int) -> HttpResponse:
    """The metrics fragment of the posted (unsaved) grid: nothing is written."""
    user = steerco_user(request)
    access_business_case_by_id(user, business_case_id)
    lines, skipped = _form_lines(request.POST)
    view = selectors.business_case_metrics_preview(
        user, business_case_id, lines=lines, discount_rate=_rate(request.POST.get("discount_rate"))
    )
    return render(
        request, "decisions/_metrics.html", {"view": view, "skipped": skipped, "live": True}
    )
