"""API: status reports and RAG suggestions, post-implementation reviews, lessons, calibration.

Same conventions as ``steerco.governance.api``: one call per endpoint, paginated lists,
problem details, 404 for what the user may not see.
"""

# No "from __future__ import annotations": Ninja's @paginate re-reads the view's
# annotations outside this module, so they must be objects rather than strings.

import datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from steerco.api.helpers import request_user
from steerco.core.access import has_role, organisation_id_of
from steerco.core.errors import AccessDenied
from steerco.governance import selectors, services
from steerco.governance.access import QA_SCHEDULERS, access_governed_project
from steerco.governance.models import LessonLearned, PostImplementationReview, StatusReport
from steerco.governance.pir_services import LessonFields, PirFields
from steerco.governance.rag_suggestions import RagSuggestion, rag_suggestion_for
from steerco.governance.status_services import StatusReportFields
from steerco.jobs.services import job_start

router = Router(tags=["governance reporting"])


def _changes(payload: Schema) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


# Status reports


class StatusReportOut(Schema):
    id: int
    project_id: int
    project_code: str
    period_start: datetime.date
    period_end: datetime.date
    status: str
    overall: str
    schedule: str
    cost: str
    scope: str
    risk: str
    suggested_overall: str
    suggested_schedule: str
    suggested_cost: str
    suggested_scope: str
    suggested_risk: str
    narrative: str
    achievements: str
    next_steps: str
    key_milestones: list[dict[str, Any]]
    author_id: int | None
    author_name: str | None
    submitted_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_project_code(report: StatusReport) -> str:
        return report.project.code

    @staticmethod
    def resolve_author_name(report: StatusReport) -> str | None:
        return str(report.author) if report.author else None


class StatusReportCreateIn(Schema):
    period_start: datetime.date | None = None
    overall: str | None = None
    schedule: str | None = None
    cost: str | None = None
    scope: str | None = None
    risk: str | None = None
    narrative: str | None = None
    achievements: str | None = None
    next_steps: str | None = None
    key_milestones: list[dict[str, Any]] | None = None


class StatusReportPatchIn(Schema):
    overall: str | None = None
    schedule: str | None = None
    cost: str | None = None
    scope: str | None = None
    risk: str | None = None
    narrative: str | None = None
    achievements: str | None = None
    next_steps: str | None = None
    key_milestones: list[dict[str, Any]] | None = None


class StatusFilterIn(Schema):
    status: str = ""
    project: int | None = None


class DueReportOut(Schema):
    project_id: int
    project_code: str
    manager_id: int | None
    period_start: datetime.date
    period_end: datetime.date
    due: datetime.date
    overdue: bool
    draft_id: int | None


class DimensionOut(Schema):
    rag: str
    reasons: list[str]


class RagFactsOut(Schema):
    spi: float | None
    cpi: float | None
    earned_value_unit: str
    milestone_slip_days: int | None
    slipped_milestone: str
    spend_ratio: float | None
    open_change_requests: int
    open_risks: int
    high_risks: int
    severe_risks: int
    escalated_items: int
    serious_issues: int
    notes: list[str]


class RagSuggestionOut(Schema):
    project_id: int
    as_of: datetime.date
    overall: DimensionOut
    schedule: DimensionOut
    cost: DimensionOut
    scope: DimensionOut
    risk: DimensionOut
    facts: RagFactsOut


class JobStartedOut(Schema):
    job_id: int


def _suggestion(project_id: int, as_of: datetime.date, suggestion: RagSuggestion) -> dict[str, Any]:
    facts = suggestion.facts
    return {
        "project_id": project_id,
        "as_of": as_of,
        **{
            name: {"rag": part.rag, "reasons": list(part.reasons)}
            for name, part in suggestion.dimensions()
        },
        "facts": {
            **{name: getattr(facts, name) for name in RagFactsOut.model_fields if name != "notes"},
            "notes": list(facts.notes),
        },
    }


