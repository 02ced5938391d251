"""Approving timesheets line by line through the API.

A week has a task line on ALPHA (16 h) and an administration line (1 h).
ALPHA's manager decides the ALPHA line only; the person's line manager or a
resource manager decides any line; nobody decides lines of their own week.
Only approved lines count as actual work and cost.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.projects.models import Task
from steerco.resources.models import Timesheet, TimesheetEntry
from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
WEEK = "2026-03-02"


@pytest.fixture
def submitted(org, api_client):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", default_cost_rate=Decimal("80"))
    member = org.user("team_member")
    ada = PersonFactory(role=de, name="Ada", user=member)
    pm = org.user("project_manager")
    alpha = ProjectFactory(organisation=o, code="ALPHA", manager=pm)
    task = TaskFactory(project=alpha, name="Build", work_minutes=20 * 60)
    AssignmentFactory(task=task, person=ada, work_minutes=20 * 60)
    BookingFactory(project=alpha, person=ada, month=datetime.date(2026, 3, 1), hours=Decimal("40"))
    client = api_client(member)
    body = {
        "week": WEEK,
        "lines": [
            {
                "project_id": alpha.pk,
                "task_id": task.pk,
                "hours": ["8", "8", "0", "0", "0", "0", "0"],
            },
            {"category": "admin", "hours": ["0", "0", "1", "0", "0", "0", "0"]},
        ],
    }
    week = client.put("/api/v1/timesheets/week", body, content_type=JSON).json()
    client.post(f"/api/v1/timesheets/{week['timesheet_id']}/submit")
    lines = {line["item"]["value"]: line for line in week["lines"]}
    return {
        "id": week["timesheet_id"],
        "task_line": lines[f"t:{task.pk}"]["entry_ids"],
        "admin_line": lines["c:admin"]["entry_ids"],
        "alpha": alpha,
        "task": task,
        "ada": ada,
        "member": member,
        "pm": pm,
        "body": body,
    }


def approve(client, week, entry_ids):
    return client.post(
        f"/api/v1/timesheets/{week['id']}/lines/approve",
        {"entry_ids": entry_ids},
        content_type=JSON,
    )


def reject(client, week, entry_ids, reason="Wrong project"):
    return client.post(
        f"/api/v1/timesheets/{week['id']}/lines/reject",
        {"entry_ids": entry_ids, "reason": reason},
        content_type=JSON,
    )


def test_a_project_manager_approves_the_lines_of_their_project_only(org, submitted, api_client):
    pm = api_client(submitted["pm"])
    before = pm.get(f"/api/v1/timesheets/{submitted['id']}").json()
    decidable = {line["item"]["value"]: line["may_decide"] for line in before["lines"]}
    assert decidable == {f"t:{submitted['task'].pk}": True, "c:admin": False}

    response = approve(pm, submitted, submitted["task_line"])

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    decisions = {line["item"]["value"]: line["decision"] for line in body["lines"]}
    assert decisions == {f"t:{submitted['task'].pk}": "approved", "c:admin": "pending"}
    [task_line] = [line for line in body["lines"] if line["item"]["task_id"]]
    assert task_line["approved_by"] == str(submitted["pm"])
    entry = TimesheetEntry.objects.get(pk=submitted["task_line"][0])
    assert entry.approved_by == submitted["pm"] and entry.approved_at is not None
    # The approved line counts at once: actual work of the task and the project's actuals.
    assert Task.objects.get(pk=submitted["task"].pk).actual_work_minutes == 16 * 60
    actuals = pm.get(f"/api/v1/projects/{submitted['alpha'].pk}/actuals").json()
    assert (actuals["hours"], actuals["cost"]) == ("16.00", "1280.00")

    # Non-project time is the line manager's (or a resource manager's) to decide.
    assert approve(pm, submitted, submitted["admin_line"]).status_code == 403
    manager = api_client(org.user("resource_manager"))
    done = approve(manager, submitted, submitted["admin_line"])
    assert done.json()["status"] == "approved"
    week = Timesheet.objects.get(pk=submitted["id"])
    assert (week.status, week.decided_by) == ("approved", org.user("resource_manager"))


def test_unapproved_lines_do_not_count(org, submitted, api_client):
    manager = api_client(org.user("resource_manager"))
    approve(manager, submitted, submitted["admin_line"])

    actuals = manager.get(f"/api/v1/projects/{submitted['alpha'].pk}/actuals").json()

    assert (actuals["hours"], actuals["cost"]) == ("0", "0")
    assert Task.objects.get(pk=submitted["task"].pk).actual_work_minutes == 0
    summary = api_client(org.user("pmo_analyst")).get(
        f"/api/v1/finance/projects/{submitted['alpha'].pk}/summary", {"as_of": "2026-03-31"}
    )
    assert Decimal(summary.json()["actual"]) == 0


def test_the_approved_line_counts_in_the_projects_financials(org, submitted, api_client):
    approve(api_client(submitted["pm"]), submitted, submitted["task_line"])

    summary = api_client(org.user("pmo_analyst")).get(
        f"/api/v1/finance/projects/{submitted['alpha'].pk}/summary", {"as_of": "2026-03-31"}
    )

    assert summary.status_code == 200
    assert Decimal(summary.json()["actual"]) == Decimal("1280")


def test_a_line_sent_back_sends_the_week_back_once_every_line_is_decided(
    org, submitted, api_client
):
    manager = api_client(org.user("resource_manager"))
    rejected = reject(manager, submitted, submitted["admin_line"], "Book it on ALPHA")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "submitted"
    [admin] = [line for line in rejected.json()["lines"] if line["item"]["category"]]
    assert (admin["decision"], admin["rejection_reason"]) == ("rejected", "Book it on ALPHA")

    done = approve(manager, submitted, submitted["task_line"])
    assert (done.json()["status"], done.json()["reject_reason"]) == (
        "rejected",
        "Book it on ALPHA",
    )

    # The person corrects the week: approved hours stay as they are.
    member = api_client(submitted["member"])
    changed = {**submitted["body"]}
    changed["lines"] = [
        {**submitted["body"]["lines"][0], "hours": ["8", "7", "0", "0", "0", "0", "0"]}
    ]
    assert member.put("/api/v1/timesheets/week", changed, content_type=JSON).status_code == 409
    fixed = {**submitted["body"], "lines": [submitted["body"]["lines"][0]]}
    saved = member.put("/api/v1/timesheets/week", fixed, content_type=JSON)
    assert saved.status_code == 200
    assert [line["decision"] for line in saved.json()["lines"]] == ["approved"]
    assert set(submitted["task_line"]) == set(saved.json()["lines"][0]["entry_ids"])
    assert member.post(f"/api/v1/timesheets/{submitted['id']}/submit").status_code == 200
    # Every line is approved already; the whole-week approval finishes it.
    finished = manager.post(f"/api/v1/timesheets/{submitted['id']}/approve")
    assert finished.json()["status"] == "approved"
    assert Task.objects.get(pk=submitted["task"].pk).actual_work_minutes == 16 * 60


def test_nobody_decides_lines_of_their_own_week(org, submitted, api_client):
    member = api_client(submitted["member"])
    assert approve(member, submitted, submitted["task_line"]).status_code == 403
    assert reject(member, submitted, submitted["admin_line"]).status_code == 403
    assert not TimesheetEntry.objects.filter(approved_at__isnull=False).exists()


def test_a_resource_manager_may_not_decide_their_own_lines(org, api_client):
    o = org.organisation
    manager = org.user("resource_manager")
    me = PersonFactory(role=RoleFactory(organisation=o, code="RM"), user=manager)
    client = api_client(manager)
    week = client.put(
        "/api/v1/timesheets/week",
        {"week": WEEK, "lines": [{"category": "admin", "hours": ["8"] + ["0"] * 6}]},
        content_type=JSON,
    ).json()
    client.post(f"/api/v1/timesheets/{week['timesheet_id']}/submit")
    response = client.post(
        f"/api/v1/timesheets/{week['timesheet_id']}/lines/approve",
        {"entry_ids": week["lines"][0]["entry_ids"]},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert me.timesheets.get().status == "submitted"


def test_outsiders_and_unrelated_colleagues_do_not_find_the_week(
    org, other_org, submitted, api_client
):
    outsider = api_client(other_org.user("resource_manager"))
    assert approve(outsider, submitted, submitted["task_line"]).status_code == 404
    colleague = org.user("team_member")
    colleague.pk = None
    colleague.username = "colleague"
    colleague.save()
    assert approve(api_client(colleague), submitted, submitted["task_line"]).status_code == 404


def test_a_line_approved_cannot_be_sent_back_and_a_reason_is_needed(org, submitted, api_client):
    manager = api_client(org.user("resource_manager"))
    approve(manager, submitted, submitted["task_line"])
    assert reject(manager, submitted, submitted["task_line"]).status_code == 409
    assert reject(manager, submitted, submitted["admin_line"], reason=" ").status_code == 422
    assert approve(manager, submitted, [999999]).status_code == 422
    assert approve(manager, submitted, []).status_code == 422


def test_lines_of_a_week_not_submitted_cannot_be_decided(org, submitted, api_client):
    manager = api_client(org.user("resource_manager"))
    manager.post(f"/api/v1/timesheets/{submitted['id']}/approve")
    assert approve(manager, submitted, submitted["admin_line"]).status_code == 409
    # The whole-week approval approved every line with it.
    assert not TimesheetEntry.objects.filter(approved_at__isnull=True).exists()


def test_a_week_leaves_a_project_managers_queue_once_their_lines_are_decided(
    org, submitted, api_client
):
    pm = api_client(submitted["pm"])
    assert [row["timesheet_id"] for row in pm.get("/api/v1/timesheets/approvals").json()] == [
        submitted["id"]
    ]
    approve(pm, submitted, submitted["task_line"])
    assert pm.get("/api/v1/timesheets/approvals").json() == []
    # The rest waits for the resource managers.
    manager = api_client(org.user("resource_manager"))
    waiting = manager.get("/api/v1/timesheets/approvals").json()
    assert [row["timesheet_id"] for row in waiting] == [submitted["id"]]


def test_the_week_page_with_line_decisions_takes_a_fixed_number_of_queries(
    org, submitted, django_assert_max_num_queries
):
    from django.test import Client

    client = Client()
    client.force_login(submitted["pm"])
    with django_assert_max_num_queries(13):
        page = client.get(f"/resources/timesheets/{submitted['id']}/")
    assert page.status_code == 200
    assert 'data-testid="pick-0"' in page.content.decode()
    posted = client.post(
        f"/resources/timesheets/{submitted['id']}/lines/",
        {"action": "approve", "line": f"t:{submitted['task'].pk}"},
    )
    assert posted.status_code == 302
    assert TimesheetEntry.objects.filter(approved_by=submitted["pm"]).count() == 2


def _submit_weeks(org, submitted, api_client, count):
    """``count`` more people, each with a submitted week on ALPHA."""
    role = submitted["ada"].role
    for number in range(count):
        user = UserFactory(organisation=org.organisation, role="team_member")
        person = PersonFactory(role=role, name=f"Extra {number}", user=user)
        BookingFactory(
            project=submitted["alpha"],
            person=person,
            month=datetime.date(2026, 3, 1),
            hours=Decimal("8"),
        )
        client = api_client(user)
        body = {
            "week": WEEK,
            "lines": [
                {"project_id": submitted["alpha"].pk, "hours": ["4", "0", "0", "0", "0", "0", "0"]}
            ],
        }
        week = client.put("/api/v1/timesheets/week", body, content_type=JSON).json()
        assert client.post(f"/api/v1/timesheets/{week['timesheet_id']}/submit").status_code == 200


@pytest.mark.parametrize("role", ["resource_manager", "project_manager", "pmo_analyst"])
def test_the_approvals_page_takes_the_same_queries_for_one_week_or_many(
    org, submitted, api_client, role
):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = submitted["pm"] if role == "project_manager" else org.user(role)
    client = Client()
    client.force_login(user)
    client.get("/resources/timesheets/approvals/")  # session and caches warm
    with CaptureQueriesContext(connection) as one_week:
        page = client.get("/resources/timesheets/approvals/")
    assert page.status_code == 200
    _submit_weeks(org, submitted, api_client, 4)
    with CaptureQueriesContext(connection) as five_weeks:
        page = client.get("/resources/timesheets/approvals/")
    assert page.content.decode().count("Extra ") >= 4
    assert len(five_weeks.captured_queries) == len(one_week.captured_queries)


def test_a_week_sent_back_and_submitted_again_unchanged_waits_for_new_decisions(
    org, submitted, api_client
):
    from steerco.resources import timesheet_selectors

    pm = api_client(submitted["pm"])
    reject(pm, submitted, submitted["task_line"])
    manager = api_client(org.user("resource_manager"))
    assert approve(manager, submitted, submitted["admin_line"]).json()["status"] == "rejected"

    member = api_client(submitted["member"])
    assert member.post(f"/api/v1/timesheets/{submitted['id']}/submit").status_code == 200

    week = pm.get(f"/api/v1/timesheets/{submitted['id']}").json()
    decisions = {line["item"]["value"]: line["decision"] for line in week["lines"]}
    assert decisions[f"t:{submitted['task'].pk}"] != "rejected"
    assert decisions["c:admin"] == "approved"
    waiting = timesheet_selectors.timesheets_to_approve(user=submitted["pm"])
    assert submitted["id"] in [row.timesheet_id for row in waiting]
