"""Write :class:`MspdiProject` as a Microsoft Project XML (MSPDI) file.

Elements are written in the order of Microsoft's MSPDI schema (``mspdi_pj12.xsd`` and
later), which MS Project expects. Calendar exceptions are written twice, as MS Project
2007+ does: under ``Exceptions`` with their recurrence, and expanded into ``WeekDay``
elements with ``DayType`` 0 so that MS Project 2003 reads them too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from steerco.engine.formats.mspdi_model import (
    MINUTES_PER_DAY_CLOCK,
    NAMESPACE,
    UNASSIGNED_RESOURCE_UID,
    Assignment,
    Baseline,
    Calendar,
    CalendarException,
    Link,
    MspdiProject,
    ProjectSettings,
    Resource,
    Task,
    WeekDay,
    WorkingTime,
    WorkWeek,
    exception_days,
)

_INVALID_XML_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Value = str | int | float | bool | datetime | None


def format_duration(seconds: int) -> str:
    """``PT16H0M0S`` form of a number of seconds, as MS Project writes durations."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}PT{hours}H{minutes}M{secs}S"


def format_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def format_time_of_day(minute: int) -> str:
    minute %= MINUTES_PER_DAY_CLOCK
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def _format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    # A bare carriage return would come back as a line feed: keep it as a character reference.
    text = _INVALID_XML_CHARACTERS.sub("", str(value))
    return escape(text, {"\r": "&#13;"})


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def leaf(self, name: str, value: Value) -> None:
        if value is None:
            return
        self.lines.append(f"{self.indent}<{name}>{_text(value)}</{name}>")

    def duration(self, name: str, seconds: int | None) -> None:
        if seconds is not None:
            self.leaf(name, format_duration(seconds))

    @property
    def indent(self) -> str:
        return "\t" * self.depth

    def open(self, name: str) -> None:
        self.lines.append(f"{self.indent}<{name}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append(f"{self.indent}</{name}>")


def _settings(out: _Writer, settings: ProjectSettings) -> None:
    out.leaf("SaveVersion", settings.save_version)
    out.leaf("Name", settings.name)
    out.leaf("Title", settings.title)
    out.leaf("Subject", settings.subject)
    out.leaf("Category", settings.category)
    out.leaf("Company", settings.company)
    out.leaf("Manager", settings.manager)
    out.leaf("Author", settings.author)
    out.leaf("CreationDate", settings.creation_date)
    out.leaf("LastSaved", settings.last_saved)
    out.leaf("ScheduleFromStart", settings.schedule_from_start)
    out.leaf("StartDate", settings.start_date)
    out.leaf("FinishDate", settings.finish_date)
    out.leaf("FYStartDate", settings.fiscal_year_start_month)
    out.leaf("CriticalSlackLimit", 0)
    out.leaf("CurrencyDigits", settings.currency_digits)
    out.leaf("CurrencySymbol", settings.currency_symbol)
    out.leaf("CurrencyCode", settings.currency_code)
    out.leaf("CurrencySymbolPosition", 0)
    out.leaf("CalendarUID", -1 if settings.calendar_uid is None else settings.calendar_uid)
    out.leaf("DefaultStartTime", format_time_of_day(settings.default_start_time))
    out.leaf("DefaultFinishTime", format_time_of_day(settings.default_finish_time))
    out.leaf("MinutesPerDay", settings.minutes_per_day)
    out.leaf("MinutesPerWeek", settings.minutes_per_week)
    out.leaf("DaysPerMonth", settings.days_per_month)
    out.leaf("DefaultTaskType", settings.default_task_type)
    out.leaf("DefaultFixedCostAccrual", settings.default_fixed_cost_accrual)
    out.leaf("DefaultStandardRate", settings.default_standard_rate)
    out.leaf("DefaultOvertimeRate", settings.default_overtime_rate)
    out.leaf("DurationFormat", settings.duration_format)
    out.leaf("WorkFormat", settings.work_format)
    out.leaf("EditableActualCosts", False)
    out.leaf("HonorConstraints", settings.honor_constraints)
    out.leaf("InsertedProjectsLikeSummary", True)
    out.leaf("MultipleCriticalPaths", False)
    out.leaf("NewTasksEffortDriven", settings.new_tasks_effort_driven)
    out.leaf("NewTasksEstimated", settings.new_tasks_estimated)
    out.leaf("SplitsInProgressTasks", settings.splits_in_progress_tasks)
    out.leaf("SpreadActualCost", False)
    out.leaf("SpreadPercentComplete", False)
    out.leaf("TaskUpdatesResource", True)
    out.leaf("FiscalYearStart", False)
    out.leaf("WeekStartDay", settings.week_start_day)
    out.leaf("MoveCompletedEndsBack", settings.move_completed_ends_back)
    out.leaf("MoveRemainingStartsBack", settings.move_remaining_starts_back)
    out.leaf("MoveRemainingStartsForward", settings.move_remaining_starts_forward)
    out.leaf("MoveCompletedEndsForward", settings.move_completed_ends_forward)
    out.leaf("BaselineForEarnedValue", 0)
    out.leaf("AutoAddNewResourcesAndTasks", True)
    out.leaf("StatusDate", settings.status_date)
    out.leaf("CurrentDate", settings.current_date)
    out.leaf("MicrosoftProjectServerURL", True)
    out.leaf("Autolink", True)
    out.leaf("NewTaskStartDate", 0)
    out.leaf("NewTasksAreManual", settings.new_tasks_are_manual)
    out.leaf("DefaultTaskEVMethod", 0)
    out.leaf("ProjectExternallyEdited", False)


def _working_times(out: _Writer, times: Iterable[WorkingTime]) -> None:
    times = list(times)
    if not times:
        return
    out.open("WorkingTimes")
    for time in times:
        out.open("WorkingTime")
        out.leaf("FromTime", format_time_of_day(time.from_minute))
        out.leaf("ToTime", format_time_of_day(time.to_minute))
        out.close("WorkingTime")
    out.close("WorkingTimes")


def _week_day(out: _Writer, day: WeekDay) -> None:
    out.open("WeekDay")
    out.leaf("DayType", day.day_type)
    out.leaf("DayWorking", day.working)
    _working_times(out, day.working_times)
    out.close("WeekDay")


def _day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _legacy_exception(out: _Writer, exception: CalendarException) -> None:
    for first, last in _day_ranges(exception_days(exception)):
        out.open("WeekDay")
        out.leaf("DayType", 0)
        out.leaf("DayWorking", exception.working)
        out.open("TimePeriod")
        out.leaf("FromDate", datetime.combine(first, datetime.min.time()))
        out.leaf("ToDate", datetime.combine(last, datetime.min.time()).replace(hour=23, minute=59))
        out.close("TimePeriod")
        _working_times(out, exception.working_times)
        out.close("WeekDay")


def _exception(out: _Writer, exception: CalendarException) -> None:
    recurrence = exception.recurrence
    out.open("Exception")
    if recurrence is None:
        days = (exception.to_date.date() - exception.from_date.date()).days + 1
        out.leaf("EnteredByOccurrences", False)
        out.open("TimePeriod")
        out.leaf("FromDate", exception.from_date)
        out.leaf("ToDate", exception.to_date)
        out.close("TimePeriod")
        out.leaf("Occurrences", days)
        out.leaf("Name", exception.name)
        out.leaf("Type", 1)
    else:
        out.leaf("EnteredByOccurrences", recurrence.entered_by_occurrences)
        out.open("TimePeriod")
        out.leaf("FromDate", exception.from_date)
        out.leaf("ToDate", exception.to_date)
        out.close("TimePeriod")
        out.leaf("Occurrences", recurrence.occurrences)
        out.leaf("Name", exception.name)
        out.leaf("Type", recurrence.recurrence_type)
        out.leaf("Period", recurrence.period)
        out.leaf("DaysOfWeek", recurrence.days_of_week)
        out.leaf("Month", recurrence.month)
        out.leaf("MonthItem", recurrence.month_item)
        out.leaf("MonthPosition", recurrence.month_position)
        out.leaf("MonthDay", recurrence.month_day)
    out.leaf("DayWorking", exception.working)
    _working_times(out, exception.working_times)
    out.close("Exception")


def _work_week(out: _Writer, week: WorkWeek) -> None:
    out.open("WorkWeek")
    out.open("TimePeriod")
    out.leaf("FromDate", week.from_date)
    out.leaf("ToDate", week.to_date)
    out.close("TimePeriod")
    out.leaf("Name", week.name)
    if week.week_days:
        out.open("WeekDays")
        for day in week.week_days:
            _week_day(out, day)
        out.close("WeekDays")
    out.close("WorkWeek")


def _calendar(out: _Writer, calendar: Calendar) -> None:
    out.open("Calendar")
    out.leaf("UID", calendar.uid)
    out.leaf("Name", calendar.name)
    out.leaf("IsBaseCalendar", calendar.is_base)
    out.leaf("IsBaselineCalendar", False)
    base = calendar.base_calendar_uid
    out.leaf("BaseCalendarUID", -1 if base is None else base)
    if calendar.week_days or calendar.exceptions:
        out.open("WeekDays")
        for day in calendar.week_days:
            _week_day(out, day)
        for exception in calendar.exceptions:
            _legacy_exception(out, exception)
        out.close("WeekDays")
    if calendar.exceptions:
        out.open("Exceptions")
        for exception in calendar.exceptions:
            _exception(out, exception)
        out.close("Exceptions")
    if calendar.work_weeks:
        out.open("WorkWeeks")
        for week in calendar.work_weeks:
            _work_week(out, week)
        out.close("WorkWeeks")
    out.close("Calendar")


def _baseline(out: _Writer, baseline: Baseline) -> None:
    out.open("Baseline")
    out.leaf("Number", baseline.number)
    out.leaf("Start", baseline.start)
    out.leaf("Finish", baseline.finish)
    out.duration("Duration", baseline.duration)
    out.leaf("DurationFormat", baseline.duration_format)
    out.duration("Work", baseline.work)
    out.leaf("Cost", baseline.cost)
    out.close("Baseline")


def _link(out: _Writer, link: Link) -> None:
    out.open("PredecessorLink")
    out.leaf("PredecessorUID", link.predecessor_uid)
    out.leaf("Type", int(link.link_type))
    out.leaf("CrossProject", link.cross_project)
    if link.cross_project_name:
        out.leaf("CrossProjectName", link.cross_project_name)
    out.leaf("LinkLag", link.lag)
    out.leaf("LagFormat", link.lag_format)
    out.close("PredecessorLink")


def _task(out: _Writer, task: Task) -> None:
    out.open("Task")
    out.leaf("UID", task.uid)
    out.leaf("ID", task.id)
    out.leaf("Name", task.name)
    out.leaf("Active", task.active)
    out.leaf("Manual", task.manual)
    out.leaf("Type", task.task_type)
    out.leaf("IsNull", task.is_null)
    out.leaf("WBS", task.wbs)
    out.leaf("OutlineNumber", task.outline_number)
    out.leaf("OutlineLevel", task.outline_level)
    out.leaf("Priority", task.priority)
    out.leaf("Start", task.start)
    out.leaf("Finish", task.finish)
    out.duration("Duration", task.duration)
    out.leaf("ManualStart", task.manual_start)
    out.leaf("ManualFinish", task.manual_finish)
    out.duration("ManualDuration", task.manual_duration)
    out.leaf("DurationFormat", task.duration_format)
    out.duration("Work", task.work)
    out.leaf("Stop", task.stop)
    out.leaf("Resume", task.resume)
    out.leaf("EffortDriven", task.effort_driven)
    out.leaf("Estimated", task.estimated)
    out.leaf("Milestone", task.milestone)
    out.leaf("Summary", task.summary)
    out.leaf("ExternalTask", task.external_task)
    out.leaf("FixedCost", task.fixed_cost)
    out.leaf("PercentComplete", task.percent_complete)
    out.leaf("PercentWorkComplete", task.percent_work_complete)
    out.leaf("Cost", task.cost)
    out.leaf("ActualStart", task.actual_start)
    out.leaf("ActualFinish", task.actual_finish)
    out.duration("ActualDuration", task.actual_duration)
    out.duration("ActualWork", task.actual_work)
    out.duration("RemainingDuration", task.remaining_duration)
    out.duration("RemainingWork", task.remaining_work)
    out.leaf("ConstraintType", int(task.constraint_type))
    out.leaf("CalendarUID", -1 if task.calendar_uid is None else task.calendar_uid)
    out.leaf("ConstraintDate", task.constraint_date)
    out.leaf("Deadline", task.deadline)
    out.leaf("LevelingDelay", task.leveling_delay)
    out.leaf("LevelingDelayFormat", task.leveling_delay_format)
    out.leaf("IgnoreResourceCalendar", task.ignore_resource_calendar)
    if task.notes:
        out.leaf("Notes", task.notes)
    for link in task.predecessors:
        _link(out, link)
    for baseline in task.baselines:
        _baseline(out, baseline)
    out.close("Task")


def _resource(out: _Writer, resource: Resource) -> None:
    out.open("Resource")
    out.leaf("UID", resource.uid)
    out.leaf("ID", resource.id)
    out.leaf("Name", resource.name)
    out.leaf("Type", resource.resource_type)
    out.leaf("IsNull", resource.is_null)
    out.leaf("Initials", resource.initials)
    out.leaf("Code", resource.code)
    out.leaf("Group", resource.group)
    out.leaf("EmailAddress", resource.email_address)
    out.leaf("MaxUnits", resource.max_units)
    out.leaf("AccrueAt", resource.accrue_at)
    out.leaf("StandardRate", resource.standard_rate)
    out.leaf("OvertimeRate", resource.overtime_rate)
    out.leaf("CostPerUse", resource.cost_per_use)
    out.leaf("CalendarUID", -1 if resource.calendar_uid is None else resource.calendar_uid)
    if resource.notes:
        out.leaf("Notes", resource.notes)
    out.leaf("IsGeneric", resource.is_generic)
    out.leaf("IsInactive", resource.is_inactive)
    for baseline in resource.baselines:
        _baseline(out, baseline)
    out.close("Resource")


def _assignment(out: _Writer, assignment: Assignment) -> None:
    out.open("Assignment")
    out.leaf("UID", assignment.uid)
    out.leaf("TaskUID", assignment.task_uid)
    resource = assignment.resource_uid
    out.leaf("ResourceUID", UNASSIGNED_RESOURCE_UID if resource is None else resource)
    out.leaf("PercentWorkComplete", assignment.percent_work_complete)
    out.leaf("ActualCost", assignment.actual_cost)
    out.leaf("ActualFinish", assignment.actual_finish)
    out.leaf("ActualStart", assignment.actual_start)
    out.duration("ActualWork", assignment.actual_work)
    out.leaf("Cost", assignment.cost)
    out.leaf("Delay", assignment.delay)
    out.leaf("Finish", assignment.finish)
    out.duration("RemainingWork", assignment.remaining_work)
    out.leaf("Start", assignment.start)
    out.leaf("Stop", assignment.stop)
    out.leaf("Resume", assignment.resume)
    out.leaf("Units", assignment.units)
    out.duration("Work", assignment.work)
    out.leaf("WorkContour", assignment.work_contour)
    for baseline in assignment.baselines:
        _baseline(out, baseline)
    for period in assignment.timephased:
        out.open("TimephasedData")
        out.leaf("Type", period.kind)
        out.leaf("UID", assignment.uid)
        out.leaf("Start", period.start)
        out.leaf("Finish", period.finish)
        out.leaf("Unit", period.unit)
        out.duration("Value", period.value)
        out.close("TimephasedData")
    out.close("Assignment")


def write_mspdi(project: MspdiProject) -> bytes:
    """Write a project as an MSPDI (Microsoft Project XML) file.

    Parameters
    ----------
    project:
        The project, for example from :func:`read_mspdi`, possibly with rescheduled
        dates (see :func:`with_schedule`).

    Returns
    -------
    bytes
        The UTF-8 encoded XML; :func:`read_mspdi` of it gives back an equal project.
    """
    out = _Writer()
    out.lines.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    out.lines.append(f'<Project xmlns="{NAMESPACE}">')
    out.depth = 1
    _settings(out, project.settings)
    out.open("Calendars")
    for calendar in project.calendars:
        _calendar(out, calendar)
    out.close("Calendars")
    out.open("Tasks")
    for task in project.tasks:
        _task(out, task)
    out.close("Tasks")
    out.open("Resources")
    for resource in project.resources:
        _resource(out, resource)
    out.close("Resources")
    out.open("Assignments")
    for assignment in project.assignments:
        _assignment(out, assignment)
    out.close("Assignments")
    out.depth = 0
    out.lines.append("</Project>")
    return ("\n".join(out.lines) + "\n").encode("utf-8")
