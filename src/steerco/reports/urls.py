"""Pages of the reports app, mounted at ``/reports/``."""

from django.urls import path

from steerco.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("export/<slug:list_name>.xlsx", views.export_list, name="export"),
    path("pack/", views.pack_page, name="pack"),
    path("pack.pdf", views.pack_pdf, name="pack_pdf"),
    path("pack/<int:job_id>/status/", views.pack_status, name="pack_status"),
    path("pack/<int:job_id>/download/", views.pack_download, name="pack_download"),
    path("subscriptions/", views.subscription_create, name="subscription_create"),
    path(
        "subscriptions/<int:subscription_id>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
]
