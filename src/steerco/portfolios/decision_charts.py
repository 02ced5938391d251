"""Vega-Lite specs (built with Altair) for the decision pages.

One spec, two renderings: the page draws it with vega-embed (see ``decisions/vega-csp.js``
for why it works under the strict CSP), and a PDF pack can render the same dict to SVG with
vl-convert. Every spec carries ``usermeta.embedOptions`` so that vega-embed injects no
``<style>`` element (the CSP forbids it; ``decisions.css`` styles the tooltip instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

EMBED_OPTIONS = {"defaultStyle": False, "tooltip": {"disableDefaultStyle": True}}
BLUE, GREY, ORANGE, GREEN, RED = "#1f5fa8", "#9aa5b1", "#d9931c", "#2e8b57", "#c0392b"


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["usermeta"] = {"embedOptions": EMBED_OPTIONS}
    return spec


def roadmap(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Gantt-like bars: one per selected project from its start month to its end.

    ``rows``: ``project``, ``name``, ``start`` and ``end`` ("YYYY-MM-01", end exclusive),
    ``kind`` (in flight, forced in, chosen) and ``value``.
    """
    if not rows:
        return None
    data = alt.Data(values=[dict(row) for row in rows])
    chart = (
        alt.Chart(data)
        .mark_bar(cornerRadius=2, height={"band": 0.7})
        .encode(
            x=alt.X(
                "start:T",
                title=None,
                axis=alt.Axis(
                    format="%b %Y",
                    orient="top",
                    tickCount={"interval": "month", "step": 1},
                    labelOverlap=True,
                ),
            ),
            x2="end:T",
            y=alt.Y(
                "project:N", sort=alt.EncodingSortField("order", order="ascending"), title=None
            ),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(
                    domain=["in flight", "forced in", "chosen"], range=[GREY, ORANGE, BLUE]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("project:N", title="Project"),
                alt.Tooltip("name:N", title="Name"),
                alt.Tooltip("start:T", title="Starts", format="%B %Y"),
                alt.Tooltip("last:T", title="Ends", format="%B %Y"),
                alt.Tooltip("value:Q", title="Value", format=",.0f"),
            ],
        )
        .properties(width="container", height=max(120, 18 * len(rows)))
    )
    return _finish(chart)


def capacity_heatmap(cells: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Role x month, coloured by the share of capacity the plan uses (over 100% in red).

    ``cells``: ``role``, ``month`` ("YYYY-MM-01"), ``use`` and ``capacity`` (FTE), ``share``.
    """
    if not cells:
        return None
    data = alt.Data(values=[dict(cell) for cell in cells])
    chart = (
        alt.Chart(data)
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("month:O", title=None, timeUnit="yearmonth", axis=alt.Axis(format="%b %y")),
            y=alt.Y("role:N", title=None),
            color=alt.Color(
                "share:Q",
                title="Use / capacity",
                scale=alt.Scale(
                    domain=[0, 0.5, 0.9, 1.0, 1.5],
                    range=["#f1f8f3", "#cfe8d6", "#fdf0d2", "#f3b49f", RED],
                    clamp=True,
                ),
                legend=alt.Legend(format=".0%", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("role:N", title="Role"),
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("use:Q", title="FTE used", format=".1f"),
                alt.Tooltip("capacity:Q", title="FTE available", format=".1f"),
                alt.Tooltip("share:Q", title="Use", format=".0%"),
            ],
        )
        .properties(width="container", height=max(80, 22 * len({c["role"] for c in cells})))
    )
    return _finish(chart)


def frontier(
    points: Sequence[Mapping[str, Any]], current: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Best value by total budget, with the cut line at each budget and the current portfolio.

    ``points``: ``budget``, ``value``, ``bound``, ``cutline``, ``current`` (the current
    portfolio cut to fit that budget). ``current``: ``spend`` and ``value`` of the plan.
    """
    if not points:
        return None
    series = []
    for point in points:
        for label, key in (
            ("Optimal portfolio", "value"),
            ("Ranked-list cut line", "cutline"),
            ("Proven bound", "bound"),
        ):
            # A cut line of 0 means the ranked list found no plan that keeps every constraint.
            if point.get(key) is not None and (key != "cutline" or point[key]):
                series.append(
                    {
                        "budget": point["budget"],
                        "value": point[key],
                        "series": label,
                        "gap": point.get("gap"),
                    }
                )
    domain = ["Optimal portfolio", "Ranked-list cut line", "Proven bound"]
    base = alt.Chart(alt.Data(values=series)).encode(
        x=alt.X("budget:Q", title="Total budget over the window", axis=alt.Axis(format="~s")),
        y=alt.Y("value:Q", title="Portfolio value", axis=alt.Axis(format="~s")),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=[*domain, "Current portfolio"], range=[BLUE, ORANGE, GREY, RED]),
            legend=alt.Legend(orient="bottom"),
        ),
        strokeDash=alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3], [2, 2]]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("budget:Q", title="Budget", format=",.0f"),
            alt.Tooltip("value:Q", title="Value", format=",.0f"),
            alt.Tooltip("gap:Q", title="Proven gap", format=".2%"),
        ],
    )
    layers: list[Any] = [base.mark_line(point=True)]
    if current and current.get("spend") is not None and current.get("value") is not None:
        marker = alt.Data(
            values=[
                {
                    "budget": current["spend"],
                    "value": current["value"],
                    "series": "Current portfolio",
                }
            ]
        )
        layers.append(
            alt.Chart(marker)
            .mark_point(shape="diamond", size=160, filled=True)
            .encode(
                x="budget:Q",
                y="value:Q",
                color=alt.Color("series:N"),
                tooltip=[
                    alt.Tooltip("series:N", title="Series"),
                    alt.Tooltip("budget:Q", title="Spend", format=",.0f"),
                    alt.Tooltip("value:Q", title="Value", format=",.0f"),
                ],
            )
        )
    chart = alt.layer(*layers).properties(width="container", height=320)
    return _finish(chart)


