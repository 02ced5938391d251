"""API: capacity (heatmaps, drill-down, fit, refresh), demand, bookings, hiring plans, requests.

Months are ``YYYY-MM`` in query strings and first-of-month dates in bodies and
answers. What-if moves are ``move=CODE:+N`` (repeatable): the heatmap shows
the project's demand N months later (or earlier, with a minus), nothing saved.
"""

import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.core.errors import ValidationFailed
from steerco.resources import (
    capacity_selectors,
    capacity_services,
    request_services,
    skills_matching,
)
from steerco.resources.capacity_access import access_portfolio_by_code
from steerco.resources.capacity_engine_io import parse_month
from steerco.resources.capacity_fit import FitPreview, capacity_fit_preview
from steerco.resources.capacity_selectors import HeatmapQuery
from steerco.resources.models import Booking, HiringPlan, ResourceRequest, RoleDemand

router = Router(tags=["capacity"])


# -- query parameters --------------------------------------------------------------------------


class HeatmapFilters(Schema):
    portfolio: str | None = Field(None, description="Portfolio code; every project when empty")
    start: str | None = Field(None, description="First month, YYYY-MM; this month when empty")
    months: int = Field(12, description="Months shown, 1 to 36")
    include_pipeline: bool = Field(False, description="Count ideas and proposals too")
    scenario_id: int | None = Field(None, description="Add this scenario's hiring plans")
    move: list[str] = Field(
        default_factory=list, description="What-if: CODE:+N shifts a project's demand N months"
    )


def parse_move(text: str) -> tuple[str, int]:
    code, separator, shift = text.rpartition(":")
    try:
        if not separator or not code:
            raise ValueError(text)
        return code, int(shift)
    except ValueError as error:
        raise ValidationFailed({"move": [f"{text!r} is not CODE:+N"]}) from error


def heatmap_query(request: HttpRequest, filters: HeatmapFilters) -> HeatmapQuery:
    user = request_user(request)
    try:
        first = parse_month(filters.start, default=capacity_selectors.default_first_month())
    except ValueError as error:
        raise ValidationFailed({"start": [str(error)]}) from error
    portfolio_id = (
        access_portfolio_by_code(user, filters.portfolio).pk if filters.portfolio else None
    )
    moves = capacity_selectors.resolve_moves(
        user=user, moves=[parse_move(text) for text in filters.move]
    )
    return HeatmapQuery(
        first_month=first,
        months=filters.months,
        portfolio_id=portfolio_id,
        include_pipeline=filters.include_pipeline,
        scenario_id=filters.scenario_id,
        moves=moves,
    )


# -- heatmap -----------------------------------------------------------------------------------


class HeatCellOut(Schema):
    month: datetime.date
    capacity: float = Field(description="Hours available (hiring plans included)")
    demand: float = Field(description="Hours the scope's projects need")
    other: float = Field(description="Hours the organisation's other projects need")
    load: float
    percent: int | None = Field(description="Load / capacity in percent; null without capacity")
    level: int = Field(description="0 (light) to 4 (far over capacity)")
    over: bool
    excess: float
    hiring: float = Field(description="Hours the scenario's hiring plans add")


class HeatRowOut(Schema):
    role_id: int
    code: str
    name: str
    over_months: int
    excess: float
    cells: list[HeatCellOut]


class MovedOut(Schema):
    project_id: int
    code: str
    name: str
    shift: int


class HeatmapOut(Schema):
    portfolio: str | None
    scenario_id: int | None
    include_pipeline: bool
    months: list[datetime.date]
    hot_spots: int = Field(description="Over-allocated role-months")
    excess: float = Field(description="Hours over capacity, summed over the hot spots")
    moved: list[MovedOut]
    rows: list[HeatRowOut]
    totals: list[HeatCellOut]


def heatmap_out(heatmap: capacity_selectors.Heatmap) -> dict[str, object]:
    return {
        "portfolio": heatmap.portfolio.code if heatmap.portfolio else None,
        "scenario_id": heatmap.query.scenario_id,
        "include_pipeline": heatmap.query.include_pipeline,
        "months": heatmap.months,
        "hot_spots": heatmap.hot_spots,
        "excess": heatmap.excess,
        "moved": heatmap.moved,
        "rows": heatmap.rows,
        "totals": heatmap.totals(),
    }


@router.get("/capacity/heatmap", response=HeatmapOut)
def capacity_heatmap(request: HttpRequest, filters: Query[HeatmapFilters]) -> dict[str, object]:
    """Demand vs capacity, role x month, for a portfolio (or every project)."""
    query = heatmap_query(request, filters)
    return heatmap_out(capacity_selectors.heatmap(user=request_user(request), query=query))


