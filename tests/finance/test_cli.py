"""``steerco import`` and ``steerco export`` on the command line."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from steerco.cli import main
from steerco.finance.models import CostLine

pytestmark = pytest.mark.django_db

HEADER = "project,cost_category,month,amount,reference\n"


def test_a_dry_run_prints_every_bad_row_and_an_import_writes_the_good_file(world, tmp_path, capsys):
    bad = tmp_path / "actuals.csv"
    bad.write_text(
        HEADER + "ALPHA,LAB,2026-03,10,R1\nNOPE,LAB,2026-03,1,R2\nALPHA,XX,2026-03,y,R3\n"
    )
    assert main(["import", "actuals", str(bad), "--organisation", "ACME", "--dry-run"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "row 3, column project: No project with the code NOPE.",
        "row 4, column cost_category: No cost category with the code XX.",
        "row 4, column amount: 'y' is not an amount: use digits and a point.",
        "2 bad rows of 3 in actuals.csv: nothing written.",
    ]
    assert main(["import", "actuals", str(bad), "--organisation", "ACME"]) == 1
    assert capsys.readouterr().out.endswith("2 bad rows of 3 in actuals.csv: nothing written.\n")
    assert not CostLine.objects.filter(reference="R1").exists()

    good = tmp_path / "fixed.csv"
    good.write_text(HEADER + "ALPHA,LAB,2026-03,10,R1\nBRAVO,LAB,2026-03,1,R2\n")
    assert (
        main(
            ["import", "actuals", str(good), "--organisation", "ACME", "--user", "acme-pmo_analyst"]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("Imported fixed.csv: 2 created, 0 updated, 0 already")
    assert CostLine.objects.filter(reference__in=["R1", "R2"]).count() == 2
    assert main(["import", "actuals", str(good), "--json"]) == 0
    assert '"skipped": 2' in capsys.readouterr().out


def test_an_import_the_user_may_not_make_is_refused(world, tmp_path, capsys):
    good = tmp_path / "a.csv"
    good.write_text(HEADER + "ALPHA,LAB,2026-03,10,R1\n")
    assert main(["import", "actuals", str(good), "--user", "acme-resource_manager"]) == 2
    assert "may not import actuals" in capsys.readouterr().err
    assert main(["import", "actuals", str(tmp_path / "missing.csv")]) == 2


def test_export_to_csv_and_xlsx(world, tmp_path, capsys):
    out = tmp_path / "actuals.csv"
    assert main(["export", "actuals", "--out", str(out), "--project", "ALPHA"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {row["project"] for row in rows} == {"ALPHA"}
    assert sorted(row["amount"] for row in rows) == ["1100.00", "1900.00", "400.00", "999.00"]
    xlsx = tmp_path / "timesheets.xlsx"
    assert main(["export", "timesheets", "--out", str(xlsx)]) == 0
    sheet = load_workbook(xlsx).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("person", "date", "hours", "project", "task", "category", "note", "status")
    assert len(values) == 4
    assert main(["export", "people", "--out", str(tmp_path / "people.pdf")]) == 2
