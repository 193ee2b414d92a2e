"""Reduce Natural Earth land and the outlines of off-map states to ``locator.json``, for the inset.

Maintainer tool, not run at build time, like ``reduce_boundaries.py`` (whose steps it reuses).
The map's locator inset (``locator.py``) draws the wider region's land at a small scale, the
map's frame on it, and the states beyond the frame that the briefing's data names as outside
actors; this writes the land and those states' outlines, once:

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m briefings.figures.reduce_locator /tmp/package/countries-50m.json

Source: the same npm package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0, 1:50m, public domain):
``land-50m.json`` beside the countries file for the land, the countries for the outlines of the
states in ``LOCATABLE``. Steps: decode the arcs, simplify each once (Douglas–Peucker, coarser
than the map's, as the inset is about a seventh of its scale), drop rings under ``--min-area``
square degrees, clip to ``EXTENT`` (wider than any inset the map draws; a test checks), round.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from briefings.figures.map import clip_ring
from briefings.figures.reduce_boundaries import (
    SOURCE,
    decode_arcs,
    ring_area,
    ring_from_arcs,
    round_ring,
    simplify_arc,
)

EXTENT = (5.0, 25.0, 45.0, 52.0)  # lon_min, lat_min, lon_max, lat_max kept of the land
# world-atlas id (ISO 3166-1 numeric) -> alpha-2: the states beyond the map's frame an inset can
# locate. The map locates those of them that the countries data lists as outside actors.
LOCATABLE = {"376": "IL"}


def reduce_geometry(geometry: dict, arcs: list, min_area: float, decimals: int) -> list:
    """A Polygon or MultiPolygon's rings, small ones dropped, clipped to EXTENT and rounded."""
    if geometry["type"] == "Polygon":
        polygons_arcs = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons_arcs = geometry["arcs"]
    else:
        return []
    polygons = []
    for polygon in polygons_arcs:
        rings = [ring_from_arcs(r, arcs) for r in polygon]
        if not rings or ring_area(rings[0]) < min_area:
            continue
        kept = []
        for k, ring in enumerate(rings):
            if k and ring_area(ring) < min_area:
                continue
            clipped = round_ring(clip_ring(ring, EXTENT), decimals)
            if not clipped:
                if k == 0:
                    break
                continue
            kept.append(clipped)
        if kept:
            polygons.append(kept)
    return polygons


def _load(path: Path, tolerance: float) -> tuple[dict, list]:
    topology = json.loads(path.read_text(encoding="utf-8"))
    return topology, [simplify_arc(a, tolerance) for a in decode_arcs(topology)]


def reduce(countries: Path, land: Path, tolerance: float, min_area: float, decimals: int) -> dict:
    land_topology, land_arcs = _load(land, tolerance)
    land_polygons = []
    for geometry in land_topology["objects"]["land"]["geometries"]:
        land_polygons += reduce_geometry(geometry, land_arcs, min_area, decimals)

    topology, arcs = _load(countries, tolerance)
    states: dict[str, dict] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = LOCATABLE.get(geometry.get("id") or "")
        if code is None:
            continue
        polygons = reduce_geometry(geometry, arcs, min_area, decimals)
        if polygons:
            states[code] = {"source_name": geometry["properties"]["name"], "polygons": polygons}
    missing = set(LOCATABLE.values()) - set(states)
    if missing:
        raise SystemExit("locatable states not found in the source: " + ", ".join(sorted(missing)))
    return {
        "source": {
            **SOURCE,
            "dataset": "Natural Earth land and admin-0 countries, 1:50m, version 4.1.0",
            "package": "npm world-atlas 2.0.2 (land-50m.json, countries-50m.json)",
        },
        "extent": list(EXTENT),
        "simplification": {
            "method": "Douglas-Peucker per arc, longitudes scaled by cos(43.5 deg)",
            "tolerance_deg": tolerance,
            "min_ring_area_sq_deg": min_area,
            "decimals": decimals,
        },
        "note": "Boundaries as de facto; no position implied.",
        "land": land_polygons,
        "states": dict(sorted(states.items())),
    }


def dump(data: dict) -> str:
    """Compact JSON, a line per land polygon and per state, ending in a newline."""
    lines = ["{"]
    for key, value in data.items():
        if key == "land":
            lines.append('"land": [')
            rows = [json.dumps(p, separators=(",", ":")) for p in value]
            lines.append(",\n".join(rows))
            lines.append("],")
        elif key == "states":
            lines.append('"states": {')
            rows = [
                f"{json.dumps(code)}: {json.dumps(entry, separators=(',', ':'))}"
                for code, entry in value.items()
            ]
            lines.append(",\n".join(rows))
            lines.append("}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("--land", type=Path, help="land-50m.json (default: beside the source)")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("locator.json")
    )
    parser.add_argument("--tolerance", type=float, default=0.04, help="degrees (default 0.04)")
    parser.add_argument("--min-area", type=float, default=0.1, help="square degrees (scaled)")
    parser.add_argument("--decimals", type=int, default=2)
    args = parser.parse_args(argv)
    land = args.land or args.source.with_name("land-50m.json")
    data = reduce(args.source, land, args.tolerance, args.min_area, args.decimals)
    text = dump(data)
    args.output.write_text(text, encoding="utf-8")
    points = sum(len(r) for p in data["land"] for r in p)
    print(f"{args.output}: {points} land points, {len(text)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
