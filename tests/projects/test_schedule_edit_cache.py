"""Duration edits reschedule incrementally on a kept compiled network, and never differ from a
full reschedule: random edit sequences through the API, invalidation by every other kind of
write, rollbacks, and a pinned query count."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from steerco.core.errors import ValidationFailed
from steerco.projects import engine_io, schedule_cache
from steerco.projects import schedule_services as services
from steerco.projects import services as project_services
from steerco.projects.models import Calendar, CalendarException, Project, Task, TaskLink
from tests.projects.schedule_fixtures import chain

pytestmark = pytest.mark.django_db

API = "/api/v1"
DAY = 480
UTC = datetime.UTC
FIELDS = (
    "planned_start",
    "planned_finish",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float_minutes",
    "free_float_minutes",
    "is_critical",
    "is_summary",
)


def random_schedule(project: Project, seed: int, size: int = 36) -> list[Task]:
    """Summary tasks, every link type with lags (some in percent), constraints, a deadline,
    a task in progress, an elapsed task, a task calendar; Europe/London with holidays."""
    rng = random.Random(seed)
    calendar = Calendar.objects.create(
        organisation=project.organisation, name=f"London {seed}", timezone="Europe/London"
    )
    CalendarException.objects.create(
        calendar=calendar,
        name="Holiday",
        start_date=datetime.date(2026, 3, 27),
        finish_date=datetime.date(2026, 3, 30),
    )
    night = Calendar.objects.create(
        organisation=project.organisation,
        name=f"Long days {seed}",
        timezone="Europe/London",
        working_week={str(day): [["07:00", "19:00"]] for day in range(6)},
    )
    project.calendar = calendar
    project.start_date = datetime.date(2026, 3, 2)
    project.finish_date = None
    project.save()
    tasks: list[Task] = []
    for uid in range(1, size + 1):
        summary = uid in (1, 12)
        fields: dict[str, Any] = {}
        if not summary and rng.random() < 0.1:
            fields["constraint_type"] = rng.choice(["SNET", "FNLT", "MSO"])
            fields["constraint_date"] = datetime.datetime(2026, 3, 2, 8, tzinfo=UTC) + (
                datetime.timedelta(days=rng.randint(3, 40))
            )
        if not summary and rng.random() < 0.05:
            fields["deadline"] = datetime.datetime(2026, 4, 1, 17, tzinfo=UTC)
        if uid == 5:
            fields["actual_start"] = datetime.datetime(2026, 3, 2, 8, tzinfo=UTC)
            fields["percent_complete"] = Decimal("40")
        if uid == 6:
            fields["actual_start"] = datetime.datetime(2026, 3, 3, 8, tzinfo=UTC)
            fields["percent_complete"] = Decimal("10")
            fields["remaining_minutes"] = 6 * DAY
        if uid == 7:
            fields["is_elapsed"] = True
        if uid == 15:
            fields["is_manual"] = True
            fields["planned_start"] = datetime.datetime(2026, 3, 16, 13, tzinfo=UTC)
        if uid == 9:
            fields["calendar"] = night
        minutes = 0 if summary else rng.choice([0, 1, 2, 3, 5]) * DAY
        if uid == 5:
            minutes = 4 * DAY
        tasks.append(
            Task.objects.create(
                project=project,
                uid=uid,
                name=f"Task {uid}",
                sort_order=uid * 10,
                duration_minutes=minutes,
                is_milestone=not summary and minutes == 0,
                parent=None if summary else tasks[0 if uid < 12 else 11],
                **fields,
            )
        )
    leaves = [task for task in tasks if task.uid not in (1, 12)]
    seen = set()
    for position in range(1, len(leaves)):
        for _ in range(rng.choice([1, 1, 2])):
            earlier = leaves[max(0, position - rng.randint(1, 6))]
            later = leaves[position]
            if (earlier.pk, later.pk) in seen:
                continue
            seen.add((earlier.pk, later.pk))
            percent = rng.random() < 0.15
            TaskLink.objects.create(
                project=project,
                predecessor=earlier,
                successor=later,
                type=rng.choice(["FS", "FS", "FS", "SS", "FF", "SF"]),
                lag_minutes=0 if percent else rng.choice([0, 0, DAY, -DAY // 2]),
                lag_percent=Decimal("50") if percent else None,
                lag_elapsed=rng.random() < 0.05,
            )
    return tasks


def stored(project: Project) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row[1:] for row in Task.objects.filter(project=project).values_list("uid", *FIELDS)
    }


def full_schedule(project: Project) -> dict[int, tuple[Any, ...]]:
    """What a full reschedule stores, computed from scratch on the per-task record path."""
    project.refresh_from_db()
    computation = engine_io.compute_graph(engine_io.schedule_graph_load(project))
    return {
        uid: (
            task.start,
            task.finish,
            task.early_start,
            task.early_finish,
            task.late_start,
            task.late_finish,
            task.total_float_minutes,
            task.free_float_minutes,
            task.critical,
            task.is_summary,
        )
        for uid, task in computation.tasks.items()
    }


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many reschedules took the full path and how many the incremental one."""
    counts = {"full": 0, "incremental": 0}

    def counting(name: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(services, "_recompute", counting("full", services._recompute))
    monkeypatch.setattr(
        services,
        "_recompute_durations",
        counting("incremental", services._recompute_durations),
    )
    schedule_cache.forget()
    yield counts
    schedule_cache.forget()


def grid_edit(client: Any, project: Project, task: Task, days: str) -> Any:
    return client.post(
        f"{API}/projects/{project.pk}/schedule/tasks",
        json.dumps({"tasks": [{"task_id": task.pk, "duration_days": days}]}),
        content_type="application/json",
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_through_the_api_store_what_a_full_reschedule_stores(
    org: Any, project: Project, api_client: Any, paths: dict[str, int], seed: int
) -> None:
    tasks = random_schedule(project, seed)
    manager = project.manager
    client = api_client(manager)
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    assert stored(project) == full_schedule(project)
    rng = random.Random(seed)
    for _ in range(14):
        task = rng.choice(tasks)
        if rng.random() < 0.2:
            # A write elsewhere that does not reschedule: the next grid edit must see it.
            response = client.patch(
                f"{API}/tasks/{task.pk}",
                json.dumps({"duration_minutes": rng.choice([1, 2, 4]) * DAY}),
                content_type="application/json",
            )
            task = rng.choice(tasks)
        response = grid_edit(client, project, task, rng.choice(["0", "0.5", "1", "2", "3", "6"]))
        assert response.status_code in (200, 422), response.content
        assert stored(project) == full_schedule(project)
    assert paths["incremental"] >= 5
    outcome = services.project_reschedule(acting_user=manager, project_id=project.pk)
    assert outcome.changed == 0


def test_an_incremental_edit_moves_the_successors_and_reports_like_a_full_one(
    project: Project, paths: dict[str, int]
) -> None:
    tasks = random_schedule(project, 7)
    manager = project.manager
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    edited = next(task for task in tasks if task.uid == 2)
    before = stored(project)

    outcome = services.schedule_edit(
        acting_user=manager,
        project_id=project.pk,
        task_edits=[{"task_id": edited.pk, "duration_days": Decimal("9")}],
    )

    assert paths == {"full": 1, "incremental": 1}
    after = stored(project)
    assert after == full_schedule(project)
    assert after[2][1] > before[2][1]  # the edited task finishes later
    assert outcome.changed == sum(after[uid] != before[uid] for uid in after) > 1
    moved = {task.pk for task in tasks if after[task.uid] != before[task.uid]}
    assert set(outcome.changed_task_ids) == moved
    full = services.project_reschedule(acting_user=manager, project_id=project.pk)
    assert (full.finish, full.critical, full.conflicts, full.changed) == (
        outcome.finish,
        outcome.critical,
        outcome.conflicts,
        0,
    )


def _edit_and_check(project: Project, task: Task, days: str) -> None:
    services.schedule_edit(
        acting_user=project.manager,
        project_id=project.pk,
        task_edits=[{"task_id": task.pk, "duration_days": Decimal(days)}],
    )
    assert stored(project) == full_schedule(project)


@pytest.mark.parametrize(
    "change",
    [
        "link",
        "link removed",
        "task added",
        "constraint",
        "exception",
        "working week",
        "status date",
    ],
)
def test_any_other_write_invalidates_the_kept_network(
    project: Project, paths: dict[str, int], change: str
) -> None:
    tasks = random_schedule(project, 11)
    by_uid = {task.uid: task for task in tasks}
    manager = project.manager
    services.project_reschedule(acting_user=manager, project_id=project.pk)
    _edit_and_check(project, by_uid[3], "2")
    assert paths == {"full": 1, "incremental": 1}

    if change == "link":
        project_services.link_create(
            acting_user=manager,
            project_id=project.pk,
            predecessor_id=by_uid[2].pk,
            successor_id=by_uid[30].pk,
            type="FS",
            lag_minutes=20 * DAY,
        )
    elif change == "link removed":
        link = TaskLink.objects.filter(project=project).order_by("pk").first()
        assert link is not None
        project_services.link_delete(acting_user=manager, link_id=link.pk)
    elif change == "task added":
        added = project_services.task_create(
            acting_user=manager,
            project_id=project.pk,
            fields={"name": "Extra", "duration_minutes": 30 * DAY, "sort_order": 5},
        )
        project_services.link_create(
            acting_user=manager,
            project_id=project.pk,
            predecessor_id=added.pk,
            successor_id=by_uid[25].pk,
        )
    elif change == "constraint":
        project_services.task_update(
            acting_user=manager,
            task_id=by_uid[20].pk,
            changes={
                "constraint_type": "SNET",
                "constraint_date": datetime.datetime(2026, 6, 1, 8, tzinfo=UTC),
            },
        )
    elif change == "exception":
        CalendarException.objects.create(
            calendar=project.calendar,
            name="Closed",
            start_date=datetime.date(2026, 3, 9),
            finish_date=datetime.date(2026, 3, 13),
        )
    elif change == "working week":
        calendar = project.calendar
        assert calendar is not None
        calendar.working_week = {str(day): [["09:00", "13:00"]] for day in range(5)}
        calendar.save()
    else:
        Project.objects.filter(pk=project.pk).update(
            schedule_status_date=datetime.datetime(2026, 3, 20, 17, tzinfo=UTC)
        )

    _edit_and_check(project, by_uid[4], "3")
    assert paths == {"full": 2, "incremental": 1}
    _edit_and_check(project, by_uid[10], "1")
    assert paths == {"full": 2, "incremental": 2}


def test_a_rolled_back_edit_leaves_no_stale_network(
    project: Project, paths: dict[str, int]
) -> None:
    tasks = random_schedule(project, 5)
    by_uid = {task.uid: task for task in tasks}
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.schedule_edit(
            acting_user=project.manager,
            project_id=project.pk,
            task_edits=[{"task_id": by_uid[3].pk, "duration_days": Decimal("20")}],
        )
        raise RuntimeError("the caller's transaction fails after the edit")

    _edit_and_check(project, by_uid[4], "2")
    assert paths == {"full": 2, "incremental": 1}


def test_a_refused_edit_keeps_the_network(project: Project, paths: dict[str, int]) -> None:
    tasks = random_schedule(project, 6)
    by_uid = {task.uid: task for task in tasks}
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    with pytest.raises(ValidationFailed):
        services.schedule_edit(
            acting_user=project.manager,
            project_id=project.pk,
            task_edits=[{"task_id": by_uid[3].pk, "duration_days": Decimal("-1")}],
        )

    _edit_and_check(project, by_uid[3], "4")
    assert paths == {"full": 1, "incremental": 1}


def test_edits_of_summary_or_started_tasks_take_the_full_path(
    project: Project, paths: dict[str, int]
) -> None:
    tasks = random_schedule(project, 8)
    by_uid = {task.uid: task for task in tasks}
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    _edit_and_check(project, by_uid[5], "6")  # in progress
    assert paths == {"full": 2, "incremental": 0}
    _edit_and_check(project, by_uid[8], "6")
    assert paths == {"full": 2, "incremental": 1}


def test_a_duration_edit_costs_the_same_queries_at_any_size(
    make_project: Any, paths: dict[str, int], django_assert_num_queries: Any
) -> None:
    counts = []
    for code, size in (("SML-1", 20), ("LRG-1", 200)):
        project = make_project(code=code)
        tasks = chain(project, size)
        services.project_reschedule(acting_user=project.manager, project_id=project.pk)
        with CaptureQueriesContext(connection) as queries:
            # The first task: every later one moves.
            outcome = services.schedule_edit(
                acting_user=project.manager,
                project_id=project.pk,
                task_edits=[{"task_id": tasks[0].pk, "duration_minutes": 2 * DAY}],
            )
        assert outcome.changed == size
        counts.append(len(queries))
    assert paths["incremental"] == 2
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        services.schedule_edit(
            acting_user=project.manager,
            project_id=project.pk,
            task_edits=[{"task_id": tasks[0].pk, "duration_minutes": 3 * DAY}],
        )
    # Access, the project's row lock and re-read, the fingerprint (tasks, links, calendars,
    # exceptions), the edited row, the task update (access, checks, save, audit), then one
    # statement for every changed row, milestones, scheduled_at and the audit row.
    assert counts[0] == 19


def test_a_manual_task_the_schedule_moves_is_not_replayed(
    project: Project, paths: dict[str, int]
) -> None:
    tasks = random_schedule(project, 9)
    by_uid = {task.uid: task for task in tasks}
    # Pinned on a Saturday: the reschedule stores another start, and so pins it elsewhere.
    Task.objects.filter(pk=by_uid[15].pk).update(
        planned_start=datetime.datetime(2026, 3, 14, 10, tzinfo=UTC)
    )
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    _edit_and_check(project, by_uid[3], "2")
    assert paths == {"full": 2, "incremental": 0}
    _edit_and_check(project, by_uid[4], "2")
    assert paths == {"full": 2, "incremental": 1}
