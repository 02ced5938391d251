"""XLSX export of any list: one generic writer, and the lists a user may download.

:func:`export_xlsx` turns rows (model instances, dataclasses or dicts) and column definitions
into a workbook's bytes; :func:`export_workbook` writes several sheets at once (the dashboard's
tables). Both stream rows through openpyxl's write-only mode, so a list of 100,000 projects
does not build 100,000 cell objects in memory.

Cells keep their types (numbers, dates, booleans), so that a PMO can sum and filter in Excel.
Text is always written as text: a project called ``=HYPERLINK(...)`` must never become a
formula in the reader's spreadsheet (CSV/formula injection).

``LIST_EXPORTS`` names the lists of other apps that ``/reports/export/<name>.xlsx`` serves,
each read through that app's own selector so that the export shows exactly what the user's
list page shows.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from steerco.accounts.models import User
from steerco.reports.selectors import Dashboard

ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="13293D")
FORMATS = {
    "money": "#,##0.00",
    "integer": "#,##0",
    "decimal": "#,##0.0#",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
MAX_COLUMN_WIDTH = 60
WIDTH_SAMPLE = 200


@dataclass(frozen=True)
class Column:
    """One column: a heading and where its value comes from.

    ``key`` is read from a mapping, or as an attribute path (``"portfolio.code"``) from an
    object, calling it when it is a method (``"get_stage_display"``); ``value`` overrides both.
    ``kind`` picks the number format: text, money, integer, decimal, percent, date or datetime.
    """

    key: str
    label: str
    kind: str = "text"
    width: int | None = None
    value: Callable[[Any], Any] | None = None

    def read(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        if isinstance(row, Mapping):
            return row.get(self.key)
        current = row
        for part in self.key.split("."):
            if current is None:
                return None
            current = getattr(current, part, None)
        return current() if callable(current) else current


ColumnSpec = Column | tuple[str, str] | tuple[str, str, str]


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: Iterable[Any]
    columns: Sequence[ColumnSpec]


def _column(spec: ColumnSpec) -> Column:
    if isinstance(spec, Column):
        return spec
    return Column(*spec)


def sheet_title(title: str) -> str:
    """A title Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    return cleaned[:31]


def cell_value(value: Any) -> Any:
    """What openpyxl may store: aware datetimes in local time, choices as text, no controls."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple | set):
        return ", ".join(str(item) for item in value)
    return ILLEGAL_CHARACTERS.sub("", str(value))


def _cells(sheet: Any, values: list[Any], columns: list[Column]) -> list[Any]:
    cells = []
    for value, column in zip(values, columns, strict=True):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            # Text stays text: never a formula, whatever it starts with.
            cell.data_type = "s"
        elif column.kind in FORMATS and value is not None:
            cell.number_format = FORMATS[column.kind]
        elif isinstance(value, dt.datetime):
            cell.number_format = FORMATS["datetime"]
        elif isinstance(value, dt.date):
            cell.number_format = FORMATS["date"]
        cells.append(cell)
    return cells


def _write_sheet(sheet: Any, rows: Iterable[Any], columns: list[Column]) -> int:
    """Header, then rows; returns the number of rows written."""
    remaining = iter(rows)
    # A write-only sheet fixes its column widths before its first row, so they are measured
    # on a sample of the rows rather than on all of them.
    sample = [[cell_value(c.read(row)) for c in columns] for row in islice(remaining, WIDTH_SAMPLE)]
    for index, column in enumerate(columns):
        width = column.width or max(
            [
                len(column.label),
                *(len(str(values[index])) for values in sample if values[index] is not None),
            ]
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = (
            min(MAX_COLUMN_WIDTH, width) + 2
        )
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    count = 0
    rest = ([cell_value(c.read(row)) for c in columns] for row in remaining)
    for values in chain(sample, rest):
        sheet.append(_cells(sheet, values, columns))
        count += 1
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return count


def export_workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of several sheets, each with a bold header row frozen at the top."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for spec in sheets or [Sheet("Empty", [], [])]:
        title = sheet_title(spec.title)
        suffix = 2
        while title.lower() in used:
            title = f"{sheet_title(spec.title)[:28]} {suffix}"
            suffix += 1
        used.add(title.lower())
        sheet = workbook.create_sheet(title)
        _write_sheet(sheet, spec.rows, [_column(column) for column in spec.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_xlsx(rows: Iterable[Any], columns: Sequence[ColumnSpec], title: str) -> bytes:
    """Rows as a one-sheet XLSX workbook.

    Parameters
    ----------
    rows:
        Model instances, dataclasses or mappings.
    columns:
        :class:`Column` objects, or ``(key, label)`` / ``(key, label, kind)`` tuples.
    title:
        The sheet's title (shortened to Excel's 31 characters).

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    return export_workbook([Sheet(title, rows, columns)])


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the lists of other apps -----------------------------------------------------------------


