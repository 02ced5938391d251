"""API: methodology templates, gate reviews, QA reviews, RAID logs and change requests.

Every endpoint makes one service or selector call; lists are paginated (``?page=&page_size=``,
responses ``{items, count}``); errors are problem details. Records of projects the user may
not see, and anything of another organisation, are 404. Status reports, post-implementation
reviews and lessons are in ``reporting_api``.
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
from steerco.governance import methodology_services as methodology
from steerco.governance import selectors, services
from steerco.governance.access import access_governed_project
from steerco.governance.gate_services import QaFindingFields, QaReviewFields, current_stage
from steerco.governance.methodology_services import methodology_of
from steerco.governance.models import (
    ChangeRequest,
    Gate,
    GateReview,
    GateReviewItem,
    MethodologyTemplate,
    QaFinding,
    QaReview,
    RaidItem,
    TaskTemplate,
)
from steerco.governance.rag_suggestions import risk_score
from steerco.governance.raid_services import ChangeRequestFields, RaidItemFields

router = Router(tags=["governance"])


def _changes(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


# Methodology templates


class MethodologyOut(Schema):
    id: int
    code: str
    name: str
    description: str
    status_report_cadence: str
    is_default: bool
    is_active: bool


class MethodologyIn(Schema):
    code: str
    name: str
    description: str = ""
    status_report_cadence: str = MethodologyTemplate.Cadence.MONTHLY
    is_default: bool = False
    is_active: bool = True


class MethodologyPatchIn(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    status_report_cadence: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class StageOut(Schema):
    id: int
    code: str
    name: str
    order: int
    project_stage: str
    guidance: str


class StageIn(Schema):
    code: str
    name: str
    project_stage: str
    order: int | None = None
    guidance: str = ""


class StagePatchIn(Schema):
    code: str | None = None
    name: str | None = None
    project_stage: str | None = None
    order: int | None = None
    guidance: str | None = None


class ChecklistItemOut(Schema):
    id: int
    gate_id: int
    order: int
    text: str
    help_text: str
    kind: str
    automatic_rule: str
    params: dict[str, Any]
    required: bool


class ChecklistItemIn(Schema):
    text: str
    help_text: str = ""
    kind: str = "manual"
    automatic_rule: str = ""
    params: dict[str, Any] = {}
    required: bool = True
    order: int | None = None


class ChecklistItemPatchIn(Schema):
    text: str | None = None
    help_text: str | None = None
    kind: str | None = None
    automatic_rule: str | None = None
    params: dict[str, Any] | None = None
    required: bool | None = None
    order: int | None = None


class GateOut(Schema):
    id: int
    code: str
    name: str
    description: str
    from_stage_id: int
    to_stage_id: int
    order: int
    approver_ids: list[int]
    approver_roles: list[str]
    checklist_items: list[ChecklistItemOut]

    @staticmethod
    def resolve_approver_ids(gate: Gate) -> list[int]:
        return sorted(person.pk for person in gate.approvers.all())

    @staticmethod
    def resolve_checklist_items(gate: Gate) -> list[Any]:
        return list(gate.checklist_items.all())


class GateIn(Schema):
    code: str
    name: str
    from_stage_id: int
    to_stage_id: int
    description: str = ""
    order: int | None = None
    approver_ids: list[int] = []
    approver_roles: list[str] = []


class GatePatchIn(Schema):
    code: str | None = None
    name: str | None = None
    from_stage_id: int | None = None
    to_stage_id: int | None = None
    description: str | None = None
    order: int | None = None
    approver_ids: list[int] | None = None
    approver_roles: list[str] | None = None


class TaskTemplateOut(Schema):
    id: int
    phase_id: int
    name: str
    order: int
    duration_days: Decimal
    is_milestone: bool
    role_code: str
    work_hours: Decimal
    predecessor_ids: list[int]

    @staticmethod
    def resolve_predecessor_ids(task: TaskTemplate) -> list[int]:
        return sorted(before.pk for before in task.predecessors.all())


class TaskTemplateIn(Schema):
    name: str
    order: int | None = None
    duration_days: Decimal = Decimal(1)
    is_milestone: bool = False
    role_code: str = ""
    work_hours: Decimal = Decimal(0)
    predecessor_ids: list[int] = []


class TaskTemplatePatchIn(Schema):
    name: str | None = None
    order: int | None = None
    duration_days: Decimal | None = None
    is_milestone: bool | None = None
    role_code: str | None = None
    work_hours: Decimal | None = None
    predecessor_ids: list[int] | None = None


class PhaseOut(Schema):
    id: int
    project_template_id: int
    name: str
    order: int
    stage_id: int | None
    tasks: list[TaskTemplateOut]

    @staticmethod
    def resolve_tasks(phase: Any) -> list[Any]:
        return list(phase.tasks.all())


class PhaseIn(Schema):
    name: str
    order: int | None = None
    stage_id: int | None = None


class PhasePatchIn(Schema):
    name: str | None = None
    order: int | None = None
    stage_id: int | None = None


class ProjectTemplateOut(Schema):
    id: int
    code: str
    name: str
    description: str
    phases: list[PhaseOut]

    @staticmethod
    def resolve_phases(project_template: Any) -> list[Any]:
        return list(project_template.phases.all())


class ProjectTemplateIn(Schema):
    code: str
    name: str
    description: str = ""


class ProjectTemplatePatchIn(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None


class ApplyTemplateIn(Schema):
    project_id: int


class AppliedOut(Schema):
    project_id: int
    task_ids: list[int]


class GuidanceSummaryOut(Schema):
    id: int
    title: str
    slug: str
    stage_id: int | None
    order: int


class GuidanceOut(GuidanceSummaryOut):
    body: str
    html: str = ""


class GuidanceIn(Schema):
    title: str
    slug: str = ""
    body: str = ""
    stage_id: int | None = None
    order: int | None = None


class GuidancePatchIn(Schema):
    title: str | None = None
    slug: str | None = None
    body: str | None = None
    stage_id: int | None = None
    order: int | None = None


class MethodologyDetailOut(MethodologyOut):
    can_edit: bool
    stages: list[StageOut]
    gates: list[GateOut]
    project_templates: list[ProjectTemplateOut]
    guidance_pages: list[GuidanceSummaryOut]


class CriterionParamOut(Schema):
    name: str
    kind: str
    default: int | bool
    minimum: int
    maximum: int
    help: str


class CriterionOut(Schema):
    code: str
    label: str
    description: str
    params: list[CriterionParamOut]


@router.get("/governance/criteria", response=list[CriterionOut])
def criteria_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The automatic gate criteria a checklist item may name, with their parameters."""
    request_user(request)
    return [
        {
            "code": rule.code,
            "label": rule.label,
            "description": rule.description,
            "params": [
                {
                    "name": param.name,
                    "kind": param.kind.__name__,
                    "default": param.default,
                    "minimum": param.minimum,
                    "maximum": param.maximum,
                    "help": param.help,
                }
                for param in rule.params
            ],
        }
        for rule in selectors.criteria_catalogue()
    ]


