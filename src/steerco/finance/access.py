"""Who may see and change budgets, actual costs, forecasts, exchange rates and imports.

- Administrators, PMO analysts and portfolio managers (``FINANCE_EDITORS``) see
  every project's financials and the portfolio and program roll-ups, and create,
  approve and reject budgets.
- Executives (with those three, ``FINANCE_READERS``) read every project's
  financials and every roll-up.
- A project manager sees, and forecasts, the financials of the projects they
  may change (``steerco.projects.access.can_edit_project``); a program's manager
  sees that program's roll-up, a portfolio's owner that portfolio's.
- Everyone else (team members, resource managers, a project manager on someone
  else's project) is refused (403) on a project they can see: money is not
  shown to the whole team.
- Administrators and PMO analysts (``ACTUALS_EDITORS``) record and import actual
  costs and keep the exchange-rate table.
- Administrators, resource managers and PMO analysts (``RESOURCE_EDITORS``)
  import and export people, capacity and timesheets.
- Nobody sees another organisation's projects, portfolios, programs, budgets or
  rates: those are "not found", checked before any role.
"""

from __future__ import annotations

from typing import Literal

from steerco.accounts.models import Role, User
from steerco.core.access import (
    PORTFOLIO_EDITORS,
    RESOURCE_EDITORS,
    has_role,
    is_active_member,
    organisation_id_of,
    require_role,
)
from steerco.core.errors import AccessDenied, NotFound
from steerco.finance.models import Budget, CostLine, ExchangeRate
from steerco.portfolios.access import access_portfolio_by_id, access_program_by_id
from steerco.portfolios.models import Portfolio, Program
from steerco.projects.access import access_project_by_id, can_edit_project
from steerco.projects.models import Project

FINANCE_EDITORS = PORTFOLIO_EDITORS
FINANCE_READERS = FINANCE_EDITORS | {Role.EXECUTIVE}
ACTUALS_EDITORS = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})
IMPORT_KINDS = ("people", "capacity", "actuals", "timesheets")
ImportKind = Literal["people", "capacity", "actuals", "timesheets"]

# Who may import (and export) each kind of file.
IMPORTERS: dict[str, frozenset[str]] = {
    "people": RESOURCE_EDITORS,
    "capacity": RESOURCE_EDITORS,
    "timesheets": RESOURCE_EDITORS,
    "actuals": ACTUALS_EDITORS,
}
EXPORTERS: dict[str, frozenset[str]] = {
    "people": RESOURCE_EDITORS,
    "capacity": RESOURCE_EDITORS,
    "timesheets": RESOURCE_EDITORS,
    "actuals": FINANCE_READERS,
}


def reads_all_financials(user: User) -> bool:
    return has_role(user, FINANCE_READERS)


def can_edit_budgets(user: User) -> bool:
    return has_role(user, FINANCE_EDITORS)


def can_edit_actuals(user: User) -> bool:
    return has_role(user, ACTUALS_EDITORS)


def can_edit_exchange_rates(user: User) -> bool:
    return has_role(user, ACTUALS_EDITORS)


def can_see_project_financials(user: User, project: Project) -> bool:
    if not is_active_member(user) or project.organisation_id != user.organisation_id:
        return False
    if reads_all_financials(user):
        return True
    return user.role == Role.PROJECT_MANAGER and can_edit_project(user, project)


def can_forecast(user: User, project: Project) -> bool:
    if not is_active_member(user) or project.organisation_id != user.organisation_id:
        return False
    if has_role(user, FINANCE_EDITORS):
        return True
    return user.role == Role.PROJECT_MANAGER and can_edit_project(user, project)


def access_project_financials(
    user: User,
    project_id: int,
    *,
    for_forecast: bool = False,
    for_budget: bool = False,
    for_actuals: bool = False,
) -> Project:
    """The project, if ``user`` may read its money (and forecast, budget or record costs).

    A project the user cannot see at all is "not found"; one they can see but
    whose money is not theirs to read is "forbidden".
    """
    project = access_project_by_id(user, project_id)
    if not can_see_project_financials(user, project):
        raise AccessDenied("Your role may not see this project's financials.")
    if for_forecast and not can_forecast(user, project):
        raise AccessDenied("Only the project's manager or the PMO may forecast this project.")
    if for_budget:
        require_role(user, FINANCE_EDITORS, "change budgets")
    if for_actuals:
        require_role(user, ACTUALS_EDITORS, "record actual costs")
    return project


def access_budget_by_id(user: User, budget_id: int, *, for_edit: bool = False) -> Budget:
    budget = (
        Budget.objects.select_related("project")
        .filter(pk=budget_id, project__organisation_id=organisation_id_of(user))
        .first()
    )
    if budget is None:
        raise NotFound(f"No budget {budget_id}.")
    access_project_financials(user, budget.project_id, for_budget=for_edit)
    return budget


def access_cost_line_by_id(user: User, cost_line_id: int, *, for_edit: bool = False) -> CostLine:
    line = (
        CostLine.objects.select_related("project")
        .filter(pk=cost_line_id, organisation_id=organisation_id_of(user))
        .first()
    )
    if line is None:
        raise NotFound(f"No cost line {cost_line_id}.")
    access_project_financials(user, line.project_id, for_actuals=for_edit)
    return line


def access_portfolio_financials(user: User, portfolio_id: int) -> Portfolio:
    portfolio = access_portfolio_by_id(user, portfolio_id)
    if reads_all_financials(user):
        return portfolio
    if portfolio.owner_id is not None and portfolio.owner_id == user.pk:
        return portfolio
    raise AccessDenied("Your role may not see portfolio financials.")


def access_program_financials(user: User, program_id: int) -> Program:
    program = access_program_by_id(user, program_id)
    if reads_all_financials(user):
        return program
    if program.manager_id is not None and program.manager_id == user.pk:
        return program
    raise AccessDenied("Your role may not see program financials.")


def require_rate_editor(user: User) -> None:
    require_role(user, ACTUALS_EDITORS, "change exchange rates")


def access_exchange_rate_by_id(user: User, rate_id: int, *, for_edit: bool = False) -> ExchangeRate:
    rate = ExchangeRate.objects.filter(pk=rate_id, organisation_id=organisation_id_of(user)).first()
    if rate is None:
        raise NotFound(f"No exchange rate {rate_id}.")
    if for_edit:
        require_rate_editor(user)
    return rate


def require_exchange_rate_reader(user: User) -> None:
    if not (reads_all_financials(user) or can_edit_exchange_rates(user)):
        raise AccessDenied("Your role may not see exchange rates.")


def _known_kind(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise NotFound(f"No import kind {kind!r}: use one of {', '.join(IMPORT_KINDS)}.")


def can_import(user: User, kind: str) -> bool:
    return kind in IMPORTERS and has_role(user, IMPORTERS[kind])


def can_export(user: User, kind: str) -> bool:
    return kind in EXPORTERS and has_role(user, EXPORTERS[kind])


def require_importer(user: User, kind: str) -> None:
    _known_kind(kind)
    require_role(user, IMPORTERS[kind], f"import {kind}")


def require_exporter(user: User, kind: str) -> None:
    _known_kind(kind)
    require_role(user, EXPORTERS[kind], f"export {kind}")


def may_use_finance_pages(user: User) -> bool:
    """Whether the finance home page has anything for ``user`` (money, imports or exports)."""
    if reads_all_financials(user) or user.role == Role.PROJECT_MANAGER:
        return True
    return any(can_import(user, kind) or can_export(user, kind) for kind in IMPORT_KINDS)
