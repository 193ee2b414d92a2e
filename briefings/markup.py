"""Markup: a point's Markdown body or one-line text → sanitized HTML safe to put in a briefing.

Markdown is converted with the ``markdown`` package, then reduced by nh3 (the ammonia sanitizer)
to an allowlist of tags and attributes: no scripts, handlers, frames, forms or styles; links only
to http, https and mailto; images only by a relative path that stays inside its folder once
decoded (the renderer's fetcher then confines them to the project's roots). One-line text (a
headline, a topic summary) is one sentence: only emphasis and code are markup there; raw HTML
is shown as text, links become their text and images their alt text. Bodies that would make the
Markdown parser work quadratically are refused before conversion by ``check_markdown``.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import markdown as _markdown
import nh3
from markdown.inlinepatterns import ImageInlineProcessor, LinkInlineProcessor

from .errors import CONTROL

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
_INLINE_TAGS = {"em", "strong", "code"}
# Inline Markdown kept in one-line text; links and images are swapped for their text below.
_INLINE_PATTERNS = {"backtick", "escape", "entity", "em_strong"}

MAX_BRACKETS = 200
MAX_DECODING = 8
MAX_NESTING = 12
MAX_EMPHASIS_RUN = 200
# What opens a block at the start of a line: quote marks, bullets and numbers ("1." or "1)"),
# each able to nest another list or quote on the same line.
_BLOCK_MARKER = re.compile(r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])")
_BLOCK_PREFIX = re.compile(rf"(?:[ \t]|{_BLOCK_MARKER.pattern})*")


def check_markdown(text: str) -> str | None:
    """Say why a body is too costly to convert, or None when it is fine."""
    if text.count("[") > MAX_BRACKETS or text.count("<") > MAX_BRACKETS * 5:
        return f"too many '[' or '<' (limit {MAX_BRACKETS}); simplify the Markdown"
    for line in text.splitlines():
        prefix = _BLOCK_PREFIX.match(line)
        depth = prefix.group() if prefix else ""
        markers = len(_BLOCK_MARKER.findall(depth))
        if markers > MAX_NESTING or len(depth.expandtabs(4)) > MAX_NESTING * 4:
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
    if tag == "img" and attribute == "src" and not image_path_ok(value):
        return None
    return value


def image_path_ok(src: str) -> bool:
    """Whether an image's src is a relative path that stays inside its folder.

    The path is read as WeasyPrint or a browser may end up reading it: percent-escapes decoded
    until nothing changes (``%252e`` is ``.``), a backslash as a slash. Control characters are
    refused outright (a browser drops a tab or a newline inside a URL, so a tab between
    two dots would make ``..``).
    """
    path = src
    for _ in range(MAX_DECODING):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        return False  # still decoding: nothing legitimate is escaped this deep
    path = path.strip(" ").replace("\\", "/")
    if not path or CONTROL.search(path):
        return False
    if _SCHEME.match(path) or path.startswith("/"):
        return False  # a scheme or a drive letter ("c:"), an absolute, UNC or "//host" path
    return ".." not in path.split("/")


# Typography: curly quotes and apostrophes, en dashes in number ranges ("1999–2000",
# "800–1,000"; an ISO date such as 2016-11-25 is left alone), an ellipsis for three dots.
_OPENING = r"(^|(?<=[\s(\[{\u2014\u2013/-]))"
_DOUBLE_OPEN = re.compile(_OPENING + '"')
_SINGLE_OPEN = re.compile(_OPENING + "'(?!\\d\\ds\\b)")
_RANGE = re.compile(r"(?<![\d.,-])(\d[\d,.]*\d|\d)-(\d[\d,.]*\d|\d)(?![\d-])")
_SCHEME_TEXT = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$")
_HTML_PART = re.compile(r"(<[^>]*>)")
_TYPESET_NEEDED = re.compile(r"[\"'-]|\.\.\.")


def typeset(text: str) -> str:
    """Set plain text as printed prose: curly quotes, en dashes in ranges, an ellipsis.

    A URL or other scheme-prefixed token is left exactly as written."""
    if not _TYPESET_NEEDED.search(text) or _SCHEME_TEXT.match(text):
        return text
    text = _RANGE.sub("\\1\u2013\\2", text)
    text = _DOUBLE_OPEN.sub("\u201c", text).replace('"', "\u201d")
    text = _SINGLE_OPEN.sub("\u2018", text).replace("'", "\u2019")
    return text.replace("...", "\u2026")


def typeset_html(html: str) -> str:
    """Typeset the text of sanitized HTML, outside tags and code spans."""
    parts = _HTML_PART.split(html)
    code = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part.strip("</> ").split(" ", 1)[0].lower()
            if name in ("code", "pre"):
                code += -1 if part.startswith("</") else 1
        elif part and code <= 0:
            text = part.replace("&quot;", '"').replace("&#39;", "'").replace("&#x27;", "'")
            parts[i] = typeset(text).replace('"', "&quot;")  # none are left; kept safe anyway
    return "".join(parts)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Convert Markdown to sanitized, typeset HTML."""
    html = _convert("block", _block_markdown, text)
    return typeset_html(_clean(html))


