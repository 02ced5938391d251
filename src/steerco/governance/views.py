"""Governance pages: methodology templates, a project's governance, gates, RAID, changes, QA.

Views parse with forms, call one service or selector, and render; service errors come back
beside their fields. ``member_required`` turns ``NotFound`` into 404 and ``AccessDenied``
into 403. Status reports, post-implementation reviews and lessons are in
``reporting_views``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from steerco.accounts.models import User
from steerco.core.access import has_role, organisation_id_of
from steerco.core.errors import AccessDenied, Conflict, ServiceError, ValidationFailed
from steerco.governance import forms as governance_forms
from steerco.governance import selectors, services
from steerco.governance.access import (
    QA_SCHEDULERS,
    access_change_request_by_id,
    access_checklist_item_by_id,
    access_gate_by_id,
    access_gate_review_item_by_id,
    access_governed_project,
    access_guidance_by_id,
    access_methodology_by_id,
    access_phase_by_id,
    access_project_template_by_id,
    access_qa_finding_by_id,
    access_raid_item_by_id,
    access_stage_by_id,
    access_task_template_by_id,
    can_edit_methodology,
    can_edit_qa_review,
)
from steerco.governance.forms import ServiceForm
from steerco.governance.models import (
    ChangeRequest,
    GateReview,
    MethodologyTemplate,
    QaFinding,
    RaidItem,
    TaskTemplate,
)
from steerco.governance.rag_suggestions import risk_band, risk_score
from steerco.projects.access import can_edit_project
from steerco.projects.models import Project
from steerco.web.decorators import member_required, steerco_user

ROWS_PER_PAGE = 50
Options = list[tuple[Any, str]]


# Helpers


def said(error: ServiceError) -> str:
    """The messages of a service error, without field names, for a flash message."""
    if isinstance(error, ValidationFailed):
        return " ".join(message for field in error.errors.values() for message in field)
    return str(error)


def integer(text: str | None) -> int:
    """A posted id; anything unreadable becomes 0, which no row has."""
    try:
        return int(text or 0)
    except ValueError:
        return 0


def people_options(user: User) -> Options:
    return [
        (person.pk, str(person))
        for person in User.objects.filter(organisation_id=organisation_id_of(user), is_active=True)
    ]


def project_options(user: User) -> Options:
    return [
        (pk, f"{code} {name}")
        for pk, code, name in Project.objects.filter(
            organisation_id=organisation_id_of(user)
        ).values_list("pk", "code", "name")
    ]


def form_page(
    request: HttpRequest,
    form: ServiceForm,
    *,
    title: str,
    cancel_url: str,
    save: Callable[[dict[str, Any]], str],
    done: str,
    extra: Mapping[str, Any] | None = None,
    template: str = "governance/form.html",
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save`` (which returns where to go next)."""
    if request.method == "POST" and form.is_valid():
        try:
            next_url = save(form.service_fields())
        except ValidationFailed as error:
            form.add_service_errors(error)
        except Conflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect(next_url)
    context = {"form": form, "title": title, "cancel_url": cancel_url, **(extra or {})}
    return render(request, template, context)


def post_action(
    request: HttpRequest, action: Callable[[], Any], *, done: str, back: str
) -> HttpResponse:
    """Run a POSTed action; its expected failures become a message on the page it came from."""
    try:
        action()
    except (ValidationFailed, Conflict) as error:
        messages.error(request, said(error))
    else:
        messages.success(request, done)
    return redirect(back)


