"""A resource manager's journey in a real browser: find a person, then add a role."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.resources.models import Role
from tests.browser import login
from tests.factories import PersonFactory, RoleFactory
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resource_manager_searches_people_opens_one_and_creates_a_role(live_server, page):
    org = make_org()
    engineers = RoleFactory(organisation=org.organisation, code="DE", name="Data engineer")
    PersonFactory(role=engineers, name="Ada Lovelace", email="ada@acme.test")
    PersonFactory(role=engineers, name="Grace Hopper", email="grace@acme.test")
    login(page, live_server.url, org.user("resource_manager").username, PASSWORD)

    # Open people from the navigation
    page.click("nav.sidebar >> text=People")
    page.wait_for_selector("[data-testid=people-table] >> text=Ada Lovelace")

    # Search: htmx swaps the table and pushes the URL, without a page load
    page.fill("[data-testid=search]", "hopper")
    page.wait_for_selector("[data-testid=people-table] >> text=Ada Lovelace", state="detached")
    assert "Grace Hopper" in page.inner_text("[data-testid=people-table]")
    assert "search=hopper" in page.url

    # Open the person
    page.click("[data-testid=people-table] >> text=Grace Hopper")
    page.wait_for_selector("[data-testid=person-title]")
    assert page.inner_text("[data-testid=person-title]") == "Grace Hopper"
    assert "Data engineer" in page.inner_text("dl.facts")

    # Create a role; a mistake first, shown beside the field
    page.click("nav.sidebar >> text=Roles")
    page.click("[data-testid=new-role]")
    page.fill("input[name=code]", "de")
    page.fill("input[name=name]", "Test engineer")
    page.fill("input[name=default_cost_rate]", "82.50")
    page.click("[data-testid=entity-form] >> button[type=submit]")
    assert "Another role already uses the code de." in page.inner_text("[data-testid=entity-form]")
    page.fill("input[name=code]", "QA")
    page.click("[data-testid=entity-form] >> button[type=submit]")
    page.wait_for_selector("[data-testid=role-title]")
    assert page.inner_text("[data-testid=role-title]").startswith("Test engineer")
    assert page.inner_text("[data-testid=role-rate]") == "82.50 / h"
    assert Role.objects.get(code="QA").default_cost_rate == Decimal("82.50")
    assert page.console_errors == []
