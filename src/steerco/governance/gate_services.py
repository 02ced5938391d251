"""Gate reviews and QA reviews.

A project asks to pass a gate of its methodology; the review copies the gate's checklist,
runs the automatic criteria at once and shows what is missing. The project's team confirms
the manual items; an approver approves, approves with conditions, or rejects. Only an
approval moves the project: to the gate's target lifecycle stage, and to that stage's
project stage through ``projects.services.project_change_stage(via_gate=True)``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from steerco.accounts.models import User
from steerco.comms import events
from steerco.comms.models import Notification, NotificationKind
from steerco.comms.services import activity_record, notification_send
from steerco.core.access import has_role
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.governance import criteria
from steerco.governance.access import (
    DEFAULT_GATE_DECIDERS,
    QA_SCHEDULERS,
    access_gate_review_by_id,
    access_gate_review_item_by_id,
    access_governed_project,
    access_qa_finding_by_id,
    access_qa_review_by_id,
    can_decide_gate,
    can_edit_qa_review,
)
from steerco.governance.methodology_services import methodology_of
from steerco.governance.models import (
    Gate,
    GateChecklistItem,
    GateReview,
    GateReviewItem,
    LifecycleStage,
    QaFinding,
    QaReview,
)
from steerco.governance.validation import (
    NOT_FOUND,
    Errors,
    check_choice,
    check_date,
    check_person,
    check_text,
    differs,
    reject_unknown,
)
from steerco.projects import services as project_services
from steerco.projects.access import can_edit_project
from steerco.projects.models import Project, Rag

Action = AuditEntry.Action
DECISIONS = (
    GateReview.Status.APPROVED,
    GateReview.Status.APPROVED_WITH_CONDITIONS,
    GateReview.Status.REJECTED,
)


# Where a project is in its methodology


def current_stage(project: Project) -> LifecycleStage | None:
    """The project's lifecycle stage; before its first gate (or after a stage change made
    without one), the first lifecycle stage of its project stage."""
    methodology = methodology_of(project)
    if methodology is None:
        return None
    stage = project.lifecycle_stage if project.lifecycle_stage_id is not None else None
    # A stage the PMO changed without a gate (on hold, cancelled) makes the old position moot.
    if (
        stage is not None
        and stage.template_id == methodology.pk
        and stage.project_stage == project.stage
    ):
        return stage
    return (
        LifecycleStage.objects.filter(template=methodology, project_stage=project.stage)
        .order_by("order")
        .first()
    )


def gates_from(stage: LifecycleStage | None) -> list[Gate]:
    if stage is None:
        return []
    return list(
        Gate.objects.filter(from_stage=stage)
        .select_related("from_stage", "to_stage", "template")
        .order_by("order")
    )


# Evaluating the checklist


def _is_automatic(item: GateChecklistItem) -> bool:
    if item.kind == GateChecklistItem.Kind.AUTOMATIC:
        return True
    return item.kind == GateChecklistItem.Kind.FIELD and bool((item.params or {}).get("field"))


def _evaluate(review: GateReview, project: Project, now: datetime.datetime) -> list[GateReviewItem]:
    """Run every automatic item of ``review`` again; returns the items that changed."""
    changed: list[GateReviewItem] = []
    items = review.items.select_related("checklist_item")
    for item in items:
        checklist_item = item.checklist_item
        if not _is_automatic(checklist_item):
            continue
        if checklist_item.kind == GateChecklistItem.Kind.AUTOMATIC:
            outcome = criteria.evaluate(
                checklist_item.automatic_rule, project, checklist_item.params or {}, now
            )
        else:
            outcome = criteria.evaluate_field(project, checklist_item.params["field"])
        item.satisfied = outcome.satisfied
        item.evidence = outcome.evidence
        item.checked_automatically = True
        item.checked_by = None
        item.checked_at = now
        changed.append(item)
    GateReviewItem.objects.bulk_update(
        changed, ["satisfied", "evidence", "checked_automatically", "checked_by", "checked_at"]
    )
    return changed


def missing_items(review: GateReview) -> list[GateReviewItem]:
    """Required items not (yet) satisfied."""
    return [
        item
        for item in review.items.select_related("checklist_item")
        if item.checklist_item.required and item.satisfied is not True
    ]


def _deciders(gate: Gate, organisation_id: int) -> list[User]:
    named = list(gate.approvers.filter(is_active=True))
    roles = list(gate.approver_roles or [])
    if not named and not roles:
        roles = list(DEFAULT_GATE_DECIDERS)
    by_role = list(
        User.objects.filter(organisation_id=organisation_id, is_active=True, role__in=roles)
    )
    return named + by_role


def _review_url(review: GateReview) -> str:
    return reverse("governance:gate_review", args=[review.pk])


# Gate reviews


@transaction.atomic
def gate_review_request(*, acting_user: User, project_id: int, gate_id: int) -> GateReview:
    """Ask to pass ``gate``; the automatic criteria are checked at once."""
    project = access_governed_project(acting_user, project_id, for_edit=True)
    methodology = methodology_of(project)
    gate = (
        Gate.objects.select_related("from_stage", "to_stage", "template")
        .filter(pk=gate_id, template=methodology)
        .first()
        if methodology is not None
        else None
    )
    if gate is None:
        raise ValidationFailed({"gate_id": [NOT_FOUND]})
    stage = current_stage(project)
    if stage is None or gate.from_stage_id != stage.pk:
        where = stage.name if stage is not None else project.get_stage_display()
        raise Conflict(
            f"{project.code} is at {where}; gate {gate.code} leads from {gate.from_stage.name}."
        )
    if GateReview.objects.filter(
        project=project, gate=gate, status=GateReview.Status.REQUESTED
    ).exists():
        raise Conflict(f"Gate {gate.code} of {project.code} is already waiting for a decision.")
    now = timezone.now()
    try:
        with transaction.atomic():
            review = GateReview.objects.create(
                project=project, gate=gate, requested_by=acting_user, requested_at=now
            )
    except IntegrityError as error:  # a second request that raced the first
        raise Conflict(f"Gate {gate.code} of {project.code} is already requested.") from error
    GateReviewItem.objects.bulk_create(
        GateReviewItem(review=review, checklist_item=item) for item in gate.checklist_items.all()
    )
    _evaluate(review, project, now)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=review,
        organisation_id=project.organisation_id,
        after=snapshot(review),
        summary=f"Requested gate {gate.code} {gate.name} for {project.code}",
    )
    _announce(
        acting_user,
        review,
        recipients=_deciders(gate, project.organisation_id),
        kind=NotificationKind.GATE_REVIEW_REQUESTED,
        title=f"Gate {gate.code} requested for {project.code}",
        body=f"{acting_user} asks to pass {gate.name}.",
        verb="requested gate",
        event=events.GATE_REVIEW_REQUESTED,
    )
    return review


def _announce(
    acting_user: User,
    review: GateReview,
    *,
    recipients: Iterable[User | None],
    kind: NotificationKind,
    title: str,
    body: str,
    verb: str,
    event: str,
    data: dict[str, Any] | None = None,
) -> None:
    """Tell the people concerned about a gate event and record it in the activity feed
    (which fires the event's webhooks), with the same link and gate code in both."""
    url = _review_url(review)
    project = review.project
    notification_send(
        recipients=recipients,
        actor=acting_user,
        kind=kind,
        title=title,
        body=body,
        url=url,
        organisation_id=project.organisation_id,
    )
    activity_record(
        actor=acting_user,
        verb=verb,
        target=review,
        label=f"{review.gate.code} {review.gate.name}",
        project=project,
        data={"gate": review.gate.code, **(data or {}), "url": url},
        event=event,
    )


def _open_review(acting_user: User, review_id: int) -> GateReview:
    review = access_gate_review_by_id(acting_user, review_id)
    if review.status != GateReview.Status.REQUESTED:
        raise Conflict(
            f"This gate review is {review.get_status_display().lower()}: it can no longer change."
        )
    return review


def _may_work_on(acting_user: User, review: GateReview) -> bool:
    return can_edit_project(acting_user, review.project) or can_decide_gate(
        acting_user, review.gate
    )


@transaction.atomic
def gate_review_evaluate(*, acting_user: User, review_id: int) -> GateReview:
    """Check the automatic criteria again (after the team has fixed what was missing)."""
    review = _open_review(acting_user, review_id)
    if not _may_work_on(acting_user, review):
        raise AccessDenied("Only the project's manager, the PMO or an approver may do this.")
    changed = _evaluate(review, review.project, timezone.now())
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=review,
        organisation_id=review.project.organisation_id,
        after={"satisfied": {str(item.checklist_item_id): item.satisfied for item in changed}},
        summary=f"Checked the criteria of gate {review.gate.code} for {review.project.code}",
    )
    return review


