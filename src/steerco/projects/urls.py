"""Project pages, mounted at /projects/."""

from django.urls import path

from steerco.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/delete/", views.project_delete, name="delete"),
    path("<int:project_id>/members/", views.project_member_add, name="member_add"),
    path(
        "<int:project_id>/members/<int:user_id>/remove/",
        views.project_member_remove,
        name="member_remove",
    ),
    path(
        "<int:project_id>/business-cases/new/",
        views.business_case_create,
        name="business_case_create",
    ),
    path(
        "business-cases/<int:business_case_id>/edit/",
        views.business_case_edit,
        name="business_case_edit",
    ),
    path(
        "business-cases/<int:business_case_id>/submit/",
        views.business_case_submit,
        name="business_case_submit",
    ),
    path(
        "business-cases/<int:business_case_id>/approve/",
        views.business_case_approve,
        name="business_case_approve",
    ),
    path(
        "business-cases/<int:business_case_id>/reject/",
        views.business_case_reject,
        name="business_case_reject",
    ),
    path(
        "business-cases/<int:business_case_id>/delete/",
        views.business_case_delete,
        name="business_case_delete",
    ),
]
