"""Import people, capacity, actual costs and timesheets from CSV or XLSX files.

A file is read into rows of text (the header row names the columns; the row
numbers are the spreadsheet's, so the header is row 1). Each kind checks every
row and reports **every** problem as (row, column, reason); nothing stops at
the first bad row.

- A **dry run** checks everything and writes nothing.
- The **import** is all-or-nothing: it runs in one transaction, and any bad row
  rolls the whole file back (``ImportRejected``, a ``ValidationFailed`` whose
  errors are keyed "row 12, column amount").

People are written through ``steerco.resources.services.person_create`` and
``person_update`` row by row (inside the transaction), so a file is held to
the same rules as the form. Re-importing the same actuals file never double
counts: a cost line's reference is unique per project for imported lines; a
line already imported with the same figures is skipped, with different
figures it is an error. A line without a reference gets one made from its
contents (``AUTO-...``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from steerco.accounts.models import BusinessUnit, User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record
from steerco.core.errors import Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.finance import access
from steerco.finance.estimates import first_of_month
from steerco.finance.models import CostCategory, CostLine
from steerco.finance.services import (
    CostLineRules,
    Errors,
    check_cost_line,
    closed_books_problem,
    locked_until,
    parse_amount,
)
from steerco.projects.models import Calendar, Project, Task
from steerco.resources.models import (
    CapacityPeriod,
    Person,
    Role,
    Skill,
    Timesheet,
    TimesheetEntry,
)

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_MONTH_HOURS = Decimal("744")  # 31 days x 24 hours
MAX_ROLE_MONTH_HOURS = Decimal("99999999")  # the column's largest value
NON_PROJECT = dict(TimesheetEntry.NonProjectCategory.choices)
HEADER_ROW = 1


# -- reading files -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]


def normalise_header(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # Spreadsheets store 1234.5 as a float: its shortest repr is what the user typed.
        number = Decimal(repr(value))
        return str(number.quantize(Decimal(1))) if number == number.to_integral() else str(number)
    return str(value).strip()


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed({"file": [message]})


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error("The file is not UTF-8 text: save it as 'CSV UTF-8'.") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [list(row) for row in reader]
    except csv.Error as error:
        raise _file_error(f"The CSV file could not be read: {error}.") from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _file_error(f"The file is not a readable XLSX workbook ({error}).") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(filename: str, content: bytes, aliases: dict[str, str] | None = None) -> Table:
    """The rows of a CSV or XLSX file (first sheet), by normalised column name."""
    if len(content) > MAX_BYTES:
        raise _file_error(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    name = filename.lower()
    # A file sent without an extension (an API client's stream) is told apart by its bytes.
    no_extension = "." not in name.rsplit("/", 1)[-1]
    if name.endswith(".xlsx") or (no_extension and content.startswith(b"PK\x03\x04")):
        raw = _read_xlsx(content)
    elif name.endswith((".csv", ".txt")) or no_extension:
        raw = _read_csv(content)
    else:
        raise _file_error("Upload a .csv or .xlsx file.")
    if not raw or not any(cell.strip() for cell in raw[0]):
        raise _file_error("The first row must name the columns.")
    aliases = aliases or {}
    columns = [aliases.get(normalise_header(cell), normalise_header(cell)) for cell in raw[0]]
    rows: list[Row] = []
    for offset, cells in enumerate(raw[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            column: cell.strip()
            for column, cell in zip(columns, cells, strict=False)
            if column and column not in ("",)
        }
        rows.append(Row(offset, values))
        if len(rows) > MAX_ROWS:
            raise _file_error(f"The file has more than {MAX_ROWS} rows: split it.")
    return Table([column for column in columns if column], rows)


# -- values --------------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?$")


def parse_month(text: str) -> dt.date | None:
    """A month: 2026-03, 2026/03 or 2026-03-01 (the first day)."""
    match = _MONTH.match(text.strip())
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    if day != 1:
        return None
    try:
        return dt.date(year, month, 1)
    except ValueError:
        return None


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10]) if len(text.strip()) >= 10 else None
    except ValueError:
        return None


# -- reports -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    reason: str

    @property
    def key(self) -> str:
        return f"row {self.row}, column {self.column}"


@dataclass
class ImportReport:
    """What an import found and did; ``errors`` lists every bad row's every problem."""

    kind: str
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    written: bool = False
    batch: str = ""
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    def error_dict(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for error in self.errors:
            result.setdefault(error.key, []).append(error.reason)
        return result

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["bad_rows"] = self.bad_rows
        return data


class ImportRejected(ValidationFailed):
    """The file has bad rows: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(report.error_dict())


class RowErrors:
    """Collects errors row by row, in file order."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.bad_rows: set[int] = set()

    def add(self, row: int, column: str, reason: str) -> None:
        self.report.errors.append(RowError(row, column, reason))
        self.bad_rows.add(row)

    def row_has_errors(self, row: int) -> bool:
        return row in self.bad_rows


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]
    description: str
    example: tuple[tuple[str, ...], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, Kind] = {
    "people": Kind(
        "people",
        ("name", "role"),
        (
            "email",
            "business_unit",
            "fte",
            "start_date",
            "end_date",
            "manager",
            "calendar",
            "skills",
        ),
        {"role_code": "role", "business_unit_code": "business_unit", "full_name": "name"},
        "One person per row. A row whose email (or, without one, name) matches someone "
        "already in Steerco updates that person; any other row adds one.",
        (
            (
                "Ada Lovelace",
                "DE",
                "ada@example.org",
                "IT",
                "1.0",
                "2026-01-05",
                "",
                "",
                "",
                "Python:4; SQL:3",
            ),
        ),
    ),
    "capacity": Kind(
        "capacity",
        ("month", "hours"),
        ("person", "role"),
        {"email": "person", "role_code": "role", "capacity_hours": "hours"},
        "Available hours per person (email or name) or per role (code) and month. Person rows "
        "also reset their role's total for the month. A capacity refresh recomputes these "
        "from calendars.",
        (("2026-03", "140", "ada@example.org", ""), ("2026-03", "1200", "", "DE")),
    ),
    "actuals": Kind(
        "actuals",
        ("project", "cost_category", "month", "amount"),
        ("currency", "reference", "date", "expense_type", "description", "source"),
        {
            "project_code": "project",
            "category": "cost_category",
            "cost_category_code": "cost_category",
            "invoice": "reference",
            "invoice_number": "reference",
        },
        "One cost per row, in the currency given (default: the project's). The reference "
        "(invoice or ledger number) makes re-imports safe: a line already imported is skipped.",
        (
            (
                "DIG-101",
                "CONTRACT",
                "2026-03",
                "12500.00",
                "EUR",
                "INV-4711",
                "2026-03-14",
                "",
                "Delivery team, March",
            ),
        ),
    ),
    "timesheets": Kind(
        "timesheets",
        ("person", "date", "hours"),
        ("project", "task", "category", "note", "status"),
        {"email": "person", "project_code": "project", "task_uid": "task"},
        "Hours per person and day, on a project (code, and optionally a task number) or on "
        "non-project time (category). Rows make one timesheet per person and week, approved "
        "unless the status column says draft or submitted.",
        (("ada@example.org", "2026-03-02", "7.5", "DIG-101", "12", "", "Design review", ""),),
    ),
}


