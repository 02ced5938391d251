"""Who may see and change portfolios and programs.

- Every active member of an organisation sees all of its portfolios and
  programs, read-only. Project managers and team members need them too: a
  project manager files a new idea into a portfolio and program, and a team
  member reads which portfolio their project serves. A portfolio or program is
  a heading, not confidential data.
- What a member sees *inside* a portfolio or program (its projects, and the
  project counts on the lists) is limited to the projects they may see
  (``steerco.projects.access.projects_visible_to``): a team member sees the
  projects they work on, not the rest of the portfolio.
- Administrators, PMO analysts and portfolio managers (``PORTFOLIO_EDITORS``)
  create, change and delete portfolios and programs.
- Nobody sees another organisation's portfolios or programs: those are "not found".
"""

from __future__ import annotations

from django.db.models import QuerySet

from steerco.accounts.models import User
from steerco.core.access import (
    PORTFOLIO_EDITORS,
    has_role,
    is_active_member,
    organisation_id_of,
    require_role,
)
from steerco.core.errors import NotFound
from steerco.portfolios.models import Portfolio, Program


def portfolios_visible_to(user: User) -> QuerySet[Portfolio]:
    if not is_active_member(user):
        return Portfolio.objects.none()
    return Portfolio.objects.filter(organisation_id=organisation_id_of(user))


def programs_visible_to(user: User) -> QuerySet[Program]:
    if not is_active_member(user):
        return Program.objects.none()
    return Program.objects.filter(organisation_id=organisation_id_of(user))


def can_edit_portfolios(user: User) -> bool:
    return has_role(user, PORTFOLIO_EDITORS)


def require_portfolio_editor(user: User, action: str) -> None:
    require_role(user, PORTFOLIO_EDITORS, action)


def access_portfolio_by_id(user: User, portfolio_id: int, *, for_edit: bool = False) -> Portfolio:
    """The portfolio, if ``user`` may see it (and change it, with ``for_edit``).

    Visibility is checked before the role so that another organisation's
    portfolio is "not found" even for an administrator.
    """
    portfolio = portfolios_visible_to(user).filter(pk=portfolio_id).first()
    if portfolio is None:
        raise NotFound(f"No portfolio {portfolio_id}.")
    if for_edit:
        require_portfolio_editor(user, "change portfolios")
    return portfolio


def access_program_by_id(user: User, program_id: int, *, for_edit: bool = False) -> Program:
    program = programs_visible_to(user).filter(pk=program_id).first()
    if program is None:
        raise NotFound(f"No program {program_id}.")
    if for_edit:
        require_portfolio_editor(user, "change programs")
    return program
