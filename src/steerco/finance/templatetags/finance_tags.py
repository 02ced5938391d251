"""Template filters for money: thousands separators, whole units, signs and percentages."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django import template

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@register.filter
def money(value: Any) -> str:
    """12345.67 -> "12,346": whole units, the precision a PMO reads money at."""
    number = _decimal(value)
    if number is None:
        return "—"
    whole = number.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return f"{whole:,}".replace("-", "−") if whole else "0"


@register.filter
def cents(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number.quantize(Decimal('0.01')):,}".replace("-", "−")


@register.filter
def signed_money(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    text = money(number)
    return f"+{text}" if number.quantize(Decimal(1)) > 0 else text


@register.filter
def percent(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    rounded = number.quantize(Decimal("0.1"))
    return f"{rounded if rounded else Decimal('0.0')}%".replace("-", "−")


@register.filter
def ratio(value: Any) -> str:
    """A performance index such as CPI, to two places."""
    number = _decimal(value)
    return "—" if number is None else f"{number.quantize(Decimal('0.01'))}"


@register.filter
def variance_class(value: Any) -> str:
    """Under budget reads green, over budget red (variance = budget - cost)."""
    number = _decimal(value)
    if number is None or number.quantize(Decimal(1)) == 0:
        return ""
    return "under" if number > 0 else "over"
