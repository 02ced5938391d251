"""Every write of the governance app, in one place to import from.

The services live in one module per area; this module gathers their public functions so
that callers write ``services.gate_review_decide(...)`` and ``grep`` finds them all:

- ``methodology_services``: templates, stages, gates, checklist items, project templates
  (and applying them to a project), guidance pages;
- ``gate_services``: gate reviews and QA reviews;
- ``raid_services``: the RAID log and change requests (and applying them to the baseline);
- ``status_services``: status reports and their reminders;
- ``pir_services``: post-implementation reviews and lessons learned.
"""

from __future__ import annotations

from steerco.governance.gate_services import (
    gate_review_decide,
    gate_review_evaluate,
    gate_review_item_check,
    gate_review_request,
    gate_review_withdraw,
    qa_finding_create,
    qa_finding_reminders,
    qa_finding_update,
    qa_review_create,
    qa_review_update,
)
from steerco.governance.methodology_services import (
    checklist_item_create,
    checklist_item_delete,
    checklist_item_update,
    gate_create,
    gate_delete,
    gate_update,
    guidance_create,
    guidance_delete,
    guidance_update,
    methodology_create,
    methodology_delete,
    methodology_update,
    phase_create,
    phase_delete,
    phase_update,
    project_template_apply,
    project_template_create,
    project_template_delete,
    project_template_update,
    stage_create,
    stage_delete,
    stage_update,
    task_template_create,
    task_template_delete,
    task_template_update,
)
from steerco.governance.pir_services import (
    lesson_create,
    lesson_delete,
    lesson_update,
    pir_complete,
    pir_schedule,
    pir_update,
)
from steerco.governance.raid_services import (
    change_request_apply,
    change_request_approve,
    change_request_create,
    change_request_delete,
    change_request_reject,
    change_request_submit,
    change_request_update,
    raid_item_create,
    raid_item_update,
    raid_register_review,
)
from steerco.governance.status_services import (
    status_report_create,
    status_report_delete,
    status_report_refresh_suggestions,
    status_report_reminders,
    status_report_submit,
    status_report_update,
)

__all__ = [
    "change_request_apply",
    "change_request_approve",
    "change_request_create",
    "change_request_delete",
    "change_request_reject",
    "change_request_submit",
    "change_request_update",
    "checklist_item_create",
    "checklist_item_delete",
    "checklist_item_update",
    "gate_create",
    "gate_delete",
    "gate_review_decide",
    "gate_review_evaluate",
    "gate_review_item_check",
    "gate_review_request",
    "gate_review_withdraw",
    "gate_update",
    "guidance_create",
    "guidance_delete",
    "guidance_update",
    "lesson_create",
    "lesson_delete",
    "lesson_update",
    "methodology_create",
    "methodology_delete",
    "methodology_update",
    "phase_create",
    "phase_delete",
    "phase_update",
    "pir_complete",
    "pir_schedule",
    "pir_update",
    "project_template_apply",
    "project_template_create",
    "project_template_delete",
    "project_template_update",
    "qa_finding_create",
    "qa_finding_reminders",
    "qa_finding_update",
    "qa_review_create",
    "qa_review_update",
    "raid_item_create",
    "raid_item_update",
    "raid_register_review",
    "stage_create",
    "stage_delete",
    "stage_update",
    "status_report_create",
    "status_report_delete",
    "status_report_refresh_suggestions",
    "status_report_reminders",
    "status_report_submit",
    "status_report_update",
    "task_template_create",
    "task_template_delete",
    "task_template_update",
]