@transaction.atomic
def gate_review_item_check(
    *, acting_user: User, item_id: int, satisfied: bool | None, evidence: str = ""
) -> GateReviewItem:
    """Confirm (or not) a document, field or manual item, with its evidence."""
    item = access_gate_review_item_by_id(acting_user, item_id)
    review = _open_review(acting_user, item.review_id)
    if not _may_work_on(acting_user, review):
        raise AccessDenied("Only the project's manager, the PMO or an approver may do this.")
    if _is_automatic(item.checklist_item):
        raise Conflict("This item is checked automatically: fix the data, then check again.")
    errors = Errors()
    if satisfied is not None and not isinstance(satisfied, bool):
        errors.add("satisfied", "Enter true, false or null.")
    check_text(errors, "evidence", evidence, max_length=5000)
    document = item.checklist_item.kind == GateChecklistItem.Kind.DOCUMENT
    if satisfied is True and document and not (evidence or "").strip():
        errors.add("evidence", "Say where the document is (a link or a reference).")
    errors.raise_if_any()
    before = snapshot(item, ["satisfied", "evidence"])
    item.satisfied = satisfied
    item.evidence = evidence
    item.checked_automatically = False
    item.checked_by = acting_user if satisfied is not None else None
    item.checked_at = timezone.now() if satisfied is not None else None
    item.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=item,
        organisation_id=review.project.organisation_id,
        before=before,
        after=snapshot(item, ["satisfied", "evidence"]),
        summary=f"Checked '{item.checklist_item.text[:80]}' for gate {review.gate.code} "
        f"of {review.project.code}",
    )
    return item


