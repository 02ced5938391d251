"""Reading job roles and people, always within what the user may see.

List selectors return querysets with everything a row shows joined or
annotated, so that a page of any size costs the same few queries. Detail
selectors load the whole graph a page or endpoint shows into a dataclass.
Capacity and demand read-models (``capacity_by_role_month``...) belong here too.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from steerco.accounts.models import BusinessUnit, User
from steerco.core.access import organisation_id_of
from steerco.core.errors import NotFound, ValidationFailed
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Calendar
from steerco.resources.access import (
    access_role_by_id,
    may_see_cost_rates,
    people_visible_to,
    roles_visible_to,
)
from steerco.resources.models import Booking, CostRate, Person, PersonSkill, Role, Skill

ModelT = TypeVar("ModelT", bound=Model)

# Sort keys offered to users, and the columns they order by; "-key" sorts descending.
ROLE_SORTS: Mapping[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name",),
    "people": ("people_count",),
    "rate": ("default_cost_rate",),
}
# Sorting by rate would give the rates away to those who may not read them.
RATE_SORTS = frozenset({"rate"})
PERSON_SORTS: Mapping[str, tuple[str, ...]] = {
    "name": ("name",),
    "email": ("email",),
    "role": ("role__name",),
    "business_unit": ("business_unit__name",),
    "fte": ("fte",),
}


def ordered(
    queryset: QuerySet[ModelT], sort: str, sorts: Mapping[str, tuple[str, ...]]
) -> QuerySet[ModelT]:
    """Order by the user's ``sort`` key, with the primary key last so pages never overlap."""
    key = sort.removeprefix("-")
    if key not in sorts:
        raise ValidationFailed(
            {"sort": [f"Sort by one of: {', '.join(sorts)} (put '-' first to reverse)."]}
        )
    prefix = "-" if sort.startswith("-") else ""
    return queryset.order_by(*(prefix + column for column in sorts[key]), "pk")


def role_sorts_for(user: User) -> Mapping[str, tuple[str, ...]]:
    if may_see_cost_rates(user):
        return ROLE_SORTS
    return {key: columns for key, columns in ROLE_SORTS.items() if key not in RATE_SORTS}