def htmx_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _initial(instance: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


# Home


@member_required
def home(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    context = {
        "awaiting": selectors.gate_reviews_awaiting(user),
        "open_reviews": list(selectors.open_gate_reviews(user)[:20]),
        "due_reports": selectors.status_reports_due(user),
        "changes": list(
            selectors.change_request_list(user, status=ChangeRequest.Status.SUBMITTED)[:20]
        ),
        "findings": list(selectors.qa_findings_open(user)[:20]),
        "methodologies": list(selectors.methodology_list(user)),
        "can_edit_methodology": can_edit_methodology(user),
        "can_remind": has_role(user, QA_SCHEDULERS),
    }
    return render(request, "governance/home.html", context)


# Methodology templates


@member_required
def methodology_list(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    return render(
        request,
        "governance/methodology_list.html",
        {
            "methodologies": selectors.methodology_list(user),
            "can_edit": can_edit_methodology(user),
            "criteria": selectors.criteria_catalogue(),
        },
    )


@member_required
def methodology_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    detail = selectors.methodology_detail(steerco_user(request), template_id)
    return render(
        request,
        "governance/methodology_detail.html",
        {"detail": detail, "template": detail.template},
    )


def _methodology_url(template_id: int, anchor: str = "") -> str:
    url = reverse("governance:methodology", args=[template_id])
    return f"{url}#{anchor}" if anchor else url


@member_required
def methodology_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    if not can_edit_methodology(user):
        raise AccessDenied("Only the PMO may change methodology templates.")
    form = governance_forms.MethodologyForm(request.POST or None)

    def save(fields: dict[str, Any]) -> str:
        template = services.methodology_create(acting_user=user, fields=fields)  # type: ignore[arg-type]
        return _methodology_url(template.pk)

    return form_page(
        request,
        form,
        title="New methodology",
        cancel_url=reverse("governance:methodologies"),
        save=save,
        done="Methodology created.",
    )


@member_required
def methodology_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    template = access_methodology_by_id(user, template_id, for_edit=True)
    names = ["code", "name", "description", "status_report_cadence", "is_default", "is_active"]
    form = governance_forms.MethodologyForm(request.POST or None, initial=_initial(template, names))

    def save(fields: dict[str, Any]) -> str:
        services.methodology_update(acting_user=user, template_id=template.pk, changes=fields)  # type: ignore[arg-type]
        return _methodology_url(template.pk)

    return form_page(
        request,
        form,
        title=f"Edit {template.name}",
        cancel_url=_methodology_url(template.pk),
        save=save,
        done="Methodology saved.",
    )


def _delete(
    request: HttpRequest, delete: Callable[[], Any], *, back: str, done: str, fallback: str
) -> HttpResponse:
    try:
        delete()
    except Conflict as error:
        messages.error(request, str(error))
        return redirect(fallback)
    messages.success(request, done)
    return redirect(back)


@require_POST
@member_required
def methodology_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    return _delete(
        request,
        lambda: services.methodology_delete(acting_user=user, template_id=template_id),
        back=reverse("governance:methodologies"),
        done="Methodology deleted.",
        fallback=_methodology_url(template_id),
    )


def _stage_options(template: MethodologyTemplate) -> Options:
    return [(stage.pk, f"{stage.code} {stage.name}") for stage in template.stages.order_by("order")]


@member_required
def stage_create(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    template = access_methodology_by_id(user, template_id, for_edit=True)
    form = governance_forms.StageForm(request.POST or None)

    def save(fields: dict[str, Any]) -> str:
        services.stage_create(acting_user=user, template_id=template.pk, fields=fields)  # type: ignore[arg-type]
        return _methodology_url(template.pk, "stages")

    return form_page(
        request,
        form,
        title=f"New stage of {template.name}",
        cancel_url=_methodology_url(template.pk, "stages"),
        save=save,
        done="Stage added.",
    )


@member_required
def stage_edit(request: HttpRequest, stage_id: int) -> HttpResponse:
    user = steerco_user(request)
    stage = access_stage_by_id(user, stage_id, for_edit=True)
    names = ["code", "name", "order", "project_stage", "guidance"]
    form = governance_forms.StageForm(request.POST or None, initial=_initial(stage, names))

    def save(fields: dict[str, Any]) -> str:
        services.stage_update(acting_user=user, stage_id=stage.pk, changes=fields)  # type: ignore[arg-type]
        return _methodology_url(stage.template_id, "stages")

    return form_page(
        request,
        form,
        title=f"Edit stage {stage.name}",
        cancel_url=_methodology_url(stage.template_id, "stages"),
        save=save,
        done="Stage saved.",
        extra={"delete_url": reverse("governance:stage_delete", args=[stage.pk])},
    )


@require_POST
@member_required
def stage_delete(request: HttpRequest, stage_id: int) -> HttpResponse:
    user = steerco_user(request)
    stage = access_stage_by_id(user, stage_id)
    back = _methodology_url(stage.template_id, "stages")
    return _delete(
        request,
        lambda: services.stage_delete(acting_user=user, stage_id=stage_id),
        back=back,
        done="Stage deleted.",
        fallback=back,
    )


def _gate_form(request: HttpRequest, template: MethodologyTemplate, **kwargs: Any) -> Any:
    return governance_forms.GateForm(
        request.POST or None,
        stages=_stage_options(template),
        people=people_options(steerco_user(request)),
        **kwargs,
    )


@member_required
def gate_create(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    template = access_methodology_by_id(user, template_id, for_edit=True)
    form = _gate_form(request, template)

    def save(fields: dict[str, Any]) -> str:
        services.gate_create(acting_user=user, template_id=template.pk, fields=fields)  # type: ignore[arg-type]
        return _methodology_url(template.pk, "gates")

    return form_page(
        request,
        form,
        title=f"New gate of {template.name}",
        cancel_url=_methodology_url(template.pk, "gates"),
        save=save,
        done="Gate added.",
    )


@member_required
def gate_edit(request: HttpRequest, gate_id: int) -> HttpResponse:
    user = steerco_user(request)
    gate = access_gate_by_id(user, gate_id, for_edit=True)
    initial = _initial(
        gate,
        ["code", "name", "description", "from_stage_id", "to_stage_id", "order", "approver_roles"],
    )
    initial["approver_ids"] = list(gate.approvers.values_list("pk", flat=True))
    form = _gate_form(request, gate.template, initial=initial)

    def save(fields: dict[str, Any]) -> str:
        services.gate_update(acting_user=user, gate_id=gate.pk, changes=fields)  # type: ignore[arg-type]
        return _methodology_url(gate.template_id, f"gate-{gate.pk}")

    return form_page(
        request,
        form,
        title=f"Edit gate {gate.code} {gate.name}",
        cancel_url=_methodology_url(gate.template_id, f"gate-{gate.pk}"),
        save=save,
        done="Gate saved.",
        extra={"delete_url": reverse("governance:gate_delete", args=[gate.pk])},
    )


@require_POST
@member_required
def gate_delete(request: HttpRequest, gate_id: int) -> HttpResponse:
    user = steerco_user(request)
    gate = access_gate_by_id(user, gate_id)
    back = _methodology_url(gate.template_id, "gates")
    return _delete(
        request,
        lambda: services.gate_delete(acting_user=user, gate_id=gate_id),
        back=back,
        done="Gate deleted.",
        fallback=back,
    )


@member_required
def checklist_item_create(request: HttpRequest, gate_id: int) -> HttpResponse:
    user = steerco_user(request)
    gate = access_gate_by_id(user, gate_id, for_edit=True)
    form = governance_forms.ChecklistItemForm(request.POST or None)

    def save(fields: dict[str, Any]) -> str:
        services.checklist_item_create(acting_user=user, gate_id=gate.pk, fields=fields)  # type: ignore[arg-type]
        return _methodology_url(gate.template_id, f"gate-{gate.pk}")

    return form_page(
        request,
        form,
        title=f"New checklist item of gate {gate.code}",
        cancel_url=_methodology_url(gate.template_id, f"gate-{gate.pk}"),
        save=save,
        done="Checklist item added.",
        extra={"criteria": selectors.criteria_catalogue()},
    )


@member_required
def checklist_item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = steerco_user(request)
    item = access_checklist_item_by_id(user, item_id, for_edit=True)
    initial = _initial(item, ["text", "help_text", "kind", "automatic_rule", "required", "order"])
    initial["params"] = governance_forms.json.dumps(item.params) if item.params else ""
    form = governance_forms.ChecklistItemForm(request.POST or None, initial=initial)
    back = _methodology_url(item.gate.template_id, f"gate-{item.gate_id}")

    def save(fields: dict[str, Any]) -> str:
        services.checklist_item_update(acting_user=user, item_id=item.pk, changes=fields)  # type: ignore[arg-type]
        return back

    return form_page(
        request,
        form,
        title=f"Edit checklist item of gate {item.gate.code}",
        cancel_url=back,
        save=save,
        done="Checklist item saved.",
        extra={
            "criteria": selectors.criteria_catalogue(),
            "delete_url": reverse("governance:checklist_item_delete", args=[item.pk]),
        },
    )


@require_POST
@member_required
def checklist_item_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    user = steerco_user(request)
    item = access_checklist_item_by_id(user, item_id)
    back = _methodology_url(item.gate.template_id, f"gate-{item.gate_id}")
    return _delete(
        request,
        lambda: services.checklist_item_delete(acting_user=user, item_id=item_id),
        back=back,
        done="Checklist item deleted.",
        fallback=back,
    )


@member_required
def project_template_create(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    template = access_methodology_by_id(user, template_id, for_edit=True)
    form = governance_forms.ProjectTemplateForm(request.POST or None)

    def save(fields: dict[str, Any]) -> str:
        created = services.project_template_create(
            acting_user=user,
            template_id=template.pk,
            fields=fields,  # type: ignore[arg-type]
        )
        return _methodology_url(template.pk, f"project-template-{created.pk}")

    return form_page(
        request,
        form,
        title=f"New project template of {template.name}",
        cancel_url=_methodology_url(template.pk, "project-templates"),
        save=save,
        done="Project template added.",
    )


@member_required
def project_template_edit(request: HttpRequest, project_template_id: int) -> HttpResponse:
    user = steerco_user(request)
    project_template = access_project_template_by_id(user, project_template_id, for_edit=True)
    form = governance_forms.ProjectTemplateForm(
        request.POST or None, initial=_initial(project_template, ["code", "name", "description"])
    )
    back = _methodology_url(project_template.template_id, f"project-template-{project_template.pk}")

    def save(fields: dict[str, Any]) -> str:
        services.project_template_update(
            acting_user=user,
            project_template_id=project_template.pk,
            changes=fields,  # type: ignore[arg-type]
        )
        return back

    return form_page(
        request,
        form,
        title=f"Edit project template {project_template.name}",
        cancel_url=back,
        save=save,
        done="Project template saved.",
        extra={
            "delete_url": reverse("governance:project_template_delete", args=[project_template.pk])
        },
    )


@require_POST
@member_required
def project_template_delete(request: HttpRequest, project_template_id: int) -> HttpResponse:
    user = steerco_user(request)
    project_template = access_project_template_by_id(user, project_template_id)
    back = _methodology_url(project_template.template_id, "project-templates")
    return _delete(
        request,
        lambda: services.project_template_delete(
            acting_user=user, project_template_id=project_template_id
        ),
        back=back,
        done="Project template deleted.",
        fallback=back,
    )


@member_required
def phase_create(request: HttpRequest, project_template_id: int) -> HttpResponse:
    user = steerco_user(request)
    project_template = access_project_template_by_id(user, project_template_id, for_edit=True)
    form = governance_forms.PhaseForm(
        request.POST or None, stages=_stage_options(project_template.template)
    )
    back = _methodology_url(project_template.template_id, f"project-template-{project_template.pk}")

    def save(fields: dict[str, Any]) -> str:
        services.phase_create(
            acting_user=user,
            project_template_id=project_template.pk,
            fields=fields,  # type: ignore[arg-type]
        )
        return back

    return form_page(
        request,
        form,
        title=f"New phase of {project_template.name}",
        cancel_url=back,
        save=save,
        done="Phase added.",
    )


@member_required
def phase_edit(request: HttpRequest, phase_id: int) -> HttpResponse:
    user = steerco_user(request)
    phase = access_phase_by_id(user, phase_id, for_edit=True)
    project_template = phase.project_template
    form = governance_forms.PhaseForm(
        request.POST or None,
        stages=_stage_options(project_template.template),
        initial=_initial(phase, ["name", "order", "stage_id"]),
    )
    back = _methodology_url(project_template.template_id, f"project-template-{project_template.pk}")

    def save(fields: dict[str, Any]) -> str:
        services.phase_update(acting_user=user, phase_id=phase.pk, changes=fields)  # type: ignore[arg-type]
        return back

    return form_page(
        request,
        form,
        title=f"Edit phase {phase.name}",
        cancel_url=back,
        save=save,
        done="Phase saved.",
        extra={"delete_url": reverse("governance:phase_delete", args=[phase.pk])},
    )


@require_POST
@member_required
def phase_delete(request: HttpRequest, phase_id: int) -> HttpResponse:
    user = steerco_user(request)
    phase = access_phase_by_id(user, phase_id)
    back = _methodology_url(phase.project_template.template_id, "project-templates")
    return _delete(
        request,
        lambda: services.phase_delete(acting_user=user, phase_id=phase_id),
        back=back,
        done="Phase deleted.",
        fallback=back,
    )


def _task_options(project_template_id: int, exclude: int | None = None) -> Options:
    rows = TaskTemplate.objects.filter(phase__project_template_id=project_template_id)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return [
        (task.pk, f"{task.phase.name}: {task.name}")
        for task in rows.select_related("phase").order_by("phase__order", "order")
    ]


@member_required
def task_template_create(request: HttpRequest, phase_id: int) -> HttpResponse:
    user = steerco_user(request)
    phase = access_phase_by_id(user, phase_id, for_edit=True)
    form = governance_forms.TaskTemplateForm(
        request.POST or None, tasks=_task_options(phase.project_template_id)
    )
    back = _methodology_url(
        phase.project_template.template_id, f"project-template-{phase.project_template_id}"
    )

    def save(fields: dict[str, Any]) -> str:
        services.task_template_create(acting_user=user, phase_id=phase.pk, fields=fields)  # type: ignore[arg-type]
        return back

    return form_page(
        request,
        form,
        title=f"New task in phase {phase.name}",
        cancel_url=back,
        save=save,
        done="Task template added.",
    )


@member_required
def task_template_edit(request: HttpRequest, task_template_id: int) -> HttpResponse:
    user = steerco_user(request)
    task_template = access_task_template_by_id(user, task_template_id, for_edit=True)
    phase = task_template.phase
    initial = _initial(
        task_template,
        ["name", "order", "duration_days", "is_milestone", "role_code", "work_hours"],
    )
    initial["predecessor_ids"] = list(task_template.predecessors.values_list("pk", flat=True))
    form = governance_forms.TaskTemplateForm(
        request.POST or None,
        tasks=_task_options(phase.project_template_id, exclude=task_template.pk),
        initial=initial,
    )
    back = _methodology_url(
        phase.project_template.template_id, f"project-template-{phase.project_template_id}"
    )

    def save(fields: dict[str, Any]) -> str:
        services.task_template_update(
            acting_user=user,
            task_template_id=task_template.pk,
            changes=fields,  # type: ignore[arg-type]
        )
        return back

    return form_page(
        request,
        form,
        title=f"Edit task {task_template.name}",
        cancel_url=back,
        save=save,
        done="Task template saved.",
        extra={"delete_url": reverse("governance:task_template_delete", args=[task_template.pk])},
    )


@require_POST
@member_required
def task_template_delete(request: HttpRequest, task_template_id: int) -> HttpResponse:
    user = steerco_user(request)
    task_template = access_task_template_by_id(user, task_template_id)
    back = _methodology_url(
        task_template.phase.project_template.template_id,
        f"project-template-{task_template.phase.project_template_id}",
    )
    return _delete(
        request,
        lambda: services.task_template_delete(acting_user=user, task_template_id=task_template_id),
        back=back,
        done="Task template deleted.",
        fallback=back,
    )


@member_required
def guidance_view(request: HttpRequest, page_id: int) -> HttpResponse:
    user = steerco_user(request)
    page, html = selectors.guidance_page(user, page_id)
    return render(
        request,
        "governance/guidance.html",
        {"page": page, "html": html, "can_edit": can_edit_methodology(user)},
    )


@member_required
def guidance_create(request: HttpRequest, template_id: int) -> HttpResponse:
    user = steerco_user(request)
    template = access_methodology_by_id(user, template_id, for_edit=True)
    form = governance_forms.GuidanceForm(request.POST or None, stages=_stage_options(template))

    def save(fields: dict[str, Any]) -> str:
        page = services.guidance_create(acting_user=user, template_id=template.pk, fields=fields)  # type: ignore[arg-type]
        return reverse("governance:guidance", args=[page.pk])

    return form_page(
        request,
        form,
        title=f"New guidance page of {template.name}",
        cancel_url=_methodology_url(template.pk, "guidance"),
        save=save,
        done="Guidance page added.",
    )


@member_required
def guidance_edit(request: HttpRequest, page_id: int) -> HttpResponse:
    user = steerco_user(request)
    page = access_guidance_by_id(user, page_id, for_edit=True)
    form = governance_forms.GuidanceForm(
        request.POST or None,
        stages=_stage_options(page.template),
        initial=_initial(page, ["title", "slug", "stage_id", "order", "body"]),
    )

    def save(fields: dict[str, Any]) -> str:
        services.guidance_update(acting_user=user, page_id=page.pk, changes=fields)  # type: ignore[arg-type]
        return reverse("governance:guidance", args=[page.pk])

    return form_page(
        request,
        form,
        title=f"Edit {page.title}",
        cancel_url=reverse("governance:guidance", args=[page.pk]),
        save=save,
        done="Guidance page saved.",
        extra={"delete_url": reverse("governance:guidance_delete", args=[page.pk])},
    )


@require_POST
@member_required
def guidance_delete(request: HttpRequest, page_id: int) -> HttpResponse:
    user = steerco_user(request)
    page = access_guidance_by_id(user, page_id)
    back = _methodology_url(page.template_id, "guidance")
    return _delete(
        request,
        lambda: services.guidance_delete(acting_user=user, page_id=page_id),
        back=back,
        done="Guidance page deleted.",
        fallback=reverse("governance:guidance", args=[page_id]),
    )


# A project's governance


@member_required
def project_governance(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    overview = selectors.project_governance(user, project_id)
    project_templates = []
    if overview.methodology is not None and overview.can_edit:
        project_templates = list(overview.methodology.project_templates.order_by("name"))
    return render(
        request,
        "governance/project.html",
        {
            "overview": overview,
            "project": overview.project,
            "tab": "overview",
            "project_templates": project_templates,
            "has_tasks": overview.project.tasks.exists(),
        },
    )


@require_POST
@member_required
def project_template_apply(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    back = reverse("governance:project", args=[project_id])

    def apply() -> None:
        tasks = services.project_template_apply(
            acting_user=user,
            project_template_id=integer(request.POST.get("project_template_id")),
            project_id=project_id,
        )
        messages.info(request, f"{len(tasks)} tasks created.")

    return post_action(request, apply, done="Template applied to the schedule.", back=back)


@require_POST
@member_required
def gate_request(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    try:
        review = services.gate_review_request(
            acting_user=user, project_id=project_id, gate_id=integer(request.POST.get("gate_id"))
        )
    except (ValidationFailed, Conflict) as error:
        messages.error(request, said(error))
        return redirect("governance:project", project_id=project_id)
    messages.success(request, f"Gate {review.gate.code} requested.")
    return redirect("governance:gate_review", review_id=review.pk)


@member_required
def gate_review(request: HttpRequest, review_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.gate_review_detail(user, review_id)
    return render(
        request,
        "governance/gate_review.html",
        {
            "detail": detail,
            "review": detail.review,
            "project": detail.review.project,
            "tab": "overview",
            "decisions": [
                (value, label)
                for value, label in GateReview.Status.choices
                if value not in (GateReview.Status.REQUESTED, GateReview.Status.WITHDRAWN)
            ],
        },
    )


@require_POST
@member_required
def gate_review_evaluate(request: HttpRequest, review_id: int) -> HttpResponse:
    user = steerco_user(request)
    return post_action(
        request,
        lambda: services.gate_review_evaluate(acting_user=user, review_id=review_id),
        done="Criteria checked again.",
        back=reverse("governance:gate_review", args=[review_id]),
    )


@require_POST
@member_required
def gate_review_item_check(request: HttpRequest, item_id: int) -> HttpResponse:
    user = steerco_user(request)
    item = access_gate_review_item_by_id(user, item_id)
    answer = request.POST.get("satisfied", "")
    satisfied = {"yes": True, "no": False}.get(answer)
    return post_action(
        request,
        lambda: services.gate_review_item_check(
            acting_user=user,
            item_id=item_id,
            satisfied=satisfied,
            evidence=request.POST.get("evidence", ""),
        ),
        done="Checklist item recorded.",
        back=reverse("governance:gate_review", args=[item.review_id]) + f"#item-{item.pk}",
    )


@require_POST
@member_required
def gate_review_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    user = steerco_user(request)
    due_text = request.POST.get("conditions_due", "")
    try:
        due = datetime.date.fromisoformat(due_text) if due_text else None
    except ValueError:
        messages.error(request, "Give the conditions' due date as a date.")
        return redirect("governance:gate_review", review_id=review_id)
    return post_action(
        request,
        lambda: services.gate_review_decide(
            acting_user=user,
            review_id=review_id,
            decision=request.POST.get("decision", ""),
            comments=request.POST.get("comments", ""),
            conditions=request.POST.get("conditions", ""),
            conditions_due=due,
        ),
        done="Decision recorded.",
        back=reverse("governance:gate_review", args=[review_id]),
    )


@require_POST
@member_required
def gate_review_withdraw(request: HttpRequest, review_id: int) -> HttpResponse:
    user = steerco_user(request)
    return post_action(
        request,
        lambda: services.gate_review_withdraw(acting_user=user, review_id=review_id),
        done="Request withdrawn.",
        back=reverse("governance:gate_review", args=[review_id]),
    )


# RAID


def _raid_rows(items: Any) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        score = risk_score(item.probability, item.impact)
        rows.append({"item": item, "score": score, "band": risk_band(score)})
    return rows


@member_required
def raid_log(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id)
    filter_form = governance_forms.RaidFilterForm(request.GET)
    filter_form.is_valid()
    data = getattr(filter_form, "cleaned_data", {})
    filters = selectors.RaidFilters(
        kind=data.get("kind") or "",
        status=data.get("status") or "",
        search=data.get("search") or "",
    )
    page = Paginator(selectors.raid_list(user, project_id, filters), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "project": project,
        "tab": "raid",
        "filter_form": filter_form,
        "page": page,
        "rows": _raid_rows(page.object_list),
        "can_edit": can_edit_project(user, project),
    }
    template = "governance/_raid_table.html" if htmx_fragment(request) else "governance/raid.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


RAID_NAMES = [
    "kind",
    "title",
    "description",
    "owner_id",
    "status",
    "probability",
    "impact",
    "cost_impact",
    "schedule_impact_days",
    "response_strategy",
    "response",
    "trend",
    "due_date",
    "depends_on_project_id",
]


@member_required
def raid_create(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id, for_edit=True)
    form = governance_forms.RaidItemForm(
        request.POST or None,
        people=people_options(user),
        projects=[option for option in project_options(user) if option[0] != project.pk],
        initial={"kind": request.GET.get("kind", "risk"), "owner_id": project.manager_id},
    )

    def save(fields: dict[str, Any]) -> str:
        services.raid_item_create(acting_user=user, project_id=project.pk, fields=fields)  # type: ignore[arg-type]
        return reverse("governance:raid", args=[project.pk])

    return form_page(
        request,
        form,
        title=f"New RAID item on {project.code}",
        cancel_url=reverse("governance:raid", args=[project.pk]),
        save=save,
        done="RAID item raised.",
        extra={"project": project},
    )


@member_required
def raid_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = steerco_user(request)
    item = access_raid_item_by_id(user, item_id)
    editable = can_edit_project(user, item.project)
    if request.method == "POST" and not editable:
        access_raid_item_by_id(user, item_id, for_edit=True)
    form = governance_forms.RaidItemForm(
        request.POST or None,
        people=people_options(user),
        projects=[option for option in project_options(user) if option[0] != item.project_id],
        initial=_initial(item, RAID_NAMES),
        editing=True,
    )
    if not editable:
        # Everyone on the project reads the item; only its editors change it.
        for field in form.fields.values():
            field.disabled = True

    def save(fields: dict[str, Any]) -> str:
        services.raid_item_update(acting_user=user, item_id=item.pk, changes=fields)  # type: ignore[arg-type]
        return reverse("governance:raid", args=[item.project_id])

    return form_page(
        request,
        form,
        title=f"{item.ref} · {item.title}",
        cancel_url=reverse("governance:raid", args=[item.project_id]),
        save=save,
        done=f"{item.ref} saved.",
        extra={
            "project": item.project,
            "read_only": not editable,
            "comments_type": "governance.raiditem",
            "comments_id": item.pk,
        },
    )


@require_POST
@member_required
def raid_reviewed(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    return post_action(
        request,
        lambda: services.raid_register_review(acting_user=user, project_id=project_id),
        done="RAID log marked as reviewed today.",
        back=reverse("governance:raid", args=[project_id]),
    )


@member_required
def dependencies(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    rows = selectors.raid_list_all(
        user, selectors.RaidFilters(kind=RaidItem.Kind.DEPENDENCY, open_only=True)
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "governance/dependencies.html", {"page": page})


# Change requests

CHANGE_NAMES = [
    "title",
    "description",
    "reason",
    "cost_impact",
    "schedule_impact_days",
    "scope_impact",
]


@member_required
def change_request_list(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id)
    return render(
        request,
        "governance/change_requests.html",
        {
            "project": project,
            "tab": "changes",
            "changes": selectors.change_request_list(user, project_id),
            "can_edit": can_edit_project(user, project),
        },
    )


@member_required
def change_board(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    status = request.GET.get("status", ChangeRequest.Status.SUBMITTED)
    if status not in ChangeRequest.Status.values:
        status = ""
    page = Paginator(selectors.change_request_list(user, status=status), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "governance/change_board.html",
        {"page": page, "status": status, "statuses": ChangeRequest.Status.choices},
    )


@member_required
def change_request_create(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id, for_edit=True)
    form = governance_forms.ChangeRequestForm(request.POST or None)

    def save(fields: dict[str, Any]) -> str:
        created = services.change_request_create(
            acting_user=user,
            project_id=project.pk,
            fields=fields,  # type: ignore[arg-type]
        )
        return reverse("governance:change_request", args=[created.pk])

    return form_page(
        request,
        form,
        title=f"New change request on {project.code}",
        cancel_url=reverse("governance:change_requests", args=[project.pk]),
        save=save,
        done="Change request drafted.",
        extra={"project": project},
    )


@member_required
def change_request_detail(request: HttpRequest, change_request_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.change_request_detail(user, change_request_id)
    return render(
        request,
        "governance/change_request.html",
        {
            "detail": detail,
            "change": detail.change_request,
            "project": detail.change_request.project,
            "tab": "changes",
        },
    )


@member_required
def change_request_edit(request: HttpRequest, change_request_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.change_request_detail(user, change_request_id)
    change = detail.change_request
    if not detail.can_edit:
        access_change_request_by_id(user, change_request_id, for_edit=True)
        messages.error(request, "Only a draft can change.")
        return redirect("governance:change_request", change_request_id=change.pk)
    form = governance_forms.ChangeRequestForm(
        request.POST or None, initial=_initial(change, CHANGE_NAMES)
    )

    def save(fields: dict[str, Any]) -> str:
        services.change_request_update(
            acting_user=user,
            change_request_id=change.pk,
            changes=fields,  # type: ignore[arg-type]
        )
        return reverse("governance:change_request", args=[change.pk])

    return form_page(
        request,
        form,
        title=f"Edit {change.ref}",
        cancel_url=reverse("governance:change_request", args=[change.pk]),
        save=save,
        done=f"{change.ref} saved.",
        extra={"project": change.project},
    )


@require_POST
@member_required
def change_request_action(
    request: HttpRequest, change_request_id: int, action: str
) -> HttpResponse:
    user = steerco_user(request)
    reason = request.POST.get("reason", "")
    back = reverse("governance:change_request", args=[change_request_id])
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "submit": (
            lambda: services.change_request_submit(
                acting_user=user, change_request_id=change_request_id
            ),
            "Change request submitted to the change board.",
        ),
        "approve": (
            lambda: services.change_request_approve(
                acting_user=user, change_request_id=change_request_id, reason=reason
            ),
            "Change request approved.",
        ),
        "reject": (
            lambda: services.change_request_reject(
                acting_user=user, change_request_id=change_request_id, reason=reason
            ),
            "Change request rejected.",
        ),
        "apply": (
            lambda: services.change_request_apply(
                acting_user=user, change_request_id=change_request_id
            ),
            "Change applied to a new baseline.",
        ),
    }
    if action not in (*actions, "delete"):
        raise Http404(f"No action {action!r} on change requests.")
    if action == "delete":
        detail = selectors.change_request_detail(user, change_request_id)
        return _delete(
            request,
            lambda: services.change_request_delete(
                acting_user=user, change_request_id=change_request_id
            ),
            back=reverse("governance:change_requests", args=[detail.change_request.project_id]),
            done="Draft deleted.",
            fallback=back,
        )
    run, done = actions[action]
    return post_action(request, run, done=done, back=back)


# QA reviews


@member_required
def qa_list(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id)
    can_schedule = has_role(user, QA_SCHEDULERS)
    form = (
        governance_forms.QaReviewForm(
            request.POST or None, people=people_options(user), scheduling=True
        )
        if can_schedule
        else None
    )
    if request.method == "POST":
        if form is None:
            raise AccessDenied("Only the PMO schedules QA reviews.")
        if form.is_valid():
            try:
                review = services.qa_review_create(
                    acting_user=user,
                    project_id=project.pk,
                    fields=form.service_fields(),  # type: ignore[arg-type]
                )
            except ValidationFailed as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "QA review scheduled.")
                return redirect("governance:qa_review", review_id=review.pk)
    return render(
        request,
        "governance/qa_list.html",
        {
            "project": project,
            "tab": "qa",
            "reviews": selectors.qa_review_list(user, project_id),
            "form": form,
        },
    )


@member_required
def qa_review(request: HttpRequest, review_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.qa_review_detail(user, review_id)
    review = detail.review
    people = people_options(user)
    edit_form = finding_form = None
    if detail.can_edit:
        edit_form = governance_forms.QaReviewForm(
            request.POST if request.POST.get("form") == "review" else None,
            people=people,
            initial=_initial(
                review, ["title", "scheduled_for", "reviewer_id", "status", "rating", "summary"]
            ),
        )
        finding_form = governance_forms.QaFindingForm(
            request.POST if request.POST.get("form") == "finding" else None,
            people=people,
            creating=True,
            initial={"owner_id": review.project.manager_id},
        )
    if request.method == "POST":
        posted = request.POST.get("form")
        form: ServiceForm | None = edit_form if posted == "review" else finding_form
        if form is None:
            raise AccessDenied("Only the reviewer or the PMO may change this QA review.")
        if form.is_valid():
            try:
                if posted == "review":
                    services.qa_review_update(
                        acting_user=user,
                        review_id=review.pk,
                        changes=form.service_fields(),  # type: ignore[arg-type]
                    )
                else:
                    services.qa_finding_create(
                        acting_user=user,
                        review_id=review.pk,
                        fields=form.service_fields(),  # type: ignore[arg-type]
                    )
            except ValidationFailed as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Saved.")
                return redirect("governance:qa_review", review_id=review.pk)
    return render(
        request,
        "governance/qa_review.html",
        {
            "detail": detail,
            "review": review,
            "project": review.project,
            "tab": "qa",
            "edit_form": edit_form,
            "finding_form": finding_form,
        },
    )


@member_required
def qa_finding_edit(request: HttpRequest, finding_id: int) -> HttpResponse:
    user = steerco_user(request)
    finding = access_qa_finding_by_id(user, finding_id, for_edit=True)
    limited = not can_edit_qa_review(user, finding.review)
    form = governance_forms.QaFindingForm(
        request.POST or None,
        people=people_options(user),
        limited=limited,
        initial=_initial(
            finding, ["severity", "description", "action", "owner_id", "due_date", "status"]
        ),
    )
    back = reverse("governance:qa_review", args=[finding.review_id])

    def save(fields: dict[str, Any]) -> str:
        services.qa_finding_update(acting_user=user, finding_id=finding.pk, changes=fields)  # type: ignore[arg-type]
        return back

    return form_page(
        request,
        form,
        title="QA finding",
        cancel_url=back,
        save=save,
        done="Finding saved.",
        extra={"project": finding.review.project, "intro": finding.description},
    )


@member_required
def qa_findings(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    page = Paginator(selectors.qa_findings_open(user), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "governance/qa_findings.html",
        {"page": page, "today": timezone.localdate(), "closed": QaFinding.Status.CLOSED},
    )
