"""``GET /api/v1/jobs/periodic``: the organisation's periodic tasks, for organisation-wide readers."""

from __future__ import annotations

import datetime as dt

from steerco.jobs.periodic_services import periodic_tick


def test_readers_of_the_whole_organisation_see_its_schedule(
    org, other_org, api_client, settings, django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):  # fmt: skip
    settings.TIME_ZONE = "Europe/London"
    with django_capture_on_commit_callbacks(execute=True):
        periodic_tick(now=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    client = api_client(org.user("pmo_analyst"))

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/jobs/periodic")

    assert response.status_code == 200
    tasks = {task["name"]: task for task in response.json()}
    emails = tasks["comms.send_emails"]
    assert emails["schedule"] == "every minute"
    assert emails["last_run_at"].startswith("2026-03-02T10:00:00")
    assert emails["last_job_state"] == "succeeded" and emails["enabled"] is True
    packs = tasks["reports.deliver_packs"]
    assert (packs["schedule"], packs["last_run_at"]) == ("daily at 07:00", None)
    assert packs["next_due_at"].startswith("2026-03-03T07:00:00")

    # Another organisation's schedule is its own; a team member may not see any.
    theirs = api_client(other_org.user("administrator")).get("/api/v1/jobs/periodic").json()
    assert {task["name"] for task in theirs} == set(tasks)
    assert api_client(org.user("team_member")).get("/api/v1/jobs/periodic").status_code == 403
