"""Reading portfolios and programs, always within what the user may see.

List selectors return querysets with everything a row shows joined or
annotated, so that a page of any size costs the same few queries. Detail
selectors load the whole graph a page or endpoint shows into a dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, IntegerField, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.errors import NotFound, ValidationFailed
from steerco.portfolios.access import (
    access_portfolio_by_id,
    portfolios_visible_to,
    programs_visible_to,
)
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Project

ModelT = TypeVar("ModelT", bound=Model)

# Sort keys offered to users, and the columns they order by; "-key" sorts descending.
PORTFOLIO_SORTS: Mapping[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name",),
    "owner": ("owner__last_name", "owner__first_name"),
    "programs": ("program_count",),
    "projects": ("project_count",),
}
PROGRAM_SORTS: Mapping[str, tuple[str, ...]] = {
    "code": ("code",),
    "name": ("name",),
    "portfolio": ("portfolio__name",),
    "manager": ("manager__last_name", "manager__first_name"),
    "projects": ("project_count",),
}


def ordered(
    queryset: QuerySet[ModelT], sort: str, sorts: Mapping[str, tuple[str, ...]]
) -> QuerySet[ModelT]:
    """Order by the user's ``sort`` key, with the primary key last so pages never overlap."""
    key = sort.removeprefix("-")
    if key not in sorts:
        raise ValidationFailed(
            {"sort": [f"Sort by one of: {', '.join(sorts)} (put '-' first to reverse)."]}
        )
    prefix = "-" if sort.startswith("-") else ""
    return queryset.order_by(*(prefix + column for column in sorts[key]), "pk")


def _count_of(rows: QuerySet[Project] | QuerySet[Program], parent_field: str) -> Coalesce:
    """Rows per parent as a correlated sub-query: no join, so two counts never multiply."""
    per_parent = (
        rows.filter(**{parent_field: OuterRef("pk")})
        .order_by()
        .values(parent_field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(per_parent, output_field=IntegerField()), 0)


def _portfolios_with_counts(user: User) -> QuerySet[Portfolio]:
    return (
        portfolios_visible_to(user)
        .select_related("owner")
        .annotate(
            program_count=_count_of(Program.objects.all(), "portfolio"),
            project_count=_count_of(projects_visible_to(user), "portfolio"),
        )
    )


def _programs_with_counts(user: User) -> QuerySet[Program]:
    return (
        programs_visible_to(user)
        .select_related("portfolio", "manager")
        .annotate(project_count=_count_of(projects_visible_to(user), "program"))
    )


def portfolio_list(
    *, user: User, search: str = "", is_active: bool | None = None, sort: str = "name"
) -> QuerySet[Portfolio]:
    """Portfolios with their owner, ``program_count`` and ``project_count`` (visible projects)."""
    portfolios = _portfolios_with_counts(user)
    search = search.strip()
    if search:
        portfolios = portfolios.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if is_active is not None:
        portfolios = portfolios.filter(is_active=is_active)
    return ordered(portfolios, sort, PORTFOLIO_SORTS)


def program_list(
    *, user: User, search: str = "", portfolio_id: int | None = None, sort: str = "name"
) -> QuerySet[Program]:
    """Programs with their portfolio, manager and ``project_count`` (visible projects)."""
    programs = _programs_with_counts(user)
    if portfolio_id is not None:
        access_portfolio_by_id(user, portfolio_id)
        programs = programs.filter(portfolio_id=portfolio_id)
    search = search.strip()
    if search:
        programs = programs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return ordered(programs, sort, PROGRAM_SORTS)


def _visible_projects(user: User) -> QuerySet[Project]:
    return projects_visible_to(user).select_related("program", "manager").order_by("code")


@dataclass(frozen=True)
class PortfolioDetail:
    portfolio: Portfolio
    programs: list[Program]
    projects: list[Project]


@dataclass(frozen=True)
class ProgramDetail:
    program: Program
    projects: list[Project]


def portfolio_detail(*, user: User, portfolio_id: int) -> PortfolioDetail:
    """A portfolio with its programs and the projects in it that ``user`` may see (3 queries)."""
    portfolio = _portfolios_with_counts(user).filter(pk=portfolio_id).first()
    if portfolio is None:
        raise NotFound(f"No portfolio {portfolio_id}.")
    return PortfolioDetail(
        portfolio=portfolio,
        programs=list(_programs_with_counts(user).filter(portfolio=portfolio).order_by("name")),
        projects=list(_visible_projects(user).filter(portfolio=portfolio)),
    )


def program_detail(*, user: User, program_id: int) -> ProgramDetail:
    """A program with its portfolio, manager and the projects ``user`` may see (2 queries)."""
    program = _programs_with_counts(user).filter(pk=program_id).first()
    if program is None:
        raise NotFound(f"No program {program_id}.")
    return ProgramDetail(
        program=program, projects=list(_visible_projects(user).filter(program=program))
    )


def portfolio_choices(*, user: User) -> list[tuple[int, str]]:
    """(id, "CODE name") of the portfolios ``user`` may see, for pickers."""
    return [
        (pk, f"{code} {name}")
        for pk, code, name in portfolios_visible_to(user)
        .order_by("code")
        .values_list("pk", "code", "name")
    ]


def member_choices(*, user: User, keep: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the active users of ``user``'s organisation, for owner and manager pickers."""
    # ``keep``: a current owner or manager who has left stays on the list until replaced.
    members = User.objects.filter(organisation_id=organisation_id_of(user)).filter(
        Q(is_active=True) | Q(pk=keep)
    )
    return [(member.pk, str(member)) for member in members.order_by("last_name", "first_name")]
