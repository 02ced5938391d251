"""Timesheets: the weekly grid, submit, approve, reject, locked periods, and the roll-up of
approved hours to task actual work, suggested progress and cost at the rate in effect."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.comms.models import Notification
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.resources import timesheet_services as services
from steerco.resources.models import Assignment, Timesheet
from steerco.resources.timesheet_selectors import (
    project_actuals,
    timesheet_week,
    timesheets_to_approve,
)
from steerco.resources.timesheet_services import TimesheetLine
from tests.factories import (
    AssignmentFactory,
    BaselineFactory,
    BaselineTaskFactory,
    CostRateFactory,
    LockedPeriodFactory,
    PersonFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoleFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEEK = datetime.date(2026, 3, 2)  # a Monday


def day_hours(*values):
    values = [Decimal(str(v)) for v in values]
    return tuple(values + [Decimal(0)] * (7 - len(values)))


@pytest.fixture
def week(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", default_cost_rate=Decimal("95"))
    CostRateFactory(role=de, rate=Decimal("90"), effective_from=datetime.date(2026, 1, 1))
    member = org.user("team_member")
    ada = PersonFactory(role=de, name="Ada", user=member)
    # Ada's own rate starts on Wednesday of the week.
    CostRateFactory(
        person=ada,
        role=None,
        organisation=o,
        rate=Decimal("100"),
        effective_from=datetime.date(2026, 3, 4),
    )
    pm = org.user("project_manager")
    alpha = ProjectFactory(organisation=o, code="ALPHA", manager=pm)
    ProjectMemberFactory(project=alpha, user=member)
    task = TaskFactory(project=alpha, name="Build pipeline", work_minutes=40 * 60)
    AssignmentFactory(task=task, person=ada, work_minutes=40 * 60)
    return {"ada": ada, "member": member, "pm": pm, "alpha": alpha, "task": task, "de": de}


def lines(week):
    return [
        TimesheetLine(
            project_id=week["alpha"].pk, task_id=week["task"].pk, hours=day_hours(8, 8, 8, 4)
        ),
        TimesheetLine(project_id=week["alpha"].pk, hours=day_hours(0, 0, 0, 0, 2), note="Steering"),
        TimesheetLine(non_project_category="training", hours=day_hours(0, 0, 0, 0, 4)),
    ]


def enter_and_submit(week):
    timesheet = services.timesheet_save_week(
        acting_user=week["member"], week_start=WEEK, lines=lines(week)
    )
    return services.timesheet_submit(acting_user=week["member"], timesheet_id=timesheet.pk)


def test_a_week_flows_from_entry_to_approval_and_into_task_actuals_and_cost(
    org, week, django_capture_on_commit_callbacks
):
    timesheet = services.timesheet_save_week(
        acting_user=week["member"], week_start=WEEK + datetime.timedelta(days=2), lines=lines(week)
    )
    assert timesheet.week_start == WEEK and timesheet.status == "draft"
    grid = timesheet_week(user=week["member"], week_start=WEEK)
    assert [line.total for line in grid.lines] == [
        Decimal("28.00"),
        Decimal("2.00"),
        Decimal("4.00"),
    ]
    assert grid.day_totals[4] == Decimal("6.00") and grid.can_edit

    services.timesheet_submit(acting_user=week["member"], timesheet_id=timesheet.pk)
    with pytest.raises(Conflict):
        services.timesheet_save(acting_user=week["member"], timesheet_id=timesheet.pk, lines=[])
    assert [row.timesheet_id for row in timesheets_to_approve(user=week["pm"])] == [timesheet.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.timesheet_approve(acting_user=week["pm"], timesheet_id=timesheet.pk)

    task = week["task"]
    task.refresh_from_db()
    # 16 h at the role's 90 (Monday, Tuesday), 12 h at Ada's own 100 (from Wednesday).
    assert (task.actual_work_minutes, task.actual_cost) == (28 * 60, Decimal("2640.00"))
    assignment = Assignment.objects.get(task=task)
    assert (assignment.actual_work_minutes, assignment.remaining_work_minutes) == (28 * 60, 12 * 60)
    actuals = services.actual_cost_from_timesheets(week["alpha"])
    assert (actuals.hours, actuals.cost) == (Decimal("30.00"), Decimal("2840.00"))
    assert [(m.month, m.cost) for m in actuals.by_month] == [
        (datetime.date(2026, 3, 1), Decimal("2840.00"))
    ]
    [row] = project_actuals(user=week["pm"], project_id=week["alpha"].pk).tasks
    assert (row.actual_hours, row.suggested_percent_complete) == (28.0, Decimal("70.0"))
    assert Notification.objects.get(kind="timesheet_decided").recipient == week["member"]


def test_rejection_sends_the_week_back_for_correction(org, week):
    timesheet = enter_and_submit(week)
    with pytest.raises(ValidationFailed):
        services.timesheet_reject(
            acting_user=org.user("resource_manager"), timesheet_id=timesheet.pk, reason=""
        )
    services.timesheet_reject(
        acting_user=org.user("resource_manager"),
        timesheet_id=timesheet.pk,
        reason="Training was Thursday",
    )
    timesheet.refresh_from_db()
    assert (timesheet.status, timesheet.reject_reason) == ("rejected", "Training was Thursday")
    services.timesheet_save(
        acting_user=week["member"], timesheet_id=timesheet.pk, lines=lines(week)[:1]
    )
    timesheet.refresh_from_db()
    assert timesheet.status == "draft"
    services.timesheet_submit(acting_user=week["member"], timesheet_id=timesheet.pk)
    timesheet.refresh_from_db()
    assert (timesheet.status, timesheet.reject_reason) == ("submitted", "")


def test_who_may_approve(org, week):
    beta = ProjectFactory(organisation=org.organisation, code="BETA")
    ProjectMemberFactory(project=beta, user=week["member"])
    timesheet = services.timesheet_save_week(
        acting_user=week["member"],
        week_start=WEEK,
        lines=[*lines(week), TimesheetLine(project_id=beta.pk, hours=day_hours(1))],
    )
    services.timesheet_submit(acting_user=week["member"], timesheet_id=timesheet.pk)
    # ALPHA's manager does not manage BETA: the whole week is not theirs to approve,
    # though its ALPHA lines are (line by line), so it waits for them too.
    with pytest.raises(AccessDenied):
        services.timesheet_approve(acting_user=week["pm"], timesheet_id=timesheet.pk)
    assert [row.timesheet_id for row in timesheets_to_approve(user=week["pm"])] == [timesheet.pk]
    stranger = UserFactory(organisation=org.organisation, role="project_manager")
    with pytest.raises(NotFound):
        services.timesheet_approve(acting_user=stranger, timesheet_id=timesheet.pk)
    # The line manager may.
    line_manager = org.user("executive")
    week["ada"].manager = line_manager
    week["ada"].save()
    services.timesheet_approve(acting_user=line_manager, timesheet_id=timesheet.pk)
    assert Timesheet.objects.get(pk=timesheet.pk).status == "approved"


def test_nobody_approves_their_own_week(org, week):
    manager = org.user("resource_manager")
    me = PersonFactory(role=week["de"], user=manager)
    ProjectMemberFactory(project=week["alpha"], user=manager)
    timesheet = services.timesheet_save_week(
        acting_user=manager,
        week_start=WEEK,
        lines=[TimesheetLine(project_id=week["alpha"].pk, hours=day_hours(8))],
    )
    services.timesheet_submit(acting_user=manager, timesheet_id=timesheet.pk)
    with pytest.raises(AccessDenied):
        services.timesheet_approve(acting_user=manager, timesheet_id=timesheet.pk)
    assert me.pk


def test_the_grid_is_validated_line_by_line(org, week):
    closed = ProjectFactory(organisation=org.organisation, stage="closed")
    other_task = TaskFactory(project=closed)
    with pytest.raises(ValidationFailed) as failure:
        services.timesheet_save_week(
            acting_user=week["member"],
            week_start=WEEK,
            lines=[
                TimesheetLine(project_id=closed.pk, hours=day_hours(1)),
                TimesheetLine(
                    project_id=week["alpha"].pk, task_id=other_task.pk, hours=day_hours(1)
                ),
                TimesheetLine(non_project_category="holiday", hours=day_hours(25)),
                TimesheetLine(non_project_category="admin", hours=day_hours(23)),
                TimesheetLine(non_project_category="admin", hours=day_hours(1)),
            ],
        )
    assert set(failure.value.errors) == {
        "lines[0].project_id",
        "lines[1].task_id",
        "lines[2]",
        "lines[2].hours[0]",
        "lines[4]",
        "days[0]",
    }


def test_team_members_enter_only_their_own_week(org, week):
    grace = PersonFactory(role=week["de"], user=org.user("project_manager"))
    with pytest.raises(AccessDenied):
        services.timesheet_open(acting_user=week["member"], week_start=WEEK, person_id=grace.pk)
    on_behalf = services.timesheet_open(
        acting_user=org.user("resource_manager"), week_start=WEEK, person_id=grace.pk
    )
    assert on_behalf.person == grace
    with pytest.raises(NotFound):
        services.timesheet_open(
            acting_user=org.user("executive"), week_start=WEEK
        )  # no person record


def test_locked_periods_refuse_changes_on_closed_days(org, week):
    timesheet = services.timesheet_save_week(
        acting_user=week["member"], week_start=WEEK, lines=lines(week)
    )
    LockedPeriodFactory(organisation=org.organisation, until=datetime.date(2026, 3, 3))
    changed = lines(week)
    changed[0] = TimesheetLine(
        project_id=week["alpha"].pk, task_id=week["task"].pk, hours=day_hours(7, 8, 8, 4)
    )
    with pytest.raises(Conflict):
        services.timesheet_save(
            acting_user=week["member"], timesheet_id=timesheet.pk, lines=changed
        )
    # Days after the lock still change.
    changed[0] = TimesheetLine(
        project_id=week["alpha"].pk, task_id=week["task"].pk, hours=day_hours(8, 8, 6, 6)
    )
    services.timesheet_save(acting_user=week["member"], timesheet_id=timesheet.pk, lines=changed)
    services.timesheet_submit(acting_user=week["member"], timesheet_id=timesheet.pk)
    with pytest.raises(Conflict):
        services.timesheet_approve(acting_user=week["pm"], timesheet_id=timesheet.pk)
    # A week wholly inside the closed period can no longer be submitted.
    earlier = services.timesheet_save_week(
        acting_user=week["member"], week_start=WEEK - datetime.timedelta(days=7), lines=[]
    )
    with pytest.raises(Conflict):
        services.timesheet_submit(acting_user=week["member"], timesheet_id=earlier.pk)


def test_closing_the_books_waits_for_undecided_weeks(org, week):
    timesheet = enter_and_submit(week)
    manager = org.user("resource_manager")
    with pytest.raises(Conflict):
        services.locked_period_set(acting_user=manager, until=datetime.date(2026, 3, 31))
    services.timesheet_approve(acting_user=manager, timesheet_id=timesheet.pk)
    period = services.locked_period_set(
        acting_user=manager, until=datetime.date(2026, 3, 31), reason="Q1 close"
    )
    assert services.locked_until(org.organisation.pk) == period.until
    with pytest.raises(Conflict):
        services.locked_period_set(acting_user=manager, until=datetime.date(2026, 3, 1))
    with pytest.raises(AccessDenied):
        services.locked_period_set(acting_user=week["pm"], until=datetime.date(2026, 4, 30))


def test_cost_rates_in_effect():
    rates = services.CostRates(
        person_role={1: 10, 2: 10, 3: 20},
        person_rates={
            1: [
                (datetime.date(2026, 1, 1), Decimal("100")),
                (datetime.date(2026, 7, 1), Decimal("110")),
            ]
        },
        role_rates={10: [(datetime.date(2026, 3, 1), Decimal("80"))]},
        role_defaults={10: Decimal("75"), 20: Decimal("60")},
    )
    assert rates.rate_on(1, datetime.date(2026, 6, 30)) == Decimal("100")
    assert rates.rate_on(1, datetime.date(2026, 7, 1)) == Decimal("110")
    assert rates.rate_on(1, datetime.date(2025, 12, 31)) == Decimal("75")  # before any rate
    assert rates.rate_on(2, datetime.date(2026, 3, 1)) == Decimal("80")
    assert rates.rate_on(2, datetime.date(2026, 2, 28)) == Decimal("75")
    assert rates.rate_on(3, datetime.date(2026, 3, 1)) == Decimal("60")


def test_suggested_progress_never_claims_completion():
    suggest = services.suggested_percent_complete
    assert suggest(work_minutes=600, actual_minutes=300) == Decimal("50.0")
    assert suggest(work_minutes=600, actual_minutes=300, remaining_minutes=100) == Decimal("75.0")
    assert suggest(work_minutes=600, actual_minutes=900) == Decimal("99")
    assert suggest(work_minutes=0, actual_minutes=60) is None


def test_approved_hours_feed_the_projects_earned_value(org, week):
    from steerco.projects.engine_io import earned_value_input, schedule_graph_load

    start = datetime.datetime(2026, 3, 2, 8, tzinfo=datetime.UTC)
    baseline = BaselineFactory(project=week["alpha"], number=0)
    BaselineTaskFactory(
        baseline=baseline,
        task=week["task"],
        task_uid=week["task"].uid,
        start=start,
        finish=start + datetime.timedelta(days=11),
        cost=Decimal("4000"),
    )
    timesheet = enter_and_submit(week)
    services.timesheet_approve(acting_user=week["pm"], timesheet_id=timesheet.pk)

    graph = schedule_graph_load(week["alpha"], with_baseline=True)
    build = earned_value_input(graph, start + datetime.timedelta(days=7))
    assert build is not None
    # The earned value adapter has answered with ``result`` and, earlier, ``rollup.project``.
    result = getattr(build, "result", None) or build.rollup.project  # type: ignore[attr-defined]
    assert result.ac == pytest.approx(2640.0)
