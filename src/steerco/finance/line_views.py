"""Pages: a project's budget lines (category x month, capex or opex) and its hand-typed costs.

The budget grid edits the project's draft budget (or drafts the next version
from the approved one); every row is checked, a bad row is marked beside it,
and nothing is saved until every row is right. Costs typed by hand are added,
corrected and removed one by one. Both call the services the API calls.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from steerco.core.errors import Conflict, ValidationFailed
from steerco.core.validation import is_whole_number
from steerco.finance import access, services
from steerco.finance.imports import parse_month
from steerco.finance.models import Budget, BudgetLine, CostCategory, CostLine, ExpenseType
from steerco.finance.services import BudgetLineInput, parse_amount
from steerco.web.decorators import member_required, steerco_user

BLANK_ROWS = 4
LINE_ERROR = re.compile(r"^lines\[(\d+)\]")


def _categories(organisation_id: int) -> list[CostCategory]:
    return list(CostCategory.objects.filter(organisation_id=organisation_id).order_by("code"))


def _budget_to_edit(project_id: int) -> tuple[Budget | None, Budget | None]:
    """The draft to edit (if any) and the version its lines start from."""
    budgets = list(Budget.objects.filter(project_id=project_id).order_by("-version"))
    draft = next((b for b in budgets if b.status == Budget.Status.DRAFT), None)
    approved = next((b for b in budgets if b.status == Budget.Status.APPROVED), None)
    return draft, draft or approved or (budgets[0] if budgets else None)


def _posted_rows(data: QueryDict) -> list[dict[str, str]]:
    count = int(data.get("rows") or "0") if is_whole_number(data.get("rows") or "0") else 0
    return [
        {
            name: data.get(f"line-{index}-{name}", "").strip()
            for name in ("category", "month", "expense_type", "amount")
        }
        for index in range(min(count, 2000))
    ]


@member_required
def budget_lines(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access.access_project_financials(user, project_id, for_budget=True)
    draft, source = _budget_to_edit(project.pk)
    categories = _categories(project.organisation_id)
    row_errors: dict[int, list[str]] = {}
    if request.method == "POST":
        rows = _posted_rows(request.POST)
        lines: list[BudgetLineInput] = []
        position: list[int] = []
        for index, row in enumerate(rows):
            if not any(row.values()):
                continue
            problems = row_errors.setdefault(index, [])
            if not is_whole_number(row["category"]):
                problems.append("Choose a cost category.")
            month = parse_month(row["month"])
            if month is None:
                problems.append("Give the month, e.g. 2026-03.")
            amount = parse_amount(row["amount"])
            if amount is None:
                problems.append(f"{row['amount']!r} is not an amount: use digits and a point.")
            if not problems and month is not None and amount is not None:
                lines.append(
                    BudgetLineInput(int(row["category"]), month, amount, row["expense_type"])
                )
                position.append(index)
        row_errors = {index: texts for index, texts in row_errors.items() if texts}
        if not row_errors:
            try:
                if draft is not None:
                    saved = services.budget_lines_replace(
                        acting_user=user, budget_id=draft.pk, lines=lines
                    )
                else:
                    saved = services.budget_create(
                        acting_user=user,
                        project_id=project.pk,
                        lines=lines,
                        note=request.POST.get("note", ""),
                    )
            except ValidationFailed as failure:
                for key, texts in failure.errors.items():
                    match = LINE_ERROR.match(key)
                    at = position[int(match.group(1))] if match else -1
                    row_errors.setdefault(at, []).extend(texts)
            except Conflict as failure:
                row_errors[-1] = [str(failure)]
            else:
                messages.success(
                    request,
                    f"Budget v{saved.version} (draft) saved: {saved.total:,.2f} "
                    f"{project.currency}. Approve it on this page to put it in force.",
                )
                return redirect("finance:project", project_id=project.pk)
        shown = rows
    else:
        lines_before = (
            BudgetLine.objects.filter(budget=source).order_by("month", "cost_category__code")
            if source is not None
            else BudgetLine.objects.none()
        )
        shown = [
            {
                "category": str(line.cost_category_id),
                "month": f"{line.month:%Y-%m}",
                "expense_type": line.expense_type,
                "amount": f"{line.amount:f}",
            }
            for line in lines_before
        ]
        shown += [{"category": "", "month": "", "expense_type": "", "amount": ""}] * BLANK_ROWS
    context: dict[str, Any] = {
        "project": project,
        "draft": draft,
        "source": source,
        "categories": categories,
        "expense_types": ExpenseType.choices,
        "rows": [
            {"index": index, "values": row, "errors": row_errors.get(index, [])}
            for index, row in enumerate(shown)
        ],
        "row_count": len(shown),
        "general_errors": row_errors.get(-1, []),
        "error_count": sum(len(texts) for texts in row_errors.values()),
        "note": request.POST.get("note", "") if request.method == "POST" else "",
    }
    return render(request, "finance/budget_lines.html", context, status=422 if row_errors else 200)


# -- cost lines --------------------------------------------------------------------------------

COST_FIELDS = ("category", "month", "date", "amount", "currency", "expense_type")
TEXT_FIELDS = ("reference", "description")


def _cost_values(data: QueryDict) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    category = data.get("category", "")
    if not is_whole_number(category):
        errors["cost_category_id"] = ["Choose a cost category."]
    month = parse_month(data.get("month", "").strip())
    if month is None:
        errors["month"] = ["Give the month, e.g. 2026-03."]
    date_text = data.get("date", "").strip()
    date: dt.date | None = None
    if date_text:
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            errors["date"] = ["Give the date as YYYY-MM-DD."]
    return (
        {
            "cost_category_id": int(category) if is_whole_number(category) else 0,
            "month": month,
            "amount": data.get("amount", "").strip(),
            "currency": data.get("currency", "").strip(),
            "date": date,
            "expense_type": data.get("expense_type", "").strip(),
            "reference": data.get("reference", "").strip(),
            "description": data.get("description", "").strip(),
        },
        errors,
    )


def _cost_form(
    request: HttpRequest, project: Any, line: CostLine | None
) -> tuple[dict[str, list[str]], QueryDict | dict[str, str]]:
    """Save the posted cost line; the problems by field (none: saved) and what to show."""
    values, errors = _cost_values(request.POST)
    if not errors:
        try:
            if line is None:
                services.cost_line_create(
                    acting_user=steerco_user(request), project_id=project.pk, **values
                )
            else:
                services.cost_line_update(
                    acting_user=steerco_user(request), cost_line_id=line.pk, **values
                )
        except ValidationFailed as failure:
            errors = failure.errors
        except Conflict as failure:
            errors = {"month": [str(failure)]}
    return errors, request.POST


def _render_cost_form(
    request: HttpRequest,
    project: Any,
    line: CostLine | None,
    data: QueryDict | dict[str, str],
    errors: dict[str, list[str]],
) -> HttpResponse:
    field_errors = {
        "category" if key == "cost_category_id" else key: texts for key, texts in errors.items()
    }
    shown = (*COST_FIELDS, *TEXT_FIELDS)
    context = {
        "project": project,
        "line": line,
        "data": data,
        "errors": {key: texts for key, texts in field_errors.items() if key in shown},
        "other_errors": [
            t for key, texts in field_errors.items() if key not in shown for t in texts
        ],
        "categories": _categories(project.organisation_id),
        "expense_types": ExpenseType.choices,
    }
    return render(request, "finance/cost_line_form.html", context, status=422 if errors else 200)


@member_required
def cost_line_new(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access.access_project_financials(user, project_id, for_actuals=True)
    if request.method == "POST":
        errors, data = _cost_form(request, project, None)
        if not errors:
            messages.success(request, "Cost recorded.")
            return redirect(reverse("finance:project", args=[project.pk]))
        return _render_cost_form(request, project, None, data, errors)
    today = dt.date.today()
    return _render_cost_form(
        request,
        project,
        None,
        {"month": f"{today:%Y-%m}", "currency": project.currency or ""},
        {},
    )


@member_required
def cost_line_edit(request: HttpRequest, cost_line_id: int) -> HttpResponse:
    user = steerco_user(request)
    line = access.access_cost_line_by_id(user, cost_line_id, for_edit=True)
    project = line.project
    if request.method == "POST":
        errors, data = _cost_form(request, project, line)
        if not errors:
            messages.success(request, "Cost corrected.")
            return redirect(reverse("finance:project", args=[project.pk]))
        return _render_cost_form(request, project, line, data, errors)
    data = {
        "category": str(line.cost_category_id),
        "month": f"{line.month:%Y-%m}",
        "date": f"{line.date:%Y-%m-%d}" if line.date else "",
        "amount": f"{line.amount:f}",
        "currency": line.currency,
        "expense_type": line.expense_type,
        "reference": line.reference,
        "description": line.description,
    }
    return _render_cost_form(request, project, line, data, {})


@require_POST
@member_required
def cost_line_delete(request: HttpRequest, cost_line_id: int) -> HttpResponse:
    user = steerco_user(request)
    line = access.access_cost_line_by_id(user, cost_line_id, for_edit=True)
    try:
        services.cost_line_delete(acting_user=user, cost_line_id=cost_line_id)
    except Conflict as failure:
        messages.error(request, str(failure))
    else:
        messages.success(request, "Cost removed.")
    return redirect(reverse("finance:project", args=[line.project_id]))
