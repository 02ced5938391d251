"""The generic XLSX exporter: a round trip through openpyxl keeps values, types and text."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from steerco.reports.xlsx import (
    Column,
    ColumnSpec,
    Sheet,
    export_workbook,
    export_xlsx,
    sheet_title,
)
from tests.reports.conftest import sheet_rows


@dataclass
class Row:
    code: str
    budget: Decimal
    start: dt.date
    seen: dt.datetime
    done: bool
    owner: object | None = None


@dataclass
class Owner:
    name: str

    def greeting(self) -> str:
        return f"Hello {self.name}"


def first_sheet(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_round_trip_keeps_types():
    rows = [
        Row("P-1", Decimal("1234.50"), dt.date(2026, 3, 1), dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC), True, Owner("Ana")),
        Row("P-2", Decimal("0"), dt.date(2026, 4, 1), dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC), False),
    ]  # fmt: skip
    columns: list[ColumnSpec] = [
        ("code", "Code"),
        ("budget", "Budget", "money"),
        ("start", "Start", "date"),
        ("seen", "Seen", "datetime"),
        ("done", "Done"),
        ("owner.name", "Owner"),
        ("owner.greeting", "Greeting"),
        Column("double", "Double", kind="money", value=lambda row: row.budget * 2),
    ]

    content = export_xlsx(rows, columns, "Projects")

    assert content[:2] == b"PK"
    sheet = first_sheet(content)
    assert sheet.title == "Projects"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H3"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Code", "Budget", "Start", "Seen", "Done", "Owner", "Greeting", "Double")
    assert values[1] == (
        "P-1", 1234.5, dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 2, 9, 30), True,
        "Ana", "Hello Ana", 2469,
    )  # fmt: skip
    assert values[2][5:7] == (None, None)
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["A1"].font.b is True


def test_text_that_looks_like_a_formula_stays_text():
    content = export_xlsx(
        [{"name": '=HYPERLINK("http://evil.example","click")', "note": "+1", "bad": "a\x00b"}],
        [("name", "Name"), ("note", "Note"), ("bad", "Bad")],
        "Injection",
    )

    sheet = first_sheet(content)
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["B2"].value == "+1"
    assert sheet["C2"].value == "ab"  # control characters Excel refuses are dropped


def test_several_sheets_with_clean_unique_titles():
    content = export_workbook(
        [
            Sheet("Budget: 2026/27 [draft]", [{"a": 1}], [("a", "A")]),
            Sheet("Budget: 2026/27 [draft]", [{"a": 2}], [("a", "A")]),
            Sheet("Empty", [], [("a", "A")]),
        ]
    )

    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Budget  2026 27  draft", "Budget  2026 27  draft 2", "Empty"]
    assert sheet_rows(content, "Empty") == [("A",)]
    assert sheet_title("x" * 40) == "x" * 31


def test_many_rows_stream():
    rows = ({"n": index, "label": f"row {index}"} for index in range(5000))

    content = export_xlsx(rows, [("n", "N", "integer"), ("label", "Label")], "Big")

    values = sheet_rows(content)
    assert len(values) == 5001
    assert values[-1] == (4999, "row 4999")
