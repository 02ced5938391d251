"""Compiled schedules kept between edits, so that a duration edit reschedules incrementally.

After every reschedule the process keeps the project's compiled CPM network (and the dates it
stored) under the project id. A grid edit that only changes the durations of tasks not started
then reuses it: ``set_duration`` and an incremental ``schedule()`` instead of loading every row
and compiling from scratch, and only the rows whose computed fields changed are written.

The cache is per process and other processes (web workers, the task worker) write too, so an
entry is used only when the database still looks exactly as it did when the entry was made. Its
fingerprint is derived from existing fields, read in a fixed handful of aggregate queries:

- the project's schedule settings (calendar, start, status date) and ``scheduled_at``, which
  every reschedule sets: another process's reschedule, or a rolled back transaction, shows;
- count, sum of ids and latest ``updated_at`` of the project's tasks and links: a row added,
  deleted or saved shows;
- the same over the calendars and calendar exceptions of the organisation: any calendar change
  invalidates every project of the organisation (a schedule using a calendar of another
  organisation is not kept);
- today's date on the project calendar when the project has no start date (the start then
  may follow "today").

A write that bypasses ``save()`` (``QuerySet.update`` or ``bulk_update`` without
``updated_at``) on tasks or links is not seen: every such write in Steerco is followed by a full
reschedule, which rebuilds the entry. On PostgreSQL, a task saved without a reschedule (the
projects API) in a transaction that overlaps a grid edit of the same project, and commits after
it with an earlier ``updated_at``, is not seen either until the next full reschedule. On any
doubt the caller compiles from scratch.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, QuerySet, Sum

from steerco.engine.scheduling.network import CompiledNetwork
from steerco.projects.engine_io import (
    TIME_COLUMNS,
    EngineCalendars,
    ScheduleArrays,
    aware_datetimes,
)
from steerco.projects.models import Calendar, CalendarException, Project, Task, TaskLink

# Compiled networks of 10,000 tasks weigh a few megabytes: keep the projects edited last.
MAX_ENTRIES = 16


# Count, sum of ids and latest ``updated_at`` of some rows.
RowSummary = tuple[int, int | None, dt.datetime | None]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the database looked like when an entry was made (see the module docstring)."""

    settings: tuple[object, ...]
    scheduled_at: dt.datetime | None
    tasks: RowSummary
    links: RowSummary
    calendars: RowSummary
    exceptions: RowSummary


@dataclass(slots=True)
class CachedSchedule:
    """A project's compiled network and what the last reschedule stored from it."""

    fingerprint: Fingerprint
    compiled: CompiledNetwork
    calendars: EngineCalendars
    # Task order of the network (and of every array): primary keys, uids, started, summary.
    task_pks: np.ndarray
    task_uids: np.ndarray
    started: np.ndarray
    summary: np.ndarray
    summary_leaves: list[tuple[int, np.ndarray]]
    stored: ScheduleArrays
    notes: tuple[str, ...]
    position_of_pk: dict[int, int]
    # A project without a start date may start "today" (on its calendar's clock).
    today: dt.date | None
    # Manually scheduled tasks and the start (UTC seconds) each is pinned at.
    pinned_positions: np.ndarray
    pinned_seconds: np.ndarray


_entries: OrderedDict[int, CachedSchedule] = OrderedDict()
_lock = threading.Lock()


def _summary_of(queryset: QuerySet[Any]) -> RowSummary:
    values = queryset.aggregate(count=Count("pk"), ids=Sum("pk"), latest=Max("updated_at"))
    return (values["count"], values["ids"], values["latest"])


def _settings_of(project: Project) -> tuple[object, ...]:
    return (
        project.organisation_id,
        project.calendar_id,
        project.start_date,
        project.schedule_status_date,
        settings.TIME_ZONE,
    )


def fingerprint_of(project: Project) -> Fingerprint:
    """Read the project's fingerprint (four aggregate queries, whatever its size)."""
    organisation_id = project.organisation_id
    return Fingerprint(
        settings=_settings_of(project),
        scheduled_at=project.scheduled_at,
        tasks=_summary_of(Task.objects.filter(project=project)),
        links=_summary_of(TaskLink.objects.filter(project=project)),
        calendars=_summary_of(Calendar.objects.filter(organisation_id=organisation_id)),
        exceptions=_summary_of(
            CalendarException.objects.filter(calendar__organisation_id=organisation_id)
        ),
    )


def after_own_writes(
    fingerprint: Fingerprint, *, saved: Iterable[Task], scheduled_at: dt.datetime
) -> Fingerprint:
    """The fingerprint once this transaction's task saves and reschedule are in.

    Worked out rather than read again: a concurrent commit by another process then still
    shows as a difference at the next edit.
    """
    count, ids, latest = fingerprint.tasks
    for task in saved:
        if latest is None or task.updated_at > latest:
            latest = task.updated_at
    return replace(fingerprint, tasks=(count, ids, latest), scheduled_at=scheduled_at)


def take(project: Project) -> CachedSchedule | None:
    """The project's entry, removed from the cache, if the database still matches it.

    Removed so that no other thread uses it while the caller edits it; :func:`keep` puts it
    back.
    """
    with _lock:
        entry = _entries.pop(project.pk, None)
    if entry is None:
        return None
    if entry.today is not None and entry.calendars.today() != entry.today:
        return None
    if fingerprint_of(project) != entry.fingerprint:
        return None
    return entry


def keep(project_id: int, entry: CachedSchedule) -> None:
    with _lock:
        _entries[project_id] = entry
        _entries.move_to_end(project_id)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def forget(project_id: int | None = None) -> None:
    """Drop one project's entry (or every entry)."""
    with _lock:
        if project_id is None:
            _entries.clear()
        else:
            _entries.pop(project_id, None)


def write_changed_rows(
    task_pks: np.ndarray, computed: ScheduleArrays, positions: np.ndarray
) -> None:
    """Store the scheduler's fields of the rows at ``positions``, in one statement.

    One ``executemany`` rather than ``bulk_update``: the number of queries stays the same
    whatever the number of rows, and the database does not evaluate a ``CASE`` with one branch
    per row for every row.
    """
    if positions.size == 0:
        return
    columns = [column for column, _ in TIME_COLUMNS] + [
        "total_float_minutes",
        "free_float_minutes",
        "is_critical",
        "is_summary",
    ]
    dates: list[list[object]] = []
    for column, _ in TIME_COLUMNS:
        seconds = computed.seconds[column][positions]
        if connection.vendor == "sqlite":
            # Exactly what Django's SQLite backend stores for an aware datetime (naive UTC,
            # ``str(datetime)``), formatted in one vectorised step.
            text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
            text = np.ascontiguousarray(text, dtype="U19")
            # "2026-01-05T08:00:00" -> "2026-01-05 08:00:00": the 11th character of each.
            text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
            dates.append(text.tolist())
        else:
            dates.append(list(aware_datetimes(seconds)))
    numbers = [
        computed.total_float[positions].tolist(),
        computed.free_float[positions].tolist(),
        computed.critical[positions].tolist(),
        computed.is_summary[positions].tolist(),
    ]
    rows = list(zip(*dates, *numbers, task_pks[positions].tolist(), strict=True))
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    statement = (
        f"UPDATE {quote(Task._meta.db_table)} SET {assignments} "
        f"WHERE {quote(Task._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


def durations_only(edits: Iterable[Mapping[str, object]]) -> bool:
    """Whether grid edits only change durations (the edits the cache can replay)."""
    allowed = {"task_id", "name", "duration_minutes", "duration_days"}
    return all(set(edit) <= allowed for edit in edits)
