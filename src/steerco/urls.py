"""URL map: the pages, the API at /api/v1, and the admin."""

from django.contrib import admin
from django.urls import include, path

from steerco.api.router import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("steerco.web.urls")),
]
