"""``steerco schedule import|export|level|simulate``: a project's schedule from the command line.

Every command acts as a named user (``--user``, by default the organisation's first active
administrator), through the same services as the pages and the API, so that permissions apply
and the audit log names who did it::

    steerco schedule import plan.xml --project OPS-12                  # replace the schedule
    steerco schedule import plan.xml --project OPS-13 --create --portfolio DIGITAL
    steerco schedule export --project OPS-12 --out OPS-12.xml
    steerco schedule level --project OPS-12 [--method heuristic|solver] [--apply]
    steerco schedule simulate --project OPS-12 [--iterations 10000] [--seed 0]

A failure prints the reason (a bad file names the element and line) and exits with status 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from steerco.commands._lookup import CommandFailed, run_acting

if TYPE_CHECKING:
    from steerco.accounts.models import Organisation, User
    from steerco.projects.models import Project


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule", help="import, export, level or simulate a project's schedule"
    )
    commands = parser.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)

    def common(command: argparse.ArgumentParser, *, project: bool = True) -> None:
        if project:
            command.add_argument("--project", required=True, metavar="CODE", help="project code")
        command.add_argument("--organisation", metavar="CODE", help="organisation code")
        command.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first administrator)"
        )

    importing = commands.add_parser("import", help="import a Microsoft Project XML file")
    importing.add_argument("file", type=Path, help="the MSPDI (.xml) file")
    common(importing)
    importing.add_argument(
        "--create", action="store_true", help="create the project instead of replacing one"
    )
    importing.add_argument("--portfolio", metavar="CODE", help="portfolio of a created project")
    importing.add_argument("--name", help="name of a created project (default: the file's)")
    importing.set_defaults(func=run_import)

    exporting = commands.add_parser("export", help="write the schedule as Microsoft Project XML")
    common(exporting)
    exporting.add_argument("--out", type=Path, required=True, help="file to write")
    exporting.set_defaults(func=run_export)

    leveling = commands.add_parser("level", help="level resources (preview, or --apply)")
    common(leveling)
    leveling.add_argument("--method", choices=("heuristic", "solver"), default="heuristic")
    leveling.add_argument(
        "--mode", choices=("delay_finish", "within_slack"), default="delay_finish"
    )
    leveling.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    leveling.add_argument("--apply", action="store_true", help="apply the moves")
    leveling.set_defaults(func=run_level)

    simulating = commands.add_parser("simulate", help="Monte Carlo schedule risk analysis")
    common(simulating)
    simulating.add_argument("--iterations", type=int, default=10_000)
    simulating.add_argument("--seed", type=int, default=0)
    simulating.add_argument("--optimistic", type=float, default=10.0, metavar="PERCENT")
    simulating.add_argument("--pessimistic", type=float, default=30.0, metavar="PERCENT")
    simulating.add_argument(
        "--distribution", choices=("triangular", "pert", "uniform"), default="triangular"
    )
    simulating.set_defaults(func=run_simulate)


# -- who and what ----------------------------------------------------------------------------


def _project(organisation: Organisation, code: str) -> Project:
    from steerco.projects.models import Project

    project = Project.objects.filter(organisation=organisation, code=code).first()
    if project is None:
        raise CommandFailed(f"No project {code} in {organisation.code}.")
    return project


# -- actions ---------------------------------------------------------------------------------


def run_import(args: argparse.Namespace) -> int:
    return run_acting(args, _import)


def _import(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.portfolios.models import Portfolio
    from steerco.projects.schedule_services import schedule_import_mspdi

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise CommandFailed(f"cannot read {args.file}: {error.strerror or error}") from None
    if args.create:
        if not args.portfolio:
            raise CommandFailed("--create needs --portfolio CODE.")
        portfolio = Portfolio.objects.filter(organisation=organisation, code=args.portfolio).first()
        if portfolio is None:
            raise CommandFailed(f"No portfolio {args.portfolio} in {organisation.code}.")
        outcome = schedule_import_mspdi(
            acting_user=user,
            data=data,
            file_name=args.file.name,
            portfolio_id=portfolio.pk,
            code=args.project,
            name=args.name,
        )
    else:
        project = _project(organisation, args.project)
        outcome = schedule_import_mspdi(
            acting_user=user, data=data, file_name=args.file.name, project_id=project.pk
        )
    verb = "Created" if outcome.created else "Replaced the schedule of"
    print(f"{verb} {outcome.project.code} from {args.file.name}.")
    print(
        f"tasks {outcome.tasks}, links {outcome.links}, assignments {outcome.assignments}, "
        f"baselines {outcome.baselines}, calendars {outcome.calendars}"
    )
    print(f"dates matching the file: {outcome.dates_matching} / {outcome.dates_compared}")
    finish = outcome.reschedule.finish
    print(f"finish: {finish:%Y-%m-%d %H:%M} UTC" if finish else "finish: -")
    for difference in outcome.differences:
        print(f"  differs: {difference}")
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    return run_acting(args, _export)


def _export(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.schedule_services import schedule_export_mspdi

    project = _project(organisation, args.project)
    data, _ = schedule_export_mspdi(acting_user=user, project_id=project.pk)
    try:
        args.out.write_bytes(data)
    except OSError as error:
        raise CommandFailed(f"cannot write {args.out}: {error.strerror or error}") from None
    tasks = project.tasks.count()
    print(f"Wrote {project.code} ({tasks} tasks, {len(data):,} bytes) to {args.out}.")
    return 0


def run_level(args: argparse.Namespace) -> int:
    return run_acting(args, _level)


def _level(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.schedule_services import leveling_apply, leveling_preview

    project = _project(organisation, args.project)
    action = leveling_apply if args.apply else leveling_preview
    outcome = action(
        acting_user=user,
        project_id=project.pk,
        method=args.method,
        mode=args.mode,
        time_limit=args.time_limit,
    )
    state = "applied" if outcome.applied else "preview (nothing changed; --apply to apply)"
    print(f"Leveling of {project.code}, {outcome.method}, {outcome.mode}: {state}")
    print(
        f"finish: {outcome.finish_before or '-'} -> {outcome.finish_after or '-'} "
        f"({outcome.original_days} -> {outcome.makespan_days} working days, lower bound "
        f"{outcome.lower_bound_days}, {'optimal' if outcome.optimal else f'gap {outcome.gap:.3f}'})"
    )
    print(f"resources: {', '.join(outcome.resources) or 'none assigned'}")
    if not outcome.moves:
        print("nothing moves")
    for move in outcome.moves:
        because = ", ".join(move.resources) or "delayed predecessors"
        line = (
            f"  {move.uid} {move.name}: {move.old_start} -> {move.new_start} "
            f"(+{move.delay_days} d) because of {because}"
        )
        if move.competing:
            line += f"; competing with {', '.join(move.competing)}"
        if not move.applied:
            line += f" [not moved: {move.reason}]"
        print(line)
    for item in outcome.unresolved:
        print(f"  still over-allocated: {item.uid} {item.name} ({', '.join(item.resources)})")
    for note in outcome.notes:
        print(f"note: {note}")
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    return run_acting(args, _simulate)


def _simulate(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.schedule_services import simulation_record

    project = _project(organisation, args.project)
    job = simulation_record(
        acting_user=user,
        project_id=project.pk,
        options={
            "iterations": args.iterations,
            "seed": args.seed,
            "optimistic_percent": args.optimistic,
            "pessimistic_percent": args.pessimistic,
            "distribution": args.distribution,
        },
    )
    result = job.result or {}
    print(
        f"Monte Carlo of {project.code}: {result.get('iterations')} iterations, seed "
        f"{result.get('seed')}, {result.get('seconds')} s (job {job.pk})"
    )
    print(
        f"deterministic finish: {str(result.get('deterministic_finish'))[:10]} "
        f"({100 * float(result.get('probability_of_deterministic_finish') or 0):.0f}% likely)"
    )
    for key, value in (result.get("percentiles") or {}).items():
        print(f"{key}: {str(value)[:10]}")
    tornado = result.get("tornado") or []
    if tornado:
        print("most sensitive tasks:")
        for entry in tornado[:5]:
            print(
                f"  {entry['uid']} {entry['name']}: spearman {entry['spearman']:+.2f}, "
                f"critical {100 * float(entry['criticality'] or 0):.0f}%"
            )
    return 0
