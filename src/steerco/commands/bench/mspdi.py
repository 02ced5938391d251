"""``steerco bench mspdi FILE... [--json]``: import MSPDI files and reschedule them.

Each file is read with :func:`read_mspdi`, rescheduled with Steerco's own pass
(:func:`reschedule`, which never reads the saved task dates) and compared with the
start and finish that the saving tool wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HELP = (
    "import Microsoft Project XML files, reschedule them with Steerco's engine and count "
    "the tasks whose computed start and finish equal the saved ones"
)

DESCRIPTION = (
    HELP + ". 'tasks' counts every task with a UID except the project summary task "
    "(OutlineLevel 0, UID 0 in files saved by MS Project) and null tasks (IsNull: blank "
    "rows); 'tasks_matching' those whose computed start and finish equal the saved ones to "
    "the second. With --json, one line per file with exactly the keys file, tasks, "
    "tasks_matching, error (null or the message) and dates (a list of {uid, start, finish} "
    "in ISO format for the counted tasks)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mspdi",
        help=HELP,
        description=DESCRIPTION,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="MSPDI (.xml) files")
    parser.add_argument("--json", action="store_true", help="one JSON line per file")
    parser.add_argument(
        "--engine",
        choices=("mspdi", "core"),
        default="mspdi",
        help="mspdi: the MS Project-compatible pass (default); core: the core CPM engine "
        "(steerco.engine.scheduling.cpm) fed through an adapter, for comparison",
    )
    parser.add_argument(
        "--reasons",
        action="store_true",
        help="also list each unmatched task with the reason (readable output only)",
    )
    parser.set_defaults(func=run)


def measure(path: str, engine: str = "mspdi") -> tuple[dict[str, Any], list[Any]]:
    """The JSON record of one file, and its per-task comparison rows."""
    from steerco.engine.errors import EngineError
    from steerco.engine.formats.mspdi import (
        compare_with_saved,
        counted_tasks,
        read_mspdi,
        reschedule,
    )
    from steerco.engine.formats.mspdi_schedule import reschedule_with_core_cpm

    record: dict[str, Any] = {
        "file": path,
        "tasks": 0,
        "tasks_matching": 0,
        "error": None,
        "dates": [],
    }
    try:
        project = read_mspdi(path)
        record["tasks"] = len(counted_tasks(project))
        result = reschedule(project) if engine == "mspdi" else reschedule_with_core_cpm(project)
    except EngineError as error:
        record["error"] = str(error)
        return record, []
    rows = compare_with_saved(project, result)
    record["tasks_matching"] = sum(row.matches for row in rows)
    record["dates"] = [
        {
            "uid": row.uid,
            "start": row.start.isoformat() if row.start else None,
            "finish": row.finish.isoformat() if row.finish else None,
        }
        for row in rows
    ]
    return record, rows


def run(args: argparse.Namespace) -> int:
    records = []
    reasons: Counter[str] = Counter()
    for path in args.files:
        record, rows = measure(path, args.engine)
        records.append(record)
        if args.json:
            print(json.dumps(record), flush=True)
            continue
        for row in rows:
            if not row.matches:
                reasons[row.reason.split(":")[0]] += 1
        status = "" if record["error"] is None else f"  ERROR {record['error']}"
        name = Path(path).name[:64]
        print(f"{name:64} {record['tasks_matching']:>6} / {record['tasks']:<6}{status}")
        if args.reasons:
            for row in rows:
                if not row.matches:
                    print(
                        f"    UID {row.uid}: computed {row.start} - {row.finish}, "
                        f"saved {row.saved_start} - {row.saved_finish}: {row.reason}"
                    )
    if not args.json:
        imported = sum(1 for record in records if record["error"] is None)
        tasks = sum(record["tasks"] for record in records)
        matching = sum(record["tasks_matching"] for record in records)
        share = f"{100 * matching / tasks:.1f}%" if tasks else "n/a"
        print(f"files imported: {imported} / {len(records)}")
        print(f"tasks matching: {matching} / {tasks} ({share})")
        for reason, count in reasons.most_common():
            print(f"  unmatched, {reason}: {count}")
    sys.stdout.flush()
    return 0 if all(record["error"] is None for record in records) else 1
