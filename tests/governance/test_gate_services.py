"""Gate reviews: what is missing, who decides, and that only an approval moves a project."""

from __future__ import annotations

import datetime

import pytest

from steerco.comms.models import ActivityEvent, Notification
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.governance import services
from steerco.governance.gate_services import current_stage
from steerco.governance.models import GateReview, QaFinding
from steerco.projects import services as project_services
from steerco.projects.models import Project, ProjectMember
from tests.factories import RaidItemFactory, UserFactory
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db


def request_g1(org, proposal, method):
    return services.gate_review_request(
        acting_user=org.user("project_manager"),
        project_id=proposal.pk,
        gate_id=method.gates["G1"].pk,
    )


def items_by_text(review):
    return {
        item.checklist_item.text: item for item in review.items.select_related("checklist_item")
    }


def test_a_request_checks_the_automatic_criteria_and_shows_what_is_missing(org, proposal, method):
    business_case(proposal)
    review = request_g1(org, proposal, method)
    items = items_by_text(review)
    assert items["NPV is positive"].satisfied is True
    assert items["NPV is positive"].checked_automatically
    assert items["Risks identified"].satisfied is False
    assert "0 assessed risks" in items["Risks identified"].evidence
    assert items["Finance has reviewed the costs"].satisfied is None
    # The approvers (holders of the gate's role) hear about it; the requester does not.
    notified = Notification.objects.filter(kind="gate_review_requested")
    assert list(notified.values_list("recipient__username", flat=True)) == ["acme-pmo_analyst"]
    assert ActivityEvent.objects.filter(verb="requested gate", project=proposal).exists()


def test_approval_waits_for_every_required_item_then_moves_the_project(org, proposal, method):
    business_case(proposal)
    review = request_g1(org, proposal, method)
    pmo = org.user("pmo_analyst")
    with pytest.raises(ValidationFailed) as error:
        services.gate_review_decide(acting_user=pmo, review_id=review.pk, decision="approved")
    assert "Risks identified; Finance has reviewed the costs" in error.value.errors["decision"][0]
    proposal.refresh_from_db()
    assert proposal.stage == Project.Stage.PROPOSAL

    RaidItemFactory(project=proposal)
    services.gate_review_evaluate(acting_user=org.user("project_manager"), review_id=review.pk)
    manual = items_by_text(review)["Finance has reviewed the costs"]
    services.gate_review_item_check(
        acting_user=org.user("project_manager"),
        item_id=manual.pk,
        satisfied=True,
        evidence="Signed by the finance partner on 3 March",
    )
    services.gate_review_decide(
        acting_user=pmo, review_id=review.pk, decision="approved", comments="Funded."
    )
    proposal.refresh_from_db()
    review.refresh_from_db()
    assert review.status == GateReview.Status.APPROVED and review.decision_by == pmo
    assert proposal.stage == Project.Stage.APPROVED
    assert proposal.lifecycle_stage == method.stages["PLAN"]
    assert current_stage(proposal) == method.stages["PLAN"]
    # The stage changed through projects' own service, flagged as a gate decision.
    assert AuditEntry.objects.filter(
        entity_type="projects.project", summary__startswith="Stage proposal → approved at a gate"
    ).exists()
    assert Notification.objects.filter(
        kind="gate_review_decided", recipient=org.user("project_manager")
    ).exists()


def test_approval_with_conditions_moves_the_project_despite_gaps(org, proposal, method):
    review = request_g1(org, proposal, method)
    with pytest.raises(ValidationFailed) as error:
        services.gate_review_decide(
            acting_user=org.user("pmo_analyst"),
            review_id=review.pk,
            decision="approved_with_conditions",
        )
    assert "conditions" in error.value.errors
    services.gate_review_decide(
        acting_user=org.user("pmo_analyst"),
        review_id=review.pk,
        decision="approved_with_conditions",
        conditions="Log the three main risks",
        conditions_due=datetime.date(2026, 4, 1),
    )
    proposal.refresh_from_db()
    assert proposal.stage == Project.Stage.APPROVED


def test_rejection_needs_a_reason_and_keeps_the_stage(org, proposal, method):
    review = request_g1(org, proposal, method)
    pmo = org.user("pmo_analyst")
    with pytest.raises(ValidationFailed):
        services.gate_review_decide(acting_user=pmo, review_id=review.pk, decision="rejected")
    services.gate_review_decide(
        acting_user=pmo, review_id=review.pk, decision="rejected", comments="No business case."
    )
    proposal.refresh_from_db()
    assert proposal.stage == Project.Stage.PROPOSAL
    assert proposal.lifecycle_stage is None
    with pytest.raises(Conflict):
        services.gate_review_decide(acting_user=pmo, review_id=review.pk, decision="approved")
    # After a rejection the project may ask again.
    again = request_g1(org, proposal, method)
    assert again.status == GateReview.Status.REQUESTED


def test_only_approvers_decide_and_never_their_own_request(org, proposal, method):
    review = request_g1(org, proposal, method)
    for role, refused in (
        ("project_manager", AccessDenied),
        ("executive", AccessDenied),
        ("team_member", NotFound),  # not on the project: it does not even see it
    ):
        with pytest.raises(refused):
            services.gate_review_decide(
                acting_user=org.user(role), review_id=review.pk, decision="rejected", comments="x"
            )
    named = UserFactory(organisation=org.organisation, role="team_member")
    method.gates["G1"].approvers.add(named)
    proposal.sponsor = named
    proposal.save()
    services.gate_review_decide(
        acting_user=named, review_id=review.pk, decision="rejected", comments="Not now."
    )
    own = services.gate_review_request(
        acting_user=org.user("pmo_analyst"), project_id=proposal.pk, gate_id=method.gates["G1"].pk
    )
    with pytest.raises(AccessDenied):
        services.gate_review_decide(
            acting_user=org.user("pmo_analyst"), review_id=own.pk, decision="rejected", comments="x"
        )


