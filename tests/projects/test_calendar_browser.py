"""A PMO analyst adds a holiday to the organisation's calendar; a team member only reads it."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from steerco.projects.models import CalendarException
from tests.browser import login, screenshot
from tests.factories import (
    CalendarExceptionFactory,
    CalendarFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    RoleFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "[data-testid=exception-row]"


def test_pmo_adds_a_holiday_and_a_team_member_reads_it(live_server, page):
    org = make_org()
    office = CalendarFactory(
        organisation=org.organisation, name="Head office", is_default=True, timezone="Europe/London"
    )
    CalendarFactory(organisation=org.organisation, name="Night shift", base_calendar=office)
    for day, name in (
        (datetime.date(2026, 12, 25), "Christmas Day"),
        (datetime.date(2026, 12, 28), "Boxing Day (substitute)"),
        (datetime.date(2027, 1, 1), "New Year's Day"),
    ):
        CalendarExceptionFactory(calendar=office, name=name, start_date=day, finish_date=day)
    portfolio = PortfolioFactory(organisation=org.organisation, owner=org.user("pmo_analyst"))
    for code in ("ERP-1", "WEB-2"):
        ProjectFactory(portfolio=portfolio, code=code, calendar=office)
    engineers = RoleFactory(organisation=org.organisation, code="DE", name="Data engineer")
    for name in ("Ada Lovelace", "Grace Hopper"):
        PersonFactory(role=engineers, name=name, calendar=office)

    login(page, live_server.url, org.user("pmo_analyst").username, PASSWORD)
    page.click("nav.sidebar >> text=Calendars")
    page.click("[data-testid=calendar-table] >> text=Head office")
    expect(page.locator(ROWS)).to_have_count(3)

    # A holiday that ends before it starts is refused beside the field, in place.
    page.fill("#id_holiday-name", "Company day")
    page.fill("#id_holiday-start_date", "2026-12-24")
    page.fill("#id_holiday-finish_date", "2026-12-23")
    page.click("[data-testid=add-holiday]")
    expect(page.locator("[data-testid=error-holiday-finish_date]")).to_contain_text(
        "The finish is before the start."
    )
    assert not CalendarException.objects.filter(name="Company day").exists()

    page.fill("#id_holiday-finish_date", "")
    page.click("[data-testid=add-holiday]")
    expect(page.locator("[data-testid=done-message]")).to_contain_text("Company day added.")
    expect(page.locator(ROWS)).to_have_count(4)
    assert CalendarException.objects.get(name="Company day").start_date == datetime.date(
        2026, 12, 24
    )
    page.keyboard.press("Home")
    page.locator("[data-testid=calendar-title]").scroll_into_view_if_needed()
    screenshot(page, "calendars")
    assert page.console_errors == []

    page.context.clear_cookies()
    login(page, live_server.url, org.user("team_member").username, PASSWORD)
    page.goto(f"{live_server.url}/calendars/{office.pk}/")
    expect(page.locator("[data-testid=read-only]")).to_be_visible()
    expect(page.locator(ROWS)).to_have_count(4)
    assert page.locator("[data-testid=holiday-form]").count() == 0
    assert page.locator("[data-testid=edit-calendar]").count() == 0
    assert page.console_errors == []
