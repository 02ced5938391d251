"""The projects API through the HTTP client: status codes, problem details, pagination, filters."""

from __future__ import annotations

import itertools
import json

import pytest

from steerco.core.models import AuditEntry
from steerco.projects.api import router
from steerco.projects.models import BusinessCase, Project, ProjectMember, Task
from tests.factories import (
    BusinessCaseFactory,
    CashFlowLineFactory,
    CategoryFactory,
    MilestoneFactory,
    PortfolioFactory,
    TaskFactory,
    TaskLinkFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


def send(client, method, path, body=None):
    if method == "get":
        return client.get(f"{API}{path}")
    return getattr(client, method)(
        f"{API}{path}", json.dumps(body or {}), content_type="application/json"
    )


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and "detail" in body and body["instance"].startswith(API)
    return body


def test_create_read_update_delete_a_project(org, portfolio, api_client):
    client = api_client(org.user("project_manager"))
    created = send(
        client,
        "post",
        "/projects",
        {"code": "OPS-1", "name": "Warehouse robots", "portfolio_id": portfolio.pk},
    )
    assert created.status_code == 201, created.content
    project = created.json()
    assert project["manager_id"] == org.user("project_manager").pk
    assert project["portfolio_name"] == "Digital"
    assert project["stage"] == "idea"

    detail = client.get(f"{API}/projects/{project['id']}").json()
    assert detail["can_edit"] is True
    assert detail["task_count"] == 0 and detail["business_cases"] == []

    patched = send(client, "patch", f"/projects/{project['id']}", {"health": "red"})
    assert patched.status_code == 200
    assert (patched.json()["health"], patched.json()["name"]) == ("red", "Warehouse robots")

    conflict = send(client, "patch", f"/projects/{project['id']}", {"stage": "approved"})
    assert "gate" in assert_problem(conflict, 409)["detail"]

    assert client.delete(f"{API}/projects/{project['id']}").status_code == 204
    assert not Project.objects.filter(pk=project["id"]).exists()
    audited = AuditEntry.objects.filter(
        entity_type="projects.project", entity_id=str(project["id"])
    )
    assert [entry.action for entry in audited] == ["delete", "update", "create"]


def test_validation_errors_are_problem_details_per_field(org, other_portfolio, api_client):
    client = api_client(org.user("pmo_analyst"))
    response = send(
        client,
        "post",
        "/projects",
        {"code": "bad code!", "name": "", "portfolio_id": other_portfolio.pk, "priority": 0},
    )
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"code", "name", "portfolio_id", "priority"}
    assert body["errors"]["portfolio_id"] == ["Not found."]
    missing = send(client, "post", "/projects", {"name": "no code"})
    assert set(assert_problem(missing, 422)["errors"]) == {"code", "portfolio_id"}
    assert Project.objects.count() == 0


def test_list_is_paginated_filtered_searched_and_sorted(org, portfolio, make_project, api_client):
    other_portfolio = PortfolioFactory(organisation=org.organisation)
    category = CategoryFactory(organisation=org.organisation)
    make_project(code="ERP-1", name="Ledger", health="red", priority=2)
    make_project(code="ERP-2", name="Payroll", health="amber", priority=1, category=category)
    make_project(code="WEB-1", name="Shop ledger", stage="idea", portfolio=other_portfolio)
    make_project(code="WEB-2", name="Blog", priority=5)
    client = api_client(org.user("executive"))

    def codes(query=""):
        response = client.get(f"{API}/projects?{query}")
        assert response.status_code == 200, response.content
        return [item["code"] for item in response.json()["items"]]

    page = client.get(f"{API}/projects?page_size=3&page=2").json()
    assert page["count"] == 4 and [i["code"] for i in page["items"]] == ["WEB-2"]
    assert codes("search=ledger") == ["ERP-1", "WEB-1"]
    assert codes("search=erp") == ["ERP-1", "ERP-2"]
    assert codes("stage=idea") == ["WEB-1"]
    assert codes("health=red") == ["ERP-1"]
    assert codes(f"portfolio={other_portfolio.pk}") == ["WEB-1"]
    assert codes(f"category={category.pk}") == ["ERP-2"]
    assert codes(f"manager={org.user('project_manager').pk}&sort=-code") == [
        "WEB-2",
        "WEB-1",
        "ERP-2",
        "ERP-1",
    ]
    assert codes("sort=priority")[:2] == ["ERP-2", "ERP-1"]
    assert codes("sort=health")[:2] == ["ERP-1", "ERP-2"]  # red first
    assert codes("sort=-name")[0] == "WEB-1"
    assert "sort" in assert_problem(client.get(f"{API}/projects?sort=colour"), 422)["errors"]