# -- running an import ---------------------------------------------------------------------------


def _batch_name() -> str:
    return f"IMP-{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def import_file(
    *,
    acting_user: User,
    kind: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    progress: Callable[[int, str], None] | None = None,
) -> ImportReport:
    """Check (``dry_run``) or import a file of ``kind``; all or nothing.

    Raises ``ImportRejected`` when an import (not a dry run) finds any bad row,
    and ``ValidationFailed`` with a ``file`` error when the file cannot be read.
    """
    access.require_importer(acting_user, kind)
    spec = KINDS[kind]
    table = read_table(filename, content, spec.aliases)
    report = ImportReport(kind=kind, filename=filename, dry_run=dry_run, rows=len(table.rows))
    errors = RowErrors(report)
    missing = [column for column in spec.required if column not in table.columns]
    for column in missing:
        errors.add(HEADER_ROW, column, "The column is missing.")
    ignored = [column for column in table.columns if column not in spec.columns]
    if ignored:
        report.notes.append(f"Columns ignored: {', '.join(ignored)}.")
    if missing:
        if not dry_run:
            raise ImportRejected(report)
        return report
    if not table.rows:
        report.notes.append("The file has no rows under its header.")
    runner = RUNNERS[kind]
    report.batch = _batch_name()
    try:
        with transaction.atomic():
            runner(acting_user, table, report, errors, progress or (lambda _p, _m: None))
            if report.errors or dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        raise Conflict(
            f"Someone changed the same data while this file was imported; try again ({error})."
        ) from error
    report.errors.sort(
        key=lambda error: (
            error.row,
            spec.columns.index(error.column) if error.column in spec.columns else 99,
        )
    )
    if report.errors:
        report.created = report.updated = 0
        if not dry_run:
            raise ImportRejected(report)
        return report
    report.written = not dry_run
    return report


# -- people --------------------------------------------------------------------------------------

PERSON_FIELD_COLUMNS = {
    "name": "name",
    "email": "email",
    "role_id": "role",
    "business_unit_id": "business_unit",
    "calendar_id": "calendar",
    "fte": "fte",
    "start_date": "start_date",
    "end_date": "end_date",
    "manager_id": "manager",
    "user_id": "name",
    "skills": "skills",
    "is_active": "name",
}


