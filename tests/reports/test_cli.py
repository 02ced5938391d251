"""``steerco report pack`` and ``steerco report send`` on the small portfolio."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from steerco.cli import main
from steerco.reports.services import subscription_create

pytestmark = pytest.mark.django_db


def test_pack_writes_a_pdf_of_all_portfolios(world, tmp_path, capsys):
    out = tmp_path / "packs" / "board.pdf"

    code = main(["report", "pack", "--date", "2026-03-15", "--out", str(out)])

    assert code == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    printed = capsys.readouterr().out
    assert f"Wrote {out}: 8 pages" in printed
    assert "  8  DIG-1 Customer portal" in printed  # the mission-critical project's page


def test_pack_of_an_unknown_portfolio_fails(world, tmp_path, capsys):
    code = main(["report", "pack", "--portfolio", "NOPE", "--out", str(tmp_path / "x.pdf")])

    assert code == 2
    assert "No portfolio NOPE" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_pack_needs_an_organisation_when_there_are_several(world, other_org, tmp_path):
    with pytest.raises(SystemExit, match="Name the organisation with --organisation CODE"):
        main(["report", "pack", "--out", str(tmp_path / "x.pdf")])


def test_send_dry_run_lists_what_is_due(world, capsys):
    executive = world.org.user("executive")
    executive.email = "exec@acme.example"
    executive.save()
    subscription_create(acting_user=executive, portfolio_id=world.ops.pk, frequency="weekly")

    code = main(["report", "send", "--date", dt.date(2026, 3, 16).isoformat(), "--dry-run"])

    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == [
        executive.username, "exec@acme.example", "Operations", "2026-W12", "would send",
    ]  # fmt: skip
    assert lines[-1] == "1 packs due, 0 sent."
    assert mail.outbox == []
