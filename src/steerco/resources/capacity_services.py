"""Writes to capacity and demand: the capacity cache, role demand, bookings, hiring plans.

Capacity (``CapacityPeriod``) is derived, never typed in: :func:`capacity_refresh`
rebuilds it from people (role, FTE, start and end dates), their calendars
(working hours, holidays and other exceptions) and their absences. A person's
hours in a month are the working minutes of each day of their calendar, less
their absences, times their FTE, from their start date to their end date.
Role rows are the sums of their people's rows.

Role demand comes from three sources, kept side by side (``RoleDemand.source``):
the business case's resource plan, hours a planner enters by hand, and the
schedule (:func:`role_demand_rollup_from_schedule` spreads each task
assignment's work over the task's working days). The heatmap reads the most
detailed source a project has (see ``capacity_selectors``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max, Min, Q, Sum

from steerco.accounts.models import Organisation, User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.projects.models import Calendar, Project, Task
from steerco.resources.capacity_access import (
    access_booking_by_id,
    access_project_for_demand,
    access_scenario_by_id,
    can_edit_capacity,
    require_capacity_editor,
)
from steerco.resources.capacity_engine_io import (
    OrganisationCalendars,
    add_months,
    first_of_month,
    month_end,
    month_range,
    month_starts,
    months_between,
)
from steerco.resources.models import (
    Absence,
    Assignment,
    Booking,
    CapacityPeriod,
    HiringPlan,
    Person,
    Role,
    RoleDemand,
)

Action = AuditEntry.Action
CENT = Decimal("0.01")
MAX_REFRESH_MONTHS = 120
MAX_MONTH_HOURS = Decimal("744")  # 31 days of 24 hours: nobody works more in a month


def hours_decimal(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_hours(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        hours = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        errors.setdefault(field, []).append("Enter a number of hours.")
        return None
    if not hours.is_finite() or hours < 0:
        errors.setdefault(field, []).append("Hours cannot be negative.")
        return None
    return hours


# -- capacity ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CapacityRefreshResult:
    organisation_id: int
    first_month: dt.date
    months: int
    people: int
    person_rows: int
    role_rows: int
    seconds: float


def default_refresh_window(today: dt.date | None = None) -> tuple[dt.date, int]:
    """Twelve months back and twenty-four ahead of this month: actuals and plans both need it."""
    this_month = first_of_month(today or dt.date.today())
    return add_months(this_month, -12), 37


def person_monthly_hours(
    person: Person,
    absences: Sequence[Absence],
    calendars: OrganisationCalendars,
    months: Sequence[dt.date],
) -> list[float]:
    """Available hours of ``person`` in each month of ``months`` (consecutive months)."""
    first_day, last_day = months[0], month_end(months[-1])
    minutes = calendars.daily_minutes(person.calendar_id, first_day, last_day).copy()
    if person.start_date and person.start_date > first_day:
        minutes[: min(len(minutes), (person.start_date - first_day).days)] = 0
    if person.end_date and person.end_date < last_day:
        minutes[max(0, (person.end_date - first_day).days + 1) :] = 0
    if absences:
        away = np.zeros_like(minutes)
        for absence in absences:
            low = max(absence.start_date, first_day)
            high = min(absence.finish_date, last_day)
            if low > high:
                continue
            span = slice((low - first_day).days, (high - first_day).days + 1)
            if absence.hours_per_day is None:
                away[span] = minutes[span]
            else:
                away[span] += float(absence.hours_per_day) * 60
        minutes = np.maximum(0.0, minutes - np.minimum(away, minutes))
    monthly = np.add.reduceat(minutes, month_starts(first_day, months)) / 60.0
    return [float(hours) * float(person.fte) for hours in monthly]


@transaction.atomic
def capacity_refresh(
    *,
    acting_user: User | None,
    organisation_id: int | None = None,
    first_month: dt.date | None = None,
    months: int | None = None,
) -> CapacityRefreshResult:
    """Rebuild the capacity cache of an organisation for ``months`` months from ``first_month``.

    ``acting_user`` None is the system (the command line); a user must be a
    resource editor and refreshes their own organisation.
    """
    started = time.perf_counter()
    if acting_user is not None:
        require_capacity_editor(acting_user, "refresh capacity")
        organisation_id = organisation_id_of(acting_user)
    if organisation_id is None:
        raise ValidationFailed({"organisation": ["Name the organisation to refresh."]})
    default_first, default_months = default_refresh_window()
    first = first_of_month(first_month or default_first)
    count = months or default_months
    if not 1 <= count <= MAX_REFRESH_MONTHS:
        raise ValidationFailed({"months": [f"Refresh between 1 and {MAX_REFRESH_MONTHS} months."]})
    window = month_range(first, count)
    last_day = month_end(window[-1])

    _lock_capacity(organisation_id)
    calendars = OrganisationCalendars.load(organisation_id)
    people = list(
        Person.objects.filter(organisation_id=organisation_id, is_active=True)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=last_day))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .order_by("pk")
    )
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(
        person__organisation_id=organisation_id, finish_date__gte=first, start_date__lte=last_day
    ):
        absences[absence.person_id].append(absence)

    rows: list[CapacityPeriod] = []
    role_totals: dict[tuple[int, dt.date], float] = defaultdict(float)
    for person in people:
        for month, hours in zip(
            window,
            person_monthly_hours(person, absences[person.pk], calendars, window),
            strict=True,
        ):
            if (person.end_date and person.end_date < month) or (
                person.start_date and person.start_date > month_end(month)
            ):
                continue
            role_totals[(person.role_id, month)] += hours
            rows.append(
                CapacityPeriod(
                    organisation_id=organisation_id,
                    role_id=person.role_id,
                    person=person,
                    month=month,
                    hours=hours_decimal(hours),
                )
            )
    person_rows = len(rows)
    for role_id in Role.objects.filter(organisation_id=organisation_id).values_list(
        "pk", flat=True
    ):
        for month in window:
            hours = role_totals.get((role_id, month), 0.0)
            rows.append(
                CapacityPeriod(
                    organisation_id=organisation_id,
                    role_id=role_id,
                    person=None,
                    month=month,
                    hours=hours_decimal(hours),
                )
            )
    CapacityPeriod.objects.filter(
        organisation_id=organisation_id, month__gte=first, month__lte=window[-1]
    ).delete()
    CapacityPeriod.objects.bulk_create(rows, batch_size=2000)
    result = CapacityRefreshResult(
        organisation_id=organisation_id,
        first_month=first,
        months=count,
        people=len(people),
        person_rows=person_rows,
        role_rows=len(rows) - person_rows,
        seconds=time.perf_counter() - started,
    )
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        entity_type="resources.capacityperiod",
        entity_id=f"{first:%Y-%m}+{count}",
        organisation_id=organisation_id,
        after={"people": result.people, "rows": len(rows)},
        summary=f"Capacity refreshed for {count} months from {first:%Y-%m}",
    )
    return result


# -- keeping the cache current ------------------------------------------------------------------
#
# Every write that changes what a person's capacity is made of (their FTE, role, calendar,
# dates, business unit, absences) rebuilds that person's months and their roles' totals
# in the same transaction: one person over the cached window is a handful of queries
# (measured at a few milliseconds, see docs/resources.md), so the heatmap is never stale and
# no worker has to be running. Bulk writes (a people import) collect the people and rebuild
# them once at the end (``capacity_refresh_batched``).


@dataclass
class _PendingRefresh:
    people: dict[int, set[int]]
    roles: dict[int, set[int]]


_local = threading.local()


def _batches() -> list[_PendingRefresh]:
    # Per thread: the development server answers requests in threads.
    if not hasattr(_local, "batches"):
        _local.batches = []
    batches: list[_PendingRefresh] = _local.batches
    return batches


@contextmanager
def capacity_refresh_batched() -> Iterator[None]:
    """Collect the people whose capacity changes inside the block; rebuild them once at its end."""
    pending = _PendingRefresh(defaultdict(set), defaultdict(set))
    _batches().append(pending)
    try:
        yield
    finally:
        _batches().remove(pending)
    for organisation_id in sorted(pending.people.keys() | pending.roles.keys()):
        capacity_refresh_people(
            organisation_id=organisation_id,
            person_ids=pending.people.get(organisation_id, set()),
            role_ids=pending.roles.get(organisation_id, set()),
        )


def capacity_changed(
    *, organisation_id: int, person_ids: Iterable[int], role_ids: Iterable[int] = ()
) -> None:
    """Say that these people's capacity inputs changed (and these roles lost or gained people)."""
    batches = _batches()
    if batches:
        batches[-1].people[organisation_id].update(person_ids)
        batches[-1].roles[organisation_id].update(role_ids)
        return
    capacity_refresh_people(
        organisation_id=organisation_id, person_ids=person_ids, role_ids=role_ids
    )


