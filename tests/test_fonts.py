"""Fonts: every script the region needs in bundled fonts, light screen HTML, coverage warnings."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from conftest import REPO, copy_project
from fontTools.ttLib import TTFont

from briefings import build, fontcache, fonts
from briefings.cli import cli

FONTS = REPO / "templates" / "fonts"
AUDIENCES = ("liaison", "press", "principal", "staff", "talking-points")
MAX_HTML = 400_000  # bytes, each audience's standalone HTML
NAMES = ("ישראל", "Ελλάδα", "Србија", "ђ ј љ њ ћ џ")
SCRIPTS = """title: Names in their own scripts
summary:
  text: Place names written in Hebrew, Greek and Serbian Cyrillic.
  marking: public
order: 90
points:
  - id: names
    kind: fact
    headline: "Israel (ישראל), Greece (Ελλάδα) and Serbia (Србија) keep their own scripts."
    body: |
      In Hebrew the country is ישראל; in Greek, Ελλάδα; in Serbian Cyrillic, Србија, whose
      alphabet has the letters ђ ј љ њ ћ џ (Ђорђе, Јован, Љубовија, Његош, Ћуприја, Џеп).
    priority: 1
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [1]
    as_of: 2016-11-25
"""
THAI = """
  - id: thai
    kind: fact
    headline: "Thailand is ก, and a smile is 😀."
    priority: 2
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [1]
    as_of: 2016-11-25
"""
SELECT = ("-a", "staff", "-t", "scripts")


def scripts_project(target: Path, extra: str = "") -> Path:
    root = copy_project(target)
    (root / "content" / "scripts.yaml").write_text(SCRIPTS + extra, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def scripts_build(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The staff briefing of one topic whose point quotes Hebrew, Greek and Serbian names."""
    root = scripts_project(tmp_path_factory.mktemp("scripts") / "project")
    result = build(root, audiences=["staff"], topics=["scripts"], jobs=1)
    return root / "output", result


