"""Background jobs of the resources app."""

from __future__ import annotations

import datetime
from typing import Any

from steerco.jobs.periodic import periodic_task
from steerco.jobs.registry import Progress, job_handler


@job_handler("resources.capacity_refresh")
def capacity_refresh(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Rebuild an organisation's capacity over the default window (params: organisation_id)."""
    from steerco.resources.capacity_services import capacity_refresh as refresh

    progress(10, "Rebuilding capacity")
    result = refresh(acting_user=None, organisation_id=int(params["organisation_id"]))
    progress(100, f"{result.months} months rebuilt for {result.people} people")
    return {
        "first_month": result.first_month.isoformat(),
        "months": result.months,
        "people": result.people,
    }


# Every write that changes capacity rebuilds it at once, but the window of months kept moves
# with the calendar: without a nightly run, a month entering the window would have no capacity.
periodic_task("resources.capacity_refresh", title="Capacity rebuild", at=datetime.time(2, 0))
