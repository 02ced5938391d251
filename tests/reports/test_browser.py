"""An executive's journey in a real browser: open the dashboard, see its charts, export it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.browser import login, screenshot
from tests.fixtures_people import PASSWORD, make_org
from tests.reports.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ["rag-heatmap", "value-risk", "roadmap", "budget-burn", "capacity", "slippage"]


def test_executive_opens_the_dashboard_and_exports_it(live_server, page, tmp_path):
    world = build_world(make_org())
    executive = world.org.user("executive")
    login(page, live_server.url, executive.username, PASSWORD)

    page.click("nav.sidebar >> text=Dashboard")
    page.wait_for_selector("[data-testid=dashboard-title]")
    # The small portfolio's figures are of March 2026: look at the dashboard as of then.
    page.goto(f"{live_server.url}/reports/?as_of=2026-03-15")
    # Every chart drawn by vega-embed under the strict CSP: an SVG inside each .chart.
    for chart in CHARTS:
        page.wait_for_selector(f"[data-testid=chart-{chart}] svg")
    assert page.locator(".chart").count() == len(CHARTS)
    assert page.locator(".chart svg").count() >= len(CHARTS)
    assert page.locator("[data-testid=chart-rag-heatmap] svg .mark-rect path").count() >= 15
    assert "DIG-1" in page.inner_text("[data-testid=watch-list]")
    assert page.inner_text("[data-testid=kpi-red]") == "1"
    screenshot(page, "executive-dashboard")

    with page.expect_download() as download_info:
        page.click("[data-testid=dashboard-xlsx]")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name == "steerco-dashboard-all-2026-03-15.xlsx"
    workbook = load_workbook(io.BytesIO(saved.read_bytes()))
    assert workbook.sheetnames[0] == "Health"
    codes = [row[0] for row in workbook["Health"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["DIG-1", "DIG-2", "OPS-1"]

    # Narrow to one portfolio: the charts are drawn again for it.
    page.select_option("select[name=portfolio]", str(world.ops.pk))
    page.click("[data-testid=dashboard-filters] >> button[type=submit]")
    page.wait_for_selector("[data-testid=dashboard-title] >> text=Operations portfolio")
    page.wait_for_selector("[data-testid=chart-rag-heatmap] svg")
    assert "OPS-1" in page.inner_text("[data-testid=health-table]")
    assert "DIG-1" not in page.inner_text("[data-testid=health-table]")
    assert page.console_errors == []
