"""Writes to methodology templates: stages, gates, checklists, project templates, guidance.

Only the PMO (administrators and PMO analysts) changes templates. Every service checks
access, validates every field before writing, writes, and records an audit row, in one
transaction. Applying a project template to a project creates its tasks and links through
the projects app's own ``task_create`` and ``link_create`` services.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max, Model, ProtectedError, RestrictedError
from django.utils.text import slugify

from steerco.accounts.models import Role, User, code_validator
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict
from steerco.core.models import AuditEntry
from steerco.governance import criteria
from steerco.governance.access import (
    access_checklist_item_by_id,
    access_gate_by_id,
    access_guidance_by_id,
    access_methodology_by_id,
    access_phase_by_id,
    access_project_template_by_id,
    access_stage_by_id,
    access_task_template_by_id,
    can_edit_methodology,
)
from steerco.governance.models import (
    Gate,
    GateChecklistItem,
    GuidancePage,
    LifecycleStage,
    MethodologyTemplate,
    PhaseTemplate,
    ProjectTemplate,
    TaskTemplate,
)
from steerco.governance.validation import (
    NOT_FOUND,
    Errors,
    as_decimal,
    check_bool,
    check_choice,
    check_decimal,
    check_int,
    check_reference,
    check_text,
    differs,
    is_int,
    reject_unknown,
)
from steerco.projects import services as project_services
from steerco.projects.access import access_project_by_id
from steerco.projects.models import Calendar, Project, Task

Action = AuditEntry.Action
DEFAULT_HOURS_PER_DAY = Decimal(8)


class MethodologyFields(TypedDict, total=False):
    code: str
    name: str
    description: str
    status_report_cadence: str
    is_default: bool
    is_active: bool


class StageFields(TypedDict, total=False):
    code: str
    name: str
    order: int
    project_stage: str
    guidance: str


class GateFields(TypedDict, total=False):
    code: str
    name: str
    description: str
    from_stage_id: int
    to_stage_id: int
    order: int
    approver_ids: list[int]
    approver_roles: list[str]


class ChecklistItemFields(TypedDict, total=False):
    text: str
    help_text: str
    kind: str
    automatic_rule: str
    params: dict[str, Any]
    required: bool
    order: int


class ProjectTemplateFields(TypedDict, total=False):
    code: str
    name: str
    description: str


class PhaseFields(TypedDict, total=False):
    name: str
    order: int
    stage_id: int | None


class TaskTemplateFields(TypedDict, total=False):
    name: str
    order: int
    duration_days: Decimal
    is_milestone: bool
    role_code: str
    work_hours: Decimal
    predecessor_ids: list[int]


class GuidanceFields(TypedDict, total=False):
    title: str
    slug: str
    body: str
    order: int
    stage_id: int | None


# Shared steps


def _require_editor(acting_user: User) -> None:
    if not can_edit_methodology(acting_user):
        raise AccessDenied("Only the PMO may change methodology templates.")


def _check_code(errors: Errors, value: object, taken: Any) -> None:
    check_text(errors, "code", value, max_length=40, required=True)
    if "code" in errors:
        return
    try:
        code_validator(value)
    except DjangoValidationError as error:
        for message in error.messages:
            errors.add("code", message)
        return
    if taken.filter(code=value).exists():
        errors.add("code", f"The code {value} is already used here.")


def _check_order(errors: Errors, values: Mapping[str, Any]) -> None:
    if "order" in values:
        check_int(errors, "order", values["order"], low=0, high=32767)


def _check_stage(errors: Errors, stage_id: object, template_id: int) -> None:
    """An optional stage, which must belong to the same methodology."""
    check_reference(
        errors,
        "stage_id",
        stage_id,
        LifecycleStage,
        organisation_id=template_id,
        organisation_path="template_id",
    )


def _next_order(rows: Any) -> int:
    latest = rows.aggregate(latest=Max("order"))["latest"]
    return 0 if latest is None else int(latest) + 1


def _create(acting_user: User, instance: Model, organisation_id: int, summary: str) -> None:
    instance.save()
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=instance,
        organisation_id=organisation_id,
        after=snapshot(instance),
        summary=summary,
    )


def _update(
    acting_user: User,
    instance: Model,
    changes: Mapping[str, Any],
    organisation_id: int,
    summary: str,
    extra_before: Mapping[str, Any] | None = None,
    extra_after: Mapping[str, Any] | None = None,
) -> None:
    before = {**snapshot(instance), **(extra_before or {})}
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=instance,
        organisation_id=organisation_id,
        before=before,
        after={**snapshot(instance), **(extra_after or {})},
        summary=summary,
    )


def _delete(acting_user: User, instance: Model, organisation_id: int, summary: str) -> None:
    before, pk = snapshot(instance), instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        kinds = sorted({str(row._meta.verbose_name_plural) for row in error.args[1]})
        raise Conflict(f"{summary} is not possible: still used by {', '.join(kinds)}.") from error
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=instance._meta.label_lower,
        entity_id=pk,
        organisation_id=organisation_id,
        before=before,
        summary=summary,
    )


# Methodology templates

METHODOLOGY_FIELDS = frozenset(MethodologyFields.__optional_keys__)


def _methodology_errors(
    values: Mapping[str, Any], check: set[str], organisation_id: int, pk: int | None
) -> None:
    errors = Errors()
    if "code" in check:
        taken = MethodologyTemplate.objects.filter(organisation_id=organisation_id)
        _check_code(errors, values.get("code"), taken.exclude(pk=pk) if pk else taken)
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    if "description" in check:
        check_text(errors, "description", values.get("description"))
    if "status_report_cadence" in check:
        check_choice(
            errors,
            "status_report_cadence",
            values.get("status_report_cadence"),
            MethodologyTemplate.Cadence.values,
        )
    for flag in ("is_default", "is_active"):
        if flag in check:
            check_bool(errors, flag, values.get(flag))
    errors.raise_if_any()


def _clear_other_defaults(template: MethodologyTemplate) -> None:
    # The database allows one default per organisation; the new one takes over.
    MethodologyTemplate.objects.filter(
        organisation_id=template.organisation_id, is_default=True
    ).exclude(pk=template.pk).update(is_default=False)


@transaction.atomic
def methodology_create(*, acting_user: User, fields: MethodologyFields) -> MethodologyTemplate:
    _require_editor(acting_user)
    organisation_id = int(acting_user.organisation_id or 0)
    errors = Errors()
    reject_unknown(errors, fields, METHODOLOGY_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "description": "",
        "status_report_cadence": MethodologyTemplate.Cadence.MONTHLY,
        "is_default": False,
        "is_active": True,
        **fields,
    }
    _methodology_errors(values, set(values) | {"code", "name"}, organisation_id, None)
    template = MethodologyTemplate(organisation_id=organisation_id, **values)
    if template.is_default:
        _clear_other_defaults(template)
    _create(acting_user, template, organisation_id, f"Created methodology {template.code}")
    return template


@transaction.atomic
def methodology_update(
    *, acting_user: User, template_id: int, changes: MethodologyFields
) -> MethodologyTemplate:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, METHODOLOGY_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(template, name) for name in METHODOLOGY_FIELDS} | dict(changes)
    _methodology_errors(values, set(changes), template.organisation_id, template.pk)
    if not differs(template, changes):
        return template
    if changes.get("is_default"):
        _clear_other_defaults(template)
    _update(
        acting_user,
        template,
        changes,
        template.organisation_id,
        f"Updated methodology {template.code}",
    )
    return template


@transaction.atomic
def methodology_delete(*, acting_user: User, template_id: int) -> None:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    if Project.objects.filter(methodology=template).exists():
        raise Conflict(f"Projects follow {template.name}: deactivate it instead of deleting it.")
    _delete(
        acting_user, template, template.organisation_id, f"Deleting methodology {template.code}"
    )


# Stages

STAGE_FIELDS = frozenset(StageFields.__optional_keys__)


def _stage_errors(
    values: Mapping[str, Any], check: set[str], template: MethodologyTemplate, pk: int | None
) -> None:
    errors = Errors()
    if "code" in check:
        taken = LifecycleStage.objects.filter(template=template)
        _check_code(errors, values.get("code"), taken.exclude(pk=pk) if pk else taken)
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    if "project_stage" in check:
        check_choice(errors, "project_stage", values.get("project_stage"), Project.Stage.values)
    if "guidance" in check:
        check_text(errors, "guidance", values.get("guidance"))
    _check_order(errors, values if "order" in check else {})
    errors.raise_if_any()


@transaction.atomic
def stage_create(*, acting_user: User, template_id: int, fields: StageFields) -> LifecycleStage:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, STAGE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {"guidance": "", **fields}
    values.setdefault("order", _next_order(template.stages))
    _stage_errors(values, set(values) | {"code", "name", "project_stage"}, template, None)
    stage = LifecycleStage(template=template, **values)
    _create(
        acting_user,
        stage,
        template.organisation_id,
        f"Added stage {stage.code} to methodology {template.code}",
    )
    return stage


@transaction.atomic
def stage_update(*, acting_user: User, stage_id: int, changes: StageFields) -> LifecycleStage:
    stage = access_stage_by_id(acting_user, stage_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, STAGE_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(stage, name) for name in STAGE_FIELDS} | dict(changes)
    _stage_errors(values, set(changes), stage.template, stage.pk)
    if differs(stage, changes):
        _update(
            acting_user,
            stage,
            changes,
            stage.template.organisation_id,
            f"Updated stage {stage.code} of methodology {stage.template.code}",
        )
    return stage


@transaction.atomic
def stage_delete(*, acting_user: User, stage_id: int) -> None:
    stage = access_stage_by_id(acting_user, stage_id, for_edit=True)
    _delete(
        acting_user,
        stage,
        stage.template.organisation_id,
        f"Deleting stage {stage.code} of methodology {stage.template.code}",
    )


# Gates

GATE_FIELDS = frozenset(GateFields.__optional_keys__)
GATE_MODEL_FIELDS = GATE_FIELDS - {"approver_ids"}


def _gate_errors(
    values: Mapping[str, Any], check: set[str], template: MethodologyTemplate, pk: int | None
) -> None:
    errors = Errors()
    if "code" in check:
        taken = Gate.objects.filter(template=template)
        _check_code(errors, values.get("code"), taken.exclude(pk=pk) if pk else taken)
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    if "description" in check:
        check_text(errors, "description", values.get("description"))
    _check_order(errors, values if "order" in check else {})
    stages = set(template.stages.values_list("pk", flat=True))
    for name in ("from_stage_id", "to_stage_id"):
        if name in check:
            value = values.get(name)
            if value is None:
                errors.add(name, "Choose a stage of this methodology.")
            elif value not in stages:
                errors.add(name, NOT_FOUND)
    if (
        {"from_stage_id", "to_stage_id"} & check
        and not {"from_stage_id", "to_stage_id"} & set(errors.by_field)
        and values.get("from_stage_id") == values.get("to_stage_id")
    ):
        errors.add("to_stage_id", "A gate leads to another stage than the one it leaves.")
    if "approver_roles" in check:
        roles = values.get("approver_roles")
        if not isinstance(roles, list) or any(role not in Role.values for role in roles):
            errors.add("approver_roles", "Choose among: " + ", ".join(Role.values) + ".")
    if "approver_ids" in check:
        ids = values.get("approver_ids")
        if not isinstance(ids, list) or not all(is_int(value) for value in ids):
            errors.add("approver_ids", "Give a list of user ids.")
        else:
            found = set(
                User.objects.filter(
                    pk__in=ids, organisation_id=template.organisation_id, is_active=True
                ).values_list("pk", flat=True)
            )
            missing = sorted(set(ids) - found)
            if missing:
                errors.add("approver_ids", f"No such people: {', '.join(map(str, missing))}.")
    errors.raise_if_any()


def _approver_ids(gate: Gate) -> list[int]:
    return sorted(gate.approvers.values_list("pk", flat=True))


@transaction.atomic
def gate_create(*, acting_user: User, template_id: int, fields: GateFields) -> Gate:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, GATE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {"description": "", "approver_roles": [], **fields}
    values.setdefault("order", _next_order(template.gates))
    check = set(values) | {"code", "name", "from_stage_id", "to_stage_id"}
    _gate_errors(values, check, template, None)
    approver_ids = values.pop("approver_ids", [])
    gate = Gate(template=template, **values)
    gate.save()
    gate.approvers.set(approver_ids)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=gate,
        organisation_id=template.organisation_id,
        after={**snapshot(gate), "approver_ids": sorted(approver_ids)},
        summary=f"Added gate {gate.code} to methodology {template.code}",
    )
    return gate


@transaction.atomic
def gate_update(*, acting_user: User, gate_id: int, changes: GateFields) -> Gate:
    gate = access_gate_by_id(acting_user, gate_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, GATE_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(gate, name) for name in GATE_MODEL_FIELDS} | dict(changes)
    _gate_errors(values, set(changes), gate.template, gate.pk)
    model_changes = {name: value for name, value in changes.items() if name != "approver_ids"}
    before_ids = _approver_ids(gate)
    new_ids = sorted(changes.get("approver_ids", before_ids))
    if not differs(gate, model_changes) and new_ids == before_ids:
        return gate
    if new_ids != before_ids:
        gate.approvers.set(new_ids)
    _update(
        acting_user,
        gate,
        model_changes,
        gate.template.organisation_id,
        f"Updated gate {gate.code} of methodology {gate.template.code}",
        extra_before={"approver_ids": before_ids},
        extra_after={"approver_ids": new_ids},
    )
    return gate


@transaction.atomic
def gate_delete(*, acting_user: User, gate_id: int) -> None:
    gate = access_gate_by_id(acting_user, gate_id, for_edit=True)
    if gate.reviews.exists():
        raise Conflict(f"Gate {gate.code} has reviews on record: it can no longer be deleted.")
    _delete(
        acting_user,
        gate,
        gate.template.organisation_id,
        f"Deleting gate {gate.code} of methodology {gate.template.code}",
    )


# Checklist items

CHECKLIST_FIELDS = frozenset(ChecklistItemFields.__optional_keys__)


def _checklist_values(values: dict[str, Any], check: set[str]) -> None:
    """Validate an item as it would be; fills in the rule's default params (in ``values``)."""
    errors = Errors()
    if "text" in check:
        check_text(errors, "text", values.get("text"), max_length=300, required=True)
    if "help_text" in check:
        check_text(errors, "help_text", values.get("help_text"))
    if "required" in check:
        check_bool(errors, "required", values.get("required"))
    _check_order(errors, values if "order" in check else {})
    kind_ok = "kind" not in check or check_choice(
        errors, "kind", values.get("kind"), GateChecklistItem.Kind.values
    )
    errors.raise_if_any()
    if not kind_ok or not {"kind", "automatic_rule", "params"} & check:
        return
    kind, rule, params = (
        values.get("kind"),
        values.get("automatic_rule") or "",
        values.get("params"),
    )
    if not isinstance(rule, str):
        errors.add("automatic_rule", "Enter text.")
    elif kind == GateChecklistItem.Kind.AUTOMATIC:
        if not rule:
            errors.add("automatic_rule", "Choose the rule an automatic check runs.")
        else:
            values["params"] = criteria.clean_params(rule, params if params is not None else {})
    elif rule:
        errors.add("automatic_rule", "Only an automatic check runs a rule.")
    elif kind == GateChecklistItem.Kind.FIELD and params:
        name = params.get("field") if isinstance(params, Mapping) else None
        if set(params) != {"field"} or name not in criteria.PROJECT_FIELDS:
            errors.add(
                "params",
                'A field check takes {"field": NAME} with NAME one of: '
                + ", ".join(criteria.PROJECT_FIELDS)
                + ".",
            )
    elif params:
        errors.add("params", "Only automatic checks and field checks take parameters.")
    errors.raise_if_any()


