"""Imports: a dry run lists every bad row and writes nothing; an import is all or nothing;
re-importing actuals never double counts; CSV and XLSX read the same."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from steerco.core.errors import AccessDenied, ValidationFailed
from steerco.finance import selectors
from steerco.finance.imports import ImportRejected, import_file
from steerco.finance.models import CostLine
from steerco.resources.models import CapacityPeriod, Person, Timesheet, TimesheetEntry
from tests.finance.conftest import AS_OF

pytestmark = pytest.mark.django_db
D = Decimal

ACTUALS_HEADER = ["Project", "Cost category", "Month", "Amount", "Currency", "Reference", "Date",
                  "Description"]  # fmt: skip
GOOD_ACTUALS = [
    ["ALPHA", "LAB", "2026-03", "1200.50", "", "INV-100", "2026-03-04", "Contractor"],
    ["ALPHA", "HW", "2026-03", "300", "EUR", "INV-101", "", "Laptop"],
    ["BRAVO", "LAB", "2026-03", "1000", "", "INV-200", "", "Consultancy, March"],
    ["BRAVO", "LAB", "2026-03", "-100", "USD", "CN-200", "", "Credit note"],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_spreadsheet(rows: list[list[str]]) -> list[list[object]]:
    """The same rows as a spreadsheet user would type them: numbers and dates as such."""
    typed: list[list[object]] = [list(rows[0])]
    for row in rows[1:]:
        cells: list[object] = []
        for index, cell in enumerate(row):
            if index == 3 and cell:
                cells.append(float(cell))
            elif index == 2 and cell:
                cells.append(dt.datetime.fromisoformat(cell + "-01"))
            elif index == 6 and cell:
                cells.append(dt.datetime.fromisoformat(cell))
            else:
                cells.append(cell or None)
        typed.append(cells)
    return typed


def run(user, kind, rows, *, dry_run, file_format="csv"):
    if file_format == "csv":
        content, name = csv_bytes(rows), f"{kind}.csv"
    else:
        content, name = (
            xlsx_bytes(as_spreadsheet(rows) if kind == "actuals" else rows),
            f"{kind}.xlsx",
        )
    return import_file(acting_user=user, kind=kind, filename=name, content=content, dry_run=dry_run)


def test_a_dry_run_lists_every_bad_row_and_writes_nothing(world):
    before = CostLine.objects.count()
    rows = [
        ACTUALS_HEADER,
        GOOD_ACTUALS[0],
        ["NOPE", "LAB", "2026-03", "10", "", "INV-1", "", ""],
        ["ALPHA", "LAB", "2026-13", "12,5x", "", "INV-2", "", ""],
        ["ALPHA", "LAB", "2026-03", "10", "GBP", "INV-3", "", ""],
        ["ALPHA", "LAB", "2026-03", "10", "", "INV-100", "", ""],
        ["ALPHA", "", "2026-03", "10", "", "INV-4", "2026-04-02", ""],
        GOOD_ACTUALS[1],
    ]
    report = run(world.org.user("pmo_analyst"), "actuals", rows, dry_run=True)
    assert [(error.row, error.column) for error in report.errors] == [
        (3, "project"),
        (4, "month"),
        (4, "amount"),
        (5, "currency"),
        (6, "reference"),
        (7, "cost_category"),
        (7, "date"),
    ]
    reasons = {(error.row, error.column): error.reason for error in report.errors}
    assert reasons[(3, "project")] == "No project with the code NOPE."
    assert "No exchange rate for GBP" in reasons[(5, "currency")]
    assert reasons[(6, "reference")] == "Same project and reference as row 2."
    assert report.bad_rows == 5 and not report.written
    assert report.error_dict()["row 4, column amount"] == [
        "'12,5x' is not an amount: use digits and a point."
    ]
    assert CostLine.objects.count() == before


def test_a_file_with_one_bad_row_imports_nothing(world):
    before = CostLine.objects.count()
    rows = [ACTUALS_HEADER, *GOOD_ACTUALS, ["ALPHA", "LAB", "2026-03", "abc", "", "INV-9", "", ""]]
    with pytest.raises(ImportRejected) as rejected:
        run(world.org.user("pmo_analyst"), "actuals", rows, dry_run=False)
    assert rejected.value.errors == {
        "row 6, column amount": ["'abc' is not an amount: use digits and a point."]
    }
    assert CostLine.objects.count() == before


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_good_actuals_file_imports_every_row_and_a_reimport_adds_nothing(world, file_format):
    pmo = world.org.user("pmo_analyst")
    rows = [ACTUALS_HEADER, *GOOD_ACTUALS]
    dry = run(pmo, "actuals", rows, dry_run=True, file_format=file_format)
    assert (dry.ok, dry.created, dry.written) == (True, 4, False)
    report = run(pmo, "actuals", rows, dry_run=False, file_format=file_format)
    assert (report.created, report.skipped, report.written) == (4, 0, True)
    assert report.projects == ["ALPHA", "BRAVO"]
    lines = {
        line.reference: (line.amount, line.currency, line.amount_org_currency, line.expense_type)
        for line in CostLine.objects.filter(import_batch=report.batch)
    }
    assert lines == {
        "INV-100": (D("1200.50"), "EUR", D("1200.50"), "opex"),
        "INV-101": (D("300.00"), "EUR", D("300.00"), "capex"),
        # BRAVO's lines default to its USD, at March's 0.80.
        "INV-200": (D("1000.00"), "USD", D("800.00"), "opex"),
        "CN-200": (D("-100.00"), "USD", D("-80.00"), "opex"),
    }
    actual = selectors.project_financials(pmo, world.bravo.pk, as_of=AS_OF).actual
    assert actual == D("1170.00")  # 450 + 800 - 80

    again = run(pmo, "actuals", rows, dry_run=False, file_format=file_format)
    assert (again.created, again.skipped) == (0, 4)
    assert selectors.project_financials(pmo, world.bravo.pk, as_of=AS_OF).actual == actual


def test_lines_without_a_reference_are_not_counted_twice_either(world):
    pmo = world.org.user("pmo_analyst")
    rows = [ACTUALS_HEADER, ["ALPHA", "LAB", "2026-03", "50", "", "", "", "Taxi"]]
    first = run(pmo, "actuals", rows, dry_run=False)
    assert first.created == 1
    assert CostLine.objects.get(import_batch=first.batch).reference.startswith("AUTO-")
    assert run(pmo, "actuals", rows, dry_run=False).skipped == 1
    twice = [*rows, rows[1]]
    report = run(pmo, "actuals", twice, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "reference")]


def test_a_reference_imported_with_other_figures_is_an_error(world):
    pmo = world.org.user("pmo_analyst")
    run(pmo, "actuals", [ACTUALS_HEADER, GOOD_ACTUALS[0]], dry_run=False)
    changed = [ACTUALS_HEADER, ["ALPHA", "LAB", "2026-03", "1300", "", "INV-100", "", ""]]
    report = run(pmo, "actuals", changed, dry_run=True)
    assert report.errors[0].reason == (
        "INV-100 was already imported as 1200.50 EUR in 2026-03: give a correction its own "
        "reference."
    )


def test_a_missing_column_is_reported_on_the_header_row(world):
    report = run(
        world.org.user("pmo_analyst"),
        "actuals",
        [["project", "month"], ["ALPHA", "2026-03"]],
        dry_run=True,
    )
    assert [(e.row, e.column) for e in report.errors] == [(1, "cost_category"), (1, "amount")]


def test_an_unreadable_file_is_a_file_error(world):
    with pytest.raises(ValidationFailed) as failure:
        import_file(
            acting_user=world.org.user("pmo_analyst"),
            kind="actuals",
            filename="a.xlsx",
            content=b"not a zip",
            dry_run=True,
        )
    assert "file" in failure.value.errors
    with pytest.raises(ValidationFailed):
        import_file(
            acting_user=world.org.user("pmo_analyst"),
            kind="actuals",
            filename="a.pdf",
            content=b"x",
            dry_run=True,
        )


def test_who_imports_what(world):
    rows = [ACTUALS_HEADER, GOOD_ACTUALS[0]]
    with pytest.raises(AccessDenied):
        run(world.org.user("resource_manager"), "actuals", rows, dry_run=True)
    with pytest.raises(AccessDenied):
        run(world.pm, "people", [["name", "role"], ["X", "DEV"]], dry_run=True)
    assert run(
        world.org.user("resource_manager"), "people", [["name", "role"], ["X", "DEV"]], dry_run=True
    ).ok


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_people_are_added_and_updated_with_the_person_rules(world, file_format):
    manager = world.org.user("resource_manager")
    rows = [
        ["name", "role", "email", "fte", "start_date", "manager"],
        ["Grace Hopper", "DEV", "grace@acme.test", "0.8", "2026-04-01", manager.username],
        ["Ada", "DEV", "ada@acme.test", "0.5", "", ""],
        ["Alan Turing", "MATH", "alan@acme.test", "3", "01/04/2026", "nobody"],
        ["Ada Again", "DEV", "ADA@acme.test", "1", "", ""],
    ]
    report = run(manager, "people", rows, dry_run=True, file_format=file_format)
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "role"),
        (4, "start_date"),
        (4, "manager"),
        (5, "email"),
    ]
    assert not Person.objects.filter(name="Grace Hopper").exists()
    fixed = [rows[0], rows[1], rows[2], ["Alan Turing", "DEV", "alan@acme.test", "3", "", ""]]
    with pytest.raises(ImportRejected) as rejected:
        run(manager, "people", fixed, dry_run=False, file_format=file_format)
    # The person service's own rule, reported on the file's column.
    assert rejected.value.errors == {
        "row 4, column fte": ["Full-time equivalent runs from 0 to 1.5."]
    }
    assert Person.objects.get(pk=world.ada.pk).fte == D("1.00")
    fixed[3][3] = "1"
    report = run(manager, "people", fixed, dry_run=False, file_format=file_format)
    assert (report.created, report.updated) == (2, 1)
    grace = Person.objects.get(email="grace@acme.test")
    assert (grace.fte, grace.start_date, grace.manager) == (D("0.80"), dt.date(2026, 4, 1), manager)
    assert Person.objects.get(pk=world.ada.pk).fte == D("0.50")


def test_capacity_by_person_and_role_and_month(world):
    manager = world.org.user("resource_manager")
    rows = [
        ["person", "role", "month", "hours"],
        ["ada@acme.test", "", "2026-03", "120"],
        ["", "DEV", "2026-04", "1000"],
        ["Nobody", "", "2026-03", "10"],
        ["ada@acme.test", "", "March", "-1"],
        ["ada@acme.test", "OPS", "2026-05", "10"],
    ]
    report = run(manager, "capacity", rows, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "person"),
        (5, "month"),
        (5, "hours"),
        (6, "role"),
    ]
    assert not CapacityPeriod.objects.exists()
    report = run(manager, "capacity", rows[:3], dry_run=False)
    assert report.created == 2
    hours = {
        (row.person_id, row.role.code, row.month): row.hours
        for row in CapacityPeriod.objects.select_related("role")
    }
    assert hours == {
        (world.ada.pk, "DEV", dt.date(2026, 3, 1)): D("120.00"),
        # The role total of March follows its people; April's is given.
        (None, "DEV", dt.date(2026, 3, 1)): D("120.00"),
        (None, "DEV", dt.date(2026, 4, 1)): D("1000.00"),
    }
    again = run(manager, "capacity", rows[:3], dry_run=False)
    assert (again.created, again.skipped) == (0, 2)


def test_imported_timesheets_are_approved_and_count_as_actual_cost(world):
    manager = world.org.user("resource_manager")
    rows = [
        ["person", "date", "hours", "project", "category", "note"],
        ["ada@acme.test", "2026-03-02", "8", "ALPHA", "", "Build"],
        ["Ada", "2026-03-03", "4", "", "training", ""],
        ["ada@acme.test", "2026-02-10", "2", "ALPHA", "", ""],
        ["ada@acme.test", "2026-03-04", "30", "ALPHA", "", ""],
        ["ada@acme.test", "2026-03-05", "1", "ZULU", "", ""],
        ["ada@acme.test", "2026-03-05", "1", "", "", ""],
    ]
    report = run(manager, "timesheets", rows, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "date"),
        (5, "hours"),
        (6, "project"),
        (7, "project"),
    ]
    assert "already has a timesheet for the week of 2026-02-09" in report.errors[0].reason
    report = run(manager, "timesheets", rows[:3], dry_run=False)
    assert report.created == 2
    sheet = Timesheet.objects.get(person=world.ada, week_start=dt.date(2026, 3, 2))
    assert (sheet.status, sheet.decided_by) == ("approved", manager)
    assert TimesheetEntry.objects.filter(timesheet=sheet).count() == 2
    # 8 h at Ada's 60 join February's 880 of live timesheet cost.
    figures = selectors.project_financials(
        world.org.user("pmo_analyst"), world.alpha.pk, as_of=AS_OF
    )
    assert {s.source: s.amount for s in figures.sources}["timesheet_live"] == D("1360.00")
    again = run(manager, "timesheets", rows[:3], dry_run=True)
    assert {e.column for e in again.errors} == {"date"}


def test_closed_books_refuse_new_lines_but_a_reimport_is_still_skipped(world):
    from tests.factories import LockedPeriodFactory

    pmo = world.org.user("pmo_analyst")
    rows = [ACTUALS_HEADER, *GOOD_ACTUALS]
    run(pmo, "actuals", rows, dry_run=False)
    LockedPeriodFactory(organisation=world.org.organisation, until=dt.date(2026, 3, 31))
    again = run(pmo, "actuals", rows, dry_run=False)
    assert (again.ok, again.skipped, again.created) == (True, 4, 0)
    late = [ACTUALS_HEADER, ["ALPHA", "LAB", "2026-03", "1", "", "NEW-1", "2026-03-20", ""]]
    report = run(pmo, "actuals", late, dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "date")]
    assert report.errors[0].reason.startswith("The books are closed until 2026-03-31")
