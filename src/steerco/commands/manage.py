"""``steerco manage ...``: Django's management commands (migrate, createsuperuser, ...)."""

from __future__ import annotations

import argparse

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "manage",
        help="run a Django management command (migrate, check, createsuperuser, ...)",
        add_help=False,
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["steerco manage", *args.arguments])
    return 0
