"""``steerco schedule import|export|level|simulate`` through ``steerco.cli.main``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.cli import main
from steerco.core.models import AuditEntry
from steerco.jobs.models import Job
from steerco.projects.models import Project, Task
from steerco.resources.models import Assignment
from tests.factories import PersonFactory, PortfolioFactory, ProjectFactory
from tests.fixtures_people import make_org
from tests.projects.schedule_fixtures import build_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_org()


@pytest.fixture
def portfolio(org):
    return PortfolioFactory(
        organisation=org.organisation, owner=org.user("portfolio_manager"), code="DIGITAL"
    )


@pytest.fixture
def project(org, portfolio):
    project = ProjectFactory(portfolio=portfolio, manager=org.user("project_manager"), code="OPS-1")
    tasks = build_schedule(project)
    writer = PersonFactory(organisation=org.organisation, name="Wendy Writer")
    for key in ("docs", "train"):
        Assignment.objects.create(task=tasks[key], person=writer, units=Decimal(100))
    return project


def test_export_then_import_as_a_new_project(org, project, tmp_path, capsys):
    out = tmp_path / "OPS-1.xml"

    assert main(["schedule", "export", "--project", "OPS-1", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"<?xml")
    assert "Wrote OPS-1 (6 tasks" in capsys.readouterr().out

    code = main(
        [
            "schedule",
            "import",
            str(out),
            "--project",
            "OPS-2",
            "--create",
            "--portfolio",
            "DIGITAL",
            "--organisation",
            org.organisation.code,
        ]
    )
    output = capsys.readouterr().out
    assert code == 0, output
    assert "Created OPS-2 from OPS-1.xml." in output
    assert "dates matching the file: 6 / 6" in output
    created = Project.objects.get(code="OPS-2")
    assert created.tasks.count() == 6
    entry = AuditEntry.objects.filter(summary__startswith="Imported OPS-1.xml").get()
    assert entry.actor == org.user("administrator")  # the default actor


def test_a_broken_file_fails_with_the_line_and_changes_nothing(project, tmp_path, capsys):
    broken = tmp_path / "broken.xml"
    broken.write_text(
        '<?xml version="1.0"?>\n<Project xmlns="http://schemas.microsoft.com/project">\n'
        "<Tasks><Task><UID>1</UID>\n<Duration>soon</Duration></Task></Tasks></Project>\n"
    )
    before = list(Task.objects.filter(project=project).values_list("uid", "name"))

    code = main(["schedule", "import", str(broken), "--project", "OPS-1"])

    error = capsys.readouterr().err
    assert code == 1
    assert "line 4" in error and "Duration" in error
    assert list(Task.objects.filter(project=project).values_list("uid", "name")) == before


def test_level_previews_and_applies_as_the_named_user(org, project, capsys):
    manager = org.user("project_manager").username

    assert main(["schedule", "level", "--project", "OPS-1", "--user", manager]) == 0
    preview = capsys.readouterr().out
    assert "preview (nothing changed" in preview
    assert "5 Train: 2026-01-07 -> 2026-01-08 (+1 d) because of Wendy Writer" in preview
    assert "competing with 3 Write docs" in preview
    assert Task.objects.get(project=project, uid=5).constraint_type == "ASAP"

    assert main(["schedule", "level", "--project", "OPS-1", "--user", manager, "--apply"]) == 0
    assert ": applied" in capsys.readouterr().out
    assert Task.objects.get(project=project, uid=5).constraint_type == "SNET"
    assert AuditEntry.objects.filter(summary__startswith="Leveled OPS-1").get().actor.username == (
        manager
    )


def test_simulate_prints_percentiles_and_keeps_the_run(project, capsys):
    code = main(
        ["schedule", "simulate", "--project", "OPS-1", "--iterations", "300", "--seed", "5"]
    )

    output = capsys.readouterr().out
    assert code == 0, output
    for key in ("P10:", "P50:", "P80:", "P95:", "most sensitive tasks:", "2 Build"):
        assert key in output
    job = Job.objects.get()
    assert job.state == Job.State.SUCCEEDED and job.result["seed"] == 5


def test_unknown_project_user_or_permission_is_a_clean_error(org, project, capsys):
    assert main(["schedule", "level", "--project", "NOPE-9"]) == 1
    assert "No project NOPE-9" in capsys.readouterr().err
    assert main(["schedule", "level", "--project", "OPS-1", "--user", "ghost"]) == 1
    assert "No active user ghost" in capsys.readouterr().err
    team = org.user("team_member").username
    assert main(["schedule", "level", "--project", "OPS-1", "--user", team]) == 1
    assert "error:" in capsys.readouterr().err