def _move_project(acting_user: User, review: GateReview) -> None:
    """Apply an approved gate: lifecycle stage, then the project stage it maps onto."""
    project = review.project
    gate = review.gate
    target = gate.to_stage
    reason = f"Gate {gate.code} {gate.name} approved"
    if target.project_stage != project.stage:
        project_services.project_change_stage(
            acting_user=acting_user,
            project=project,
            stage=target.project_stage,
            reason=reason,
            via_gate=True,
        )
    # The lifecycle stage is the methodology's own position of the project; the gate owns it.
    before = {"lifecycle_stage_id": project.lifecycle_stage_id}
    Project.objects.filter(pk=project.pk).update(lifecycle_stage=target)
    project.lifecycle_stage = target
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=project,
        before=before,
        after={"lifecycle_stage_id": target.pk},
        summary=f"{project.code} enters {target.name}: {reason.lower()}",
    )


@transaction.atomic
def gate_review_decide(
    *,
    acting_user: User,
    review_id: int,
    decision: str,
    comments: str = "",
    conditions: str = "",
    conditions_due: datetime.date | None = None,
) -> GateReview:
    """Approve, approve with conditions, or reject; only an approval moves the project."""
    review = _open_review(acting_user, review_id)
    if not can_decide_gate(acting_user, review.gate):
        raise AccessDenied(f"You are not an approver of gate {review.gate.code}.")
    if review.requested_by_id == acting_user.pk:
        raise AccessDenied("You asked for this gate: another approver decides it.")
    errors = Errors()
    check_choice(errors, "decision", decision, [str(value) for value in DECISIONS])
    check_text(errors, "comments", comments, max_length=10000)
    check_text(errors, "conditions", conditions, max_length=10000)
    check_date(errors, "conditions_due", conditions_due)
    errors.raise_if_any()
    project = review.project
    stage = current_stage(project)
    if stage is None or stage.pk != review.gate.from_stage_id:
        raise Conflict(
            f"{project.code} is no longer at {review.gate.from_stage.name}: withdraw this "
            "request and ask for the gate that leads from where it is now."
        )
    now = timezone.now()
    _evaluate(review, project, now)
    if decision == GateReview.Status.APPROVED:
        missing = missing_items(review)
        if missing:
            listed = "; ".join(item.checklist_item.text for item in missing)
            errors.add(
                "decision",
                f"Not met: {listed}. Approve with conditions, or reject, or wait until they are.",
            )
    elif decision == GateReview.Status.APPROVED_WITH_CONDITIONS:
        if not conditions.strip():
            errors.add("conditions", "Say what the project must still do.")
    elif not comments.strip():
        errors.add("comments", "Say why, so that the team can address it.")
    errors.raise_if_any()
    before = snapshot(review)
    review.status = decision
    review.decision_by = acting_user
    review.decided_at = now
    review.comments = comments.strip()
    review.conditions = conditions.strip()
    review.conditions_due = conditions_due
    review.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=review,
        organisation_id=project.organisation_id,
        before=before,
        after=snapshot(review),
        summary=f"Gate {review.gate.code} of {project.code}: {review.get_status_display()}",
    )
    if decision != GateReview.Status.REJECTED:
        _move_project(acting_user, review)
    verdict = review.get_status_display().lower()
    _announce(
        acting_user,
        review,
        recipients=[review.requested_by, project.manager, project.sponsor],
        kind=NotificationKind.GATE_REVIEW_DECIDED,
        title=f"Gate {review.gate.code} of {project.code} {verdict}",
        body=review.comments or review.conditions,
        verb=f"{verdict} gate",
        event=events.GATE_REVIEW_DECIDED,
        data={
            "decision": review.status,
            "conditions": review.conditions,
            "conditions_due": review.conditions_due.isoformat() if review.conditions_due else None,
        },
    )
    return review