def tornado(rows: Sequence[Mapping[str, Any]], base_npv: float) -> dict[str, Any] | None:
    """NPV under the unfavourable and favourable value of each driver, widest bar on top.

    ``rows``: ``driver``, ``low`` and ``high`` (NPV), ``low_case`` and ``high_case``.
    """
    if not rows:
        return None
    values = [{**dict(row), "order": index} for index, row in enumerate(rows)]
    bars = (
        alt.Chart(alt.Data(values=values))
        .mark_bar(color=BLUE, height={"band": 0.6})
        .encode(
            y=alt.Y("driver:N", sort=alt.EncodingSortField("order"), title=None),
            x=alt.X("low:Q", title="NPV", axis=alt.Axis(format="~s")),
            x2="high:Q",
            tooltip=[
                alt.Tooltip("driver:N", title="Driver"),
                alt.Tooltip("low_case:N", title="Unfavourable"),
                alt.Tooltip("low:Q", title="NPV", format=",.0f"),
                alt.Tooltip("high_case:N", title="Favourable"),
                alt.Tooltip("high:Q", title="NPV", format=",.0f"),
            ],
        )
    )
    rule = alt.Chart(alt.Data(values=[{"base": base_npv}])).mark_rule(color=RED).encode(x="base:Q")
    chart = alt.layer(bars, rule).properties(width="container", height=max(100, 32 * len(rows)))
    return _finish(chart)


def cash_flows(months: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Cumulative net and discounted cash flow by month index (the payback picture)."""
    if not months:
        return None
    series = []
    for entry in months:
        series.append(
            {"month": entry["month"], "amount": entry["cumulative"], "series": "Cumulative"}
        )
        series.append(
            {
                "month": entry["month"],
                "amount": entry["discounted"],
                "series": "Cumulative discounted",
            }
        )
    chart = (
        alt.Chart(alt.Data(values=series))
        .mark_line()
        .encode(
            x=alt.X("month:Q", title="Month from the start"),
            y=alt.Y("amount:Q", title="Net cash flow", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(range=[BLUE, ORANGE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("month:Q", title="Month"),
                alt.Tooltip("amount:Q", title="Amount", format=",.0f"),
            ],
        )
        .properties(width="container", height=220)
    )
    return _finish(chart)


def spend_by_period(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Spend per period, one bar per scenario. ``rows``: ``period``, ``scenario``, ``spend``."""
    if not rows:
        return None
    chart = (
        alt.Chart(alt.Data(values=[dict(row) for row in rows]))
        .mark_bar()
        .encode(
            x=alt.X("period:N", title=None),
            xOffset="scenario:N",
            y=alt.Y("spend:Q", title="Spend", axis=alt.Axis(format="~s")),
            color=alt.Color("scenario:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("scenario:N", title="Scenario"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("spend:Q", title="Spend", format=",.0f"),
            ],
        )
        .properties(width="container", height=260)
    )
    return _finish(chart)


def score_ranking(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Weighted score per project, stacked by criterion. ``rows``: project, criterion, points."""
    if not rows:
        return None
    projects = list(dict.fromkeys(row["project"] for row in rows))
    chart = (
        alt.Chart(alt.Data(values=[dict(row) for row in rows]))
        .mark_bar()
        .encode(
            y=alt.Y("project:N", sort=projects, title=None),
            x=alt.X("points:Q", title="Weighted score (0-100)", stack="zero"),
            color=alt.Color("criterion:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("project:N", title="Project"),
                alt.Tooltip("criterion:N", title="Criterion"),
                alt.Tooltip("points:Q", title="Points", format=".1f"),
            ],
        )
        .properties(width="container", height=max(120, 18 * len(projects)))
    )
    return _finish(chart)
