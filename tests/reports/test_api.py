"""The reports API: dashboard data, pack jobs and downloads, subscriptions; who may do what."""

from __future__ import annotations

import pytest
from django.test import Client

from steerco.jobs.models import Job

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_dashboard_json(world, api_client):
    response = api_client(world.org.user("executive")).get(
        "/api/v1/reports/dashboard?as_of=2026-03-15"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "All portfolios" and body["whole_organisation"] is True
    assert [p["code"] for p in body["projects"]] == ["DIG-1", "DIG-2", "OPS-1"]
    portal = body["projects"][0]
    assert (portal["overall"], portal["scope"], portal["rag_source"]) == (
        "red",
        "amber",
        "status report",
    )
    assert portal["risk_exposure"] == "3.00"
    assert body["summary"]["red"] == 1
    assert body["watch_list"][0]["next_milestone"]["slip_days"] == 20
    assert [row["cumulative_budget"] for row in body["budget_burn"]][-1] == "1000.00"
    assert {row["role"] for row in body["capacity"]} == {"Developer", "Business Analyst"}
    assert body["slippage"][1] == {
        "month": "2026-03-01",
        "milestones": 2,
        "slipped": 1,
        "average_slip_days": 10.0,
    }


def test_dashboard_json_is_limited_to_what_the_user_sees(world, api_client, other_org):
    manager = api_client(world.org.user("project_manager"))
    body = manager.get("/api/v1/reports/dashboard").json()
    assert [p["code"] for p in body["projects"]] == ["DIG-1"]
    assert body["whole_organisation"] is False

    outsider = api_client(other_org.user("executive"))
    assert (
        outsider.get(f"/api/v1/reports/dashboard?portfolio_id={world.digital.pk}").status_code
        == 404
    )
    assert outsider.get("/api/v1/reports/dashboard").json()["projects"] == []
    assert Client().get("/api/v1/reports/dashboard").status_code == 401


def test_pack_job_then_download(
    world, api_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = api_client(world.org.user("executive"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/pack",
            {"portfolio_id": world.ops.pk, "as_of": "2026-03-15"},
            content_type=JSON,
        )

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.kind == "reports.executive_pack"
    assert job.state == Job.State.SUCCEEDED, job.error
    result = job.result
    assert isinstance(result, dict)
    assert result["pages"] == 7  # no mission-critical project in Operations
    assert result["titles"][0] == "Summary"
    download = client.get(f"/api/v1/reports/pack/{job.pk}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content[:5] == b"%PDF-"
    assert "steerco-executive-pack-OPS-2026-03-15.pdf" in download["Content-Disposition"]

    # Nobody outside the organisation reaches it; inside, only pack readers.
    assert (
        api_client(world.org.user("project_manager"))
        .get(f"/api/v1/reports/pack/{job.pk}/download")
        .status_code
        == 404
    )  # not their job
    assert (
        api_client(world.org.user("pmo_analyst"))
        .get(f"/api/v1/reports/pack/{job.pk}/download")
        .status_code
        == 200
    )


def test_pack_permissions_and_states(world, api_client, other_org):
    manager = api_client(world.org.user("project_manager"))
    assert manager.post("/api/v1/reports/pack", {}, content_type=JSON).status_code == 403

    outsider = api_client(other_org.user("executive"))
    response = outsider.post(
        "/api/v1/reports/pack", {"portfolio_id": world.digital.pk}, content_type=JSON
    )
    assert response.status_code == 404

    executive = world.org.user("executive")
    queued = Job.objects.create(
        organisation=world.org.organisation,
        kind="reports.executive_pack",
        title="Executive pack",
        created_by=executive,
    )
    other_kind = Job.objects.create(
        organisation=world.org.organisation,
        kind="governance.status_report_reminders",
        title="Reminders",
        state=Job.State.SUCCEEDED,
        result={"file": "reports/packs/1/x.pdf"},
        created_by=executive,
    )
    client = api_client(executive)
    assert client.get(f"/api/v1/reports/pack/{queued.pk}/download").status_code == 409
    assert client.get(f"/api/v1/reports/pack/{other_kind.pk}/download").status_code == 404
    assert outsider.get(f"/api/v1/reports/pack/{queued.pk}/download").status_code == 404


def test_subscriptions_api(world, api_client, other_org):
    client = api_client(world.org.user("executive"))

    created = client.post(
        "/api/v1/reports/subscriptions",
        {"portfolio_id": world.digital.pk, "frequency": "daily"},
        content_type=JSON,
    )
    assert created.status_code == 201
    assert created.json()["frequency"] == "daily"
    assert created.json()["portfolio"]["code"] == "DIG"
    everything = client.post(
        "/api/v1/reports/subscriptions", {"frequency": "monthly"}, content_type=JSON
    )
    assert everything.json()["portfolio"] is None
    listed = client.get("/api/v1/reports/subscriptions").json()
    assert sorted(s["frequency"] for s in listed) == ["daily", "monthly"]

    bad = client.post("/api/v1/reports/subscriptions", {"frequency": "hourly"}, content_type=JSON)
    assert bad.status_code == 422
    manager = api_client(world.org.user("project_manager"))
    assert (
        manager.post(
            "/api/v1/reports/subscriptions", {"frequency": "weekly"}, content_type=JSON
        ).status_code
        == 403
    )
    subscription_id = created.json()["id"]
    assert (
        api_client(other_org.user("administrator"))
        .delete(f"/api/v1/reports/subscriptions/{subscription_id}")
        .status_code
        == 404
    )
    assert client.delete(f"/api/v1/reports/subscriptions/{subscription_id}").status_code == 204
    assert len(client.get("/api/v1/reports/subscriptions").json()) == 1
