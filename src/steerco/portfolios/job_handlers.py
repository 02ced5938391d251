"""Background jobs of portfolio decisions: an optimiser run and the efficient frontier."""

from __future__ import annotations

from typing import Any

from steerco.jobs.registry import Progress, job_handler
from steerco.portfolios import decision_services


@job_handler("portfolio.optimise")
def optimise_scenario(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Solve a queued optimiser run (``run_id``) and store its plan on the scenario."""
    return decision_services.optimiser_run_execute(run_id=int(params["run_id"]), progress=progress)


@job_handler("portfolio.frontier")
def portfolio_frontier(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """The best value at each of ``points`` total budgets, with the plan and the cut line."""
    scenario_id = params.get("scenario_id")
    return decision_services.frontier_compute(
        portfolio_id=int(params["portfolio_id"]),
        scenario_id=int(scenario_id) if scenario_id is not None else None,
        points=int(params.get("points", 20)),
        time_limit_per_point=float(params.get("time_limit_per_point", 3.0)),
        objective=str(params.get("objective", "npv")),
        progress=progress,
    )
