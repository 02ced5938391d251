"""Reading projects and their plans, always through what the user may see.

Lists return querysets with every row's references joined in, so that a page
or an endpoint runs the same number of queries for 3 projects or 3,000. The
detail selector loads a project's whole graph in a handful of queries into
plain dataclasses that templates and schemas read without further queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    F,
    IntegerField,
    OrderBy,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from steerco.accounts.models import BusinessUnit, User
from steerco.core.access import organisation_id_of
from steerco.core.errors import ValidationFailed
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.access import (
    access_business_case_by_id,
    access_link_by_id,
    access_project_by_id,
    access_task_by_id,
    can_edit_project,
    projects_visible_to,
)
from steerco.projects.models import (
    BusinessCase,
    Calendar,
    CashFlowLine,
    Category,
    Milestone,
    Project,
    ProjectMember,
    Rag,
    Task,
    TaskLink,
)

PROJECT_REFERENCES = (
    "portfolio",
    "program",
    "manager",
    "sponsor",
    "business_unit",
    "category",
)
STAGE_ORDER = {stage: position for position, stage in enumerate(Project.Stage.values)}
# Red first: sorting by health puts the projects that need attention on top.
HEALTH_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
SORTS = ("code", "name", "stage", "health", "priority", "start", "finish")


@dataclass(frozen=True)
class ProjectFilters:
    """What the project list is narrowed and sorted by; empty values do not filter."""

    search: str = ""
    stage: str = ""
    health: str = ""
    portfolio_id: int | None = None
    manager_id: int | None = None
    category_id: int | None = None
    business_unit_id: int | None = None
    sort: str = "code"

    def errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if self.stage and self.stage not in Project.Stage.values:
            errors["stage"] = ["Choose one of: " + ", ".join(Project.Stage.values) + "."]
        if self.health and self.health not in Rag.values:
            errors["health"] = ["Choose one of: " + ", ".join(Rag.values) + "."]
        if self.sort.removeprefix("-") not in SORTS:
            options = ", ".join(SORTS)
            errors["sort"] = [f"Sort by one of {options}, with '-' for descending."]
        return errors


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    expression: F | Case
    if key == "stage":
        expression = Case(
            *(When(stage=stage, then=Value(order)) for stage, order in STAGE_ORDER.items()),
            output_field=IntegerField(),
        )
    elif key == "health":
        expression = Case(
            *(When(health=health, then=Value(order)) for health, order in HEALTH_ORDER.items()),
            output_field=IntegerField(),
        )
    else:
        column = {"start": "start_date", "finish": "finish_date"}.get(key, key)
        expression = F(column)
    primary = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    # Ties broken by code, then id, so that pages never repeat or skip a row.
    return [primary, F("code").asc(), F("pk").asc()]


def project_list(user: User, filters: ProjectFilters | None = None) -> QuerySet[Project]:
    """The projects ``user`` may see, filtered and sorted, with their references joined."""
    filters = filters or ProjectFilters()
    errors = filters.errors()
    if errors:
        raise ValidationFailed(errors)
    projects = projects_visible_to(user).select_related(*PROJECT_REFERENCES)
    search = filters.search.strip()
    if search:
        projects = projects.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if filters.stage:
        projects = projects.filter(stage=filters.stage)
    if filters.health:
        projects = projects.filter(health=filters.health)
    for name in ("portfolio_id", "manager_id", "category_id", "business_unit_id"):
        value = getattr(filters, name)
        if value is not None:
            projects = projects.filter(**{name: value})
    return projects.order_by(*_ordering(filters.sort))


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class ProjectOptions:
    """What a user may pick for a project's references, all of their organisation."""

    portfolios: list[Choice]
    programs: list[Choice]
    people: list[Choice]
    business_units: list[Choice]
    categories: list[Choice]
    calendars: list[Choice]


def project_options(user: User) -> ProjectOptions:
    """Choices for the project form (one query per kind of reference)."""
    organisation_id = organisation_id_of(user)
    people = organisation_people(user)
    return ProjectOptions(
        portfolios=[
            Choice(p.pk, p.name)
            for p in Portfolio.objects.filter(organisation_id=organisation_id, is_active=True)
        ],
        programs=[
            Choice(p.pk, p.name) for p in Program.objects.filter(organisation_id=organisation_id)
        ],
        people=people,
        business_units=[
            Choice(b.pk, b.name)
            for b in BusinessUnit.objects.filter(organisation_id=organisation_id)
        ],
        categories=[
            Choice(c.pk, c.name) for c in Category.objects.filter(organisation_id=organisation_id)
        ],
        calendars=[
            Choice(c.pk, c.name) for c in Calendar.objects.filter(organisation_id=organisation_id)
        ],
    )


@dataclass(frozen=True)
class ProjectFilterOptions:
    """What the project list can be filtered by."""

    portfolios: list[Choice]
    managers: list[Choice]
    business_units: list[Choice]
    categories: list[Choice]


def project_filter_options(user: User) -> ProjectFilterOptions:
    """Choices for the list's filters: four queries whatever the number of projects."""
    organisation_id = organisation_id_of(user)
    managers = User.objects.filter(
        organisation_id=organisation_id,
        pk__in=Project.objects.filter(organisation_id=organisation_id).values("manager_id"),
    )
    return ProjectFilterOptions(
        portfolios=[
            Choice(p.pk, p.name) for p in Portfolio.objects.filter(organisation_id=organisation_id)
        ],
        managers=[Choice(person.pk, str(person)) for person in managers],
        business_units=[
            Choice(b.pk, b.name)
            for b in BusinessUnit.objects.filter(organisation_id=organisation_id)
        ],
        categories=[
            Choice(c.pk, c.name) for c in Category.objects.filter(organisation_id=organisation_id)
        ],
    )