def calendar_changed(*, organisation_id: int, calendar_id: int) -> None:
    """Rebuild everyone whose hours follow a calendar (its holidays, hours or exceptions changed).

    The people on it, on calendars based on it, and, for the default calendar, the
    people without a calendar of their own. For the calendar writes of the projects app.
    """
    calendars = {calendar_id}
    while True:
        based = set(
            Calendar.objects.filter(
                organisation_id=organisation_id, base_calendar_id__in=calendars
            ).values_list("pk", flat=True)
        )
        if based <= calendars:
            break
        calendars |= based
    on_it = Q(calendar_id__in=calendars)
    if Calendar.objects.filter(pk__in=calendars, is_default=True).exists():
        on_it |= Q(calendar__isnull=True)
    capacity_changed(
        organisation_id=organisation_id,
        person_ids=Person.objects.filter(on_it, organisation_id=organisation_id).values_list(
            "pk", flat=True
        ),
    )


def cached_window(organisation_id: int) -> list[dt.date]:
    """The months to keep current: the default window, widened to what the cache already holds."""
    default_first, default_months = default_refresh_window()
    default_last = add_months(default_first, default_months - 1)
    held = CapacityPeriod.objects.filter(organisation_id=organisation_id).aggregate(
        first=Min("month"), last=Max("month")
    )
    first = min(default_first, held["first"] or default_first)
    last = max(default_last, held["last"] or default_last)
    count = min(MAX_REFRESH_MONTHS, months_between(first, last) + 1)
    return month_range(first, count)