@contextmanager
def _savepoint() -> Iterator[None]:
    with transaction.atomic():
        yield


def _people_run(
    acting_user: User,
    table: Table,
    report: ImportReport,
    errors: RowErrors,
    progress: Callable[[int, str], None],
) -> None:
    from steerco.resources.capacity_services import capacity_refresh_batched

    # Each row changes someone's capacity: rebuild everyone touched once, at the end.
    with capacity_refresh_batched():
        _people_rows(acting_user, table, report, errors, progress)


def _people_rows(
    acting_user: User,
    table: Table,
    report: ImportReport,
    errors: RowErrors,
    progress: Callable[[int, str], None],
) -> None:
    from steerco.resources.services import person_create, person_update

    organisation_id = organisation_id_of(acting_user)
    roles = {r.code.lower(): r.pk for r in Role.objects.filter(organisation_id=organisation_id)}
    units = {
        u.code.lower(): u.pk for u in BusinessUnit.objects.filter(organisation_id=organisation_id)
    }
    calendars = {
        c.name.lower(): c.pk for c in Calendar.objects.filter(organisation_id=organisation_id)
    }
    skills = {s.name.lower(): s.pk for s in Skill.objects.filter(organisation_id=organisation_id)}
    users: dict[str, int] = {}
    for user_id, username, email in User.objects.filter(
        organisation_id=organisation_id, is_active=True
    ).values_list("pk", "username", "email"):
        users[username.lower()] = user_id
        if email:
            users.setdefault(email.lower(), user_id)
    existing_by_email: dict[str, int] = {}
    existing_by_name: dict[str, list[int]] = defaultdict(list)
    for person_id, name, email in Person.objects.filter(
        organisation_id=organisation_id
    ).values_list("pk", "name", "email"):
        if email:
            existing_by_email[email.lower()] = person_id
        existing_by_name[name.lower()].append(person_id)
    seen: dict[str, int] = {}

    for index, row in enumerate(table.rows):
        if index % 200 == 0:
            progress(int(100 * index / max(1, len(table.rows))), f"Row {row.number}")
        values: dict[str, Any] = {"name": row.get("name"), "email": row.get("email")}
        identity = (values["email"] or values["name"]).lower()
        if identity and identity in seen:
            errors.add(
                row.number,
                "email" if values["email"] else "name",
                f"The same person as row {seen[identity]}.",
            )
            continue
        if identity:
            seen[identity] = row.number
        role = row.get("role")
        if role:
            if role.lower() not in roles:
                errors.add(row.number, "role", f"No role with the code {role}.")
            else:
                values["role_id"] = roles[role.lower()]
        unit = row.get("business_unit")
        if unit:
            if unit.lower() not in units:
                errors.add(row.number, "business_unit", f"No business unit with the code {unit}.")
            else:
                values["business_unit_id"] = units[unit.lower()]
        calendar_name = row.get("calendar")
        if calendar_name:
            if calendar_name.lower() not in calendars:
                errors.add(row.number, "calendar", f"No calendar called {calendar_name}.")
            else:
                values["calendar_id"] = calendars[calendar_name.lower()]
        manager = row.get("manager")
        if manager:
            if manager.lower() not in users:
                errors.add(row.number, "manager", f"No active user {manager} (username or email).")
            else:
                values["manager_id"] = users[manager.lower()]
        fte = row.get("fte")
        if fte:
            number = parse_amount(fte)
            if number is None:
                errors.add(row.number, "fte", f"{fte!r} is not a number.")
            else:
                values["fte"] = number
        for column in ("start_date", "end_date"):
            text = row.get(column)
            if text:
                day = parse_date(text)
                if day is None:
                    errors.add(row.number, column, f"{text!r} is not a date: use YYYY-MM-DD.")
                else:
                    values[column] = day
        skill_text = row.get("skills")
        if skill_text:
            levels: list[tuple[int, int]] = []
            for part in filter(None, (p.strip() for p in re.split(r"[;|]", skill_text))):
                skill_name, _, level_text = part.rpartition(":")
                if not skill_name:
                    skill_name, level_text = level_text, "3"
                skill_id = skills.get(skill_name.strip().lower())
                if skill_id is None:
                    errors.add(row.number, "skills", f"No skill called {skill_name.strip()}.")
                    continue
                if not level_text.strip().isdigit():
                    errors.add(row.number, "skills", f"Give {skill_name.strip()}'s level as 1-5.")
                    continue
                levels.append((skill_id, int(level_text)))
            values["skills"] = levels
        if errors.row_has_errors(row.number):
            continue

        matched: int | None = None
        if values["email"]:
            matched = existing_by_email.get(values["email"].lower())
        elif values["name"] and len(existing_by_name.get(values["name"].lower(), [])) == 1:
            matched = existing_by_name[values["name"].lower()][0]
        try:
            with _savepoint():
                if matched is None:
                    if "role_id" not in values:
                        errors.add(row.number, "role", "Give the person's role (its code).")
                        continue
                    person_create(acting_user=acting_user, **values)
                    report.created += 1
                else:
                    if not values["email"]:
                        values.pop("email")
                    person_update(acting_user=acting_user, person_id=matched, **values)
                    report.updated += 1
        except ValidationFailed as failure:
            for field_name, messages in failure.errors.items():
                for message in messages:
                    errors.add(row.number, PERSON_FIELD_COLUMNS.get(field_name, "name"), message)


