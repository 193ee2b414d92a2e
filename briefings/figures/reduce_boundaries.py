"""Reduce Natural Earth admin-0 countries to the small ``balkans.json`` the map draws from.

Maintainer tool, not run at build time. The committed ``balkans.json`` is its output; run it
again only to change the source, the frame, the simplification or the label anchors:

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m briefings.figures.reduce_boundaries /tmp/package/countries-50m.json

Source: the npm package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0 admin-0 countries as
TopoJSON, public domain). Steps:

1. Decode the topology's shared arcs (quantized, delta-encoded) to lon/lat.
2. Simplify every arc once with Douglas–Peucker (``--tolerance`` degrees, longitudes scaled by
   cos 43.5° so the tolerance is the same distance both ways). Each border is one arc shared by
   both neighbours, so simplified neighbours still meet exactly: no slivers or gaps.
3. Assemble each country's rings from its arcs; drop rings (islands, holes such as San Marino in
   Italy) smaller than ``--min-area`` square degrees (scaled), too small to see on the map.
4. Clip the rings to ``CLIP_BOX``, the frame plus a margin that covers the whole map view.
5. Keep the countries that show in the map view (``map.VIEW_BOUNDS``); round to ``--decimals``.
6. Attach names (2016 usage) and the hand-tuned label anchors in ``LABELS`` below.

Countries are keyed by ISO 3166-1 alpha-2 code. world-atlas keys countries by ISO numeric code;
Kosovo has no numeric code there (``id`` is missing) and is matched by name, as XK.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from briefings.figures.map import COUNTRY_NAMES, FRAME, VIEW_BOUNDS, clip_ring, project

SOURCE = {
    "dataset": "Natural Earth admin-0 countries, 1:50m, version 4.1.0",
    "package": "npm world-atlas 2.0.2 (countries-50m.json)",
    "license": "public domain (Natural Earth); world-atlas packaging ISC",
}

# Frame plus margin: covers the map view (checked below) with room so clipped edges stay hidden.
CLIP_BOX = (11.0, 33.5, 32.0, 49.7)  # lon_min, lat_min, lon_max, lat_max

# world-atlas id (ISO 3166-1 numeric) or, where the id is missing, name -> alpha-2.
NUMERIC_TO_ALPHA2 = {
    "008": "AL", "040": "AT", "070": "BA", "100": "BG", "191": "HR", "203": "CZ",
    "276": "DE", "300": "GR", "336": "VA", "348": "HU", "380": "IT", "470": "MT", "498": "MD",
    "499": "ME", "616": "PL", "642": "RO", "674": "SM", "688": "RS", "703": "SK",
    "705": "SI", "792": "TR", "804": "UA", "807": "MK",
}  # fmt: skip
NAME_TO_ALPHA2 = {"Kosovo": "XK"}

# Hand-tuned label anchors (lon, lat): the middle of the label. "leader" is a point inside the
# country: the label sits outside (at sea) and a line joins them. "size" scales the font.
# Countries not listed here get no label by default (slivers at the edge of the frame).
LABELS: dict[str, dict] = {
    "SI": {"label": (14.75, 46.12)},
    "HR": {"label": (16.75, 45.62)},
    "BA": {"label": (17.75, 44.22)},
    "RS": {"label": (20.85, 44.25)},
    "XK": {"label": (20.87, 42.57), "size": 0.86},
    "ME": {"label": (17.55, 41.75), "leader": (19.15, 42.6)},
    "AL": {"label": (18.45, 40.75), "leader": (19.95, 41.05)},
    "MK": {"label": (21.72, 41.57), "size": 0.92},
    "GR": {"label": (22.1, 39.45)},
    "BG": {"label": (25.2, 42.75)},
    "RO": {"label": (24.9, 45.85)},
    "HU": {"label": (19.4, 47.2)},
    "AT": {"label": (14.35, 47.45)},
    "IT": {"label": (15.3, 41.25)},
    "UA": {"label": (29.95, 47.85), "size": 0.9},
    "MD": {"label": (28.55, 47.15), "size": 0.9},
    "TR": {"label": (29.0, 39.55)},
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as absolute lon/lat points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


_KX = math.cos(math.radians(43.5))  # longitude scale at the middle of the frame


def _dist2(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Squared distance from p to segment ab, longitudes scaled by _KX."""
    px, py, ax, ay, bx, by = p[0] * _KX, p[1], a[0] * _KX, a[1], b[0] * _KX, b[1]
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return (px - ax) ** 2 + (py - ay) ** 2
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2


