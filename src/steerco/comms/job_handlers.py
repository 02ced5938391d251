"""Background jobs of the comms app: webhook deliveries, e-mails and digests.

The periodic ones (digests, e-mails other apps wrote, webhook retries) are started by the
worker's schedule, once per organisation; ``steerco comms ...`` runs them by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from steerco.jobs.periodic import organisation_ids_param, periodic_task
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

    sent = digest_send(
        period=str(params.get("period", "daily")), organisation_ids=organisation_ids_param(params)
    )
    progress(100, f"{sent} digest(s) sent")
    return {"sent": sent}


@job_handler("comms.send_emails")
def send_emails(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """E-mail notifications written without e-mail (params: organisation_id, optional)."""
    from steerco.comms.services import notification_email_pending

    sent = notification_email_pending(organisation_ids=organisation_ids_param(params))
    progress(100, f"{sent} e-mail(s) sent")
    return {"sent": sent}


@job_handler("comms.deliver_due_webhooks")
def deliver_due_webhooks(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Retry the webhook deliveries whose wait is over (params: organisation_id, optional)."""
    from steerco.comms.services import webhook_deliver_due

    deliveries = webhook_deliver_due(organisation_ids=organisation_ids_param(params))
    progress(100, f"{len(deliveries)} delivery attempt(s)")
    return {
        "attempts": len(deliveries),
        "succeeded": sum(1 for delivery in deliveries if delivery.status == "succeeded"),
    }


periodic_task(
    "comms.digest",
    name="comms.digest.daily",
    title="Daily notification digests",
    at=dt.time(6, 0),
    params={"period": "daily"},
)
periodic_task(
    "comms.digest",
    name="comms.digest.weekly",
    title="Weekly notification digests",
    at=dt.time(6, 0),
    weekday=0,
    params={"period": "weekly"},
)
periodic_task(
    "comms.send_emails",
    title="E-mail notifications from other apps",
    every=dt.timedelta(minutes=1),
)
# Each failed delivery already queues its own deferred retry; this sweep catches a retry lost
# with a worker that died mid-attempt, once its claim lease has run out.
periodic_task(
    "comms.deliver_due_webhooks",
    title="Retry webhook deliveries that are due",
    every=dt.timedelta(minutes=5),
)
