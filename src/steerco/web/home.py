"""What each role sees first when it logs in.

Each builder runs a fixed, small number of queries whatever the size of the
organisation (aggregates, and lists cut to a page), so home pages stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q

from steerco.accounts.models import Role, User
from steerco.core.access import organisation_id_of
from steerco.core.models import AuditEntry
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Milestone, Project
from steerco.resources.models import Person, ResourceRequest, Timesheet

ACTIVE_STAGES = [Project.Stage.APPROVED, Project.Stage.IN_EXECUTION, Project.Stage.CLOSING]
LIST_LIMIT = 10


def _stage_counts(projects: Any) -> list[dict[str, Any]]:
    counts = dict(projects.values_list("stage").annotate(n=Count("id")).order_by())
    return [
        {"stage": label, "count": counts.get(value, 0)} for value, label in Project.Stage.choices
    ]


def _health_counts(projects: Any) -> dict[str, int]:
    active = projects.filter(stage__in=ACTIVE_STAGES)
    return active.aggregate(
        green=Count("id", filter=Q(health="green")),
        amber=Count("id", filter=Q(health="amber")),
        red=Count("id", filter=Q(health="red")),
    )


def _upcoming_milestones(projects: Any) -> list[Milestone]:
    return list(
        Milestone.objects.filter(project__in=projects, achieved_date__isnull=True)
        .select_related("project")
        .order_by("due_date")[:LIST_LIMIT]
    )


def _steering(user: User) -> dict[str, Any]:
    projects = projects_visible_to(user)
    return {
        "stage_counts": _stage_counts(projects),
        "health": _health_counts(projects),
        "red_projects": list(
            projects.filter(stage__in=ACTIVE_STAGES, health="red").select_related(
                "manager", "portfolio"
            )[:LIST_LIMIT]
        ),
        "milestones": _upcoming_milestones(projects.filter(stage__in=ACTIVE_STAGES)),
    }


def _executive(user: User) -> dict[str, Any]:
    context = _steering(user)
    context["watch_list"] = list(
        projects_visible_to(user)
        .filter(mission_critical=True, stage__in=ACTIVE_STAGES)
        .select_related("manager", "portfolio")[:LIST_LIMIT]
    )
    return context


def _administrator(user: User) -> dict[str, Any]:
    context = _steering(user)
    context["user_counts"] = list(
        User.objects.filter(organisation_id=organisation_id_of(user))
        .values("role")
        .annotate(n=Count("id"))
        .order_by("role")
    )
    context["recent_audit"] = list(
        AuditEntry.objects.filter(organisation_id=organisation_id_of(user)).select_related("actor")[
            :LIST_LIMIT
        ]
    )
    return context


def _resource_manager(user: User) -> dict[str, Any]:
    people = Person.objects.filter(organisation_id=organisation_id_of(user), is_active=True)
    return {
        "people_by_role": list(
            people.values("role__name").annotate(n=Count("id")).order_by("-n", "role__name")
        ),
        "pending_requests": list(
            ResourceRequest.objects.filter(
                organisation_id=organisation_id_of(user), status=ResourceRequest.Status.PENDING
            )
            .select_related("project", "role", "skill")
            .order_by("start_date")[:LIST_LIMIT]
        ),
        "submitted_timesheets": Timesheet.objects.filter(
            organisation_id=organisation_id_of(user), status=Timesheet.Status.SUBMITTED
        ).count(),
    }


def _project_manager(user: User) -> dict[str, Any]:
    mine = projects_visible_to(user).filter(manager=user)
    return {
        "my_projects": list(mine.select_related("portfolio").order_by("code")[: LIST_LIMIT * 2]),
        "milestones": _upcoming_milestones(mine),
    }


def _team_member(user: User) -> dict[str, Any]:
    projects = projects_visible_to(user).filter(stage__in=ACTIVE_STAGES)
    person = Person.objects.filter(user=user).first()
    timesheets = (
        list(Timesheet.objects.filter(person=person).order_by("-week_start")[:4]) if person else []
    )
    return {
        "my_projects": list(projects.select_related("manager").order_by("code")[: LIST_LIMIT * 2]),
        "person": person,
        "timesheets": timesheets,
    }


BUILDERS: dict[str, tuple[str, Callable[[User], dict[str, Any]]]] = {
    Role.ADMINISTRATOR: ("administrator", _administrator),
    Role.PMO_ANALYST: ("pmo", _steering),
    Role.PORTFOLIO_MANAGER: ("pmo", _steering),
    Role.EXECUTIVE: ("executive", _executive),
    Role.RESOURCE_MANAGER: ("resource_manager", _resource_manager),
    Role.PROJECT_MANAGER: ("project_manager", _project_manager),
    Role.TEAM_MEMBER: ("team_member", _team_member),
}


def home_context(user: User) -> dict[str, Any]:
    template, build = BUILDERS.get(user.role, BUILDERS[Role.TEAM_MEMBER])
    return {"template": template, **build(user)}