def organisation_people(user: User) -> list[Choice]:
    """The active people of the user's organisation, e.g. to add to a project."""
    return [
        Choice(person.pk, str(person))
        for person in User.objects.filter(organisation_id=organisation_id_of(user), is_active=True)
    ]


@dataclass(frozen=True)
class CashFlowMonth:
    month_index: int
    month: datetime.date | None
    cost: Decimal
    benefit: Decimal
    net: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class BusinessCaseInfo:
    """A business case with its lines and their totals by month."""

    business_case: BusinessCase
    lines: list[CashFlowLine]
    months: list[CashFlowMonth]
    total_cost: Decimal
    total_benefit: Decimal

    @property
    def net(self) -> Decimal:
        return self.total_benefit - self.total_cost


def _add_months(first: datetime.date, months: int) -> datetime.date:
    total = first.year * 12 + first.month - 1 + months
    return datetime.date(total // 12, total % 12 + 1, 1)


def business_case_info(business_case: BusinessCase) -> BusinessCaseInfo:
    """Totals by month of a business case whose lines are already loaded (no query)."""
    lines = list(business_case.cash_flow_lines.all())
    cost: dict[int, Decimal] = defaultdict(Decimal)
    benefit: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        target = cost if line.kind == CashFlowLine.Kind.COST else benefit
        target[line.month_index] += line.amount
    months: list[CashFlowMonth] = []
    cumulative = Decimal(0)
    for month_index in sorted(set(cost) | set(benefit)):
        net = benefit[month_index] - cost[month_index]
        cumulative += net
        start = business_case.start_month
        months.append(
            CashFlowMonth(
                month_index=month_index,
                month=_add_months(start, month_index) if start else None,
                cost=cost[month_index],
                benefit=benefit[month_index],
                net=net,
                cumulative=cumulative,
            )
        )
    return BusinessCaseInfo(
        business_case=business_case,
        lines=lines,
        months=months,
        total_cost=sum(cost.values(), Decimal(0)),
        total_benefit=sum(benefit.values(), Decimal(0)),
    )


def _business_cases_with_lines() -> QuerySet[BusinessCase]:
    lines = CashFlowLine.objects.order_by("month_index", "kind", "category", "pk")
    return BusinessCase.objects.select_related("created_by", "approved_by").prefetch_related(
        Prefetch("cash_flow_lines", queryset=lines)
    )


@dataclass(frozen=True)
class ProjectDetail:
    """A project's whole page, loaded once."""

    project: Project
    can_edit: bool
    members: list[ProjectMember]
    milestones: list[Milestone]
    business_cases: list[BusinessCaseInfo]
    task_count: int
    link_count: int


def project_detail(user: User, project_id: int) -> ProjectDetail:
    """The project with its members, business cases (and lines) and milestones: 7 queries."""
    project = (
        projects_visible_to(user)
        .select_related(*PROJECT_REFERENCES, "calendar")
        .prefetch_related(
            Prefetch("members", queryset=ProjectMember.objects.select_related("user")),
            Prefetch("business_cases", queryset=_business_cases_with_lines()),
            "milestones",
        )
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        # The same message as every other way of asking for a project one may not see.
        access_project_by_id(user, project_id)
    assert project is not None
    return ProjectDetail(
        project=project,
        can_edit=can_edit_project(user, project),
        members=list(project.members.all()),
        milestones=list(project.milestones.all()),
        business_cases=[business_case_info(case) for case in project.business_cases.all()],
        task_count=project.tasks.count(),
        link_count=project.task_links.count(),
    )


def project_get(user: User, project_id: int) -> Project:
    """One project with its references joined (the API's detail)."""
    project = access_project_by_id(user, project_id)
    return Project.objects.select_related(*PROJECT_REFERENCES).get(pk=project.pk)


def project_member_list(user: User, project_id: int) -> QuerySet[ProjectMember]:
    project = access_project_by_id(user, project_id)
    return ProjectMember.objects.filter(project=project).select_related("user")


def business_case_list(user: User, project_id: int) -> QuerySet[BusinessCase]:
    """The project's business cases, newest version first, with their lines."""
    project = access_project_by_id(user, project_id)
    return _business_cases_with_lines().filter(project=project).order_by("-version")


def business_case_get(user: User, business_case_id: int) -> BusinessCase:
    business_case = access_business_case_by_id(user, business_case_id)
    return _business_cases_with_lines().select_related("project").get(pk=business_case.pk)


def task_list(user: User, project_id: int) -> QuerySet[Task]:
    """The project's tasks in schedule order."""
    project = access_project_by_id(user, project_id)
    return Task.objects.filter(project=project).order_by("sort_order", "uid")


def task_get(user: User, task_id: int) -> Task:
    return access_task_by_id(user, task_id)


def link_list(user: User, project_id: int) -> QuerySet[TaskLink]:
    project = access_project_by_id(user, project_id)
    return (
        TaskLink.objects.filter(project=project)
        .select_related("predecessor", "successor")
        .order_by("predecessor__sort_order", "successor__sort_order", "pk")
    )


def link_get(user: User, link_id: int) -> TaskLink:
    return access_link_by_id(user, link_id)
