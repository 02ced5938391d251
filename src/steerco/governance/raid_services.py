"""RAID logs (risks, assumptions, issues, decisions, dependencies) and change control.

Change requests go draft -> submitted -> approved or rejected. An approved change is
applied to the baseline by capturing a **new baseline version** (the next number, at most
10), copied from the latest one, with

- the schedule impact inserted at the decision: work not started by then moves by the
  impact (calendar days), work in progress finishes that much later, finished work stays;
- the cost impact spread over the unfinished work in proportion to its baseline cost
  (evenly when it has none), rounded to cents with the remainder on the largest row;
- summary rows recomputed from the rows under them.

Earlier baselines are kept, so the promise made at approval can still be compared with the
forecast. A project without a baseline keeps the approved change "approved" until a
baseline exists and someone applies it.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any, TypedDict

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from steerco.accounts.models import Role, User
from steerco.comms import events
from steerco.comms.models import NotificationKind
from steerco.comms.services import activity_record, notification_send
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.money import CENT, quantize_money
from steerco.governance.access import (
    access_change_request_by_id,
    access_governed_project,
    access_raid_item_by_id,
    can_decide_change,
)
from steerco.governance.models import ChangeRequest, RaidItem
from steerco.governance.rag_suggestions import HIGH_RISK_SCORE, risk_score
from steerco.governance.validation import (
    NOT_FOUND,
    Errors,
    as_decimal,
    check_choice,
    check_date,
    check_decimal,
    check_int,
    check_money,
    check_person,
    check_text,
    differs,
    reject_unknown,
)
from steerco.projects.access import can_edit_project
from steerco.projects.models import Baseline, BaselineTask, Project

Action = AuditEntry.Action
REF_PREFIX = {
    RaidItem.Kind.RISK: "R",
    RaidItem.Kind.ASSUMPTION: "A",
    RaidItem.Kind.ISSUE: "I",
    RaidItem.Kind.DECISION: "D",
    RaidItem.Kind.DEPENDENCY: "DEP",
}
MAX_BASELINE_NUMBER = 10


class RaidItemFields(TypedDict, total=False):
    kind: str
    title: str
    description: str
    owner_id: int | None
    status: str
    probability: Decimal | None
    impact: int | None
    cost_impact: Decimal | None
    schedule_impact_days: int | None
    response_strategy: str
    response: str
    trend: str
    due_date: datetime.date | None
    depends_on_project_id: int | None


class ChangeRequestFields(TypedDict, total=False):
    title: str
    description: str
    reason: str
    cost_impact: Decimal
    schedule_impact_days: int
    scope_impact: str


RAID_FIELDS = frozenset(RaidItemFields.__optional_keys__)
CHANGE_FIELDS = frozenset(ChangeRequestFields.__optional_keys__)


def _next_ref(rows: Any, prefix: str) -> str:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [
        int(match[1])
        for ref in rows.filter(ref__startswith=f"{prefix}-").values_list("ref", flat=True)
        if (match := pattern.match(ref))
    ]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


def _lock(project: Project) -> None:
    """Serialise writers that number a project's rows (PostgreSQL; SQLite has one writer)."""
    Project.objects.select_for_update().filter(pk=project.pk).values_list("pk").first()


# RAID


