"""Capacity and request pages through the test client: what each role sees, htmx fragments,
what-if links, fit preview, request decisions, and a fixed number of queries per page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from steerco.resources.models import Booking, CapacityPeriod, ResourceRequest, RoleDemand
from tests.factories import (
    CapacityPeriodFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    ResourceRequestFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

MAY, JUNE = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)
HEATMAP = "/resources/capacity/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plan(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    for month in (MAY, JUNE):
        CapacityPeriodFactory(role=de, person=None, month=month, hours=Decimal("160"))
    portfolio = PortfolioFactory(organisation=o, code="P1", name="Digital")
    alpha = ProjectFactory(
        portfolio=portfolio, code="ALPHA", name="Ledger", manager=org.user("project_manager")
    )
    beta = ProjectFactory(portfolio=portfolio, code="BETA", name="Portal", stage="approved")
    RoleDemand.objects.create(project=alpha, role=de, month=MAY, hours=Decimal("120"))
    RoleDemand.objects.create(project=beta, role=de, month=MAY, hours=Decimal("80"))
    return {"de": de, "portfolio": portfolio, "alpha": alpha, "beta": beta}


def test_heatmap_page_shows_over_allocation(org, plan):
    response = client_for(org.user("resource_manager")).get(
        HEATMAP, {"portfolio": "P1", "from": "2026-05", "months": "6"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="cell-DE-2026-05"' in html
    assert "heat-4 over" in html  # 200 h for 160 h
    assert "1 over-allocated role-month" in html
    assert "Refresh capacity" in html


def test_htmx_asks_for_the_heatmap_only(org, plan):
    response = client_for(org.user("executive")).get(
        HEATMAP,
        {"portfolio": "P1", "from": "2026-05", "moves": "BETA:+1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="heatmap",
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="heatmap"' in html
    assert "BETA +1 month" in html
    assert "No role is over-allocated." in html
    assert "Refresh capacity" not in html


def test_drilldown_fragment_names_the_projects_and_offers_what_if_links(org, plan):
    request = ResourceRequestFactory(
        project=plan["alpha"], role=plan["de"], start_date=MAY, finish_date=JUNE
    )
    response = client_for(org.user("resource_manager")).get(
        "/resources/capacity/drilldown/",
        {"portfolio": "P1", "from": "2026-05", "role": plan["de"].pk, "month": "2026-05"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("ALPHA") < html.index("BETA")
    assert "moves=BETA%3A%2B1" in html
    assert f"/resources/requests/{request.pk}/" in html


def test_fit_preview_fragment(org, plan):
    response = client_for(org.user("portfolio_manager")).get(
        "/resources/capacity/fit/", {"portfolio": "P1", "from": "2026-05", "months": "6"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="fit-moves"' in html and "BETA" in html
    assert "moves=BETA%3A%2B1" in html


@pytest.mark.parametrize("role", ["project_manager", "team_member"])
def test_the_heatmap_is_forbidden_to_delivery_roles(org, plan, role):
    client = client_for(org.user(role))
    assert client.get(HEATMAP).status_code == 403
    assert client.get("/resources/capacity/people/").status_code == 403


def test_an_outsider_does_not_find_our_portfolio_or_requests(org, other_org, plan):
    client = client_for(other_org.user("administrator"))
    request = ResourceRequestFactory(project=plan["alpha"], role=plan["de"])
    assert client.get(HEATMAP, {"portfolio": "P1"}).status_code == 404
    assert (
        client.get(
            "/resources/capacity/drilldown/",
            {"portfolio": "P1", "role": plan["de"].pk, "month": "2026-05"},
        ).status_code
        == 404
    )
    assert client.get(f"/resources/requests/{request.pk}/").status_code == 404
    assert (
        client.post(f"/resources/requests/{request.pk}/reject/", {"reason": "x"}).status_code == 404
    )


def test_refresh_rebuilds_capacity(org, plan):
    PersonFactory(role=plan["de"])
    response = client_for(org.user("resource_manager")).post("/resources/capacity/refresh/")
    assert response.status_code == 302
    assert CapacityPeriod.objects.filter(person__isnull=False).exists()
    assert client_for(org.user("executive")).post("/resources/capacity/refresh/").status_code == 403


def test_people_view(org, plan):
    ada = PersonFactory(role=plan["de"], name="Ada Lovelace")
    CapacityPeriodFactory(role=plan["de"], person=ada, month=MAY, hours=Decimal("100"))
    Booking.objects.create(
        project=plan["alpha"], person=ada, month=MAY, hours=Decimal("150"), kind="hard"
    )
    html = (
        client_for(org.user("resource_manager"))
        .get("/resources/capacity/people/", {"from": "2026-05"})
        .content.decode()
    )
    assert "Ada Lovelace" in html and "150%" in html


def test_project_manager_asks_and_resource_manager_approves_through_pages(org, plan):
    pm = client_for(org.user("project_manager"))
    ada = PersonFactory(role=plan["de"], name="Ada Lovelace")
    form = pm.get("/resources/requests/new/")
    assert form.status_code == 200 and "ALPHA Ledger" in form.content.decode()
    assert "BETA" not in form.content.decode()  # not the PM's project
    refused = pm.post("/resources/requests/new/", {"project": plan["alpha"].pk, "hours": "80"})
    assert refused.status_code == 422
    response = pm.post(
        "/resources/requests/new/",
        {
            "project": plan["alpha"].pk,
            "role": plan["de"].pk,
            "start_date": "2026-05-01",
            "finish_date": "2026-05-31",
            "hours": "80",
            "reason": "Migration",
        },
    )
    request = ResourceRequest.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/resources/requests/{request.pk}/"
    )
    assert "Who could do it" not in pm.get(response["Location"]).content.decode()

    manager = client_for(org.user("resource_manager"))
    page = manager.get(f"/resources/requests/{request.pk}/").content.decode()
    assert "Approve with Ada Lovelace" in page
    manager.post(f"/resources/requests/{request.pk}/approve/", {"person": ada.pk})
    request.refresh_from_db()
    assert request.status == "approved"
    assert Booking.objects.get(person=ada).hours == Decimal("80.00")
    listing = pm.get("/resources/requests/").content.decode()
    assert "Ada Lovelace, 80 h" in listing


@pytest.mark.parametrize("projects", [3, 30])
def test_heatmap_page_queries_do_not_grow(org, plan, projects, django_assert_num_queries):
    for _index in range(projects):
        project = ProjectFactory(portfolio=plan["portfolio"])
        RoleDemand.objects.create(project=project, role=plan["de"], month=JUNE, hours=Decimal("5"))
    client = client_for(org.user("resource_manager"))
    client.get(HEATMAP)  # warm the session
    # session, user, portfolio (by code, then in scope), roles, capacity, demand,
    # portfolio and scenario choices, the organisation's name in the top bar
    with django_assert_num_queries(10):
        assert client.get(HEATMAP, {"portfolio": "P1", "from": "2026-05"}).status_code == 200


def test_project_demand_page_and_rollup(org, plan):
    from tests.factories import AssignmentFactory, TaskFactory

    pm = client_for(org.user("project_manager"))
    url = f"/resources/projects/{plan['alpha'].pk}/demand/"
    html = pm.get(url).content.decode()
    assert "used by the heatmap" in html and 'data-testid="demand-manual"' in html
    task = TaskFactory(
        project=plan["alpha"],
        early_start=datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC),
        early_finish=datetime.datetime(2026, 6, 5, 17, tzinfo=datetime.UTC),
    )
    AssignmentFactory(task=task, person=PersonFactory(role=plan["de"]), work_minutes=1200)
    response = pm.post(url, follow=True)
    html = response.content.decode()
    assert "Demand rolled up from 1 assignment(s): 20.00 h." in html
    assert 'data-testid="demand-schedule"' in html
    assert client_for(org.user("team_member")).get(url).status_code == 404
    assert client_for(org.user("executive")).post(url).status_code == 403


def test_a_mistyped_what_if_is_shown_as_an_error_not_a_missing_page(org, plan):
    response = client_for(org.user("resource_manager")).get(
        HEATMAP, {"portfolio": "P1", "from": "2026-05", "moves": "NOPE:+1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "No project NOPE." in html and "Portfolio <strong>Digital</strong>" in html
