"""The catalogue of webhook events: the names a webhook may listen to, and what each means.

Every service that announces something passes one of these names to
``steerco.comms.services.activity_record(event=...)``; a webhook subscribes to some of them
(or to all, with an empty list). The names are an interface for receivers: keep them stable
and add new ones rather than renaming.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    name: str
    description: str


COMMENT_CREATED = "comment.created"
GATE_REVIEW_REQUESTED = "gate_review.requested"
GATE_REVIEW_DECIDED = "gate_review.decided"
GATE_REVIEW_WITHDRAWN = "gate_review.withdrawn"
CHANGE_REQUEST_SUBMITTED = "change_request.submitted"
CHANGE_REQUEST_DECIDED = "change_request.decided"
STATUS_REPORT_SUBMITTED = "status_report.submitted"
STATUS_REPORT_DUE = "status_report.due"
RAID_ITEM_ESCALATED = "raid_item.escalated"
RISK_HIGH_RAISED = "risk.high_raised"
QA_FINDING_OVERDUE = "qa_finding.overdue"
PIR_COMPLETED = "post_implementation_review.completed"

WEBHOOK_EVENTS: tuple[WebhookEvent, ...] = (
    WebhookEvent(
        COMMENT_CREATED,
        "A comment on a project, task, RAID item, gate review or status report.",
    ),
    WebhookEvent(GATE_REVIEW_REQUESTED, "A project manager asked to pass a gate."),
    WebhookEvent(
        GATE_REVIEW_DECIDED,
        "A gate review was approved, approved with conditions, rejected or put on hold.",
    ),
    WebhookEvent(
        GATE_REVIEW_WITHDRAWN,
        "A gate review request was withdrawn before it was decided.",
    ),
    WebhookEvent(CHANGE_REQUEST_SUBMITTED, "A change request went to the change board."),
    WebhookEvent(CHANGE_REQUEST_DECIDED, "A change request was approved or rejected."),
    WebhookEvent(STATUS_REPORT_SUBMITTED, "A project's periodic status report was submitted."),
    WebhookEvent(STATUS_REPORT_DUE, "A manager was reminded of a status report due or late."),
    WebhookEvent(RAID_ITEM_ESCALATED, "A RAID item was escalated to the sponsor and the PMO."),
    WebhookEvent(
        RISK_HIGH_RAISED,
        "A risk scored high (probability x impact of 12 or more) was raised, or re-scored to high.",
    ),
    WebhookEvent(
        QA_FINDING_OVERDUE, "The action of an open QA finding passed its due date (reminder)."
    ),
    WebhookEvent(PIR_COMPLETED, "A post-implementation review was completed."),
)

WEBHOOK_EVENT_NAMES: frozenset[str] = frozenset(event.name for event in WEBHOOK_EVENTS)


def unknown_events(names: list[str]) -> list[str]:
    """The names in ``names`` that are not in the catalogue, in the order given."""
    return [name for name in names if name not in WEBHOOK_EVENT_NAMES]
