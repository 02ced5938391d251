"""A portfolio manager's journey in a real browser: open a portfolio, add a program."""

from __future__ import annotations

import pytest

from steerco.portfolios.models import Program
from tests.browser import login
from tests.factories import PortfolioFactory, ProjectFactory
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_portfolio_manager_opens_a_portfolio_and_creates_a_program(live_server, page):
    org = make_org()
    digital = PortfolioFactory(organisation=org.organisation, code="DIGITAL", name="Digital")
    PortfolioFactory(organisation=org.organisation, code="OPS", name="Operations")
    ProjectFactory(portfolio=digital, code="P-APP", name="Mobile app", health="amber")
    manager = org.user("portfolio_manager")
    login(page, live_server.url, manager.username, PASSWORD)

    # Open portfolios, narrow the list, open one
    page.click("nav.sidebar >> text=Portfolios")
    page.wait_for_selector("[data-testid=portfolio-table] >> text=OPS")
    page.fill("[data-testid=search]", "digi")
    page.wait_for_selector("[data-testid=portfolio-table] >> text=OPS", state="detached")
    page.click("[data-testid=portfolio-table] >> text=DIGITAL")
    page.wait_for_selector("[data-testid=portfolio-title]")
    assert "P-APP" in page.inner_text("[data-testid=project-table]")

    # Create a program in it: the portfolio is already chosen
    page.click("[data-testid=new-program]")
    assert page.input_value("select[name=portfolio_id]") == str(digital.pk)
    page.fill("input[name=code]", "CLOUD")
    page.fill("input[name=name]", "Cloud migration")
    page.select_option("select[name=manager_id]", str(org.user("project_manager").pk))
    page.click("[data-testid=entity-form] >> button[type=submit]")
    page.wait_for_selector("[data-testid=program-title]")
    assert page.inner_text("[data-testid=program-title]").startswith("Cloud migration")

    # Back on the portfolio, the program is listed
    page.click("dl.facts >> text=Digital")
    page.wait_for_selector("[data-testid=program-table] >> text=CLOUD")
    program = Program.objects.get(code="CLOUD")
    assert (program.portfolio_id, program.manager_id) == (
        digital.pk,
        org.user("project_manager").pk,
    )
    assert page.console_errors == []