@transaction.atomic
def checklist_item_create(
    *, acting_user: User, gate_id: int, fields: ChecklistItemFields
) -> GateChecklistItem:
    gate = access_gate_by_id(acting_user, gate_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, CHECKLIST_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "help_text": "",
        "kind": GateChecklistItem.Kind.MANUAL,
        "automatic_rule": "",
        "params": {},
        "required": True,
        **fields,
    }
    values.setdefault("order", _next_order(gate.checklist_items))
    _checklist_values(values, set(values) | {"text"})
    item = GateChecklistItem(gate=gate, **values)
    _create(
        acting_user,
        item,
        gate.template.organisation_id,
        f"Added a checklist item to gate {gate.code}",
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, acting_user: User, item_id: int, changes: ChecklistItemFields
) -> GateChecklistItem:
    item = access_checklist_item_by_id(acting_user, item_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, CHECKLIST_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(item, name) for name in CHECKLIST_FIELDS} | dict(changes)
    check = set(changes)
    if "kind" in check:
        check |= {"automatic_rule", "params"}
    _checklist_values(values, check)
    cleaned = {name: values[name] for name in check if name in values}
    if differs(item, cleaned):
        _update(
            acting_user,
            item,
            cleaned,
            item.gate.template.organisation_id,
            f"Updated a checklist item of gate {item.gate.code}",
        )
    return item


