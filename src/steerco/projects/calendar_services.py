"""Every write to working calendars and their exceptions (holidays, special working days).

Each service checks that the acting user may change calendars (administrators and PMO
analysts), validates every field before writing (``ValidationFailed`` naming each field:
``working_week.2``, ``intervals.1``, ``rows[4]``), writes, and records an audit row, all in
one transaction.

A calendar write moves whatever follows the calendar, so each one ends with
:func:`_follow_calendar_change`, in the same transaction:

- people's capacity: ``capacity_services.calendar_changed`` rebuilds everyone on the calendar,
  on a calendar based on it, and (for the default calendar) everyone without a calendar;
- schedules: the projects whose dates come from the calendar (their own calendar, a task's
  calendar, or the default calendar they fall back to) are rescheduled through
  ``schedule_services.project_reschedule`` when that is cheap (see ``RESCHEDULE_TASK_LIMIT``);
  otherwise they are listed in the outcome as needing a reschedule. A project whose schedule
  the new calendar makes impossible is listed with the reason and keeps its dates.

Exactly one calendar per organisation is the default: making a calendar the default takes the
flag from the previous one; the default cannot be "un-defaulted", only replaced.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.db import transaction
from django.db.models import Count, Q

from steerco.accounts.models import User
from steerco.core.access import ANY_PROJECT_EDITORS, has_role
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import Conflict, ServiceError, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.validation import FieldErrors, unique_guard
from steerco.projects.calendar_access import (
    access_calendar_by_id,
    access_calendar_exception_by_id,
    require_calendar_editor,
)
from steerco.projects.models import (
    Calendar,
    CalendarException,
    Project,
    Task,
    default_working_week,
)

Action = AuditEntry.Action

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REQUIRED = "This field is required."
# Rescheduling runs CPM on every affected project inside the request; above this many tasks (or
# projects) in total they are only listed as needing a reschedule. Measured on the 2-core test
# machine: ten 300-task projects rescheduled in 0.47 s, so the limit keeps a save near a second.
RESCHEDULE_TASK_LIMIT = 5_000
RESCHEDULE_PROJECT_LIMIT = 50
LONGEST_EXCEPTION_DAYS = 366 * 10
MAX_HOLIDAY_ROWS = 5_000
# A holiday row is a date and a name: a file far larger than the rows allowed is not a list of
# holidays, and reading it whole would only cost memory.
MAX_HOLIDAY_FILE_BYTES = 1_000_000
CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
FINISHED_STAGES = (Project.Stage.CLOSED, Project.Stage.CANCELLED)


class CalendarFields(TypedDict, total=False):
    """A calendar's editable fields; updates carry only the keys that change.

    ``working_week`` maps weekday ``"0"`` (Monday) .. ``"6"`` to its working intervals
    (``[["08:00", "12:00"], ...]``, ``[]`` for a day off). On a calendar with a base calendar a
    weekday left out, or ``None``, takes the base calendar's hours.
    """

    name: str
    working_week: Mapping[str, Any]
    hours_per_day: Decimal | float | int | str
    timezone: str
    base_calendar_id: int | None
    is_default: bool


class ExceptionFields(TypedDict, total=False):
    """A holiday (``working`` false) or a period with other working hours (``intervals``)."""

    name: str
    start_date: dt.date | None
    finish_date: dt.date | None
    working: bool
    intervals: Sequence[Any]


CALENDAR_FIELD_NAMES = frozenset(CalendarFields.__optional_keys__)
EXCEPTION_FIELD_NAMES = frozenset(ExceptionFields.__optional_keys__)


# -- outcomes --------------------------------------------------------------------------------


@dataclass
class CalendarEffects:
    """What followed a calendar write: schedules moved, or to move by hand."""

    rescheduled: list[str] = field(default_factory=list)
    to_reschedule: list[str] = field(default_factory=list)
    not_rescheduled: dict[str, str] = field(default_factory=dict)

    def merge(self, other: CalendarEffects) -> None:
        self.rescheduled += [c for c in other.rescheduled if c not in self.rescheduled]
        self.to_reschedule += [c for c in other.to_reschedule if c not in self.to_reschedule]
        self.not_rescheduled.update(other.not_rescheduled)

    def summary(self) -> str:
        """One sentence for a page banner (empty when no schedule follows the calendar)."""
        parts = []
        if self.rescheduled:
            parts.append(
                f"Rescheduled {len(self.rescheduled)} project(s): {_codes(self.rescheduled)}."
            )
        if self.to_reschedule:
            parts.append(
                f"{len(self.to_reschedule)} project(s) follow this calendar and need a reschedule: "
                f"{_codes(self.to_reschedule)}."
            )
        for code, reason in self.not_rescheduled.items():
            parts.append(f"{code} could not be rescheduled: {reason}")
        return " ".join(parts)


def _codes(codes: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


@dataclass(frozen=True, slots=True)
class CalendarWrite:
    calendar: Calendar
    effects: CalendarEffects


@dataclass(frozen=True, slots=True)
class ExceptionWrite:
    exception: CalendarException
    effects: CalendarEffects


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str


@dataclass
class HolidayImport:
    """The outcome of a holiday list import (or of its dry run)."""

    calendar: Calendar
    rows: int = 0
    created: int = 0
    skipped: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    effects: CalendarEffects = field(default_factory=CalendarEffects)


class HolidayImportRejected(ValidationFailed):
    """The file has bad rows; nothing was written. ``report`` lists every row's problem."""

    def __init__(self, report: HolidayImport) -> None:
        self.report = report
        errors: dict[str, list[str]] = {}
        for error in report.errors:
            errors.setdefault("file" if error.line == 0 else f"rows[{error.line}]", []).append(
                error.message
            )
        super().__init__(errors)


