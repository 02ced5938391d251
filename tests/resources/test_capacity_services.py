"""Capacity derivation (calendars, holidays, absences, FTE), demand roll-up, bookings, hiring plans."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.resources import capacity_services as services
from steerco.resources.models import Booking, CapacityPeriod, HiringPlan, RoleDemand
from tests.factories import (
    AbsenceFactory,
    AssignmentFactory,
    CalendarExceptionFactory,
    CalendarFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    ScenarioFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

MAY, JUNE = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)


def hours_of(person, month):
    return CapacityPeriod.objects.get(person=person, month=month).hours


@pytest.fixture
def team(org):
    """Two engineers on the default calendar (1 May is a holiday); one half-time, one on leave."""
    calendar = CalendarFactory(organisation=org.organisation, name="Acme", is_default=True)
    CalendarExceptionFactory(calendar=calendar, name="Labour Day", start_date=MAY, finish_date=MAY)
    engineers = RoleFactory(organisation=org.organisation, code="DE", name="Data engineer")
    ada = PersonFactory(role=engineers, name="Ada")
    grace = PersonFactory(role=engineers, name="Grace", fte=Decimal("0.5"))
    AbsenceFactory(
        person=ada, start_date=datetime.date(2026, 5, 11), finish_date=datetime.date(2026, 5, 15)
    )
    return {"calendar": calendar, "engineers": engineers, "ada": ada, "grace": grace}


def test_capacity_counts_working_days_less_holidays_and_absences_times_fte(org, team):
    result = services.capacity_refresh(
        acting_user=org.user("resource_manager"), first_month=MAY, months=2
    )

    # May 2026 has 21 weekdays; 1 May is a holiday; Ada is away 11-15 May.
    assert hours_of(team["ada"], MAY) == Decimal("120.00")
    assert hours_of(team["grace"], MAY) == Decimal("80.00")
    assert hours_of(team["ada"], JUNE) == Decimal("176.00")
    assert hours_of(team["grace"], JUNE) == Decimal("88.00")
    role_may = CapacityPeriod.objects.get(role=team["engineers"], person=None, month=MAY)
    assert role_may.hours == Decimal("200.00")
    assert (result.people, result.person_rows, result.months) == (2, 4, 2)
    assert AuditEntry.objects.filter(entity_type="resources.capacityperiod").count() == 1


def test_half_day_absences_start_and_end_dates_and_own_calendars(org, team):
    four_days = CalendarFactory(
        organisation=org.organisation,
        name="Four days",
        working_week={str(day): ([["09:00", "17:00"]] if day < 4 else []) for day in range(7)},
    )
    ada = team["ada"]
    AbsenceFactory(
        person=ada,
        start_date=datetime.date(2026, 6, 1),
        finish_date=datetime.date(2026, 6, 5),
        hours_per_day=Decimal("4"),
    )
    late = PersonFactory(role=team["engineers"], start_date=datetime.date(2026, 6, 15))
    leaver = PersonFactory(role=team["engineers"], end_date=datetime.date(2026, 5, 29))
    four = PersonFactory(role=team["engineers"], calendar=four_days)
    PersonFactory(role=team["engineers"], is_active=False)

    services.capacity_refresh(acting_user=org.user("pmo_analyst"), first_month=MAY, months=2)

    assert hours_of(ada, JUNE) == Decimal("156.00")  # 176 - 5 half days
    assert hours_of(late, JUNE) == Decimal("96.00")  # 15..30 June: 12 weekdays
    assert hours_of(leaver, MAY) == Decimal("160.00")
    assert not CapacityPeriod.objects.filter(person=leaver, month=JUNE).exists()
    # Four 8-hour days (Monday-Thursday); its own calendar has no 1 May holiday (a Friday anyway).
    assert hours_of(four, MAY) == Decimal(str(8 * 16))


def test_refresh_replaces_the_window_and_keeps_other_months(org, team):
    services.capacity_refresh(
        acting_user=None, organisation_id=org.organisation.pk, first_month=MAY, months=2
    )
    team["grace"].fte = Decimal("1.00")
    team["grace"].save()
    services.capacity_refresh(
        acting_user=None, organisation_id=org.organisation.pk, first_month=JUNE, months=1
    )
    assert hours_of(team["grace"], MAY) == Decimal("80.00")
    assert hours_of(team["grace"], JUNE) == Decimal("176.00")
    assert CapacityPeriod.objects.filter(person=team["grace"]).count() == 2


@pytest.mark.parametrize(
    "role", ["portfolio_manager", "project_manager", "team_member", "executive"]
)
def test_only_resource_editors_refresh_capacity(org, team, role):
    with pytest.raises(AccessDenied):
        services.capacity_refresh(acting_user=org.user(role), first_month=MAY, months=1)


def test_rollup_spreads_assignment_work_over_working_days_by_month(org, team):
    project = ProjectFactory(organisation=org.organisation, calendar=team["calendar"])
    analyst = RoleFactory(organisation=org.organisation, code="BA")
    # 27 May - 5 June: three working days in May and five in June.
    task = TaskFactory(
        project=project,
        early_start=datetime.datetime(2026, 5, 27, 8, tzinfo=datetime.UTC),
        early_finish=datetime.datetime(2026, 6, 5, 17, tzinfo=datetime.UTC),
    )
    AssignmentFactory(task=task, person=team["ada"], work_minutes=80 * 60)
    AssignmentFactory(task=task, person=None, role=analyst, work_minutes=0, units=Decimal("50"))
    TaskFactory(project=project)  # no dates: skipped
    manual = RoleDemand.objects.create(
        project=project, role=analyst, month=MAY, hours=Decimal("5"), source="manual"
    )

    result = services.role_demand_rollup_from_schedule(
        acting_user=project.manager, project_id=project.pk
    )

    rows = {
        (row.role_id, row.month): row.hours
        for row in RoleDemand.objects.filter(project=project, source="schedule")
    }
    # 3 working days in May and 5 in June: 80 h -> 30 + 50.
    assert rows[(team["engineers"].pk, MAY)] == Decimal("30.00")
    assert rows[(team["engineers"].pk, JUNE)] == Decimal("50.00")
    # The analyst's task lasts 5 days of 8 h at 50%: 20 h -> 7.5 + 12.5.
    assert rows[(analyst.pk, MAY)] == Decimal("7.50")
    assert rows[(analyst.pk, JUNE)] == Decimal("12.50")
    assert result.rows == 4 and result.hours == Decimal("100.00")
    RoleDemand.objects.get(pk=manual.pk)  # other sources are kept


def test_rollup_needs_the_project_manager_or_a_resource_editor(org, team):
    project = ProjectFactory(organisation=org.organisation)
    with pytest.raises(AccessDenied):
        services.role_demand_rollup_from_schedule(
            acting_user=org.user("executive"), project_id=project.pk
        )
    services.role_demand_rollup_from_schedule(
        acting_user=org.user("resource_manager"), project_id=project.pk
    )


def test_role_demand_replace_validates_every_row_then_replaces(org, team):
    project = ProjectFactory(organisation=org.organisation)
    role = team["engineers"]
    with pytest.raises(ValidationFailed) as failure:
        services.role_demand_replace(
            acting_user=project.manager,
            project_id=project.pk,
            rows=[
                services.RoleDemandRow(role.pk, datetime.date(2026, 5, 3), Decimal("10")),
                services.RoleDemandRow(999999, MAY, Decimal("-1")),
            ],
        )
    assert set(failure.value.errors) == {"rows[0].month", "rows[1].role_id", "rows[1].hours"}
    created = services.role_demand_replace(
        acting_user=project.manager,
        project_id=project.pk,
        rows=[
            services.RoleDemandRow(role.pk, MAY, Decimal("10")),
            services.RoleDemandRow(role.pk, JUNE, Decimal("0")),
        ],
        source="business_case",
    )
    assert [(row.month, row.hours, row.source) for row in created] == [
        (MAY, Decimal("10.00"), "business_case")
    ]


def test_bookings_hard_for_resource_editors_soft_for_the_project_manager(org, team):
    project = ProjectFactory(organisation=org.organisation)
    ada = team["ada"]
    with pytest.raises(ValidationFailed) as failure:
        services.booking_set(
            acting_user=project.manager,
            project_id=project.pk,
            person_id=ada.pk,
            month=MAY,
            hours=Decimal("40"),
            kind="hard",
        )
    assert "kind" in failure.value.errors
    soft = services.booking_set(
        acting_user=project.manager,
        project_id=project.pk,
        person_id=ada.pk,
        month=MAY,
        hours=Decimal("40"),
    )
    assert soft is not None and soft.kind == "soft"
    hard = services.booking_set(
        acting_user=org.user("resource_manager"),
        project_id=project.pk,
        person_id=ada.pk,
        month=MAY,
        hours=Decimal("60"),
        kind="hard",
    )
    assert hard is not None and Booking.objects.filter(person=ada).count() == 2
    services.booking_set(
        acting_user=org.user("resource_manager"),
        project_id=project.pk,
        person_id=ada.pk,
        month=MAY,
        hours=Decimal("0"),
        kind="hard",
    )
    assert list(Booking.objects.filter(person=ada).values_list("kind", flat=True)) == ["soft"]
    with pytest.raises(AccessDenied):
        services.booking_delete(acting_user=org.user("executive"), booking_id=soft.pk)
    with pytest.raises(NotFound):  # a team member does not see the project at all
        services.booking_delete(acting_user=org.user("team_member"), booking_id=soft.pk)


def test_hiring_plans_belong_to_scenario_editors(org, team):
    scenario = ScenarioFactory(organisation=org.organisation)
    plan = services.hiring_plan_set(
        acting_user=org.user("portfolio_manager"),
        scenario_id=scenario.pk,
        role_id=team["engineers"].pk,
        month=JUNE,
        fte_delta=Decimal("2"),
    )
    assert HiringPlan.objects.get(pk=plan.pk).fte_delta == Decimal("2.00")
    with pytest.raises(AccessDenied):
        services.hiring_plan_set(
            acting_user=org.user("project_manager"),
            scenario_id=scenario.pk,
            role_id=team["engineers"].pk,
            month=JUNE,
            fte_delta=Decimal("1"),
        )
    services.hiring_plan_delete(acting_user=org.user("resource_manager"), hiring_plan_id=plan.pk)
    assert not HiringPlan.objects.exists()
