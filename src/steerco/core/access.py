"""Role predicates shared by every app's ``access_*`` helpers.

Each app owns the helpers for its own objects (``steerco.projects.access``...);
they build on these predicates so that the rule "who sees the whole
organisation" is written once, and on the two shapes below (``organisation_rows``,
``access_visible_by_id``) so that "another organisation's object is not found, even
for an administrator" is too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from steerco.accounts.models import Role
from steerco.core.errors import AccessDenied, NotFound

ModelT = TypeVar("ModelT", bound=Model)

# Roles that read everything in their organisation: they steer the whole portfolio.
ORGANISATION_WIDE_READERS = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.PMO_ANALYST,
        Role.PORTFOLIO_MANAGER,
        Role.EXECUTIVE,
        Role.RESOURCE_MANAGER,
    }
)
# Roles that change portfolio-level data (portfolios, programs, scoring, scenarios).
PORTFOLIO_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER})
# Roles that change any project of the organisation, not just their own.
ANY_PROJECT_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER})
# Roles that manage people, capacity and bookings.
RESOURCE_EDITORS = frozenset({Role.ADMINISTRATOR, Role.RESOURCE_MANAGER, Role.PMO_ANALYST})
# Roles that may create new projects (ideas and proposals).
PROJECT_CREATORS = frozenset(
    {Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER, Role.PROJECT_MANAGER}
)


def is_active_member(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.organisation_id is not None
    )


def sees_whole_organisation(user: Any) -> bool:
    return is_active_member(user) and user.role in ORGANISATION_WIDE_READERS


def has_role(user: Any, roles: frozenset[str]) -> bool:
    return is_active_member(user) and user.role in roles


def require_role(user: Any, roles: frozenset[str], action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user`` has one of ``roles``."""
    if not has_role(user, roles):
        raise AccessDenied(f"Your role may not {action}.")


def organisation_id_of(user: Any) -> int:
    """The user's organisation id; users outside any organisation may do nothing."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        raise AccessDenied("This account belongs to no organisation.")
    return int(organisation_id)


def organisation_rows(user: Any, rows: QuerySet[ModelT]) -> QuerySet[ModelT]:
    """The ``rows`` of the user's organisation; none for anyone who is not an active member."""
    if not is_active_member(user):
        return rows.none()
    return rows.filter(organisation_id=organisation_id_of(user))


def access_visible_by_id(
    user: Any,
    visible: QuerySet[ModelT],
    object_id: int,
    *,
    what: str,
    require_editor: Callable[[Any], None],
    for_edit: bool = False,
) -> ModelT:
    """The object ``object_id`` of ``visible``, if ``user`` may see it (and change it).

    ``visible`` is what ``user`` may see; anything outside it raises :class:`NotFound`
    ("No <what> <id>."). The scope is checked before the role, so that another
    organisation's object is "not found" even for an administrator. With ``for_edit``,
    ``require_editor(user)`` raises :class:`AccessDenied` for a user who may not change it.
    """
    found = visible.filter(pk=object_id).first()
    if found is None:
        raise NotFound(f"No {what} {object_id}.")
    if for_edit:
        require_editor(user)
    return found
