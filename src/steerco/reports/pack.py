"""The executive pack: the dashboard as a PDF for a board meeting or an inbox.

The pack is HTML (``reports/pack/pack.html``) with every chart inlined as a static SVG, turned
into A4 landscape pages by WeasyPrint. The charts are the dashboard's own Vega-Lite specs
(:mod:`steerco.reports.charts`) drawn by vl-convert, so the PDF shows exactly what the page
shows, and nothing on the server needs a browser.

Pages, in order: a summary, portfolio health, the roadmap, milestone slippage, budget burn,
capacity, then one page per mission-critical project (the watch list).

Who may have a pack: administrators, PMO analysts, portfolio managers and executives
(``PACK_READERS``). The pack describes the organisation's portfolio and is mailed around, so
a project manager (who sees only their own projects) gets the dashboard and its XLSX exports
but no pack: a pack that silently left out most of the portfolio would mislead its readers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from steerco.accounts.models import Role, User
from steerco.core.access import require_role
from steerco.reports import charts
from steerco.reports.selectors import (
    DIMENSION_LABELS,
    DIMENSIONS,
    Dashboard,
    DashboardScope,
    RiskLine,
    WatchItem,
    dashboard_for_scope,
    scope_for_user,
    watch_list_details,
)

PACK_READERS = frozenset(
    {Role.ADMINISTRATOR, Role.PMO_ANALYST, Role.PORTFOLIO_MANAGER, Role.EXECUTIVE}
)
# Most slipped milestones and largest overruns listed beside their charts.
TABLE_ROWS = 8
# Charts that share their page with a table are drawn narrower, so their text stays legible.
NARROW_CHARTS = {"value-risk": 600, "capacity": 600}


@dataclass(frozen=True)
class PackPage:
    key: str
    title: str


@dataclass(frozen=True)
class WatchPage:
    """A mission-critical project's page: its watch list row, top risks and burn chart."""

    item: WatchItem
    risks: list[RiskLine]
    chart_key: str
    svg: str


@dataclass(frozen=True)
class ExecutivePack:
    """A pack's HTML, its pages and its charts (as SVG), ready to print."""

    dashboard: Dashboard
    html: str
    pages: list[PackPage]
    charts: dict[str, str]
    generated_at: dt.datetime

    @property
    def file_name(self) -> str:
        scope = self.dashboard.portfolio.code if self.dashboard.portfolio else "all-portfolios"
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", scope)
        return f"steerco-executive-pack-{safe}-{self.dashboard.as_of.isoformat()}.pdf"

    def pdf(self) -> bytes:
        return render_pdf(self.html).pdf


def require_pack_reader(user: User) -> None:
    require_role(user, PACK_READERS, "receive the executive pack")


def can_read_pack(user: Any) -> bool:
    from steerco.core.access import has_role

    return has_role(user, PACK_READERS)


def pack_for_user(
    user: User, *, portfolio_id: int | None = None, as_of: dt.date | None = None
) -> ExecutivePack:
    """The pack of one portfolio, or of all, for a user allowed to have one."""
    require_pack_reader(user)
    return build_pack(scope_for_user(user, portfolio_id=portfolio_id), as_of=as_of)


def build_pack(
    scope: DashboardScope,
    *,
    as_of: dt.date | None = None,
    generated_at: dt.datetime | None = None,
) -> ExecutivePack:
    """Compute the dashboard of ``scope``, draw its charts and lay out the pages (no PDF yet)."""
    dashboard = dashboard_for_scope(scope, as_of=as_of)
    details = watch_list_details(dashboard)
    generated_at = generated_at or timezone.now()
    svgs: dict[str, str] = {}
    for key, spec in charts.dashboard_specs(dashboard).items():
        if spec is not None:
            svgs[key] = charts.to_svg(spec, width=NARROW_CHARTS.get(key, charts.PRINT_WIDTH))
    watch: list[WatchPage] = []
    for item in dashboard.watch_list:
        key = f"project-burn-{item.project.code}"
        spec = charts.budget_burn(
            details.burn.get(item.project.id, []),
            currency=dashboard.currency,
            as_of=dashboard.as_of,
            height=190,
        )
        if spec is not None:
            svgs[key] = charts.to_svg(spec, width=620)
        watch.append(
            WatchPage(item, details.risks.get(item.project.id, []), key, svgs.get(key, ""))
        )
    pages = [
        PackPage("summary", "Summary"),
        PackPage("health", "Portfolio health"),
        PackPage("watch-list", "Watch list"),
        PackPage("roadmap", "Roadmap"),
        PackPage("slippage", "Milestone slippage"),
        PackPage("finance", "Budget burn"),
        PackPage("capacity", "Capacity"),
    ] + [
        PackPage(
            f"project-{page.item.project.code}",
            f"{page.item.project.code} {page.item.project.name}",
        )
        for page in watch
    ]
    pending = [m for m in dashboard.milestones if m.achieved_date is None and m.slip_days > 0]
    pending.sort(key=lambda m: (-m.slip_days, m.project_code))
    overruns = sorted(
        (p for p in dashboard.projects if p.budget > 0),
        key=lambda p: (-(p.actual / p.budget), p.code),
    )
    html = render_to_string(
        "reports/pack/pack.html",
        {
            "dashboard": dashboard,
            "summary": dashboard.summary,
            "svgs": svgs,
            "watch": watch,
            "pages": pages,
            "fixed_pages": pages[: len(pages) - len(watch)],
            "dimensions": [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
            "red_projects": [p for p in dashboard.projects if p.overall == "red"],
            "slipped": pending[:TABLE_ROWS],
            "overruns": overruns[:TABLE_ROWS],
            "generated_at": timezone.localtime(generated_at),
            "heatmap_limit": charts.HEATMAP_LIMIT,
            "roadmap_limit": charts.ROADMAP_LIMIT,
        },
    )
    return ExecutivePack(dashboard, html, pages, svgs, generated_at)


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Everything the pack shows is inline; a URL in it can only come from data someone typed.
    raise ValueError(f"The executive pack loads nothing from outside ({url[:60]}).")


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int


def render_pdf(html: str) -> RenderedPdf:
    """WeasyPrint's PDF of the pack's HTML, and how many pages it laid the HTML out on."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_refuse_fetch).render()
    pdf: bytes = document.write_pdf()
    return RenderedPdf(pdf, len(document.pages))
