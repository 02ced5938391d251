"""Schedule pages, mounted at /projects/ (namespace ``schedule``)."""

from django.urls import path

from steerco.projects import schedule_views as views

app_name = "schedule"

urlpatterns = [
    path("schedule/import/", views.import_page, name="import"),
    path("<int:project_id>/schedule/", views.schedule_page, name="page"),
    path("<int:project_id>/schedule/tasks/new/", views.task_add, name="task_add"),
    path("<int:project_id>/schedule/tasks/<int:task_id>/", views.task_edit, name="task_edit"),
    path(
        "<int:project_id>/schedule/tasks/<int:task_id>/delete/",
        views.task_delete,
        name="task_delete",
    ),
    path("<int:project_id>/schedule/reschedule/", views.reschedule, name="reschedule"),
    path("<int:project_id>/schedule/settings/", views.settings_update, name="settings"),
    path("<int:project_id>/schedule/baselines/", views.baseline_capture, name="baseline"),
    path("<int:project_id>/schedule/level/", views.level, name="level"),
    path("<int:project_id>/schedule/simulate/", views.simulate, name="simulate"),
    path("<int:project_id>/schedule/risk/", views.risk, name="risk"),
    path("<int:project_id>/schedule/mspdi/", views.mspdi, name="mspdi"),
    path("<int:project_id>/schedule/gantt.svg", views.gantt, name="gantt"),
    path("<int:project_id>/schedule/earned-value/", views.earned_value, name="earned_value"),
]
