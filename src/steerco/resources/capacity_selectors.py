"""Reads of capacity and demand: the role x month heatmap, its drill-down, the person view.

Every read here runs a fixed number of SQL queries whatever the size of the
portfolio: the database sums hours by role and month (``values().annotate(Sum)``)
and the matrix is built in Python with NumPy.

Which demand counts
-------------------
A project's demand comes from the most detailed source it has: its schedule
(rolled up from task assignments) if it has one, else hours a planner entered,
else its business case's resource plan. Committed projects (approved, in
execution, closing, on hold) always count; ideas and proposals count only when
the pipeline is included.

Capacity belongs to the whole organisation, so a portfolio's heatmap compares
the whole organisation's demand with it: the portfolio's own demand is shown,
and the demand of every other project ("elsewhere") is added before the load is
judged. A role-month is over-allocated when its load exceeds its capacity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Sum, Value, When
from numpy.typing import NDArray

from steerco.accounts.models import User
from steerco.core.access import ANY_PROJECT_EDITORS, has_role, organisation_id_of
from steerco.core.errors import NotFound, ValidationFailed
from steerco.portfolios.models import Portfolio, Scenario
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Project, ProjectMember
from steerco.resources.capacity_access import (
    access_request_by_id,
    access_scenario_by_id,
    can_decide_requests,
    can_edit_capacity,
    can_withdraw_request,
    requests_visible_to,
    require_capacity_reader,
)
from steerco.resources.capacity_engine_io import (
    OrganisationCalendars,
    add_months,
    first_of_month,
    month_range,
    months_between,
)
from steerco.resources.models import (
    Booking,
    CapacityPeriod,
    HiringPlan,
    Person,
    ResourceRequest,
    Role,
    RoleDemand,
    Skill,
)

Stage = Project.Stage
COMMITTED_STAGES = (Stage.APPROVED, Stage.IN_EXECUTION, Stage.CLOSING, Stage.ON_HOLD)
PIPELINE_STAGES = (Stage.IDEA, Stage.PROPOSAL)
MAX_MONTHS = 36
MAX_SHIFT = 24
# Hours of slack before a role-month counts as over-allocated: rounding, not a shortage.
OVER_TOLERANCE = 0.5
# Upper bounds of load / capacity for heat levels 0..3; anything above is level 4.
HEAT_LEVELS = (0.5, 0.8, 1.0, 1.2)

FloatMatrix = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HeatmapQuery:
    """What the heatmap shows: a window of months, a scope, and what-if changes (not saved).

    ``moves`` shifts the demand of projects by whole months (project id, months).
    """

    first_month: dt.date
    months: int = 12
    portfolio_id: int | None = None
    include_pipeline: bool = False
    scenario_id: int | None = None
    moves: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.first_month.day != 1:
            errors["from"] = ["Use the first day of a month."]
        if not 1 <= self.months <= MAX_MONTHS:
            errors["months"] = [f"Show between 1 and {MAX_MONTHS} months."]
        for _project_id, shift in self.moves:
            if not -MAX_SHIFT <= shift <= MAX_SHIFT:
                errors["move"] = [f"Move a project by at most {MAX_SHIFT} months."]
        if len({project_id for project_id, _ in self.moves}) != len(self.moves):
            errors["move"] = ["Move each project once."]
        if errors:
            raise ValidationFailed(errors)

    @property
    def month_list(self) -> list[dt.date]:
        return month_range(self.first_month, self.months)

    @property
    def stages(self) -> tuple[str, ...]:
        return COMMITTED_STAGES + PIPELINE_STAGES if self.include_pipeline else COMMITTED_STAGES

    @property
    def last_month(self) -> dt.date:
        return add_months(self.first_month, self.months - 1)


def default_first_month(today: dt.date | None = None) -> dt.date:
    return first_of_month(today or dt.date.today())


def heat_level(load: float, capacity: float) -> int:
    if capacity <= 0:
        return 4 if load > OVER_TOLERANCE else 0
    ratio = load / capacity
    for level, bound in enumerate(HEAT_LEVELS):
        if ratio <= bound:
            return level
    return 4


@dataclass(frozen=True, slots=True)
class HeatCell:
    month: dt.date
    capacity: float
    demand: float
    other: float
    hiring: float = 0.0

    @property
    def load(self) -> float:
        return self.demand + self.other

    @property
    def ratio(self) -> float | None:
        return self.load / self.capacity if self.capacity > 0 else None

    @property
    def percent(self) -> int | None:
        ratio = self.ratio
        return None if ratio is None else round(ratio * 100)

    @property
    def level(self) -> int:
        return heat_level(self.load, self.capacity)

    @property
    def excess(self) -> float:
        return max(0.0, self.load - self.capacity)

    @property
    def over(self) -> bool:
        return self.excess > OVER_TOLERANCE


@dataclass(frozen=True, slots=True)
class HeatRow:
    role_id: int
    code: str
    name: str
    cells: tuple[HeatCell, ...]

    @property
    def over_months(self) -> int:
        return sum(cell.over for cell in self.cells)

    @property
    def excess(self) -> float:
        return sum(cell.excess for cell in self.cells if cell.over)


@dataclass(frozen=True, slots=True)
class MovedProject:
    project_id: int
    code: str
    name: str
    shift: int


@dataclass(frozen=True)
class Heatmap:
    query: HeatmapQuery
    months: list[dt.date]
    rows: list[HeatRow]
    portfolio: Portfolio | None = None
    scenario: Scenario | None = None
    moved: list[MovedProject] = field(default_factory=list)

    @property
    def excess(self) -> float:
        return sum(row.excess for row in self.rows)

    @property
    def hot_spots(self) -> int:
        return sum(row.over_months for row in self.rows)

    def totals(self) -> list[HeatCell]:
        return [
            HeatCell(
                month,
                sum(row.cells[index].capacity for row in self.rows),
                sum(row.cells[index].demand for row in self.rows),
                sum(row.cells[index].other for row in self.rows),
                sum(row.cells[index].hiring for row in self.rows),
            )
            for index, month in enumerate(self.months)
        ]


# -- building blocks ---------------------------------------------------------------------------


def effective_demand(organisation_id: int) -> QuerySet[RoleDemand]:
    """Demand rows of the most detailed source of each project (schedule > manual > business case)."""
    rows = RoleDemand.objects.filter(project__organisation_id=organisation_id)
    scheduled = rows.filter(source=RoleDemand.Source.SCHEDULE).values("project_id")
    detailed = rows.filter(
        source__in=[RoleDemand.Source.SCHEDULE, RoleDemand.Source.MANUAL]
    ).values("project_id")
    return rows.filter(
        Q(source=RoleDemand.Source.SCHEDULE)
        | (Q(source=RoleDemand.Source.MANUAL) & ~Q(project_id__in=scheduled))
        | (Q(source=RoleDemand.Source.BUSINESS_CASE) & ~Q(project_id__in=detailed))
    )


class RoleMonthGrid:
    """Role ids and months as matrix indices."""

    def __init__(self, role_ids: Sequence[int], months: Sequence[dt.date]) -> None:
        self.role_ids = list(role_ids)
        self.months = list(months)
        self.role_index = {role_id: index for index, role_id in enumerate(self.role_ids)}
        self.first = self.months[0]

    def zeros(self) -> FloatMatrix:
        return np.zeros((len(self.role_ids), len(self.months)), dtype=np.float64)

    def month_index(self, month: dt.date) -> int | None:
        index = months_between(self.first, month)
        return index if 0 <= index < len(self.months) else None

    def add(self, matrix: FloatMatrix, role_id: int, month: dt.date, hours: float) -> None:
        row = self.role_index.get(role_id)
        column = self.month_index(month)
        if row is not None and column is not None:
            matrix[row, column] += hours


def capacity_by_role_month(
    *, organisation_id: int, grid: RoleMonthGrid, scenario_id: int | None = None
) -> tuple[FloatMatrix, FloatMatrix]:
    """Capacity hours per role and month, and the part a scenario's hiring plans add.

    Hiring plans are cumulative: a plan of +2 FTE from March adds two people's
    hours (on the organisation's default calendar) to every month from March on.
    """
    capacity = grid.zeros()
    for row in (
        # By role (the roles are the organisation's): the partial unique index on role and
        # month of the role rows answers it without reading the people's rows.
        CapacityPeriod.objects.filter(
            role_id__in=grid.role_ids,
            person__isnull=True,
            month__gte=grid.first,
            month__lte=grid.months[-1],
        )
        .values("role_id", "month")
        .annotate(total=Sum("hours"))
    ):
        grid.add(capacity, row["role_id"], row["month"], float(row["total"]))
    hiring = grid.zeros()
    if scenario_id is not None:
        plans = list(
            HiringPlan.objects.filter(scenario_id=scenario_id, month__lte=grid.months[-1]).values(
                "role_id", "month", "fte_delta"
            )
        )
        if plans:
            per_fte = np.array(
                OrganisationCalendars.load(organisation_id).monthly_hours_per_fte(grid.months)
            )
            for plan in plans:
                row_index = grid.role_index.get(plan["role_id"])
                if row_index is None:
                    continue
                start = max(0, months_between(grid.first, plan["month"]))
                hiring[row_index, start:] += float(plan["fte_delta"]) * per_fte[start:]
    return capacity + hiring, hiring


def _shifted(
    rows: Iterable[Mapping[str, object]], moves: Mapping[int, int]
) -> Iterable[tuple[int, int, dt.date, float, int]]:
    for row in rows:
        project_id = int(row["project_id"])  # type: ignore[call-overload]
        month = row["month"]
        assert isinstance(month, dt.date)
        yield (
            project_id,
            int(row["role_id"]),  # type: ignore[call-overload]
            month,
            float(row["total"]),  # type: ignore[arg-type]
            moves[project_id],
        )


def demand_by_role_month(
    *,
    organisation_id: int,
    grid: RoleMonthGrid,
    stages: Sequence[str],
    portfolio_id: int | None = None,
    moves: Mapping[int, int] | None = None,
    scope_of_moved: Mapping[int, bool] | None = None,
) -> tuple[FloatMatrix, FloatMatrix]:
    """Demand hours per role and month: of the scope (a portfolio, or all), and elsewhere.

    ``moves`` shifts some projects' demand by whole months (a what-if, not
    saved); ``scope_of_moved`` says which of them are in the scope.
    """
    scope, other = grid.zeros(), grid.zeros()
    demand = effective_demand(organisation_id).filter(project__stage__in=stages)
    in_scope = (
        Case(
            When(project__portfolio_id=portfolio_id, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        if portfolio_id is not None
        else Value(True, output_field=BooleanField())
    )
    for row in (
        demand.filter(month__gte=grid.first, month__lte=grid.months[-1])
        .annotate(in_scope=in_scope)
        .values("role_id", "month", "in_scope")
        .annotate(total=Sum("hours"))
    ):
        target = scope if row["in_scope"] else other
        grid.add(target, row["role_id"], row["month"], float(row["total"]))
    if moves:
        scope_of_moved = scope_of_moved or {}
        moved_rows = (
            demand.filter(project_id__in=list(moves))
            .values("project_id", "role_id", "month")
            .annotate(total=Sum("hours"))
        )
        for project_id, role_id, month, hours, shift in _shifted(moved_rows, moves):
            target = scope if scope_of_moved.get(project_id, portfolio_id is None) else other
            grid.add(target, role_id, month, -hours)
            grid.add(target, role_id, add_months(month, shift), hours)
    return scope, other


def organisation_roles(organisation_id: int) -> list[Role]:
    return list(Role.objects.filter(organisation_id=organisation_id).order_by("name", "pk"))


def scope_objects(
    user: User, query: HeatmapQuery
) -> tuple[int, Portfolio | None, Scenario | None, list[MovedProject], dict[int, bool]]:
    organisation_id = organisation_id_of(user)
    portfolio = None
    if query.portfolio_id is not None:
        portfolio = Portfolio.objects.filter(
            pk=query.portfolio_id, organisation_id=organisation_id
        ).first()
        if portfolio is None:
            raise NotFound(f"No portfolio {query.portfolio_id}.")
    scenario = None
    if query.scenario_id is not None:
        scenario = access_scenario_by_id(user, query.scenario_id)
    moved: list[MovedProject] = []
    scope_of_moved: dict[int, bool] = {}
    if query.moves:
        shifts = dict(query.moves)
        projects = Project.objects.filter(
            organisation_id=organisation_id, pk__in=list(shifts)
        ).values("pk", "code", "name", "portfolio_id")
        found = {row["pk"]: row for row in projects}
        missing = sorted(set(shifts) - set(found))
        if missing:
            raise NotFound(f"No project {missing[0]}.")
        for project_id, shift in query.moves:
            row = found[project_id]
            moved.append(MovedProject(project_id, row["code"], row["name"], shift))
            scope_of_moved[project_id] = (
                query.portfolio_id is None or row["portfolio_id"] == query.portfolio_id
            )
    return organisation_id, portfolio, scenario, moved, scope_of_moved


def heatmap_matrices(
    *,
    organisation_id: int,
    query: HeatmapQuery,
    roles: Sequence[Role],
    scope_of_moved: Mapping[int, bool] | None = None,
) -> tuple[RoleMonthGrid, FloatMatrix, FloatMatrix, FloatMatrix, FloatMatrix]:
    """Grid, capacity, hiring (part of capacity), scope demand and other demand."""
    grid = RoleMonthGrid([role.pk for role in roles], query.month_list)
    capacity, hiring = capacity_by_role_month(
        organisation_id=organisation_id, grid=grid, scenario_id=query.scenario_id
    )
    scope, other = demand_by_role_month(
        organisation_id=organisation_id,
        grid=grid,
        stages=query.stages,
        portfolio_id=query.portfolio_id,
        moves=dict(query.moves),
        scope_of_moved=scope_of_moved,
    )
    return grid, capacity, hiring, scope, other


def build_heatmap(
    *,
    query: HeatmapQuery,
    roles: Sequence[Role],
    capacity: FloatMatrix,
    hiring: FloatMatrix,
    scope: FloatMatrix,
    other: FloatMatrix,
    portfolio: Portfolio | None = None,
    scenario: Scenario | None = None,
    moved: Sequence[MovedProject] = (),
) -> Heatmap:
    months = query.month_list
    rows = []
    for index, role in enumerate(roles):
        if not role.is_active and not (
            capacity[index].any() or (scope[index] + other[index]).any()
        ):
            continue
        cells = tuple(
            HeatCell(
                month,
                float(capacity[index, column]),
                float(scope[index, column]),
                float(other[index, column]),
                float(hiring[index, column]),
            )
            for column, month in enumerate(months)
        )
        rows.append(HeatRow(role.pk, role.code, role.name, cells))
    return Heatmap(query, months, rows, portfolio, scenario, list(moved))


def heatmap_for_organisation(
    *,
    organisation_id: int,
    query: HeatmapQuery,
    portfolio: Portfolio | None = None,
    scenario: Scenario | None = None,
    moved: Sequence[MovedProject] = (),
    scope_of_moved: Mapping[int, bool] | None = None,
) -> Heatmap:
    """The heatmap without access checks (the command line and the benchmark use it)."""
    roles = organisation_roles(organisation_id)
    _, capacity, hiring, scope, other = heatmap_matrices(
        organisation_id=organisation_id, query=query, roles=roles, scope_of_moved=scope_of_moved
    )
    return build_heatmap(
        query=query,
        roles=roles,
        capacity=capacity,
        hiring=hiring,
        scope=scope,
        other=other,
        portfolio=portfolio,
        scenario=scenario,
        moved=moved,
    )


def heatmap(*, user: User, query: HeatmapQuery) -> Heatmap:
    """Demand vs capacity, role x month, across a portfolio (or the whole organisation)."""
    require_capacity_reader(user)
    organisation_id, portfolio, scenario, moved, scope_of_moved = scope_objects(user, query)
    return heatmap_for_organisation(
        organisation_id=organisation_id,
        query=query,
        portfolio=portfolio,
        scenario=scenario,
        moved=moved,
        scope_of_moved=scope_of_moved,
    )


# -- drill-down --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DrilldownProject:
    project_id: int
    code: str
    name: str
    portfolio_code: str
    stage: str
    in_scope: bool
    hours: float
    booked: float
    shift: int = 0


@dataclass(frozen=True)
class Drilldown:
    role: Role
    cell: HeatCell
    projects: list[DrilldownProject]
    query: HeatmapQuery
    requests: list[ResourceRequest] = field(default_factory=list)


def heatmap_drilldown(
    *, user: User, query: HeatmapQuery, role_id: int, month: dt.date
) -> Drilldown:
    """The projects behind one role-month of the heatmap, biggest demand first."""
    require_capacity_reader(user)
    organisation_id, _, _, _moved, scope_of_moved = scope_objects(user, query)
    role = Role.objects.filter(pk=role_id, organisation_id=organisation_id).first()
    if role is None:
        raise NotFound(f"No role {role_id}.")
    month = first_of_month(month)
    grid = RoleMonthGrid([role.pk], [month])
    capacity, hiring = capacity_by_role_month(
        organisation_id=organisation_id, grid=grid, scenario_id=query.scenario_id
    )
    shifts = dict(query.moves)
    demand = effective_demand(organisation_id).filter(
        project__stage__in=query.stages, role_id=role.pk
    )
    per_project: dict[int, float] = {}
    for row in (
        demand.filter(month=month)
        .exclude(project_id__in=list(shifts))
        .values("project_id")
        .annotate(total=Sum("hours"))
    ):
        per_project[row["project_id"]] = float(row["total"])
    if shifts:
        # A moved project's demand in this month is what it needed ``shift`` months earlier.
        for row in (
            demand.filter(project_id__in=list(shifts))
            .values("project_id", "month")
            .annotate(total=Sum("hours"))
        ):
            if add_months(row["month"], shifts[row["project_id"]]) == month:
                project_id = row["project_id"]
                per_project[project_id] = per_project.get(project_id, 0.0) + float(row["total"])
    projects = {
        row["pk"]: row
        for row in Project.objects.filter(pk__in=list(per_project)).values(
            "pk", "code", "name", "stage", "portfolio_id", "portfolio__code"
        )
    }
    booked = {
        row["project_id"]: float(row["total"])
        for row in Booking.objects.filter(
            project_id__in=list(per_project), person__role_id=role.pk, month=month
        )
        .values("project_id")
        .annotate(total=Sum("hours"))
    }
    stage_labels = dict(Project.Stage.choices)
    rows = []
    for project_id, hours in per_project.items():
        if hours <= 0:
            continue
        project = projects[project_id]
        in_scope = (
            scope_of_moved[project_id]
            if project_id in scope_of_moved
            else query.portfolio_id is None or project["portfolio_id"] == query.portfolio_id
        )
        rows.append(
            DrilldownProject(
                project_id,
                project["code"],
                project["name"],
                project["portfolio__code"],
                stage_labels.get(project["stage"], project["stage"]),
                in_scope,
                hours,
                booked.get(project_id, 0.0),
                shifts.get(project_id, 0),
            )
        )
    rows.sort(key=lambda row: (not row.in_scope, -row.hours, row.code))
    scope_hours = sum(row.hours for row in rows if row.in_scope)
    other_hours = sum(row.hours for row in rows if not row.in_scope)
    cell = HeatCell(month, float(capacity[0, 0]), scope_hours, other_hours, float(hiring[0, 0]))
    # Pending requests for this role in this month: what the resource manager can act on now.
    pending = list(
        ResourceRequest.objects.filter(
            organisation_id=organisation_id,
            status=ResourceRequest.Status.PENDING,
            role_id=role.pk,
            start_date__lte=add_months(month, 1) - dt.timedelta(days=1),
            finish_date__gte=month,
        )
        .select_related("project")
        .order_by("start_date", "pk")[:20]
    )
    return Drilldown(role, cell, rows, query, pending)


# -- per person --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonCell:
    month: dt.date
    capacity: float
    hard: float
    soft: float

    @property
    def booked(self) -> float:
        return self.hard + self.soft

    @property
    def level(self) -> int:
        return heat_level(self.booked, self.capacity)

    @property
    def over(self) -> bool:
        return self.booked - self.capacity > OVER_TOLERANCE

    @property
    def percent(self) -> int | None:
        return round(self.booked / self.capacity * 100) if self.capacity > 0 else None


@dataclass(frozen=True, slots=True)
class PersonRow:
    person_id: int
    name: str
    role_name: str
    fte: float
    cells: tuple[PersonCell, ...]

    @property
    def over_months(self) -> int:
        return sum(cell.over for cell in self.cells)


@dataclass(frozen=True)
class PersonHeatmap:
    months: list[dt.date]
    rows: list[PersonRow]
    page: Page[Person]
    role_id: int | None


def person_heatmap(
    *,
    user: User,
    first_month: dt.date,
    months: int = 12,
    role_id: int | None = None,
    search: str = "",
    page: int = 1,
    page_size: int = 50,
) -> PersonHeatmap:
    """Bookings (hard and soft) vs capacity, person x month, a page of people at a time."""
    require_capacity_reader(user)
    query = HeatmapQuery(first_month=first_of_month(first_month), months=months)
    organisation_id = organisation_id_of(user)
    people = Person.objects.filter(organisation_id=organisation_id, is_active=True).select_related(
        "role"
    )
    if role_id is not None:
        people = people.filter(role_id=role_id)
    if search:
        people = people.filter(name__icontains=search)
    paginator = Paginator(people.order_by("name", "pk"), page_size)
    current = paginator.get_page(page)
    listed = list(current.object_list)
    ids = [person.pk for person in listed]
    grid = RoleMonthGrid(ids, query.month_list)
    capacity, hard, soft = grid.zeros(), grid.zeros(), grid.zeros()
    for row in (
        CapacityPeriod.objects.filter(
            person_id__in=ids, month__gte=grid.first, month__lte=query.last_month
        )
        .values("person_id", "month")
        .annotate(total=Sum("hours"))
    ):
        grid.add(capacity, row["person_id"], row["month"], float(row["total"]))
    for row in (
        Booking.objects.filter(
            person_id__in=ids, month__gte=grid.first, month__lte=query.last_month
        )
        .values("person_id", "month", "kind")
        .annotate(total=Sum("hours"))
    ):
        target = hard if row["kind"] == Booking.Kind.HARD else soft
        grid.add(target, row["person_id"], row["month"], float(row["total"]))
    rows = [
        PersonRow(
            person.pk,
            person.name,
            person.role.name,
            float(person.fte),
            tuple(
                PersonCell(
                    month,
                    float(capacity[index, column]),
                    float(hard[index, column]),
                    float(soft[index, column]),
                )
                for column, month in enumerate(grid.months)
            ),
        )
        for index, person in enumerate(listed)
    ]
    return PersonHeatmap(grid.months, rows, current, role_id)


# -- helpers for pages and the API ------------------------------------------------------------


def portfolio_choices(*, user: User) -> list[tuple[str, str]]:
    return [
        (row["code"], row["name"])
        for row in Portfolio.objects.filter(organisation_id=organisation_id_of(user))
        .order_by("name")
        .values("code", "name")
    ]


def scenario_choices(*, user: User) -> list[tuple[int, str]]:
    return [
        (row["pk"], f"{row['portfolio__code']}: {row['name']}")
        for row in Scenario.objects.filter(organisation_id=organisation_id_of(user))
        .order_by("portfolio__code", "name")
        .values("pk", "name", "portfolio__code")
    ]


def role_choices(*, user: User) -> list[tuple[int, str]]:
    return [
        (row["pk"], row["name"])
        for row in Role.objects.filter(organisation_id=organisation_id_of(user), is_active=True)
        .order_by("name")
        .values("pk", "name")
    ]


def resolve_moves(*, user: User, moves: Sequence[tuple[str, int]]) -> tuple[tuple[int, int], ...]:
    """``[("PRJ-7", 2)]`` as project ids, for :class:`HeatmapQuery`; unknown codes are 404."""
    if not moves:
        return ()
    codes = [code for code, _ in moves]
    found = dict(
        Project.objects.filter(
            organisation_id=organisation_id_of(user), code__in=codes
        ).values_list("code", "pk")
    )
    missing = [code for code in codes if code not in found]
    if missing:
        raise NotFound(f"No project {missing[0]}.")
    return tuple((found[code], shift) for code, shift in moves)


def without_moves(query: HeatmapQuery) -> HeatmapQuery:
    return replace(query, moves=())


# -- lists for the API and the pages -----------------------------------------------------------


def role_demand_list(*, user: User, project_id: int) -> QuerySet[RoleDemand]:
    """A project's demand rows of every source (the heatmap reads the most detailed one)."""
    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return (
        RoleDemand.objects.filter(project=project)
        .select_related("role")
        .order_by("source", "month", "role__name")
    )


