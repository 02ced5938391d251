"""Background jobs of the jobs app itself: keeping the queue's history short."""

from __future__ import annotations

import datetime
from typing import Any

from steerco.jobs.periodic import organisation_ids_param, periodic_task
from steerco.jobs.registry import Progress, job_handler


@job_handler("jobs.prune")
def jobs_prune(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Delete finished jobs and task rows older than the retention (params: organisation_id)."""
    from steerco.jobs.services import jobs_prune as prune

    progress(10, "Pruning finished jobs")
    days = params.get("days")
    result = prune(
        older_than_days=int(days) if days is not None else None,
        organisation_ids=organisation_ids_param(params),
    )
    progress(100, f"{result.jobs} jobs and {result.task_results} task rows pruned")
    return {
        "finished_before": result.finished_before.isoformat(),
        "jobs": result.jobs,
        "task_results": result.task_results,
    }


# Every job and every queued task leaves a row behind: months of webhook deliveries and
# periodic runs would otherwise grow the queue's tables (and slow its polling) without end.
periodic_task("jobs.prune", title="Prune finished jobs", at=datetime.time(3, 30))
