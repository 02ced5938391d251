"""The timesheet API: my week, save, submit, approve, reject, approvals, my assignments,
closed periods and project actuals; permissions, and outsiders get 404 on every endpoint."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
WEEK = "2026-03-02"


@pytest.fixture
def setting(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", default_cost_rate=Decimal("80"))
    member = org.user("team_member")
    ada = PersonFactory(role=de, name="Ada", user=member)
    pm = org.user("project_manager")
    alpha = ProjectFactory(organisation=o, code="ALPHA", manager=pm)
    task = TaskFactory(project=alpha, name="Build", work_minutes=20 * 60)
    AssignmentFactory(task=task, person=ada, work_minutes=20 * 60)
    BookingFactory(project=alpha, person=ada, month=datetime.date(2026, 3, 1), hours=Decimal("40"))
    return {"ada": ada, "member": member, "pm": pm, "alpha": alpha, "task": task}


def week_body(setting, hours=("8", "8", "0", "0", "0", "0", "0")):
    return {
        "week": WEEK,
        "lines": [
            {
                "project_id": setting["alpha"].pk,
                "task_id": setting["task"].pk,
                "hours": list(hours),
            },
            {"category": "admin", "hours": ["0", "0", "1", "0", "0", "0", "0"], "note": "Expenses"},
        ],
    }


def test_a_week_through_the_api(org, setting, api_client):
    member = api_client(setting["member"])
    empty = member.get("/api/v1/timesheets/week", {"week": "2026-03-04"}).json()
    assert (empty["timesheet_id"], empty["week_start"], empty["status"]) == (None, WEEK, "draft")
    assert {item["value"] for item in empty["work_items"]} >= {
        f"p:{setting['alpha'].pk}",
        f"t:{setting['task'].pk}",
        "c:admin",
    }
    saved = member.put("/api/v1/timesheets/week", week_body(setting), content_type=JSON)
    assert saved.status_code == 200
    body = saved.json()
    assert (body["total"], body["day_totals"][2]) == ("17.00", "1.00")
    timesheet_id = body["timesheet_id"]
    assert member.post(f"/api/v1/timesheets/{timesheet_id}/submit").json()["status"] == "submitted"
    assert member.post(f"/api/v1/timesheets/{timesheet_id}/approve").status_code == 403

    pm = api_client(setting["pm"])
    assert [row["timesheet_id"] for row in pm.get("/api/v1/timesheets/approvals").json()] == [
        timesheet_id
    ]
    approved = pm.post(f"/api/v1/timesheets/{timesheet_id}/approve")
    assert approved.json()["status"] == "approved"
    actuals = pm.get(f"/api/v1/projects/{setting['alpha'].pk}/actuals").json()
    assert (actuals["hours"], actuals["cost"]) == ("16.00", "1280.00")
    [task] = actuals["tasks"]
    assert (task["actual_hours"], task["suggested_percent_complete"]) == (16.0, "80.0")
    assert pm.post(f"/api/v1/projects/{setting['alpha'].pk}/actuals/rollup").json() == {"tasks": 1}
    mine = member.get("/api/v1/me/assignments").json()
    assert mine["assignments"][0]["actual_hours"] == 16.0


def test_validation_rejection_and_listing(org, setting, api_client):
    member = api_client(setting["member"])
    bad = member.put(
        "/api/v1/timesheets/week",
        week_body(setting, hours=("30", "x", "0", "0", "0", "0")),
        content_type=JSON,
    )
    assert bad.status_code == 422
    saved = member.put("/api/v1/timesheets/week", week_body(setting), content_type=JSON).json()
    member.post(f"/api/v1/timesheets/{saved['timesheet_id']}/submit")
    manager = api_client(org.user("resource_manager"))
    rejected = manager.post(
        f"/api/v1/timesheets/{saved['timesheet_id']}/reject",
        {"reason": "Wrong task"},
        content_type=JSON,
    )
    assert (rejected.json()["status"], rejected.json()["reject_reason"]) == (
        "rejected",
        "Wrong task",
    )
    resaved = member.put(
        f"/api/v1/timesheets/{saved['timesheet_id']}",
        {"lines": week_body(setting)["lines"][:1]},
        content_type=JSON,
    )
    assert resaved.json()["status"] == "draft" and resaved.json()["total"] == "16.00"
    assert [row["status"] for row in manager.get("/api/v1/timesheets").json()] == ["draft"]
    assert (
        api_client(org.user("team_member"))
        .get(f"/api/v1/timesheets/{saved['timesheet_id']}")
        .json()["person_name"]
        == "Ada"
    )


def test_closed_periods(org, setting, api_client):
    manager = api_client(org.user("resource_manager"))
    closed = manager.post(
        "/api/v1/locked-periods", {"until": "2026-02-28", "reason": "Close"}, content_type=JSON
    )
    assert closed.status_code == 201
    assert [row["until"] for row in manager.get("/api/v1/locked-periods").json()] == ["2026-02-28"]
    member = api_client(setting["member"])
    refused = member.put(
        "/api/v1/timesheets/week", {**week_body(setting), "week": "2026-02-23"}, content_type=JSON
    )
    assert refused.status_code == 409
    assert (
        member.post(
            "/api/v1/locked-periods", {"until": "2026-03-31"}, content_type=JSON
        ).status_code
        == 403
    )


def test_another_persons_week(org, setting, api_client):
    other = api_client(org.user("executive"))
    assert other.get("/api/v1/timesheets/week", {"person_id": setting["ada"].pk}).status_code == 403
    assert other.get("/api/v1/timesheets/week").status_code == 404  # no person record
    on_behalf = api_client(org.user("resource_manager")).put(
        "/api/v1/timesheets/week",
        {**week_body(setting), "person_id": setting["ada"].pk},
        content_type=JSON,
    )
    assert on_behalf.status_code == 200 and on_behalf.json()["person_name"] == "Ada"


def test_outsiders_get_not_found_on_every_timesheet_endpoint(org, other_org, setting, api_client):
    saved = api_client(setting["member"]).put(
        "/api/v1/timesheets/week", week_body(setting), content_type=JSON
    )
    timesheet_id = saved.json()["timesheet_id"]
    client = api_client(other_org.user("administrator"))
    url = f"/api/v1/timesheets/{timesheet_id}"
    checks = [
        client.get(url),
        client.put(url, {"lines": []}, content_type=JSON),
        client.post(f"{url}/submit"),
        client.post(f"{url}/approve"),
        client.post(f"{url}/reject", {"reason": "x"}, content_type=JSON),
        client.get("/api/v1/timesheets/week", {"person_id": setting["ada"].pk}),
        client.put(
            "/api/v1/timesheets/week",
            {**week_body(setting), "person_id": setting["ada"].pk},
            content_type=JSON,
        ),
        client.get(f"/api/v1/projects/{setting['alpha'].pk}/actuals"),
        client.post(f"/api/v1/projects/{setting['alpha'].pk}/actuals/rollup"),
    ]
    assert [response.status_code for response in checks] == [404] * len(checks)
    assert client.get("/api/v1/timesheets").json() == []
    assert client.get("/api/v1/timesheets/approvals").json() == []
    assert client.get("/api/v1/locked-periods").json() == []
    assert client.get("/api/v1/me/assignments").json()["assignments"] == []
