"""A project manager's journey on the schedule page, in a real browser."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.projects import schedule_services as services
from steerco.projects.models import Task
from steerco.resources.models import Assignment
from tests.browser import login, screenshot
from tests.factories import PersonFactory, PortfolioFactory, ProjectFactory
from tests.fixtures_people import PASSWORD, make_org
from tests.projects.schedule_fixtures import build_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_project_manager_edits_the_grid_baselines_and_previews_leveling(live_server, page):
    org = make_org()
    manager = org.user("project_manager")
    portfolio = PortfolioFactory(organisation=org.organisation, owner=org.user("portfolio_manager"))
    project = ProjectFactory(
        portfolio=portfolio, manager=manager, code="WEB-7", name="Customer portal"
    )
    tasks = build_schedule(project)
    for key, cost in (("design", 2000), ("build", 8000), ("docs", 1500), ("test", 1000)):
        Task.objects.filter(pk=tasks[key].pk).update(cost=Decimal(cost))
    Task.objects.filter(pk=tasks["design"].pk).update(actual_cost=Decimal(2300))
    project.schedule_status_date = datetime.datetime(2026, 1, 7, 17, tzinfo=datetime.UTC)
    project.save()
    writer = PersonFactory(organisation=org.organisation, name="Wendy Writer")
    for key in ("docs", "train"):
        Assignment.objects.create(task=tasks[key], person=writer, units=Decimal(100))
    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": tasks["design"].pk, "percent_complete": Decimal(100)}],
    )

    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/schedule/")
    # Design is done; what is left starts after the status date (Wednesday 7 January).
    assert page.inner_text("[data-testid=finish-6]") == "Tue 20 Jan 2026"

    # Build takes ten days instead of eight: the go-live moves and stays on the critical path.
    page.fill("[data-testid=duration-2]", "10")
    page.press("[data-testid=duration-2]", "Tab")
    page.wait_for_selector("[data-testid=schedule-done]")
    assert page.inner_text("[data-testid=finish-6]") == "Thu 22 Jan 2026"
    assert page.inner_text("[data-testid=schedule-finish]") == "22 Jan 2026"
    assert page.get_attribute("tr[data-uid='2']", "data-critical") == "1"
    assert "critical" in (page.get_attribute("tr[data-uid='2']", "class") or "")
    assert page.get_attribute("tr[data-uid='3']", "data-critical") == "0"
    assert page.get_attribute("[data-role=bar][data-uid='2']", "data-critical") == "1"
    assert page.get_attribute("[data-role=milestone][data-uid='6']", "data-critical") == "1"

    # Baseline: freeze the plan, then slip Build by one more day to see the variance.
    page.click("[data-testid=tab-baselines]")
    page.fill("[data-testid=baseline-form] input[name=name]", "Approved plan")
    page.click("[data-testid=capture-baseline]")
    page.wait_for_selector("text=Baseline 0 captured")
    assert "Approved plan" in page.inner_text("[data-testid=baselines]")
    page.click("[data-testid=tab-schedule]")
    page.fill("[data-testid=duration-2]", "11")
    page.press("[data-testid=duration-2]", "Tab")
    page.wait_for_selector("[data-testid=finish-6]:has-text('Fri 23 Jan 2026')")
    assert page.locator("[data-role=baseline]").count() == 6
    screenshot(page, "schedule")

    # Leveling: Wendy cannot write the docs and train at once; the preview says so.
    page.click("[data-testid=tab-leveling]")
    page.click("[data-testid=level-preview]")
    move = page.wait_for_selector("[data-testid=leveling-move]")
    text = move.inner_text()
    assert "Train" in text and "Wendy Writer" in text and "3 Write docs" in text
    assert Task.objects.get(pk=tasks["train"].pk).constraint_type == "ASAP"
    assert page.console_errors == []
