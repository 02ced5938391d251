"""``steerco calendar list|show|holiday-add|import-holidays``: working calendars from the shell.

Every command acts as a named user (``--user``, by default the organisation's first active
administrator) through the same services as the pages and the API, so permissions apply and
the audit log names who did it. ``CALENDAR`` is a calendar's name or id::

    steerco calendar list [--json]
    steerco calendar show "Head office" [--json]
    steerco calendar holiday-add "Head office" 2026-12-24 "Christmas Eve" [--to 2026-12-26]
    steerco calendar import-holidays "Head office" holidays.csv [--dry-run]

The holiday file is CSV, one holiday per line: ``date,name`` (YYYY-MM-DD; a header line is
optional). It is imported all or nothing: a bad line prints every bad line, writes nothing
and exits with status 1. Holidays already on the calendar are skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steerco.commands._lookup import CommandFailed, run_acting

if TYPE_CHECKING:
    from steerco.accounts.models import Organisation, User
    from steerco.projects.models import Calendar


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calendar", help="list and show working calendars, add and import holidays"
    )
    actions = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)

    def common(command: argparse.ArgumentParser) -> None:
        command.add_argument("--organisation", metavar="CODE", help="organisation code")
        command.add_argument(
            "--user", metavar="USERNAME", help="act as this user (default: first administrator)"
        )

    listing = actions.add_parser("list", help="the organisation's calendars and who uses them")
    common(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=run_list)

    showing = actions.add_parser("show", help="a calendar's week and holidays")
    showing.add_argument("calendar", metavar="CALENDAR", help="name or id")
    common(showing)
    showing.add_argument("--json", action="store_true", help="print one JSON object")
    showing.set_defaults(func=run_show)

    adding = actions.add_parser("holiday-add", help="add a holiday (a day off) to a calendar")
    adding.add_argument("calendar", metavar="CALENDAR", help="name or id")
    adding.add_argument("date", type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
    adding.add_argument("name", help="e.g. 'Christmas Day'")
    adding.add_argument(
        "--to", type=dt.date.fromisoformat, metavar="DATE", help="last day (default: the date)"
    )
    common(adding)
    adding.set_defaults(func=run_holiday_add)

    importing = actions.add_parser(
        "import-holidays", help="add the holidays of a CSV file (date,name), all or nothing"
    )
    importing.add_argument("calendar", metavar="CALENDAR", help="name or id")
    importing.add_argument("file", type=Path, help="FILE.csv")
    importing.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    importing.add_argument("--json", action="store_true", help="print the report as JSON")
    common(importing)
    importing.set_defaults(func=run_import)


# -- who and what ----------------------------------------------------------------------------


def _calendar(organisation: Organisation, name_or_id: str) -> Calendar:
    from steerco.projects.models import Calendar

    calendars = Calendar.objects.filter(organisation=organisation)
    calendar = calendars.filter(name__iexact=name_or_id.strip()).first()
    if calendar is None and name_or_id.strip().isdigit():
        calendar = calendars.filter(pk=int(name_or_id)).first()
    if calendar is None:
        known = ", ".join(calendars.order_by("name").values_list("name", flat=True)[:10])
        raise CommandFailed(
            f"No calendar {name_or_id!r} in {organisation.code}"
            + (f" (calendars: {known})." if known else ".")
        )
    return calendar


def _effects(effects: Any) -> None:
    text = effects.summary()
    if text:
        print(text)


# -- actions ---------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    return run_acting(args, _list)


def _list(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.calendar_selectors import calendar_list

    rows = calendar_list(user)
    if args.json:
        print(
            json.dumps(
                {
                    "organisation": organisation.code,
                    "calendars": [
                        {
                            "id": row.calendar.pk,
                            "name": row.calendar.name,
                            "default": row.calendar.is_default,
                            "base_calendar": row.base_name,
                            "hours_per_week": str(row.weekly_hours),
                            "hours_per_day": str(row.calendar.hours_per_day),
                            "time_zone": row.calendar.timezone,
                            "exceptions": row.exception_count,
                            "projects": row.usage.project_count,
                            "people": row.usage.person_count,
                        }
                        for row in rows
                    ],
                }
            )
        )
        return 0
    if not rows:
        print(f"{organisation.code} has no calendar.")
        return 0
    width = max(len(row.calendar.name) for row in rows)
    print(
        f"{'calendar':<{width}}  default  {'hours/week':>10}  {'exceptions':>10}  "
        f"{'projects':>8}  {'people':>6}  base"
    )
    for row in rows:
        print(
            f"{row.calendar.name:<{width}}  {'yes' if row.calendar.is_default else '':<7}  "
            f"{row.weekly_hours:>10}  {row.exception_count:>10}  "
            f"{row.usage.project_count:>8}  {row.usage.person_count:>6}  {row.base_name or ''}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    return run_acting(args, _show)


def _show(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.calendar_selectors import calendar_detail

    detail = calendar_detail(user, _calendar(organisation, args.calendar).pk)
    calendar = detail.calendar
    if args.json:
        print(
            json.dumps(
                {
                    "id": calendar.pk,
                    "name": calendar.name,
                    "default": calendar.is_default,
                    "base_calendar": detail.base_name,
                    "hours_per_day": str(calendar.hours_per_day),
                    "time_zone": calendar.timezone,
                    "week": [
                        {
                            "day": day.name,
                            "hours": [list(interval) for interval in day.intervals],
                            "from_base": day.inherited,
                        }
                        for day in detail.week
                    ],
                    "exceptions": [
                        {
                            "name": exception.name,
                            "start": exception.start_date.isoformat(),
                            "finish": exception.finish_date.isoformat(),
                            "working": exception.working,
                            "hours": exception.intervals,
                        }
                        for exception in detail.exceptions
                    ],
                }
            )
        )
        return 0
    default = " (default)" if calendar.is_default else ""
    print(f"{calendar.name}{default} · {calendar.timezone} · {calendar.hours_per_day} h/day")
    if detail.base_name:
        print(f"based on {detail.base_name}")
    for day in detail.week:
        source = f" (from {detail.base_name})" if day.inherited else ""
        print(f"  {day.name:<9} {day.text}{source}")
    print(f"{len(detail.exceptions)} exception(s)")
    for exception in detail.exceptions:
        span = exception.start_date.isoformat()
        if exception.finish_date != exception.start_date:
            span += f"..{exception.finish_date.isoformat()}"
        hours = ", ".join(f"{s}-{e}" for s, e in exception.intervals) if exception.working else ""
        print(f"  {span:<22} {exception.name}" + (f" (working {hours})" if hours else ""))
    return 0


def run_holiday_add(args: argparse.Namespace) -> int:
    return run_acting(args, _holiday_add)


def _holiday_add(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.calendar_services import calendar_exception_create

    calendar = _calendar(organisation, args.calendar)
    written = calendar_exception_create(
        acting_user=user,
        calendar_id=calendar.pk,
        fields={"name": args.name, "start_date": args.date, "finish_date": args.to},
    )
    exception = written.exception
    span = exception.start_date.isoformat()
    if exception.finish_date != exception.start_date:
        span += f" to {exception.finish_date.isoformat()}"
    print(f"Added {exception.name} ({span}) to {calendar.name}.")
    _effects(written.effects)
    return 0


def run_import(args: argparse.Namespace) -> int:
    return run_acting(args, _import)


def _import(args: argparse.Namespace, organisation: Organisation, user: User) -> int:
    from steerco.projects.calendar_services import HolidayImportRejected, calendar_holidays_import

    calendar = _calendar(organisation, args.calendar)
    try:
        content = args.file.read_bytes()
    except OSError as error:
        raise CommandFailed(f"Cannot read {args.file}: {error.strerror}.") from error
    try:
        report = calendar_holidays_import(
            acting_user=user, calendar_id=calendar.pk, content=content, dry_run=args.dry_run
        )
    except HolidayImportRejected as rejected:
        report = rejected.report
    summary = {
        "calendar": calendar.name,
        "file": args.file.name,
        "rows": report.rows,
        "created": 0 if report.errors else report.created,
        "skipped": report.skipped,
        "dry_run": report.dry_run,
        "errors": [{"line": bad.line, "message": bad.message} for bad in report.errors],
        "rescheduled": report.effects.rescheduled,
        "to_reschedule": report.effects.to_reschedule,
    }
    if args.json:
        print(json.dumps(summary))
        return 1 if report.errors else 0
    for bad in report.errors:
        print(f"{args.file.name}:{bad.line}: {bad.message}" if bad.line else bad.message)
    if report.errors:
        print(f"{len(report.errors)} bad line(s) in {args.file.name}: nothing imported.")
        return 1
    if report.dry_run:
        print(
            f"{report.rows} holiday(s) checked, all good: {report.created} to add to "
            f"{calendar.name}, {report.skipped} already there. Nothing written (dry run)."
        )
        return 0
    print(
        f"Imported {report.created} holiday(s) into {calendar.name}; "
        f"{report.skipped} already there."
    )
    _effects(report.effects)
    return 0
