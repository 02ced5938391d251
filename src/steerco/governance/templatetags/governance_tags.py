"""Template filters of the governance pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def attribute(value: Any, name: str) -> Any:
    """``{{ report|attribute:"cost" }}``: an attribute named by a variable."""
    return getattr(value, name, "")


@register.filter
def role_label(value: str) -> str:
    """``{{ "pmo_analyst"|role_label }}`` is "PMO analyst"; unknown values pass through."""
    from steerco.accounts.models import Role

    return str(Role(value).label) if value in Role.values else value
