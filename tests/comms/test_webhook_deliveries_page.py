"""The webhooks page reads only each webhook's latest deliveries; older ones are paged."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from steerco.comms import services
from steerco.comms.models import Webhook, WebhookDelivery
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db


def deliver(webhook: Webhook, count: int, *, start: int = 0) -> None:
    """``count`` deliveries, one a minute; the n-th carries ``n`` in its event's payload."""
    first = timezone.now() - datetime.timedelta(days=90)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=webhook,
            event="gate_review.decided",
            payload={"n": n},
            status=WebhookDelivery.Status.SUCCEEDED,
            response_code=200,
            last_error=f"delivery {n:04d}",
        )
        for n in range(start, start + count)
    )
    # ``created_at`` is set on insert: spread the rows out so that "latest" means something.
    for n, row in enumerate(rows, start=start):
        WebhookDelivery.objects.filter(pk=row.pk).update(
            created_at=first + datetime.timedelta(minutes=n)
        )


def webhook(world: World, name: str) -> Webhook:
    created, _ = services.webhook_create(
        acting_user=world.pmo, name=name, url=f"https://{name.lower()}.example.com/h"
    )
    return created


def queries_of(client: Any, url: str) -> int:
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_webhooks_page_shows_the_latest_ten_and_a_count(
    world: World, page_client: Any, django_assert_max_num_queries: Any
) -> None:
    chat = webhook(world, "Chat")
    quiet = webhook(world, "Quiet")
    deliver(chat, 25)
    deliver(quiet, 3)
    client = page_client(world.pmo)
    client.get("/comms/webhooks/")
    with django_assert_max_num_queries(10):
        page = client.get("/comms/webhooks/")
    html = page.content.decode()
    # The latest ten of Chat, newest first; nothing older is read.
    assert [f"delivery {n:04d}" in html for n in (24, 15, 14)] == [True, True, False]
    assert html.index("delivery 0024") < html.index("delivery 0015")
    assert "The latest 10 of 25." in html
    assert f'href="/comms/webhooks/{chat.pk}/deliveries/">25</a>' in html
    # Quiet has all of its three on the page: no link to older ones.
    assert "The latest 3 of 3" not in html
    assert html.count('data-testid="older-deliveries"') == 1


def test_the_webhooks_page_reads_as_many_rows_with_months_of_deliveries(
    world: World, page_client: Any
) -> None:
    chat = webhook(world, "Chat")
    other = webhook(world, "Other")
    deliver(chat, 2)
    deliver(other, 1)
    client = page_client(world.pmo)
    few = queries_of(client, "/comms/webhooks/")
    deliver(chat, 300, start=2)
    deliver(other, 200, start=1)
    many = queries_of(client, "/comms/webhooks/")
    assert many == few


def test_older_deliveries_are_paged_newest_first(world: World, page_client: Any) -> None:
    chat = webhook(world, "Chat")
    deliver(chat, 60)
    client = page_client(world.pmo)
    url = f"/comms/webhooks/{chat.pk}/deliveries/"
    first = client.get(url).content.decode()
    assert first.count("<tr><td>") == 50
    assert "delivery 0059" in first and "delivery 0010" in first and "delivery 0009" not in first
    assert "Page 1 of 2 (60 deliveries)" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("<tr><td>") == 10
    assert "delivery 0009" in second and "delivery 0000" in second
    few = queries_of(client, url)
    deliver(chat, 200, start=60)
    assert queries_of(client, url) == few


def test_only_webhook_managers_of_the_organisation_see_the_deliveries(
    world: World, page_client: Any
) -> None:
    chat = webhook(world, "Chat")
    url = f"/comms/webhooks/{chat.pk}/deliveries/"
    assert page_client(world.manager).get(url).status_code == 404
    assert page_client(world.stranger).get(url).status_code == 404
    assert page_client(world.pmo).get(url).status_code == 200
