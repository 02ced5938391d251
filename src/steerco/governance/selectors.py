"""Reads of the governance app: each loads its whole graph in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.safestring import SafeString

from steerco.accounts.models import Role, User
from steerco.core.access import has_role, is_active_member, organisation_id_of
from steerco.governance import criteria
from steerco.governance.access import (
    CHANGE_BOARD,
    QA_SCHEDULERS,
    access_change_request_by_id,
    access_gate_review_by_id,
    access_governed_project,
    access_guidance_by_id,
    access_lesson_by_id,
    access_methodology_by_id,
    access_qa_review_by_id,
    access_raid_item_by_id,
    access_status_report_by_id,
    can_decide_change,
    can_decide_gate,
    can_edit_lesson,
    can_edit_methodology,
    can_edit_pir,
    can_edit_qa_review,
    lessons_visible_to,
    methodologies_visible_to,
)
from steerco.governance.gate_services import current_stage, gates_from
from steerco.governance.guidance import render_markdown
from steerco.governance.methodology_services import methodology_of
from steerco.governance.models import (
    ChangeRequest,
    Gate,
    GateChecklistItem,
    GateReview,
    GateReviewItem,
    GuidancePage,
    LessonLearned,
    LifecycleStage,
    MethodologyTemplate,
    PhaseTemplate,
    PostImplementationReview,
    ProjectTemplate,
    QaFinding,
    QaReview,
    RaidItem,
    StatusReport,
    TaskTemplate,
)
from steerco.governance.pir_services import BenefitsRealised, benefits_realised, realisation_ratio
from steerco.governance.rag_suggestions import open_change_request_filter
from steerco.governance.status_services import DueReport, cadence_of, due_reports
from steerco.projects.access import can_edit_project, projects_visible_to
from steerco.projects.models import BusinessCase, Project

LESSON_SUGGESTIONS = 5


# Methodology templates


def methodology_list(user: User) -> QuerySet[MethodologyTemplate]:
    return methodologies_visible_to(user).annotate(
        stage_count=Count("stages", distinct=True), gate_count=Count("gates", distinct=True)
    )


@dataclass(frozen=True)
class MethodologyDetail:
    template: MethodologyTemplate
    stages: list[LifecycleStage]
    gates: list[Gate]
    project_templates: list[ProjectTemplate]
    guidance_pages: list[GuidancePage]
    can_edit: bool


def methodology_detail(user: User, template_id: int) -> MethodologyDetail:
    """The template with every stage, gate (items, approvers), project template and page."""
    access_methodology_by_id(user, template_id)
    tasks = TaskTemplate.objects.order_by("order").prefetch_related("predecessors")
    template = (
        MethodologyTemplate.objects.filter(pk=template_id)
        .prefetch_related(
            Prefetch("stages", queryset=LifecycleStage.objects.order_by("order")),
            Prefetch(
                "gates",
                queryset=Gate.objects.select_related("from_stage", "to_stage")
                .prefetch_related(
                    "approvers",
                    Prefetch(
                        "checklist_items", queryset=GateChecklistItem.objects.order_by("order")
                    ),
                )
                .order_by("order"),
            ),
            Prefetch(
                "project_templates",
                queryset=ProjectTemplate.objects.prefetch_related(
                    Prefetch(
                        "phases",
                        queryset=PhaseTemplate.objects.select_related("stage")
                        .prefetch_related(Prefetch("tasks", queryset=tasks))
                        .order_by("order"),
                    )
                ),
            ),
            Prefetch(
                "guidance_pages",
                queryset=GuidancePage.objects.select_related("stage").order_by("order", "title"),
            ),
        )
        .get()
    )
    return MethodologyDetail(
        template=template,
        stages=list(template.stages.all()),
        gates=list(template.gates.all()),
        project_templates=list(template.project_templates.all()),
        guidance_pages=list(template.guidance_pages.all()),
        can_edit=can_edit_methodology(user),
    )


def guidance_page(user: User, page_id: int) -> tuple[GuidancePage, SafeString]:
    page = access_guidance_by_id(user, page_id)
    return page, render_markdown(page.body)


def criteria_catalogue() -> list[criteria.Criterion]:
    return sorted(criteria.CRITERIA.values(), key=lambda rule: rule.label)


# Gates


@dataclass(frozen=True)
class GateStatus:
    gate: Gate
    state: str  # passed, requested, rejected, next, ahead
    review: GateReview | None


GATE_STATE_LABELS = {
    "passed": "Passed",
    "requested": "Awaiting decision",
    "rejected": "Rejected",
    "next": "Next",
    "ahead": "Ahead",
}


def gate_overview(project: Project) -> list[GateStatus]:
    """Every gate of the project's methodology, with where the project stands at it."""
    methodology = methodology_of(project)
    if methodology is None:
        return []
    stage = current_stage(project)
    gates = list(
        Gate.objects.filter(template=methodology)
        .select_related("from_stage", "to_stage")
        .order_by("order")
    )
    latest: dict[int, GateReview] = {}
    for earlier in (
        GateReview.objects.filter(project=project)
        .exclude(status=GateReview.Status.WITHDRAWN)
        .select_related("decision_by")
        .order_by("requested_at", "pk")
    ):
        latest[earlier.gate_id] = earlier
    statuses = []
    for gate in gates:
        review = latest.get(gate.pk)
        if review is not None and review.status in (
            GateReview.Status.APPROVED,
            GateReview.Status.APPROVED_WITH_CONDITIONS,
        ):
            state = "passed"
        elif review is not None and review.status == GateReview.Status.REQUESTED:
            state = "requested"
        elif review is not None and gate.from_stage_id == getattr(stage, "pk", None):
            state = "rejected"
        elif stage is not None and gate.from_stage_id == stage.pk:
            state = "next"
        elif stage is not None and gate.from_stage.order < stage.order:
            state = "passed"
        else:
            state = "ahead"
        statuses.append(GateStatus(gate, state, review))
    return statuses