def _person_name(user: Any) -> str:
    return str(user) if user is not None else ""


def _flag(text: str | None) -> bool | None:
    if not text:
        return None
    return text.lower() in {"1", "true", "yes", "on"}


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _projects(user: User, params: QueryDict) -> Sheet:
    from steerco.projects.forms import ProjectFilterForm
    from steerco.projects.selectors import project_filter_options, project_list

    # The list page's own form: the export has exactly the filters and order of the page.
    filters = ProjectFilterForm(params, options=project_filter_options(user)).filters()
    columns: list[ColumnSpec] = [
        ("code", "Code"),
        ("name", "Name"),
        ("portfolio.code", "Portfolio"),
        ("program.code", "Program"),
        ("get_stage_display", "Stage"),
        ("get_health_display", "Health"),
        ("priority", "Priority", "integer"),
        ("mission_critical", "Mission-critical"),
        ("mandatory", "Mandatory"),
        Column("manager", "Manager", value=lambda p: _person_name(p.manager)),
        Column("sponsor", "Sponsor", value=lambda p: _person_name(p.sponsor)),
        ("business_unit.name", "Business unit"),
        ("category.name", "Category"),
        ("start_date", "Start", "date"),
        ("finish_date", "Finish", "date"),
    ]
    return Sheet("Projects", project_list(user, filters), columns)


def _portfolios(user: User, params: QueryDict) -> Sheet:
    from steerco.portfolios.selectors import portfolio_list

    rows = portfolio_list(
        user=user,
        search=params.get("search", ""),
        is_active=_flag(params.get("is_active")),
        sort=params.get("sort") or "name",
    )
    columns: list[ColumnSpec] = [
        ("code", "Code"),
        ("name", "Name"),
        Column("owner", "Owner", value=lambda p: _person_name(p.owner)),
        ("is_active", "Active"),
        ("program_count", "Programs", "integer"),
        ("project_count", "Projects", "integer"),
        ("description", "Description"),
    ]
    return Sheet("Portfolios", rows, columns)


def _people(user: User, params: QueryDict) -> Sheet:
    from steerco.resources.selectors import person_list

    rows = person_list(
        user=user,
        search=params.get("search", ""),
        role_id=_number(params.get("role")),
        business_unit_id=_number(params.get("business_unit")),
        is_active=_flag(params.get("is_active")),
        sort=params.get("sort") or "name",
    )
    columns: list[ColumnSpec] = [
        ("name", "Name"),
        ("email", "Email"),
        ("role.name", "Role"),
        ("business_unit.name", "Business unit"),
        ("fte", "FTE", "decimal"),
        ("is_active", "Active"),
        ("start_date", "Start", "date"),
        ("end_date", "End", "date"),
    ]
    return Sheet("People", rows, columns)


def _roles(user: User, params: QueryDict) -> Sheet:
    from steerco.resources.access import may_see_cost_rates
    from steerco.resources.selectors import role_list

    rows = role_list(
        user=user,
        search=params.get("search", ""),
        is_active=_flag(params.get("is_active")),
        sort=params.get("sort") or "name",
    )
    columns: list[ColumnSpec] = [
        ("code", "Code"),
        ("name", "Name"),
        ("people_count", "Active people", "integer"),
        ("is_active", "Active"),
        ("description", "Description"),
    ]
    # Rates only for those who may read them, as on the roles page.
    if may_see_cost_rates(user):
        columns.insert(3, ("default_cost_rate", "Default rate per hour", "money"))
    return Sheet("Roles", rows, columns)


