"""Large generated portfolios for benchmarks: thousands of projects, a million tasks.

Every project gets a schedule of phases (summary tasks) with leaf tasks and
milestones, linked finish-to-start inside a phase and between phases, with
some start-to-start and finish-to-finish links with lags; early and late
dates, floats and the critical path come from a forward and backward pass in
working days. Projects also get role demand by month, and the organisation
people and capacity, so that portfolio and capacity pages have data to chew on.

Rows go in with :class:`steerco.demo.bulk.Inserter` (reserved ids, ``executemany``,
values adapted once per distinct value), one transaction per chunk of
projects, so that a million tasks load in minutes on SQLite and the same code
runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from steerco.accounts.models import BusinessUnit, Organisation
from steerco.demo.bulk import Inserter, reserve_ids
from steerco.portfolios.models import Portfolio
from steerco.projects.models import Calendar, Category, Project, Task, TaskLink
from steerco.resources.models import CapacityPeriod, Person, Role, RoleDemand

MINUTES_PER_DAY = 480
PROJECTS_PER_CHUNK = 200
PHASE_SIZE = 10
"""One summary task per ten tasks: the summary and nine leaves (the last a milestone)."""
FIRST_DAY = dt.date(2025, 1, 6)
STATUS_DATE = dt.date(2026, 11, 16)
ROLE_CODES = ["BA", "DEV", "TEST", "ARCH", "PM", "DE", "DEVOPS", "UX", "DS", "CM"]
LEAF_NAMES = [
    "Requirements", "Design", "Build", "Review", "Integration", "System test", "Fix defects",
    "Documentation", "Training", "Data migration", "Configuration", "Performance test",
    "Security review", "User acceptance", "Deployment", "Hypercare",
]  # fmt: skip


@dataclass(frozen=True)
class SeedSummary:
    organisation: str
    projects: int
    tasks: int
    links: int
    role_demands: int
    people: int
    seconds: float
    database_bytes: int | None


@dataclass
class _Axis:
    """Working days (Monday to Friday) and their start and finish moments, pre-adapted."""

    days: list[dt.date]
    starts: list[Any]
    finishes: list[Any]
    index: dict[dt.date, int]

    @classmethod
    def build(cls, years: int) -> _Axis:
        adapt = connection.ops.adapt_datetimefield_value
        days: list[dt.date] = []
        day = FIRST_DAY
        while len(days) < years * 261:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        starts = [adapt(dt.datetime(d.year, d.month, d.day, 8, tzinfo=dt.UTC)) for d in days]
        finishes = [adapt(dt.datetime(d.year, d.month, d.day, 17, tzinfo=dt.UTC)) for d in days]
        return cls(days, starts, finishes, {d: i for i, d in enumerate(days)})


def seed_portfolio(
    *,
    projects: int,
    tasks_per_project: int,
    organisation_code: str = "SEED",
    people: int | None = None,
    random_seed: int = 20261116,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Add ``projects`` projects of ``tasks_per_project`` tasks to an organisation.

    The organisation (with its calendar, roles, people and portfolios) is
    created the first time; running again adds more projects to it.

    Parameters
    ----------
    projects, tasks_per_project:
        How many projects, and tasks in each (at least 2).
    organisation_code:
        Code of the organisation to fill.
    people:
        People to create with the organisation (default: one per 20 projects, at least 50).
    random_seed:
        Same seed, same data.
    progress:
        Called after each chunk with (projects done, projects asked).
    """
    if projects < 1 or tasks_per_project < 2:
        raise ValueError("need at least one project of at least two tasks")
    started = time.perf_counter()
    rng = random.Random(random_seed)
    with transaction.atomic():
        setup = _setup(organisation_code, people or max(50, projects // 20), rng)
    # Three years of start dates, then room for the longest possible project (10 days a task).
    axis = _Axis.build(years=4 + tasks_per_project * 10 // 261 + 1)
    counters = {"tasks": 0, "links": 0, "demands": 0}
    first_number = Project.objects.filter(organisation_id=setup.organisation_id).count() + 1
    task_inserter = Inserter(Task)
    link_inserter = Inserter(TaskLink)
    project_inserter = Inserter(Project)
    demand_inserter = Inserter(RoleDemand)
    done = 0
    while done < projects:
        count = min(PROJECTS_PER_CHUNK, projects - done)
        with transaction.atomic():
            _chunk(
                setup,
                rng,
                axis,
                first_number + done,
                count,
                tasks_per_project,
                inserters=(project_inserter, task_inserter, link_inserter, demand_inserter),
                counters=counters,
            )
        done += count
        if progress is not None:
            progress(done, projects)
    _reset_sequences()
    return SeedSummary(
        organisation=organisation_code,
        projects=projects,
        tasks=counters["tasks"],
        links=counters["links"],
        role_demands=counters["demands"],
        people=Person.objects.filter(organisation_id=setup.organisation_id).count(),
        seconds=time.perf_counter() - started,
        database_bytes=database_size(),
    )


@dataclass
class _Setup:
    organisation_id: int
    portfolio_ids: list[int]
    category_ids: list[int]
    business_unit_ids: list[int]
    role_ids: list[int]
    calendar_id: int


def _setup(code: str, people: int, rng: random.Random) -> _Setup:
    organisation, created = Organisation.objects.get_or_create(
        code=code, defaults={"name": f"Seeded organisation {code}", "currency": "EUR"}
    )
    if created:
        calendar = Calendar.objects.create(
            organisation=organisation, name="Standard", is_default=True
        )
        units = BusinessUnit.objects.bulk_create(
            [
                BusinessUnit(organisation=organisation, code=f"BU{n}", name=f"Business unit {n}")
                for n in range(1, 5)
            ]
        )
        Portfolio.objects.bulk_create(
            [
                Portfolio(organisation=organisation, code=f"P{n}", name=f"Portfolio {n}")
                for n in range(1, 4)
            ]
        )
        Category.objects.bulk_create(
            [
                Category(organisation=organisation, code=f"C{n}", name=f"Category {n}")
                for n in range(1, 5)
            ]
        )
        roles = Role.objects.bulk_create(
            [
                Role(
                    organisation=organisation,
                    code=role,
                    name=role,
                    default_cost_rate=Decimal(rng.choice([70, 80, 90, 100, 110])),
                )
                for role in ROLE_CODES
            ]
        )
        _people(organisation, calendar, units, roles, people, rng)
    return _Setup(
        organisation_id=organisation.pk,
        portfolio_ids=list(
            Portfolio.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ),
        category_ids=list(
            Category.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ),
        business_unit_ids=list(
            BusinessUnit.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ),
        role_ids=list(Role.objects.filter(organisation=organisation).values_list("pk", flat=True)),
        calendar_id=Calendar.objects.filter(organisation=organisation, is_default=True)
        .values_list("pk", flat=True)
        .first()
        or 0,
    )


def _people(
    organisation: Organisation,
    calendar: Calendar,
    units: list[BusinessUnit],
    roles: list[Role],
    count: int,
    rng: random.Random,
) -> None:
    person_inserter = Inserter(Person)
    capacity_inserter = Inserter(CapacityPeriod)
    defaults = person_inserter.defaults()
    ids = reserve_ids(Person, count)
    role_of: dict[int, int] = {}
    rows = []
    for number, pk in enumerate(ids, start=1):
        role = roles[number % len(roles)]
        role_of[pk] = role.pk
        values = defaults | {
            "id": pk,
            "organisation_id": organisation.pk,
            "name": f"Person {number:05d}",
            "email": f"person{number:05d}@seed.example",
            "role_id": role.pk,
            "business_unit_id": rng.choice(units).pk,
            "calendar_id": calendar.pk,
        }
        rows.append([values[column] for column in person_inserter.columns])
    person_inserter.write(rows)
    months = [dt.date(2025 + m // 12, m % 12 + 1, 1) for m in range(48)]
    capacity_defaults = capacity_inserter.defaults()
    capacity_ids = iter(reserve_ids(CapacityPeriod, count * len(months) + len(roles) * len(months)))
    role_hours: dict[tuple[int, dt.date], float] = {}
    capacity_rows = []
    for pk in ids:
        for month in months:
            hours = 160.0
            role_hours[(role_of[pk], month)] = role_hours.get((role_of[pk], month), 0) + hours
            values = capacity_defaults | {
                "id": next(capacity_ids),
                "organisation_id": organisation.pk,
                "role_id": role_of[pk],
                "person_id": pk,
                "month": month,
                "hours": Decimal("160.00"),
            }
            capacity_rows.append([values[column] for column in capacity_inserter.columns])
    for role in roles:
        for month in months:
            values = capacity_defaults | {
                "id": next(capacity_ids),
                "organisation_id": organisation.pk,
                "role_id": role.pk,
                "person_id": None,
                "month": month,
                "hours": Decimal(f"{role_hours.get((role.pk, month), 0):.2f}"),
            }
            capacity_rows.append([values[column] for column in capacity_inserter.columns])
    capacity_inserter.write(capacity_rows)


def _chunk(
    setup: _Setup,
    rng: random.Random,
    axis: _Axis,
    first_number: int,
    count: int,
    tasks_per_project: int,
    *,
    inserters: tuple[Inserter, Inserter, Inserter, Inserter],
    counters: dict[str, int],
) -> None:
    project_inserter, task_inserter, link_inserter, demand_inserter = inserters
    adapt_date = connection.ops.adapt_datefield_value
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    status_index = axis.index[STATUS_DATE]
    project_ids = reserve_ids(Project, count)
    task_ids = iter(reserve_ids(Task, count * tasks_per_project))
    links_per_project = _links_per_project(tasks_per_project)
    link_ids = iter(reserve_ids(TaskLink, count * links_per_project))
    months_per_project = 30
    demand_ids = iter(reserve_ids(RoleDemand, count * 3 * months_per_project))
    project_rows: list[list[Any]] = []
    task_rows: list[list[Any]] = []
    link_rows: list[list[Any]] = []
    demand_rows: list[list[Any]] = []
    project_base = project_inserter.defaults()
    task_template = _template(task_inserter, now)
    link_template = _template(link_inserter, now)
    demand_template = _template(demand_inserter, now)
    task_column = {name: i for i, name in enumerate(task_inserter.columns)}
    link_column = {name: i for i, name in enumerate(link_inserter.columns)}
    demand_column = {name: i for i, name in enumerate(demand_inserter.columns)}
    zero = connection.ops.adapt_decimalfield_value(Decimal("0"), 5, 2)
    hundred = connection.ops.adapt_decimalfield_value(Decimal("100"), 5, 2)
    for offset, project_id in enumerate(project_ids):
        number = first_number + offset
        start_index = rng.randrange(0, 261 * 3)
        schedule = _schedule(tasks_per_project, rng)
        first_day = axis.days[start_index]
        last_day = axis.days[start_index + max(schedule.finish)]
        stage = "in_execution" if first_day <= STATUS_DATE <= last_day else (
            "closed" if last_day < STATUS_DATE else "approved"
        )  # fmt: skip
        project_values = project_base | {
            "id": project_id,
            "created_at": timezone.now(),
            "updated_at": timezone.now(),
            "organisation_id": setup.organisation_id,
            "portfolio_id": setup.portfolio_ids[number % len(setup.portfolio_ids)],
            "code": f"S{number:06d}",
            "name": f"Seeded project {number}",
            "stage": stage,
            "business_unit_id": setup.business_unit_ids[number % len(setup.business_unit_ids)],
            "category_id": setup.category_ids[number % len(setup.category_ids)],
            "priority": number % 5 + 1,
            "health": ("green", "green", "amber", "red")[number % 4],
            "mission_critical": number % 17 == 0,
            "start_date": first_day,
            "finish_date": last_day,
            "calendar_id": setup.calendar_id,
        }
        project_rows.append([project_values[column] for column in project_inserter.columns])
        ids = [next(task_ids) for _ in range(tasks_per_project)]
        for position in range(tasks_per_project):
            row = task_template.copy()
            duration = schedule.duration[position]
            early_start = start_index + schedule.start[position]
            early_finish = start_index + schedule.finish[position]
            late_finish = start_index + schedule.late_finish[position]
            late_start = late_finish - duration
            summary = schedule.summary[position]
            row[task_column["id"]] = ids[position]
            row[task_column["project_id"]] = project_id
            row[task_column["uid"]] = position + 1
            row[task_column["wbs"]] = schedule.wbs[position]
            row[task_column["outline_level"]] = 1 if summary else 2
            parent = schedule.parent[position]
            row[task_column["parent_id"]] = None if parent is None else ids[parent]
            row[task_column["name"]] = schedule.name[position]
            row[task_column["sort_order"]] = (position + 1) * 10
            row[task_column["duration_minutes"]] = duration * MINUTES_PER_DAY
            row[task_column["is_milestone"]] = duration == 0 and not summary
            row[task_column["is_summary"]] = summary
            row[task_column["early_start"]] = axis.starts[early_start]
            row[task_column["early_finish"]] = axis.finishes[max(early_start, early_finish - 1)]
            row[task_column["late_start"]] = axis.starts[late_start]
            row[task_column["late_finish"]] = axis.finishes[max(late_start, late_finish - 1)]
            row[task_column["planned_start"]] = axis.starts[early_start]
            row[task_column["planned_finish"]] = axis.finishes[max(early_start, early_finish - 1)]
            total_float = (late_finish - early_finish) * MINUTES_PER_DAY
            row[task_column["total_float_minutes"]] = total_float
            row[task_column["free_float_minutes"]] = schedule.free_float[position] * MINUTES_PER_DAY
            row[task_column["is_critical"]] = total_float <= 0
            row[task_column["work_minutes"]] = duration * MINUTES_PER_DAY
            if early_finish <= status_index:
                row[task_column["actual_start"]] = axis.starts[early_start]
                row[task_column["actual_finish"]] = axis.finishes[
                    max(early_start, early_finish - 1)
                ]
                row[task_column["percent_complete"]] = hundred
                row[task_column["actual_work_minutes"]] = duration * MINUTES_PER_DAY
            else:
                row[task_column["percent_complete"]] = zero
            task_rows.append(row)
        for predecessor, successor, kind, lag in schedule.links:
            row = link_template.copy()
            row[link_column["id"]] = next(link_ids)
            row[link_column["project_id"]] = project_id
            row[link_column["predecessor_id"]] = ids[predecessor]
            row[link_column["successor_id"]] = ids[successor]
            row[link_column["type"]] = kind
            row[link_column["lag_minutes"]] = lag * MINUTES_PER_DAY
            link_rows.append(row)
        first_month = first_day.replace(day=1)
        months = min(
            months_per_project,
            (last_day.year - first_day.year) * 12 + last_day.month - first_day.month + 1,
        )
        for role_id in rng.sample(setup.role_ids, k=3):
            hours = rng.choice([40, 80, 120, 160])
            for month_offset in range(months):
                index = first_month.month - 1 + month_offset
                month = dt.date(first_month.year + index // 12, index % 12 + 1, 1)
                row = demand_template.copy()
                row[demand_column["id"]] = next(demand_ids)
                row[demand_column["project_id"]] = project_id
                row[demand_column["role_id"]] = role_id
                row[demand_column["month"]] = adapt_date(month)
                row[demand_column["hours"]] = hours
                row[demand_column["source"]] = RoleDemand.Source.MANUAL
                demand_rows.append(row)
    project_inserter.write(project_rows)
    counters["tasks"] += task_inserter.write_adapted(task_rows)
    counters["links"] += link_inserter.write_adapted(link_rows)
    counters["demands"] += demand_inserter.write_adapted(demand_rows)


def _template(inserter: Inserter, now: Any) -> list[Any]:
    """A row of defaults, already adapted for the driver, with ``created_at`` set to now."""
    defaults = inserter.defaults()
    row = []
    for column, adapt in zip(inserter.columns, inserter.adapters, strict=True):
        value = defaults[column]
        if column in ("created_at", "updated_at"):
            row.append(now)
        elif value is not None and adapt is not None:
            row.append(adapt(value))
        else:
            row.append(value)
    return row


@dataclass
class _Schedule:
    wbs: list[str]
    name: list[str]
    parent: list[int | None]
    summary: list[bool]
    duration: list[int]
    start: list[int]
    finish: list[int]
    late_finish: list[int]
    free_float: list[int]
    links: list[tuple[int, int, str, int]]


def _links_per_project(tasks: int) -> int:
    return len(_structure(tasks)[4])


def _structure(
    tasks: int,
) -> tuple[list[str], list[str], list[int | None], list[bool], list[tuple[int, int, str, int]]]:
    """WBS, names, parents, summary flags and links of a project of ``tasks`` tasks."""
    wbs: list[str] = []
    names: list[str] = []
    parents: list[int | None] = []
    summaries: list[bool] = []
    links: list[tuple[int, int, str, int]] = []
    previous_last: int | None = None
    phase = 0
    position = 0
    while position < tasks:
        phase += 1
        summary = position
        wbs.append(str(phase))
        names.append(f"Phase {phase}")
        parents.append(None)
        summaries.append(True)
        position += 1
        leaves: list[int] = []
        while position < tasks and len(leaves) < PHASE_SIZE - 1:
            leaves.append(position)
            wbs.append(f"{phase}.{len(leaves)}")
            names.append(LEAF_NAMES[(phase + len(leaves)) % len(LEAF_NAMES)])
            parents.append(summary)
            summaries.append(False)
            position += 1
        if not leaves:
            # A lone summary at the very end becomes a milestone of the last phase.
            summaries[summary] = False
            names[summary] = "Project complete"
            parents[summary] = None
            if previous_last is not None:
                links.append((previous_last, summary, "FS", 0))
            break
        names[leaves[-1]] = f"Phase {phase} complete"
        if previous_last is not None:
            links.append((previous_last, leaves[0], "FS", 0))
        for before, after in itertools.pairwise(leaves):
            links.append((before, after, "FS", 0))
        if len(leaves) >= 4:
            links.append((leaves[0], leaves[2], "SS", 1))
            links.append((leaves[1], leaves[3], "FF", 2))
        previous_last = leaves[-1]
    return wbs, names, parents, summaries, links


def _schedule(tasks: int, rng: random.Random) -> _Schedule:
    wbs, names, parents, summaries, links = _structure(tasks)
    count = len(wbs)
    duration = [0] * count
    for index in range(count):
        if summaries[index] or parents[index] is None:
            continue
        is_last = index + 1 == count or parents[index + 1] != parents[index]
        # The last task of each phase is the phase's milestone.
        duration[index] = 0 if is_last else rng.randint(1, 10)
    incoming: list[list[tuple[int, str, int]]] = [[] for _ in range(count)]
    outgoing: list[list[tuple[int, str, int]]] = [[] for _ in range(count)]
    for predecessor, successor, kind, lag in links:
        incoming[successor].append((predecessor, kind, lag))
        outgoing[predecessor].append((successor, kind, lag))
    start = [0] * count
    finish = [0] * count
    for index in range(count):
        if summaries[index]:
            continue
        earliest = 0
        for predecessor, kind, lag in incoming[index]:
            if kind == "FS":
                earliest = max(earliest, finish[predecessor] + lag)
            elif kind == "SS":
                earliest = max(earliest, start[predecessor] + lag)
            else:
                earliest = max(earliest, finish[predecessor] + lag - duration[index])
        start[index] = earliest
        finish[index] = earliest + duration[index]
    project_finish = max(finish)
    late_finish = [project_finish] * count
    free_float = [0] * count
    for index in range(count - 1, -1, -1):
        if summaries[index]:
            continue
        latest = project_finish
        free = project_finish - finish[index]
        for successor, kind, lag in outgoing[index]:
            if kind == "FS":
                latest = min(latest, late_finish[successor] - duration[successor] - lag)
                free = min(free, start[successor] - lag - finish[index])
            elif kind == "SS":
                latest = min(
                    latest, late_finish[successor] - duration[successor] - lag + duration[index]
                )
                free = min(free, start[successor] - lag - start[index])
            else:
                latest = min(latest, late_finish[successor] - lag)
                free = min(free, finish[successor] - lag - finish[index])
        late_finish[index] = latest
        free_float[index] = max(0, free)
    for index in range(count):
        if summaries[index]:
            children = [i for i in range(index + 1, count) if parents[i] == index]
            start[index] = min(start[i] for i in children)
            finish[index] = max(finish[i] for i in children)
            duration[index] = finish[index] - start[index]
            late_finish[index] = max(late_finish[i] for i in children)
    return _Schedule(wbs, names, parents, summaries, duration, start, finish, late_finish,
                     free_float, links)  # fmt: skip


def _reset_sequences() -> None:
    """PostgreSQL: move sequences past the ids written explicitly (a no-op elsewhere)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(
        no_style(), [Project, Task, TaskLink, RoleDemand, Person, CapacityPeriod]
    )
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def database_size() -> int | None:
    """Bytes on disk of the database (SQLite file and its WAL, or PostgreSQL's size)."""
    if connection.vendor == "sqlite":
        if not connection.in_atomic_block:
            # Fold the write-ahead log into the file, so that the file size is the real one.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = Path(str(connection.settings_dict["NAME"]))
        if not name.is_absolute():
            return None
        total = 0
        for suffix in ("", "-wal", "-shm"):
            path = name.with_name(name.name + suffix)
            if path.exists():
                total += path.stat().st_size
        return total or None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    return None
