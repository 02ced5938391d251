"""Governance events go through comms: preferences and e-mail, the feed, signed webhooks."""

from __future__ import annotations

import datetime
import json
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core import mail

from steerco.cli import main
from steerco.comms import events, webhooks
from steerco.comms import services as comms_services
from steerco.comms.models import (
    ActivityEvent,
    Notification,
    NotificationPreference,
    WebhookDelivery,
)
from steerco.core.errors import ValidationFailed
from steerco.core.models import AuditEntry
from steerco.governance import services
from steerco.governance.models import QaFinding
from steerco.projects.models import Project
from tests.factories import RaidItemFactory

pytestmark = pytest.mark.django_db


@dataclass
class Sent:
    """What a webhook receiver would have been sent; no socket is opened."""

    requests: list[urllib.request.Request] = field(default_factory=list)

    def events(self) -> list[str]:
        return [request.get_header("X-steerco-event") or "" for request in self.requests]


class _Answer:
    status = 200

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture
def sent() -> Any:
    record = Sent()

    def urlopen(request: urllib.request.Request, timeout: float) -> _Answer:
        record.requests.append(request)
        return _Answer()

    with mock.patch.object(webhooks.urllib.request, "urlopen", urlopen):
        yield record


@pytest.fixture
def chat(org: Any) -> tuple[Any, str]:
    """A webhook of the PMO that listens to gate decisions only."""
    return comms_services.webhook_create(
        acting_user=org.user("pmo_analyst"),
        name="Chat",
        url="https://chat.example.com/hooks/pmo",
        events=[events.GATE_REVIEW_DECIDED],
    )


def test_a_gate_decision_emails_records_and_sends_a_signed_webhook(
    org: Any, proposal: Project, method: Any, chat: Any, sent: Sent, capture: Any
) -> None:
    manager = org.user("project_manager")
    pmo = org.user("pmo_analyst")
    manager.email = "pm@acme.test"
    manager.save(update_fields=["email"])
    # The manager wants gate decisions by e-mail only.
    NotificationPreference.objects.create(
        user=manager, kind="gate_review_decided", in_app=False, email=True
    )
    webhook, secret = chat
    RaidItemFactory.create(project=proposal)
    with capture(execute=True):
        review = services.gate_review_request(
            acting_user=manager, project_id=proposal.pk, gate_id=method.gates["G1"].pk
        )
    mail.outbox.clear()
    with capture(execute=True):
        services.gate_review_decide(
            acting_user=pmo,
            review_id=review.pk,
            decision="approved_with_conditions",
            conditions="Name an owner for every risk",
            conditions_due=datetime.date(2026, 4, 1),
        )

    (message,) = mail.outbox
    assert message.to == ["pm@acme.test"]
    assert message.subject == "[Steerco] Gate G1 of FIN-001 approved with conditions"
    assert f"/governance/gate-reviews/{review.pk}/" in message.body
    note = Notification.objects.get(kind="gate_review_decided", recipient=manager)
    assert note.read_at is not None and note.emailed_at is not None  # e-mail only

    activity = ActivityEvent.objects.get(verb="approved with conditions gate")
    assert (activity.project, activity.actor, activity.target) == (proposal, pmo, review)

    # The webhook listens to decisions only: the request before did not reach it.
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.event == "gate_review.decided"
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.payload["data"]["decision"] == "approved_with_conditions"
    assert delivery.payload["data"]["conditions_due"] == "2026-04-01"
    assert delivery.payload["project"] == {"id": proposal.pk, "code": "FIN-001"}
    (request,) = sent.requests
    assert request.full_url == "https://chat.example.com/hooks/pmo"
    body = request.data
    assert isinstance(body, bytes)
    assert webhooks.signature_is_valid(secret, body, request.get_header("X-steerco-signature", ""))
    assert json.loads(body)["event"] == "gate_review.decided"


