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
