"""The Balkan reference map: committed boundary data and the SVG drawn from it."""

from __future__ import annotations

import itertools
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from briefings.figures import locator
from briefings.figures import map as balkan_map
from briefings.figures.metrics import text_width

SVG = "{http://www.w3.org/2000/svg}"
BALKANS = {"SI", "HR", "BA", "RS", "XK", "ME", "AL", "MK", "GR", "BG", "RO"}
NEIGHBOURS = {"IT", "AT", "HU", "UA", "MD", "TR"}
NATO = "#8eaccb"
ACCEDING = "#d8b46e"
PARTNER = "#b3c79d"
SAMPLE_FILLS = {
    **{c: NATO for c in ("AL", "HR", "SI", "BG", "RO", "GR", "TR")},
    "ME": ACCEDING,
    **{c: PARTNER for c in ("RS", "BA", "MK")},
}


@pytest.fixture(scope="module")
def data() -> dict:
    return balkan_map.load_boundaries()


@pytest.fixture(scope="module")
def sample_svg() -> str:
    return balkan_map.render_map_svg(SAMPLE_FILLS, highlight={"ME"}, title="NATO, November 2016")


def _paths_by_code(root: ET.Element) -> dict[str, ET.Element]:
    return {p.get("data-code"): p for p in root.iter(f"{SVG}path") if p.get("data-code")}


def _points(d: str) -> list[tuple[float, float]]:
    """The vertices of SVG path data made of M, L and Z."""
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]


