"""Pages of the reports app: the executive dashboard, the pack page, and the XLSX exports.

Charts are Vega-Lite specs in ``<script type="application/json">`` blocks that ``steerco.js``
draws with vega-embed. Under the strict CSP Vega may not compile its expressions with
``new Function``; the page loads Vega's own expression interpreter (the ``vega-interpreter``
package, an ES module) through an import map. The import map is the page's only inline
script, allowed by its SHA-256 hash in this response's CSP and by nothing else.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from steerco.core.errors import Conflict, ValidationFailed
from steerco.jobs.selectors import access_job_by_id
from steerco.reports import charts, selectors, services
from steerco.reports.pack import can_read_pack, pack_for_user, require_pack_reader
from steerco.reports.xlsx import XLSX_CONTENT_TYPE, dashboard_workbook, list_export
from steerco.web.decorators import member_required, steerco_user

# Rows of the "all active projects" table; the XLSX export has every one.
TABLE_LIMIT = 200
# Bare module names the vendored vega-interpreter imports, and where the browser finds them.
IMPORT_MAP = {
    "vega-interpreter": "vendor/vega-interpreter/build/vega-interpreter.js",
    "vega-util": "reports/vega-util.js",
}


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def import_map() -> tuple[str, str]:
    """The import map's exact text, and the CSP source that allows that text and no other."""
    text = json.dumps(
        {"imports": {name: static(path) for name, path in IMPORT_MAP.items()}},
        separators=(",", ":"),
    )
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return text, f"'sha256-{digest}'"


def with_charts(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    text, source = import_map()
    response = render(request, template, {**context, "import_map": mark_safe(text)})
    # django-csp adds these sources to this response's policy only.
    response._csp_update = {"script-src": [source]}  # type: ignore[attr-defined]
    return response


def _xlsx(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _pdf(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@require_GET
@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    as_of = _date(request.GET.get("as_of"))
    data = selectors.dashboard_data(
        user,
        portfolio_id=_integer(request.GET.get("portfolio")),
        as_of=as_of,
        value_basis=request.GET.get("value") or "npv",
    )
    if request.GET.get("format") == "xlsx":
        return dashboard_xlsx_response(data)
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "xlsx"
    return with_charts(
        request,
        "reports/dashboard.html",
        {
            "dashboard": data,
            "summary": data.summary,
            "watch_list": data.watch_list,
            "specs": charts.dashboard_specs(data),
            "dimensions": [(key, selectors.DIMENSION_LABELS[key]) for key in selectors.DIMENSIONS],
            "xlsx_query": query.urlencode(),
            "as_of_param": as_of.isoformat() if as_of else "",
            "can_read_pack": can_read_pack(user),
            "heatmap_limit": charts.HEATMAP_LIMIT,
            "roadmap_limit": charts.ROADMAP_LIMIT,
            "table_limit": TABLE_LIMIT,
            "table_slice": f":{TABLE_LIMIT}",
        },
    )


def dashboard_xlsx_response(data: selectors.Dashboard) -> HttpResponse:
    scope = data.portfolio.code if data.portfolio else "all"
    return _xlsx(dashboard_workbook(data), f"steerco-dashboard-{scope}-{data.as_of}.xlsx")


@require_GET
@member_required
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard_data(
        steerco_user(request),
        portfolio_id=_integer(request.GET.get("portfolio")),
        as_of=_date(request.GET.get("as_of")),
    )
    return dashboard_xlsx_response(data)


@require_GET
@member_required
def export_list(request: HttpRequest, list_name: str) -> HttpResponse:
    try:
        content, file_name = list_export(steerco_user(request), list_name, request.GET)
    except ValidationFailed as error:
        return HttpResponseBadRequest(str(error))
    return _xlsx(content, file_name)


@member_required
def pack_page(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    require_pack_reader(user)
    if request.method == "POST":
        job = services.pack_request(
            acting_user=user, portfolio_id=_integer(request.POST.get("portfolio"))
        )
        messages.success(request, f"The pack is being drawn (job {job.pk}).")
        return redirect(f"{reverse('reports:pack')}?job={job.pk}")
    job_id = _integer(request.GET.get("job"))
    return render(
        request,
        "reports/pack.html",
        {
            "portfolios": selectors.portfolio_options(user),
            "jobs": selectors.pack_job_list(user),
            "job": access_job_by_id(user, job_id) if job_id is not None else None,
            "subscriptions": [
                (subscription, services.frequency_name(subscription.frequency))
                for subscription in selectors.pack_subscription_list(user)
            ],
            "frequencies": list(services.FREQUENCIES),
        },
    )


@require_GET
@member_required
def pack_status(request: HttpRequest, job_id: int) -> HttpResponse:
    user = steerco_user(request)
    require_pack_reader(user)
    job = access_job_by_id(user, job_id)
    if job.kind != services.PACK_JOB_KIND:
        return HttpResponseBadRequest("Not an executive pack job.")
    return render(request, "reports/_pack_job.html", {"job": job})


@require_GET
@member_required
def pack_download(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        content, file_name = services.pack_file(user=steerco_user(request), job_id=job_id)
    except Conflict as error:
        return HttpResponse(str(error), status=409)
    return _pdf(content, file_name)


@require_GET
@member_required
def pack_pdf(request: HttpRequest) -> HttpResponse:
    """The pack drawn while the reader waits (a few seconds), for a quick download."""
    pack = pack_for_user(
        steerco_user(request),
        portfolio_id=_integer(request.GET.get("portfolio")),
        as_of=_date(request.GET.get("as_of")),
    )
    return _pdf(pack.pdf(), pack.file_name)


@require_POST
@member_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    try:
        services.subscription_create(
            acting_user=steerco_user(request),
            portfolio_id=_integer(request.POST.get("portfolio")),
            frequency=request.POST.get("frequency", ""),
        )
    except ValidationFailed as error:
        messages.error(request, " ".join(m for ms in error.errors.values() for m in ms))
    else:
        messages.success(request, "Subscribed: the pack will come by email.")
    return redirect("reports:pack")


@require_POST
@member_required
def subscription_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    services.subscription_delete(acting_user=steerco_user(request), subscription_id=subscription_id)
    messages.success(request, "Subscription removed.")
    return redirect("reports:pack")
