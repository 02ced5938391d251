"""Who could fill a resource request: people ranked by skill fit and free capacity.

The pool is every active person of the requested role, every active person
with the requested skill, and the person asked for by name. For each:

- *skill fit* (0..1): the level of the requested skill out of 5 (0 without
  it; 1 when no skill is asked for), times 0.7 when they are not of the
  requested role (they could do it, but it is not their job);
- *free hours*: capacity less bookings (hard and soft) in each month of the
  period, counted for the share of the month's weekdays inside the period;
- *availability* (0..1): free hours over the hours asked for, at most 1.

The score is the mean of skill fit and availability, so that an expert who is
fully booked ranks below a good match who is free. Five queries, whatever the
number of people.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Q, Sum

from steerco.accounts.models import User
from steerco.resources.capacity_access import access_request_by_id, require_capacity_reader
from steerco.resources.capacity_engine_io import (
    first_of_month,
    month_end,
    month_range,
    months_between,
)
from steerco.resources.models import Booking, CapacityPeriod, Person, PersonSkill, ResourceRequest

OTHER_ROLE_FACTOR = 0.7
MAX_SKILL_LEVEL = 5


@dataclass(frozen=True, slots=True)
class Candidate:
    person_id: int
    name: str
    role_name: str
    business_unit: str
    role_match: bool
    skill_level: int | None
    skill_fit: float
    capacity_hours: float
    booked_hours: float
    free_hours: float
    availability: float
    requested_by_name: bool

    @property
    def score(self) -> float:
        return (self.skill_fit + self.availability) / 2

    @property
    def score_percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class SkillsMatch:
    request: ResourceRequest
    candidates: list[Candidate]


def month_shares(start: dt.date, finish: dt.date) -> dict[dt.date, float]:
    """Share of each month's weekdays that falls inside ``start``..``finish``."""
    shares = {}
    for month in month_range(first_of_month(start), months_between(start, finish) + 1):
        low, high = max(month, start), min(month_end(month), finish)
        inside = np.busday_count(low, high + dt.timedelta(days=1))
        whole = np.busday_count(month, month_end(month) + dt.timedelta(days=1))
        shares[month] = float(inside) / float(whole) if whole else 0.0
    return shares


def rank_candidates(
    request: ResourceRequest,
    people: list[Person],
    levels: dict[int, int],
    capacity: dict[tuple[int, dt.date], float],
    booked: dict[tuple[int, dt.date], float],
) -> list[Candidate]:
    shares = month_shares(request.start_date, request.finish_date)
    hours = float(request.hours)
    candidates = []
    for person in people:
        role_match = request.role_id is None or person.role_id == request.role_id
        level = levels.get(person.pk) if request.skill_id is not None else None
        fit = (level or 0) / MAX_SKILL_LEVEL if request.skill_id is not None else 1.0
        if not role_match:
            fit *= OTHER_ROLE_FACTOR
        available = sum(capacity.get((person.pk, m), 0.0) * share for m, share in shares.items())
        taken = sum(booked.get((person.pk, m), 0.0) * share for m, share in shares.items())
        free = sum(
            max(0.0, capacity.get((person.pk, m), 0.0) - booked.get((person.pk, m), 0.0)) * share
            for m, share in shares.items()
        )
        candidates.append(
            Candidate(
                person_id=person.pk,
                name=person.name,
                role_name=person.role.name,
                business_unit=person.business_unit.name if person.business_unit else "",
                role_match=role_match,
                skill_level=level,
                skill_fit=fit,
                capacity_hours=available,
                booked_hours=taken,
                free_hours=free,
                availability=min(1.0, free / hours) if hours > 0 else 1.0,
                requested_by_name=person.pk == request.requested_person_id,
            )
        )
    candidates.sort(key=lambda c: (-c.score, -c.free_hours, c.name))
    return candidates


def rank_people_for_request(*, user: User, request_id: int, limit: int = 25) -> SkillsMatch:
    """The best people for a request, best first (at most ``limit``)."""
    request = access_request_by_id(user, request_id)
    require_capacity_reader(user)
    pool = Q(pk__in=[])
    if request.role_id is not None:
        pool |= Q(role_id=request.role_id)
    if request.skill_id is not None:
        pool |= Q(pk__in=PersonSkill.objects.filter(skill_id=request.skill_id).values("person_id"))
    if request.requested_person_id is not None:
        pool |= Q(pk=request.requested_person_id)
    people = list(
        Person.objects.filter(organisation_id=request.organisation_id, is_active=True)
        .filter(pool)
        .select_related("role", "business_unit")
    )
    ids = [person.pk for person in people]
    levels: dict[int, int] = {}
    if request.skill_id is not None:
        levels = dict(
            PersonSkill.objects.filter(person_id__in=ids, skill_id=request.skill_id).values_list(
                "person_id", "level"
            )
        )
    first, last = first_of_month(request.start_date), first_of_month(request.finish_date)
    capacity: dict[tuple[int, dt.date], float] = defaultdict(float)
    for row in (
        CapacityPeriod.objects.filter(person_id__in=ids, month__gte=first, month__lte=last)
        .values("person_id", "month")
        .annotate(total=Sum("hours"))
    ):
        capacity[(row["person_id"], row["month"])] += float(row["total"])
    booked: dict[tuple[int, dt.date], float] = defaultdict(float)
    for row in (
        Booking.objects.filter(person_id__in=ids, month__gte=first, month__lte=last)
        .values("person_id", "month")
        .annotate(total=Sum("hours"))
    ):
        booked[(row["person_id"], row["month"])] += float(row["total"])
    ranked = rank_candidates(request, people, levels, capacity, booked)
    return SkillsMatch(request, ranked[:limit])
