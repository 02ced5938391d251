"""API: projects, their members and business cases, tasks and task links.

Every endpoint makes one service or selector call; lists are paginated
(``?page=&page_size=``, responses ``{items, count}``). Objects of another
organisation, or projects the user may not see, are 404.
"""

# No "from __future__ import annotations": Ninja's @paginate re-reads the view's
# annotations outside this module, so they must be objects rather than strings.

import datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from steerco.api.helpers import request_user
from steerco.projects import selectors, services
from steerco.projects.models import (
    BusinessCase,
    CashFlowLine,
    Project,
    ProjectMember,
    Task,
    TaskLink,
)

router = Router(tags=["projects"])


# Projects


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    description: str
    stage: str
    stage_changed_at: datetime.datetime | None
    portfolio_id: int
    portfolio_name: str
    program_id: int | None
    manager_id: int | None
    manager_name: str | None
    sponsor_id: int | None
    business_unit_id: int | None
    category_id: int | None
    calendar_id: int | None
    priority: int
    health: str
    mission_critical: bool
    mandatory: bool
    start_date: datetime.date | None
    finish_date: datetime.date | None
    currency: str
    discount_rate: Decimal | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_portfolio_name(project: Project) -> str:
        return project.portfolio.name

    @staticmethod
    def resolve_manager_name(project: Project) -> str | None:
        return str(project.manager) if project.manager else None


class ProjectCreateIn(Schema):
    code: str
    name: str
    portfolio_id: int
    description: str = ""
    stage: str = Project.Stage.IDEA
    program_id: int | None = None
    manager_id: int | None = None
    sponsor_id: int | None = None
    business_unit_id: int | None = None
    category_id: int | None = None
    calendar_id: int | None = None
    priority: int = 3
    health: str = "green"
    mission_critical: bool = False
    mandatory: bool = False
    start_date: datetime.date | None = None
    finish_date: datetime.date | None = None
    currency: str = ""
    discount_rate: Decimal | None = None


class ProjectPatchIn(Schema):
    """Only the fields sent change; ``stage`` only from idea to proposal."""

    code: str | None = None
    name: str | None = None
    portfolio_id: int | None = None
    description: str | None = None
    stage: str | None = None
    program_id: int | None = None
    manager_id: int | None = None
    sponsor_id: int | None = None
    business_unit_id: int | None = None
    category_id: int | None = None
    calendar_id: int | None = None
    priority: int | None = None
    health: str | None = None
    mission_critical: bool | None = None
    mandatory: bool | None = None
    start_date: datetime.date | None = None
    finish_date: datetime.date | None = None
    currency: str | None = None
    discount_rate: Decimal | None = None


class ProjectFilterIn(Schema):
    search: str = ""
    stage: str = ""
    health: str = ""
    portfolio: int | None = None
    manager: int | None = None
    category: int | None = None
    business_unit: int | None = None
    sort: str = "code"


class StageChangeIn(Schema):
    stage: str
    reason: str = ""


class MemberIn(Schema):
    user_id: int
    role: str = ProjectMember.Role.MEMBER


class MemberOut(Schema):
    id: int
    user_id: int
    name: str
    role: str

    @staticmethod
    def resolve_name(member: ProjectMember) -> str:
        return str(member.user)


class MilestoneOut(Schema):
    id: int
    name: str
    due_date: datetime.date
    forecast_date: datetime.date | None
    achieved_date: datetime.date | None
    is_key: bool


class BusinessCaseSummaryOut(Schema):
    id: int
    version: int
    status: str
    summary: str
    total_cost: Decimal
    total_benefit: Decimal


class ProjectDetailOut(ProjectOut):
    can_edit: bool
    members: list[MemberOut]
    milestones: list[MilestoneOut]
    business_cases: list[BusinessCaseSummaryOut]
    task_count: int
    link_count: int


