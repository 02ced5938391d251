"""Finance pages, mounted at /finance/."""

from django.urls import path

from steerco.finance import line_views, views

app_name = "finance"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/", views.project, name="project"),
    path("projects/<int:project_id>/forecast/", views.forecast, name="forecast"),
    path("projects/<int:project_id>/budget/", line_views.budget_lines, name="budget_lines"),
    path("projects/<int:project_id>/costs/new/", line_views.cost_line_new, name="cost_line_new"),
    path("costs/<int:cost_line_id>/", line_views.cost_line_edit, name="cost_line_edit"),
    path("costs/<int:cost_line_id>/delete/", line_views.cost_line_delete, name="cost_line_delete"),
    path("budgets/<int:budget_id>/approve/", views.budget_approve, name="budget_approve"),
    path("budgets/<int:budget_id>/reject/", views.budget_reject, name="budget_reject"),
    path("portfolios/<int:portfolio_id>/", views.portfolio, name="portfolio"),
    path("programs/<int:program_id>/", views.program, name="program"),
    path("exchange-rates/", views.exchange_rates, name="rates"),
    path(
        "exchange-rates/<int:rate_id>/delete/",
        views.exchange_rate_delete,
        name="rate_delete",
    ),
    path("import/", views.import_page, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/templates/<str:kind>.csv", views.import_template, name="import_template"),
    path("export/<str:kind>/", views.export, name="export"),
]
