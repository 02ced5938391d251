"""``steerco governance gates`` and ``steerco governance remind-status-reports``."""

from __future__ import annotations

import datetime
import json

import pytest

from steerco.cli import main
from steerco.comms.models import Notification
from steerco.governance.models import GateReview
from steerco.projects.models import Project
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db


def test_gates_lists_where_the_project_stands_and_the_next_criteria(org, proposal, method, capsys):
    business_case(proposal)
    GateReview.objects.create(
        project=proposal,
        gate=method.gates["G0"],
        status="approved",
        requested_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
        decided_at=datetime.datetime(2026, 1, 9, tzinfo=datetime.UTC),
    )
    assert main(["governance", "gates", "--project", "FIN-001"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "FIN-001 Invoice automation · PROPOSAL Proposal"
    assert out[1].startswith("G0") and out[1].endswith("Passed (2026-01-09)")
    assert out[2].startswith("G1") and out[2].endswith("Next")
    assert out[3].startswith("        ✔ NPV is positive: NPV of business case v1 is")
    assert out[4] == "        ✘ Risks identified: 0 assessed risks recorded (at least 1 needed)."
    assert main(["governance", "gates", "--project", "FIN-001", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lifecycle_stage"] == "PROPOSAL"
    assert [gate["state"] for gate in data["gates"]] == [
        "passed",
        "next",
        "ahead",
        "ahead",
        "ahead",
    ]
    assert [check["satisfied"] for check in data["gates"][1]["criteria"]] == [True, False]


def test_gates_of_an_unknown_project(org, method, capsys):
    assert main(["governance", "gates", "--project", "NOPE"]) == 2
    assert "no project 'NOPE'" in capsys.readouterr().err


def test_remind_status_reports(org, make_project, method, capsys):
    make_project(
        code="OPS-1", stage=Project.Stage.IN_EXECUTION, start_date=datetime.date(2026, 1, 1)
    )
    assert main(["governance", "remind-status-reports", "--date", "2026-05-08", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "OPS-1\t2026-04-01..2026-04-30\toverdue 2026-05-05\twould remind" in out
    assert Notification.objects.count() == 0
    main(["governance", "remind-status-reports", "--date", "2026-05-08", "--organisation", "ACME"])
    assert capsys.readouterr().out.endswith("1 reports due, 1 reminders sent.\n")
    main(["governance", "remind-status-reports", "--date", "2026-05-08"])
    assert "already reminded" in capsys.readouterr().out
    assert Notification.objects.filter(kind="status_report_due").count() == 1
