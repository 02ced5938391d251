"""Capacity follows its inputs without anyone pressing "refresh".

Changing a person (FTE, role, calendar, dates, deactivation, deletion), their
absences, or importing people rebuilds that person's months and their roles'
totals in the same transaction; the heatmap shows it on the next read.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steerco.resources import capacity_services
from steerco.resources.capacity_engine_io import add_months
from steerco.resources.models import Absence, CapacityPeriod
from tests.factories import (
    CalendarExceptionFactory,
    CalendarFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
THIS_MONTH = datetime.date.today().replace(day=1)
NEXT_MONTH = add_months(THIS_MONTH, 1)


def role_hours(role, month):
    row = CapacityPeriod.objects.filter(role=role, person=None, month=month).first()
    return row.hours if row else None


def person_hours(person, month):
    row = CapacityPeriod.objects.filter(person=person, month=month).first()
    return row.hours if row else None


@pytest.fixture
def team(org):
    o = org.organisation
    standard = CalendarFactory(organisation=o, name="Standard", is_default=True)
    engineers = RoleFactory(organisation=o, code="DE", name="Data engineer")
    analysts = RoleFactory(organisation=o, code="BA", name="Business analyst")
    ada = PersonFactory(role=engineers, name="Ada", fte=Decimal("1"))
    grace = PersonFactory(role=engineers, name="Grace", fte=Decimal("1"))
    portfolio = PortfolioFactory(organisation=o, code="P1")
    ProjectFactory(portfolio=portfolio, code="ALPHA")
    capacity_services.capacity_refresh(acting_user=None, organisation_id=o.pk)
    return {"de": engineers, "ba": analysts, "ada": ada, "grace": grace, "calendar": standard}


def heatmap_capacity(client, role_code, month):
    response = client.get("/api/v1/capacity/heatmap", {"start": f"{month:%Y-%m}", "months": 1})
    assert response.status_code == 200
    row = next(row for row in response.json()["rows"] if row["code"] == role_code)
    return row["cells"][0]["capacity"]


def test_changing_an_fte_through_the_api_shows_in_the_heatmap_without_a_refresh(
    org, team, api_client
):
    manager = api_client(org.user("resource_manager"))
    before = heatmap_capacity(manager, "DE", NEXT_MONTH)
    ada_before = float(person_hours(team["ada"], NEXT_MONTH))
    assert before == pytest.approx(2 * ada_before)

    response = manager.patch(f"/api/v1/people/{team['ada'].pk}", {"fte": "0.5"}, content_type=JSON)

    assert response.status_code == 200
    assert float(person_hours(team["ada"], NEXT_MONTH)) == pytest.approx(ada_before / 2)
    assert heatmap_capacity(manager, "DE", NEXT_MONTH) == pytest.approx(1.5 * ada_before)


def test_moving_someone_to_another_role_moves_their_hours(org, team, api_client):
    manager = api_client(org.user("resource_manager"))
    hours = person_hours(team["grace"], NEXT_MONTH)

    response = manager.patch(
        f"/api/v1/people/{team['grace'].pk}", {"role_id": team["ba"].pk}, content_type=JSON
    )

    assert response.status_code == 200
    assert role_hours(team["ba"], NEXT_MONTH) == hours
    assert role_hours(team["de"], NEXT_MONTH) == person_hours(team["ada"], NEXT_MONTH)
    assert CapacityPeriod.objects.get(person=team["grace"], month=NEXT_MONTH).role == team["ba"]


def test_a_new_person_adds_capacity_and_a_deactivated_one_removes_it(org, team, api_client):
    manager = api_client(org.user("resource_manager"))
    response = manager.post(
        "/api/v1/people",
        {"name": "Linus", "role_id": team["ba"].pk, "fte": "1"},
        content_type=JSON,
    )
    assert response.status_code == 201
    linus = response.json()["id"]
    added = role_hours(team["ba"], NEXT_MONTH)
    assert added and added > 0
    assert CapacityPeriod.objects.filter(person_id=linus).count() > 12

    response = manager.post(
        f"/api/v1/people/{linus}/deactivate",
        {"end_date": THIS_MONTH.isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert role_hours(team["ba"], NEXT_MONTH) == Decimal("0.00")
    assert not CapacityPeriod.objects.filter(person_id=linus).exists()


def test_deleting_a_person_takes_them_out_of_their_role_total(org, team, api_client):
    manager = api_client(org.user("resource_manager"))
    ada_hours = person_hours(team["ada"], NEXT_MONTH)

    response = manager.delete(f"/api/v1/people/{team['grace'].pk}")

    assert response.status_code == 204
    assert role_hours(team["de"], NEXT_MONTH) == ada_hours


def test_an_absence_lowers_capacity_and_removing_it_restores_it(org, team, api_client):
    manager = api_client(org.user("resource_manager"))
    ada = team["ada"]
    full = person_hours(ada, NEXT_MONTH)
    # A whole week away: five working days of eight hours on the standard calendar.
    monday = NEXT_MONTH + datetime.timedelta(days=(7 - NEXT_MONTH.weekday()) % 7)

    response = manager.post(
        f"/api/v1/people/{ada.pk}/absences",
        {
            "start_date": monday.isoformat(),
            "finish_date": (monday + datetime.timedelta(4)).isoformat(),
        },
        content_type=JSON,
    )

    assert response.status_code == 201
    assert person_hours(ada, NEXT_MONTH) == full - Decimal("40")
    assert role_hours(team["de"], NEXT_MONTH) == full - Decimal("40") + person_hours(
        team["grace"], NEXT_MONTH
    )
    response = manager.delete(f"/api/v1/absences/{response.json()['id']}")
    assert response.status_code == 204
    assert person_hours(ada, NEXT_MONTH) == full
    assert not Absence.objects.exists()


@pytest.mark.parametrize("role", ["team_member", "project_manager", "executive"])
def test_only_resource_editors_record_absences(org, team, api_client, role):
    response = api_client(org.user(role)).post(
        f"/api/v1/people/{team['ada'].pk}/absences",
        {"start_date": NEXT_MONTH.isoformat(), "finish_date": NEXT_MONTH.isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 403
    assert not Absence.objects.exists()


def test_an_outsider_cannot_see_someone_elses_people(org, other_org, team, api_client):
    response = api_client(other_org.user("resource_manager")).post(
        f"/api/v1/people/{team['ada'].pk}/absences",
        {"start_date": NEXT_MONTH.isoformat(), "finish_date": NEXT_MONTH.isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 404


def test_an_absence_that_ends_before_it_starts_is_refused(org, team, api_client):
    response = api_client(org.user("resource_manager")).post(
        f"/api/v1/people/{team['ada'].pk}/absences",
        {"start_date": NEXT_MONTH.isoformat(), "finish_date": THIS_MONTH.isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "finish_date" in str(response.json())


def test_a_people_import_rebuilds_everyone_it_touched_once(org, team):
    from steerco.finance.imports import import_file

    content = b"name,role,email,fte\nAda,DE,,0.5\nMarie,BA,marie@example.org,1\n"
    report = import_file(
        acting_user=org.user("resource_manager"),
        kind="people",
        filename="people.csv",
        content=content,
        dry_run=False,
    )

    assert report.errors == []
    assert person_hours(team["ada"], NEXT_MONTH) == person_hours(team["grace"], NEXT_MONTH) / 2
    assert role_hours(team["ba"], NEXT_MONTH) == person_hours(team["grace"], NEXT_MONTH)


def test_refreshing_one_person_is_a_few_queries(org, team):
    """Why the rebuild runs inside the write's transaction and not in a background job."""
    with CaptureQueriesContext(connection) as queries:
        capacity_services.capacity_refresh_people(
            organisation_id=org.organisation.pk, person_ids=[team["ada"].pk]
        )
    # Twelve, plus the organisation's row lock that serialises concurrent rebuilds.
    assert len(queries) <= 13


