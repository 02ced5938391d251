"""Feeding the engine for capacity: months, working calendars, and the portfolio "fit".

Months are first-of-month dates throughout (``CapacityPeriod.month``,
``RoleDemand.month``, ``Booking.month``).

Calendars: a person's hours come from their own calendar, else the
organisation's default calendar, else Monday to Friday 08:00-17:00 with an
hour's lunch (8 hours). The database calendars are turned into the engine's
:class:`~steerco.engine.scheduling.calendars.Calendar` so that holidays,
special working days and base calendars resolve exactly as the scheduler
resolves them.

The fit: over-allocated role-months are resolved by moving the starts of
projects that have not started yet, later, by up to a few months. The
portfolio optimiser (``steerco.engine.portfolio.optimiser.optimise``) decides
which starts to move; when it cannot be used (not installed, or it fails),
a greedy shift does the same job less well, and the result says which ran.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from steerco.engine.errors import EngineError, InputError
from steerco.engine.scheduling import calendars as core
from steerco.projects.models import Calendar, CalendarException

STANDARD_MINUTES_PER_DAY = 480


# -- months ------------------------------------------------------------------------------------


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Months from ``first`` to ``last`` (both first-of-month): 0 when equal."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: dt.date, count: int) -> list[dt.date]:
    return [add_months(first_of_month(first), index) for index in range(count)]


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def parse_month(text: str | None, *, default: dt.date | None = None) -> dt.date:
    """``"2027-03"`` (or a full date) as the first of that month."""
    if not text:
        if default is None:
            raise ValueError("a month is required")
        return first_of_month(default)
    try:
        if len(text) == 7:
            return dt.date(int(text[:4]), int(text[5:7]), 1)
        return first_of_month(dt.date.fromisoformat(text))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)") from error


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


# -- calendars ---------------------------------------------------------------------------------


def _day_hours(value: Any, where: str) -> core.DayHours:
    if not value:
        return ()
    try:
        return core.hours(*(f"{start}-{end}" for start, end in value))
    except (TypeError, ValueError) as error:
        raise InputError(f"working hours {value!r} are not HH:MM pairs", field=where) from error


@dataclass
class OrganisationCalendars:
    """Every calendar of an organisation as engine calendars, loaded in two queries."""

    rows: dict[int, Calendar]
    exceptions: dict[int, list[CalendarException]]
    default_id: int | None
    _cache: dict[int, core.Calendar] = field(default_factory=dict)
    _minutes: dict[tuple[int | None, dt.date, dt.date], NDArray[np.float64]] = field(
        default_factory=dict
    )

    @classmethod
    def load(cls, organisation_id: int) -> OrganisationCalendars:
        rows = {row.pk: row for row in Calendar.objects.filter(organisation_id=organisation_id)}
        exceptions: dict[int, list[CalendarException]] = defaultdict(list)
        for exception in CalendarException.objects.filter(
            calendar__organisation_id=organisation_id
        ).order_by("start_date"):
            exceptions[exception.calendar_id].append(exception)
        default_id = next((pk for pk, row in rows.items() if row.is_default), None)
        return cls(rows, dict(exceptions), default_id)

    def engine(self, calendar_id: int | None) -> core.Calendar:
        """The engine calendar of ``calendar_id`` (the default calendar when ``None``)."""
        if calendar_id is None:
            calendar_id = self.default_id
        if calendar_id is None or calendar_id not in self.rows:
            return STANDARD
        cached = self._cache.get(calendar_id)
        if cached is not None:
            return cached
        row = self.rows[calendar_id]
        where = f"calendar {row.name}"
        base = None
        if row.base_calendar_id is not None and row.base_calendar_id in self.rows:
            base = self.engine(row.base_calendar_id)
        raw_week = row.working_week or {}
        week: list[core.DayHours | None] = []
        for weekday in range(7):
            raw = raw_week.get(str(weekday), raw_week.get(weekday))
            week.append(
                (None if base is not None else ()) if raw is None else _day_hours(raw, where)
            )
        result = core.Calendar(
            name=row.name,
            week=core.WorkWeek(tuple(week)),
            exceptions=tuple(
                core.CalendarException(
                    exception.start_date,
                    exception.finish_date,
                    _day_hours(exception.intervals, where) if exception.working else (),
                    exception.name,
                )
                for exception in self.exceptions.get(calendar_id, [])
            ),
            base=base,
        )
        self._cache[calendar_id] = result
        return result

    def daily_minutes(
        self, calendar_id: int | None, first_day: dt.date, last_day: dt.date
    ) -> NDArray[np.float64]:
        """Working minutes of each day from ``first_day`` to ``last_day`` (inclusive)."""
        key = (calendar_id, first_day, last_day)
        cached = self._minutes.get(key)
        if cached is None:
            calendar = self.engine(calendar_id)
            days = (last_day - first_day).days + 1
            cached = np.array(
                [
                    calendar.working_minutes_on(first_day + dt.timedelta(days=offset))
                    for offset in range(days)
                ],
                dtype=np.float64,
            )
            self._minutes[key] = cached
        return cached

    def monthly_hours_per_fte(self, months: Sequence[dt.date]) -> list[float]:
        """Hours one full-time person has in each month on the default calendar."""
        if not months:
            return []
        first, last = months[0], month_end(months[-1])
        minutes = self.daily_minutes(None, first, last)
        starts = month_starts(first, months)
        return [float(total) / 60 for total in np.add.reduceat(minutes, starts)]


STANDARD = core.Calendar(name="Standard", week=core.WorkWeek.standard())


def month_starts(first_day: dt.date, months: Sequence[dt.date]) -> NDArray[np.intp]:
    """Offsets (in days from ``first_day``) at which each month begins, for ``np.add.reduceat``."""
    return np.array([(month - first_day).days for month in months], dtype=np.intp)


# -- the fit: move project starts to relieve over-allocation --------------------------------


@dataclass(frozen=True, slots=True)
class FitProject:
    """A project whose start may move: its demand by role from its first month.

    ``offset`` is the month of the window it starts in now; ``priority`` 1 is
    the most important. ``profile`` maps a role id to hours per month from the start.
    """

    project_id: int
    offset: int
    profile: Mapping[int, Sequence[float]]
    priority: int = 3
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class FitProblem:
    """Free hours per role and month of the window (capacity minus what cannot move)."""

    months: int
    free: Mapping[int, Sequence[float]]
    projects: Sequence[FitProject]
    max_shift: int = 6


@dataclass(frozen=True, slots=True)
class FitAnswer:
    shifts: dict[int, int]
    left_out: tuple[int, ...]
    method: str
    note: str
    seconds: float


def _value_of(project: FitProject) -> float:
    # Keeping a project is worth far more than any delay, and a more important one more.
    return 1000.0 * (6 - min(5, max(1, project.priority)))


def fit_with_optimiser(problem: FitProblem, *, time_limit: float = 5.0) -> FitAnswer:
    """Ask the portfolio optimiser for the smallest delays that fit the free hours."""
    from steerco.engine.portfolio import model
    from steerco.engine.portfolio.optimiser import optimise

    started = time.perf_counter()
    projects = []
    for project in problem.projects:
        duration = max((len(values) for values in project.profile.values()), default=1)
        latest = min(project.offset + problem.max_shift, problem.months - 1)
        projects.append(
            model.Project(
                id=str(project.project_id),
                duration=max(1, duration),
                demand={str(role): list(values) for role, values in project.profile.items()},
                npv=_value_of(project),
                delay_penalty=1.0,
                earliest_start=project.offset,
                latest_start=max(project.offset, latest),
                mandatory=project.mandatory,
            )
        )
    portfolio = model.Portfolio(
        projects=projects,
        months=problem.months,
        capacity={
            str(role): [max(0.0, v) for v in values] for role, values in problem.free.items()
        },
        finish_within_window=False,
    )
    result = optimise(portfolio, time_limit=time_limit, threads=1, shadow_prices=False)
    starts = result.starts()
    shifts = {}
    left_out = []
    for project in problem.projects:
        start = starts.get(str(project.project_id))
        if start is None:
            left_out.append(project.project_id)
        elif start != project.offset:
            shifts[project.project_id] = start - project.offset
    gap = "" if result.optimal else f" (best found in {time_limit:g} s, gap {result.gap:.1%})"
    return FitAnswer(
        shifts,
        tuple(left_out),
        "optimiser",
        f"Portfolio optimiser, {result.status}{gap}.",
        time.perf_counter() - started,
    )


def fit_greedy(problem: FitProblem) -> FitAnswer:
    """Most important projects first, each at the earliest shift that fits what is left."""
    started = time.perf_counter()
    free = {role: np.array(values, dtype=np.float64) for role, values in problem.free.items()}
    order = sorted(
        problem.projects,
        key=lambda p: (not p.mandatory, p.priority, -sum(map(sum, p.profile.values()))),
    )
    shifts: dict[int, int] = {}
    left_out: list[int] = []
    for project in order:
        best_shift, best_excess = None, None
        for shift in range(problem.max_shift + 1):
            start = project.offset + shift
            if start >= problem.months and shift > 0:
                break
            excess = 0.0
            for role, values in project.profile.items():
                room = free.get(role)
                for index, hours in enumerate(values):
                    month = start + index
                    if month >= problem.months or hours <= 0:
                        continue
                    available = room[month] if room is not None else np.inf
                    excess += max(0.0, hours - max(0.0, float(available)))
            if best_excess is None or excess < best_excess - 1e-9:
                best_shift, best_excess = shift, excess
            if excess <= 1e-6:
                break
        assert best_shift is not None and best_excess is not None
        if best_excess > 1e-6 and not project.mandatory:
            left_out.append(project.project_id)
            continue
        start = project.offset + best_shift
        for role, values in project.profile.items():
            room = free.get(role)
            if room is None:
                continue
            for index, hours in enumerate(values):
                if start + index < problem.months:
                    room[start + index] -= hours
        if best_shift:
            shifts[project.project_id] = best_shift
    return FitAnswer(
        shifts,
        tuple(left_out),
        "greedy",
        "Greedy shift: most important projects first, each at the earliest month that fits.",
        time.perf_counter() - started,
    )


def fit(problem: FitProblem, *, time_limit: float = 5.0) -> FitAnswer:
    """The optimiser's answer, or the greedy shift's when the optimiser cannot give one."""
    if not problem.projects:
        return FitAnswer({}, (), "none", "No project in the window can move.", 0.0)
    try:
        return fit_with_optimiser(problem, time_limit=time_limit)
    except ImportError:
        fallback = "the portfolio optimiser is not available"
    except EngineError as error:
        fallback = f"the portfolio optimiser found no plan ({error})"
    answer = fit_greedy(problem)
    return FitAnswer(
        answer.shifts,
        answer.left_out,
        answer.method,
        f"{answer.note} Used because {fallback}.",
        answer.seconds,
    )


def profiles_by_project(
    rows: Iterable[tuple[int, int, dt.date, float]],
) -> dict[int, tuple[dt.date, dict[int, list[float]]]]:
    """``(project, role, month, hours)`` rows as each project's first month and role profiles."""
    by_project: dict[int, dict[tuple[int, dt.date], float]] = defaultdict(dict)
    for project_id, role_id, month, hours in rows:
        cell = by_project[project_id]
        cell[(role_id, month)] = cell.get((role_id, month), 0.0) + hours
    result: dict[int, tuple[dt.date, dict[int, list[float]]]] = {}
    for project_id, cells in by_project.items():
        first = min(month for _, month in cells)
        length = max(months_between(first, month) for _, month in cells) + 1
        profile: dict[int, list[float]] = {}
        for (role_id, month), hours in cells.items():
            values = profile.setdefault(role_id, [0.0] * length)
            values[months_between(first, month)] += hours
        result[project_id] = (first, profile)
    return result