# -- capacity ------------------------------------------------------------------------------------


class PeopleIndex:
    """Finds a person by email, else by their (unique) name."""

    def __init__(self, organisation_id: int) -> None:
        self.by_email: dict[str, tuple[int, int]] = {}
        self.by_name: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.names: dict[int, str] = {}
        for person_id, name, email, role_id in Person.objects.filter(
            organisation_id=organisation_id
        ).values_list("pk", "name", "email", "role_id"):
            if email:
                self.by_email[email.lower()] = (person_id, role_id)
            self.by_name[name.lower()].append((person_id, role_id))
            self.names[person_id] = name

    def find(self, text: str) -> tuple[tuple[int, int] | None, str]:
        key = text.strip().lower()
        if key in self.by_email:
            return self.by_email[key], ""
        matches = self.by_name.get(key, [])
        if len(matches) == 1:
            return matches[0], ""
        if len(matches) > 1:
            return None, f"{len(matches)} people are called {text}: use the email address."
        return None, f"No person with the email or name {text}."


def _capacity_run(
    acting_user: User,
    table: Table,
    report: ImportReport,
    errors: RowErrors,
    progress: Callable[[int, str], None],
) -> None:
    organisation_id = organisation_id_of(acting_user)
    people = PeopleIndex(organisation_id)
    roles = {
        r.code.lower(): (r.pk, r.code) for r in Role.objects.filter(organisation_id=organisation_id)
    }
    role_codes = {pk: code for pk, code in roles.values()}
    person_hours: dict[tuple[int, dt.date], tuple[int, Decimal]] = {}
    role_hours: dict[tuple[int, dt.date], Decimal] = {}
    first_row: dict[tuple[str, int, dt.date], int] = {}
    seen_key: tuple[str, int, dt.date]
    for row in table.rows:
        month_text, hours_text = row.get("month"), row.get("hours")
        month = parse_month(month_text)
        if month is None:
            errors.add(row.number, "month", f"{month_text!r} is not a month: use YYYY-MM.")
        hours = parse_amount(hours_text)
        person_text, role_text = row.get("person"), row.get("role")
        # A person has at most every hour of the month; a role's total is many people's.
        most = MAX_MONTH_HOURS if person_text else MAX_ROLE_MONTH_HOURS
        if hours is None:
            errors.add(row.number, "hours", f"{hours_text!r} is not a number of hours.")
        elif hours < 0 or hours > most:
            errors.add(row.number, "hours", f"Hours in a month run from 0 to {most}.")
        elif hours != hours.quantize(Decimal("0.01")):
            errors.add(row.number, "hours", "Give hours with at most two decimals.")
        person: tuple[int, int] | None = None
        role_id: int | None = None
        if role_text:
            found_role = roles.get(role_text.lower())
            if found_role is None:
                errors.add(row.number, "role", f"No role with the code {role_text}.")
            else:
                role_id = found_role[0]
        if person_text:
            person, problem = people.find(person_text)
            if person is None:
                errors.add(row.number, "person", problem)
            elif role_id is not None and role_id != person[1]:
                errors.add(
                    row.number,
                    "role",
                    f"{people.names[person[0]]}'s role is {role_codes[person[1]]}, not "
                    f"{role_text}: leave the role empty on person rows.",
                )
        elif not role_text:
            errors.add(row.number, "person", "Give a person (email or name) or a role (code).")
        if errors.row_has_errors(row.number) or month is None or hours is None:
            continue
        if person is not None:
            seen_key = ("person", person[0], month)
            if seen_key in first_row:
                errors.add(
                    row.number, "person", f"Same person and month as row {first_row[seen_key]}."
                )
                continue
            person_hours[(person[0], month)] = (person[1], hours)
        else:
            assert role_id is not None
            seen_key = ("role", role_id, month)
            if seen_key in first_row:
                errors.add(row.number, "role", f"Same role and month as row {first_row[seen_key]}.")
                continue
            role_hours[(role_id, month)] = hours
        first_row[seen_key] = row.number
    if report.errors:
        return
    progress(50, "Writing capacity")

    months = {month for _, month in person_hours} | {month for _, month in role_hours}
    existing_person = {
        (row.person_id, row.month): row
        for row in CapacityPeriod.objects.filter(
            organisation_id=organisation_id, person__isnull=False, month__in=months
        )
    }
    changed: list[CapacityPeriod] = []
    new: list[CapacityPeriod] = []
    for (person_id, month), (role_id, hours) in person_hours.items():
        current = existing_person.get((person_id, month))
        if current is None:
            new.append(
                CapacityPeriod(
                    organisation_id=organisation_id,
                    person_id=person_id,
                    role_id=role_id,
                    month=month,
                    hours=hours,
                )
            )
            report.created += 1
        elif current.hours != hours or current.role_id != role_id:
            current.hours, current.role_id = hours, role_id
            changed.append(current)
            report.updated += 1
        else:
            report.skipped += 1
    CapacityPeriod.objects.bulk_update(changed, ["hours", "role", "updated_at"], batch_size=1000)
    CapacityPeriod.objects.bulk_create(new, batch_size=1000)

    # A role's total is the sum of its people, unless the file states the total itself.
    touched = {(role_id, month) for (_, month), (role_id, _) in person_hours.items()}
    totals: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for role_id, month, hours in CapacityPeriod.objects.filter(
        organisation_id=organisation_id,
        person__isnull=False,
        role_id__in={role_id for role_id, _ in touched},
        month__in={month for _, month in touched},
    ).values_list("role_id", "month", "hours"):
        if (role_id, month) in touched:
            totals[(role_id, month)] += hours
    wanted = {key: totals[key] for key in touched}
    wanted.update(role_hours)
    existing_role = {
        (row.role_id, row.month): row
        for row in CapacityPeriod.objects.filter(
            organisation_id=organisation_id, person__isnull=True, month__in=months
        )
    }
    changed, new = [], []
    for (role_id, month), hours in wanted.items():
        current = existing_role.get((role_id, month))
        if current is None:
            new.append(
                CapacityPeriod(
                    organisation_id=organisation_id, role_id=role_id, month=month, hours=hours
                )
            )
        elif current.hours != hours:
            current.hours = hours
            changed.append(current)
    for key in role_hours:
        if key in existing_role and existing_role[key].hours == role_hours[key]:
            report.skipped += 1
        elif key in existing_role:
            report.updated += 1
        else:
            report.created += 1
    CapacityPeriod.objects.bulk_update(changed, ["hours", "updated_at"], batch_size=1000)
    CapacityPeriod.objects.bulk_create(new, batch_size=1000)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ACTION,
        entity_type="resources.capacityperiod",
        entity_id=report.batch,
        organisation_id=organisation_id,
        after={"file": report.filename, "created": report.created, "updated": report.updated},
        summary=f"Capacity imported from {report.filename} ({report.rows} rows)",
    )


