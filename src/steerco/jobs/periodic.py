"""Which jobs run by themselves, and when.

Apps declare periodic tasks next to their job handlers, in ``job_handlers.py``::

    @job_handler("comms.send_emails")
    def send_emails(params, progress): ...

    periodic_task("comms.send_emails", title="E-mail pending notifications", every=timedelta(minutes=5))
    periodic_task(
        "comms.digest", name="comms.digest.weekly", title="Weekly digests",
        at=time(7, 0), weekday=0, params={"period": "weekly"},
    )

A task runs once per organisation each time it is due, as an ordinary :class:`Job` of its
``kind``, so it shows on the Jobs page with its progress, result or error. The handler gets the
task's ``params`` plus ``organisation_id``, ``today`` (the date where the organisation lives)
and ``periodic`` (the task's name). ``steerco worker`` ticks the schedule
(:func:`steerco.jobs.periodic_services.periodic_tick`); nothing needs cron.

Times of day are wall-clock times in the organisation's time zone (``settings.TIME_ZONE``
until organisations carry their own): 07:00 stays 07:00 across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from steerco.jobs.registry import known_kinds

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A shorter interval would make the schedule itself the busiest job in the queue.
SHORTEST_INTERVAL = dt.timedelta(seconds=30)

_PERIODIC: dict[str, PeriodicTask] = {}


def organisation_ids_param(params: dict[str, Any]) -> list[int] | None:
    """The run's organisation as the services' ``organisation_ids``; ``None`` is every one.

    A periodic run always names its organisation; a job started by hand may leave it out.
    """
    organisation_id = params.get("organisation_id")
    return [int(organisation_id)] if organisation_id is not None else None


def today_param(params: dict[str, Any]) -> dt.date | None:
    """The run's ``today`` (where the organisation lives), or ``None`` for the server's."""
    return dt.date.fromisoformat(params["today"]) if params.get("today") else None


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    """A job kind run on a schedule: every ``every``, or daily (weekly) at ``at`` (``weekday``)."""

    name: str
    kind: str
    title: str
    every: dt.timedelta | None = None
    at: dt.time | None = None
    weekday: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 100:
            raise ValueError("a periodic task needs a name of at most 100 characters")
        if (self.every is None) == (self.at is None):
            raise ValueError(f"periodic task {self.name!r}: give either every= or at=")
        if self.every is not None and self.every < SHORTEST_INTERVAL:
            raise ValueError(f"periodic task {self.name!r}: every= is shorter than 30 seconds")
        if self.at is not None and self.at.tzinfo is not None:
            raise ValueError(
                f"periodic task {self.name!r}: at= is a wall-clock time, without a time zone"
            )
        if self.weekday is not None and (self.at is None or not 0 <= self.weekday <= 6):
            raise ValueError(
                f"periodic task {self.name!r}: weekday= is 0 (Monday) to 6 (Sunday), with at="
            )

    @property
    def schedule_label(self) -> str:
        """How a person would say when it runs: 'every 5 minutes', 'Mondays at 07:00'."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
                if seconds % size == 0:
                    count = seconds // size
                    return f"every {unit}" if count == 1 else f"every {count} {unit}s"
            return f"every {seconds} seconds"
        assert self.at is not None
        clock = f"{self.at:%H:%M}"
        if self.weekday is None:
            return f"daily at {clock}"
        return f"{WEEKDAYS[self.weekday]}s at {clock}"

    def first_due(self, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
        """When a task not run before becomes due: at once if it runs every so often."""
        if self.every is not None:
            return now
        return self.next_due_after(now, zone)

    def following_due(
        self, previous_due: dt.datetime, now: dt.datetime, zone: dt.tzinfo
    ) -> dt.datetime:
        """The next due time once the run due at ``previous_due`` is claimed at ``now``.

        Runs missed while no worker was up are not made up one by one: a daily task that
        was down for three days runs once, then at its next time of day. Interval tasks stay
        on their original beat (due at :00, :05, ... not drifting by the tick's lateness).
        """
        if self.every is not None:
            if now < previous_due:
                return previous_due + self.every
            missed = (now - previous_due) // self.every
            return previous_due + (missed + 1) * self.every
        return self.next_due_after(max(previous_due, now), zone)

    def next_due_after(self, moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
        """The first time of day ``at`` (on ``weekday``) in ``zone`` strictly after ``moment``.

        Returned in UTC. A wall-clock time that does not exist on a spring-forward day
        (01:30 in London on the last Sunday of March) runs as the clocks jump, an hour later
        by the clock; one that happens twice in autumn runs at the first of the two.
        """
        if self.every is not None:
            return moment + self.every
        assert self.at is not None
        moment_utc = moment.astimezone(dt.UTC)
        day = moment.astimezone(zone).date()
        # A week and a day covers any weekday, whatever the daylight-saving shifts.
        for _ in range(9):
            if self.weekday is None or day.weekday() == self.weekday:
                # Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock.
                candidate = dt.datetime.combine(day, self.at, tzinfo=zone).astimezone(dt.UTC)
                if candidate > moment_utc:
                    return candidate
            day += dt.timedelta(days=1)
        raise AssertionError("no due time within nine days")  # pragma: no cover


def periodic_task(
    kind: str,
    *,
    title: str,
    name: str | None = None,
    every: dt.timedelta | None = None,
    at: dt.time | None = None,
    weekday: int | None = None,
    params: dict[str, Any] | None = None,
) -> PeriodicTask:
    """Run the job ``kind`` on a schedule; call it in ``job_handlers.py`` after the handler."""
    if kind not in known_kinds():
        raise RuntimeError(f"periodic task for job kind {kind!r}: register its handler first")
    task = PeriodicTask(
        name=name or kind,
        kind=kind,
        title=title,
        every=every,
        at=at,
        weekday=weekday,
        params=dict(params or {}),
    )
    existing = _PERIODIC.get(task.name)
    if existing is not None and existing != task:
        raise RuntimeError(f"periodic task {task.name!r} registered twice")
    _PERIODIC[task.name] = task
    return task


def periodic_tasks() -> list[PeriodicTask]:
    return [_PERIODIC[name] for name in sorted(_PERIODIC)]


def periodic_task_named(name: str) -> PeriodicTask:
    try:
        return _PERIODIC[name]
    except KeyError:
        raise LookupError(f"no periodic task {name!r}") from None


def unregister_periodic_task(name: str) -> None:
    """Forget a task (for tests that register their own)."""
    _PERIODIC.pop(name, None)


def organisation_time_zone(organisation: Any) -> ZoneInfo:
    """Where an organisation's clock runs: its own time zone if it has one, else the site's."""
    name = getattr(organisation, "time_zone", "") or settings.TIME_ZONE or "UTC"
    return ZoneInfo(str(name))
