"""``steerco capacity``: the capacity heatmap on the command line, and the capacity rebuild.

``steerco capacity heatmap --portfolio CODE [--json]`` prints demand vs capacity,
role x month (``*`` marks an over-allocated month); ``--json`` prints one JSON
object. ``steerco capacity refresh`` rebuilds the capacity cache from people,
calendars, holidays and absences (run it nightly, or after changing calendars).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from steerco.commands._django import setup_django
from steerco.commands._lookup import CommandFailed, organisation_named


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "capacity", help="capacity heatmap and capacity rebuild", description=__doc__
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    heatmap = actions.add_parser("heatmap", help="demand vs capacity, role x month")
    heatmap.add_argument(
        "--portfolio", metavar="CODE", help="portfolio code (default: every project)"
    )
    heatmap.add_argument(
        "--organisation", metavar="CODE", help="needed when several have the portfolio"
    )
    heatmap.add_argument(
        "--from", dest="first_month", metavar="YYYY-MM", help="default: this month"
    )
    heatmap.add_argument("--months", type=int, default=12)
    heatmap.add_argument("--pipeline", action="store_true", help="count ideas and proposals too")
    heatmap.add_argument("--json", action="store_true", help="print one JSON object")
    heatmap.set_defaults(func=run_heatmap)

    refresh = actions.add_parser("refresh", help="rebuild capacity from people and calendars")
    refresh.add_argument("--organisation", metavar="CODE", help="default: the only organisation")
    refresh.add_argument(
        "--from", dest="first_month", metavar="YYYY-MM", help="default: a year ago"
    )
    refresh.add_argument("--months", type=int, default=None, help="default: 37")
    refresh.set_defaults(func=run_refresh)


def _fail(message: str) -> int:
    print(f"steerco capacity: {message}", file=sys.stderr)
    return 2


def _organisation(code: str | None) -> Any:
    return organisation_named(code)


def run_heatmap(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ServiceError
    from steerco.portfolios.models import Portfolio
    from steerco.resources.capacity_engine_io import month_label, parse_month
    from steerco.resources.capacity_selectors import (
        HeatmapQuery,
        default_first_month,
        heatmap_for_organisation,
    )

    try:
        first = parse_month(args.first_month, default=default_first_month())
        portfolio = None
        if args.portfolio:
            portfolios = Portfolio.objects.filter(code=args.portfolio)
            if args.organisation:
                portfolios = portfolios.filter(organisation__code=args.organisation)
            found = list(portfolios.select_related("organisation")[:2])
            if not found:
                return _fail(f"no portfolio {args.portfolio}")
            if len(found) > 1:
                return _fail("several organisations have this portfolio: add --organisation CODE")
            portfolio = found[0]
            organisation = portfolio.organisation
        else:
            organisation = _organisation(args.organisation)
        query = HeatmapQuery(
            first_month=first,
            months=args.months,
            portfolio_id=portfolio.pk if portfolio else None,
            include_pipeline=args.pipeline,
        )
        heatmap = heatmap_for_organisation(
            organisation_id=organisation.pk, query=query, portfolio=portfolio
        )
    except (ValueError, CommandFailed, ServiceError) as error:
        return _fail(str(error))

    if args.json:
        print(
            json.dumps(
                {
                    "organisation": organisation.code,
                    "portfolio": portfolio.code if portfolio else None,
                    "months": [month_label(month) for month in heatmap.months],
                    "hot_spots": heatmap.hot_spots,
                    "excess_hours": round(heatmap.excess, 2),
                    "rows": [
                        {
                            "role": row.code,
                            "name": row.name,
                            "cells": [
                                {
                                    "month": month_label(cell.month),
                                    "capacity": round(cell.capacity, 2),
                                    "demand": round(cell.demand, 2),
                                    "other": round(cell.other, 2),
                                    "percent": cell.percent,
                                    "over": cell.over,
                                }
                                for cell in row.cells
                            ],
                        }
                        for row in heatmap.rows
                    ],
                }
            )
        )
        return 0
    scope = f"portfolio {portfolio.code}" if portfolio else "every project"
    print(f"Demand vs capacity, {scope} of {organisation.code} (load / capacity; * over)")
    width = max([len(row.name) for row in heatmap.rows] + [4])
    print(f"{'Role':<{width}} " + " ".join(f"{month_label(m):>8}" for m in heatmap.months))
    for row in heatmap.rows:
        cells = []
        for cell in row.cells:
            text = "-" if cell.percent is None else f"{cell.percent}%"
            cells.append(f"{text + ('*' if cell.over else ''):>8}")
        print(f"{row.name:<{width}} " + " ".join(cells))
    print(f"{heatmap.hot_spots} over-allocated role-months, {heatmap.excess:,.0f} h over capacity.")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ServiceError
    from steerco.resources.capacity_engine_io import month_label, parse_month
    from steerco.resources.capacity_services import capacity_refresh

    try:
        organisation = _organisation(args.organisation)
        first = parse_month(args.first_month) if args.first_month else None
        result = capacity_refresh(
            acting_user=None, organisation_id=organisation.pk, first_month=first, months=args.months
        )
    except (ValueError, CommandFailed, ServiceError) as error:
        return _fail(str(error))
    print(
        f"Capacity of {organisation.code} rebuilt: {result.people} people, {result.months} months "
        f"from {month_label(result.first_month)}, {result.person_rows + result.role_rows} rows "
        f"in {result.seconds:.2f} s."
    )
    return 0
