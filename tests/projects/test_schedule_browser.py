"""A project manager's journey on the schedule page, in a real browser."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.projects import schedule_services as services
from steerco.projects.models import Task, TaskLink
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
    # Earned value loads after the grid (it reads every task).
    page.wait_for_selector("[data-testid=earned-value] [data-testid=spi]")
    screenshot(page, "schedule")

    # Only the critical path: an edit made there answers with the same filter.
    page.check("[data-testid=grid-critical-only]")
    page.click("[data-testid=grid-filter-apply]")
    page.wait_for_selector("[data-testid=grid-filter-clear]")
    assert "critical=1" in page.url
    # Design is done (no longer critical); Build, Test and Go live are.
    uids = page.locator("[data-testid=task-row]").evaluate_all(
        "rows => rows.map(r => r.dataset.uid)"
    )
    assert uids == ["2", "4", "6"]
    page.fill("[data-testid=duration-2]", "12")
    page.press("[data-testid=duration-2]", "Tab")
    page.wait_for_selector("[data-testid=finish-6]:has-text('Mon 26 Jan 2026')")
    assert page.locator("[data-testid=task-row]").count() == 3
    assert page.is_checked("[data-testid=grid-critical-only]")
    page.fill("[data-testid=grid-search]", "Write")
    page.uncheck("[data-testid=grid-critical-only]")
    page.click("[data-testid=grid-filter-apply]")
    page.wait_for_selector("[data-testid=grid-range]:has-text('1 matching')")
    assert page.get_attribute("[data-testid=task-row]", "data-uid") == "3"
    page.click("[data-testid=grid-filter-clear]")
    page.wait_for_selector("[data-testid=grid-range]:has-text('Rows 1–6 of 6 tasks')")

    # Leveling: Wendy cannot write the docs and train at once; the preview says so.
    page.click("[data-testid=tab-leveling]")
    page.click("[data-testid=level-preview]")
    move = page.wait_for_selector("[data-testid=leveling-move]")
    text = move.inner_text()
    assert "Train" in text and "Wendy Writer" in text and "3 Write docs" in text
    assert Task.objects.get(pk=tasks["train"].pk).constraint_type == "ASAP"
    assert page.console_errors == []


def test_a_large_schedule_pages_and_edits_stay_on_their_page(live_server, page):
    org = make_org()
    manager = org.user("project_manager")
    portfolio = PortfolioFactory(organisation=org.organisation, owner=org.user("portfolio_manager"))
    project = ProjectFactory(
        portfolio=portfolio,
        manager=manager,
        code="BIG-1",
        name="Plant rebuild",
        start_date=datetime.date(2026, 1, 5),
    )
    Task.objects.bulk_create(
        Task(project=project, uid=uid, name=f"Step {uid}", sort_order=uid, duration_minutes=480)
        for uid in range(1, 251)
    )
    tasks = list(Task.objects.filter(project=project).order_by("uid"))
    # Chains of ten tasks, each chain after the one two before it.
    TaskLink.objects.bulk_create(
        TaskLink(
            project=project,
            predecessor=tasks[index - 1 if index % 10 else index - 20],
            successor=tasks[index],
        )
        for index in range(1, 250)
        if index % 10 or index >= 20
    )
    services.project_reschedule(acting_user=manager, project_id=project.pk)

    login(page, live_server.url, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/schedule/")
    assert page.locator("[data-testid=task-row]").count() == 200
    page.locator("[data-testid=grid-pages]").first.get_by_test_id("page-2").click()
    page.wait_for_selector("[data-testid=grid-range]:has-text('Rows 201–250 of 250')")
    assert page.url.endswith("?page=2")
    assert page.get_attribute("[data-testid=task-row]", "data-uid") == "201"

    page.fill("[data-testid=duration-230]", "3")
    page.press("[data-testid=duration-230]", "Tab")
    page.wait_for_selector("[data-testid=schedule-done]")
    assert page.get_attribute("[data-testid=task-row]", "data-uid") == "201"
    assert page.inner_text("[data-testid=grid-range]").startswith("Rows 201–250")
    assert Task.objects.get(project=project, uid=230).duration_minutes == 3 * 480
    page.locator("[data-testid=grid-filter]").scroll_into_view_if_needed()
    screenshot(page, "schedule-pages")
    assert page.console_errors == []
