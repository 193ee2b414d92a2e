"""Layout preflight: each check plants its defect in a small laid-out document, then a clean one."""

from __future__ import annotations

import subprocess
import sys

import pytest
import weasyprint

from briefings.preflight import Finding, check_pages

# 400×300px sheets with 50px margins: a 300×200px content area, easy to reason about.
PAGE = """
@page { size: 400px 300px; margin: 50px; }
body { font-family: sans-serif; font-size: 12px; line-height: 16px; margin: 0; }
p { margin: 0 0 8px; }
"""
HEADS = """
@page { @top-right { content: string(section); } @bottom-right { content: counter(page); } }
h2 { string-set: section content(); font-size: 14px; margin: 8px 0 4px; }
"""
WORDS = "The committee reviewed the quarterly figures and agreed the next steps with the desk."


def layout(body: str, css: str = "") -> weasyprint.Document:
    html = f"<!DOCTYPE html><html><head><style>{PAGE}{css}</style></head><body>{body}</body></html>"
    return weasyprint.HTML(string=html, base_url=None).render()


def kinds(findings: list[Finding]) -> set[str]:
    return {finding.kind for finding in findings}


def paragraphs(count: int, words: str = WORDS) -> str:
    return "".join(f"<p>{words}</p>" for _ in range(count))


# ---------- overlap ----------


def test_two_positioned_paragraphs_printed_on_top_of_each_other():
    document = layout(
        '<p style="position: absolute; top: 20px; left: 0">Quarterly <b>figures</b> in   full</p>'
        '<p style="position: absolute; top: 23px; left: 5px">Press <i>statement</i></p>'
    )
    # One finding per pair of lines, quoting whole lines, however many boxes they are made of.
    assert check_pages(document) == [
        Finding(
            1,
            "overlap",
            "p1: text overlaps other text: 'Quarterly figures in full' and 'Press statement'",
        )
    ]


def test_text_spilling_out_of_a_fixed_height_box_overlaps_what_follows():
    document = layout(
        '<div style="height: 16px">First line<br>Second line spills</div><p>Next paragraph</p>'
    )
    assert check_pages(document) == [
        Finding(
            1, "overlap", "p1: text overlaps other text: 'Second line spills' and 'Next paragraph'"
        )
    ]


def test_tight_leading_and_side_by_side_text_do_not_overlap():
    document = layout(
        f'<h1 style="line-height: 0.9">{WORDS} {WORDS}</h1>'
        f'<p style="line-height: 1">{WORDS} {WORDS}</p>'
        '<p style="position: absolute; bottom: 0; left: 0">Footnote-like label</p>'
        "<table><tr><td>Cell one</td><td>Cell two</td></tr></table>"
        "<p>Text with <sup>superscript</sup> and <sub>subscript</sub> in it.</p>"
    )
    assert "overlap" not in kinds(check_pages(document))


# ---------- outside and clipped ----------


def test_content_pushed_into_the_margin_is_outside_the_page_area():
    document = layout('<p>In place</p><p style="margin-left: -30px">Bleeds into the margin</p>')
    assert check_pages(document) == [
        Finding(1, "outside", "p1: content outside the page area: 'Bleeds into the margin'")
    ]


def test_unbreakable_text_and_an_image_wider_than_the_column_are_outside():
    long_word = "x" * 80
    svg = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    document = layout(
        f'<p>{long_word}</p><p><img src="{svg}" style="width: 320px; height: 20px"></p>'
    )
    assert check_pages(document) == [
        Finding(1, "outside", f"p1: content outside the page area: '{'x' * 59}…'"),
        Finding(1, "outside", "p1: content outside the page area: '<img>'"),
    ]


def test_positioned_box_off_the_sheet_is_outside_but_one_in_the_margin_is_not():
    document = layout(
        '<p style="position: absolute; top: -40px; left: 0">Margin label</p>'
        '<p style="position: absolute; top: -70px; left: 0">Off the sheet</p>'
        "<p>Body text</p>"
    )
    assert check_pages(document) == [
        Finding(1, "outside", "p1: content outside the page area: 'Off the sheet'")
    ]


