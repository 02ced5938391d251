"""Schedule services: rescheduling, grid edits, cycles, baselines, leveling, Monte Carlo, MSPDI."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.engine.formats.mspdi import counted_tasks, read_mspdi
from steerco.jobs.models import Job
from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.models import (
    Baseline,
    BaselineTask,
    Calendar,
    CalendarException,
    Project,
    Task,
    TaskLink,
)
from steerco.resources.models import Assignment
from tests.factories import MilestoneFactory, PersonFactory, ProjectMemberFactory, RoleFactory
from tests.projects.schedule_fixtures import DAY, at, build_schedule
from tests.shared_data import SHARED_DATA as SHARED

pytestmark = pytest.mark.django_db

MSPDI = SHARED / "schedules" / "mspdi"
LINKS_FILE = MSPDI / "generated__task-links__task-links-project2013-mspdi.xml"
HOLIDAYS_FILE = (
    MSPDI / "generated__calendar-recurring-exceptions__calendar-recurring-exceptions-project2016-"
    "mspdi.xml"
)
needs_data = pytest.mark.skipif(
    not LINKS_FILE.exists(), reason=f"shared MSPDI files not found under {MSPDI}"
)


def rows(project: Project) -> dict[int, Task]:
    return {task.uid: task for task in Task.objects.filter(project=project)}


def snapshot(project: Project) -> list[tuple[object, ...]]:
    """Everything a failed write could have touched."""
    return [
        *Task.objects.filter(project=project)
        .order_by("uid")
        .values_list("uid", "name", "duration_minutes", "planned_start", "planned_finish"),
        *TaskLink.objects.filter(project=project)
        .order_by("pk")
        .values_list("predecessor_id", "successor_id", "type", "lag_minutes"),
        ("audit", AuditEntry.objects.count()),
        ("calendars", Calendar.objects.count(), CalendarException.objects.count()),
    ]


@pytest.fixture
def manager(org):
    return org.user("project_manager")


@pytest.fixture
def schedule(project):
    return build_schedule(project)


# -- rescheduling ----------------------------------------------------------------------------


def test_reschedule_stores_dates_floats_and_critical_path_for_every_link_type(
    project, schedule, manager
):
    outcome = services.project_reschedule(acting_user=manager, project_id=project.pk)

    tasks = rows(project)
    expected = {
        1: (at(5, 8), at(6, 17)),  # Design: 2 days from Monday
        2: (at(7, 8), at(19, 17)),  # Build FS: 8 days, skipping the weekends and Friday 16th
        3: (at(6, 8), at(7, 17)),  # Write docs SS + 1 day
        4: (at(19, 8), at(19, 17)),  # Test FF: finishes with Build
        5: (at(7, 8), at(7, 17)),  # Train SF + 2 days: finishes 2 days after docs start
        6: (at(19, 17), at(19, 17)),  # Go live milestone
    }
    assert {uid: (t.planned_start, t.planned_finish) for uid, t in tasks.items()} == expected
    assert {uid for uid, t in tasks.items() if t.is_critical} == {1, 2, 4, 6}
    assert tasks[3].total_float_minutes == 7 * DAY
    assert tasks[5].total_float_minutes == 7 * DAY
    assert tasks[5].free_float_minutes == 7 * DAY
    assert tasks[3].late_start == at(15, 8)
    assert tasks[2].early_start == tasks[2].late_start == at(7, 8)
    assert outcome.finish == at(19, 17)
    assert outcome.changed == 6
    assert set(outcome.critical) == {1, 2, 4, 6}
    assert outcome.conflicts == ()
    entry = AuditEntry.objects.filter(entity_type="projects.project").latest("id")
    assert entry.actor == manager
    assert entry.after["changed_tasks"] == 6
    project.refresh_from_db()
    assert project.scheduled_at is not None

    again = services.project_reschedule(acting_user=manager, project_id=project.pk)
    assert again.changed == 0


def test_conflicts_are_reported_per_task_never_dropped(project, schedule, manager):
    test = schedule["test"]
    test.constraint_type = "MSO"
    test.constraint_date = at(12, 8)
    test.save()
    live = schedule["live"]
    live.deadline = at(9, 17)
    live.save()

    outcome = services.project_reschedule(acting_user=manager, project_id=project.pk)

    by_uid = outcome.conflicts_by_uid()
    assert set(by_uid) == {4, 6}
    assert "must start on 2026-01-12 08:00" in by_uid[4][0]
    assert "misses its deadline" in by_uid[6][0]
    assert rows(project)[4].planned_start == at(12, 8)
    view = selectors.schedule_view(manager, project.pk)
    assert next(row for row in view.rows if row.uid == 4).conflicts == tuple(by_uid[4])


def test_a_cycle_names_its_tasks_and_writes_nothing(project, schedule, manager):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    # A loop written around the link service (which refuses it): Go live -> Design.
    TaskLink.objects.create(
        project=project, predecessor=schedule["live"], successor=schedule["design"]
    )
    before = snapshot(project)

    with pytest.raises(services.ScheduleCycle) as caught:
        services.project_reschedule(acting_user=manager, project_id=project.pk)

    assert caught.value.tasks[0] == "1 Design"
    assert set(caught.value.tasks) >= {"1 Design", "6 Go live"}
    assert "1 Design" in caught.value.errors["links"][0]
    assert snapshot(project) == before


def test_a_grid_edit_that_closes_a_cycle_is_refused_whole(project, schedule, manager):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    before = snapshot(project)

    with pytest.raises(ValidationFailed) as caught:
        services.schedule_edit(
            acting_user=manager,
            project_id=project.pk,
            task_edits=[
                {"task_id": schedule["design"].pk, "duration_days": Decimal(5)},
                {"task_id": schedule["design"].pk, "predecessors": "6"},
            ],
        )

    message = " ".join(m for messages in caught.value.errors.values() for m in messages)
    assert "Design" in message and "Go live" in message and "cycle" in message
    assert snapshot(project) == before


def test_a_cycle_through_a_summary_task_is_caught_by_the_engine(project, schedule, manager):
    phase = Task.objects.create(project=project, uid=7, name="Phase", sort_order=1)
    Task.objects.filter(pk__in=[schedule["design"].pk, schedule["build"].pk]).update(parent=phase)
    TaskLink.objects.create(project=project, predecessor=schedule["build"], successor=phase)
    before = snapshot(project)

    with pytest.raises(services.ScheduleCycle) as caught:
        services.project_reschedule(acting_user=manager, project_id=project.pk)

    assert "7 Phase" in caught.value.tasks
    assert snapshot(project) == before


def test_grid_edits_reschedule_in_one_go(project, schedule, manager):
    services.project_reschedule(acting_user=manager, project_id=project.pk)

    outcome = services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[
            {"task_id": schedule["build"].pk, "duration_days": Decimal("1.5")},
            {"task_id": schedule["docs"].pk, "name": "Write the user guide"},
            {
                "task_id": schedule["train"].pk,
                "constraint_type": "SNET",
                "constraint_date": datetime.date(2026, 1, 21),
            },
        ],
    )

    tasks = rows(project)
    assert tasks[2].duration_minutes == 720
    assert tasks[2].planned_finish == at(8, 12)
    assert tasks[3].name == "Write the user guide"
    assert tasks[5].constraint_type == "SNET"
    assert tasks[5].constraint_date == at(21, 8)
    assert tasks[5].planned_start == at(21, 8)
    # Training now drives the finish: the critical path moved to it.
    assert tasks[6].planned_finish == at(21, 17)
    assert tasks[5].is_critical and not tasks[2].is_critical
    assert outcome.finish == at(21, 17)


def test_percent_complete_starts_and_finishes_the_task_as_ms_project_does(
    project, schedule, manager
):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    design = schedule["design"].pk

    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": design, "percent_complete": Decimal(50)}],
    )
    task = Task.objects.get(pk=design)
    assert task.actual_start == at(5, 8) and task.actual_finish is None

    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": design, "percent_complete": Decimal(100)}],
    )
    task.refresh_from_db()
    assert task.actual_finish == at(6, 17)
    assert not task.is_critical  # finished work is never critical

    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": design, "percent_complete": Decimal(0)}],
    )
    task.refresh_from_db()
    assert task.actual_start is None and task.actual_finish is None


def test_predecessor_text_adds_changes_and_removes_links(project, schedule, manager):
    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": schedule["test"].pk, "predecessors": "2FS+2d, 3SS-1d, 1FF+50%"}],
    )

    links = {
        (link.predecessor.uid, link.type, link.lag_minutes, link.lag_percent)
        for link in TaskLink.objects.filter(successor=schedule["test"]).select_related(
            "predecessor"
        )
    }
    assert links == {(2, "FS", 2 * DAY, None), (3, "SS", -DAY, None), (1, "FF", 0, Decimal(50))}
    view = selectors.schedule_view(manager, project.pk)
    shown = next(row for row in view.rows if row.uid == 4).predecessors
    assert set(shown.split(", ")) == {"1FF+50%", "2FS+2d", "3SS-1d"}

    with pytest.raises(ValidationFailed) as caught:
        services.schedule_edit(
            acting_user=manager,
            project_id=project.pk,
            task_edits=[{"task_id": schedule["test"].pk, "predecessors": "2, 99, two"}],
        )
    messages = caught.value.errors["tasks[4].predecessors"]
    assert any("'two'" in message for message in messages)


def test_only_editors_change_the_schedule_and_outsiders_see_nothing(
    org, other_org, project, schedule
):
    ProjectMemberFactory(project=project, user=org.user("team_member"))
    assert selectors.schedule_view(org.user("team_member"), project.pk).can_edit is False
    with pytest.raises(AccessDenied):
        services.project_reschedule(acting_user=org.user("team_member"), project_id=project.pk)
    with pytest.raises(AccessDenied):
        services.baseline_capture(acting_user=org.user("executive"), project_id=project.pk)
    with pytest.raises(NotFound):
        services.project_reschedule(
            acting_user=other_org.user("administrator"), project_id=project.pk
        )
    with pytest.raises(NotFound):
        selectors.schedule_view(other_org.user("administrator"), project.pk)


# -- baselines and earned value --------------------------------------------------------------


def test_baseline_capture_freezes_dates_and_variance_follows_edits(project, schedule, manager):
    baseline = services.baseline_capture(
        acting_user=manager, project_id=project.pk, name="Approved plan"
    )

    assert baseline.number == 0
    frozen = {row.task_uid: row for row in BaselineTask.objects.filter(baseline=baseline)}
    assert len(frozen) == 6
    assert (frozen[2].start, frozen[2].finish) == (at(7, 8), at(19, 17))

    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": schedule["build"].pk, "duration_days": Decimal(10)}],
    )
    view = selectors.schedule_view(manager, project.pk)
    variance = {row.uid: row.finish_variance_days for row in view.rows}
    assert variance == {
        1: Decimal(0),
        2: Decimal(2),
        3: Decimal(0),
        4: Decimal(2),
        5: Decimal(0),
        6: Decimal(2),
    }

    again = services.baseline_capture(acting_user=manager, project_id=project.pk, note="Re-plan")
    assert again.pk == baseline.pk
    assert Baseline.objects.filter(project=project).count() == 1
    assert BaselineTask.objects.get(baseline=again, task_uid=2).finish == at(21, 17)
    with pytest.raises(ValidationFailed):
        services.baseline_capture(acting_user=manager, project_id=project.pk, number=11)


def test_earned_value_panel_from_baseline_progress_and_actual_cost(project, schedule, manager):
    Task.objects.filter(pk=schedule["design"].pk).update(cost=Decimal(1000))
    Task.objects.filter(pk=schedule["build"].pk).update(cost=Decimal(4000))
    services.baseline_capture(acting_user=manager, project_id=project.pk)
    Task.objects.filter(pk=schedule["design"].pk).update(
        percent_complete=Decimal(100), actual_cost=Decimal(1200)
    )
    Task.objects.filter(pk=schedule["build"].pk).update(
        percent_complete=Decimal(25), actual_cost=Decimal(900)
    )
    Project.objects.filter(pk=project.pk).update(schedule_status_date=at(9, 17))

    panel = selectors.schedule_view(manager, project.pk).earned_value

    assert panel is not None and panel.unit == "money"
    assert panel.bac == pytest.approx(5000)
    assert panel.ev == pytest.approx(2000)
    assert panel.ac == pytest.approx(2100)
    assert panel.cpi == pytest.approx(2000 / 2100)
    # Planned value: Design fully, Build for 120 of its 297 hours by the end of week 1, taken
    # linearly to the status date 0.625 of the way through that week.
    planned = 0.625 * (1000 + 4000 * 120 / 297)
    assert panel.pv == pytest.approx(planned, rel=1e-6)
    assert panel.spi == pytest.approx(2000 / planned, rel=1e-6)


# -- leveling --------------------------------------------------------------------------------


@pytest.fixture
def contended(project, schedule):
    """Write docs and Train both need the same writer, full time, on overlapping days."""
    writer = PersonFactory(organisation=project.organisation, name="Wendy Writer")
    for key in ("docs", "train"):
        Assignment.objects.create(task=schedule[key], person=writer, units=Decimal(100))
    return writer


def test_leveling_preview_says_what_moves_and_why_and_writes_nothing(
    project, schedule, contended, manager
):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    before = snapshot(project)

    preview = services.leveling_preview(acting_user=manager, project_id=project.pk)

    assert snapshot(project) == before
    assert [move.uid for move in preview.moves] == [5]
    move = preview.moves[0]
    assert (move.old_start, move.new_start, move.delay_days) == (
        datetime.date(2026, 1, 7),
        datetime.date(2026, 1, 8),
        1,
    )
    assert move.resources == ("Wendy Writer",)
    assert move.competing == ("3 Write docs",)
    assert move.applied and preview.leveled
    assert preview.finish_before == preview.finish_after == datetime.date(2026, 1, 19)


def test_leveling_apply_delays_with_a_start_no_earlier_than(project, schedule, contended, manager):
    outcome = services.leveling_apply(acting_user=manager, project_id=project.pk)

    train = Task.objects.get(pk=schedule["train"].pk)
    assert outcome.applied
    assert (train.constraint_type, train.constraint_date) == ("SNET", at(8, 8))
    assert train.planned_start == at(8, 8)
    docs = Task.objects.get(pk=schedule["docs"].pk)
    assert docs.planned_finish <= train.planned_start
    entry = AuditEntry.objects.filter(summary__startswith="Leveled").get()
    assert entry.before["constraints"]["5"]["constraint_type"] == "ASAP"
    assert services.leveling_preview(acting_user=manager, project_id=project.pk).moves == ()


def test_leveling_refuses_bad_options(project, schedule, manager):
    with pytest.raises(ValidationFailed) as caught:
        services.leveling_preview(
            acting_user=manager, project_id=project.pk, method="magic", mode="never"
        )
    assert set(caught.value.errors) == {"method", "mode"}


def test_role_assignments_level_against_the_role_capacity(project, schedule, manager):
    role = RoleFactory(organisation=project.organisation, name="Technical writer")
    PersonFactory(organisation=project.organisation, role=role, fte=Decimal("1.0"))
    for key in ("docs", "train"):
        Assignment.objects.create(task=schedule[key], role=role, units=Decimal(100))

    preview = services.leveling_preview(acting_user=manager, project_id=project.pk)

    assert [(move.uid, move.resources) for move in preview.moves] == [(5, ("Technical writer",))]


# -- Monte Carlo -----------------------------------------------------------------------------


def test_simulation_runs_as_a_job_and_stores_its_percentiles(
    project, schedule, manager, django_capture_on_commit_callbacks
):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.simulation_start(
            acting_user=manager,
            project_id=project.pk,
            options={"iterations": 400, "seed": 7, "pessimistic_percent": 50},
        )

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.progress == 100
    result = job.result
    assert result["iterations"] == 400 and result["seed"] == 7
    dates = [
        datetime.datetime.fromisoformat(result["percentiles"][key])
        for key in ("P10", "P50", "P80", "P95")
    ]
    assert dates == sorted(dates)
    plan = datetime.datetime.fromisoformat(result["deterministic_finish"])
    assert plan == at(19, 17)  # most likely durations give the CPM finish
    assert dates[-1] > plan
    assert result["tornado"][0]["uid"] == 2  # Build drives the finish
    criticality = {row["uid"]: row["index"] for row in result["criticality"]}
    assert criticality[2] == pytest.approx(1.0) and criticality[5] < 0.5
    view = selectors.simulation_latest(manager, project.pk)
    assert view.finished == job and view.result == result


def test_simulation_options_are_checked(project, schedule, manager):
    with pytest.raises(ValidationFailed) as caught:
        services.simulation_start(
            acting_user=manager,
            project_id=project.pk,
            options={"iterations": 5, "distribution": "gaussian", "colour": "red"},
        )
    assert set(caught.value.errors) == {"iterations", "distribution", "colour"}
    assert not Job.objects.exists()


# -- MSPDI -----------------------------------------------------------------------------------


@needs_data
def test_import_creates_tasks_links_and_calendar_and_reproduces_saved_dates(org, portfolio):
    creator = org.user("project_manager")

    outcome = services.schedule_import_mspdi(
        acting_user=creator,
        data=LINKS_FILE.read_bytes(),
        file_name=LINKS_FILE.name,
        portfolio_id=portfolio.pk,
        code="LNK-1",
    )

    project = outcome.project
    assert outcome.created and project.manager == creator
    assert (outcome.tasks, outcome.links) == (16, 8)
    assert project.calendar is not None and project.calendar.name == "LNK-1 Standard"
    assert project.start_date == datetime.date(2014, 10, 17)
    types = sorted(TaskLink.objects.filter(project=project).values_list("type", flat=True))
    assert types == ["FF", "FS", "FS", "FS", "FS", "FS", "SF", "SS"]
    saved = read_mspdi(LINKS_FILE)
    stored = rows(project)
    for task in counted_tasks(saved):
        row = stored[task.uid]
        assert (row.planned_start, row.planned_finish) == (
            task.start.replace(tzinfo=datetime.UTC),
            task.finish.replace(tzinfo=datetime.UTC),
        ), task.uid
    assert outcome.dates_matching == outcome.dates_compared == 16


@needs_data
def test_import_keeps_recurring_holidays_of_the_calendar(org, portfolio):
    outcome = services.schedule_import_mspdi(
        acting_user=org.user("pmo_analyst"),
        data=HOLIDAYS_FILE.read_bytes(),
        file_name=HOLIDAYS_FILE.name,
        portfolio_id=portfolio.pk,
        code="HOL-1",
    )
    calendar = outcome.project.calendar
    assert calendar is not None
    assert CalendarException.objects.filter(calendar=calendar).count() > 26
    assert outcome.tasks == 0 and outcome.warnings


@needs_data
def test_a_broken_file_names_the_line_and_writes_nothing(project, schedule, manager):
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    text = LINKS_FILE.read_text(encoding="utf-8")
    position = text.index("<Duration>PT8H0M0S</Duration>")
    line = text.count("\n", 0, position) + 1
    broken = text[:position] + "<Duration>eight hours</Duration>" + text[position + 29 :]
    before = snapshot(project)

    with pytest.raises(ValidationFailed) as caught:
        services.schedule_import_mspdi(
            acting_user=manager,
            data=broken.encode(),
            file_name="plan.xml",
            project_id=project.pk,
        )

    message = caught.value.errors["file"][0]
    assert f"line {line}" in message and "Duration" in message and "plan.xml" in message
    assert snapshot(project) == before

    with pytest.raises(ValidationFailed) as caught:
        services.schedule_import_mspdi(
            acting_user=manager, data=text[:5000].encode(), project_id=project.pk
        )
    assert "line" in caught.value.errors["file"][0]
    assert snapshot(project) == before


def test_an_imported_cycle_names_its_tasks_and_writes_nothing(org, portfolio):
    cycle = """<?xml version="1.0"?>