@transaction.atomic
def checklist_item_delete(*, acting_user: User, item_id: int) -> None:
    item = access_checklist_item_by_id(acting_user, item_id, for_edit=True)
    if item.review_items.exists():
        raise Conflict(
            "Gate reviews have answered this item: it can no longer be deleted. "
            "Make it optional instead."
        )
    _delete(
        acting_user,
        item,
        item.gate.template.organisation_id,
        f"Deleting a checklist item of gate {item.gate.code}",
    )


# Project templates, phases, task templates

PROJECT_TEMPLATE_FIELDS = frozenset(ProjectTemplateFields.__optional_keys__)
PHASE_FIELDS = frozenset(PhaseFields.__optional_keys__)
TASK_TEMPLATE_FIELDS = frozenset(TaskTemplateFields.__optional_keys__)
TASK_TEMPLATE_MODEL_FIELDS = TASK_TEMPLATE_FIELDS - {"predecessor_ids"}


def _project_template_errors(
    values: Mapping[str, Any], check: set[str], template: MethodologyTemplate, pk: int | None
) -> None:
    errors = Errors()
    if "code" in check:
        taken = ProjectTemplate.objects.filter(template=template)
        _check_code(errors, values.get("code"), taken.exclude(pk=pk) if pk else taken)
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    if "description" in check:
        check_text(errors, "description", values.get("description"))
    errors.raise_if_any()


