"""Role demand from the business cases, bookings of named people, requests and timesheets.

Demand is where the demo's capacity problem lives: four data projects peak
together in 2027, just after two contract data engineers leave, and the
seven who stay cannot cover them. The resource manager sees it on the heatmap; the what-if scenario of
three more data engineers is the answer the portfolio manager is testing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal

from steerco.demo import catalogue, dates
from steerco.demo.bulk import insert_rows
from steerco.demo.catalogue import ProjectSpec
from steerco.demo.context import DemoContext, PersonInfo, TaskInfo, rng_for
from steerco.resources.models import (
    Booking,
    LockedPeriod,
    ResourceRequest,
    RoleDemand,
    Timesheet,
    TimesheetEntry,
)

LABOUR_SHARE = 0.65
DEMAND_STAGES = {"idea", "proposal", "approved", "in_execution", "closing", "on_hold"}
LAST_TIMESHEET_WEEK = dt.date(2026, 11, 9)
HARD_BOOKING_UNTIL = dt.date(2027, 1, 1)


def role_rates(context: DemoContext) -> dict[str, float]:
    return {code: float(role.default_cost_rate) for code, role in context.roles.items()}


def labour_hours(spec: ProjectSpec, rates: dict[str, float]) -> dict[str, float]:
    """Hours of each role the business case plans for the whole project."""
    mix = catalogue.ROLE_MIX[spec.kind]
    blended = sum(share * rates[code] for code, share in mix.items())
    total = spec.budget_k * 1000 * LABOUR_SHARE / blended
    return {code: total * share for code, share in mix.items()}


def monthly_demand(
    spec: ProjectSpec, months: list[dt.date], rates: dict[str, float]
) -> dict[tuple[str, dt.date], float]:
    """Spread each role's hours over the months, when in the project the role is needed."""
    result: dict[tuple[str, dt.date], float] = {}
    count = len(months)
    for code, hours in labour_hours(spec, rates).items():
        centre, spread = catalogue.ROLE_TIMING[code]
        weights = [
            math.exp(-0.5 * (((index + 0.5) / count - centre) / spread) ** 2)
            for index in range(count)
        ]
        total = sum(weights)
        for month, weight in zip(months, weights, strict=True):
            result[(code, month)] = hours * weight / total
    return result


def project_months(context: DemoContext, spec: ProjectSpec) -> list[dt.date]:
    plan = context.plans.get(spec.code)
    if plan is not None:
        return list(dates.month_range(plan.start, plan.finish))
    return list(dates.month_range(spec.start, dates.add_months(spec.start, spec.months - 1)))


COMMITTED_STAGES = {"approved", "in_execution", "closing", "on_hold"}
PLANNING_WINDOW = (dt.date(2026, 6, 1), dt.date(2027, 12, 1))
TARGET_PEAK = 0.9
IN_HOUSE_ROLES = {"DE"}


def internal_shares(
    context: DemoContext, demand_by_project: dict[str, dict[tuple[str, dt.date], float]]
) -> dict[str, float]:
    """Share of each role's business-case hours done by Northwind's own people.

    Business cases price all labour; contractors deliver part of it (their
    invoices are the contractor cost lines). The share keeps each role's
    busiest month of the committed portfolio at 90% of capacity, except for
    data engineering, which Northwind keeps in-house: with two contractors
    leaving at the end of 2026, data engineers are over-booked in 2027.
    """
    committed: dict[tuple[str, dt.date], float] = defaultdict(float)
    for code, demand in demand_by_project.items():
        if context.specs[code].stage in COMMITTED_STAGES:
            for key, hours in demand.items():
                committed[key] += hours
    shares: dict[str, float] = {}
    for role in context.roles:
        ratios = [
            committed[(role, month)] / context.role_capacity[(role, month)]
            for month in dates.month_range(*PLANNING_WINDOW)
            if context.role_capacity.get((role, month))
        ]
        peak = max(ratios, default=0)
        shares[role] = 1.0 if role in IN_HOUSE_ROLES or not peak else min(1.0, TARGET_PEAK / peak)
    return shares