def _role_noun(role: str) -> str:
    """A role as a sentence reads it: "PMO analyst" keeps its acronym, "Executive" does not."""
    label = str(Role(role).label)
    return label if label.split()[0].isupper() else label[0].lower() + label[1:]


@dataclass(frozen=True)
class GateReviewDetail:
    review: GateReview
    items: list[GateReviewItem]
    missing: list[GateReviewItem]
    can_edit: bool
    can_decide: bool
    approvers: list[str]
    calibration: Calibration | None = None


def gate_review_detail(user: User, review_id: int) -> GateReviewDetail:
    review = access_gate_review_by_id(user, review_id)
    items = list(
        review.items.select_related("checklist_item", "checked_by").order_by(
            "checklist_item__order", "pk"
        )
    )
    missing = [
        item for item in items if item.checklist_item.required and item.satisfied is not True
    ]
    gate = review.gate
    approvers = [str(person) for person in gate.approvers.all()]
    approvers += [
        f"any {_role_noun(value)}" for value in Role.values if value in (gate.approver_roles or [])
    ]
    is_open = review.status == GateReview.Status.REQUESTED
    return GateReviewDetail(
        review=review,
        items=items,
        missing=missing,
        can_edit=is_open and can_edit_project(user, review.project),
        can_decide=is_open and can_decide_gate(user, gate) and review.requested_by_id != user.pk,
        approvers=approvers or ["the PMO"],
        calibration=calibration_for(review.project),
    )


def gate_review_list(user: User, project_id: int) -> QuerySet[GateReview]:
    project = access_governed_project(user, project_id)
    return (
        GateReview.objects.filter(project=project)
        .select_related("gate", "requested_by", "decision_by")
        .order_by("-requested_at", "-pk")
    )