@transaction.atomic
def project_template_create(
    *, acting_user: User, template_id: int, fields: ProjectTemplateFields
) -> ProjectTemplate:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, PROJECT_TEMPLATE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {"description": "", **fields}
    _project_template_errors(values, set(values) | {"code", "name"}, template, None)
    project_template = ProjectTemplate(template=template, **values)
    _create(
        acting_user,
        project_template,
        template.organisation_id,
        f"Added project template {project_template.code} to {template.code}",
    )
    return project_template


@transaction.atomic
def project_template_update(
    *, acting_user: User, project_template_id: int, changes: ProjectTemplateFields
) -> ProjectTemplate:
    project_template = access_project_template_by_id(
        acting_user, project_template_id, for_edit=True
    )
    errors = Errors()
    reject_unknown(errors, changes, PROJECT_TEMPLATE_FIELDS)
    errors.raise_if_any()
    values = {n: getattr(project_template, n) for n in PROJECT_TEMPLATE_FIELDS} | dict(changes)
    _project_template_errors(values, set(changes), project_template.template, project_template.pk)
    if differs(project_template, changes):
        _update(
            acting_user,
            project_template,
            changes,
            project_template.template.organisation_id,
            f"Updated project template {project_template.code}",
        )
    return project_template


@transaction.atomic
def project_template_delete(*, acting_user: User, project_template_id: int) -> None:
    project_template = access_project_template_by_id(
        acting_user, project_template_id, for_edit=True
    )
    _delete(
        acting_user,
        project_template,
        project_template.template.organisation_id,
        f"Deleting project template {project_template.code}",
    )


