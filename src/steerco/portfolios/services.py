"""Writes to portfolios and programs.

Every function checks the acting user's access, validates every field before
writing anything (raising ``ValidationFailed`` with the messages per field),
writes, and records one audit row in the same transaction.

Updates are partial: a keyword left at ``UNSET`` keeps its current value, so
that the API's PATCH and the edit pages call the same function.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.template.defaultfilters import pluralize

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import Conflict
from steerco.core.models import AuditEntry
from steerco.core.validation import UNSET, FieldErrors, Unset, given, unique_guard
from steerco.portfolios.access import (
    access_portfolio_by_id,
    access_program_by_id,
    require_portfolio_editor,
)
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.models import Project

ModelT = TypeVar("ModelT", Portfolio, Program)


def _check_user(
    errors: FieldErrors,
    field: str,
    user_id: int | None,
    organisation_id: int,
    current_id: int | None = None,
) -> None:
    # Someone who has left may stay the owner of record until the field is changed.
    if user_id is None or user_id == current_id:
        return
    if not User.objects.filter(
        pk=user_id, organisation_id=organisation_id, is_active=True
    ).exists():
        errors.add(field, "Choose an active user of your organisation.")


def _check_code_free(
    errors: FieldErrors,
    model: type[Portfolio] | type[Program],
    code: str,
    organisation_id: int,
    instance_pk: int | None,
) -> None:
    if "code" in errors.errors or not code:
        return
    taken = model._default_manager.filter(organisation_id=organisation_id, code__iexact=code)
    if instance_pk is not None:
        taken = taken.exclude(pk=instance_pk)
    if taken.exists():
        errors.add("code", f"Another {model._meta.verbose_name} already uses the code {code}.")


def _validated_portfolio(
    values: dict[str, Any], *, organisation_id: int, instance: Portfolio | None
) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    for name in ("code", "name", "description", "is_active"):
        if name in values:
            cleaned[name] = errors.clean(Portfolio, name, values[name])
    if "code" in cleaned:
        _check_code_free(
            errors, Portfolio, cleaned["code"], organisation_id, instance.pk if instance else None
        )
    if "owner_id" in values:
        cleaned["owner_id"] = values["owner_id"]
        _check_user(
            errors,
            "owner_id",
            values["owner_id"],
            organisation_id,
            instance.owner_id if instance else None,
        )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def portfolio_create(
    *,
    acting_user: User,
    code: str,
    name: str,
    description: str = "",
    owner_id: int | None = None,
    is_active: bool = True,
) -> Portfolio:
    require_portfolio_editor(acting_user, "create portfolios")
    organisation_id = organisation_id_of(acting_user)
    cleaned = _validated_portfolio(
        {
            "code": code,
            "name": name,
            "description": description,
            "owner_id": owner_id,
            "is_active": is_active,
        },
        organisation_id=organisation_id,
        instance=None,
    )
    with unique_guard("code", "Another portfolio already uses this code."):
        portfolio = Portfolio.objects.create(organisation_id=organisation_id, **cleaned)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=portfolio,
        after=snapshot(portfolio),
        summary=f"Created portfolio {portfolio.code}",
    )
    return portfolio


@transaction.atomic
def portfolio_update(
    *,
    acting_user: User,
    portfolio_id: int,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    owner_id: int | Unset | None = UNSET,
    is_active: bool | Unset = UNSET,
) -> Portfolio:
    access_portfolio_by_id(acting_user, portfolio_id, for_edit=True)
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio_id)
    cleaned = _validated_portfolio(
        given(
            {
                "code": code,
                "name": name,
                "description": description,
                "owner_id": owner_id,
                "is_active": is_active,
            }
        ),
        organisation_id=portfolio.organisation_id,
        instance=portfolio,
    )
    return _apply_changes(acting_user, portfolio, cleaned, "portfolio")


@transaction.atomic
def portfolio_delete(*, acting_user: User, portfolio_id: int) -> None:
    """Delete an empty portfolio; one with programs, projects or scenarios is a conflict."""
    access_portfolio_by_id(acting_user, portfolio_id, for_edit=True)
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio_id)
    contents = {
        "program": portfolio.programs.count(),
        "project": Project.objects.filter(portfolio=portfolio).count(),
        "scenario": portfolio.scenarios.count(),
    }
    held = [f"{count} {what}{pluralize(count)}" for what, count in contents.items() if count]
    if held:
        raise Conflict(
            f"Portfolio {portfolio.code} still holds {', '.join(held)}: "
            "move or delete them first, or mark the portfolio inactive."
        )
    _delete(acting_user, portfolio, f"Deleted portfolio {portfolio.code}")


def _validated_program(
    values: dict[str, Any], *, organisation_id: int, instance: Program | None
) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    for name in ("code", "name", "description"):
        if name in values:
            cleaned[name] = errors.clean(Program, name, values[name])
    if "code" in cleaned:
        _check_code_free(
            errors, Program, cleaned["code"], organisation_id, instance.pk if instance else None
        )
    if "manager_id" in values:
        cleaned["manager_id"] = values["manager_id"]
        _check_user(
            errors,
            "manager_id",
            values["manager_id"],
            organisation_id,
            instance.manager_id if instance else None,
        )
    if "portfolio_id" in values:
        portfolio_id = values["portfolio_id"]
        cleaned["portfolio_id"] = portfolio_id
        if portfolio_id is None:
            errors.add("portfolio_id", "Choose the portfolio this program belongs to.")
        elif not Portfolio.objects.filter(
            pk=portfolio_id, organisation_id=organisation_id
        ).exists():
            errors.add("portfolio_id", "Choose a portfolio of your organisation.")
        elif (
            instance is not None
            and portfolio_id != instance.portfolio_id
            and Project.objects.filter(program=instance).exists()
        ):
            # Its projects name the old portfolio too; moving only the program would split them.
            errors.add(
                "portfolio_id",
                "This program has projects: move them to the other portfolio first.",
            )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def program_create(
    *,
    acting_user: User,
    portfolio_id: int,
    code: str,
    name: str,
    description: str = "",
    manager_id: int | None = None,
) -> Program:
    require_portfolio_editor(acting_user, "create programs")
    organisation_id = organisation_id_of(acting_user)
    cleaned = _validated_program(
        {
            "portfolio_id": portfolio_id,
            "code": code,
            "name": name,
            "description": description,
            "manager_id": manager_id,
        },
        organisation_id=organisation_id,
        instance=None,
    )
    with unique_guard("code", "Another program already uses this code."):
        program = Program.objects.create(organisation_id=organisation_id, **cleaned)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=program,
        after=snapshot(program),
        summary=f"Created program {program.code}",
    )
    return program


@transaction.atomic
def program_update(
    *,
    acting_user: User,
    program_id: int,
    portfolio_id: int | Unset = UNSET,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    manager_id: int | Unset | None = UNSET,
) -> Program:
    access_program_by_id(acting_user, program_id, for_edit=True)
    program = Program.objects.select_for_update().get(pk=program_id)
    cleaned = _validated_program(
        given(
            {
                "portfolio_id": portfolio_id,
                "code": code,
                "name": name,
                "description": description,
                "manager_id": manager_id,
            }
        ),
        organisation_id=program.organisation_id,
        instance=program,
    )
    return _apply_changes(acting_user, program, cleaned, "program")


@transaction.atomic
def program_delete(*, acting_user: User, program_id: int) -> None:
    """Delete a program without projects; one with projects is a conflict."""
    access_program_by_id(acting_user, program_id, for_edit=True)
    program = Program.objects.select_for_update().get(pk=program_id)
    project_count = Project.objects.filter(program=program).count()
    if project_count:
        raise Conflict(
            f"Program {program.code} still has {project_count} project{pluralize(project_count)}: "
            "move them out of the program first."
        )
    _delete(acting_user, program, f"Deleted program {program.code}")


def _apply_changes(
    acting_user: User, instance: ModelT, cleaned: dict[str, Any], label: str
) -> ModelT:
    before = snapshot(instance)
    changed: list[str] = [
        name for name, value in cleaned.items() if getattr(instance, name) != value
    ]
    if not changed:
        return instance
    for name in changed:
        setattr(instance, name, cleaned[name])
    with unique_guard("code", f"Another {label} already uses this code."):
        instance.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        instance=instance,
        before=before,
        after=snapshot(instance),
        summary=f"Changed {label} {instance.code}: {', '.join(changed)}",
    )
    return instance


def _delete(acting_user: User, instance: Portfolio | Program, summary: str) -> None:
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        instance=instance,
        before=snapshot(instance),
        summary=summary,
    )
    instance.delete()
