"""Template helpers of the decision pages, and the business case metrics on the project page."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from steerco.portfolios import decision_engine_io as io
from steerco.portfolios import decision_selectors as selectors

register = template.Library()


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def money(value: Any) -> str:
    """12,345 (no decimals): portfolio figures are read in thousands, not cents."""
    number = _number(value)
    if number is None:
        return "—"
    return number_format(round(number), decimal_pos=0, force_grouping=True)


@register.filter
def percent(value: Any, places: int = 1) -> str:
    number = _number(value)
    if number is None:
        return "—"
    return f"{number * 100:.{int(places)}f}%"


@register.filter
def decimal1(value: Any) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.1f}"


@register.filter
def month_after(first: Any, months: Any) -> str:
    """'2027-04' for a window starting '2027-01' (or a date) and 3 months."""
    if not first or months is None:
        return ""
    start = first if not isinstance(first, str) else io.parse_month(first)
    return io.month_key(io.add_months(start, int(months)))


@register.filter
def suffix(value: Any, arg: Any) -> str:
    """'chart-capacity' and 2 give 'chart-capacity-2' (ids of repeated charts)."""
    return f"{value}-{arg}"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def share_class(value: Any) -> str:
    """Heat class of a share of capacity: heat-0 (idle) .. heat-4 (over)."""
    number = _number(value) or 0.0
    if number > 1.0 + 1e-9:
        return "heat-4"
    if number >= 0.95:
        return "heat-3"
    if number >= 0.75:
        return "heat-2"
    if number > 0.0:
        return "heat-1"
    return "heat-0"


@register.inclusion_tag("decisions/_detail_metrics.html", takes_context=True)
def business_case_metrics(context: template.Context, business_case: Any) -> dict[str, Any]:
    """NPV, IRR and payback cells of a business case whose lines are loaded (no query).

    The organisation's rate comes from the logged-in user's organisation, which the page
    header has already loaded; the case's and the project's own rates come first.
    """
    user = context.get("user")
    organisation = getattr(user, "organisation", None)
    rate = organisation.discount_rate if organisation is not None else Decimal("0.08")
    view = selectors.business_case_metrics_for_detail(business_case, rate)
    return {"view": view, "case": business_case}