def gate_reviews_awaiting(user: User) -> list[GateReview]:
    """Open gate requests the user may decide, oldest first."""
    reviews = (
        GateReview.objects.filter(
            status=GateReview.Status.REQUESTED, project__in=projects_visible_to(user)
        )
        .select_related("project", "gate__template", "requested_by")
        .prefetch_related("gate__approvers")
        .order_by("requested_at")
    )
    return [
        review
        for review in reviews
        if can_decide_gate(user, review.gate) and review.requested_by_id != user.pk
    ]


def open_gate_reviews(user: User) -> QuerySet[GateReview]:
    return (
        GateReview.objects.filter(
            status=GateReview.Status.REQUESTED, project__in=projects_visible_to(user)
        )
        .select_related("project", "gate", "requested_by")
        .order_by("requested_at")
    )


# RAID, change requests, QA


@dataclass(frozen=True)
class RaidFilters:
    kind: str = ""
    status: str = ""
    search: str = ""
    open_only: bool = False
    project_id: int | None = None


def _raid_filtered(rows: QuerySet[RaidItem], filters: RaidFilters) -> QuerySet[RaidItem]:
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.open_only:
        rows = rows.exclude(status=RaidItem.Status.CLOSED)
    if filters.search.strip():
        text = filters.search.strip()
        rows = rows.filter(
            Q(ref__icontains=text) | Q(title__icontains=text) | Q(description__icontains=text)
        )
    return rows


def raid_list(
    user: User, project_id: int, filters: RaidFilters | None = None
) -> QuerySet[RaidItem]:
    """A project's RAID log with owners and dependencies: one query for any number of rows."""
    project = access_governed_project(user, project_id)
    rows = RaidItem.objects.filter(project=project).select_related(
        "owner", "depends_on_project", "project"
    )
    return _raid_filtered(rows, filters or RaidFilters()).order_by("kind", "ref")


def raid_list_all(user: User, filters: RaidFilters | None = None) -> QuerySet[RaidItem]:
    """RAID items of every project the user sees (e.g. all dependencies between projects)."""
    filters = filters or RaidFilters()
    rows = RaidItem.objects.filter(project__in=projects_visible_to(user)).select_related(
        "owner", "depends_on_project", "project"
    )
    if filters.project_id is not None:
        rows = rows.filter(project_id=filters.project_id)
    return _raid_filtered(rows, filters).order_by("project__code", "kind", "ref")


def raid_item_get(user: User, item_id: int) -> RaidItem:
    return access_raid_item_by_id(user, item_id)


def change_request_list(
    user: User, project_id: int | None = None, status: str = ""
) -> QuerySet[ChangeRequest]:
    if project_id is not None:
        rows = ChangeRequest.objects.filter(project=access_governed_project(user, project_id))
    else:
        rows = ChangeRequest.objects.filter(project__in=projects_visible_to(user))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("project", "requested_by", "decided_by").order_by(
        "project__code", "-ref"
    )


@dataclass(frozen=True)
class ChangeRequestDetail:
    change_request: ChangeRequest
    can_edit: bool
    can_decide: bool
    can_apply: bool
    baseline_count: int


def change_request_detail(user: User, change_request_id: int) -> ChangeRequestDetail:
    change_request = access_change_request_by_id(user, change_request_id)
    status = change_request.status
    editor = can_edit_project(user, change_request.project)
    decider = can_decide_change(user, change_request)
    baselines = change_request.project.baselines.count()
    return ChangeRequestDetail(
        change_request=change_request,
        can_edit=editor and status == ChangeRequest.Status.DRAFT,
        can_decide=decider and status == ChangeRequest.Status.SUBMITTED,
        can_apply=(editor or decider) and status == ChangeRequest.Status.APPROVED and baselines > 0,
        baseline_count=baselines,
    )


def qa_review_list(user: User, project_id: int) -> QuerySet[QaReview]:
    project = access_governed_project(user, project_id)
    return (
        QaReview.objects.filter(project=project)
        .select_related("reviewer", "project")
        .annotate(open_findings=Count("findings", filter=~Q(findings__status="closed")))
        .order_by("-scheduled_for")
    )


