"""``steerco bench psplib FILE...``: level PSPLIB instances and compare to the best known.

Per instance it prints the makespan, the lower bound, whether the makespan is
proven optimal, the seconds taken and, with ``--reference``, the gap to the best
known makespan. A summary follows: instances proven optimal, mean gap to the
best known and mean deviation above the critical-path bound.

With ``--json`` each instance is one JSON line with exactly the keys
``instance``, ``makespan``, ``lower_bound``, ``optimal``, ``seconds`` and
``starts`` (start of every job in file order, dummy jobs included), and the
summary goes to standard error so the output stays JSON lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

JSON_KEYS = ("instance", "makespan", "lower_bound", "optimal", "seconds", "starts")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "psplib",
        help="level PSPLIB single-mode RCPSP instances (.sm) and report gaps",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".sm files (or folders of them)")
    parser.add_argument(
        "--method",
        choices=("heuristic", "solver"),
        default="solver",
        help="heuristic only, or heuristic then CP-SAT (default)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds per instance (default 10)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="W",
        help=(
            "parallel workers of the solver method (default 2): CP-SAT's num_workers is "
            "W-1 and one more thread runs the exact branch and bound (networks of up to 62 "
            "tasks with plain finish-to-start links) and the genetic search beside it; "
            "W=1 runs CP-SAT alone"
        ),
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--reference",
        metavar="CSV",
        help="CSV of best known makespans (columns instance and best_ub, or makespan)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON line per instance")
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class _Reference:
    best_known: int
    optimal_known: bool


def _read_reference(path: str) -> dict[str, _Reference]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        value_column = next(
            (
                name
                for name in ("best_ub", "makespan", "best_known", "psplib_ref")
                if name in columns
            ),
            None,
        )
        if "instance" not in columns or value_column is None:
            raise SystemExit(
                f"{path}: the reference CSV needs an 'instance' column and a 'best_ub' "
                "(or 'makespan') column"
            )
        table = {}
        for row in reader:
            name = Path(row["instance"].strip()).stem
            value = row[value_column].strip()
            if value:
                table[name] = _Reference(int(value), row.get("status", "") == "optimal")
    return table


def _instance_files(arguments: list[str]) -> list[Path]:
    files: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            files.extend(sorted(path.glob("*.sm")))
        else:
            files.append(path)
    return files


def run(args: argparse.Namespace) -> int:
    from steerco.engine.errors import EngineError
    from steerco.engine.formats.psplib import read_sm, to_leveling_problem
    from steerco.engine.scheduling.leveling import level as level_resources
    from steerco.engine.scheduling.leveling import warm_up

    if args.time_limit <= 0 or args.workers < 1:
        print("--time-limit must be > 0 and --workers >= 1", file=sys.stderr)
        return 2
    reference = _read_reference(args.reference) if args.reference else {}
    summary_stream = sys.stderr if args.json else sys.stdout
    # Compiling (or loading) the kernels is a one-time cost, not the first instance's.
    warm_up()
    if not args.json:
        header = f"{'instance':<14}{'makespan':>9}{'bound':>7}{'optimal':>9}{'seconds':>9}"
        if reference:
            header += f"{'best':>6}{'gap %':>8}"
        print(header)
    solved = 0
    optimal = 0
    failures = 0
    gaps: list[float] = []
    deviations: list[float] = []
    for path in _instance_files(args.files):
        try:
            instance = read_sm(path)
            result = level_resources(
                to_leveling_problem(instance),
                method=args.method,
                time_limit=args.time_limit,
                workers=args.workers,
                seed=args.seed,
            )
        except EngineError as error:
            print(f"{path}: {error}", file=sys.stderr)
            failures += 1
            continue
        solved += 1
        if result.original_makespan > 0:
            deviations.append(
                (result.makespan - result.original_makespan) / result.original_makespan
            )
        known = reference.get(instance.name)
        gap = None
        if known is not None and known.best_known > 0:
            gap = (result.makespan - known.best_known) / known.best_known
            gaps.append(gap)
        if args.json:
            line = {
                "instance": instance.name,
                "makespan": result.makespan,
                "lower_bound": result.lower_bound,
                "optimal": result.optimal,
                "seconds": round(result.seconds, 4),
                "starts": list(result.starts.values()),
            }
            print(json.dumps(line), flush=True)
        else:
            text = (
                f"{instance.name:<14}{result.makespan:>9}{result.lower_bound:>7}"
                f"{'yes' if result.optimal else 'no':>9}{result.seconds:>9.3f}"
            )
            if reference:
                if known is not None and gap is not None:
                    text += f"{known.best_known:>6}{100 * gap:>8.2f}"
                else:
                    text += f"{'-':>6}{'-':>8}"
            print(text, flush=True)
        optimal += int(result.optimal)
    print(f"instances: {solved} leveled, {failures} failed", file=summary_stream)
    print(f"proven optimal: {optimal}/{solved}", file=summary_stream)
    if gaps:
        print(
            f"mean gap to best known: {100 * sum(gaps) / len(gaps):.3f}% "
            f"over {len(gaps)} instances with a reference",
            file=summary_stream,
        )
    if deviations:
        print(
            f"mean deviation above the critical-path bound: "
            f"{100 * sum(deviations) / len(deviations):.2f}%",
            file=summary_stream,
        )
    return 1 if failures else 0