def test_a_gate_without_approvers_is_decided_by_the_pmo(org, make_project, method):
    planned = make_project(stage=Project.Stage.APPROVED)
    review = services.gate_review_request(
        acting_user=org.user("project_manager"),
        project_id=planned.pk,
        gate_id=method.gates["G2"].pk,
    )
    with pytest.raises(AccessDenied):
        services.gate_review_decide(
            acting_user=org.user("executive"),
            review_id=review.pk,
            decision="rejected",
            comments="x",
        )
    services.gate_review_decide(
        acting_user=org.user("portfolio_manager"),
        review_id=review.pk,
        decision="approved_with_conditions",
        conditions="Capture the baseline this week",
    )
    planned.refresh_from_db()
    assert planned.stage == Project.Stage.IN_EXECUTION


def test_a_gate_leads_from_where_the_project_is(org, proposal, method):
    with pytest.raises(Conflict) as error:
        services.gate_review_request(
            acting_user=org.user("project_manager"),
            project_id=proposal.pk,
            gate_id=method.gates["G2"].pk,
        )
    assert "FIN-001 is at Proposal; gate G2 leads from Plan" in str(error.value)
    request_g1(org, proposal, method)
    with pytest.raises(Conflict):
        request_g1(org, proposal, method)
    with pytest.raises(ValidationFailed):
        services.gate_review_request(
            acting_user=org.user("project_manager"), project_id=proposal.pk, gate_id=999999
        )


def test_team_members_and_outsiders_cannot_request(org, other_org, proposal, method):
    ProjectMember.objects.create(project=proposal, user=org.user("team_member"))
    with pytest.raises(AccessDenied):
        services.gate_review_request(
            acting_user=org.user("team_member"),
            project_id=proposal.pk,
            gate_id=method.gates["G1"].pk,
        )
    with pytest.raises(NotFound):
        services.gate_review_request(
            acting_user=other_org.user("administrator"),
            project_id=proposal.pk,
            gate_id=method.gates["G1"].pk,
        )


def test_the_stage_never_moves_without_a_gate(org, proposal, method):
    with pytest.raises(Conflict):
        project_services.project_update(
            acting_user=org.user("project_manager"),
            project_id=proposal.pk,
            changes={"stage": "approved"},
        )
    review = request_g1(org, proposal, method)
    services.gate_review_withdraw(acting_user=org.user("project_manager"), review_id=review.pk)
    review.refresh_from_db()
    proposal.refresh_from_db()
    assert review.status == GateReview.Status.WITHDRAWN
    assert proposal.stage == Project.Stage.PROPOSAL


def test_manual_items_only_and_documents_need_evidence(org, proposal, method):
    review = request_g1(org, proposal, method)
    items = items_by_text(review)
    with pytest.raises(Conflict):
        services.gate_review_item_check(
            acting_user=org.user("project_manager"),
            item_id=items["NPV is positive"].pk,
            satisfied=True,
        )
    manual = items["Finance has reviewed the costs"]
    manual.checklist_item.kind = "document"
    manual.checklist_item.save()
    with pytest.raises(ValidationFailed):
        services.gate_review_item_check(
            acting_user=org.user("project_manager"), item_id=manual.pk, satisfied=True
        )


def test_qa_findings_are_worked_to_closure(org, proposal):
    pmo = org.user("pmo_analyst")
    manager = org.user("project_manager")
    with pytest.raises(AccessDenied):
        services.qa_review_create(
            acting_user=manager,
            project_id=proposal.pk,
            fields={"title": "Assurance", "scheduled_for": datetime.date(2026, 5, 4)},
        )
    review = services.qa_review_create(
        acting_user=pmo,
        project_id=proposal.pk,
        fields={
            "title": "Assurance",
            "scheduled_for": datetime.date(2026, 5, 4),
            "reviewer_id": org.user("portfolio_manager").pk,
        },
    )
    finding = services.qa_finding_create(
        acting_user=org.user("portfolio_manager"),
        review_id=review.pk,
        fields={"severity": "high", "description": "No risk owner named"},
    )
    assert finding.owner == manager
    with pytest.raises(AccessDenied):
        services.qa_finding_update(
            acting_user=manager, finding_id=finding.pk, changes={"severity": "low"}
        )
    with pytest.raises(ValidationFailed) as error:
        services.qa_finding_update(
            acting_user=manager, finding_id=finding.pk, changes={"status": "closed"}
        )
    assert "action" in error.value.errors
    services.qa_finding_update(
        acting_user=manager,
        finding_id=finding.pk,
        changes={"status": "closed", "action": "Owners named for every risk"},
    )
    finding.refresh_from_db()
    assert finding.status == QaFinding.Status.CLOSED and finding.closed_at is not None
    with pytest.raises(ValidationFailed):
        services.qa_review_update(
            acting_user=pmo, review_id=review.pk, changes={"status": "completed"}
        )
    services.qa_review_update(
        acting_user=pmo, review_id=review.pk, changes={"status": "completed", "rating": "amber"}
    )
    review.refresh_from_db()
    assert review.completed_at is not None
