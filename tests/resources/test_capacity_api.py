"""The capacity, demand, booking and hiring-plan API: answers, permissions, outsiders get 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.resources.models import Booking, HiringPlan, RoleDemand
from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    CapacityPeriodFactory,
    HiringPlanFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    RoleFactory,
    ScenarioFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
MAY, JUNE = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)


@pytest.fixture
def plan(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    for month in (MAY, JUNE):
        CapacityPeriodFactory(role=de, person=None, month=month, hours=Decimal("160"))
    portfolio = PortfolioFactory(organisation=o, code="P1")
    alpha = ProjectFactory(portfolio=portfolio, code="ALPHA", manager=org.user("project_manager"))
    beta = ProjectFactory(portfolio=portfolio, code="BETA", stage="approved")
    for project, hours in ((alpha, "120"), (beta, "80")):
        RoleDemand.objects.create(
            project=project, role=de, month=MAY, hours=Decimal(hours), source="business_case"
        )
    ada = PersonFactory(role=de, name="Ada")
    booking = BookingFactory(project=alpha, person=ada, month=MAY, hours=Decimal("40"))
    scenario = ScenarioFactory(organisation=o, portfolio=portfolio)
    hiring = HiringPlanFactory(scenario=scenario, role=de, month=JUNE, fte_delta=Decimal("1"))
    return {
        "de": de,
        "alpha": alpha,
        "beta": beta,
        "ada": ada,
        "booking": booking,
        "scenario": scenario,
        "hiring": hiring,
    }


def test_heatmap_endpoint(org, plan, api_client):
    client = api_client(org.user("executive"))
    response = client.get(
        "/api/v1/capacity/heatmap", {"portfolio": "P1", "start": "2026-05", "months": 2}
    )
    assert response.status_code == 200
    body = response.json()
    [row] = body["rows"]
    may = row["cells"][0]
    assert (may["capacity"], may["demand"], may["load"], may["percent"], may["over"]) == (
        160.0,
        200.0,
        200.0,
        125,
        True,
    )
    assert (body["hot_spots"], body["excess"], body["months"]) == (
        1,
        40.0,
        ["2026-05-01", "2026-06-01"],
    )
    moved = client.get(
        "/api/v1/capacity/heatmap",
        {
            "portfolio": "P1",
            "start": "2026-05",
            "months": 2,
            "move": ["BETA:+1"],
            "scenario_id": plan["scenario"].pk,
        },
    ).json()
    assert moved["hot_spots"] == 0 and moved["moved"][0]["code"] == "BETA"
    assert moved["rows"][0]["cells"][1]["hiring"] == 176.0
    bad = client.get("/api/v1/capacity/heatmap", {"move": ["BETA"]})
    assert bad.status_code == 422 and "move" in bad.json()["errors"]


def test_drilldown_people_and_fit_endpoints(org, plan, api_client):
    client = api_client(org.user("resource_manager"))
    drill = client.get(
        "/api/v1/capacity/drilldown",
        {"portfolio": "P1", "start": "2026-05", "role_id": plan["de"].pk, "month": "2026-05"},
    ).json()
    assert [(p["code"], p["hours"], p["booked"]) for p in drill["projects"]] == [
        ("ALPHA", 120.0, 40.0),
        ("BETA", 80.0, 0.0),
    ]
    people = client.get("/api/v1/capacity/people", {"start": "2026-05", "months": 2}).json()
    assert people["count"] == 1 and people["rows"][0]["cells"][0]["soft"] == 40.0
    fit = client.post(
        "/api/v1/capacity/fit",
        {"portfolio": "P1", "start": "2026-05", "months": 3, "max_shift": 2},
        content_type=JSON,
    ).json()
    assert [(m["code"], m["shift"]) for m in fit["moves"]] == [("BETA", 1)]
    assert (fit["excess_before"], fit["excess_after"]) == (40.0, 0.0)


def test_refresh_endpoint_for_resource_editors_only(org, plan, api_client):
    refreshed = api_client(org.user("pmo_analyst")).post(
        "/api/v1/capacity/refresh", {"start": "2026-05-01", "months": 2}, content_type=JSON
    )
    assert refreshed.status_code == 200 and refreshed.json()["people"] == 1
    assert (
        api_client(org.user("executive"))
        .post("/api/v1/capacity/refresh", {}, content_type=JSON)
        .status_code
        == 403
    )


def test_role_demand_endpoints(org, plan, api_client):
    pm = api_client(org.user("project_manager"))
    url = f"/api/v1/projects/{plan['alpha'].pk}/role-demand"
    replaced = pm.put(
        url,
        {
            "source": "manual",
            "rows": [{"role_id": plan["de"].pk, "month": "2026-06-01", "hours": "30"}],
        },
        content_type=JSON,
    )
    assert replaced.status_code == 200 and replaced.json()[0]["hours"] == "30.00"
    listed = pm.get(url).json()
    assert {(row["source"], row["hours"]) for row in listed} == {
        ("business_case", "120.00"),
        ("manual", "30.00"),
    }
    task = TaskFactory(
        project=plan["alpha"],
        early_start=datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC),
        early_finish=datetime.datetime(2026, 6, 5, 17, tzinfo=datetime.UTC),
    )
    AssignmentFactory(task=task, person=plan["ada"], work_minutes=600)
    rolled = pm.post(f"{url}/rollup").json()
    assert (rolled["rows"], rolled["hours"]) == (1, "10.00")
    assert (
        api_client(org.user("executive")).put(url, {"rows": []}, content_type=JSON).status_code
        == 403
    )


def test_booking_endpoints(org, plan, api_client):
    manager = api_client(org.user("resource_manager"))
    created = manager.put(
        "/api/v1/bookings",
        {
            "project_id": plan["beta"].pk,
            "person_id": plan["ada"].pk,
            "month": "2026-05-01",
            "hours": "60",
            "kind": "hard",
        },
        content_type=JSON,
    )
    assert created.status_code == 200 and created.json()["kind"] == "hard"
    listed = manager.get("/api/v1/bookings", {"person_id": plan["ada"].pk}).json()
    assert listed["count"] == 2
    removed = manager.put(
        "/api/v1/bookings",
        {
            "project_id": plan["beta"].pk,
            "person_id": plan["ada"].pk,
            "month": "2026-05-01",
            "hours": "0",
            "kind": "hard",
        },
        content_type=JSON,
    )
    assert removed.status_code == 204
    # A team member sees only the bookings of their projects: none here.
    assert api_client(org.user("team_member")).get("/api/v1/bookings").json()["count"] == 0
    assert manager.delete(f"/api/v1/bookings/{plan['booking'].pk}").status_code == 204
    assert not Booking.objects.exists()


def test_hiring_plan_endpoints(org, plan, api_client):
    editor = api_client(org.user("portfolio_manager"))
    url = f"/api/v1/scenarios/{plan['scenario'].pk}/hiring-plans"
    created = editor.post(
        url,
        {"role_id": plan["de"].pk, "month": "2026-07-01", "fte_delta": "-0.5"},
        content_type=JSON,
    )
    assert created.status_code == 201 and created.json()["fte_delta"] == "-0.50"
    assert len(editor.get(url).json()) == 2
    assert (
        api_client(org.user("project_manager"))
        .post(
            url,
            {"role_id": plan["de"].pk, "month": "2026-07-01", "fte_delta": "1"},
            content_type=JSON,
        )
        .status_code
        == 403
    )
    assert editor.delete(f"/api/v1/hiring-plans/{plan['hiring'].pk}").status_code == 204
    assert HiringPlan.objects.count() == 1


@pytest.mark.parametrize("role", ["project_manager", "team_member"])
def test_capacity_reads_are_forbidden_to_delivery_roles(org, plan, api_client, role):
    client = api_client(org.user(role))
    assert client.get("/api/v1/capacity/heatmap").status_code == 403
    assert client.get("/api/v1/capacity/people").status_code == 403
    assert client.post("/api/v1/capacity/fit", {}, content_type=JSON).status_code == 403


def test_outsiders_get_not_found_everywhere(org, other_org, plan, api_client):
    client = api_client(other_org.user("administrator"))
    alpha, de = plan["alpha"].pk, plan["de"].pk
    checks = [
        client.get("/api/v1/capacity/heatmap", {"portfolio": "P1"}),
        client.get("/api/v1/capacity/heatmap", {"move": ["ALPHA:+1"]}),
        client.get("/api/v1/capacity/heatmap", {"scenario_id": plan["scenario"].pk}),
        client.get("/api/v1/capacity/drilldown", {"role_id": de, "month": "2026-05"}),
        client.post("/api/v1/capacity/fit", {"portfolio": "P1"}, content_type=JSON),
        client.get(f"/api/v1/projects/{alpha}/role-demand"),
        client.put(f"/api/v1/projects/{alpha}/role-demand", {"rows": []}, content_type=JSON),
        client.post(f"/api/v1/projects/{alpha}/role-demand/rollup"),
        client.put(
            "/api/v1/bookings",
            {"project_id": alpha, "person_id": plan["ada"].pk, "month": "2026-05-01", "hours": "1"},
            content_type=JSON,
        ),
        client.delete(f"/api/v1/bookings/{plan['booking'].pk}"),
        client.get(f"/api/v1/scenarios/{plan['scenario'].pk}/hiring-plans"),
        client.post(
            f"/api/v1/scenarios/{plan['scenario'].pk}/hiring-plans",
            {"role_id": de, "month": "2026-07-01", "fte_delta": "1"},
            content_type=JSON,
        ),
        client.delete(f"/api/v1/hiring-plans/{plan['hiring'].pk}"),
    ]
    assert [response.status_code for response in checks] == [404] * len(checks)
    # Lists answer, empty: nothing of ours leaks.
    assert client.get("/api/v1/bookings").json()["count"] == 0
    assert client.get("/api/v1/capacity/heatmap").json()["rows"] == []
    assert client.get("/api/v1/capacity/people").json()["count"] == 0
