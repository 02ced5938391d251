"""The ``steerco`` command line.

Sub-commands live in :mod:`steerco.commands`; each registers itself. Commands
that need the database call :func:`steerco.commands._django.setup_django`
first, so that engine-only commands (``steerco bench ...``) start fast and
work without a configured database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from steerco import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steerco", description="Steerco: project portfolio management for a PMO."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.discover(commands, sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
