"""Who may see and change job roles and people.

- Every active member of an organisation sees its roles and people, read-only:
  a project manager needs to know who is a data engineer before asking for one.
- Cost rates (a role's default rate, a person's rate history) are seen only by
  administrators, resource managers, PMO analysts and executives
  (``COST_RATE_READERS``). Everyone else reads names, roles and skills; the
  rates come back as ``null`` from the API and are left out of the pages, and
  lists may not be sorted by rate (the order would give the rates away).
- Bookings on a person's page are limited to the projects the reader may see.
- Administrators, resource managers and PMO analysts (``RESOURCE_EDITORS``)
  create, change and delete roles, and create, change and deactivate people.
- Nobody sees another organisation's roles or people: those are "not found".
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from steerco.accounts.models import Role as UserRole
from steerco.accounts.models import User
from steerco.core.access import (
    RESOURCE_EDITORS,
    has_role,
    is_active_member,
    organisation_id_of,
    require_role,
)
from steerco.core.errors import NotFound
from steerco.resources.models import Person, Role

COST_RATE_READERS = RESOURCE_EDITORS | {UserRole.EXECUTIVE}


def roles_visible_to(user: User) -> QuerySet[Role]:
    if not is_active_member(user):
        return Role.objects.none()
    return Role.objects.filter(organisation_id=organisation_id_of(user))


def people_visible_to(user: User) -> QuerySet[Person]:
    if not is_active_member(user):
        return Person.objects.none()
    return Person.objects.filter(organisation_id=organisation_id_of(user))


def may_see_cost_rates(user: Any) -> bool:
    return has_role(user, COST_RATE_READERS)


def can_edit_resources(user: User) -> bool:
    return has_role(user, RESOURCE_EDITORS)


def require_resource_editor(user: User, action: str) -> None:
    require_role(user, RESOURCE_EDITORS, action)


def access_role_by_id(user: User, role_id: int, *, for_edit: bool = False) -> Role:
    """The role, if ``user`` may see it (and change it, with ``for_edit``)."""
    role = roles_visible_to(user).filter(pk=role_id).first()
    if role is None:
        raise NotFound(f"No role {role_id}.")
    if for_edit:
        require_resource_editor(user, "change roles")
    return role


def access_person_by_id(user: User, person_id: int, *, for_edit: bool = False) -> Person:
    person = people_visible_to(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound(f"No person {person_id}.")
    if for_edit:
        require_resource_editor(user, "change people")
    return person
