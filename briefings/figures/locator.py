"""Locator inset: off-map states and the wider region's land → an SVG inset inside the Balkan map.

A briefing about outside actors needs the reader to see where an actor beyond the frame lies
(Israel, for the shipped book). The inset draws, in the map's own projection at a small scale,
the region's land, the map's frame as a rectangle, and each located state filled dark and named.
The inset's extent is the frame and those states with a margin, so the geography is not bent to
fit; it sits in open sea in the map's south-west (``SPACE``, tuned to this frame, as the label
anchors are). Land and outlines come from ``locator.json`` (``reduce_locator.py``, see
``PROVENANCE.md``). The output is deterministic.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from .legend import ACCENT
from .map import (
    FONT_FAMILY,
    HALO,
    HIGHLIGHT,
    LABEL_COLOUR,
    LAND,
    VIEW_HEIGHT,
    VIEW_WIDTH,
    _fmt,
    _text,
    clip_ring,
    to_view,
)
from .metrics import text_width

DATA_PATH = Path(__file__).with_name("locator.json")

SPACE = (182.0, 814.0, 236.0, 236.0)  # x, y, width, height (map units) the inset may take
MARGIN = 0.06  # of the larger side of the frame-and-states box, added all round
BORDER = "#7d8a96"
INSET_SEA = "#c8d8e3"  # a step deeper than the map's sea: the small land reads against it
COAST = "#a3aeb7"
LABEL_SIZE = 15.0
COMPASS = (
    "east",
    "north-east",
    "north",
    "north-west",
    "west",
    "south-west",
    "south",
    "south-east",
)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@functools.lru_cache(maxsize=1)
def load_locator() -> dict:
    """The reduced land and locatable states (``locator.json``), parsed once."""
    with DATA_PATH.open(encoding="utf-8") as f:
        return json.load(f)


def _bounds(points: Iterable[tuple[float, float]]) -> Box:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _state_points(code: str) -> list[tuple[float, float]]:
    polygons = load_locator()["states"][code]["polygons"]
    return [to_view(lon, lat) for polygon in polygons for lon, lat in polygon[0]]


def inset_extent(codes: Iterable[str]) -> Box:
    """The part of the map's plane (map units) the inset shows: the frame and the states."""
    points = [(0.0, 0.0), (VIEW_WIDTH, VIEW_HEIGHT)]
    for code in sorted(codes):
        points += _state_points(code)
    x0, y0, x1, y1 = _bounds(points)
    pad = MARGIN * max(x1 - x0, y1 - y0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def inset_box(codes: Iterable[str]) -> Box:
    """Where the inset is drawn on the map: the largest box of the extent's shape in SPACE,
    against the bottom of that space."""
    ex0, ey0, ex1, ey1 = inset_extent(codes)
    sx, sy, sw, sh = SPACE
    scale = min(sw / (ex1 - ex0), sh / (ey1 - ey0))
    w, h = (ex1 - ex0) * scale, (ey1 - ey0) * scale
    return sx, sy + sh - h, sx + w, sy + sh


def direction(code: str) -> str:
    """Where a state lies from the middle of the map's frame, as a compass point."""
    x0, y0, x1, y1 = _bounds(_state_points(code))
    dx = (x0 + x1) / 2 - VIEW_WIDTH / 2
    dy = VIEW_HEIGHT / 2 - (y0 + y1) / 2  # north up
    sector = round(math.degrees(math.atan2(dy, dx)) / 45) % 8
    return COMPASS[sector]


def _path(rings: Iterable[list[tuple[float, float]]], box: Box) -> str:
    parts = []
    for ring in rings:
        points = clip_ring(ring, box)
        if len(points) >= 3:
            parts.append("M" + "L".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points) + "Z")
    return "".join(parts)


def render_locator(locate: Mapping[str, str], *, fonts: Path | None = None) -> str:
    """Draw the inset for the states in `locate` (code -> name) that ``locator.json`` has.

    Returns an SVG group in the map's user units, or "" when there is no such state.
    """
    data = load_locator()
    codes = sorted(code for code in locate if code in data["states"])
    if not codes:
        return ""
    ex0, ey0, ex1, _ = inset_extent(codes)
    bx0, by0, bx1, by1 = box = inset_box(codes)
    k = (bx1 - bx0) / (ex1 - ex0)

    def place(lon: float, lat: float) -> tuple[float, float]:
        x, y = to_view(lon, lat)
        return bx0 + (x - ex0) * k, by0 + (y - ey0) * k

    def rings(polygons: list) -> list[list[tuple[float, float]]]:
        return [[place(lon, lat) for lon, lat in ring] for polygon in polygons for ring in polygon]

    w, h = bx1 - bx0, by1 - by0
    out = [
        f'<g data-locator="{" ".join(codes)}">',
        f'<rect x="{_fmt(bx0)}" y="{_fmt(by0)}" width="{_fmt(w)}" height="{_fmt(h)}" '
        f'fill="{INSET_SEA}"/>',
        f'<path fill="{LAND}" stroke="{COAST}" stroke-width="0.6" stroke-linejoin="round" '
        f'fill-rule="evenodd" d="{_path(rings(data["land"]), box)}"/>',
    ]
    frame = (bx0 + (0 - ex0) * k, by0 + (0 - ey0) * k)
    out.append(
        f'<rect data-frame="map" x="{_fmt(frame[0])}" y="{_fmt(frame[1])}" '
        f'width="{_fmt(VIEW_WIDTH * k)}" height="{_fmt(VIEW_HEIGHT * k)}" fill="none" '
        f'stroke="{HIGHLIGHT}" stroke-width="1.6"/>'
    )
    labels = []
    for code in codes:
        state = rings(data["states"][code]["polygons"])
        out.append(
            f'<path data-locate="{code}" fill="{ACCENT}" fill-rule="evenodd" '
            f'd="{_path(state, box)}"/>'
        )
        sx0, sy0, sx1, sy1 = _bounds(p for ring in state for p in ring)
        name = locate[code]
        half = text_width(name, LABEL_SIZE, "bold", fonts=fonts) / 2
        # Beside the state, on the side with more room in the inset.
        right = (sx0 + sx1) / 2 > (bx0 + bx1) / 2
        x = sx0 - 5 - half if right else sx1 + 5 + half
        labels.append(
            _text(
                [name],
                x,
                (sy0 + sy1) / 2,
                size=LABEL_SIZE,
                colour=LABEL_COLOUR,
                extra=' font-weight="600"',
            )
        )
    out.append(f'<g font-family="{FONT_FAMILY}" text-anchor="middle">' + "".join(labels) + "</g>")
    # A white rule outside the border parts the inset from the map under it.
    out.append(
        f'<rect x="{_fmt(bx0 - 2)}" y="{_fmt(by0 - 2)}" width="{_fmt(w + 4)}" '
        f'height="{_fmt(h + 4)}" fill="none" stroke="{HALO}" stroke-width="3"/>'
    )
    out.append(
        f'<rect x="{_fmt(bx0)}" y="{_fmt(by0)}" width="{_fmt(w)}" height="{_fmt(h)}" '
        f'fill="none" stroke="{BORDER}" stroke-width="1.2"/>'
    )
    out.append("</g>")
    return "\n".join(out)
