"""Calendar edits in the Django admin bypass the services, so capacity is told explicitly."""

from __future__ import annotations

import datetime
import json

import pytest

from steerco.projects.models import Calendar
from steerco.resources.capacity_engine_io import first_of_month
from steerco.resources.capacity_services import capacity_refresh
from steerco.resources.models import CapacityPeriod
from tests.factories import CalendarFactory, PersonFactory, RoleFactory

pytestmark = pytest.mark.django_db


def a_weekday_next_quarter() -> datetime.date:
    day = first_of_month(datetime.date.today() + datetime.timedelta(days=95))
    day += datetime.timedelta(days=7)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def change_form(calendar: Calendar, holiday: datetime.date) -> dict[str, str]:
    return {
        "organisation": str(calendar.organisation_id),
        "name": calendar.name,
        "base_calendar": "",
        "hours_per_day": "8.00",
        "working_week": json.dumps(calendar.working_week),
        "timezone": "UTC",
        "is_default": "on",
        "exceptions-TOTAL_FORMS": "1",
        "exceptions-INITIAL_FORMS": "0",
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
        "exceptions-0-name": "Company day",
        "exceptions-0-start_date": holiday.isoformat(),
        "exceptions-0-finish_date": holiday.isoformat(),
        "exceptions-0-intervals": "[]",
        "_save": "Save",
    }


def test_a_holiday_added_in_the_admin_lowers_capacity(client, org):
    administrator = org.user("administrator")
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    calendar = CalendarFactory(organisation=org.organisation, name="Head office", is_default=True)
    engineers = RoleFactory(organisation=org.organisation, code="DE")
    ada = PersonFactory(role=engineers, name="Ada", calendar=calendar)
    holiday = a_weekday_next_quarter()
    month = first_of_month(holiday)
    capacity_refresh(acting_user=administrator, first_month=month, months=1)
    before = CapacityPeriod.objects.get(person=ada, month=month).hours

    client.force_login(administrator)
    response = client.post(
        f"/admin/projects/calendar/{calendar.pk}/change/", change_form(calendar, holiday)
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert calendar.exceptions.get().start_date == holiday
    assert CapacityPeriod.objects.get(person=ada, month=month).hours == before - 8


# Overlapping holidays: the admin runs the calendar services' overlap check over its rows.


def staff(org):
    administrator = org.user("administrator")
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    return administrator


def calendar_form(calendar_fields: dict[str, str], rows: list[dict[str, str]], initial: int):
    data = {
        **calendar_fields,
        "exceptions-TOTAL_FORMS": str(len(rows)),
        "exceptions-INITIAL_FORMS": str(initial),
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, row in enumerate(rows):
        data.update({f"exceptions-{index}-{key}": value for key, value in row.items()})
    return data


def holiday(name: str, start: str, finish: str, **extra: str) -> dict[str, str]:
    return {"name": name, "start_date": start, "finish_date": finish, "intervals": "[]", **extra}


def calendar_fields(org, name: str) -> dict[str, str]:
    return {
        "organisation": str(org.organisation.pk),
        "name": name,
        "base_calendar": "",
        "hours_per_day": "8.00",
        "working_week": json.dumps({}),
        "timezone": "UTC",
    }


@pytest.fixture
def christmas_calendar(org):
    calendar = CalendarFactory(organisation=org.organisation, name="Head office")
    christmas = calendar.exceptions.create(
        name="Christmas",
        start_date=datetime.date(2026, 12, 24),
        finish_date=datetime.date(2026, 12, 26),
    )
    return calendar, christmas


def change(client, calendar, rows, initial):
    fields = calendar_fields_of(calendar)
    return client.post(
        f"/admin/projects/calendar/{calendar.pk}/change/", calendar_form(fields, rows, initial)
    )


def calendar_fields_of(calendar: Calendar) -> dict[str, str]:
    return {
        "organisation": str(calendar.organisation_id),
        "name": calendar.name,
        "base_calendar": "",
        "hours_per_day": f"{calendar.hours_per_day}",
        "working_week": json.dumps(calendar.working_week),
        "timezone": calendar.timezone,
    }


def existing(exception, **changes: str) -> dict[str, str]:
    return {
        "id": str(exception.pk),
        "calendar": str(exception.calendar_id),
        **holiday(exception.name, f"{exception.start_date}", f"{exception.finish_date}"),
        **changes,
    }


def test_a_holiday_overlapping_another_is_refused_in_the_change_view(
    client, org, christmas_calendar
):
    calendar, christmas = christmas_calendar
    client.force_login(staff(org))

    response = change(
        client,
        calendar,
        [existing(christmas), holiday("Boxing day", "2026-12-26", "2026-12-26")],
        initial=1,
    )

    assert response.status_code == 200  # the form again, with the message beside the row
    assert "Overlaps Christmas (2026-12-24 to 2026-12-26)." in response.content.decode()
    assert list(calendar.exceptions.values_list("name", flat=True)) == ["Christmas"]


def test_moving_an_existing_holiday_onto_another_is_refused(client, org, christmas_calendar):
    calendar, christmas = christmas_calendar
    new_year = calendar.exceptions.create(
        name="New year", start_date=datetime.date(2027, 1, 1), finish_date=datetime.date(2027, 1, 1)
    )
    client.force_login(staff(org))

    response = change(
        client,
        calendar,
        [existing(christmas, finish_date="2027-01-02"), existing(new_year)],
        initial=2,
    )

    assert response.status_code == 200
    assert "Overlaps Christmas (2026-12-24 to 2027-01-02)." in response.content.decode()
    christmas.refresh_from_db()
    assert christmas.finish_date == datetime.date(2026, 12, 26)


def test_adjacent_holidays_and_a_replaced_one_are_saved(client, org, christmas_calendar):
    calendar, christmas = christmas_calendar
    client.force_login(staff(org))

    adjacent = change(
        client,
        calendar,
        [existing(christmas), holiday("New year's eve", "2026-12-27", "2026-12-31")],
        initial=1,
    )
    assert adjacent.status_code == 302, adjacent.content.decode()[:3000]
    assert calendar.exceptions.count() == 2

    eve = calendar.exceptions.get(name="New year's eve")
    # Deleting Christmas frees its days for a shorter holiday in the same save.
    replaced = change(
        client,
        calendar,
        [
            existing(christmas, DELETE="on"),
            existing(eve),
            holiday("Christmas day", "2026-12-25", "2026-12-25"),
        ],
        initial=2,
    )
    assert replaced.status_code == 302, replaced.content.decode()[:3000]
    assert sorted(calendar.exceptions.values_list("name", flat=True)) == [
        "Christmas day",
        "New year's eve",
    ]


def test_two_new_overlapping_holidays_are_refused_in_the_add_view(client, org):
    client.force_login(staff(org))

    response = client.post(
        "/admin/projects/calendar/add/",
        calendar_form(
            calendar_fields(org, "Plant"),
            [
                holiday("Summer shutdown", "2026-08-03", "2026-08-14"),
                holiday("Assumption", "2026-08-14", "2026-08-14"),
            ],
            initial=0,
        ),
    )

    assert response.status_code == 200
    assert "Overlaps Summer shutdown (2026-08-03 to 2026-08-14)." in response.content.decode()
    assert not Calendar.objects.filter(name="Plant").exists()
