"""Export people, capacity, actual costs and timesheets to CSV or XLSX.

The columns are the import's (``steerco.finance.imports.KINDS``), with a few
read-only ones added (``amount_org_currency``, ``source``...) that an import
ignores, so that an exported file can be edited and read back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.errors import ValidationFailed
from steerco.finance import access
from steerco.finance.models import CostLine
from steerco.resources.models import CapacityPeriod, Person, PersonSkill, TimesheetEntry

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Cell = str | int | Decimal | dt.date | None


@dataclass(frozen=True)
class Export:
    kind: str
    columns: Sequence[str]
    rows: Iterator[Sequence[Cell]]


def _people(organisation_id: int) -> Export:
    skills: dict[int, list[str]] = {}
    for person_id, name, level in (
        PersonSkill.objects.filter(person__organisation_id=organisation_id)
        .order_by("person_id", "skill__name")
        .values_list("person_id", "skill__name", "level")
    ):
        skills.setdefault(person_id, []).append(f"{name}:{level}")
    people = (
        Person.objects.filter(organisation_id=organisation_id)
        .select_related("role", "business_unit", "manager", "calendar")
        .order_by("name", "pk")
    )

    def rows() -> Iterator[Sequence[Cell]]:
        for person in people.iterator(chunk_size=1000):
            yield (
                person.name,
                person.role.code,
                person.email,
                person.business_unit.code if person.business_unit else "",
                person.fte,
                person.start_date,
                person.end_date,
                person.manager.username if person.manager else "",
                person.calendar.name if person.calendar else "",
                "; ".join(skills.get(person.pk, [])),
                "yes" if person.is_active else "no",
            )

    columns = (
        "name",
        "role",
        "email",
        "business_unit",
        "fte",
        "start_date",
        "end_date",
        "manager",
        "calendar",
        "skills",
        "active",
    )
    return Export("people", columns, rows())


def _capacity(organisation_id: int) -> Export:
    periods = (
        CapacityPeriod.objects.filter(organisation_id=organisation_id)
        .select_related("person", "role")
        .order_by("month", "role__code", F("person__name").asc(nulls_first=True), "pk")
    )

    def rows() -> Iterator[Sequence[Cell]]:
        for period in periods.iterator(chunk_size=2000):
            person = period.person
            yield (
                f"{period.month:%Y-%m}",
                period.hours,
                (person.email or person.name) if person else "",
                "" if person else (period.role.code if period.role else ""),
            )

    return Export("capacity", ("month", "hours", "person", "role"), rows())


def _actuals(organisation_id: int, project_code: str | None) -> Export:
    lines: QuerySet[CostLine] = CostLine.objects.filter(organisation_id=organisation_id)
    if project_code:
        lines = lines.filter(project__code=project_code)
    lines = lines.select_related("project", "cost_category").order_by(
        "project__code", "month", "date", "pk"
    )

    def rows() -> Iterator[Sequence[Cell]]:
        for line in lines.iterator(chunk_size=2000):
            yield (
                line.project.code,
                line.cost_category.code,
                f"{line.month:%Y-%m}",
                line.amount,
                line.currency,
                line.reference,
                line.date,
                line.expense_type,
                line.description,
                line.source,
                line.amount_org_currency,
                line.import_batch,
            )

    columns = (
        "project",
        "cost_category",
        "month",
        "amount",
        "currency",
        "reference",
        "date",
        "expense_type",
        "description",
        "source",
        "amount_org_currency",
        "import_batch",
    )
    return Export("actuals", columns, rows())


def _timesheets(organisation_id: int, first: dt.date | None, last: dt.date | None) -> Export:
    entries = TimesheetEntry.objects.filter(timesheet__organisation_id=organisation_id)
    if first:
        entries = entries.filter(date__gte=first)
    if last:
        entries = entries.filter(date__lte=last)
    entries = entries.select_related("timesheet__person", "project", "task").order_by(
        "date", "timesheet__person__name", "pk"
    )

    def rows() -> Iterator[Sequence[Cell]]:
        for entry in entries.iterator(chunk_size=2000):
            person = entry.timesheet.person
            yield (
                person.email or person.name,
                entry.date,
                entry.hours,
                entry.project.code if entry.project else "",
                entry.task.uid if entry.task else "",
                entry.non_project_category,
                entry.note,
                entry.timesheet.status,
            )

    columns = ("person", "date", "hours", "project", "task", "category", "note", "status")
    return Export("timesheets", columns, rows())


def export_rows(
    *,
    acting_user: User,
    kind: str,
    project_code: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Export:
    """The rows of an export of ``kind``, for the user's organisation."""
    access.require_exporter(acting_user, kind)
    organisation_id = organisation_id_of(acting_user)
    if kind == "people":
        return _people(organisation_id)
    if kind == "capacity":
        return _capacity(organisation_id)
    if kind == "actuals":
        return _actuals(organisation_id, project_code)
    return _timesheets(organisation_id, first, last)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(export: Export) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def to_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.kind)
    bold = Font(bold=True)
    header = []
    for name in export.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in export.rows:
        values: list[object] = []
        for value in row:
            if isinstance(value, Decimal):
                # Spreadsheets hold numbers as floats; cents survive the round trip.
                values.append(float(value))
            elif isinstance(value, dt.date):
                values.append(value.isoformat())
            else:
                values.append(value)
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(export: Export, file_format: str) -> bytes:
    if file_format == "csv":
        return to_csv(export)
    if file_format == "xlsx":
        return to_xlsx(export)
    raise ValidationFailed({"format": ["Use csv or xlsx."]})


def filename_for(kind: str, file_format: str, on: dt.date) -> str:
    return f"steerco-{kind}-{on:%Y%m%d}.{file_format}"