def _raid_errors(values: dict[str, Any], check: set[str], project: Project) -> None:
    errors = Errors()
    kind = values.get("kind")
    if "kind" in check:
        check_choice(errors, "kind", kind, RaidItem.Kind.values)
    if "title" in check:
        check_text(errors, "title", values.get("title"), max_length=200, required=True)
    for name in ("description", "response"):
        if name in check:
            check_text(errors, name, values.get(name))
    if "status" in check:
        check_choice(errors, "status", values.get("status"), RaidItem.Status.values)
    if "response_strategy" in check:
        check_choice(
            errors,
            "response_strategy",
            values.get("response_strategy"),
            RaidItem.Response.values,
            required=False,
        )
    if "trend" in check:
        check_choice(errors, "trend", values.get("trend"), RaidItem.Trend.values, required=False)
    if "owner_id" in check:
        check_person(errors, "owner_id", values.get("owner_id"), project.organisation_id)
    if "probability" in check:
        values["probability"] = as_decimal(values.get("probability"))
        check_decimal(
            errors,
            "probability",
            values["probability"],
            low=Decimal(0),
            high=Decimal(1),
            places=3,
            message="Use a probability from 0 to 1, e.g. 0.3 for 30%.",
            required=False,
        )
    if "impact" in check:
        check_int(errors, "impact", values.get("impact"), low=1, high=5, required=False)
    if "cost_impact" in check:
        values["cost_impact"] = as_decimal(values.get("cost_impact"))
        check_money(errors, "cost_impact", values["cost_impact"], required=False)
    if "schedule_impact_days" in check:
        check_int(
            errors,
            "schedule_impact_days",
            values.get("schedule_impact_days"),
            low=-3650,
            high=3650,
            required=False,
        )
    if "due_date" in check:
        check_date(errors, "due_date", values.get("due_date"))
    if kind == RaidItem.Kind.RISK and {"kind", "probability", "impact"} & check:
        for name in ("probability", "impact"):
            if values.get(name) is None and name not in errors:
                errors.add(name, "A risk is scored by its probability and its impact.")
    dependency_checked = {"kind", "depends_on_project_id"} & check
    other = values.get("depends_on_project_id")
    if kind == RaidItem.Kind.DEPENDENCY and dependency_checked:
        if other is None:
            errors.add("depends_on_project_id", "Name the project this one depends on.")
        elif other == project.pk:
            errors.add("depends_on_project_id", "A project does not depend on itself.")
        elif not Project.objects.filter(pk=other, organisation_id=project.organisation_id).exists():
            errors.add("depends_on_project_id", NOT_FOUND)
    elif dependency_checked and other is not None and kind is not None:
        errors.add("depends_on_project_id", "Only a dependency names another project.")
    errors.raise_if_any()


def _escalation_recipients(project: Project) -> list[User | None]:
    return [project.sponsor, project.portfolio.owner if project.portfolio_id else None]


@transaction.atomic
def raid_item_create(*, acting_user: User, project_id: int, fields: RaidItemFields) -> RaidItem:
    """Raise a RAID item; its reference (R-001, I-002, DEP-001...) is numbered per kind."""
    project = access_governed_project(acting_user, project_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, RAID_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "description": "",
        "status": RaidItem.Status.OPEN,
        "response_strategy": "",
        "response": "",
        "trend": "",
        **fields,
    }
    values.setdefault("owner_id", project.manager_id)
    _raid_errors(values, set(values) | {"kind", "title"}, project)
    _lock(project)
    now = timezone.now()
    item = RaidItem.objects.create(
        organisation_id=project.organisation_id,
        project=project,
        ref=_next_ref(RaidItem.objects.filter(project=project), REF_PREFIX[values["kind"]]),
        raised_by=acting_user,
        last_reviewed_at=now,
        closed_at=now if values["status"] == RaidItem.Status.CLOSED else None,
        **values,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=item,
        after=snapshot(item),
        summary=f"Raised {item.ref} {item.title} on {project.code}",
    )
    notification_send(
        recipients=[item.owner],
        actor=acting_user,
        kind=NotificationKind.ASSIGNMENT,
        title=f"{item.ref} on {project.code} is yours",
        body=item.title,
        url=reverse("governance:raid_edit", args=[item.pk]),
        organisation_id=project.organisation_id,
    )
    if item.status == RaidItem.Status.ESCALATED:
        _notify_escalation(acting_user, item)
    if _is_open_high_risk(item):
        _announce_high_risk(acting_user, item, verb="raised high risk")
    return item


def _raid_payload(item: RaidItem) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "kind": item.kind,
        "status": item.status,
        "score": risk_score(item.probability, item.impact),
        "owner": item.owner.username if item.owner else None,
        "url": reverse("governance:raid_edit", args=[item.pk]),
    }


def _notify_escalation(acting_user: User, item: RaidItem) -> None:
    notification_send(
        recipients=_escalation_recipients(item.project),
        actor=acting_user,
        kind=NotificationKind.RISK_ESCALATED,
        title=f"{item.ref} escalated on {item.project.code}",
        body=item.title,
        url=reverse("governance:raid_edit", args=[item.pk]),
        organisation_id=item.project.organisation_id,
    )
    activity_record(
        actor=acting_user,
        verb="escalated",
        target=item,
        label=f"{item.ref} {item.title}",
        project=item.project,
        data=_raid_payload(item),
        event=events.RAID_ITEM_ESCALATED,
    )


def _is_open_high_risk(item: RaidItem) -> bool:
    score = risk_score(item.probability, item.impact)
    return (
        item.kind == RaidItem.Kind.RISK
        and item.status != RaidItem.Status.CLOSED
        and score is not None
        and score >= HIGH_RISK_SCORE
    )


