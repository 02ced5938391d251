"""Benchmark: one duration edit in the schedule grid of a large project.

For each size the script seeds one project (its own seeded generator, ``bulk_create``) into a
temporary SQLite database: a calendar with holidays, tasks under a few summary tasks, FS/SS/FF
links with lags (about 1.5 links per task, always from an earlier task to a later one), some
constraints and deadlines, then one full ``project_reschedule`` (not timed). It then times the
service a grid edit of a duration calls (``schedule_services.schedule_edit``, the one the
schedule page and the API use): ``--repeat`` edits of random leaf tasks after one warm-up edit,
median server time, SQL queries of the median edit, and the engine time alone (the same edit
on an already compiled network: ``set_duration`` + ``schedule()``). A second series lengthens
the first critical task each time: the finish moves, so every task's late dates (and floats)
change and every row is written.

Run ``.venv/bin/python benchmarks/schedule_edit.py [--json] [--sizes 1000,10000]``.
It also times a full reschedule (``project_reschedule``, after a duration changed elsewhere).
With ``--json`` one line per size:
``{"tasks", "server_ms", "queries", "engine_ms", "changed_rows", "critical_server_ms",
"critical_changed_rows", "reschedule_ms"}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from typing import Any

from _django_setup import organisation_with_user, temporary_database

SEED = 20261126
DAY = 480


def seed(size: int, index: int) -> tuple[Any, Any, list[int]]:
    """A project of ``size`` tasks; returns its manager, the project and its leaf task ids."""
    from steerco.portfolios.models import Portfolio
    from steerco.projects.models import Calendar, CalendarException, Project, Task, TaskLink

    rng = random.Random(SEED + size)
    organisation, manager = organisation_with_user(
        code=f"SCHED{index}", name=f"Schedule {size}", username=f"pm{index}", role="project_manager"
    )
    calendar = Calendar.objects.create(
        organisation=organisation, name="Bench", timezone="Europe/London"
    )
    CalendarException.objects.bulk_create(
        CalendarException(
            calendar=calendar,
            name=f"Holiday {year}-{month}",
            start_date=dt.date(year, month, 20),
            finish_date=dt.date(year, month, 20),
        )
        for year in range(2026, 2036)
        for month in (1, 4, 8, 12)
    )
    portfolio = Portfolio.objects.create(organisation=organisation, code="BENCH", name="Bench")
    project = Project.objects.create(
        organisation=organisation,
        portfolio=portfolio,
        code=f"S{size}",
        name=f"Schedule of {size} tasks",
        stage=Project.Stage.IN_EXECUTION,
        manager=manager,
        calendar=calendar,
        start_date=dt.date(2026, 1, 5),
    )
    summaries = max(1, size // 500)
    rows: list[Task] = []
    for uid in range(1, size + 1):
        summary = uid <= summaries
        constraint = "ASAP"
        constraint_date = None
        if not summary and rng.random() < 0.02:
            constraint = "SNET"
            constraint_date = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC) + dt.timedelta(
                days=rng.randint(10, 400)
            )
        rows.append(
            Task(
                project=project,
                uid=uid,
                name=f"Task {uid}",
                sort_order=uid * 10,
                duration_minutes=0 if summary else rng.choice([0, 1, 2, 3, 5, 8]) * DAY,
                is_milestone=False,
                constraint_type=constraint,
                constraint_date=constraint_date,
                outline_level=1 if summary else 2,
            )
        )
    for task in rows:
        task.is_milestone = task.uid > summaries and task.duration_minutes == 0
    Task.objects.bulk_create(rows, batch_size=2000)
    tasks = list(Task.objects.filter(project=project).order_by("uid"))
    for task in tasks[summaries:]:
        task.parent = tasks[rng.randrange(summaries)]
    Task.objects.bulk_update(tasks[summaries:], ["parent"], batch_size=2000)
    leaves = tasks[summaries:]
    links: dict[tuple[int, int], TaskLink] = {}
    for position in range(1, len(leaves)):
        for _ in range(rng.choice([1, 1, 2, 2])):
            earlier = leaves[max(0, position - rng.randint(1, 60))]
            later = leaves[position]
            if earlier.pk == later.pk or (earlier.pk, later.pk) in links:
                continue
            kind = rng.choices(["FS", "SS", "FF"], [8, 1, 1])[0]
            links[(earlier.pk, later.pk)] = TaskLink(
                project=project,
                predecessor=earlier,
                successor=later,
                type=kind,
                lag_minutes=rng.choice([0, 0, 0, DAY, -DAY // 2]),
            )
    TaskLink.objects.bulk_create(links.values(), batch_size=2000)
    return manager, project, [task.pk for task in leaves]


def engine_edit_ms(project: Any, task_ids: list[int], rng: random.Random, repeat: int) -> float:
    """The engine alone: a duration edit on a compiled network, then ``schedule()``."""
    from steerco.engine.scheduling import cpm
    from steerco.projects import engine_io
    from steerco.projects.models import Task

    graph = engine_io.schedule_graph_load(project)
    calendars = engine_io.EngineCalendars(graph)
    tasks = engine_io.task_inputs(graph)
    build = engine_io.build_network(
        tasks,
        engine_io.link_inputs(graph),
        calendars,
        project_start=engine_io.project_start_wall(project, tasks, calendars),
        status_date=project.schedule_status_date,
    )
    compiled = cpm.compile_network(build.network)
    compiled.schedule()
    uids = dict(Task.objects.filter(pk__in=task_ids).values_list("pk", "uid"))
    timings = []
    for _ in range(repeat):
        uid = uids[rng.choice(task_ids)]
        started = time.perf_counter()
        compiled.set_duration(str(uid), rng.choice([1, 2, 4, 6, 9]) * DAY)
        result = compiled.schedule()
        for name in cpm.TIME_FIELDS:
            result.date_array(name)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(manager: Any, project: Any, task_ids: list[int], repeat: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from steerco.projects import schedule_services
    from steerco.projects.models import Task

    rng = random.Random(SEED)
    runs: list[tuple[float, int, int]] = []
    for attempt in range(repeat + 1):
        task_id = rng.choice(task_ids)
        current = Task.objects.get(pk=task_id).duration_minutes
        days = rng.choice([days for days in (1, 2, 4, 6, 9) if days * DAY != current])
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = schedule_services.schedule_edit(
                acting_user=manager,
                project_id=project.pk,
                task_edits=[{"task_id": task_id, "duration_minutes": days * DAY}],
            )
            elapsed = (time.perf_counter() - started) * 1000
        if attempt:  # the first edit warms the caches (and the compiled kernels)
            runs.append((elapsed, len(queries), outcome.changed))
    runs.sort()
    return runs[len(runs) // 2]


def measure_critical(manager: Any, project: Any, repeat: int) -> tuple[float, int, int]:
    """Edits that lengthen a critical task: the finish moves, so every late date moves too."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from steerco.projects import schedule_services
    from steerco.projects.models import Task

    runs: list[tuple[float, int, int]] = []
    for attempt in range(repeat + 1):
        task = (
            Task.objects.filter(project=project, is_critical=True, is_summary=False)
            .order_by("uid")
            .first()
        )
        assert task is not None
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            outcome = schedule_services.schedule_edit(
                acting_user=manager,
                project_id=project.pk,
                task_edits=[{"task_id": task.pk, "duration_minutes": task.duration_minutes + DAY}],
            )
            elapsed = (time.perf_counter() - started) * 1000
        if attempt:
            runs.append((elapsed, len(queries), outcome.changed))
    runs.sort()
    return runs[len(runs) // 2]


def reschedule_ms(manager: Any, project: Any, task_ids: list[int], repeat: int) -> float:
    """A full reschedule (``project_reschedule``) after a duration changed elsewhere."""
    from steerco.projects import schedule_services
    from steerco.projects.models import Task

    rng = random.Random(SEED + 1)
    timings = []
    for _ in range(repeat):
        Task.objects.filter(pk=rng.choice(task_ids)).update(
            duration_minutes=rng.choice([1, 2, 4, 6, 9]) * DAY
        )
        started = time.perf_counter()
        schedule_services.project_reschedule(acting_user=manager, project_id=project.pk)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per size")
    parser.add_argument("--sizes", default="1000,10000", help="numbers of tasks, comma-separated")
    parser.add_argument("--repeat", type=int, default=9, help="timed edits per size")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    sizes = [int(text) for text in args.sizes.split(",") if text.strip()]

    with temporary_database("steerco-schedule-edit-", keep=args.keep):
        from steerco.projects import schedule_services

        if not args.json:
            print(
                f"{'tasks':>7} {'seed s':>7} {'server ms':>10} {'queries':>8} "
                f"{'engine ms':>10} {'changed rows':>13} {'critical ms':>12} {'moved':>7} "
                f"{'reschedule ms':>14}"
            )
        for index, size in enumerate(sizes):
            started = time.perf_counter()
            manager, project, task_ids = seed(size, index)
            schedule_services.project_reschedule(acting_user=manager, project_id=project.pk)
            seeded = time.perf_counter() - started
            server_ms, queries, changed = measure(manager, project, task_ids, args.repeat)
            critical_ms, _, critical_changed = measure_critical(manager, project, args.repeat)
            engine_ms = engine_edit_ms(project, task_ids, random.Random(SEED), args.repeat)
            full_ms = reschedule_ms(manager, project, task_ids, max(1, args.repeat // 3))
            if args.json:
                print(
                    json.dumps(
                        {
                            "tasks": size,
                            "server_ms": round(server_ms, 1),
                            "queries": queries,
                            "engine_ms": round(engine_ms, 2),
                            "changed_rows": changed,
                            "critical_server_ms": round(critical_ms, 1),
                            "critical_changed_rows": critical_changed,
                            "reschedule_ms": round(full_ms, 1),
                        }
                    ),
                    flush=True,
                )
            else:
                print(
                    f"{size:>7,} {seeded:>7.1f} {server_ms:>10.1f} {queries:>8} "
                    f"{engine_ms:>10.2f} {changed:>13,} {critical_ms:>12.1f} "
                    f"{critical_changed:>7,} {full_ms:>14.1f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
