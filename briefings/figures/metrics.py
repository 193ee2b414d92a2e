"""Text metrics: a string, a size and a style → its width in the bundled sans, read from the font.

The SVG figures set their text in "Briefing Sans", which ``fonts/fonts.css`` maps to Source Sans
3; to wrap and place that text, its width is measured here from the same TrueType files, with
fontTools: each character's glyph through the font's cmap, its advance from ``hmtx``, scaled by
the font's units per em. Any script the font covers is measured (Latin, Greek, Cyrillic); a
character the font lacks counts as the font's ``.notdef`` advance (a box wider than an average
letter, so wrapping errs on the safe side where the renderer substitutes another font).
Kerning (GPOS) is ignored: it mostly tightens, so a measured width is a slight overestimate.

The files are looked up in a font folder given by the caller (the project's ``templates/fonts``)
and then in the shipped templates' ``fonts``; each file is read once per change (a cache keyed on
its path, size and modification time).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import BriefingError, RenderError

FONT_FILES: dict[str, str] = {
    "regular": "SourceSans3-Regular.ttf",
    "italic": "SourceSans3-It.ttf",
    "bold": "SourceSans3-Bold.ttf",
    "bold-italic": "SourceSans3-BoldIt.ttf",
}


@dataclass(frozen=True)
class Face:
    """The advance widths of one font file, in ems."""

    path: Path
    advances: dict[int, float]  # code point -> advance in ems
    notdef: float  # advance of .notdef in ems: the width of a character the font lacks

    def width(self, text: str) -> float:
        """Return the advance width of text in ems (no kerning)."""
        advances, notdef = self.advances, self.notdef
        return sum(advances.get(ord(char), notdef) for char in text)


def shipped_fonts() -> Path | None:
    """Return the shipped templates' font folder, or None where it is not installed."""
    from ..scaffold import shipped_templates  # the one place that knows where they live

    try:
        return shipped_templates() / "fonts"
    except BriefingError:  # a package installed without its templates
        return None


def font_path(style: str = "regular", folder: Path | None = None) -> Path:
    """Return the file of the sans in style, from folder if it has it, else the shipped one."""
    try:
        name = FONT_FILES[style]
    except KeyError:
        raise ValueError(f"unknown style {style!r}; expected {'|'.join(FONT_FILES)}") from None
    folders = [f for f in (folder, shipped_fonts()) if f is not None]
    for candidate in folders:
        if (candidate / name).is_file():
            return candidate / name
    where = " or ".join(str(f) for f in folders) or "the shipped templates"
    raise RenderError(
        f"{name}: font file not found in {where}; the figures measure their text with it "
        "(restore templates/fonts from the shipped templates)"
    )


def load_face(path: Path) -> Face:
    """Return the advance widths of the font file at path, read once until the file changes."""
    stat = path.stat()
    return _read_face(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_face(path: Path, size: int, mtime_ns: int) -> Face:
    import io

    from fontTools.ttLib import TTFont, TTLibError

    from ..fonts import MAX_FONT_BYTES, read_font

    if size > MAX_FONT_BYTES:
        raise RenderError(f"{path}: font file is {size:,} bytes; the limit is {MAX_FONT_BYTES:,}")
    try:
        with TTFont(io.BytesIO(read_font(path)), lazy=True) as font:
            per_em = float(font["head"].unitsPerEm)
            metrics = font["hmtx"].metrics
            advances = {
                code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()
            }
            notdef = metrics[font.getGlyphOrder()[0]][0] / per_em
    except (OSError, KeyError, TTLibError) as exc:
        raise RenderError(f"{path}: cannot read the font's widths ({exc})") from None
    return Face(path, advances, notdef)


def text_width(
    text: str, size: float, style: str = "regular", *, fonts: Path | None = None
) -> float:
    """Width of text set in the bundled sans at size (any unit), in style (see ``FONT_FILES``)."""
    return load_face(font_path(style, fonts)).width(text) * size


def wrap(
    text: str, width: float, size: float, style: str = "regular", *, fonts: Path | None = None
) -> list[str]:
    """Break text at spaces into lines no wider than width (a single long word stays whole)."""
    face = load_face(font_path(style, fonts))
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and face.width(candidate) * size > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