class DrilldownProjectOut(Schema):
    project_id: int
    code: str
    name: str
    portfolio_code: str
    stage: str
    in_scope: bool
    hours: float
    booked: float = Field(description="Hours booked on it for people of this role")
    shift: int


class DrilldownOut(Schema):
    role_id: int
    role_name: str
    cell: HeatCellOut
    projects: list[DrilldownProjectOut]


@router.get("/capacity/drilldown", response=DrilldownOut)
def capacity_drilldown(
    request: HttpRequest, role_id: int, month: str, filters: Query[HeatmapFilters]
) -> dict[str, object]:
    """The projects behind one role-month of the heatmap."""
    query = heatmap_query(request, filters)
    try:
        when = parse_month(month)
    except ValueError as error:
        raise ValidationFailed({"month": [str(error)]}) from error
    drill = capacity_selectors.heatmap_drilldown(
        user=request_user(request), query=query, role_id=role_id, month=when
    )
    return {
        "role_id": drill.role.pk,
        "role_name": drill.role.name,
        "cell": drill.cell,
        "projects": drill.projects,
    }


class PersonCellOut(Schema):
    month: datetime.date
    capacity: float
    hard: float
    soft: float
    booked: float
    percent: int | None
    level: int
    over: bool


class PersonRowOut(Schema):
    person_id: int
    name: str
    role_name: str
    fte: float
    over_months: int
    cells: list[PersonCellOut]


class PersonHeatmapOut(Schema):
    months: list[datetime.date]
    count: int
    page: int
    pages: int
    rows: list[PersonRowOut]


@router.get("/capacity/people", response=PersonHeatmapOut)
def capacity_people(
    request: HttpRequest,
    start: str | None = None,
    months: int = 12,
    role_id: int | None = None,
    search: str = "",
    page: int = 1,
) -> dict[str, object]:
    """Bookings (hard and soft) vs capacity, person x month, 50 people a page."""
    try:
        first = parse_month(start, default=capacity_selectors.default_first_month())
    except ValueError as error:
        raise ValidationFailed({"start": [str(error)]}) from error
    view = capacity_selectors.person_heatmap(
        user=request_user(request),
        first_month=first,
        months=HeatmapQuery(first, months).months,
        role_id=role_id,
        search=search,
        page=page,
    )
    return {
        "months": view.months,
        "count": view.page.paginator.count,
        "page": view.page.number,
        "pages": view.page.paginator.num_pages,
        "rows": view.rows,
    }


class RefreshIn(Schema):
    start: datetime.date | None = Field(None, description="First month; a year ago when empty")
    months: int | None = Field(None, description="Months to rebuild; 37 when empty")


class RefreshOut(Schema):
    first_month: datetime.date
    months: int
    people: int
    person_rows: int
    role_rows: int
    seconds: float


@router.post("/capacity/refresh", response=RefreshOut)
def capacity_refresh(
    request: HttpRequest, payload: RefreshIn
) -> capacity_services.CapacityRefreshResult:
    """Rebuild capacity from people, calendars, holidays and absences."""
    return capacity_services.capacity_refresh(
        acting_user=request_user(request), first_month=payload.start, months=payload.months
    )


class FitIn(Schema):
    portfolio: str | None = None
    start: str | None = None
    months: int = 12
    include_pipeline: bool = False
    scenario_id: int | None = None
    max_shift: int = Field(6, description="Latest a project may move, in months (at most 12)")


class FitMoveOut(Schema):
    project_id: int
    code: str
    name: str
    shift: int
    from_month: str
    to_month: str


class LeftOutOut(Schema):
    project_id: int
    code: str
    name: str


class FitOut(Schema):
    method: Literal["optimiser", "greedy", "none"]
    note: str
    seconds: float
    movable: int
    moves: list[FitMoveOut]
    left_out: list[LeftOutOut] = Field(description="Projects that fit nowhere in the window")
    excess_before: float
    excess_after: float
    after: HeatmapOut


@router.post("/capacity/fit", response=FitOut)
def capacity_fit(request: HttpRequest, payload: FitIn) -> dict[str, object]:
    """Preview the start moves that resolve over-allocation (nothing is saved)."""
    filters = HeatmapFilters(
        portfolio=payload.portfolio,
        start=payload.start,
        months=payload.months,
        include_pipeline=payload.include_pipeline,
        scenario_id=payload.scenario_id,
    )
    preview: FitPreview = capacity_fit_preview(
        user=request_user(request),
        query=heatmap_query(request, filters),
        max_shift=payload.max_shift,
    )
    return {
        "method": preview.method,
        "note": preview.note,
        "seconds": preview.seconds,
        "movable": preview.movable,
        "moves": preview.moves,
        "left_out": preview.left_out,
        "excess_before": preview.excess_before,
        "excess_after": preview.excess_after,
        "after": heatmap_out(preview.after),
    }


