"""Who may see and change capacity, demand, bookings, resource requests and timesheets.

- The capacity picture (heatmaps, drill-downs, fit previews, skills matching)
  names every project of the organisation, so it is read by the roles that see
  the whole organisation (``ORGANISATION_WIDE_READERS``: administrators, PMO
  analysts, portfolio managers, resource managers, executives).
- Administrators, resource managers and PMO analysts (``RESOURCE_EDITORS``)
  refresh capacity, book people, decide resource requests and close periods.
- A project's manager (or the PMO) sets its role demand, rolls it up from the
  schedule, books people softly on it, and asks for people (resource
  requests); a project manager sees the requests of the projects they see.
- Hiring plans belong to scenarios: portfolio editors and resource editors change them.
- A timesheet is entered by its person (or a resource editor on their behalf).
  It is approved or rejected by a resource editor, by the person's line manager,
  or by a project manager when every project line of the week is on projects
  they manage; nobody approves their own week. Lines are also decided one by
  one: the same people decide any line, and a project's manager the lines on
  their project (``line_approval_scope``).
- Anything of another organisation is "not found", never "forbidden".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from steerco.accounts.models import User
from steerco.core.access import (
    ANY_PROJECT_EDITORS,
    ORGANISATION_WIDE_READERS,
    PORTFOLIO_EDITORS,
    RESOURCE_EDITORS,
    access_visible_by_id,
    has_role,
    is_active_member,
    organisation_id_of,
    organisation_rows,
    require_role,
    sees_whole_organisation,
)
from steerco.core.errors import AccessDenied, NotFound
from steerco.portfolios.models import Portfolio, Scenario
from steerco.projects.access import can_edit_project, projects_visible_to
from steerco.projects.models import Project, ProjectMember
from steerco.resources.models import Booking, Person, ResourceRequest, Timesheet

HIRING_PLAN_EDITORS = PORTFOLIO_EDITORS | RESOURCE_EDITORS


def require_capacity_reader(user: User) -> None:
    require_role(user, ORGANISATION_WIDE_READERS, "see the organisation's capacity")


def can_edit_capacity(user: User) -> bool:
    return has_role(user, RESOURCE_EDITORS)


def require_capacity_editor(user: User, action: str) -> None:
    require_role(user, RESOURCE_EDITORS, action)


def person_of(user: User) -> Person | None:
    """The person record of a user (their timesheets and assignments), if they have one."""
    if not is_active_member(user):
        return None
    return Person.objects.filter(user=user, organisation_id=organisation_id_of(user)).first()


def access_portfolio_by_code(user: User, code: str) -> Portfolio:
    portfolio = Portfolio.objects.filter(
        organisation_id=organisation_id_of(user), code=code
    ).first()
    if portfolio is None:
        raise NotFound(f"No portfolio {code}.")
    return portfolio


def _require_hiring_plan_editor(user: User) -> None:
    require_role(user, HIRING_PLAN_EDITORS, "change hiring plans")


def access_scenario_by_id(user: User, scenario_id: int, *, for_edit: bool = False) -> Scenario:
    return access_visible_by_id(
        user,
        organisation_rows(user, Scenario.objects.all()),
        scenario_id,
        what="scenario",
        require_editor=_require_hiring_plan_editor,
        for_edit=for_edit,
    )


def access_project_for_demand(user: User, project_id: int) -> Project:
    """The project, if ``user`` may change its demand (its manager, the PMO, resource editors)."""
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    if not (has_role(user, RESOURCE_EDITORS) or can_edit_project(user, project)):
        raise AccessDenied("Only the project's manager or a resource manager may plan its demand.")
    return project


def access_booking_by_id(user: User, booking_id: int, *, for_edit: bool = False) -> Booking:
    booking = (
        Booking.objects.select_related("project", "person")
        .filter(pk=booking_id, project__in=projects_visible_to(user))
        .first()
    )
    if booking is None:
        raise NotFound(f"No booking {booking_id}.")
    if for_edit and not (
        has_role(user, RESOURCE_EDITORS)
        or (booking.kind == Booking.Kind.SOFT and can_edit_project(user, booking.project))
    ):
        raise AccessDenied("Only a resource manager may change this booking.")
    return booking


# -- resource requests -------------------------------------------------------------------------


def requests_visible_to(user: User) -> QuerySet[ResourceRequest]:
    requests = organisation_rows(user, ResourceRequest.objects.all())
    # An outsider's rows are already none, and the scoping below needs a member.
    if not is_active_member(user) or sees_whole_organisation(user):
        return requests
    return requests.filter(project__in=projects_visible_to(user))


def can_decide_requests(user: User) -> bool:
    return has_role(user, RESOURCE_EDITORS)


def _require_request_decider(user: User) -> None:
    if not can_decide_requests(user):
        raise AccessDenied("Only a resource manager may decide resource requests.")


def access_request_by_id(
    user: User, request_id: int, *, for_decision: bool = False
) -> ResourceRequest:
    return access_visible_by_id(
        user,
        requests_visible_to(user).select_related(
            "project", "role", "skill", "requested_person", "approved_person"
        ),
        request_id,
        what="resource request",
        require_editor=_require_request_decider,
        for_edit=for_decision,
    )


def can_withdraw_request(user: User, request: ResourceRequest) -> bool:
    return request.requested_by_id == user.pk or can_edit_project(user, request.project)


# -- timesheets --------------------------------------------------------------------------------


def _managed_project_ids(user: User) -> QuerySet[ProjectMember]:
    return ProjectMember.objects.filter(user=user, role=ProjectMember.Role.MANAGER)


def timesheets_visible_to(user: User) -> QuerySet[Timesheet]:
    """Own weeks; the weeks of people one manages; weeks with lines on one's projects."""
    timesheets = organisation_rows(user, Timesheet.objects.all())
    # An outsider's rows are already none, and the scoping below needs a member.
    if not is_active_member(user) or sees_whole_organisation(user):
        return timesheets
    managed = Project.objects.filter(
        Q(manager=user) | Q(pk__in=_managed_project_ids(user).values("project_id"))
    )
    return timesheets.filter(
        Q(person__user=user)
        | Q(person__manager=user)
        | Q(pk__in=Timesheet.objects.filter(entries__project__in=managed).values("pk"))
    )


