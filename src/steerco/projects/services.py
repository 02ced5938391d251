"""Every write to projects, business cases, tasks and links.

Each service checks access through ``steerco.projects.access``, validates every
field before it writes anything (raising ``ValidationFailed`` with one entry per
field, ``lines[3].amount`` style for rows of a list), writes, and records one
audit row per row it changes, all in one transaction.

Stage changes are deliberately narrow here: ``project_update`` only lets an
idea become a proposal. Every later stage is reached through a gate, which the
governance app decides and then applies with ``project_change_stage``.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError, RestrictedError
from django.utils import timezone

from steerco.accounts.models import BusinessUnit, User, code_validator
from steerco.core.access import (
    ANY_PROJECT_EDITORS,
    PORTFOLIO_EDITORS,
    PROJECT_CREATORS,
    has_role,
    organisation_id_of,
    require_role,
)
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.validation import check_decimal_in_range
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.access import (
    access_business_case_by_id,
    access_link_by_id,
    access_project_by_id,
    access_task_by_id,
    can_edit_project,
)
from steerco.projects.models import (
    BusinessCase,
    Calendar,
    CashFlowLine,
    Category,
    Project,
    ProjectMember,
    Rag,
    Task,
    TaskLink,
)

REQUIRED = "This field is required."
NOT_FOUND = "Not found."
UNKNOWN_FIELD = "Unknown field."
MONEY_LIMIT = Decimal(10) ** 14  # MoneyField: 16 digits, 2 of them decimals
CREATION_STAGES = (Project.Stage.IDEA, Project.Stage.PROPOSAL)
DELETABLE_STAGES = (Project.Stage.IDEA, Project.Stage.PROPOSAL)

Action = AuditEntry.Action


# Input shapes. Updates take the same shapes with only the keys that change.


class ProjectFields(TypedDict, total=False):
    code: str
    name: str
    description: str
    stage: str
    portfolio_id: int
    program_id: int | None
    manager_id: int | None
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


class BusinessCaseFields(TypedDict, total=False):
    summary: str
    problem: str
    options: str
    assumptions: str
    discount_rate: Decimal | None
    start_month: datetime.date | None


class CashFlowLineInput(TypedDict, total=False):
    month_index: int | None
    kind: str | None
    category: str | None
    amount: Decimal | int | None
    description: str


class TaskFields(TypedDict, total=False):
    uid: int
    name: str
    notes: str
    wbs: str
    parent_id: int | None
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
    planned_start: datetime.datetime | None
    planned_finish: datetime.datetime | None
    actual_start: datetime.datetime | None
    actual_finish: datetime.datetime | None
    percent_complete: Decimal
    work_minutes: int
    cost: Decimal


class LinkFields(TypedDict, total=False):
    predecessor_id: int
    successor_id: int
    type: str
    lag_minutes: int
    lag_percent: Decimal | None
    lag_elapsed: bool


PROJECT_FIELD_NAMES = frozenset(ProjectFields.__optional_keys__)
BUSINESS_CASE_FIELD_NAMES = frozenset(BusinessCaseFields.__optional_keys__)
LINE_FIELD_NAMES = frozenset(CashFlowLineInput.__optional_keys__)
TASK_FIELD_NAMES = frozenset(TaskFields.__optional_keys__)
LINK_FIELD_NAMES = frozenset(LinkFields.__optional_keys__)


class DependencyCycle(ValidationFailed):
    """A link would close a loop of dependencies; ``tasks`` names them in order."""

    def __init__(self, field: str, tasks: Sequence[str]) -> None:
        self.tasks = list(tasks)
        path = " → ".join([*self.tasks, self.tasks[0]])
        super().__init__({field: [f"This link would close a dependency cycle: {path}."]})


class _Errors:
    """Collects field errors so that a form shows all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str | Iterable[str]) -> None:
        messages = [message] if isinstance(message, str) else list(message)
        self.by_field.setdefault(field, []).extend(messages)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def _reject_unknown(
    errors: _Errors, given: Iterable[str], known: frozenset[str], prefix: str = ""
) -> None:
    for name in given:
        if name not in known:
            errors.add(prefix + name, UNKNOWN_FIELD)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(
    errors: _Errors, field: str, value: object, *, max_length: int | None, required: bool = False
) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, REQUIRED)
        elif value is None:
            errors.add(field, "Use an empty text rather than null.")
        return
    if not isinstance(value, str):
        errors.add(field, "Enter text.")
    elif max_length is not None and len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")


def _check_int(
    errors: _Errors, field: str, value: object, *, low: int, high: int, message: str = ""
) -> None:
    if value is None:
        errors.add(field, REQUIRED)
    elif not _is_int(value) or not low <= value <= high:  # type: ignore[operator]
        errors.add(field, message or f"Enter a whole number from {low} to {high}.")


