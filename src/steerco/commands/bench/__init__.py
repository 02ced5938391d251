"""``steerco bench ...``: run the engine on published benchmark files.

Each module here adds one ``steerco bench NAME`` sub-command. Their ``--json``
output lines are an interface other people measure the project with: keep the
keys exactly as documented.
"""

from __future__ import annotations

import argparse
import sys

from steerco import commands


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run the engine on benchmark instance files")
    bench_sub = parser.add_subparsers(dest="bench_command", metavar="BENCHMARK", required=True)
    commands.discover(sys.modules[__name__], bench_sub)