# -- actuals -------------------------------------------------------------------------------------


def auto_reference(parts: Sequence[object]) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return f"AUTO-{digest[:24]}"


def _actuals_run(
    acting_user: User,
    table: Table,
    report: ImportReport,
    errors: RowErrors,
    progress: Callable[[int, str], None],
) -> None:
    organisation_id = organisation_id_of(acting_user)
    rules = CostLineRules.load(organisation_id)
    projects = {
        code.lower(): (pk, code, currency)
        for pk, code, currency in Project.objects.filter(
            organisation_id=organisation_id
        ).values_list("pk", "code", "currency")
    }
    categories = {
        c.code.lower(): c for c in CostCategory.objects.filter(organisation_id=organisation_id)
    }
    pending: list[tuple[Row, int, CostCategory, Any]] = []
    seen: dict[tuple[int, str], int] = {}
    other_sources = 0
    for row in table.rows:
        source = row.get("source").lower()
        if source and source != CostLine.Source.IMPORT:
            # An export of every cost line read back: lines entered by hand or posted from
            # timesheets are already in Steerco, and importing them would count them twice.
            other_sources += 1
            continue
        row_errors = Errors()
        project_text = row.get("project")
        project = projects.get(project_text.lower()) if project_text else None
        if project is None:
            errors.add(
                row.number,
                "project",
                f"No project with the code {project_text}."
                if project_text
                else "Give the project's code.",
            )
        category_text = row.get("cost_category")
        category = categories.get(category_text.lower()) if category_text else None
        if category is None:
            errors.add(
                row.number,
                "cost_category",
                f"No cost category with the code {category_text}."
                if category_text
                else "Give the cost category's code.",
            )
        month_text = row.get("month")
        month = parse_month(month_text)
        if month is None and month_text:
            row_errors.add("month", f"{month_text!r} is not a month: use YYYY-MM.")
            month_value: dt.date | None = None
        else:
            month_value = month
        date_text = row.get("date")
        date = parse_date(date_text) if date_text else None
        if date_text and date is None:
            row_errors.add("date", f"{date_text!r} is not a date: use YYYY-MM-DD.")
        if month_value is None and not month_text and date is not None:
            month_value = first_of_month(date)
        default_currency = (project[2] if project else "") or rules.currency
        checked = check_cost_line(
            row_errors,
            rules,
            category=category,
            month=month_value,
            amount=row.get("amount"),
            currency=row.get("currency"),
            date=date,
            expense_type=row.get("expense_type"),
            reference=row.get("reference"),
            description=row.get("description"),
            default_currency=default_currency,
            # A line already imported is skipped even in a closed month: checked below.
            check_locked=False,
        )
        for column, messages in row_errors.errors.items():
            for message in messages:
                errors.add(row.number, column, message)
        if errors.row_has_errors(row.number) or checked is None:
            continue
        assert project is not None and category is not None
        reference = checked.reference or auto_reference(
            (
                project[1],
                category.code,
                checked.month,
                checked.amount,
                checked.currency,
                checked.date or "",
                checked.description,
            )
        )
        key = (project[0], reference)
        if key in seen:
            errors.add(
                row.number,
                "reference",
                f"Same project and reference as row {seen[key]}"
                + ("." if checked.reference else ": give each line its own reference."),
            )
            continue
        seen[key] = row.number
        pending.append((row, project[0], category, (checked, reference)))
    if other_sources:
        report.notes.append(
            f"{other_sources} rows from other sources (entered by hand or from timesheets) "
            "were left out: they are already in Steerco."
        )
    if report.errors and not pending:
        return
    progress(40, "Comparing with cost lines already imported")

    already: dict[tuple[int, str], CostLine] = {}
    references = sorted({reference for _, _, _, (_, reference) in pending})
    for start in range(0, len(references), 500):
        for line in CostLine.objects.filter(
            organisation_id=organisation_id,
            source=CostLine.Source.IMPORT,
            reference__in=references[start : start + 500],
        ):
            already[(line.project_id, line.reference)] = line
    new: list[CostLine] = []
    touched: set[int] = set()
    for row, project_id, category, (checked, reference) in pending:
        existing = already.get((project_id, reference))
        if existing is not None:
            same = (
                existing.amount == checked.amount
                and existing.currency == checked.currency
                and existing.month == checked.month
                and existing.cost_category_id == category.pk
            )
            if same:
                report.skipped += 1
            else:
                errors.add(
                    row.number,
                    "reference",
                    f"{reference} was already imported as {existing.amount} {existing.currency} "
                    f"in {existing.month:%Y-%m}: give a correction its own reference.",
                )
            continue
        closed = closed_books_problem(rules, checked.month, checked.date)
        if closed:
            errors.add(row.number, "date" if checked.date else "month", closed)
            continue
        touched.add(project_id)
        new.append(
            CostLine(
                organisation_id=organisation_id,
                project_id=project_id,
                cost_category=category,
                month=checked.month,
                date=checked.date,
                expense_type=checked.expense_type,
                amount=checked.amount,
                currency=checked.currency,
                amount_org_currency=checked.amount_org_currency,
                source=CostLine.Source.IMPORT,
                reference=reference,
                description=checked.description,
                import_batch=report.batch,
                created_by=acting_user,
            )
        )
    if report.errors:
        return
    progress(70, "Writing cost lines")
    CostLine.objects.bulk_create(new, batch_size=1000)
    report.created = len(new)
    report.projects = sorted({projects[key][1] for key in projects if projects[key][0] in touched})
    total = sum((line.amount_org_currency for line in new), Decimal(0))
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ACTION,
        entity_type="finance.costline",
        entity_id=report.batch,
        organisation_id=organisation_id,
        after={
            "file": report.filename,
            "created": len(new),
            "skipped": report.skipped,
            "total_org_currency": total,
        },
        summary=f"{len(new)} cost lines imported from {report.filename} ({total} {rules.currency})",
    )


