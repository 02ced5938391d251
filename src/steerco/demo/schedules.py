"""Project schedules: WBS, links, constraints, progress at the status date, baselines.

Each scheduled project is grown from its kind's template (:mod:`steerco.demo.templates`),
stretched to its planned duration, then "lived": a second pass with the
project's slip factor decides what really started and finished before the
status date. The critical-path engine (:func:`steerco.engine.scheduling.cpm.schedule`)
then computes early and late dates, floats and the critical path on the
project calendar twice: once without progress (the baseline) and once with it
(the current forecast), exactly as a scheduler would.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from steerco.core.money import quantize_money
from steerco.demo import dates
from steerco.demo.bulk import assign_ids, insert_objects
from steerco.demo.catalogue import ProjectSpec
from steerco.demo.context import DemoContext, ProjectPlan, TaskInfo, rng_for
from steerco.demo.templates import (
    GO_LIVE_MILESTONES,
    PROJECT_UNIT_NAMES,
    REPEAT_LABEL,
    TEMPLATES,
    UNIT_NAMES,
    After,
    Step,
)
from steerco.engine.scheduling import calendars as engine_calendars
from steerco.engine.scheduling import cpm
from steerco.projects.models import Baseline, BaselineTask, Milestone, ProjectMember, Task, TaskLink
from steerco.resources.models import Assignment

MINUTES_PER_DAY = 480
DAY_START = dt.time(8, 0)
DAY_FINISH = dt.time(17, 0)
CALENDAR = "uk"


@dataclass
class PlannedTask:
    name: str
    wbs: str
    level: int
    parent: int | None
    role: str = ""
    days: float = 0
    milestone: bool = False
    summary: bool = False
    constraint: str = ""
    notes: str = ""
    go_live: bool = False
    is_gate_milestone: bool = False


@dataclass
class PlannedLink:
    predecessor: int
    successor: int
    type: str = "FS"
    lag_days: float = 0
    percent: bool = False


@dataclass
class Structure:
    tasks: list[PlannedTask] = field(default_factory=list)
    links: list[PlannedLink] = field(default_factory=list)
    linked: set[tuple[int, int]] = field(default_factory=set)

    def add(self, task: PlannedTask) -> int:
        self.tasks.append(task)
        return len(self.tasks) - 1

    def link(self, predecessor: int, successor: int, after: After | None = None) -> None:
        # One link per pair of tasks, as in Microsoft Project: the first one stated wins.
        if (predecessor, successor) in self.linked:
            return
        self.linked.add((predecessor, successor))
        if after is None:
            self.links.append(PlannedLink(predecessor, successor))
        else:
            self.links.append(
                PlannedLink(predecessor, successor, after.type, after.lag_days, after.percent)
            )


# -- structure ----------------------------------------------------------------------------


def _add_group(
    structure: Structure,
    steps: tuple[Step, ...],
    *,
    parent: int,
    wbs_prefix: str,
    first_number: int,
    entry: list[int],
    level: int,
) -> tuple[list[int], list[int]]:
    """Add a group of steps under ``parent``; returns (task indexes, sinks of the group)."""
    by_name: dict[str, int] = {}
    indexes: list[int] = []
    has_successor: set[int] = set()
    for number, step in enumerate(steps, start=first_number):
        index = structure.add(
            PlannedTask(
                name=step.name,
                wbs=f"{wbs_prefix}.{number}",
                level=level,
                parent=parent,
                role=step.role,
                days=0 if step.milestone else step.days,
                milestone=step.milestone,
                constraint=step.constraint,
                notes=step.notes,
                go_live=step.name in GO_LIVE_MILESTONES,
            )
        )
        if step.after is not None:
            for after in step.after:
                predecessor = by_name[after.step]
                structure.link(predecessor, index, after)
                has_successor.add(predecessor)
        elif indexes:
            structure.link(indexes[-1], index)
            has_successor.add(indexes[-1])
        else:
            for predecessor in entry:
                structure.link(predecessor, index)
        by_name[step.name] = index
        indexes.append(index)
    # Steps that only follow other steps of the group still need the group's entry.
    linked_successors = {successor for _, successor in structure.linked}
    for index in indexes:
        if index not in linked_successors:
            for predecessor in entry:
                structure.link(predecessor, index)
    sinks = [index for index in indexes if index not in has_successor]
    return indexes, sinks


def build_structure(spec: ProjectSpec, rng: random.Random) -> Structure:
    phases = TEMPLATES[spec.kind]
    fixed = sum(1 + len(phase.steps) + len(phase.closing_steps) for phase in phases)
    unit_phase = next(phase for phase in phases if phase.unit is not None)
    assert unit_phase.unit is not None
    unit_size = len(unit_phase.unit.steps) + 1
    unit_count = max(1, round((spec.tasks - fixed) / unit_size))
    names = list(PROJECT_UNIT_NAMES.get(spec.code, UNIT_NAMES[spec.kind]))
    rng.shuffle(names)
    structure = Structure()
    previous_sinks: list[int] = []
    for phase_number, phase in enumerate(phases, start=1):
        summary = structure.add(
            PlannedTask(name=phase.name, wbs=str(phase_number), level=1, parent=None, summary=True)
        )
        sinks = previous_sinks
        number = 1
        if phase.steps:
            _, sinks = _add_group(
                structure,
                phase.steps,
                parent=summary,
                wbs_prefix=str(phase_number),
                first_number=1,
                entry=previous_sinks,
                level=2,
            )
            number = len(phase.steps) + 1
        if phase.unit is not None:
            unit = phase.unit
            lanes = max(1, round(unit_count / 7))
            main_step = max(range(len(unit.steps)), key=lambda i: unit.steps[i].days)
            instance_firsts: list[int] = []
            instance_mains: list[int] = []
            unit_sinks: list[int] = []
            for instance in range(unit_count):
                label = names[instance % len(names)]
                if instance >= len(names):
                    label = f"{label} ({REPEAT_LABEL[spec.kind]} {instance // len(names) + 1})"
                unit_summary = structure.add(
                    PlannedTask(
                        name=label,
                        wbs=f"{phase_number}.{number}",
                        level=2,
                        parent=summary,
                        summary=True,
                    )
                )
                entry = sinks if instance == 0 else []
                indexes, group_sinks = _add_group(
                    structure,
                    unit.steps,
                    parent=unit_summary,
                    wbs_prefix=f"{phase_number}.{number}",
                    first_number=1,
                    entry=entry,
                    level=3,
                )
                if instance > 0:
                    first_days = unit.steps[0].days
                    structure.link(
                        instance_firsts[-1],
                        indexes[0],
                        After("", "SS", round(first_days * unit.stagger)),
                    )
                if instance >= lanes:
                    # The same team moves on to the next workstream when it finishes this one.
                    structure.link(instance_mains[instance - lanes], indexes[main_step])
                instance_firsts.append(indexes[0])
                instance_mains.append(indexes[main_step])
                unit_sinks.extend(group_sinks)
                number += 1
            sinks = unit_sinks
        if phase.closing_steps:
            _, sinks = _add_group(
                structure,
                phase.closing_steps,
                parent=summary,
                wbs_prefix=str(phase_number),
                first_number=number,
                entry=sinks,
                level=2,
            )
        previous_sinks = sinks
    for task in structure.tasks:
        if task.milestone and task.level == 2:
            task.is_gate_milestone = True
    return structure


# -- a simple day-level pass, to size a plan before the engine schedules it -----------------


def day_pass(
    structure: Structure, durations: list[int], floors: dict[int, int] | None = None
) -> tuple[list[int], list[int]]:
    """Early start and finish (exclusive) in working days, in the structure's task order.

    Links always go from an earlier task to a later one (the SF from a go-live
    to the legacy support included), so one sweep in order is a topological pass.
    """
    count = len(structure.tasks)
    incoming: list[list[PlannedLink]] = [[] for _ in range(count)]
    for link in structure.links:
        incoming[link.successor].append(link)
    start = [0] * count
    finish = [0] * count
    for index, task in enumerate(structure.tasks):
        if task.summary:
            continue
        duration = durations[index]
        earliest = (floors or {}).get(index, 0)
        for link in incoming[index]:
            lag = link.lag_days
            if link.percent:
                lag = durations[link.predecessor] * link.lag_days / 100
            lag = round(lag)
            if link.type == "FS":
                bound = finish[link.predecessor] + lag
            elif link.type == "SS":
                bound = start[link.predecessor] + lag
            elif link.type == "FF":
                bound = finish[link.predecessor] + lag - duration
            else:
                bound = start[link.predecessor] + lag - duration
            earliest = max(earliest, bound)
        start[index] = earliest
        finish[index] = earliest + duration
    return start, finish


def size_durations(structure: Structure, target_days: int) -> list[int]:
    """Whole-day durations scaled so that the plan fills ``target_days`` working days."""
    nominal = [0 if t.summary or t.milestone else t.days for t in structure.tasks]
    durations = [max(1, round(d)) if d else 0 for d in nominal]
    for _ in range(3):
        _, finish = day_pass(structure, durations)
        length = max(finish) or 1
        factor = target_days / length
        if abs(factor - 1) < 0.02:
            break
        durations = [max(1, round(d * factor)) if d else 0 for d in durations]
    return durations


# -- living the plan up to the status date --------------------------------------------------


@dataclass
class Progress:
    actual_start: list[int | None]
    actual_finish: list[int | None]
    percent: list[float]
    duration: list[int]
    remaining: list[int | None]


def live(
    structure: Structure,
    durations: list[int],
    *,
    first_day: int,
    stop_day: int,
    slip: float,
    rng: random.Random,
) -> Progress:
    """What happened: each task took ``slip`` (give or take) times its planned duration."""
    lived = [
        0 if d == 0 else max(1, round(d * slip * (rng.uniform(0.92, 1.1) if slip > 1 else 1)))
        for d in durations
    ]
    start, finish = day_pass(structure, lived)
    count = len(structure.tasks)
    progress = Progress(
        actual_start=[None] * count,
        actual_finish=[None] * count,
        percent=[0.0] * count,
        duration=list(durations),
        remaining=[None] * count,
    )
    for index, task in enumerate(structure.tasks):
        if task.summary:
            continue
        begin = first_day + start[index]
        end = first_day + finish[index]
        if task.milestone:
            if begin <= stop_day:
                progress.actual_start[index] = begin
                progress.actual_finish[index] = begin
                progress.percent[index] = 100.0
            continue
        if end <= stop_day:
            progress.actual_start[index] = begin
            progress.actual_finish[index] = end
            progress.percent[index] = 100.0
            progress.duration[index] = lived[index]
        elif begin < stop_day:
            done = stop_day - begin
            progress.actual_start[index] = begin
            progress.percent[index] = round(100 * done / lived[index], 0)
            progress.duration[index] = lived[index]
            progress.remaining[index] = lived[index] - done
    return progress


# -- the engine -----------------------------------------------------------------------------


def engine_calendar() -> engine_calendars.Calendar:
    exceptions = tuple(
        engine_calendars.CalendarException(day, day, name=name)
        for year in dates.HOLIDAY_YEARS
        for day, name in dates.uk_bank_holidays(year)
    )
    return engine_calendars.Calendar(
        "Standard (UK)",
        engine_calendars.WorkWeek.standard(),
        exceptions=exceptions,
        time_zone="Europe/London",
    )


def _day(index: int) -> dt.date:
    return dates.working_days(CALENDAR)[index]


def _start_moment(index: int) -> dt.datetime:
    return dt.datetime.combine(_day(index), DAY_START)


def _finish_moment(end_exclusive: int) -> dt.datetime:
    return dt.datetime.combine(_day(end_exclusive - 1), DAY_FINISH)


def _milestone_moment(index: int, first_day: int) -> dt.datetime:
    return _finish_moment(index) if index > first_day else _start_moment(index)


def run_engine(
    structure: Structure,
    durations: list[int],
    *,
    calendar: engine_calendars.Calendar,
    first_day: int,
    constraints: dict[int, tuple[str, int]],
    deadlines: dict[int, int],
    progress: Progress | None,
    status_day: int | None,
) -> cpm.ScheduleResult:
    tasks: list[cpm.Task] = []
    for index, planned in enumerate(structure.tasks):
        parent = None if planned.parent is None else str(planned.parent)
        kind, day = constraints.get(index, ("", 0))
        constraint = (
            cpm.ConstraintType.ALAP if planned.constraint == "ALAP" else cpm.ConstraintType.ASAP
        )
        constraint_date: dt.datetime | None = None
        if kind == "SNET":
            constraint, constraint_date = cpm.ConstraintType.SNET, _start_moment(day)
        elif kind == "FNLT":
            constraint, constraint_date = cpm.ConstraintType.FNLT, _finish_moment(day)
        deadline = _finish_moment(deadlines[index]) if index in deadlines else None
        duration = durations[index] if progress is None else progress.duration[index]
        actual_start = actual_finish = None
        percent = 0.0
        remaining = None
        if progress is not None and progress.actual_start[index] is not None:
            begin = progress.actual_start[index]
            end = progress.actual_finish[index]
            assert begin is not None
            if planned.milestone:
                actual_start = actual_finish = _milestone_moment(begin, first_day)
            else:
                actual_start = _start_moment(begin)
                actual_finish = None if end is None else _finish_moment(end)
                remaining_days = progress.remaining[index]
                remaining = None if remaining_days is None else remaining_days * MINUTES_PER_DAY
            percent = progress.percent[index]
            # Work that has started is no longer held back by its constraint.
            constraint, constraint_date = cpm.ConstraintType.ASAP, None
        tasks.append(
            cpm.Task(
                id=str(index),
                duration=0 if planned.summary else duration * MINUTES_PER_DAY,
                name=planned.name,
                parent=parent,
                constraint=constraint,
                constraint_date=constraint_date,
                deadline=deadline,
                milestone=planned.milestone,
                actual_start=actual_start,
                actual_finish=actual_finish,
                percent_complete=percent,
                remaining_duration=remaining,
            )
        )
    links = tuple(
        cpm.Link(
            predecessor=str(link.predecessor),
            successor=str(link.successor),
            type=cpm.LinkType(link.type),
            lag=link.lag_days if link.percent else round(link.lag_days) * MINUTES_PER_DAY,
            lag_is_percent=link.percent,
        )
        for link in structure.links
    )
    network = cpm.Network(
        tasks=tuple(tasks),
        links=links,
        calendar=calendar,
        project_start=_start_moment(first_day),
        status_date=None if status_day is None else _start_moment(status_day),
    )
    return cpm.schedule(network)


# -- putting it in the database -------------------------------------------------------------


def _target_window(spec: ProjectSpec) -> tuple[int, int]:
    """First working day and planned length in working days of a project."""
    first_day = dates.working_day_on_or_after(CALENDAR, spec.start)
    end = dates.add_months(spec.start, spec.months)
    if spec.stage == "closing":
        # Closing projects went live a few weeks ago and are finishing their paperwork.
        end = dates.STATUS_DATE + dt.timedelta(days=10)
    last_day = dates.working_day_on_or_after(CALENDAR, end)
    return first_day, max(15, last_day - first_day)


def _choose_team(
    context: DemoContext, spec: ProjectSpec, structure: Structure, rng: random.Random
) -> dict[str, list[int]]:
    roles = sorted({task.role for task in structure.tasks if task.role})
    size = 1 if spec.budget_k < 700 else 2 if spec.budget_k < 2000 else 3
    team: dict[str, list[int]] = {}
    manager = context.managers[spec.code]
    for role in roles:
        if role == "PM":
            person = getattr(manager, "person", None)
            if person is not None:
                team[role] = [person.pk]
                continue
        pool = [info.person.pk for info in context.people_by_role[role]]
        if role == "DE" and spec.code in MEMBER_PROJECTS:
            chosen = [pool[0]]
            others = [pk for pk in pool[1:]]
            chosen += rng.sample(others, k=min(len(others), size))
        else:
            chosen = rng.sample(pool, k=min(len(pool), size))
        team[role] = chosen
    return team


MEMBER_PROJECTS = {"DIG-101", "DIG-102", "OPS-216", "DIG-103"}
"""Projects Emma de Vries (the ``member`` login, the first data engineer) works on."""


@dataclass
class ScheduleOutput:
    structure: Structure
    durations: list[int]
    constraints: dict[int, tuple[str, int]]
    deadlines: dict[int, int]
    result: cpm.ScheduleResult
    baseline: cpm.ScheduleResult | None
    progress: Progress | None
    assignees: list[int | None]
    team: dict[str, list[int]]
    first_day: int
    tasks: list[Task] = field(default_factory=list)


def build_schedules(context: DemoContext) -> None:
    calendar = engine_calendar()
    outputs: dict[str, ScheduleOutput] = {}
    for code, spec in context.specs.items():
        if spec.tasks == 0:
            continue
        outputs[code] = _schedule_project(context, spec, calendar)
    _save(context, outputs, calendar)


def _schedule_project(
    context: DemoContext, spec: ProjectSpec, calendar: engine_calendars.Calendar
) -> ScheduleOutput:
    rng = rng_for("schedule", spec.code)
    structure = build_structure(spec, rng)
    first_day, target = _target_window(spec)
    durations = size_durations(structure, target)
    planned_start, planned_finish = day_pass(structure, durations)
    constraints: dict[int, tuple[str, int]] = {}
    deadlines: dict[int, int] = {}
    for index, task in enumerate(structure.tasks):
        if task.constraint == "SNET":
            # The supplier's date is a week after the plan wanted it: real plans have such gaps.
            constraints[index] = ("SNET", first_day + planned_start[index] + 5)
        if spec.mandatory and task.go_live:
            deadlines[index] = first_day + planned_finish[index] + 10
        if spec.mandatory and task.milestone and task.name.endswith("signed off"):
            constraints[index] = ("FNLT", first_day + planned_finish[index] + 15)
    status_day = dates.working_day_on_or_after(CALENDAR, dates.STATUS_DATE)
    has_baseline = spec.stage != "approved" or spec.start <= dt.date(2027, 1, 1)
    baseline = None
    if has_baseline:
        baseline = run_engine(
            structure,
            durations,
            calendar=calendar,
            first_day=first_day,
            constraints=constraints,
            deadlines=deadlines,
            progress=None,
            status_day=None,
        )
    progress = None
    if spec.stage in ("in_execution", "closing", "on_hold", "closed"):
        stop_day = status_day
        if spec.stage == "on_hold" and spec.stopped is not None:
            stop_day = dates.working_day_on_or_after(CALENDAR, spec.stopped)
        if spec.stage == "closed":
            stop_day = first_day + target * 3
        progress = live(
            structure,
            durations,
            first_day=first_day,
            stop_day=stop_day,
            slip=spec.slip,
            rng=rng,
        )
    result = run_engine(
        structure,
        durations,
        calendar=calendar,
        first_day=first_day,
        constraints=constraints,
        deadlines=deadlines,
        progress=progress,
        status_day=status_day if progress is not None and spec.stage != "closed" else None,
    )
    team = _choose_team(context, spec, structure, rng)
    assignees: list[int | None] = []
    turn: dict[str, int] = {}
    for task in structure.tasks:
        if task.summary or task.milestone or not task.role:
            assignees.append(None)
            continue
        people = team.get(task.role, [])
        if not people or (spec.stage == "approved" and rng.random() < 0.5):
            assignees.append(None)
            continue
        position = turn.get(task.role, 0)
        turn[task.role] = position + 1
        assignees.append(people[position % len(people)])
    return ScheduleOutput(
        structure=structure,
        durations=durations,
        constraints=constraints,
        deadlines=deadlines,
        result=result,
        baseline=baseline,
        progress=progress,
        assignees=assignees,
        team=team,
        first_day=first_day,
    )


def _aware(calendar: engine_calendars.Calendar, moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else calendar.to_utc(moment)


def _save(
    context: DemoContext,
    outputs: dict[str, ScheduleOutput],
    calendar: engine_calendars.Calendar,
) -> None:
    all_tasks: list[Task] = []
    for code, output in outputs.items():
        output.tasks = _task_rows(context, code, output, calendar)
        all_tasks.extend(output.tasks)
    assign_ids(all_tasks)
    for output in outputs.values():
        for task, planned in zip(output.tasks, output.structure.tasks, strict=True):
            if planned.parent is not None:
                task.parent_id = output.tasks[planned.parent].pk
    insert_objects(all_tasks)
    links: list[TaskLink] = []
    assignments: list[Assignment] = []
    milestones: list[Milestone] = []
    baselines: list[tuple[Baseline, list[BaselineTask]]] = []
    for code, output in outputs.items():
        project = context.projects[code]
        spec = context.specs[code]
        for link in output.structure.links:
            links.append(
                TaskLink(
                    project=project,
                    predecessor=output.tasks[link.predecessor],
                    successor=output.tasks[link.successor],
                    type=link.type,
                    lag_minutes=0 if link.percent else round(link.lag_days) * MINUTES_PER_DAY,
                    lag_percent=Decimal(str(link.lag_days)) if link.percent else None,
                )
            )
        assignments.extend(_assignments(context, code, output))
        milestones.extend(_milestones(spec, output))
        if output.baseline is not None:
            baselines.append(_baseline(context, code, output, calendar))
        _remember_plan(context, code, output)
    insert_objects(links)
    insert_objects(assignments)
    insert_objects(milestones)
    insert_objects([baseline for baseline, _ in baselines])
    insert_objects([row for _, rows in baselines for row in rows])
    _project_members(context)


def _task_rows(
    context: DemoContext,
    code: str,
    output: ScheduleOutput,
    calendar: engine_calendars.Calendar,
) -> list[Task]:
    project = context.projects[code]
    structure, result, progress = output.structure, output.result, output.progress
    rows: list[Task] = []
    for index, planned in enumerate(structure.tasks):
        record = result[str(index)]
        duration_days = (progress.duration if progress is not None else output.durations)[index]
        is_done = progress is not None and progress.actual_finish[index] is not None
        started = progress is not None and progress.actual_start[index] is not None
        percent = progress.percent[index] if progress is not None else 0.0
        person_id = output.assignees[index]
        rate = context.people[person_id].rate if person_id is not None else Decimal("0")
        if person_id is None and planned.role and not planned.milestone:
            rate = context.roles[planned.role].default_cost_rate
        work_minutes = 0 if planned.summary or planned.milestone else duration_days * 480
        actual_work = round(work_minutes * percent / 100)
        remaining = None
        if progress is not None and progress.remaining[index] is not None:
            remaining = (progress.remaining[index] or 0) * MINUTES_PER_DAY
        rows.append(
            Task(
                project=project,
                uid=index + 1,
                wbs=planned.wbs,
                outline_level=planned.level,
                name=planned.name,
                notes=planned.notes,
                sort_order=(index + 1) * 10,
                duration_minutes=0 if planned.summary else duration_days * MINUTES_PER_DAY,
                is_milestone=planned.milestone,
                is_summary=planned.summary,
                priority=500,
                early_start=_aware(calendar, record.early_start_date),
                early_finish=_aware(calendar, record.early_finish_date),
                late_start=_aware(calendar, record.late_start_date),
                late_finish=_aware(calendar, record.late_finish_date),
                total_float_minutes=record.total_float,
                free_float_minutes=record.free_float,
                is_critical=record.critical,
                planned_start=_aware(calendar, record.start_date),
                planned_finish=_aware(calendar, record.finish_date),
                actual_start=_aware(calendar, record.start_date) if started else None,
                actual_finish=_aware(calendar, record.finish_date) if is_done else None,
                percent_complete=Decimal(f"{percent:.2f}"),
                remaining_minutes=remaining,
                work_minutes=work_minutes,
                actual_work_minutes=actual_work,
                cost=quantize_money(rate * work_minutes / 60),
                actual_cost=quantize_money(rate * actual_work / 60),
            )
        )
    _apply_constraints(output, rows, calendar)
    _roll_up(structure, rows)
    return rows


def _apply_constraints(
    output: ScheduleOutput, rows: list[Task], calendar: engine_calendars.Calendar
) -> None:
    """Copy the dated constraints and deadlines the engine was given onto the rows."""
    for index, row in enumerate(rows):
        planned = output.structure.tasks[index]
        if planned.constraint == "ALAP" and row.actual_start is None:
            row.constraint_type = "ALAP"
    for index, (kind, day) in output.constraints.items():
        # Kept after the task started, as Microsoft Project does; the dates are actuals by then.
        row = rows[index]
        row.constraint_type = kind
        moment = _start_moment(day) if kind == "SNET" else _finish_moment(day)
        row.constraint_date = calendar.to_utc(moment)
    for index, day in output.deadlines.items():
        rows[index].deadline = calendar.to_utc(_finish_moment(day))


def _roll_up(structure: Structure, rows: list[Task]) -> None:
    """Summary tasks add up their children's work and cost and weigh their progress."""
    for index in range(len(rows) - 1, -1, -1):
        planned = structure.tasks[index]
        if not planned.summary:
            continue
        children = [i for i, t in enumerate(structure.tasks) if t.parent == index]
        work = sum(rows[i].work_minutes for i in children)
        rows[index].work_minutes = work
        rows[index].actual_work_minutes = sum(rows[i].actual_work_minutes for i in children)
        rows[index].cost = sum((rows[i].cost for i in children), Decimal("0"))
        rows[index].actual_cost = sum((rows[i].actual_cost for i in children), Decimal("0"))
        # The product's rule (projects.engine_io): a summary is critical when a sub-task is.
        rows[index].is_critical = any(rows[i].is_critical for i in children)
        weight = sum(rows[i].duration_minutes or rows[i].work_minutes for i in children)
        if weight:
            done = sum(
                float(rows[i].percent_complete) * (rows[i].duration_minutes or rows[i].work_minutes)
                for i in children
            )
            rows[index].percent_complete = Decimal(f"{done / weight:.2f}")
        starts = [start for i in children if (start := rows[i].actual_start) is not None]
        if starts:
            rows[index].actual_start = min(starts)
        finishes = [finish for i in children if (finish := rows[i].actual_finish) is not None]
        if finishes and len(finishes) == len(children):
            rows[index].actual_finish = max(finishes)


