"""A portfolio manager's journey in a real browser: open the scenario planner, create a
scenario, run the optimiser, see it finish with the roadmap, compare with the plan; then
edit a business case and watch its metrics follow."""

from __future__ import annotations

import pytest

from steerco.portfolios.models import OptimiserRun, Scenario
from steerco.projects.models import BusinessCase
from tests.browser import login, screenshot
from tests.fixtures_people import PASSWORD, make_org
from tests.portfolios.decision_support import build_small_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_portfolio_manager_plans_a_scenario_and_compares_it_with_the_plan(live_server, page):
    org = make_org()
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    login(page, live_server.url, manager.username, PASSWORD)

    # Open the planner and create a scenario from the plan
    page.click("nav.sidebar >> text=Scenarios")
    page.wait_for_selector("[data-testid=scenario-table] >> text=Current plan")
    page.click("[data-testid=new-scenario] summary")
    page.fill("[data-testid=new-scenario-name]", "Add NEW-B after the platform")
    page.click("[data-testid=create-scenario]")
    page.wait_for_selector("[data-testid=scenario-title] >> text=Add NEW-B after the platform")
    scenario = Scenario.objects.get(name="Add NEW-B after the platform")

    # Run the optimiser; the job finishes and the page shows the proven plan and roadmap
    page.fill("[data-testid=time-limit]", "2")
    page.click("[data-testid=run-optimiser]")
    page.wait_for_selector("[data-testid=last-run][data-status=optimal]", timeout=30_000)
    run = OptimiserRun.objects.get(scenario=scenario)
    assert run.status == "optimal" and run.job is not None and run.job.state == "succeeded"
    assert page.inner_text("[data-testid=run-gap]") == "0.00%"
    page.wait_for_selector("[data-testid=chart-roadmap] svg")
    page.wait_for_selector("[data-testid=chart-capacity] svg")
    roadmap = page.inner_html("[data-testid=chart-roadmap]")
    assert "NEW-B" in roadmap and "NEW-C" not in roadmap
    page.locator("#run").scroll_into_view_if_needed()
    screenshot(page, "scenario-planner")

    # Compare with the plan: NEW-B is the difference
    page.click("[data-testid=compare-with-others]")
    page.wait_for_selector("[data-testid=comparison]")
    differences = page.inner_text("[data-testid=differences]")
    assert "NEW-B" in differences and "2027-04" in differences
    assert small.plan.name in page.inner_text("[data-testid=comparison]")
    page.wait_for_selector("[data-testid=chart-spend] svg")
    assert page.console_errors == []


def test_business_case_metrics_follow_the_grid(live_server, page):
    org = make_org()
    small = build_small_portfolio(org)
    case = BusinessCase.objects.get(project=small.projects["NEW-A"])
    case.status = BusinessCase.Status.DRAFT
    case.save()
    login(page, live_server.url, org.user("project_manager").username, PASSWORD)
    page.goto(f"{live_server.url}/projects/{small.projects['NEW-A'].pk}/")
    page.click("[data-testid=open-metrics]")
    page.wait_for_selector("[data-testid=chart-tornado] svg")
    before = page.inner_text("[data-testid=metric-npv]")
    # Doubling the first month's cost lowers the NPV at once, without saving
    page.fill("input[name=lines-0-amount]", "40000")
    page.press("input[name=lines-0-amount]", "Tab")
    page.wait_for_function(
        "before => document.querySelector('[data-testid=metric-npv]').textContent !== before",
        arg=before,
    )
    after = page.inner_text("[data-testid=metric-npv]")
    assert float(after.replace(",", "")) < float(before.replace(",", ""))
    assert case.cash_flow_lines.get(month_index=0).amount == 20_000
    page.wait_for_selector("[data-testid=chart-tornado] svg")
    screenshot(page, "business-case-metrics")
    assert page.console_errors == []