def _changes(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


@router.get("/projects", response=list[ProjectOut])
@paginate
def project_list(request: HttpRequest, filters: Query[ProjectFilterIn]) -> QuerySet[Project]:
    """Projects you may see. Filter by search (code or name), stage, health, portfolio,
    manager, category, business_unit; sort by code, name, stage, health, priority, start,
    finish (prefix '-' for descending)."""
    return selectors.project_list(
        request_user(request),
        selectors.ProjectFilters(
            search=filters.search,
            stage=filters.stage,
            health=filters.health,
            portfolio_id=filters.portfolio,
            manager_id=filters.manager,
            category_id=filters.category,
            business_unit_id=filters.business_unit,
            sort=filters.sort,
        ),
    )


@router.post("/projects", response={201: ProjectOut})
def project_create(request: HttpRequest, payload: ProjectCreateIn) -> Status[Project]:
    # Unset fields are left out so that the service's defaults apply (the creator manages it).
    fields = cast(services.ProjectFields, _changes(payload))
    return Status(201, services.project_create(acting_user=request_user(request), fields=fields))


class _ProjectDetailView:
    """A project's own attributes plus the extras of its detail, as ProjectDetailOut reads them."""

    EXTRAS = frozenset({"can_edit", "members", "milestones", "task_count", "link_count"})

    def __init__(self, detail: selectors.ProjectDetail) -> None:
        self.detail = detail
        self.business_cases = [
            BusinessCaseSummaryOut(
                id=info.business_case.pk,
                version=info.business_case.version,
                status=info.business_case.status,
                summary=info.business_case.summary,
                total_cost=info.total_cost,
                total_benefit=info.total_benefit,
            )
            for info in detail.business_cases
        ]

    def __getattr__(self, name: str) -> Any:
        if name in self.EXTRAS:
            return getattr(self.detail, name)
        return getattr(self.detail.project, name)


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def project_detail(request: HttpRequest, project_id: int) -> Any:
    return _ProjectDetailView(selectors.project_detail(request_user(request), project_id))


@router.patch("/projects/{project_id}", response=ProjectOut)
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatchIn) -> Project:
    return services.project_update(
        acting_user=request_user(request),
        project_id=project_id,
        changes=cast(services.ProjectFields, _changes(payload)),
    )


@router.delete("/projects/{project_id}", response={204: None})
def project_delete(request: HttpRequest, project_id: int) -> Status[None]:
    services.project_delete(acting_user=request_user(request), project_id=project_id)
    return Status(204, None)


@router.post("/projects/{project_id}/stage", response=ProjectOut)
def project_change_stage(request: HttpRequest, project_id: int, payload: StageChangeIn) -> Project:
    """Change the stage without a gate: idea to proposal by its manager; anything else by the
    PMO, with a reason."""
    return services.project_change_stage(
        acting_user=request_user(request),
        project=project_id,
        stage=payload.stage,
        reason=payload.reason,
        via_gate=False,
    )


@router.get("/projects/{project_id}/members", response=list[MemberOut])
@paginate
def project_member_list(request: HttpRequest, project_id: int) -> QuerySet[ProjectMember]:
    return selectors.project_member_list(request_user(request), project_id)


@router.post("/projects/{project_id}/members", response={201: MemberOut})
def project_member_add(
    request: HttpRequest, project_id: int, payload: MemberIn
) -> Status[ProjectMember]:
    member = services.project_member_add(
        acting_user=request_user(request),
        project_id=project_id,
        user_id=payload.user_id,
        role=payload.role,
    )
    return Status(201, member)


@router.delete("/projects/{project_id}/members/{user_id}", response={204: None})
def project_member_remove(request: HttpRequest, project_id: int, user_id: int) -> Status[None]:
    services.project_member_remove(
        acting_user=request_user(request), project_id=project_id, user_id=user_id
    )
    return Status(204, None)


# Business cases


class CashFlowLineIn(Schema):
    month_index: int | None = None
    kind: str | None = None
    category: str | None = None
    amount: Decimal | None = None
    description: str = ""


class CashFlowLineOut(Schema):
    id: int
    month_index: int
    kind: str
    category: str
    amount: Decimal
    description: str


class BusinessCaseCreateIn(Schema):
    summary: str = ""
    problem: str = ""
    options: str = ""
    assumptions: str = ""
    discount_rate: Decimal | None = None
    start_month: datetime.date | None = None
    lines: list[CashFlowLineIn] = []


class BusinessCasePatchIn(Schema):
    """Only the fields sent change; ``lines``, when sent, replace all the lines."""

    summary: str | None = None
    problem: str | None = None
    options: str | None = None
    assumptions: str | None = None
    discount_rate: Decimal | None = None
    start_month: datetime.date | None = None
    lines: list[CashFlowLineIn] | None = None


