"""Number formats of the executive pages: short money, percentages, RAG words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()

SCALES = ((Decimal("1e9"), "bn"), (Decimal("1e6"), "M"), (Decimal("1e3"), "k"))


@register.filter
def money_short(value: Decimal | float | int | None) -> str:
    """1234567.89 -> "1.2 M": the size of a sum at a glance."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    for size, suffix in SCALES:
        if abs(amount) >= size:
            return f"{amount / size:,.1f} {suffix}"
    return f"{amount:,.0f}"


@register.filter
def money(value: Decimal | float | int | None) -> str:
    """Whole currency units with thousands separators."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):,.0f}"


@register.filter
def percent(value: float | Decimal | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def decimal1(value: float | Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.1f}"


@register.filter
def rag_word(value: str | None) -> str:
    return (value or "none").capitalize()


@register.filter
def signed_days(value: int | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


@register.filter
def get_chart(charts: dict[str, str], key: str) -> str:
    """A chart's SVG by its key (keys have hyphens, which template lookups cannot spell)."""
    return charts.get(key, "")


@register.filter
def lookup(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]`` or None, for keys with hyphens."""
    return mapping.get(key)
