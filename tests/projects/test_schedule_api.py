"""The schedule API: permissions on every endpoint, grid edits, cycles, files, a pinned query count."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steerco.jobs.models import Job
from steerco.projects import schedule_services as services
from steerco.projects.models import Baseline, Task, TaskLink
from steerco.resources.models import Assignment
from tests.factories import PersonFactory, ProjectMemberFactory
from tests.projects.schedule_fixtures import build_schedule

pytestmark = pytest.mark.django_db

API = "/api/v1"


def send(client, method, path, body=None):
    if method == "get":
        return client.get(f"{API}{path}")
    return getattr(client, method)(
        f"{API}{path}", json.dumps(body or {}), content_type="application/json"
    )


def upload(client, path, data=b"", name="plan.xml", **fields):
    return client.post(
        f"{API}{path}",
        {"file": SimpleUploadedFile(name, data, content_type="application/xml"), **fields},
    )


@pytest.fixture
def schedule(project):
    return build_schedule(project)


@pytest.fixture
def clients(org, other_org, project, api_client):
    member = org.user("team_member")
    ProjectMemberFactory(project=project, user=member)
    return {
        "manager": api_client(org.user("project_manager")),
        "member": api_client(member),
        "outsider": api_client(other_org.user("administrator")),
    }


def exported(client, project):
    response = client.get(f"{API}/projects/{project.pk}/mspdi")
    assert response.status_code == 200
    return response.content


WRITES = [
    ("put", "/schedule", {"status_date": "2026-01-09T17:00:00Z"}),
    ("post", "/schedule/tasks", {"tasks": []}),
    ("post", "/schedule/reschedule", {}),
    ("post", "/baselines", {"number": 0}),
    ("post", "/level", {}),
    ("post", "/simulate", {"iterations": 200}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_writes_are_for_editors_only_and_invisible_to_outsiders(
    clients, project, schedule, method, suffix, body, django_capture_on_commit_callbacks
):
    path = f"/projects/{project.pk}{suffix}"
    assert send(clients["member"], method, path, body).status_code == 403
    assert send(clients["outsider"], method, path, body).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = send(clients["manager"], method, path, body)
    assert response.status_code in (200, 201, 202), response.content


def test_reads_are_for_anyone_who_sees_the_project(
    clients, project, schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(clients["manager"], "post", f"/projects/{project.pk}/simulate", {"iterations": 200})
    for path in ("/schedule", "/simulation", "/mspdi"):
        url = f"/projects/{project.pk}{path}"
        assert send(clients["member"], "get", url).status_code == 200, path
        assert send(clients["outsider"], "get", url).status_code == 404, path
    data = exported(clients["manager"], project)
    replace = f"/projects/{project.pk}/mspdi"
    assert upload(clients["member"], replace, data).status_code == 403
    assert upload(clients["outsider"], replace, data).status_code == 404
    assert upload(clients["manager"], replace, data).status_code == 200


def test_get_schedule_shows_dates_critical_path_and_links(clients, project, schedule):
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    body = send(clients["member"], "get", f"/projects/{project.pk}/schedule").json()

    assert body["can_edit"] is False
    assert body["finish"] == "2026-01-19T17:00:00Z"
    assert body["critical_count"] == 4
    build = next(task for task in body["tasks"] if task["uid"] == 2)
    assert (build["start"], build["finish"], build["critical"]) == (
        "2026-01-07T08:00:00Z",
        "2026-01-19T17:00:00Z",
        True,
    )
    assert build["duration_days"] == 8.0
    assert {task["uid"]: task["predecessors"] for task in body["tasks"]}[3] == "1SS+1d"
    assert {
        (link["predecessor_uid"], link["successor_uid"], link["type"]) for link in body["links"]
    } >= {
        (2, 4, "FF"),
        (3, 5, "SF"),
    }
    assert body["stale"] is False and body["error"] == ""


def test_project_manager_edits_the_grid_and_gets_the_new_schedule(clients, project, schedule):
    response = send(
        clients["manager"],
        "post",
        f"/projects/{project.pk}/schedule/tasks",
        {"tasks": [{"task_id": schedule["build"].pk, "duration_days": "10"}]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["finish"] == "2026-01-21T17:00:00Z"
    assert Task.objects.get(pk=schedule["build"].pk).duration_minutes == 4800


def test_constraint_dates_may_be_days_or_moments(clients, project, schedule):
    path = f"/projects/{project.pk}/schedule/tasks"
    train = schedule["train"].pk
    for value, expected in (
        ("2026-01-21", "2026-01-21T08:00:00Z"),  # a day: its first working moment
        ("2026-01-22T10:00:00", "2026-01-22T10:00:00Z"),  # the calendar's clock (UTC here)
        ("2026-01-23T09:30:00+01:00", "2026-01-23T08:30:00Z"),
    ):
        body = send(
            clients["manager"],
            "post",
            path,
            {"tasks": [{"task_id": train, "constraint_type": "SNET", "constraint_date": value}]},
        ).json()
        task = next(task for task in body["tasks"] if task["uid"] == 5)
        assert (task["constraint_type"], task["constraint_date"]) == ("SNET", expected), value
        assert task["start"] == expected


def test_a_cycle_is_a_422_naming_the_tasks_and_nothing_changes(clients, project, schedule):
    response = send(
        clients["manager"],
        "post",
        f"/projects/{project.pk}/schedule/tasks",
        {
            "tasks": [
                {"task_id": schedule["design"].pk, "duration_days": "4"},
                {"task_id": schedule["design"].pk, "predecessors": "4"},
            ]
        },
    )

    assert response.status_code == 422
    body = response.json()
    text = json.dumps(body["errors"])
    assert "Design" in text and "Test" in text and "Build" in text
    assert Task.objects.get(pk=schedule["design"].pk).duration_minutes == 960
    assert not TaskLink.objects.filter(successor=schedule["design"]).exists()


def test_level_previews_then_applies(clients, project, schedule):
    writer = PersonFactory(organisation=project.organisation, name="Wendy Writer")
    for key in ("docs", "train"):
        Assignment.objects.create(task=schedule[key], person=writer, units=Decimal(100))
    path = f"/projects/{project.pk}/level"

    preview = send(clients["manager"], "post", path, {"method": "heuristic"}).json()
    assert preview["applied"] is False
    assert [(m["uid"], m["new_start"], m["resources"]) for m in preview["moves"]] == [
        (5, "2026-01-08", ["Wendy Writer"])
    ]
    assert Task.objects.get(pk=schedule["train"].pk).constraint_type == "ASAP"

    applied = send(clients["manager"], "post", path, {"apply": True}).json()
    assert applied["applied"] is True
    assert Task.objects.get(pk=schedule["train"].pk).constraint_type == "SNET"


def test_simulate_answers_202_with_the_job_and_the_result_is_readable(
    clients, project, schedule, django_capture_on_commit_callbacks
):
    assert send(clients["manager"], "get", f"/projects/{project.pk}/simulation").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            clients["manager"],
            "post",
            f"/projects/{project.pk}/simulate",
            {"iterations": 300, "seed": 3, "distribution": "pert"},
        )
    assert response.status_code == 202
    job = response.json()
    assert job["kind"] == "schedule.simulate"
    assert Job.objects.get(pk=job["id"]).state == Job.State.SUCCEEDED

    result = send(clients["member"], "get", f"/projects/{project.pk}/simulation").json()
    assert result["job_id"] == job["id"]
    assert set(result["result"]["percentiles"]) == {"P10", "P50", "P80", "P95"}
    assert result["result"]["options"]["distribution"] == "pert"


def test_baseline_capture_answers_201(clients, project, schedule):
    response = send(
        clients["manager"], "post", f"/projects/{project.pk}/baselines", {"number": 2, "name": "Q1"}
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert Baseline.objects.get(project=project).tasks.count() == 6


def test_put_schedule_moves_the_status_date_and_start(clients, project, schedule):
    response = send(
        clients["manager"],
        "put",
        f"/projects/{project.pk}/schedule",
        {"start_date": "2026-01-12", "status_date": "2026-01-12T17:00:00Z"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start_date"] == "2026-01-12"
    assert body["status_date"] == "2026-01-12T17:00:00Z"
    # Nothing started by the status date: unfinished work is scheduled after it.
    assert body["start"] == "2026-01-13T08:00:00Z"


def test_mspdi_round_trip_through_the_api(clients, org, portfolio, project, schedule):
    data = exported(clients["manager"], project)
    assert data.startswith(b"<?xml") and b"<Name>Build</Name>" in data

    response = upload(
        clients["manager"],
        "/projects/import/mspdi",
        data,
        portfolio_id=portfolio.pk,
        code="FIN-COPY",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tasks"], body["links"], body["dates_matching"]) == (6, 6, 6)
    assert body["finish"] == "2026-01-19T17:00:00Z"
    assert (
        upload(
            clients["member"],
            "/projects/import/mspdi",
            data,
            portfolio_id=portfolio.pk,
            code="NOPE",
        ).status_code
        == 403
    )


def test_a_bad_upload_is_a_422_naming_the_line(clients, project, schedule):
    before = list(Task.objects.filter(project=project).values_list("uid", "duration_minutes"))
    broken = b'<?xml version="1.0"?>\n<Project xmlns="http://schemas.microsoft.com/project">\n<Tasks>\n<Task><UID>x</UID></Task>\n</Tasks></Project>'

    response = upload(clients["manager"], f"/projects/{project.pk}/mspdi", broken)

    assert response.status_code == 422
    assert "line 4" in response.json()["errors"]["file"][0]
    assert (
        list(Task.objects.filter(project=project).values_list("uid", "duration_minutes")) == before
    )


def _grow(project, tasks: int) -> None:
    build_schedule(project)
    previous = None
    writer = PersonFactory(organisation=project.organisation)
    for uid in range(7, 7 + tasks):
        task = Task.objects.create(
            project=project, uid=uid, name=f"Extra {uid}", sort_order=uid * 10, duration_minutes=480
        )
        Assignment.objects.create(task=task, person=writer)
        if previous is not None:
            TaskLink.objects.create(project=project, predecessor=previous, successor=task)
        previous = task
    services.baseline_capture(acting_user=project.manager, project_id=project.pk)


def test_get_schedule_costs_the_same_queries_at_any_size(
    org, make_project, api_client, django_assert_num_queries
):
    client = api_client(org.user("project_manager"))
    small = make_project(code="SML-1")
    large = make_project(code="LRG-1")
    _grow(small, 2)
    _grow(large, 60)

    for project in (small, large):
        # The first read checks the schedule with the engine (tasks, links, calendars and
        # exceptions read as values); the check is kept until the schedule changes. The token
        # records its first use once.
        client.get(f"{API}/projects/{project.pk}/schedule")
    counts = []
    for project in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/projects/{project.pk}/schedule")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        client.get(f"{API}/projects/{large.pk}/schedule")
    # Token and user, project access, the schedule's fingerprint (4 aggregates: the engine's
    # check and the outline are kept while it does not change), the page's tasks, calendars,
    # exceptions, baselines and baseline rows, links and assignments, then earned value
    # (baselines, tasks, baseline rows): the same sixteen, whatever the size.
    assert counts[0] == 16


def test_the_schedule_lists_a_page_of_tasks_with_the_whole_projects_totals(
    org, make_project, api_client
):
    client = api_client(org.user("project_manager"))
    project = make_project(code="LRG-2")
    _grow(project, 60)
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)
    path = f"/projects/{project.pk}/schedule"

    whole = send(client, "get", path).json()
    second = send(client, "get", f"{path}?page=2&page_size=25").json()
    critical = send(client, "get", f"{path}?critical=true&page_size=1000").json()
    found = send(client, "get", f"{path}?q=Extra 1").json()

    assert (whole["task_count"], whole["pages"], len(whole["tasks"])) == (66, 1, 66)
    assert [task["uid"] for task in whole["tasks"]] == list(range(1, 67))
    assert (second["page"], second["pages"], second["page_size"]) == (2, 3, 25)
    assert [task["uid"] for task in second["tasks"]] == list(range(26, 51))
    assert {link["successor_uid"] for link in second["links"]} == set(range(26, 51)) - {7}
    assert (second["finish"], second["critical_count"]) == (
        whole["finish"],
        whole["critical_count"],
    )
    assert all(task["critical"] for task in critical["tasks"])
    assert critical["matching_tasks"] == len(critical["tasks"]) == whole["critical_count"]
    assert [task["uid"] for task in found["tasks"]] == [*range(10, 20)]
    assert send(client, "get", f"{path}?page_size=1001").status_code == 422
