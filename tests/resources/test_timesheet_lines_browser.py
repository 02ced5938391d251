"""A project manager approves the lines of their project in a week, in a real browser.

The week's person opens their own submitted week and has nothing to decide.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.resources import timesheet_services
from steerco.resources.models import Timesheet, TimesheetEntry
from steerco.resources.timesheet_services import TimesheetLine
from tests.browser import login, screenshot
from tests.factories import (
    PersonFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
)
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_project_manager_approves_their_projects_line(live_server, page):
    org = make_org()
    o = org.organisation
    member = org.user("team_member")
    pm = org.user("project_manager")
    PersonFactory(role=RoleFactory(organisation=o, code="DE"), name="Ada Lovelace", user=member)
    ledger = ProjectFactory(organisation=o, code="LEDGER", name="Ledger migration", manager=pm)
    portal = ProjectFactory(organisation=o, code="PORTAL", name="Customer portal")
    for project in (ledger, portal):
        ProjectMemberFactory(project=project, user=member)
    monday = timesheet_services.monday_of(datetime.date.today()) - datetime.timedelta(days=7)
    eight = tuple(Decimal(h) for h in ("8", "8", "0", "0", "0", "0", "0"))
    four = tuple(Decimal(h) for h in ("0", "0", "4", "4", "0", "0", "0"))
    week = timesheet_services.timesheet_save_week(
        acting_user=member,
        week_start=monday,
        lines=[
            TimesheetLine(project_id=ledger.pk, hours=eight, note="Reconciliation"),
            TimesheetLine(project_id=portal.pk, hours=four),
        ],
    )
    timesheet_services.timesheet_submit(acting_user=member, timesheet_id=week.pk)

    login(page, live_server.url, pm.username, PASSWORD)
    page.goto(f"{live_server.url}/resources/timesheets/approvals/")
    page.click(f"a[href='/resources/timesheets/{week.pk}/']")
    page.wait_for_selector("[data-testid=line-decisions]")
    # LEDGER is theirs to decide; PORTAL is not, and the whole week is not theirs either.
    assert page.locator("[data-testid=pick-0]").count() == 1
    assert page.locator("[data-testid=pick-1]").count() == 0
    assert page.locator("[data-testid=approve]").count() == 0
    page.check("[data-testid=pick-0]")
    screenshot(page, "timesheet-line-approval")
    page.click("[data-testid=approve-lines]")
    page.wait_for_selector(".messages >> text=1 line(s) approved")
    assert "Approved" in page.inner_text("[data-testid=decision-0]")
    assert "Waiting" in page.inner_text("[data-testid=decision-1]")
    assert Timesheet.objects.get(pk=week.pk).status == "submitted"
    assert TimesheetEntry.objects.filter(approved_by=pm).count() == 2
    assert page.console_errors == []

    # Ada opens her own week: she sees how each line stands, and decides nothing.
    page.context.clear_cookies()
    login(page, live_server.url, member.username, PASSWORD)
    page.goto(f"{live_server.url}/resources/timesheets/{week.pk}/")
    page.wait_for_selector("[data-testid=timesheet-grid]")
    assert "Approved" in page.inner_text("[data-testid=decision-0]")
    assert page.locator("[data-testid=line-decisions]").count() == 0
