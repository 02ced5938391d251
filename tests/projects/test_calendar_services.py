"""Calendar services: validation per field, the one default, deletion, audit, and what follows
a calendar write (people's capacity, project schedules), and the holiday list import."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.projects import calendar_services as services
from steerco.projects import schedule_services
from steerco.projects.models import Calendar, CalendarException, Project, Task
from steerco.resources.capacity_engine_io import first_of_month
from steerco.resources.capacity_selectors import HeatmapQuery, heatmap_for_organisation
from steerco.resources.capacity_services import capacity_refresh
from steerco.resources.models import CapacityPeriod
from tests.factories import (
    CalendarExceptionFactory,
    CalendarFactory,
    PersonFactory,
    RoleFactory,
    TaskFactory,
)
from tests.projects.schedule_fixtures import build_schedule

pytestmark = pytest.mark.django_db

MAY_1 = datetime.date(2026, 5, 1)


def errors_of(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, list[str]]:
    return excinfo.value.errors


@pytest.fixture
def pmo(org):
    return org.user("pmo_analyst")


@pytest.fixture
def standard(org, pmo):
    return services.calendar_create(acting_user=pmo, fields={"name": "Standard"}).calendar


# -- creating and changing calendars ---------------------------------------------------------


def test_the_first_calendar_becomes_the_default_with_the_standard_week(org, pmo):
    written = services.calendar_create(
        acting_user=pmo, fields={"name": "  Head office ", "timezone": "Europe/Paris"}
    )

    calendar = Calendar.objects.get(pk=written.calendar.pk)
    assert calendar.name == "Head office"
    assert calendar.is_default
    assert calendar.timezone == "Europe/Paris"
    assert calendar.hours_per_day == Decimal("8.00")
    assert calendar.working_week["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert calendar.working_week["6"] == []
    entry = AuditEntry.objects.get(entity_type="projects.calendar", action="create")
    assert entry.actor == pmo
    assert entry.organisation_id == org.organisation.pk
    assert entry.after["name"] == "Head office"


def test_making_another_calendar_the_default_takes_the_flag(org, pmo, standard):
    shifts = services.calendar_create(
        acting_user=pmo,
        fields={
            "name": "Shifts",
            "working_week": {str(day): "06:00-14:00" for day in range(7)},
            "is_default": True,
        },
    ).calendar

    assert list(Calendar.objects.filter(is_default=True)) == [shifts]
    assert shifts.working_week["6"] == [["06:00", "14:00"]]
    # Taking the flag is audited on the calendar that lost it.
    assert AuditEntry.objects.filter(
        entity_id=str(standard.pk), action="update", after={"is_default": False}
    ).exists()

    services.calendar_update(acting_user=pmo, calendar_id=standard.pk, changes={"is_default": True})
    assert list(Calendar.objects.filter(is_default=True)) == [standard]


def test_the_default_cannot_be_unset_only_replaced(pmo, standard):
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_update(
            acting_user=pmo, calendar_id=standard.pk, changes={"is_default": False}
        )
    assert "make another calendar the default" in errors_of(excinfo)["is_default"][0]


def test_every_bad_field_is_named_at_once(org, pmo, standard):
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_create(
            acting_user=pmo,
            fields={
                "name": "standard",
                "hours_per_day": "25",
                "timezone": "Mars/Olympus",
                "working_week": {
                    "0": "08:00-12:00, 11:00-13:00",
                    "1": "17:00-09:00",
                    "2": "8h-12h",
                    "9": [],
                },
            },
        )
    errors = errors_of(excinfo)
    assert errors["name"] == ["A calendar called Standard already exists."]
    assert "at most 24 hours" in errors["hours_per_day"][0]
    assert "Unknown time zone 'Mars/Olympus'" in errors["timezone"][0]
    assert errors["working_week.0"] == ["Monday: 11:00-13:00 overlaps the interval before it."]
    assert errors["working_week.1"] == ["Tuesday: 17:00-09:00: the end is not after the start."]
    assert errors["working_week.2"] == ["Wednesday: 8h-12h: times are HH:MM, from 00:00 to 24:00."]
    assert "0 (Monday) to 6 (Sunday)" in errors["working_week.9"][0]
    assert Calendar.objects.count() == 1


def test_a_week_without_working_time_is_refused(pmo, standard):
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_update(
            acting_user=pmo,
            calendar_id=standard.pk,
            changes={"working_week": {str(day): [] for day in range(7)}},
        )
    assert "no working time" in errors_of(excinfo)["working_week"][0]


def test_a_derived_calendar_takes_undefined_days_from_its_base(pmo, standard):
    night = services.calendar_create(
        acting_user=pmo,
        fields={
            "name": "Night shift",
            "base_calendar_id": standard.pk,
            "working_week": {"0": "22:00-24:00", "1": None},
        },
    ).calendar

    assert night.base_calendar_id == standard.pk
    # Only Monday is its own; the other days come from the base calendar.
    assert night.working_week == {"0": [["22:00", "24:00"]]}


def test_base_calendar_cycles_are_named(pmo, standard):
    regional = services.calendar_create(
        acting_user=pmo, fields={"name": "Regional", "base_calendar_id": standard.pk}
    ).calendar
    site = services.calendar_create(
        acting_user=pmo, fields={"name": "Site", "base_calendar_id": regional.pk}
    ).calendar

    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_update(
            acting_user=pmo, calendar_id=standard.pk, changes={"base_calendar_id": site.pk}
        )
    assert errors_of(excinfo)["base_calendar_id"] == [
        "Base calendars would form a cycle: Standard → Site → Regional → Standard."
    ]
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_update(
            acting_user=pmo, calendar_id=site.pk, changes={"base_calendar_id": site.pk}
        )
    assert errors_of(excinfo)["base_calendar_id"] == ["A calendar cannot be based on itself."]


def test_another_organisations_base_calendar_is_not_found(pmo, standard, other_org):
    foreign = CalendarFactory(organisation=other_org.organisation)
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_update(
            acting_user=pmo, calendar_id=standard.pk, changes={"base_calendar_id": foreign.pk}
        )
    assert errors_of(excinfo) == {"base_calendar_id": ["Not found."]}


def test_only_administrators_and_pmo_analysts_write(org, standard, other_org):
    for role in ("project_manager", "team_member", "resource_manager", "executive"):
        with pytest.raises(AccessDenied):
            services.calendar_update(
                acting_user=org.user(role), calendar_id=standard.pk, changes={"name": "Mine"}
            )
        with pytest.raises(AccessDenied):
            services.calendar_create(acting_user=org.user(role), fields={"name": "Mine"})
    with pytest.raises(NotFound):
        services.calendar_update(
            acting_user=other_org.user("administrator"),
            calendar_id=standard.pk,
            changes={"name": "Theirs"},
        )
    services.calendar_update(
        acting_user=org.user("administrator"), calendar_id=standard.pk, changes={"name": "Ours"}
    )
    assert Calendar.objects.get(pk=standard.pk).name == "Ours"


# -- deleting ----------------------------------------------------------------------------------


def test_a_calendar_in_use_is_not_deleted_and_the_message_says_by_whom(
    org, pmo, standard, make_project
):
    spare = services.calendar_create(acting_user=pmo, fields={"name": "Spare"}).calendar
    make_project(code="ERP-1", calendar=spare)
    PersonFactory(organisation=org.organisation, name="Ada Lovelace", calendar=spare)
    TaskFactory(project=make_project(code="WEB-2"), calendar=spare)

    with pytest.raises(Conflict) as excinfo:
        services.calendar_delete(acting_user=pmo, calendar_id=spare.pk)
    message = str(excinfo.value)
    assert "1 project(s) (ERP-1)" in message
    assert "tasks of 1 project(s) (WEB-2)" in message
    assert "1 person(s) (Ada Lovelace)" in message
    assert Calendar.objects.filter(pk=spare.pk).exists()

    with pytest.raises(Conflict) as excinfo:
        services.calendar_delete(acting_user=pmo, calendar_id=standard.pk)
    assert "Spare" not in str(excinfo.value)
    assert "is the default calendar" in str(excinfo.value)


def test_an_unused_calendar_is_deleted_with_its_exceptions_and_audited(pmo, standard):
    spare = services.calendar_create(acting_user=pmo, fields={"name": "Spare"}).calendar
    CalendarExceptionFactory(calendar=spare, name="Closed")

    services.calendar_delete(acting_user=pmo, calendar_id=spare.pk)

    assert not Calendar.objects.filter(pk=spare.pk).exists()
    assert not CalendarException.objects.filter(name="Closed").exists()
    entry = AuditEntry.objects.get(entity_type="projects.calendar", action="delete")
    assert entry.before["name"] == "Spare"
    assert entry.before["exceptions"][0]["name"] == "Closed"


# -- exceptions --------------------------------------------------------------------------------


def test_a_holiday_is_added_changed_and_removed_with_audit_rows(pmo, standard):
    holiday = services.calendar_exception_create(
        acting_user=pmo,
        calendar_id=standard.pk,
        fields={"name": "Labour Day", "start_date": MAY_1},
    ).exception
    assert (holiday.finish_date, holiday.working, holiday.intervals) == (MAY_1, False, [])

    changed = services.calendar_exception_update(
        acting_user=pmo,
        exception_id=holiday.pk,
        changes={"working": True, "intervals": "09:00-12:00"},
    ).exception
    assert changed.intervals == [["09:00", "12:00"]]

    services.calendar_exception_delete(acting_user=pmo, exception_id=holiday.pk)
    assert not CalendarException.objects.exists()
    actions = list(
        AuditEntry.objects.filter(entity_type="projects.calendarexception")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_exception_errors_per_field(pmo, standard):
    CalendarExceptionFactory(
        calendar=standard,
        name="Christmas",
        start_date=datetime.date(2026, 12, 24),
        finish_date=datetime.date(2026, 12, 26),
    )
    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_exception_create(
            acting_user=pmo,
            calendar_id=standard.pk,
            fields={
                "name": "",
                "start_date": datetime.date(2026, 5, 8),
                "finish_date": datetime.date(2026, 5, 7),
                "working": True,
                "intervals": [["13:00", "12:00"]],
            },
        )
    assert errors_of(excinfo) == {
        "name": ["This field is required."],
        "finish_date": ["The finish is before the start."],
        "intervals": ["13:00-12:00: the end is not after the start."],
    }

    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_exception_create(
            acting_user=pmo,
            calendar_id=standard.pk,
            fields={
                "name": "Boxing day",
                "start_date": datetime.date(2026, 12, 26),
                "intervals": ["09:00-12:00"],
            },
        )
    assert errors_of(excinfo) == {
        "start_date": ["Overlaps Christmas (2026-12-24 to 2026-12-26)."],
        "intervals": ["A non-working day has no working hours: tick 'working' or clear them."],
    }

    with pytest.raises(ValidationFailed) as excinfo:
        services.calendar_exception_create(
            acting_user=pmo,
            calendar_id=standard.pk,
            fields={"name": "Stock take", "start_date": MAY_1, "working": True},
        )
    assert errors_of(excinfo) == {"intervals": ["A working exception needs its working hours."]}
    assert CalendarException.objects.count() == 1


def test_a_team_member_cannot_touch_exceptions_and_an_outsider_does_not_see_them(
    org, other_org, standard
):
    holiday = CalendarExceptionFactory(calendar=standard)
    with pytest.raises(AccessDenied):
        services.calendar_exception_create(
            acting_user=org.user("team_member"),
            calendar_id=standard.pk,
            fields={"name": "Mine", "start_date": MAY_1},
        )
    with pytest.raises(AccessDenied):
        services.calendar_exception_delete(
            acting_user=org.user("team_member"), exception_id=holiday.pk
        )
    with pytest.raises(NotFound):
        services.calendar_exception_delete(
            acting_user=other_org.user("administrator"), exception_id=holiday.pk
        )
    assert CalendarException.objects.filter(pk=holiday.pk).exists()


# -- what follows a calendar -------------------------------------------------------------------


def a_weekday_in_two_months() -> datetime.date:
    day = first_of_month(datetime.date.today() + datetime.timedelta(days=62)) + datetime.timedelta(
        days=9
    )
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_capacity_follows_a_new_holiday_on_the_heatmap(org, pmo, standard):
    engineers = RoleFactory(organisation=org.organisation, code="DE", name="Data engineer")
    ada = PersonFactory(role=engineers, name="Ada", calendar=standard)
    grace = PersonFactory(role=engineers, name="Grace")  # follows the default: standard
    other = services.calendar_create(acting_user=pmo, fields={"name": "Other"}).calendar
    linus = PersonFactory(role=engineers, name="Linus", calendar=other)
    holiday = a_weekday_in_two_months()
    month = first_of_month(holiday)
    capacity_refresh(acting_user=pmo, first_month=month, months=1)
    before = {
        p.name: CapacityPeriod.objects.get(person=p, month=month).hours for p in (ada, grace, linus)
    }
    query = HeatmapQuery(first_month=month, months=1)
    heat_before = heatmap_for_organisation(organisation_id=org.organisation.pk, query=query)

    services.calendar_exception_create(
        acting_user=pmo,
        calendar_id=standard.pk,
        fields={"name": "Company day", "start_date": holiday},
    )

    after = {
        p.name: CapacityPeriod.objects.get(person=p, month=month).hours for p in (ada, grace, linus)
    }
    assert after == {
        "Ada": before["Ada"] - 8,
        "Grace": before["Grace"] - 8,
        "Linus": before["Linus"],
    }
    heat_after = heatmap_for_organisation(organisation_id=org.organisation.pk, query=query)
    assert heat_after.rows[0].cells[0].capacity == heat_before.rows[0].cells[0].capacity - 16


def test_schedules_on_the_calendar_are_rescheduled_around_a_new_holiday(org, pmo, make_project):
    project = make_project(code="OPS-1")
    tasks = build_schedule(project)
    schedule_services.project_reschedule(acting_user=pmo, project_id=project.pk)
    go_live_before = Task.objects.get(pk=tasks["live"].pk).planned_finish
    untouched = make_project(code="OPS-2")
    build_schedule(untouched)
    schedule_services.project_reschedule(acting_user=pmo, project_id=untouched.pk)
    calendar = Project.objects.get(pk=project.pk).calendar

    written = services.calendar_exception_create(
        acting_user=pmo,
        calendar_id=calendar.pk,
        fields={"name": "Strike", "start_date": datetime.date(2026, 1, 7)},
    )

    assert written.effects.rescheduled == ["OPS-1"]
    go_live_after = Task.objects.get(pk=tasks["live"].pk).planned_finish
    assert go_live_after - go_live_before == datetime.timedelta(days=1)
    assert AuditEntry.objects.filter(
        entity_type="projects.project",
        entity_id=str(project.pk),
        summary__contains="Strike added to calendar",
    ).exists()


def test_too_big_a_reschedule_is_left_listed(org, pmo, make_project, monkeypatch):
    project = make_project(code="OPS-1")
    build_schedule(project)
    schedule_services.project_reschedule(acting_user=pmo, project_id=project.pk)
    monkeypatch.setattr(services, "RESCHEDULE_TASK_LIMIT", 3)

    written = services.calendar_update(
        acting_user=pmo,
        calendar_id=Project.objects.get(pk=project.pk).calendar_id,
        changes={"hours_per_day": "7.5"},
    )

    assert written.effects.rescheduled == []
    assert written.effects.to_reschedule == ["OPS-1"]
    assert "need a reschedule: OPS-1" in written.effects.summary()


def test_a_holiday_reschedules_a_middle_sized_project_at_once(org, pmo, make_project):
    """A 300-task project sits under RESCHEDULE_TASK_LIMIT, so it is rescheduled in the write.

    (Its cost, about 50 ms, is a benchmark figure, not something a shared test machine can time.)
    """
    project = make_project(code="BIG-1", start_date=datetime.date(2026, 1, 5))
    calendar = services.calendar_create(acting_user=pmo, fields={"name": "Big"}).calendar
    Project.objects.filter(pk=project.pk).update(calendar=calendar)
    Task.objects.bulk_create(
        Task(project=project, uid=uid, name=f"Task {uid}", sort_order=uid, duration_minutes=480)
        for uid in range(1, 301)
    )
    schedule_services.project_reschedule(acting_user=pmo, project_id=project.pk)

    written = services.calendar_exception_create(
        acting_user=pmo, calendar_id=calendar.pk, fields={"name": "Closed", "start_date": MAY_1}
    )
    assert written.effects.rescheduled == ["BIG-1"]


# -- holiday lists -----------------------------------------------------------------------------


def test_a_holiday_list_is_imported_and_reimporting_skips_what_is_there(pmo, standard):
    content = b"date,name\n2026-12-25,Christmas Day\n2026-12-28,Boxing Day (substitute)\n"
    dry = services.calendar_holidays_import(
        acting_user=pmo, calendar_id=standard.pk, content=content, dry_run=True
    )
    assert (dry.rows, dry.created, dry.skipped) == (2, 2, 0)
    assert not CalendarException.objects.exists()

    report = services.calendar_holidays_import(
        acting_user=pmo, calendar_id=standard.pk, content=content
    )
    assert (report.created, report.skipped) == (2, 0)
    assert list(CalendarException.objects.values_list("name", flat=True)) == [
        "Christmas Day",
        "Boxing Day (substitute)",
    ]
    again = services.calendar_holidays_import(
        acting_user=pmo, calendar_id=standard.pk, content=content
    )
    assert (again.created, again.skipped) == (0, 2)
    assert AuditEntry.objects.filter(summary__startswith="Imported 2 holiday(s)").count() == 1


def test_a_holiday_list_with_a_bad_row_is_rejected_whole(pmo, standard):
    CalendarExceptionFactory(calendar=standard, name="Labour Day", start_date=MAY_1)
    content = (
        b"2026-12-25,Christmas Day\n"
        b"25/12/2026,Christmas again\n"
        b"2026-12-31,\n"
        b"2026-12-25,Christmas twice\n"
        b"2026-05-01,May Day\n"
    )

    with pytest.raises(services.HolidayImportRejected) as excinfo:
        services.calendar_holidays_import(acting_user=pmo, calendar_id=standard.pk, content=content)

    assert [(e.line, e.message) for e in excinfo.value.report.errors] == [
        (2, "'25/12/2026' is not a date (YYYY-MM-DD)."),
        (3, "2026-12-31: the holiday needs a name."),
        (4, "2026-12-25 is already on line 1."),
        (5, "2026-05-01 May Day: overlaps Labour Day (2026-05-01)."),
    ]
    assert excinfo.value.errors["rows[2]"] == ["'25/12/2026' is not a date (YYYY-MM-DD)."]
    assert CalendarException.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b'2026-12-25,Christmas\n2026-12-26,"' + b"x" * 200_000 + b'"\n', 2, "not readable CSV"),
        (b"2026-12-25,Christmas\n" * 60_000, 0, "The file is over 1 MB."),
    ],
)
def test_a_file_that_is_not_a_holiday_list_is_refused_with_where(
    pmo, standard, content, line, message
):
    with pytest.raises(services.HolidayImportRejected) as excinfo:
        services.calendar_holidays_import(acting_user=pmo, calendar_id=standard.pk, content=content)

    [error] = excinfo.value.report.errors
    assert error.line == line
    assert message in error.message
    assert not CalendarException.objects.filter(calendar=standard).exists()
