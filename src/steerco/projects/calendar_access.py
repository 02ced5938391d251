"""Who may see and change working calendars.

- Every active member of an organisation reads its calendars: everyone plans with them.
- Administrators and PMO analysts change them: a calendar moves every schedule and every
  person's capacity that follows it, so it is an organisation-wide setting.
- Another organisation's calendars are "not found".
"""

from __future__ import annotations

from django.db.models import QuerySet

from steerco.accounts.models import Role, User
from steerco.core.access import has_role, is_active_member, organisation_id_of
from steerco.core.errors import AccessDenied, NotFound
from steerco.projects.models import Calendar, CalendarException

CALENDAR_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})
EDITORS_ONLY = "Only administrators and PMO analysts may change calendars."


def calendars_visible_to(user: User) -> QuerySet[Calendar]:
    if not is_active_member(user):
        return Calendar.objects.none()
    return Calendar.objects.filter(organisation_id=organisation_id_of(user))


def can_edit_calendars(user: User) -> bool:
    return has_role(user, CALENDAR_EDITORS)


def require_calendar_editor(user: User) -> None:
    if not can_edit_calendars(user):
        raise AccessDenied(EDITORS_ONLY)


def access_calendar_by_id(user: User, calendar_id: int, *, for_edit: bool = False) -> Calendar:
    """The calendar, if ``user`` may see it (and change it, with ``for_edit``)."""
    calendar = calendars_visible_to(user).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(f"No calendar {calendar_id}.")
    if for_edit:
        require_calendar_editor(user)
    return calendar


def access_calendar_exception_by_id(
    user: User, exception_id: int, *, for_edit: bool = False
) -> CalendarException:
    """The exception (with its calendar), if ``user`` may see it (and change it)."""
    exception = (
        CalendarException.objects.select_related("calendar")
        .filter(pk=exception_id, calendar__in=calendars_visible_to(user))
        .first()
    )
    if exception is None:
        raise NotFound(f"No calendar exception {exception_id}.")
    if for_edit:
        require_calendar_editor(user)
    return exception