def _lock_capacity(organisation_id: int) -> None:
    """Serialise the capacity rebuilds of one organisation until the transaction ends.

    A rebuild deletes and re-inserts rows; two at once (two people of one role saved together,
    or a save during the nightly rebuild) would each insert a row the other also inserts, and
    the second would fail on the unique month constraint. The organisation's row is the lock.
    """
    Organisation.objects.select_for_update().filter(pk=organisation_id).values_list(
        "pk", flat=True
    ).first()


# No savepoint: it only ever runs inside the write that caused it, or alone.
@transaction.atomic(savepoint=False)
def capacity_refresh_people(
    *, organisation_id: int, person_ids: Iterable[int], role_ids: Iterable[int] = ()
) -> int:
    """Rebuild the capacity rows of some people, and the totals of their roles, in place.

    The derived-cache part of a write (no access check, no audit row: the write
    that caused it records itself). ``role_ids`` names roles to total again
    besides the people's own (the role someone left, the role of someone
    deleted). Returns the number of person rows written.
    """
    ids = set(person_ids)
    _lock_capacity(organisation_id)
    window = cached_window(organisation_id)
    first, last_day = window[0], month_end(window[-1])
    people = list(
        Person.objects.filter(organisation_id=organisation_id, pk__in=ids, is_active=True)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=last_day))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .order_by("pk")
    )
    roles = set(role_ids) | set(
        Person.objects.filter(organisation_id=organisation_id, pk__in=ids).values_list(
            "role_id", flat=True
        )
    )
    rows: list[CapacityPeriod] = []
    if people:
        calendars = OrganisationCalendars.load(organisation_id)
        absences: dict[int, list[Absence]] = defaultdict(list)
        for absence in Absence.objects.filter(
            person__in=people, finish_date__gte=first, start_date__lte=last_day
        ):
            absences[absence.person_id].append(absence)
        for person in people:
            rows += _person_rows(person, absences[person.pk], calendars, window)
    if ids:
        CapacityPeriod.objects.filter(
            organisation_id=organisation_id,
            person_id__in=ids,
            month__gte=first,
            month__lte=window[-1],
        ).delete()
        CapacityPeriod.objects.bulk_create(rows, batch_size=2000)
    if roles:
        _retotal_roles(organisation_id, roles, window)
    return len(rows)


