"""Governance pages through the test client: rendering, forms with field errors, access."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from steerco.governance.models import (
    ChangeRequest,
    GateReview,
    GuidancePage,
    LifecycleStage,
    PostImplementationReview,
    QaReview,
    RaidItem,
    StatusReport,
)
from steerco.projects.models import Project
from tests.factories import ChangeRequestFactory, QaFindingFactory, RaidItemFactory
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(org, proposal, method, make_project):
    """A proposal with a case and a review, a running project with a full governance record."""
    business_case(proposal)
    review = GateReview.objects.create(
        project=proposal,
        gate=method.gates["G1"],
        requested_by=org.user("project_manager"),
        requested_at=proposal.created_at,
    )
    for item in method.gates["G1"].checklist_items.all():
        review.items.create(checklist_item=item)
    running = make_project(code="OPS-1", stage=Project.Stage.IN_EXECUTION)
    raid = RaidItemFactory(project=running, probability=Decimal("0.6"), impact=4)
    change = ChangeRequestFactory(project=running, status="submitted")
    finding = QaFindingFactory(review__project=running, owner=org.user("project_manager"))
    report = StatusReport.objects.create(
        project=running,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 4, 30),
        narrative="Fine.",
    )
    closed = make_project(code="OLD-1", stage=Project.Stage.CLOSED)
    PostImplementationReview.objects.create(project=closed)
    page = GuidancePage.objects.create(
        template=method.template,
        stage=method.stages["PROPOSAL"],
        title="Cases",
        slug="cases",
        body="# Hi",
    )
    return {
        "review": review,
        "running": running,
        "raid": raid,
        "change": change,
        "finding": finding,
        "report": report,
        "closed": closed,
        "page": page,
    }


def pages(world, proposal, method):
    running, closed = world["running"].pk, world["closed"].pk
    return [
        reverse("governance:home"),
        reverse("governance:methodologies"),
        reverse("governance:methodology", args=[method.template.pk]),
        reverse("governance:guidance", args=[world["page"].pk]),
        reverse("governance:project", args=[proposal.pk]),
        reverse("governance:gate_review", args=[world["review"].pk]),
        reverse("governance:raid", args=[running]),
        reverse("governance:dependencies"),
        reverse("governance:change_requests", args=[running]),
        reverse("governance:change_request", args=[world["change"].pk]),
        reverse("governance:change_board"),
        reverse("governance:qa", args=[running]),
        reverse("governance:qa_review", args=[world["finding"].review_id]),
        reverse("governance:qa_findings"),
        reverse("governance:status_report_overview"),
        reverse("governance:status_reports", args=[running]),
        reverse("governance:status_report", args=[world["report"].pk]),
        reverse("governance:pir", args=[closed]),
        reverse("governance:lessons"),
        reverse("governance:realisation"),
    ]


@pytest.mark.parametrize("role", ["pmo_analyst", "project_manager", "executive"])
def test_every_page_renders_for_the_people_who_use_it(org, proposal, method, world, role):
    client = client_for(org.user(role))
    for url in pages(world, proposal, method):
        response = client.get(url)
        assert response.status_code == 200, url


def test_outsiders_get_404_on_project_pages(other_org, proposal, method, world):
    client = client_for(other_org.user("administrator"))
    for url in pages(world, proposal, method):
        if "/projects/" in url or url.rstrip("/").split("/")[-1].isdigit():
            assert client.get(url).status_code == 404, url


def test_the_gate_page_shows_what_is_missing_and_the_pmo_decides(org, proposal, method, world):
    review = world["review"]
    manager = client_for(org.user("project_manager"))
    page = manager.get(reverse("governance:gate_review", args=[review.pk])).content.decode()
    assert "Missing before an approval" in page and 'data-testid="decision-form"' not in page
    pmo = client_for(org.user("pmo_analyst"))
    assert (
        'data-testid="decision-form"'
        in pmo.get(reverse("governance:gate_review", args=[review.pk])).content.decode()
    )
    response = pmo.post(
        reverse("governance:gate_review_decide", args=[review.pk]),
        {
            "decision": "approved_with_conditions",
            "conditions": "Log the risks",
            "conditions_due": "2026-06-01",
        },
        follow=True,
    )
    assert "Decision recorded." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.stage == Project.Stage.APPROVED


def test_methodology_forms_show_service_errors_beside_the_fields(org, method):
    pmo = client_for(org.user("pmo_analyst"))
    url = reverse("governance:stage_create", args=[method.template.pk])
    response = pmo.post(url, {"code": "IDEA", "name": "", "project_stage": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-code"' in page and 'data-testid="error-name"' in page
    response = pmo.post(url, {"code": "PILOT", "name": "Pilot", "project_stage": "in_execution"})
    assert response.status_code == 302
    assert LifecycleStage.objects.filter(code="PILOT").exists()
    item_url = reverse("governance:checklist_item_create", args=[method.gates["G2"].pk])
    response = pmo.post(
        item_url,
        {
            "text": "x",
            "kind": "automatic",
            "automatic_rule": "baseline_captured",
            "params": "{days",
        },
    )
    assert "Not valid JSON" in response.content.decode()
    assert client_for(org.user("project_manager")).get(url).status_code == 403


def test_raid_page_filters_in_place_and_items_are_raised_through_the_form(org, world):
    running = world["running"]
    manager = client_for(org.user("project_manager"))
    url = reverse("governance:raid", args=[running.pk])
    fragment = manager.get(url + "?kind=issue", HTTP_HX_REQUEST="true")
    assert (
        "<html" not in fragment.content.decode()
        and "Nothing in the log matches" in fragment.content.decode()
    )
    response = manager.post(
        reverse("governance:raid_create", args=[running.pk]),
        {"kind": "risk", "title": "Unscored", "status": "open"},
    )
    assert 'data-testid="error-probability"' in response.content.decode()
    response = manager.post(
        reverse("governance:raid_create", args=[running.pk]),
        {
            "kind": "risk",
            "title": "Supplier strike",
            "status": "open",
            "probability": "0.4",
            "impact": "5",
        },
    )
    assert response.status_code == 302
    raised = RaidItem.objects.get(project=running, title="Supplier strike")
    assert int(raised.ref[2:]) == int(world["raid"].ref[2:]) + 1
    executive = client_for(org.user("executive"))
    assert executive.get(reverse("governance:raid_create", args=[running.pk])).status_code == 403


def test_change_requests_are_decided_on_their_page(org, world):
    change = world["change"]
    executive = client_for(org.user("executive"))
    response = executive.post(
        reverse("governance:change_request_action", args=[change.pk, "reject"]),
        {"reason": ""},
        follow=True,
    )
    assert "Say why" in response.content.decode()
    executive.post(
        reverse("governance:change_request_action", args=[change.pk, "approve"]), {"reason": "ok"}
    )
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED  # no baseline yet: it waits


def test_a_status_report_is_written_and_submitted(org, world):
    running = world["running"]
    manager = client_for(org.user("project_manager"))
    response = manager.post(
        reverse("governance:status_report_new", args=[running.pk]), {"period_start": "2026-03-01"}
    )
    report = StatusReport.objects.get(project=running, period_start=datetime.date(2026, 3, 1))
    assert response.url == reverse("governance:status_report", args=[report.pk])
    data = {
        "overall": "amber",
        "schedule": "green",
        "cost": "green",
        "scope": "amber",
        "risk": "amber",
        "narrative": "",
        "key_milestones": "Go-live; 2026-06-01; 2026-06-15",
        "submit": "1",
    }
    page = manager.post(
        reverse("governance:status_report", args=[report.pk]), data
    ).content.decode()
    assert 'data-testid="error-narrative"' in page
    data["narrative"] = "Supplier late; recovery plan agreed."
    manager.post(reverse("governance:status_report", args=[report.pk]), data)
    report.refresh_from_db()
    assert report.status == "submitted" and report.overall == "amber"
    assert report.key_milestones == [
        {"name": "Go-live", "due": "2026-06-01", "forecast": "2026-06-15"}
    ]


def test_qa_reviews_are_scheduled_by_the_pmo(org, world):
    running = world["running"]
    pmo = client_for(org.user("pmo_analyst"))
    response = pmo.post(
        reverse("governance:qa", args=[running.pk]),
        {
            "title": "Readiness",
            "scheduled_for": "2026-07-01",
            "reviewer_id": org.user("portfolio_manager").pk,
        },
    )
    assert response.status_code == 302
    assert QaReview.objects.filter(title="Readiness").exists()
    manager = client_for(org.user("project_manager"))
    assert (
        manager.post(reverse("governance:qa", args=[running.pk]), {"title": "x"}).status_code == 403
    )


def test_team_members_read_raid_items_and_unknown_actions_are_404(org, world):
    running = world["running"]
    from steerco.projects.models import ProjectMember

    ProjectMember.objects.create(project=running, user=org.user("team_member"))
    member = client_for(org.user("team_member"))
    url = reverse("governance:raid_edit", args=[world["raid"].pk])
    page = member.get(url).content.decode()
    assert 'data-testid="save"' not in page and "disabled" in page
    assert member.post(url, {"title": "Changed"}).status_code == 403
    executive = client_for(org.user("executive"))
    action = reverse("governance:change_request_action", args=[world["change"].pk, "explode"])
    assert executive.post(action).status_code == 404
