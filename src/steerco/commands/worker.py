"""``steerco worker``: run background jobs from the database queue.

Start as many as you like, on as many machines as share the database.
"""

from __future__ import annotations

import argparse

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker", help="run background jobs (optimiser, simulations, reports)"
    )
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between queue polls")
    parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    # No auto-reload: a reloader child would outlive the process that started the worker.
    options: dict[str, object] = {"interval": args.interval, "reload": False}
    if args.batch:
        options["batch"] = True
    call_command("db_worker", **options)
    return 0
