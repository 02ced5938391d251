"""``steerco bench mknap FILE``: solve OR-Library multidimensional knapsacks.

Each problem is solved as a one-month portfolio selection (each knapsack
constraint a budget) through the portfolio optimiser's own entry point.

With ``--json``, one line per problem with exactly the keys ``problem``
(0-based index), ``value``, ``bound``, ``optimal``, ``seconds`` and ``items``
(0-based indices of the chosen items). Without it, a table; when a
``best_known.csv`` sits next to the file (columns ``instance`` and
``best_feasible_chu_beasley_1998``, one row per problem in file order), or the
file states optima, the table compares with them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mknap", help="solve OR-Library multidimensional knapsack problems as portfolios"
    )
    parser.add_argument("file", type=Path, help="an OR-Library mknap file")
    parser.add_argument(
        "--problems", default=None, help="comma-separated 0-based problem indices (default all)"
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per problem")
    parser.add_argument("--workers", type=int, default=2, help="solver threads")
    parser.add_argument("--json", action="store_true", help="one JSON line per problem")
    parser.set_defaults(func=run)


def _best_known(path: Path) -> list[float] | None:
    table = path.parent / "best_known.csv"
    if not table.is_file():
        return None
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    values = []
    for row in rows:
        raw = row.get("best_feasible_chu_beasley_1998") or row.get("best_known") or ""
        try:
            values.append(float(raw))
        except ValueError:
            values.append(float("nan"))
    return values


def run(args: argparse.Namespace) -> int:
    from steerco.engine.errors import EngineError
    from steerco.engine.formats.mknap import knapsack_portfolio, read_mknap
    from steerco.engine.portfolio.optimiser import optimise

    try:
        problems = read_mknap(args.file)
    except (OSError, EngineError) as error:
        print(f"steerco bench mknap: {error}", file=sys.stderr)
        return 2
    if args.problems:
        try:
            chosen = [int(text) for text in args.problems.split(",") if text.strip()]
        except ValueError:
            print("steerco bench mknap: --problems takes indices like 0,1,2", file=sys.stderr)
            return 2
        bad = [k for k in chosen if not 0 <= k < len(problems)]
        if bad:
            print(
                f"steerco bench mknap: no problem {bad[0]} (the file has {len(problems)})",
                file=sys.stderr,
            )
            return 2
    else:
        chosen = list(range(len(problems)))
    best = _best_known(args.file)
    lines = []
    if not args.json:
        header = f"{'problem':>7} {'items':>5} {'value':>12} {'bound':>12} {'optimal':>7} {'s':>6}"
        header += f" {'reference':>12} {'vs ref %':>8}"
        print(header, flush=True)
    for k in chosen:
        problem = problems[k]
        result = optimise(
            knapsack_portfolio(problem),
            time_limit=args.time_limit,
            threads=args.workers,
            mip_rel_gap=0.0,
            shadow_prices=False,
        )
        items = sorted(int(item.project_id) for item in result.plan)
        line = {
            "problem": k,
            "value": result.value,
            "bound": result.bound,
            "optimal": bool(result.optimal),
            "seconds": round(result.seconds, 3),
            "items": items,
        }
        lines.append(line)
        if args.json:
            print(json.dumps(line), flush=True)
            continue
        reference = None
        if best is not None and k < len(best):
            reference = best[k]
        elif problem.optimum is not None:
            reference = problem.optimum
        versus = ""
        ref_text = ""
        if reference is not None and reference == reference:
            ref_text = f"{reference:,.1f}"
            versus = f"{100 * (result.value - reference) / reference:+.3f}"
        print(
            f"{k:>7} {problem.items:>5} {result.value:>12,.1f} {result.bound:>12,.1f} "
            f"{'yes' if result.optimal else 'no':>7} {result.seconds:>6.2f} "
            f"{ref_text:>12} {versus:>8}",
            flush=True,
        )
    if not args.json and (best is not None or any(p.optimum for p in problems)):
        references = []
        for line in lines:
            k = int(line["problem"])  # type: ignore[call-overload]
            ref = best[k] if best is not None and k < len(best) else problems[k].optimum
            if ref is not None and ref == ref:
                references.append((float(line["value"]), ref))  # type: ignore[arg-type]
        reached = sum(1 for value, ref in references if value >= ref - 1e-6 * max(1.0, abs(ref)))
        print(f"reached the reference value on {reached} of {len(references)} problems")
    return 0
