"""``steerco jobs periodic``: list, start, switch off and on the worker's periodic tasks."""

from __future__ import annotations

import pytest

from steerco.cli import main
from steerco.jobs.models import Job, PeriodicSchedule

pytestmark = pytest.mark.django_db


def test_the_list_shows_every_task_per_organisation(org, settings, capsys):
    settings.TIME_ZONE = "Europe/London"

    assert main(["jobs", "periodic"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "Task", "Schedule", "Organisation", "On", "Next", "due", "Last", "run", "Last", "result",
    ]  # fmt: skip
    packs = next(line for line in lines if line.startswith("reports.deliver_packs"))
    assert "daily at 07:00" in packs and "ACME" in packs and "never" in packs
    assert "07:00 GM" in packs or "07:00 BST" in packs
    weekly = next(line for line in lines if line.startswith("comms.digest.weekly"))
    assert "Mondays at 06:00" in weekly
    assert PeriodicSchedule.objects.filter(organisation=org.organisation).count() == len(lines) - 1


def test_run_disable_enable_and_due(org, other_org, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            main(["jobs", "periodic", "--run", "comms.send_emails", "--organisation", "ACME"]) == 0
        )
    out = capsys.readouterr().out
    assert "comms.send_emails\tACME" in out and "1 job(s) started" in out
    assert Job.objects.get().state == Job.State.SUCCEEDED

    assert main(["jobs", "periodic", "--disable", "comms.send_emails"]) == 0
    assert "disabled for 2 organisation(s)" in capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        assert main(["jobs", "periodic", "--due"]) == 0
    started = capsys.readouterr().out
    assert "comms.send_emails" not in started and "comms.deliver_due_webhooks" in started

    assert (
        main(["jobs", "periodic", "--enable", "comms.send_emails", "--organisation", "ACME"]) == 0
    )
    assert "enabled for 1 organisation(s)" in capsys.readouterr().out

    assert main(["jobs", "periodic", "--run", "nope"]) == 2
    assert "No periodic task 'nope'" in capsys.readouterr().out
