"""A project manager's journey through the project pages in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from steerco.projects.models import BusinessCase, Project
from tests.browser import login
from tests.factories import PortfolioFactory, ProjectFactory
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "[data-testid=project-row]"


def fill_line(page, index: int, month: str, kind: str, category: str, amount: str) -> None:
    page.fill(f"#id_lines-{index}-month_index", month)
    page.select_option(f"#id_lines-{index}-kind", kind)
    page.select_option(f"#id_lines-{index}-category", category)
    page.fill(f"#id_lines-{index}-amount", amount)


def test_project_manager_creates_a_project_and_its_business_case(live_server, page):
    org = make_org()
    manager = org.user("project_manager")
    portfolio = PortfolioFactory(organisation=org.organisation, name="Digital", owner=manager)
    for code, name in (("ERP-1", "Ledger"), ("WEB-1", "Online shop")):
        ProjectFactory(portfolio=portfolio, manager=manager, code=code, name=name)

    login(page, live_server.url, manager.username, PASSWORD)
    page.click("nav.sidebar >> text=Projects")
    page.wait_for_selector(ROWS)
    assert page.locator(ROWS).count() == 2

    # Typing in the search box narrows the table in place and keeps the URL in sync.
    page.fill("#id_search", "shop")
    expect(page.locator(ROWS)).to_have_count(1)
    assert "Online shop" in page.inner_text("[data-testid=project-table]")
    page.wait_for_url("**/projects/?*search=shop*")

    page.click("[data-testid=new-project]")
    page.fill("#id_code", "OPS-7")
    page.fill("#id_name", "Warehouse robots")
    page.select_option("#id_portfolio_id", label="Digital")
    page.click("[data-testid=save-project]")
    page.wait_for_selector("[data-testid=project-title]")
    assert "OPS-7 · Warehouse robots" in page.inner_text("[data-testid=project-title]")
    assert page.inner_text("[data-testid=project-stage]") == "Idea"

    page.click("[data-testid=new-business-case]")
    page.fill("#id_summary", "Robots pick faster than people walk")
    page.fill("#id_start_month", "2026-01")
    fill_line(page, 0, "0", "cost", "capex", "250000")
    fill_line(page, 1, "3", "benefit", "cost_saving", "-40000")
    page.click("[data-testid=save-business-case]")
    # The error sits beside the amount of the second line; nothing was saved.
    error = page.locator("[data-testid=error-lines-1-amount]")
    assert "positive" in error.inner_text()
    assert BusinessCase.objects.count() == 0
    assert page.input_value("#id_lines-0-amount") == "250000"

    page.fill("#id_lines-1-amount", "40000")
    page.click("[data-testid=add-row]")
    page.wait_for_selector("#id_lines-3-amount")
    page.click("[data-testid=save-business-case]")
    page.wait_for_selector("[data-testid=business-case]")
    case = page.locator("[data-testid=business-case]")
    assert "Draft" in case.locator("[data-testid=business-case-status]").inner_text()
    assert case.locator("[data-testid=total-cost]").inner_text() == "250,000.00"
    assert case.locator("[data-testid=total-benefit]").inner_text() == "40,000.00"
    assert "Apr 2026" in case.locator("[data-testid=cash-flows]").inner_text()
    assert Project.objects.get(code="OPS-7").business_cases.get().cash_flow_lines.count() == 2
    assert page.console_errors == []


def test_missing_code_is_shown_beside_the_field(live_server, page):
    org = make_org()
    manager = org.user("project_manager")
    PortfolioFactory(organisation=org.organisation, name="Digital", owner=manager)
    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/projects/new/")
    page.fill("#id_name", "No code yet")
    page.select_option("#id_portfolio_id", label="Digital")
    page.click("[data-testid=save-project]")
    assert page.inner_text("[data-testid=error-code]") == "This field is required."
    assert page.input_value("#id_name") == "No code yet"
    assert Project.objects.count() == 0
    assert page.console_errors == []