def _assignments(context: DemoContext, code: str, output: ScheduleOutput) -> list[Assignment]:
    rows: list[Assignment] = []
    for index, planned in enumerate(output.structure.tasks):
        task = output.tasks[index]
        if planned.summary or planned.milestone:
            continue
        person_id = output.assignees[index]
        rows.append(
            Assignment(
                task=task,
                person=context.people[person_id].person if person_id is not None else None,
                role=context.roles[planned.role],
                units=Decimal("100"),
                work_minutes=task.work_minutes,
                actual_work_minutes=task.actual_work_minutes,
                remaining_work_minutes=task.work_minutes - task.actual_work_minutes,
            )
        )
    return rows


def _milestones(spec: ProjectSpec, output: ScheduleOutput) -> list[Milestone]:
    rows: list[Milestone] = []
    for index, planned in enumerate(output.structure.tasks):
        if not planned.milestone:
            continue
        task = output.tasks[index]
        current = output.result[str(index)].finish_date
        baseline = output.baseline[str(index)].finish_date if output.baseline is not None else None
        assert current is not None
        due = (baseline or current).date()
        rows.append(
            Milestone(
                project=task.project,
                task=task,
                name=planned.name,
                description=f"{planned.name} of {spec.name}.",
                due_date=due,
                baseline_date=baseline.date() if baseline else None,
                forecast_date=current.date(),
                achieved_date=current.date() if task.actual_finish is not None else None,
                is_key=planned.go_live
                or (spec.mission_critical and planned.name.endswith("signed off")),
            )
        )
    return rows


