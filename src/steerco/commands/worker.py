"""``steerco worker``: run background jobs from the database queue, and the periodic ones.

Start as many as you like, on as many machines as share the database. Each worker also
ticks the periodic schedule (digests, reminders, executive packs, e-mail and webhook
retries: ``steerco jobs periodic`` lists them); however many workers tick, each due run
starts once. ``--no-scheduler`` leaves the schedule to the other workers.
"""

from __future__ import annotations

import argparse

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker", help="run background jobs (optimiser, simulations, reports) and periodic tasks"
    )
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between queue polls")
    parser.add_argument(
        "--batch",
        action="store_true",
        help="start the periodic tasks that are due, run the queue, exit when it is empty",
    )
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="run queued jobs only; do not start periodic tasks",
    )
    parser.add_argument(
        "--tick",
        type=_positive_seconds,
        default=30.0,
        help="seconds between checks of the periodic schedule (default 30)",
    )
    parser.set_defaults(func=run)


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    from steerco.jobs.periodic_services import periodic_tick
    from steerco.jobs.scheduler import PeriodicScheduler

    # No auto-reload: a reloader child would outlive the process that started the worker.
    options: dict[str, object] = {"interval": args.interval, "reload": False}
    scheduler: PeriodicScheduler | None = None
    if args.batch:
        options["batch"] = True
        if not args.no_scheduler:
            periodic_tick()
    elif not args.no_scheduler:
        scheduler = PeriodicScheduler(args.tick)
        scheduler.start()
    try:
        # db_worker turns SIGTERM and Ctrl-C into a clean exit (after the job in hand), which
        # reaches the `finally` below as a return or a SystemExit.
        call_command("db_worker", **options)
    finally:
        if scheduler is not None:
            scheduler.stop()
    return 0
