"""Benchmark: the schedule page and one htmx grid edit of a large project, end to end.

For each size the script seeds one project with the generator of
``benchmarks/schedule_edit.py`` (same seed: summary tasks, FS/SS/FF links with lags, a calendar
with holidays) into a temporary SQLite database, reschedules it once (not timed), then times
full requests through the Django test client (middleware, view, selector, templates):

- ``page``: ``GET /projects/<id>/schedule/`` as the project manager;
- ``edit``: an htmx grid edit of one duration (``POST .../schedule/tasks/<id>/`` with the
  ``HX-Request`` header, the way the grid posts a cell), answered with the schedule panel;
- ``api_get`` / ``api_edit`` (table only): ``GET /api/v1/projects/<id>/schedule`` and
  ``POST /api/v1/projects/<id>/schedule/tasks`` with one duration edit.

Then it gives every leaf task a cost, captures a baseline, records progress and actual cost on
a third of the tasks and sets a status date (after the measures above, which do not change),
and times the two exports of the whole schedule (a second table):

- ``gantt_svg``: ``GET /projects/<id>/schedule/gantt.svg``, the Gantt chart of every task, the
  engine check of the schedule kept from the requests before (as after opening the page);
- ``gantt_svg_cold``: the same when the check is not kept (the first download after the
  schedule changed in another server process: the engine runs once);
- ``earned_value``: ``GET /projects/<id>/schedule/earned-value/``, the earned value card.

Each figure is the median of ``--repeat`` requests after one warm-up request; queries are those
of the median request. ``--wbs`` gives every task a WBS code first (the generator gives none).

Run ``.venv/bin/python benchmarks/schedule_page.py [--json] [--sizes 1000,10000]``.
With ``--json`` one line per size: ``{"tasks", "page_ms", "page_queries", "edit_ms",
"edit_queries"}``, each followed by one line per export case with the same keys and the case's
name: ``{"tasks", "case", "page_ms", "page_queries", "edit_ms", "edit_queries"}``, where
``page_*`` is the export's request and ``edit_*`` are ``null``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

# This folder is on the path when the script runs: the Django set-up is shared by the
# application benchmarks, the seeded project generator with the service benchmark.
from _django_setup import temporary_database
from schedule_edit import DAY, SEED, seed


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, int]:
    """Median milliseconds and the queries of the median run, after one warm-up run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs: list[tuple[float, int]] = []
    for attempt in range(repeat + 1):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = call()
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (response.status_code, response.content[:300])
        if attempt:
            runs.append((elapsed, len(queries)))
    runs.sort()
    return runs[len(runs) // 2]


def measure(manager: Any, project: Any, task_ids: list[int], repeat: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from steerco.accounts.tokens import api_token_create
    from steerco.projects.models import Task

    # "localhost" is in the default ALLOWED_HOSTS; the test client's "testserver" is not.
    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    _, key = api_token_create(acting_user=manager, name="bench")
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    rng = random.Random(SEED)
    page_url = reverse("schedule:page", args=[project.pk])

    def page() -> Any:
        return client.get(page_url)

    # Every edit changes a duration (an edit to the same value writes less).
    durations = dict(Task.objects.filter(pk__in=task_ids).values_list("pk", "duration_minutes"))

    def changed_duration() -> tuple[int, int]:
        task_id = rng.choice(task_ids)
        days = rng.choice([d for d in (1, 2, 4, 6, 9) if d * DAY != durations[task_id]])
        durations[task_id] = days * DAY
        return task_id, days

    def edit() -> Any:
        task_id, days = changed_duration()
        return client.post(
            reverse("schedule:task_edit", args=[project.pk, task_id]),
            {"duration_days": str(days), "changed": "duration_days"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="duration_days",
        )

    def api_get() -> Any:
        return api.get(f"/api/v1/projects/{project.pk}/schedule")

    def api_edit() -> Any:
        task_id, days = changed_duration()
        body = {"tasks": [{"task_id": task_id, "duration_minutes": days * DAY}]}
        return api.post(
            f"/api/v1/projects/{project.pk}/schedule/tasks",
            json.dumps(body),
            content_type="application/json",
        )

    page_ms, page_queries = timed(page, repeat)
    edit_ms, edit_queries = timed(edit, repeat)
    api_get_ms, api_get_queries = timed(api_get, repeat)
    api_edit_ms, api_edit_queries = timed(api_edit, repeat)
    return {
        "page_ms": page_ms,
        "page_queries": page_queries,
        "edit_ms": edit_ms,
        "edit_queries": edit_queries,
        "api_get_ms": api_get_ms,
        "api_get_queries": api_get_queries,
        "api_edit_ms": api_edit_ms,
        "api_edit_queries": api_edit_queries,
    }


def prepare_earned_value(manager: Any, project: Any, task_ids: list[int]) -> None:
    """Costs, a baseline, progress and actual cost on a third of the tasks, a status date."""
    import datetime as dt
    from decimal import Decimal

    from steerco.projects import schedule_services
    from steerco.projects.models import Project, Task

    rng = random.Random(SEED)
    costs = {task_id: Decimal(rng.choice([500, 1200, 4000, 9000])) for task_id in task_ids}
    tasks = list(Task.objects.filter(pk__in=task_ids))
    for task in tasks:
        task.cost = costs[task.pk]
    Task.objects.bulk_update(tasks, ["cost"], batch_size=2000)
    schedule_services.baseline_capture(acting_user=manager, project_id=project.pk)
    started = set(sorted(task_ids)[: len(task_ids) // 3])
    for task in tasks:
        if task.pk in started:
            task.percent_complete = Decimal(rng.choice([10, 25, 50, 100]))
            task.actual_cost = (costs[task.pk] * Decimal("1.1")).quantize(Decimal("0.01"))
    Task.objects.bulk_update(tasks, ["percent_complete", "actual_cost"], batch_size=2000)
    Project.objects.filter(pk=project.pk).update(
        schedule_status_date=dt.datetime(2026, 6, 1, 17, tzinfo=dt.UTC)
    )


def measure_exports(manager: Any, project: Any, repeat: int) -> dict[str, tuple[float, int]]:
    from django.test import Client
    from django.urls import reverse

    from steerco.projects import schedule_selectors

    client = Client(HTTP_HOST="localhost")
    client.force_login(manager)
    gantt_url = reverse("schedule:gantt", args=[project.pk])
    earned_value_url = reverse("schedule:earned_value", args=[project.pk])

    def gantt_cold() -> Any:
        schedule_selectors.forget_checks(project.pk)
        return client.get(gantt_url)

    return {
        "gantt_svg": timed(lambda: client.get(gantt_url), repeat),
        "gantt_svg_cold": timed(gantt_cold, repeat),
        "earned_value": timed(lambda: client.get(earned_value_url), repeat),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per size")
    parser.add_argument("--sizes", default="1000,10000", help="numbers of tasks, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per measure")
    parser.add_argument("--wbs", action="store_true", help="give every task a WBS code")
    args = parser.parse_args()
    sizes = [int(text) for text in args.sizes.split(",") if text.strip()]

    with temporary_database("steerco-schedule-page-"):
        from steerco.projects import schedule_services
        from steerco.projects.models import Task

        if not args.json:
            print(
                f"{'tasks':>7} {'page ms':>9} {'queries':>8} {'edit ms':>9} {'queries':>8} "
                f"{'API get ms':>11} {'queries':>8} {'API edit ms':>12} {'queries':>8}"
            )
        exports: list[tuple[int, str, float, int]] = []
        for index, size in enumerate(sizes):
            manager, project, task_ids = seed(size, index)
            if args.wbs:
                Task.objects.filter(project=project).update(wbs="1")
            schedule_services.project_reschedule(acting_user=manager, project_id=project.pk)
            figures = measure(manager, project, task_ids, args.repeat)
            if args.json:
                line = {
                    "tasks": size,
                    "page_ms": round(figures["page_ms"], 1),
                    "page_queries": figures["page_queries"],
                    "edit_ms": round(figures["edit_ms"], 1),
                    "edit_queries": figures["edit_queries"],
                }
                print(json.dumps(line), flush=True)
            else:
                print(
                    f"{size:>7,} {figures['page_ms']:>9.1f} {figures['page_queries']:>8} "
                    f"{figures['edit_ms']:>9.1f} {figures['edit_queries']:>8} "
                    f"{figures['api_get_ms']:>11.1f} {figures['api_get_queries']:>8} "
                    f"{figures['api_edit_ms']:>12.1f} {figures['api_edit_queries']:>8}",
                    flush=True,
                )
            prepare_earned_value(manager, project, task_ids)
            for case, (milliseconds, queries) in measure_exports(
                manager, project, args.repeat
            ).items():
                exports.append((size, case, milliseconds, queries))
                if args.json:
                    line = {
                        "tasks": size,
                        "case": case,
                        "page_ms": round(milliseconds, 1),
                        "page_queries": queries,
                        "edit_ms": None,
                        "edit_queries": None,
                    }
                    print(json.dumps(line), flush=True)
        if not args.json:
            print(f"\n{'tasks':>7} {'export':<16} {'ms':>9} {'queries':>8}")
            for size, case, milliseconds, queries in exports:
                print(f"{size:>7,} {case:<16} {milliseconds:>9.1f} {queries:>8}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