class BusinessCaseOut(Schema):
    id: int
    project_id: int
    version: int
    status: str
    summary: str
    problem: str
    options: str
    assumptions: str
    discount_rate: Decimal | None
    start_month: datetime.date | None
    submitted_at: datetime.datetime | None
    approved_by_id: int | None
    approved_at: datetime.datetime | None
    created_at: datetime.datetime
    lines: list[CashFlowLineOut]

    @staticmethod
    def resolve_lines(business_case: BusinessCase) -> list[CashFlowLine]:
        # Sorted here rather than in SQL so that prefetched lines are reused.
        return sorted(
            business_case.cash_flow_lines.all(),
            key=lambda line: (line.month_index, line.kind, line.category, line.pk),
        )


class RejectIn(Schema):
    reason: str


def _lines(lines: list[CashFlowLineIn]) -> list[services.CashFlowLineInput]:
    return [cast(services.CashFlowLineInput, line.model_dump()) for line in lines]


@router.get("/projects/{project_id}/business-cases", response=list[BusinessCaseOut])
@paginate
def business_case_list(request: HttpRequest, project_id: int) -> QuerySet[BusinessCase]:
    return selectors.business_case_list(request_user(request), project_id)


@router.post("/projects/{project_id}/business-cases", response={201: BusinessCaseOut})
def business_case_create(
    request: HttpRequest, project_id: int, payload: BusinessCaseCreateIn
) -> Status[BusinessCase]:
    fields = payload.model_dump(exclude={"lines"}, exclude_unset=True)
    business_case = services.business_case_create(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(services.BusinessCaseFields, fields),
        lines=_lines(payload.lines),
    )
    return Status(201, business_case)


@router.get("/business-cases/{business_case_id}", response=BusinessCaseOut)
def business_case_detail(request: HttpRequest, business_case_id: int) -> BusinessCase:
    return selectors.business_case_get(request_user(request), business_case_id)


@router.patch("/business-cases/{business_case_id}", response=BusinessCaseOut)
def business_case_update(
    request: HttpRequest, business_case_id: int, payload: BusinessCasePatchIn
) -> BusinessCase:
    fields = _changes(payload)
    fields.pop("lines", None)
    return services.business_case_update(
        acting_user=request_user(request),
        business_case_id=business_case_id,
        fields=cast(services.BusinessCaseFields, fields),
        lines=_lines(payload.lines) if payload.lines is not None else None,
    )


@router.delete("/business-cases/{business_case_id}", response={204: None})
def business_case_delete(request: HttpRequest, business_case_id: int) -> Status[None]:
    services.business_case_delete(
        acting_user=request_user(request), business_case_id=business_case_id
    )
    return Status(204, None)


@router.post("/business-cases/{business_case_id}/submit", response=BusinessCaseOut)
def business_case_submit(request: HttpRequest, business_case_id: int) -> BusinessCase:
    return services.business_case_submit(
        acting_user=request_user(request), business_case_id=business_case_id
    )


@router.post("/business-cases/{business_case_id}/approve", response=BusinessCaseOut)
def business_case_approve(request: HttpRequest, business_case_id: int) -> BusinessCase:
    """Approve a submitted business case (PMO and portfolio managers); the previously
    approved version becomes superseded."""
    return services.business_case_approve(
        acting_user=request_user(request), business_case_id=business_case_id
    )


@router.post("/business-cases/{business_case_id}/reject", response=BusinessCaseOut)
def business_case_reject(
    request: HttpRequest, business_case_id: int, payload: RejectIn
) -> BusinessCase:
    return services.business_case_reject(
        acting_user=request_user(request),
        business_case_id=business_case_id,
        reason=payload.reason,
    )


# Tasks


class TaskOut(Schema):
    id: int
    project_id: int
    uid: int
    wbs: str
    outline_level: int
    parent_id: int | None
    name: str
    notes: str
    sort_order: int
    duration_minutes: int
    is_milestone: bool
    is_summary: bool
    is_manual: bool
    is_elapsed: bool
    constraint_type: str
    constraint_date: datetime.datetime | None
    deadline: datetime.datetime | None
    calendar_id: int | None
    priority: int
    early_start: datetime.datetime | None
    early_finish: datetime.datetime | None
    late_start: datetime.datetime | None
    late_finish: datetime.datetime | None
    total_float_minutes: int | None
    free_float_minutes: int | None
    is_critical: bool
    planned_start: datetime.datetime | None
    planned_finish: datetime.datetime | None
    actual_start: datetime.datetime | None
    actual_finish: datetime.datetime | None
    percent_complete: Decimal
    work_minutes: int
    cost: Decimal
    actual_cost: Decimal


