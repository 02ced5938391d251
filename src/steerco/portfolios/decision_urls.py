"""Pages of portfolio decisions, under /portfolios/ (namespace ``decisions``)."""

from django.urls import path

from steerco.portfolios import decision_views as views

app_name = "decisions"

urlpatterns = [
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/new/", views.scenario_create, name="scenario_create"),
    path("scenarios/compare/", views.scenario_compare, name="compare"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario"),
    path(
        "scenarios/<int:scenario_id>/projects/", views.scenario_projects, name="scenario_projects"
    ),
    path(
        "scenarios/<int:scenario_id>/settings/", views.scenario_settings, name="scenario_settings"
    ),
    path(
        "scenarios/<int:scenario_id>/optimise/", views.scenario_optimise, name="scenario_optimise"
    ),
    path("scenarios/<int:scenario_id>/promote/", views.scenario_promote, name="scenario_promote"),
    path("scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenarios/<int:scenario_id>/runs/<int:run_id>/", views.run_status, name="run"),
    path("frontier/", views.frontier_home, name="frontier_home"),
    path("<int:portfolio_id>/frontier/", views.frontier_page, name="frontier"),
    path("recommendations/", views.recommendations, name="recommendations"),
    path("prioritise/", views.prioritise, name="prioritise"),
    path("prioritise/scores/", views.scores_save, name="scores"),
    path("prioritise/weights/", views.weights_save, name="weights"),
    path("prioritise/ahp/", views.ahp, name="ahp"),
    path("prioritise/ahp/apply/", views.ahp_apply, name="ahp_apply"),
    path(
        "business-cases/<int:business_case_id>/", views.business_case_editor, name="business_case"
    ),
    path(
        "business-cases/<int:business_case_id>/metrics/",
        views.business_case_metrics,
        name="business_case_metrics",
    ),
]