def test_fixed_height_hidden_overflow_box_with_too_much_text_is_clipped():
    lines = "<br>".join(["Line one", "Line two", "Line three", "Line four"])
    document = layout(f'<div style="height: 40px; overflow: hidden">{lines}</div><p>After</p>')
    assert check_pages(document) == [
        Finding(1, "clipped", "p1: content clipped by its container: 'Line three'")
    ]


def test_hidden_overflow_box_that_fits_is_not_clipped():
    document = layout(
        '<div style="height: 40px; overflow: hidden">Line one<br>Line two</div>'
        '<div style="overflow: hidden; border: 1px solid">Auto height</div>'
    )
    assert check_pages(document) == []


def test_normal_document_with_running_heads_has_nothing_outside():
    document = layout(
        "<h2>Overview</h2>" + paragraphs(12) + "<h2>Sources</h2>" + paragraphs(4), HEADS
    )
    assert len(document.pages) > 1
    assert kinds(check_pages(document)) & {"outside", "clipped"} == set()


# ---------- sparse ----------


def test_page_with_one_short_block_before_a_forced_break_is_sparse():
    document = layout(
        '<p style="height: 50px; background: #eee">Short note</p>'
        '<h2 style="break-before: page">Next</h2>' + paragraphs(2)
    )
    assert check_pages(document) == [
        Finding(
            1, "sparse", "p1: page is 25% full, under the 30% minimum; it holds only 'Short note'"
        )
    ]


def test_min_fill_is_the_callers_threshold():
    document = layout(
        '<p style="height: 50px; background: #eee">Short note</p>'
        '<h2 style="break-before: page">Next</h2>' + paragraphs(2)
    )
    assert check_pages(document, min_fill=0.25) == []
    assert check_pages(document, min_fill=0.5)[0].message.startswith(
        "p1: page is 25% full, under the 50% minimum"
    )


def test_page_marked_sparse_by_its_template_is_not_flagged():
    document = layout(
        '<div data-preflight="sparse"><p style="height: 50px; background: #eee">Cover</p></div>'
        '<h2 style="break-before: page">Next</h2>' + paragraphs(2)
    )
    assert check_pages(document) == []


def test_short_last_page_is_not_sparse():
    document = layout(paragraphs(14))
    assert len(document.pages) > 1
    assert check_pages(document) == []


# ---------- stranded heading ----------


def test_heading_forced_to_the_foot_of_a_page_is_stranded():
    document = layout(
        '<p style="height: 150px">Opening</p><h2>Stranded heading</h2>'
        '<p style="break-before: page">Its text</p>'
    )
    assert check_pages(document) == [
        Finding(
            1, "stranded-heading", "p1: heading 'Stranded heading' is the last thing on its page"
        )
    ]


def test_heading_that_weasyprint_carries_over_is_not_stranded():
    # break-after: avoid (the UA default for headings) takes the heading to its text.
    document = layout(
        '<p style="height: 160px; background: #eee">Opening</p><h2>Carried over</h2>'
        + paragraphs(3)
    )
    assert len(document.pages) == 2
    assert check_pages(document) == []


# ---------- running heads ----------


def test_section_starting_mid_page_gives_a_valid_head_whichever_keyword():
    body = "<h2>Overview</h2>" + paragraphs(12) + "<h2>Sources</h2>" + paragraphs(3)
    for keyword in ("first", "start", "last", "first-except"):
        css = HEADS + f"@page {{ @top-right {{ content: string(section, {keyword}) }} }}"
        document = layout(body, css)
        assert len(document.pages) >= 2
        assert check_pages(document) == [], keyword


def test_head_with_literal_text_and_text_transform_is_matched():
    css = (
        HEADS
        + '@page { @top-right { content: "Section: " string(section); text-transform: uppercase } }'
    )
    document = layout(
        "<h2>Overview</h2>" + paragraphs(12) + "<h2>Sources</h2>" + paragraphs(3), css
    )
    assert check_pages(document) == []


MARKED_SOURCES = (
    "<h2>Overview</h2><p>Overview opens.</p>"
    '<p style="break-before: page">Overview continues.</p>'
    '<div class="marker" data-title="Sources"></div>'
    '<h2 style="break-before: page">Sources</h2><p>Sources text.</p>'
)
MARKER = ".marker { string-set: section attr(data-title) } .marker + h2 { string-set: none }"