def _person_rows(
    person: Person,
    absences: Sequence[Absence],
    calendars: OrganisationCalendars,
    window: Sequence[dt.date],
) -> list[CapacityPeriod]:
    rows = []
    for month, hours in zip(
        window, person_monthly_hours(person, absences, calendars, window), strict=True
    ):
        if (person.end_date and person.end_date < month) or (
            person.start_date and person.start_date > month_end(month)
        ):
            continue
        rows.append(
            CapacityPeriod(
                organisation_id=person.organisation_id,
                role_id=person.role_id,
                person=person,
                month=month,
                hours=hours_decimal(hours),
            )
        )
    return rows


def _retotal_roles(organisation_id: int, role_ids: set[int], window: Sequence[dt.date]) -> None:
    """Role rows as the sums of their people's rows (every month of the window, zeros too)."""
    known = set(
        Role.objects.filter(organisation_id=organisation_id, pk__in=role_ids).values_list(
            "pk", flat=True
        )
    )
    totals = {
        (row["role_id"], row["month"]): row["total"]
        for row in CapacityPeriod.objects.filter(
            organisation_id=organisation_id,
            role_id__in=known,
            person__isnull=False,
            month__gte=window[0],
            month__lte=window[-1],
        )
        .values("role_id", "month")
        .annotate(total=Sum("hours"))
    }
    CapacityPeriod.objects.filter(
        organisation_id=organisation_id,
        role_id__in=known,
        person__isnull=True,
        month__gte=window[0],
        month__lte=window[-1],
    ).delete()
    CapacityPeriod.objects.bulk_create(
        [
            CapacityPeriod(
                organisation_id=organisation_id,
                role_id=role_id,
                person=None,
                month=month,
                hours=totals.get((role_id, month), Decimal(0)),
            )
            for role_id in sorted(known)
            for month in window
        ],
        batch_size=2000,
    )


# -- role demand -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleDemandRow:
    role_id: int
    month: dt.date
    hours: Decimal


EDITABLE_SOURCES = (RoleDemand.Source.MANUAL, RoleDemand.Source.BUSINESS_CASE)


@transaction.atomic
def role_demand_replace(
    *,
    acting_user: User,
    project_id: int,
    rows: Sequence[RoleDemandRow],
    source: str = RoleDemand.Source.MANUAL,
) -> list[RoleDemand]:
    """Replace a project's role demand of one source (manual or business case) with ``rows``."""
    project = access_project_for_demand(acting_user, project_id)
    errors: dict[str, list[str]] = {}
    if source not in EDITABLE_SOURCES:
        errors["source"] = ["Schedule demand comes from the roll-up; use manual or business_case."]
    roles = set(
        Role.objects.filter(organisation_id=project.organisation_id).values_list("pk", flat=True)
    )
    seen: set[tuple[int, dt.date]] = set()
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        if row.role_id not in roles:
            errors.setdefault(f"{where}.role_id", []).append("No such role.")
        if row.month.day != 1:
            errors.setdefault(f"{where}.month", []).append("Use the first day of the month.")
        hours = parse_hours(row.hours, f"{where}.hours", errors)
        if hours is not None and hours > MAX_MONTH_HOURS * 1000:
            errors.setdefault(f"{where}.hours", []).append("Too many hours for one month.")
        if (row.role_id, row.month) in seen:
            errors.setdefault(where, []).append("This role and month are listed twice.")
        seen.add((row.role_id, row.month))
    if errors:
        raise ValidationFailed(errors)
    before = RoleDemand.objects.filter(project=project, source=source)
    removed = before.count()
    before.delete()
    created = RoleDemand.objects.bulk_create(
        RoleDemand(
            project=project,
            role_id=row.role_id,
            month=row.month,
            hours=hours_decimal(row.hours),
            source=source,
        )
        for row in rows
        if Decimal(row.hours) > 0
    )
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        entity_type="resources.roledemand",
        entity_id=f"{project.pk}:{source}",
        organisation_id=project.organisation_id,
        before={"rows": removed},
        after={"rows": len(created), "hours": sum((row.hours for row in created), Decimal(0))},
        summary=f"Role demand ({source}) of {project.code} replaced",
    )
    return created


@dataclass(frozen=True, slots=True)
class DemandRollupResult:
    project_id: int
    rows: int
    hours: Decimal
    assignments: int
    skipped: int


def _task_span(task: Task) -> tuple[dt.date, dt.date] | None:
    start = task.early_start or task.planned_start or task.actual_start
    finish = task.early_finish or task.planned_finish or task.actual_finish
    if start is None or finish is None:
        return None
    return start.date(), max(start.date(), finish.date())