@dataclass(frozen=True)
class QaReviewDetail:
    review: QaReview
    findings: list[QaFinding]
    can_edit: bool


def qa_review_detail(user: User, review_id: int) -> QaReviewDetail:
    review = access_qa_review_by_id(user, review_id)
    findings = list(review.findings.select_related("owner").order_by("status", "due_date", "pk"))
    return QaReviewDetail(review, findings, can_edit_qa_review(user, review))


def qa_findings_open(user: User) -> QuerySet[QaFinding]:
    """Findings still open on projects the user sees, soonest due first: the action tracker."""
    return (
        QaFinding.objects.filter(review__project__in=projects_visible_to(user))
        .exclude(status=QaFinding.Status.CLOSED)
        .select_related("review__project", "owner")
        .order_by("due_date", "pk")
    )


# Status reports


def status_report_list(user: User, project_id: int) -> QuerySet[StatusReport]:
    """A project's reports, newest first, in one query."""
    project = access_governed_project(user, project_id)
    return (
        StatusReport.objects.filter(project=project)
        .select_related("author", "project")
        .order_by("-period_start")
    )


def status_report_list_all(
    user: User, status: str = "", project_id: int | None = None
) -> QuerySet[StatusReport]:
    rows = StatusReport.objects.filter(project__in=projects_visible_to(user))
    if status:
        rows = rows.filter(status=status)
    if project_id is not None:
        rows = rows.filter(project_id=project_id)
    return rows.select_related("author", "project").order_by("-period_start", "project__code")


def status_report_get(user: User, report_id: int) -> StatusReport:
    return access_status_report_by_id(user, report_id)


def status_reports_due(user: User, today: datetime.date | None = None) -> list[DueReport]:
    projects = projects_visible_to(user).select_related("methodology", "manager")
    return due_reports(projects, today or timezone.localdate())


# Post-implementation reviews, lessons, calibration


@dataclass(frozen=True)
class PirDetail:
    project: Project
    review: PostImplementationReview | None
    benefits: BenefitsRealised
    lessons: list[LessonLearned]
    can_edit: bool


def pir_detail(user: User, project_id: int) -> PirDetail:
    project = access_governed_project(user, project_id)
    review = (
        PostImplementationReview.objects.filter(project=project).select_related("reviewer").first()
    )
    lessons = list(
        LessonLearned.objects.filter(project=project).select_related("category", "created_by")
    )
    can_edit = can_edit_pir(user, review) if review is not None else can_edit_project(user, project)
    return PirDetail(project, review, benefits_realised(project), lessons, can_edit)


@dataclass(frozen=True)
class LessonFilters:
    search: str = ""
    category_id: int | None = None
    impact: str = ""
    tag: str = ""


def lesson_search(user: User, filters: LessonFilters | None = None) -> QuerySet[LessonLearned]:
    """The lessons library: every word of ``search`` must appear in the title, text or tags."""
    filters = filters or LessonFilters()
    rows = lessons_visible_to(user)
    for word in filters.search.split():
        rows = rows.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(recommendation__icontains=word)
            | Q(tags__icontains=word)
        )
    if filters.category_id is not None:
        rows = rows.filter(category_id=filters.category_id)
    if filters.impact:
        rows = rows.filter(impact=filters.impact)
    if filters.tag.strip():
        rows = rows.filter(tags__icontains=f'"{filters.tag.strip().lower()}"')
    return rows.select_related("project", "category", "created_by").order_by("-created_at", "-pk")


def lesson_get(user: User, lesson_id: int) -> LessonLearned:
    return access_lesson_by_id(user, lesson_id)


def lesson_suggestions(user: User, project_id: int) -> list[LessonLearned]:
    """Lessons of other projects of the same category (else business unit), newest first."""
    project = access_governed_project(user, project_id)
    return suggestions_for(project)