def _raid_items(user: User, params: QueryDict) -> Sheet:
    from steerco.governance.selectors import RaidFilters, raid_list_all

    filters = RaidFilters(
        kind=params.get("kind", ""),
        status=params.get("status", ""),
        search=params.get("search", ""),
        open_only=bool(_flag(params.get("open_only"))),
        project_id=_number(params.get("project")),
    )
    columns: list[ColumnSpec] = [
        ("project.code", "Project"),
        ("ref", "Ref"),
        ("get_kind_display", "Kind"),
        ("title", "Title"),
        ("get_status_display", "Status"),
        ("probability", "Probability", "decimal"),
        ("impact", "Impact", "integer"),
        Column(
            "exposure",
            "Exposure",
            kind="decimal",
            value=lambda item: (
                item.probability * item.impact
                if item.probability is not None and item.impact is not None
                else None
            ),
        ),
        ("cost_impact", "Cost impact", "money"),
        ("schedule_impact_days", "Schedule impact (days)", "integer"),
        ("get_response_strategy_display", "Response"),
        ("get_trend_display", "Trend"),
        Column("owner", "Owner", value=lambda item: _person_name(item.owner)),
        ("due_date", "Due", "date"),
        ("depends_on_project.code", "Depends on"),
        ("last_reviewed_at", "Last reviewed", "datetime"),
    ]
    return Sheet("RAID log", raid_list_all(user, filters), columns)


def _status_reports(user: User, params: QueryDict) -> Sheet:
    from steerco.governance.selectors import status_report_list_all

    rows = status_report_list_all(
        user, status=params.get("status", ""), project_id=_number(params.get("project"))
    )
    columns: list[ColumnSpec] = [
        ("project.code", "Project"),
        ("period_start", "Period start", "date"),
        ("period_end", "Period end", "date"),
        ("get_status_display", "Status"),
        ("get_overall_display", "Overall"),
        ("get_schedule_display", "Schedule"),
        ("get_cost_display", "Cost"),
        ("get_scope_display", "Scope"),
        ("get_risk_display", "Risk"),
        Column("author", "Author", value=lambda report: _person_name(report.author)),
        ("submitted_at", "Submitted", "datetime"),
        ("narrative", "Narrative"),
    ]
    return Sheet("Status reports", rows, columns)


def _milestones(user: User, params: QueryDict) -> Sheet:
    from steerco.reports.selectors import milestone_list

    columns: list[ColumnSpec] = [
        ("project.code", "Project"),
        ("name", "Milestone"),
        ("is_key", "Key"),
        ("due_date", "Due", "date"),
        ("baseline_date", "Baseline", "date"),
        ("forecast_date", "Forecast", "date"),
        ("achieved_date", "Achieved", "date"),
        Column(
            "slip",
            "Slip (days)",
            kind="integer",
            value=lambda m: (
                ((m.achieved_date or m.forecast_date or m.due_date) - m.baseline_date).days
                if m.baseline_date
                else None
            ),
        ),
    ]
    return Sheet("Milestones", milestone_list(user), columns)


LIST_EXPORTS: dict[str, Callable[[User, QueryDict], Sheet]] = {
    "projects": _projects,
    "portfolios": _portfolios,
    "people": _people,
    "roles": _roles,
    "raid-items": _raid_items,
    "status-reports": _status_reports,
    "milestones": _milestones,
}


def list_export(user: User, list_name: str, params: QueryDict) -> tuple[bytes, str]:
    """The named list as the user's list page shows it, as XLSX bytes and a file name.

    Raises ``NotFound`` for an unknown list, and whatever the list's selector raises for a
    filter the user may not use (another organisation's role is "not found", a bad sort is
    a validation error).
    """
    from steerco.core.errors import NotFound

    build = LIST_EXPORTS.get(list_name)
    if build is None:
        raise NotFound(f"No list {list_name!r} to export.")
    sheet = build(user, params)
    stamp = timezone.localdate().isoformat()
    return export_workbook([sheet]), f"steerco-{list_name}-{stamp}.xlsx"