def _announce_high_risk(acting_user: User, item: RaidItem, *, verb: str) -> None:
    """A high risk is news for the sponsor and the portfolio owner, and for the feeds."""
    notification_send(
        recipients=_escalation_recipients(item.project),
        actor=acting_user,
        kind=NotificationKind.RISK_ESCALATED,
        title=f"High risk {item.ref} on {item.project.code}",
        body=item.title,
        url=reverse("governance:raid_edit", args=[item.pk]),
        organisation_id=item.project.organisation_id,
    )
    activity_record(
        actor=acting_user,
        verb=verb,
        target=item,
        label=f"{item.ref} {item.title}",
        project=item.project,
        data=_raid_payload(item),
        event=events.RISK_HIGH_RAISED,
    )


def _trend(before: int | None, after: int | None) -> str:
    if before is None or after is None or before == after:
        return RaidItem.Trend.STEADY
    return RaidItem.Trend.UP if after > before else RaidItem.Trend.DOWN


@transaction.atomic
def raid_item_update(*, acting_user: User, item_id: int, changes: RaidItemFields) -> RaidItem:
    """Change an item; a re-scored risk gets its trend from the change of score."""
    item = access_raid_item_by_id(acting_user, item_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, RAID_FIELDS)
    if "kind" in changes and changes["kind"] != item.kind:
        errors.add("kind", "The kind of an item does not change: close it and raise another.")
    errors.raise_if_any()
    values = {name: getattr(item, name) for name in RAID_FIELDS} | dict(changes)
    _raid_errors(values, set(changes), item.project)
    cleaned = {name: values[name] for name in changes}
    if not differs(item, cleaned):
        return item
    before = snapshot(item)
    old_score = risk_score(item.probability, item.impact)
    for name, value in cleaned.items():
        setattr(item, name, value)
    if {"probability", "impact"} & set(cleaned) and "trend" not in cleaned:
        item.trend = _trend(old_score, risk_score(item.probability, item.impact))
    if "status" in cleaned:
        closed = item.status == RaidItem.Status.CLOSED
        item.closed_at = (item.closed_at or timezone.now()) if closed else None
    item.last_reviewed_at = timezone.now()
    item.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=item,
        before=before,
        after=snapshot(item),
        summary=f"Updated {item.ref} of {item.project.code}",
    )
    if "owner_id" in cleaned and item.owner_id != before["owner_id"]:
        notification_send(
            recipients=[item.owner],
            actor=acting_user,
            kind=NotificationKind.ASSIGNMENT,
            title=f"{item.ref} on {item.project.code} is yours",
            body=item.title,
            url=reverse("governance:raid_edit", args=[item.pk]),
            organisation_id=item.project.organisation_id,
        )
    if item.status == RaidItem.Status.ESCALATED and before["status"] != item.status:
        _notify_escalation(acting_user, item)
    was_high = (old_score or 0) >= HIGH_RISK_SCORE and before["status"] != RaidItem.Status.CLOSED
    if _is_open_high_risk(item) and not was_high:
        _announce_high_risk(acting_user, item, verb="re-scored to high risk")
    return item


@transaction.atomic
def raid_register_review(*, acting_user: User, project_id: int) -> int:
    """Record that the whole RAID log was reviewed now; returns the number of open items."""
    project = access_governed_project(acting_user, project_id, for_edit=True)
    now = timezone.now()
    count = (
        RaidItem.objects.filter(project=project)
        .exclude(status=RaidItem.Status.CLOSED)
        .update(last_reviewed_at=now)
    )
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=project,
        after={"raid_reviewed_at": now, "open_items": count},
        summary=f"Reviewed the RAID log of {project.code} ({count} open items)",
    )
    return count


# Change requests


def _change_errors(values: dict[str, Any], check: set[str]) -> None:
    errors = Errors()
    if "title" in check:
        check_text(errors, "title", values.get("title"), max_length=200, required=True)
    for name in ("description", "reason", "scope_impact"):
        if name in check:
            check_text(errors, name, values.get(name))
    if "cost_impact" in check:
        values["cost_impact"] = as_decimal(values.get("cost_impact"))
        check_money(errors, "cost_impact", values["cost_impact"], signed=True)
    if "schedule_impact_days" in check:
        check_int(
            errors, "schedule_impact_days", values.get("schedule_impact_days"), low=-3650, high=3650
        )
    errors.raise_if_any()


