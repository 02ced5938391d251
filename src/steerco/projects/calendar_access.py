"""Who may see and change working calendars.

- Every active member of an organisation reads its calendars: everyone plans with them.
- Administrators and PMO analysts change them: a calendar moves every schedule and every
  person's capacity that follows it, so it is an organisation-wide setting.
- Another organisation's calendars are "not found".
"""

from __future__ import annotations

from django.db.models import QuerySet

from steerco.accounts.models import Role, User
from steerco.core.access import access_visible_by_id, has_role, organisation_rows
from steerco.core.errors import AccessDenied
from steerco.projects.models import Calendar, CalendarException

CALENDAR_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})
EDITORS_ONLY = "Only administrators and PMO analysts may change calendars."


def calendars_visible_to(user: User) -> QuerySet[Calendar]:
    return organisation_rows(user, Calendar.objects.all())


def can_edit_calendars(user: User) -> bool:
    return has_role(user, CALENDAR_EDITORS)


def require_calendar_editor(user: User) -> None:
    if not can_edit_calendars(user):
        raise AccessDenied(EDITORS_ONLY)


def access_calendar_by_id(user: User, calendar_id: int, *, for_edit: bool = False) -> Calendar:
    """The calendar, if ``user`` may see it (and change it, with ``for_edit``)."""
    return access_visible_by_id(
        user,
        calendars_visible_to(user),
        calendar_id,
        what="calendar",
        require_editor=require_calendar_editor,
        for_edit=for_edit,
    )


def access_calendar_exception_by_id(
    user: User, exception_id: int, *, for_edit: bool = False
) -> CalendarException:
    """The exception (with its calendar), if ``user`` may see it (and change it)."""
    exceptions = CalendarException.objects.select_related("calendar").filter(
        calendar__in=calendars_visible_to(user)
    )
    return access_visible_by_id(
        user,
        exceptions,
        exception_id,
        what="calendar exception",
        require_editor=require_calendar_editor,
        for_edit=for_edit,
    )