def build_resourcing(context: DemoContext) -> dict[str, dict[tuple[str, dt.date], float]]:
    """Role demand and bookings; returns the demand by project for the finance builder."""
    rates = role_rates(context)
    demand_by_project = {
        spec.code: monthly_demand(spec, project_months(context, spec), rates)
        for spec in catalogue.PROJECTS
    }
    internal = internal_shares(context, demand_by_project)
    for demand in demand_by_project.values():
        for key in demand:
            demand[key] *= internal[key[0]]
    demand_rows: list[dict[str, object]] = []
    for spec in catalogue.PROJECTS:
        demand = demand_by_project[spec.code]
        if spec.stage not in DEMAND_STAGES:
            continue
        project = context.projects[spec.code]
        for (code, month), hours in sorted(
            demand.items(), key=lambda item: (item[0][1], item[0][0])
        ):
            if hours < 1:
                continue
            if (
                spec.stage == "on_hold"
                and spec.stopped
                and spec.stopped <= month < dates.add_months(dates.STATUS_DATE, 1)
            ):
                # Paused: nobody is needed until the project restarts.
                continue
            demand_rows.append(
                {
                    "project_id": project.pk,
                    "role_id": context.roles[code].pk,
                    "month": month,
                    "hours": Decimal(f"{hours:.2f}"),
                    "source": RoleDemand.Source.BUSINESS_CASE,
                }
            )
    booking_rows = _bookings(context, demand_by_project)
    insert_rows(RoleDemand, demand_rows)
    insert_rows(Booking, booking_rows)
    _resource_requests(context)
    LockedPeriod.objects.create(
        organisation=context.organisation,
        until=dt.date(2026, 10, 31),
        locked_by=context.users["pmo"],
        reason="October 2026 month-end close",
    )
    return demand_by_project


BOOKING_CEILING = 1.1
"""Resource managers book people up to 110% of their hours; the rest of the demand waits."""


def _bookings(
    context: DemoContext, demand_by_project: dict[str, dict[tuple[str, dt.date], float]]
) -> list[dict[str, object]]:
    """Book each project's team for its demand, most important projects first."""
    booked: dict[tuple[int, dt.date], float] = defaultdict(float)
    rows: list[dict[str, object]] = []
    specs = sorted(context.specs.values(), key=lambda spec: (spec.priority, spec.code))
    for spec in specs:
        plan = context.plans.get(spec.code)
        if plan is None or spec.stage not in COMMITTED_STAGES:
            continue
        project = context.projects[spec.code]
        for (code, month), hours in sorted(demand_by_project[spec.code].items()):
            people = plan.team.get(code, [])
            if not people or hours < 4:
                continue
            if spec.stage == "on_hold" and spec.stopped and month >= spec.stopped:
                continue
            kind = (
                Booking.Kind.HARD
                if month < HARD_BOOKING_UNTIL and spec.stage != "approved"
                else Booking.Kind.SOFT
            )
            for person_id in people:
                capacity = context.person_capacity.get((person_id, month), 0.0)
                room = capacity * BOOKING_CEILING - booked[(person_id, month)]
                share = min(hours / len(people), room)
                if share < 4:
                    continue
                booked[(person_id, month)] += share
                rows.append(
                    {
                        "project_id": project.pk,
                        "person_id": person_id,
                        "month": month,
                        "hours": Decimal(f"{share:.2f}"),
                        "kind": kind,
                    }
                )
    return rows


