"""Budgets: a briefing + a way to lay it out → the briefing cut to its page budget, and its pages.

Lay the briefing out; while it runs past the audience's page budget, measure each point's box
(by its anchor, ``Point.anchor``) and how much point content lies on pages past the budget, cut
that much, lowest priority and last read first, and lay it out again. The layout engine is
behind a small interface (``Pages``), so the loop is tested with fake layouts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from .assembly import banner_of, omit
from .errors import RenderError
from .model import ANCHOR_PREFIX, Briefing, Point

MAX_LAYOUT_PASSES = 6
GAP = 1.1  # a point's box plus the gap below it
MIN_OVERFLOW = 0.05  # of a page: less than this past the budget still needs one cut


class Pages(Protocol):
    """What budget fitting needs from a laid-out document."""

    @property
    def page_count(self) -> int:
        """Number of pages."""
        ...

    def anchor_positions(self, prefix: str) -> dict[str, tuple[int, float, float]]:
        """Map anchor ids starting with prefix to (page index, top y, bottom y)."""
        ...

    def page_height(self) -> float:
        """Height of a page, in the units of the positions."""
        ...


L = TypeVar("L", bound=Pages)


def fit_budget(
    briefing: Briefing, lay_out: Callable[[Briefing], L], *, strict: bool = False
) -> tuple[Briefing, L, list[str]]:
    """Lay the briefing out and cut it to its page budget; return it, its pages and warnings.

    With ``strict``, a briefing over its budget is an error instead of a cut.
    """
    budget = briefing.audience.page_budget
    pages = lay_out(briefing)
    for _ in range(MAX_LAYOUT_PASSES - 1):
        order = budget_order(briefing)
        if budget is None or pages.page_count <= budget or not order:
            break
        heights, overflow = measure(pages, briefing, budget)
        count = estimate_cut([heights.get(p.ref, 0.0) for p in order], overflow)
        if strict:
            raise RenderError(
                f"{briefing.audience.id}: {pages.page_count} pages, over the budget of {budget}; "
                f"{count} point(s) would be cut (--strict)"
            )
        briefing = cut_for_budget(briefing, min(count, len(order)))
        pages = lay_out(briefing)
    warnings = []
    cut = [o.ref for o in briefing.omitted if o.reason == "budget"]
    if cut:
        warnings.append(f"over the {budget}-page budget; cut {len(cut)} point(s): {', '.join(cut)}")
    if budget is not None and pages.page_count > budget:
        warnings.append(f"still {pages.page_count} pages after cutting; the budget is {budget}")
    return briefing, pages, warnings


def measure(pages: Pages, briefing: Briefing, budget: int) -> tuple[dict[str, float], float]:
    """Return each point's height and how much point content sits on pages past the budget.

    Heights come from each point's own box, so columns and page breaks do not skew them.
    """
    positions = pages.anchor_positions(ANCHOR_PREFIX)
    heights: dict[str, float] = {}
    overflow = 0.0
    for point in briefing.points():
        found = positions.get(point.anchor)
        if found is None:
            continue
        page, top, bottom = found
        heights[point.ref] = max(bottom - top, 1.0) * GAP
        if page >= budget:
            overflow += heights[point.ref]
    return heights, max(overflow, pages.page_height() * MIN_OVERFLOW)


def budget_order(briefing: Briefing) -> list[Point]:
    """Return the included points in the order a budget cuts them."""
    points = list(briefing.points())
    ranked = sorted(enumerate(points), key=lambda ip: (-ip[1].priority, -ip[0]))
    return [p for _, p in ranked]


def estimate_cut(point_heights: Sequence[float], overflow: float) -> int:
    """Return how many points (in budget order, with these heights) cover an overflow."""
    total = 0.0
    for count, height in enumerate(point_heights, start=1):
        total += height
        if total >= overflow:
            return count
    return max(1, len(point_heights))  # not enough to cover it: everything cuttable


def cut_for_budget(briefing: Briefing, count: int) -> Briefing:
    """Drop ``count`` points, lowest priority first and last-read first, recording each cut."""
    order = budget_order(briefing)
    cut = {p.ref for p in order[:count]}
    sections = []
    for section in briefing.sections:
        kept = tuple(p for p in section.points if p.ref not in cut)
        if kept:
            sections.append(section.model_copy(update={"points": kept}))
    budget = briefing.audience.page_budget
    omitted = list(briefing.omitted) + [
        omit(p, "budget", f"cut to fit the {budget}-page budget") for p in order[:count]
    ]
    update = {"sections": tuple(sections), "omitted": tuple(omitted)}
    cut_briefing = briefing.model_copy(update=update)
    return cut_briefing.model_copy(update={"banner": banner_of(cut_briefing)})