def _require_draft(change_request: ChangeRequest) -> None:
    if change_request.status != ChangeRequest.Status.DRAFT:
        raise Conflict(
            f"{change_request.ref} is {change_request.get_status_display().lower()}: "
            "only a draft can change."
        )


@transaction.atomic
def change_request_create(
    *, acting_user: User, project_id: int, fields: ChangeRequestFields
) -> ChangeRequest:
    project = access_governed_project(acting_user, project_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, fields, CHANGE_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "description": "",
        "reason": "",
        "scope_impact": "",
        "cost_impact": Decimal(0),
        "schedule_impact_days": 0,
        **fields,
    }
    _change_errors(values, set(values) | {"title"})
    _lock(project)
    change_request = ChangeRequest.objects.create(
        organisation_id=project.organisation_id,
        project=project,
        ref=_next_ref(ChangeRequest.objects.filter(project=project), "CR"),
        requested_by=acting_user,
        **values,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=change_request,
        after=snapshot(change_request),
        summary=f"Drafted {change_request.ref} {change_request.title} on {project.code}",
    )
    return change_request


@transaction.atomic
def change_request_update(
    *, acting_user: User, change_request_id: int, changes: ChangeRequestFields
) -> ChangeRequest:
    change_request = access_change_request_by_id(acting_user, change_request_id, for_edit=True)
    _require_draft(change_request)
    errors = Errors()
    reject_unknown(errors, changes, CHANGE_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(change_request, name) for name in CHANGE_FIELDS} | dict(changes)
    _change_errors(values, set(changes))
    cleaned = {name: values[name] for name in changes}
    if not differs(change_request, cleaned):
        return change_request
    before = snapshot(change_request)
    for name, value in cleaned.items():
        setattr(change_request, name, value)
    change_request.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=change_request,
        before=before,
        after=snapshot(change_request),
        summary=f"Updated {change_request.ref} of {change_request.project.code}",
    )
    return change_request


@transaction.atomic
def change_request_delete(*, acting_user: User, change_request_id: int) -> None:
    change_request = access_change_request_by_id(acting_user, change_request_id, for_edit=True)
    _require_draft(change_request)
    before, pk = snapshot(change_request), change_request.pk
    change_request.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=ChangeRequest._meta.label_lower,
        entity_id=pk,
        organisation_id=change_request.organisation_id,
        before=before,
        summary=f"Deleted draft {before['ref']} of {change_request.project.code}",
    )


