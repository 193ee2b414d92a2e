"""Budget fitting on fake layouts: the loop, the measure and the order of cuts, with no engine."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from briefings import assemble_briefing
from briefings.budget import budget_order, cut_for_budget, estimate_cut, fit_budget, measure
from briefings.errors import RenderError
from briefings.model import Briefing

PAGE = 100.0


@dataclass
class FakePages:
    """Points stacked one after another, each 30 units tall, on pages 100 units tall."""

    briefing: Briefing
    height: float = 30.0

    def _boxes(self) -> dict[str, tuple[int, float, float]]:
        boxes, y = {}, 0.0
        for point in self.briefing.points():
            if y % PAGE + self.height > PAGE:  # a point does not split over a page
                y += PAGE - y % PAGE
            page = int(y // PAGE)
            boxes[point.anchor] = (page, y % PAGE, y % PAGE + self.height)
            y += self.height
        return boxes

    @property
    def page_count(self) -> int:
        boxes = self._boxes()
        return max((page for page, _, _ in boxes.values()), default=0) + 1

    def anchor_positions(self, prefix: str) -> dict[str, tuple[int, float, float]]:
        return {k: v for k, v in self._boxes().items() if k.startswith(prefix)}

    def page_height(self) -> float:
        return PAGE


def principal(book, budget: int = 2) -> Briefing:  # type: ignore[no-untyped-def]
    briefing = assemble_briefing(book, "principal")
    audience = briefing.audience.model_copy(update={"page_budget": budget})
    return briefing.model_copy(update={"audience": audience})


def test_fit_cuts_the_lowest_priority_last_read_points_until_it_fits(book) -> None:
    briefing = principal(book)
    assert FakePages(briefing).page_count > 2
    layouts: list[FakePages] = []

    def lay_out(b: Briefing) -> FakePages:
        layouts.append(FakePages(b))
        return layouts[-1]

    fitted, pages, warnings = fit_budget(briefing, lay_out)
    assert pages.page_count <= 2
    assert pages is layouts[-1] and pages.briefing is fitted  # the pages are the final briefing's
    cut = [o.ref for o in fitted.omitted if o.reason == "budget"]
    assert cut == [p.ref for p in budget_order(briefing)[: len(cut)]]
    assert warnings == [f"over the 2-page budget; cut {len(cut)} point(s): {', '.join(cut)}"]
    assert len(layouts) <= 3  # measured cuts converge in a pass or two, not one point per pass


def test_fit_under_strict_refuses_to_cut(book) -> None:
    briefing = principal(book)
    with pytest.raises(RenderError) as caught:
        fit_budget(briefing, FakePages, strict=True)
    assert str(caught.value).startswith("principal: ")
    assert "over the budget of 2" in str(caught.value)


def test_a_briefing_within_its_budget_is_laid_out_once(book) -> None:
    briefing = principal(book, budget=50)
    calls = []
    fitted, _, warnings = fit_budget(briefing, lambda b: calls.append(b) or FakePages(b))
    assert calls == [briefing] and fitted is briefing and warnings == []


def test_measure_counts_only_content_past_the_budget(book) -> None:
    briefing = principal(book)
    pages = FakePages(briefing)
    heights, overflow = measure(pages, briefing, 2)
    assert set(heights) == {p.ref for p in briefing.points()}
    past = [p for p in briefing.points() if pages.anchor_positions("pt-")[p.anchor][0] >= 2]
    assert overflow == pytest.approx(sum(heights[p.ref] for p in past))


def test_estimate_cut() -> None:
    assert estimate_cut([10, 10, 10], 15) == 2
    assert estimate_cut([10, 10, 10], 30) == 3
    assert estimate_cut([10, 10], 100) == 2  # all it can
    assert estimate_cut([], 5) == 1


def test_budget_order_is_lowest_priority_then_last_read(book) -> None:
    briefing = assemble_briefing(book, "staff")
    order = budget_order(briefing)
    priorities = [p.priority for p in order]
    assert priorities == sorted(priorities, reverse=True)
    reading = [p.ref for p in briefing.points()]
    threes = [p.ref for p in order if p.priority == 3]
    assert threes == sorted(threes, key=reading.index, reverse=True)


def test_a_cut_recomputes_the_banner_from_what_is_left(book) -> None:
    briefing = assemble_briefing(book, "liaison", ["security"])
    assert briefing.banner == "restricted"
    briefing = briefing.model_copy(update={"front": None})  # its bottom line is restricted too
    restricted = [p for p in budget_order(briefing) if p.marking == "restricted"]
    everything = cut_for_budget(briefing, len(briefing.points()))
    assert restricted and everything.sections == ()
    assert everything.banner == "internal"  # liaison's own text is internal