def suggestions_for(project: Project) -> list[LessonLearned]:
    rows = LessonLearned.objects.filter(organisation_id=project.organisation_id).exclude(
        project=project
    )
    if project.category_id is not None:
        rows = rows.filter(category_id=project.category_id)
    elif project.business_unit_id is not None:
        rows = rows.filter(project__business_unit_id=project.business_unit_id)
    else:
        return []
    return list(
        rows.select_related("project", "category").order_by("-created_at", "-pk")[
            :LESSON_SUGGESTIONS
        ]
    )


@dataclass(frozen=True)
class RealisationRow:
    key: int | None
    label: str
    planned: Decimal
    realised: Decimal
    reviews: int

    @property
    def ratio(self) -> Decimal | None:
        return realisation_ratio(self.planned, self.realised)


def _completed_reviews(organisation_id: int) -> QuerySet[PostImplementationReview]:
    return PostImplementationReview.objects.filter(
        project__organisation_id=organisation_id,
        status=PostImplementationReview.Status.COMPLETED,
        benefits_planned__gt=0,
        benefits_realised__isnull=False,
    )


def _realisation_by(organisation_id: int, key: str, label: str) -> list[RealisationRow]:
    rows = (
        _completed_reviews(organisation_id)
        .values(key, label)
        .annotate(
            planned=Sum("benefits_planned"), realised=Sum("benefits_realised"), reviews=Count("pk")
        )
        .order_by(label)
    )
    return [
        RealisationRow(
            key=row[key],
            label=row[label] or "(none)",
            planned=row["planned"] or Decimal(0),
            realised=row["realised"] or Decimal(0),
            reviews=row["reviews"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Realisation:
    by_category: list[RealisationRow]
    by_business_unit: list[RealisationRow]
    overall: RealisationRow


def realisation_summary(user: User) -> Realisation:
    """Benefits realised vs planned over completed reviews, per category and business unit."""
    if not is_active_member(user):
        empty = RealisationRow(None, "All projects", Decimal(0), Decimal(0), 0)
        return Realisation([], [], empty)
    organisation_id = organisation_id_of(user)
    total = _completed_reviews(organisation_id).aggregate(
        planned=Sum("benefits_planned"), realised=Sum("benefits_realised"), reviews=Count("pk")
    )
    return Realisation(
        by_category=_realisation_by(
            organisation_id, "project__category_id", "project__category__name"
        ),
        by_business_unit=_realisation_by(
            organisation_id, "project__business_unit_id", "project__business_unit__name"
        ),
        overall=RealisationRow(
            None,
            "All projects",
            total["planned"] or Decimal(0),
            total["realised"] or Decimal(0),
            total["reviews"],
        ),
    )


@dataclass(frozen=True)
class Calibration:
    """How much of their planned benefits similar projects realised, applied to this case."""

    basis: str  # "category", "business unit", "organisation" or "" when there is no history
    label: str
    ratio: Decimal | None
    reviews: int
    business_case_version: int | None = None
    npv: float | None = None
    calibrated_npv: float | None = None
    rows: list[RealisationRow] = field(default_factory=list)


def calibration_for(project: Project) -> Calibration:
    """The realisation ratio of the project's category (else business unit, else all) and the
    business case NPV with its benefits scaled by it."""
    organisation_id = project.organisation_id
    candidates: list[tuple[str, RealisationRow | None]] = []
    if project.category_id is not None:
        rows = _realisation_by(organisation_id, "project__category_id", "project__category__name")
        candidates.append(
            ("category", next((row for row in rows if row.key == project.category_id), None))
        )
    if project.business_unit_id is not None:
        rows = _realisation_by(
            organisation_id, "project__business_unit_id", "project__business_unit__name"
        )
        candidates.append(
            (
                "business unit",
                next((row for row in rows if row.key == project.business_unit_id), None),
            )
        )
    total = _completed_reviews(organisation_id).aggregate(
        planned=Sum("benefits_planned"), realised=Sum("benefits_realised"), reviews=Count("pk")
    )
    candidates.append(
        (
            "organisation",
            RealisationRow(
                None,
                "all projects",
                total["planned"] or Decimal(0),
                total["realised"] or Decimal(0),
                total["reviews"],
            )
            if total["reviews"]
            else None,
        )
    )
    shown = [row for _, row in candidates if row is not None]
    basis, chosen = next(
        ((name, row) for name, row in candidates if row is not None and row.ratio is not None),
        ("", None),
    )
    case = criteria.business_case_of(project)
    npv = calibrated = None
    if case is not None:
        npv = criteria.business_case_npv(case, project)
        if chosen is not None and chosen.ratio is not None:
            calibrated = criteria.business_case_npv(case, project, float(chosen.ratio))
    return Calibration(
        basis=basis,
        label=chosen.label if chosen is not None else "",
        ratio=chosen.ratio if chosen is not None else None,
        reviews=chosen.reviews if chosen is not None else 0,
        business_case_version=case.version if case is not None else None,
        npv=npv,
        calibrated_npv=calibrated,
        rows=shown,
    )


def project_calibration(user: User, project_id: int) -> Calibration:
    return calibration_for(access_governed_project(user, project_id))


# A project's governance page


@dataclass(frozen=True)
class ProjectGovernance:
    project: Project
    methodology: MethodologyTemplate | None
    stage: LifecycleStage | None
    gates: list[GateStatus]
    next_gates: list[Gate]
    open_reviews: list[GateReview]
    raid_counts: dict[str, int]
    open_changes: int
    latest_report: StatusReport | None
    cadence: str
    qa_open_findings: int
    pir: PostImplementationReview | None
    lesson_suggestions: list[LessonLearned]
    calibration: Calibration
    guidance: list[GuidancePage]
    can_edit: bool
    can_schedule_qa: bool
    can_decide_changes: bool
    business_case: BusinessCase | None = None


def project_governance(user: User, project_id: int) -> ProjectGovernance:
    project = access_governed_project(user, project_id)
    methodology = methodology_of(project)
    stage = current_stage(project)
    gates = gate_overview(project)
    raid = dict(
        RaidItem.objects.filter(project=project)
        .exclude(status=RaidItem.Status.CLOSED)
        .values_list("kind")
        .annotate(count=Count("pk"))
        .values_list("kind", "count")
    )
    guidance = (
        list(GuidancePage.objects.filter(stage=stage).order_by("order", "title"))
        if stage is not None
        else []
    )
    return ProjectGovernance(
        project=project,
        methodology=methodology,
        stage=stage,
        gates=gates,
        next_gates=gates_from(stage),
        open_reviews=[
            status.review for status in gates if status.state == "requested" and status.review
        ],
        raid_counts={kind: raid.get(kind, 0) for kind in RaidItem.Kind.values},
        open_changes=ChangeRequest.objects.filter(project=project)
        .filter(open_change_request_filter())
        .count(),
        latest_report=StatusReport.objects.filter(project=project)
        .order_by("-period_start")
        .first(),
        cadence=cadence_of(project),
        qa_open_findings=QaFinding.objects.filter(review__project=project)
        .exclude(status=QaFinding.Status.CLOSED)
        .count(),
        pir=PostImplementationReview.objects.filter(project=project).first(),
        lesson_suggestions=suggestions_for(project),
        calibration=calibration_for(project),
        guidance=guidance,
        can_edit=can_edit_project(user, project),
        can_schedule_qa=has_role(user, QA_SCHEDULERS),
        can_decide_changes=has_role(user, CHANGE_BOARD),
        business_case=criteria.business_case_of(project),
    )


def can_edit_lesson_of(user: User, lesson: LessonLearned) -> bool:
    return can_edit_lesson(user, lesson)
