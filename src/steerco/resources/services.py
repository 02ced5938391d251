"""Writes to job roles and people.

Every function checks the acting user's access, validates every field before
writing anything (raising ``ValidationFailed`` with the messages per field),
writes, and records one audit row in the same transaction.

Updates are partial: a keyword left at ``UNSET`` keeps its current value, so
that the API's PATCH and the edit pages call the same function.

People are planned against and booked, so once a person has history
(bookings, assignments, timesheets, resource requests) they are deactivated,
never deleted; roles are deleted only while nothing refers to them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from steerco.accounts.models import BusinessUnit, User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.validation import UNSET, FieldErrors, Unset, given, unique_guard
from steerco.projects.models import Calendar
from steerco.resources.access import (
    access_person_by_id,
    access_role_by_id,
    require_resource_editor,
)
from steerco.resources.capacity_services import capacity_changed
from steerco.resources.models import Absence, Person, PersonSkill, Role, Skill

ModelT = TypeVar("ModelT", Role, Person)

FTE_MAX = Decimal("1.5")
# The field the database keeps unique per organisation, and what to say when a race breaks it.
UNIQUE_FIELD: dict[type[models.Model], tuple[str, str]] = {
    Role: ("code", "Another role already uses this code."),
    Person: ("email", "Another person already has this email address."),
}
SKILL_LEVELS = range(1, 6)


def _validated_role(
    values: dict[str, Any], *, organisation_id: int, instance: Role | None
) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    for name in ("code", "name", "description", "default_cost_rate", "is_active"):
        if name in values:
            cleaned[name] = errors.clean(Role, name, values[name])
    code = cleaned.get("code")
    if code and "code" not in errors.errors:
        taken = Role.objects.filter(organisation_id=organisation_id, code__iexact=code)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors.add("code", f"Another role already uses the code {code}.")
    rate = cleaned.get("default_cost_rate")
    if isinstance(rate, Decimal) and "default_cost_rate" not in errors.errors and rate < 0:
        errors.add("default_cost_rate", "A cost rate cannot be negative.")
    if instance is not None and cleaned.get("is_active") is False and instance.is_active:
        active_people = instance.people.filter(is_active=True).count()
        if active_people:
            errors.add(
                "is_active",
                f"{active_people} active people have this role: move them to another role first.",
            )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def role_create(
    *,
    acting_user: User,
    code: str,
    name: str,
    description: str = "",
    default_cost_rate: Decimal = Decimal("0"),
    is_active: bool = True,
) -> Role:
    require_resource_editor(acting_user, "create roles")
    organisation_id = organisation_id_of(acting_user)
    cleaned = _validated_role(
        {
            "code": code,
            "name": name,
            "description": description,
            "default_cost_rate": default_cost_rate,
            "is_active": is_active,
        },
        organisation_id=organisation_id,
        instance=None,
    )
    with unique_guard(*UNIQUE_FIELD[Role]):
        role = Role.objects.create(organisation_id=organisation_id, **cleaned)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=role,
        after=snapshot(role),
        summary=f"Created role {role.code}",
    )
    return role


@transaction.atomic
def role_update(
    *,
    acting_user: User,
    role_id: int,
    code: str | Unset = UNSET,
    name: str | Unset = UNSET,
    description: str | Unset = UNSET,
    default_cost_rate: Decimal | Unset = UNSET,
    is_active: bool | Unset = UNSET,
) -> Role:
    access_role_by_id(acting_user, role_id, for_edit=True)
    role = Role.objects.select_for_update().get(pk=role_id)
    cleaned = _validated_role(
        given(
            {
                "code": code,
                "name": name,
                "description": description,
                "default_cost_rate": default_cost_rate,
                "is_active": is_active,
            }
        ),
        organisation_id=role.organisation_id,
        instance=role,
    )
    return _apply_changes(acting_user, role, cleaned, f"role {role.code}")


def _counted(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _role_usage(role: Role) -> list[str]:
    """What still refers to ``role``: anything here keeps it from being deleted."""
    counts = [
        (role.people.count(), "person", "people"),
        (role.demands.count(), "month of demand", "months of demand"),
        (role.assignments.count(), "task assignment", "task assignments"),
        (role.requests.count(), "resource request", "resource requests"),
        (role.hiring_plans.count(), "hiring plan", "hiring plans"),
    ]
    return [_counted(*count) for count in counts if count[0]]


@transaction.atomic
def role_delete(*, acting_user: User, role_id: int) -> None:
    """Delete an unused role; a role still referred to is a conflict (deactivate it instead)."""
    access_role_by_id(acting_user, role_id, for_edit=True)
    role = Role.objects.select_for_update().get(pk=role_id)
    used_by = _role_usage(role)
    if used_by:
        raise Conflict(
            f"Role {role.code} is still used by {', '.join(used_by)}: "
            "mark it inactive instead, or move those first."
        )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        instance=role,
        before=snapshot(role),
        summary=f"Deleted role {role.code}",
    )
    role.delete()


# People


def _validated_person(
    values: dict[str, Any], *, organisation_id: int, instance: Person | None
) -> dict[str, Any]:
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    for name in ("name", "email", "fte", "start_date", "end_date", "is_active"):
        if name in values:
            cleaned[name] = errors.clean(Person, name, values[name])

    fte = cleaned.get("fte")
    if isinstance(fte, Decimal) and "fte" not in errors.errors and not 0 <= fte <= FTE_MAX:
        errors.add("fte", f"Full-time equivalent runs from 0 to {FTE_MAX}.")

    start = cleaned.get("start_date", instance.start_date if instance else None)
    end = cleaned.get("end_date", instance.end_date if instance else None)
    if (
        isinstance(start, datetime.date)
        and isinstance(end, datetime.date)
        and end < start
        and not {"start_date", "end_date"} & errors.errors.keys()
    ):
        errors.add("end_date", "The end date cannot be before the start date.")

    email = cleaned.get("email")
    if email and "email" not in errors.errors:
        taken = Person.objects.filter(organisation_id=organisation_id, email__iexact=email)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors.add("email", f"Another person already has the email address {email}.")

    if "role_id" in values:
        role_id = cleaned["role_id"] = values["role_id"]
        role = Role.objects.filter(pk=role_id, organisation_id=organisation_id).first()
        if role is None:
            errors.add("role_id", "Choose a role of your organisation.")
        elif not role.is_active and (instance is None or instance.role_id != role_id):
            errors.add("role_id", f"The role {role.name} is no longer in use.")

    if values.get("business_unit_id") is not None and not (
        BusinessUnit.objects.filter(
            pk=values["business_unit_id"], organisation_id=organisation_id
        ).exists()
    ):
        errors.add("business_unit_id", "Choose a business unit of your organisation.")
    if values.get("calendar_id") is not None and not (
        Calendar.objects.filter(pk=values["calendar_id"], organisation_id=organisation_id).exists()
    ):
        errors.add("calendar_id", "Choose a calendar of your organisation.")
    if values.get("manager_id") not in (None, instance.manager_id if instance else None) and not (
        User.objects.filter(
            pk=values["manager_id"], organisation_id=organisation_id, is_active=True
        ).exists()
    ):
        errors.add("manager_id", "Choose an active user of your organisation.")
    if values.get("user_id") is not None:
        login = (
            User.objects.filter(pk=values["user_id"], organisation_id=organisation_id)
            .select_related("person")
            .first()
        )
        linked = getattr(login, "person", None) if login is not None else None
        if login is None:
            errors.add("user_id", "Choose a user of your organisation.")
        elif linked is not None and (instance is None or linked.pk != instance.pk):
            errors.add("user_id", f"This login already belongs to {linked.name}.")
    for name in ("business_unit_id", "calendar_id", "manager_id", "user_id"):
        if name in values:
            cleaned[name] = values[name]

    if "skills" in values:
        cleaned["skills"] = _validated_skills(errors, values["skills"], organisation_id)
    errors.raise_if_any()
    return cleaned


def _validated_skills(
    errors: FieldErrors, skills: Sequence[tuple[int, int]] | None, organisation_id: int
) -> dict[int, int]:
    levels: dict[int, int] = {}
    for skill_id, level in skills or ():
        if skill_id in levels:
            errors.add("skills", f"Skill {skill_id} is listed twice.")
        if level not in SKILL_LEVELS:
            errors.add("skills", "Skill levels run from 1 (novice) to 5 (expert).")
        levels[skill_id] = level
    known = set(
        Skill.objects.filter(organisation_id=organisation_id, pk__in=levels).values_list(
            "pk", flat=True
        )
    )
    for skill_id in sorted(levels.keys() - known):
        errors.add("skills", f"No skill {skill_id} in your organisation.")
    return levels


def _skill_levels(person: Person) -> dict[str, int]:
    # JSON keys are strings; audit rows compare them before and after.
    return {
        str(skill_id): level
        for skill_id, level in PersonSkill.objects.filter(person=person)
        .order_by("skill_id")
        .values_list("skill_id", "level")
    }


def _replace_skills(person: Person, levels: dict[int, int]) -> None:
    PersonSkill.objects.filter(person=person).exclude(skill_id__in=levels).delete()
    current = dict(PersonSkill.objects.filter(person=person).values_list("skill_id", "level"))
    for skill_id, level in levels.items():
        if skill_id not in current:
            PersonSkill.objects.create(person=person, skill_id=skill_id, level=level)
        elif current[skill_id] != level:
            PersonSkill.objects.filter(person=person, skill_id=skill_id).update(level=level)


@transaction.atomic
def person_create(
    *,
    acting_user: User,
    name: str,
    role_id: int,
    email: str = "",
    business_unit_id: int | None = None,
    calendar_id: int | None = None,
    fte: Decimal = Decimal("1"),
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    manager_id: int | None = None,
    user_id: int | None = None,
    skills: Sequence[tuple[int, int]] = (),
) -> Person:
    """Add a person to plan; ``skills`` are ``(skill id, level 1..5)`` pairs."""
    require_resource_editor(acting_user, "add people")
    organisation_id = organisation_id_of(acting_user)
    cleaned = _validated_person(
        {
            "name": name,
            "email": email,
            "role_id": role_id,
            "business_unit_id": business_unit_id,
            "calendar_id": calendar_id,
            "fte": fte,
            "start_date": start_date,
            "end_date": end_date,
            "manager_id": manager_id,
            "user_id": user_id,
            "skills": skills,
        },
        organisation_id=organisation_id,
        instance=None,
    )
    levels = cleaned.pop("skills")
    with unique_guard(*UNIQUE_FIELD[Person]):
        person = Person.objects.create(organisation_id=organisation_id, **cleaned)
    _replace_skills(person, levels)
    capacity_changed(organisation_id=organisation_id, person_ids=[person.pk])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=person,
        after={**snapshot(person), "skills": _skill_levels(person)},
        summary=f"Added {person.name}",
    )
    return person


@transaction.atomic
def person_update(
    *,
    acting_user: User,
    person_id: int,
    name: str | Unset = UNSET,
    role_id: int | Unset = UNSET,
    email: str | Unset = UNSET,
    business_unit_id: int | Unset | None = UNSET,
    calendar_id: int | Unset | None = UNSET,
    fte: Decimal | Unset = UNSET,
    start_date: datetime.date | Unset | None = UNSET,
    end_date: datetime.date | Unset | None = UNSET,
    manager_id: int | Unset | None = UNSET,
    user_id: int | Unset | None = UNSET,
    is_active: bool | Unset = UNSET,
    skills: Sequence[tuple[int, int]] | Unset = UNSET,
) -> Person:
    """Change a person; ``skills``, when given, replaces the whole list."""
    access_person_by_id(acting_user, person_id, for_edit=True)
    person = Person.objects.select_for_update().get(pk=person_id)
    cleaned = _validated_person(
        given(
            {
                "name": name,
                "email": email,
                "role_id": role_id,
                "business_unit_id": business_unit_id,
                "calendar_id": calendar_id,
                "fte": fte,
                "start_date": start_date,
                "end_date": end_date,
                "manager_id": manager_id,
                "user_id": user_id,
                "is_active": is_active,
                "skills": skills,
            }
        ),
        organisation_id=person.organisation_id,
        instance=person,
    )
    levels = cleaned.pop("skills", None)
    inputs_before = _capacity_inputs(person)
    if levels is None:
        _apply_changes(acting_user, person, cleaned, person.name)
        return _refresh_if_changed(person, inputs_before)
    before_skills = _skill_levels(person)
    after_skills = {str(skill_id): level for skill_id, level in sorted(levels.items())}
    extra = (
        ({"skills": before_skills}, {"skills": after_skills})
        if before_skills != after_skills
        else None
    )
    if extra is not None:
        _replace_skills(person, levels)
    _apply_changes(acting_user, person, cleaned, person.name, extra=extra)
    return _refresh_if_changed(person, inputs_before)


# What a person's capacity is made of: a change to any of these rebuilds their months.
CAPACITY_INPUTS = (
    "fte",
    "role_id",
    "calendar_id",
    "business_unit_id",
    "start_date",
    "end_date",
    "is_active",
)


def _capacity_inputs(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in CAPACITY_INPUTS}


def _refresh_if_changed(person: Person, before: dict[str, Any]) -> Person:
    if _capacity_inputs(person) != before:
        capacity_changed(
            organisation_id=person.organisation_id,
            person_ids=[person.pk],
            role_ids=[before["role_id"]],
        )
    return person


def _person_history(person: Person) -> list[str]:
    """What has happened to ``person``: anything here keeps them from being deleted."""
    counts = [
        (person.bookings.count(), "booking", "bookings"),
        (person.assignments.count(), "task assignment", "task assignments"),
        (person.timesheets.count(), "timesheet", "timesheets"),
        (
            person.requests.count() + person.approved_requests.count(),
            "resource request",
            "resource requests",
        ),
    ]
    return [_counted(*count) for count in counts if count[0]]


@transaction.atomic
def person_deactivate(
    *, acting_user: User, person_id: int, end_date: datetime.date | None = None
) -> Person:
    """Stop planning ``person`` from ``end_date`` (today if not given); history stays."""
    access_person_by_id(acting_user, person_id, for_edit=True)
    person = Person.objects.select_for_update().get(pk=person_id)
    end = end_date or person.end_date or timezone.localdate()
    if person.start_date is not None and end < person.start_date:
        raise ValidationFailed({"end_date": ["The end date cannot be before the start date."]})
    inputs_before = _capacity_inputs(person)
    _apply_changes(
        acting_user, person, {"is_active": False, "end_date": end}, person.name, verb="Deactivated"
    )
    return _refresh_if_changed(person, inputs_before)


@transaction.atomic
def person_delete(*, acting_user: User, person_id: int) -> None:
    """Delete a person added by mistake; one with history is a conflict (deactivate instead)."""
    access_person_by_id(acting_user, person_id, for_edit=True)
    person = Person.objects.select_for_update().get(pk=person_id)
    history = _person_history(person)
    if history:
        raise Conflict(
            f"{person.name} has {', '.join(history)}: deactivate them instead of deleting."
        )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        instance=person,
        before={**snapshot(person), "skills": _skill_levels(person)},
        summary=f"Deleted {person.name}",
    )
    organisation_id, role_id = person.organisation_id, person.role_id
    person.delete()
    # Their capacity rows went with them; their role's totals must drop them too.
    capacity_changed(organisation_id=organisation_id, person_ids=[], role_ids=[role_id])


def _apply_changes(
    acting_user: User,
    instance: ModelT,
    cleaned: dict[str, Any],
    label: str,
    *,
    extra: tuple[dict[str, Any], dict[str, Any]] | None = None,
    verb: str = "Changed",
) -> ModelT:
    """Save the fields that differ and record them; no change, no write, no audit row."""
    before = snapshot(instance)
    changed: list[str] = [
        name for name, value in cleaned.items() if getattr(instance, name) != value
    ]
    if not changed and extra is None:
        return instance
    for name in changed:
        setattr(instance, name, cleaned[name])
    if changed:
        with unique_guard(*UNIQUE_FIELD[type(instance)]):
            instance.save(update_fields=[*changed, "updated_at"])
    after = snapshot(instance)
    if extra is not None:
        before, after = {**before, **extra[0]}, {**after, **extra[1]}
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        instance=instance,
        before=before,
        after=after,
        summary=f"{verb} {label}: {', '.join([*changed, *(['skills'] if extra else [])])}",
    )
    return instance


# Absences


@transaction.atomic
def absence_create(
    *,
    acting_user: User,
    person_id: int,
    start_date: datetime.date,
    finish_date: datetime.date,
    hours_per_day: Decimal | None = None,
    reason: str = Absence.Reason.LEAVE,
    note: str = "",
) -> Absence:
    """Record time away (whole days, or ``hours_per_day``); the person's capacity follows."""
    person = access_person_by_id(acting_user, person_id, for_edit=True)
    errors = FieldErrors()
    if finish_date < start_date:
        errors.add("finish_date", "The absence cannot end before it starts.")
    if hours_per_day is not None and not Decimal(0) < hours_per_day <= Decimal(24):
        errors.add("hours_per_day", "Hours per day run from more than 0 to 24.")
    if reason not in Absence.Reason.values:
        errors.add("reason", f"Choose one of {', '.join(Absence.Reason.values)}.")
    if len(note) > 200:
        errors.add("note", "At most 200 characters.")
    errors.raise_if_any()
    absence = Absence.objects.create(
        person=person,
        start_date=start_date,
        finish_date=finish_date,
        hours_per_day=hours_per_day,
        reason=reason,
        note=note.strip(),
    )
    capacity_changed(organisation_id=person.organisation_id, person_ids=[person.pk])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=absence,
        organisation_id=person.organisation_id,
        after=snapshot(absence),
        summary=f"{person.name} away {start_date}..{finish_date} ({reason})",
    )
    return absence


@transaction.atomic
def absence_delete(*, acting_user: User, absence_id: int) -> None:
    absence = (
        Absence.objects.select_related("person")
        .filter(pk=absence_id, person__organisation_id=organisation_id_of(acting_user))
        .first()
    )
    if absence is None:
        raise NotFound(f"No absence {absence_id}.")
    person = access_person_by_id(acting_user, absence.person_id, for_edit=True)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        instance=absence,
        organisation_id=person.organisation_id,
        before=snapshot(absence),
        summary=f"Absence of {person.name} from {absence.start_date} removed",
    )
    absence.delete()
    capacity_changed(organisation_id=person.organisation_id, person_ids=[person.pk])