def access_timesheet_by_id(user: User, timesheet_id: int) -> Timesheet:
    timesheet = (
        timesheets_visible_to(user).select_related("person", "person__role").filter(pk=timesheet_id)
    ).first()
    if timesheet is None:
        raise NotFound(f"No timesheet {timesheet_id}.")
    return timesheet


def can_enter_timesheet(user: User, timesheet_person: Person) -> bool:
    if not is_active_member(user) or timesheet_person.organisation_id != user.organisation_id:
        return False
    return timesheet_person.user_id == user.pk or has_role(user, RESOURCE_EDITORS)


def can_approve_timesheet(user: User, timesheet: Timesheet) -> bool:
    """Resource editors, the line manager, or the manager of every project on the week."""
    if not is_active_member(user) or timesheet.organisation_id != user.organisation_id:
        return False
    if timesheet.person.user_id == user.pk:
        return False
    if has_role(user, RESOURCE_EDITORS):
        return True
    if timesheet.person.manager_id == user.pk:
        return True
    project_ids = set(
        timesheet.entries.filter(project__isnull=False).values_list("project_id", flat=True)
    )
    if not project_ids:
        return False
    if has_role(user, ANY_PROJECT_EDITORS):
        return True
    managed = set(
        Project.objects.filter(pk__in=project_ids)
        .filter(Q(manager=user) | Q(pk__in=_managed_project_ids(user).values("project_id")))
        .values_list("pk", flat=True)
    )
    return managed == project_ids


def line_approval_scope(user: User, timesheet: Timesheet) -> tuple[bool, frozenset[int]]:
    """Which lines of a week ``user`` may approve or send back, one by one.

    ``(True, ...)``: every line (a resource editor, the person's line manager).
    Otherwise the projects whose lines are theirs to decide: the ones they
    manage (every project, for the PMO and portfolio managers); non-project
    time stays with the line manager. Nobody decides lines of their own week.
    """
    nothing: tuple[bool, frozenset[int]] = (False, frozenset())
    if not is_active_member(user) or timesheet.organisation_id != user.organisation_id:
        return nothing
    if timesheet.person.user_id == user.pk:
        return nothing
    if has_role(user, RESOURCE_EDITORS) or timesheet.person.manager_id == user.pk:
        return True, frozenset()
    project_ids = set(
        timesheet.entries.filter(project__isnull=False).values_list("project_id", flat=True)
    )
    decidable = projects_whose_lines_user_decides(user)
    if decidable is None:
        return False, frozenset(project_ids)
    return False, frozenset(decidable.filter(pk__in=project_ids).values_list("pk", flat=True))


def projects_whose_lines_user_decides(user: User) -> QuerySet[Project] | None:
    """Projects whose timesheet lines ``user`` decides one by one; ``None`` means every project.

    A queryset rather than a list, so that a caller deciding many weeks at once can join it
    into one query instead of asking week by week.
    """
    if has_role(user, ANY_PROJECT_EDITORS):
        return None
    return Project.objects.filter(
        Q(manager=user) | Q(pk__in=_managed_project_ids(user).values("project_id"))
    )
