"""The comms pages and the comments panel other pages embed, and the CLI."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from steerco.cli import main
from steerco.comms import services
from steerco.comms.models import Comment, Notification, NotificationPreference, WebhookDelivery
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db


def test_comments_panel_loads_and_posts_through_htmx(world: World, page_client: Any) -> None:
    client = page_client(world.member)
    url = f"/comms/comments/projects.project/{world.project.pk}/"
    panel = client.get(url, HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert b"No comments yet." in panel.content
    assert b"<html" not in panel.content
    posted = client.post(
        url,
        {"body": f"@{world.manager.username} ready for review"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/projects/{world.project.pk}/",
    )
    assert posted.status_code == 200
    assert b"ready for review" in posted.content
    notification = Notification.objects.get(recipient=world.manager)
    assert notification.url == f"/projects/{world.project.pk}/"
    empty = client.post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert b"Write something." in empty.content
    comment = Comment.objects.get()
    deleted = client.post(f"/comms/comments/{comment.pk}/delete/", HTTP_HX_REQUEST="true")
    assert deleted.status_code == 200
    assert not Comment.objects.exists()
    # Without htmx the same address is a whole page.
    assert b"<html" in client.get(url).content


def test_comments_panel_is_not_found_for_outsiders(world: World, page_client: Any) -> None:
    url = f"/comms/comments/projects.project/{world.project.pk}/"
    assert page_client(world.bystander).get(url).status_code == 404
    assert page_client(world.stranger).get(url).status_code == 404
    assert page_client(world.member).get("/comms/comments/accounts.user/1/").status_code == 404


def test_notifications_page_marks_read_and_saves_preferences(
    world: World, page_client: Any
) -> None:
    services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body=f"@{world.member.username} hi",
    )
    client = page_client(world.member)
    page = client.get("/comms/notifications/")
    assert page.status_code == 200
    assert b"1 unread" in page.content
    assert b"Notifications" in page.content
    notification = Notification.objects.get()
    fragment = client.post(f"/comms/notifications/{notification.pk}/read/", HTTP_HX_REQUEST="true")
    assert b"Mark read" not in fragment.content
    notification.refresh_from_db()
    assert notification.read_at is not None
    saved = client.post("/comms/preferences/", {"mention-in_app": "on", "mention-digest": "weekly"})
    assert saved.status_code == 302
    mention = NotificationPreference.objects.get(user=world.member, kind="mention")
    assert (mention.in_app, mention.email, mention.digest) == (True, False, "weekly")
    assert NotificationPreference.objects.get(user=world.member, kind="comment").in_app is False


def test_calendar_address_is_shown_once_and_revocable(world: World, page_client: Any) -> None:
    client = page_client(world.member)
    client.post("/comms/calendar-feeds/new/")
    page = client.get("/comms/notifications/").content.decode()
    assert "/comms/calendar/" in page
    assert "/comms/calendar/" not in client.get("/comms/notifications/").content.decode()


def test_activity_and_webhook_pages(world: World, page_client: Any) -> None:
    services.activity_record(
        actor=world.manager, verb="requested gate", label="G1", project=world.project
    )
    member = page_client(world.member)
    page = member.get(f"/comms/projects/{world.project.pk}/activity/")
    assert b"requested gate" in page.content
    assert (
        page_client(world.bystander)
        .get(f"/comms/projects/{world.project.pk}/activity/")
        .status_code
        == 404
    )
    pmo = page_client(world.pmo)
    assert (
        b"requested gate"
        in pmo.get(f"/comms/portfolios/{world.project.portfolio_id}/activity/").content
    )
    created = pmo.post("/comms/webhooks/", {"name": "Chat", "url": "https://chat.example/h"})
    assert b"webhook-secret" in created.content
    assert page_client(world.manager).get("/comms/webhooks/").status_code == 403


def test_cli_digest(world: World, capsys: Any) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=True, digest="weekly"
    )
    services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body=f"@{world.member.username} hi",
    )
    assert main(["comms", "digest", "--period", "weekly"]) == 0
    assert "1 weekly digest(s) sent" in capsys.readouterr().out
    assert len(mail.outbox) == 1
    assert main(["comms", "deliver-webhooks"]) == 0
    assert "0 delivery attempt(s)" in capsys.readouterr().out


def test_webhook_page_lists_the_catalogue_and_recent_deliveries(
    world: World, page_client: Any, django_assert_max_num_queries: Any
) -> None:
    webhook, _ = services.webhook_create(
        acting_user=world.pmo,
        name="Chat",
        url="https://chat.example.com/h",
        events=["gate_review.decided"],
    )
    for n in range(12):
        services.webhook_dispatch(
            organisation_id=world.org.organisation.pk,
            event="gate_review.decided",
            payload={"n": n},
        )
    WebhookDelivery.objects.filter(webhook=webhook).update(
        status="failed", attempts=6, response_code=503, last_error="HTTP 503 Service Unavailable"
    )
    client = page_client(world.pmo)
    client.get("/comms/webhooks/")
    with django_assert_max_num_queries(10):
        page = client.get("/comms/webhooks/")
    assert page.status_code == 200
    assert b"Recent deliveries to Chat" in page.content
    assert page.content.count(b"HTTP 503 Service Unavailable") == 10  # the latest ten
    assert b"<code>qa_finding.overdue</code>" in page.content
    refused = client.post(
        "/comms/webhooks/", {"name": "Typo", "url": "https://x.example.com", "events": "gate"}
    )
    assert b"Unknown event(s) gate" in refused.content
