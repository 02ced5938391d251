"""The comms API: permissions (owner / member / outsider), shapes, pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steerco.comms import services
from steerco.comms.models import Notification, NotificationKind
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _comment(world: World, body: str = "hello") -> Any:
    return services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body=body,
    )


def test_comment_round_trip(world: World, api_client: Any) -> None:
    manager = api_client(world.manager)
    created = manager.post(
        f"{API}/comments",
        {
            "content_type": "projects.project",
            "object_id": world.project.pk,
            "body": f"@{world.member.username} see this",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["mentions"] == [world.member.username]
    comment_id = created.json()["id"]
    listed = api_client(world.member).get(
        f"{API}/comments", {"content_type": "projects.project", "object_id": world.project.pk}
    )
    assert listed.status_code == 200
    assert [c["body"] for c in listed.json()["items"]] == [f"@{world.member.username} see this"]
    edited = manager.patch(
        f"{API}/comments/{comment_id}", {"body": "edited"}, content_type="application/json"
    )
    assert edited.json()["body"] == "edited"
    assert manager.delete(f"{API}/comments/{comment_id}").status_code == 204


def test_comment_permissions(world: World, api_client: Any) -> None:
    comment = _comment(world)
    query = {"content_type": "projects.project", "object_id": world.project.pk}
    for outsider in (world.bystander, world.stranger):
        client = api_client(outsider)
        assert client.get(f"{API}/comments", query).status_code == 404
        assert (
            client.post(
                f"{API}/comments", {**query, "body": "x"}, content_type="application/json"
            ).status_code
            == 404
        )
        assert client.delete(f"{API}/comments/{comment.pk}").status_code == 404
    # A member sees the comment but may not change another's words.
    member = api_client(world.member)
    assert member.delete(f"{API}/comments/{comment.pk}").status_code == 403
    assert (
        member.post(
            f"{API}/comments", {**query, "body": "  "}, content_type="application/json"
        ).status_code
        == 422
    )


def test_notifications_are_the_callers_own(world: World, api_client: Any) -> None:
    _comment(world, f"@{world.member.username} one")
    notification = Notification.objects.get()
    member = api_client(world.member)
    body = member.get(f"{API}/notifications", {"unread": True}).json()
    assert body["count"] == 1
    assert body["items"][0]["actor"] == world.manager.username
    assert api_client(world.manager).get(f"{API}/notifications").json()["count"] == 0
    other = api_client(world.pmo)
    assert other.post(f"{API}/notifications/{notification.pk}/read").status_code == 404
    read = member.post(f"{API}/notifications/{notification.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert member.get(f"{API}/notifications", {"unread": True}).json()["count"] == 0
    assert member.post(f"{API}/notifications/read-all").json() == {"marked": 0}


def test_preferences(world: World, api_client: Any) -> None:
    client = api_client(world.member)
    rows = client.get(f"{API}/notification-preferences").json()
    assert len(rows) == len(NotificationKind)
    assert rows[0] | {} == {**rows[0], "in_app": True, "email": True, "digest": "none"}
    saved = client.put(
        f"{API}/notification-preferences/mention",
        {"in_app": True, "email": False, "digest": "weekly"},
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json()["digest"] == "weekly"
    bad = client.put(
        f"{API}/notification-preferences/nonsense", {}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_activity_endpoints(world: World, api_client: Any) -> None:
    _comment(world)
    path = f"{API}/projects/{world.project.pk}/activity"
    items = api_client(world.member).get(path).json()["items"]
    assert [(i["verb"], i["project_code"]) for i in items] == [("commented on", "PRJ-001")]
    assert api_client(world.bystander).get(path).status_code == 404
    assert api_client(world.stranger).get(path).status_code == 404
    portfolio_path = f"{API}/portfolios/{world.project.portfolio_id}/activity"
    assert api_client(world.pmo).get(portfolio_path).json()["count"] == 1
    assert api_client(world.stranger).get(portfolio_path).status_code == 404


def test_calendar_feed_endpoints(world: World, api_client: Any, client: Any) -> None:
    api = api_client(world.member)
    created = api.post(f"{API}/calendar-feeds")
    assert created.status_code == 201
    url = created.json()["url"]
    assert url.startswith("http://testserver/comms/calendar/") and url.endswith(".ics")
    feed = client.get(url.removeprefix("http://testserver"))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.content
    token_id = created.json()["id"]
    assert api_client(world.manager).delete(f"{API}/calendar-feeds/{token_id}").status_code == 404
    assert api.delete(f"{API}/calendar-feeds/{token_id}").status_code == 204
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


def test_webhook_endpoints(world: World, api_client: Any) -> None:
    pmo = api_client(world.pmo)
    created = pmo.post(
        f"{API}/webhooks",
        {"name": "Chat", "url": "https://chat.example/hook", "events": ["comment.created"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    webhook_id = created.json()["id"]
    assert "secret" not in pmo.get(f"{API}/webhooks").json()["items"][0]
    patched = pmo.patch(
        f"{API}/webhooks/{webhook_id}", {"is_active": False}, content_type="application/json"
    )
    assert patched.json()["is_active"] is False
    assert pmo.get(f"{API}/webhooks/{webhook_id}/deliveries").json()["count"] == 0
    manager = api_client(world.manager)
    assert manager.get(f"{API}/webhooks").status_code == 403
    assert (
        manager.post(
            f"{API}/webhooks",
            {"name": "x", "url": "https://x.example/"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert manager.delete(f"{API}/webhooks/{webhook_id}").status_code == 404
    assert api_client(world.stranger).delete(f"{API}/webhooks/{webhook_id}").status_code == 404
    assert pmo.delete(f"{API}/webhooks/{webhook_id}").status_code == 204


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("path", "expected"), [(f"{API}/notifications", 3), ("/comms/notifications/", 8)]
)
def test_notification_list_query_count_does_not_grow(
    world: World, api_client: Any, client: Any, path: str, expected: int
) -> None:
    if path.startswith(API):
        reader = api_client(world.member)
    else:
        client.force_login(world.member)
        reader = client

    def add(count: int) -> None:
        Notification.objects.bulk_create(
            Notification(
                organisation=world.org.organisation,
                recipient=world.member,
                actor=world.manager,
                kind=NotificationKind.MENTION,
                title=f"Note {n}",
            )
            for n in range(count)
        )

    add(2)
    _queries(reader, path)  # the first request of a session or token writes bookkeeping rows
    small = _queries(reader, path)
    add(30)
    large = _queries(reader, path)
    assert small == large == expected
