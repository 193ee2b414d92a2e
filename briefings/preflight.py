"""Preflight: laid-out pages → the defects a reviewer would send back, one ``Finding`` each.

Reads WeasyPrint's box tree after layout, before any PDF exists: text over text, content off the
page or past its margins, text cut off by ``overflow: hidden``, near-empty pages, headings left
at the foot of a page, running heads naming a section the page does not hold. Each page is walked
once and overlaps are found by a sweep down the page, so time grows with the page count. Lengths
are CSS px. WeasyPrint is imported inside functions only: importing this module stays cheap.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from weasyprint.document import Document

TOLERANCE = 1.0  # px: rounding and anti-aliasing, not a defect
POINT = 4 / 3  # px in 1pt, the slack allowed past the page margins
SHORT = 60  # characters of text quoted in a message
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1
MESSAGES = {
    "overlap": "text overlaps other text: '{}' and '{}'",
    "outside": "content outside the page area: '{}'",
    "clipped": "content clipped by its container: '{}'",
    "sparse": "page is {}% full, under the {}% minimum; it holds only '{}'",
    "stranded-heading": "heading '{}' is the last thing on its page",
    "running-head": "running head '{}' names a section that neither starts nor continues on this page",
}


@dataclass(frozen=True)
class Finding:
    page: int  # 1-based page number
    kind: str  # "overlap" | "outside" | "clipped" | "sparse" | "stranded-heading" | "running-head"
    message: str  # full message, starting with f"p{page}: "


class _Context(NamedTuple):
    """What a box inherits from its ancestors on the page."""

    flow: bool = True  # main flow: not in a margin box or footnote, not absolutely positioned
    margin: bool = False
    line: int | None = None  # the line box holding it
    clip: Rect | None = None  # what overflow-hidden ancestors leave visible
    clipper: int | None = None  # id() of the innermost such ancestor
    heading: Any = None  # the h1–h6 element holding it


@dataclass(frozen=True)
class _Item:
    """One piece of ink: a text box, a replaced box (image, SVG) or a box with background/border."""

    index: int  # document order on the page
    kind: str  # "text" | "replaced" | "shade"
    rect: Rect
    shown: Rect | None  # the part its clipping ancestors leave visible; None when none is
    context: _Context
    label: str


@dataclass
class _Page:
    number: int
    sheet: Rect
    content: Rect  # inside the @page margins
    blank: bool
    items: list[_Item] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=list)
    setters: list[tuple[int, str, str]] = field(default_factory=list)  # (index, name, value)
    heads: list[tuple[int, str, Any]] = field(default_factory=list)  # (index, text, content)
    marked_sparse: bool = False

    def text(self, item: _Item) -> str:
        """How a message quotes an item: the whole line of a text box, else its label."""
        line = item.context.line
        if item.kind != "text" or line is None:
            return item.label
        return _short("".join(self.lines[line]))

    def flow(self) -> list[_Item]:
        return [item for item in self.items if item.context.flow and item.shown]


def check_pages(document: Document, *, min_fill: float = 0.3) -> list[Finding]:
    """Inspect every page of a laid-out WeasyPrint document and return what a reviewer would flag."""
    pages = [_read_page(page, number) for number, page in enumerate(document.pages, start=1)]
    findings: list[tuple[int, int, Finding]] = []
    in_force: dict[str, str] = {}  # each named string's value at the top of the coming page
    leading = _headings_with_content(document)
    for page in pages:
        found = _overlaps(page) + _outside(page) + _clipped(page) + _running_heads(page, in_force)
        if page.number < len(pages):
            found += _sparse(page, min_fill) + _stranded_heading(page, leading)
        findings += [(page.number, index, finding) for index, finding in found]
    return [finding for *_, finding in sorted(findings, key=lambda entry: entry[:2])]


def _read_page(page: Any, number: int) -> _Page:
    box = page._page_box
    x, y = box.content_box_x(), box.content_box_y()
    sheet, content = (0.0, 0.0, page.width, page.height), (x, y, x + box.width, y + box.height)
    record = _Page(number, sheet, content, blank=bool(box.page_type.blank))
    for child in box.all_children():
        _walk(child, _Context(), record)
    return record


@cache
def _engine() -> SimpleNamespace:
    """WeasyPrint's box classes, imported once (a walk asks for them at each of its boxes)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    return SimpleNamespace(
        boxes=boxes,
        AbsolutePlaceholder=AbsolutePlaceholder,
        clipping=(boxes.BlockContainerBox, boxes.FlexContainerBox, boxes.GridContainerBox),
        unshaded=(boxes.LineBox, boxes.MarginBox),
    )


def _walk(box: Any, context: _Context, page: _Page) -> None:
    engine = _engine()
    boxes = engine.boxes
    if isinstance(box, engine.AbsolutePlaceholder):
        box = box._box
    context = _enter(box, context, page)
    if box.style["visibility"] == "visible":
        _record(box, context, page)
    first_line = len(page.lines)
    for child in box.all_children() if isinstance(box, boxes.ParentBox) else ():
        _walk(child, context, page)
    if isinstance(box, boxes.MarginBox):
        text = " ".join("".join(line) for line in page.lines[first_line:]).strip()
        page.heads.append((len(page.items), text, box.style["content"]))


