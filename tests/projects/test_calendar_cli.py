"""``steerco calendar list|show|holiday-add|import-holidays``."""

from __future__ import annotations

import datetime
import json

import pytest

from steerco.cli import main
from steerco.core.models import AuditEntry
from steerco.projects.models import CalendarException
from tests.factories import CalendarExceptionFactory, CalendarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(org):
    calendar = CalendarFactory(organisation=org.organisation, name="Head office", is_default=True)
    CalendarExceptionFactory(
        calendar=calendar, name="Labour Day", start_date=datetime.date(2026, 5, 1)
    )
    return calendar


def test_list_and_show(org, calendar, capsys):
    CalendarFactory(organisation=org.organisation, name="Night shift", base_calendar=calendar)
    assert main(["calendar", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["default"], c["base_calendar"]) for c in listed["calendars"]] == [
        ("Head office", True, None),
        ("Night shift", False, "Head office"),
    ]
    assert listed["calendars"][0]["hours_per_week"] == "40.00"

    assert main(["calendar", "show", "head office"]) == 0
    out = capsys.readouterr().out
    assert "Head office (default) · UTC · 8.00 h/day" in out
    assert "Monday    08:00-12:00, 13:00-17:00" in out
    assert "2026-05-01             Labour Day" in out

    assert main(["calendar", "show", "Nowhere"]) == 1
    assert "No calendar 'Nowhere' in ACME (calendars: Head office, Night shift)." in (
        capsys.readouterr().err
    )


def test_holiday_add_checks_and_audits(org, calendar, capsys):
    code = main(
        ["calendar", "holiday-add", "Head office", "2026-12-24", "Christmas", "--to", "2026-12-26"]
    )
    assert code == 0
    assert "Added Christmas (2026-12-24 to 2026-12-26) to Head office." in capsys.readouterr().out
    holiday = CalendarException.objects.get(name="Christmas")
    assert holiday.finish_date == datetime.date(2026, 12, 26)
    assert AuditEntry.objects.get(entity_id=str(holiday.pk)).actor == org.user("administrator")

    assert main(["calendar", "holiday-add", "Head office", "2026-12-25", "Boxing Day"]) == 1
    assert "start_date: Overlaps Christmas (2026-12-24 to 2026-12-26)." in capsys.readouterr().err

    refused = main(
        [
            "calendar",
            "holiday-add",
            "Head office",
            "2026-06-01",
            "Mine",
            "--user",
            "acme-team_member",
        ]
    )
    assert refused == 1
    assert "Only administrators and PMO analysts" in capsys.readouterr().err


def test_import_holidays_dry_run_then_real_then_rejected(org, calendar, capsys, tmp_path):
    good = tmp_path / "holidays.csv"
    good.write_text("date,name\n2026-12-25,Christmas Day\n2026-05-01,Labour Day\n")

    assert main(["calendar", "import-holidays", "Head office", str(good), "--dry-run"]) == 0
    assert "1 to add to Head office, 1 already there. Nothing written (dry run)." in (
        capsys.readouterr().out
    )
    assert CalendarException.objects.count() == 1

    assert main(["calendar", "import-holidays", "Head office", str(good), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["skipped"], report["errors"]) == (1, 1, [])
    assert CalendarException.objects.count() == 2

    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,New Year\n2027-13-01,Nope\n2027-04-05,\n")
    assert main(["calendar", "import-holidays", "Head office", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.csv:2: '2027-13-01' is not a date (YYYY-MM-DD)." in out
    assert "bad.csv:3: 2027-04-05: the holiday needs a name." in out
    assert "2 bad line(s) in bad.csv: nothing imported." in out
    assert not CalendarException.objects.filter(name="New Year").exists()