# -- role demand -------------------------------------------------------------------------------


class RoleDemandOut(Schema):
    id: int
    role_id: int
    role_name: str
    month: datetime.date
    hours: Decimal
    source: str

    @staticmethod
    def resolve_role_name(row: RoleDemand) -> str:
        return row.role.name


class RoleDemandRowIn(Schema):
    role_id: int
    month: datetime.date = Field(description="First day of the month")
    hours: Decimal


class RoleDemandIn(Schema):
    source: Literal["manual", "business_case"] = "manual"
    rows: list[RoleDemandRowIn]


class RollupOut(Schema):
    project_id: int
    rows: int
    hours: Decimal
    assignments: int
    skipped: int = Field(description="Assignments without dates or role, left out")


@router.get("/projects/{project_id}/role-demand", response=list[RoleDemandOut], tags=["demand"])
def role_demand_list(request: HttpRequest, project_id: int) -> QuerySet[RoleDemand]:
    return capacity_selectors.role_demand_list(user=request_user(request), project_id=project_id)


@router.put("/projects/{project_id}/role-demand", response=list[RoleDemandOut], tags=["demand"])
def role_demand_replace(
    request: HttpRequest, project_id: int, payload: RoleDemandIn
) -> list[RoleDemand]:
    """Replace the project's demand of one source with these rows."""
    return capacity_services.role_demand_replace(
        acting_user=request_user(request),
        project_id=project_id,
        source=payload.source,
        rows=[
            capacity_services.RoleDemandRow(row.role_id, row.month, row.hours)
            for row in payload.rows
        ],
    )


@router.post("/projects/{project_id}/role-demand/rollup", response=RollupOut, tags=["demand"])
def role_demand_rollup(
    request: HttpRequest, project_id: int
) -> capacity_services.DemandRollupResult:
    """Rebuild the project's schedule demand from its task assignments."""
    return capacity_services.role_demand_rollup_from_schedule(
        acting_user=request_user(request), project_id=project_id
    )


# -- bookings ----------------------------------------------------------------------------------


class BookingOut(Schema):
    id: int
    project_id: int
    project_code: str
    person_id: int
    person_name: str
    month: datetime.date
    hours: Decimal
    kind: str
    note: str

    @staticmethod
    def resolve_project_code(booking: Booking) -> str:
        return booking.project.code

    @staticmethod
    def resolve_person_name(booking: Booking) -> str:
        return booking.person.name


class BookingIn(Schema):
    project_id: int
    person_id: int
    month: datetime.date = Field(description="First day of the month")
    hours: Decimal = Field(description="0 removes the booking")
    kind: Literal["soft", "hard"] = "soft"
    note: str = ""


@router.get("/bookings", response=list[BookingOut], tags=["bookings"])
@paginate
def booking_list(
    request: HttpRequest,
    project_id: int | None = None,
    person_id: int | None = None,
    start: datetime.date | None = None,
    finish: datetime.date | None = None,
) -> QuerySet[Booking]:
    return capacity_selectors.booking_list(
        user=request_user(request),
        project_id=project_id,
        person_id=person_id,
        first_month=start,
        last_month=finish,
    )


@router.put("/bookings", response={200: BookingOut, 204: None}, tags=["bookings"])
def booking_set(request: HttpRequest, payload: BookingIn) -> Status[Booking | None]:
    """Set a person's hours on a project in a month (one booking per kind)."""
    booking = capacity_services.booking_set(
        acting_user=request_user(request), **payload.model_dump()
    )
    return Status(204, None) if booking is None else Status(200, booking)


@router.delete("/bookings/{booking_id}", response={204: None}, tags=["bookings"])
def booking_delete(request: HttpRequest, booking_id: int) -> Status[None]:
    capacity_services.booking_delete(acting_user=request_user(request), booking_id=booking_id)
    return Status(204, None)


# -- hiring plans ------------------------------------------------------------------------------


class HiringPlanOut(Schema):
    id: int
    scenario_id: int
    role_id: int
    role_name: str
    month: datetime.date
    fte_delta: Decimal
    note: str

    @staticmethod
    def resolve_role_name(plan: HiringPlan) -> str:
        return plan.role.name


class HiringPlanIn(Schema):
    role_id: int
    month: datetime.date = Field(description="First day of the month the people start")
    fte_delta: Decimal = Field(description="Full-time people added (negative: leaving)")
    note: str = ""


@router.get(
    "/scenarios/{scenario_id}/hiring-plans", response=list[HiringPlanOut], tags=["scenarios"]
)
def hiring_plan_list(request: HttpRequest, scenario_id: int) -> QuerySet[HiringPlan]:
    return capacity_selectors.hiring_plan_list(user=request_user(request), scenario_id=scenario_id)


