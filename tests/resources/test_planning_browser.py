"""A project manager plans demand and books someone in a real browser; a team member may not."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.resources.capacity_engine_io import add_months
from steerco.resources.models import Booking, RoleDemand
from tests.browser import login, screenshot
from tests.factories import (
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_project_manager_plans_demand_and_books_softly(live_server, page):
    org = make_org()
    o = org.organisation
    this_month = datetime.date.today().replace(day=1)
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    RoleFactory(organisation=o, code="BA", name="Business analyst")
    ledger = ProjectFactory(
        portfolio=PortfolioFactory(organisation=o),
        code="LEDGER",
        name="Ledger migration",
        manager=org.user("project_manager"),
    )
    PersonFactory(role=de, name="Ada Lovelace")
    ProjectMemberFactory(project=ledger, user=org.user("team_member"))

    login(page, live_server.url, org.user("project_manager").username, PASSWORD)
    page.goto(f"{live_server.url}/projects/{ledger.pk}/")
    page.click("text=Demand")
    page.click("[data-testid=plan-demand]")
    page.wait_for_selector("[data-testid=demand-grid]")
    first = f"h-{de.pk}-{this_month:%Y-%m}"
    second = f"h-{de.pk}-{add_months(this_month, 1):%Y-%m}"
    page.fill(f"input[name={first}]", "120")
    page.fill(f"input[name={second}]", "a lot")
    page.click("[data-testid=save-demand]")
    page.wait_for_selector("[data-testid=grid-errors]")
    assert not RoleDemand.objects.exists()
    page.fill(f"input[name={second}]", "80")
    page.click("[data-testid=save-demand]")
    page.wait_for_selector("text=Demand saved")
    assert sorted(RoleDemand.objects.values_list("hours", flat=True)) == [
        Decimal("80.00"),
        Decimal("120.00"),
    ]
    screenshot(page, "demand-grid")

    page.click("text=Bookings")
    page.wait_for_selector("[data-testid=booking-add]")
    page.select_option("[data-testid=booking-person]", label="Ada Lovelace (Data engineer)")
    page.fill("[data-testid=booking-hours]", "60")
    page.click("[data-testid=book]")
    page.wait_for_selector("text=Ada Lovelace booked for 60.00 h")
    assert Booking.objects.get().kind == "soft"
    screenshot(page, "bookings")
    # The refused saves answer 422 on purpose; anything else (a CSP violation) fails.
    assert [e for e in page.console_errors if "422" not in e] == []

    # A team member of the project reads the plan but has nothing to change it with.
    page.context.clear_cookies()
    login(page, live_server.url, org.user("team_member").username, PASSWORD)
    page.goto(f"{live_server.url}/resources/projects/{ledger.pk}/bookings/")
    page.wait_for_selector("[data-testid=bookings-table]")
    assert page.locator("[data-testid=booking-add]").count() == 0
    page.goto(f"{live_server.url}/resources/projects/{ledger.pk}/demand/plan/")
    assert page.locator("[data-testid=save-demand]").count() == 0