<Project xmlns="http://schemas.microsoft.com/project"><StartDate>2026-01-05T08:00:00</StartDate>
<Tasks>
<Task><UID>1</UID><Name>Alpha</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
<PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type></PredecessorLink></Task>
<Task><UID>2</UID><Name>Beta</Name><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type></PredecessorLink></Task>
</Tasks></Project>"""
    before = (Project.objects.count(), Task.objects.count(), Calendar.objects.count())

    with pytest.raises(services.ScheduleCycle) as caught:
        services.schedule_import_mspdi(
            acting_user=org.user("project_manager"),
            data=cycle.encode(),
            portfolio_id=portfolio.pk,
            code="CYC-1",
        )

    assert caught.value.tasks == ["UID 1 Alpha", "UID 2 Beta"]
    assert (Project.objects.count(), Task.objects.count(), Calendar.objects.count()) == before


def test_export_then_import_keeps_everything(org, portfolio, project, schedule, manager):
    writer = PersonFactory(organisation=project.organisation, name="Wendy Writer")
    Assignment.objects.create(task=schedule["docs"], person=writer, units=Decimal(50))
    live = schedule["live"]
    live.deadline = at(23, 17)
    live.save()
    TaskLink.objects.filter(successor=schedule["docs"]).update(
        lag_minutes=0, lag_percent=Decimal(50)
    )
    services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[
            {"task_id": schedule["design"].pk, "percent_complete": Decimal(100)},
            {"task_id": schedule["build"].pk, "percent_complete": Decimal(25)},
            {
                "task_id": schedule["train"].pk,
                "constraint_type": "SNET",
                "constraint_date": datetime.date(2026, 1, 12),
            },
        ],
    )
    services.baseline_capture(acting_user=manager, project_id=project.pk, number=1)

    data, name = services.schedule_export_mspdi(acting_user=manager, project_id=project.pk)
    assert name == "FIN-001.xml"
    outcome = services.schedule_import_mspdi(
        acting_user=manager, data=data, file_name=name, portfolio_id=portfolio.pk, code="FIN-002"
    )

    fields = (
        "uid",
        "name",
        "duration_minutes",
        "is_milestone",
        "constraint_type",
        "constraint_date",
        "deadline",
        "percent_complete",
        "actual_start",
        "actual_finish",
        "planned_start",
        "planned_finish",
        "early_start",
        "late_finish",
        "total_float_minutes",
        "is_critical",
    )
    original = list(Task.objects.filter(project=project).order_by("uid").values_list(*fields))
    copy = list(Task.objects.filter(project=outcome.project).order_by("uid").values_list(*fields))
    assert copy == original
    link_fields = ("predecessor__uid", "successor__uid", "type", "lag_minutes", "lag_percent")
    assert set(TaskLink.objects.filter(project=outcome.project).values_list(*link_fields)) == set(
        TaskLink.objects.filter(project=project).values_list(*link_fields)
    )
    assignment = Assignment.objects.get(task__project=outcome.project)
    assert (assignment.person, assignment.units, assignment.task.uid) == (writer, Decimal(50), 3)
    baseline = Baseline.objects.get(project=outcome.project)
    assert baseline.number == 1
    assert set(baseline.tasks.values_list("task_uid", "start", "finish")) == set(
        BaselineTask.objects.filter(baseline__project=project).values_list(
            "task_uid", "start", "finish"
        )
    )
    exceptions = ("name", "start_date", "finish_date", "working")
    assert list(
        CalendarException.objects.filter(calendar=outcome.project.calendar).values_list(*exceptions)
    ) == list(CalendarException.objects.filter(calendar=project.calendar).values_list(*exceptions))
    assert outcome.warnings == ()
    assert outcome.dates_matching == outcome.dates_compared == 6


def test_replacing_from_a_file_keeps_watched_milestones_on_their_task(project, schedule, manager):
    milestone = MilestoneFactory(
        project=project, task=schedule["live"], name="Go-live", due_date=datetime.date(2026, 1, 30)
    )
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    milestone.refresh_from_db()
    assert milestone.forecast_date == datetime.date(2026, 1, 19)
    data, name = services.schedule_export_mspdi(acting_user=manager, project_id=project.pk)

    services.schedule_import_mspdi(
        acting_user=manager, data=data, file_name=name, project_id=project.pk
    )

    milestone.refresh_from_db()
    assert milestone.task is not None and milestone.task.uid == 6
    assert milestone.task.pk != schedule["live"].pk  # a new row for the same task
    assert milestone.forecast_date == datetime.date(2026, 1, 19)