def _check_choice(errors: _Errors, field: str, value: object, choices: Iterable[str]) -> bool:
    allowed = list(choices)
    if value is None or value == "":
        errors.add(field, REQUIRED)
        return False
    if value not in allowed:
        errors.add(field, "Choose one of: " + ", ".join(allowed) + ".")
        return False
    return True


def _check_bool(errors: _Errors, field: str, value: object) -> None:
    if not isinstance(value, bool):
        errors.add(field, "Enter true or false.")


def _check_date_order(
    errors: _Errors, values: Mapping[str, Any], start: str, finish: str, message: str
) -> None:
    first, last = values.get(start), values.get(finish)
    if first is not None and last is not None and last < first and finish not in errors:
        errors.add(finish, message)


def _differs(instance: Any, changes: Mapping[str, Any]) -> bool:
    """Whether applying ``changes`` would change anything (no write, no audit row if not)."""
    return any(getattr(instance, name) != value for name, value in changes.items())


def _lock(project: Project) -> None:
    """Serialise writers that number a project's children (versions, task numbers).

    PostgreSQL locks the project's row; SQLite already runs one writer at a time.
    """
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()


# Projects


def _project_errors(
    *,
    acting_user: User,
    organisation_id: int,
    values: Mapping[str, Any],
    check: set[str],
    project: Project | None,
) -> _Errors:
    """Field errors of ``values`` (the whole project as it would be), for the keys in ``check``."""
    errors = _Errors()
    if "code" in check:
        code = values.get("code")
        _check_text(errors, "code", code, max_length=40, required=True)
        if "code" not in errors:
            try:
                code_validator(code)
            except DjangoValidationError as error:
                errors.add("code", error.messages)
        if "code" not in errors:
            same_code = Project.objects.filter(organisation_id=organisation_id, code=code)
            if project is not None:
                same_code = same_code.exclude(pk=project.pk)
            if same_code.exists():
                errors.add("code", f"Another project already uses the code {code}.")
    if "name" in check:
        _check_text(errors, "name", values.get("name"), max_length=200, required=True)
    if "description" in check:
        _check_text(errors, "description", values.get("description"), max_length=None)
    if "portfolio_id" in check:
        portfolio_id = values.get("portfolio_id")
        if portfolio_id is None:
            errors.add("portfolio_id", REQUIRED)
        elif not Portfolio.objects.filter(
            pk=portfolio_id, organisation_id=organisation_id
        ).exists():
            errors.add("portfolio_id", NOT_FOUND)
    if {"program_id", "portfolio_id"} & check and values.get("program_id") is not None:
        program = Program.objects.filter(
            pk=values["program_id"], organisation_id=organisation_id
        ).first()
        if program is None:
            errors.add("program_id", NOT_FOUND)
        elif "portfolio_id" not in errors and program.portfolio_id != values.get("portfolio_id"):
            errors.add("program_id", f"The program {program.code} belongs to another portfolio.")
    for field in ("manager_id", "sponsor_id"):
        if field in check and values.get(field) is not None:
            person = User.objects.filter(pk=values[field], organisation_id=organisation_id)
            if not person.filter(is_active=True).exists():
                errors.add(field, NOT_FOUND)
    references: list[tuple[str, Any]] = [
        ("business_unit_id", BusinessUnit),
        ("category_id", Category),
        ("calendar_id", Calendar),
    ]
    for field, model in references:
        if (
            field in check
            and values.get(field) is not None
            and not model.objects.filter(pk=values[field], organisation_id=organisation_id).exists()
        ):
            errors.add(field, NOT_FOUND)
    if "priority" in check:
        _check_int(errors, "priority", values.get("priority"), low=1, high=5)
    if "health" in check:
        _check_choice(errors, "health", values.get("health"), Rag.values)
    for flag in ("mission_critical", "mandatory"):
        if flag in check:
            _check_bool(errors, flag, values.get(flag))
    for field in ("start_date", "finish_date"):
        if (
            field in check
            and values.get(field) is not None
            and not isinstance(values[field], datetime.date)
        ):
            errors.add(field, "Enter a date.")
    if {"start_date", "finish_date"} & check and not {"start_date", "finish_date"} & set(
        errors.by_field
    ):
        _check_date_order(
            errors, values, "start_date", "finish_date", "The finish is before the start."
        )
    if "currency" in check:
        currency = values.get("currency")
        if currency is None or (
            currency != ""
            and not (len(currency) == 3 and currency.isalpha() and currency.isupper())
        ):
            errors.add("currency", "Use a three-letter ISO 4217 code such as EUR, or leave empty.")
    if "discount_rate" in check and values.get("discount_rate") is not None:
        check_decimal_in_range(
            errors,
            "discount_rate",
            values["discount_rate"],
            low=Decimal("-0.5"),
            high=Decimal("1"),
            places=4,
            message="Use an annual rate from -0.5 to 1, e.g. 0.08 for 8%.",
        )
    if (
        "manager_id" in check
        and "manager_id" not in errors
        and not has_role(acting_user, ANY_PROJECT_EDITORS)
        and values.get("manager_id") != acting_user.pk
    ):
        errors.add(
            "manager_id",
            "You manage the projects you create; only the PMO hands a project to another manager.",
        )
    return errors


