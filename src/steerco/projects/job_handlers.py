"""Background jobs of the projects app: Monte Carlo schedule risk analysis."""

from __future__ import annotations

from typing import Any

from steerco.jobs.registry import Progress, job_handler
from steerco.projects.schedule_services import SIMULATION_KIND, simulation_run


@job_handler(SIMULATION_KIND)
def simulate_schedule(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Run the simulation the job was started with; the result is the job's result."""
    options = {key: value for key, value in params.items() if key != "project_id"}
    return simulation_run(project_id=int(params["project_id"]), options=options, progress=progress)