@transaction.atomic
def role_demand_rollup_from_schedule(*, acting_user: User, project_id: int) -> DemandRollupResult:
    """Rebuild a project's schedule demand from its task assignments.

    Each assignment's work (or, without work, the task's duration at the
    assignment's units) is spread over the working days of the task on the
    project calendar, by the role of the assignment (or of the person named).
    Tasks without dates are skipped and counted.
    """
    project = access_project_for_demand(acting_user, project_id)
    calendars = OrganisationCalendars.load(project.organisation_id)
    assignments = list(
        Assignment.objects.filter(task__project=project, task__is_summary=False)
        .select_related("task", "person")
        .order_by("pk")
    )
    cells: dict[tuple[int, dt.date], float] = defaultdict(float)
    skipped = 0
    for assignment in assignments:
        role_id = assignment.role_id or (assignment.person.role_id if assignment.person else None)
        span = _task_span(assignment.task)
        if role_id is None or span is None:
            skipped += 1
            continue
        work = assignment.work_minutes or round(
            assignment.task.duration_minutes * float(assignment.units) / 100
        )
        if work <= 0:
            continue
        first_day, last_day = span
        daily = calendars.daily_minutes(project.calendar_id, first_day, last_day)
        total = float(daily.sum())
        if total <= 0:
            # No working time inside the span (a milestone, a weekend task): all in its month.
            cells[(role_id, first_of_month(first_day))] += work / 60
            continue
        first_month = first_of_month(first_day)
        months = month_range(first_month, months_between(first_month, last_day) + 1)
        offsets = np.array([max(0, (m - first_day).days) for m in months], dtype=np.intp)
        shares = np.add.reduceat(daily, offsets) / total
        for month, share in zip(months, shares, strict=True):
            if share > 0:
                cells[(role_id, month)] += work / 60 * float(share)
    RoleDemand.objects.filter(project=project, source=RoleDemand.Source.SCHEDULE).delete()
    created = RoleDemand.objects.bulk_create(
        RoleDemand(
            project=project,
            role_id=role_id,
            month=month,
            hours=hours_decimal(hours),
            source=RoleDemand.Source.SCHEDULE,
        )
        for (role_id, month), hours in sorted(
            cells.items(), key=lambda item: (item[0][1], item[0][0])
        )
        if hours >= 0.005
    )
    total_hours = sum((row.hours for row in created), Decimal(0))
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        entity_type="resources.roledemand",
        entity_id=f"{project.pk}:schedule",
        organisation_id=project.organisation_id,
        after={"rows": len(created), "hours": total_hours},
        summary=f"Role demand of {project.code} rolled up from its schedule",
    )
    return DemandRollupResult(project.pk, len(created), total_hours, len(assignments), skipped)


# -- bookings ----------------------------------------------------------------------------------


@transaction.atomic
def booking_set(
    *,
    acting_user: User,
    project_id: int,
    person_id: int,
    month: dt.date,
    hours: Decimal,
    kind: str = Booking.Kind.SOFT,
    note: str = "",
) -> Booking | None:
    """Book ``hours`` of a person on a project in a month (0 hours removes the booking).

    Resource editors book hard or soft; a project's manager books softly on their project.
    """
    project = access_project_for_demand(acting_user, project_id)
    errors: dict[str, list[str]] = {}
    if kind not in Booking.Kind.values:
        errors["kind"] = ["Choose soft or hard."]
    elif kind == Booking.Kind.HARD and not can_edit_capacity(acting_user):
        errors["kind"] = ["Only a resource manager may book hard; book softly and ask for them."]
    person = Person.objects.filter(pk=person_id, organisation_id=project.organisation_id).first()
    if person is None:
        errors["person_id"] = ["No such person."]
    elif not person.is_active:
        errors["person_id"] = [f"{person.name} is no longer active."]
    if month.day != 1:
        errors["month"] = ["Use the first day of the month."]
    value = parse_hours(hours, "hours", errors)
    if value is not None and value > MAX_MONTH_HOURS:
        errors["hours"] = ["A month has at most 744 hours."]
    if len(note) > 200:
        errors["note"] = ["At most 200 characters."]
    if errors or value is None or person is None:
        raise ValidationFailed(errors)
    existing = Booking.objects.filter(
        project=project, person=person, month=month, kind=kind
    ).first()
    if value == 0:
        if existing is not None:
            audit_record(
                actor=acting_user,
                action=Action.DELETE,
                instance=existing,
                organisation_id=project.organisation_id,
                before=snapshot(existing),
                summary=f"Booking of {person.name} on {project.code} removed",
            )
            existing.delete()
        return None
    if existing is None:
        booking = Booking.objects.create(
            project=project, person=person, month=month, hours=value, kind=kind, note=note
        )
        audit_record(
            actor=acting_user,
            action=Action.CREATE,
            instance=booking,
            organisation_id=project.organisation_id,
            after=snapshot(booking),
            summary=f"{person.name} booked on {project.code} {month:%Y-%m}: {value} h ({kind})",
        )
        return booking
    before = snapshot(existing)
    existing.hours, existing.note = value, note
    existing.save(update_fields=["hours", "note", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=existing,
        organisation_id=project.organisation_id,
        before=before,
        after=snapshot(existing),
        summary=f"Booking of {person.name} on {project.code} {month:%Y-%m} changed",
    )
    return existing


@transaction.atomic
def booking_delete(*, acting_user: User, booking_id: int) -> None:
    booking = access_booking_by_id(acting_user, booking_id, for_edit=True)
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        instance=booking,
        organisation_id=booking.project.organisation_id,
        before=snapshot(booking),
        summary=f"Booking of {booking.person.name} on {booking.project.code} removed",
    )
    booking.delete()


