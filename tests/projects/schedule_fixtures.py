"""A small schedule with every link type, shared by the schedule tests.

Project start Monday 2026-01-05, standard calendar (Monday to Friday, 08:00-12:00 and
13:00-17:00, UTC), a holiday on Friday 2026-01-16, one day = 480 minutes.

====  ==========  ========  ==========================================
uid   task        duration  predecessors
====  ==========  ========  ==========================================
1     Design      2 days    -
2     Build       8 days    1 FS (crosses the holiday)
3     Write docs  2 days    1 SS + 1 day
4     Test        1 day     2 FF
5     Train       1 day     3 SF + 2 days
6     Go live     0 (milestone)  4 FS, 5 FS
====  ==========  ========  ==========================================
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from steerco.projects.models import Calendar, CalendarException, Project, Task, TaskLink

DAY = 480
UTC = datetime.UTC


def at(day: int, hour: int, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=UTC)


def standard_calendar(organisation: Any, name: str = "Standard") -> Calendar:
    calendar = Calendar.objects.create(organisation=organisation, name=name, timezone="UTC")
    CalendarException.objects.create(
        calendar=calendar,
        name="Founders' day",
        start_date=datetime.date(2026, 1, 16),
        finish_date=datetime.date(2026, 1, 16),
    )
    return calendar


def build_schedule(project: Project) -> dict[str, Task]:
    """The six tasks above, on ``project`` (which gets the standard calendar and start date)."""
    project.calendar = standard_calendar(project.organisation, f"{project.code} standard")
    project.start_date = datetime.date(2026, 1, 5)
    project.finish_date = datetime.date(2026, 12, 31)
    project.save()
    rows = [
        ("design", 1, "Design", 2 * DAY),
        ("build", 2, "Build", 8 * DAY),
        ("docs", 3, "Write docs", 2 * DAY),
        ("test", 4, "Test", DAY),
        ("train", 5, "Train", DAY),
        ("live", 6, "Go live", 0),
    ]
    tasks = {
        key: Task.objects.create(
            project=project,
            uid=uid,
            name=name,
            sort_order=uid * 10,
            duration_minutes=minutes,
            is_milestone=minutes == 0,
        )
        for key, uid, name, minutes in rows
    }
    for predecessor, successor, kind, lag in (
        ("design", "build", "FS", 0),
        ("design", "docs", "SS", DAY),
        ("build", "test", "FF", 0),
        ("docs", "train", "SF", 2 * DAY),
        ("test", "live", "FS", 0),
        ("train", "live", "FS", 0),
    ):
        TaskLink.objects.create(
            project=project,
            predecessor=tasks[predecessor],
            successor=tasks[successor],
            type=kind,
            lag_minutes=lag,
        )
    return tasks


def chain(project: Project, size: int) -> list[Task]:
    """``size`` one-day tasks in a finish-to-start chain from Monday 2026-01-05 (not
    rescheduled), in uid order."""
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    tasks = Task.objects.bulk_create(
        Task(project=project, uid=uid, name=f"T{uid}", sort_order=uid, duration_minutes=DAY)
        for uid in range(1, size + 1)
    )
    TaskLink.objects.bulk_create(
        TaskLink(project=project, predecessor=before, successor=after)
        for before, after in itertools.pairwise(tasks)
    )
    return list(Task.objects.filter(project=project).order_by("uid"))