def _enter(box: Any, context: _Context, page: _Page) -> _Context:
    """The context a box hands its descendants; page-wide marks are noted on the way."""
    engine = _engine()
    boxes = engine.boxes
    changes: dict[str, Any] = {}
    if isinstance(box, boxes.MarginBox):
        changes.update(flow=False, margin=True)
    elif isinstance(box, boxes.FootnoteAreaBox) or box.style["position"] in ("absolute", "fixed"):
        changes["flow"] = False  # footnotes sit at the page foot whatever the text above does
    if box.element_tag in HEADINGS:
        changes["heading"] = box.element
    if isinstance(box, boxes.LineBox):
        changes["line"] = len(page.lines)
        page.lines.append([])
    # overflow applies to block containers only: an inline box (such as a broken image's alt
    # text, which keeps the UA's img overflow: hidden) clips nothing.
    clips = isinstance(box, engine.clipping)
    if box.style["overflow"] != "visible" and clips:
        x, y = box.padding_box_x(), box.padding_box_y()
        padding = (x, y, x + box.padding_width(), y + box.padding_height())
        changes.update(clip=_intersect(context.clip, padding), clipper=id(box))
    if not context.margin:
        if box.element is not None and box.element.get("data-preflight") == "sparse":
            page.marked_sparse = True
        # WeasyPrint's own computed values: what its margin boxes choose from.
        for name, value in getattr(box, "string_set", None) or ():
            page.setters.append((len(page.items), name, value))
    return context._replace(**changes) if changes else context


def _record(box: Any, context: _Context, page: _Page) -> None:
    engine = _engine()
    boxes = engine.boxes
    label = ""
    if isinstance(box, boxes.TextBox):
        if context.line is not None:
            page.lines[context.line].append(box.text)
        if not box.text.strip():
            return
        # The line-height slot trimmed to the font's height: tight leading is not an overlap.
        x, top = box.border_box_x(), max(box.position_y, box.content_box_y())
        bottom = min(box.position_y + box.margin_height(), box.content_box_y() + box.height)
        kind, rect = "text", (x, top, x + box.width, bottom)
    elif isinstance(box, boxes.ReplacedBox):
        kind, rect, label = "replaced", _border_rect(box), f"<{box.element_tag.rpartition('}')[2]}>"
    elif not isinstance(box, engine.unshaded) and _shaded(box):
        kind, rect = "shade", _border_rect(box)
    else:
        return
    shown = rect if context.clip is None else _intersect(rect, context.clip)
    empty = shown[0] >= shown[2] or shown[1] >= shown[3]
    page.items.append(_Item(len(page.items), kind, rect, None if empty else shown, context, label))


def _shaded(box: Any) -> bool:
    # The root and body paint the whole canvas and run to the foot of every page but the last.
    if box.element_tag in ("html", "body"):
        return False
    sides = ("top", "right", "bottom", "left")
    widths = [getattr(box, f"border_{side}_width", 0) or 0 for side in sides]
    return getattr(box, "background", None) is not None or max(widths) > 0


def _overlaps(page: _Page) -> list[tuple[int, Finding]]:
    # Whole lines, not their boxes: a line of leader dots is hundreds of boxes on one line.
    lines: dict[int | None, tuple[Rect, _Item]] = {}  # each line's visible text, first box
    for item in page.items:
        if item.kind == "text" and item.shown:
            rect, first = lines.get(item.context.line, (item.shown, item))
            lines[item.context.line] = (_union(rect, item.shown), first)
    active: list[tuple[Rect, _Item]] = []
    pairs = []
    for rect, first in sorted(lines.values(), key=lambda line: (line[0][1], line[1].index)):
        # Sweep down the page: only lines still reaching below this one's top can meet it.
        active = [(other, o) for other, o in active if other[3] > rect[1] + TOLERANCE]
        for other, o in active:
            if not (o.context.margin and first.context.margin) and _overlap(other, rect):
                pairs.append(tuple(sorted((o, first), key=lambda i: i.index)))
        active.append((rect, first))
    pairs.sort(key=lambda pair: (pair[0].index, pair[1].index))
    return [_finding(page, a.index, "overlap", page.text(a), page.text(b)) for a, b in pairs]


def _clipped(page: _Page) -> list[tuple[int, Finding]]:
    found, seen = [], set()
    for item in page.items:
        clip, clipper = item.context.clip, item.context.clipper
        if item.kind != "text" or item.context.margin or clip is None or clipper in seen:
            continue
        if not _inside(item.rect, clip, TOLERANCE):
            seen.add(clipper)  # one finding per clipping box: its first line cut
            found.append(_finding(page, item.index, "clipped", page.text(item)))
    return found