@pytest.mark.parametrize("keyword", ["first", "last"])
def test_head_set_by_a_marker_left_behind_before_the_page_break_is_wrong(keyword: str):
    # The template sets the head from an empty marker and the break falls between the marker and
    # its section, so page 2, all Overview, is headed "Sources".
    css = HEADS + MARKER + f"@page {{ @top-right {{ content: string(section, {keyword}) }} }}"
    document = layout(MARKED_SOURCES, css)
    assert len(document.pages) == 3
    assert check_pages(document, min_fill=0) == [
        Finding(
            2,
            "running-head",
            "p2: running head 'Sources' names a section that neither starts nor continues on this page",
        )
    ]


def test_head_that_ignores_a_marker_below_the_top_of_the_page_is_right():
    # string(section, start) keeps page 2 on the value in force at its top: Overview.
    css = HEADS + MARKER + "@page { @top-right { content: string(section, start) } }"
    assert check_pages(layout(MARKED_SOURCES, css), min_fill=0) == []


def test_blank_page_left_by_a_recto_break_is_not_sparse():
    document = layout(
        '<div style="height: 190px; background: #eee">Chapter one</div>'
        '<h2 style="break-before: right">Chapter two</h2>' + paragraphs(2),
        HEADS,
    )
    assert len(document.pages) == 3
    assert check_pages(document) == []


# ---------- whole documents ----------


def realistic_body(sections: int) -> str:
    parts = []
    for number in range(1, sections + 1):
        parts.append(f"<h2>Section {number}</h2>" + paragraphs(3))
        parts.append(f"<h3>Detail {number}</h3><ul><li>{WORDS}</li><li>{WORDS}</li></ul>")
        parts.append(
            f'<div style="background: #eef; border-left: 3px solid #88a; padding: 4px">{WORDS}</div>'
        )
        parts.append(paragraphs(2))
    return "".join(parts)


def test_realistic_multi_page_document_has_no_findings():
    document = layout("<h1>Briefing</h1>" + realistic_body(2), HEADS)
    assert 4 <= len(document.pages) <= 7
    assert check_pages(document) == []


def test_sixty_page_document_is_checked():
    document = layout(realistic_body(26), HEADS)
    assert len(document.pages) >= 60
    assert check_pages(document) == []


def test_findings_are_sorted_by_page_then_document_order():
    document = layout(
        '<p style="height: 50px; background: #eee">Short note</p>'
        '<p style="break-before: page; margin-left: -30px">Out first</p>'
        '<p style="position: absolute; top: 100px; left: 0">One</p>'
        '<p style="position: absolute; top: 101px; left: 0">Two</p>'
        '<p style="margin-left: -30px">Out second</p>'
        '<p style="break-before: page">End</p>'
    )
    assert [(f.page, f.kind) for f in check_pages(document)] == [
        (1, "sparse"),
        (2, "sparse"),
        (2, "outside"),
        (2, "overlap"),
        (2, "outside"),
    ]


def test_importing_the_module_does_not_import_weasyprint():
    code = "import sys, briefings.preflight; sys.exit('weasyprint' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_message_starts_with_its_page():
    document = layout(paragraphs(20) + '<p style="margin-left: -30px">Out</p>', HEADS)
    findings = check_pages(document, min_fill=1.0)
    assert {finding.page for finding in findings} == set(range(1, len(document.pages) + 1))
    assert all(finding.message.startswith(f"p{finding.page}: ") for finding in findings)


def test_a_heading_that_heads_nothing_is_not_stranded() -> None:
    # A point that is only its headline (an h3 alone in its article) may end a page; the same
    # headline with a body after it, pushed to the next page, is stranded.
    lone = (
        paragraphs(8)
        + "<article><h3>Only a headline</h3></article>"
        + '<article style="break-before: page"><h3>Next</h3><p>Body.</p></article>'
    )
    assert "stranded-heading" not in kinds(check_pages(layout(lone)))
    headed = (
        paragraphs(8)
        + '<article><h3>Headline with a body</h3><p style="break-before: page">Body.</p></article>'
    )
    assert "stranded-heading" in kinds(check_pages(layout(headed)))
