"""Reference map of the Balkans drawn as a self-contained SVG string (no GIS library).

The boundaries come from ``balkans.json`` next to this module: Natural Earth admin-0 countries
reduced once by ``reduce_boundaries.py`` (see ``PROVENANCE.md``). Boundaries are drawn as they
are de facto; Kosovo is drawn as its own unit and no position on any status is implied.

Projection: spherical Lambert conformal conic, standard parallels 40°N and 47°N, central meridian
21.5°E, which keeps shapes right across the frame (about 12.5–30.5°E, 34.7–48.5°N: south far
enough that Greece is whole, Crete included).

The SVG has a fixed internal coordinate system (``VIEW_WIDTH`` user units wide); ``width`` only
sets the intrinsic size, so strokes and font sizes (in user units) scale with the picture. Label
widths, where a leader line must start at a label's edge, come from the bundled sans's own widths
(``metrics``). States beyond the frame can be located in an inset (``locator``), and a status
can be drawn hatched rather than solid, so that the categories read apart in greyscale too. The
output is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .metrics import text_width

DATA_PATH = Path(__file__).with_name("balkans.json")

# Balkan states of the briefing: always labelled in the primary style.
BALKAN_CODES: frozenset[str] = frozenset(
    {"SI", "HR", "BA", "RS", "XK", "ME", "AL", "MK", "GR", "BG", "RO"}
)

# English short names as used in 2016 (UN and EU usage of the time, short forms).
COUNTRY_NAMES: dict[str, str] = {
    "AL": "Albania",
    "AT": "Austria",
    "BA": "Bosnia and Herzegovina",
    "BG": "Bulgaria",
    "CZ": "Czech Republic",
    "DE": "Germany",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IT": "Italy",
    "MD": "Moldova",
    "ME": "Montenegro",
    "MK": "Macedonia",
    "MT": "Malta",
    "PL": "Poland",
    "RO": "Romania",
    "RS": "Serbia",
    "SI": "Slovenia",
    "SK": "Slovakia",
    "TR": "Turkey",
    "UA": "Ukraine",
    "XK": "Kosovo",
}

# --- projection --------------------------------------------------------------------------

LON0 = 21.5  # central meridian
LAT0 = 43.5  # latitude of origin
PARALLELS = (40.0, 47.0)  # standard parallels
FRAME = (12.5, 34.7, 30.5, 48.5)  # lon_min, lat_min, lon_max, lat_max of the intended frame


def _t(lat: float) -> float:
    return math.tan(math.pi / 4 + math.radians(lat) / 2)


_P1, _P2 = (math.radians(p) for p in PARALLELS)
_N = math.log(math.cos(_P1) / math.cos(_P2)) / math.log(_t(PARALLELS[1]) / _t(PARALLELS[0]))
_F = math.cos(_P1) * _t(PARALLELS[0]) ** _N / _N
_RHO0 = _F / _t(LAT0) ** _N


def project(lon: float, lat: float) -> tuple[float, float]:
    """Lambert conformal conic on the unit sphere: (x east, y north), origin at (LON0, LAT0)."""
    rho = _F / _t(lat) ** _N
    theta = _N * math.radians(lon - LON0)
    return rho * math.sin(theta), _RHO0 - rho * math.cos(theta)


def _view_bounds() -> tuple[float, float, float, float]:
    # The frame's sides at mid-latitude and its top and bottom on the central meridian.
    x0 = project(FRAME[0], LAT0)[0]
    x1 = project(FRAME[2], LAT0)[0]
    y0 = project(LON0, FRAME[1])[1]
    y1 = project(LON0, FRAME[3])[1]
    return x0, y0, x1, y1


VIEW_BOUNDS = _view_bounds()  # projected x_min, y_min, x_max, y_max (y north)
VIEW_WIDTH = 1000.0  # SVG user units across
_SCALE = VIEW_WIDTH / (VIEW_BOUNDS[2] - VIEW_BOUNDS[0])
VIEW_HEIGHT = round((VIEW_BOUNDS[3] - VIEW_BOUNDS[1]) * _SCALE, 1)


def to_view(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude to SVG user units (y down)."""
    x, y = project(lon, lat)
    return (x - VIEW_BOUNDS[0]) * _SCALE, (VIEW_BOUNDS[3] - y) * _SCALE


