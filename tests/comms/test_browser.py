"""A team member asks the project manager about a risk with an @mention; the manager is told."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from steerco.projects.models import ProjectMember
from tests.browser import SCREENSHOTS, login, screenshot
from tests.factories import PortfolioFactory, ProjectFactory, RaidItemFactory, TaskFactory
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mention_on_a_raid_item_reaches_the_manager(live_server: Any, page: Any) -> None:
    org = make_org()
    manager = org.user("project_manager")
    manager.email = "pm@acme.test"
    manager.save(update_fields=["email"])
    member = org.user("team_member")
    portfolio = PortfolioFactory.create(
        organisation=org.organisation, name="Digital", owner=manager
    )
    project = ProjectFactory.create(
        organisation=org.organisation,
        portfolio=portfolio,
        code="OPS-7",
        name="Warehouse robots",
        manager=manager,
    )
    ProjectMember.objects.create(project=project, user=member)
    risk = RaidItemFactory.create(
        project=project,
        organisation=org.organisation,
        ref="R-001",
        title="Robot vendor delivers late",
        probability=Decimal("0.6"),
        impact=4,
    )

    login(page, live_server.url, member.username, PASSWORD)
    page.goto(f"{live_server.url}/governance/raid/{risk.pk}/")
    panel = page.get_by_test_id("comments")
    expect(panel).to_contain_text("No comments yet.")
    # Typing "@" and the start of a name offers the people who can see the project.
    box = panel.locator("textarea[name=body]")
    box.press_sequentially("@acme-proj")
    suggestions = page.get_by_test_id("mention-suggestions")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions).to_contain_text(f"Project Acme @{manager.username}")
    # Not tests.browser.screenshot: hiding the caret adds a style the CSP refuses.
    page.screenshot(path=str(SCREENSHOTS / "comments-mention-suggestions.png"), caret="initial")
    box.press("Enter")
    expect(suggestions).to_have_count(0)
    box.press_sequentially("the vendor now says two weeks late: shall we raise it to the sponsor?")
    expect(box).to_have_value(
        f"@{manager.username} the vendor now says two weeks late: shall we raise it to the sponsor?"
    )
    panel.get_by_role("button", name="Comment").click()
    expect(page.locator(".comment")).to_contain_text("the vendor now says two weeks late")
    expect(panel.locator(".badge")).to_have_text("1")
    screenshot(page, "comments-raid-item")
    assert mail.outbox and mail.outbox[0].to == ["pm@acme.test"]
    assert "mentioned you on OPS-7: R-001" in mail.outbox[0].subject

    page.click("text=Log out")
    page.wait_for_selector("input[name=username]")
    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/comms/notifications/")
    expect(page.get_by_test_id("unread-count")).to_have_text("1 unread")
    mention = page.get_by_test_id("notifications").locator("li").first
    expect(mention).to_contain_text("Team Acme mentioned you on OPS-7: R-001 Robot vendor")
    expect(mention).to_contain_text("shall we raise it to the sponsor?")
    screenshot(page, "notifications-mention")
    mention.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/governance/raid/{risk.pk}/")
    expect(page.locator(".comment")).to_contain_text("two weeks late")
    assert page.console_errors == []


def test_a_task_of_the_schedule_takes_comments(live_server: Any, page: Any) -> None:
    org = make_org()
    manager = org.user("project_manager")
    project = ProjectFactory.create(
        organisation=org.organisation, code="OPS-8", name="Cold store", manager=manager
    )
    TaskFactory.create(project=project, uid=1, name="Pour the floor")
    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/schedule/")
    page.get_by_test_id("task-comments-1").click()
    drawer = page.get_by_test_id("task-comments")
    expect(drawer.get_by_test_id("comments-target")).to_have_text("OPS-8: Pour the floor")
    expect(page).to_have_url(re.compile(r"\?task=\d+$"))
    drawer.locator("textarea[name=body]").fill("Concrete supplier booked for Monday.")
    drawer.get_by_role("button", name="Comment").click()
    expect(drawer.locator(".comment")).to_contain_text("Concrete supplier booked")
    drawer.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "comments-task.png"), caret="initial")
    # The address opens the same comments again.
    page.reload()
    expect(page.get_by_test_id("task-comments").locator(".comment")).to_contain_text(
        "Concrete supplier booked"
    )
    assert page.console_errors == []
