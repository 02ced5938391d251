"""The portfolios and programs API through the test client."""

from __future__ import annotations

import pytest

from steerco.core.models import AuditEntry
from steerco.portfolios.models import Portfolio, Program
from tests.factories import PortfolioFactory, ProgramFactory, ProjectFactory, ProjectMemberFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def landscape(org):
    """Two portfolios; DIGITAL has a program and two projects, one of them in the program."""
    digital = PortfolioFactory(organisation=org.organisation, code="DIGITAL", name="Digital")
    ops = PortfolioFactory(organisation=org.organisation, code="OPS", name="Operations")
    cloud = ProgramFactory(portfolio=digital, code="CLOUD", name="Cloud")
    in_program = ProjectFactory(portfolio=digital, program=cloud, code="P-1", health="amber")
    loose = ProjectFactory(portfolio=digital, code="P-2")
    return {
        "digital": digital,
        "ops": ops,
        "cloud": cloud,
        "in_program": in_program,
        "loose": loose,
    }


def test_create_returns_201_and_the_portfolio(org, api_client):
    client = api_client(org.user("portfolio_manager"))
    response = client.post(
        "/api/v1/portfolios",
        {"code": "GROWTH", "name": "Growth", "owner_id": org.user("portfolio_manager").pk},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "GROWTH"
    assert body["owner_name"] == str(org.user("portfolio_manager"))
    assert body["is_active"] is True
    assert Portfolio.objects.get(pk=body["id"]).organisation_id == org.organisation.pk


def test_invalid_input_is_a_problem_with_field_errors_and_writes_nothing(org, api_client):
    PortfolioFactory(organisation=org.organisation, code="GROWTH")
    client = api_client(org.user("administrator"))
    response = client.post("/api/v1/portfolios", {"code": "GROWTH", "name": ""}, content_type=JSON)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["title"] == "Validation failed"
    assert body["instance"] == "/api/v1/portfolios"
    assert body["errors"] == {
        "code": ["Another portfolio already uses the code GROWTH."],
        "name": ["This field cannot be blank."],
    }
    assert Portfolio.objects.count() == 1


def test_missing_fields_are_reported_by_field_too(org, api_client):
    response = api_client(org.user("administrator")).post(
        "/api/v1/portfolios", {"name": "No code"}, content_type=JSON
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["code"]


@pytest.mark.parametrize(
    "role", ["team_member", "project_manager", "resource_manager", "executive"]
)
def test_writes_by_other_roles_are_forbidden_problems(org, api_client, landscape, role):
    client = api_client(org.user(role))
    digital = landscape["digital"]
    responses = [
        client.post("/api/v1/portfolios", {"code": "X", "name": "X"}, content_type=JSON),
        client.patch(f"/api/v1/portfolios/{digital.pk}", {"name": "X"}, content_type=JSON),
        client.delete(f"/api/v1/portfolios/{landscape['ops'].pk}"),
        client.post(
            "/api/v1/programs",
            {"portfolio_id": digital.pk, "code": "X", "name": "X"},
            content_type=JSON,
        ),
        client.patch(f"/api/v1/programs/{landscape['cloud'].pk}", {"name": "X"}, content_type=JSON),
    ]
    assert [r.status_code for r in responses] == [403] * 5
    assert responses[0]["Content-Type"] == "application/problem+json"
    assert responses[0].json()["title"] == "Forbidden"
    assert AuditEntry.objects.filter(entity_type__startswith="portfolios.").count() == 0


def test_patch_changes_only_the_fields_sent(org, api_client, landscape):
    client = api_client(org.user("pmo_analyst"))
    digital = landscape["digital"]
    response = client.patch(
        f"/api/v1/portfolios/{digital.pk}", {"is_active": False}, content_type=JSON
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["name"] == "Digital"
    response = client.patch(f"/api/v1/portfolios/{digital.pk}", {"code": None}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["errors"] == {"code": ["This field cannot be null."]}


def test_delete_is_204_when_empty_and_409_when_not(org, api_client, landscape):
    client = api_client(org.user("administrator"))
    conflict = client.delete(f"/api/v1/portfolios/{landscape['digital'].pk}")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert "1 program, 2 projects" in conflict.json()["detail"]
    assert client.delete(f"/api/v1/portfolios/{landscape['ops'].pk}").status_code == 204
    assert not Portfolio.objects.filter(code="OPS").exists()


def test_list_is_paginated_with_items_and_count(org, api_client):
    PortfolioFactory.create_batch(3, organisation=org.organisation)
    client = api_client(org.user("executive"))
    body = client.get("/api/v1/portfolios?page_size=2").json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    second = client.get("/api/v1/portfolios?page_size=2&page=2").json()
    assert len(second["items"]) == 1
    assert {p["id"] for p in body["items"] + second["items"]} == set(
        Portfolio.objects.values_list("pk", flat=True)
    )


def test_list_search_filter_and_sort(org, api_client, landscape):
    PortfolioFactory(organisation=org.organisation, code="OLD", name="Legacy", is_active=False)
    client = api_client(org.user("executive"))

    def codes(query: str) -> list[str]:
        response = client.get(f"/api/v1/portfolios?{query}")
        assert response.status_code == 200, response.json()
        return [p["code"] for p in response.json()["items"]]

    assert codes("search=dig") == ["DIGITAL"]
    assert codes("search=operat") == ["OPS"]
    assert codes("is_active=false") == ["OLD"]
    assert codes("sort=code") == ["DIGITAL", "OLD", "OPS"]
    assert codes("sort=-projects") == ["DIGITAL", "OPS", "OLD"]  # ties in creation order
    assert codes("is_active=true&sort=-code") == ["OPS", "DIGITAL"]
    row = client.get("/api/v1/portfolios?search=DIGITAL").json()["items"][0]
    assert (row["program_count"], row["project_count"]) == (1, 2)


def test_an_unknown_sort_is_a_field_error(org, api_client):
    response = api_client(org.user("executive")).get("/api/v1/portfolios?sort=budget")
    assert response.status_code == 422
    assert response.json()["errors"]["sort"][0].startswith("Sort by one of: code, name")


def test_detail_lists_programs_and_projects_with_stage_and_health(org, api_client, landscape):
    body = (
        api_client(org.user("portfolio_manager"))
        .get(f"/api/v1/portfolios/{landscape['digital'].pk}")
        .json()
    )
    assert body["portfolio"]["code"] == "DIGITAL"
    assert (body["portfolio"]["program_count"], body["portfolio"]["project_count"]) == (1, 2)
    assert [p["code"] for p in body["programs"]] == ["CLOUD"]
    assert body["programs"][0]["project_count"] == 1
    assert [(p["code"], p["stage"], p["health"]) for p in body["projects"]] == [
        ("P-1", "in_execution", "amber"),
        ("P-2", "in_execution", "green"),
    ]
    assert body["projects"][0]["program_id"] == landscape["cloud"].pk


def test_team_members_read_every_portfolio_but_only_their_own_projects(org, api_client, landscape):
    # Given a team member on one project of DIGITAL
    member = org.user("team_member")
    ProjectMemberFactory(project=landscape["loose"], user=member)
    client = api_client(member)
    # Then they list every portfolio, with counts of the projects they may see
    rows = {p["code"]: p for p in client.get("/api/v1/portfolios").json()["items"]}
    assert set(rows) == {"DIGITAL", "OPS"}
    assert rows["DIGITAL"]["project_count"] == 1
    # And the portfolio shows only their project, the program only what they may see
    detail = client.get(f"/api/v1/portfolios/{landscape['digital'].pk}").json()
    assert [p["code"] for p in detail["projects"]] == ["P-2"]
    assert detail["programs"][0]["project_count"] == 0
    program = client.get(f"/api/v1/programs/{landscape['cloud'].pk}").json()
    assert program["projects"] == []


def test_program_crud(org, api_client, landscape):
    client = api_client(org.user("portfolio_manager"))
    created = client.post(
        "/api/v1/programs",
        {"portfolio_id": landscape["ops"].pk, "code": "RUN", "name": "Keep the lights on"},
        content_type=JSON,
    )
    assert created.status_code == 201
    program_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/programs/{program_id}",
        {"portfolio_id": landscape["digital"].pk},
        content_type=JSON,
    )
    assert patched.status_code == 200
    assert patched.json()["portfolio_id"] == landscape["digital"].pk
    listed = client.get(f"/api/v1/programs?portfolio_id={landscape['digital'].pk}&sort=-code")
    assert [p["code"] for p in listed.json()["items"]] == ["RUN", "CLOUD"]
    assert listed.json()["items"][1]["portfolio_code"] == "DIGITAL"
    assert client.delete(f"/api/v1/programs/{landscape['cloud'].pk}").status_code == 409
    assert client.delete(f"/api/v1/programs/{program_id}").status_code == 204
    assert list(Program.objects.values_list("code", flat=True)) == ["CLOUD"]


def test_unauthenticated_calls_are_401(db):
    from django.test import Client

    assert Client().get("/api/v1/portfolios").status_code == 401


# Outsiders: another organisation's objects do not exist for them.

OUTSIDER_CALLS = [
    ("get", "/api/v1/portfolios/{digital}"),
    ("get", "/api/v1/programs/{cloud}"),
    ("get", "/api/v1/programs?portfolio_id={digital}"),
    ("patch", "/api/v1/portfolios/{digital}"),
    ("delete", "/api/v1/portfolios/{ops}"),
    ("patch", "/api/v1/programs/{cloud}"),
    ("delete", "/api/v1/programs/{cloud}"),
]


@pytest.mark.parametrize(("method", "path"), OUTSIDER_CALLS)
def test_an_outsider_gets_404_for_every_object_of_another_organisation(
    other_org, api_client, landscape, method, path
):
    client = api_client(other_org.user("administrator"))
    url = path.format(**{name: obj.pk for name, obj in landscape.items()})
    kwargs = {"data": {"name": "Mine"}, "content_type": JSON} if method == "patch" else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEntry.objects.filter(entity_type__startswith="portfolios.").count() == 0


@pytest.mark.parametrize("path", ["/api/v1/portfolios", "/api/v1/programs"])
def test_an_outsiders_lists_hold_nothing_of_another_organisation(
    other_org, api_client, landscape, path
):
    body = api_client(other_org.user("administrator")).get(path).json()
    assert body == {"items": [], "count": 0}


# Query counts do not grow with the data.


def _fill(org, size: int) -> None:
    for _ in range(size):
        portfolio = PortfolioFactory(organisation=org.organisation)
        program = ProgramFactory(portfolio=portfolio)
        ProjectFactory(portfolio=portfolio, program=program)


# token lookup, page count, page of rows (owners and counts joined or sub-selected)
LIST_QUERIES = 3


@pytest.mark.parametrize("size", [2, 7])
@pytest.mark.parametrize("path", ["/api/v1/portfolios", "/api/v1/programs"])
@pytest.mark.parametrize("role", ["portfolio_manager", "team_member"])
def test_list_endpoints_run_a_fixed_number_of_queries(
    org, api_client, django_assert_num_queries, size, path, role
):
    _fill(org, size)
    client = api_client(org.user(role))
    client.get("/api/v1/me")  # the token's first use stamps it; later calls only read it
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(path)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 8])
def test_portfolio_detail_runs_a_fixed_number_of_queries(
    org, api_client, django_assert_num_queries, size
):
    portfolio = PortfolioFactory(organisation=org.organisation)
    for _ in range(size):
        ProjectFactory(portfolio=portfolio, program=ProgramFactory(portfolio=portfolio))
    client = api_client(org.user("executive"))
    client.get("/api/v1/me")
    # token, portfolio with counts, programs, projects
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/portfolios/{portfolio.pk}")
    assert len(response.json()["projects"]) == size