def test_business_case_lifecycle_and_line_errors(org, project, api_client):
    manager = api_client(org.user("project_manager"))
    lines = [
        {"month_index": 0, "kind": "cost", "category": "capex", "amount": "120000.00"},
        {"month_index": 3, "kind": "benefit", "category": "revenue", "amount": 15000},
    ]
    bad = send(
        manager,
        "post",
        f"/projects/{project.pk}/business-cases",
        {"summary": "s", "lines": [lines[0], {**lines[1], "amount": "-5"}]},
    )
    assert list(assert_problem(bad, 422)["errors"]) == ["lines[1].amount"]
    assert BusinessCase.objects.count() == 0

    created = send(
        manager,
        "post",
        f"/projects/{project.pk}/business-cases",
        {"summary": "Automate", "start_month": "2026-01-01", "lines": lines},
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert [line["amount"] for line in case["lines"]] == ["120000.00", "15000.00"]

    patched = send(manager, "patch", f"/business-cases/{case['id']}", {"lines": lines[:1]})
    assert len(patched.json()["lines"]) == 1 and patched.json()["summary"] == "Automate"
    assert send(manager, "post", f"/business-cases/{case['id']}/submit").status_code == 200
    assert_problem(send(manager, "post", f"/business-cases/{case['id']}/approve"), 403)
    pmo = api_client(org.user("pmo_analyst"))
    approved = send(pmo, "post", f"/business-cases/{case['id']}/approve")
    assert approved.json()["status"] == "approved"
    assert_problem(send(manager, "patch", f"/business-cases/{case['id']}", {"summary": "x"}), 409)
    listed = manager.get(f"{API}/projects/{project.pk}/business-cases").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "approved"


def test_tasks_and_links_with_cycle_detection(org, project, api_client):
    client = api_client(org.user("project_manager"))
    ids = []
    for name in ("Design", "Build", "Test"):
        response = send(client, "post", f"/projects/{project.pk}/tasks", {"name": name})
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert send(client, "post", f"/projects/{project.pk}/tasks", {}).status_code == 422
    for before, after in itertools.pairwise(ids):
        body = {"predecessor_id": before, "successor_id": after}
        assert send(client, "post", f"/projects/{project.pk}/links", body).status_code == 201
    cycle = send(
        client,
        "post",
        f"/projects/{project.pk}/links",
        {"predecessor_id": ids[2], "successor_id": ids[0]},
    )
    message = assert_problem(cycle, 422)["errors"]["successor_id"][0]
    assert "Test → Design → Build → Test" in message
    links = client.get(f"{API}/projects/{project.pk}/links").json()
    assert links["count"] == 2
    link_id = links["items"][0]["id"]
    updated = send(client, "patch", f"/links/{link_id}", {"type": "SS", "lag_minutes": 240})
    assert (updated.json()["type"], updated.json()["lag_minutes"]) == ("SS", 240)
    renamed = send(
        client, "patch", f"/tasks/{ids[1]}", {"name": "Build it", "duration_minutes": 960}
    )
    assert renamed.json()["name"] == "Build it"
    assert [
        t["name"] for t in client.get(f"{API}/projects/{project.pk}/tasks").json()["items"]
    ] == [
        "Design",
        "Build it",
        "Test",
    ]
    assert client.delete(f"{API}/links/{link_id}").status_code == 204
    assert client.delete(f"{API}/tasks/{ids[2]}").status_code == 204
    assert Task.objects.filter(project=project).count() == 2


def test_team_member_reads_their_project_but_gets_403_on_writes(
    org, project, make_project, api_client
):
    ProjectMember.objects.create(project=project, user=org.user("team_member"))
    make_project(code="NOT-MINE")
    task = TaskFactory(project=project)
    client = api_client(org.user("team_member"))
    assert [p["code"] for p in client.get(f"{API}/projects").json()["items"]] == [project.code]
    assert client.get(f"{API}/projects/{project.pk}").json()["can_edit"] is False
    assert client.get(f"{API}/tasks/{task.pk}").status_code == 200
    assert_problem(send(client, "patch", f"/projects/{project.pk}", {"name": "x"}), 403)
    assert_problem(send(client, "post", f"/projects/{project.pk}/tasks", {"name": "x"}), 403)
    assert_problem(send(client, "post", "/projects", {"code": "x", "name": "x"}), 422)


def test_members_and_stage_changes(org, project, api_client):
    manager = api_client(org.user("project_manager"))
    member = {"user_id": org.user("team_member").pk, "role": "viewer"}
    added = send(manager, "post", f"/projects/{project.pk}/members", member)
    assert added.status_code == 201 and added.json()["role"] == "viewer"
    assert_problem(send(manager, "post", f"/projects/{project.pk}/members", member), 422)
    listed = manager.get(f"{API}/projects/{project.pk}/members").json()
    assert [m["user_id"] for m in listed["items"]] == [member["user_id"]]
    removed = manager.delete(f"{API}/projects/{project.pk}/members/{member['user_id']}")
    assert removed.status_code == 204

    proposed = send(manager, "post", f"/projects/{project.pk}/stage", {"stage": "proposal"})
    assert proposed.json()["stage"] == "proposal"
    assert_problem(
        send(manager, "post", f"/projects/{project.pk}/stage", {"stage": "approved"}), 403
    )
    pmo = api_client(org.user("pmo_analyst"))
    no_reason = send(pmo, "post", f"/projects/{project.pk}/stage", {"stage": "approved"})
    assert list(assert_problem(no_reason, 422)["errors"]) == ["reason"]
    approved = send(
        pmo,
        "post",
        f"/projects/{project.pk}/stage",
        {"stage": "approved", "reason": "Steering committee of 2 March"},
    )
    assert approved.json()["stage"] == "approved"


def test_outsider_gets_404_on_every_endpoint(org, other_org, project, api_client):
    case = BusinessCaseFactory(project=project)
    CashFlowLineFactory(business_case=case)
    MilestoneFactory(project=project)
    link = TaskLinkFactory(project=project)
    task = link.predecessor
    ProjectMember.objects.create(project=project, user=org.user("team_member"))
    p, b, t, lk = project.pk, case.pk, task.pk, link.pk
    requests = [
        ("get", f"/projects/{p}"),
        ("get", f"/projects/{p}/members"),
        ("get", f"/projects/{p}/business-cases"),
        ("get", f"/projects/{p}/tasks"),
        ("get", f"/projects/{p}/links"),
        ("get", f"/business-cases/{b}"),
        ("get", f"/tasks/{t}"),
        ("get", f"/links/{lk}"),
        ("patch", f"/projects/{p}"),
        ("delete", f"/projects/{p}"),
        ("post", f"/projects/{p}/stage"),
        ("post", f"/projects/{p}/members"),
        ("delete", f"/projects/{p}/members/{org.user('team_member').pk}"),
        ("post", f"/projects/{p}/business-cases"),
        ("patch", f"/business-cases/{b}"),
        ("delete", f"/business-cases/{b}"),
        ("post", f"/business-cases/{b}/submit"),
        ("post", f"/business-cases/{b}/approve"),
        ("post", f"/business-cases/{b}/reject"),
        ("post", f"/projects/{p}/tasks"),
        ("patch", f"/tasks/{t}"),
        ("delete", f"/tasks/{t}"),
        ("post", f"/projects/{p}/links"),
        ("patch", f"/links/{lk}"),
        ("delete", f"/links/{lk}"),
    ]
    bodies = {
        f"/projects/{p}/stage": {"stage": "approved", "reason": "x"},
        f"/projects/{p}/members": {"user_id": other_org.user("team_member").pk},
        f"/business-cases/{b}/reject": {"reason": "x"},
        f"/projects/{p}/tasks": {"name": "x"},
        f"/projects/{p}/links": {"predecessor_id": t, "successor_id": t},
    }
    # Every operation of the router is here but GET and POST /projects (the user's own list).
    assert (
        sum(len(view.operations) for view in router.path_operations.values()) == len(requests) + 2
    )
    outsider = api_client(other_org.user("administrator"))
    for method, path in requests:
        response = send(outsider, method, path, bodies.get(path))
        assert_problem(response, 404)
    listed = outsider.get(f"{API}/projects").json()
    assert listed == {"items": [], "count": 0}
    # Nothing changed on the way.
    assert Project.objects.filter(pk=p).exists() and case.cash_flow_lines.count() == 1


def test_list_endpoint_runs_the_same_queries_for_3_and_30_projects(
    org, portfolio, make_project, api_client, django_assert_num_queries
):
    client = api_client(org.user("pmo_analyst"))
    client.get(f"{API}/projects")  # the token's first use is written once a minute
    for size in (3, 30):
        while Project.objects.count() < size:
            make_project(category=CategoryFactory(organisation=org.organisation))
        # token + user, count, page of projects with their references
        with django_assert_num_queries(3):
            response = client.get(f"{API}/projects?search=&sort=-health")
        assert response.json()["count"] == size


def test_detail_endpoint_loads_the_graph_in_a_fixed_number_of_queries(
    org, project, api_client, django_assert_num_queries
):
    client = api_client(org.user("project_manager"))
    client.get(f"{API}/projects/{project.pk}")
    for cases in (1, 4):
        while project.business_cases.count() < cases:
            case = BusinessCaseFactory(project=project)
            CashFlowLineFactory.create_batch(3, business_case=case)
            MilestoneFactory(project=project)
        # token, project, members, business cases, their lines, milestones, task and link
        # counts (the project's own manager may edit it without a further query)
        with django_assert_num_queries(8):
            detail = client.get(f"{API}/projects/{project.pk}").json()
        assert len(detail["business_cases"]) == cases