def _baseline(
    context: DemoContext,
    code: str,
    output: ScheduleOutput,
    calendar: engine_calendars.Calendar,
) -> tuple[Baseline, list[BaselineTask]]:
    assert output.baseline is not None
    project = context.projects[code]
    captured = dates.aware(dates.working_days(CALENDAR)[output.first_day], 16, 30)
    if context.specs[code].stage == "approved":
        captured = dates.aware(dt.date(2026, 11, 12), 16, 30)
    baseline = Baseline(
        project=project,
        number=0,
        name="Approved baseline",
        captured_at=captured,
        captured_by=context.manager_of(code),
        note="Captured when the plan was approved at the 'Ready to deliver' gate.",
    )
    rows = []
    for index, planned in enumerate(output.structure.tasks):
        record = output.baseline[str(index)]
        task = output.tasks[index]
        duration = 0 if planned.summary else (record.early_finish - record.early_start)
        rows.append(
            BaselineTask(
                baseline=baseline,
                task=task,
                task_uid=task.uid,
                name=task.name,
                start=_aware(calendar, record.start_date),
                finish=_aware(calendar, record.finish_date),
                duration_minutes=max(0, duration),
                work_minutes=task.work_minutes if not planned.summary else 0,
                cost=task.cost,
            )
        )
    return baseline, rows


