"""Read a Microsoft Project XML (MSPDI) file into :class:`MspdiProject`.

The file is parsed with expat into a small tree that remembers the line of each
element, so that every error names the element and its line. The whole model is
built before anything is returned: a bad file raises :class:`MspdiError` and
never gives half a project. DOCTYPE declarations (and so entity declarations,
the way in for "billion laughs" and external-entity attacks) are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar
from xml.parsers import expat

from steerco.engine.errors import InputError
from steerco.engine.formats.mspdi_model import (
    DURATION_FORMATS,
    MINUTES_PER_DAY_CLOCK,
    UNASSIGNED_RESOURCE_UID,
    Assignment,
    Baseline,
    Calendar,
    CalendarException,
    ConstraintType,
    Link,
    LinkType,
    MspdiProject,
    ProjectSettings,
    Recurrence,
    Resource,
    Task,
    TimephasedWork,
    WeekDay,
    WorkingTime,
    WorkWeek,
)

#: Files larger than this are refused before parsing: real schedules are far smaller.
MAX_FILE_BYTES = 256 * 1024 * 1024

T = TypeVar("T")


class MspdiError(InputError):
    """An MSPDI file cannot be read; the message names the line and the element."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


@dataclass(slots=True)
class _Element:
    tag: str
    line: int
    children: list[_Element] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def child(self, tag: str) -> _Element | None:
        for element in self.children:
            if element.tag == tag:
                return element
        return None

    def all(self, tag: str) -> Iterator[_Element]:
        return (element for element in self.children if element.tag == tag)


def _local_name(tag: str) -> str:
    # expat joins namespace and name with a space when namespace_separator=" ".
    return tag.rsplit(" ", 1)[-1]


def _parse_tree(data: bytes | str) -> _Element:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    roots: list[_Element] = []

    def refuse_doctype(*_args: object) -> None:
        raise MspdiError(
            "DOCTYPE declarations are not allowed in MSPDI files (entity expansion risk)",
            line=parser.CurrentLineNumber,
        )

    def refuse_entity(*_args: object) -> None:
        raise MspdiError("entity declarations are not allowed", line=parser.CurrentLineNumber)

    def start(tag: str, _attributes: dict[str, str]) -> None:
        element = _Element(_local_name(tag), parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            roots.append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if stack:
            stack[-1].text_parts.append(text)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = lambda *_args: 0
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        message = expat.errors.messages[error.code] if error.code else str(error)
        raise MspdiError(
            f"malformed XML: {message} (column {error.offset + 1})", line=error.lineno
        ) from None
    if not roots:
        raise MspdiError("the file has no XML root element", line=1)
    return roots[0]


_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _parse_bytes(data: bytes) -> _Element:
    try:
        return _parse_tree(data)
    except MspdiError as error:
        # expat knows only UTF-8/16, ASCII and Latin-1; other declared encodings
        # (windows-1252 from some tools) are decoded by Python and parsed as text.
        match = _DECLARED_ENCODING.match(data[:200])
        if "unknown encoding" not in str(error) or match is None:
            raise
        encoding = match.group(1).decode("ascii")
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            raise error from None
        declaration_end = text.index("?>") + 2
        return _parse_tree(" " * declaration_end + text[declaration_end:])


# --- value parsing ----------------------------------------------------------------------

_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_DURATION_PART_SECONDS = (365 * 86400, 30 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: str) -> int:
    """Seconds of an ISO 8601 duration such as ``PT16H0M0S``; raises ValueError."""
    match = _DURATION.match(text.strip())
    if match is None or all(part is None for part in match.groups()[1:]) or text.endswith("T"):
        raise ValueError(text)
    seconds = sum(
        float(part) * scale
        for part, scale in zip(match.groups()[1:], _DURATION_PART_SECONDS, strict=True)
        if part is not None
    )
    total = round(seconds)
    return -total if match.group(1) else total


# MS Project 2007 writes a few timephased periods with a signed zero ("17:-0:00").
_SIGNED_ZERO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{1,2}):(-?\d{1,2}):(-?\d{1,2})$")


