"""The resource-request API: create, list, detail, approve (fully or partly), reject, withdraw,
candidates; who may do what; outsiders get 404 on every endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.resources.models import Booking
from tests.factories import PersonFactory, ProjectFactory, ResourceRequestFactory, RoleFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def setting(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    pm = org.user("project_manager")
    alpha = ProjectFactory(organisation=o, code="ALPHA", manager=pm)
    beta = ProjectFactory(organisation=o, code="BETA")
    ada = PersonFactory(role=de, name="Ada")
    pending = ResourceRequestFactory(project=alpha, role=de, hours=Decimal("100"), requested_by=pm)
    other = ResourceRequestFactory(project=beta, role=de)
    return {
        "de": de,
        "pm": pm,
        "alpha": alpha,
        "beta": beta,
        "ada": ada,
        "pending": pending,
        "other": other,
    }


def test_project_manager_creates_and_sees_only_their_projects_requests(org, setting, api_client):
    pm = api_client(setting["pm"])
    created = pm.post(
        "/api/v1/resource-requests",
        {
            "project_id": setting["alpha"].pk,
            "role_id": setting["de"].pk,
            "start_date": "2026-06-01",
            "finish_date": "2026-06-30",
            "hours": "40",
        },
        content_type=JSON,
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    listed = pm.get("/api/v1/resource-requests").json()
    assert {row["project_code"] for row in listed["items"]} == {"ALPHA"}
    assert listed["count"] == 2
    everything = api_client(org.user("resource_manager")).get("/api/v1/resource-requests").json()
    assert everything["count"] == 3
    refused = pm.post(
        "/api/v1/resource-requests",
        {
            "project_id": setting["alpha"].pk,
            "start_date": "2026-06-01",
            "finish_date": "2026-05-01",
            "hours": "0",
        },
        content_type=JSON,
    )
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"role_id", "finish_date", "hours"}


def test_resource_manager_approves_partly_and_bookings_follow(org, setting, api_client):
    manager = api_client(org.user("resource_manager"))
    url = f"/api/v1/resource-requests/{setting['pending'].pk}"
    candidates = manager.get(f"{url}/candidates").json()
    assert candidates[0]["name"] == "Ada"
    approved = manager.post(
        f"{url}/approve",
        {"person_id": setting["ada"].pk, "hours": "60", "note": "Ada is shared", "kind": "soft"},
        content_type=JSON,
    )
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_hours"]) == (
        "partially_approved",
        "60.00",
    )
    detail = manager.get(url).json()
    assert sum(Decimal(b["hours"]) for b in detail["bookings"]) == Decimal("60")
    assert detail["can_decide"] is False
    again = manager.post(f"{url}/reject", {"reason": "late"}, content_type=JSON)
    assert again.status_code == 409


def test_reject_and_withdraw(org, setting, api_client):
    pm = api_client(setting["pm"])
    url = f"/api/v1/resource-requests/{setting['pending'].pk}"
    assert pm.post(f"{url}/reject", {"reason": "no"}, content_type=JSON).status_code == 403
    assert pm.get(f"{url}/candidates").status_code == 403
    assert pm.post(f"{url}/withdraw").json()["status"] == "withdrawn"
    other = f"/api/v1/resource-requests/{setting['other'].pk}"
    rejected = api_client(org.user("pmo_analyst")).post(
        f"{other}/reject", {"reason": "No budget"}, content_type=JSON
    )
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == (
        "rejected",
        "No budget",
    )
    assert not Booking.objects.exists()


def test_team_members_do_not_see_requests_of_projects_they_do_not_work_on(org, setting, api_client):
    member = api_client(org.user("team_member"))
    assert member.get("/api/v1/resource-requests").json()["count"] == 0
    assert member.get(f"/api/v1/resource-requests/{setting['pending'].pk}").status_code == 404


def test_outsiders_get_not_found_on_every_request_endpoint(org, other_org, setting, api_client):
    client = api_client(other_org.user("resource_manager"))
    url = f"/api/v1/resource-requests/{setting['pending'].pk}"
    checks = [
        client.get(url),
        client.get(f"{url}/candidates"),
        client.post(f"{url}/approve", {"person_id": setting["ada"].pk}, content_type=JSON),
        client.post(f"{url}/reject", {"reason": "x"}, content_type=JSON),
        client.post(f"{url}/withdraw"),
        client.post(
            "/api/v1/resource-requests",
            {
                "project_id": setting["alpha"].pk,
                "role_id": setting["de"].pk,
                "start_date": "2026-06-01",
                "finish_date": "2026-06-30",
                "hours": "4",
            },
            content_type=JSON,
        ),
    ]
    assert [response.status_code for response in checks] == [404] * len(checks)
    assert client.get("/api/v1/resource-requests").json()["count"] == 0


def test_a_rejected_request_notifies_the_requester_as_their_preferences_say(
    org, setting, api_client, django_capture_on_commit_callbacks, mailoutbox
):
    from steerco.comms.models import Notification, NotificationPreference

    pm = setting["pm"]
    pm.email = "pm@acme.test"
    pm.save(update_fields=["email"])
    # E-mail only: the in-app row is written already read, as the record of what was sent.
    NotificationPreference.objects.create(
        user=pm, kind="resource_request_decided", in_app=False, email=True
    )
    url = f"/api/v1/resource-requests/{setting['pending'].pk}/reject"
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client(org.user("resource_manager")).post(
            url, {"reason": "Nobody free in March"}, content_type=JSON
        )
    assert answer.status_code == 200
    assert [message.to for message in mailoutbox] == [["pm@acme.test"]]
    notification = Notification.objects.get(recipient=pm)
    assert notification.read_at is not None
