"""The planning pages of a project: hand-entered demand (role x month) and named bookings.

Who may use them (the project's manager, the PMO, resource managers), who only
reads (a team member), outsiders (404), the all-or-nothing grid, and a fixed
number of queries per page.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from steerco.resources.capacity_engine_io import add_months
from steerco.resources.models import Booking, RoleDemand
from tests.factories import (
    BookingFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

THIS_MONTH = datetime.date.today().replace(day=1)
NEXT_MONTH = add_months(THIS_MONTH, 1)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plan(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    ba = RoleFactory(organisation=o, code="BA", name="Business analyst")
    portfolio = PortfolioFactory(organisation=o, code="P1")
    alpha = ProjectFactory(
        portfolio=portfolio, code="ALPHA", name="Ledger", manager=org.user("project_manager")
    )
    far = add_months(THIS_MONTH, 20)
    RoleDemand.objects.create(project=alpha, role=de, month=far, hours=Decimal("10"))
    RoleDemand.objects.create(project=alpha, role=de, month=THIS_MONTH, hours=Decimal("40"))
    ada = PersonFactory(role=de, name="Ada Lovelace")
    return {"de": de, "ba": ba, "alpha": alpha, "ada": ada, "far": far}


def grid_url(plan):
    return f"/resources/projects/{plan['alpha'].pk}/demand/plan/"


def bookings_url(plan):
    return f"/resources/projects/{plan['alpha'].pk}/bookings/"


def cell(role, month):
    return f"h-{role.pk}-{month:%Y-%m}"


def manual(plan):
    return {
        (row.role_id, row.month): row.hours
        for row in RoleDemand.objects.filter(project=plan["alpha"], source="manual")
    }


@pytest.mark.parametrize("role", ["project_manager", "pmo_analyst", "resource_manager"])
def test_planners_save_the_grid_and_rows_outside_the_window_stay(org, plan, role):
    response = client_for(org.user(role)).post(
        grid_url(plan),
        {
            "from": f"{THIS_MONTH:%Y-%m}",
            cell(plan["de"], THIS_MONTH): "60",
            cell(plan["ba"], NEXT_MONTH): "12.5",
        },
    )

    assert response.status_code == 302
    assert manual(plan) == {
        (plan["de"].pk, THIS_MONTH): Decimal("60.00"),
        (plan["ba"].pk, NEXT_MONTH): Decimal("12.50"),
        (plan["de"].pk, plan["far"]): Decimal("10.00"),
    }


def test_one_bad_cell_marks_its_row_and_saves_nothing(org, plan):
    response = client_for(org.user("project_manager")).post(
        grid_url(plan),
        {
            "from": f"{THIS_MONTH:%Y-%m}",
            cell(plan["de"], THIS_MONTH): "80",
            cell(plan["ba"], NEXT_MONTH): "lots",
        },
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "1 problem: nothing was saved" in html
    assert f'class="row-error" data-testid="demand-row-{plan["ba"].pk}"' in html
    assert "is not a number of hours" in html
    assert 'value="lots"' in html and 'value="80"' in html
    assert manual(plan)[(plan["de"].pk, THIS_MONTH)] == Decimal("40.00")


def test_a_team_member_reads_the_grid_and_may_not_save_it(org, plan):
    ProjectMemberFactory(project=plan["alpha"], user=org.user("team_member"))
    client = client_for(org.user("team_member"))
    page = client.get(grid_url(plan))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="demand-grid"' in html and '<input class="hours"' not in html
    assert client.post(grid_url(plan), {cell(plan["de"], THIS_MONTH): "1"}).status_code == 403
    assert manual(plan)[(plan["de"].pk, THIS_MONTH)] == Decimal("40.00")


def test_another_organisation_does_not_find_the_project(org, other_org, plan):
    client = client_for(other_org.user("resource_manager"))
    assert client.get(grid_url(plan)).status_code == 404
    assert client.get(bookings_url(plan)).status_code == 404


def test_the_grid_page_takes_a_fixed_number_of_queries(org, plan, django_assert_max_num_queries):
    for code in ("QA", "UX", "OPS", "SEC"):
        RoleFactory(organisation=org.organisation, code=code, name=code)
    client = client_for(org.user("project_manager"))
    with django_assert_max_num_queries(7):
        assert client.get(grid_url(plan)).status_code == 200


# -- bookings ----------------------------------------------------------------------------------


def book(client, plan, hours="40", kind="soft", **extra):
    return client.post(
        bookings_url(plan),
        {
            "action": "set",
            "person": plan["ada"].pk,
            "month": f"{NEXT_MONTH:%Y-%m}",
            "hours": hours,
            "kind": kind,
            **extra,
        },
    )


def test_a_project_manager_books_softly_but_not_hard(org, plan):
    client = client_for(org.user("project_manager"))
    assert book(client, plan).status_code == 302
    booking = Booking.objects.get()
    assert (booking.kind, booking.hours, booking.month) == ("soft", Decimal("40.00"), NEXT_MONTH)

    refused = book(client, plan, kind="hard")
    assert refused.status_code == 422
    assert "Only a resource manager may book hard" in refused.content.decode()
    assert Booking.objects.count() == 1


def test_a_resource_manager_books_hard_changes_hours_and_cancels(org, plan):
    client = client_for(org.user("resource_manager"))
    assert book(client, plan, kind="hard", note="Agreed").status_code == 302
    booking = Booking.objects.get()
    assert (booking.kind, booking.note) == ("hard", "Agreed")

    changed = client.post(
        bookings_url(plan),
        {
            "action": "set",
            "booking": booking.pk,
            "person": plan["ada"].pk,
            "month": f"{NEXT_MONTH:%Y-%m}",
            "kind": "hard",
            "hours": "24",
            "note": "Half the month",
        },
    )
    assert changed.status_code == 302
    booking.refresh_from_db()
    assert (booking.hours, booking.note) == (Decimal("24.00"), "Half the month")

    bad = client.post(
        bookings_url(plan),
        {
            "action": "set",
            "booking": booking.pk,
            "person": plan["ada"].pk,
            "month": f"{NEXT_MONTH:%Y-%m}",
            "kind": "hard",
            "hours": "-3",
        },
    )
    assert bad.status_code == 422
    assert f'class="row-error" data-testid="booking-{booking.pk}"' in bad.content.decode()

    cancelled = client.post(bookings_url(plan), {"action": "cancel", "booking": booking.pk})
    assert cancelled.status_code == 302
    assert not Booking.objects.exists()


def test_a_project_manager_cannot_change_a_hard_booking(org, plan):
    hard = BookingFactory(project=plan["alpha"], person=plan["ada"], month=NEXT_MONTH, kind="hard")
    client = client_for(org.user("project_manager"))
    page = client.get(bookings_url(plan)).content.decode()
    assert f'data-testid="cancel-booking-{hard.pk}"' not in page
    response = client.post(bookings_url(plan), {"action": "cancel", "booking": hard.pk})
    assert response.status_code == 422
    assert Booking.objects.filter(pk=hard.pk).exists()


def test_a_team_member_sees_bookings_but_may_not_book(org, plan):
    BookingFactory(project=plan["alpha"], person=plan["ada"], month=NEXT_MONTH)
    ProjectMemberFactory(project=plan["alpha"], user=org.user("team_member"))
    client = client_for(org.user("team_member"))
    page = client.get(bookings_url(plan))
    assert page.status_code == 200
    assert "Ada Lovelace" in page.content.decode()
    assert 'data-testid="booking-add"' not in page.content.decode()
    assert book(client, plan).status_code == 403


def test_the_bookings_page_takes_a_fixed_number_of_queries(
    org, plan, django_assert_max_num_queries
):
    for index in range(6):
        person = PersonFactory(role=plan["de"], name=f"Person {index}")
        BookingFactory(project=plan["alpha"], person=person, month=add_months(THIS_MONTH, index))
    client = client_for(org.user("resource_manager"))
    with django_assert_max_num_queries(7):
        assert client.get(bookings_url(plan)).status_code == 200
