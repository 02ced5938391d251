"""Signing and sending webhook payloads.

Each delivery is one HTTP POST of a JSON body; the receiver checks the header
``X-Steerco-Signature: sha256=<hex>``, an HMAC-SHA256 of the raw body keyed by the
webhook's secret (the scheme GitHub uses for its webhooks), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Steerco-Signature"
EVENT_HEADER = "X-Steerco-Event"
DELIVERY_HEADER = "X-Steerco-Delivery"
TIMEOUT_SECONDS = 10


def signature(secret: str, body: bytes) -> str:
    """The header value for ``body``: ``sha256=`` and the hex HMAC-SHA256 digest."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_is_valid(secret: str, body: bytes, header_value: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header_value)


def encode_payload(payload: dict[str, Any]) -> bytes:
    # Sorted keys and no spaces: the same payload always gives the same bytes and signature.
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Attempt:
    succeeded: bool
    status_code: int | None
    error: str


def post(
    *, url: str, secret: str, event: str, delivery_id: int, payload: dict[str, Any]
) -> Attempt:
    """POST the signed payload once; any 2xx answer is a success, anything else a failure."""
    body = encode_payload(payload)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Steerco-Webhook/1",
            SIGNATURE_HEADER: signature(secret, body),
            EVENT_HEADER: event,
            DELIVERY_HEADER: str(delivery_id),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            code = int(response.status)
    except urllib.error.HTTPError as error:
        return Attempt(False, int(error.code), f"HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Attempt(False, None, f"{type(error).__name__}: {error}"[:1000])
    return Attempt(200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}")