def test_change_requests_status_reports_and_risks_reach_webhooks(
    org: Any, make_project: Any, method: Any, sent: Sent, capture: Any
) -> None:
    everything, _ = comms_services.webhook_create(
        acting_user=org.user("pmo_analyst"), name="Everything", url="https://hooks.example.com/a"
    )
    running = make_project(
        code="OPS-1",
        stage=Project.Stage.IN_EXECUTION,
        start_date=datetime.date(2026, 1, 1),
        sponsor=org.user("executive"),
    )
    manager = org.user("project_manager")
    with capture(execute=True):
        change = services.change_request_create(
            acting_user=manager,
            project_id=running.pk,
            fields={
                "title": "Add single sign-on",
                "reason": "Security audit finding",
                "cost_impact": Decimal("15000.00"),
                "schedule_impact_days": 10,
            },
        )
        services.change_request_submit(acting_user=manager, change_request_id=change.pk)
        services.change_request_reject(
            acting_user=org.user("executive"), change_request_id=change.pk, reason="Next year"
        )
        risk = services.raid_item_create(
            acting_user=manager,
            project_id=running.pk,
            fields={
                "kind": "risk",
                "title": "Vendor late",
                "probability": Decimal("0.2"),
                "impact": 2,
            },
        )
        # Re-scored to high: news once, not again while it stays high.
        services.raid_item_update(
            acting_user=manager,
            item_id=risk.pk,
            changes={"probability": Decimal("0.8"), "impact": 4},
        )
        services.raid_item_update(acting_user=manager, item_id=risk.pk, changes={"impact": 5})
        services.raid_item_update(
            acting_user=manager, item_id=risk.pk, changes={"status": "escalated"}
        )
        report = services.status_report_create(acting_user=manager, project_id=running.pk)
        services.status_report_update(
            acting_user=manager,
            report_id=report.pk,
            changes={"narrative": "On track.", "overall": report.suggested_overall},
        )
        services.status_report_submit(acting_user=manager, report_id=report.pk)

    assert list(
        WebhookDelivery.objects.filter(webhook=everything)
        .order_by("pk")
        .values_list("event", flat=True)
    ) == [
        "change_request.submitted",
        "change_request.decided",
        "risk.high_raised",
        "raid_item.escalated",
        "status_report.submitted",
    ]
    assert sent.events() == [
        "change_request.submitted",
        "change_request.decided",
        "risk.high_raised",
        "raid_item.escalated",
        "status_report.submitted",
    ]
    decided = WebhookDelivery.objects.get(event="change_request.decided")
    assert decided.payload["data"]["reason"] == "Next year"
    assert decided.payload["verb"] == "rejected change request"
    high = Notification.objects.filter(title__startswith="High risk R-001")
    assert set(high.values_list("recipient__username", flat=True)) == {
        "acme-executive",
        "acme-portfolio_manager",
    }


def test_overdue_qa_finding_actions_remind_their_owner_once(
    org: Any, proposal: Project, sent: Sent, capture: Any, capsys: Any
) -> None:
    comms_services.webhook_create(
        acting_user=org.user("pmo_analyst"),
        name="QA",
        url="https://hooks.example.com/qa",
        events=[events.QA_FINDING_OVERDUE],
    )
    pmo = org.user("pmo_analyst")
    review = services.qa_review_create(
        acting_user=pmo,
        project_id=proposal.pk,
        fields={"title": "Assurance", "scheduled_for": datetime.date(2026, 5, 4)},
    )
    late = services.qa_finding_create(
        acting_user=pmo,
        review_id=review.pk,
        fields={
            "severity": "high",
            "description": "No risk owner named",
            "due_date": datetime.date(2026, 5, 10),
        },
    )
    services.qa_finding_create(
        acting_user=pmo,
        review_id=review.pk,
        fields={"description": "Not due yet", "due_date": datetime.date(2026, 6, 30)},
    )
    closed = services.qa_finding_create(
        acting_user=pmo,
        review_id=review.pk,
        fields={"description": "Done", "due_date": datetime.date(2026, 5, 1)},
    )
    QaFinding.objects.filter(pk=closed.pk).update(status=QaFinding.Status.CLOSED)

    dry = services.qa_finding_reminders(today=datetime.date(2026, 5, 20), dry_run=True)
    assert [finding.pk for finding in dry.overdue] == [late.pk] and dry.notified == []
    with capture(execute=True):
        run = services.qa_finding_reminders(today=datetime.date(2026, 5, 20))
    assert [finding.pk for finding in run.notified] == [late.pk]
    note = Notification.objects.get(title__contains="overdue")
    assert note.recipient == org.user("project_manager")
    assert note.title == "QA finding action on FIN-001 overdue by 10 day(s)"
    assert sent.events() == ["qa_finding.overdue"]
    assert ActivityEvent.objects.filter(verb="QA finding action overdue").count() == 1
    assert AuditEntry.objects.filter(
        entity_type="governance.qafinding", entity_id="reminders"
    ).exists()

    assert main(["governance", "remind-qa-findings", "--date", "2026-05-21"]) == 0
    assert "already reminded" in capsys.readouterr().out
    assert Notification.objects.filter(title__contains="overdue").count() == 1