def _remember_plan(context: DemoContext, code: str, output: ScheduleOutput) -> None:
    """What the later builders need to know about the plan, without reading it back."""
    result, structure = output.result, output.structure
    leaves = [i for i, t in enumerate(structure.tasks) if not t.summary]

    def moments(schedule: cpm.ScheduleResult, which: str) -> list[dt.date]:
        values = (getattr(schedule[str(i)], which) for i in leaves)
        return [moment.date() for moment in values if moment is not None]

    finish = max(moments(result, "finish_date"))
    go_live = [i for i in leaves if structure.tasks[i].go_live]
    go_live_moment = result[str(go_live[0])].finish_date if go_live else None
    weight = sum(output.tasks[i].duration_minutes for i in leaves) or 1
    done = sum(
        float(output.tasks[i].percent_complete) * output.tasks[i].duration_minutes for i in leaves
    )
    plan = ProjectPlan(
        start=min(moments(result, "start_date")),
        finish=finish,
        baseline_finish=max(moments(output.baseline, "finish_date"))
        if output.baseline is not None
        else finish,
        go_live=go_live_moment.date() if go_live_moment is not None else finish,
        percent_complete=done / weight,
        team=output.team,
    )
    context.plans[code] = plan
    for i in leaves:
        task = output.tasks[i]
        planned = structure.tasks[i]
        record = result[str(i)]
        assert record.start_date is not None and record.finish_date is not None
        baseline_start, baseline_finish = record.start_date, record.finish_date
        if output.baseline is not None:
            baseline_start = output.baseline[str(i)].start_date or baseline_start
            baseline_finish = output.baseline[str(i)].finish_date or baseline_finish
        plan.tasks.append(
            TaskInfo(
                task_id=task.pk,
                project_code=code,
                name=planned.name,
                group=structure.tasks[planned.parent].name if planned.parent is not None else "",
                role_code=planned.role,
                person_id=output.assignees[i],
                start=record.start_date.date(),
                finish=record.finish_date.date(),
                actual_start=task.actual_start.date() if task.actual_start else None,
                actual_finish=task.actual_finish.date() if task.actual_finish else None,
                percent_complete=float(task.percent_complete),
                is_milestone=planned.milestone,
                baseline_start=baseline_start.date(),
                baseline_finish=baseline_finish.date(),
                working_days=task.duration_minutes // MINUTES_PER_DAY,
            )
        )


def _project_members(context: DemoContext) -> None:
    rows: list[ProjectMember] = []
    for code, project in context.projects.items():
        seen: set[int] = set()
        manager = context.managers[code]
        rows.append(ProjectMember(project=project, user=manager, role="manager"))
        seen.add(manager.pk)
        sponsor = context.users[context.specs[code].sponsor]
        if sponsor.pk not in seen:
            rows.append(ProjectMember(project=project, user=sponsor, role="viewer"))
            seen.add(sponsor.pk)
        plan = context.plans.get(code)
        if plan is None:
            continue
        for people in plan.team.values():
            for person_id in people:
                user = context.person_users[person_id]
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                rows.append(ProjectMember(project=project, user=user, role="member"))
    ProjectMember.objects.bulk_create(rows)