# (project, role, skill, requested person username, start, finish, hours, status,
#  approved hours, reason, decision note)
REQUESTS = [
    ("DIG-103", "DE", "", "", dt.date(2027, 1, 4), dt.date(2027, 6, 30), 800, "pending", None,
     "Two data engineers for the feature pipelines; the model work cannot start without them.",
     ""),
    ("DIG-107", "DE", "Kafka", "", dt.date(2027, 2, 1), dt.date(2027, 7, 30), 600, "pending",
     None, "Streaming experience needed for the stock-movement feed.", ""),
    ("GRO-326", "DS", "", "", dt.date(2027, 2, 1), dt.date(2027, 9, 30), 400,
     "partially_approved", 250, "Elasticity models for 12 categories.",
     "250 hours now; more once demand forecasting has released its data scientist."),
    ("OPS-213", "BA", "SAP S/4HANA", "", dt.date(2027, 1, 4), dt.date(2027, 4, 30), 320,
     "approved", 320, "Tax and invoicing process analysis.", "Agreed with the finance BA lead."),
    ("DIG-113", "UX", "", "", dt.date(2026, 12, 1), dt.date(2027, 3, 31), 240, "approved", 240,
     "Member journeys and offer screens.", ""),
    ("OPS-204", "DEV", "Kotlin", "", dt.date(2027, 1, 11), dt.date(2027, 5, 28), 300,
     "rejected", None, "Android developer for the driver check-in app.",
     "No Kotlin developer free before June; please use the web check-in option."),
    ("GRO-302", "CM", "", "", dt.date(2027, 3, 1), dt.date(2027, 8, 31), 200, "pending", None,
     "Onboarding of the partner's depot team.", ""),
    ("DIG-112", "TEST", "Test automation", "", dt.date(2026, 11, 2), dt.date(2027, 1, 29), 160,
     "approved", 160, "Regression suite for the app release train.", ""),
    ("GRO-322", "DEV", "", "member:DEV", dt.date(2026, 12, 1), dt.date(2027, 3, 31), 320,
     "partially_approved", 200, "Front-end developer who built the restaurant order guides.",
     "Available three days a week until March."),
    ("DIG-101", "DE", "", "", dt.date(2026, 9, 1), dt.date(2026, 12, 18), 480, "withdrawn",
     None, "Extra capacity for the finance domain.", "Withdrawn: scope moved to 2027."),
]  # fmt: skip


def _resource_requests(context: DemoContext) -> None:
    rows = []
    for code, role, skill, person, start, finish, hours, status, approved, reason, note in REQUESTS:
        project = context.projects[code]
        plan = context.plans.get(code)
        requested_person = None
        if person.startswith("member:") and plan is not None:
            person_ids = plan.team.get(person.split(":")[1], [])
            requested_person = context.people[person_ids[0]].person if person_ids else None
        approved_person = None
        if approved is not None:
            pool = context.people_by_role[role]
            approved_person = requested_person or pool[len(code) % len(pool)].person
        decided = status not in ("pending",)
        rows.append(
            ResourceRequest(
                organisation=context.organisation,
                project=project,
                role=context.roles[role],
                skill=context.skills[skill] if skill else None,
                requested_person=requested_person,
                start_date=start,
                finish_date=finish,
                hours=Decimal(hours),
                reason=reason,
                status=status,
                approved_person=approved_person,
                approved_hours=Decimal(approved) if approved is not None else None,
                decision_note=note,
                requested_by=context.managers[code],
                decided_by=context.users["resources"] if decided else None,
                decided_at=dates.aware(dt.date(2026, 11, 3), 11) if decided else None,
            )
        )
    ResourceRequest.objects.bulk_create(rows)


# -- timesheets ------------------------------------------------------------------------------


