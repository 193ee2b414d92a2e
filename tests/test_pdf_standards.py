"""PDF standards: every PDF is tagged PDF/UA-1 by default (structure checked with pypdf), and
PDF/A-3B on request, from the command line or an audience's profile."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from briefings.cli import cli

AUDIENCES = ("principal", "staff", "liaison", "press", "talking-points")


def elements(node: Any, found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every structure element under node, in document order, as (type, element)."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for kid in node:
            elements(kid, found)
    elif hasattr(node, "keys"):
        if "/S" in node:
            found.append((str(node["/S"]), node))
        if "/K" in node:
            elements(node["/K"], found)
    return found


def xmp(reader: pypdf.PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_pdf_is_tagged_pdf_ua(built_book: Path, audience: str) -> None:
    reader = pypdf.PdfReader(built_book / f"{audience}.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    metadata = xmp(reader)
    assert 'pdfuaid:part="1"' in metadata
    assert f'<rdf:li xml:lang="x-default">{reader.metadata.title}</rdf:li>' in metadata
    assert "Briefings" not in (reader.metadata.title or "")  # the document's own title


@pytest.mark.parametrize("audience", AUDIENCES)
def test_headings_come_in_order_without_skipping_a_level(built_book: Path, audience: str) -> None:
    tree = pypdf.PdfReader(built_book / f"{audience}.pdf").trailer["/Root"]["/StructTreeRoot"]
    levels = [int(kind[2]) for kind, _ in elements(tree, []) if re.fullmatch(r"/H[1-6]", kind)]
    assert levels and levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (audience, levels)


@pytest.mark.parametrize("audience", ["staff", "liaison"])
def test_every_figure_has_alternative_text(built_book: Path, audience: str) -> None:
    tree = pypdf.PdfReader(built_book / f"{audience}.pdf").trailer["/Root"]["/StructTreeRoot"]
    figures = [node for kind, node in elements(tree, []) if kind == "/Figure"]
    assert figures
    for figure in figures:
        assert str(figure.get("/Alt", "")).strip(), figure


def test_pdf_a_3b_on_request_embeds_every_font(project: Path) -> None:
    args = ["build", "-C", str(project), "-a", "principal", "-f", "pdf", "--strict"]
    result = CliRunner().invoke(cli, [*args, "--pdf-variant", "pdf/a-3b"])
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(project / "output" / "principal.pdf")
    metadata = xmp(reader)
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts += 1
    assert fonts


def test_an_audience_profile_chooses_its_variant(project: Path) -> None:
    profile = project / "templates" / "talking-points" / "audience.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "pdf_variant: none\n", "utf-8")
    args = ["build", "-C", str(project), "-a", "talking-points", "-f", "pdf"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    root = pypdf.PdfReader(project / "output" / "talking-points.pdf").trailer["/Root"]
    assert "/StructTreeRoot" not in root
    forced = CliRunner().invoke(cli, [*args, "--pdf-variant", "pdf/ua-1"])
    assert forced.exit_code == 0
    root = pypdf.PdfReader(project / "output" / "talking-points.pdf").trailer["/Root"]
    assert "/StructTreeRoot" in root


def test_an_unknown_variant_is_a_usage_error(project: Path) -> None:
    args = ["build", "-C", str(project), "-a", "principal", "--pdf-variant", "pdf/a-3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "unknown PDF variant 'pdf/a-3'. Did you mean 'pdf/a-3b'?" in result.output
