"""Reads for the planning pages of a project: its manual role demand grid and its bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from steerco.accounts.models import User
from steerco.core.errors import NotFound
from steerco.projects.access import can_edit_project, projects_visible_to
from steerco.projects.models import Project
from steerco.resources.capacity_access import can_edit_capacity
from steerco.resources.capacity_engine_io import month_range
from steerco.resources.models import Booking, Role, RoleDemand


def _visible_project(user: User, project_id: int) -> Project:
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return project


def may_plan(user: User, project: Project) -> bool:
    """The project's manager, the PMO and resource editors plan its demand and bookings."""
    return can_edit_capacity(user) or can_edit_project(user, project)


@dataclass(frozen=True)
class DemandGridRow:
    role_id: int
    name: str
    hours: list[Decimal | None]


@dataclass(frozen=True)
class DemandGrid:
    """A project's hand-entered demand, role x month, over a window of months."""

    project: Project
    months: list[dt.date]
    rows: list[DemandGridRow]
    outside: list[RoleDemand]
    can_edit: bool


def manual_demand_grid(
    *, user: User, project_id: int, first_month: dt.date, months: int
) -> DemandGrid:
    """Every active role (and any role with demand) against ``months`` months, in 3 queries.

    ``outside`` holds the hand-entered rows before or after the window: a save
    keeps them, since the service replaces the whole source at once.
    """
    project = _visible_project(user, project_id)
    window = month_range(first_month, months)
    demand = list(
        RoleDemand.objects.filter(project=project, source=RoleDemand.Source.MANUAL).order_by(
            "role_id", "month"
        )
    )
    cells = {(row.role_id, row.month): row.hours for row in demand if row.month in window}
    used = {row.role_id for row in demand}
    roles = Role.objects.filter(organisation_id=project.organisation_id).filter(
        Q(is_active=True) | Q(pk__in=used)
    )
    rows = [
        DemandGridRow(role.pk, role.name, [cells.get((role.pk, month)) for month in window])
        for role in roles
    ]
    return DemandGrid(
        project,
        window,
        rows,
        [row for row in demand if row.month not in window],
        may_plan(user, project),
    )


@dataclass(frozen=True)
class ProjectBookings:
    project: Project
    bookings: QuerySet[Booking]
    can_plan: bool
    can_book_hard: bool


def project_bookings(*, user: User, project_id: int) -> ProjectBookings:
    """A project's bookings, person by person and month by month."""
    project = _visible_project(user, project_id)
    bookings = (
        Booking.objects.filter(project=project)
        .select_related("person", "person__role")
        .order_by("month", "person__name", "kind")
    )
    return ProjectBookings(project, bookings, may_plan(user, project), can_edit_capacity(user))