@transaction.atomic
def gate_review_withdraw(*, acting_user: User, review_id: int) -> GateReview:
    review = _open_review(acting_user, review_id)
    if not can_edit_project(acting_user, review.project):
        raise AccessDenied("Only the project's manager or the PMO may withdraw this request.")
    before = snapshot(review, ["status"])
    review.status = GateReview.Status.WITHDRAWN
    review.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=review,
        organisation_id=review.project.organisation_id,
        before=before,
        after=snapshot(review, ["status"]),
        summary=f"Withdrew the request for gate {review.gate.code} of {review.project.code}",
    )
    project = review.project
    # Whoever was asked to decide, and whoever a decision would have reached, learn that
    # there is nothing left to decide.
    _announce(
        acting_user,
        review,
        recipients=[
            *_deciders(review.gate, project.organisation_id),
            review.requested_by,
            project.manager,
            project.sponsor,
        ],
        kind=NotificationKind.GATE_REVIEW_WITHDRAWN,
        title=f"Gate {review.gate.code} of {project.code} withdrawn",
        body=f"{acting_user} withdrew the request to pass {review.gate.name}.",
        verb="withdrew gate",
        event=events.GATE_REVIEW_WITHDRAWN,
    )
    return review


# QA reviews


class QaReviewFields(TypedDict, total=False):
    title: str
    scheduled_for: datetime.date
    reviewer_id: int | None
    status: str
    rating: str
    summary: str


class QaFindingFields(TypedDict, total=False):
    severity: str
    description: str
    action: str
    owner_id: int | None
    due_date: datetime.date | None
    status: str


QA_REVIEW_FIELDS = frozenset(QaReviewFields.__optional_keys__)
QA_FINDING_FIELDS = frozenset(QaFindingFields.__optional_keys__)
# What a finding's owner (or the project's manager) may change; the rest is the reviewer's.
FINDING_WORK_FIELDS = frozenset({"action", "due_date", "status"})


def _qa_review_errors(values: dict[str, Any], check: set[str], organisation_id: int) -> None:
    errors = Errors()
    if "title" in check:
        check_text(errors, "title", values.get("title"), max_length=200, required=True)
    if "scheduled_for" in check:
        check_date(errors, "scheduled_for", values.get("scheduled_for"), required=True)
    if "reviewer_id" in check:
        check_person(errors, "reviewer_id", values.get("reviewer_id"), organisation_id)
    if "status" in check:
        check_choice(errors, "status", values.get("status"), QaReview.Status.values)
    if "rating" in check:
        check_choice(errors, "rating", values.get("rating"), Rag.values, required=False)
    if "summary" in check:
        check_text(errors, "summary", values.get("summary"))
    if (
        "status" in check
        and values.get("status") == QaReview.Status.COMPLETED
        and not values.get("rating")
        and "rating" not in errors
    ):
        errors.add("rating", "Rate the project (green, amber or red) to complete the review.")
    errors.raise_if_any()


