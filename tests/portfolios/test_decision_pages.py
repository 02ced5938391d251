"""Decision pages: each renders for its readers, refuses other roles, hides other
organisations, and the business case metrics recompute from posted lines without saving."""

from __future__ import annotations

import pytest
from django.test import Client

from steerco.core.models import AuditEntry
from steerco.portfolios.models import Scenario, ScenarioProject
from steerco.projects.models import BusinessCase, CashFlowLine
from tests.portfolios.decision_support import build_small_portfolio

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def small(org):
    return build_small_portfolio(org)


def reader_pages(small) -> list[str]:
    return [
        "/portfolios/scenarios/",
        f"/portfolios/scenarios/{small.plan.pk}/",
        f"/portfolios/scenarios/compare/?ids={small.plan.pk}",
        f"/portfolios/{small.portfolio.pk}/frontier/",
        "/portfolios/prioritise/",
        f"/portfolios/prioritise/?portfolio={small.portfolio.pk}",
        "/portfolios/prioritise/ahp/",
        f"/portfolios/recommendations/?portfolio={small.portfolio.pk}",
    ]


@pytest.mark.parametrize("role", ["portfolio_manager", "executive"])
def test_readers_see_every_decision_page(small, org, role):
    client = client_for(org.user(role))
    for url in reader_pages(small):
        response = client.get(url)
        assert response.status_code == 200, url


def test_planner_shows_the_plan_roadmap_and_editors_get_the_forms(small, org):
    manager_page = client_for(org.user("portfolio_manager")).get(
        f"/portfolios/scenarios/{small.plan.pk}/"
    )
    html = manager_page.content.decode()
    assert 'id="chart-roadmap"' in html and 'id="chart-capacity"' in html
    assert 'data-testid="run-optimiser"' in html
    executive_page = client_for(org.user("executive")).get(
        f"/portfolios/scenarios/{small.plan.pk}/"
    )
    assert b'data-testid="run-optimiser"' not in executive_page.content


def test_team_members_are_refused_and_outsiders_find_nothing(small, org, other_org):
    member = client_for(org.user("team_member"))
    outsider = client_for(other_org.user("administrator"))
    for url in reader_pages(small):
        if "recommendations" in url:
            assert member.get(url).status_code == 200
        elif f"/{small.portfolio.pk}/" in url or str(small.plan.pk) in url:
            assert member.get(url).status_code == 403, url
            assert outsider.get(url).status_code == 404, url
        else:
            assert member.get(url).status_code == 403, url


def test_a_project_manager_sees_recommendations_for_their_projects_only(small, org):
    other = org.user("pmo_analyst")
    project = small.projects["NEW-C"]
    project.manager = other
    project.save()
    html = (
        client_for(org.user("project_manager"))
        .get(f"/portfolios/recommendations/?portfolio={small.portfolio.pk}")
        .content.decode()
    )
    assert "NEW-A" in html and "NEW-C" not in html


def test_creating_and_editing_a_scenario_through_the_forms(small, org):
    client = client_for(org.user("portfolio_manager"))
    response = client.post(
        "/portfolios/scenarios/new/", {"portfolio_id": small.portfolio.pk, "name": "Faster"}
    )
    scenario = Scenario.objects.get(name="Faster")
    assert response.status_code == 302
    assert response["Location"] == f"/portfolios/scenarios/{scenario.pk}/"
    new_b = small.projects["NEW-B"].pk
    form = {
        f"mode-{row.project_id}": row.mode
        for row in ScenarioProject.objects.filter(scenario=scenario)
    }
    form[f"mode-{new_b}"] = "forced_in"
    form[f"start-{new_b}"] = "2027-06"
    client.post(f"/portfolios/scenarios/{scenario.pk}/projects/", form)
    row = ScenarioProject.objects.get(scenario=scenario, project_id=new_b)
    assert row.mode == "forced_in" and str(row.start_month_override) == "2027-06-01"
    client.post(
        f"/portfolios/scenarios/{scenario.pk}/settings/",
        {
            "name": "Faster",
            "horizon_start": "2027-01",
            "horizon_months": "12",
            "hire-new0-role": str(small.role.pk),
            "hire-new0-month": "2027-04",
            "hire-new0-fte": "2",
            "budget-new0-month": "2027-02",
            "budget-new0-capex": "5000",
        },
    )
    scenario.refresh_from_db()
    assert scenario.budget_overrides == {"2027-02": {"capex": "5000.00"}}
    assert scenario.hiring_plans.get().fte_delta == 2


def test_business_case_editor_recomputes_metrics_without_saving(small, org):
    case = BusinessCase.objects.get(project=small.projects["NEW-A"])
    case.status = BusinessCase.Status.DRAFT
    case.save()
    client = client_for(org.user("project_manager"))
    page = client.get(f"/portfolios/business-cases/{case.pk}/")
    assert page.status_code == 200 and b'data-testid="business-case-editor"' in page.content
    before = (CashFlowLine.objects.count(), AuditEntry.objects.count())
    fragment = client.post(
        f"/portfolios/business-cases/{case.pk}/metrics/",
        {
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-month_index": "0",
            "lines-0-kind": "cost",
            "lines-0-category": "capex",
            "lines-0-amount": "1000",
            "lines-1-month_index": "1",
            "lines-1-kind": "benefit",
            "lines-1-category": "revenue",
            "lines-1-amount": "1500",
            "lines-2-month_index": "2",
            "discount_rate": "0",
        },
    )
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'data-testid="metric-npv">500<' in html
    assert "1 incomplete row" in html
    assert (CashFlowLine.objects.count(), AuditEntry.objects.count()) == before


def test_project_page_shows_the_real_metrics(small, org):
    project = small.projects["NEW-A"]
    html = client_for(org.user("project_manager")).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="npv"' in html and "not wired in" not in html
    assert f"/portfolios/business-cases/{project.business_cases.get().pk}/" in html
