"""The screen HTML in a real browser: axe-core finds no accessibility problem, and a phone-wide
screen neither scrolls sideways, nor keeps two columns, nor shrinks a figure's text past reading.

Debian's Chromium (/usr/bin/chromium, installed by `./brief test`) driven by Playwright, one
browser for the module. Without it the tests are skipped, and fail under CI (CI=true).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

AUDIENCES = ["principal", "staff", "liaison", "press", "talking-points"]
WIDE, NARROW = 1280, 390

Page = Any  # playwright.sync_api.Page, imported only when the browser is there


@pytest.fixture(scope="module")
def screen(browser: Any, built_book: Path) -> Callable[[str, int], Page]:
    """Open an audience's built HTML at a viewport width (each page once, then shared)."""
    pages: dict[tuple[str, int], Page] = {}

    def open_page(audience: str, width: int) -> Page:
        if (audience, width) not in pages:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto((built_book / f"{audience}.html").as_uri())
            page.evaluate("document.fonts.ready.then(() => true)")  # measure in the real fonts
            pages[audience, width] = page
        return pages[audience, width]

    return open_page


@pytest.mark.parametrize("width", [WIDE, NARROW])
@pytest.mark.parametrize("audience", AUDIENCES)
def test_axe_finds_no_accessibility_violation(screen, audience: str, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(screen(audience, width), options={"resultTypes": ["violations"]})
    # ARIA misuse axe cannot decide (an aria-label on an element without a role) counts too.
    found = results.response["violations"] + [
        rule for rule in results.response["incomplete"] if rule["id"].startswith("aria-")
    ]
    problems = [
        f"{rule['id']} ({len(rule['nodes'])}): {rule['help']}; first: {rule['nodes'][0]['html'][:120]}"
        for rule in found
    ]
    assert not problems, "\n".join(problems)


# Elements that stick out of the viewport without a box that scrolls them.
OVERFLOWING = """() => {
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const inScrollBox = (e) => { for (let a = e.parentElement; a; a = a.parentElement)
    if (a !== document.body && a !== document.documentElement && scrolls(a)) return true;
    return false; };
  return [...document.body.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5 && !inScrollBox(e))
    .slice(0, 5).map((e) => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class')}">`
      + ` right edge ${Math.round(e.getBoundingClientRect().right)} px`);
}"""


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_narrow_screen_does_not_scroll_sideways(screen, audience: str) -> None:
    page = screen(audience, NARROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW, f"{audience}: {width} px wide: {page.evaluate(OVERFLOWING)}"


# Pairs of text blocks side by side (each beside the other, at the same height): columns.
SIDE_BY_SIDE = """() => {
  const blocks = [...document.querySelectorAll('.document :is(p, li, h2, h3)')]
    .filter((e) => !e.closest('figure') && e.getClientRects().length)
    .map((e) => [e, e.getBoundingClientRect()]);
  for (const [a, ra] of blocks) for (const [b, rb] of blocks) {
    const beside = ra.right <= rb.left;
    const level = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 2;
    if (beside && level) return [a.outerHTML.slice(0, 100), b.outerHTML.slice(0, 100)];
  }
  return null;
}"""


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_narrow_screen_shows_one_column(screen, audience: str) -> None:
    pair = screen(audience, NARROW).evaluate(SIDE_BY_SIDE)
    assert pair is None, f"{audience}: side by side at {NARROW} px: {pair}"


MATRIX = """() => {
  const table = document.querySelector('#figure-matrix table');
  let box = table.parentElement;
  while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX))
    box = box.parentElement;
  return {table: table.getBoundingClientRect().right,
          box: box && {right: box.getBoundingClientRect().right,
                       scrolls: box.scrollWidth > box.clientWidth, tabindex: box.tabIndex}};
}"""


@pytest.mark.parametrize("audience", ["staff", "liaison"])
def test_the_matrix_scrolls_in_its_own_box_on_a_narrow_screen(screen, audience: str) -> None:
    matrix = screen(audience, NARROW).evaluate(MATRIX)
    if matrix["table"] <= NARROW:
        return  # it fits (stacked, or narrow enough)
    box = matrix["box"]
    assert box is not None, f"the matrix runs to {matrix['table']} px with no box to scroll it"
    assert box["right"] <= NARROW and box["scrolls"]
    assert box["tabindex"] >= 0, "the keyboard must be able to scroll the box"


# The size each text of the timeline is drawn at: its font size times the drawing's scale.
TIMELINE_TEXT = """() => [...document.querySelectorAll('#figure-timeline svg text')]
  .filter((t) => t.textContent.trim())
  .map((t) => { const m = t.getScreenCTM();
    return [t.textContent.trim(), Math.hypot(m.a, m.b) * parseFloat(getComputedStyle(t).fontSize)]; })"""


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_the_timeline_text_stays_legible(screen, width: int) -> None:
    sizes = screen("staff", width).evaluate(TIMELINE_TEXT)
    assert sizes, "the staff brief has a timeline"
    text, smallest = min(sizes, key=lambda pair: pair[1])
    assert smallest >= 10, f"{text!r} drawn at {smallest:.1f} px"