def test_webhooks_listen_to_catalogue_events_only(org: Any, api_client: Any) -> None:
    with pytest.raises(ValidationFailed) as error:
        comms_services.webhook_create(
            acting_user=org.user("pmo_analyst"),
            name="Typo",
            url="https://hooks.example.com/t",
            events=["gate_review.decide"],
        )
    assert "Unknown event(s) gate_review.decide" in error.value.errors["events"][0]
    listed = api_client(org.user("team_member")).get("/api/v1/webhook-events")
    assert listed.status_code == 200
    names = [event["name"] for event in listed.json()]
    assert names == [event.name for event in events.WEBHOOK_EVENTS]
    assert {"gate_review.requested", "status_report.due", "qa_finding.overdue"} <= set(names)


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


def test_a_status_report_reminder_reaches_the_manager_and_webhooks(
    org: Any, make_project: Any, method: Any, sent: Sent, capture: Any
) -> None:
    comms_services.webhook_create(
        acting_user=org.user("pmo_analyst"),
        name="Intranet",
        url="https://intranet.example.org/status",
        events=[events.STATUS_REPORT_DUE],
    )
    manager = org.user("project_manager")
    manager.email = "pm@acme.test"
    manager.save(update_fields=["email"])
    make_project(
        code="OPS-1", stage=Project.Stage.IN_EXECUTION, start_date=datetime.date(2026, 1, 1)
    )
    with capture(execute=True):
        run = services.status_report_reminders(today=datetime.date(2026, 5, 8))
    assert [due.project.code for due in run.notified] == ["OPS-1"]
    (message,) = mail.outbox
    assert message.to == ["pm@acme.test"]
    assert message.subject.startswith("[Steerco] Status report of OPS-1 for ")
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event == "status_report.due"
    assert delivery.payload["data"]["overdue"] is True
    assert delivery.payload["data"]["due"] == "2026-05-05"
    assert sent.events() == ["status_report.due"]


def test_withdrawing_a_gate_request_tells_the_approvers_and_the_webhooks(
    org: Any, make_project: Any, method: Any, sent: Sent, capture: Any
) -> None:
    manager = org.user("project_manager")
    pmo = org.user("pmo_analyst")
    sponsor = org.user("executive")
    proposal = make_project(code="FIN-002", stage=Project.Stage.PROPOSAL, sponsor=sponsor)
    listening, _ = comms_services.webhook_create(
        acting_user=pmo,
        name="Gates",
        url="https://chat.example.com/hooks/gates",
        events=[events.GATE_REVIEW_WITHDRAWN],
    )
    deaf, _ = comms_services.webhook_create(
        acting_user=pmo,
        name="Decisions only",
        url="https://chat.example.com/hooks/decisions",
        events=[events.GATE_REVIEW_DECIDED],
    )
    with capture(execute=True):
        review = services.gate_review_request(
            acting_user=manager, project_id=proposal.pk, gate_id=method.gates["G1"].pk
        )
    assert not WebhookDelivery.objects.exists()

    with capture(execute=True):
        services.gate_review_withdraw(acting_user=manager, review_id=review.pk)

    # G1's approver (the PMO analyst) and the sponsor learn of it; the manager who withdrew
    # does not notify themselves.
    notes = Notification.objects.filter(kind="gate_review_withdrawn")
    assert {note.recipient for note in notes} == {pmo, sponsor}
    note = notes.get(recipient=pmo)
    assert note.title == "Gate G1 of FIN-002 withdrawn"
    assert note.url == f"/governance/gate-reviews/{review.pk}/"
    assert ActivityEvent.objects.filter(verb="withdrew gate", project=proposal).count() == 1

    delivery = WebhookDelivery.objects.get(webhook=listening)
    assert delivery.event == "gate_review.withdrawn"
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.payload["project"] == {"id": proposal.pk, "code": "FIN-002"}
    assert delivery.payload["data"]["gate"] == "G1"
    assert not WebhookDelivery.objects.filter(webhook=deaf).exists()
    assert sent.events() == ["gate_review.withdrawn"]


def test_gate_withdrawal_is_in_the_webhook_catalogue() -> None:
    assert events.GATE_REVIEW_WITHDRAWN in events.WEBHOOK_EVENT_NAMES
    assert events.unknown_events(["gate_review.withdrawn"]) == []
