"""List pages: sortable headers, pagination links, and htmx fragment responses.

Every list page (portfolios, people, roles...) filters, sorts and pages through
htmx: the table fragment is swapped in place and the address bar keeps the
query, so a list can be bookmarked; without JavaScript the same URLs serve
whole pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

RESULTS_TARGET = "results"


@dataclass(frozen=True)
class SortColumn:
    label: str
    url: str
    aria_sort: str
    numeric: bool = False


def url_with(request: HttpRequest, **changes: str | None) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"{request.path}?{query.urlencode()}"


def sort_columns(
    request: HttpRequest, current: str, columns: list[tuple[str, str, bool]]
) -> list[SortColumn]:
    """Header links: a column sorts ascending, then descending on a second click."""
    result = []
    for key, label, numeric in columns:
        if current == key:
            next_sort, state = f"-{key}", "ascending"
        elif current == f"-{key}":
            next_sort, state = key, "descending"
        else:
            next_sort, state = key, "none"
        result.append(
            SortColumn(label, url_with(request, sort=next_sort, page=None), state, numeric)
        )
    return result


def page_links(request: HttpRequest, page: Page[Any]) -> dict[str, str | None]:
    return {
        "previous_url": (
            url_with(request, page=str(page.previous_page_number()))
            if page.has_previous()
            else None
        ),
        "next_url": (
            url_with(request, page=str(page.next_page_number())) if page.has_next() else None
        ),
    }


def render_list(
    request: HttpRequest, page_template: str, results_template: str, context: dict[str, Any]
) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    # A history restore after a cache miss wants the whole page, not the fragment.
    results_only = bool(htmx) and not htmx.history_restore_request and htmx.target == RESULTS_TARGET  # type: ignore[union-attr]
    response = render(request, results_template if results_only else page_template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
