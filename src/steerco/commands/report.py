"""``steerco report ...``: the executive pack on demand, and its scheduled deliveries.

- ``steerco report pack [--portfolio CODE] [--organisation CODE] [--date D] --out FILE.pdf``
  writes the executive pack of one portfolio, or of all portfolios (the default), as the
  organisation sees it. ``--organisation`` may be left out when there is one organisation.
  Prints the file, its page count and its pages.
- ``steerco report send [--date D] [--organisation CODE] [--dry-run]`` emails each executive
  pack subscriber whose pack is due (daily, weekly or monthly) with the PDF attached. The
  worker does this every morning by itself (``reports.deliver_packs``); running it again on a
  day sends nothing twice. Prints one line per pack due.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from steerco.commands._django import setup_django
from steerco.commands._lookup import CommandFailed, organisation_named

if TYPE_CHECKING:
    from steerco.accounts.models import Organisation


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="executive pack (PDF) and its email deliveries")
    sub = parser.add_subparsers(dest="report_command", metavar="ACTION", required=True)

    pack = sub.add_parser("pack", help="write the executive pack as a PDF")
    pack.add_argument("--portfolio", help="portfolio code (default: all portfolios)")
    pack.add_argument("--organisation", help="organisation code (needed when there are several)")
    pack.add_argument("--date", type=dt.date.fromisoformat, help="as of this day (YYYY-MM-DD)")
    pack.add_argument("--out", required=True, type=Path, help="the PDF file to write")
    pack.set_defaults(func=run_pack)

    send = sub.add_parser("send", help="email the executive packs that are due")
    send.add_argument("--date", type=dt.date.fromisoformat, help="today (YYYY-MM-DD)")
    send.add_argument("--organisation", help="organisation code (default: all)")
    send.add_argument("--dry-run", action="store_true", help="list what is due, send nothing")
    send.set_defaults(func=run_send)


def _organisation(code: str | None) -> Organisation:
    try:
        return organisation_named(code)
    except CommandFailed as error:
        raise SystemExit(f"steerco report: {error}") from None


def run_pack(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import NotFound
    from steerco.reports.pack import build_pack, render_pdf
    from steerco.reports.selectors import scope_for_organisation

    organisation = _organisation(args.organisation)
    try:
        scope = scope_for_organisation(organisation, portfolio_code=args.portfolio)
    except NotFound as error:
        print(f"steerco report: {error}", file=sys.stderr)
        return 2
    pack = build_pack(scope, as_of=args.date)
    rendered = render_pdf(pack.html)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(rendered.pdf)
    print(f"Wrote {args.out}: {rendered.page_count} pages, {len(rendered.pdf):,} bytes.")
    for number, page in enumerate(pack.pages, start=1):
        print(f"{number:>3}  {page.title}")
    return 0


def run_send(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.reports.services import packs_send

    organisation_ids = None
    if args.organisation:
        organisation_ids = [_organisation(args.organisation).pk]
    run = packs_send(today=args.date, organisation_ids=organisation_ids, dry_run=args.dry_run)
    for delivery in run.due:
        if delivery.problem:
            state = f"not sent: {delivery.problem}"
        elif delivery.sent:
            state = "sent"
        else:
            state = "would send" if args.dry_run else "not sent"
        print(
            f"{delivery.user.username}\t{delivery.user.email or '-'}\t{delivery.scope}\t"
            f"{delivery.period}\t{state}"
        )
    print(f"{len(run.due)} packs due, {len(run.sent)} sent.")
    return 1 if run.failed and not args.dry_run else 0
