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
    access_visible_by_id,
    has_role,
    organisation_rows,
    require_role,
)
from steerco.portfolios.models import Portfolio, Program


def portfolios_visible_to(user: User) -> QuerySet[Portfolio]:
    return organisation_rows(user, Portfolio.objects.all())


def programs_visible_to(user: User) -> QuerySet[Program]:
    return organisation_rows(user, Program.objects.all())


def can_edit_portfolios(user: User) -> bool:
    return has_role(user, PORTFOLIO_EDITORS)


def require_portfolio_editor(user: User, action: str) -> None:
    require_role(user, PORTFOLIO_EDITORS, action)


def access_portfolio_by_id(user: User, portfolio_id: int, *, for_edit: bool = False) -> Portfolio:
    """The portfolio, if ``user`` may see it (and change it, with ``for_edit``).

    Visibility is checked before the role so that another organisation's
    portfolio is "not found" even for an administrator.
    """
    return access_visible_by_id(
        user,
        portfolios_visible_to(user),
        portfolio_id,
        what="portfolio",
        require_editor=lambda editor: require_portfolio_editor(editor, "change portfolios"),
        for_edit=for_edit,
    )


def access_program_by_id(user: User, program_id: int, *, for_edit: bool = False) -> Program:
    return access_visible_by_id(
        user,
        programs_visible_to(user),
        program_id,
        what="program",
        require_editor=lambda editor: require_portfolio_editor(editor, "change programs"),
        for_edit=for_edit,
    )
