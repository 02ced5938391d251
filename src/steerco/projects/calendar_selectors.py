"""Reading working calendars: the organisation's list with who uses each, and one calendar.

The list is read in a fixed number of queries whatever the number of calendars, projects and
people: calendars (with their exception counts), then usage counted per calendar with one
grouped query each for projects, tasks and people, and the names shown beside each calendar.
Project names are those the reader may see; the counts include every project.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of, sees_whole_organisation
from steerco.projects.access import projects_visible_to
from steerco.projects.calendar_access import (
    access_calendar_by_id,
    calendars_visible_to,
    can_edit_calendars,
)
from steerco.projects.calendar_services import WEEKDAYS, effective_week
from steerco.projects.models import Calendar, CalendarException, Project, Task
from steerco.resources.models import Person

NAMES_SHOWN = 5


@dataclass
class CalendarUsage:
    """Who follows a calendar: directly, through a task, or as the default they fall back to."""

    projects: list[Project] = field(default_factory=list)  # visible to the reader
    project_count: int = 0
    task_project_count: int = 0
    people: list[str] = field(default_factory=list)
    person_count: int = 0
    derived: list[Calendar] = field(default_factory=list)
    default_project_count: int = 0  # projects without a calendar, on the default
    default_person_count: int = 0

    @property
    def in_use(self) -> bool:
        return bool(
            self.project_count or self.task_project_count or self.person_count or self.derived
        )

    @property
    def hidden_project_count(self) -> int:
        return max(0, self.project_count - len(self.projects))


@dataclass(frozen=True, slots=True)
class WeekDay:
    name: str
    intervals: tuple[tuple[str, str], ...]
    inherited: bool
    hours: Decimal

    @property
    def text(self) -> str:
        return ", ".join(f"{start}-{end}" for start, end in self.intervals) or "Day off"


@dataclass
class CalendarRow:
    calendar: Calendar
    base_name: str | None
    exception_count: int
    week: list[WeekDay]
    usage: CalendarUsage

    @property
    def weekly_hours(self) -> Decimal:
        return sum((day.hours for day in self.week), Decimal("0"))


@dataclass
class CalendarDetail(CalendarRow):
    exceptions: list[CalendarException] = field(default_factory=list)
    can_edit: bool = False


def _minutes(intervals: list[list[str]]) -> int:
    total = 0
    for start, end in intervals:
        start_hour, start_minute = (int(part) for part in start.split(":"))
        end_hour, end_minute = (int(part) for part in end.split(":"))
        total += (end_hour * 60 + end_minute) - (start_hour * 60 + start_minute)
    return total


def week_of(calendar: Calendar, calendars: Mapping[int, Calendar]) -> list[WeekDay]:
    """Each weekday's hours, saying which come from the base calendar."""
    own = calendar.working_week or {}
    resolved = effective_week(own, calendar.base_calendar_id, calendars)
    return [
        WeekDay(
            name=WEEKDAYS[day],
            intervals=tuple((start, end) for start, end in resolved[day]),
            inherited=calendar.base_calendar_id is not None and str(day) not in own,
            hours=(Decimal(_minutes(resolved[day])) / 60).quantize(Decimal("0.01")),
        )
        for day in range(7)
    ]


def _usage(
    user: User, organisation_id: int, calendars: Mapping[int, Calendar], only: int | None = None
) -> dict[int, CalendarUsage]:
    usage: dict[int, CalendarUsage] = defaultdict(CalendarUsage)
    projects = Project.objects.filter(organisation_id=organisation_id)
    people = Person.objects.filter(organisation_id=organisation_id)
    tasks = Task.objects.filter(project__organisation_id=organisation_id, calendar__isnull=False)
    if only is not None:
        followers = Q(calendar_id=only)
        if calendars[only].is_default:
            followers |= Q(calendar__isnull=True)
        projects, people = projects.filter(followers), people.filter(followers)
        tasks = tasks.filter(calendar_id=only)
    for calendar_id, count in projects.values_list("calendar_id").annotate(count=Count("pk")):
        if calendar_id is None:
            default = next((c for c in calendars.values() if c.is_default), None)
            if default is not None:
                usage[default.pk].default_project_count = count
        else:
            usage[calendar_id].project_count = count
    for calendar_id, count in tasks.values_list("calendar_id").annotate(
        count=Count("project_id", distinct=True)
    ):
        usage[calendar_id].task_project_count = count
    for calendar_id, count in people.values_list("calendar_id").annotate(count=Count("pk")):
        if calendar_id is None:
            default = next((c for c in calendars.values() if c.is_default), None)
            if default is not None:
                usage[default.pk].default_person_count = count
        else:
            usage[calendar_id].person_count = count
    visible = (
        projects
        if sees_whole_organisation(user)
        else projects.filter(pk__in=projects_visible_to(user).values("pk"))
    )
    for project in visible.filter(calendar__isnull=False).only("pk", "code", "name", "calendar_id"):
        shown = usage[project.calendar_id or 0].projects
        shown.append(project)
    for calendar_id, name in people.filter(calendar__isnull=False).values_list(
        "calendar_id", "name"
    ):
        usage[calendar_id].people.append(name)
    for calendar in calendars.values():
        if calendar.base_calendar_id is not None and calendar.base_calendar_id in calendars:
            usage[calendar.base_calendar_id].derived.append(calendar)
    for entry in usage.values():
        entry.projects.sort(key=lambda project: project.code)
        entry.people.sort()
    return usage


def calendar_list(user: User) -> list[CalendarRow]:
    """The organisation's calendars, the default first, each with who follows it."""
    organisation_id = organisation_id_of(user)
    rows = list(
        calendars_visible_to(user).annotate(exception_count=Count("exceptions")).order_by("name")
    )
    calendars = {calendar.pk: calendar for calendar in rows}
    usage = _usage(user, organisation_id, calendars)
    result = [
        CalendarRow(
            calendar=calendar,
            base_name=calendars[calendar.base_calendar_id].name
            if calendar.base_calendar_id in calendars
            else None,
            exception_count=calendar.exception_count,
            week=week_of(calendar, calendars),
            usage=usage.get(calendar.pk) or CalendarUsage(),
        )
        for calendar in rows
    ]
    result.sort(key=lambda row: (not row.calendar.is_default, row.calendar.name.casefold()))
    return result


def calendar_detail(user: User, calendar_id: int) -> CalendarDetail:
    """One calendar with its exceptions, its week (base hours filled in) and who follows it."""
    calendar = access_calendar_by_id(user, calendar_id)
    calendars = {c.pk: c for c in calendars_visible_to(user)}
    calendar = calendars[calendar.pk]
    usage = _usage(user, calendar.organisation_id, calendars, only=calendar.pk)
    exceptions = list(calendar.exceptions.order_by("start_date", "pk"))
    return CalendarDetail(
        calendar=calendar,
        base_name=calendars[calendar.base_calendar_id].name
        if calendar.base_calendar_id in calendars
        else None,
        exception_count=len(exceptions),
        week=week_of(calendar, calendars),
        usage=usage.get(calendar.pk) or CalendarUsage(),
        exceptions=exceptions,
        can_edit=can_edit_calendars(user),
    )


def calendar_choices(user: User, *, exclude: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the organisation's calendars, for base calendar pickers."""
    calendars = calendars_visible_to(user).order_by("name").values_list("pk", "name")
    return [(pk, name) for pk, name in calendars if pk != exclude]
