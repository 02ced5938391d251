"""Vega-Lite specs (built with Altair) for the finance pages.

One spec, two renderings: the page draws it with vega-embed under the strict
CSP (``decisions/vega-csp.js`` evaluates expressions without ``eval``), and a
PDF pack can render the same dict to SVG with vl-convert. ``usermeta`` keeps
vega-embed from injecting a ``<style>`` element, which the CSP forbids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from steerco.finance.selectors import MonthFigures

EMBED_OPTIONS = {"defaultStyle": False, "tooltip": {"disableDefaultStyle": True}}
BUDGET, ACTUAL, FORECAST = "#9aa5b1", "#1f5fa8", "#d9931c"
SERIES = ["Budget", "Actual", "Forecast"]


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["usermeta"] = {"embedOptions": EMBED_OPTIONS}
    return spec


def monthly(months: Sequence[MonthFigures], currency: str) -> dict[str, Any] | None:
    """Budget, actual and forecast of each month, side by side."""
    values = [
        {"month": f"{row.month:%Y-%m}-01", "series": series, "amount": float(amount)}
        for row in months
        for series, amount in (
            ("Budget", row.budget),
            ("Actual", row.actual),
            ("Forecast", row.forecast),
        )
        if amount
    ]
    if not values:
        return None
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("month:O", timeUnit="yearmonth", title=None, axis=alt.Axis(format="%b %y")),
            xOffset=alt.XOffset("series:N", sort=SERIES),
            y=alt.Y("amount:Q", title=currency, axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=SERIES, range=[BUDGET, ACTUAL, FORECAST]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("amount:Q", title=currency, format=",.0f"),
            ],
        )
        .properties(width="container", height=240)
    )
    return _finish(chart)


def cumulative(
    months: Sequence[MonthFigures], currency: str, as_of_month: str
) -> dict[str, Any] | None:
    """Cumulative budget against cumulative actual, then actual plus forecast (the S-curve)."""
    values: list[dict[str, Any]] = []
    for index, row in enumerate(months):
        month = f"{row.month:%Y-%m}-01"
        following = f"{months[index + 1].month:%Y-%m}-01" if index + 1 < len(months) else ""
        spent = float(row.cumulative_actual_and_forecast)
        values.append({"month": month, "series": "Budget", "amount": float(row.cumulative_budget)})
        if month < as_of_month:
            values.append({"month": month, "series": "Actual", "amount": spent})
            if following == as_of_month:
                # The forecast line starts where the last whole month of actuals ends.
                values.append({"month": month, "series": "Forecast", "amount": spent})
        elif month == as_of_month:
            values.append(
                {"month": month, "series": "Actual", "amount": spent - float(row.forecast)}
            )
            values.append({"month": month, "series": "Forecast", "amount": spent})
        else:
            values.append({"month": month, "series": "Forecast", "amount": spent})
    if not values:
        return None
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y")),
            y=alt.Y("amount:Q", title=f"Cumulative, {currency}", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=SERIES, range=[BUDGET, ACTUAL, FORECAST]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=SERIES, range=[[4, 3], [1, 0], [6, 3]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("amount:Q", title=currency, format=",.0f"),
            ],
        )
        .properties(width="container", height=240)
    )
    return _finish(chart)