# -- validation helpers ----------------------------------------------------------------------


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this machine knows, sorted (for pickers)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def _is_time_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clock(text: object) -> int | None:
    """Minutes after midnight of "HH:MM" (24:00 allowed, as an end), or None."""
    if not isinstance(text, str):
        return None
    match = CLOCK.match(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if minute >= 60 or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(value: object) -> tuple[list[list[str]], list[str]]:
    """Working intervals from ``[["08:00", "12:00"], ...]`` or ``"08:00-12:00, 13:00-17:00"``.

    Returns the intervals sorted and written ``HH:MM``, and the problems found (none when fine).
    """
    if value is None:
        return [], []
    if isinstance(value, str):
        spans: list[Any] = [part.split("-") for part in re.split(r"[,;]", value) if part.strip()]
    elif isinstance(value, list | tuple):
        spans = [part.split("-") if isinstance(part, str) else part for part in value]
    else:
        return [], ['Give the hours as [["08:00", "12:00"], ...].']
    problems: list[str] = []
    parsed: list[tuple[int, int]] = []
    for span in spans:
        shown = "-".join(str(p).strip() for p in span) if isinstance(span, list | tuple) else span
        if not isinstance(span, list | tuple) or len(span) != 2:
            problems.append(f"{shown!s}: give a start and an end, like 08:00-12:00.")
            continue
        start, end = _clock(span[0]), _clock(span[1])
        if start is None or end is None:
            problems.append(f"{shown}: times are HH:MM, from 00:00 to 24:00.")
        elif end <= start:
            problems.append(f"{shown}: the end is not after the start.")
        else:
            parsed.append((start, end))
    parsed.sort()
    for (_, first_end), (second_start, second_end) in itertools.pairwise(parsed):
        if second_start < first_end:
            problems.append(
                f"{_text(second_start)}-{_text(second_end)} overlaps the interval before it."
            )
    return [[_text(start), _text(end)] for start, end in parsed], problems


def _week_errors(
    errors: FieldErrors, raw: object, *, has_base: bool
) -> dict[str, list[list[str]]] | None:
    """The working week as stored (weekdays "0".."6"; left out = from the base calendar)."""
    if not isinstance(raw, Mapping):
        errors.add("working_week", 'Give the week as {"0": [["08:00", "12:00"]], ...}.')
        return None
    week: dict[str, list[list[str]]] = {}
    for key, value in raw.items():
        weekday = str(key).strip()
        if weekday not in {str(day) for day in range(7)}:
            errors.add(f"working_week.{key}", "Weekdays are 0 (Monday) to 6 (Sunday).")
            continue
        if value is None:
            if not has_base:
                # Nothing to inherit from: an undefined day is a day off.
                week[weekday] = []
            continue
        intervals, problems = parse_intervals(value)
        for problem in problems:
            errors.add(f"working_week.{weekday}", f"{WEEKDAYS[int(weekday)]}: {problem}")
        week[weekday] = intervals
    if not has_base:
        for day in range(7):
            week.setdefault(str(day), [])
    return dict(sorted(week.items()))


def _day_minutes(intervals: Iterable[Sequence[str]]) -> int:
    total = 0
    for start, end in intervals:
        total += (_clock(end) or 0) - (_clock(start) or 0)
    return total


def effective_week(
    calendar_week: Mapping[str, Any], base_id: int | None, calendars: Mapping[int, Calendar]
) -> list[list[list[str]]]:
    """The hours of each weekday once the base calendars fill the days left undefined."""
    result: list[list[list[str]]] = []
    for day in range(7):
        week, base, seen = calendar_week, base_id, set()
        while str(day) not in week and base is not None and base in calendars and base not in seen:
            seen.add(base)
            week, base = calendars[base].working_week or {}, calendars[base].base_calendar_id
        result.append(list(week.get(str(day)) or []))
    return result


def _organisation_calendars(organisation_id: int) -> dict[int, Calendar]:
    return {
        calendar.pk: calendar
        for calendar in Calendar.objects.filter(organisation_id=organisation_id).only(
            "pk", "name", "base_calendar_id", "is_default", "working_week", "organisation_id"
        )
    }


def _base_cycle(
    calendar_id: int | None, calendar_name: str, base_id: int, calendars: Mapping[int, Calendar]
) -> list[str] | None:
    """The names around the loop if ``calendar`` took ``base_id`` as its base, else None."""
    path = [calendar_name]
    current: int | None = base_id
    seen: set[int] = set()
    while current is not None and current in calendars:
        if current == calendar_id:
            return [*path, calendar_name]
        if current in seen:
            return None  # an older loop that does not go through this calendar
        seen.add(current)
        path.append(calendars[current].name)
        current = calendars[current].base_calendar_id
    return None


def _calendar_errors(
    *,
    organisation_id: int,
    calendar: Calendar | None,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """Checked, normalised values of ``values`` (every problem raised at once)."""
    errors = FieldErrors()
    for name in values:
        if name not in CALENDAR_FIELD_NAMES:
            errors.add(name, "Unknown field.")
    clean: dict[str, Any] = {}
    calendars = _organisation_calendars(organisation_id)
    current_id = calendar.pk if calendar else None

    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip():
            errors.add("name", REQUIRED)
        elif len(name.strip()) > 200:
            errors.add("name", "At most 200 characters.")
        else:
            name = name.strip()
            clash = next(
                (
                    other
                    for other in calendars.values()
                    if other.pk != current_id and other.name.casefold() == name.casefold()
                ),
                None,
            )
            if clash is not None:
                errors.add("name", f"A calendar called {clash.name} already exists.")
            clean["name"] = name

    if "hours_per_day" in values:
        raw = values["hours_per_day"]
        try:
            hours = Decimal(str(raw).strip().replace(",", "."))
            if not hours.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add("hours_per_day", "Enter a number of hours.")
        else:
            if isinstance(raw, bool) or not Decimal("0") < hours <= Decimal("24"):
                errors.add("hours_per_day", "A working day has more than 0 and at most 24 hours.")
            elif hours != hours.quantize(Decimal("0.01")):
                errors.add("hours_per_day", "Use at most two decimals.")
            else:
                clean["hours_per_day"] = hours.quantize(Decimal("0.01"))

    if "timezone" in values:
        zone = values["timezone"]
        if not isinstance(zone, str) or not zone.strip():
            errors.add("timezone", REQUIRED)
        elif not _is_time_zone(zone.strip()):
            errors.add("timezone", f"Unknown time zone {zone!r}: use a name like Europe/Paris.")
        else:
            clean["timezone"] = zone.strip()

    base_id = calendar.base_calendar_id if calendar else None
    if "base_calendar_id" in values:
        raw_base = values["base_calendar_id"]
        if raw_base in (None, "", 0):
            base_id = None
        elif (
            not isinstance(raw_base, int) or isinstance(raw_base, bool) or raw_base not in calendars
        ):
            errors.add("base_calendar_id", "Not found.")
        elif raw_base == current_id:
            errors.add("base_calendar_id", "A calendar cannot be based on itself.")
        else:
            own_name = str(clean.get("name") or (calendar.name if calendar else "this calendar"))
            loop = _base_cycle(current_id, own_name, raw_base, calendars)
            if loop is not None:
                errors.add(
                    "base_calendar_id",
                    "Base calendars would form a cycle: " + " → ".join(loop) + ".",
                )
            else:
                base_id = raw_base
        clean["base_calendar_id"] = base_id

    if "working_week" in values or "base_calendar_id" in values:
        raw_week = values.get("working_week", calendar.working_week if calendar else None)
        if raw_week is None and calendar is None:
            raw_week = {}
        week = _week_errors(errors, raw_week, has_base=base_id is not None)
        week_ok = not any(key.startswith("working_week") for key in errors.errors)
        if week is not None and week_ok:
            if not any(effective_week(week, base_id, calendars)):
                errors.add(
                    "working_week",
                    "The week has no working time: give at least one day working hours.",
                )
            clean["working_week"] = week

    if "is_default" in values:
        flag = values["is_default"]
        if not isinstance(flag, bool):
            errors.add("is_default", "Give true or false.")
        elif calendar is not None and calendar.is_default and not flag:
            errors.add(
                "is_default",
                "The organisation needs a default calendar: make another calendar the default "
                "instead.",
            )
        else:
            clean["is_default"] = flag
    errors.raise_if_any()
    return clean


# -- what follows a calendar -------------------------------------------------------------------


def _family(organisation_id: int, calendar_ids: Iterable[int]) -> set[int]:
    """The calendars and every calendar based on them, at any depth."""
    calendars = set(calendar_ids)
    bases = dict(
        Calendar.objects.filter(organisation_id=organisation_id, base_calendar__isnull=False)
        .values_list("pk", "base_calendar_id")
        .iterator()
    )
    while True:
        grown = calendars | {pk for pk, base in bases.items() if base in calendars}
        if grown == calendars:
            return calendars
        calendars = grown


def projects_following(organisation_id: int, calendar_ids: Iterable[int]) -> Q:
    """Projects whose dates come from these calendars (or a calendar based on them)."""
    family = _family(organisation_id, calendar_ids)
    condition = Q(calendar_id__in=family) | Q(
        pk__in=Task.objects.filter(calendar_id__in=family).values("project_id")
    )
    if Calendar.objects.filter(pk__in=family, is_default=True).exists():
        condition |= Q(calendar__isnull=True)
    return condition


def _follow_calendar_change(
    *, acting_user: User | None, organisation_id: int, calendar_ids: Iterable[int], reason: str
) -> CalendarEffects:
    """Capacity and schedules follow the calendars that changed (see the module docstring)."""
    # Imported here: the resources app imports the projects app's models at load time.
    from steerco.projects.schedule_services import project_reschedule
    from steerco.resources.capacity_services import calendar_changed

    ids = sorted(set(calendar_ids))
    for calendar_id in ids:
        calendar_changed(organisation_id=organisation_id, calendar_id=calendar_id)
    effects = CalendarEffects()
    if not ids:
        return effects
    projects = list(
        Project.objects.filter(organisation_id=organisation_id, scheduled_at__isnull=False)
        .filter(projects_following(organisation_id, ids))
        .exclude(stage__in=FINISHED_STAGES)
        .annotate(task_count=Count("tasks"))
        .filter(task_count__gt=0)
        .order_by("code")
        .values_list("pk", "code", "task_count")
    )
    total_tasks = sum(count for _, _, count in projects)
    if (
        acting_user is None
        or len(projects) > RESCHEDULE_PROJECT_LIMIT
        or total_tasks > RESCHEDULE_TASK_LIMIT
    ):
        effects.to_reschedule = [code for _, code, _ in projects]
        return effects
    for project_id, code, _ in projects:
        try:
            project_reschedule(acting_user=acting_user, project_id=project_id, reason=reason)
        except ValidationFailed as error:
            effects.not_rescheduled[code] = " ".join(
                message for messages in error.errors.values() for message in messages
            )
        except ServiceError:
            effects.to_reschedule.append(code)
        else:
            effects.rescheduled.append(code)
    return effects


def calendar_changed_outside_services(
    *, acting_user: User | None, calendar: Calendar, reason: str = "calendar changed"
) -> CalendarEffects:
    """For writes that bypass these services (the Django admin): make capacity and schedules
    follow ``calendar``. Schedules are rescheduled only when ``acting_user`` may reschedule
    the organisation's projects; otherwise they are listed as needing a reschedule."""
    may_reschedule = (
        acting_user is not None
        and getattr(acting_user, "organisation_id", None) == calendar.organisation_id
        and has_role(acting_user, ANY_PROJECT_EDITORS)
    )
    return _follow_calendar_change(
        acting_user=acting_user if may_reschedule else None,
        organisation_id=calendar.organisation_id,
        calendar_ids=[calendar.pk],
        reason=reason,
    )


def follow_calendar_deletion(*, organisation_id: int, calendar_id: int, was_default: bool) -> None:
    """After a calendar is gone: people who fell back to it (it was the default) now follow
    the standard week, so their capacity is rebuilt. Nobody else can have used it: deleting
    a calendar in use is refused (PROTECT)."""
    from steerco.resources.capacity_services import calendar_changed, capacity_changed
    from steerco.resources.models import Person

    calendar_changed(organisation_id=organisation_id, calendar_id=calendar_id)
    if was_default:
        capacity_changed(
            organisation_id=organisation_id,
            person_ids=Person.objects.filter(
                organisation_id=organisation_id, calendar__isnull=True
            ).values_list("pk", flat=True),
        )


# -- calendars -------------------------------------------------------------------------------


def _take_default(*, acting_user: User, organisation_id: int, keep: int | None) -> int | None:
    """Clear the organisation's default flag (except on ``keep``); returns the previous id."""
    defaults = Calendar.objects.select_for_update().filter(
        organisation_id=organisation_id, is_default=True
    )
    if keep is not None:
        defaults = defaults.exclude(pk=keep)
    previous = defaults.first()
    if previous is None:
        return None
    previous.is_default = False
    previous.save(update_fields=["is_default", "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=previous,
        before={"is_default": True},
        after={"is_default": False},
        summary=f"Calendar {previous.name} is no longer the default",
    )
    return int(previous.pk)


@transaction.atomic
def calendar_create(*, acting_user: User, fields: CalendarFields) -> CalendarWrite:
    """Create a calendar; the organisation's first calendar becomes its default."""
    require_calendar_editor(acting_user)
    organisation_id = int(acting_user.organisation_id or 0)
    values: dict[str, Any] = {
        "name": "",
        # A derived calendar starts with its base's week; any other with the standard week.
        "working_week": {} if fields.get("base_calendar_id") else default_working_week(),
        "hours_per_day": Decimal("8.00"),
        "timezone": "UTC",
        "base_calendar_id": None,
        "is_default": False,
        **fields,
    }
    clean = _calendar_errors(organisation_id=organisation_id, calendar=None, values=values)
    has_default = Calendar.objects.filter(organisation_id=organisation_id, is_default=True)
    if not has_default.exists():
        clean["is_default"] = True
    followers: list[int] = []
    if clean["is_default"]:
        previous = _take_default(
            acting_user=acting_user, organisation_id=organisation_id, keep=None
        )
        followers = [] if previous is None else [previous]
    calendar = Calendar(organisation_id=organisation_id, **clean)
    with unique_guard("name", "A calendar with this name already exists."):
        calendar.save()
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=calendar,
        after=snapshot(calendar),
        summary=f"Created calendar {calendar.name}",
    )
    effects = _follow_calendar_change(
        acting_user=acting_user,
        organisation_id=organisation_id,
        calendar_ids=[calendar.pk, *followers],
        reason=f"calendar {calendar.name} created",
    )
    return CalendarWrite(calendar, effects)


@transaction.atomic
def calendar_update(
    *, acting_user: User, calendar_id: int, changes: CalendarFields
) -> CalendarWrite:
    """Change a calendar's name, week, hours per day, time zone, base calendar or default flag."""
    calendar = access_calendar_by_id(acting_user, calendar_id, for_edit=True)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    clean = _calendar_errors(
        organisation_id=calendar.organisation_id, calendar=calendar, values=changes
    )
    before = snapshot(calendar)
    becomes_default = clean.get("is_default") is True and not calendar.is_default
    followers: list[int] = [calendar.pk]
    if becomes_default:
        previous = _take_default(
            acting_user=acting_user, organisation_id=calendar.organisation_id, keep=calendar.pk
        )
        if previous is not None:
            followers.append(previous)
    for name, value in clean.items():
        setattr(calendar, name, value)
    with unique_guard("name", "A calendar with this name already exists."):
        calendar.save()
    after = snapshot(calendar)
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=calendar,
        before=before,
        after=after,
        summary=f"Changed calendar {calendar.name}",
    )
    moved = {k for k in after if before.get(k) != after.get(k)} - {"name"}
    effects = CalendarEffects()
    if moved:
        effects = _follow_calendar_change(
            acting_user=acting_user,
            organisation_id=calendar.organisation_id,
            calendar_ids=followers,
            reason=f"calendar {calendar.name} changed",
        )
    return CalendarWrite(calendar, effects)


def calendar_users(calendar: Calendar) -> list[str]:
    """What still refers to the calendar, as phrases ("2 projects (ERP-1, WEB-2)")."""
    from steerco.resources.models import Person

    uses: list[str] = []
    projects = list(
        Project.objects.filter(calendar=calendar).order_by("code").values_list("code", flat=True)
    )
    if projects:
        uses.append(f"{len(projects)} project(s) ({_codes(projects, 5)})")
    task_projects = list(
        Task.objects.filter(calendar=calendar)
        .order_by("project__code")
        .values_list("project__code", flat=True)
        .distinct()
    )
    if task_projects:
        uses.append(f"tasks of {len(task_projects)} project(s) ({_codes(task_projects, 5)})")
    people = list(
        Person.objects.filter(calendar=calendar).order_by("name").values_list("name", flat=True)
    )
    if people:
        uses.append(f"{len(people)} person(s) ({_codes(people, 5)})")
    derived = list(
        Calendar.objects.filter(base_calendar=calendar)
        .order_by("name")
        .values_list("name", flat=True)
    )
    if derived:
        uses.append(f"{len(derived)} calendar(s) based on it ({_codes(derived, 5)})")
    return uses


@transaction.atomic
def calendar_delete(*, acting_user: User, calendar_id: int) -> None:
    """Delete a calendar nothing refers to (never the default while others exist)."""
    calendar = access_calendar_by_id(acting_user, calendar_id, for_edit=True)
    uses = calendar_users(calendar)
    if uses:
        raise Conflict(
            f"Calendar {calendar.name} is in use by {'; '.join(uses)}. "
            "Move them to another calendar first."
        )
    if (
        calendar.is_default
        and Calendar.objects.filter(organisation_id=calendar.organisation_id)
        .exclude(pk=calendar.pk)
        .exists()
    ):
        raise Conflict(
            f"Calendar {calendar.name} is the default calendar: make another calendar the "
            "default first."
        )
    before = snapshot(calendar)
    before["exceptions"] = [
        snapshot(exception, ["name", "start_date", "finish_date", "working", "intervals"])
        for exception in calendar.exceptions.all()
    ]
    pk, organisation_id, name = calendar.pk, calendar.organisation_id, calendar.name
    calendar.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=Calendar._meta.label_lower,
        entity_id=pk,
        organisation_id=organisation_id,
        before=before,
        summary=f"Deleted calendar {name}",
    )
    follow_calendar_deletion(
        organisation_id=organisation_id, calendar_id=pk, was_default=bool(before["is_default"])
    )


