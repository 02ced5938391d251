"""``steerco comms ...``: e-mail digests and webhook retries, by hand.

The worker runs each of these on its own schedule (``steerco jobs periodic`` lists them).

- ``steerco comms digest --period daily|weekly`` e-mails each user who chose that digest one
  summary of their notifications not yet e-mailed; prints how many digests went out.
- ``steerco comms deliver-webhooks`` retries every webhook delivery whose wait is over (the
  worker does this by itself when its queue can defer jobs); prints one line per attempt.
- ``steerco comms send-emails`` e-mails notifications that other apps wrote without e-mail.
"""

from __future__ import annotations

import argparse

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("comms", help="notification digests and webhook retries")
    sub = parser.add_subparsers(dest="comms_command", metavar="ACTION", required=True)

    digest = sub.add_parser("digest", help="e-mail daily or weekly notification digests")
    digest.add_argument("--period", choices=["daily", "weekly"], required=True)
    digest.set_defaults(func=run_digest)

    deliver = sub.add_parser("deliver-webhooks", help="retry webhook deliveries that are due")
    deliver.set_defaults(func=run_deliver)

    emails = sub.add_parser("send-emails", help="e-mail notifications not yet e-mailed")
    emails.set_defaults(func=run_send_emails)


def run_digest(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.comms.services import digest_send

    sent = digest_send(period=args.period)
    print(f"{sent} {args.period} digest(s) sent")
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.comms.services import webhook_deliver_due

    deliveries = webhook_deliver_due()
    for delivery in deliveries:
        print(
            f"delivery {delivery.pk} {delivery.event} -> {delivery.webhook.url}: "
            f"{delivery.status} (attempt {delivery.attempts}"
            f"{', HTTP ' + str(delivery.response_code) if delivery.response_code else ''})"
        )
    print(f"{len(deliveries)} delivery attempt(s)")
    return 0


def run_send_emails(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.comms.services import notification_email_pending

    print(f"{notification_email_pending()} e-mail(s) sent")
    return 0