# -- timesheets ----------------------------------------------------------------------------------


def _timesheets_run(
    acting_user: User,
    table: Table,
    report: ImportReport,
    errors: RowErrors,
    progress: Callable[[int, str], None],
) -> None:
    organisation_id = organisation_id_of(acting_user)
    people = PeopleIndex(organisation_id)
    projects = {
        code.lower(): (pk, code)
        for pk, code in Project.objects.filter(organisation_id=organisation_id).values_list(
            "pk", "code"
        )
    }
    closed_until = locked_until(organisation_id)
    categories = {value: value for value in NON_PROJECT}
    categories.update({label.lower(): value for value, label in NON_PROJECT.items()})
    statuses = {
        "": Timesheet.Status.APPROVED,
        "approved": Timesheet.Status.APPROVED,
        "submitted": Timesheet.Status.SUBMITTED,
        "draft": Timesheet.Status.DRAFT,
    }
    # Task numbers are checked against the projects the file names, in one query.
    task_numbers: dict[int, set[int]] = defaultdict(set)
    for row in table.rows:
        named = projects.get(row.get("project").lower())
        if named is not None and row.get("task").isdigit():
            task_numbers[named[0]].add(int(row.get("task")))
    tasks: dict[tuple[int, int], int] = {}
    if task_numbers:
        condition = Q()
        for numbered_project, numbers in task_numbers.items():
            condition |= Q(project_id=numbered_project, uid__in=numbers)
        for pk, task_project, uid in Task.objects.filter(condition).values_list(
            "pk", "project_id", "uid"
        ):
            tasks[(task_project, uid)] = pk

    entries: list[tuple[int, int, dt.date, TimesheetEntry, str]] = []
    day_hours: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    day_first_row: dict[tuple[int, dt.date], int] = {}
    for row in table.rows:
        person_text = row.get("person")
        person: tuple[int, int] | None = None
        if not person_text:
            errors.add(row.number, "person", "Give the person's email or name.")
        else:
            person, problem = people.find(person_text)
            if person is None:
                errors.add(row.number, "person", problem)
        date_text = row.get("date")
        day = parse_date(date_text)
        if day is None:
            errors.add(row.number, "date", f"{date_text!r} is not a date: use YYYY-MM-DD.")
        elif closed_until is not None and day <= closed_until:
            errors.add(row.number, "date", f"The books are closed until {closed_until}.")
        hours_text = row.get("hours")
        hours = parse_amount(hours_text)
        if hours is None:
            errors.add(row.number, "hours", f"{hours_text!r} is not a number of hours.")
        elif not Decimal(0) < hours <= Decimal(24):
            errors.add(row.number, "hours", "Hours on a day run from more than 0 to 24.")
        elif hours != hours.quantize(Decimal("0.01")):
            errors.add(row.number, "hours", "Give hours with at most two decimals.")
        project_text, category_text = row.get("project"), row.get("category")
        project_id: int | None = None
        category = ""
        if project_text and category_text:
            errors.add(
                row.number, "category", "Give a project or a non-project category, not both."
            )
        elif project_text:
            found = projects.get(project_text.lower())
            if found is None:
                errors.add(row.number, "project", f"No project with the code {project_text}.")
            else:
                project_id = found[0]
        elif category_text:
            category = categories.get(category_text.lower(), "")
            if not category:
                errors.add(row.number, "category", f"Use one of: {', '.join(NON_PROJECT)}.")
        else:
            errors.add(row.number, "project", "Give a project code or a non-project category.")
        task_id: int | None = None
        task_text = row.get("task")
        if task_text:
            if project_id is None and not errors.row_has_errors(row.number):
                errors.add(row.number, "task", "A task needs a project.")
            elif project_id is not None:
                if not task_text.isdigit() or (project_id, int(task_text)) not in tasks:
                    errors.add(row.number, "task", f"{project_text} has no task {task_text}.")
                else:
                    task_id = tasks[(project_id, int(task_text))]
        status_text = row.get("status").lower()
        if status_text not in statuses:
            errors.add(row.number, "status", "Use approved, submitted or draft.")
        note = row.get("note")
        if len(note) > 300:
            errors.add(row.number, "note", "Keep the note to 300 characters.")
        if errors.row_has_errors(row.number):
            continue
        assert person is not None and day is not None and hours is not None
        key = (person[0], day)
        day_hours[key] += hours
        day_first_row.setdefault(key, row.number)
        if day_hours[key] > 24:
            errors.add(
                row.number,
                "hours",
                f"{people.names[person[0]]} has more than 24 hours on {day} "
                f"(with row {day_first_row[key]}).",
            )
            continue
        week = day - dt.timedelta(days=day.weekday())
        entries.append(
            (
                person[0],
                row.number,
                week,
                TimesheetEntry(
                    project_id=project_id,
                    task_id=task_id,
                    non_project_category=category,
                    date=day,
                    hours=hours,
                    note=note,
                ),
                statuses[status_text],
            )
        )

    weeks = {(person_id, week) for person_id, _, week, _, _ in entries}
    existing = {
        (person_id, week): status
        for person_id, week, status in Timesheet.objects.filter(
            organisation_id=organisation_id,
            person_id__in={person_id for person_id, _ in weeks},
            week_start__in={week for _, week in weeks},
        ).values_list("person_id", "week_start", "status")
    }
    sheet_status: dict[tuple[int, dt.date], tuple[str, int]] = {}
    for person_id, row_number, week, _, status in entries:
        key = (person_id, week)
        if key in existing:
            errors.add(
                row_number,
                "date",
                f"{people.names[person_id]} already has a timesheet for the week of {week} "
                f"({existing[key]}): change it there.",
            )
        elif key in sheet_status and sheet_status[key][0] != status:
            errors.add(
                row_number,
                "status",
                f"Row {sheet_status[key][1]} gives the same week another status.",
            )
        sheet_status.setdefault(key, (status, row_number))
    if report.errors:
        return
    progress(60, "Writing timesheets")
    now = timezone.now()
    sheets = {
        key: Timesheet(
            organisation_id=organisation_id,
            person_id=key[0],
            week_start=key[1],
            status=status,
            submitted_at=now if status != Timesheet.Status.DRAFT else None,
            decided_by=acting_user if status == Timesheet.Status.APPROVED else None,
            decided_at=now if status == Timesheet.Status.APPROVED else None,
        )
        for key, (status, _) in sheet_status.items()
    }
    Timesheet.objects.bulk_create(sheets.values(), batch_size=1000)
    for person_id, _, week, entry, status in entries:
        entry.timesheet = sheets[(person_id, week)]
        if status == Timesheet.Status.APPROVED:
            # An approved week's lines are approved with it, by whoever imports it.
            entry.approved_by, entry.approved_at = acting_user, now
    TimesheetEntry.objects.bulk_create([entry for *_, entry, _ in entries], batch_size=1000)
    report.created = len(entries)
    report.projects = sorted(
        {code for pk, code in projects.values() if pk in {e.project_id for *_, e, _ in entries}}
    )
    approved_tasks = {
        entry.task_id
        for *_, entry, status in entries
        if entry.task_id is not None and status == Timesheet.Status.APPROVED
    }
    _roll_up_tasks(approved_tasks)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ACTION,
        entity_type="resources.timesheet",
        entity_id=report.batch,
        organisation_id=organisation_id,
        after={"file": report.filename, "timesheets": len(sheets), "entries": len(entries)},
        summary=f"{len(sheets)} timesheets imported from {report.filename}",
    )