def _phase_errors(
    values: Mapping[str, Any], check: set[str], project_template: ProjectTemplate
) -> None:
    errors = Errors()
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    _check_order(errors, values if "order" in check else {})
    if "stage_id" in check:
        _check_stage(errors, values.get("stage_id"), project_template.template_id)
    errors.raise_if_any()


@transaction.atomic
def phase_create(
    *, acting_user: User, project_template_id: int, fields: PhaseFields
) -> PhaseTemplate:
    project_template = access_project_template_by_id(
        acting_user, project_template_id, for_edit=True
    )
    errors = Errors()
    reject_unknown(errors, fields, PHASE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = dict(fields)
    values.setdefault("order", _next_order(project_template.phases))
    _phase_errors(values, set(values) | {"name"}, project_template)
    phase = PhaseTemplate(project_template=project_template, **values)
    _create(
        acting_user,
        phase,
        project_template.template.organisation_id,
        f"Added phase {phase.name} to project template {project_template.code}",
    )
    return phase


@transaction.atomic
def phase_update(*, acting_user: User, phase_id: int, changes: PhaseFields) -> PhaseTemplate:
    phase = access_phase_by_id(acting_user, phase_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, PHASE_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(phase, name) for name in PHASE_FIELDS} | dict(changes)
    _phase_errors(values, set(changes), phase.project_template)
    if differs(phase, changes):
        _update(
            acting_user,
            phase,
            changes,
            phase.project_template.template.organisation_id,
            f"Updated phase {phase.name} of {phase.project_template.code}",
        )
    return phase


@transaction.atomic
def phase_delete(*, acting_user: User, phase_id: int) -> None:
    phase = access_phase_by_id(acting_user, phase_id, for_edit=True)
    _delete(
        acting_user,
        phase,
        phase.project_template.template.organisation_id,
        f"Deleting phase {phase.name} of {phase.project_template.code}",
    )


def _task_template_errors(
    values: dict[str, Any], check: set[str], phase: PhaseTemplate, pk: int | None
) -> None:
    errors = Errors()
    if "name" in check:
        check_text(errors, "name", values.get("name"), max_length=200, required=True)
    _check_order(errors, values if "order" in check else {})
    for name, high in (("duration_days", Decimal("99999.99")), ("work_hours", Decimal("1e8") - 1)):
        if name in check:
            values[name] = as_decimal(values.get(name))
            check_decimal(
                errors,
                name,
                values[name],
                low=Decimal(0),
                high=high,
                places=2,
                message=f"Use a number from 0 to {high}.",
            )
    if "is_milestone" in check:
        check_bool(errors, "is_milestone", values.get("is_milestone"))
    if "role_code" in check:
        check_text(errors, "role_code", values.get("role_code"), max_length=40)
    if "predecessor_ids" in check:
        ids = values.get("predecessor_ids")
        if not isinstance(ids, list) or not all(is_int(value) for value in ids):
            errors.add("predecessor_ids", "Give a list of task template ids.")
        else:
            same_template = set(
                TaskTemplate.objects.filter(
                    phase__project_template_id=phase.project_template_id
                ).values_list("pk", flat=True)
            )
            if pk is not None and pk in ids:
                errors.add("predecessor_ids", "A task cannot come before itself.")
            elif set(ids) - same_template:
                errors.add(
                    "predecessor_ids", "Predecessors are tasks of the same project template."
                )
            elif pk is not None and _reaches(pk, set(ids)):
                errors.add("predecessor_ids", "These predecessors would close a loop.")
    errors.raise_if_any()


def _reaches(task_template_id: int, predecessors: set[int]) -> bool:
    """Whether ``task_template_id`` already comes before one of ``predecessors``."""
    through = TaskTemplate.predecessors.through
    successors: dict[int, list[int]] = {}
    for successor, predecessor in through.objects.values_list(
        "from_tasktemplate_id", "to_tasktemplate_id"
    ):
        successors.setdefault(predecessor, []).append(successor)
    frontier, seen = [task_template_id], {task_template_id}
    while frontier:
        node = frontier.pop()
        for following in successors.get(node, []):
            if following in predecessors:
                return True
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return False


@transaction.atomic
def task_template_create(
    *, acting_user: User, phase_id: int, fields: TaskTemplateFields
) -> TaskTemplate:
    phase = access_phase_by_id(acting_user, phase_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, TASK_TEMPLATE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "duration_days": Decimal(1),
        "is_milestone": False,
        "role_code": "",
        "work_hours": Decimal(0),
        "predecessor_ids": [],
        **fields,
    }
    values.setdefault("order", _next_order(phase.tasks))
    _task_template_errors(values, set(values) | {"name"}, phase, None)
    predecessor_ids = values.pop("predecessor_ids")
    task_template = TaskTemplate(phase=phase, **values)
    task_template.save()
    task_template.predecessors.set(predecessor_ids)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=task_template,
        organisation_id=phase.project_template.template.organisation_id,
        after={**snapshot(task_template), "predecessor_ids": sorted(predecessor_ids)},
        summary=f"Added task template {task_template.name} to phase {phase.name}",
    )
    return task_template


