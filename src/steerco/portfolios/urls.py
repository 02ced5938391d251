"""Pages of portfolios and programs, under /portfolios/."""

from django.urls import path

from steerco.portfolios import views

app_name = "portfolios"

urlpatterns = [
    path("", views.portfolio_list, name="list"),
    path("new/", views.portfolio_create, name="create"),
    path("<int:portfolio_id>/", views.portfolio_detail, name="detail"),
    path("<int:portfolio_id>/edit/", views.portfolio_edit, name="edit"),
    path("<int:portfolio_id>/delete/", views.portfolio_delete, name="delete"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:program_id>/", views.program_detail, name="program"),
    path("programs/<int:program_id>/edit/", views.program_edit, name="program_edit"),
    path("programs/<int:program_id>/delete/", views.program_delete, name="program_delete"),
]
