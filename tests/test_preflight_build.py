"""The layout preflight as a user meets it: defects planted through a user template are reported
by `briefing build` with the document, the page and the text; `--strict` fails the build and
keeps the previous output; the shipped book passes its own preflight under `--strict`."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from briefings.cli import cli

PLANTS = {
    "overlap": (
        '{% block cover %}{{ super() }}<p style="position: absolute; top: 0; left: 0">'
        "Overprinted line</p>{% endblock %}",
        "principal: preflight: principal.pdf p1: text overlaps other text: "
        "'Regional Affairs Analysis Unit' and 'Overprinted line'",
    ),
    "sparse": (
        '{% block cover %}{{ super() }}<div style="break-after: page"></div>{% endblock %}',
        "principal: preflight: principal.pdf p1: page is 23% full, under the 30% minimum; "
        "it holds only 'Regional Affairs Analysis Unit'",
    ),
    "stranded-heading": (
        "{% block cover %}{{ super() }}<h2>Stranded heading</h2>"
        '<p style="break-before: page">Its text.</p>{% endblock %}',
        "principal: preflight: principal.pdf p1: heading 'Stranded heading' is the last thing on "
        "its page",
    ),
    "outside": (
        '{% block cover %}{{ super() }}<p style="margin-left: -30mm">Hanging into the margin</p>'
        "{% endblock %}",
        "principal: preflight: principal.pdf p1: content outside the page area: "
        "'Hanging into the margin'",
    ),
    "clipped": (
        '{% block cover %}{{ super() }}<div style="height: 16pt; overflow: hidden">'
        "<p>First kept line.</p><p>Second line cut off.</p></div>{% endblock %}",
        "principal: preflight: principal.pdf p1: content clipped by its container: "
        "'Second line cut off.'",
    ),
    "running-head": (
        "{% block styles %}{{ super() }}<style>@page { @top-right { content: string(section, "
        "last); } }</style>{% endblock %}{% block colophon %}{{ super() }}"
        '<div data-title="Sources" style="string-set: section attr(data-title)"></div>'
        "{% endblock %}",
        "principal: preflight: principal.pdf p2: running head 'Sources' names a section that "
        "neither starts nor continues on this page",
    ),
}


def plant(project: Path, blocks: str) -> Path:
    """A user template folder whose briefing.html extends the shipped one with some blocks."""
    mine = project / "mine"
    mine.mkdir(exist_ok=True)
    (mine / "briefing.html").write_text(
        '{% extends "shipped:briefing.html" %}' + blocks, encoding="utf-8"
    )
    return mine


def build(project: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        cli, ["build", "-C", str(project), "-a", "principal", "-f", "pdf", "--force", *extra]
    )


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_a_planted_defect_is_reported_with_document_page_and_text(project: Path, kind: str) -> None:
    blocks, message = PLANTS[kind]
    mine = plant(project, blocks)
    result = build(project, "--templates", str(mine))
    assert result.exit_code == 0, result.output
    preflight = [line for line in result.output.splitlines() if "preflight:" in line]
    assert f"warning: {message}" in preflight, result.output


def test_strict_turns_a_preflight_warning_into_an_error_and_keeps_the_output(
    project: Path,
) -> None:
    assert build(project).exit_code == 0
    pdf = project / "output" / "principal.pdf"
    before = pdf.read_bytes()
    mine = plant(project, PLANTS["overlap"][0])
    result = build(project, "--templates", str(mine), "--strict")
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert PLANTS["overlap"][1] in result.output
    assert pdf.read_bytes() == before


def test_the_shipped_book_passes_its_own_preflight_under_strict(
    built_book: Path, tmp_path: Path
) -> None:
    # built_book is built without --strict; build the same book again with it, into a folder of
    # its own: the shared book is read by other workers while this runs.
    project, out = built_book.parent, tmp_path / "strict"
    result = CliRunner().invoke(
        cli, ["build", "-C", str(project), "--strict", "-o", str(out), "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(
        p.name for p in built_book.glob("*.pdf")
    )


def body_reach(page: pypdf.PageObject) -> float:
    """How far down the sheet the body text reaches, as a share of its height (running heads
    and footers, within 25 mm of the top or bottom edge, do not count)."""
    height = float(page.mediabox.height)
    margin = 25 * 72 / 25.4
    lowest = [height]

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # from the bottom edge
        if text.strip() and margin < y < height - margin:
            lowest[0] = min(lowest[0], y)

    page.extract_text(visitor_text=visit)
    return (height - lowest[0]) / height


def test_the_shipped_pages_are_not_near_empty(built_book: Path) -> None:
    # A measure independent of the preflight, read from the PDF: on every page but the last
    # (and the staff cover), body text reaches past a third of the sheet.
    for path in sorted(built_book.glob("*.pdf")):
        pages = pypdf.PdfReader(path).pages
        for number, page in enumerate(pages[:-1], start=1):
            if (path.stem, number) == ("staff", 1):
                continue
            assert body_reach(page) > 0.33, (path.name, number, round(body_reach(page), 2))


def test_the_reach_measure_can_fail(project: Path) -> None:
    mine = plant(project, PLANTS["sparse"][0])
    assert build(project, "--templates", str(mine)).exit_code == 0
    first = pypdf.PdfReader(project / "output" / "principal.pdf").pages[0]
    assert body_reach(first) < 0.33
