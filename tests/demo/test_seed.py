"""``steerco seed``: big generated portfolios, correct counts, valid schedules."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from steerco.cli import main
from steerco.demo.seed import PHASE_SIZE, _links_per_project, seed_portfolio
from steerco.projects.models import Project, Task, TaskLink
from steerco.resources.models import Person, RoleDemand

pytestmark = pytest.mark.django_db


def test_seed_creates_the_asked_number_of_projects_tasks_and_links() -> None:
    summary = seed_portfolio(projects=7, tasks_per_project=25, organisation_code="T1", people=12)
    projects = Project.objects.filter(organisation__code="T1")
    tasks = Task.objects.filter(project__organisation__code="T1")
    links = TaskLink.objects.filter(project__organisation__code="T1")
    assert projects.count() == summary.projects == 7
    assert tasks.count() == summary.tasks == 7 * 25
    assert links.count() == summary.links == 7 * _links_per_project(25)
    assert (
        RoleDemand.objects.filter(project__organisation__code="T1").count() == summary.role_demands
    )
    assert summary.role_demands > 0
    assert Person.objects.filter(organisation__code="T1").count() == summary.people == 12
    assert summary.database_bytes is None or summary.database_bytes > 0
    per_project = set(
        tasks.values_list("project").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert per_project == {25}


def test_seeded_schedules_are_valid() -> None:
    seed_portfolio(projects=3, tasks_per_project=40, organisation_code="T2", people=5)
    tasks = Task.objects.filter(project__organisation__code="T2")
    assert tasks.filter(is_summary=True).count() == 3 * (40 // PHASE_SIZE)
    assert not tasks.filter(parent__isnull=False).exclude(parent__project=F("project")).exists()
    assert not tasks.filter(total_float_minutes__lt=0).exists()
    assert not tasks.filter(early_finish__lt=F("early_start")).exists()
    links = TaskLink.objects.filter(project__organisation__code="T2")
    assert set(links.values_list("type", flat=True)) == {"FS", "SS", "FF"}
    assert not links.exclude(predecessor__project=F("project")).exists()
    for project in Project.objects.filter(organisation__code="T2"):
        assert Task.objects.filter(project=project, is_critical=True, is_summary=False).exists()
    # Later inserts through the ORM still get fresh ids after the explicit ones.
    first = Project.objects.filter(organisation__code="T2").first()
    assert first is not None
    task = Task.objects.create(project=first, uid=10_000, name="Added by hand")
    assert task.pk > tasks.exclude(pk=task.pk).order_by("-pk").values_list("pk", flat=True)[0]


def test_seeding_again_adds_projects_after_the_existing_ones() -> None:
    seed_portfolio(projects=2, tasks_per_project=10, organisation_code="T3", people=3)
    seed_portfolio(projects=2, tasks_per_project=10, organisation_code="T3", people=3)
    codes = sorted(Project.objects.filter(organisation__code="T3").values_list("code", flat=True))
    assert codes == ["S000001", "S000002", "S000003", "S000004"]
    assert Person.objects.filter(organisation__code="T3").count() == 3


def test_seed_command_reports_time_and_size(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(
        ["seed", "--projects", "3", "--tasks-per-project", "12", "--organisation", "T4", "--quiet"]
    )
    assert exit_code == 0
    output = capsys.readouterr().out
    assert "Seeded 3 projects, 36 tasks" in output
    assert "database size" in output
    assert Task.objects.filter(project__organisation__code="T4").count() == 36


def test_seed_command_refuses_nonsense(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--projects", "0"]) == 2
    assert "need --projects" in capsys.readouterr().err
