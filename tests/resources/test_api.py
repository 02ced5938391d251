"""The roles and people API through the test client."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.models import AuditEntry
from steerco.resources.models import Person, Role
from tests.factories import (
    BookingFactory,
    BusinessUnitFactory,
    CostRateFactory,
    PersonFactory,
    PersonSkillFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
RATE_READERS = ["administrator", "resource_manager", "pmo_analyst", "executive"]
RATE_HIDDEN = ["portfolio_manager", "project_manager", "team_member"]


@pytest.fixture
def staff(org):
    """Two roles, three people (one inactive), a business unit, skills and bookings."""
    engineers = RoleFactory(
        organisation=org.organisation,
        code="DE",
        name="Data engineer",
        default_cost_rate=Decimal("95"),
    )
    analysts = RoleFactory(
        organisation=org.organisation,
        code="BA",
        name="Business analyst",
        default_cost_rate=Decimal("80"),
    )
    finance = BusinessUnitFactory(organisation=org.organisation, name="Finance")
    ada = PersonFactory(
        role=engineers, name="Ada Lovelace", email="ada@acme.test", business_unit=finance
    )
    grace = PersonFactory(
        role=engineers, name="Grace Hopper", email="grace@acme.test", fte=Decimal("0.5")
    )
    alan = PersonFactory(role=analysts, name="Alan Turing", email="alan@acme.test", is_active=False)
    PersonSkillFactory(
        person=ada, skill=SkillFactory(organisation=org.organisation, name="Python"), level=5
    )
    CostRateFactory(person=ada, role=None, rate=Decimal("110"), organisation=org.organisation)
    return {
        "engineers": engineers,
        "analysts": analysts,
        "finance": finance,
        "ada": ada,
        "grace": grace,
        "alan": alan,
    }


# Roles


def test_role_create_patch_and_delete(org, api_client):
    client = api_client(org.user("resource_manager"))
    created = client.post(
        "/api/v1/roles",
        {"code": "QA", "name": "Tester", "default_cost_rate": "72.5"},
        content_type=JSON,
    )
    assert created.status_code == 201
    assert created.json()["default_cost_rate"] == "72.50"
    role_id = created.json()["id"]
    patched = client.patch(f"/api/v1/roles/{role_id}", {"name": "Test engineer"}, content_type=JSON)
    assert (patched.status_code, patched.json()["name"], patched.json()["code"]) == (
        200,
        "Test engineer",
        "QA",
    )
    assert client.delete(f"/api/v1/roles/{role_id}").status_code == 204
    assert not Role.objects.exists()
    assert [
        row.action for row in AuditEntry.objects.filter(entity_type="resources.role").order_by("id")
    ] == [
        "create",
        "update",
        "delete",
    ]


def test_role_validation_problem(org, api_client, staff):
    response = api_client(org.user("administrator")).post(
        "/api/v1/roles", {"code": "de", "name": "Dup", "default_cost_rate": -5}, content_type=JSON
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "code": ["Another role already uses the code de."],
        "default_cost_rate": ["A cost rate cannot be negative."],
    }


def test_a_role_in_use_is_a_409_conflict(org, api_client, staff):
    response = api_client(org.user("administrator")).delete(
        f"/api/v1/roles/{staff['engineers'].pk}"
    )
    assert response.status_code == 409
    assert "2 people" in response.json()["detail"]


def test_roles_list_counts_active_people_and_filters(org, api_client, staff):
    RoleFactory(organisation=org.organisation, code="OLD", name="Operator", is_active=False)
    client = api_client(org.user("project_manager"))
    body = client.get("/api/v1/roles?sort=-people").json()
    assert [(r["code"], r["people_count"]) for r in body["items"]] == [
        ("DE", 2),
        ("BA", 0),
        ("OLD", 0),
    ]
    assert [r["code"] for r in client.get("/api/v1/roles?search=analyst").json()["items"]] == ["BA"]
    assert [r["code"] for r in client.get("/api/v1/roles?is_active=false").json()["items"]] == [
        "OLD"
    ]


@pytest.mark.parametrize("role", RATE_READERS)
def test_rate_readers_see_role_rates(org, api_client, staff, role):
    client = api_client(org.user(role))
    rows = client.get("/api/v1/roles?sort=rate").json()["items"]
    assert [(r["code"], r["default_cost_rate"]) for r in rows] == [("BA", "80.00"), ("DE", "95.00")]
    detail = client.get(f"/api/v1/roles/{staff['engineers'].pk}").json()
    assert detail["role"]["default_cost_rate"] == "95.00"
    person = client.get(f"/api/v1/people/{staff['ada'].pk}").json()
    assert [r["rate"] for r in person["cost_rates"]] == ["110.00"]


@pytest.mark.parametrize("role", RATE_HIDDEN)
def test_everyone_else_reads_names_but_no_rates(org, api_client, staff, role):
    client = api_client(org.user(role))
    rows = client.get("/api/v1/roles").json()["items"]
    assert [(r["name"], r["default_cost_rate"]) for r in rows] == [
        ("Business analyst", None),
        ("Data engineer", None),
    ]
    detail = client.get(f"/api/v1/roles/{staff['engineers'].pk}").json()
    assert detail["role"]["default_cost_rate"] is None
    assert [p["name"] for p in detail["people"]] == ["Ada Lovelace", "Grace Hopper"]
    person = client.get(f"/api/v1/people/{staff['ada'].pk}").json()
    assert person["cost_rates"] is None
    assert person["skills"] == [
        {"skill_id": person["skills"][0]["skill_id"], "name": "Python", "level": 5}
    ]
    # Sorting by rate would reveal the order of the rates.
    sorted_by_rate = client.get("/api/v1/roles?sort=rate")
    assert sorted_by_rate.status_code == 422
    assert "rate" not in sorted_by_rate.json()["errors"]["sort"][0]


@pytest.mark.parametrize(
    "role", ["portfolio_manager", "project_manager", "team_member", "executive"]
)
def test_writes_by_other_roles_are_forbidden(org, api_client, staff, role):
    client = api_client(org.user(role))
    ada = staff["ada"]
    responses = [
        client.post("/api/v1/roles", {"code": "X", "name": "X"}, content_type=JSON),
        client.patch(f"/api/v1/roles/{staff['analysts'].pk}", {"name": "X"}, content_type=JSON),
        client.delete(f"/api/v1/roles/{staff['analysts'].pk}"),
        client.post(
            "/api/v1/people", {"name": "X", "role_id": staff["analysts"].pk}, content_type=JSON
        ),
        client.patch(f"/api/v1/people/{ada.pk}", {"fte": "0.2"}, content_type=JSON),
        client.post(f"/api/v1/people/{ada.pk}/deactivate", {}, content_type=JSON),
        client.delete(f"/api/v1/people/{ada.pk}"),
    ]
    assert [r.status_code for r in responses] == [403] * 7
    assert responses[4].json()["title"] == "Forbidden"
    assert AuditEntry.objects.filter(entity_type__startswith="resources.").count() == 0


# People


def test_person_create_with_skills_and_partial_update(org, api_client, staff):
    sql = SkillFactory(organisation=org.organisation, name="SQL")
    client = api_client(org.user("resource_manager"))
    created = client.post(
        "/api/v1/people",
        {
            "name": "Katherine Johnson",
            "email": "katherine@acme.test",
            "role_id": staff["analysts"].pk,
            "business_unit_id": staff["finance"].pk,
            "fte": 0.8,
            "start_date": "2026-02-01",
            "skills": [{"skill_id": sql.pk, "level": 4}],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["role_name"], body["business_unit_name"], body["fte"]) == (
        "Business analyst",
        "Finance",
        "0.80",
    )
    person_id = body["id"]
    patched = client.patch(
        f"/api/v1/people/{person_id}", {"end_date": "2026-12-31", "skills": None}, content_type=JSON
    )
    assert patched.status_code == 200
    assert patched.json()["end_date"] == "2026-12-31"
    assert patched.json()["start_date"] == "2026-02-01"
    person = Person.objects.get(pk=person_id)
    assert list(person.skills.values_list("skill__name", "level")) == [("SQL", 4)]


def test_person_validation_problem_names_each_field(org, api_client, staff):
    response = api_client(org.user("pmo_analyst")).post(
        "/api/v1/people",
        {"name": "Dup", "email": "ADA@acme.test", "role_id": staff["engineers"].pk, "fte": 2},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "fte": ["Full-time equivalent runs from 0 to 1.5."],
        "email": ["Another person already has the email address ADA@acme.test."],
    }
    assert Person.objects.count() == 3


def test_people_list_search_filters_and_sort(org, api_client, staff):
    client = api_client(org.user("team_member"))

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/people?{query}")
        assert response.status_code == 200, response.json()
        return [p["name"] for p in response.json()["items"]]

    assert names("") == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert names("search=grace") == ["Grace Hopper"]
    assert names("search=acme.test&is_active=true") == ["Ada Lovelace", "Grace Hopper"]
    assert names(f"role_id={staff['analysts'].pk}") == ["Alan Turing"]
    assert names(f"business_unit_id={staff['finance'].pk}") == ["Ada Lovelace"]
    assert names("sort=fte") == ["Grace Hopper", "Ada Lovelace", "Alan Turing"]
    assert names("sort=-fte") == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert names("sort=role")[0] == "Alan Turing"


def test_deactivate_keeps_the_person_and_their_history(org, api_client, staff):
    BookingFactory(project=ProjectFactory(organisation=org.organisation), person=staff["ada"])
    client = api_client(org.user("resource_manager"))
    assert client.delete(f"/api/v1/people/{staff['ada'].pk}").status_code == 409
    response = client.post(
        f"/api/v1/people/{staff['ada'].pk}/deactivate",
        {"end_date": "2026-06-30"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["end_date"]) == (False, "2026-06-30")
    assert client.delete(f"/api/v1/people/{staff['grace'].pk}").status_code == 204


def test_person_detail_sums_bookings_on_visible_projects_only(org, api_client, staff):
    member = org.user("team_member")
    mine = ProjectFactory(organisation=org.organisation, code="MINE", name="Mine")
    other = ProjectFactory(organisation=org.organisation, code="OTHER", name="Other")
    ProjectMemberFactory(project=mine, user=member)
    for month, hours, kind in [(1, "40", "soft"), (2, "60", "hard")]:
        BookingFactory(
            project=mine,
            person=staff["ada"],
            month=datetime.date(2026, month, 1),
            hours=Decimal(hours),
            kind=kind,
        )
    BookingFactory(project=other, person=staff["ada"], month=datetime.date(2026, 1, 1))

    as_member = api_client(member).get(f"/api/v1/people/{staff['ada'].pk}").json()
    assert as_member["bookings"] == [
        {
            "project_id": mine.pk,
            "project_code": "MINE",
            "project_name": "Mine",
            "first_month": "2026-01-01",
            "last_month": "2026-02-01",
            "hours": "100.00",
            "hard_hours": "60.00",
        }
    ]
    as_manager = api_client(org.user("resource_manager")).get(f"/api/v1/people/{staff['ada'].pk}")
    assert [b["project_code"] for b in as_manager.json()["bookings"]] == ["MINE", "OTHER"]
    assert as_manager.json()["person"]["business_unit_name"] == "Finance"


# Outsiders: another organisation's objects do not exist for them.

OUTSIDER_CALLS = [
    ("get", "/api/v1/roles/{engineers}"),
    ("get", "/api/v1/people/{ada}"),
    ("get", "/api/v1/people?role_id={engineers}"),
    ("get", "/api/v1/people?business_unit_id={finance}"),
    ("patch", "/api/v1/roles/{engineers}"),
    ("delete", "/api/v1/roles/{analysts}"),
    ("patch", "/api/v1/people/{ada}"),
    ("post", "/api/v1/people/{ada}/deactivate"),
    ("delete", "/api/v1/people/{grace}"),
]


@pytest.mark.parametrize(("method", "path"), OUTSIDER_CALLS)
def test_an_outsider_gets_404_for_every_object_of_another_organisation(
    other_org, api_client, staff, method, path
):
    client = api_client(other_org.user("administrator"))
    url = path.format(**{name: obj.pk for name, obj in staff.items()})
    kwargs = {"data": {"name": "Mine"}, "content_type": JSON} if method in {"patch", "post"} else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEntry.objects.filter(entity_type__startswith="resources.").count() == 0


@pytest.mark.parametrize("path", ["/api/v1/roles", "/api/v1/people"])
def test_an_outsiders_lists_hold_nothing_of_another_organisation(
    other_org, api_client, staff, path
):
    assert api_client(other_org.user("administrator")).get(path).json() == {"items": [], "count": 0}


# Query counts do not grow with the data.


def _fill(org, size: int) -> None:
    unit = BusinessUnitFactory(organisation=org.organisation)
    for _ in range(size):
        role = RoleFactory(organisation=org.organisation)
        PersonFactory(role=role, business_unit=unit)


@pytest.mark.parametrize("size", [2, 7])
@pytest.mark.parametrize("path", ["/api/v1/roles", "/api/v1/people"])
def test_list_endpoints_run_a_fixed_number_of_queries(
    org, api_client, django_assert_num_queries, size, path
):
    _fill(org, size)
    client = api_client(org.user("team_member"))
    client.get("/api/v1/me")  # the token's first use stamps it; later calls only read it
    # token lookup, page count, page of rows (role and business unit joined, counts sub-selected)
    with django_assert_num_queries(3):
        response = client.get(path)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 6])
def test_person_detail_runs_a_fixed_number_of_queries(
    org, api_client, django_assert_num_queries, size
):
    person = PersonFactory(role=RoleFactory(organisation=org.organisation))
    for month in range(size):
        BookingFactory(
            project=ProjectFactory(organisation=org.organisation),
            person=person,
            month=datetime.date(2026, month + 1, 1),
        )
        PersonSkillFactory(person=person)
    client = api_client(org.user("resource_manager"))
    client.get("/api/v1/me")
    # token, person with its references, skills, bookings, cost rates
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/people/{person.pk}")
    assert len(response.json()["bookings"]) == size