# --- style -------------------------------------------------------------------------------

# Sea and the states outside the briefing: a grey level (222, 240) apart from each other and from
# most status fills, so coasts and the coloured states still read in a greyscale print.
SEA = "#d3e1ea"
LAND = "#f1f0ee"
BORDER = "#ffffff"
BORDER_WIDTH = 1.3
HIGHLIGHT = "#33414d"
HIGHLIGHT_WIDTH = 3.2
FRAME_STROKE = "#aebbc5"
FONT_FAMILY = "'Briefing Sans', sans-serif"
LABEL_SIZE = 21.0  # user units; about 10 px at the default width of 480
LABEL_COLOUR = "#27313a"
MINOR_LABEL_SIZE = 18.0
MINOR_LABEL_COLOUR = "#80878d"
MINOR_LETTER_SPACING = 1.5
SEA_LABEL_SIZE = 17.0
SEA_LABEL_COLOUR = "#7d9db4"
LEADER_COLOUR = "#4b5660"
HALO = "#ffffff"
HATCH = 9.0  # stripe period of a hatched fill, in user units

# Sea names: (text, lon, lat, rotation in degrees clockwise).
SEA_LABELS: tuple[tuple[str, float, float, float], ...] = (
    ("Adriatic Sea", 15.05, 42.8, 36.0),
    ("Ionian Sea", 18.35, 39.05, 0.0),
    ("Aegean Sea", 25.0, 39.1, 0.0),
    ("Black Sea", 29.85, 43.1, 90.0),
    ("Mediterranean Sea", 21.82, 35.44, 0.0),
)


# --- data --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def load_boundaries() -> dict:
    """The reduced boundary data (``balkans.json``), parsed once."""
    with DATA_PATH.open(encoding="utf-8") as f:
        return json.load(f)


# --- geometry helpers --------------------------------------------------------------------


def clip_ring(
    ring: list[tuple[float, float]], box: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    """Sutherland–Hodgman: the part of a ring inside an axis-aligned box (may be empty)."""
    xmin, ymin, xmax, ymax = box
    edges = (
        (lambda p: p[0] >= xmin, lambda a, b: _cross_x(a, b, xmin)),
        (lambda p: p[0] <= xmax, lambda a, b: _cross_x(a, b, xmax)),
        (lambda p: p[1] >= ymin, lambda a, b: _cross_y(a, b, ymin)),
        (lambda p: p[1] <= ymax, lambda a, b: _cross_y(a, b, ymax)),
    )
    out = ring
    for inside, cross in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


Point2 = tuple[float, float]


def _cross_x(a: Point2, b: Point2, x: float) -> Point2:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a: Point2, b: Point2, y: float) -> Point2:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def _fmt(v: float) -> str:
    s = f"{v:.1f}"
    return "0.0" if s == "-0.0" else s


def _path_data(polygons: Iterable[Iterable[Iterable[Iterable[float]]]]) -> str:
    """SVG path data for polygons (lists of lon/lat rings), clipped just outside the view."""
    m = 6.0  # clip margin in user units: clipped edges stay hidden under the frame
    box = (-m, -m, VIEW_WIDTH + m, VIEW_HEIGHT + m)
    parts: list[str] = []
    for polygon in polygons:
        for ring in polygon:
            pts = clip_ring([to_view(lon, lat) for lon, lat in ring], box)
            cmds: list[str] = []
            last = None
            for x, y in pts:
                xy = f"{_fmt(x)},{_fmt(y)}"
                if xy != last:
                    cmds.append(xy)
                    last = xy
            if len(cmds) > 1 and cmds[-1] == cmds[0]:
                cmds.pop()
            if len(cmds) >= 3:
                parts.append("M" + "L".join(cmds) + "Z")
    return "".join(parts)


def _largest_ring_centre(polygons: list[list[list[Point2]]]) -> Point2 | None:
    best, best_area = None, 0.0
    for polygon in polygons:
        ring = polygon[0]
        area = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)))
        if area > best_area:
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            best, best_area = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2), area
    return best


