"""Microsoft Project XML (MSPDI) import, export and rescheduling.

Public API::

    project = read_mspdi(path_or_bytes)        # MspdiProject, or MspdiError naming the line
    data = write_mspdi(project)                # bytes of a file MS Project opens
    result = reschedule(project)               # dates computed by Steerco, never copied
    rows = compare_with_saved(project, result) # which tasks reproduce MS Project's dates

The model lives in :mod:`.mspdi_model`, the reader in :mod:`.mspdi_read`, the writer
in :mod:`.mspdi_write` and the scheduling pass in :mod:`.mspdi_schedule`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from steerco.engine.formats.mspdi_model import (
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
    WeekDay,
    WorkingTime,
    WorkWeek,
)
from steerco.engine.formats.mspdi_read import MspdiError, read_mspdi
from steerco.engine.formats.mspdi_schedule import RescheduleResult, reschedule
from steerco.engine.formats.mspdi_write import write_mspdi

__all__ = [
    "Assignment",
    "Baseline",
    "Calendar",
    "CalendarException",
    "ConstraintType",
    "Link",
    "LinkType",
    "MspdiError",
    "MspdiProject",
    "ProjectSettings",
    "Recurrence",
    "RescheduleResult",
    "Resource",
    "Task",
    "TaskComparison",
    "WeekDay",
    "WorkWeek",
    "WorkingTime",
    "compare_with_saved",
    "counted_tasks",
    "read_mspdi",
    "reschedule",
    "with_schedule",
    "write_mspdi",
]


def counted_tasks(project: MspdiProject) -> list[Task]:
    """The tasks a comparison counts.

    Every task with a UID except the project summary task (outline level 0, UID 0 in
    files saved by MS Project: a roll-up of the whole file, not a task of the plan)
    and null tasks (``IsNull``: blank rows without dates).
    """
    return [task for task in project.tasks if task.outline_level > 0 and not task.is_null]


@dataclass(frozen=True, slots=True)
class TaskComparison:
    """Computed dates of one task against the dates MS Project saved in the file."""

    uid: int
    start: datetime | None
    finish: datetime | None
    saved_start: datetime | None
    saved_finish: datetime | None
    matches: bool
    reason: str


def _mismatch_reason(project: MspdiProject, task: Task, result: RescheduleResult) -> str:
    notes = result.notes.get(task.uid, ())
    if task.manual:
        return "manually scheduled: MS Project keeps the dates the user typed"
    contoured = [a for a in project.assignments if a.task_uid == task.uid and a.work_contour == 8]
    if contoured:
        return "work contour edited by hand (WorkContour 8): timephased work is not modelled"
    if task.start is not None and task.finish is not None and task.duration:
        computed = result.dates.get(task.uid)
        if computed is not None and computed[0] == task.start and computed[1] != task.finish:
            return "the task is split (pauses inside it) or its finish was edited by hand"
    if task.actual_start is not None:
        return "progress entered by hand: actual dates and remaining work disagree"
    project_start = project.settings.start_date
    if (
        project_start is not None
        and task.start is not None
        and task.start < project_start
        and project.settings.schedule_from_start
        and task.constraint_type
        not in (
            ConstraintType.MUST_START_ON,
            ConstraintType.MUST_FINISH_ON,
            ConstraintType.START_NO_LATER_THAN,
            ConstraintType.FINISH_NO_LATER_THAN,
        )
    ):
        return (
            "stale saved dates: the saved start is before the project StartDate, where MS "
            "Project never places an automatically scheduled task (saved without recalculating)"
        )
    for note in notes:
        if note.startswith("summary"):
            return "summary task: one of its children differs"
    if task.start is None or task.finish is None:
        return "the file has no saved Start/Finish to compare with"
    return "unexplained: " + ("; ".join(notes) if notes else "plain CPM differs")


def compare_with_saved(project: MspdiProject, result: RescheduleResult) -> list[TaskComparison]:
    """Compare computed dates with the saved ones, for each :func:`counted_tasks` task.

    A task matches when both its start and its finish equal the saved ones to the
    second. ``reason`` says why a task does not match ("" when it does).
    """
    rows = []
    for task in counted_tasks(project):
        start, finish = result.dates.get(task.uid, (None, None))
        matches = (
            start is not None
            and task.start is not None
            and start == task.start
            and finish == task.finish
        )
        reason = "" if matches else _mismatch_reason(project, task, result)
        rows.append(
            TaskComparison(task.uid, start, finish, task.start, task.finish, matches, reason)
        )
    return rows


def with_schedule(project: MspdiProject, result: RescheduleResult) -> MspdiProject:
    """The project with its task dates replaced by rescheduled ones (for export)."""
    tasks = tuple(
        dataclasses.replace(task, start=result.dates[task.uid][0], finish=result.dates[task.uid][1])
        if task.uid in result.dates
        else task
        for task in project.tasks
    )
    return dataclasses.replace(project, tasks=tasks)
