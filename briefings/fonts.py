"""Fonts: a stylesheet's ``@font-face`` rules + the text of a page → the fonts it points at.

For print, each font URL becomes the bundled file's own address (WeasyPrint subsets what it
embeds). For the screen, each face is cut down with HarfBuzz to the characters the page can
show (its text, the strings the stylesheet generates, both cases of every letter) with the
layout features shaping needs, renamed after its CSS family (the OFL's Reserved Font Names stay
off modified fonts) and inlined as WOFF2; a face none of whose characters are on the page is
left out; ``fontcache`` keeps the subsets made. The page's characters that no face covers become
warnings.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .errors import TemplateError
from .fontcache import FontCache
from .model import Briefing

_CMAPS: dict[str, frozenset[int]] = {}
MAX_FONT_BYTES = 32 * 1024 * 1024  # a font with every CJK glyph is ~20 MB; the bundled are < 2 MB
_FORMAT = "briefings-subset-4"  # change when the subsetting options change
_FONT_URL = re.compile(
    r"""url\(\s*["']?([^"')]+\.(?:ttf|otf|woff2?))["']?\s*\)(\s*format\(\s*["']?[\w-]+["']?\s*\))?"""
)
_FACE = re.compile(r"@font-face\s*\{[^{}]*\}", re.IGNORECASE)
_FAMILY = re.compile(r"""font-family\s*:\s*(?:"([^"]*)"|'([^']*)'|([^;}]*))""", re.IGNORECASE)
_RANGE = re.compile(r"unicode-range\s*:\s*([^;}]*)", re.IGNORECASE)
_STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""", re.DOTALL)
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
# Characters a browser may draw that the text does not hold: list markers, quotes, hyphens.
_ALWAYS = frozenset(map(chr, range(0x20, 0x7F))) | frozenset("\u00a0•◦▪“”‘’«»‹›„‚…‐–—")
# CSS keywords (font-variant-*) that switch on a layout feature beyond fontTools' defaults.
_VARIANT_FEATURES = {
    "small-caps": "smcp", "all-small-caps": "smcp c2sc", "petite-caps": "pcap",
    "all-petite-caps": "pcap c2pc", "titling-caps": "titl", "unicase": "unic",
    "oldstyle-nums": "onum", "lining-nums": "lnum", "tabular-nums": "tnum",
    "proportional-nums": "pnum", "diagonal-fractions": "frac", "stacked-fractions": "afrc",
    "ordinal": "ordn", "slashed-zero": "zero", "discretionary-ligatures": "dlig",
    "historical-ligatures": "hlig", "historical-forms": "hist", "super": "sups", "sub": "subs",
}  # fmt: skip
_SILENT = {"Cc", "Cf", "Zl", "Zp"}  # controls and format characters draw no glyph


@dataclass(frozen=True)
class Face:
    """One font file a stylesheet names, the CSS family it serves and its unicode-range."""

    family: str
    path: Path
    ranges: tuple[tuple[int, int], ...] | None = None

    def covers(self) -> frozenset[int]:
        """The code points this face draws: its cmap, within its unicode-range."""
        return frozenset(cp for cp in _cmap(self.path) if _in_ranges(cp, self.ranges))


def print_fonts(css: str, folder: Path) -> str:
    """Point every font URL of a stylesheet at its bundled file, for WeasyPrint."""

    def point(match: re.Match[str]) -> str:
        path = resolve_font(folder, match.group(1))
        return f'url("{path.as_uri()}"){match.group(2) or ""}'

    return _FONT_URL.sub(point, css)


def inline_fonts(
    css: str,
    folder: Path,
    characters: frozenset[int] | None,
    cache: FontCache,
    features: tuple[str, ...],
) -> str:
    """Inline every face of a stylesheet as a WOFF2 subset; leave out faces the page lacks.
    With no ``characters``, inline each font file whole."""

    def face_rule(match: re.Match[str]) -> str:
        rule = match.group(0)
        family, ranges = _family(rule), _ranges(rule)
        drawn = False

        def inline(url: re.Match[str]) -> str:
            nonlocal drawn
            face = Face(family, resolve_font(folder, url.group(1)), ranges)
            if characters is None:
                drawn = True
                return _data_url(face.path)
            wanted = characters & face.covers()
            drawn = drawn or bool(wanted)
            data = subset_face(face, wanted, features, cache) if wanted else b""
            return (
                f'url("data:font/woff2;base64,{base64.b64encode(data).decode()}") format("woff2")'
            )

        rule = _FONT_URL.sub(inline, rule)
        return rule if drawn else ""

    css = _FACE.sub(face_rule, css)
    return _FONT_URL.sub(face_rule, css)  # a font URL outside any @font-face rule


def _data_url(path: Path) -> str:
    """A whole font file as a ``data:`` URL, with its format."""
    kind = {"ttf": "truetype", "otf": "opentype", "woff": "woff", "woff2": "woff2"}
    suffix = path.suffix.lstrip(".").lower()
    data = base64.b64encode(read_font(path)).decode()
    return f'url("data:font/{suffix};base64,{data}") format("{kind[suffix]}")'


def faces(sheets: Iterable[tuple[Path, str]]) -> list[Face]:
    """Every font file the stylesheets name, with its family and unicode-range."""
    found = []
    for folder, css in sheets:
        for rule in _FACE.findall(css):
            family, ranges = _family(rule), _ranges(rule)
            for url in _FONT_URL.finditer(rule):
                found.append(Face(family, resolve_font(folder, url.group(1)), ranges))
    return found


def resolve_font(folder: Path, name: str) -> Path:
    """The font file a stylesheet names, which must lie inside the stylesheet's folder and be
    no larger than a font (judged before it is read)."""
    try:
        path = (folder / name).resolve()
        found = path.is_relative_to(folder.resolve()) and path.is_file()
        size = path.stat().st_size if found else 0
    except (OSError, RuntimeError):
        found = False
    if not found:
        raise TemplateError(f"{folder / name}: font file not found inside its template folder")
    if size > MAX_FONT_BYTES:
        raise TemplateError(
            f"{folder / name}: font file is {size:,} bytes; the limit is {MAX_FONT_BYTES:,}"
        )
    return path


def read_font(path: Path) -> bytes:
    """A font file's bytes, no more than ``MAX_FONT_BYTES`` (it may have grown since)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FONT_BYTES + 1)
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read the font file ({exc.strerror})") from None
    if len(data) > MAX_FONT_BYTES:
        raise TemplateError(f"{path}: font file is larger than {MAX_FONT_BYTES:,} bytes")
    return data


def page_characters(html: str, css: str) -> frozenset[int]:
    """The code points a browser may draw for a page: its text and the stylesheet's strings,
    both cases of every letter (for text-transform), list markers and quotes."""
    text = set(page_text(html) + css_strings(css)) | _ALWAYS
    for char in list(text):
        for form in (char.upper(), char.lower(), char.title()):
            text.update(form)
            text.update(unicodedata.normalize("NFD", c)[0] for c in form)  # Greek capitals
    if text & set("Σσς"):
        text.update("Σσς")
    return frozenset(ord(c) for c in text)


def css_features(css: str) -> tuple[str, ...]:
    """Layout features a stylesheet asks for beyond those every subset keeps."""
    tags = set()
    for word in re.findall(r"[a-z][a-z-]+", css):
        tags.update(_VARIANT_FEATURES.get(word, "").split())
    for settings in re.findall(r"font-feature-settings\s*:([^;}]*)", css):
        tags.update(re.findall(r"""["']([\x20-\x7e]{4})["']""", settings))
    return tuple(sorted(tags))


def coverage_warnings(text: str, faces: list[Face], briefing: Briefing) -> list[str]:
    """Name each character of the page that no bundled font has, and where it is; the letters
    of one script found in the same places make one warning."""
    covered: set[int] = set()
    for face in faces:
        covered |= face.covers()
    groups: dict[tuple[str, ...], list[str]] = {}
    for char in sorted({c for c in text if ord(c) not in covered and not _silent(c)}):
        script = unicodedata.name(char, "?").split()[0]
        groups.setdefault((script, *_places(char, briefing)), []).append(char)
    return [_missing_warning(chars, list(key[1:])) for key, chars in groups.items()]


def page_text(html: str) -> str:
    """The text a page shows: its body's text nodes, without styles, scripts or SVG titles."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def css_strings(css: str) -> str:
    """Every quoted string of a stylesheet, escapes decoded (``content:`` text among them)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return "".join(_unescape(a or b) for a, b in _STRING.findall(css))


def subset_face(
    face: Face, codepoints: frozenset[int], features: tuple[str, ...], cache: FontCache
) -> bytes:
    """Return the face cut down to the code points, from the cache when it has it."""
    data = read_font(face.path)
    key = _key(data, face.family, codepoints, features)

    def make() -> bytes:
        try:
            return subset_font(data, codepoints, face.family, features)
        except Exception as exc:  # HarfBuzz's or fontTools' failures, on a font read but not cut
            raise TemplateError(f"{face.path}: could not cut it down ({exc})") from None

    return cache.get(key, make)


def subset_font(
    data: bytes, codepoints: frozenset[int], family: str, features: tuple[str, ...]
) -> bytes:
    """Cut a font down to the code points, keep the layout features shaping needs, name it after
    the CSS family, and return it as WOFF2. Deterministic: no timestamp is touched.

    HarfBuzz cuts (``hb-subset``, through uharfbuzz, which carries its own HarfBuzz so a cut is
    the same on every machine): a face takes about a millisecond where fontTools' subsetter
    took 0.1-0.5 s, reading every lookup of the layout tables. fontTools then renames the cut
    and writes it as WOFF2.
    """
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.woff2 import WOFF2FlavorData

    wanted = hb.SubsetInput()
    wanted.unicode_set.update(codepoints)
    wanted.layout_feature_tag_set.update(_tag(feature) for feature in features)
    wanted.name_id_set.update(range(15))  # the copyright, trademark and licence notices among them
    wanted.flags = hb.SubsetFlags.NOTDEF_OUTLINE
    cut = hb.subset(hb.Face(data), wanted)
    if cut is None:
        raise ValueError("HarfBuzz could not subset it")
    font = TTFont(io.BytesIO(cut.blob.data), recalcTimestamp=False, lazy=True)
    _rename(font, family)
    out = io.BytesIO()
    font.flavor = "woff2"
    # The tables to transform; none: glyf and loca stored as they are (the null transform).
    font.flavorData = WOFF2FlavorData(transformedTables=WOFF2_TRANSFORMED)
    with _brotli_quality(WOFF2_QUALITY):
        font.save(out)
    return out.getvalue()


# How the WOFF2 is written, measured on the book's five pages (eight faces each, CPU seconds for
# all 40 cuts, bytes of WOFF2):
#   glyph transform, Brotli 10                         1.99 s  529,672 B
#   glyph transform, Brotli 5                          0.92 s  573,092 B
#   stored as they are, Brotli 10                      1.19 s  590,924 B
#   stored as they are, Brotli 5                       0.13 s  630,276 B
# (stored as they are, Brotli 6-8: 0.14-0.17 s, 628,600-629,904 B; Brotli 4: 655,936 B). Brotli
# 11, fontTools' default, took 1.6 times as long as 10 on staff's faces.
# The glyph transform is fontTools' Python, and Brotli's qualities 10 and 11 are its slow
# search. Without both, a page's fonts are made fifteen times faster for a fifth more bytes
# (about 27 KB of base64 on a page); the null transform is in the WOFF2 specification and
# the reference decoder browsers use.
WOFF2_QUALITY = 5
WOFF2_TRANSFORMED: tuple[str, ...] = ()


@contextmanager
def _brotli_quality(quality: int) -> Iterator[None]:
    """Make fontTools' WOFF2 writer compress at ``quality`` (it gives Brotli no quality of its
    own) while inside; the module it calls is put back afterwards."""
    from fontTools.ttLib import woff2

    module = woff2.brotli

    class AtQuality:
        MODE_FONT = module.MODE_FONT
        MODE_TEXT = module.MODE_TEXT
        decompress = staticmethod(module.decompress)

        @staticmethod
        def compress(data: bytes, mode: int = module.MODE_GENERIC) -> bytes:
            return bytes(module.compress(data, mode=mode, quality=quality))

    woff2.brotli = AtQuality
    try:
        yield
    finally:
        woff2.brotli = module


def _tag(feature: str) -> int:
    """An OpenType tag ('smcp') as the integer HarfBuzz takes."""
    return int.from_bytes(feature.ljust(4)[:4].encode("ascii"), "big")


def _rename(font: Any, family: str) -> None:
    """Name a modified font after the family the stylesheet gives it, never its original name."""
    table = font["name"]
    style = table.getDebugName(2) or "Regular"
    postscript = "".join(c for c in family if c.isascii() and c.isalnum()) or "Briefing"
    postscript += "-" + "".join(c for c in style if c.isascii() and c.isalnum())
    full = family if style == "Regular" else f"{family} {style}"
    for name_id in (1, 3, 4, 6, 16, 17, 18, 21, 22, 25):
        table.removeNames(nameID=name_id)
    for name_id, value in ((1, family), (3, postscript), (4, full), (6, postscript)):
        table.setName(value, name_id, 3, 1, 0x409)


def _key(data: bytes, family: str, codepoints: frozenset[int], features: tuple[str, ...]) -> str:
    import fontTools
    import uharfbuzz

    try:
        import brotli  # type: ignore[import-untyped]
    except ImportError:  # then WOFF2 fails, with fontTools' own message
        brotli = None
    brotli_version = getattr(brotli, "__version__", "none")
    versions = (
        f"{_FORMAT} HarfBuzz {uharfbuzz.version_string()} uharfbuzz {uharfbuzz.__version__} "
        f"fontTools {fontTools.version} brotli {brotli_version} quality {WOFF2_QUALITY} "
        f"transformed {','.join(WOFF2_TRANSFORMED) or 'none'}"
    )
    font = hashlib.sha256(data).hexdigest()
    text = json.dumps([versions, font, family, list(features), sorted(codepoints)])
    return hashlib.sha256(text.encode()).hexdigest()


def _cmap(path: Path) -> frozenset[int]:
    """The code points a font file maps, read once per content."""
    from fontTools.ttLib import TTFont, TTLibError

    data = read_font(path)
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _CMAPS:
        try:
            _CMAPS[digest] = frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap() or ())
        except (TTLibError, OSError, ValueError, KeyError, AssertionError, struct.error) as exc:
            raise TemplateError(f"{path}: not a font file fontTools can read ({exc})") from None
    return _CMAPS[digest]


def _family(rule: str) -> str:
    match = _FAMILY.search(rule)
    name = next((g for g in match.groups() if g is not None), "") if match else ""
    return name.strip() or "Briefing Font"


def _ranges(rule: str) -> tuple[tuple[int, int], ...] | None:
    """The code points of an @font-face rule's unicode-range (None: every code point)."""
    match = _RANGE.search(rule)
    if match is None:
        return None
    ranges = []
    for token in match.group(1).split(","):
        found = re.fullmatch(r"\s*[uU]\+([0-9a-fA-F?]{1,6})(?:-([0-9a-fA-F]{1,6}))?\s*", token)
        if found:
            start, end = found.group(1), found.group(2)
            low = int(start.replace("?", "0"), 16)
            high = int(end, 16) if end else int(start.replace("?", "F"), 16)
            ranges.append((low, high))
    return tuple(ranges)


def _in_ranges(cp: int, ranges: tuple[tuple[int, int], ...] | None) -> bool:
    return ranges is None or any(low <= cp <= high for low, high in ranges)


def _unescape(text: str) -> str:
    def char(match: re.Match[str]) -> str:
        if match.group(1):
            cp = int(match.group(1), 16)
            return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else "\ufffd"
        return "" if match.group(2) == "\n" else match.group(2)

    return _ESCAPE.sub(char, text)


def _silent(char: str) -> bool:
    cp = ord(char)
    return (
        unicodedata.category(char) in _SILENT
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF  # variation selectors
    )


def _places(char: str, briefing: Briefing) -> list[str]:
    """Where in the briefing a character occurs: points by ``topic.point``, else the part."""

    def has(value: Any) -> bool:
        return char in json.dumps(value.model_dump(mode="json"), ensure_ascii=False)

    places = [p.ref for p in briefing.points() if has(p)]
    for section in briefing.sections:
        if char in section.title or (section.summary and char in section.summary.text):
            places.append(f"topic {section.id} (title or summary)")
    places += [f"seed {seed.id}" for seed in briefing.seeds if has(seed)]
    if has(briefing.settings):
        places.append("briefing.yaml")
    if has(briefing.audience):
        places.append(f"{Path(briefing.audience.folder).name}/audience.yaml")
    for name in ("front", "country_data"):
        value = getattr(briefing, name, None)
        if value is not None and has(value):
            places.append(f"the briefing's {name.replace('_', ' ')}")
    return places or ["a template or stylesheet"]


def _missing_warning(chars: list[str], places: list[str]) -> str:
    named = [f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')} ({c!r})" for c in chars]
    what = ", ".join(named[:4]) + (f" and {len(named) - 4} more" if len(named) > 4 else "")
    where = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
    return (
        f"no bundled font has {what}, in {where}; it would print in a font of the machine or "
        "as a box: add a font that covers it to fonts/fonts.css"
    )


class _TextParser(HTMLParser):
    """Collects the text nodes a reader sees (not the head, styles, scripts or SVG titles)."""

    _HIDDEN = frozenset({"head", "style", "script", "template", "title", "desc"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)