@transaction.atomic
def qa_review_create(*, acting_user: User, project_id: int, fields: QaReviewFields) -> QaReview:
    """Schedule a QA review (the PMO schedules; the reviewer is outside the project)."""
    project = access_governed_project(acting_user, project_id)
    if not has_role(acting_user, QA_SCHEDULERS):
        raise AccessDenied("Only the PMO schedules QA reviews.")
    errors = Errors()
    reject_unknown(errors, fields, QA_REVIEW_FIELDS - {"status", "rating"})
    errors.raise_if_any()
    values: dict[str, Any] = {"summary": "", **fields}
    _qa_review_errors(values, set(values) | {"title", "scheduled_for"}, project.organisation_id)
    review = QaReview.objects.create(project=project, **values)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=review,
        organisation_id=project.organisation_id,
        after=snapshot(review),
        summary=f"Scheduled QA review '{review.title}' of {project.code}",
    )
    if review.reviewer is not None:
        notification_send(
            recipients=[review.reviewer],
            actor=acting_user,
            kind=NotificationKind.ASSIGNMENT,
            title=f"QA review of {project.code} on {review.scheduled_for:%Y-%m-%d}",
            url=reverse("governance:qa_review", args=[review.pk]),
            organisation_id=project.organisation_id,
        )
    return review


@transaction.atomic
def qa_review_update(*, acting_user: User, review_id: int, changes: QaReviewFields) -> QaReview:
    review = access_qa_review_by_id(acting_user, review_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, QA_REVIEW_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(review, name) for name in QA_REVIEW_FIELDS} | dict(changes)
    _qa_review_errors(values, set(changes), review.project.organisation_id)
    if not differs(review, changes):
        return review
    before = snapshot(review)
    for name, value in changes.items():
        setattr(review, name, value)
    if "status" in changes:
        completed = review.status == QaReview.Status.COMPLETED
        review.completed_at = (review.completed_at or timezone.now()) if completed else None
    review.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=review,
        organisation_id=review.project.organisation_id,
        before=before,
        after=snapshot(review),
        summary=f"Updated QA review '{review.title}' of {review.project.code}",
    )
    return review


def _finding_errors(values: dict[str, Any], check: set[str], organisation_id: int) -> None:
    errors = Errors()
    if "severity" in check:
        check_choice(errors, "severity", values.get("severity"), QaFinding.Severity.values)
    if "description" in check:
        check_text(errors, "description", values.get("description"), required=True)
    if "action" in check:
        check_text(errors, "action", values.get("action"))
    if "owner_id" in check:
        check_person(errors, "owner_id", values.get("owner_id"), organisation_id)
    if "due_date" in check:
        check_date(errors, "due_date", values.get("due_date"))
    if "status" in check:
        check_choice(errors, "status", values.get("status"), QaFinding.Status.values)
        if (
            values.get("status") == QaFinding.Status.CLOSED
            and not (values.get("action") or "").strip()
            and "action" not in errors
        ):
            errors.add("action", "Say what was done before closing the finding.")
    errors.raise_if_any()


@transaction.atomic
def qa_finding_create(*, acting_user: User, review_id: int, fields: QaFindingFields) -> QaFinding:
    review = access_qa_review_by_id(acting_user, review_id)
    if not can_edit_qa_review(acting_user, review):
        raise AccessDenied("Only the reviewer or the PMO records findings.")
    errors = Errors()
    reject_unknown(errors, fields, QA_FINDING_FIELDS - {"status"})
    errors.raise_if_any()
    values: dict[str, Any] = {"severity": QaFinding.Severity.MEDIUM, "action": "", **fields}
    values.setdefault("owner_id", review.project.manager_id)
    _finding_errors(values, set(values) | {"description"}, review.project.organisation_id)
    finding = QaFinding.objects.create(review=review, **values)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=finding,
        organisation_id=review.project.organisation_id,
        after=snapshot(finding),
        summary=f"Recorded a {finding.severity} QA finding on {review.project.code}",
    )
    notification_send(
        recipients=[finding.owner],
        actor=acting_user,
        kind=NotificationKind.ASSIGNMENT,
        title=f"QA finding on {review.project.code} assigned to you",
        body=finding.description[:500],
        url=reverse("governance:qa_review", args=[review.pk]),
        organisation_id=review.project.organisation_id,
    )
    return finding