@router.get("/governance/methodologies", response=list[MethodologyOut])
@paginate
def methodology_list(request: HttpRequest) -> QuerySet[MethodologyTemplate]:
    return selectors.methodology_list(request_user(request))


@router.post("/governance/methodologies", response={201: MethodologyOut})
def methodology_create(request: HttpRequest, payload: MethodologyIn) -> Status[Any]:
    fields = cast(methodology.MethodologyFields, payload.model_dump())
    return Status(
        201, services.methodology_create(acting_user=request_user(request), fields=fields)
    )


@router.get("/governance/methodologies/{template_id}", response=MethodologyDetailOut)
def methodology_detail(request: HttpRequest, template_id: int) -> dict[str, Any]:
    detail = selectors.methodology_detail(request_user(request), template_id)
    template = detail.template
    return {
        **{name: getattr(template, name) for name in MethodologyOut.model_fields},
        "can_edit": detail.can_edit,
        "stages": detail.stages,
        "gates": detail.gates,
        "project_templates": detail.project_templates,
        "guidance_pages": detail.guidance_pages,
    }


@router.patch("/governance/methodologies/{template_id}", response=MethodologyOut)
def methodology_update(
    request: HttpRequest, template_id: int, payload: MethodologyPatchIn
) -> MethodologyTemplate:
    return services.methodology_update(
        acting_user=request_user(request),
        template_id=template_id,
        changes=cast(methodology.MethodologyFields, _changes(payload)),
    )


@router.delete("/governance/methodologies/{template_id}", response={204: None})
def methodology_delete(request: HttpRequest, template_id: int) -> Status[None]:
    services.methodology_delete(acting_user=request_user(request), template_id=template_id)
    return Status(204, None)


@router.post("/governance/methodologies/{template_id}/stages", response={201: StageOut})
def stage_create(request: HttpRequest, template_id: int, payload: StageIn) -> Status[Any]:
    stage = services.stage_create(
        acting_user=request_user(request),
        template_id=template_id,
        fields=cast(methodology.StageFields, _changes(payload)),
    )
    return Status(201, stage)


