"""Links in notifications never lead off the site, whatever the client's headers say."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from steerco.comms import services
from steerco.comms.models import Notification, NotificationKind
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db

PHISHING_PAGE = "http://testserver//evil.example/phish"


def test_editing_a_comment_with_a_forged_current_url_stores_and_redirects_nowhere_else(
    world: World, page_client: Any
) -> None:
    comment = services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body="Forecast attached.",
    )
    author = page_client(world.manager)
    edited = author.post(
        f"/comms/comments/{comment.pk}/edit/",
        {"body": f"Forecast attached, @{world.member.username}."},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=PHISHING_PAGE,
    )
    assert edited.status_code == 200
    notification = Notification.objects.get(recipient=world.member)
    # The project's own page, known on the server, not the header's.
    assert notification.url == reverse("projects:detail", args=[world.project.pk])

    reader = page_client(world.member)
    opened = reader.post(f"/comms/notifications/{notification.pk}/read/")
    assert opened.status_code == 302
    assert opened["Location"] == notification.url
    assert "evil.example" not in opened["Location"]


def test_posting_a_comment_with_a_forged_current_url_stores_the_object_page(
    world: World, page_client: Any
) -> None:
    client = page_client(world.member)
    client.post(
        f"/comms/comments/projects.project/{world.project.pk}/",
        {"body": f"@{world.manager.username} see this"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=PHISHING_PAGE,
    )
    notification = Notification.objects.get(recipient=world.manager)
    assert notification.url == reverse("projects:detail", args=[world.project.pk])


@pytest.mark.parametrize(
    "stored",
    [
        "//evil.example/x",
        "/\\evil.example/x",
        "https://evil.example/x",
        "http://testserver//evil.example/x",
        "javascript:alert(1)",
    ],
)
def test_opening_a_notification_with_an_outside_link_stays_on_the_site(
    world: World, page_client: Any, stored: str
) -> None:
    notification = Notification.objects.create(
        organisation=world.org.organisation,
        recipient=world.member,
        kind=NotificationKind.MENTION,
        title="Old row",
        url=stored,
    )
    opened = page_client(world.member).post(f"/comms/notifications/{notification.pk}/read/")
    assert opened.status_code == 302
    assert opened["Location"] == reverse("comms:notifications")


def test_opening_a_notification_with_a_local_link_goes_there(
    world: World, page_client: Any
) -> None:
    local = f"/projects/{world.project.pk}/?tab=risks"
    notification = Notification.objects.create(
        organisation=world.org.organisation,
        recipient=world.member,
        kind=NotificationKind.MENTION,
        title="Row",
        url=local,
    )
    opened = page_client(world.member).post(f"/comms/notifications/{notification.pk}/read/")
    assert opened["Location"] == local