@router.post(
    "/scenarios/{scenario_id}/hiring-plans", response={201: HiringPlanOut}, tags=["scenarios"]
)
def hiring_plan_set(
    request: HttpRequest, scenario_id: int, payload: HiringPlanIn
) -> Status[HiringPlan]:
    """Add or change the plan of a role and month in a scenario."""
    plan = capacity_services.hiring_plan_set(
        acting_user=request_user(request), scenario_id=scenario_id, **payload.model_dump()
    )
    return Status(201, plan)


@router.delete("/hiring-plans/{hiring_plan_id}", response={204: None}, tags=["scenarios"])
def hiring_plan_delete(request: HttpRequest, hiring_plan_id: int) -> Status[None]:
    capacity_services.hiring_plan_delete(
        acting_user=request_user(request), hiring_plan_id=hiring_plan_id
    )
    return Status(204, None)


# -- resource requests -------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    project_id: int
    project_code: str
    role_id: int | None
    skill_id: int | None
    requested_person_id: int | None
    start_date: datetime.date
    finish_date: datetime.date
    hours: Decimal
    reason: str
    status: str
    approved_person_id: int | None
    approved_hours: Decimal | None
    decision_note: str
    requested_by_id: int | None
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_project_code(row: ResourceRequest) -> str:
        return row.project.code


class RequestIn(Schema):
    project_id: int
    role_id: int | None = None
    skill_id: int | None = None
    requested_person_id: int | None = None
    start_date: datetime.date
    finish_date: datetime.date
    hours: Decimal
    reason: str = ""


class ApproveIn(Schema):
    person_id: int
    hours: Decimal | None = Field(None, description="Fewer than asked: partially approved")
    kind: Literal["soft", "hard"] = "hard"
    note: str = ""


class RejectIn(Schema):
    reason: str


class RequestDetailOut(Schema):
    request: RequestOut
    bookings: list[BookingOut]
    can_decide: bool
    can_withdraw: bool


class CandidateOut(Schema):
    person_id: int
    name: str
    role_name: str
    business_unit: str
    role_match: bool
    skill_level: int | None
    skill_fit: float
    capacity_hours: float
    booked_hours: float
    free_hours: float
    availability: float
    score: float
    requested_by_name: bool


@router.get("/resource-requests", response=list[RequestOut], tags=["requests"])
@paginate
def request_list(
    request: HttpRequest, status: str | None = None, project_id: int | None = None
) -> QuerySet[ResourceRequest]:
    return capacity_selectors.request_list(
        user=request_user(request), status=status, project_id=project_id
    )


@router.post("/resource-requests", response={201: RequestOut}, tags=["requests"])
def request_create(request: HttpRequest, payload: RequestIn) -> Status[ResourceRequest]:
    created = request_services.resource_request_create(
        acting_user=request_user(request), **payload.model_dump()
    )
    return Status(201, created)


@router.get("/resource-requests/{request_id}", response=RequestDetailOut, tags=["requests"])
def request_detail(request: HttpRequest, request_id: int) -> capacity_selectors.RequestDetail:
    return capacity_selectors.request_detail(user=request_user(request), request_id=request_id)


@router.post("/resource-requests/{request_id}/approve", response=RequestOut, tags=["requests"])
def request_approve(request: HttpRequest, request_id: int, payload: ApproveIn) -> ResourceRequest:
    """Approve with a named person, for all the hours or fewer (partially); books them."""
    decision = request_services.resource_request_approve(
        acting_user=request_user(request), request_id=request_id, **payload.model_dump()
    )
    return decision.request


@router.post("/resource-requests/{request_id}/reject", response=RequestOut, tags=["requests"])
def request_reject(request: HttpRequest, request_id: int, payload: RejectIn) -> ResourceRequest:
    return request_services.resource_request_reject(
        acting_user=request_user(request), request_id=request_id, reason=payload.reason
    )


@router.post("/resource-requests/{request_id}/withdraw", response=RequestOut, tags=["requests"])
def request_withdraw(request: HttpRequest, request_id: int) -> ResourceRequest:
    return request_services.resource_request_withdraw(
        acting_user=request_user(request), request_id=request_id
    )


@router.get(
    "/resource-requests/{request_id}/candidates", response=list[CandidateOut], tags=["requests"]
)
def request_candidates(request: HttpRequest, request_id: int) -> list[skills_matching.Candidate]:
    """People ranked by skill fit and free capacity in the request's period."""
    return skills_matching.rank_people_for_request(
        user=request_user(request), request_id=request_id
    ).candidates
