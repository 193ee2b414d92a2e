"""Markup: a point's Markdown body → sanitized HTML safe to put in a briefing.

Markdown is converted with the ``markdown`` package, then reduced by nh3 (the ammonia sanitizer)
to an allowlist of tags and attributes: no scripts, handlers, frames, forms or styles; links only
to http, https and mailto; images only by relative path (the renderer's fetcher then confines
them to the project's roots). Bodies that would make the Markdown parser work quadratically are
refused before conversion by ``check_markdown``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown as _markdown
import nh3

_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "b",
    "i",
    "code",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "abbr",
    "img",
    "hr",
    "h4",
    "h5",
    "h6",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}}
_LINK_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")

MAX_BRACKETS = 200
MAX_NESTING = 12
MAX_EMPHASIS_RUN = 200


def check_markdown(text: str) -> str | None:
    """Say why a body is too costly to convert, or None when it is fine."""
    if text.count("[") > MAX_BRACKETS or text.count("<") > MAX_BRACKETS * 5:
        return f"too many '[' or '<' (limit {MAX_BRACKETS}); simplify the Markdown"
    for line in text.splitlines():
        stripped = line.lstrip(" >\t-*+")
        depth = line[: len(line) - len(stripped)]
        if depth.count(">") > MAX_NESTING or len(depth.expandtabs(4)) > MAX_NESTING * 4:
            return f"quotes or lists nested deeper than {MAX_NESTING} levels"
    if re.search(rf"[*_`]{{{MAX_EMPHASIS_RUN},}}", text):
        return f"a run of {MAX_EMPHASIS_RUN} or more '*', '_' or '`'"
    return None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        scheme = _SCHEME.match(value)
        if scheme and scheme.group(1).lower() not in _LINK_SCHEMES:
            return None
        if not scheme and not value.startswith("#"):
            return None
    if (tag == "img" and attribute == "src") and (
        _SCHEME.match(value) or value.startswith(("/", "\\")) or ".." in value.split("/")
    ):
        return None
    return value


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Convert Markdown to sanitized HTML."""
    html = _markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_LINK_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def render_inline(text: str) -> str:
    """Convert one line of Markdown (a headline) to sanitized inline HTML, without <p>."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
