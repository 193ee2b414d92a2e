"""The Balkan reference map: committed boundary data and the SVG drawn from it."""

from __future__ import annotations

import itertools
import json
import math
import xml.etree.ElementTree as ET

import pytest

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
    svg = balkan_map.render_map_svg({"AL": 'red" onload="x'}, title="Israel & <the> Balkans")
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Israel & <the> Balkans"
    assert _paths_by_code(root)["AL"].get("fill") == 'red" onload="x'
    assert not any("onload" in el.attrib for el in root.iter())
    lowered = svg.lower()
    for bad in ("<script", "href", "url(", "@import", "<image", "<style"):
        assert bad not in lowered
    assert "font-family=\"'Briefing Sans', sans-serif\"" in svg
