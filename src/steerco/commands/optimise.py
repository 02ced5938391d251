"""``steerco optimise PORTFOLIO --scenario NAME``: solve a scenario in this process.

The scenario is created (a copy of the portfolio's plan) when the portfolio has none of that
name. The run is stored like one started from the page, with the exact engine input it was
solved on. Prints the value, the proven bound and gap, and the selected projects with their
start months; ``--json`` prints one JSON object instead.

Exit status: 0 when a plan was found, 2 when the constraints conflict (they are listed), 1 on
any other error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from steerco.commands._django import setup_django

OBJECTIVES = ("npv", "score", "mix", "risk_adjusted_value")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "optimise", help="choose a portfolio's projects and start months (exact optimiser)"
    )
    parser.add_argument("portfolio", metavar="PORTFOLIO", help="portfolio code")
    parser.add_argument("--scenario", required=True, metavar="NAME", help="scenario name")
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S", help="seconds")
    parser.add_argument("--objective", choices=OBJECTIVES, default="npv")
    parser.add_argument(
        "--budget-period", choices=("month", "quarter", "year", "window"), default="quarter"
    )
    parser.add_argument("--max-starts", type=int, default=None, help="new starts a month")
    parser.add_argument("--organisation", metavar="CODE", help="when codes repeat across tenants")
    parser.add_argument(
        "--user", metavar="USERNAME", help="who the audit log names (default: an administrator)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.core.errors import ServiceError
    from steerco.engine.errors import EngineError

    try:
        outcome = _optimise(args)
    except (ServiceError, EngineError, LookupError) as error:
        print(f"steerco optimise: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(outcome, sort_keys=True))
    else:
        _print(outcome)
    return 2 if outcome["status"] == "infeasible" else 0 if outcome["selected"] is not None else 1


def _optimise(args: argparse.Namespace) -> dict[str, Any]:
    from steerco.accounts.models import Role, User
    from steerco.portfolios import decision_services as services
    from steerco.portfolios.models import OptimiserRun, Portfolio, Scenario

    portfolios = Portfolio.objects.filter(code=args.portfolio).select_related("organisation")
    if args.organisation:
        portfolios = portfolios.filter(organisation__code=args.organisation)
    found = list(portfolios[:2])
    if not found:
        raise LookupError(f"no portfolio {args.portfolio}")
    if len(found) > 1:
        raise LookupError(
            f"portfolio {args.portfolio} exists in several organisations: add --organisation"
        )
    portfolio = found[0]
    users = User.objects.filter(organisation=portfolio.organisation, is_active=True)
    if args.user:
        user = users.filter(username=args.user).first()
    else:
        user = (
            users.filter(role=Role.ADMINISTRATOR).order_by("pk").first()
            or users.filter(role__in=[Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER])
            .order_by("pk")
            .first()
        )
    if user is None:
        raise LookupError(
            "no user to act as: pass --user with an administrator, PMO analyst or portfolio manager"
        )
    scenario = Scenario.objects.filter(portfolio=portfolio, name=args.scenario).first()
    created = scenario is None
    if scenario is None:
        scenario = services.scenario_create(
            acting_user=user, portfolio_id=portfolio.pk, name=args.scenario
        )
    run = services.scenario_optimise(
        acting_user=user,
        scenario_id=scenario.pk,
        objective=args.objective,
        time_limit_seconds=max(1, round(args.time_limit)),
        max_starts_per_month=args.max_starts,
        budget_period=args.budget_period,
        background=False,
    )
    services.optimiser_run_execute(run_id=run.pk)
    run = OptimiserRun.objects.get(pk=run.pk)
    result = run.result or {}
    solved = run.status in (OptimiserRun.Status.OPTIMAL, OptimiserRun.Status.FEASIBLE)
    return {
        "portfolio": portfolio.code,
        "scenario": scenario.name,
        "scenario_id": scenario.pk,
        "scenario_created": created,
        "run_id": run.pk,
        "status": run.status,
        "objective": run.objective,
        "value": run.value,
        "bound": run.bound,
        "gap": run.gap,
        "seconds": run.seconds,
        "cutline_value": result.get("cutline_value"),
        "selected": [
            {
                "project": item["project"],
                "name": item["name"],
                "start_month": item["start_month"],
                "value": item["value"],
            }
            for item in result.get("plan", [])
        ]
        if solved
        else None,
        "conflicting": result.get("conflicting", []),
        "error": run.error,
    }


def _print(outcome: dict[str, Any]) -> None:
    action = "created and optimised" if outcome["scenario_created"] else "optimised"
    print(f"{outcome['portfolio']} / {outcome['scenario']}: {action} (run {outcome['run_id']})")
    print(f"status     {outcome['status']}")
    if outcome["status"] == "infeasible":
        print("no plan satisfies the constraints; these conflict:")
        for name in outcome["conflicting"]:
            print(f"  - {name}")
        return
    if outcome["selected"] is None:
        print(f"error      {outcome['error']}")
        return
    print(f"objective  {outcome['objective']}")
    print(f"value      {outcome['value']:,.2f}")
    print(f"bound      {outcome['bound']:,.2f}")
    print(f"gap        {outcome['gap']:.4%}")
    if outcome["cutline_value"] is not None:
        print(f"cut line   {outcome['cutline_value']:,.2f}")
    print(f"seconds    {outcome['seconds']:.1f}")
    print(f"selected   {len(outcome['selected'])} projects")
    for item in outcome["selected"]:
        print(f"  {item['start_month']}  {item['project']:<14} {item['name']}")
