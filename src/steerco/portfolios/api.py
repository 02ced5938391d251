"""API: portfolios and programs.

Lists are paginated (``?page=&page_size=``, answering ``{items, count}``) and
take ``search``, filters and ``sort`` (a column name, ``-`` first to reverse).
Detail endpoints answer the object under its own name beside its related
lists (``{"portfolio": {...}, "programs": [...], "projects": [...]}``).
Projects inside a portfolio or program, and the project counts, cover only
the projects the caller may see.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.portfolios import selectors, services
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.models import Project

router = Router(tags=["portfolios"])


def _user_name(user: Any) -> str | None:
    return str(user) if user is not None else None


class PortfolioIn(Schema):
    code: str
    name: str
    description: str = ""
    owner_id: int | None = None
    is_active: bool = True


class PortfolioPatch(Schema):
    code: str | None = None
    name: str | None = None
    description: str | None = None
    owner_id: int | None = None
    is_active: bool | None = None


class PortfolioOut(Schema):
    id: int
    code: str
    name: str
    description: str
    owner_id: int | None
    owner_name: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner_name(portfolio: Portfolio) -> str | None:
        return _user_name(portfolio.owner)


class PortfolioRowOut(PortfolioOut):
    program_count: int = Field(description="Programs in the portfolio")
    project_count: int = Field(description="Projects in the portfolio that you may see")


class PortfolioFilters(Schema):
    search: str = Field("", description="Part of the code or name")
    is_active: bool | None = None
    sort: str = Field("name", description="code, name, owner, programs or projects; '-' reverses")


class ProgramIn(Schema):
    portfolio_id: int
    code: str
    name: str
    description: str = ""
    manager_id: int | None = None


class ProgramPatch(Schema):
    portfolio_id: int | None = None
    code: str | None = None
    name: str | None = None
    description: str | None = None
    manager_id: int | None = None


class ProgramOut(Schema):
    id: int
    portfolio_id: int
    code: str
    name: str
    description: str
    manager_id: int | None
    manager_name: str | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_manager_name(program: Program) -> str | None:
        return _user_name(program.manager)


class ProgramRowOut(ProgramOut):
    portfolio_code: str
    project_count: int = Field(description="Projects in the program that you may see")

    @staticmethod
    def resolve_portfolio_code(program: Program) -> str:
        return program.portfolio.code


class ProgramFilters(Schema):
    search: str = Field("", description="Part of the code or name")
    portfolio_id: int | None = None
    sort: str = Field("name", description="code, name, portfolio, manager or projects")


class ProjectBriefOut(Schema):
    id: int
    code: str
    name: str
    stage: str
    health: str
    program_id: int | None
    manager_name: str | None

    @staticmethod
    def resolve_manager_name(project: Project) -> str | None:
        return _user_name(project.manager)


class PortfolioDetailOut(Schema):
    portfolio: PortfolioRowOut
    programs: list[ProgramRowOut]
    projects: list[ProjectBriefOut] = Field(description="The portfolio's projects you may see")


class ProgramDetailOut(Schema):
    program: ProgramRowOut
    projects: list[ProjectBriefOut] = Field(description="The program's projects you may see")


# Portfolios


@router.get("/portfolios", response=list[PortfolioRowOut])
@paginate
def portfolio_list(request: HttpRequest, filters: Query[PortfolioFilters]) -> QuerySet[Portfolio]:
    return selectors.portfolio_list(user=request_user(request), **filters.model_dump())


@router.post("/portfolios", response={201: PortfolioOut})
def portfolio_create(request: HttpRequest, payload: PortfolioIn) -> Status[Portfolio]:
    return Status(
        201, services.portfolio_create(acting_user=request_user(request), **payload.model_dump())
    )


@router.get("/portfolios/{portfolio_id}", response=PortfolioDetailOut)
def portfolio_detail(request: HttpRequest, portfolio_id: int) -> selectors.PortfolioDetail:
    return selectors.portfolio_detail(user=request_user(request), portfolio_id=portfolio_id)


@router.patch("/portfolios/{portfolio_id}", response=PortfolioOut)
def portfolio_update(request: HttpRequest, portfolio_id: int, payload: PortfolioPatch) -> Portfolio:
    return services.portfolio_update(
        acting_user=request_user(request),
        portfolio_id=portfolio_id,
        **payload.model_dump(exclude_unset=True),
    )


@router.delete("/portfolios/{portfolio_id}", response={204: None})
def portfolio_delete(request: HttpRequest, portfolio_id: int) -> Status[None]:
    services.portfolio_delete(acting_user=request_user(request), portfolio_id=portfolio_id)
    return Status(204, None)


# Programs


@router.get("/programs", response=list[ProgramRowOut], tags=["programs"])
@paginate
def program_list(request: HttpRequest, filters: Query[ProgramFilters]) -> QuerySet[Program]:
    return selectors.program_list(user=request_user(request), **filters.model_dump())


@router.post("/programs", response={201: ProgramOut}, tags=["programs"])
def program_create(request: HttpRequest, payload: ProgramIn) -> Status[Program]:
    return Status(
        201, services.program_create(acting_user=request_user(request), **payload.model_dump())
    )


@router.get("/programs/{program_id}", response=ProgramDetailOut, tags=["programs"])
def program_detail(request: HttpRequest, program_id: int) -> selectors.ProgramDetail:
    return selectors.program_detail(user=request_user(request), program_id=program_id)


@router.patch("/programs/{program_id}", response=ProgramOut, tags=["programs"])
def program_update(request: HttpRequest, program_id: int, payload: ProgramPatch) -> Program:
    return services.program_update(
        acting_user=request_user(request),
        program_id=program_id,
        **payload.model_dump(exclude_unset=True),
    )


@router.delete("/programs/{program_id}", response={204: None}, tags=["programs"])
def program_delete(request: HttpRequest, program_id: int) -> Status[None]:
    services.program_delete(acting_user=request_user(request), program_id=program_id)
    return Status(204, None)