# -- exceptions ------------------------------------------------------------------------------


def _exception_errors(
    *,
    calendar: Calendar,
    exception: CalendarException | None,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    errors = FieldErrors()
    for name in values:
        if name not in EXCEPTION_FIELD_NAMES:
            errors.add(name, "Unknown field.")
    merged: dict[str, Any] = {}
    if exception is not None:
        merged = {
            "name": exception.name,
            "start_date": exception.start_date,
            "finish_date": exception.finish_date,
            "working": exception.working,
            "intervals": exception.intervals,
        }
    merged.update(values)
    clean: dict[str, Any] = {}

    label = merged.get("name")
    if not isinstance(label, str) or not label.strip():
        errors.add("name", REQUIRED)
    elif len(label.strip()) > 200:
        errors.add("name", "At most 200 characters.")
    else:
        clean["name"] = label.strip()

    start = merged.get("start_date")
    finish = merged.get("finish_date")
    if finish is None:
        finish = start
    for field_name, value in (("start_date", start), ("finish_date", finish)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            errors.add(field_name, REQUIRED if value is None else "Enter a date (YYYY-MM-DD).")
    dates_ok = "start_date" not in errors.errors and "finish_date" not in errors.errors
    if dates_ok:
        assert isinstance(start, dt.date) and isinstance(finish, dt.date)
        if finish < start:
            errors.add("finish_date", "The finish is before the start.")
            dates_ok = False
        elif (finish - start).days >= LONGEST_EXCEPTION_DAYS:
            errors.add("finish_date", "An exception lasts at most ten years.")
            dates_ok = False
        else:
            clean["start_date"], clean["finish_date"] = start, finish

    working = merged.get("working", False)
    if not isinstance(working, bool):
        errors.add("working", "Give true or false.")
        working = False
    clean["working"] = working
    intervals, problems = parse_intervals(merged.get("intervals") or [])
    if working:
        for problem in problems:
            errors.add("intervals", problem)
        if not problems and not intervals:
            errors.add("intervals", "A working exception needs its working hours.")
        clean["intervals"] = intervals
    else:
        if "intervals" in values and (values["intervals"] or []):
            errors.add(
                "intervals", "A non-working day has no working hours: tick 'working' or clear them."
            )
        clean["intervals"] = []

    if dates_ok:
        assert isinstance(start, dt.date) and isinstance(finish, dt.date)
        others = CalendarException.objects.filter(
            calendar=calendar, start_date__lte=finish, finish_date__gte=start
        )
        if exception is not None:
            others = others.exclude(pk=exception.pk)
        problem = exception_overlap_problem(start, finish, others)
        if problem:
            errors.add("start_date", problem)
    errors.raise_if_any()
    return clean


def exception_overlap_problem(
    start: dt.date, finish: dt.date, others: Iterable[CalendarException]
) -> str:
    """Why a period from ``start`` to ``finish`` cannot join ``others``, or "" when it can.

    A day has one set of working hours: two exceptions covering the same day would leave
    the schedule and capacity to guess which one holds. The Django admin's calendar form runs
    the same check over the rows it is about to save.
    """
    overlapping = min(
        (other for other in others if other.start_date <= finish and other.finish_date >= start),
        key=lambda other: (other.start_date, other.finish_date),
        default=None,
    )
    return f"Overlaps {_describe(overlapping)}." if overlapping is not None else ""


def _describe(exception: CalendarException) -> str:
    if exception.start_date == exception.finish_date:
        return f"{exception.name} ({exception.start_date:%Y-%m-%d})"
    return f"{exception.name} ({exception.start_date:%Y-%m-%d} to {exception.finish_date:%Y-%m-%d})"


def _exception_snapshot(exception: CalendarException) -> dict[str, Any]:
    return snapshot(
        exception, ["calendar", "name", "start_date", "finish_date", "working", "intervals"]
    )


@transaction.atomic
def calendar_exception_create(
    *, acting_user: User, calendar_id: int, fields: ExceptionFields
) -> ExceptionWrite:
    """Add a holiday (or a period with other working hours) to a calendar."""
    calendar = access_calendar_by_id(acting_user, calendar_id, for_edit=True)
    Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
    clean = _exception_errors(calendar=calendar, exception=None, values=fields)
    exception = CalendarException.objects.create(calendar=calendar, **clean)
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=exception,
        organisation_id=calendar.organisation_id,
        after=_exception_snapshot(exception),
        summary=f"Added {_describe(exception)} to calendar {calendar.name}",
    )
    effects = _follow_calendar_change(
        acting_user=acting_user,
        organisation_id=calendar.organisation_id,
        calendar_ids=[calendar.pk],
        reason=f"{exception.name} added to calendar {calendar.name}",
    )
    return ExceptionWrite(exception, effects)


@transaction.atomic
def calendar_exception_update(
    *, acting_user: User, exception_id: int, changes: ExceptionFields
) -> ExceptionWrite:
    exception = access_calendar_exception_by_id(acting_user, exception_id, for_edit=True)
    calendar = exception.calendar
    Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
    clean = _exception_errors(calendar=calendar, exception=exception, values=changes)
    before = _exception_snapshot(exception)
    for name, value in clean.items():
        setattr(exception, name, value)
    exception.save()
    after = _exception_snapshot(exception)
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=exception,
        organisation_id=calendar.organisation_id,
        before=before,
        after=after,
        summary=f"Changed {_describe(exception)} on calendar {calendar.name}",
    )
    effects = CalendarEffects()
    if {k for k in after if before.get(k) != after.get(k)} - {"name"}:
        effects = _follow_calendar_change(
            acting_user=acting_user,
            organisation_id=calendar.organisation_id,
            calendar_ids=[calendar.pk],
            reason=f"{exception.name} changed on calendar {calendar.name}",
        )
    return ExceptionWrite(exception, effects)