def _roles_with_counts(user: User) -> QuerySet[Role]:
    active_people = (
        Person.objects.filter(role=OuterRef("pk"), is_active=True)
        .order_by()
        .values("role")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return roles_visible_to(user).annotate(
        people_count=Coalesce(Subquery(active_people, output_field=IntegerField()), 0)
    )


def role_list(
    *, user: User, search: str = "", is_active: bool | None = None, sort: str = "name"
) -> QuerySet[Role]:
    """Roles with ``people_count`` (active people in the role)."""
    roles = _roles_with_counts(user)
    search = search.strip()
    if search:
        roles = roles.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_active is not None:
        roles = roles.filter(is_active=is_active)
    return ordered(roles, sort, role_sorts_for(user))


def person_list(
    *,
    user: User,
    search: str = "",
    role_id: int | None = None,
    business_unit_id: int | None = None,
    is_active: bool | None = None,
    sort: str = "name",
) -> QuerySet[Person]:
    """People with their role and business unit; filters on another organisation's role are 404."""
    people = people_visible_to(user).select_related("role", "business_unit")
    search = search.strip()
    if search:
        people = people.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if role_id is not None:
        access_role_by_id(user, role_id)
        people = people.filter(role_id=role_id)
    if business_unit_id is not None:
        if not BusinessUnit.objects.filter(
            pk=business_unit_id, organisation_id=organisation_id_of(user)
        ).exists():
            raise NotFound(f"No business unit {business_unit_id}.")
        people = people.filter(business_unit_id=business_unit_id)
    if is_active is not None:
        people = people.filter(is_active=is_active)
    return ordered(people, sort, PERSON_SORTS)


@dataclass(frozen=True)
class RoleDetail:
    role: Role
    people: list[Person]


def role_detail(*, user: User, role_id: int) -> RoleDetail:
    """A role and everyone in it, active first (2 queries)."""
    role = _roles_with_counts(user).filter(pk=role_id).first()
    if role is None:
        raise NotFound(f"No role {role_id}.")
    people = Person.objects.filter(role=role).select_related("business_unit")
    return RoleDetail(role=role, people=list(people.order_by("-is_active", "name")))


@dataclass(frozen=True)
class BookingSummary:
    """A person's booked hours on one project."""

    project_id: int
    project_code: str
    project_name: str
    first_month: datetime.date
    last_month: datetime.date
    hours: Decimal
    hard_hours: Decimal


@dataclass(frozen=True)
class PersonDetail:
    person: Person
    skills: list[PersonSkill]
    bookings: list[BookingSummary]
    # None when the reader may not see cost rates, so that "hidden" differs from "none".
    cost_rates: list[CostRate] | None

    @property
    def booked_hours(self) -> Decimal:
        return sum((row.hours for row in self.bookings), Decimal("0.00"))


def summarise_bookings(bookings: Iterable[Booking]) -> list[BookingSummary]:
    """One row per project, in project code order, from a person's monthly bookings."""
    by_project: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_project.setdefault(booking.project_id, []).append(booking)
    rows = []
    for project_bookings in by_project.values():
        project = project_bookings[0].project
        rows.append(
            BookingSummary(
                project_id=project.pk,
                project_code=project.code,
                project_name=project.name,
                first_month=min(b.month for b in project_bookings),
                last_month=max(b.month for b in project_bookings),
                hours=sum((b.hours for b in project_bookings), Decimal("0.00")),
                hard_hours=sum(
                    (b.hours for b in project_bookings if b.kind == Booking.Kind.HARD),
                    Decimal("0.00"),
                ),
            )
        )
    return sorted(rows, key=lambda row: row.project_code)


def person_detail(*, user: User, person_id: int) -> PersonDetail:
    """A person with role, skills, bookings on projects ``user`` may see, and rates if allowed.

    Four queries (three when rates are hidden), whatever the number of bookings.
    """
    person = (
        people_visible_to(user)
        .select_related("role", "business_unit", "calendar", "manager", "user")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound(f"No person {person_id}.")
    skills = PersonSkill.objects.filter(person=person).select_related("skill")
    bookings = (
        Booking.objects.filter(person=person, project__in=projects_visible_to(user))
        .select_related("project")
        .order_by("project__code", "month")
    )
    cost_rates = (
        list(CostRate.objects.filter(person=person).order_by("-effective_from"))
        if may_see_cost_rates(user)
        else None
    )
    return PersonDetail(
        person=person,
        skills=list(skills.order_by("skill__name")),
        bookings=summarise_bookings(bookings),
        cost_rates=cost_rates,
    )


def role_choices(*, user: User, include_inactive: bool = False) -> list[tuple[int, str]]:
    roles = roles_visible_to(user)
    if not include_inactive:
        roles = roles.filter(is_active=True)
    return list(roles.order_by("name").values_list("pk", "name"))


def business_unit_choices(*, user: User) -> list[tuple[int, str]]:
    units = BusinessUnit.objects.filter(organisation_id=organisation_id_of(user))
    return list(units.order_by("name").values_list("pk", "name"))


def calendar_choices(*, user: User) -> list[tuple[int, str]]:
    calendars = Calendar.objects.filter(organisation_id=organisation_id_of(user))
    return list(calendars.order_by("name").values_list("pk", "name"))


def skill_choices(*, user: User) -> list[tuple[int, str]]:
    skills = Skill.objects.filter(organisation_id=organisation_id_of(user))
    return list(skills.order_by("name").values_list("pk", "name"))


def member_choices(*, user: User, keep: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the active users of ``user``'s organisation, for manager and login pickers."""
    # ``keep``: a current owner or manager who has left stays on the list until replaced.
    members = User.objects.filter(organisation_id=organisation_id_of(user)).filter(
        Q(is_active=True) | Q(pk=keep)
    )
    return [(member.pk, str(member)) for member in members.order_by("last_name", "first_name")]