def booking_list(
    *,
    user: User,
    project_id: int | None = None,
    person_id: int | None = None,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
) -> QuerySet[Booking]:
    """Bookings on the projects the user may see."""
    bookings = Booking.objects.filter(project__in=projects_visible_to(user)).select_related(
        "project", "person"
    )
    if project_id is not None:
        bookings = bookings.filter(project_id=project_id)
    if person_id is not None:
        bookings = bookings.filter(person_id=person_id)
    if first_month is not None:
        bookings = bookings.filter(month__gte=first_of_month(first_month))
    if last_month is not None:
        bookings = bookings.filter(month__lte=first_of_month(last_month))
    return bookings.order_by("month", "project__code", "person__name", "kind")


def hiring_plan_list(*, user: User, scenario_id: int) -> QuerySet[HiringPlan]:
    scenario = access_scenario_by_id(user, scenario_id)
    return (
        HiringPlan.objects.filter(scenario=scenario)
        .select_related("role")
        .order_by("month", "role__name")
    )


def request_list(
    *, user: User, status: str | None = None, project_id: int | None = None
) -> QuerySet[ResourceRequest]:
    """Resource requests the user may see, pending first, then newest."""
    requests = requests_visible_to(user).select_related(
        "project", "role", "skill", "requested_person", "approved_person", "requested_by"
    )
    if status:
        requests = requests.filter(status=status)
    if project_id is not None:
        requests = requests.filter(project_id=project_id)
    pending_first = Case(
        When(status=ResourceRequest.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return requests.order_by(pending_first, "-created_at", "-pk")


@dataclass(frozen=True)
class RequestDetail:
    request: ResourceRequest
    bookings: list[Booking]
    can_decide: bool
    can_withdraw: bool


def request_detail(*, user: User, request_id: int) -> RequestDetail:
    request = access_request_by_id(user, request_id)
    bookings: list[Booking] = []
    if request.approved_person_id is not None:
        bookings = list(
            Booking.objects.filter(
                project_id=request.project_id,
                person_id=request.approved_person_id,
                month__gte=first_of_month(request.start_date),
                month__lte=first_of_month(request.finish_date),
            ).order_by("month", "kind")
        )
    pending = request.status == ResourceRequest.Status.PENDING
    return RequestDetail(
        request,
        bookings,
        pending and can_decide_requests(user),
        pending and can_withdraw_request(user, request),
    )


def skill_choices(*, user: User) -> list[tuple[int, str]]:
    return list(
        Skill.objects.filter(organisation_id=organisation_id_of(user))
        .order_by("name")
        .values_list("pk", "name")
    )


def person_choices(*, user: User) -> list[tuple[int, str]]:
    return [
        (row["pk"], f"{row['name']} ({row['role__name']})")
        for row in Person.objects.filter(organisation_id=organisation_id_of(user), is_active=True)
        .order_by("name")
        .values("pk", "name", "role__name")
    ]


def requestable_projects(*, user: User) -> list[tuple[int, str]]:
    """Open projects the user may ask people for (their own; every one for resource editors)."""
    projects = projects_visible_to(user).exclude(
        stage__in=[Project.Stage.CLOSED, Project.Stage.CANCELLED]
    )
    if not can_edit_capacity(user) and not has_role(user, ANY_PROJECT_EDITORS):
        projects = projects.filter(
            Q(manager=user)
            | Q(
                pk__in=ProjectMember.objects.filter(
                    user=user, role=ProjectMember.Role.MANAGER
                ).values("project_id")
            )
        )
    return [
        (row["pk"], f"{row['code']} {row['name']}")
        for row in projects.order_by("code").values("pk", "code", "name")
    ]


@dataclass(frozen=True)
class DemandTable:
    """One source's demand of a project, role x month."""

    source: str
    label: str
    in_use: bool
    rows: list[tuple[str, list[float], float]]


@dataclass(frozen=True)
class ProjectDemand:
    project: Project
    months: list[dt.date]
    tables: list[DemandTable]
    bookings: list[tuple[str, str, list[float]]]
    can_plan: bool


def project_demand(*, user: User, project_id: int) -> ProjectDemand:
    """A project's demand by source (the one the heatmap uses first), and its bookings."""
    from steerco.projects.access import can_edit_project

    project = projects_visible_to(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"No project {project_id}.")
    rows = list(
        RoleDemand.objects.filter(project=project)
        .values("source", "role__name", "month")
        .annotate(total=Sum("hours"))
    )
    bookings = list(
        Booking.objects.filter(project=project)
        .values("person__name", "kind", "month")
        .annotate(total=Sum("hours"))
    )
    all_months = sorted({row["month"] for row in rows} | {row["month"] for row in bookings})
    months = (
        month_range(all_months[0], months_between(all_months[0], all_months[-1]) + 1)
        if all_months
        else []
    )
    position = {month: index for index, month in enumerate(months)}
    in_use = next(
        (
            source
            for source in (
                RoleDemand.Source.SCHEDULE,
                RoleDemand.Source.MANUAL,
                RoleDemand.Source.BUSINESS_CASE,
            )
            if any(row["source"] == source for row in rows)
        ),
        None,
    )
    tables = []
    for source, label in RoleDemand.Source.choices:
        cells: dict[str, list[float]] = {}
        for row in rows:
            if row["source"] == source:
                values = cells.setdefault(row["role__name"], [0.0] * len(months))
                values[position[row["month"]]] += float(row["total"])
        if cells:
            tables.append(
                DemandTable(
                    source,
                    label,
                    source == in_use,
                    [(name, values, sum(values)) for name, values in sorted(cells.items())],
                )
            )
    booked: dict[tuple[str, str], list[float]] = {}
    for row in bookings:
        values = booked.setdefault((row["person__name"], row["kind"]), [0.0] * len(months))
        values[position[row["month"]]] += float(row["total"])
    return ProjectDemand(
        project,
        months,
        tables,
        [(name, kind, values) for (name, kind), values in sorted(booked.items())],
        can_edit_capacity(user) or can_edit_project(user, project),
    )
