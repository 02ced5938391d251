"""Resource requests: a project manager asks for hours; a resource manager decides.

A request names a role, a skill or a person, a period and a number of hours.
The resource manager approves it with a named person (all the hours, or part
of them: "partially approved"), which books that person on the project, hard
by default, over the months of the period in proportion to the person's
working hours in each; or rejects it with a reason. The requester may
withdraw a request while it is pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from steerco.accounts.models import Role as UserRole
from steerco.accounts.models import User
from steerco.comms.models import NotificationKind
from steerco.comms.services import notification_send
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.projects.models import Project
from steerco.resources.capacity_access import (
    access_project_for_demand,
    access_request_by_id,
    can_withdraw_request,
)
from steerco.resources.capacity_engine_io import (
    OrganisationCalendars,
    first_of_month,
    month_range,
    month_starts,
    months_between,
)
from steerco.resources.capacity_services import CENT, add_booked_hours, parse_hours
from steerco.resources.models import Booking, Person, ResourceRequest, Role, Skill

Action = AuditEntry.Action
Status = ResourceRequest.Status
CLOSED_STAGES = (Project.Stage.CLOSED, Project.Stage.CANCELLED)
MAX_REQUEST_HOURS = Decimal("100000")
MAX_REQUEST_DAYS = 3 * 366


def notify_people(
    *, organisation_id: int, recipients: list[int], actor: User, kind: str, title: str, url: str
) -> None:
    """Notify users by id through the comms service, so their e-mail preferences apply."""
    ids = {pk for pk in recipients if pk and pk != actor.pk}
    if not ids:
        return
    notification_send(
        recipients=User.objects.filter(pk__in=ids).order_by("pk"),
        actor=actor,
        kind=kind,
        title=title,
        organisation_id=organisation_id,
        url=url,
    )


def _request_url(request: ResourceRequest) -> str:
    return f"/resources/requests/{request.pk}/"


@transaction.atomic
def resource_request_create(
    *,
    acting_user: User,
    project_id: int,
    start_date: dt.date,
    finish_date: dt.date,
    hours: Decimal,
    role_id: int | None = None,
    skill_id: int | None = None,
    requested_person_id: int | None = None,
    reason: str = "",
) -> ResourceRequest:
    """Ask for hours of a role, a skill or a named person on a project over a period."""
    project = access_project_for_demand(acting_user, project_id)
    organisation_id = project.organisation_id
    errors: dict[str, list[str]] = {}
    if project.stage in CLOSED_STAGES:
        errors["project_id"] = [f"{project.code} is {project.get_stage_display().lower()}."]
    role = skill = person = None
    if role_id is not None:
        role = Role.objects.filter(pk=role_id, organisation_id=organisation_id).first()
        if role is None:
            errors["role_id"] = ["No such role."]
    if skill_id is not None:
        skill = Skill.objects.filter(pk=skill_id, organisation_id=organisation_id).first()
        if skill is None:
            errors["skill_id"] = ["No such skill."]
    if requested_person_id is not None:
        person = Person.objects.filter(
            pk=requested_person_id, organisation_id=organisation_id, is_active=True
        ).first()
        if person is None:
            errors["requested_person_id"] = ["No such active person."]
    if role_id is None and skill_id is None and requested_person_id is None:
        errors["role_id"] = ["Ask for a role, a skill or a person."]
    if finish_date < start_date:
        errors["finish_date"] = ["The period ends before it starts."]
    elif (finish_date - start_date).days > MAX_REQUEST_DAYS:
        errors["finish_date"] = ["Ask for three years at most."]
    value = parse_hours(hours, "hours", errors)
    if value is not None and not Decimal(0) < value <= MAX_REQUEST_HOURS:
        errors["hours"] = ["Ask for more than 0 and at most 100,000 hours."]
    if errors or value is None:
        raise ValidationFailed(errors)
    request = ResourceRequest.objects.create(
        organisation_id=organisation_id,
        project=project,
        role=role,
        skill=skill,
        requested_person=person,
        start_date=start_date,
        finish_date=finish_date,
        hours=value,
        reason=reason.strip(),
        requested_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=request,
        after=snapshot(request),
        summary=f"Resource request for {project.code}: {value} h",
    )
    managers = list(
        User.objects.filter(
            organisation_id=organisation_id, role=UserRole.RESOURCE_MANAGER, is_active=True
        ).values_list("pk", flat=True)
    )
    notify_people(
        organisation_id=organisation_id,
        recipients=managers,
        actor=acting_user,
        kind=NotificationKind.RESOURCE_REQUEST_SUBMITTED,
        title=f"{project.code} asks for {value} h ({role or skill or person})",
        url=_request_url(request),
    )
    return request


def _require_pending(request: ResourceRequest) -> None:
    if request.status != Status.PENDING:
        raise Conflict(f"This request is already {request.get_status_display().lower()}.")


def spread_over_months(
    hours: Decimal, start: dt.date, finish: dt.date, weights: list[float]
) -> list[tuple[dt.date, Decimal]]:
    """``hours`` split over the months from ``start`` to ``finish`` by ``weights``, to the cent.

    The cents lost to rounding go to the heaviest month, so that the parts add up exactly.
    """
    months = month_range(first_of_month(start), months_between(start, finish) + 1)
    total = sum(weights)
    if total <= 0:
        weights = [1.0] * len(months)
        total = float(len(months))
    parts = [
        (hours * Decimal(weight / total)).quantize(CENT, rounding=ROUND_DOWN) for weight in weights
    ]
    heaviest = max(range(len(parts)), key=lambda index: weights[index])
    parts[heaviest] += hours - sum(parts, Decimal(0))
    return [(month, part) for month, part in zip(months, parts, strict=True) if part > 0]


@dataclass(frozen=True, slots=True)
class RequestDecision:
    request: ResourceRequest
    bookings: list[Booking]


@transaction.atomic
def resource_request_approve(
    *,
    acting_user: User,
    request_id: int,
    person_id: int,
    hours: Decimal | None = None,
    kind: str = Booking.Kind.HARD,
    note: str = "",
) -> RequestDecision:
    """Approve with a named person, for all the hours or (fewer hours) partially; book them."""
    request = access_request_by_id(acting_user, request_id, for_decision=True)
    _require_pending(request)
    errors: dict[str, list[str]] = {}
    person = Person.objects.filter(pk=person_id, organisation_id=request.organisation_id).first()
    if person is None:
        errors["person_id"] = ["No such person."]
    elif not person.is_active:
        errors["person_id"] = [f"{person.name} is no longer active."]
    value = request.hours if hours is None else parse_hours(hours, "hours", errors)
    if value is not None and not Decimal(0) < value <= request.hours:
        errors["hours"] = [f"Approve more than 0 and at most the {request.hours} h asked for."]
    if kind not in Booking.Kind.values:
        errors["kind"] = ["Choose soft or hard."]
    if errors or person is None or value is None:
        raise ValidationFailed(errors)
    partial = value < request.hours
    if partial and not note.strip():
        raise ValidationFailed({"note": ["Say why only part of the hours is approved."]})

    calendars = OrganisationCalendars.load(request.organisation_id)
    daily = calendars.daily_minutes(person.calendar_id, request.start_date, request.finish_date)
    months = month_range(
        first_of_month(request.start_date),
        months_between(request.start_date, request.finish_date) + 1,
    )
    offsets = month_starts(request.start_date, months)
    offsets[0] = 0
    weights = [float(value) for value in np.add.reduceat(daily, offsets)]
    bookings = [
        add_booked_hours(
            project=request.project,
            person=person,
            month=month,
            hours=part,
            kind=kind,
            note=f"Resource request {request.pk}",
        )
        for month, part in spread_over_months(
            value, request.start_date, request.finish_date, weights
        )
    ]
    before = snapshot(request)
    request.status = Status.PARTIALLY_APPROVED if partial else Status.APPROVED
    request.approved_person = person
    request.approved_hours = value
    request.decision_note = note.strip()
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=request,
        before=before,
        after=snapshot(request),
        summary=f"Resource request {request.pk} {request.get_status_display().lower()}: "
        f"{person.name}, {value} h",
    )
    notify_people(
        organisation_id=request.organisation_id,
        recipients=[request.requested_by_id or 0, person.user_id or 0],
        actor=acting_user,
        kind=NotificationKind.RESOURCE_REQUEST_DECIDED,
        title=f"{request.project.code}: {person.name} approved for {value} h",
        url=_request_url(request),
    )
    return RequestDecision(request, bookings)


@transaction.atomic
def resource_request_reject(*, acting_user: User, request_id: int, reason: str) -> ResourceRequest:
    """Reject a pending request; the reason is required and shown to the requester."""
    request = access_request_by_id(acting_user, request_id, for_decision=True)
    _require_pending(request)
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why the request is rejected."]})
    before = snapshot(request)
    request.status = Status.REJECTED
    request.decision_note = reason.strip()
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=request,
        before=before,
        after=snapshot(request),
        summary=f"Resource request {request.pk} rejected",
    )
    notify_people(
        organisation_id=request.organisation_id,
        recipients=[request.requested_by_id or 0],
        actor=acting_user,
        kind=NotificationKind.RESOURCE_REQUEST_DECIDED,
        title=f"{request.project.code}: request for {request.hours} h rejected",
        url=_request_url(request),
    )
    return request


@transaction.atomic
def resource_request_withdraw(*, acting_user: User, request_id: int) -> ResourceRequest:
    request = access_request_by_id(acting_user, request_id)
    if not can_withdraw_request(acting_user, request):
        raise AccessDenied("Only the requester or the project's manager may withdraw it.")
    _require_pending(request)
    before = snapshot(request)
    request.status = Status.WITHDRAWN
    request.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=request,
        before=before,
        after=snapshot(request),
        summary=f"Resource request {request.pk} withdrawn",
    )
    return request
