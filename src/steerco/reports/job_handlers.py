"""Background jobs of the reports app: one executive pack, and the scheduled deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from steerco.jobs.periodic import organisation_ids_param, periodic_task, today_param
from steerco.jobs.registry import Progress, job_handler


@job_handler("reports.executive_pack")
def executive_pack(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Draw a pack (params: user_id, portfolio_id, as_of, file) and store its PDF."""
    from steerco.reports.services import pack_job_run

    return pack_job_run(params, progress)


@job_handler("reports.deliver_packs")
def deliver_packs(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Email the packs that are due (params: today, organisation_id; both optional)."""
    from steerco.reports.services import packs_send

    run = packs_send(
        today=today_param(params),
        organisation_ids=organisation_ids_param(params),
        progress=progress,
    )
    return {
        "due": len(run.due),
        "sent": [f"{d.user.username}: {d.scope}" for d in run.sent],
        "problems": [f"{d.user.username}: {d.problem}" for d in run.failed],
    }


# Daily: each subscription gets its pack once per day, ISO week or month, as it chose, so one
# run a day serves all three frequencies.
periodic_task(
    "reports.deliver_packs",
    title="Executive packs to subscribers",
    at=dt.time(7, 0),
)
