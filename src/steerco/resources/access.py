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
    access_visible_by_id,
    has_role,
    organisation_rows,
    require_role,
)
from steerco.resources.models import Person, Role

COST_RATE_READERS = RESOURCE_EDITORS | {UserRole.EXECUTIVE}


def roles_visible_to(user: User) -> QuerySet[Role]:
    return organisation_rows(user, Role.objects.all())


def people_visible_to(user: User) -> QuerySet[Person]:
    return organisation_rows(user, Person.objects.all())


def may_see_cost_rates(user: Any) -> bool:
    return has_role(user, COST_RATE_READERS)


def can_edit_resources(user: User) -> bool:
    return has_role(user, RESOURCE_EDITORS)


def require_resource_editor(user: User, action: str) -> None:
    require_role(user, RESOURCE_EDITORS, action)


def access_role_by_id(user: User, role_id: int, *, for_edit: bool = False) -> Role:
    """The role, if ``user`` may see it (and change it, with ``for_edit``)."""
    return access_visible_by_id(
        user,
        roles_visible_to(user),
        role_id,
        what="role",
        require_editor=lambda editor: require_resource_editor(editor, "change roles"),
        for_edit=for_edit,
    )


def access_person_by_id(user: User, person_id: int, *, for_edit: bool = False) -> Person:
    return access_visible_by_id(
        user,
        people_visible_to(user),
        person_id,
        what="person",
        require_editor=lambda editor: require_resource_editor(editor, "change people"),
        for_edit=for_edit,
    )