class TaskIn(Schema):
    """A task; on PATCH only the fields sent change."""

    uid: int | None = None
    name: str | None = None
    notes: str | None = None
    wbs: str | None = None
    parent_id: int | None = None
    sort_order: int | None = None
    duration_minutes: int | None = None
    is_milestone: bool | None = None
    is_summary: bool | None = None
    is_manual: bool | None = None
    is_elapsed: bool | None = None
    constraint_type: str | None = None
    constraint_date: datetime.datetime | None = None
    deadline: datetime.datetime | None = None
    calendar_id: int | None = None
    priority: int | None = None
    planned_start: datetime.datetime | None = None
    planned_finish: datetime.datetime | None = None
    actual_start: datetime.datetime | None = None
    actual_finish: datetime.datetime | None = None
    percent_complete: Decimal | None = None
    work_minutes: int | None = None
    cost: Decimal | None = None


@router.get("/projects/{project_id}/tasks", response=list[TaskOut])
@paginate
def task_list(request: HttpRequest, project_id: int) -> QuerySet[Task]:
    return selectors.task_list(request_user(request), project_id)


@router.post("/projects/{project_id}/tasks", response={201: TaskOut})
def task_create(request: HttpRequest, project_id: int, payload: TaskIn) -> Status[Task]:
    task = services.task_create(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(services.TaskFields, _changes(payload)),
    )
    return Status(201, task)


@router.get("/tasks/{task_id}", response=TaskOut)
def task_detail(request: HttpRequest, task_id: int) -> Task:
    return selectors.task_get(request_user(request), task_id)


@router.patch("/tasks/{task_id}", response=TaskOut)
def task_update(request: HttpRequest, task_id: int, payload: TaskIn) -> Task:
    return services.task_update(
        acting_user=request_user(request),
        task_id=task_id,
        changes=cast(services.TaskFields, _changes(payload)),
    )


@router.delete("/tasks/{task_id}", response={204: None})
def task_delete(request: HttpRequest, task_id: int) -> Status[None]:
    services.task_delete(acting_user=request_user(request), task_id=task_id)
    return Status(204, None)


# Links


class LinkOut(Schema):
    id: int
    project_id: int
    predecessor_id: int
    successor_id: int
    type: str
    lag_minutes: int
    lag_percent: Decimal | None
    lag_elapsed: bool


class LinkCreateIn(Schema):
    predecessor_id: int
    successor_id: int
    type: str = "FS"
    lag_minutes: int = 0
    lag_percent: Decimal | None = None
    lag_elapsed: bool = False


class LinkPatchIn(Schema):
    predecessor_id: int | None = None
    successor_id: int | None = None
    type: str | None = None
    lag_minutes: int | None = None
    lag_percent: Decimal | None = None
    lag_elapsed: bool | None = None


@router.get("/projects/{project_id}/links", response=list[LinkOut])
@paginate
def link_list(request: HttpRequest, project_id: int) -> QuerySet[TaskLink]:
    return selectors.link_list(request_user(request), project_id)


@router.post("/projects/{project_id}/links", response={201: LinkOut})
def link_create(request: HttpRequest, project_id: int, payload: LinkCreateIn) -> Status[TaskLink]:
    link = services.link_create(
        acting_user=request_user(request),
        project_id=project_id,
        predecessor_id=payload.predecessor_id,
        successor_id=payload.successor_id,
        type=payload.type,
        lag_minutes=payload.lag_minutes,
        lag_percent=payload.lag_percent,
        lag_elapsed=payload.lag_elapsed,
    )
    return Status(201, link)


@router.get("/links/{link_id}", response=LinkOut)
def link_detail(request: HttpRequest, link_id: int) -> TaskLink:
    return selectors.link_get(request_user(request), link_id)


@router.patch("/links/{link_id}", response=LinkOut)
def link_update(request: HttpRequest, link_id: int, payload: LinkPatchIn) -> TaskLink:
    return services.link_update(
        acting_user=request_user(request),
        link_id=link_id,
        changes=cast(services.LinkFields, _changes(payload)),
    )


@router.delete("/links/{link_id}", response={204: None})
def link_delete(request: HttpRequest, link_id: int) -> Status[None]:
    services.link_delete(acting_user=request_user(request), link_id=link_id)
    return Status(204, None)
