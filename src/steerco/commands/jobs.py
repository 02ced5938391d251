"""``steerco jobs ...``: the periodic tasks the worker runs by itself.

- ``steerco jobs periodic [--organisation CODE]`` lists each periodic task per organisation:
  its schedule, whether it is on, when it is next due (in the organisation's time zone),
  when it last ran and how that run ended.
- ``steerco jobs periodic --run NAME [--organisation CODE]`` starts it now (a worker runs it),
  without moving its next due time.
- ``steerco jobs periodic --disable NAME`` / ``--enable NAME`` switch it off or on (for one
  organisation with ``--organisation``); switched on again, it waits for its next time.
- ``steerco jobs periodic --due`` starts whatever is due now, as one tick of a worker would.
- ``steerco jobs prune [--days N]`` deletes finished jobs and the queue's finished task rows
  older than N days (default ``STEERCO_JOB_RETENTION_DAYS``, 90), as the nightly
  ``jobs.prune`` task does.
"""

from __future__ import annotations

import argparse

from steerco.commands._django import setup_django
from steerco.commands._lookup import CommandFailed, organisation_ids


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "jobs", help="background jobs: the periodic schedule, pruning old ones"
    )
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    periodic = sub.add_parser(
        "periodic", help="list, start, enable or disable the periodic tasks the worker runs"
    )
    periodic.add_argument("--organisation", help="organisation code (default: all)")
    actions = periodic.add_mutually_exclusive_group()
    actions.add_argument("--run", metavar="NAME", help="start this periodic task now")
    actions.add_argument("--disable", metavar="NAME", help="stop running this periodic task")
    actions.add_argument("--enable", metavar="NAME", help="run this periodic task again")
    actions.add_argument("--due", action="store_true", help="start every task that is due now")
    periodic.set_defaults(func=run_periodic)

    prune = sub.add_parser("prune", help="delete finished jobs and task rows older than N days")
    prune.add_argument(
        "--days",
        type=int,
        help="keep this many days (default: STEERCO_JOB_RETENTION_DAYS, else 90)",
    )
    prune.set_defaults(func=run_prune)


def run_prune(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ValidationFailed
    from steerco.jobs.services import jobs_prune

    try:
        result = jobs_prune(older_than_days=args.days)
    except ValidationFailed as error:
        for messages in error.errors.values():
            for message in messages:
                print(f"steerco jobs: {message}")
        return 2
    print(
        f"{result.jobs} job(s) and {result.task_results} task result(s) finished before "
        f"{result.finished_before:%Y-%m-%d %H:%M %Z} deleted."
    )
    return 0


def _organisation_ids(code: str | None) -> list[int] | None:
    try:
        return organisation_ids(code)
    except CommandFailed as error:
        raise SystemExit(f"steerco jobs: {error}") from None


def run_periodic(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ValidationFailed
    from steerco.jobs.periodic_services import (
        periodic_run_now,
        periodic_schedule_set_enabled,
        periodic_tick,
    )

    organisation_ids = _organisation_ids(args.organisation)
    try:
        if args.run:
            jobs = periodic_run_now(name=args.run, organisation_ids=organisation_ids)
            for job in jobs:
                print(f"job {job.pk}\t{job.kind}\t{job.organisation.code}\t{job.state}")
            print(f"{len(jobs)} job(s) started; a worker runs them.")
            return 0
        if args.disable or args.enable:
            name = args.disable or args.enable
            changed = periodic_schedule_set_enabled(
                acting_user=None,
                name=name,
                enabled=bool(args.enable),
                organisation_ids=organisation_ids,
            )
            state = "enabled" if args.enable else "disabled"
            print(f"{name} {state} for {changed} organisation(s).")
            return 0
    except ValidationFailed as error:
        for messages in error.errors.values():
            for message in messages:
                print(f"steerco jobs: {message}")
        return 2
    if args.due:
        if organisation_ids is not None:
            raise SystemExit("steerco jobs: --due starts what is due for every organisation")
        jobs = periodic_tick()
        for job in jobs:
            print(f"job {job.pk}\t{job.kind}\t{job.organisation.code}\t{job.title}")
        print(f"{len(jobs)} job(s) started; a worker runs them.")
        return 0
    _print_schedule(organisation_ids)
    return 0


def _print_schedule(organisation_ids: list[int] | None) -> None:
    from steerco.jobs.models import Job
    from steerco.jobs.periodic import organisation_time_zone
    from steerco.jobs.periodic_services import periodic_schedules_ensure

    rows = periodic_schedules_ensure(organisation_ids=organisation_ids)
    last_states = dict(
        Job.objects.filter(
            pk__in=[row.schedule.last_job_id for row in rows if row.schedule.last_job_id]
        ).values_list("pk", "state")
    )
    table = [("Task", "Schedule", "Organisation", "On", "Next due", "Last run", "Last result")]
    for row in rows:
        schedule = row.schedule
        zone = organisation_time_zone(schedule.organisation)
        last = (
            f"{schedule.last_run_at.astimezone(zone):%Y-%m-%d %H:%M}"
            if schedule.last_run_at
            else "never"
        )
        table.append(
            (
                row.task.name,
                row.task.schedule_label,
                schedule.organisation.code,
                "yes" if schedule.enabled else "no",
                f"{schedule.next_due_at.astimezone(zone):%Y-%m-%d %H:%M %Z}",
                last,
                str(last_states.get(schedule.last_job_id or 0, "-")),
            )
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    for line in table:
        cells = (value.ljust(width) for value, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())
