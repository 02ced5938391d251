"""Pages of capacity and resource requests, under /resources/."""

from django.urls import path

from steerco.resources import capacity_views as views
from steerco.resources import planning_views

app_name = "capacity"

urlpatterns = [
    path("capacity/", views.heatmap, name="heatmap"),
    path("capacity/drilldown/", views.drilldown, name="drilldown"),
    path("capacity/fit/", views.fit, name="fit"),
    path("capacity/refresh/", views.refresh, name="refresh"),
    path("capacity/people/", views.people, name="people"),
    path("projects/<int:project_id>/demand/", views.project_demand, name="project_demand"),
    path("projects/<int:project_id>/demand/plan/", planning_views.demand_grid, name="demand_grid"),
    path("projects/<int:project_id>/bookings/", planning_views.bookings, name="bookings"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/approve/", views.request_approve, name="request_approve"),
    path("requests/<int:request_id>/reject/", views.request_reject, name="request_reject"),
    path("requests/<int:request_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
]