@transaction.atomic
def project_create(*, acting_user: User, fields: ProjectFields) -> Project:
    """Create an idea or a proposal. The creator manages it unless the PMO names a manager."""
    require_role(acting_user, PROJECT_CREATORS, "create projects")
    organisation_id = organisation_id_of(acting_user)
    errors = _Errors()
    _reject_unknown(errors, fields, PROJECT_FIELD_NAMES)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "stage": Project.Stage.IDEA,
        "description": "",
        "priority": 3,
        "health": Rag.GREEN,
        "currency": "",
        **fields,
    }
    values.setdefault("manager_id", acting_user.pk)
    check = set(values) | {"code", "name", "portfolio_id"}
    errors = _project_errors(
        acting_user=acting_user,
        organisation_id=organisation_id,
        values=values,
        check=check,
        project=None,
    )
    if "stage" not in errors and values["stage"] not in CREATION_STAGES:
        errors.add("stage", "A new project starts as an idea or a proposal.")
    errors.raise_if_any()
    project = Project.objects.create(
        organisation_id=organisation_id,
        created_by=acting_user,
        stage_changed_at=timezone.now(),
        **values,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=project,
        after=snapshot(project),
        summary=f"Created project {project.code} {project.name}",
    )
    return project


@transaction.atomic
def project_update(*, acting_user: User, project_id: int, changes: ProjectFields) -> Project:
    """Change a project's facts; the stage only from idea to proposal (later stages need gates)."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    errors = _Errors()
    _reject_unknown(errors, changes, PROJECT_FIELD_NAMES)
    errors.raise_if_any()
    stage_changes = "stage" in changes and changes["stage"] != project.stage
    if stage_changes:
        new_stage = changes["stage"]
        if new_stage not in Project.Stage.values:
            raise ValidationFailed({"stage": ["Unknown stage."]})
        if not (project.stage == Project.Stage.IDEA and new_stage == Project.Stage.PROPOSAL):
            raise Conflict(
                f"{project.code} cannot move from {project.get_stage_display().lower()} to "
                f"{Project.Stage(new_stage).label.lower()} here: that stage change goes "
                "through a gate review."
            )
    values = {name: getattr(project, name) for name in PROJECT_FIELD_NAMES} | dict(changes)
    errors = _project_errors(
        acting_user=acting_user,
        organisation_id=project.organisation_id,
        values=values,
        check={name for name, value in changes.items() if value != getattr(project, name)},
        project=project,
    )
    errors.raise_if_any()
    if not _differs(project, changes):
        return project
    before = snapshot(project)
    for name, value in changes.items():
        setattr(project, name, value)
    if stage_changes:
        project.stage_changed_at = timezone.now()
    project.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=project,
        before=before,
        after=snapshot(project),
        summary=f"Updated project {project.code}",
    )
    return project


@transaction.atomic
def project_change_stage(
    *, acting_user: User, project: Project | int, stage: str, reason: str, via_gate: bool
) -> Project:
    """Move ``project`` to ``stage``.

    ``project`` is the project or its id. ``via_gate=True`` is for the
    governance app once a gate review has decided: it has checked who may
    decide, so only visibility is checked here. Without a gate, a project's
    manager may turn an idea into a proposal, and the PMO may make any other
    change provided it says why.
    """
    current = access_project_by_id(acting_user, project if isinstance(project, int) else project.pk)
    if stage not in Project.Stage.values:
        raise ValidationFailed({"stage": ["Unknown stage."]})
    if stage == current.stage:
        raise ValidationFailed({"stage": [f"{current.code} is already at this stage."]})
    if not via_gate:
        proposing = current.stage == Project.Stage.IDEA and stage == Project.Stage.PROPOSAL
        if proposing and not can_edit_project(acting_user, current):
            raise AccessDenied("Only the project's manager or the PMO may propose this idea.")
        if not proposing:
            if not has_role(acting_user, ANY_PROJECT_EDITORS):
                raise AccessDenied("This stage change needs a gate review or the PMO.")
            if not reason.strip():
                raise ValidationFailed({"reason": ["Say why the stage changes without a gate."]})
    before = snapshot(current, ["stage", "stage_changed_at"])
    current.stage = stage
    current.stage_changed_at = timezone.now()
    current.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    if isinstance(project, Project):
        project.stage, project.stage_changed_at = current.stage, current.stage_changed_at
    summary = f"Stage {before['stage']} → {stage} {'at a gate' if via_gate else 'without a gate'}"
    if reason.strip():
        summary += f": {reason.strip()}"
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=current,
        before=before,
        after=snapshot(current, ["stage", "stage_changed_at"]),
        summary=summary,
    )
    return current


def _project_children(project: Project) -> list[str]:
    counts = [
        (project.tasks.count(), "task"),
        (project.milestones.count(), "milestone"),
        (project.baselines.count(), "baseline"),
        (
            project.business_cases.exclude(status=BusinessCase.Status.DRAFT).count(),
            "submitted or decided business case",
        ),
    ]
    return [f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts if count]


@transaction.atomic
def project_delete(*, acting_user: User, project_id: int) -> None:
    """Delete an idea or proposal that has nothing under it; anything further is cancelled."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    if project.stage not in DELETABLE_STAGES:
        raise Conflict(
            f"{project.code} is {project.get_stage_display().lower()}: only ideas and proposals "
            "can be deleted. Cancel it instead."
        )
    children = _project_children(project)
    if children:
        raise Conflict(
            f"{project.code} has {', '.join(children)}: only an empty idea or proposal can be "
            "deleted. Cancel it instead."
        )
    before = snapshot(project)
    pk, organisation_id = project.pk, project.organisation_id
    try:
        project.delete()
    except (ProtectedError, RestrictedError) as error:
        kinds = sorted({row._meta.verbose_name_plural for row in error.args[1]})
        raise Conflict(
            f"{project.code} is still referred to by {', '.join(map(str, kinds))}."
        ) from error
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=Project._meta.label_lower,
        entity_id=pk,
        organisation_id=organisation_id,
        before=before,
        summary=f"Deleted project {before['code']} {before['name']}",
    )