@router.get("/projects/{project_id}/rag-suggestion", response=RagSuggestionOut)
def rag_suggestion(
    request: HttpRequest, project_id: int, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """The RAG the project's data suggests today (or ``as_of``), with the reasons."""
    project = access_governed_project(request_user(request), project_id)
    day = as_of or timezone.localdate()
    return _suggestion(project_id, day, rag_suggestion_for(project, day))


@router.get("/projects/{project_id}/status-reports", response=list[StatusReportOut])
@paginate
def status_report_list(request: HttpRequest, project_id: int) -> QuerySet[StatusReport]:
    """The project's reports, newest first (the history and trend)."""
    return selectors.status_report_list(request_user(request), project_id)


@router.post("/projects/{project_id}/status-reports", response={201: StatusReportOut})
def status_report_create(
    request: HttpRequest, project_id: int, payload: StatusReportCreateIn
) -> Status[Any]:
    """Start the report of a period (by default the one due now) with the suggestions."""
    fields = {key: value for key, value in _changes(payload).items() if value is not None}
    period_start = fields.pop("period_start", None)
    report = services.status_report_create(
        acting_user=request_user(request),
        project_id=project_id,
        period_start=period_start,
        fields=cast(StatusReportFields, fields),
    )
    return Status(201, report)


@router.get("/status-reports/due", response=list[DueReportOut])
def status_reports_due(request: HttpRequest) -> list[dict[str, Any]]:
    """Reports of the last complete period still missing, on the running projects you see."""
    return [
        {
            "project_id": due.project.pk,
            "project_code": due.project.code,
            "manager_id": due.project.manager_id,
            "period_start": due.period.start,
            "period_end": due.period.end,
            "due": due.period.due,
            "overdue": due.overdue,
            "draft_id": due.draft_id,
        }
        for due in selectors.status_reports_due(request_user(request))
    ]


@router.post("/status-reports/reminders", response={202: JobStartedOut})
def status_report_reminders(request: HttpRequest) -> Status[dict[str, int]]:
    """Queue the reminder job for your organisation (the PMO)."""
    user = request_user(request)
    if not has_role(user, QA_SCHEDULERS):
        raise AccessDenied("Only the PMO sends reminders.")
    job = job_start(
        acting_user=user,
        kind="governance.status_report_reminders",
        title="Status report reminders",
        params={"organisation_id": organisation_id_of(user)},
    )
    return Status(202, {"job_id": job.pk})


@router.get("/status-reports", response=list[StatusReportOut])
@paginate
def status_report_list_all(
    request: HttpRequest, filters: Query[StatusFilterIn]
) -> QuerySet[StatusReport]:
    """Reports of every project you see, newest period first."""
    return selectors.status_report_list_all(
        request_user(request), status=filters.status, project_id=filters.project
    )


@router.get("/status-reports/{report_id}", response=StatusReportOut)
def status_report_detail(request: HttpRequest, report_id: int) -> StatusReport:
    return selectors.status_report_get(request_user(request), report_id)


@router.patch("/status-reports/{report_id}", response=StatusReportOut)
def status_report_update(
    request: HttpRequest, report_id: int, payload: StatusReportPatchIn
) -> StatusReport:
    return services.status_report_update(
        acting_user=request_user(request),
        report_id=report_id,
        changes=cast(StatusReportFields, _changes(payload)),
    )


@router.delete("/status-reports/{report_id}", response={204: None})
def status_report_delete(request: HttpRequest, report_id: int) -> Status[None]:
    services.status_report_delete(acting_user=request_user(request), report_id=report_id)
    return Status(204, None)


@router.post("/status-reports/{report_id}/refresh-suggestions", response=StatusReportOut)
def status_report_refresh(request: HttpRequest, report_id: int) -> StatusReport:
    return services.status_report_refresh_suggestions(
        acting_user=request_user(request), report_id=report_id
    )


@router.post("/status-reports/{report_id}/submit", response=StatusReportOut)
def status_report_submit(request: HttpRequest, report_id: int) -> StatusReport:
    """Freeze the report; the project's health becomes its overall RAG."""
    return services.status_report_submit(acting_user=request_user(request), report_id=report_id)


# Post-implementation reviews


class PirOut(Schema):
    id: int
    project_id: int
    status: str
    scheduled_for: datetime.date | None
    completed_at: datetime.datetime | None
    reviewer_id: int | None
    summary: str
    went_well: str
    went_badly: str
    benefits_planned: Decimal | None
    benefits_realised: Decimal | None
    benefits_realisation_ratio: Decimal | None


class BenefitLineOut(Schema):
    name: str
    category: str
    planned: Decimal
    realised: Decimal
    months: int
    ratio: Decimal | None


class BenefitsOut(Schema):
    lines: list[BenefitLineOut]
    planned: Decimal
    realised: Decimal
    ratio: Decimal | None


class LessonOut(Schema):
    id: int
    project_id: int | None
    project_code: str | None
    post_implementation_review_id: int | None
    category_id: int | None
    title: str
    description: str
    impact: str
    recommendation: str
    tags: list[str]
    created_by_id: int | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_project_code(lesson: LessonLearned) -> str | None:
        return lesson.project.code if lesson.project else None


class PirDetailOut(Schema):
    project_id: int
    review: PirOut | None
    benefits: BenefitsOut
    lessons: list[LessonOut]
    can_edit: bool


class PirScheduleIn(Schema):
    scheduled_for: datetime.date | None = None
    reviewer_id: int | None = None
    summary: str = ""
    went_well: str = ""
    went_badly: str = ""
    benefits_planned: Decimal | None = None
    benefits_realised: Decimal | None = None


class PirPatchIn(Schema):
    scheduled_for: datetime.date | None = None
    reviewer_id: int | None = None
    status: str | None = None
    summary: str | None = None
    went_well: str | None = None
    went_badly: str | None = None
    benefits_planned: Decimal | None = None
    benefits_realised: Decimal | None = None


@router.get("/projects/{project_id}/pir", response=PirDetailOut)
def pir_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """The review (if any), benefits planned vs realised from finance, and the lessons."""
    detail = selectors.pir_detail(request_user(request), project_id)
    benefits = detail.benefits
    return {
        "project_id": project_id,
        "review": detail.review,
        "benefits": {
            "lines": [
                {
                    "name": line.name,
                    "category": line.category,
                    "planned": line.planned,
                    "realised": line.realised,
                    "months": line.months,
                    "ratio": line.ratio,
                }
                for line in benefits.lines
            ],
            "planned": benefits.planned,
            "realised": benefits.realised,
            "ratio": benefits.ratio,
        },
        "lessons": detail.lessons,
        "can_edit": detail.can_edit,
    }


@router.post("/projects/{project_id}/pir", response={201: PirOut})
def pir_schedule(request: HttpRequest, project_id: int, payload: PirScheduleIn) -> Status[Any]:
    review = services.pir_schedule(
        acting_user=request_user(request),
        project_id=project_id,
        fields=cast(PirFields, _changes(payload)),
    )
    return Status(201, review)


@router.patch("/pirs/{review_id}", response=PirOut)
def pir_update(
    request: HttpRequest, review_id: int, payload: PirPatchIn
) -> PostImplementationReview:
    return services.pir_update(
        acting_user=request_user(request),
        review_id=review_id,
        changes=cast(PirFields, _changes(payload)),
    )


@router.post("/pirs/{review_id}/complete", response=PirOut)
def pir_complete(request: HttpRequest, review_id: int) -> PostImplementationReview:
    """Complete the review: benefits from finance (else the typed figures) and their ratio."""
    return services.pir_complete(acting_user=request_user(request), review_id=review_id)


# Lessons


class LessonIn(Schema):
    title: str
    project_id: int | None = None
    description: str = ""
    impact: str = LessonLearned.Impact.NEGATIVE
    recommendation: str = ""
    tags: list[str] = []
    category_id: int | None = None


class LessonPatchIn(Schema):
    title: str | None = None
    description: str | None = None
    impact: str | None = None
    recommendation: str | None = None
    tags: list[str] | None = None
    category_id: int | None = None


class LessonFilterIn(Schema):
    search: str = ""
    category: int | None = None
    impact: str = ""
    tag: str = ""


@router.get("/lessons", response=list[LessonOut])
@paginate
def lesson_list(request: HttpRequest, filters: Query[LessonFilterIn]) -> QuerySet[LessonLearned]:
    """The lessons library: every word of ``search`` in the title, text or tags."""
    return selectors.lesson_search(
        request_user(request),
        selectors.LessonFilters(
            search=filters.search,
            category_id=filters.category,
            impact=filters.impact,
            tag=filters.tag,
        ),
    )


@router.post("/lessons", response={201: LessonOut})
def lesson_create(request: HttpRequest, payload: LessonIn) -> Status[Any]:
    fields = _changes(payload)
    project_id = fields.pop("project_id", None)
    lesson = services.lesson_create(
        acting_user=request_user(request),
        fields=cast(LessonFields, fields),
        project_id=project_id,
    )
    return Status(201, lesson)


@router.get("/lessons/{lesson_id}", response=LessonOut)
def lesson_detail(request: HttpRequest, lesson_id: int) -> LessonLearned:
    return selectors.lesson_get(request_user(request), lesson_id)


@router.patch("/lessons/{lesson_id}", response=LessonOut)
def lesson_update(request: HttpRequest, lesson_id: int, payload: LessonPatchIn) -> LessonLearned:
    return services.lesson_update(
        acting_user=request_user(request),
        lesson_id=lesson_id,
        changes=cast(LessonFields, _changes(payload)),
    )


@router.delete("/lessons/{lesson_id}", response={204: None})
def lesson_delete(request: HttpRequest, lesson_id: int) -> Status[None]:
    services.lesson_delete(acting_user=request_user(request), lesson_id=lesson_id)
    return Status(204, None)


@router.get("/projects/{project_id}/lesson-suggestions", response=list[LessonOut])
def lesson_suggestions(request: HttpRequest, project_id: int) -> list[LessonLearned]:
    """Lessons of other projects of the same category (else business unit)."""
    return selectors.lesson_suggestions(request_user(request), project_id)


# Benefits realisation and calibration


class RealisationRowOut(Schema):
    id: int | None
    label: str
    planned: Decimal
    realised: Decimal
    ratio: Decimal | None
    reviews: int


class RealisationOut(Schema):
    overall: RealisationRowOut
    by_category: list[RealisationRowOut]
    by_business_unit: list[RealisationRowOut]


class CalibrationOut(Schema):
    project_id: int
    basis: str
    label: str
    ratio: Decimal | None
    reviews: int
    business_case_version: int | None
    npv: float | None
    calibrated_npv: float | None


def _row(row: selectors.RealisationRow) -> dict[str, Any]:
    return {
        "id": row.key,
        "label": row.label,
        "planned": row.planned,
        "realised": row.realised,
        "ratio": row.ratio,
        "reviews": row.reviews,
    }


@router.get("/benefits-realisation", response=RealisationOut)
def benefits_realisation(request: HttpRequest) -> dict[str, Any]:
    """Realised / planned benefits over completed reviews, per category and business unit."""
    summary = selectors.realisation_summary(request_user(request))
    return {
        "overall": _row(summary.overall),
        "by_category": [_row(row) for row in summary.by_category],
        "by_business_unit": [_row(row) for row in summary.by_business_unit],
    }


@router.get("/projects/{project_id}/calibration", response=CalibrationOut)
def project_calibration(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """The realisation ratio of similar projects and the business case NPV calibrated by it."""
    calibration = selectors.project_calibration(request_user(request), project_id)
    return {
        "project_id": project_id,
        "basis": calibration.basis,
        "label": calibration.label,
        "ratio": calibration.ratio,
        "reviews": calibration.reviews,
        "business_case_version": calibration.business_case_version,
        "npv": calibration.npv,
        "calibrated_npv": calibration.calibrated_npv,
    }
