"""A PMO analyst edits budget lines and records a cost in a real browser; a PM may not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from steerco.finance.models import Budget, CostLine
from tests.browser import login, screenshot
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    CostCategoryFactory,
    PortfolioFactory,
    ProjectFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pmo_analyst_edits_budget_lines_and_records_a_cost(live_server, page):
    org = make_org()
    o = org.organisation
    labour = CostCategoryFactory(organisation=o, code="LAB", name="Labour", expense_type="opex")
    CostCategoryFactory(organisation=o, code="HW", name="Hardware", expense_type="capex")
    alpha = ProjectFactory(
        portfolio=PortfolioFactory(organisation=o),
        code="ALPHA",
        name="Ledger migration",
        currency="EUR",
        manager=org.user("project_manager"),
    )
    approved = BudgetFactory(project=alpha, version=1, status=Budget.Status.APPROVED)
    BudgetLineFactory(budget=approved, cost_category=labour, month=dt.date(2026, 1, 1), amount=1000)

    login(page, live_server.url, org.user("pmo_analyst").username, PASSWORD)
    page.goto(f"{live_server.url}/finance/projects/{alpha.pk}/")
    page.click("[data-testid=edit-budget-lines]")
    page.wait_for_selector("[data-testid=budget-lines]")
    page.select_option("select[name=line-1-category]", label="HW Hardware")
    page.fill("input[name=line-1-month]", "2026-02")
    page.fill("input[name=line-1-amount]", "-20")
    page.click("[data-testid=save-budget-lines]")
    page.wait_for_selector("[data-testid=budget-errors]")
    assert Budget.objects.count() == 1
    screenshot(page, "budget-lines")
    page.fill("input[name=line-1-amount]", "2500")
    page.click("[data-testid=save-budget-lines]")
    page.wait_for_selector("[data-testid=financials-title]")
    draft = Budget.objects.get(version=2)
    assert (draft.status, draft.total) == ("draft", Decimal("3500.00"))

    page.click("[data-testid=add-cost-line]")
    page.select_option("[data-testid=cost-category]", label="LAB Labour")
    page.fill("[data-testid=cost-month]", "2026-01")
    page.fill("[data-testid=cost-amount]", "lots")
    page.click("[data-testid=save-cost]")
    page.wait_for_selector("[data-testid=error-amount]")
    page.fill("[data-testid=cost-amount]", "480")
    page.fill("[data-testid=cost-reference]", "INV-12")
    screenshot(page, "cost-line")
    page.click("[data-testid=save-cost]")
    page.wait_for_selector("text=Cost recorded")
    assert CostLine.objects.get().amount == Decimal("480.00")
    # The refused saves answer 422 on purpose; anything else (a CSP violation) fails.
    assert [e for e in page.console_errors if "422" not in e] == []

    # The project's manager reads the financials but edits neither.
    page.context.clear_cookies()
    login(page, live_server.url, org.user("project_manager").username, PASSWORD)
    page.goto(f"{live_server.url}/finance/projects/{alpha.pk}/")
    page.wait_for_selector("[data-testid=financials-title]")
    assert page.locator("[data-testid=edit-budget-lines]").count() == 0
    response = page.goto(f"{live_server.url}/finance/projects/{alpha.pk}/budget/")
    assert response is not None and response.status == 403
