"""Server-rendered SVG charts of a schedule: the Gantt chart, the risk S-curve and the tornado.

Drawn on the server so that the same picture shows in the page, in a PDF pack and in a
downloaded file, with no script (the pages run under a strict Content-Security-Policy) and no
browser on the server. Colours are SVG presentation attributes, not ``style``, which that policy
would refuse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from steerco.projects.engine_io import EPOCH, epoch_microseconds
from steerco.projects.schedule_selectors import (
    GanttChart,
    GanttRow,
    ScheduleView,
    ScheduleWindow,
    gantt_rows,
)

BLUE = "#1f5fa8"
BLUE_DARK = "#123e70"
RED = "#c0392b"
RED_DARK = "#7d2219"
GREY = "#9aa5b1"
INK = "#1d2733"
MUTED = "#5c6b7a"
LINE = "#d8dee6"
AMBER = "#d9931c"
GREEN = "#2e8b57"

ROW = 22
LABEL_WIDTH = 240
CHART_WIDTH = 860
TOP = 34
NAME_CHARACTERS = 34


def _attributes(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:.1f}"
        parts.append(f"{key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}")
    return " ".join(parts)


def _element(tag: str, content: str = "", **attributes: Any) -> str:
    text = _attributes(attributes)
    if content:
        return f"<{tag} {text}>{content}</{tag}>"
    return f"<{tag} {text}/>"


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _short(name: str, limit: int = NAME_CHARACTERS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


class _TimeScale:
    """Maps datetimes to x positions between ``left`` and ``right``."""

    def __init__(self, first: dt.datetime, last: dt.datetime, left: float, right: float) -> None:
        self.first = first
        self.span = max((last - first).total_seconds(), 3600.0)
        self.left = left
        self.right = right
        self.first_microseconds = epoch_microseconds(first)

    def x(self, moment: dt.datetime) -> float:
        share = (moment - self.first).total_seconds() / self.span
        return self.left + share * (self.right - self.left)

    def x_at(self, microseconds: int) -> float:
        """:meth:`x` of a moment given as UTC microseconds since the epoch (the same float:
        ``timedelta.total_seconds()`` divides whole microseconds by a million too)."""
        share = (microseconds - self.first_microseconds) / 1_000_000 / self.span
        return self.left + share * (self.right - self.left)


def _month_ticks(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    ticks: list[dt.datetime] = []
    current = dt.datetime(first.year, first.month, 1, tzinfo=first.tzinfo)
    if current < first:
        current = _next_month(current)
    while current <= last and len(ticks) < 240:
        ticks.append(current)
        current = _next_month(current)
    return ticks


def _next_month(moment: dt.datetime) -> dt.datetime:
    if moment.month == 12:
        return moment.replace(year=moment.year + 1, month=1)
    return moment.replace(month=moment.month + 1)


def _week_ticks(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    start = dt.datetime(first.year, first.month, first.day, tzinfo=first.tzinfo)
    start += dt.timedelta(days=(7 - start.weekday()) % 7)
    ticks: list[dt.datetime] = []
    while start <= last and len(ticks) < 400:
        ticks.append(start)
        start += dt.timedelta(days=7)
    return ticks


def _axis(scale: _TimeScale, last: dt.datetime, height: float) -> list[str]:
    parts = []
    days = scale.span / 86400
    if days <= 150:
        for tick in _week_ticks(scale.first, last):
            x = scale.x(tick)
            parts.append(_element("line", x1=x, y1=TOP - 6, x2=x, y2=height, stroke=LINE))
            parts.append(
                _element(
                    "text",
                    escape(f"{tick:%d %b}"),
                    x=x + 2,
                    y=TOP - 10,
                    font_size=9,
                    fill=MUTED,
                )
            )
    months = _month_ticks(scale.first, last)
    step = max(1, math.ceil(len(months) / 14))
    for index, tick in enumerate(months):
        x = scale.x(tick)
        parts.append(_element("line", x1=x, y1=4, x2=x, y2=height, stroke=GREY, stroke_width=0.6))
        if index % step == 0:
            parts.append(
                _element("text", escape(f"{tick:%b %Y}"), x=x + 3, y=12, font_size=10, fill=INK)
            )
    return parts


def gantt_svg(view: ScheduleView | ScheduleWindow | GanttChart) -> str:
    """The Gantt chart of a schedule view: bars, critical path, baseline, milestones, progress.

    One bar per row of the view: every task of a :class:`GanttChart` (or of a
    :class:`ScheduleView`), the page of the grid of a :class:`ScheduleWindow` (its time scale
    then spans that page's dates).
    """
    rows = view.rows if isinstance(view, GanttChart) else gantt_rows(view.rows)
    moments: list[int] = []
    for row in rows:
        moments += [m for m in (row.start, row.finish) if m is not None]
        moments += [m for m in (row.baseline_start, row.baseline_finish) if m is not None]
    if view.status_date is not None:
        moments.append(epoch_microseconds(view.status_date))
    width = LABEL_WIDTH + CHART_WIDTH + 20
    if not moments:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40" role="img" '
            f'aria-label="Gantt chart" class="gantt"><text x="10" y="24" fill="{MUTED}" '
            'font-size="12">No scheduled task yet.</text></svg>'
        )
    first = EPOCH + dt.timedelta(microseconds=min(moments)) - dt.timedelta(days=1)
    last = EPOCH + dt.timedelta(microseconds=max(moments)) + dt.timedelta(days=2)
    height = TOP + ROW * len(rows) + 10
    scale = _TimeScale(first, last, LABEL_WIDTH + 10, LABEL_WIDTH + CHART_WIDTH)
    parts = _axis(scale, last, height)
    parts += _gantt_bars(rows, scale, width)
    for moment, label, colour in (
        (view.status_date, "status date", GREEN),
        (_today_moment(view.today, first), "today", AMBER),
    ):
        if moment is None or not first <= moment <= last:
            continue
        x = scale.x(moment)
        parts.append(
            _element(
                "line",
                _title(f"{label.capitalize()}: {moment:%Y-%m-%d}"),
                x1=x,
                y1=TOP - 4,
                x2=x,
                y2=height,
                stroke=colour,
                stroke_width=1.5,
                stroke_dasharray="4 3",
                data_role=label.replace(" ", "-"),
            )
        )
        # Near the right edge the label goes on the left of its line.
        right_side = x < LABEL_WIDTH + CHART_WIDTH - 70
        parts.append(
            _element(
                "text",
                escape(label),
                x=x + 3 if right_side else x - 3,
                y=TOP - 2,
                font_size=9,
                fill=colour,
                text_anchor=None if right_side else "end",
            )
        )
    legend_y = 14
    legend = [
        (BLUE, "task"),
        (RED, "critical"),
        (GREY, "baseline"),
    ]
    x = 6.0
    for colour, label in legend:
        parts.append(_element("rect", x=x, y=legend_y - 8, width=10, height=8, fill=colour))
        parts.append(_element("text", escape(label), x=x + 13, y=legend_y, font_size=9, fill=MUTED))
        x += 68
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Gantt chart of '
        f'{escape(view.project.code)}" class="gantt" font-family="system-ui, sans-serif">'
        + "".join(parts)
        + "</svg>"
    )


def _number(value: float) -> str:
    """An attribute's number as :func:`_attributes` writes it (floats to one decimal)."""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _gantt_bars(rows: Sequence[GanttRow], scale: _TimeScale, width: int) -> list[str]:
    """The rows' labels, bars, baselines and conflict marks.

    Written as literal markup rather than with :func:`_element` (the same text): a schedule
    of 10,000 tasks draws about 40,000 elements, and building each from keyword arguments
    cost most of the time of the download. The values written here are numbers and fixed
    colours, which need no escaping; names and titles are escaped.
    """
    parts: list[str] = []
    add = parts.append
    x_at = scale.x_at
    stripe = f'<rect x="0" y="{{}}" width="{width}" height="{ROW}" fill="#f7f9fb" opacity="0.8"/>'
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        if index % 2:
            add(stripe.format(y))
        label = escape(_short(f"{row.uid} {row.name}", NAME_CHARACTERS - 2 * row.indent))
        add(
            f'<text x="{6 + 10 * row.indent}" y="{y + 15}" font-size="11" '
            f'fill="{RED if row.critical else INK}"'
            + (' font-weight="bold"' if row.is_summary else "")
            + f">{label}</text>"
        )
        if row.baseline_start is not None and row.baseline_finish is not None:
            left = x_at(row.baseline_start)
            right = max(x_at(row.baseline_finish), left + 2)
            add(
                f'<rect x="{left:.1f}" y="{y + 16}" width="{right - left:.1f}" height="4" '
                f'fill="{GREY}" data-role="baseline"><title>Baseline: '
                f"{row.baseline_start_day} → {row.baseline_finish_day}</title></rect>"
            )
        if row.start is None or row.finish is None:
            continue
        left = x_at(row.start)
        right = x_at(row.finish)
        tip = _title(
            f"{row.uid} {row.name}: {row.start_day} → {row.finish_day}"
            + (" · critical" if row.critical else "")
            + (f" · {row.percent_complete.normalize():f}% complete" if row.percent_complete else "")
        )
        colour, dark = (RED, RED_DARK) if row.critical else (BLUE, BLUE_DARK)
        critical = "1" if row.critical else "0"
        if row.is_summary:
            add(
                f'<rect x="{left:.1f}" y="{y + 6}" width="{_number(max(right - left, 1))}" '
                f'height="5" fill="{INK}" data-role="summary" data-uid="{row.uid}">{tip}</rect>'
            )
            for end in (left, right):
                add(
                    f'<path d="M{end - 4:.1f},{y + 11} L{end + 4:.1f},{y + 11} '
                    f'L{end:.1f},{y + 15} Z" fill="{INK}"/>'
                )
        elif row.is_milestone:
            x = right
            add(
                f'<path d="M{x:.1f},{y + 4} L{x + 6:.1f},{y + 10} L{x:.1f},{y + 16} '
                f'L{x - 6:.1f},{y + 10} Z" fill="{colour}" stroke="{dark}" '
                f'data-role="milestone" data-uid="{row.uid}" data-critical="{critical}">'
                f"{tip}</path>"
            )
        else:
            bar_width = max(right - left, 2)
            add(
                f'<rect x="{left:.1f}" y="{y + 4}" width="{_number(bar_width)}" height="11" '
                f'rx="2" fill="{colour}" data-role="bar" data-uid="{row.uid}" '
                f'data-critical="{critical}">{tip}</rect>'
            )
            percent = float(row.percent_complete or 0)
            if percent > 0:
                progress = bar_width * min(percent, 100) / 100
                add(
                    f'<rect x="{left:.1f}" y="{y + 8}" width="{_number(progress)}" '
                    f'height="3" fill="{dark}" data-role="progress"/>'
                )
        if row.conflicts:
            add(
                f'<text x="{_number(right + 8)}" y="{y + 15}" font-size="12" '
                f'font-weight="bold" fill="{AMBER}">{_title("; ".join(row.conflicts))}!</text>'
            )
    return parts


def _today_moment(today: dt.date, like: dt.datetime) -> dt.datetime:
    return dt.datetime(today.year, today.month, today.day, 12, tzinfo=like.tzinfo)


def _date_ticks(first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """About eight labelled ticks: weeks for a short span, months for a long one."""
    if (last - first).days <= 120:
        weeks = _week_ticks(first, last)
        step = max(1, math.ceil(len(weeks) / 8))
        return [(tick, f"{tick:%d %b}") for tick in weeks[::step]]
    months = _month_ticks(first, last)
    step = max(1, math.ceil(len(months) / 8))
    return [(tick, f"{tick:%b %Y}") for tick in months[::step]]


def _parse(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment)


def s_curve_svg(result: dict[str, Any]) -> str:
    """The cumulative probability of finishing by each date, with P50/P80 and the plan."""
    points: Sequence[Sequence[Any]] = result.get("s_curve") or []
    if len(points) < 2:
        return ""
    width, height = 640, 300
    left, right, top, bottom = 56, width - 20, 20, height - 40
    moments = [_parse(point[1]) for point in points]
    plan = _parse(result["deterministic_finish"]) if result.get("deterministic_finish") else None
    first = min([*moments, *([plan] if plan else [])]) - dt.timedelta(days=1)
    last = max([*moments, *([plan] if plan else [])]) + dt.timedelta(days=1)
    scale = _TimeScale(first, last, left, right)

    def y(percent: float) -> float:
        return bottom - (bottom - top) * percent / 100

    parts = []
    for percent in (0, 25, 50, 75, 100):
        parts.append(_element("line", x1=left, y1=y(percent), x2=right, y2=y(percent), stroke=LINE))
        parts.append(
            _element(
                "text",
                f"{percent}%",
                x=left - 8,
                y=y(percent) + 4,
                font_size=10,
                fill=MUTED,
                text_anchor="end",
            )
        )
    for tick, label in _date_ticks(first, last):
        x = scale.x(tick)
        parts.append(_element("line", x1=x, y1=top, x2=x, y2=bottom, stroke=LINE))
        parts.append(
            _element(
                "text",
                escape(label),
                x=x,
                y=bottom + 16,
                font_size=10,
                fill=MUTED,
                text_anchor="middle",
            )
        )
    path = " ".join(
        f"{'M' if index == 0 else 'L'}{scale.x(moment):.1f},{y(float(point[0])):.1f}"
        for index, (point, moment) in enumerate(zip(points, moments, strict=True))
    )
    parts.append(
        _element("path", d=path, fill="none", stroke=BLUE, stroke_width=2, data_role="s-curve")
    )
    if plan is not None:
        x = scale.x(plan)
        parts.append(
            _element(
                "line",
                _title(f"Deterministic plan: {plan:%Y-%m-%d}"),
                x1=x,
                y1=top,
                x2=x,
                y2=bottom,
                stroke=AMBER,
                stroke_dasharray="4 3",
            )
        )
        parts.append(_element("text", "plan", x=x + 3, y=top + 10, font_size=10, fill=AMBER))
    for key, colour in (("P50", GREEN), ("P80", RED)):
        value = (result.get("percentiles") or {}).get(key)
        if not value:
            continue
        moment = _parse(value)
        x = scale.x(moment)
        share = float(key[1:])
        parts.append(
            _element(
                "circle",
                _title(f"{key}: {moment:%Y-%m-%d}"),
                cx=x,
                cy=y(share),
                r=4,
                fill=colour,
                data_role=key,
            )
        )
        parts.append(
            _element(
                "text",
                escape(f"{key} {moment:%d %b %Y}"),
                x=x + 6,
                y=y(share) + 4,
                font_size=10,
                fill=colour,
            )
        )
    parts.append(
        _element("text", "Probability of finishing by", x=left, y=12, font_size=10, fill=MUTED)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="S-curve of the project finish" '
        'class="s-curve" font-family="system-ui, sans-serif">' + "".join(parts) + "</svg>"
    )


def tornado_svg(result: dict[str, Any]) -> str:
    """The tasks whose durations move the finish most (Spearman rank correlation)."""
    entries: Sequence[dict[str, Any]] = result.get("tornado") or []
    if not entries:
        return ""
    width = 640
    label_width = 240
    height = 30 + 20 * len(entries)
    # The bars grow both ways from the middle of the space right of the labels, leaving room
    # for the value printed at the end of the longest bar.
    half = (width - label_width - 90) / 2
    middle = label_width + 45 + half
    parts = [
        _element("line", x1=middle, y1=10, x2=middle, y2=height - 6, stroke=GREY),
        _element("text", "−1", x=middle - half, y=12, font_size=9, fill=MUTED),
        _element("text", "+1", x=middle + half - 10, y=12, font_size=9, fill=MUTED),
    ]
    for index, entry in enumerate(entries):
        y = 20 + index * 20
        value = float(entry.get("spearman") or 0)
        length = abs(value) * half
        x = middle if value >= 0 else middle - length
        parts.append(
            _element(
                "text",
                escape(_short(f"{entry['uid']} {entry['name']}", 38)),
                x=6,
                y=y + 12,
                font_size=11,
                fill=INK,
            )
        )
        parts.append(
            _element(
                "rect",
                _title(
                    f"{entry['name']}: Spearman {value:+.2f}, criticality "
                    f"{float(entry.get('criticality') or 0):.0%}"
                ),
                x=x,
                y=y + 2,
                width=max(length, 1),
                height=13,
                fill=RED if value >= 0 else GREEN,
                data_role="tornado-bar",
            )
        )
        parts.append(
            _element(
                "text",
                f"{value:+.2f}",
                x=middle + (length + 4 if value >= 0 else -length - 32),
                y=y + 12,
                font_size=10,
                fill=MUTED,
            )
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Tornado chart" class="tornado" '
        'font-family="system-ui, sans-serif">' + "".join(parts) + "</svg>"
    )