@transaction.atomic
def project_member_add(
    *, acting_user: User, project_id: int, user_id: int, role: str = ProjectMember.Role.MEMBER
) -> ProjectMember:
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    errors = _Errors()
    person = User.objects.filter(
        pk=user_id, organisation_id=project.organisation_id, is_active=True
    ).first()
    if person is None:
        errors.add("user_id", NOT_FOUND)
    elif ProjectMember.objects.filter(project=project, user=person).exists():
        errors.add("user_id", f"{person} is already on {project.code}.")
    _check_choice(errors, "role", role, ProjectMember.Role.values)
    errors.raise_if_any()
    assert person is not None
    member = ProjectMember.objects.create(project=project, user=person, role=role)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=member,
        organisation_id=project.organisation_id,
        after=snapshot(member),
        summary=f"Added {person} to {project.code} as {role}",
    )
    return member


@transaction.atomic
def project_member_remove(*, acting_user: User, project_id: int, user_id: int) -> None:
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    member = (
        ProjectMember.objects.select_related("user")
        .filter(project=project, user_id=user_id)
        .first()
    )
    if member is None:
        raise ValidationFailed({"user_id": [f"Not a member of {project.code}."]})
    before, pk = snapshot(member), member.pk
    member.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=ProjectMember._meta.label_lower,
        entity_id=pk,
        organisation_id=project.organisation_id,
        before=before,
        summary=f"Removed {member.user} from {project.code}",
    )


# Business cases


def _business_case_errors(errors: _Errors, fields: Mapping[str, Any]) -> None:
    _reject_unknown(errors, fields, BUSINESS_CASE_FIELD_NAMES)
    for name in ("summary", "problem", "options", "assumptions"):
        if name in fields:
            _check_text(errors, name, fields[name], max_length=None)
    if fields.get("discount_rate") is not None:
        check_decimal_in_range(
            errors,
            "discount_rate",
            fields["discount_rate"],
            low=Decimal("-0.5"),
            high=Decimal("1"),
            places=4,
            message="Use an annual rate from -0.5 to 1, e.g. 0.08 for 8%.",
        )
    start_month = fields.get("start_month")
    if start_month is not None:
        if not isinstance(start_month, datetime.date):
            errors.add("start_month", "Enter a month.")
        elif start_month.day != 1:
            errors.add("start_month", "Use the first day of the month.")


COST_CATEGORIES = frozenset({CashFlowLine.FlowCategory.CAPEX, CashFlowLine.FlowCategory.OPEX})


