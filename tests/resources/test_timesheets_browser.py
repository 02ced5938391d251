"""A team member's journey in a real browser: fill a week's timesheet and submit it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.resources.models import Timesheet, TimesheetEntry
from tests.browser import login, screenshot
from tests.factories import (
    AssignmentFactory,
    PersonFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
    TaskFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_team_member_fills_a_week_and_submits_it(live_server, page):
    org = make_org()
    o = org.organisation
    member = org.user("team_member")
    ada = PersonFactory(
        role=RoleFactory(organisation=o, code="DE"), name="Ada Lovelace", user=member
    )
    ledger = ProjectFactory(organisation=o, code="LEDGER", name="Ledger migration")
    portal = ProjectFactory(organisation=o, code="PORTAL", name="Customer portal")
    for project in (ledger, portal):
        ProjectMemberFactory(project=project, user=member)
    pipeline = TaskFactory(project=ledger, name="Reconciliation pipeline", work_minutes=60 * 60)
    AssignmentFactory(task=pipeline, person=ada, work_minutes=60 * 60)

    login(page, live_server.url, member.username, PASSWORD)
    page.click("nav.sidebar >> text=My timesheet")
    page.wait_for_selector("[data-testid=timesheet-grid]")
    assert page.inner_text("[data-testid=timesheet-status]") == "Not started"

    page.select_option("select[name=line-0-item]", f"t:{pipeline.pk}")
    for day, hours in enumerate(["6", "6", "7.5", "6"]):
        page.fill(f"input[name=line-0-d{day}]", hours)
    page.fill("input[name=line-0-note]", "Matching rules")
    page.select_option("select[name=line-1-item]", f"p:{portal.pk}")
    page.fill("input[name=line-1-d0]", "2")
    page.fill("input[name=line-1-d4]", "4")
    page.select_option("select[name=line-2-item]", "c:training")
    page.fill("input[name=line-2-d3]", "2")
    page.fill("input[name=line-2-d4]", "3,5")
    page.click("[data-testid=save]")
    page.wait_for_selector(".messages >> text=Week saved.")
    assert page.inner_text("[data-testid=week-total]") == "37"
    assert page.input_value("input[name=line-0-d2]") == "7.5"
    screenshot(page, "timesheet")

    page.click("[data-testid=submit]")
    page.wait_for_selector(".messages >> text=Week submitted for approval.")
    assert page.inner_text("[data-testid=timesheet-status]") == "Submitted"
    assert page.locator("[data-testid=submit]").count() == 0
    timesheet = Timesheet.objects.get(person=ada)
    assert timesheet.status == "submitted"
    assert sum(
        entry.hours for entry in TimesheetEntry.objects.filter(timesheet=timesheet)
    ) == Decimal("37.00")
    assert page.console_errors == []
