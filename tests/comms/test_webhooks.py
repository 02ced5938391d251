"""Webhooks: signatures a receiver can verify, delivery to a local server, retries."""

from __future__ import annotations

import datetime
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from steerco.comms import services, webhooks
from steerco.comms.models import WebhookDelivery
from steerco.core.errors import AccessDenied, NotFound, ValidationFailed
from steerco.jobs.models import Job
from tests.comms.conftest import World


@dataclass
class Receiver:
    """A tiny HTTP server on loopback that answers with the next queued status code."""

    url: str = ""
    codes: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            self.send_response(state.codes.pop(0) if state.codes else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_signature_is_the_hmac_sha256_of_the_body() -> None:
    body = b'{"event":"comment.created"}'
    expected = "sha256=" + hmac.new(b"key", body, "sha256").hexdigest()
    assert webhooks.signature("key", body) == expected
    assert webhooks.signature_is_valid("key", body, expected)
    assert not webhooks.signature_is_valid("other", body, expected)
    assert not webhooks.signature_is_valid("key", body + b" ", expected)
    # The published example of HMAC-SHA256 (Wikipedia, "HMAC", Examples).
    assert (
        webhooks.signature("key", b"The quick brown fox jumps over the lazy dog")
        == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


@pytest.mark.django_db(transaction=True)
def test_a_project_event_is_delivered_signed_by_a_background_job(
    world: World, receiver: Receiver
) -> None:
    webhook, secret = services.webhook_create(
        acting_user=world.pmo, name="Chat", url=receiver.url, events=["comment.created"]
    )
    services.webhook_create(
        acting_user=world.pmo, name="Other", url=receiver.url, events=["gate_review.decided"]
    )
    services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body="Kick-off done.",
    )
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert webhooks.signature_is_valid(secret, body, headers["X-Steerco-Signature"])
    assert headers["X-Steerco-Event"] == "comment.created"
    payload = json.loads(body)
    assert payload["project"] == {"id": world.project.pk, "code": "PRJ-001"}
    assert payload["actor"] == world.manager.username
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == webhook
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.response_code == 200
    assert Job.objects.get().kind == "comms.deliver_webhook"


@pytest.mark.django_db
def test_a_500_is_retried_with_backoff_until_it_succeeds(world: World, receiver: Receiver) -> None:
    webhook, _ = services.webhook_create(acting_user=world.pmo, name="Flaky", url=receiver.url)
    receiver.codes = [500, 503]
    (delivery,) = services.webhook_dispatch(
        organisation_id=world.org.organisation.pk, event="project.updated", payload={"a": 1}
    )
    start = timezone.now()
    first = services.webhook_deliver(delivery_id=delivery.pk, now=start)
    assert (first.status, first.attempts, first.response_code) == ("pending", 1, 500)
    assert first.next_attempt_at == start + datetime.timedelta(minutes=1)
    # Not due yet: nothing is attempted.
    assert services.webhook_deliver_due(now=start + datetime.timedelta(seconds=30)) == []
    (second,) = services.webhook_deliver_due(now=start + datetime.timedelta(minutes=1))
    assert (second.status, second.attempts, second.response_code) == ("pending", 2, 503)
    assert second.next_attempt_at == start + datetime.timedelta(minutes=3)
    (third,) = services.webhook_deliver_due(now=start + datetime.timedelta(minutes=3))
    assert (third.status, third.attempts, third.response_code) == ("succeeded", 3, 200)
    assert len(receiver.requests) == 3
    assert webhook.deliveries.count() == 1


@pytest.mark.django_db
def test_a_delivery_gives_up_after_the_last_attempt(world: World, receiver: Receiver) -> None:
    services.webhook_create(acting_user=world.pmo, name="Down", url=receiver.url)
    receiver.codes = [500] * services.WEBHOOK_MAX_ATTEMPTS
    (delivery,) = services.webhook_dispatch(
        organisation_id=world.org.organisation.pk, event="x", payload={}
    )
    now = timezone.now()
    for _ in range(services.WEBHOOK_MAX_ATTEMPTS):
        now += datetime.timedelta(hours=1)
        result = services.webhook_deliver(delivery_id=delivery.pk, now=now)
    assert result.status == WebhookDelivery.Status.FAILED
    assert result.attempts == services.WEBHOOK_MAX_ATTEMPTS
    assert result.next_attempt_at is None
    assert services.webhook_deliver(delivery_id=delivery.pk, now=now).attempts == result.attempts
    assert len(receiver.requests) == services.WEBHOOK_MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_attempt_that_is_not_due_or_claimed_elsewhere_is_skipped(
    world: World, receiver: Receiver
) -> None:
    services.webhook_create(acting_user=world.pmo, name="Slow", url=receiver.url)
    receiver.codes = [500]
    (delivery,) = services.webhook_dispatch(
        organisation_id=world.org.organisation.pk, event="x", payload={}
    )
    start = timezone.now()
    services.webhook_deliver(delivery_id=delivery.pk, now=start)
    early = services.webhook_deliver(delivery_id=delivery.pk, now=start)
    assert early.attempts == 1
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_an_unreachable_receiver_is_a_failed_attempt_not_a_crash(world: World) -> None:
    services.webhook_create(acting_user=world.pmo, name="Gone", url="http://127.0.0.1:9/nothing")
    (delivery,) = services.webhook_dispatch(
        organisation_id=world.org.organisation.pk, event="x", payload={}
    )
    result = services.webhook_deliver(delivery_id=delivery.pk)
    assert result.status == WebhookDelivery.Status.PENDING
    assert result.response_code is None
    assert result.last_error


@pytest.mark.django_db
def test_only_administrators_and_pmo_manage_webhooks(world: World) -> None:
    with pytest.raises(AccessDenied):
        services.webhook_create(acting_user=world.manager, name="x", url="https://example.org/")
    with pytest.raises(ValidationFailed):
        services.webhook_create(acting_user=world.pmo, name="x", url="ftp://example.org/")
    webhook, _ = services.webhook_create(
        acting_user=world.pmo, name="x", url="https://example.org/"
    )
    with pytest.raises(NotFound):
        services.webhook_update(acting_user=world.stranger, webhook_id=webhook.pk, name="y")
    updated = services.webhook_update(acting_user=world.pmo, webhook_id=webhook.pk, is_active=False)
    assert not updated.is_active
    assert (
        services.webhook_dispatch(organisation_id=world.org.organisation.pk, event="x", payload={})
        == []
    )