def _line_errors(errors: _Errors, lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check every cash-flow line; errors are keyed ``lines[i].field``. Returns the clean rows."""
    clean: list[dict[str, Any]] = []
    first_line_of: dict[tuple[Any, ...], int] = {}
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]."
        _reject_unknown(errors, line, LINE_FIELD_NAMES, prefix)
        month_index = line.get("month_index")
        _check_int(
            errors,
            prefix + "month_index",
            month_index,
            low=0,
            high=600,
            message="Use a month from 0 (the first month) to 600.",
        )
        kind = line.get("kind")
        kind_ok = _check_choice(errors, prefix + "kind", kind, CashFlowLine.Kind.values)
        category = line.get("category")
        if (
            _check_choice(errors, prefix + "category", category, CashFlowLine.FlowCategory.values)
            and kind_ok
        ):
            if kind == CashFlowLine.Kind.COST and category not in COST_CATEGORIES:
                errors.add(prefix + "category", "A cost is capital or operating expenditure.")
            if kind == CashFlowLine.Kind.BENEFIT and category in COST_CATEGORIES:
                errors.add(
                    prefix + "category",
                    "A benefit is revenue, a saving, an avoided cost or another benefit.",
                )
        amount = line.get("amount")
        if amount is None:
            errors.add(prefix + "amount", REQUIRED)
        else:
            check_decimal_in_range(
                errors,
                prefix + "amount",
                amount,
                low=Decimal(0),
                high=MONEY_LIMIT - Decimal("0.01"),
                places=2,
                message=("Amounts are positive (the kind says cost or benefit) and below 10^14."),
            )
        description = line.get("description", "")
        _check_text(errors, prefix + "description", description, max_length=200)
        key = (month_index, kind, category, description)
        if key in first_line_of:
            errors.add(
                prefix + "month_index",
                f"Same month, kind, category and description as line {first_line_of[key] + 1}.",
            )
        else:
            first_line_of[key] = index
        clean.append(
            {
                "month_index": month_index,
                "kind": kind,
                "category": category,
                "amount": Decimal(amount) if isinstance(amount, int) else amount,
                "description": description or "",
            }
        )
    return clean


def _lines_snapshot(business_case: BusinessCase) -> list[dict[str, Any]]:
    return [
        snapshot(line, ["kind", "category", "month_index", "amount", "description"])
        for line in business_case.cash_flow_lines.order_by("month_index", "kind", "category", "pk")
    ]


def _replace_lines(business_case: BusinessCase, rows: list[dict[str, Any]]) -> None:
    business_case.cash_flow_lines.all().delete()
    CashFlowLine.objects.bulk_create(
        CashFlowLine(business_case=business_case, **row) for row in rows
    )


def _require_draft(business_case: BusinessCase) -> None:
    if business_case.status != BusinessCase.Status.DRAFT:
        raise Conflict(
            f"Version {business_case.version} is {business_case.get_status_display().lower()}: "
            "only a draft can change. Create a new version instead."
        )


@transaction.atomic
def business_case_create(
    *,
    acting_user: User,
    project_id: int,
    fields: BusinessCaseFields,
    lines: Sequence[CashFlowLineInput] = (),
) -> BusinessCase:
    """Start a new draft version of the project's business case."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    errors = _Errors()
    _business_case_errors(errors, fields)
    rows = _line_errors(errors, lines)
    errors.raise_if_any()
    _lock(project)
    latest = project.business_cases.aggregate(latest=Max("version"))["latest"] or 0
    business_case = BusinessCase.objects.create(
        project=project, version=latest + 1, created_by=acting_user, **fields
    )
    _replace_lines(business_case, rows)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=business_case,
        organisation_id=project.organisation_id,
        after={**snapshot(business_case), "lines": _lines_snapshot(business_case)},
        summary=f"Created business case v{business_case.version} of {project.code}",
    )
    return business_case


@transaction.atomic
def business_case_update(
    *,
    acting_user: User,
    business_case_id: int,
    fields: BusinessCaseFields,
    lines: Sequence[CashFlowLineInput] | None = None,
) -> BusinessCase:
    """Change a draft; ``lines``, when given, replace all its cash-flow lines."""
    business_case = access_business_case_by_id(acting_user, business_case_id, for_edit=True)
    _require_draft(business_case)
    errors = _Errors()
    _business_case_errors(errors, fields)
    rows = _line_errors(errors, lines) if lines is not None else None
    errors.raise_if_any()
    before = {**snapshot(business_case), "lines": _lines_snapshot(business_case)}
    for name, value in fields.items():
        setattr(business_case, name, value)
    business_case.save()
    if rows is not None:
        _replace_lines(business_case, rows)
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=business_case,
        organisation_id=business_case.project.organisation_id,
        before=before,
        after={**snapshot(business_case), "lines": _lines_snapshot(business_case)},
        summary=f"Updated business case v{business_case.version} of {business_case.project.code}",
    )
    return business_case


@transaction.atomic
def business_case_delete(*, acting_user: User, business_case_id: int) -> None:
    business_case = access_business_case_by_id(acting_user, business_case_id, for_edit=True)
    _require_draft(business_case)
    before = {**snapshot(business_case), "lines": _lines_snapshot(business_case)}
    pk, project = business_case.pk, business_case.project
    business_case.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=BusinessCase._meta.label_lower,
        entity_id=pk,
        organisation_id=project.organisation_id,
        before=before,
        summary=f"Deleted draft business case v{before['version']} of {project.code}",
    )


def _set_status(
    *, acting_user: User, business_case: BusinessCase, status: str, summary: str, **extra: Any
) -> None:
    fields = ["status", *extra]
    before = snapshot(business_case, fields)
    business_case.status = status
    for name, value in extra.items():
        setattr(business_case, name, value)
    business_case.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=business_case,
        organisation_id=business_case.project.organisation_id,
        before=before,
        after=snapshot(business_case, fields),
        summary=summary,
    )


