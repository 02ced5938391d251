"""``steerco demo``: migrate, load the Northwind Holdings demo once, print the logins, serve."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from steerco.commands._django import setup_django
from steerco.commands.serve import add_serve_arguments, migrate, serve

if TYPE_CHECKING:
    from steerco.demo import DemoSummary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="load the demo organisation (once) and serve it with a worker",
        description=(
            "Migrate the database, load the deterministic Northwind Holdings demo unless it "
            "is already there, print the URL and one login per role, then run the web "
            "server and a job worker (unless --load-only)."
        ),
    )
    parser.add_argument(
        "--load-only", action="store_true", help="load the demo and exit without serving"
    )
    add_serve_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.demo import load_demo

    migrate()
    summary = load_demo()
    print_summary(summary, host=args.host, port=args.port, out=sys.stdout)
    if args.load_only:
        return 0
    sys.stdout.flush()
    return serve(args)


def print_summary(summary: DemoSummary, *, host: str, port: int, out: TextIO) -> None:
    """The URL, what was loaded and a table of logins."""
    if summary.created:
        counts = summary.counts
        out.write(
            f"Loaded {summary.organisation} ({summary.code}) in {summary.seconds:.1f} s: "
            f"{counts.get('projects', 0)} projects, {counts.get('tasks', 0):,} tasks, "
            f"{counts.get('people', 0)} people, "
            f"{counts.get('timesheet_entries', 0):,} timesheet entries.\n"
        )
    else:
        out.write(f"{summary.organisation} ({summary.code}) is already loaded.\n")
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    out.write(f"\nOpen http://{shown_host}:{port}/ and log in as:\n\n")
    rows = [("Role", "Username", "Password"), *summary.logins]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    rule = "  ".join("-" * width for width in widths)
    for index, row in enumerate(rows):
        out.write(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        )
        out.write("\n")
        if index == 0:
            out.write(rule + "\n")
    out.write("\n")