def pdf_fonts(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get_object().get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def inlined_faces(html: str) -> list[tuple[str, TTFont]]:
    """Each @font-face of a page: its family and its decoded font."""
    found = []
    for rule in re.findall(r"@font-face\s*\{[^}]*\}", html):
        family = re.search(r'font-family:\s*"([^"]+)"', rule)
        data = re.search(r'url\("data:font/woff2;base64,([^"]+)"\) format\("woff2"\)', rule)
        assert family and data, rule[:200]
        found.append((family.group(1), TTFont(io.BytesIO(base64.b64decode(data.group(1))))))
    return found


def assert_subsets_draw(html: str) -> None:
    """Every face is a renamed subset, and together they draw every character of the text."""
    faces = inlined_faces(html)
    assert faces
    drawn: set[int] = set()
    for family, font in faces:
        assert font.flavor == "woff2"
        assert len(font.getGlyphOrder()) < 400, family  # the whole files hold 900 to 2,100
        names = {r.nameID: r.toUnicode() for r in font["name"].names}
        assert names[1] == family
        for name_id in (1, 3, 4, 6):
            assert "Source" not in names[name_id] and "Noto" not in names[name_id], names
        assert "Adobe" in names[0] or "Google" in names[0]  # the copyright notice stays
        drawn |= set(font.getBestCmap())
    text = fonts.page_text(html)
    missing = {c for c in text if ord(c) not in drawn and not c.isspace()}
    assert not missing, sorted(missing)


# --- a page in three scripts ------------------------------------------------------------------


def test_hebrew_greek_and_serbian_names_build_without_a_warning(scripts_build) -> None:  # type: ignore[no-untyped-def]
    _, result = scripts_build
    assert result.warnings == []


def test_the_pdf_embeds_only_bundled_fonts_and_holds_the_names(scripts_build) -> None:  # type: ignore[no-untyped-def]
    out, _ = scripts_build
    reader = pypdf.PdfReader(out / "staff.pdf")
    names = pdf_fonts(reader)
    for name in names:
        assert name.startswith(("Briefing-Serif", "Briefing-Sans")), names
    assert {"Briefing-Serif-Hebrew", "Briefing-Sans-Hebrew-Bold"} <= names  # body, headline
    text = "\n".join(page.extract_text() for page in reader.pages)
    for word in NAMES:
        assert word in text, word


def test_the_html_inlines_subsets_that_draw_all_three_scripts(scripts_build) -> None:  # type: ignore[no-untyped-def]
    out, _ = scripts_build
    html = (out / "staff.html").read_text(encoding="utf-8")
    assert len(html.encode()) <= MAX_HTML
    for word in NAMES:
        assert word in html
    families = {family for family, _ in inlined_faces(html)}
    assert {"Briefing Serif Hebrew", "Briefing Sans Hebrew"} <= families
    assert_subsets_draw(html)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_shipped_audience_html_is_light_and_its_fonts_draw_its_text(
    built_book: Path, audience: str
) -> None:
    data = (built_book / f"{audience}.html").read_bytes()
    assert len(data) <= MAX_HTML, f"{audience}.html: {len(data)} bytes"
    assert b"data:font/ttf" not in data  # no whole font file any more
    assert_subsets_draw(data.decode("utf-8"))


# --- a character no bundled font has ----------------------------------------------------------


def test_a_character_no_font_has_warns_and_fails_strict(tmp_path: Path) -> None:
    root = scripts_project(tmp_path / "project", THAI)
    first = CliRunner().invoke(cli, ["build", "-C", str(root), *SELECT, "-f", "html"])
    assert first.exit_code == 0, first.output
    thai = (
        "staff: no bundled font has U+0E01 THAI CHARACTER KO KAI ('ก'), in scripts.thai; it "
        "would print in a font of the machine or as a box: add a font that covers it to "
        "fonts/fonts.css"
    )
    assert thai in first.output
    assert "U+1F600 GRINNING FACE ('😀'), in scripts.thai;" in first.output
    out = root / "output"
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    strict = CliRunner().invoke(cli, ["build", "-C", str(root), *SELECT, "-f", "html", "--strict"])
    assert strict.exit_code == 1
    assert "Error: 2 warning(s) with --strict; nothing was written:" in strict.output
    assert f"  {thai}" in strict.output
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_rebuild_takes_the_subsets_from_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = scripts_project(tmp_path / "project")
    options = {"audiences": ["staff"], "topics": ["scripts"], "formats": ["html"], "jobs": 1}
    build(root, **options)
    first = (root / "output" / "staff.html").read_bytes()
    cached = list((root / "output" / fontcache.CACHE_FOLDER).glob("*.woff2"))
    assert len(cached) == 12  # 8 Source faces, 4 Hebrew
    monkeypatch.setattr(fontcache, "_MEMORY", {})

    def refuse(*args: object) -> bytes:
        raise AssertionError("subset again")

    monkeypatch.setattr(fonts, "subset_font", refuse)
    build(root, force=True, **options)
    assert (root / "output" / "staff.html").read_bytes() == first


# --- the parts --------------------------------------------------------------------------------


def test_page_characters_hold_the_text_generated_strings_both_cases_and_markers() -> None:
    html = (
        "<html><head><title>Ω</title><style>p{}</style></head>"
        "<body><p>Straße &amp; Ά<svg><title>Ж</title><text>Ђ</text></svg></p></body></html>"
    )
    css = '/* "Ѯ" */ .a::before { content: "\\2014 Page " counter(page) " \\201c"; }'
    assert fonts.page_text(html) == "Straße & ΆЂ"
    assert fonts.css_strings(css) == "—Page  “"
    chars = fonts.page_characters(html, css)
    for char in "STRASSEstraße&ΆάΑЂђ—“•◦0123456789abcdefghijklmnopqrstuvwxyzXYZ":
        assert ord(char) in chars, char
    for char in "ΩЖѮ":  # a title, an SVG title, a comment: never drawn
        assert ord(char) not in chars, char


def test_a_subset_is_renamed_keeps_its_features_and_is_deterministic() -> None:
    data = (FONTS / "SourceSerif4-Regular.ttf").read_bytes()
    wanted = frozenset(map(ord, "Office fi ffl Србија Ђ"))
    first = fonts.subset_font(data, wanted, "Briefing Serif", ())
    assert fonts.subset_font(data, wanted, "Briefing Serif", ()) == first
    font = TTFont(io.BytesIO(first))
    names = {r.nameID: r.toUnicode() for r in font["name"].names}
    assert (names[1], names[4], names[6]) == (
        "Briefing Serif",
        "Briefing Serif",
        "BriefingSerif-Regular",
    )
    assert "Reserved Font Name" in names[0]
    assert set(font.getBestCmap()) == wanted
    gsub = {f.FeatureTag for f in font["GSUB"].table.FeatureList.FeatureRecord}
    gpos = {f.FeatureTag for f in font["GPOS"].table.FeatureList.FeatureRecord}
    assert {"liga", "locl"} <= gsub and "kern" in gpos
    assert len(font.getGlyphOrder()) > len(wanted)  # ligatures and Serbian forms came along


def test_a_face_without_characters_on_the_page_is_left_out() -> None:
    rules = re.findall(r"@font-face\s*\{[^}]*\}", (FONTS / "fonts.css").read_text("utf-8"))
    css = "\n".join(r for r in rules if "SourceSans3-Regular" in r or "Hebrew" in r)
    latin = fonts.page_characters("<p>Belgrade</p>", "")
    inlined = fonts.inline_fonts(css, FONTS, latin, fontcache.FontCache(), ())
    assert inlined.count("@font-face") == 1 and "Hebrew" not in inlined
    hebrew = fonts.inline_fonts(css, FONTS, latin | {ord("ש")}, fontcache.FontCache(), ())
    assert hebrew.count("@font-face") == 5 and ".ttf" not in hebrew


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    face = fonts.Face("Briefing Sans Hebrew", FONTS / "NotoSansHebrew-Regular.ttf")
    wanted = frozenset(map(ord, "ישראל"))
    cache = fontcache.FontCache(tmp_path / "cache")
    made = fonts.subset_face(face, wanted, (), cache)
    for path, data in fontcache.cache_files([cache]).items():
        path.write_bytes(data)
    (entry,) = (tmp_path / "cache").iterdir()
    monkeypatch.setattr(fontcache, "_MEMORY", {})
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    again = fontcache.FontCache(tmp_path / "cache")
    assert fonts.subset_face(face, wanted, (), again) == made  # made anew, no crash
    assert list(again.fresh.values()) == [made]


def test_pruning_keeps_what_the_build_used_and_drops_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fontcache, "CACHE_ENTRIES", 2)
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.woff2").write_bytes(b"x")
    (tmp_path / ".briefing-tmp-1.woff2").write_bytes(b"half")
    fontcache.prune_cache(tmp_path, keep={"c", "d"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.woff2", "d.woff2"]