def _outside(page: _Page) -> list[tuple[int, Finding]]:
    found, seen = [], set()
    for item in page.items:
        if item.kind == "shade" or item.context.margin or not item.shown:
            continue
        # Positioned boxes may sit in the margins on purpose; only the sheet's edge loses them.
        bounds, slack = (page.content, POINT) if item.context.flow else (page.sheet, TOLERANCE)
        key = item.context.line if item.kind == "text" else ("box", item.index)
        if key not in seen and not _inside(item.shown, bounds, slack):
            seen.add(key)
            found.append(_finding(page, item.index, "outside", page.text(item)))
    return found


def _sparse(page: _Page, min_fill: float) -> list[tuple[int, Finding]]:
    flow = page.flow()
    top, height = page.content[1], page.content[3] - page.content[1]
    bottom = max((item.shown[3] for item in flow if item.shown is not None), default=top)
    fill = max(0.0, bottom - top) / height if height > 0 else 1.0
    if page.blank or page.marked_sparse or fill >= min_fill:
        return []
    first = next((item for item in flow if item.kind == "text"), None)
    pct, least = math.floor(fill * 100 + 1e-9), math.floor(min_fill * 100 + 1e-9)
    return [_finding(page, -1, "sparse", pct, least, page.text(first) if first else "")]


def _stranded_heading(page: _Page, leading: set[int] | None) -> list[tuple[int, Finding]]:
    flow = page.flow()
    heading = flow[-1].context.heading if flow else None
    if heading is None or (leading is not None and id(heading) not in leading):
        return []
    own = [item for item in flow if item.context.heading is heading]
    lines = dict.fromkeys(page.text(item) for item in own if item.kind == "text")
    return [_finding(page, own[0].index, "stranded-heading", _short(" ".join(lines)))]


def _headings_with_content(document: Document) -> set[int] | None:
    """The ids of heading elements followed by an element in their parent: the ones that head
    something (a point that is only its headline heads nothing, so ending a page strands nothing)."""
    root = next(
        (
            b.element
            for p in document.pages[:1]
            for b in p._page_box.children
            if b.element_tag == "html"
        ),
        None,
    )
    if root is None:
        return None
    found: set[int] = set()
    for parent in root.iter():
        kids = [kid for kid in parent if isinstance(kid.tag, str)]  # not comments
        found.update(id(kid) for kid in kids[:-1] if kid.tag in HEADINGS)
    return found


def _running_heads(page: _Page, in_force: dict[str, str]) -> list[tuple[int, Finding]]:
    """Check margin boxes against the named strings valid on the page, then carry them over."""
    last_flow = max((item.index for item in page.flow()), default=-1)
    valid = {name: [value] for name, value in in_force.items()}
    for index, name, value in page.setters:
        # A setter with nothing of the flow after it on this page starts its section on the next.
        if index <= last_flow:
            valid.setdefault(name, []).append(value)
        in_force[name] = value
    found = []
    for index, text, content in page.heads:
        named = isinstance(content, list | tuple) and any(p[0] == "string()" for p in content)
        if text and named and not _head_pattern(content, valid).fullmatch(_squash(text)):
            found.append(_finding(page, index, "running-head", _short(text)))
    return found


def _head_pattern(content: Any, valid: dict[str, list[str]]) -> re.Pattern[str]:
    """What a margin box may show: its literals as written, each string() one of its values."""
    parts = []
    for kind, value in content:
        if kind == "string":
            parts.append(re.escape(_squash(value)))
        elif kind == "string()":
            options = {_squash(v) for v in valid.get(value[0], [])} | {""}  # empty: never wrong
            parts.append("(?:" + "|".join(map(re.escape, sorted(options, key=len)[::-1])) + ")")
        else:  # counters, quotes, leaders, images: anything at all
            parts.append(".*?")
    return re.compile("".join(parts), re.DOTALL)


def _squash(text: str) -> str:
    # Margin boxes may transform case and re-wrap the string: compare letters, not case or spaces.
    return "".join(text.split()).casefold()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


def _finding(page: _Page, index: int, kind: str, *values: object) -> tuple[int, Finding]:
    """A finding, keyed by where on its page it is; ``MESSAGES[kind]`` takes the values."""
    return index, Finding(page.number, kind, f"p{page.number}: " + MESSAGES[kind].format(*values))


def _border_rect(box: Any) -> Rect:
    x, y = box.border_box_x(), box.border_box_y()
    return (x, y, x + box.border_width(), y + box.border_height())


def _intersect(a: Rect | None, b: Rect) -> Rect:
    if a is None:
        return b
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap(a: Rect, b: Rect) -> bool:
    x0, y0, x1, y1 = _intersect(a, b)
    return x1 - x0 > TOLERANCE and y1 - y0 > TOLERANCE


def _inside(rect: Rect, bounds: Rect, slack: float) -> bool:
    x0, y0, x1, y1 = bounds
    return _intersect(rect, (x0 - slack, y0 - slack, x1 + slack, y1 + slack)) == rect