def _roll_up_tasks(task_ids: Iterable[int]) -> None:
    """Approved hours feed the tasks' actual work and cost, as an approval would."""
    ids = [task_id for task_id in task_ids if task_id is not None]
    if not ids:
        return
    try:
        from steerco.resources.timesheet_services import timesheet_rollup_tasks
    except ImportError:  # pragma: no cover - the timesheet module ships with resources
        return
    timesheet_rollup_tasks(ids)


RUNNERS: dict[
    str, Callable[[User, Table, ImportReport, RowErrors, Callable[[int, str], None]], None]
] = {
    "people": _people_run,
    "capacity": _capacity_run,
    "actuals": _actuals_run,
    "timesheets": _timesheets_run,
}


def template_csv(kind: str) -> str:
    """A CSV with the kind's header and an example row, for users to start from."""
    spec = KINDS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.columns)
    for example in spec.example:
        writer.writerow(list(example) + [""] * (len(spec.columns) - len(example)))
    return buffer.getvalue()


# -- uploads kept between the dry run and the import ---------------------------------------------

STASH_SALT = "steerco.finance.import"
STASH_MAX_AGE = 60 * 60  # seconds a checked file waits for its confirmation
IMPORT_JOB_KIND = "finance.import"


@dataclass(frozen=True, slots=True)
class StashedFile:
    kind: str
    filename: str
    path: str
    content: bytes


