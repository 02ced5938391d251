"""URL map: the pages of each app, the API at /api/v1, and the admin."""

from __future__ import annotations

import importlib

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from steerco.api.router import api

# (url prefix, app whose urls.py holds its pages); each urls.py sets its own app_name.
APP_PAGES = [
    ("portfolios/", "steerco.portfolios"),
    ("projects/", "steerco.projects"),
    ("resources/", "steerco.resources"),
    ("finance/", "steerco.finance"),
    ("governance/", "steerco.governance"),
    ("comms/", "steerco.comms"),
    ("reports/", "steerco.reports"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
for prefix, app in APP_PAGES:
    try:
        importlib.import_module(f"{app}.urls")
    except ModuleNotFoundError as error:
        # An app without pages yet is skipped; a broken import is not.
        if error.name != f"{app}.urls":
            raise
        continue
    urlpatterns.append(path(prefix, include(f"{app}.urls")))
urlpatterns.append(path("", include("steerco.web.urls")))