def _inside(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Even-odd point-in-polygon."""
    px, py = point
    crossings = 0
    for (ax, ay), (bx, by) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (ay > py) != (by > py) and px < ax + (py - ay) * (bx - ax) / (by - ay):
            crossings += 1
    return crossings % 2 == 1


def _label_texts(root: ET.Element) -> set[str]:
    """Visible label strings (multi-line labels joined with a space)."""
    return {
        " ".join(s.strip() for s in t.itertext() if s.strip())
        for t in root.iter(f"{SVG}text")
        if t.get("aria-hidden") != "true"
    }


# --- data ------------------------------------------------------------------------------


def test_data_file_is_small_and_valid_json():
    raw = balkan_map.DATA_PATH.read_bytes()
    assert len(raw) < 150_000
    json.loads(raw)


def test_data_has_the_balkan_states_and_neighbours(data):
    codes = set(data["countries"])
    assert codes >= BALKANS
    assert codes >= NEIGHBOURS
    assert data["countries"]["XK"]["name"] == "Kosovo"
    assert data["countries"]["MK"]["name"] == "Macedonia"
    for code, country in data["countries"].items():
        assert len(code) == 2 and code.isupper()
        assert country["name"] == balkan_map.COUNTRY_NAMES[code]


def test_rings_are_valid(data):
    lon_min, lat_min, lon_max, lat_max = data["clip_box"]
    for code, country in data["countries"].items():
        assert country["polygons"], code
        for polygon in country["polygons"]:
            assert polygon, code
            for ring in polygon:
                assert len(ring) >= 4, code
                assert ring[0] == ring[-1], f"{code}: ring not closed"
                assert len({tuple(p) for p in ring}) >= 3, code
                for lon, lat in ring:
                    assert math.isfinite(lon) and math.isfinite(lat), code
                    assert lon_min <= lon <= lon_max and lat_min <= lat <= lat_max, code
                    assert round(lon, 3) == lon and round(lat, 3) == lat, code
                area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
                assert abs(area) > 0, code


def test_label_anchors_fall_in_the_frame(data):
    lon_min, lat_min, lon_max, lat_max = data["frame"]
    for code in BALKANS:
        lon, lat = data["countries"][code]["label"]
        assert lon_min <= lon <= lon_max and lat_min <= lat <= lat_max, code


def test_greece_is_whole_inside_the_frame(data):
    # Every ring of Greece, Crete and the Peloponnese included, lies inside the map's view with
    # room to spare: none is cut by the frame, nor by the clip box of the reduced data.
    rings = [ring for polygon in data["countries"]["GR"]["polygons"] for ring in polygon]
    lon_min, lat_min, lon_max, lat_max = data["clip_box"]
    margin = 8.0  # user units, about 12 km
    for ring in rings:
        for lon, lat in ring:
            assert lon_min < lon < lon_max and lat_min < lat < lat_max, (lon, lat)
            x, y = balkan_map.to_view(lon, lat)
            assert margin <= x <= balkan_map.VIEW_WIDTH - margin, (lon, lat, x)
            assert margin <= y <= balkan_map.VIEW_HEIGHT - margin, (lon, lat, y)
    south = min(lat for ring in rings for _, lat in ring)
    assert south < 35.0  # Crete's south coast
    crete = [r for r in rings if max(lat for _, lat in r) < 35.8 and len(r) > 10]
    assert crete and max(lon for lon, _ in crete[0]) > 26.0  # the whole island, to its east end
    mainland = max(rings, key=len)
    assert min(lat for _, lat in mainland) < 36.5  # the Peloponnese's southern capes


def test_greece_is_drawn_uncut(sample_svg, data):
    # In the drawing too: no vertex of Greece's path sits on or past the frame.
    d = _paths_by_code(ET.fromstring(sample_svg))["GR"].get("d")
    points = _points(d)
    assert len(points) == sum(len(r) - 1 for p in data["countries"]["GR"]["polygons"] for r in p)
    for x, y in points:
        assert 0 < x < balkan_map.VIEW_WIDTH and 0 < y < balkan_map.VIEW_HEIGHT, (x, y)


# --- SVG -------------------------------------------------------------------------------


def test_svg_parses_with_title_and_viewbox(sample_svg):
    root = ET.fromstring(sample_svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox", "").startswith("0 0 ")
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "NATO, November 2016"
    assert root[0] is title  # first child: the accessible name


def test_one_path_per_country_in_frame(sample_svg, data):
    paths = _paths_by_code(ET.fromstring(sample_svg))
    assert set(paths) == set(data["countries"])
    assert all(p.get("d", "").startswith("M") for p in paths.values())


def test_fills_are_applied(sample_svg):
    paths = _paths_by_code(ET.fromstring(sample_svg))
    for code, colour in SAMPLE_FILLS.items():
        assert paths[code].get("fill") == colour, code
    for code in ("XK", "HU", "IT"):
        assert paths[code].get("fill") == balkan_map.LAND


def test_labels_name_the_balkan_states(sample_svg):
    texts = _label_texts(ET.fromstring(sample_svg))
    for code in BALKANS:
        assert balkan_map.COUNTRY_NAMES[code] in texts, code
    assert "Kosovo" in texts and "Macedonia" in texts


def test_label_overrides_and_highlight():
    svg = balkan_map.render_map_svg(
        {"MK": PARTNER},
        highlight={"MK", "XK"},
        labels={"MK": "fYR Macedonia", "XK": "Kosovo*", "RS": ""},
    )
    root = ET.fromstring(svg)
    texts = _label_texts(root)
    assert "fYR Macedonia" in texts and "Kosovo*" in texts
    assert "Macedonia" not in texts and "Serbia" not in texts
    outlined = {p.get("data-highlight") for p in root.iter(f"{SVG}path") if p.get("data-highlight")}
    assert outlined == {"MK", "XK"}


def test_small_states_have_leader_lines(sample_svg):
    # Montenegro and Albania are labelled at sea with a line to a dot inside the country.
    root = ET.fromstring(sample_svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_leader_lines_start_at_the_measured_edge_of_their_label(sample_svg):
    # The box is the label's width in the bundled sans (bold: weight 600), plus a 3-unit gap.
    root = ET.fromstring(sample_svg)
    labels = {
        "".join(t.itertext()): t
        for t in root.iter(f"{SVG}text")
        if t.get("aria-hidden") != "true" and t.get("font-weight") == "600"
    }
    leaders = [p for p in root.iter(f"{SVG}path") if not p.get("data-code") and "L" in p.get("d")]
    leaders = [p for p in leaders if p.get("d").count("L") == 1 and not p.get("data-highlight")]
    assert len(leaders) == 2
    for name in ("Montenegro", "Albania"):
        label = labels[name]
        size = float(label.get("font-size"))
        x, y = float(label.get("x")), float(label.get("y")) - size * 0.35
        half_w = text_width(name, size, "bold") / 2 + 3
        half_h = size * 1.1 / 2 + 1
        starts = [tuple(float(v) for v in p.get("d")[1:].split("L")[0].split(",")) for p in leaders]
        start = min(starts, key=lambda s: math.dist(s, (x, y)))
        on_side = abs(abs(start[0] - x) - half_w) <= 0.1 and abs(start[1] - y) <= half_h + 0.1
        on_top = abs(abs(start[1] - y) - half_h) <= 0.1 and abs(start[0] - x) <= half_w + 0.1
        assert on_side or on_top, (name, start, (x, y), half_w, half_h)


def test_output_is_deterministic(sample_svg):
    again = balkan_map.render_map_svg(
        dict(reversed(list(SAMPLE_FILLS.items()))), highlight={"ME"}, title="NATO, November 2016"
    )
    assert again == sample_svg


def test_width_sets_size_only():
    small = ET.fromstring(balkan_map.render_map_svg({}, width=480))
    large = ET.fromstring(balkan_map.render_map_svg({}, width=960))
    assert small.get("viewBox") == large.get("viewBox")
    assert float(large.get("width")) == 2 * float(small.get("width"))
    assert float(large.get("height")) == pytest.approx(2 * float(small.get("height")), abs=0.2)


def test_self_contained_and_escaped():
    svg = balkan_map.render_map_svg(
        {"AL": 'red" onload="x', "XK": "#e4a13f"},
        hatched={"XK"},
        locate={"IL": "Israel & <co>"},
        title="Israel & <the> Balkans",
    )
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Israel & <the> Balkans"
    assert _paths_by_code(root)["AL"].get("fill") == 'red" onload="x'
    assert not any("onload" in el.attrib for el in root.iter())
    assert "Israel & <co>" in _label_texts(root)
    lowered = svg.lower()
    # The only references are to the drawing's own patterns, by fragment.
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert set(re.findall(r"url\(#([\w-]+)\)", lowered)) <= ids
    lowered = re.sub(r"url\(#[\w-]+\)", "", lowered)
    for bad in ("<script", "href", "url(", "@import", "<image", "<style"):
        assert bad not in lowered
    assert "font-family=\"'Briefing Sans', sans-serif\"" in svg


# --- hatched fills -----------------------------------------------------------------------


def test_hatched_states_are_striped_in_their_colour():
    svg = balkan_map.render_map_svg(
        {"XK": "#e4a13f", "BA": "#e4a13f", "RS": "#bcd5a4"}, hatched={"XK"}
    )
    root = ET.fromstring(svg)
    paths = _paths_by_code(root)
    assert paths["BA"].get("fill") == "#e4a13f" and paths["RS"].get("fill") == "#bcd5a4"
    ref = re.fullmatch(r"url\(#([\w-]+)\)", paths["XK"].get("fill"))
    assert ref
    pattern = next(p for p in root.iter(f"{SVG}pattern") if p.get("id") == ref.group(1))
    fills = [r.get("fill") for r in pattern.iter(f"{SVG}rect")]
    assert fills == [balkan_map.HALO, "#e4a13f"]  # stripes of the colour on white
    assert "rotate(45)" in pattern.get("patternTransform")
    assert len(list(root.iter(f"{SVG}pattern"))) == 1
    plain = balkan_map.render_map_svg({"XK": "#e4a13f"})
    assert "<pattern" not in plain and "<defs>" not in plain


# --- the locator inset -------------------------------------------------------------------


@pytest.fixture(scope="module")
def located_svg() -> str:
    return balkan_map.render_map_svg(SAMPLE_FILLS, locate={"IL": "Israel"}, title="NATO")


def _inset(root: ET.Element) -> ET.Element:
    group = next((g for g in root.iter(f"{SVG}g") if g.get("data-locator")), None)
    assert group is not None, "no locator inset"
    return group


def test_the_inset_locates_israel(located_svg):
    root = ET.fromstring(located_svg)
    inset = _inset(root)
    assert inset.get("data-locator") == "IL"
    state = next(p for p in inset.iter(f"{SVG}path") if p.get("data-locate") == "IL")
    assert state.get("fill") == locator.ACCENT and len(_points(state.get("d"))) > 10
    labels = [
        "".join(t.itertext()) for t in inset.iter(f"{SVG}text") if t.get("aria-hidden") != "true"
    ]
    assert labels == ["Israel"]
    # The map's frame is drawn in the inset, and Israel lies south-east of it, outside it.
    frame = next(r for r in inset.iter(f"{SVG}rect") if r.get("data-frame") == "map")
    fx, fy = float(frame.get("x")), float(frame.get("y"))
    fw, fh = float(frame.get("width")), float(frame.get("height"))
    assert fw / fh == pytest.approx(balkan_map.VIEW_WIDTH / balkan_map.VIEW_HEIGHT, rel=0.01)
    xs, ys = zip(*_points(state.get("d")), strict=True)
    assert min(xs) > fx + fw and min(ys) > fy + fh
    assert locator.direction("IL") == "south-east"


def test_the_inset_is_in_the_same_projection_and_inside_its_box(located_svg):
    root = ET.fromstring(located_svg)
    inset = _inset(root)
    x0, y0, x1, y1 = locator.inset_box(["IL"])
    assert 0 < x0 < x1 < balkan_map.VIEW_WIDTH and 0 < y0 < y1 < balkan_map.VIEW_HEIGHT
    for path in inset.iter(f"{SVG}path"):
        for x, y in _points(path.get("d")):
            assert x0 - 0.1 <= x <= x1 + 0.1 and y0 - 0.1 <= y <= y1 + 0.1
    # Tel Aviv, placed by the inset's own scale, falls inside the drawn outline of Israel.
    ex0, ey0, ex1, _ = locator.inset_extent(["IL"])
    k = (x1 - x0) / (ex1 - ex0)
    vx, vy = balkan_map.to_view(34.85, 32.0)
    state = next(p for p in inset.iter(f"{SVG}path") if p.get("data-locate") == "IL")
    assert _inside((x0 + (vx - ex0) * k, y0 + (vy - ey0) * k), _points(state.get("d")))


def test_the_inset_sits_on_open_sea(data):
    # It covers no state of the map, no label and no sea name.
    x0, y0, x1, y1 = locator.inset_box(["IL"])
    pad = 6.0  # the white rule around it, and a little air
    for code, country in data["countries"].items():
        for polygon in country["polygons"]:
            for lon, lat in polygon[0]:
                x, y = balkan_map.to_view(lon, lat)
                assert not (x0 - pad < x < x1 + pad and y0 - pad < y < y1 + pad), (code, lon, lat)
        if country["label"]:
            x, y = balkan_map.to_view(*country["label"])
            assert not (x0 - 60 < x < x1 + 60 and y0 - 20 < y < y1 + 20), code
    for text, lon, lat, _ in balkan_map.SEA_LABELS:
        x, y = balkan_map.to_view(lon, lat)
        half = text_width(text, balkan_map.SEA_LABEL_SIZE, "italic") / 2 + 6
        assert x + half < x0 or x - half > x1 or y + 12 < y0 or y - 12 > y1, text


def test_the_locator_data_covers_every_inset_extent():
    # The land in locator.json is clipped to its extent; the inset must not reach past it, or
    # a straight cut would show. Probe the inset's extent against the projected data extent.
    lon_min, lat_min, lon_max, lat_max = locator.load_locator()["extent"]
    steps = [i / 100 for i in range(101)]
    outline = (
        [(lon_min + (lon_max - lon_min) * t, lat_min) for t in steps]
        + [(lon_max, lat_min + (lat_max - lat_min) * t) for t in steps]
        + [(lon_max - (lon_max - lon_min) * t, lat_max) for t in steps]
        + [(lon_min, lat_max - (lat_max - lat_min) * t) for t in steps]
    )
    projected = [balkan_map.to_view(lon, lat) for lon, lat in outline]
    x0, y0, x1, y1 = locator.inset_extent(locator.load_locator()["states"])
    for t in steps[::10]:
        for probe in (
            (x0 + (x1 - x0) * t, y0),
            (x0 + (x1 - x0) * t, y1),
            (x0, y0 + (y1 - y0) * t),
            (x1, y0 + (y1 - y0) * t),
        ):
            assert _inside(probe, projected), probe


def test_no_inset_without_a_state_to_locate(sample_svg):
    assert "data-locator" not in sample_svg
    assert "data-locator" not in balkan_map.render_map_svg({}, locate={"XX": "Nowhere"})
    assert locator.render_locator({}) == ""


def test_the_inset_is_deterministic(located_svg):
    again = balkan_map.render_map_svg(SAMPLE_FILLS, locate={"IL": "Israel"}, title="NATO")
    assert again == located_svg