def stash_upload(*, acting_user: User, kind: str, filename: str, content: bytes) -> str:
    """Keep an uploaded file until it is confirmed; answer a signed token naming it."""
    from django.core import signing
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    _drop_expired_stashes()
    extension = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    path = default_storage.save(
        f"imports/{secrets.token_hex(16)}.{extension}", ContentFile(content)
    )
    return signing.dumps(
        {"path": path, "kind": kind, "user": acting_user.pk, "filename": filename[:200]},
        salt=STASH_SALT,
    )


def stashed_file(*, acting_user: User, token: str) -> StashedFile:
    """The file a token names, if it is this user's and not too old."""
    from django.core import signing
    from django.core.files.storage import default_storage

    expired = ValidationFailed({"file": ["This upload has expired: upload the file again."]})
    try:
        data = signing.loads(token, salt=STASH_SALT, max_age=STASH_MAX_AGE)
    except signing.BadSignature:
        raise expired from None
    if data.get("user") != acting_user.pk or not str(data.get("path", "")).startswith("imports/"):
        raise expired
    try:
        with default_storage.open(data["path"], "rb") as handle:
            content = handle.read()
    except OSError:
        raise expired from None
    return StashedFile(data["kind"], data["filename"], data["path"], content)


def _drop_expired_stashes() -> None:
    """Files checked but never confirmed are deleted once their token has expired."""
    from django.core.files.storage import default_storage

    cutoff = timezone.now() - dt.timedelta(seconds=STASH_MAX_AGE * 2)
    try:
        _, names = default_storage.listdir("imports")
    except (FileNotFoundError, NotImplementedError):
        return
    for name in names:
        path = f"imports/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def drop_stash(path: str) -> None:
    from django.core.files.storage import default_storage

    if path.startswith("imports/"):
        default_storage.delete(path)
