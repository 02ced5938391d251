"""Calendar API: reads for everyone in the organisation, writes for the PMO, problem+json errors."""

from __future__ import annotations

import datetime

import pytest

from steerco.projects.models import Calendar, CalendarException
from tests.factories import CalendarExceptionFactory, CalendarFactory, PersonFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture
def calendar(org):
    calendar = CalendarFactory(organisation=org.organisation, name="Head office", is_default=True)
    CalendarExceptionFactory(
        calendar=calendar, name="Labour Day", start_date=datetime.date(2026, 5, 1)
    )
    return calendar


def test_everyone_in_the_organisation_lists_and_reads(org, api_client, calendar, make_project):
    make_project(code="ERP-1", calendar=calendar)
    PersonFactory(organisation=org.organisation, name="Ada", calendar=calendar)
    CalendarFactory(organisation=org.organisation, name="Night", base_calendar=calendar)
    client = api_client(org.user("team_member"))

    listing = client.get(f"{BASE}/calendars").json()
    assert listing["count"] == 2
    first = listing["items"][0]
    assert (first["name"], first["is_default"], first["exception_count"]) == (
        "Head office",
        True,
        1,
    )
    assert first["weekly_hours"] == "40.00"
    # A team member sees the count of projects but not the codes of projects they are not on.
    assert first["usage"]["project_count"] == 1
    assert first["usage"]["projects"] == []
    assert first["usage"]["people"] == ["Ada"]
    assert len(first["usage"]["derived_calendar_ids"]) == 1

    detail = client.get(f"{BASE}/calendars/{calendar.pk}").json()
    assert detail["can_edit"] is False
    assert detail["exceptions"][0]["name"] == "Labour Day"
    assert detail["effective_week"][0]["intervals"] == [["08:00", "12:00"], ["13:00", "17:00"]]

    night = api_client(org.user("pmo_analyst")).get(f"{BASE}/calendars").json()["items"][1]
    assert night["base_calendar_name"] == "Head office"