@transaction.atomic
def calendar_exception_delete(*, acting_user: User, exception_id: int) -> CalendarEffects:
    exception = access_calendar_exception_by_id(acting_user, exception_id, for_edit=True)
    calendar = exception.calendar
    before = _exception_snapshot(exception)
    pk, described = exception.pk, _describe(exception)
    exception.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=CalendarException._meta.label_lower,
        entity_id=pk,
        organisation_id=calendar.organisation_id,
        before=before,
        summary=f"Removed {described} from calendar {calendar.name}",
    )
    return _follow_calendar_change(
        acting_user=acting_user,
        organisation_id=calendar.organisation_id,
        calendar_ids=[calendar.pk],
        reason=f"{before['name']} removed from calendar {calendar.name}",
    )


# -- holiday lists ---------------------------------------------------------------------------


def _read_holiday_rows(content: bytes) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    if len(content) > MAX_HOLIDAY_FILE_BYTES:
        return [], [RowError(0, f"The file is over {MAX_HOLIDAY_FILE_BYTES // 1_000_000} MB.")]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "The file is not UTF-8 text.")]
    try:
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        rows = [
            (number, [cell.strip() for cell in row])
            for number, row in enumerate(reader, start=1)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as error:
        # A field over the csv module's limit, or a stray NUL: name the line it stopped at.
        return [], [RowError(reader.line_num, f"The file is not readable CSV: {error}.")]
    if rows and rows[0][1] and rows[0][1][0].casefold() == "date":
        rows = rows[1:]
    if not rows:
        return [], [RowError(0, "The file has no holidays: one row per holiday, date,name.")]
    if len(rows) > MAX_HOLIDAY_ROWS:
        return [], [RowError(0, f"At most {MAX_HOLIDAY_ROWS} rows in one file.")]
    return rows, []


@transaction.atomic
def calendar_holidays_import(
    *, acting_user: User, calendar_id: int, content: bytes, dry_run: bool = False
) -> HolidayImport:
    """Add the holidays of a CSV file (``date,name``; a header row is optional), all or nothing.

    A holiday already on the calendar with the same date and name is skipped, so that the
    same list can be imported twice. Any bad row (a date that is not YYYY-MM-DD, no name, a date
    twice in the file, a date inside another exception) rejects the whole file:
    :class:`HolidayImportRejected` lists every bad row and nothing is written.
    """
    calendar = access_calendar_by_id(acting_user, calendar_id, for_edit=True)
    Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
    report = HolidayImport(calendar=calendar, dry_run=dry_run)
    rows, problems = _read_holiday_rows(content)
    report.errors.extend(problems)
    report.rows = len(rows)
    existing = list(CalendarException.objects.filter(calendar=calendar).order_by("start_date"))
    seen: dict[dt.date, int] = {}
    to_create: list[CalendarException] = []
    for number, cells in rows:
        day_text = cells[0] if cells else ""
        name = ",".join(cells[1:]).strip() if len(cells) > 1 else ""
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            report.errors.append(RowError(number, f"{day_text!r} is not a date (YYYY-MM-DD)."))
            continue
        if not name:
            report.errors.append(RowError(number, f"{day}: the holiday needs a name."))
            continue
        if len(name) > 200:
            report.errors.append(RowError(number, f"{day}: the name has over 200 characters."))
            continue
        if day in seen:
            report.errors.append(RowError(number, f"{day} is already on line {seen[day]}."))
            continue
        seen[day] = number
        covering = next(
            (e for e in existing if e.start_date <= day <= e.finish_date),
            None,
        )
        if covering is not None:
            same = (
                covering.start_date == covering.finish_date == day
                and not covering.working
                and covering.name.casefold() == name.casefold()
            )
            if same:
                report.skipped += 1
            else:
                report.errors.append(
                    RowError(number, f"{day} {name}: overlaps {_describe(covering)}.")
                )
            continue
        to_create.append(
            CalendarException(
                calendar=calendar,
                name=name,
                start_date=day,
                finish_date=day,
                working=False,
                intervals=[],
            )
        )
    if report.errors:
        raise HolidayImportRejected(report)
    report.created = len(to_create)
    if dry_run or not to_create:
        return report
    CalendarException.objects.bulk_create(to_create)
    audit_record(
        actor=acting_user,
        action=Action.ACTION,
        instance=calendar,
        after={
            "imported_holidays": [
                {"date": exception.start_date, "name": exception.name} for exception in to_create
            ],
            "skipped": report.skipped,
        },
        summary=f"Imported {len(to_create)} holiday(s) into calendar {calendar.name}",
    )
    report.effects = _follow_calendar_change(
        acting_user=acting_user,
        organisation_id=calendar.organisation_id,
        calendar_ids=[calendar.pk],
        reason=f"{len(to_create)} holiday(s) imported into calendar {calendar.name}",
    )
    return report
