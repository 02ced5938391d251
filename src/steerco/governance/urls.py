"""Governance pages, mounted at /governance/.

All pages share the one ``governance`` namespace (reporting pages included: a second
module under the same namespace could not be reversed), so there is no reporting_urls.
"""

from django.urls import path

from steerco.governance import reporting_views, views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    # Methodology templates
    path("methodologies/", views.methodology_list, name="methodologies"),
    path("methodologies/new/", views.methodology_create, name="methodology_create"),
    path("methodologies/<int:template_id>/", views.methodology_detail, name="methodology"),
    path("methodologies/<int:template_id>/edit/", views.methodology_edit, name="methodology_edit"),
    path(
        "methodologies/<int:template_id>/delete/",
        views.methodology_delete,
        name="methodology_delete",
    ),
    path("methodologies/<int:template_id>/stages/new/", views.stage_create, name="stage_create"),
    path("stages/<int:stage_id>/edit/", views.stage_edit, name="stage_edit"),
    path("stages/<int:stage_id>/delete/", views.stage_delete, name="stage_delete"),
    path("methodologies/<int:template_id>/gates/new/", views.gate_create, name="gate_create"),
    path("gates/<int:gate_id>/edit/", views.gate_edit, name="gate_edit"),
    path("gates/<int:gate_id>/delete/", views.gate_delete, name="gate_delete"),
    path(
        "gates/<int:gate_id>/items/new/",
        views.checklist_item_create,
        name="checklist_item_create",
    ),
    path(
        "checklist-items/<int:item_id>/edit/",
        views.checklist_item_edit,
        name="checklist_item_edit",
    ),
    path(
        "checklist-items/<int:item_id>/delete/",
        views.checklist_item_delete,
        name="checklist_item_delete",
    ),
    path(
        "methodologies/<int:template_id>/project-templates/new/",
        views.project_template_create,
        name="project_template_create",
    ),
    path(
        "project-templates/<int:project_template_id>/edit/",
        views.project_template_edit,
        name="project_template_edit",
    ),
    path(
        "project-templates/<int:project_template_id>/delete/",
        views.project_template_delete,
        name="project_template_delete",
    ),
    path(
        "project-templates/<int:project_template_id>/phases/new/",
        views.phase_create,
        name="phase_create",
    ),
    path("phases/<int:phase_id>/edit/", views.phase_edit, name="phase_edit"),
    path("phases/<int:phase_id>/delete/", views.phase_delete, name="phase_delete"),
    path(
        "phases/<int:phase_id>/tasks/new/",
        views.task_template_create,
        name="task_template_create",
    ),
    path(
        "task-templates/<int:task_template_id>/edit/",
        views.task_template_edit,
        name="task_template_edit",
    ),
    path(
        "task-templates/<int:task_template_id>/delete/",
        views.task_template_delete,
        name="task_template_delete",
    ),
    path(
        "methodologies/<int:template_id>/guidance/new/",
        views.guidance_create,
        name="guidance_create",
    ),
    path("guidance/<int:page_id>/", views.guidance_view, name="guidance"),
    path("guidance/<int:page_id>/edit/", views.guidance_edit, name="guidance_edit"),
    path("guidance/<int:page_id>/delete/", views.guidance_delete, name="guidance_delete"),
    # A project's governance, gates
    path("projects/<int:project_id>/", views.project_governance, name="project"),
    path(
        "projects/<int:project_id>/apply-template/",
        views.project_template_apply,
        name="project_template_apply",
    ),
    path("projects/<int:project_id>/gates/request/", views.gate_request, name="gate_request"),
    path("gate-reviews/<int:review_id>/", views.gate_review, name="gate_review"),
    path(
        "gate-reviews/<int:review_id>/evaluate/",
        views.gate_review_evaluate,
        name="gate_review_evaluate",
    ),
    path(
        "gate-reviews/<int:review_id>/decide/",
        views.gate_review_decide,
        name="gate_review_decide",
    ),
    path(
        "gate-reviews/<int:review_id>/withdraw/",
        views.gate_review_withdraw,
        name="gate_review_withdraw",
    ),
    path(
        "gate-review-items/<int:item_id>/check/",
        views.gate_review_item_check,
        name="gate_review_item_check",
    ),
    # RAID
    path("projects/<int:project_id>/raid/", views.raid_log, name="raid"),
    path("projects/<int:project_id>/raid/new/", views.raid_create, name="raid_create"),
    path("projects/<int:project_id>/raid/reviewed/", views.raid_reviewed, name="raid_reviewed"),
    path("raid/<int:item_id>/", views.raid_edit, name="raid_edit"),
    path("dependencies/", views.dependencies, name="dependencies"),
    # Change requests
    path(
        "projects/<int:project_id>/change-requests/",
        views.change_request_list,
        name="change_requests",
    ),
    path(
        "projects/<int:project_id>/change-requests/new/",
        views.change_request_create,
        name="change_request_create",
    ),
    path("change-requests/", views.change_board, name="change_board"),
    path(
        "change-requests/<int:change_request_id>/",
        views.change_request_detail,
        name="change_request",
    ),
    path(
        "change-requests/<int:change_request_id>/edit/",
        views.change_request_edit,
        name="change_request_edit",
    ),
    path(
        "change-requests/<int:change_request_id>/<str:action>/",
        views.change_request_action,
        name="change_request_action",
    ),
    # QA
    path("projects/<int:project_id>/qa/", views.qa_list, name="qa"),
    path("qa/<int:review_id>/", views.qa_review, name="qa_review"),
    path("qa-findings/", views.qa_findings, name="qa_findings"),
    path("qa-findings/<int:finding_id>/", views.qa_finding_edit, name="qa_finding_edit"),
    # Status reports
    path("status-reports/", reporting_views.status_report_overview, name="status_report_overview"),
    path(
        "status-reports/reminders/",
        reporting_views.status_report_reminders,
        name="status_report_reminders",
    ),
    path(
        "projects/<int:project_id>/status-reports/",
        reporting_views.status_report_history,
        name="status_reports",
    ),
    path(
        "projects/<int:project_id>/status-reports/new/",
        reporting_views.status_report_new,
        name="status_report_new",
    ),
    path("status-reports/<int:report_id>/", reporting_views.status_report, name="status_report"),
    path(
        "status-reports/<int:report_id>/refresh/",
        reporting_views.status_report_refresh,
        name="status_report_refresh",
    ),
    path(
        "status-reports/<int:report_id>/delete/",
        reporting_views.status_report_delete,
        name="status_report_delete",
    ),
    # Post-implementation reviews, lessons, benefits realisation
    path("projects/<int:project_id>/pir/", reporting_views.pir, name="pir"),
    path(
        "projects/<int:project_id>/lessons/new/",
        reporting_views.project_lesson_create,
        name="project_lesson_create",
    ),
    path("lessons/", reporting_views.lessons, name="lessons"),
    path("lessons/new/", reporting_views.lesson_create, name="lesson_create"),
    path("lessons/<int:lesson_id>/edit/", reporting_views.lesson_edit, name="lesson_edit"),
    path("lessons/<int:lesson_id>/delete/", reporting_views.lesson_delete, name="lesson_delete"),
    path("benefits-realisation/", reporting_views.realisation, name="realisation"),
]
