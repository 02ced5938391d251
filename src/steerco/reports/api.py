"""API of the reports app: the dashboard's data, executive packs and pack subscriptions.

- ``GET /reports/dashboard``: the dashboard of the projects you may see, as JSON.
- ``POST /reports/pack``: queue a pack (``202`` with the job to poll at ``/api/v1/jobs/{id}``);
  ``GET /reports/pack/{job_id}/download`` returns its PDF once the job has succeeded (``409``
  before). Packs are for administrators, PMO analysts, portfolio managers and executives.
- ``GET|POST /reports/subscriptions`` and ``DELETE /reports/subscriptions/{id}``: your email
  subscriptions to the pack, daily, weekly or monthly, for one portfolio or all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from steerco.api.helpers import request_user
from steerco.comms.models import Subscription
from steerco.reports import selectors, services
from steerco.reports.selectors import Dashboard

router = Router(tags=["reports"])


class DashboardQuery(Schema):
    portfolio_id: int | None = None
    as_of: dt.date | None = None
    value_basis: Literal["npv", "score"] = "npv"


class PortfolioRef(Schema):
    id: int
    code: str
    name: str


class SummaryOut(Schema):
    projects: int
    red: int
    amber: int
    green: int
    mission_critical: int
    mission_critical_red: int
    budget: Decimal
    actual: Decimal
    slipped_milestones: int
    open_milestones: int
    roles_over_capacity: int


class ProjectHealthOut(Schema):
    id: int
    code: str
    name: str
    portfolio_code: str
    stage: str
    manager: str
    mission_critical: bool
    start_date: dt.date | None
    finish_date: dt.date | None
    overall: str
    schedule: str
    cost: str
    scope: str
    risk: str
    rag_source: str
    report_period_end: dt.date | None
    budget: Decimal
    actual: Decimal
    npv: float | None
    score: float | None
    risk_exposure: Decimal
    open_risks: int


class MilestoneOut(Schema):
    project_code: str
    name: str
    is_key: bool
    due_date: dt.date
    baseline_date: dt.date | None
    forecast_date: dt.date | None
    achieved_date: dt.date | None
    slip_days: int
    status: str


class WatchItemOut(Schema):
    project_code: str
    overall: str
    next_milestone: MilestoneOut | None
    narrative: str


class BurnMonthOut(Schema):
    month: dt.date
    budget: Decimal
    actual: Decimal | None
    cumulative_budget: Decimal
    cumulative_actual: Decimal | None


class CapacityOut(Schema):
    role: str
    demand_hours: Decimal
    capacity_hours: Decimal
    use: float | None


class SlippageOut(Schema):
    month: dt.date
    milestones: int
    slipped: int
    average_slip_days: float


class DashboardOut(Schema):
    as_of: dt.date
    currency: str
    scope: str
    portfolio: PortfolioRef | None
    whole_organisation: bool
    value_basis: str
    summary: SummaryOut
    projects: list[ProjectHealthOut]
    watch_list: list[WatchItemOut]
    milestones: list[MilestoneOut]
    budget_burn: list[BurnMonthOut]
    capacity_from: dt.date
    capacity_to: dt.date
    capacity: list[CapacityOut]
    slippage: list[SlippageOut]


def _milestone(milestone: selectors.MilestoneMark) -> dict[str, Any]:
    return {
        "project_code": milestone.project_code,
        "name": milestone.name,
        "is_key": milestone.is_key,
        "due_date": milestone.due_date,
        "baseline_date": milestone.baseline_date,
        "forecast_date": milestone.forecast_date,
        "achieved_date": milestone.achieved_date,
        "slip_days": milestone.slip_days,
        "status": milestone.status,
    }


def dashboard_out(data: Dashboard) -> dict[str, Any]:
    portfolio = data.portfolio
    return {
        "as_of": data.as_of,
        "currency": data.currency,
        "scope": data.scope_label,
        "portfolio": {"id": portfolio.pk, "code": portfolio.code, "name": portfolio.name}
        if portfolio
        else None,
        "whole_organisation": data.whole_organisation,
        "value_basis": data.value_basis,
        "summary": data.summary,
        "projects": data.projects,
        "watch_list": [
            {
                "project_code": item.project.code,
                "overall": item.project.overall,
                "next_milestone": _milestone(item.next_milestone) if item.next_milestone else None,
                "narrative": item.report.narrative if item.report else "",
            }
            for item in data.watch_list
        ],
        "milestones": [_milestone(milestone) for milestone in data.milestones],
        "budget_burn": data.burn,
        "capacity_from": data.capacity_from,
        "capacity_to": data.capacity_to,
        "capacity": [
            {
                "role": row.role,
                "demand_hours": row.demand_hours,
                "capacity_hours": row.capacity_hours,
                "use": row.use,
            }
            for row in data.capacity
        ],
        "slippage": data.slippage,
    }


@router.get("/reports/dashboard", response=DashboardOut)
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """The executive dashboard of the projects you may see (one portfolio or all)."""
    data = selectors.dashboard_data(
        request_user(request),
        portfolio_id=query.portfolio_id,
        as_of=query.as_of,
        value_basis=query.value_basis,
    )
    return dashboard_out(data)


class PackIn(Schema):
    portfolio_id: int | None = None
    as_of: dt.date | None = None


class PackJobOut(Schema):
    job_id: int
    job_url: str
    download_url: str


@router.post("/reports/pack", response={202: PackJobOut})
def pack_request(request: HttpRequest, payload: PackIn) -> Status[dict[str, Any]]:
    """Queue an executive pack; poll the job, then download the PDF."""
    job = services.pack_request(
        acting_user=request_user(request), portfolio_id=payload.portfolio_id, as_of=payload.as_of
    )
    return Status(
        202,
        {
            "job_id": job.pk,
            "job_url": request.build_absolute_uri(f"/api/v1/jobs/{job.pk}"),
            "download_url": request.build_absolute_uri(f"/api/v1/reports/pack/{job.pk}/download"),
        },
    )


@router.get("/reports/pack/{job_id}/download")
def pack_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The pack's PDF (``409`` while its job is still running)."""
    content, file_name = services.pack_file(user=request_user(request), job_id=job_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


class SubscriptionIn(Schema):
    portfolio_id: int | None = None
    frequency: Literal["daily", "weekly", "monthly"] = "weekly"


class SubscriptionOut(Schema):
    id: int
    portfolio: PortfolioRef | None
    frequency: str
    created_at: dt.datetime


def _subscription_out(subscription: Subscription) -> dict[str, Any]:
    portfolio = subscription.portfolio
    return {
        "id": subscription.pk,
        "portfolio": {"id": portfolio.pk, "code": portfolio.code, "name": portfolio.name}
        if portfolio
        else None,
        "frequency": services.frequency_name(subscription.frequency),
        "created_at": subscription.created_at,
    }


@router.get("/reports/subscriptions", response=list[SubscriptionOut])
def subscription_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your executive pack subscriptions."""
    return [
        _subscription_out(subscription)
        for subscription in selectors.pack_subscription_list(request_user(request))
    ]


@router.post("/reports/subscriptions", response={201: SubscriptionOut})
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    """Receive a portfolio's pack (or all portfolios', without ``portfolio_id``) by email."""
    subscription = services.subscription_create(
        acting_user=request_user(request),
        portfolio_id=payload.portfolio_id,
        frequency=payload.frequency,
    )
    return Status(201, _subscription_out(subscription))


@router.delete("/reports/subscriptions/{subscription_id}", response={204: None})
def subscription_delete(request: HttpRequest, subscription_id: int) -> Status[None]:
    services.subscription_delete(acting_user=request_user(request), subscription_id=subscription_id)
    return Status(204, None)
