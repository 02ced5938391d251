"""Background jobs of the governance app."""

from __future__ import annotations

import datetime
from typing import Any

from steerco.jobs.periodic import organisation_ids_param, periodic_task, today_param
from steerco.jobs.registry import Progress, job_handler


@job_handler("governance.status_report_reminders")
def status_report_reminders(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Remind managers of missing status reports (params: organisation_id, today)."""
    from steerco.governance.status_services import status_report_reminders as remind

    progress(10, "Looking for reports due")
    run = remind(today=today_param(params), organisation_ids=organisation_ids_param(params))
    progress(100, f"{len(run.notified)} reminders sent")
    return {
        "due": len(run.due),
        "reminded": [report.project.code for report in run.notified],
    }


@job_handler("governance.qa_finding_reminders")
def qa_finding_reminders(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Remind owners of QA finding actions past their due date (params: organisation_id, today)."""
    from steerco.governance.gate_services import qa_finding_reminders as remind

    progress(10, "Looking for overdue QA finding actions")
    run = remind(today=today_param(params), organisation_ids=organisation_ids_param(params))
    progress(100, f"{len(run.notified)} reminders sent")
    return {"overdue": len(run.overdue), "reminded": [finding.pk for finding in run.notified]}


# Once a day, after the managers' working day has started; a reminder goes once per period.
periodic_task(
    "governance.status_report_reminders",
    title="Status report reminders",
    at=datetime.time(8, 0),
)
# Each overdue action reminds its owner once, so a daily run never repeats itself.
periodic_task(
    "governance.qa_finding_reminders",
    title="Overdue QA finding reminders",
    at=datetime.time(8, 0),
)