@router.patch("/governance/stages/{stage_id}", response=StageOut)
def stage_update(request: HttpRequest, stage_id: int, payload: StagePatchIn) -> Any:
    return services.stage_update(
        acting_user=request_user(request),
        stage_id=stage_id,
        changes=cast(methodology.StageFields, _changes(payload)),
    )


@router.delete("/governance/stages/{stage_id}", response={204: None})
def stage_delete(request: HttpRequest, stage_id: int) -> Status[None]:
    services.stage_delete(acting_user=request_user(request), stage_id=stage_id)
    return Status(204, None)


@router.post("/governance/methodologies/{template_id}/gates", response={201: GateOut})
def gate_create(request: HttpRequest, template_id: int, payload: GateIn) -> Status[Any]:
    gate = services.gate_create(
        acting_user=request_user(request),
        template_id=template_id,
        fields=cast(methodology.GateFields, _changes(payload)),
    )
    return Status(201, gate)


@router.patch("/governance/gates/{gate_id}", response=GateOut)
def gate_update(request: HttpRequest, gate_id: int, payload: GatePatchIn) -> Any:
    return services.gate_update(
        acting_user=request_user(request),
        gate_id=gate_id,
        changes=cast(methodology.GateFields, _changes(payload)),
    )


@router.delete("/governance/gates/{gate_id}", response={204: None})
def gate_delete(request: HttpRequest, gate_id: int) -> Status[None]:
    services.gate_delete(acting_user=request_user(request), gate_id=gate_id)
    return Status(204, None)


@router.post("/governance/gates/{gate_id}/checklist-items", response={201: ChecklistItemOut})
def checklist_item_create(
    request: HttpRequest, gate_id: int, payload: ChecklistItemIn
) -> Status[Any]:
    item = services.checklist_item_create(
        acting_user=request_user(request),
        gate_id=gate_id,
        fields=cast(methodology.ChecklistItemFields, _changes(payload)),
    )
    return Status(201, item)


@router.patch("/governance/checklist-items/{item_id}", response=ChecklistItemOut)
def checklist_item_update(request: HttpRequest, item_id: int, payload: ChecklistItemPatchIn) -> Any:
    return services.checklist_item_update(
        acting_user=request_user(request),
        item_id=item_id,
        changes=cast(methodology.ChecklistItemFields, _changes(payload)),
    )


@router.delete("/governance/checklist-items/{item_id}", response={204: None})
def checklist_item_delete(request: HttpRequest, item_id: int) -> Status[None]:
    services.checklist_item_delete(acting_user=request_user(request), item_id=item_id)
    return Status(204, None)


@router.post(
    "/governance/methodologies/{template_id}/project-templates",
    response={201: ProjectTemplateOut},
)
def project_template_create(
    request: HttpRequest, template_id: int, payload: ProjectTemplateIn
) -> Status[Any]:
    created = services.project_template_create(
        acting_user=request_user(request),
        template_id=template_id,
        fields=cast(methodology.ProjectTemplateFields, _changes(payload)),
    )
    return Status(201, created)


@router.patch("/governance/project-templates/{project_template_id}", response=ProjectTemplateOut)
def project_template_update(
    request: HttpRequest, project_template_id: int, payload: ProjectTemplatePatchIn
) -> Any:
    return services.project_template_update(
        acting_user=request_user(request),
        project_template_id=project_template_id,
        changes=cast(methodology.ProjectTemplateFields, _changes(payload)),
    )


@router.delete("/governance/project-templates/{project_template_id}", response={204: None})
def project_template_delete(request: HttpRequest, project_template_id: int) -> Status[None]:
    services.project_template_delete(
        acting_user=request_user(request), project_template_id=project_template_id
    )
    return Status(204, None)


@router.post(
    "/governance/project-templates/{project_template_id}/apply", response={201: AppliedOut}
)
def project_template_apply(
    request: HttpRequest, project_template_id: int, payload: ApplyTemplateIn
) -> Status[dict[str, Any]]:
    """Create the template's phases, tasks and links in an empty project schedule."""
    tasks = services.project_template_apply(
        acting_user=request_user(request),
        project_template_id=project_template_id,
        project_id=payload.project_id,
    )
    return Status(201, {"project_id": payload.project_id, "task_ids": [task.pk for task in tasks]})


@router.post("/governance/project-templates/{project_template_id}/phases", response={201: PhaseOut})
def phase_create(request: HttpRequest, project_template_id: int, payload: PhaseIn) -> Status[Any]:
    phase = services.phase_create(
        acting_user=request_user(request),
        project_template_id=project_template_id,
        fields=cast(methodology.PhaseFields, _changes(payload)),
    )
    return Status(201, phase)


