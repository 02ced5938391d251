"""Calendar pages: list, detail, forms, the htmx holiday panel, roles and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from steerco.projects.models import Calendar, CalendarException
from tests.factories import CalendarExceptionFactory, CalendarFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(org):
    return CalendarFactory(organisation=org.organisation, name="Head office", is_default=True)


def logged_in(client, user):
    client.force_login(user)
    return client


def test_list_shows_calendars_and_who_uses_them(client, org, calendar, make_project):
    make_project(code="ERP-1", calendar=calendar)
    PersonFactory(organisation=org.organisation, name="Ada", calendar=calendar)
    CalendarFactory(organisation=org.organisation, name="Night shift", base_calendar=calendar)

    page = logged_in(client, org.user("pmo_analyst")).get(reverse("calendars:list")).content
    text = page.decode()
    assert "Head office" in text and "Night shift" in text
    assert "ERP-1" in text and "Ada" in text
    assert 'data-testid="new-calendar"' in text
    assert ">Calendars</a>" in text  # the navigation entry for the PMO


def test_list_query_count_is_pinned(
    client, org, calendar, make_project, django_assert_max_num_queries
):
    for index in range(8):
        other = CalendarFactory(organisation=org.organisation, name=f"Site {index}")
        CalendarExceptionFactory(calendar=other)
        make_project(code=f"P-{index}", calendar=other)
        PersonFactory(organisation=org.organisation, calendar=other)
    client = logged_in(client, org.user("pmo_analyst"))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("calendars:list"))
    assert response.content.decode().count('data-testid="calendar-row"') == 9


def test_detail_query_count_is_pinned(client, org, calendar, django_assert_max_num_queries):
    for day in range(1, 20):
        CalendarExceptionFactory(
            calendar=calendar,
            name=f"Day {day}",
            start_date=datetime.date(2026, 3, day),
            finish_date=datetime.date(2026, 3, day),
        )
    client = logged_in(client, org.user("team_member"))
    with django_assert_max_num_queries(11):
        response = client.get(reverse("calendars:detail", args=[calendar.pk]))
    assert response.content.decode().count('data-testid="exception-row"') == 19


def test_a_team_member_reads_without_forms_and_is_refused_on_write(client, org, calendar):
    client = logged_in(client, org.user("team_member"))
    page = client.get(reverse("calendars:detail", args=[calendar.pk])).content.decode()
    assert 'data-testid="read-only"' in page
    assert 'data-testid="holiday-form"' not in page
    assert 'data-testid="edit-calendar"' not in page
    assert ">Calendars</a>" not in client.get(reverse("calendars:list")).content.decode()

    posted = client.post(
        reverse("calendars:exception_add", args=[calendar.pk]),
        {"holiday-name": "Mine", "holiday-start_date": "2026-06-01"},
    )
    assert posted.status_code == 403
    assert client.get(reverse("calendars:edit", args=[calendar.pk])).status_code == 403
    assert client.get(reverse("calendars:create")).status_code == 403
    assert client.post(reverse("calendars:delete", args=[calendar.pk])).status_code == 403
    assert not CalendarException.objects.exists()


def test_another_organisation_gets_404(client, other_org, calendar):
    client = logged_in(client, other_org.user("administrator"))
    assert client.get(reverse("calendars:detail", args=[calendar.pk])).status_code == 404
    assert client.get(reverse("calendars:edit", args=[calendar.pk])).status_code == 404


def test_htmx_holiday_form_returns_the_panel_with_errors_beside_fields(client, org, calendar):
    client = logged_in(client, org.user("pmo_analyst"))
    url = reverse("calendars:exception_add", args=[calendar.pk])
    bad = client.post(
        url,
        {
            "holiday-name": "",
            "holiday-start_date": "2026-06-02",
            "holiday-finish_date": "2026-06-01",
        },
        HTTP_HX_REQUEST="true",
    )
    html = bad.content.decode()
    assert bad.status_code == 200
    assert 'id="exceptions"' in html and "<html" not in html
    assert 'data-testid="error-holiday-name"' in html
    assert "The finish is before the start." in html

    good = client.post(
        url,
        {"holiday-name": "Whit Monday", "holiday-start_date": "2026-05-25"},
        HTTP_HX_REQUEST="true",
    )
    assert "Whit Monday added." in good.content.decode()
    assert CalendarException.objects.get().name == "Whit Monday"


def test_calendar_form_creates_and_shows_week_errors_beside_the_day(client, org, calendar):
    client = logged_in(client, org.user("administrator"))
    data = {
        "name": "Shop floor",
        "hours_per_day": "7.5",
        "timezone": "Europe/Berlin",
        "base_calendar_id": str(calendar.pk),
        "day_0": "06:00-14:00",
        "day_1": "14:00-06:00",
        "from_base_2": "on",
    }
    page = client.post(reverse("calendars:create"), data).content.decode()
    assert 'data-testid="error-day_1"' in page
    assert "Tuesday: 14:00-06:00: the end is not after the start." in page

    data["day_1"] = "06:00-14:00"
    response = client.post(reverse("calendars:create"), data)
    created = Calendar.objects.get(name="Shop floor")
    assert response.url == reverse("calendars:detail", args=[created.pk])
    # Wednesday comes from the base calendar; the other days are its own.
    assert "2" not in created.working_week
    assert created.working_week["0"] == [["06:00", "14:00"]]
    assert created.working_week["5"] == []
    detail = client.get(response.url).content.decode()
    assert "(from Head office)" in detail


def test_deleting_a_calendar_in_use_says_why(client, org, calendar, make_project):
    spare = CalendarFactory(organisation=org.organisation, name="Spare")
    make_project(code="ERP-1", calendar=spare)
    client = logged_in(client, org.user("pmo_analyst"))
    response = client.post(reverse("calendars:delete", args=[spare.pk]), follow=True)
    assert "in use by 1 project(s) (ERP-1)" in response.content.decode()
    assert Calendar.objects.filter(pk=spare.pk).exists()


def test_holiday_list_upload_all_or_nothing(client, org, calendar):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = logged_in(client, org.user("pmo_analyst"))
    url = reverse("calendars:holidays_import", args=[calendar.pk])
    bad = SimpleUploadedFile("holidays.csv", b"2026-12-25,Christmas\nnot a date,Oops\n")
    page = client.post(url, {"file": bad}, follow=True).content.decode()
    assert "nothing imported" in page and "line 2:" in page
    assert not CalendarException.objects.exists()

    good = SimpleUploadedFile("holidays.csv", b"2026-12-25,Christmas\n2026-12-26,Boxing Day\n")
    page = client.post(url, {"file": good}, follow=True).content.decode()
    assert "Imported 2 holiday(s)" in page
    assert CalendarException.objects.count() == 2


def test_from_base_and_typed_hours_together_are_refused(client, org, calendar):
    night = CalendarFactory(
        organisation=org.organisation,
        name="Night shift",
        base_calendar=calendar,
        working_week={"0": [["22:00", "24:00"]]},
    )
    client = logged_in(client, org.user("pmo_analyst"))
    form = client.get(reverse("calendars:edit", args=[night.pk])).content.decode()
    assert 'name="from_base_1" id="id_from_base_1" checked' in form

    data = {
        "name": "Night shift",
        "hours_per_day": "8",
        "timezone": "UTC",
        "base_calendar_id": str(calendar.pk),
        "day_0": "22:00-24:00",
        "day_1": "10:00-09:00",
        **{f"from_base_{day}": "on" for day in range(1, 7)},
    }
    page = client.post(reverse("calendars:edit", args=[night.pk]), data).content.decode()
    assert "Tuesday: type hours or tick &#x27;from base&#x27;, not both." in page
    night.refresh_from_db()
    assert night.working_week == {"0": [["22:00", "24:00"]]}


def test_an_exception_is_edited_and_removed_from_the_pages(client, org, calendar):
    holiday = CalendarExceptionFactory(calendar=calendar, name="Labour Day")
    client = logged_in(client, org.user("pmo_analyst"))
    url = reverse("calendars:exception_edit", args=[holiday.pk])
    assert 'value="Labour Day"' in client.get(url).content.decode()

    page = client.post(
        url, {"name": "Half day", "start_date": "2026-05-01", "working": "on", "intervals": ""}
    ).content.decode()
    assert "A working exception needs its working hours." in page

    client.post(
        url,
        {
            "name": "Half day",
            "start_date": "2026-05-01",
            "working": "on",
            "intervals": "08:00-12:00",
        },
    )
    holiday.refresh_from_db()
    assert (holiday.name, holiday.working, holiday.intervals) == (
        "Half day",
        True,
        [["08:00", "12:00"]],
    )

    panel = client.post(
        reverse("calendars:exception_delete", args=[holiday.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Half day removed." in panel
    assert not CalendarException.objects.exists()
