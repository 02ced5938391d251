"""A resource manager's journey in a real browser: the heatmap, a hot spot, a request approved."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.resources.capacity_engine_io import add_months
from steerco.resources.models import Booking, ResourceRequest, RoleDemand
from tests.browser import login, screenshot
from tests.factories import (
    CapacityPeriodFactory,
    PersonFactory,
    PersonSkillFactory,
    PortfolioFactory,
    ProjectFactory,
    ResourceRequestFactory,
    RoleFactory,
    SkillFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resource_manager_drills_into_a_hot_spot_and_approves_a_request(live_server, page):
    org = make_org()
    o = org.organisation
    this_month = datetime.date.today().replace(day=1)
    months = [add_months(this_month, offset) for offset in range(12)]
    roles = {
        code: RoleFactory(organisation=o, code=code, name=name)
        for code, name in (
            ("DE", "Data engineer"),
            ("BA", "Business analyst"),
            ("PM", "Project manager"),
        )
    }
    for role, hours in ((roles["DE"], "320"), (roles["BA"], "160"), (roles["PM"], "160")):
        for month in months:
            CapacityPeriodFactory(role=role, person=None, month=month, hours=Decimal(hours))
    portfolio = PortfolioFactory(organisation=o, code="DIGITAL", name="Digital")
    ledger = ProjectFactory(
        portfolio=portfolio,
        code="LEDGER",
        name="Ledger migration",
        manager=org.user("project_manager"),
    )
    portal = ProjectFactory(
        portfolio=portfolio, code="PORTAL", name="Customer portal", stage="approved"
    )
    for index, month in enumerate(months):
        for project, role, hours in (
            (ledger, roles["DE"], 200 if index < 4 else 90),
            (portal, roles["DE"], 180 if 1 <= index < 5 else 40),
            (ledger, roles["BA"], 60),
            (portal, roles["BA"], 90 if index >= 6 else 40),
            (ledger, roles["PM"], 80),
        ):
            RoleDemand.objects.create(
                project=project,
                role=role,
                month=month,
                hours=Decimal(hours),
                source="business_case",
            )
    python = SkillFactory(organisation=o, name="Python")
    ada = PersonFactory(role=roles["DE"], name="Ada Lovelace")
    grace = PersonFactory(role=roles["DE"], name="Grace Hopper")
    PersonSkillFactory(person=ada, skill=python, level=5)
    PersonSkillFactory(person=grace, skill=python, level=3)
    for person in (ada, grace):
        CapacityPeriodFactory(
            role=roles["DE"], person=person, month=add_months(this_month, 1), hours=Decimal("160")
        )
    request = ResourceRequestFactory(
        project=ledger,
        role=roles["DE"],
        skill=python,
        start_date=add_months(this_month, 1),
        finish_date=add_months(this_month, 2) - datetime.timedelta(days=1),
        hours=Decimal("60"),
        reason="Reconciliation scripts",
    )
    hot = add_months(this_month, 1).strftime("%Y-%m")

    login(page, live_server.url, org.user("resource_manager").username, PASSWORD)
    page.click("nav.sidebar >> text=Capacity")
    page.wait_for_selector("[data-testid=heatmap]")
    page.select_option("[data-testid=portfolio]", "DIGITAL")
    page.click("#capacity-filters >> button[type=submit]")
    page.wait_for_selector("[data-testid=heatmap-summary] >> text=Portfolio")
    assert "portfolio=DIGITAL" in page.url
    hot_cell = f"[data-testid=cell-DE-{hot}]"
    assert page.get_attribute(hot_cell, "data-over") == "1"

    page.click(hot_cell)
    page.wait_for_selector("[data-testid=drilldown]")
    drill = page.inner_text("[data-testid=drilldown]")
    assert "LEDGER" in drill and "PORTAL" in drill and "over capacity" in drill
    page.locator("[data-testid=drilldown]").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "capacity-heatmap")

    page.click(f"[data-testid=drilldown-requests] >> text=Request {request.pk}")
    page.wait_for_selector("[data-testid=request-title]")
    candidates = page.inner_text("[data-testid=candidates]")
    assert candidates.index("Ada Lovelace") < candidates.index("Grace Hopper")
    page.click(f"[data-testid=approve-{ada.pk}]")
    page.wait_for_selector("[data-testid=request-status] >> text=Approved")
    assert "Ada Lovelace, 60.00 h" in page.inner_text("[data-testid=approved]")
    assert ResourceRequest.objects.get(pk=request.pk).status == "approved"
    assert Booking.objects.get(person=ada).hours == Decimal("60.00")
    assert page.console_errors == []