def _clean(html: str) -> str:
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
    """Convert one-line Markdown (a headline, a summary) to inline HTML: emphasis and code only."""
    line = re.sub(r"[ \t\r\n]+", " ", text).strip()  # one sentence: no blocks, no line breaks
    html = _convert("inline", _inline_markdown, line)
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return typeset_html(nh3.clean(html, tags=_INLINE_TAGS, attributes={}, strip_comments=True))


# Each thread's converters, made once: a converter keeps state while it works (builds may
# render in threads), and making one costs more than converting a point's text (its parser's
# processors are built and sorted: 0.2 s of the 1.4 s that 5,000 points' print HTML took).
_CONVERTERS = threading.local()


def _convert(kind: str, make: Callable[[], _markdown.Markdown], text: str) -> str:
    """Convert with this thread's converter of the kind, reset first (as Python-Markdown asks
    of a converter used more than once). A conversion stopped halfway (a template's time
    limit, say) can leave the block parser's state behind, which ``reset`` does not clear: the
    converter is then dropped, and the next text gets a new one."""
    md: _markdown.Markdown | None = getattr(_CONVERTERS, kind, None)
    if md is None:
        md = make()
        setattr(_CONVERTERS, kind, md)
    try:
        return md.reset().convert(text)
    except BaseException:
        delattr(_CONVERTERS, kind)
        raise


def _block_markdown() -> _markdown.Markdown:
    """A Markdown converter for a point's body: the standard syntax, lists and tables."""
    return _markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")


def _inline_markdown() -> _markdown.Markdown:
    """A Markdown converter that reads a paragraph of inline text and nothing else.

    No raw HTML (its ``<`` stays text, escaped), no block syntax (a leading "- " or "# " is
    text), no links or images (a link is its text, an image its alt text).
    """
    md = _markdown.Markdown(output_format="html")
    md.preprocessors.deregister("html_block")
    for item in list(md.parser.blockprocessors._priority):
        if item.name != "paragraph":
            md.parser.blockprocessors.deregister(item.name)
    for item in list(md.inlinePatterns._priority):
        if item.name not in _INLINE_PATTERNS:
            md.inlinePatterns.deregister(item.name)
    md.inlinePatterns.register(_LinkText(r"(?<!\!)\[", md), "link", 160)
    md.inlinePatterns.register(_ImageText(r"\!\[", md), "image_link", 150)
    return md


class _LinkText(LinkInlineProcessor):
    """A Markdown link, kept as its text (the sanitizer drops the span it is wrapped in)."""

    def handleMatch(self, m: re.Match[str], data: str) -> Any:
        el, start, end = super().handleMatch(m, data)
        if el is not None:
            el.tag = "span"
            el.attrib.clear()
        return el, start, end


class _ImageText(ImageInlineProcessor):
    """A Markdown image, kept as its alt text."""

    def handleMatch(self, m: re.Match[str], data: str) -> Any:
        el, start, end = super().handleMatch(m, data)
        if el is not None:
            text = el.get("alt", "")
            el = etree.Element("span")
            el.text = text
        return el, start, end