@transaction.atomic
def business_case_submit(*, acting_user: User, business_case_id: int) -> BusinessCase:
    """Send a draft to the PMO for a decision; it must say what it is and carry cash flows."""
    business_case = access_business_case_by_id(acting_user, business_case_id, for_edit=True)
    _require_draft(business_case)
    errors = _Errors()
    if not business_case.summary.strip():
        errors.add("summary", "Summarise the case before submitting it.")
    if not business_case.cash_flow_lines.exists():
        errors.add("lines", "Add at least one cost or benefit before submitting.")
    errors.raise_if_any()
    _set_status(
        acting_user=acting_user,
        business_case=business_case,
        status=BusinessCase.Status.SUBMITTED,
        submitted_at=timezone.now(),
        summary=f"Submitted business case v{business_case.version} of {business_case.project.code}",
    )
    return business_case


def _decidable(acting_user: User, business_case_id: int, verb: str) -> BusinessCase:
    business_case = access_business_case_by_id(acting_user, business_case_id)
    require_role(acting_user, PORTFOLIO_EDITORS, f"{verb} business cases")
    if business_case.status != BusinessCase.Status.SUBMITTED:
        raise Conflict(
            f"Version {business_case.version} is {business_case.get_status_display().lower()}: "
            f"only a submitted business case can be {verb}d."
        )
    return business_case


@transaction.atomic
def business_case_approve(*, acting_user: User, business_case_id: int) -> BusinessCase:
    """Approve a submitted case (PMO or portfolio manager), superseding the approved one."""
    business_case = _decidable(acting_user, business_case_id, "approve")
    code = business_case.project.code
    previous = BusinessCase.objects.filter(
        project_id=business_case.project_id, status=BusinessCase.Status.APPROVED
    ).first()
    if previous is not None:
        # Superseded first: the database allows one approved version per project.
        _set_status(
            acting_user=acting_user,
            business_case=previous,
            status=BusinessCase.Status.SUPERSEDED,
            summary=f"Business case v{previous.version} of {code} superseded by "
            f"v{business_case.version}",
        )
    _set_status(
        acting_user=acting_user,
        business_case=business_case,
        status=BusinessCase.Status.APPROVED,
        approved_by=acting_user,
        approved_at=timezone.now(),
        summary=f"Approved business case v{business_case.version} of {code}",
    )
    return business_case


@transaction.atomic
def business_case_reject(*, acting_user: User, business_case_id: int, reason: str) -> BusinessCase:
    """Send a submitted case back with the reason; a revision is a new version."""
    business_case = _decidable(acting_user, business_case_id, "reject")
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why, so that the next version can address it."]})
    _set_status(
        acting_user=acting_user,
        business_case=business_case,
        status=BusinessCase.Status.REJECTED,
        summary=f"Rejected business case v{business_case.version} of "
        f"{business_case.project.code}: {reason.strip()}",
    )
    return business_case


# Tasks


def _task_errors(
    *, project: Project, values: Mapping[str, Any], check: set[str], task: Task | None
) -> _Errors:
    errors = _Errors()
    if "name" in check:
        _check_text(errors, "name", values.get("name"), max_length=255, required=True)
    for name, limit in (("notes", None), ("wbs", 60)):
        if name in check:
            _check_text(errors, name, values.get(name), max_length=limit)
    if "uid" in check:
        uid = values.get("uid")
        _check_int(errors, "uid", uid, low=0, high=2_147_483_647)
        if "uid" not in errors:
            same_uid = Task.objects.filter(project=project, uid=values["uid"])
            if task is not None:
                same_uid = same_uid.exclude(pk=task.pk)
            if same_uid.exists():
                errors.add("uid", f"Task {uid} already exists in {project.code}.")
    minutes_limit = 2_147_483_647
    for name in ("sort_order", "duration_minutes", "work_minutes"):
        if name in check:
            _check_int(errors, name, values.get(name), low=0, high=minutes_limit)
    for flag in ("is_milestone", "is_summary", "is_manual", "is_elapsed"):
        if flag in check:
            _check_bool(errors, flag, values.get(flag))
    if "priority" in check:
        _check_int(errors, "priority", values.get("priority"), low=0, high=1000)
    if {"constraint_type", "constraint_date"} & check:
        constraint = values.get("constraint_type")
        if _check_choice(errors, "constraint_type", constraint, Task.ConstraintType.values):
            needs_date = constraint not in (Task.ConstraintType.ASAP, Task.ConstraintType.ALAP)
            if needs_date and values.get("constraint_date") is None:
                errors.add("constraint_date", f"A {constraint} constraint needs a date.")
    for name in (
        "constraint_date",
        "deadline",
        "planned_start",
        "planned_finish",
        "actual_start",
        "actual_finish",
    ):
        if name in check and values.get(name) is not None:
            if not isinstance(values[name], datetime.datetime):
                errors.add(name, "Enter a date and time.")
            elif timezone.is_naive(values[name]):
                errors.add(name, "Give a time zone, e.g. 2026-03-02T09:00:00Z.")
    dated = [
        name
        for name in ("planned_start", "planned_finish", "actual_start", "actual_finish")
        if name in errors
    ]
    if not dated:
        _check_date_order(
            errors, values, "planned_start", "planned_finish", "The finish is before the start."
        )
        _check_date_order(
            errors, values, "actual_start", "actual_finish", "The finish is before the start."
        )
    if "percent_complete" in check:
        check_decimal_in_range(
            errors,
            "percent_complete",
            values.get("percent_complete"),
            low=Decimal(0),
            high=Decimal(100),
            places=2,
            message="Use a percentage from 0 to 100.",
        )
    if "cost" in check:
        check_decimal_in_range(
            errors,
            "cost",
            values.get("cost"),
            low=Decimal(0),
            high=MONEY_LIMIT - Decimal("0.01"),
            places=2,
            message="A cost is positive and below 10^14.",
        )
    if (
        "calendar_id" in check
        and values.get("calendar_id") is not None
        and not Calendar.objects.filter(
            pk=values["calendar_id"], organisation_id=project.organisation_id
        ).exists()
    ):
        errors.add("calendar_id", NOT_FOUND)
    if "parent_id" in check and values.get("parent_id") is not None:
        parent_id = values["parent_id"]
        parent_of = dict(Task.objects.filter(project=project).values_list("pk", "parent_id"))
        if parent_id not in parent_of:
            errors.add("parent_id", NOT_FOUND)
        elif task is not None:
            ancestor: int | None = parent_id
            while ancestor is not None:
                if ancestor == task.pk:
                    errors.add("parent_id", "A task cannot sit under itself or its own sub-tasks.")
                    break
                ancestor = parent_of.get(ancestor)
    return errors