@transaction.atomic
def task_template_update(
    *, acting_user: User, task_template_id: int, changes: TaskTemplateFields
) -> TaskTemplate:
    task_template = access_task_template_by_id(acting_user, task_template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, TASK_TEMPLATE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        name: getattr(task_template, name) for name in TASK_TEMPLATE_MODEL_FIELDS
    } | dict(changes)
    _task_template_errors(values, set(changes), task_template.phase, task_template.pk)
    model_changes = {name: values[name] for name in changes if name in TASK_TEMPLATE_MODEL_FIELDS}
    before_ids = sorted(task_template.predecessors.values_list("pk", flat=True))
    new_ids = sorted(values.get("predecessor_ids", before_ids))
    if not differs(task_template, model_changes) and new_ids == before_ids:
        return task_template
    if new_ids != before_ids:
        task_template.predecessors.set(new_ids)
    _update(
        acting_user,
        task_template,
        model_changes,
        task_template.phase.project_template.template.organisation_id,
        f"Updated task template {task_template.name}",
        extra_before={"predecessor_ids": before_ids},
        extra_after={"predecessor_ids": new_ids},
    )
    return task_template


@transaction.atomic
def task_template_delete(*, acting_user: User, task_template_id: int) -> None:
    task_template = access_task_template_by_id(acting_user, task_template_id, for_edit=True)
    _delete(
        acting_user,
        task_template,
        task_template.phase.project_template.template.organisation_id,
        f"Deleting task template {task_template.name}",
    )