def douglas_peucker(points: list, tolerance: float) -> list:
    """Douglas–Peucker on an open polyline; keeps both ends. Closed arcs: see simplify_arc."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    tol2 = tolerance * tolerance
    while stack:
        i, j = stack.pop()
        best, best_d = -1, tol2
        for k in range(i + 1, j):
            d = _dist2(points[k], points[i], points[j])
            if d > best_d:
                best, best_d = k, d
        if best >= 0:
            keep[best] = True
            stack.append((i, best))
            stack.append((best, j))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_arc(points: list, tolerance: float) -> list:
    """Simplify one arc; a closed arc (an island) is split at its farthest point first."""
    if len(points) > 3 and points[0] == points[-1]:
        far = max(range(len(points)), key=lambda k: _dist2(points[k], points[0], points[0]))
        return douglas_peucker(points[: far + 1], tolerance)[:-1] + douglas_peucker(
            points[far:], tolerance
        )
    return douglas_peucker(points, tolerance)


def ring_from_arcs(indices: list[int], arcs: list[list]) -> list:
    ring: list = []
    for i in indices:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(pts if not ring else pts[1:])
    return ring


def ring_area(ring: list) -> float:
    """Unsigned planar area in square degrees, longitudes scaled by _KX."""
    s = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        s += x0 * y1 - x1 * y0
    return abs(s) / 2 * _KX


def round_ring(ring: list, decimals: int) -> list:
    out: list = []
    for lon, lat in ring:
        p = [round(lon, decimals), round(lat, decimals)]
        if not out or p != out[-1]:
            out.append(p)
    while len(out) > 1 and out[-1] == out[0]:
        out.pop()
    if len(out) < 3:
        return []
    return [*out, out[0]]  # closed, as in GeoJSON


def visible(ring: list) -> bool:
    """Whether a lon/lat ring has area inside the projected map view."""
    projected = [project(lon, lat) for lon, lat in ring]
    inside = clip_ring(projected, VIEW_BOUNDS)
    if len(inside) < 3:
        return False
    return ring_area(inside) > 0


def check_clip_box_covers_view() -> None:
    """Every point on the edge of the map view must lie inside CLIP_BOX (else: sea gaps)."""
    x0, y0, x1, y1 = VIEW_BOUNDS
    lon_min, lat_min, lon_max, lat_max = CLIP_BOX
    outline = (
        [(lon_min + (lon_max - lon_min) * i / 200, lat_min) for i in range(201)]
        + [(lon_max, lat_min + (lat_max - lat_min) * i / 200) for i in range(201)]
        + [(lon_max - (lon_max - lon_min) * i / 200, lat_max) for i in range(201)]
        + [(lon_min, lat_max - (lat_max - lat_min) * i / 200) for i in range(201)]
    )
    # The clip box outline, projected, must enclose the view rectangle's corners and mid-edges.
    poly = [project(lon, lat) for lon, lat in outline]
    probes = [(x, y) for x in (x0, (x0 + x1) / 2, x1) for y in (y0, (y0 + y1) / 2, y1)]
    for px, py in probes:
        crossings = 0
        for (ax, ay), (bx, by) in zip(poly, poly[1:] + poly[:1], strict=True):
            if (ay > py) != (by > py) and px < ax + (py - ay) * (bx - ax) / (by - ay):
                crossings += 1
        if crossings % 2 == 0:
            raise SystemExit(f"CLIP_BOX does not cover the map view at {(px, py)}")


def reduce(source: Path, tolerance: float, min_area: float, decimals: int) -> dict:
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = [simplify_arc(a, tolerance) for a in decode_arcs(topology)]
    check_clip_box_covers_view()

    countries: dict[str, dict] = {}
    unknown: list[str] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        if geometry["type"] == "Polygon":
            polygons_arcs = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons_arcs = geometry["arcs"]
        else:
            continue
        polygons = []
        for polygon in polygons_arcs:
            rings = [ring_from_arcs(r, arcs) for r in polygon]
            if not rings or ring_area(rings[0]) < min_area:
                continue
            kept = []
            for k, ring in enumerate(rings):
                if k and ring_area(ring) < min_area:
                    continue  # hole too small to see (San Marino, Vatican in Italy)
                clipped = round_ring(clip_ring(ring, CLIP_BOX), decimals)
                if not clipped:
                    if k == 0:
                        break  # outer ring outside the box: skip the polygon
                    continue
                kept.append(clipped)
            if kept and visible(kept[0]):
                polygons.append(kept)
        if not polygons:
            continue
        code = NUMERIC_TO_ALPHA2.get(geometry.get("id") or "") or NAME_TO_ALPHA2.get(name)
        if code is None:
            unknown.append(f"{name} (id {geometry.get('id')})")
            continue
        entry: dict = {"name": COUNTRY_NAMES[code], "source_name": name}
        tuned = LABELS.get(code, {})
        entry["label"] = list(tuned["label"]) if "label" in tuned else None
        if "leader" in tuned:
            entry["leader"] = list(tuned["leader"])
        if "size" in tuned:
            entry["label_size"] = tuned["size"]
        entry["polygons"] = polygons
        countries[code] = entry
    if unknown:
        raise SystemExit("countries in the frame without an alpha-2 code: " + ", ".join(unknown))
    return {
        "source": SOURCE,
        "frame": list(FRAME),
        "clip_box": list(CLIP_BOX),
        "simplification": {
            "method": "Douglas-Peucker on shared arcs, longitudes scaled by cos(43.5 deg)",
            "tolerance_deg": tolerance,
            "min_ring_area_sq_deg": min_area,
            "decimals": decimals,
        },
        "note": "Boundaries as de facto; Kosovo drawn as its own unit; no position implied.",
        "countries": dict(sorted(countries.items())),
    }


def dump(data: dict) -> str:
    """Compact JSON, one country per line (readable diffs), keys sorted, ending in a newline."""
    head = {k: v for k, v in data.items() if k != "countries"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))},")
    lines.append('"countries": {')
    items = list(data["countries"].items())
    for i, (code, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(code)}: {json.dumps(entry, separators=(',', ':'))}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("balkans.json")
    )
    parser.add_argument("--tolerance", type=float, default=0.012, help="degrees (default 0.012)")
    parser.add_argument("--min-area", type=float, default=0.008, help="square degrees (scaled)")
    parser.add_argument("--decimals", type=int, default=3)
    args = parser.parse_args(argv)
    data = reduce(args.source, args.tolerance, args.min_area, args.decimals)
    text = dump(data)
    args.output.write_text(text, encoding="utf-8")
    points = sum(len(r) for c in data["countries"].values() for p in c["polygons"] for r in p)
    print(
        f"{args.output}: {len(data['countries'])} countries, {points} points, {len(text)} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
