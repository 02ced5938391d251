"""``steerco seed``: bulk-load a large generated portfolio for benchmarks."""

from __future__ import annotations

import argparse
import sys

from steerco.commands._django import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seed",
        help="bulk-load a large generated portfolio (for benchmarks)",
        description=(
            "Add N generated projects of M tasks each (with links, dates, floats and role "
            "demand) to an organisation, creating it with people and capacity the first "
            "time. Prints the time taken and the size of the database."
        ),
    )
    parser.add_argument("--projects", type=int, required=True, metavar="N")
    parser.add_argument("--tasks-per-project", type=int, default=100, metavar="M")
    parser.add_argument("--organisation", default="SEED", metavar="CODE")
    parser.add_argument(
        "--people", type=int, default=None, metavar="P", help="default: projects / 20, >= 50"
    )
    parser.add_argument("--seed", type=int, default=20261116, help="random seed")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.projects < 1 or args.tasks_per_project < 2:
        print("steerco seed: need --projects >= 1 and --tasks-per-project >= 2", file=sys.stderr)
        return 2
    setup_django()
    from steerco.commands.serve import migrate
    from steerco.demo.seed import seed_portfolio

    migrate()

    def progress(done: int, total: int) -> None:
        if not args.quiet and (done == total or done % 1000 == 0):
            print(f"  {done:,} / {total:,} projects", flush=True)

    summary = seed_portfolio(
        projects=args.projects,
        tasks_per_project=args.tasks_per_project,
        organisation_code=args.organisation,
        people=args.people,
        random_seed=args.seed,
        progress=progress,
    )
    size = summary.database_bytes
    size_text = f"{size / 1_000_000:,.1f} MB" if size is not None else "unknown"
    print(
        f"Seeded {summary.projects:,} projects, {summary.tasks:,} tasks, {summary.links:,} links "
        f"and {summary.role_demands:,} role-demand rows into {summary.organisation} "
        f"in {summary.seconds:.1f} s; database size {size_text}."
    )
    return 0