def test_pmo_creates_changes_and_deletes_a_calendar(org, api_client, calendar):
    client = api_client(org.user("pmo_analyst"))
    created = client.post(
        f"{BASE}/calendars",
        {
            "name": "Four days",
            "working_week": {
                str(day): ([["09:00", "17:00"]] if day < 4 else []) for day in range(7)
            },
            "hours_per_day": "8",
            "timezone": "Europe/Amsterdam",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["working_week"]["4"] == []
    assert body["is_default"] is False
    assert body["effects"] == {
        "rescheduled_projects": [],
        "projects_to_reschedule": [],
        "not_rescheduled": {},
    }

    changed = client.put(
        f"{BASE}/calendars/{body['id']}",
        {"name": "Four long days", "hours_per_day": "10", "is_default": True},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["hours_per_day"] == "10.00"
    assert Calendar.objects.get(pk=calendar.pk).is_default is False

    refused = client.delete(f"{BASE}/calendars/{body['id']}")
    assert refused.status_code == 409
    assert "default calendar" in refused.json()["detail"]
    client.put(
        f"{BASE}/calendars/{calendar.pk}", {"is_default": True}, content_type="application/json"
    )
    assert client.delete(f"{BASE}/calendars/{body['id']}").status_code == 204
    assert not Calendar.objects.filter(pk=body["id"]).exists()


def test_errors_are_problem_details_with_field_paths(org, api_client, calendar):
    client = api_client(org.user("administrator"))
    response = client.post(
        f"{BASE}/calendars",
        {
            "name": "",
            "working_week": {"0": [["08:00", "12:00"], ["11:00", "13:00"]]},
            "timezone": "Nowhere",
            "base_calendar_id": 999999,
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors["name"] == ["This field is required."]
    assert errors["timezone"][0].startswith("Unknown time zone")
    assert errors["base_calendar_id"] == ["Not found."]

    week = client.post(
        f"{BASE}/calendars",
        {"name": "Split", "working_week": {"0": [["08:00", "12:00"], ["11:00", "13:00"]]}},
        content_type="application/json",
    )
    assert week.json()["errors"] == {
        "working_week.0": ["Monday: 11:00-13:00 overlaps the interval before it."]
    }

    bad_date = client.post(
        f"{BASE}/calendars/{calendar.pk}/exceptions",
        {"name": "Oops", "start_date": "2026-02-30"},
        content_type="application/json",
    )
    assert bad_date.status_code == 422
    assert "start_date" in bad_date.json()["errors"]


def test_exceptions_through_the_api(org, api_client, calendar):
    client = api_client(org.user("pmo_analyst"))
    created = client.post(
        f"{BASE}/calendars/{calendar.pk}/exceptions",
        {"name": "Summer closing", "start_date": "2026-08-03", "finish_date": "2026-08-14"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    exception_id = created.json()["id"]

    overlapping = client.post(
        f"{BASE}/calendars/{calendar.pk}/exceptions",
        {"name": "Assumption", "start_date": "2026-08-14"},
        content_type="application/json",
    )
    assert overlapping.status_code == 422
    assert overlapping.json()["errors"] == {
        "start_date": ["Overlaps Summer closing (2026-08-03 to 2026-08-14)."]
    }

    backwards = client.put(
        f"{BASE}/calendar-exceptions/{exception_id}",
        {"finish_date": "2026-08-01"},
        content_type="application/json",
    )
    assert backwards.json()["errors"] == {"finish_date": ["The finish is before the start."]}

    half_days = client.put(
        f"{BASE}/calendar-exceptions/{exception_id}",
        {"working": True, "intervals": [["09:00", "13:00"]]},
        content_type="application/json",
    )
    assert half_days.status_code == 200
    assert half_days.json()["intervals"] == [["09:00", "13:00"]]

    assert client.delete(f"{BASE}/calendar-exceptions/{exception_id}").status_code == 204
    assert not CalendarException.objects.filter(pk=exception_id).exists()


def test_a_team_member_reads_but_may_not_write(org, api_client, calendar):
    client = api_client(org.user("team_member"))
    holiday = calendar.exceptions.get()
    writes = [
        client.post(f"{BASE}/calendars", {"name": "Mine"}, content_type="application/json"),
        client.put(
            f"{BASE}/calendars/{calendar.pk}", {"name": "Mine"}, content_type="application/json"
        ),
        client.delete(f"{BASE}/calendars/{calendar.pk}"),
        client.post(
            f"{BASE}/calendars/{calendar.pk}/exceptions",
            {"name": "Mine", "start_date": "2026-06-01"},
            content_type="application/json",
        ),
        client.put(
            f"{BASE}/calendar-exceptions/{holiday.pk}",
            {"name": "Mine"},
            content_type="application/json",
        ),
        client.delete(f"{BASE}/calendar-exceptions/{holiday.pk}"),
    ]
    assert [response.status_code for response in writes] == [403] * 6
    assert client.get(f"{BASE}/calendars/{calendar.pk}").status_code == 200
    assert Calendar.objects.get(pk=calendar.pk).name == "Head office"


def test_another_organisation_gets_404(other_org, api_client, calendar):
    client = api_client(other_org.user("administrator"))
    holiday = calendar.exceptions.get()
    responses = [
        client.get(f"{BASE}/calendars/{calendar.pk}"),
        client.put(
            f"{BASE}/calendars/{calendar.pk}", {"name": "X"}, content_type="application/json"
        ),
        client.delete(f"{BASE}/calendars/{calendar.pk}"),
        client.post(
            f"{BASE}/calendars/{calendar.pk}/exceptions",
            {"name": "X", "start_date": "2026-06-01"},
            content_type="application/json",
        ),
        client.put(
            f"{BASE}/calendar-exceptions/{holiday.pk}",
            {"name": "X"},
            content_type="application/json",
        ),
        client.delete(f"{BASE}/calendar-exceptions/{holiday.pk}"),
    ]
    assert [response.status_code for response in responses] == [404] * 6
    assert client.get(f"{BASE}/calendars").json()["count"] == 0


def test_the_list_endpoint_query_count_does_not_grow(
    org, api_client, calendar, make_project, django_assert_max_num_queries
):
    client = api_client(org.user("pmo_analyst"))
    for index in range(6):
        other = CalendarFactory(organisation=org.organisation, name=f"Site {index}")
        CalendarExceptionFactory(calendar=other)
        make_project(code=f"P-{index}", calendar=other)
        PersonFactory(organisation=org.organisation, calendar=other)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/calendars")
    assert response.json()["count"] == 7
