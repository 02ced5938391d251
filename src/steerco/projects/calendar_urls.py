"""Calendar pages, mounted at /calendars/ (namespace ``calendars``)."""

from django.urls import path

from steerco.projects import calendar_views as views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("new/", views.calendar_create, name="create"),
    path("<int:calendar_id>/", views.calendar_detail, name="detail"),
    path("<int:calendar_id>/edit/", views.calendar_edit, name="edit"),
    path("<int:calendar_id>/delete/", views.calendar_delete, name="delete"),
    path("<int:calendar_id>/exceptions/", views.exception_add, name="exception_add"),
    path("<int:calendar_id>/holidays/import/", views.holidays_import, name="holidays_import"),
    path("exceptions/<int:exception_id>/edit/", views.exception_edit, name="exception_edit"),
    path("exceptions/<int:exception_id>/delete/", views.exception_delete, name="exception_delete"),
]
