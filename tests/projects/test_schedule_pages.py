"""The schedule page through the test client: tabs, htmx grid edits, access, files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from steerco.jobs.models import Job
from steerco.projects import schedule_services as services
from steerco.projects.models import Baseline, Project, Task
from steerco.resources.models import Assignment
from tests.factories import PersonFactory, ProjectMemberFactory
from tests.fixtures_people import PASSWORD
from tests.projects.schedule_fixtures import build_schedule

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def schedule(project):
    tasks = build_schedule(project)
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)
    return tasks


@pytest.fixture
def manager(org):
    return logged_in(org.user("project_manager"))


def page(project, tab="schedule"):
    return reverse("schedule:page", args=[project.pk]) + f"?tab={tab}"


@pytest.mark.parametrize("tab", ["schedule", "baselines", "leveling", "risk", "files"])
def test_every_tab_renders(manager, project, schedule, tab):
    response = manager.get(page(project, tab))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="tab-' + tab + '" aria-current="page"' in text
    assert "<script>" not in text  # the CSP allows no inline script


def test_the_grid_shows_critical_tasks_and_the_gantt_chart(manager, project, schedule):
    text = manager.get(page(project)).content.decode()
    assert text.count('data-testid="task-row"') == 6
    assert 'data-uid="2" data-critical="1"' in text
    assert 'data-uid="3" data-critical="0"' in text
    assert text.count('data-role="bar"') == 5 and text.count('data-role="milestone"') == 1
    assert 'data-uid="2" data-critical="1"' in text.split('class="gantt"')[1]
    assert 'data-testid="finish-6">Mon 19 Jan 2026' in text


def test_an_htmx_cell_edit_reschedules_and_returns_the_panel(manager, project, schedule):
    response = manager.post(
        reverse("schedule:task_edit", args=[project.pk, schedule["build"].pk]),
        # The browser posts the whole row and names the cell that changed (schedule.js).
        {
            "name": "ignored: not the cell that changed",
            "duration_days": "10",
            "predecessors": "1",
            "percent_complete": "0",
            "constraint_type": "ASAP",
            "constraint_date": "",
            "changed": "duration_days",
        },
        **HTMX,
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith('<div id="schedule-panel"')
    assert "Rescheduled" in text
    assert 'data-testid="finish-6">Wed 21 Jan 2026' in text
    build = Task.objects.get(pk=schedule["build"].pk)
    assert (build.duration_minutes, build.name) == (4800, "Build")


def test_a_cycle_typed_in_the_grid_is_shown_and_nothing_changes(manager, project, schedule):
    response = manager.post(
        reverse("schedule:task_edit", args=[project.pk, schedule["design"].pk]),
        {"predecessors": "6", "changed": "predecessors"},
        **HTMX,
    )
    text = response.content.decode()
    assert 'data-testid="schedule-error"' in text and "cycle" in text
    assert "Design" in text and "Go live" in text
    assert not schedule["design"].predecessor_links.exists()


def test_team_members_read_but_cannot_edit_and_outsiders_get_404(org, other_org, project, schedule):
    member = org.user("team_member")
    ProjectMemberFactory(project=project, user=member)
    reader = logged_in(member)
    text = reader.get(page(project)).content.decode()
    assert 'data-testid="task-row"' in text and 'name="duration_days"' not in text
    edit = reverse("schedule:task_edit", args=[project.pk, schedule["build"].pk])
    assert reader.post(edit, {"duration_days": "1"}).status_code == 403
    assert reader.post(reverse("schedule:baseline", args=[project.pk])).status_code == 403
    outsider = logged_in(other_org.user("administrator"))
    for url in (page(project), reverse("schedule:gantt", args=[project.pk])):
        assert outsider.get(url).status_code == 404
    assert outsider.post(edit, {"duration_days": "1"}).status_code == 404
    assert Task.objects.get(pk=schedule["build"].pk).duration_minutes == 3840


def test_baseline_capture_and_variance_tab(manager, project, schedule):
    response = manager.post(
        reverse("schedule:baseline", args=[project.pk]), {"number": "0", "name": "Plan"}
    )
    assert response.status_code == 302
    assert Baseline.objects.get(project=project).name == "Plan"
    text = manager.get(page(project, "baselines")).content.decode()
    assert 'data-testid="variance"' in text and "Plan" in text


def test_leveling_preview_fragment_lists_moves(manager, project, schedule):
    writer = PersonFactory(organisation=project.organisation, name="Wendy Writer")
    for key in ("docs", "train"):
        Assignment.objects.create(task=schedule[key], person=writer, units=Decimal(100))
    response = manager.post(
        reverse("schedule:level", args=[project.pk]),
        {"method": "heuristic", "mode": "delay_finish"},
        **HTMX,
    )
    text = response.content.decode()
    assert text.count('data-testid="leveling-move"') == 1
    assert "Wendy Writer" in text and "3 Write docs" in text
    assert 'data-testid="level-apply"' in text


def test_simulation_from_the_risk_tab(
    manager, project, schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            reverse("schedule:simulate", args=[project.pk]),
            {"iterations": "300", "seed": "1"},
            **HTMX,
        )
    assert response.status_code == 200
    assert Job.objects.get().state == Job.State.SUCCEEDED
    text = manager.get(reverse("schedule:risk", args=[project.pk])).content.decode()
    for label in ('data-testid="p50"', 'data-testid="p80"', 'class="s-curve"', 'class="tornado"'):
        assert label in text


def test_download_and_replace_from_a_file(manager, project, schedule):
    response = manager.get(reverse("schedule:mspdi", args=[project.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="FIN-001.xml"'
    data = response.content
    Task.objects.filter(project=project).update(name="changed")

    upload = SimpleUploadedFile("FIN-001.xml", data, content_type="application/xml")
    response = manager.post(reverse("schedule:mspdi", args=[project.pk]), {"file": upload})

    assert response.status_code == 302
    assert sorted(Task.objects.filter(project=project).values_list("name", flat=True))[:2] == [
        "Build",
        "Design",
    ]


def test_create_a_project_from_a_file(manager, org, portfolio, project, schedule):
    data = manager.get(reverse("schedule:mspdi", args=[project.pk])).content
    response = manager.post(
        reverse("schedule:import"),
        {
            "file": SimpleUploadedFile("plan.xml", data),
            "portfolio_id": str(portfolio.pk),
            "code": "NEW-1",
        },
    )
    created = Project.objects.get(code="NEW-1")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/projects/{created.pk}/schedule/"
    )
    assert created.tasks.count() == 6

    bad = manager.post(
        reverse("schedule:import"),
        {"file": SimpleUploadedFile("bad.xml", b"<Project>"), "portfolio_id": "1", "code": "X-1"},
    )
    assert 'data-testid="import-error"' in bad.content.decode()
    assert not Project.objects.filter(code="X-1").exists()