def add_booked_hours(
    *, project: Project, person: Person, month: dt.date, hours: Decimal, kind: str, note: str
) -> Booking:
    """Add hours to a booking (creating it): how an approved resource request books a person."""
    booking, created = Booking.objects.get_or_create(
        project=project,
        person=person,
        month=month,
        kind=kind,
        defaults={"hours": hours, "note": note[:200]},
    )
    if not created:
        booking.hours += hours
        booking.save(update_fields=["hours", "updated_at"])
    return booking


# -- hiring plans ------------------------------------------------------------------------------


@transaction.atomic
def hiring_plan_set(
    *,
    acting_user: User,
    scenario_id: int,
    role_id: int,
    month: dt.date,
    fte_delta: Decimal,
    note: str = "",
) -> HiringPlan:
    """Add (or, negative, remove) full-time people of a role from a month on, in a scenario."""
    scenario = access_scenario_by_id(acting_user, scenario_id, for_edit=True)
    errors: dict[str, list[str]] = {}
    role = Role.objects.filter(pk=role_id, organisation_id=scenario.organisation_id).first()
    if role is None:
        errors["role_id"] = ["No such role."]
    if month.day != 1:
        errors["month"] = ["Use the first day of the month."]
    try:
        delta = Decimal(str(fte_delta)).quantize(CENT)
    except (InvalidOperation, ValueError):
        delta = None
    if delta is None or not delta.is_finite() or not Decimal(-1000) <= delta <= Decimal(1000):
        errors["fte_delta"] = ["Enter a number of full-time people between -1000 and 1000."]
    elif delta == 0:
        errors["fte_delta"] = ["A hiring plan adds or removes someone: it cannot be zero."]
    if errors or role is None or delta is None:
        raise ValidationFailed(errors)
    plan, created = HiringPlan.objects.update_or_create(
        scenario=scenario, role=role, month=month, defaults={"fte_delta": delta, "note": note[:200]}
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE if created else Action.UPDATE,
        instance=plan,
        organisation_id=scenario.organisation_id,
        after=snapshot(plan),
        summary=f"Hiring plan in {scenario.name}: {role.name} {delta:+} FTE from {month:%Y-%m}",
    )
    return plan


@transaction.atomic
def hiring_plan_delete(*, acting_user: User, hiring_plan_id: int) -> None:
    plan = (
        HiringPlan.objects.select_related("scenario", "role")
        .filter(pk=hiring_plan_id, scenario__organisation_id=organisation_id_of(acting_user))
        .first()
    )
    if plan is None:
        raise NotFound(f"No hiring plan {hiring_plan_id}.")
    access_scenario_by_id(acting_user, plan.scenario_id, for_edit=True)
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        instance=plan,
        organisation_id=plan.scenario.organisation_id,
        before=snapshot(plan),
        summary=f"Hiring plan of {plan.role.name} removed from {plan.scenario.name}",
    )
    plan.delete()
