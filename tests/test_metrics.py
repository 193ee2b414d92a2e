"""Text metrics: widths read from the bundled font files with fontTools, cached, any script."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from briefings.errors import RenderError
from briefings.figures import metrics
from briefings.figures.metrics import FONT_FILES, font_path, load_face, text_width, wrap

REPO = Path(__file__).resolve().parent.parent
FONTS = REPO / "templates" / "fonts"


def _fonttools_width(file: str, text: str, size: float) -> float:
    """The width fontTools itself gives: each character's glyph advance, over units per em."""
    font = TTFont(FONTS / file)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    notdef = font.getGlyphOrder()[0]
    units = sum(hmtx[cmap.get(ord(c), notdef)][0] for c in text)
    return units * size / font["head"].unitsPerEm


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("Montenegro signs its NATO accession protocol", "regular"),
        ("Information date, 25 November 2016", "italic"),
        ("Bosnia and Herzegovina", "bold"),
        ("Nikolić, Đukanović, Vučić", "regular"),
        ("Србија и Црна Гора", "regular"),  # Serbian Cyrillic
        ("Северна Македонија — Скопје", "bold-italic"),
        ("Ελλάδα", "italic"),  # Greek
    ],
)
def test_widths_match_fonttools(text, style):
    expected = _fonttools_width(FONT_FILES[style], text, 19.0)
    assert text_width(text, 19.0, style) == pytest.approx(expected, abs=1e-9)


def test_the_measuring_fonts_are_the_ones_the_svgs_name():
    css = (FONTS / "fonts.css").read_text(encoding="utf-8")
    sans = css[css.index('font-family: "Briefing Sans"') :]
    for file in FONT_FILES.values():
        assert f'url("{file}")' in sans, file


def test_a_wide_string_is_wider_than_a_narrow_one():
    assert text_width("WWWW", 10) > text_width("iiii", 10) * 3
    assert text_width("ШШШШ", 10) > text_width("іііі", 10) * 3
    assert text_width("Macedonia", 10, "bold") > text_width("Macedonia", 10)
    assert text_width("Macedonia", 20) == pytest.approx(2 * text_width("Macedonia", 10))
    assert text_width("", 10) == 0


def test_a_character_the_font_lacks_counts_as_notdef():
    face = load_face(font_path("regular"))
    assert 0x4E2D not in face.advances  # 中: Source Sans 3 has no CJK
    notdef = TTFont(FONTS / FONT_FILES["regular"])["hmtx"][".notdef"][0] / 1000
    assert face.notdef == pytest.approx(notdef)
    assert text_width("中", 10) == pytest.approx(10 * notdef)


def test_no_hard_coded_width_tables_remain():
    source = Path(metrics.__file__).read_text(encoding="utf-8")
    assert len(source.splitlines()) < 150
    assert not re.search(r"\d{3},\s*\d{3},", source)  # no runs of advance widths
    assert not re.search(r"[\"'].[\"']:\s*\d{3}", source)  # no per-character entries


def test_each_font_file_is_read_once():
    path = font_path("italic")
    first = load_face(path)
    before = metrics._read_face.cache_info()
    assert load_face(path) is first
    text_width("again", 10, "italic")
    assert metrics._read_face.cache_info().misses == before.misses


def test_a_project_font_folder_comes_first_and_a_changed_file_is_reread(tmp_path):
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(FONTS / FONT_FILES["regular"], folder / FONT_FILES["regular"])
    assert font_path("regular", folder) == folder / FONT_FILES["regular"]
    assert font_path("bold", folder) == FONTS / FONT_FILES["bold"]  # not there: the shipped one
    regular = text_width("Albania", 10, fonts=folder)
    assert regular == pytest.approx(text_width("Albania", 10))
    # Replace the file (here with the bold face): the next measure reads the new widths.
    target = folder / FONT_FILES["regular"]
    shutil.copy(FONTS / FONT_FILES["bold"], target)
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert text_width("Albania", 10, fonts=folder) == pytest.approx(
        text_width("Albania", 10, "bold")
    )


def test_a_missing_font_is_an_error_that_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(metrics, "shipped_fonts", lambda: None)
    with pytest.raises(RenderError) as caught:
        text_width("x", 10, fonts=tmp_path)
    assert str(caught.value) == (
        f"SourceSans3-Regular.ttf: font file not found in {tmp_path}; the figures measure their "
        "text with it (restore templates/fonts from the shipped templates)"
    )
    with pytest.raises(ValueError, match="unknown style 'heavy'"):
        text_width("x", 10, "heavy")


def test_wrap_measures_in_the_style_given():
    text = "Montenegro expected to join NATO once all allies have ratified"
    lines = wrap(text, 300, 19, "bold")
    assert " ".join(lines) == text
    assert all(text_width(line, 19, "bold") <= 300 for line in lines)
    assert len(lines) >= len(wrap(text, 300, 19))
