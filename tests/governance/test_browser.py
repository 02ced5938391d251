"""A project manager takes an idea through its gates, reports on it and reviews it at the end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from steerco.governance import services
from steerco.governance.models import GateReview, LessonLearned, PostImplementationReview
from steerco.projects import services as project_services
from steerco.projects.models import Project
from tests.browser import login, screenshot
from tests.factories import PortfolioFactory, RaidItemFactory
from tests.fixtures_people import PASSWORD, make_org
from tests.governance.conftest import build_methodology

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pass_gate(org, project, gate, decider):
    review = services.gate_review_request(
        acting_user=org.user("project_manager"), project_id=project.pk, gate_id=gate.pk
    )
    services.gate_review_decide(
        acting_user=org.user(decider),
        review_id=review.pk,
        decision="approved_with_conditions",
        conditions="Close the open checklist items within two weeks.",
    )


def log_out(page):
    page.click("text=Log out")
    page.wait_for_selector("input[name=username]")


def test_an_idea_goes_through_its_gates_reports_and_review(live_server, page):
    org = make_org()
    manager = org.user("project_manager")
    method = build_methodology(org.organisation)
    portfolio = PortfolioFactory(organisation=org.organisation, name="Digital", owner=manager)
    idea = project_services.project_create(
        acting_user=manager,
        fields={"code": "OPS-7", "name": "Warehouse robots", "portfolio_id": portfolio.pk},
    )
    # The idea's business case, written as on the project's pages, then proposed.
    project_services.business_case_create(
        acting_user=manager,
        project_id=idea.pk,
        fields={"summary": "Robots pick faster than people walk"},
        lines=[
            {"month_index": 0, "kind": "cost", "category": "capex", "amount": Decimal("250000")},
            *[
                {
                    "month_index": m,
                    "kind": "benefit",
                    "category": "cost_saving",
                    "amount": Decimal("40000"),
                }
                for m in range(3, 15)
            ],
        ],
    )
    project_services.project_update(
        acting_user=manager, project_id=idea.pk, changes={"stage": "proposal"}
    )
    RaidItemFactory(
        project=idea,
        ref="R-001",
        title="Robot vendor delivers late",
        probability=Decimal("0.6"),
        impact=4,
        response_strategy="mitigate",
        response="Second supplier qualified as a fallback",
    )

    # The project manager asks for the investment decision and confirms the manual item.
    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/governance/projects/{idea.pk}/")
    page.click("[data-testid=request-gate-G1]")
    page.wait_for_selector("[data-testid=checklist]")
    expect(page.locator("[data-testid=missing-items]")).to_contain_text(
        "Finance has reviewed the costs"
    )
    assert "NPV of business case v1 is" in page.inner_text("[data-testid=checklist]")
    manual = page.locator("[data-testid=checklist-item]", has_text="Finance has reviewed")
    manual.locator("input[name=evidence]").fill("Reviewed with Dana (finance) on 3 March")
    manual.locator("[data-testid=confirm-item]").click()
    expect(page.locator("[data-testid=missing-items]")).to_contain_text("can be approved")
    page.goto(page.url.split("#")[0])  # back to the top, without the item's anchor
    screenshot(page, "gate-review")
    log_out(page)

    # The PMO finds it waiting and approves it: the project moves on.
    login(page, live_server.url, org.user("pmo_analyst").username, PASSWORD)
    page.goto(f"{live_server.url}/governance/")
    page.click("[data-testid=awaiting-gates] >> text=G1 Investment decision")
    page.fill("#id_comments", "Funded as proposed.")
    page.click("[data-testid=decide]")
    expect(page.locator("[data-testid=review-status]")).to_have_text("Approved")
    page.goto(f"{live_server.url}/governance/projects/{idea.pk}/")
    expect(page.locator("[data-testid=project-stage]")).to_have_text("Approved")
    expect(page.locator("[data-testid=lifecycle-stage]")).to_have_text("Plan")
    log_out(page)
    assert GateReview.objects.get(gate=method.gates["G1"]).status == "approved"

    # Planning happens elsewhere; the next gate puts it in execution.
    pass_gate(org, idea, method.gates["G2"], "portfolio_manager")

    # The project manager writes this month's status report beside the suggested RAG.
    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/governance/projects/{idea.pk}/status-reports/")
    page.click("[data-testid=new-status-report]")
    page.click("[data-testid=start-report]")
    page.wait_for_selector("[data-testid=status-report-form]")
    expect(page.locator("[data-testid=suggested-risk]")).to_have_text("Amber")
    page.fill("#id_narrative", "Vendor confirmed the robots for May; site survey done.")
    screenshot(page, "status-report")
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=report-status]")).to_have_text("Submitted")

    # The RAID log, with a new issue raised from it.
    page.click("[data-testid=tab-raid]")
    page.click("text=New issue")
    page.fill("#id_title", "Charging bays need new power lines")
    page.select_option("#id_impact", "4")
    page.click("[data-testid=save]")
    expect(page.locator("[data-testid=raid-row]")).to_have_count(2)
    screenshot(page, "raid-log")

    # Go-live: the project is closing, and its review compares benefits and records a lesson.
    pass_gate(org, idea, method.gates["G3"], "executive")
    page.click("[data-testid=tab-pir]")
    page.fill("#id_scheduled_for", "2026-10-01")
    page.click("[data-testid=save-pir]")
    page.fill("#id_went_well", "Pick rates doubled in the first month.")
    page.fill("#id_went_badly", "Power works delayed go-live by three weeks.")
    page.fill("#id_benefits_planned", "120000")
    page.fill("#id_benefits_realised", "96000")
    page.click("[data-testid=complete-pir]")
    expect(page.locator("[data-testid=pir-status]")).to_have_text("Completed")
    expect(page.locator("[data-testid=realisation-ratio]")).to_have_text("0.80")
    page.fill("[data-testid=lesson-form] #id_title", "Survey the power supply before ordering")
    page.fill("[data-testid=lesson-form] #id_tags", "facilities, robots")
    page.click("[data-testid=add-lesson]")
    expect(page.locator("[data-testid=lesson]")).to_contain_text("Survey the power supply")
    assert page.console_errors == []

    idea.refresh_from_db()
    assert idea.stage == Project.Stage.CLOSING
    assert idea.health == "amber"
    review = PostImplementationReview.objects.get(project=idea)
    assert review.benefits_realisation_ratio == Decimal("0.8000")
    assert LessonLearned.objects.get(project=idea).tags == ["facilities", "robots"]
    assert review.completed_at.date() <= datetime.date.today()