def _wrap(text: str) -> list[str]:
    """Explicit newlines split lines; long multi-word names break at the most even space."""
    if "\n" in text:
        return [line.strip() for line in text.split("\n") if line.strip()]
    words = text.split()
    if len(text) <= 14 or len(words) < 2:
        return [text]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, second = min(splits, key=lambda s: (max(len(s[0]), len(s[1])), len(s[0])))
    return [first, second]


def _text(
    lines: list[str],
    x: float,
    y: float,
    *,
    size: float,
    colour: str,
    extra: str = "",
) -> str:
    """Centred text block (halo first, then ink) with its vertical middle at y."""
    lead = size * 1.1
    first = y - (len(lines) - 1) * lead / 2 + size * 0.35
    if len(lines) == 1:
        body = escape(lines[0])
    else:
        body = "".join(
            f'<tspan x="{_fmt(x)}" y="{_fmt(first + i * lead)}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
    attrs = f'x="{_fmt(x)}" y="{_fmt(first)}" font-size="{_fmt(size)}"{extra}'
    halo = (
        f'<text {attrs} fill="none" stroke="{HALO}" stroke-width="{_fmt(size * 0.22)}" '
        f'stroke-linejoin="round" stroke-opacity="0.85" aria-hidden="true">{body}</text>'
    )
    return halo + f'<text {attrs} fill="{colour}">{body}</text>'


def _leader(
    target: tuple[float, float], centre: tuple[float, float], half_w: float, half_h: float
) -> str:
    """A line from the label box's edge to the target point, with a dot at the target."""
    dx, dy = target[0] - centre[0], target[1] - centre[1]
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    if scale >= 1:  # target inside the label box: no line
        return ""
    sx, sy = centre[0] + dx * scale, centre[1] + dy * scale
    return (
        f'<path d="M{_fmt(sx)},{_fmt(sy)}L{_fmt(target[0])},{_fmt(target[1])}"/>'
        f'<circle cx="{_fmt(target[0])}" cy="{_fmt(target[1])}" r="2.6" stroke="none" '
        f'fill="{LEADER_COLOUR}"/>'
    )


def _hatch_patterns(colours: Iterable[str]) -> dict[str, str]:
    """An id for each colour drawn hatched, numbered in colour order (deterministic)."""
    return {colour: f"map-hatch-{i}" for i, colour in enumerate(sorted(set(colours)), 1)}


def _hatch(pid: str, colour: str) -> str:
    """A pattern of diagonal stripes of the colour on white (as the legend's hatched swatch)."""
    return (
        f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{_fmt(HATCH)}" '
        f'height="{_fmt(HATCH)}" patternTransform="rotate(45)">'
        f'<rect width="{_fmt(HATCH)}" height="{_fmt(HATCH)}" fill="{HALO}"/>'
        f'<rect width="{_fmt(HATCH * 0.45)}" height="{_fmt(HATCH)}" fill={quoteattr(colour)}/>'
        "</pattern>"
    )


# --- the map -----------------------------------------------------------------------------


def render_map_svg(
    fills: dict[str, str],
    *,
    highlight: Collection[str] = frozenset(),
    hatched: Collection[str] = frozenset(),
    labels: dict[str, str] | None = None,
    locate: Mapping[str, str] | None = None,
    width: float = 480,
    title: str = "",
    fonts: Path | None = None,
) -> str:
    """Draw the Balkan map as an SVG string.

    Countries in `fills` (code -> CSS colour) are coloured, others light grey, the sea pale;
    `hatched` codes are drawn as stripes of their colour on white instead of a solid fill;
    labels give the country names (or labels[code] if given) at their anchors; `highlight`
    codes get a thicker outline. A label drawn away from its country gets a leader line from
    the edge of the label, measured in the bundled sans (from `fonts`, see ``metrics``).
    `locate` (code -> name) names states beyond the frame that an inset locates (``locator``).
    """
    data = load_boundaries()
    countries: Mapping[str, dict] = data["countries"]
    labels = labels or {}
    title = title or "Map of the Balkans"
    height = width * VIEW_HEIGHT / VIEW_WIDTH
    codes = sorted(countries)
    paths = {code: _path_data(countries[code]["polygons"]) for code in codes}

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_fmt(width)}" height="{_fmt(height)}" '
        f'viewBox="0 0 {_fmt(VIEW_WIDTH)} {_fmt(VIEW_HEIGHT)}" role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
    ]
    patterns = _hatch_patterns(fills[c] for c in codes if c in hatched and c in fills)
    if patterns:
        out.append("<defs>" + "".join(_hatch(pid, colour) for colour, pid in patterns.items()))
        out.append("</defs>")
    out += [
        f'<rect width="{_fmt(VIEW_WIDTH)}" height="{_fmt(VIEW_HEIGHT)}" fill="{SEA}"/>',
        f'<g stroke="{BORDER}" stroke-width="{_fmt(BORDER_WIDTH)}" stroke-linejoin="round" '
        'fill-rule="evenodd">',
    ]
    for code in codes:
        if not paths[code]:
            continue
        fill = fills.get(code, LAND)
        paint = f"url(#{patterns[fill]})" if code in hatched and fill in patterns else fill
        out.append(f'<path data-code="{code}" fill={quoteattr(paint)} d="{paths[code]}"/>')
    out.append("</g>")

    outlined = [c for c in codes if c in highlight and paths[c]]
    if outlined:
        out.append(
            f'<g fill="none" stroke="{HIGHLIGHT}" stroke-width="{_fmt(HIGHLIGHT_WIDTH)}" '
            'stroke-linejoin="round">'
        )
        out.extend(f'<path data-highlight="{c}" d="{paths[c]}"/>' for c in outlined)
        out.append("</g>")

    # Sea names, then leader lines, then country labels on top.
    out.append(
        f'<g font-family="{FONT_FAMILY}" text-anchor="middle" font-style="italic" '
        f'letter-spacing="0.6">'
    )
    for text, lon, lat, rotation in SEA_LABELS:
        x, y = to_view(lon, lat)
        extra = f' transform="rotate({_fmt(rotation)} {_fmt(x)} {_fmt(y)})"' if rotation else ""
        out.append(_text([text], x, y, size=SEA_LABEL_SIZE, colour=SEA_LABEL_COLOUR, extra=extra))
    out.append("</g>")

    leaders: list[str] = []
    texts: list[str] = []
    for code in codes:
        country = countries[code]
        if not paths[code]:
            continue
        default = COUNTRY_NAMES.get(code, country["name"]) if country["label"] else ""
        text = labels.get(code, default)
        if not text:
            continue
        anchor = country["label"] or _largest_ring_centre(country["polygons"])
        if anchor is None:
            continue
        x, y = to_view(*anchor)
        major = code in BALKAN_CODES or code in fills
        lines = _wrap(text) if major else [line.upper() for line in _wrap(text)]
        size = LABEL_SIZE if major else MINOR_LABEL_SIZE
        if country.get("label_size"):
            size *= country["label_size"]
        if major:
            extra = ' font-weight="600"'
            colour = LABEL_COLOUR
        else:
            extra = f' letter-spacing="{_fmt(MINOR_LETTER_SPACING)}"'
            colour = MINOR_LABEL_COLOUR
        texts.append(_text(lines, x, y, size=size, colour=colour, extra=extra))
        if country.get("leader"):
            target = to_view(*country["leader"])
            style = "bold" if major else "regular"  # weight 600 is set in the bold face
            spacing = 0.0 if major else MINOR_LETTER_SPACING
            widest = max(
                text_width(line, size, style, fonts=fonts) + spacing * len(line) for line in lines
            )
            half_w = widest / 2 + 3
            half_h = len(lines) * size * 1.1 / 2 + 1
            leaders.append(_leader(target, (x, y), half_w, half_h))
    if leaders:
        out.append(f'<g fill="none" stroke="{LEADER_COLOUR}" stroke-width="1.2">')
        out.extend(leaders)
        out.append("</g>")
    if texts:
        out.append(f'<g font-family="{FONT_FAMILY}" text-anchor="middle">')
        out.extend(texts)
        out.append("</g>")

    if locate:
        from .locator import render_locator  # it draws with this module's projection

        out.append(render_locator(locate, fonts=fonts))
    out.append(
        f'<rect x="0.5" y="0.5" width="{_fmt(VIEW_WIDTH - 1)}" height="{_fmt(VIEW_HEIGHT - 1)}" '
        f'fill="none" stroke="{FRAME_STROKE}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
