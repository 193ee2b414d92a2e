"""PDF structure: pages, banners, page numbers, bookmarks, metadata and fonts (pypdf)."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from conftest import plant_restricted_point

from briefings.cli import cli

AUDIENCES = ("liaison", "press", "principal", "staff", "talking-points")


def outline_titles(reader: pypdf.PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def embedded_fonts(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_staff_kosovo_energy_has_those_topics_only(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            "-C",
            str(project),
            "-a",
            "staff",
            "-t",
            "kosovo,energy",
            "-f",
            "pdf",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(out / "staff.pdf")
    titles = outline_titles(reader)
    top_level = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Energy" in top_level and "Kosovo" in top_level
    for other in ("Security cooperation", "Russia", "UN voting", "Serbia", "U.S. policy"):
        assert other not in titles
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Russia\n" not in text.split("Contents")[-1].split("Energy")[0]
    assert "Security cooperation" not in text


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_page_has_banner_and_page_x_of_y(built_book: Path, audience: str) -> None:
    reader = pypdf.PdfReader(built_book / f"{audience}.pdf")
    total = len(reader.pages)
    banner = {"press": "PUBLIC", "liaison": "RESTRICTED"}.get(audience, "INTERNAL")
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.count(banner) >= 2, f"{audience} page {number}: banner top and bottom"
        assert f"Page {number} of {total}" in text


def test_principal_fits_two_pages(built_book: Path) -> None:
    assert len(pypdf.PdfReader(built_book / "principal.pdf").pages) <= 2


def test_only_bundled_fonts_are_embedded(built_book: Path) -> None:
    for audience in AUDIENCES:
        fonts = embedded_fonts(pypdf.PdfReader(built_book / f"{audience}.pdf"))
        assert fonts, audience
        for name in fonts:
            assert name.split("+")[-1].startswith(("Briefing-Serif", "Briefing-Sans")), name


def test_metadata(built_book: Path) -> None:
    meta = pypdf.PdfReader(built_book / "staff.pdf").metadata
    assert meta.title == "Israel and the Balkans: Backgrounder for desk and diplomatic staff"
    assert meta.author == "Regional Affairs Analysis Unit"
    assert "Kosovo" in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20161125")


def test_staff_has_toc_with_page_numbers_and_bookmarks_for_points(built_book: Path) -> None:
    reader = pypdf.PdfReader(built_book / "staff.pdf")
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and "Kosovo" in contents
    assert len(outline_titles(reader)) > 40


def test_planted_restricted_point_reaches_liaison_pdf_never_press(
    project: Path, tmp_path: Path
) -> None:
    plant_restricted_point(project, "Planted restricted marker Zebra-Nine for the release gate.")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", "-C", str(project), "-a", "liaison,press,principal", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    liaison = "\n".join(p.extract_text() for p in pypdf.PdfReader(out / "liaison.pdf").pages)
    assert "Zebra-Nine" in liaison and "RESTRICTED" in liaison
    for audience in ("press", "principal"):
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(out / f"{audience}.pdf").pages)
        assert "Zebra-Nine" not in text and "RESTRICTED" not in text
        assert b"Zebra-Nine" not in (out / f"{audience}.html").read_bytes()
