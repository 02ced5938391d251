"""Who may see and change governance records.

- Methodology templates (stages, gates, checklists, project templates, guidance) are
  read by every member of the organisation and changed by administrators and PMO analysts.
- Everything about one project (gate reviews, QA reviews, RAID, change requests, status
  reports, post-implementation reviews) is seen by whoever sees the project
  (``steerco.projects.access``) and changed by whoever may change the project.
- A gate is decided by its named approvers and by holders of its approver roles; a gate
  with neither is decided by the PMO (administrators, PMO analysts, portfolio managers).
- Change requests are decided by the change board (administrators, PMO analysts, portfolio
  managers, executives) or the project's sponsor, never by the person who asked.
- QA reviews are scheduled by the PMO; their reviewer records findings; a finding's owner
  or the project's manager works it to closure.
- The lessons library is read by every member of the organisation.
- Another organisation's records are "not found", never "forbidden".
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from steerco.accounts.models import Role, User
from steerco.core.access import (
    ANY_PROJECT_EDITORS,
    ModelT,
    access_visible_by_id,
    has_role,
    is_active_member,
    organisation_rows,
)
from steerco.core.errors import AccessDenied, NotFound
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
from steerco.projects.access import can_edit_project, projects_visible_to
from steerco.projects.models import Project

TEMPLATE_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})
# Who decides a gate whose template names no approver at all.
DEFAULT_GATE_DECIDERS = ANY_PROJECT_EDITORS
CHANGE_BOARD = frozenset(
    {Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER, Role.EXECUTIVE}
)
QA_SCHEDULERS = ANY_PROJECT_EDITORS
LESSON_CURATORS = ANY_PROJECT_EDITORS


# Methodology templates


def can_edit_methodology(user: User) -> bool:
    return has_role(user, TEMPLATE_EDITORS)


def methodologies_visible_to(user: User) -> QuerySet[MethodologyTemplate]:
    return organisation_rows(user, MethodologyTemplate.objects.all())


def _require_template_editor(user: User) -> None:
    if not can_edit_methodology(user):
        raise AccessDenied("Only the PMO may change methodology templates.")


# How each part of a methodology template reaches its template, and what a user calls it.
_TEMPLATE_PARTS: dict[type[Model], tuple[str, str]] = {
    LifecycleStage: ("template", "lifecycle stage"),
    Gate: ("template", "gate"),
    GateChecklistItem: ("gate__template", "checklist item"),
    ProjectTemplate: ("template", "project template"),
    PhaseTemplate: ("project_template__template", "phase template"),
    TaskTemplate: ("phase__project_template__template", "task template"),
    GuidancePage: ("template", "guidance page"),
}


def _access_template_part(
    user: User, parts: QuerySet[ModelT], part_id: int, *, for_edit: bool
) -> ModelT:
    """The part ``part_id`` of ``parts``, if its template is one ``user`` may see (and change)."""
    template_path, what = _TEMPLATE_PARTS[parts.model]
    visible = parts.filter(**{f"{template_path}__in": methodologies_visible_to(user)})
    return access_visible_by_id(
        user,
        visible,
        part_id,
        what=what,
        require_editor=_require_template_editor,
        for_edit=for_edit,
    )


def access_methodology_by_id(
    user: User, template_id: int, *, for_edit: bool = False
) -> MethodologyTemplate:
    return access_visible_by_id(
        user,
        methodologies_visible_to(user),
        template_id,
        what="methodology template",
        require_editor=_require_template_editor,
        for_edit=for_edit,
    )


def access_stage_by_id(user: User, stage_id: int, *, for_edit: bool = False) -> LifecycleStage:
    stages = LifecycleStage.objects.select_related("template")
    return _access_template_part(user, stages, stage_id, for_edit=for_edit)


def access_gate_by_id(user: User, gate_id: int, *, for_edit: bool = False) -> Gate:
    gates = Gate.objects.select_related("template", "from_stage", "to_stage")
    return _access_template_part(user, gates, gate_id, for_edit=for_edit)


def access_checklist_item_by_id(
    user: User, item_id: int, *, for_edit: bool = False
) -> GateChecklistItem:
    items = GateChecklistItem.objects.select_related("gate__template")
    return _access_template_part(user, items, item_id, for_edit=for_edit)


def access_project_template_by_id(
    user: User, project_template_id: int, *, for_edit: bool = False
) -> ProjectTemplate:
    project_templates = ProjectTemplate.objects.select_related("template")
    return _access_template_part(user, project_templates, project_template_id, for_edit=for_edit)


def access_phase_by_id(user: User, phase_id: int, *, for_edit: bool = False) -> PhaseTemplate:
    phases = PhaseTemplate.objects.select_related("project_template__template")
    return _access_template_part(user, phases, phase_id, for_edit=for_edit)


def access_task_template_by_id(
    user: User, task_template_id: int, *, for_edit: bool = False
) -> TaskTemplate:
    task_templates = TaskTemplate.objects.select_related("phase__project_template__template")
    return _access_template_part(user, task_templates, task_template_id, for_edit=for_edit)


def access_guidance_by_id(user: User, page_id: int, *, for_edit: bool = False) -> GuidancePage:
    pages = GuidancePage.objects.select_related("template", "stage")
    return _access_template_part(user, pages, page_id, for_edit=for_edit)


# Project-level records


def access_governed_project(user: User, project_id: int, *, for_edit: bool = False) -> Project:
    """The project (with its methodology loaded), if ``user`` may see it (and change it)."""
    project = (
        projects_visible_to(user)
        .select_related("organisation", "methodology", "lifecycle_stage", "category")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound(f"No project {project_id}.")
    if for_edit and not can_edit_project(user, project):
        raise AccessDenied("Only the project's manager or the PMO may change this project.")
    return project


def _require_project_editor(user: User, project: Project, what: str) -> None:
    if not can_edit_project(user, project):
        raise AccessDenied(f"Only the project's manager or the PMO may change {what}.")


def access_gate_review_by_id(user: User, review_id: int, *, for_edit: bool = False) -> GateReview:
    review = (
        GateReview.objects.select_related(
            "project", "gate__from_stage", "gate__to_stage", "gate__template"
        )
        .filter(pk=review_id, project__in=projects_visible_to(user))
        .first()
    )
    if review is None:
        raise NotFound(f"No gate review {review_id}.")
    if for_edit:
        _require_project_editor(user, review.project, "this gate review")
    return review


def access_gate_review_item_by_id(user: User, item_id: int) -> GateReviewItem:
    item = (
        GateReviewItem.objects.select_related("review__project", "review__gate", "checklist_item")
        .filter(pk=item_id, review__project__in=projects_visible_to(user))
        .first()
    )
    if item is None:
        raise NotFound(f"No gate review item {item_id}.")
    return item


def can_decide_gate(user: User, gate: Gate) -> bool:
    """Named approvers and holders of an approver role decide; the PMO when nobody is named."""
    if not is_active_member(user) or gate.template.organisation_id != user.organisation_id:
        return False
    if user.role in (gate.approver_roles or []):
        return True
    named = {approver.pk for approver in gate.approvers.all()}
    if user.pk in named:
        return True
    if not named and not gate.approver_roles:
        return has_role(user, DEFAULT_GATE_DECIDERS)
    return False


def access_qa_review_by_id(user: User, review_id: int, *, for_edit: bool = False) -> QaReview:
    review = (
        QaReview.objects.select_related("project", "reviewer")
        .filter(pk=review_id, project__in=projects_visible_to(user))
        .first()
    )
    if review is None:
        raise NotFound(f"No QA review {review_id}.")
    if for_edit and not can_edit_qa_review(user, review):
        raise AccessDenied("Only the reviewer or the PMO may change this QA review.")
    return review


def can_edit_qa_review(user: User, review: QaReview) -> bool:
    if has_role(user, QA_SCHEDULERS):
        return True
    return is_active_member(user) and review.reviewer_id == user.pk


def access_qa_finding_by_id(user: User, finding_id: int, *, for_edit: bool = False) -> QaFinding:
    finding = (
        QaFinding.objects.select_related("review__project", "owner")
        .filter(pk=finding_id, review__project__in=projects_visible_to(user))
        .first()
    )
    if finding is None:
        raise NotFound(f"No QA finding {finding_id}.")
    if for_edit and not can_work_qa_finding(user, finding):
        raise AccessDenied(
            "Only the finding's owner, the project's manager, the reviewer or the PMO may "
            "change this finding."
        )
    return finding


def can_work_qa_finding(user: User, finding: QaFinding) -> bool:
    if can_edit_qa_review(user, finding.review):
        return True
    if is_active_member(user) and finding.owner_id == user.pk:
        return True
    return can_edit_project(user, finding.review.project)


def access_raid_item_by_id(user: User, item_id: int, *, for_edit: bool = False) -> RaidItem:
    item = (
        RaidItem.objects.select_related("project", "owner", "depends_on_project")
        .filter(pk=item_id, project__in=projects_visible_to(user))
        .first()
    )
    if item is None:
        raise NotFound(f"No RAID item {item_id}.")
    if for_edit:
        _require_project_editor(user, item.project, "this RAID log")
    return item


def access_change_request_by_id(
    user: User, change_request_id: int, *, for_edit: bool = False
) -> ChangeRequest:
    change_request = (
        ChangeRequest.objects.select_related("project", "requested_by", "decided_by")
        .filter(pk=change_request_id, project__in=projects_visible_to(user))
        .first()
    )
    if change_request is None:
        raise NotFound(f"No change request {change_request_id}.")
    if for_edit:
        _require_project_editor(user, change_request.project, "this change request")
    return change_request


def can_decide_change(user: User, change_request: ChangeRequest) -> bool:
    if not is_active_member(user) or change_request.requested_by_id == user.pk:
        return False
    if has_role(user, CHANGE_BOARD):
        return True
    return change_request.project.sponsor_id == user.pk


def access_status_report_by_id(
    user: User, report_id: int, *, for_edit: bool = False
) -> StatusReport:
    report = (
        StatusReport.objects.select_related("project", "author")
        .filter(pk=report_id, project__in=projects_visible_to(user))
        .first()
    )
    if report is None:
        raise NotFound(f"No status report {report_id}.")
    if for_edit:
        _require_project_editor(user, report.project, "this status report")
    return report


def access_pir_by_id(
    user: User, review_id: int, *, for_edit: bool = False
) -> PostImplementationReview:
    review = (
        PostImplementationReview.objects.select_related("project", "reviewer")
        .filter(pk=review_id, project__in=projects_visible_to(user))
        .first()
    )
    if review is None:
        raise NotFound(f"No post-implementation review {review_id}.")
    if for_edit and not can_edit_pir(user, review):
        raise AccessDenied(
            "Only the project's manager, the reviewer or the PMO may change this review."
        )
    return review


def can_edit_pir(user: User, review: PostImplementationReview) -> bool:
    if is_active_member(user) and review.reviewer_id == user.pk:
        return True
    return can_edit_project(user, review.project)


def lessons_visible_to(user: User) -> QuerySet[LessonLearned]:
    return organisation_rows(user, LessonLearned.objects.all())


def access_lesson_by_id(user: User, lesson_id: int, *, for_edit: bool = False) -> LessonLearned:
    lesson = (
        lessons_visible_to(user).select_related("project", "category").filter(pk=lesson_id).first()
    )
    if lesson is None:
        raise NotFound(f"No lesson {lesson_id}.")
    if for_edit and not can_edit_lesson(user, lesson):
        raise AccessDenied("Only its author, the project's manager or the PMO may change it.")
    return lesson


def can_edit_lesson(user: User, lesson: LessonLearned) -> bool:
    if has_role(user, LESSON_CURATORS):
        return True
    if is_active_member(user) and lesson.created_by_id == user.pk:
        return True
    return lesson.project is not None and can_edit_project(user, lesson.project)