def build_timesheets(context: DemoContext) -> dict[tuple[str, dt.date], list[tuple[int, float]]]:
    """Weekly timesheets since May 2026; returns approved hours by (project, month) and person."""
    tasks_by_person: dict[int, list[TaskInfo]] = defaultdict(list)
    for plan in context.plans.values():
        for task in plan.tasks:
            if task.person_id is not None and task.actual_start is not None:
                tasks_by_person[task.person_id].append(task)
    weeks = []
    week = dates.FIRST_TIMESHEET_WEEK
    while week <= LAST_TIMESHEET_WEEK:
        weeks.append(week)
        week += dt.timedelta(weeks=1)
    timesheet_rows: list[dict[str, object]] = []
    entries: list[tuple[int, dict[str, object]]] = []
    approved_hours: dict[tuple[str, dt.date], list[tuple[int, float]]] = defaultdict(list)
    project_ids = {code: project.pk for code, project in context.projects.items()}
    for info in context.people.values():
        rng = rng_for("timesheet", info.person.email)
        holidays = dates.holiday_dates(info.calendar_key)
        person_tasks = sorted(tasks_by_person.get(info.person.pk, []), key=lambda t: t.start)
        for week in weeks:
            if info.person.start_date and week < info.person.start_date:
                continue
            status, decided = _timesheet_status(info, week, rng)
            timesheet_rows.append(
                {
                    "organisation_id": context.organisation.pk,
                    "person_id": info.person.pk,
                    "week_start": week,
                    "status": status,
                    "submitted_at": None
                    if status == "draft"
                    else dates.aware(week + dt.timedelta(days=4), 16, 30),
                    "decided_by_id": context.users["resources"].pk if decided else None,
                    "decided_at": dates.aware(week + dt.timedelta(days=7), 10) if decided else None,
                    "reject_reason": REJECT_REASON if status == "rejected" else "",
                }
            )
            index = len(timesheet_rows) - 1
            for offset in range(5):
                day = week + dt.timedelta(days=offset)
                for entry in _day_entries(info, day, holidays, person_tasks, rng):
                    entries.append((index, entry))
                    project_code = entry.pop("project_code", None)
                    if project_code and status == "approved":
                        key = (str(project_code), day.replace(day=1))
                        approved_hours[key].append((info.person.pk, float(entry["hours"])))  # type: ignore[arg-type]
                    if project_code:
                        entry["project_id"] = project_ids[str(project_code)]
    ids = insert_rows(Timesheet, timesheet_rows)
    entry_rows = []
    for index, entry in entries:
        entry["timesheet_id"] = ids[index]
        entry_rows.append(entry)
    insert_rows(TimesheetEntry, entry_rows)
    return approved_hours


REJECT_REASON = (
    "Wednesday's hours are on a task that finished the week before; please rebook them to the "
    "task you worked on and resubmit."
)


def _timesheet_status(info: PersonInfo, week: dt.date, rng: random.Random) -> tuple[str, bool]:
    """Older weeks approved; the last two still waiting; the ``member`` login has a draft."""
    username = info.person.email.split("@")[0]
    if week == LAST_TIMESHEET_WEEK:
        if info.person.name == "Emma de Vries" or rng.random() < 0.3:
            return "draft", False
        return "submitted", False
    if week == LAST_TIMESHEET_WEEK - dt.timedelta(weeks=1):
        return ("submitted", False) if rng.random() < 0.2 else ("approved", True)
    if week == dt.date(2026, 10, 26) and username.endswith("n") and rng.random() < 0.3:
        return "rejected", True
    return "approved", True


def _day_entries(
    info: PersonInfo,
    day: dt.date,
    holidays: frozenset[dt.date],
    tasks: list[TaskInfo],
    rng: random.Random,
) -> list[dict[str, object]]:
    day_hours = 8 * info.fte
    if info.person.end_date and day > info.person.end_date:
        return []
    if day in holidays:
        return [_non_project(day, "public_holiday", day_hours, "")]
    if day in info.absences:
        reason = info.absences[day]
        category = {"leave": "leave", "sick": "sick", "training": "training"}.get(reason, "other")
        return [_non_project(day, category, day_hours, "")]
    active = [
        task
        for task in tasks
        if task.actual_start is not None
        and task.actual_start <= day
        and (task.actual_finish or dates.STATUS_DATE) >= day
        and not task.is_milestone
    ][:3]
    entries: list[dict[str, object]] = []
    overhead = 1.0 if day.weekday() == 0 else 0.5 if rng.random() < 0.3 else 0.0
    if overhead:
        entries.append(
            _non_project(day, "admin", overhead, "Team meeting" if day.weekday() == 0 else "")
        )
    left = day_hours - overhead
    if not active:
        entries.append(_non_project(day, "support", left, "Support and run activities"))
        return entries
    each = round(left / len(active) * 4) / 4
    for task in active:
        entries.append(
            {
                "project_code": task.project_code,
                "task_id": task.task_id,
                "non_project_category": "",
                "date": day,
                "hours": Decimal(f"{each:.2f}"),
                "note": "",
            }
        )
    return entries


def _non_project(day: dt.date, category: str, hours: float, note: str) -> dict[str, object]:
    return {
        "project_id": None,
        "task_id": None,
        "non_project_category": category,
        "date": day,
        "hours": Decimal(f"{hours:.2f}"),
        "note": note,
    }
