"""URL map: the pages of each app, the API at /api/v1, and the admin."""

from __future__ import annotations

import importlib

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from steerco.api.router import api

# (url prefix, module holding the pages); each module sets its own app_name (namespace).
APP_PAGES = [
    ("portfolios/", "steerco.portfolios.urls"),
    ("portfolios/", "steerco.portfolios.decision_urls"),
    ("projects/", "steerco.projects.urls"),
    ("projects/", "steerco.projects.schedule_urls"),
    ("calendars/", "steerco.projects.calendar_urls"),
    ("resources/", "steerco.resources.urls"),
    ("resources/", "steerco.resources.capacity_urls"),
    ("resources/", "steerco.resources.timesheet_urls"),
    ("finance/", "steerco.finance.urls"),
    ("governance/", "steerco.governance.urls"),
    ("governance/", "steerco.governance.reporting_urls"),
    ("comms/", "steerco.comms.urls"),
    ("reports/", "steerco.reports.urls"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
for prefix, module in APP_PAGES:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as error:
        # A module not written yet is skipped; a broken import is not.
        if error.name != module:
            raise
        continue
    urlpatterns.append(path(prefix, include(module)))
urlpatterns.append(path("", include("steerco.web.urls")))
