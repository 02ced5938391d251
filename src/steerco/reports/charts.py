"""Vega-Lite specs (built with Altair) for the executive dashboard and the PDF pack.

One spec, two renderings: the dashboard page draws each spec with vega-embed, and the pack
renders the same dict to a static SVG with vl-convert (:func:`to_svg`), with no browser on the
server. Page specs are as wide as their container; :func:`for_print` gives them the fixed width
of an A4 page first, which is the only difference between the two.

Every function takes the dashboard's read-model and returns a spec, or ``None`` when there is
nothing to draw (the page then says so in words). Dates go into the data as ISO strings and
are read on UTC scales, so that a browser west of Greenwich does not shift them by a day.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt

from steerco.reports.selectors import (
    CAPACITY_MONTHS,
    DIMENSION_LABELS,
    DIMENSIONS,
    BurnMonth,
    CapacityRow,
    Dashboard,
    MilestoneMark,
    ProjectHealth,
    SlippageMonth,
)

# vega-embed would inject <style> elements, which the strict CSP forbids; reports.css styles
# the tooltip instead.
EMBED_OPTIONS = {"defaultStyle": False, "tooltip": {"disableDefaultStyle": True}}
GREEN, AMBER, RED, GREY = "#2e8b57", "#d9931c", "#c0392b", "#9aa5b1"
BLUE, INK, LIGHT = "#1f5fa8", "#1d2733", "#d8dee6"
RAG_DOMAIN = ["green", "amber", "red"]
RAG_RANGE = [GREEN, AMBER, RED]
# Beyond these, a chart stops being readable on a page: the rest is in the XLSX export.
HEATMAP_LIMIT = 50
ROADMAP_LIMIT = 40
ROW_HEIGHT = 18
PRINT_WIDTH = 900
FONT = "DejaVu Sans, Verdana, sans-serif"


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["usermeta"] = {"embedOptions": EMBED_OPTIONS}
    spec.setdefault("config", {}).update({"font": FONT, "view": {"stroke": None}})
    return spec


def _label(project: ProjectHealth) -> str:
    name = project.name if len(project.name) <= 32 else project.name[:31] + "…"
    return f"{project.code} {name}"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _rag_colour(title: str = "Overall") -> alt.Color:
    return alt.Color(
        "rag:N",
        title=title,
        scale=alt.Scale(domain=RAG_DOMAIN, range=RAG_RANGE),
        # "green" -> "Green" in the legend; the data keeps the stored values.
        legend=alt.Legend(
            orient="bottom", labelExpr="upper(slice(datum.label, 0, 1)) + slice(datum.label, 1)"
        ),
    )


def worst_first(projects: Sequence[ProjectHealth], limit: int) -> list[ProjectHealth]:
    """The first ``limit`` projects: a dashboard lists them worst first (red, mission-critical)."""
    return list(projects[:limit])


def rag_heatmap(projects: Sequence[ProjectHealth]) -> dict[str, Any] | None:
    """Projects down, the five RAG dimensions across, each cell coloured and lettered."""
    shown = worst_first(projects, HEATMAP_LIMIT)
    if not shown:
        return None
    values = [
        {
            "project": _label(project),
            "order": index,
            "dimension": DIMENSION_LABELS[dimension],
            "rag": project.rag(dimension),
            "letter": project.rag(dimension)[:1].upper(),
            "source": project.rag_source,
            "critical": "yes" if project.mission_critical else "no",
        }
        for index, project in enumerate(shown)
        for dimension in DIMENSIONS
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X(
            "dimension:N",
            title=None,
            sort=[DIMENSION_LABELS[d] for d in DIMENSIONS],
            axis=alt.Axis(orient="top", labelAngle=0, domain=False, ticks=False),
        ),
        y=alt.Y(
            "project:N",
            title=None,
            sort=alt.EncodingSortField("order", order="ascending"),
            axis=alt.Axis(domain=False, ticks=False, labelLimit=260),
        ),
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=2, cornerRadius=2).encode(
        color=_rag_colour(title="RAG"),
        tooltip=[
            alt.Tooltip("project:N", title="Project"),
            alt.Tooltip("dimension:N", title="Dimension"),
            alt.Tooltip("rag:N", title="RAG"),
            alt.Tooltip("source:N", title="From"),
            alt.Tooltip("critical:N", title="Mission-critical"),
        ],
    )
    # The letter keeps the chart readable in grey print and for colour-blind readers.
    letters = base.mark_text(color="#ffffff", fontWeight="bold", fontSize=10).encode(
        text="letter:N"
    )
    chart = alt.layer(cells, letters).properties(width="container", height=ROW_HEIGHT * len(shown))
    return _finish(chart)


def value_risk_bubbles(
    projects: Sequence[ProjectHealth], *, basis: str, currency: str
) -> dict[str, Any] | None:
    """Value (NPV or score) against risk exposure, each bubble sized by its budget."""
    values = [
        {
            "code": project.code,
            "project": _label(project),
            "value": project.value(basis),
            "risk": float(project.risk_exposure),
            "cost": float(project.cost_basis),
            "rag": project.overall,
            "open_risks": project.open_risks,
        }
        for project in projects
        if project.value(basis) is not None
    ]
    if not values:
        return None
    value_title = f"NPV ({currency})" if basis == "npv" else "Weighted score (0–100)"
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X(
            "risk:Q",
            title="Risk exposure (Σ probability × impact of open risks)",
            scale=alt.Scale(zero=True, nice=True),
        ),
        y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format="~s")),
    )
    bubbles = base.mark_circle(opacity=0.75, stroke="#ffffff", strokeWidth=1).encode(
        size=alt.Size(
            "cost:Q",
            title=f"Budget ({currency})",
            scale=alt.Scale(range=[40, 1600]),
            legend=alt.Legend(orient="bottom", format="~s"),
        ),
        color=_rag_colour(),
        tooltip=[
            alt.Tooltip("project:N", title="Project"),
            alt.Tooltip("value:Q", title=value_title, format=",.0f"),
            alt.Tooltip("risk:Q", title="Risk exposure", format=".1f"),
            alt.Tooltip("open_risks:Q", title="Open risks"),
            alt.Tooltip("cost:Q", title=f"Budget ({currency})", format=",.0f"),
            alt.Tooltip("rag:N", title="Overall"),
        ],
    )
    codes = base.mark_text(align="left", dx=7, dy=-6, fontSize=9, color=INK).encode(text="code:N")
    chart = alt.layer(bubbles, codes).properties(width="container", height=380)
    return _finish(chart)


def roadmap(
    projects: Sequence[ProjectHealth], milestones: Sequence[MilestoneMark], *, as_of: dt.date
) -> dict[str, Any] | None:
    """A bar per project from start to finish, its milestones as marks, and a line for today."""
    dated = [p for p in projects if p.start_date is not None and p.finish_date is not None]
    shown = sorted(worst_first(dated, ROADMAP_LIMIT), key=lambda p: (p.start_date, p.code))
    if not shown:
        return None
    order = {project.id: index for index, project in enumerate(shown)}
    labels = {project.id: _label(project) for project in shown}
    bars = [
        {
            "project": labels[project.id],
            "order": order[project.id],
            "start": _iso(project.start_date),
            "finish": _iso(project.finish_date),
            "rag": project.overall,
            "stage": project.stage_label,
        }
        for project in shown
    ]
    marks = [
        {
            "project": labels[milestone.project_id],
            "order": order[milestone.project_id],
            "milestone": milestone.name,
            "date": _iso(milestone.expected_date),
            "baseline": _iso(milestone.baseline_date),
            "status": milestone.status,
            "slip": milestone.slip_days,
            "kind": "key milestone" if milestone.is_key else "milestone",
        }
        for milestone in milestones
        if milestone.project_id in order
    ]
    y = alt.Y(
        "project:N",
        title=None,
        sort=alt.EncodingSortField("order", order="ascending"),
        axis=alt.Axis(labelLimit=260, domain=False, ticks=False),
    )
    time_axis = alt.Axis(format="%b %Y", orient="top", grid=True, gridColor="#eef2f6")
    utc = alt.Scale(type="utc")
    bar_layer = (
        alt.Chart(alt.Data(values=bars))
        .mark_bar(cornerRadius=3, height={"band": 0.55}, opacity=0.85)
        .encode(
            x=alt.X("start:T", title=None, axis=time_axis, scale=utc),
            x2="finish:T",
            y=y,
            color=_rag_colour(),
            tooltip=[
                alt.Tooltip("project:N", title="Project"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("start:T", title="Start", format="%d %b %Y", formatType="utc"),
                alt.Tooltip("finish:T", title="Finish", format="%d %b %Y", formatType="utc"),
                alt.Tooltip("rag:N", title="Overall"),
            ],
        )
    )
    layers: list[Any] = [bar_layer]
    if marks:
        layers.append(
            alt.Chart(alt.Data(values=marks))
            .mark_point(filled=True, size=70, stroke="#ffffff", strokeWidth=1)
            .encode(
                x=alt.X("date:T", scale=utc),
                y=y,
                shape=alt.Shape(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=["key milestone", "milestone"], range=["diamond", "circle"]
                    ),
                    legend=alt.Legend(orient="bottom"),
                ),
                fill=alt.Fill(
                    "status:N",
                    title="Milestone",
                    scale=alt.Scale(
                        domain=["achieved", "on track", "slipped"], range=[GREY, INK, "#7b1e12"]
                    ),
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("milestone:N", title="Milestone"),
                    alt.Tooltip("project:N", title="Project"),
                    alt.Tooltip("date:T", title="Expected", format="%d %b %Y", formatType="utc"),
                    alt.Tooltip(
                        "baseline:T", title="Baseline", format="%d %b %Y", formatType="utc"
                    ),
                    alt.Tooltip("slip:Q", title="Slip (days)"),
                    alt.Tooltip("status:N", title="Status"),
                ],
            )
        )
    layers.append(_today_rule(as_of))
    chart = (
        alt.layer(*layers)
        .resolve_scale(color="independent")
        .properties(width="container", height=ROW_HEIGHT * len(shown) + 10)
    )
    return _finish(chart)


def _today_rule(as_of: dt.date) -> alt.Chart:
    return (
        alt.Chart(alt.Data(values=[{"today": as_of.isoformat()}]))
        .mark_rule(color=BLUE, strokeDash=[4, 3], strokeWidth=1.5)
        .encode(x=alt.X("today:T", scale=alt.Scale(type="utc")), tooltip=alt.value(None))
    )


def budget_burn(
    months: Sequence[BurnMonth], *, currency: str, as_of: dt.date, height: int = 300
) -> dict[str, Any] | None:
    """Cumulative approved budget against cumulative actual cost, month by month."""
    values: list[dict[str, Any]] = []
    for month in months:
        values.append(
            {
                "month": month.month.isoformat(),
                "series": "Budget",
                "amount": float(month.cumulative_budget),
                "in_month": float(month.budget),
            }
        )
        if month.cumulative_actual is not None and month.actual is not None:
            values.append(
                {
                    "month": month.month.isoformat(),
                    "series": "Actual",
                    "amount": float(month.cumulative_actual),
                    "in_month": float(month.actual),
                }
            )
    if not values:
        return None
    lines = (
        alt.Chart(alt.Data(values=values))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X(
                "month:T", title=None, scale=alt.Scale(type="utc"), axis=alt.Axis(format="%b %y")
            ),
            y=alt.Y("amount:Q", title=f"Cumulative ({currency})", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["Budget", "Actual"], range=[GREY, BLUE]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=["Budget", "Actual"], range=[[5, 3], [1, 0]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("month:T", title="Month", format="%B %Y", formatType="utc"),
                alt.Tooltip("in_month:Q", title="In the month", format=",.0f"),
                alt.Tooltip("amount:Q", title="To date", format=",.0f"),
            ],
        )
    )
    chart = alt.layer(lines, _today_rule(as_of)).properties(width="container", height=height)
    return _finish(chart)


def capacity(rows: Sequence[CapacityRow], *, period: str) -> dict[str, Any] | None:
    """Per role, hours available (grey bar) and hours demanded (inner bar, red when over)."""
    values = [
        {
            "role": row.role,
            "capacity": float(row.capacity_hours),
            "demand": float(row.demand_hours),
            "use": row.use,
            "state": "Over capacity" if row.over else "Within capacity",
        }
        for row in rows
    ]
    if not values:
        return None
    y = alt.Y("role:N", title=None, sort="ascending", axis=alt.Axis(domain=False, ticks=False))
    tooltip = [
        alt.Tooltip("role:N", title="Role"),
        alt.Tooltip("demand:Q", title="Hours demanded", format=",.0f"),
        alt.Tooltip("capacity:Q", title="Hours available", format=",.0f"),
        alt.Tooltip("use:Q", title="Use", format=".0%"),
    ]
    available = (
        alt.Chart(alt.Data(values=values))
        .mark_bar(color=LIGHT, height={"band": 0.8}, cornerRadius=2)
        .encode(
            x=alt.X("capacity:Q", title=f"Hours, {period}", axis=alt.Axis(format="~s")),
            y=y,
            tooltip=tooltip,
        )
    )
    demanded = (
        alt.Chart(alt.Data(values=values))
        .mark_bar(height={"band": 0.4}, cornerRadius=2)
        .encode(
            x="demand:Q",
            y=y,
            color=alt.Color(
                "state:N",
                title="Demand",
                scale=alt.Scale(domain=["Within capacity", "Over capacity"], range=[BLUE, RED]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(available, demanded).properties(
        width="container", height=max(120, 24 * len(values))
    )
    return _finish(chart)


def slippage_trend(months: Sequence[SlippageMonth]) -> dict[str, Any] | None:
    """Average milestone slip (bars, days) and the number slipped (line) per baseline month."""
    values = [
        {
            "month": month.month.isoformat(),
            "average": month.average_slip_days,
            "slipped": month.slipped,
            "milestones": month.milestones,
            "direction": "late" if month.average_slip_days > 0 else "early or on time",
        }
        for month in months
    ]
    if not values:
        return None
    x = alt.X(
        "month:T",
        title="Month of the baseline date",
        timeUnit="utcyearmonth",
        axis=alt.Axis(format="%b %y", labelAngle=0),
    )
    tooltip = [
        alt.Tooltip("month:T", title="Month", timeUnit="utcyearmonth", format="%B %Y"),
        alt.Tooltip("milestones:Q", title="Milestones"),
        alt.Tooltip("slipped:Q", title="Slipped"),
        alt.Tooltip("average:Q", title="Average slip (days)", format=".1f"),
    ]
    base = alt.Chart(alt.Data(values=values))
    bars = base.mark_bar(opacity=0.85, cornerRadius=2).encode(
        x=x,
        y=alt.Y("average:Q", title="Average slip (days)"),
        color=alt.Color(
            "direction:N",
            title=None,
            scale=alt.Scale(domain=["late", "early or on time"], range=[AMBER, GREEN]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=tooltip,
    )
    line = base.mark_line(color=RED, point=alt.OverlayMarkDef(color=RED, size=25)).encode(
        x=x,
        y=alt.Y("slipped:Q", title="Milestones slipped", axis=alt.Axis(titleColor=RED)),
        tooltip=tooltip,
    )
    chart = (
        alt.layer(bars, line)
        .resolve_scale(y="independent")
        .properties(width="container", height=260)
    )
    return _finish(chart)


def dashboard_specs(dashboard: Dashboard) -> dict[str, dict[str, Any] | None]:
    """Every chart of the dashboard by its key; the page and the pack draw the same ones."""
    period = (
        f"{dashboard.capacity_from:%b %Y} to {dashboard.capacity_to:%b %Y}"
        f" ({CAPACITY_MONTHS} months)"
    )
    return {
        "value-risk": value_risk_bubbles(
            dashboard.projects, basis=dashboard.value_basis, currency=dashboard.currency
        ),
        "rag-heatmap": rag_heatmap(dashboard.projects),
        "roadmap": roadmap(dashboard.projects, dashboard.milestones, as_of=dashboard.as_of),
        "slippage": slippage_trend(dashboard.slippage),
        "budget-burn": budget_burn(
            dashboard.burn, currency=dashboard.currency, as_of=dashboard.as_of
        ),
        "capacity": capacity(dashboard.capacity, period=period),
    }


# -- rendering -------------------------------------------------------------------------------


def for_print(spec: dict[str, Any], width: int = PRINT_WIDTH) -> dict[str, Any]:
    """The same spec with a fixed width: a PDF page has no container to fill."""
    printed = copy.deepcopy(spec)
    if printed.get("width") == "container":
        printed["width"] = width
    for layer in printed.get("layer", []):
        if layer.get("width") == "container":
            layer["width"] = width
    return printed


def to_svg(spec: dict[str, Any], width: int = PRINT_WIDTH) -> str:
    """A static SVG of ``spec``, drawn by vl-convert's embedded Vega: no browser needed."""
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(for_print(spec, width))
    return svg
