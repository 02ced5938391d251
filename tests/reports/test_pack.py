"""The executive pack: its pages, its charts as SVG, and the PDF WeasyPrint makes of them."""

from __future__ import annotations

import re

import pytest

from steerco.accounts.models import Organisation
from steerco.core.errors import AccessDenied
from steerco.reports.pack import build_pack, pack_for_user, render_pdf
from steerco.reports.selectors import scope_for_organisation
from tests.reports.conftest import AS_OF

FIXED_PAGES = [
    ("summary", "Summary"),
    ("health", "Portfolio health"),
    ("watch-list", "Watch list"),
    ("roadmap", "Roadmap"),
    ("slippage", "Milestone slippage"),
    ("finance", "Budget burn"),
    ("capacity", "Capacity"),
]
PAGE_CHARTS = {
    "summary": "value-risk",
    "health": "rag-heatmap",
    "roadmap": "roadmap",
    "slippage": "slippage",
    "finance": "budget-burn",
    "capacity": "capacity",
}


def sections(html: str) -> dict[str, str]:
    """Each page's HTML by its ``data-page`` key."""
    found = re.findall(r'<section class="page" data-page="([^"]+)">(.*?)</section>', html, re.S)
    return dict(found)


def assert_page_has_chart(page_html: str, chart: str) -> None:
    match = re.search(
        rf'<figure[^>]*data-chart="{re.escape(chart)}"[^>]*>(.*?)</figure>', page_html, re.S
    )
    assert match, f"no {chart} figure"
    assert match.group(1).lstrip().startswith("<svg"), f"{chart} is not an inline SVG"
    assert "</svg>" in match.group(1)


@pytest.mark.django_db
def test_pack_of_a_small_portfolio(world):
    pack = pack_for_user(world.org.user("executive"), as_of=AS_OF)

    assert [(page.key, page.title) for page in pack.pages] == [
        *FIXED_PAGES,
        ("project-DIG-1", "DIG-1 Customer portal"),
    ]
    pages = sections(pack.html)
    assert list(pages) == [page.key for page in pack.pages]
    for key, title in FIXED_PAGES:
        assert f"<h1>{title}</h1>" in pages[key]
    for key, chart in PAGE_CHARTS.items():
        assert_page_has_chart(pages[key], chart)
    project = pages["project-DIG-1"]
    assert_page_has_chart(project, "project-burn-DIG-1")
    assert "Supplier late; board decision needed." in project
    assert "Go-live" in project and "+20" in project
    assert "<script" not in pack.html  # a PDF runs nothing


@pytest.mark.django_db
def test_project_managers_get_no_pack(world):
    with pytest.raises(AccessDenied):
        pack_for_user(world.org.user("project_manager"))


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
@pytest.mark.django_db
def test_pack_from_the_demo_organisation():
    from steerco.demo import ORGANISATION_CODE, STATUS_DATE, load_demo

    load_demo()
    organisation = Organisation.objects.get(code=ORGANISATION_CODE)
    pack = build_pack(scope_for_organisation(organisation), as_of=STATUS_DATE)

    critical = list(
        organisation.projects.filter(
            mission_critical=True, stage__in=["approved", "in_execution", "closing", "on_hold"]
        ).values_list("code", flat=True)
    )
    assert len(critical) >= 5
    pages = sections(pack.html)
    assert list(pages)[: len(FIXED_PAGES)] == [key for key, _ in FIXED_PAGES]
    assert sorted(list(pages)[len(FIXED_PAGES) :]) == sorted(f"project-{c}" for c in critical)
    for key, title in FIXED_PAGES:
        assert f"<h1>{title}</h1>" in pages[key]
    for key, chart in PAGE_CHARTS.items():
        assert_page_has_chart(pages[key], chart)
    for code in critical:
        assert_page_has_chart(pages[f"project-{code}"], f"project-burn-{code}")
    # Real content, not empty charts: every active project is on the heatmap.
    assert pages["health"].count("<text") > 5 * len(pack.dashboard.projects)

    rendered = render_pdf(pack.html)

    assert rendered.pdf[:5] == b"%PDF-"
    # One page per section: nothing overflows onto a page of its own.
    assert rendered.page_count == len(pack.pages) == len(FIXED_PAGES) + len(critical)
