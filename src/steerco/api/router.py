"""The Steerco REST API, mounted at ``/api/v1``.

Each app contributes a Ninja router from its own ``api.py``; this module mounts
them and installs the one error format (RFC 9457 problem+json). OpenAPI is at
``/api/v1/openapi.json`` and the interactive docs at ``/api/v1/docs``.
"""

from __future__ import annotations

import importlib

from ninja import NinjaAPI

from steerco.api import problems
from steerco.api.auth import API_AUTH

api = NinjaAPI(
    title="Steerco API",
    version="1",
    description=(
        "Project portfolio management: portfolios, projects, schedules, resources and decisions. "
        "Authenticate with a personal token (`Authorization: Bearer stc_...`) created on your "
        "profile page. Errors are RFC 9457 problem details."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
problems.install(api)

# (url prefix, module with a `router`), mounted in this order.
ROUTERS = [
    ("", "steerco.accounts.api"),
    ("", "steerco.jobs.api"),
    ("", "steerco.portfolios.api"),
    ("", "steerco.portfolios.decision_api"),
    ("", "steerco.projects.api"),
    ("", "steerco.projects.schedule_api"),
    ("", "steerco.projects.calendar_api"),
    ("", "steerco.resources.api"),
    ("", "steerco.resources.capacity_api"),
    ("", "steerco.resources.timesheet_api"),
    ("", "steerco.finance.api"),
    ("", "steerco.governance.api"),
    ("", "steerco.governance.reporting_api"),
    ("", "steerco.comms.api"),
    ("", "steerco.reports.api"),
]

for prefix, module_name in ROUTERS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        # An app without an API yet is skipped; any other import failure is a bug to surface.
        if error.name != module_name:
            raise
        continue
    api.add_router(prefix, module.router)
