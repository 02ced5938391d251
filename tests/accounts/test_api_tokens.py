from __future__ import annotations

from django.test import Client

from steerco.accounts.models import ApiToken
from steerco.core.models import AuditEntry


def test_token_authenticates_and_is_stored_hashed(org, api_client):
    # Given a project manager with a personal token
    client = api_client(org.user("project_manager"))
    # When they call the API
    response = client.get("/api/v1/me")
    # Then they are recognised, and only a hash of the key is stored
    assert response.status_code == 200
    assert response.json()["role"] == "project_manager"
    token = ApiToken.objects.get(user=org.user("project_manager"))
    assert len(token.key_hash) == 64
    assert token.key_hash not in client.defaults["HTTP_AUTHORIZATION"]


def test_token_is_shown_once_and_can_be_revoked(org, api_client):
    client = api_client(org.user("executive"))
    created = client.post("/api/v1/tokens", {"name": "script"}, content_type="application/json")
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/api/v1/tokens").json()
    assert all("key" not in t for t in listed)
    script = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert script.get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 204
    assert script.get("/api/v1/me").status_code == 401
    assert AuditEntry.objects.filter(entity_type="accounts.apitoken").count() >= 3


def test_blank_token_name_is_a_field_error_and_writes_nothing(org, api_client):
    client = api_client(org.user("team_member"))
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", {"name": "  "}, content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "name": ["Give the token a name, e.g. 'reporting script'."]
    }
    assert ApiToken.objects.count() == before


def test_missing_or_bad_token_is_unauthorised_problem(db):
    response = Client(HTTP_AUTHORIZATION="Bearer stc_nope").get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert Client().get("/api/v1/me").status_code == 401


def test_user_cannot_revoke_another_users_token(org, other_org, api_client):
    owner = api_client(org.user("executive"))
    token_id = owner.post("/api/v1/tokens", {"name": "x"}, content_type="application/json").json()[
        "id"
    ]
    outsider = api_client(other_org.user("administrator"))
    assert outsider.delete(f"/api/v1/tokens/{token_id}").status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None
