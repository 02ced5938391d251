"""API: job roles and people.

Lists are paginated (``?page=&page_size=``, answering ``{items, count}``) and
take ``search``, filters and ``sort`` (a column name, ``-`` first to reverse).
Detail endpoints answer the object under its own name beside its related
lists (``{"person": {...}, "skills": [...], "bookings": [...], ...}``).
Cost rates are ``null`` for callers whose role may not read them
(see ``steerco.resources.access``).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.resources import selectors, services
from steerco.resources.access import may_see_cost_rates
from steerco.resources.models import Absence, Person, Role

router = Router(tags=["resources"])


def _reader_may_see_rates(context: Any) -> bool:
    # Without a request (a schema built outside a response) nothing says who reads: hide.
    request = (context or {}).get("request")
    return request is not None and may_see_cost_rates(request.user)


# Roles


class RoleIn(Schema):
    code: str
    name: str
    description: str = ""
    default_cost_rate: Decimal = Field(Decimal("0"), description="Per hour; 0 or more")
    is_active: bool = True


class RolePatch(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    default_cost_rate: Decimal | None = None
    is_active: bool | None = None


class RoleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    default_cost_rate: Decimal | None = Field(
        description="Per hour; null unless your role may read cost rates"
    )
    is_active: bool

    @staticmethod
    def resolve_default_cost_rate(role: Role, context: Any) -> Decimal | None:
        return role.default_cost_rate if _reader_may_see_rates(context) else None


class RoleRowOut(RoleOut):
    people_count: int = Field(description="Active people in the role")


class RoleFilters(Schema):
    search: str = Field("", description="Part of the code or name")
    is_active: bool | None = None
    sort: str = Field("name", description="code, name, people, or rate (if you may read rates)")


class PersonBriefOut(Schema):
    id: int
    name: str
    email: str
    business_unit_name: str | None
    fte: Decimal
    is_active: bool

    @staticmethod
    def resolve_business_unit_name(person: Person) -> str | None:
        return person.business_unit.name if person.business_unit else None


class RoleDetailOut(Schema):
    role: RoleRowOut
    people: list[PersonBriefOut] = Field(description="Everyone in the role, active first")


@router.get("/roles", response=list[RoleRowOut])
@paginate
def role_list(request: HttpRequest, filters: Query[RoleFilters]) -> QuerySet[Role]:
    return selectors.role_list(user=request_user(request), **filters.model_dump())


@router.post("/roles", response={201: RoleOut})
def role_create(request: HttpRequest, payload: RoleIn) -> Status[Role]:
    return Status(
        201, services.role_create(acting_user=request_user(request), **payload.model_dump())
    )


@router.get("/roles/{role_id}", response=RoleDetailOut)
def role_detail(request: HttpRequest, role_id: int) -> selectors.RoleDetail:
    return selectors.role_detail(user=request_user(request), role_id=role_id)


@router.patch("/roles/{role_id}", response=RoleOut)
def role_update(request: HttpRequest, role_id: int, payload: RolePatch) -> Role:
    return services.role_update(
        acting_user=request_user(request),
        role_id=role_id,
        **payload.model_dump(exclude_unset=True),
    )


@router.delete("/roles/{role_id}", response={204: None})
def role_delete(request: HttpRequest, role_id: int) -> Status[None]:
    services.role_delete(acting_user=request_user(request), role_id=role_id)
    return Status(204, None)


# People


class SkillLevelIn(Schema):
    skill_id: int
    level: int = Field(3, description="1 (novice) to 5 (expert)")


class PersonIn(Schema):
    name: str
    role_id: int
    email: str = ""
    business_unit_id: int | None = None
    calendar_id: int | None = None
    fte: Decimal = Field(Decimal("1"), description="Full-time equivalent, 0 to 1.5")
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    manager_id: int | None = None
    user_id: int | None = Field(None, description="The login of this person, if any")
    skills: list[SkillLevelIn] = []


class PersonPatch(Schema):
    name: str | None = None
    role_id: int | None = None
    email: str | None = None
    business_unit_id: int | None = None
    calendar_id: int | None = None
    fte: Decimal | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    manager_id: int | None = None
    user_id: int | None = None
    is_active: bool | None = None
    skills: list[SkillLevelIn] | None = Field(
        None, description="Replaces the whole list; [] removes every skill"
    )


class DeactivateIn(Schema):
    end_date: datetime.date | None = Field(None, description="Last working day; today if empty")


class PersonOut(Schema):
    id: int
    name: str
    email: str
    role_id: int
    role_name: str
    business_unit_id: int | None
    business_unit_name: str | None
    fte: Decimal
    is_active: bool
    start_date: datetime.date | None
    end_date: datetime.date | None

    @staticmethod
    def resolve_role_name(person: Person) -> str:
        return person.role.name

    @staticmethod
    def resolve_business_unit_name(person: Person) -> str | None:
        return person.business_unit.name if person.business_unit else None


class PersonRecordOut(PersonOut):
    calendar_id: int | None
    manager_id: int | None
    user_id: int | None = Field(description="The person's login, if they have one")


class PersonFilters(Schema):
    search: str = Field("", description="Part of the name or email address")
    role_id: int | None = None
    business_unit_id: int | None = None
    is_active: bool | None = None
    sort: str = Field("name", description="name, email, role, business_unit or fte")


class PersonSkillOut(Schema):
    skill_id: int
    name: str
    level: int

    @staticmethod
    def resolve_name(row: Any) -> str:
        return str(row.skill.name)


class BookingSummaryOut(Schema):
    project_id: int
    project_code: str
    project_name: str
    first_month: datetime.date
    last_month: datetime.date
    hours: Decimal
    hard_hours: Decimal


class CostRateOut(Schema):
    rate: Decimal
    currency: str
    effective_from: datetime.date


class PersonDetailOut(Schema):
    person: PersonRecordOut
    skills: list[PersonSkillOut]
    bookings: list[BookingSummaryOut] = Field(
        description="Hours booked per project, on the projects you may see"
    )
    cost_rates: list[CostRateOut] | None = Field(
        description="Hourly rates over time; null unless your role may read cost rates"
    )


def _skill_pairs(values: dict[str, Any]) -> dict[str, Any]:
    # The services take (skill id, level) pairs; the API speaks objects. A null list
    # in a PATCH leaves the skills alone, like an absent one.
    if "skills" in values and values["skills"] is None:
        del values["skills"]
    if "skills" in values:
        values["skills"] = [(skill["skill_id"], skill["level"]) for skill in values["skills"]]
    return values


@router.get("/people", response=list[PersonOut], tags=["people"])
@paginate
def person_list(request: HttpRequest, filters: Query[PersonFilters]) -> QuerySet[Person]:
    return selectors.person_list(user=request_user(request), **filters.model_dump())


@router.post("/people", response={201: PersonOut}, tags=["people"])
def person_create(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    return Status(
        201,
        services.person_create(
            acting_user=request_user(request), **_skill_pairs(payload.model_dump())
        ),
    )


@router.get("/people/{person_id}", response=PersonDetailOut, tags=["people"])
def person_detail(request: HttpRequest, person_id: int) -> selectors.PersonDetail:
    return selectors.person_detail(user=request_user(request), person_id=person_id)


@router.patch("/people/{person_id}", response=PersonOut, tags=["people"])
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch) -> Person:
    return services.person_update(
        acting_user=request_user(request),
        person_id=person_id,
        **_skill_pairs(payload.model_dump(exclude_unset=True)),
    )


@router.post("/people/{person_id}/deactivate", response=PersonOut, tags=["people"])
def person_deactivate(request: HttpRequest, person_id: int, payload: DeactivateIn) -> Person:
    return services.person_deactivate(
        acting_user=request_user(request), person_id=person_id, end_date=payload.end_date
    )


@router.delete("/people/{person_id}", response={204: None}, tags=["people"])
def person_delete(request: HttpRequest, person_id: int) -> Status[None]:
    """Delete a person entered by mistake; once they have history, deactivate them instead."""
    services.person_delete(acting_user=request_user(request), person_id=person_id)
    return Status(204, None)


# Absences


class AbsenceIn(Schema):
    start_date: datetime.date
    finish_date: datetime.date
    hours_per_day: Decimal | None = Field(None, description="Empty: whole days away")
    reason: str = "leave"
    note: str = ""


class AbsenceOut(Schema):
    id: int
    person_id: int
    start_date: datetime.date
    finish_date: datetime.date
    hours_per_day: Decimal | None
    reason: str
    note: str


@router.post("/people/{person_id}/absences", response={201: AbsenceOut}, tags=["people"])
def absence_create(request: HttpRequest, person_id: int, payload: AbsenceIn) -> Status[Absence]:
    """Record time away; the person's capacity is rebuilt at once."""
    return Status(
        201,
        services.absence_create(
            acting_user=request_user(request), person_id=person_id, **payload.model_dump()
        ),
    )


@router.delete("/absences/{absence_id}", response={204: None}, tags=["people"])
def absence_delete(request: HttpRequest, absence_id: int) -> Status[None]:
    services.absence_delete(acting_user=request_user(request), absence_id=absence_id)
    return Status(204, None)