def _outline_level(parent_id: int | None) -> int:
    if parent_id is None:
        return 1
    parent_level = Task.objects.filter(pk=parent_id).values_list("outline_level", flat=True)
    return int(parent_level[0]) + 1


@transaction.atomic
def task_create(*, acting_user: User, project_id: int, fields: TaskFields) -> Task:
    """Add a task at the end of the schedule (or under ``parent_id``)."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    errors = _Errors()
    _reject_unknown(errors, fields, TASK_FIELD_NAMES)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "notes": "",
        "wbs": "",
        "constraint_type": Task.ConstraintType.ASAP,
        **fields,
    }
    errors = _task_errors(project=project, values=values, check=set(values) | {"name"}, task=None)
    errors.raise_if_any()
    if "uid" not in values:
        _lock(project)
        latest = project.tasks.aggregate(latest=Max("uid"))["latest"]
        values["uid"] = (latest or 0) + 1
    values.setdefault("sort_order", values["uid"])
    task = Task.objects.create(
        project=project, outline_level=_outline_level(values.get("parent_id")), **values
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=task,
        organisation_id=project.organisation_id,
        after=snapshot(task),
        summary=f"Added task {task.uid} {task.name} to {project.code}",
    )
    return task


@transaction.atomic
def task_update(*, acting_user: User, task_id: int, changes: TaskFields) -> Task:
    task = access_task_by_id(acting_user, task_id, for_edit=True)
    errors = _Errors()
    _reject_unknown(errors, changes, TASK_FIELD_NAMES)
    errors.raise_if_any()
    values = {name: getattr(task, name) for name in TASK_FIELD_NAMES} | dict(changes)
    errors = _task_errors(project=task.project, values=values, check=set(changes), task=task)
    errors.raise_if_any()
    if not _differs(task, changes):
        return task
    before = snapshot(task)
    for name, value in changes.items():
        setattr(task, name, value)
    if "parent_id" in changes:
        task.outline_level = _outline_level(task.parent_id)
    task.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=task,
        organisation_id=task.project.organisation_id,
        before=before,
        after=snapshot(task),
        summary=f"Updated task {task.uid} of {task.project.code}",
    )
    return task


@transaction.atomic
def task_delete(*, acting_user: User, task_id: int) -> None:
    """Delete a task and its links; a summary task must be emptied first."""
    task = access_task_by_id(acting_user, task_id, for_edit=True)
    children = task.children.count()
    if children:
        raise Conflict(
            f"Task {task.uid} {task.name} has {children} sub-task(s): move or delete them first."
        )
    before = snapshot(task)
    pk, project = task.pk, task.project
    try:
        task.delete()
    except (ProtectedError, RestrictedError) as error:
        raise Conflict(f"Task {task.uid} {task.name} is still referred to.") from error
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=Task._meta.label_lower,
        entity_id=pk,
        organisation_id=project.organisation_id,
        before=before,
        summary=f"Deleted task {before['uid']} {before['name']} of {project.code}",
    )


# Links


def _dependency_path(successors: Mapping[int, list[int]], start: int, goal: int) -> list[int]:
    """The tasks on a path of links from ``start`` to ``goal`` (both included), or []."""
    previous: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path: list[int] = []
            step: int | None = node
            while step is not None:
                path.append(step)
                step = previous[step]
            return path[::-1]
        for following in successors.get(node, ()):
            if following not in previous:
                previous[following] = node
                queue.append(following)
    return []


def _link_errors(
    *, project: Project, values: Mapping[str, Any], check: set[str], link: TaskLink | None
) -> None:
    """Validate a link as it would be; raise at the first class of problem found."""
    errors = _Errors()
    tasks: dict[str, Task] = {}
    for name in ("predecessor_id", "successor_id"):
        task_id = values.get(name)
        if task_id is None:
            errors.add(name, REQUIRED)
            continue
        task = (
            Task.objects.select_related("project")
            .filter(pk=task_id, project__organisation_id=project.organisation_id)
            .first()
        )
        if task is None:
            errors.add(name, NOT_FOUND)
        elif task.project_id != project.pk:
            errors.add(
                name,
                f"Task {task.uid} {task.name} is in {task.project.code}: links join tasks "
                f"of the same project ({project.code}).",
            )
        else:
            tasks[name] = task
    if "type" in check:
        _check_choice(errors, "type", values.get("type"), TaskLink.Type.values)
    if "lag_minutes" in check:
        _check_int(errors, "lag_minutes", values.get("lag_minutes"), low=-(10**9), high=10**9)
    if "lag_percent" in check and values.get("lag_percent") is not None:
        check_decimal_in_range(
            errors,
            "lag_percent",
            values["lag_percent"],
            low=Decimal("-99999.99"),
            high=Decimal("99999.99"),
            places=2,
            message="Use a percentage of the predecessor's duration below 100000.",
        )
    if "lag_elapsed" in check:
        _check_bool(errors, "lag_elapsed", values.get("lag_elapsed"))
    errors.raise_if_any()
    predecessor, successor = tasks["predecessor_id"], tasks["successor_id"]
    if predecessor.pk == successor.pk:
        raise ValidationFailed({"successor_id": ["A task cannot depend on itself."]})
    others = TaskLink.objects.filter(project=project)
    if link is not None:
        others = others.exclude(pk=link.pk)
    pairs = list(others.values_list("predecessor_id", "successor_id"))
    if (predecessor.pk, successor.pk) in pairs:
        raise ValidationFailed(
            {"successor_id": [f"{predecessor.name} is already linked to {successor.name}."]}
        )
    successors: dict[int, list[int]] = {}
    for before_id, after_id in pairs:
        successors.setdefault(before_id, []).append(after_id)
    loop = _dependency_path(successors, successor.pk, predecessor.pk)
    if loop:
        # The new link predecessor -> successor plus the path successor -> predecessor.
        names = dict(Task.objects.filter(pk__in=loop).values_list("pk", "name"))
        raise DependencyCycle("successor_id", [names[pk] for pk in [loop[-1], *loop[:-1]]])


@transaction.atomic
def link_create(
    *,
    acting_user: User,
    project_id: int,
    predecessor_id: int,
    successor_id: int,
    type: str = TaskLink.Type.FS,
    lag_minutes: int = 0,
    lag_percent: Decimal | None = None,
    lag_elapsed: bool = False,
) -> TaskLink:
    """Make ``successor_id`` depend on ``predecessor_id`` (same project, no cycle)."""
    project = access_project_by_id(acting_user, project_id, for_edit=True)
    values: dict[str, Any] = {
        "predecessor_id": predecessor_id,
        "successor_id": successor_id,
        "type": type,
        "lag_minutes": lag_minutes,
        "lag_percent": lag_percent,
        "lag_elapsed": lag_elapsed,
    }
    _link_errors(project=project, values=values, check=set(values), link=None)
    link = TaskLink.objects.create(project=project, **values)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=link,
        organisation_id=project.organisation_id,
        after=snapshot(link),
        summary=f"Linked tasks in {project.code}",
    )
    return link


@transaction.atomic
def link_update(*, acting_user: User, link_id: int, changes: LinkFields) -> TaskLink:
    link = access_link_by_id(acting_user, link_id, for_edit=True)
    errors = _Errors()
    _reject_unknown(errors, changes, LINK_FIELD_NAMES)
    errors.raise_if_any()
    values = {name: getattr(link, name) for name in LINK_FIELD_NAMES} | dict(changes)
    _link_errors(project=link.project, values=values, check=set(changes), link=link)
    if not _differs(link, changes):
        return link
    before = snapshot(link)
    for name, value in changes.items():
        setattr(link, name, value)
    link.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=link,
        organisation_id=link.project.organisation_id,
        before=before,
        after=snapshot(link),
        summary=f"Updated a task link in {link.project.code}",
    )
    return link


@transaction.atomic
def link_delete(*, acting_user: User, link_id: int) -> None:
    link = access_link_by_id(acting_user, link_id, for_edit=True)
    before, pk, project = snapshot(link), link.pk, link.project
    link.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=TaskLink._meta.label_lower,
        entity_id=pk,
        organisation_id=project.organisation_id,
        before=before,
        summary=f"Removed the link {link.predecessor.name} → {link.successor.name} "
        f"in {project.code}",
    )