@router.patch("/governance/phases/{phase_id}", response=PhaseOut)
def phase_update(request: HttpRequest, phase_id: int, payload: PhasePatchIn) -> Any:
    return services.phase_update(
        acting_user=request_user(request),
        phase_id=phase_id,
        changes=cast(methodology.PhaseFields, _changes(payload)),
    )


@router.delete("/governance/phases/{phase_id}", response={204: None})
def phase_delete(request: HttpRequest, phase_id: int) -> Status[None]:
    services.phase_delete(acting_user=request_user(request), phase_id=phase_id)
    return Status(204, None)


@router.post("/governance/phases/{phase_id}/tasks", response={201: TaskTemplateOut})
def task_template_create(
    request: HttpRequest, phase_id: int, payload: TaskTemplateIn
) -> Status[Any]:
    task = services.task_template_create(
        acting_user=request_user(request),
        phase_id=phase_id,
        fields=cast(methodology.TaskTemplateFields, _changes(payload)),
    )
    return Status(201, task)


@router.patch("/governance/task-templates/{task_template_id}", response=TaskTemplateOut)
def task_template_update(
    request: HttpRequest, task_template_id: int, payload: TaskTemplatePatchIn
) -> Any:
    return services.task_template_update(
        acting_user=request_user(request),
        task_template_id=task_template_id,
        changes=cast(methodology.TaskTemplateFields, _changes(payload)),
    )


@router.delete("/governance/task-templates/{task_template_id}", response={204: None})
def task_template_delete(request: HttpRequest, task_template_id: int) -> Status[None]:
    services.task_template_delete(
        acting_user=request_user(request), task_template_id=task_template_id
    )
    return Status(204, None)


@router.post("/governance/methodologies/{template_id}/guidance", response={201: GuidanceOut})
def guidance_create(request: HttpRequest, template_id: int, payload: GuidanceIn) -> Status[Any]:
    fields = _changes(payload)
    if not fields.get("slug"):
        fields.pop("slug", None)
    page = services.guidance_create(
        acting_user=request_user(request),
        template_id=template_id,
        fields=cast(methodology.GuidanceFields, fields),
    )
    return Status(201, page)


@router.get("/governance/guidance/{page_id}", response=GuidanceOut)
def guidance_detail(request: HttpRequest, page_id: int) -> dict[str, Any]:
    """A guidance page with its Markdown and the sanitised HTML it renders to."""
    page, html = selectors.guidance_page(request_user(request), page_id)
    return {
        **{name: getattr(page, name) for name in GuidanceOut.model_fields if name != "html"},
        "html": str(html),
    }


@router.patch("/governance/guidance/{page_id}", response=GuidanceOut)
def guidance_update(request: HttpRequest, page_id: int, payload: GuidancePatchIn) -> Any:
    return services.guidance_update(
        acting_user=request_user(request),
        page_id=page_id,
        changes=cast(methodology.GuidanceFields, _changes(payload)),
    )


@router.delete("/governance/guidance/{page_id}", response={204: None})
def guidance_delete(request: HttpRequest, page_id: int) -> Status[None]:
    services.guidance_delete(acting_user=request_user(request), page_id=page_id)
    return Status(204, None)


# Gates of a project and their reviews


class GateStatusOut(Schema):
    gate_id: int
    code: str
    name: str
    from_stage: str
    to_stage: str
    state: str
    review_id: int | None


class ProjectGatesOut(Schema):
    project_id: int
    stage: str
    methodology_id: int | None
    lifecycle_stage_id: int | None
    lifecycle_stage: str | None
    gates: list[GateStatusOut]


class GateReviewOut(Schema):
    id: int
    project_id: int
    project_code: str
    gate_id: int
    gate_code: str
    gate_name: str
    status: str
    requested_by_id: int | None
    requested_at: datetime.datetime
    decision_by_id: int | None
    decided_at: datetime.datetime | None
    comments: str
    conditions: str
    conditions_due: datetime.date | None

    @staticmethod
    def resolve_project_code(review: GateReview) -> str:
        return review.project.code

    @staticmethod
    def resolve_gate_code(review: GateReview) -> str:
        return review.gate.code

    @staticmethod
    def resolve_gate_name(review: GateReview) -> str:
        return review.gate.name