def _hours_per_day(project: Project) -> Decimal:
    if project.calendar_id is not None:
        calendar = Calendar.objects.filter(pk=project.calendar_id).first()
    else:
        calendar = Calendar.objects.filter(
            organisation_id=project.organisation_id, is_default=True
        ).first()
    return calendar.hours_per_day if calendar is not None else DEFAULT_HOURS_PER_DAY


def _minutes(amount: Decimal) -> int:
    return int((amount * 60).to_integral_value(rounding=ROUND_HALF_UP))


@transaction.atomic
def project_template_apply(
    *, acting_user: User, project_template_id: int, project_id: int
) -> list[Task]:
    """Create the template's phases (as summary tasks), tasks and links in an empty schedule.

    Durations in days become working minutes on the project's calendar (its hours per
    day); predecessors become finish-to-start links. Each task and link is created by the
    projects app's services, so each carries its own audit row.
    """
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    project_template = access_project_template_by_id(acting_user, project_template_id)
    if project.tasks.exists():
        raise Conflict(
            f"{project.code} already has a schedule: a template only fills an empty one."
        )
    hours_per_day = _hours_per_day(project)
    created: list[Task] = []
    task_of_template: dict[int, Task] = {}
    phases = list(project_template.phases.prefetch_related("tasks__predecessors"))
    for phase in phases:
        summary = project_services.task_create(
            acting_user=acting_user,
            project_id=project.pk,
            fields={"name": phase.name, "is_summary": True},
        )
        created.append(summary)
        for task_template in phase.tasks.all():
            hours = Decimal(0) if task_template.is_milestone else task_template.duration_days
            minutes = _minutes(hours * hours_per_day)
            task = project_services.task_create(
                acting_user=acting_user,
                project_id=project.pk,
                fields={
                    "name": task_template.name,
                    "parent_id": summary.pk,
                    "is_milestone": task_template.is_milestone,
                    "duration_minutes": minutes,
                    "work_minutes": _minutes(task_template.work_hours),
                },
            )
            task_of_template[task_template.pk] = task
            created.append(task)
    for phase in phases:
        for task_template in phase.tasks.all():
            for predecessor in task_template.predecessors.all():
                if predecessor.pk in task_of_template:
                    project_services.link_create(
                        acting_user=acting_user,
                        project_id=project.pk,
                        predecessor_id=task_of_template[predecessor.pk].pk,
                        successor_id=task_of_template[task_template.pk].pk,
                    )
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        summary=f"Applied project template {project_template.code} to {project.code}: "
        f"{len(created)} tasks",
    )
    return created


