"""Benchmark: bulk-load a large generated portfolio into a fresh SQLite database.

Creates a temporary data directory, migrates it (not timed), then runs
``steerco seed --projects N --tasks-per-project M`` in a subprocess with
``STEERCO_DATA_DIR`` pointing at it, and reports the wall-clock seconds of the
seed and the size of the database file afterwards. The default is the target
size: 10,000 projects of 100 tasks (a million tasks and about 1.1 million links).

Run ``.venv/bin/python benchmarks/seed.py [--projects 2000] [--tasks-per-project 100] [--json]``.
With ``--json`` one line: ``{"projects", "tasks", "seconds", "database_mb"}``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEERCO = [sys.executable, "-m", "steerco.cli"]


def run_seed(projects: int, tasks_per_project: int, keep: bool = False) -> dict[str, float | int]:
    data_dir = Path(tempfile.mkdtemp(prefix="steerco-seed-"))
    environment = dict(os.environ, STEERCO_DATA_DIR=str(data_dir))
    try:
        subprocess.run(
            [*STEERCO, "manage", "migrate", "--verbosity", "0"], env=environment, check=True
        )
        started = time.perf_counter()
        completed = subprocess.run(
            [
                *STEERCO,
                "seed",
                "--projects",
                str(projects),
                "--tasks-per-project",
                str(tasks_per_project),
                "--quiet",
            ],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        database = data_dir / "steerco.sqlite3"
        size = sum(
            path.stat().st_size
            for path in (database, database.with_name(database.name + "-wal"))
            if path.exists()
        )
        match = re.search(r"([\d,]+) tasks", completed.stdout)
        tasks = int(match.group(1).replace(",", "")) if match else projects * tasks_per_project
        return {
            "projects": projects,
            "tasks": tasks,
            "seconds": round(seconds, 2),
            "database_mb": round(size / 1_000_000, 1),
        }
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"kept {data_dir}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--tasks-per-project", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="one JSON line")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args(argv)
    result = run_seed(args.projects, args.tasks_per_project, keep=args.keep)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{'projects':>10} {'tasks':>10} {'seconds':>9} {'database MB':>12}")
        print(
            f"{result['projects']:>10,} {result['tasks']:>10,} {result['seconds']:>9.1f} "
            f"{result['database_mb']:>12,.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
