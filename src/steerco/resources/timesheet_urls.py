"""Pages of timesheets and of a team member's assignments, under /resources/."""

from django.urls import path

from steerco.resources import timesheet_views as views

app_name = "timesheets"

urlpatterns = [
    path("timesheets/mine/", views.my_timesheet, name="mine"),
    path("timesheets/approvals/", views.approvals, name="approvals"),
    path("timesheets/closed-periods/", views.locked_periods, name="locked_periods"),
    path("timesheets/<int:timesheet_id>/", views.detail, name="detail"),
    path("timesheets/<int:timesheet_id>/approve/", views.approve, name="approve"),
    path("timesheets/<int:timesheet_id>/reject/", views.reject, name="reject"),
    path("timesheets/<int:timesheet_id>/lines/", views.decide_lines, name="decide_lines"),
    path("my-assignments/", views.my_assignments, name="my_assignments"),
]