# -- the dashboard's tables ------------------------------------------------------------------


def dashboard_workbook(dashboard: Dashboard) -> bytes:
    """Every table behind the dashboard's charts, one sheet each (``?format=xlsx``)."""
    currency = dashboard.currency
    health: list[ColumnSpec] = [
        ("code", "Project"),
        ("name", "Name"),
        ("portfolio_code", "Portfolio"),
        ("stage_label", "Stage"),
        ("manager", "Manager"),
        ("mission_critical", "Mission-critical"),
        ("overall", "Overall"),
        ("schedule", "Schedule"),
        ("cost", "Cost"),
        ("scope", "Scope"),
        ("risk", "Risk"),
        ("rag_source", "RAG from"),
        ("report_period_end", "Report period end", "date"),
        ("start_date", "Start", "date"),
        ("finish_date", "Finish", "date"),
        ("budget", f"Budget ({currency})", "money"),
        ("actual", f"Actual to date ({currency})", "money"),
        ("spent_share", "Spent", "percent"),
        ("npv", f"NPV ({currency})", "money"),
        ("score", "Weighted score", "decimal"),
        ("risk_exposure", "Risk exposure", "decimal"),
        ("open_risks", "Open risks", "integer"),
    ]
    watch: list[ColumnSpec] = [
        Column("project", "Project", value=lambda item: item.project.code),
        Column("name", "Name", value=lambda item: item.project.name),
        Column("overall", "Overall", value=lambda item: item.project.overall),
        Column(
            "milestone",
            "Next key milestone",
            value=lambda item: item.next_milestone.name if item.next_milestone else None,
        ),
        Column(
            "expected",
            "Expected",
            kind="date",
            value=lambda item: item.next_milestone.expected_date if item.next_milestone else None,
        ),
        Column(
            "slip",
            "Slip (days)",
            kind="integer",
            value=lambda item: item.next_milestone.slip_days if item.next_milestone else None,
        ),
        Column(
            "narrative",
            "Latest status",
            value=lambda item: item.report.narrative if item.report else None,
        ),
    ]
    milestones: list[ColumnSpec] = [
        ("project_code", "Project"),
        ("name", "Milestone"),
        ("is_key", "Key"),
        ("due_date", "Due", "date"),
        ("baseline_date", "Baseline", "date"),
        ("forecast_date", "Forecast", "date"),
        ("achieved_date", "Achieved", "date"),
        ("slip_days", "Slip (days)", "integer"),
        ("status", "Status"),
    ]
    burn: list[ColumnSpec] = [
        ("month", "Month", "date"),
        ("budget", f"Budget ({currency})", "money"),
        ("actual", f"Actual ({currency})", "money"),
        ("cumulative_budget", "Cumulative budget", "money"),
        ("cumulative_actual", "Cumulative actual", "money"),
    ]
    capacity: list[ColumnSpec] = [
        ("role", "Role"),
        ("demand_hours", "Demand (hours)", "decimal"),
        ("capacity_hours", "Capacity (hours)", "decimal"),
        ("use", "Use", "percent"),
    ]
    slippage: list[ColumnSpec] = [
        ("month", "Baseline month", "date"),
        ("milestones", "Milestones", "integer"),
        ("slipped", "Slipped", "integer"),
        ("average_slip_days", "Average slip (days)", "decimal"),
    ]
    return export_workbook(
        [
            Sheet("Health", dashboard.projects, health),
            Sheet("Watch list", dashboard.watch_list, watch),
            Sheet("Milestones", dashboard.milestones, milestones),
            Sheet("Budget burn", dashboard.burn, burn),
            Sheet("Capacity", dashboard.capacity, capacity),
            Sheet("Slippage", dashboard.slippage, slippage),
        ]
    )