def test_the_explicit_refresh_still_rebuilds_everything(org, team, api_client):
    CapacityPeriod.objects.all().delete()
    response = api_client(org.user("resource_manager")).post(
        "/api/v1/capacity/refresh", {}, content_type=JSON
    )
    assert response.status_code == 200
    assert person_hours(team["ada"], NEXT_MONTH) is not None


def test_a_holiday_on_the_default_calendar_rebuilds_everyone_on_it(org, team):
    """What the calendar writes of the projects app call (``calendar_changed``)."""
    before = person_hours(team["ada"], NEXT_MONTH)
    weekday = NEXT_MONTH + datetime.timedelta(days=(7 - NEXT_MONTH.weekday()) % 7)
    CalendarExceptionFactory(
        calendar=team["calendar"], name="Holiday", start_date=weekday, finish_date=weekday
    )
    assert person_hours(team["ada"], NEXT_MONTH) == before  # nothing told the cache yet

    capacity_services.calendar_changed(
        organisation_id=org.organisation.pk, calendar_id=team["calendar"].pk
    )

    assert person_hours(team["ada"], NEXT_MONTH) == before - Decimal("8")
    assert person_hours(team["grace"], NEXT_MONTH) == before - Decimal("8")
    assert role_hours(team["de"], NEXT_MONTH) == 2 * (before - Decimal("8"))


def test_the_nightly_periodic_run_rebuilds_a_month_entering_the_window(
    org, team, django_capture_on_commit_callbacks
):
    from steerco.jobs.models import Job
    from steerco.jobs.periodic_services import periodic_run_now

    # As if the window had moved on since the last rebuild: the latest month has no rows.
    latest = CapacityPeriod.objects.order_by("-month").values_list("month", flat=True).first()
    CapacityPeriod.objects.filter(month=latest).delete()
    with django_capture_on_commit_callbacks(execute=True):
        [job] = periodic_run_now(
            name="resources.capacity_refresh", organisation_ids=[org.organisation.pk]
        )
    job.refresh_from_db()

    assert job.state == Job.State.SUCCEEDED
    assert job.result["people"] == 2
    assert person_hours(team["ada"], latest) is not None
    assert role_hours(team["de"], latest) is not None