# Guidance pages

GUIDANCE_FIELDS = frozenset(GuidanceFields.__optional_keys__)


def _guidance_errors(
    values: dict[str, Any], check: set[str], template: MethodologyTemplate, pk: int | None
) -> None:
    errors = Errors()
    if "title" in check:
        check_text(errors, "title", values.get("title"), max_length=200, required=True)
    if "body" in check:
        check_text(errors, "body", values.get("body"))
    _check_order(errors, values if "order" in check else {})
    if "slug" in check:
        slug = values.get("slug")
        check_text(errors, "slug", slug, max_length=100, required=True)
        if "slug" not in errors:
            if slugify(str(slug)) != slug:
                errors.add(
                    "slug", "Use lower-case letters, digits and hyphens, e.g. status-reports."
                )
            else:
                taken = GuidancePage.objects.filter(template=template, slug=slug)
                if (taken.exclude(pk=pk) if pk else taken).exists():
                    errors.add("slug", f"Another page of this methodology is called {slug}.")
    if "stage_id" in check:
        _check_stage(errors, values.get("stage_id"), template.pk)
    errors.raise_if_any()


@transaction.atomic
def guidance_create(*, acting_user: User, template_id: int, fields: GuidanceFields) -> GuidancePage:
    template = access_methodology_by_id(acting_user, template_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, GUIDANCE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {"body": "", **fields}
    if not values.get("slug") and isinstance(values.get("title"), str):
        values["slug"] = slugify(str(values["title"]))[:100]
    values.setdefault("order", _next_order(template.guidance_pages))
    _guidance_errors(values, set(values) | {"title", "slug"}, template, None)
    page = GuidancePage(template=template, **values)
    _create(acting_user, page, template.organisation_id, f"Added guidance page {page.slug}")
    return page


@transaction.atomic
def guidance_update(*, acting_user: User, page_id: int, changes: GuidanceFields) -> GuidancePage:
    page = access_guidance_by_id(acting_user, page_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, GUIDANCE_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(page, name) for name in GUIDANCE_FIELDS} | dict(changes)
    _guidance_errors(values, set(changes), page.template, page.pk)
    if differs(page, changes):
        _update(
            acting_user,
            page,
            changes,
            page.template.organisation_id,
            f"Updated guidance page {page.slug}",
        )
    return page


@transaction.atomic
def guidance_delete(*, acting_user: User, page_id: int) -> None:
    page = access_guidance_by_id(acting_user, page_id, for_edit=True)
    _delete(acting_user, page, page.template.organisation_id, f"Deleting guidance page {page.slug}")


def methodology_of(project: Project) -> MethodologyTemplate | None:
    """The project's methodology, else its organisation's default one."""
    if project.methodology_id is not None:
        return project.methodology
    return MethodologyTemplate.objects.filter(
        organisation_id=project.organisation_id, is_default=True
    ).first()