def _set_status(
    acting_user: User, change_request: ChangeRequest, summary: str, **fields: Any
) -> None:
    names = list(fields)
    before = snapshot(change_request, names)
    for name, value in fields.items():
        setattr(change_request, name, value)
    change_request.save(update_fields=[*names, "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=change_request,
        before=before,
        after=snapshot(change_request, names),
        summary=summary,
    )


def _change_board(project: Project) -> list[User | None]:
    analysts = list(
        User.objects.filter(
            organisation_id=project.organisation_id, is_active=True, role=Role.PMO_ANALYST
        )
    )
    owner = project.portfolio.owner if project.portfolio_id else None
    return [project.sponsor, owner, *analysts]


@transaction.atomic
def change_request_submit(*, acting_user: User, change_request_id: int) -> ChangeRequest:
    change_request = access_change_request_by_id(acting_user, change_request_id, for_edit=True)
    _require_draft(change_request)
    errors = Errors()
    if not change_request.reason.strip():
        errors.add("reason", "Say why the change is needed before submitting it.")
    if (
        not change_request.cost_impact
        and not change_request.schedule_impact_days
        and not change_request.scope_impact.strip()
    ):
        errors.add("scope_impact", "Describe the impact on scope, cost or schedule.")
    errors.raise_if_any()
    project = change_request.project
    _set_status(
        acting_user,
        change_request,
        f"Submitted {change_request.ref} of {project.code}",
        status=ChangeRequest.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    notification_send(
        recipients=_change_board(project),
        actor=acting_user,
        kind=NotificationKind.CHANGE_REQUEST_SUBMITTED,
        title=f"{change_request.ref} of {project.code} needs a decision",
        body=change_request.title,
        url=reverse("governance:change_request", args=[change_request.pk]),
        organisation_id=project.organisation_id,
    )
    activity_record(
        actor=acting_user,
        verb="submitted change request",
        target=change_request,
        label=f"{change_request.ref} {change_request.title}",
        project=project,
        data=_change_payload(change_request),
        event=events.CHANGE_REQUEST_SUBMITTED,
    )
    return change_request


def _change_payload(change_request: ChangeRequest) -> dict[str, Any]:
    return {
        "ref": change_request.ref,
        "status": change_request.status,
        "cost_impact": str(change_request.cost_impact or 0),
        "schedule_impact_days": change_request.schedule_impact_days,
        "url": reverse("governance:change_request", args=[change_request.pk]),
    }


def _decidable(acting_user: User, change_request_id: int) -> ChangeRequest:
    change_request = access_change_request_by_id(acting_user, change_request_id)
    if change_request.status != ChangeRequest.Status.SUBMITTED:
        raise Conflict(
            f"{change_request.ref} is {change_request.get_status_display().lower()}: only a "
            "submitted change request is decided."
        )
    if not can_decide_change(acting_user, change_request):
        raise AccessDenied(
            "The change board (PMO, portfolio managers, executives) or the sponsor decides, "
            "never the person who asked."
        )
    return change_request


def _announce_decision(acting_user: User, change_request: ChangeRequest) -> None:
    project = change_request.project
    verdict = change_request.get_status_display().lower()
    notification_send(
        recipients=[change_request.requested_by, project.manager],
        actor=acting_user,
        kind=NotificationKind.CHANGE_REQUEST_DECIDED,
        title=f"{change_request.ref} of {project.code} {verdict}",
        body=change_request.decision_reason,
        url=reverse("governance:change_request", args=[change_request.pk]),
        organisation_id=project.organisation_id,
    )
    activity_record(
        actor=acting_user,
        verb=f"{verdict} change request",
        target=change_request,
        label=f"{change_request.ref} {change_request.title}",
        project=project,
        data=_change_payload(change_request) | {"reason": change_request.decision_reason},
        event=events.CHANGE_REQUEST_DECIDED,
    )


@transaction.atomic
def change_request_approve(
    *, acting_user: User, change_request_id: int, reason: str = ""
) -> ChangeRequest:
    """Approve, then apply to the baseline at once when the project has one."""
    change_request = _decidable(acting_user, change_request_id)
    errors = Errors()
    check_text(errors, "reason", reason, max_length=10000)
    errors.raise_if_any()
    _set_status(
        acting_user,
        change_request,
        f"Approved {change_request.ref} of {change_request.project.code}",
        status=ChangeRequest.Status.APPROVED,
        decided_by=acting_user,
        decided_at=timezone.now(),
        decision_reason=reason.strip(),
    )
    if Baseline.objects.filter(project=change_request.project).exists():
        _apply(acting_user, change_request)
    _announce_decision(acting_user, change_request)
    return change_request


@transaction.atomic
def change_request_reject(
    *, acting_user: User, change_request_id: int, reason: str
) -> ChangeRequest:
    change_request = _decidable(acting_user, change_request_id)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": ["Say why, so that the team can address it."]})
    _set_status(
        acting_user,
        change_request,
        f"Rejected {change_request.ref} of {change_request.project.code}",
        status=ChangeRequest.Status.REJECTED,
        decided_by=acting_user,
        decided_at=timezone.now(),
        decision_reason=reason.strip(),
    )
    _announce_decision(acting_user, change_request)
    return change_request


@transaction.atomic
def change_request_apply(*, acting_user: User, change_request_id: int) -> Baseline:
    """Apply an approved change that waited for a baseline; returns the new baseline."""
    change_request = access_change_request_by_id(acting_user, change_request_id)
    if not (
        can_edit_project(acting_user, change_request.project)
        or can_decide_change(acting_user, change_request)
    ):
        raise AccessDenied("Only the project's manager or the change board may apply it.")
    if change_request.status != ChangeRequest.Status.APPROVED:
        raise Conflict(
            f"{change_request.ref} is {change_request.get_status_display().lower()}: only an "
            "approved change is applied."
        )
    if not Baseline.objects.filter(project=change_request.project).exists():
        raise Conflict(
            f"{change_request.project.code} has no baseline yet: capture one, then apply."
        )
    return _apply(acting_user, change_request)


def _spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` in cents over ``weights`` (evenly when they are all zero); sums exactly."""
    if not weights:
        return []
    basis = weights if sum(weights) > 0 else [Decimal(1)] * len(weights)
    whole = sum(basis)
    shares = [quantize_money(total * weight / whole) for weight in basis]
    remainder = total - sum(shares)
    largest = max(range(len(basis)), key=lambda index: basis[index])
    shares[largest] += remainder
    return shares


def _apply(acting_user: User, change_request: ChangeRequest) -> Baseline:
    project = change_request.project
    current = Baseline.objects.filter(project=project).order_by("-number").first()
    assert current is not None
    if current.number >= MAX_BASELINE_NUMBER:
        raise Conflict(
            f"{project.code} already uses baseline {MAX_BASELINE_NUMBER}, the last one: "
            "clear an old baseline first."
        )
    now = timezone.now()
    rows = list(current.tasks.select_related("task").order_by("task_uid"))
    shift = datetime.timedelta(days=change_request.schedule_impact_days)
    copies: list[BaselineTask] = []
    for row in rows:
        start, finish = row.start, row.finish
        if shift and finish is not None:
            if start is not None and start >= now:
                start, finish = start + shift, finish + shift
            elif finish > now:
                finish = finish + shift
                if start is not None and finish < start:
                    finish = start
        copies.append(
            BaselineTask(
                task=row.task,
                task_uid=row.task_uid,
                name=row.name,
                start=start,
                finish=finish,
                duration_minutes=row.duration_minutes,
                work_minutes=row.work_minutes,
                cost=row.cost,
            )
        )
    _spread_cost(change_request, copies, now)
    _roll_up_summaries(copies)
    baseline = Baseline.objects.create(
        project=project,
        number=current.number + 1,
        name=f"After {change_request.ref}"[:200],
        captured_at=now,
        captured_by=acting_user,
        note=(
            f"{change_request.ref} {change_request.title}: cost {change_request.cost_impact:+}, "
            f"schedule {change_request.schedule_impact_days:+d} days. "
            f"Copied from baseline {current.number}."
        ),
    )
    for copy in copies:
        copy.baseline = baseline
    BaselineTask.objects.bulk_create(copies)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=baseline,
        organisation_id=project.organisation_id,
        after={**snapshot(baseline), "rows": len(copies)},
        summary=f"Captured baseline {baseline.number} of {project.code} applying "
        f"{change_request.ref}",
    )
    _set_status(
        acting_user,
        change_request,
        f"Applied {change_request.ref} to baseline {baseline.number} of {project.code}",
        status=ChangeRequest.Status.APPLIED,
        applied_at=now,
    )
    return baseline


def _is_summary(row: BaselineTask) -> bool:
    return row.task is not None and row.task.is_summary


def _spread_cost(
    change_request: ChangeRequest, rows: list[BaselineTask], now: datetime.datetime
) -> None:
    amount = change_request.cost_impact
    if not amount:
        return
    leaves = [row for row in rows if not _is_summary(row)]
    unfinished = [row for row in leaves if row.finish is None or row.finish > now] or leaves
    if not unfinished:
        # A baseline without tasks (captured before planning) keeps the figure in its note only.
        return
    shares = _spread(amount, [row.cost for row in unfinished])
    for row, share in zip(unfinished, shares, strict=True):
        row.cost = (row.cost + share).quantize(CENT)
    if any(row.cost < 0 for row in unfinished):
        raise ValidationFailed(
            {"cost_impact": ["The saving is larger than the baseline cost of the remaining work."]}
        )


def _roll_up_summaries(rows: list[BaselineTask]) -> None:
    """Summary rows cover the rows under them: earliest start, latest finish, total cost."""
    parent_of = {row.task.pk: row.task.parent_id for row in rows if row.task is not None}
    under: dict[int, list[BaselineTask]] = defaultdict(list)
    for row in rows:
        if row.task is None or _is_summary(row):
            continue
        ancestor = parent_of.get(row.task.pk)
        while ancestor is not None:
            under[ancestor].append(row)
            ancestor = parent_of.get(ancestor)
    for row in rows:
        if not _is_summary(row) or row.task is None or not under.get(row.task.pk):
            continue
        leaves = under[row.task.pk]
        starts = [leaf.start for leaf in leaves if leaf.start is not None]
        finishes = [leaf.finish for leaf in leaves if leaf.finish is not None]
        row.start = min(starts) if starts else row.start
        row.finish = max(finishes) if finishes else row.finish
        row.cost = sum((leaf.cost for leaf in leaves), Decimal(0))


def next_baseline_number(project: Project) -> int:
    latest = Baseline.objects.filter(project=project).aggregate(latest=Max("number"))["latest"]
    return 0 if latest is None else int(latest) + 1