class GateReviewItemOut(Schema):
    id: int
    checklist_item_id: int
    text: str
    kind: str
    required: bool
    satisfied: bool | None
    evidence: str
    checked_automatically: bool
    checked_by_id: int | None
    checked_at: datetime.datetime | None

    @staticmethod
    def resolve_text(item: GateReviewItem) -> str:
        return item.checklist_item.text

    @staticmethod
    def resolve_kind(item: GateReviewItem) -> str:
        return item.checklist_item.kind

    @staticmethod
    def resolve_required(item: GateReviewItem) -> bool:
        return item.checklist_item.required


class GateReviewDetailOut(GateReviewOut):
    items: list[GateReviewItemOut]
    missing: list[str]
    can_decide: bool


class GateRequestIn(Schema):
    gate_id: int


class GateReviewItemIn(Schema):
    satisfied: bool | None
    evidence: str = ""


class GateDecisionIn(Schema):
    decision: str
    comments: str = ""
    conditions: str = ""
    conditions_due: datetime.date | None = None


class GateReviewFilterIn(Schema):
    awaiting_me: bool = False


@router.get("/projects/{project_id}/gates", response=ProjectGatesOut)
def project_gates(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """Every gate of the project's methodology and where the project stands at each."""
    project = access_governed_project(request_user(request), project_id)
    methodology = methodology_of(project)
    stage = current_stage(project)
    return {
        "project_id": project_id,
        "stage": project.stage,
        "methodology_id": methodology.pk if methodology else None,
        "lifecycle_stage_id": stage.pk if stage else None,
        "lifecycle_stage": stage.name if stage else None,
        "gates": [
            {
                "gate_id": status.gate.pk,
                "code": status.gate.code,
                "name": status.gate.name,
                "from_stage": status.gate.from_stage.code,
                "to_stage": status.gate.to_stage.code,
                "state": status.state,
                "review_id": status.review.pk if status.review else None,
            }
            for status in selectors.gate_overview(project)
        ],
    }


@router.get("/projects/{project_id}/gate-reviews", response=list[GateReviewOut])
@paginate
def gate_review_list(request: HttpRequest, project_id: int) -> QuerySet[GateReview]:
    return selectors.gate_review_list(request_user(request), project_id)


@router.post("/projects/{project_id}/gate-reviews", response={201: GateReviewDetailOut})
def gate_review_request(
    request: HttpRequest, project_id: int, payload: GateRequestIn
) -> Status[Any]:
    """Ask to pass a gate; the automatic criteria are evaluated at once."""
    user = request_user(request)
    review = services.gate_review_request(
        acting_user=user, project_id=project_id, gate_id=payload.gate_id
    )
    return Status(201, _review_detail(user, review.pk))


class _ReviewDetailView:
    """A gate review's own attributes plus the extras of its detail, as the schema reads them."""

    def __init__(self, detail: selectors.GateReviewDetail) -> None:
        self.detail = detail
        self.items = detail.items
        self.missing = [item.checklist_item.text for item in detail.missing]
        self.can_decide = detail.can_decide

    def __getattr__(self, name: str) -> Any:
        return getattr(self.detail.review, name)


def _review_detail(user: Any, review_id: int) -> _ReviewDetailView:
    return _ReviewDetailView(selectors.gate_review_detail(user, review_id))


@router.get("/gate-reviews", response=list[GateReviewOut])
@paginate
def gate_reviews_open(request: HttpRequest, filters: Query[GateReviewFilterIn]) -> Any:
    """Gate requests awaiting a decision, on projects you see (``awaiting_me``: yours to decide)."""
    user = request_user(request)
    if filters.awaiting_me:
        return selectors.gate_reviews_awaiting(user)
    return selectors.open_gate_reviews(user)


@router.get("/gate-reviews/{review_id}", response=GateReviewDetailOut)
def gate_review_detail(request: HttpRequest, review_id: int) -> Any:
    return _review_detail(request_user(request), review_id)


@router.post("/gate-reviews/{review_id}/evaluate", response=GateReviewDetailOut)
def gate_review_evaluate(request: HttpRequest, review_id: int) -> Any:
    user = request_user(request)
    services.gate_review_evaluate(acting_user=user, review_id=review_id)
    return _review_detail(user, review_id)


@router.patch("/gate-review-items/{item_id}", response=GateReviewItemOut)
def gate_review_item_check(
    request: HttpRequest, item_id: int, payload: GateReviewItemIn
) -> GateReviewItem:
    return services.gate_review_item_check(
        acting_user=request_user(request),
        item_id=item_id,
        satisfied=payload.satisfied,
        evidence=payload.evidence,
    )


@router.post("/gate-reviews/{review_id}/decision", response=GateReviewDetailOut)
def gate_review_decide(request: HttpRequest, review_id: int, payload: GateDecisionIn) -> Any:
    """Approve (every required item met), approve with conditions, or reject with comments."""
    user = request_user(request)
    services.gate_review_decide(
        acting_user=user,
        review_id=review_id,
        decision=payload.decision,
        comments=payload.comments,
        conditions=payload.conditions,
        conditions_due=payload.conditions_due,
    )
    return _review_detail(user, review_id)


@router.post("/gate-reviews/{review_id}/withdraw", response=GateReviewOut)
def gate_review_withdraw(request: HttpRequest, review_id: int) -> GateReview:
    return services.gate_review_withdraw(acting_user=request_user(request), review_id=review_id)


# QA reviews


class QaFindingOut(Schema):
    id: int
    review_id: int
    project_id: int
    severity: str
    description: str
    action: str
    owner_id: int | None
    due_date: datetime.date | None
    status: str
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_project_id(finding: QaFinding) -> int:
        return finding.review.project_id


class QaReviewOut(Schema):
    id: int
    project_id: int
    title: str
    scheduled_for: datetime.date
    completed_at: datetime.datetime | None
    reviewer_id: int | None
    status: str
    rating: str
    summary: str


class QaReviewDetailOut(QaReviewOut):
    findings: list[QaFindingOut]


class QaReviewIn(Schema):
    title: str
    scheduled_for: datetime.date
    reviewer_id: int | None = None
    summary: str = ""


class QaReviewPatchIn(Schema):
    title: str | None = None
    scheduled_for: datetime.date | None = None
    reviewer_id: int | None = None
    status: str | None = None
    rating: str | None = None
    summary: str | None = None


class QaFindingIn(Schema):
    description: str
    severity: str = QaFinding.Severity.MEDIUM
    action: str = ""
    owner_id: int | None = None
    due_date: datetime.date | None = None


class QaFindingPatchIn(Schema):
    description: str | None = None
    severity: str | None = None
    action: str | None = None
    owner_id: int | None = None
    due_date: datetime.date | None = None
    status: str | None = None


@router.get("/projects/{project_id}/qa-reviews", response=list[QaReviewOut])
@paginate
def qa_review_list(request: HttpRequest, project_id: int) -> QuerySet[QaReview]:
    return selectors.qa_review_list(request_user(request), project_id)


@router.post("/projects/{project_id}/qa-reviews", response={201: QaReviewOut})
def qa_review_create(request: HttpRequest, project_id: int, payload: QaReviewIn) -> Status[Any]:
    review = services.qa_review_create(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(QaReviewFields, _changes(payload)),
    )
    return Status(201, review)


@router.get("/qa-reviews/{review_id}", response=QaReviewDetailOut)
def qa_review_detail(request: HttpRequest, review_id: int) -> dict[str, Any]:
    detail = selectors.qa_review_detail(request_user(request), review_id)
    review = detail.review
    return {
        **{name: getattr(review, name) for name in QaReviewOut.model_fields},
        "findings": detail.findings,
    }


@router.patch("/qa-reviews/{review_id}", response=QaReviewOut)
def qa_review_update(request: HttpRequest, review_id: int, payload: QaReviewPatchIn) -> QaReview:
    return services.qa_review_update(
        acting_user=request_user(request),
        review_id=review_id,
        changes=cast(QaReviewFields, _changes(payload)),
    )


@router.post("/qa-reviews/{review_id}/findings", response={201: QaFindingOut})
def qa_finding_create(request: HttpRequest, review_id: int, payload: QaFindingIn) -> Status[Any]:
    finding = services.qa_finding_create(
        acting_user=request_user(request),
        review_id=review_id,
        fields=cast(QaFindingFields, _changes(payload)),
    )
    return Status(201, finding)


@router.patch("/qa-findings/{finding_id}", response=QaFindingOut)
def qa_finding_update(
    request: HttpRequest, finding_id: int, payload: QaFindingPatchIn
) -> QaFinding:
    """Owners and the project's manager record the action, due date and status."""
    return services.qa_finding_update(
        acting_user=request_user(request),
        finding_id=finding_id,
        changes=cast(QaFindingFields, _changes(payload)),
    )


@router.get("/qa-findings", response=list[QaFindingOut])
@paginate
def qa_findings_open(request: HttpRequest) -> QuerySet[QaFinding]:
    """Open findings on projects you see, soonest due first."""
    return selectors.qa_findings_open(request_user(request))


# RAID


class RaidItemOut(Schema):
    id: int
    project_id: int
    project_code: str
    kind: str
    ref: str
    title: str
    description: str
    owner_id: int | None
    owner_name: str | None
    raised_by_id: int | None
    status: str
    probability: Decimal | None
    impact: int | None
    score: int | None
    cost_impact: Decimal | None
    schedule_impact_days: int | None
    response_strategy: str
    response: str
    trend: str
    due_date: datetime.date | None
    last_reviewed_at: datetime.datetime | None
    depends_on_project_id: int | None
    depends_on_project_code: str | None
    closed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_project_code(item: RaidItem) -> str:
        return item.project.code

    @staticmethod
    def resolve_owner_name(item: RaidItem) -> str | None:
        return str(item.owner) if item.owner else None

    @staticmethod
    def resolve_score(item: RaidItem) -> int | None:
        return risk_score(item.probability, item.impact)

    @staticmethod
    def resolve_depends_on_project_code(item: RaidItem) -> str | None:
        return item.depends_on_project.code if item.depends_on_project else None


class RaidItemIn(Schema):
    kind: str
    title: str
    description: str = ""
    owner_id: int | None = None
    status: str = RaidItem.Status.OPEN
    probability: Decimal | None = None
    impact: int | None = None
    cost_impact: Decimal | None = None
    schedule_impact_days: int | None = None
    response_strategy: str = ""
    response: str = ""
    trend: str = ""
    due_date: datetime.date | None = None
    depends_on_project_id: int | None = None


class RaidItemPatchIn(Schema):
    title: str | None = None
    description: str | None = None
    owner_id: int | None = None
    status: str | None = None
    probability: Decimal | None = None
    impact: int | None = None
    cost_impact: Decimal | None = None
    schedule_impact_days: int | None = None
    response_strategy: str | None = None
    response: str | None = None
    trend: str | None = None
    due_date: datetime.date | None = None
    depends_on_project_id: int | None = None


class RaidFilterIn(Schema):
    kind: str = ""
    status: str = ""
    search: str = ""
    open_only: bool = False


class RaidAllFilterIn(RaidFilterIn):
    project: int | None = None


class ReviewedOut(Schema):
    project_id: int
    open_items: int


@router.get("/projects/{project_id}/raid-items", response=list[RaidItemOut])
@paginate
def raid_list(
    request: HttpRequest, project_id: int, filters: Query[RaidFilterIn]
) -> QuerySet[RaidItem]:
    """The project's RAID log; filter by kind, status, search, open_only."""
    return selectors.raid_list(
        request_user(request),
        project_id,
        selectors.RaidFilters(
            kind=filters.kind,
            status=filters.status,
            search=filters.search,
            open_only=filters.open_only,
        ),
    )


@router.post("/projects/{project_id}/raid-items", response={201: RaidItemOut})
def raid_item_create(request: HttpRequest, project_id: int, payload: RaidItemIn) -> Status[Any]:
    item = services.raid_item_create(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(RaidItemFields, _changes(payload)),
    )
    return Status(201, item)


@router.post("/projects/{project_id}/raid-items/reviewed", response=ReviewedOut)
def raid_register_review(request: HttpRequest, project_id: int) -> dict[str, int]:
    """Record that the whole RAID log was reviewed now."""
    count = services.raid_register_review(acting_user=request_user(request), project_id=project_id)
    return {"project_id": project_id, "open_items": count}


@router.get("/raid-items", response=list[RaidItemOut])
@paginate
def raid_list_all(request: HttpRequest, filters: Query[RaidAllFilterIn]) -> QuerySet[RaidItem]:
    """RAID items across the projects you see, e.g. ``?kind=dependency&open_only=true``."""
    return selectors.raid_list_all(
        request_user(request),
        selectors.RaidFilters(
            kind=filters.kind,
            status=filters.status,
            search=filters.search,
            open_only=filters.open_only,
            project_id=filters.project,
        ),
    )


@router.get("/raid-items/{item_id}", response=RaidItemOut)
def raid_item_detail(request: HttpRequest, item_id: int) -> RaidItem:
    return selectors.raid_item_get(request_user(request), item_id)


@router.patch("/raid-items/{item_id}", response=RaidItemOut)
def raid_item_update(request: HttpRequest, item_id: int, payload: RaidItemPatchIn) -> RaidItem:
    """Re-scoring a risk sets its trend (up, steady, down) unless you give one."""
    return services.raid_item_update(
        acting_user=request_user(request),
        item_id=item_id,
        changes=cast(RaidItemFields, _changes(payload)),
    )


# Change requests


class ChangeRequestOut(Schema):
    id: int
    project_id: int
    project_code: str
    ref: str
    title: str
    description: str
    reason: str
    cost_impact: Decimal
    schedule_impact_days: int
    scope_impact: str
    status: str
    requested_by_id: int | None
    submitted_at: datetime.datetime | None
    decided_by_id: int | None
    decided_at: datetime.datetime | None
    decision_reason: str
    applied_at: datetime.datetime | None

    @staticmethod
    def resolve_project_code(change: ChangeRequest) -> str:
        return change.project.code


class ChangeRequestIn(Schema):
    title: str
    description: str = ""
    reason: str = ""
    cost_impact: Decimal = Decimal(0)
    schedule_impact_days: int = 0
    scope_impact: str = ""


class ChangeRequestPatchIn(Schema):
    title: str | None = None
    description: str | None = None
    reason: str | None = None
    cost_impact: Decimal | None = None
    schedule_impact_days: int | None = None
    scope_impact: str | None = None


class ChangeDecisionIn(Schema):
    reason: str = ""


class ChangeFilterIn(Schema):
    status: str = ""


class BaselineOut(Schema):
    id: int
    project_id: int
    number: int
    name: str
    captured_at: datetime.datetime
    note: str


@router.get("/projects/{project_id}/change-requests", response=list[ChangeRequestOut])
@paginate
def change_request_list(
    request: HttpRequest, project_id: int, filters: Query[ChangeFilterIn]
) -> QuerySet[ChangeRequest]:
    return selectors.change_request_list(request_user(request), project_id, filters.status)


@router.post("/projects/{project_id}/change-requests", response={201: ChangeRequestOut})
def change_request_create(
    request: HttpRequest, project_id: int, payload: ChangeRequestIn
) -> Status[Any]:
    change = services.change_request_create(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(ChangeRequestFields, _changes(payload)),
    )
    return Status(201, change)


@router.get("/change-requests", response=list[ChangeRequestOut])
@paginate
def change_board(request: HttpRequest, filters: Query[ChangeFilterIn]) -> QuerySet[ChangeRequest]:
    """Change requests across the projects you see, e.g. ``?status=submitted``."""
    return selectors.change_request_list(request_user(request), status=filters.status)


@router.get("/change-requests/{change_request_id}", response=ChangeRequestOut)
def change_request_detail(request: HttpRequest, change_request_id: int) -> ChangeRequest:
    return selectors.change_request_detail(request_user(request), change_request_id).change_request


@router.patch("/change-requests/{change_request_id}", response=ChangeRequestOut)
def change_request_update(
    request: HttpRequest, change_request_id: int, payload: ChangeRequestPatchIn
) -> ChangeRequest:
    return services.change_request_update(
        acting_user=request_user(request),
        change_request_id=change_request_id,
        changes=cast(ChangeRequestFields, _changes(payload)),
    )


@router.delete("/change-requests/{change_request_id}", response={204: None})
def change_request_delete(request: HttpRequest, change_request_id: int) -> Status[None]:
    services.change_request_delete(
        acting_user=request_user(request), change_request_id=change_request_id
    )
    return Status(204, None)


@router.post("/change-requests/{change_request_id}/submit", response=ChangeRequestOut)
def change_request_submit(request: HttpRequest, change_request_id: int) -> ChangeRequest:
    return services.change_request_submit(
        acting_user=request_user(request), change_request_id=change_request_id
    )


@router.post("/change-requests/{change_request_id}/approve", response=ChangeRequestOut)
def change_request_approve(
    request: HttpRequest, change_request_id: int, payload: ChangeDecisionIn
) -> ChangeRequest:
    """Approve; with a baseline, the change is applied at once to a new baseline version."""
    return services.change_request_approve(
        acting_user=request_user(request),
        change_request_id=change_request_id,
        reason=payload.reason,
    )


@router.post("/change-requests/{change_request_id}/reject", response=ChangeRequestOut)
def change_request_reject(
    request: HttpRequest, change_request_id: int, payload: ChangeDecisionIn
) -> ChangeRequest:
    return services.change_request_reject(
        acting_user=request_user(request),
        change_request_id=change_request_id,
        reason=payload.reason,
    )


@router.post("/change-requests/{change_request_id}/apply", response={201: BaselineOut})
def change_request_apply(request: HttpRequest, change_request_id: int) -> Status[Any]:
    """Apply an approved change that waited for a baseline; returns the new baseline."""
    baseline = services.change_request_apply(
        acting_user=request_user(request), change_request_id=change_request_id
    )
    return Status(201, baseline)
