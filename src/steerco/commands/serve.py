"""``steerco serve``: migrate, then serve the web application and a worker."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="migrate, then run the web server and a worker")
    add_serve_arguments(parser)
    parser.set_defaults(func=run)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--no-worker", action="store_true", help="do not start a job worker")


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(args: argparse.Namespace) -> int:
    """Run the server in this process and a worker beside it; stop both together."""
    from django.core.management import call_command

    # SIGTERM (a service manager, `kill PID`) must stop the worker too: turn it into the same
    # clean exit as Ctrl-C so that the `finally` below runs.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    worker = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "steerco.cli", "worker"])
    try:
        call_command(
            "runserver", f"{args.host}:{args.port}", use_reloader=False, use_threading=True
        )
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    return serve(args)