def parse_datetime(text: str) -> datetime:
    """A naive local datetime; MS Project writes local times without a zone."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        match = _SIGNED_ZERO_TIME.match(value)
        if match is None:
            raise
        day, hour, minute, second = match.groups()
        if (minute.startswith("-") and int(minute)) or (second.startswith("-") and int(second)):
            raise
        parsed = datetime.fromisoformat(
            f"{day}T{int(hour):02d}:{abs(int(minute)):02d}:{abs(int(second)):02d}"
        )
    return parsed.replace(tzinfo=None, microsecond=0)


def parse_time_of_day(text: str, *, end_of_period: bool = False) -> int:
    """Minutes after midnight; ``00:00`` ends a period at midnight (1440) when asked."""
    parts = text.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(text)
    hours, minutes = int(parts[0]), int(parts[1])
    if not (0 <= hours <= 24 and 0 <= minutes < 60):
        raise ValueError(text)
    total = hours * 60 + minutes
    if total > MINUTES_PER_DAY_CLOCK:
        raise ValueError(text)
    if end_of_period and total == 0:
        return MINUTES_PER_DAY_CLOCK
    return total


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    raise ValueError(text)


def _parse_int(text: str) -> int:
    value = text.strip()
    try:
        return int(value)
    except ValueError:
        number = float(value)
        if not number.is_integer():
            raise
        return int(number)


def _parse_float(text: str) -> float:
    number = float(text.strip())
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number


class _Fields:
    """Typed access to the leaf children of one element, with errors that name them."""

    def __init__(self, element: _Element, label: str) -> None:
        self.element = element
        self.label = label
        self._leaves: dict[str, _Element] = {}
        for child in element.children:
            self._leaves.setdefault(child.tag, child)

    def fail(self, message: str, line: int | None = None) -> MspdiError:
        return MspdiError(f"{self.label}: {message}", line=line or self.element.line)

    def _value(self, name: str, convert: Callable[[str], T], what: str) -> T | None:
        child = self._leaves.get(name)
        if child is None:
            return None
        text = child.text.strip()
        if text == "":
            return None
        try:
            return convert(text)
        except (ValueError, OverflowError):
            raise self.fail(f"{name} {text!r} is not {what}", child.line) from None

    def text(self, name: str, default: str = "") -> str:
        child = self._leaves.get(name)
        return child.text if child is not None else default

    def integer(self, name: str, default: int) -> int:
        value = self._value(name, _parse_int, "an integer")
        return default if value is None else value

    def optional_integer(self, name: str) -> int | None:
        return self._value(name, _parse_int, "an integer")

    def number(self, name: str, default: float) -> float:
        value = self._value(name, _parse_float, "a number")
        return default if value is None else value

    def optional_number(self, name: str) -> float | None:
        return self._value(name, _parse_float, "a number")

    def flag(self, name: str, default: bool) -> bool:
        value = self._value(name, _parse_bool, "a boolean (0/1)")
        return default if value is None else value

    def datetime(self, name: str) -> datetime | None:
        return self._value(name, parse_datetime, "an ISO 8601 date and time")

    def duration(self, name: str) -> int | None:
        return self._value(name, parse_duration, "an ISO 8601 duration")

    def time_of_day(self, name: str, default: int, *, end_of_period: bool = False) -> int:
        value = self._value(
            name,
            lambda text: parse_time_of_day(text, end_of_period=end_of_period),
            "a time of day",
        )
        return default if value is None else value

    def duration_format(self, name: str, default: int) -> int:
        value = self.integer(name, default)
        if value not in DURATION_FORMATS:
            line = self._leaves[name].line if name in self._leaves else None
            raise self.fail(f"{name} {value} is not an MSPDI duration format", line)
        return value

    def uid_reference(self, name: str) -> int | None:
        """A UID that MSPDI writes as -1 (or is absent) when there is none."""
        value = self.optional_integer(name)
        return None if value is None or value < 0 else value


def _build(fields: _Fields, factory: Callable[[], T]) -> T:
    """Run a model constructor and turn its validation error into an MspdiError."""
    try:
        return factory()
    except InputError as error:
        if isinstance(error, MspdiError):
            raise
        raise fields.fail(error.detail) from None


def _required_uid(element: _Element, kind: str) -> int:
    fields = _Fields(element, kind)
    uid = fields.optional_integer("UID")
    if uid is None:
        raise fields.fail("UID is missing")
    return uid


# --- calendars --------------------------------------------------------------------------


def _working_times(element: _Element, fields: _Fields) -> tuple[WorkingTime, ...]:
    times: list[WorkingTime] = []
    container = element.child("WorkingTimes")
    if container is None:
        return ()
    for item in container.all("WorkingTime"):
        item_fields = _Fields(item, fields.label)
        start = item_fields.time_of_day("FromTime", -1)
        finish = item_fields.time_of_day("ToTime", -1, end_of_period=True)
        if start < 0 and finish < 0:
            continue
        if start < 0 or finish < 0:
            raise item_fields.fail("WorkingTime needs both FromTime and ToTime")
        times.append(_build(item_fields, partial(WorkingTime, start, finish)))
    times.sort(key=lambda time: time.from_minute)
    return tuple(times)


def _time_period(element: _Element, fields: _Fields) -> tuple[datetime, datetime]:
    period = element.child("TimePeriod")
    if period is None:
        raise fields.fail("TimePeriod is missing")
    period_fields = _Fields(period, fields.label)
    start = period_fields.datetime("FromDate")
    finish = period_fields.datetime("ToDate")
    if start is None or finish is None:
        raise period_fields.fail("TimePeriod needs FromDate and ToDate")
    return start, finish


def _week_days(container: _Element | None, label: str) -> tuple[list[WeekDay], list[_Element]]:
    """The regular week days, and the DayType 0 elements (2003-style exceptions)."""
    days: list[WeekDay] = []
    exceptions: list[_Element] = []
    if container is None:
        return days, exceptions
    for item in container.all("WeekDay"):
        fields = _Fields(item, label)
        day_type = fields.integer("DayType", -1)
        if day_type == 0:
            exceptions.append(item)
            continue
        times = _working_times(item, fields)
        working = fields.flag("DayWorking", bool(times))
        days.append(
            _build(
                fields,
                partial(WeekDay, day_type, working, times if working else ()),
            )
        )
    days.sort(key=lambda day: day.day_type)
    return days, exceptions


def _old_style_exception(item: _Element, label: str) -> CalendarException:
    fields = _Fields(item, label)
    start, finish = _time_period(item, fields)
    times = _working_times(item, fields)
    working = fields.flag("DayWorking", bool(times))
    return _build(
        fields,
        lambda: CalendarException(start, finish, working, times if working else ()),
    )


def _new_style_exception(item: _Element, label: str) -> CalendarException:
    fields = _Fields(item, label)
    start, finish = _time_period(item, fields)
    times = _working_times(item, fields)
    working = fields.flag("DayWorking", bool(times))
    kind = fields.integer("Type", 1)
    if not 1 <= kind <= 7:
        raise fields.fail(f"exception Type {kind} is not 1..7")
    recurrence = None
    if kind != 1:
        recurrence = _build(
            fields,
            lambda: Recurrence(
                recurrence_type=kind,
                period=max(1, fields.integer("Period", 1)),
                occurrences=fields.optional_integer("Occurrences"),
                entered_by_occurrences=fields.flag("EnteredByOccurrences", False),
                days_of_week=fields.optional_integer("DaysOfWeek"),
                month=fields.optional_integer("Month"),
                month_item=fields.optional_integer("MonthItem"),
                month_position=fields.optional_integer("MonthPosition"),
                month_day=fields.optional_integer("MonthDay"),
            ),
        )
    return _build(
        fields,
        lambda: CalendarException(
            start,
            finish,
            working,
            times if working else (),
            fields.text("Name"),
            recurrence,
        ),
    )


def _calendar(element: _Element) -> Calendar:
    uid = _required_uid(element, "Calendar")
    label = f"Calendar UID {uid}"
    fields = _Fields(element, label)
    week_days, old_exceptions = _week_days(element.child("WeekDays"), label)
    new_exceptions = element.child("Exceptions")
    # MS Project 2007+ writes each exception twice: expanded as DayType 0 week days
    # (for older readers) and once with its recurrence under Exceptions. The latter wins.
    if new_exceptions is not None:
        exceptions = [_new_style_exception(item, label) for item in new_exceptions.all("Exception")]
    else:
        exceptions = [_old_style_exception(item, label) for item in old_exceptions]
    work_weeks: list[WorkWeek] = []
    container = element.child("WorkWeeks")
    if container is not None:
        for item in container.all("WorkWeek"):
            week_fields = _Fields(item, label)
            start, finish = _time_period(item, week_fields)
            days, _ = _week_days(item.child("WeekDays"), label)
            work_weeks.append(
                _build(
                    week_fields,
                    partial(WorkWeek, start, finish, week_fields.text("Name"), tuple(days)),
                )
            )
    is_base = fields.flag("IsBaseCalendar", True)
    return _build(
        fields,
        lambda: Calendar(
            uid=uid,
            name=fields.text("Name"),
            is_base=is_base,
            base_calendar_uid=fields.uid_reference("BaseCalendarUID"),
            week_days=tuple(week_days),
            exceptions=tuple(exceptions),
            work_weeks=tuple(work_weeks),
        ),
    )


# --- tasks, resources, assignments ----------------------------------------------------


def _baseline(item: _Element, label: str) -> Baseline:
    fields = _Fields(item, label)
    duration_format = fields.optional_integer("DurationFormat")
    if duration_format is not None and duration_format not in DURATION_FORMATS:
        raise fields.fail(f"Baseline DurationFormat {duration_format} is not valid")
    return _build(
        fields,
        lambda: Baseline(
            number=fields.integer("Number", 0),
            start=fields.datetime("Start"),
            finish=fields.datetime("Finish"),
            duration=fields.duration("Duration"),
            duration_format=duration_format,
            work=fields.duration("Work"),
            cost=fields.optional_number("Cost"),
        ),
    )


def _baselines(element: _Element, label: str) -> tuple[Baseline, ...]:
    baselines = [_baseline(item, label) for item in element.all("Baseline")]
    return tuple(sorted(baselines, key=lambda baseline: baseline.number))


def _link(item: _Element, label: str) -> Link:
    fields = _Fields(item, label)
    predecessor = fields.optional_integer("PredecessorUID")
    if predecessor is None:
        raise fields.fail("PredecessorLink has no PredecessorUID")
    kind = fields.integer("Type", 1)
    if kind not in (0, 1, 2, 3):
        raise fields.fail(f"PredecessorLink Type {kind} is not 0 (FF), 1 (FS), 2 (SF) or 3 (SS)")
    lag = fields.optional_number("LinkLag")
    return _build(
        fields,
        lambda: Link(
            predecessor_uid=predecessor,
            link_type=LinkType(kind),
            lag=round(lag or 0.0),
            lag_format=fields.duration_format("LagFormat", 7),
            cross_project=fields.flag("CrossProject", False),
            cross_project_name=fields.text("CrossProjectName"),
        ),
    )


def _task(element: _Element) -> Task:
    uid = _required_uid(element, "Task")
    label = f"Task UID {uid}"
    fields = _Fields(element, label)
    constraint = fields.integer("ConstraintType", 0)
    if not 0 <= constraint <= 7:
        raise fields.fail(f"ConstraintType {constraint} is not 0..7")
    percent = fields.number("PercentComplete", 0.0)
    percent_work = fields.number("PercentWorkComplete", 0.0)
    links = tuple(_link(item, label) for item in element.all("PredecessorLink"))
    return _build(
        fields,
        lambda: Task(
            uid=uid,
            id=fields.optional_integer("ID"),
            name=fields.text("Name"),
            wbs=fields.text("WBS"),
            outline_number=fields.text("OutlineNumber"),
            outline_level=fields.integer("OutlineLevel", 1),
            task_type=fields.integer("Type", 0),
            active=fields.flag("Active", True),
            manual=fields.flag("Manual", False),
            is_null=fields.flag("IsNull", False),
            summary=fields.flag("Summary", False),
            milestone=fields.flag("Milestone", False),
            estimated=fields.flag("Estimated", False),
            effort_driven=fields.flag("EffortDriven", False),
            external_task=fields.flag("ExternalTask", False),
            priority=fields.integer("Priority", 500),
            start=fields.datetime("Start"),
            finish=fields.datetime("Finish"),
            duration=fields.duration("Duration"),
            duration_format=fields.duration_format("DurationFormat", 7),
            manual_start=fields.datetime("ManualStart"),
            manual_finish=fields.datetime("ManualFinish"),
            manual_duration=fields.duration("ManualDuration"),
            work=fields.duration("Work"),
            stop=fields.datetime("Stop"),
            resume=fields.datetime("Resume"),
            constraint_type=ConstraintType(constraint),
            constraint_date=fields.datetime("ConstraintDate"),
            deadline=fields.datetime("Deadline"),
            calendar_uid=fields.uid_reference("CalendarUID"),
            ignore_resource_calendar=fields.flag("IgnoreResourceCalendar", False),
            leveling_delay=round(fields.number("LevelingDelay", 0.0)),
            leveling_delay_format=fields.duration_format("LevelingDelayFormat", 8),
            percent_complete=round(percent),
            percent_work_complete=round(percent_work),
            actual_start=fields.datetime("ActualStart"),
            actual_finish=fields.datetime("ActualFinish"),
            actual_duration=fields.duration("ActualDuration"),
            remaining_duration=fields.duration("RemainingDuration"),
            actual_work=fields.duration("ActualWork"),
            remaining_work=fields.duration("RemainingWork"),
            cost=fields.optional_number("Cost"),
            fixed_cost=fields.number("FixedCost", 0.0),
            notes=fields.text("Notes"),
            predecessors=links,
            baselines=_baselines(element, label),
        ),
    )


def _resource(element: _Element) -> Resource:
    uid = _required_uid(element, "Resource")
    label = f"Resource UID {uid}"
    fields = _Fields(element, label)
    return _build(
        fields,
        lambda: Resource(
            uid=uid,
            id=fields.optional_integer("ID"),
            name=fields.text("Name"),
            resource_type=fields.integer("Type", 1),
            is_null=fields.flag("IsNull", False),
            initials=fields.text("Initials"),
            code=fields.text("Code"),
            group=fields.text("Group"),
            email_address=fields.text("EmailAddress"),
            max_units=fields.number("MaxUnits", 1.0),
            standard_rate=fields.number("StandardRate", 0.0),
            overtime_rate=fields.number("OvertimeRate", 0.0),
            cost_per_use=fields.number("CostPerUse", 0.0),
            accrue_at=fields.integer("AccrueAt", 3),
            calendar_uid=fields.uid_reference("CalendarUID"),
            is_generic=fields.flag("IsGeneric", False),
            is_inactive=fields.flag("IsInactive", False),
            notes=fields.text("Notes"),
            baselines=_baselines(element, label),
        ),
    )


def _timephased(element: _Element, label: str) -> tuple[TimephasedWork, ...]:
    periods = []
    for item in element.all("TimephasedData"):
        fields = _Fields(item, label)
        start = fields.datetime("Start")
        finish = fields.datetime("Finish")
        if start is None or finish is None:
            raise fields.fail("TimephasedData needs Start and Finish")
        periods.append(
            _build(
                fields,
                partial(
                    TimephasedWork,
                    fields.integer("Type", 1),
                    start,
                    finish,
                    fields.integer("Unit", 2),
                    fields.duration("Value"),
                ),
            )
        )
    return tuple(periods)


def _assignment(element: _Element) -> Assignment:
    uid = _required_uid(element, "Assignment")
    label = f"Assignment UID {uid}"
    fields = _Fields(element, label)
    task_uid = fields.optional_integer("TaskUID")
    if task_uid is None:
        raise fields.fail("TaskUID is missing")
    resource_uid = fields.optional_integer("ResourceUID")
    if resource_uid is not None and resource_uid == UNASSIGNED_RESOURCE_UID:
        resource_uid = None
    return _build(
        fields,
        lambda: Assignment(
            uid=uid,
            task_uid=task_uid,
            resource_uid=resource_uid,
            units=fields.number("Units", 1.0),
            work=fields.duration("Work"),
            actual_work=fields.duration("ActualWork"),
            remaining_work=fields.duration("RemainingWork"),
            start=fields.datetime("Start"),
            finish=fields.datetime("Finish"),
            actual_start=fields.datetime("ActualStart"),
            actual_finish=fields.datetime("ActualFinish"),
            stop=fields.datetime("Stop"),
            resume=fields.datetime("Resume"),
            delay=round(fields.number("Delay", 0.0)),
            work_contour=fields.integer("WorkContour", 0),
            percent_work_complete=round(fields.number("PercentWorkComplete", 0.0)),
            cost=fields.optional_number("Cost"),
            actual_cost=fields.optional_number("ActualCost"),
            baselines=_baselines(element, label),
            timephased=_timephased(element, label),
        ),
    )


def _settings(root: _Element) -> ProjectSettings:
    fields = _Fields(root, "Project")
    return _build(
        fields,
        lambda: ProjectSettings(
            name=fields.text("Name"),
            title=fields.text("Title"),
            subject=fields.text("Subject"),
            category=fields.text("Category"),
            company=fields.text("Company"),
            manager=fields.text("Manager"),
            author=fields.text("Author"),
            save_version=fields.optional_integer("SaveVersion"),
            creation_date=fields.datetime("CreationDate"),
            last_saved=fields.datetime("LastSaved"),
            schedule_from_start=fields.flag("ScheduleFromStart", True),
            start_date=fields.datetime("StartDate"),
            finish_date=fields.datetime("FinishDate"),
            status_date=fields.datetime("StatusDate"),
            current_date=fields.datetime("CurrentDate"),
            calendar_uid=fields.uid_reference("CalendarUID"),
            default_start_time=fields.time_of_day("DefaultStartTime", 480),
            default_finish_time=fields.time_of_day("DefaultFinishTime", 1020, end_of_period=True),
            minutes_per_day=fields.integer("MinutesPerDay", 480),
            minutes_per_week=fields.integer("MinutesPerWeek", 2400),
            days_per_month=fields.integer("DaysPerMonth", 20),
            default_task_type=fields.integer("DefaultTaskType", 0),
            default_fixed_cost_accrual=fields.integer("DefaultFixedCostAccrual", 3),
            default_standard_rate=fields.number("DefaultStandardRate", 0.0),
            default_overtime_rate=fields.number("DefaultOvertimeRate", 0.0),
            duration_format=fields.duration_format("DurationFormat", 7),
            work_format=fields.integer("WorkFormat", 2),
            currency_symbol=fields.text("CurrencySymbol", "$"),
            currency_code=fields.text("CurrencyCode"),
            currency_digits=fields.integer("CurrencyDigits", 2),
            fiscal_year_start_month=fields.integer("FYStartDate", 1),
            week_start_day=fields.integer("WeekStartDay", 0),
            honor_constraints=fields.flag("HonorConstraints", False),
            new_tasks_effort_driven=fields.flag("NewTasksEffortDriven", False),
            new_tasks_estimated=fields.flag("NewTasksEstimated", True),
            new_tasks_are_manual=fields.flag("NewTasksAreManual", False),
            splits_in_progress_tasks=fields.flag("SplitsInProgressTasks", True),
            move_completed_ends_back=fields.flag("MoveCompletedEndsBack", False),
            move_remaining_starts_back=fields.flag("MoveRemainingStartsBack", False),
            move_remaining_starts_forward=fields.flag("MoveRemainingStartsForward", False),
            move_completed_ends_forward=fields.flag("MoveCompletedEndsForward", False),
        ),
    )


def _items(root: _Element, container: str, item: str) -> Iterator[_Element]:
    element = root.child(container)
    return iter(()) if element is None else element.all(item)


def read_mspdi(source: bytes | str | os.PathLike[str]) -> MspdiProject:
    """Read an MSPDI (Microsoft Project XML) file.

    Parameters
    ----------
    source:
        The file's bytes, or a path to it.

    Returns
    -------
    MspdiProject
        The whole project; nothing is returned unless the whole file is valid.

    Raises
    ------
    MspdiError
        The file is not well-formed XML, has a DOCTYPE, is not an MSPDI ``Project``,
        or holds a value that cannot be read; the message starts with the line number
        and names the element (``line 143: Task UID 12: Duration 'PT1X' is not an
        ISO 8601 duration``).
    """
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise MspdiError(f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
            data = path.read_bytes()
        except OSError as error:
            raise MspdiError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise MspdiError(f"the file is larger than {MAX_FILE_BYTES} bytes")
    root = _parse_bytes(data)
    if root.tag != "Project":
        raise MspdiError(
            f"the root element is <{root.tag}>, not an MSPDI <Project>", line=root.line
        )
    task_elements = list(_items(root, "Tasks", "Task"))
    project_fields = _Fields(root, "Project")
    tasks = tuple(_task(element) for element in task_elements)
    # Resolve links here, where the line of the offending PredecessorLink is known.
    task_uids = {task.uid for task in tasks}
    for element, task in zip(task_elements, tasks, strict=True):
        for link_element, link in zip(
            element.all("PredecessorLink"), task.predecessors, strict=True
        ):
            if not link.cross_project and link.predecessor_uid not in task_uids:
                raise MspdiError(
                    f"Task UID {task.uid}: PredecessorUID {link.predecessor_uid} "
                    "is not a task of this file",
                    line=link_element.line,
                )
    return _build(
        project_fields,
        lambda: MspdiProject(
            settings=_settings(root),
            calendars=tuple(_calendar(e) for e in _items(root, "Calendars", "Calendar")),
            tasks=tasks,
            resources=tuple(_resource(e) for e in _items(root, "Resources", "Resource")),
            assignments=tuple(_assignment(e) for e in _items(root, "Assignments", "Assignment")),
        ),
    )
