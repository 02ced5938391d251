"""What each role sees first when it logs in."""

from __future__ import annotations

from typing import Any

from steerco.accounts.models import Role, User

HOME_TEMPLATES = {
    Role.ADMINISTRATOR: "administrator",
    Role.PMO_ANALYST: "pmo",
    Role.PORTFOLIO_MANAGER: "pmo",
    Role.EXECUTIVE: "executive",
    Role.RESOURCE_MANAGER: "resource_manager",
    Role.PROJECT_MANAGER: "project_manager",
    Role.TEAM_MEMBER: "team_member",
}


def home_context(user: User) -> dict[str, Any]:
    context: dict[str, Any] = {"template": HOME_TEMPLATES.get(Role(user.role), "team_member")}
    return context
