"""Markdown to safe HTML for guidance pages and long texts.

The PMO writes Markdown; ``markdown`` turns it into HTML and ``nh3`` (the Rust ``ammonia``
sanitiser) keeps only the tags and attributes a guidance page needs, so that a page can
never carry a script, a style or an event handler into a reader's browser.
"""

from __future__ import annotations

import markdown as markdown_package
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML of ``text``; safe to insert in a template as is."""
    html = markdown_package.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)
