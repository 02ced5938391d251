"""The main navigation, per role: each role sees the pages of its job first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from steerco.accounts.models import Role


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset[str] | None = None  # None: every role


EVERYONE = None
STEERING = frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER, Role.EXECUTIVE})
RESOURCING = frozenset(
    {Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER, Role.RESOURCE_MANAGER}
)
DELIVERY = frozenset(
    {
        Role.ADMINISTRATOR,
        Role.PMO_ANALYST,
        Role.PORTFOLIO_MANAGER,
        Role.PROJECT_MANAGER,
        Role.RESOURCE_MANAGER,
        Role.EXECUTIVE,
    }
)

# Pages appear only once their URL exists, so later issues add entries here with their pages.
ENTRIES = [
    NavEntry("Home", "web:home", EVERYONE),
    NavEntry("Dashboard", "reports:dashboard", STEERING),
    NavEntry("Portfolios", "portfolios:list", STEERING | {Role.RESOURCE_MANAGER}),
    NavEntry("Projects", "projects:list", EVERYONE),
    NavEntry("Scenarios", "decisions:scenarios", STEERING),
    NavEntry("Prioritise", "decisions:prioritise", STEERING),
    NavEntry("Recommendations", "decisions:recommendations", STEERING | DELIVERY),
    NavEntry("Capacity", "capacity:heatmap", RESOURCING | {Role.EXECUTIVE}),
    NavEntry("People", "resources:people", DELIVERY),
    NavEntry("Roles", "resources:roles", DELIVERY),
    NavEntry("Calendars", "calendars:list", frozenset({Role.ADMINISTRATOR, Role.PMO_ANALYST})),
    NavEntry("Requests", "capacity:requests", RESOURCING | {Role.PROJECT_MANAGER}),
    NavEntry("My timesheet", "timesheets:mine", EVERYONE),
    NavEntry("Finance", "finance:home", STEERING | {Role.PROJECT_MANAGER}),
    NavEntry("Governance", "governance:home", STEERING | {Role.PROJECT_MANAGER}),
    NavEntry("Notifications", "comms:notifications", EVERYONE),
    NavEntry("Jobs", "web:jobs", EVERYONE),
    NavEntry("Admin", "admin:index", frozenset({Role.ADMINISTRATOR})),
]


def navigation_for(user: Any, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for entry in ENTRIES:
        if entry.roles is not None and user.role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = path == url if url == "/" else path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items
