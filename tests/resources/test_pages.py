"""People and role pages through the Django test client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from steerco.resources.models import Person, Role
from tests.factories import (
    BookingFactory,
    BusinessUnitFactory,
    CostRateFactory,
    PersonFactory,
    PersonSkillFactory,
    ProjectFactory,
    RoleFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def engineers(org):
    role = RoleFactory(
        organisation=org.organisation,
        code="DE",
        name="Data engineer",
        default_cost_rate=Decimal("95"),
    )
    ada = PersonFactory(role=role, name="Ada Lovelace", email="ada@acme.test")
    PersonSkillFactory(person=ada, skill=SkillFactory(organisation=org.organisation, name="Python"))
    PersonFactory(role=role, name="Grace Hopper", email="grace@acme.test")
    CostRateFactory(person=ada, role=None, rate=Decimal("123.45"), organisation=org.organisation)
    BookingFactory(project=ProjectFactory(organisation=org.organisation, code="LAKE"), person=ada)
    return role


def test_people_page_filters_by_search_role_and_status(org, engineers):
    PersonFactory(
        role=RoleFactory(organisation=org.organisation, name="Analyst"), name="Alan Turing"
    )
    PersonFactory(role=engineers, name="Retired Person", is_active=False)
    client = client_for(org.user("resource_manager"))
    html = client.get("/resources/people/").content.decode()
    assert "Ada Lovelace" in html and "Alan Turing" in html and "Retired Person" not in html
    fragment = client.get("/resources/people/?search=hopper", **RESULTS).content.decode()
    assert "<html" not in fragment
    assert "Grace Hopper" in fragment and "Ada Lovelace" not in fragment
    by_role = client.get(f"/resources/people/?role={engineers.pk}&status=all", **RESULTS)
    text = by_role.content.decode()
    assert "Retired Person" in text and "Alan Turing" not in text


def test_people_page_sorts_by_column(org, engineers):
    client = client_for(org.user("team_member"))
    html = client.get("/resources/people/?sort=-name", **RESULTS).content.decode()
    assert html.index("Grace Hopper") < html.index("Ada Lovelace")
    assert 'aria-sort="descending"' in html


def test_person_page_shows_role_skills_bookings_and_rates_to_resource_managers(org, engineers):
    ada = Person.objects.get(name="Ada Lovelace")
    html = (
        client_for(org.user("resource_manager"))
        .get(f"/resources/people/{ada.pk}/")
        .content.decode()
    )
    assert "Data engineer" in html and "Python" in html
    assert "LAKE" in html and "40.00" in html
    assert "123.45" in html
    assert "Deactivate" in html


def test_person_page_hides_rates_from_team_members(org, engineers):
    ada = Person.objects.get(name="Ada Lovelace")
    html = client_for(org.user("team_member")).get(f"/resources/people/{ada.pk}/").content.decode()
    assert "Python" in html
    assert "123.45" not in html and "95.00" not in html
    assert "Deactivate" not in html and "LAKE" not in html  # not on their projects


def test_roles_pages_show_rates_only_to_rate_readers(org, engineers):
    as_executive = client_for(org.user("executive")).get("/resources/roles/").content.decode()
    assert "95.00" in as_executive
    as_manager = client_for(org.user("project_manager"))
    assert "95.00" not in as_manager.get("/resources/roles/").content.decode()
    detail = as_manager.get(f"/resources/roles/{engineers.pk}/").content.decode()
    assert "Ada Lovelace" in detail and "Grace Hopper" in detail and "95.00" not in detail
    # A crafted sort by rate falls back to the default order instead of revealing rates.
    assert as_manager.get("/resources/roles/?sort=rate").status_code == 200


def test_role_form_errors_sit_beside_fields_and_nothing_is_written(org, engineers):
    client = client_for(org.user("resource_manager"))
    response = client.post(
        "/resources/roles/new/", {"code": "de", "name": "Copy", "default_cost_rate": "-3"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["Another role already uses the code de."],
        "default_cost_rate": ["A cost rate cannot be negative."],
    }
    html = response.content.decode()
    rate_block = html[
        html.index('for="id_default_cost_rate"') : html.index('name="default_cost_rate"')
    ]
    assert "A cost rate cannot be negative." in rate_block
    assert Role.objects.count() == 1


def test_role_create_and_edit(org):
    client = client_for(org.user("pmo_analyst"))
    response = client.post(
        "/resources/roles/new/",
        {"code": "QA", "name": "Tester", "default_cost_rate": "70", "is_active": "on"},
    )
    role = Role.objects.get(code="QA")
    assert response["Location"] == f"/resources/roles/{role.pk}/"
    client.post(
        f"/resources/roles/{role.pk}/edit/",
        {"code": "QA", "name": "Test engineer", "default_cost_rate": "75", "is_active": "on"},
    )
    role.refresh_from_db()
    assert (role.name, role.default_cost_rate) == ("Test engineer", Decimal("75.00"))


def test_person_create_and_edit_through_the_forms(org, engineers):
    unit = BusinessUnitFactory(organisation=org.organisation, name="Finance")
    client = client_for(org.user("resource_manager"))
    invalid = client.post(
        "/resources/people/new/", {"name": "Katherine", "role_id": engineers.pk, "fte": "3"}
    )
    assert invalid.context["form"].errors == {"fte": ["Full-time equivalent runs from 0 to 1.5."]}
    assert not Person.objects.filter(name="Katherine").exists()
    response = client.post(
        "/resources/people/new/",
        {"name": "Katherine", "role_id": engineers.pk, "fte": "0.6", "business_unit_id": unit.pk},
    )
    person = Person.objects.get(name="Katherine")
    assert response["Location"] == f"/resources/people/{person.pk}/"
    assert person.business_unit == unit
    edit = client.get(f"/resources/people/{person.pk}/edit/")
    assert edit.context["form"].initial["fte"] == Decimal("0.60")
    client.post(
        f"/resources/people/{person.pk}/edit/",
        {"name": "Katherine Johnson", "role_id": engineers.pk, "fte": "0.6", "is_active": "on"},
    )
    person.refresh_from_db()
    assert (person.name, person.business_unit_id) == ("Katherine Johnson", None)


def test_deactivate_button_keeps_the_person(org, engineers):
    ada = Person.objects.get(name="Ada Lovelace")
    response = client_for(org.user("resource_manager")).post(
        f"/resources/people/{ada.pk}/deactivate/", follow=True
    )
    assert "no longer planned" in response.content.decode()
    ada.refresh_from_db()
    assert not ada.is_active and ada.end_date is not None


@pytest.mark.parametrize("role", ["team_member", "project_manager", "executive"])
def test_other_roles_get_403_on_forms_and_actions(org, engineers, role):
    client = client_for(org.user(role))
    ada = Person.objects.get(name="Ada Lovelace")
    assert client.get("/resources/roles/new/").status_code == 403
    assert client.get(f"/resources/roles/{engineers.pk}/edit/").status_code == 403
    assert client.post(f"/resources/roles/{engineers.pk}/delete/").status_code == 403
    assert client.get("/resources/people/new/").status_code == 403
    assert client.get(f"/resources/people/{ada.pk}/edit/").status_code == 403
    assert client.post(f"/resources/people/{ada.pk}/deactivate/").status_code == 403
    ada.refresh_from_db()
    assert ada.is_active


@pytest.mark.parametrize(
    "path",
    [
        "/resources/people/{person}/",
        "/resources/people/{person}/edit/",
        "/resources/roles/{role}/",
        "/resources/roles/{role}/edit/",
    ],
)
def test_an_outsider_gets_404_on_every_page_of_another_organisation(other_org, engineers, path):
    url = path.format(person=Person.objects.first().pk, role=engineers.pk)
    assert client_for(other_org.user("administrator")).get(url).status_code == 404


def _fill(org, size: int) -> None:
    unit = BusinessUnitFactory(organisation=org.organisation)
    for _ in range(size):
        PersonFactory(role=RoleFactory(organisation=org.organisation), business_unit=unit)


@pytest.mark.parametrize("size", [2, 7])
@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # session, user, role and business unit pickers, page count, page of rows, header
        ("/resources/people/", 7),
        # session, user, page count, page of rows, header
        ("/resources/roles/", 5),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    org, django_assert_num_queries, size, path, queries
):
    _fill(org, size)
    client = client_for(org.user("resource_manager"))
    with django_assert_num_queries(queries):
        response = client.get(path)
    assert response.context["page"].paginator.count == size