@transaction.atomic
def qa_finding_update(*, acting_user: User, finding_id: int, changes: QaFindingFields) -> QaFinding:
    finding = access_qa_finding_by_id(acting_user, finding_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, QA_FINDING_FIELDS)
    errors.raise_if_any()
    if not can_edit_qa_review(acting_user, finding.review):
        beyond = sorted(set(changes) - FINDING_WORK_FIELDS)
        if beyond:
            raise AccessDenied(
                f"Only the reviewer or the PMO may change {', '.join(beyond)}; you may record "
                "the action, its due date and its status."
            )
    values = {name: getattr(finding, name) for name in QA_FINDING_FIELDS} | dict(changes)
    check = set(changes) | ({"action"} if "status" in changes else set())
    _finding_errors(values, check, finding.review.project.organisation_id)
    if not differs(finding, changes):
        return finding
    before = snapshot(finding)
    for name, value in changes.items():
        setattr(finding, name, value)
    if "status" in changes:
        closed = finding.status == QaFinding.Status.CLOSED
        finding.closed_at = (finding.closed_at or timezone.now()) if closed else None
    finding.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=finding,
        organisation_id=finding.review.project.organisation_id,
        before=before,
        after=snapshot(finding),
        summary=f"Updated a QA finding on {finding.review.project.code}",
    )
    return finding


@dataclass(frozen=True, slots=True)
class FindingReminderRun:
    overdue: list[QaFinding]
    notified: list[QaFinding]


def qa_finding_reminders(
    *,
    today: datetime.date | None = None,
    organisation_ids: Sequence[int] | None = None,
    dry_run: bool = False,
) -> FindingReminderRun:
    """Remind each owner, once, of an open QA finding whose action is past its due date.

    A scheduled job, like the status report reminders: the owner is notified (in the app and
    by e-mail as they chose), the project's feed records it and webhooks hear
    ``qa_finding.overdue``. A finding handed to someone else reminds the new owner too.
    """
    today = today or timezone.localdate()
    findings = (
        QaFinding.objects.filter(open_findings_filter(), due_date__lt=today, owner__isnull=False)
        .select_related("review__project", "owner")
        .order_by("due_date", "pk")
    )
    if organisation_ids is not None:
        findings = findings.filter(review__project__organisation_id__in=list(organisation_ids))
    overdue = list(findings)
    if dry_run or not overdue:
        return FindingReminderRun(overdue, [])
    urls = {
        finding.pk: reverse("governance:qa_finding_edit", args=[finding.pk]) for finding in overdue
    }
    already = set(
        Notification.objects.filter(
            kind=NotificationKind.ASSIGNMENT, url__in=list(urls.values())
        ).values_list("recipient_id", "url")
    )
    notified: list[QaFinding] = []
    with transaction.atomic():
        for finding in overdue:
            url = urls[finding.pk]
            if (finding.owner_id, url) in already:
                continue
            project = finding.review.project
            days = (today - finding.due_date).days if finding.due_date else 0
            title = f"QA finding action on {project.code} overdue by {days} day(s)"
            sent = notification_send(
                recipients=[finding.owner],
                actor=None,
                kind=NotificationKind.ASSIGNMENT,
                title=title,
                body=(finding.action or finding.description)[:500],
                url=url,
                organisation_id=project.organisation_id,
            )
            if not sent:
                continue
            notified.append(finding)
            activity_record(
                actor=None,
                verb="QA finding action overdue",
                target=finding,
                label=f"{project.code}: {finding.description[:150]}",
                project=project,
                data={
                    "severity": finding.severity,
                    "owner": finding.owner.username if finding.owner else None,
                    "due_date": finding.due_date.isoformat() if finding.due_date else None,
                    "days_overdue": days,
                    "url": url,
                },
                event=events.QA_FINDING_OVERDUE,
            )
        if notified:
            organisations = {finding.review.project.organisation_id for finding in notified}
            audit_record(
                actor=None,
                action=Action.ACTION,
                entity_type="governance.qafinding",
                entity_id="reminders",
                organisation_id=organisations.pop() if len(organisations) == 1 else None,
                after={"findings": [finding.pk for finding in notified]},
                summary=f"Reminded the owners of {len(notified)} overdue QA finding actions",
            )
    return FindingReminderRun(overdue, notified)


def open_findings_filter() -> Q:
    return ~Q(status=QaFinding.Status.CLOSED)


def decidable_reviews(user: User, reviews: Iterable[GateReview]) -> list[GateReview]:
    """The reviews among ``reviews`` that ``user`` may decide."""
    return [review for review in reviews if can_decide_gate(user, review.gate)]
