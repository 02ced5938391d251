"""Background jobs of the comms app: webhook deliveries and digests."""

from __future__ import annotations

from typing import Any

from steerco.jobs.registry import Progress, job_handler


@job_handler("comms.deliver_webhook")
def deliver_webhook(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from steerco.comms.services import webhook_deliver

    delivery = webhook_deliver(delivery_id=int(params["delivery_id"]))
    progress(100, f"{delivery.status} after {delivery.attempts} attempt(s)")
    return {
        "delivery_id": delivery.pk,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "response_code": delivery.response_code,
    }


@job_handler("comms.digest")
def send_digests(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    from steerco.comms.services import digest_send

    sent = digest_send(period=str(params.get("period", "daily")))
    progress(100, f"{sent} digest(s) sent")
    return {"sent": sent}
