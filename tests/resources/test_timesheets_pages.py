"""Timesheet pages through the test client: the weekly grid, errors beside their row,
approvals, my assignments and closed periods."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from steerco.resources.models import Timesheet, TimesheetEntry
from tests.factories import (
    AssignmentFactory,
    LockedPeriodFactory,
    PersonFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

MINE = "/resources/timesheets/mine/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setting(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE")
    member = org.user("team_member")
    ada = PersonFactory(role=de, name="Ada", user=member)
    alpha = ProjectFactory(
        organisation=o, code="ALPHA", name="Ledger", manager=org.user("project_manager")
    )
    ProjectMemberFactory(project=alpha, user=member)
    task = TaskFactory(project=alpha, name="Build pipeline")
    AssignmentFactory(task=task, person=ada)
    return {"ada": ada, "member": member, "alpha": alpha, "task": task}


def grid(setting, **rows):
    data = {"week": "2026-03-02", "lines": "3", "action": "save"}
    data.update(rows)
    return data


def test_the_week_page_offers_projects_tasks_and_categories(org, setting):
    html = client_for(setting["member"]).get(MINE, {"week": "2026-03-04"}).content.decode()
    assert "Week of 2 March 2026" in html
    assert f'value="p:{setting["alpha"].pk}"' in html
    assert f'value="t:{setting["task"].pk}"' in html and "ALPHA · Build pipeline" in html
    assert 'value="c:training"' in html
    assert 'name="line-2-d6"' in html  # three empty rows to fill


def test_save_then_submit_from_the_grid(org, setting):
    client = client_for(setting["member"])
    data = grid(
        setting,
        **{
            "line-0-item": f"t:{setting['task'].pk}",
            "line-0-d0": "8",
            "line-0-d1": "7,5",
            "line-0-note": "Pipeline",
            "line-1-item": "c:admin",
            "line-1-d2": "1",
        },
    )
    response = client.post(MINE, data)
    assert response.status_code == 302
    entries = TimesheetEntry.objects.order_by("date")
    assert [(e.date.day, e.hours, e.task_id) for e in entries] == [
        (2, Decimal("8.00"), setting["task"].pk),
        (3, Decimal("7.50"), setting["task"].pk),
        (4, Decimal("1.00"), None),
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'value="7.5"' in page and "16.5" in page
    data["action"] = "submit"
    client.post(MINE, data)
    assert Timesheet.objects.get().status == "submitted"
    submitted = client.get(response["Location"]).content.decode()
    assert "Save and submit" not in submitted and "Submitted" in submitted


def test_errors_show_beside_their_row_and_keep_what_was_typed(org, setting):
    response = client_for(setting["member"]).post(
        MINE,
        grid(
            setting,
            **{
                "line-0-item": "c:admin",
                "line-0-d0": "30",
                "line-1-item": "c:training",
                "line-1-d0": "2",
            },
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Between 0 and 24 hours." in html
    assert 'class="row-error" data-testid="line-0"' in html
    assert not Timesheet.objects.filter(entries__isnull=False).exists()


def test_closed_days_are_read_only_and_refused(org, setting):
    LockedPeriodFactory(organisation=org.organisation, until=datetime.date(2026, 3, 3))
    client = client_for(setting["member"])
    html = client.get(MINE, {"week": "2026-03-02"}).content.decode()
    assert html.count("readonly") == 2 * 3  # Monday and Tuesday of three empty rows
    response = client.post(
        MINE, grid(setting, **{"line-0-item": "c:admin", "line-0-d0": "2"}), follow=True
    )
    assert "The books are closed until 2026-03-03" in response.content.decode()


def test_approval_pages(org, setting):
    client = client_for(setting["member"])
    client.post(
        MINE,
        grid(
            setting,
            **{"line-0-item": f"p:{setting['alpha'].pk}", "line-0-d0": "4", "action": "submit"},
        ),
    )
    timesheet = Timesheet.objects.get()
    manager = client_for(org.user("project_manager"))
    queue = manager.get("/resources/timesheets/approvals/").content.decode()
    assert f"/resources/timesheets/{timesheet.pk}/" in queue and "Ada" in queue
    detail = manager.get(f"/resources/timesheets/{timesheet.pk}/").content.decode()
    assert "Approve the week" in detail
    response = manager.post(f"/resources/timesheets/{timesheet.pk}/approve/")
    assert response.status_code == 302
    assert Timesheet.objects.get().status == "approved"
    assert (
        client_for(org.user("executive")).get(f"/resources/timesheets/{timesheet.pk}/").status_code
        == 200
    )
    own_week = client_for(org.user("team_member")).post(
        f"/resources/timesheets/{timesheet.pk}/reject/", {"reason": "x"}
    )
    assert own_week.status_code == 403
    assert Timesheet.objects.get().status == "approved"


def test_my_assignments_page(org, setting):
    html = client_for(setting["member"]).get("/resources/my-assignments/").content.decode()
    assert "Build pipeline" in html and "ALPHA" in html
    nobody = client_for(org.user("executive")).get("/resources/my-assignments/").content.decode()
    assert "not linked to a person" in nobody


def test_closed_periods_page(org, setting):
    manager = client_for(org.user("resource_manager"))
    response = manager.post(
        "/resources/timesheets/closed-periods/", {"until": "2026-02-28", "reason": "Feb close"}
    )
    assert response.status_code == 302
    assert "Feb close" in manager.get("/resources/timesheets/closed-periods/").content.decode()
    refused = client_for(org.user("team_member")).post(
        "/resources/timesheets/closed-periods/", {"until": "2026-03-31"}
    )
    assert refused.status_code == 403


def test_outsiders_do_not_find_our_timesheets(org, other_org, setting):
    client_for(setting["member"]).post(
        MINE, grid(setting, **{"line-0-item": "c:admin", "line-0-d0": "2"})
    )
    timesheet = Timesheet.objects.get()
    outsider = client_for(other_org.user("administrator"))
    assert outsider.get(f"/resources/timesheets/{timesheet.pk}/").status_code == 404
    assert outsider.post(f"/resources/timesheets/{timesheet.pk}/approve/").status_code == 404
    assert outsider.get(MINE, {"person": setting["ada"].pk}).status_code == 404
