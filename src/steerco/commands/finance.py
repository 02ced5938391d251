"""``steerco import`` and ``steerco export``: people, capacity, actuals and timesheets files.

``steerco import KIND FILE [--organisation CODE] [--user USERNAME] [--dry-run]``
checks a CSV or XLSX file and, without ``--dry-run``, imports it all or
nothing. Every bad row is printed as ``row N, column NAME: reason``; the exit
status is 1 when there is any, 2 when the command itself is wrong. The import
runs as ``--user`` (default: the organisation's first active administrator or
PMO analyst), whose role must allow it.

``steerco export KIND --out FILE.csv|FILE.xlsx [--organisation CODE] [--user USERNAME]``
writes the same kinds of file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from steerco.commands._django import setup_django
from steerco.commands._lookup import CommandFailed, acting_user, organisation_named

KINDS = ("people", "capacity", "actuals", "timesheets")


def register(subparsers: argparse._SubParsersAction) -> None:
    importing = subparsers.add_parser(
        "import",
        help="import people, capacity, actuals or timesheets from CSV/XLSX",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_argument("kind", choices=KINDS)
    importing.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
    importing.add_argument("--organisation", metavar="CODE", help="default: the only one")
    importing.add_argument("--user", metavar="USERNAME", help="who imports (for the audit log)")
    importing.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    importing.add_argument("--json", action="store_true", help="print the report as JSON")
    importing.set_defaults(func=run_import)

    exporting = subparsers.add_parser(
        "export",
        help="export people, capacity, actuals or timesheets to CSV/XLSX",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exporting.add_argument("kind", choices=KINDS)
    exporting.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.xlsx")
    exporting.add_argument("--organisation", metavar="CODE", help="default: the only one")
    exporting.add_argument("--user", metavar="USERNAME", help="whose access applies")
    exporting.add_argument("--project", metavar="CODE", help="actuals of one project only")
    exporting.set_defaults(func=run_export)


def _fail(command: str, message: str) -> int:
    print(f"steerco {command}: {message}", file=sys.stderr)
    return 2


def _acting_user(organisation_code: str | None, username: str | None, kind: str) -> Any:
    from steerco.accounts.models import Role, User
    from steerco.finance.access import EXPORTERS, IMPORTERS

    organisation = organisation_named(organisation_code)
    if username:
        return acting_user(organisation, username)
    # Without --user, the first person whose role may both import and export this kind.
    allowed = IMPORTERS[kind] & EXPORTERS[kind]
    users = User.objects.filter(organisation=organisation, is_active=True)
    for role in (Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.RESOURCE_MANAGER):
        if role in allowed:
            user = users.filter(role=role).order_by("pk").first()
            if user is not None:
                return user
    raise CommandFailed(f"Nobody in {organisation.code} may import {kind}: give --user USERNAME.")


def run_import(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ServiceError, ValidationFailed
    from steerco.finance.imports import ImportRejected, import_file

    try:
        content = args.file.read_bytes()
    except OSError as error:
        return _fail("import", f"cannot read {args.file}: {error.strerror}")
    try:
        user = _acting_user(args.organisation, args.user, args.kind)
        report = import_file(
            acting_user=user,
            kind=args.kind,
            filename=args.file.name,
            content=content,
            dry_run=args.dry_run,
        )
    except ImportRejected as rejected:
        report = rejected.report
    except ValidationFailed as failure:
        return _fail("import", "; ".join(m for ms in failure.errors.values() for m in ms))
    except (CommandFailed, ServiceError) as error:
        return _fail("import", str(error))

    if args.json:
        print(json.dumps(report.as_dict(), default=str))
    else:
        for problem in report.errors:
            print(f"{problem.key}: {problem.reason}")
        for note in report.notes:
            print(note)
        if report.errors:
            print(
                f"{report.bad_rows} bad rows of {report.rows} in {args.file.name}: nothing written."
            )
        elif report.dry_run:
            print(
                f"{report.rows} rows checked, all good: {report.created} to create, "
                f"{report.updated} to update, {report.skipped} already there. Nothing written "
                "(dry run)."
            )
        else:
            print(
                f"Imported {args.file.name}: {report.created} created, {report.updated} updated, "
                f"{report.skipped} already there (batch {report.batch})."
            )
    return 1 if report.errors else 0


def run_export(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ServiceError
    from steerco.finance.exports import export_rows, render

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        return _fail("export", "--out must end in .csv or .xlsx")
    try:
        user = _acting_user(args.organisation, args.user, args.kind)
        rows = export_rows(acting_user=user, kind=args.kind, project_code=args.project)
        content = render(rows, suffix)
    except (CommandFailed, ServiceError) as error:
        return _fail("export", str(error))
    try:
        args.out.write_bytes(content)
    except OSError as error:
        return _fail("export", f"cannot write {args.out}: {error.strerror}")
    print(f"Wrote {args.kind} to {args.out} ({len(content)} bytes).")
    return 0
