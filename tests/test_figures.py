"""Figures: the countries data, the figure objects, the partials that write them, staff.html/.pdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markupsafe import Markup

from briefings import ContentError, load_project
from briefings.figures import (
    Figure,
    LocatedState,
    MapFigure,
    MatrixFigure,
    TimelineFigure,
    render_figures,
)
from briefings.figures.legend import DIMENSIONS, Category
from briefings.figures.matrix import render_matrix_figure
from briefings.figures.metrics import text_width, wrap
from briefings.figures.statusmap import render_map_figure
from briefings.figures.timeline import render_timeline_figure
from briefings.model import CountryData, Show
from briefings.templating import make_environment

REPO = Path(__file__).resolve().parent.parent

SVG = "{http://www.w3.org/2000/svg}"
DATA_FILE = "content/data/countries.yaml"
BALKANS = {
    "AL": "Albania",
    "BA": "Bosnia and Herzegovina",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "XK": "Kosovo",
    "MK": "Macedonia",
    "ME": "Montenegro",
    "RS": "Serbia",
    "SI": "Slovenia",
    "RO": "Romania",
    "GR": "Greece",
}
OUTSIDE = {"IL": "Israel", "US": "United States", "RU": "Russia", "TR": "Turkey"}


@pytest.fixture(scope="module")
def data() -> CountryData:
    project = load_project(REPO)
    assert project.country_data is not None
    return project.country_data


def _problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_project(root)
    return [str(p) for p in caught.value.problems]


def _line_of(path: Path, text: str, start: str = "") -> int:
    """1-based line of the first line containing text (after the first line containing start)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = next(i for i, line in enumerate(lines) if start in line) if start else 0
    return next(i for i, line in enumerate(lines) if i >= begin and text in line) + 1


def _edit(path: Path, old: str, new: str, *, after: str = "") -> None:
    text = path.read_text(encoding="utf-8")
    at = text.index(after) if after else 0
    index = text.index(old, at)
    path.write_text(text[:index] + new + text[index + len(old) :], encoding="utf-8")


# --- the data file ---------------------------------------------------------------------


def test_countries_file_validates(data):
    groups = {c.code: c.group for c in data.countries}
    assert {k for k, g in groups.items() if g == "balkans"} == set(BALKANS)
    assert {k for k, g in groups.items() if g == "outside"} == set(OUTSIDE)
    for code, name in {**BALKANS, **OUTSIDE}.items():
        country = data.country(code)
        assert country is not None and country.name == name
        assert country.leaning is not None, code
    assert data.as_of.isoformat() == "2016-11-25"
    assert data.file == DATA_FILE


def test_every_status_rests_on_a_source_or_a_note(data):
    for country in data.countries:
        for name in ("nato", "eu", "kosovo", "leaning"):
            entry = getattr(country, name)
            if entry is not None:
                assert entry.source or entry.note, f"{country.code}.{name}"
    for event in data.events:
        assert event.source or event.note, event.label


@pytest.mark.parametrize(
    ("code", "status", "since"),
    [
        ("AL", "member", "2009"),
        ("HR", "member", "2009"),
        ("SI", "member", "2004"),
        ("BG", "member", "2004"),
        ("RO", "member", "2004"),
        ("GR", "member", "1952"),
        ("TR", "member", "1952"),
        ("US", "member", "1949"),
        ("ME", "acceding", "2015-12"),
        ("RS", "partner", "2006"),
        ("BA", "partner", "2006"),
        ("MK", "partner", "1995"),
        ("XK", "none", None),
    ],
)
def test_nato_statuses_match_late_2016(data, code, status, since):
    nato = data.country(code).nato
    assert (nato.status, nato.since) == (status, since)


@pytest.mark.parametrize(
    ("code", "status", "since"),
    [
        ("SI", "member", "2004"),
        ("BG", "member", "2007"),
        ("RO", "member", "2007"),
        ("HR", "member", "2013"),
        ("GR", "member", "1981"),
        ("ME", "candidate", "2010"),
        ("RS", "candidate", "2012"),
        ("MK", "candidate", "2005"),
        ("AL", "candidate", "2014-06"),
        ("TR", "candidate", "1999"),
        ("BA", "applicant", "2016-02-15"),
        ("XK", "potential-candidate", "2016-04"),
        ("IL", "none", None),
        ("RU", "none", None),
    ],
)
def test_eu_statuses_match_late_2016(data, code, status, since):
    eu = data.country(code).eu
    assert (eu.status, eu.since) == (status, since)


def test_recognition_of_kosovo_matches_late_2016(data):
    recognises = {c.code for c in data.countries if c.kosovo.status == "recognises"}
    refuses = {c.code for c in data.countries if c.kosovo.status == "does-not-recognise"}
    assert {"US", "TR", "AL", "HR", "SI", "BG", "MK", "ME"} <= recognises
    assert {"IL", "RS", "RU", "BA", "GR", "RO", "SK"} <= refuses
    assert data.country("XK").kosovo.status == "self"
    # Israel's stance rests on the article's paragraph 12.
    assert data.country("IL").kosovo.source.paragraphs == (12,)


def test_leanings_follow_the_article(data):
    assert data.country("RS").leaning.status == "divided"
    assert data.country("RS").leaning.source.paragraphs == (10,)
    assert data.country("MK").leaning.status == "israel"
    assert data.country("ME").leaning.status == "west"
    assert data.country("BG").leaning.status == "not-described"


def test_key_events_are_dated(data):
    by_label = {e.label: e for e in data.events}

    def find(words: str):
        return next(e for label, e in by_label.items() if words in label)

    assert find("NATO accession protocol").date == "2016-05-19"
    assert find("parliamentary election; arrests").date == "2016-10-16"
    assert find("Trump elected").date == "2016-11-08"
    assert find("Crna Gora 2016").date == "2016-10-31"
    assert find("Crna Gora 2016").end.isoformat() == "2016-11-04"
    assert find("normalise relations").date == "2016-06-28"
    assert find("Montenegro expected to join NATO").date == "2017"


# --- errors, with file and line ----------------------------------------------------------


def test_bad_status_is_reported_with_file_and_line(project):
    path = project / DATA_FILE
    _edit(path, "status: acceding", "status: invited")
    line = _line_of(path, "status: invited")
    assert _problems(project) == [
        f"{DATA_FILE}:{line}:7: countries[6].nato.status: "
        "expected member|acceding|partner|none, got 'invited'"
    ]


def test_unknown_field_gets_a_suggestion(project):
    path = project / DATA_FILE
    _edit(path, "    leaning:\n", "    leanning:\n", after="code: RS")
    line = _line_of(path, "leanning:")
    assert _problems(project) == [
        f"{DATA_FILE}:{line}:5: countries[8].leanning: unknown field; did you mean 'leaning'?"
    ]


def test_cross_checks_report_every_problem(project):
    path = project / DATA_FILE
    _edit(path, "since: 2016-02-15", "since: 2016-02-30")
    _edit(path, "paragraphs: [14]", "paragraphs: [44]")
    _edit(
        path,
        "      note: The state presidency has not agreed to recognition; the Serb member opposes it.\n",
        "",
    )
    _edit(path, "countries: [BA]", "countries: [CY]")
    _edit(path, "status: self", "status: recognises")
    problems = _problems(project)
    expected = [
        (_line_of(path, "since: 2016-02-30"), "countries[1].eu.since: no such date: '2016-02-30'"),
        (
            _line_of(path, "kosovo:", "code: BA"),
            "countries[1].kosovo: give a 'source' (seed and paragraphs) or a 'note' "
            "(the public record)",
        ),
        (_line_of(path, "status: recognises", "code: XK"), "countries[4].kosovo.status: "),
        (
            _line_of(path, "paragraphs: [44]"),
            "countries[5].leaning.source.paragraphs[0]: seed 'israel-balkans-2016' has no "
            "paragraph 44 (it has 1-20)",
        ),
        (_line_of(path, "countries: [CY]"), "events[1].countries[0]: 'CY' is not in countries"),
    ]
    for line, message in expected:
        assert any(p.startswith(f"{DATA_FILE}:{line}:") and message in p for p in problems), (
            line,
            message,
            problems,
        )
    assert any("Kosovo (XK) takes 'self'" in p for p in problems)


def test_data_file_is_optional_unless_figures_are_asked_for(project):
    (project / DATA_FILE).unlink()
    loaded = load_project(project)
    assert loaded.country_data is None
    from briefings import assemble_briefing

    briefing = assemble_briefing(loaded, "staff", ())
    with pytest.raises(ContentError) as caught:
        render_figures(briefing)
    assert str(caught.value) == (
        "audience 'staff' asks for figures (map, timeline, matrix), but there is no figures data "
        "it may see (content/data/countries.yaml is missing, or marked above its internal "
        "ceiling); add it or set 'figures: []'"
    )


# --- the figure objects -------------------------------------------------------------------


@pytest.fixture(scope="module")
def objects(data) -> dict[str, Figure]:
    return {
        "map": render_map_figure(data, "nato"),
        "timeline": render_timeline_figure(data),
        "matrix": render_matrix_figure(data),
    }


def test_figure_objects_are_frozen_data_with_safe_svg(objects):
    assert isinstance(objects["map"], MapFigure)
    assert isinstance(objects["timeline"], TimelineFigure)
    assert isinstance(objects["matrix"], MatrixFigure)
    for name, figure in objects.items():
        assert figure.name == name
        assert figure.marking == "public"
        assert figure.as_of.isoformat() == "2016-11-25"
        with pytest.raises(dataclasses.FrozenInstanceError):
            figure.name = "other"  # type: ignore[misc]
    assert isinstance(objects["map"].svg, Markup) and isinstance(objects["timeline"].svg, Markup)
    assert objects["matrix"].svg is None


def test_map_figure_data(objects):
    figure = objects["map"]
    assert (figure.dimension, figure.subject) == ("nato", "NATO membership")
    legend = {entry.status: entry for entry in figure.legend}
    assert list(legend) == ["member", "acceding", "partner", "none"]
    assert legend["acceding"].members == ("Montenegro",)
    assert legend["acceding"].colour == DIMENSIONS["nato"].category("acceding").colour
    assert legend["partner"].members == ("Bosnia and Herzegovina", "Macedonia", "Serbia")
    frame = [(s.name, s.label) for s in figure.frame_states]
    assert frame[0] == ("Turkey", "Member")  # outside actors first, then the neighbours by name
    assert ("Austria", "Partner") in frame and ("Ukraine", "Partner") in frame
    # Israel, the outside actor beyond the frame, is located by the inset.
    assert figure.located == (LocatedState("IL", "Israel", "south-east"),)


def test_timeline_figure_data(objects):
    figure = objects["timeline"]
    assert figure.markers == ("dot", "span", "open")
    by_label = {e.label: e for e in figure.events}
    exercise = next(e for label, e in by_label.items() if label.startswith("Crna Gora 2016"))
    assert (exercise.marker, exercise.precision, exercise.cite) == ("span", "day", "para. 5")
    assert exercise.end is not None and exercise.end.isoformat() == "2016-11-04"
    assert exercise.countries == ("Montenegro", "Israel")
    joins = next(e for label, e in by_label.items() if label.startswith("Montenegro expected"))
    assert (joins.marker, joins.precision, joins.expected, joins.end) == (
        "open",
        "year",
        True,
        None,
    )
    invite = next(e for label, e in by_label.items() if label.startswith("NATO invites"))
    assert (invite.cite, invite.marker) == ("", "dot") and invite.note


def test_matrix_figure_data(objects):
    figure = objects["matrix"]
    assert [c.key for c in figure.columns] == ["nato", "eu", "kosovo", "leaning"]
    assert [c.short for c in figure.columns] == ["NATO", "EU", "Kosovo", "Leaning"]
    assert [g.key for g in figure.groups] == ["balkans", "outside"]
    montenegro = next(r for r in figure.groups[0].rows if r.code == "ME")
    nato = montenegro.cells[0]
    assert (nato.column, nato.status, nato.cite) == ("nato", "acceding", "para. 5")
    assert montenegro.marking == "public"


def test_figures_are_deterministic(data, objects):
    assert render_map_figure(data, "nato") == objects["map"]
    assert render_timeline_figure(data) == objects["timeline"]
    assert render_matrix_figure(data) == objects["matrix"]


# --- read without colour ----------------------------------------------------------------

GREY_APART = 25  # grey levels (0-255) between two solid fills of one dimension, at least


def _grey(colour: str) -> float:
    """The grey level a greyscale print (or Pillow's convert("L")) gives a hex colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return r * 299 / 1000 + g * 587 / 1000 + b * 114 / 1000


def _swatch(background: str) -> tuple[str, tuple[float, ...]]:
    """A CSS background as (kind, grey levels of its colours): solid, hatch or split."""
    greys = tuple(_grey(c) for c in re.findall(r"#[0-9a-f]{6}", background))
    if background.startswith("repeating-linear-gradient("):
        return "hatch", greys
    if background.startswith("linear-gradient("):
        return "split", greys
    assert re.fullmatch(r"#[0-9a-f]{6}", background), background
    return "solid", greys


def _apart(a: tuple[str, tuple[float, ...]], b: tuple[str, tuple[float, ...]]) -> bool:
    """Whether two fills read apart without hue: another pattern, or another grey level."""
    if a[0] != b[0]:
        return True
    return max(abs(x - y) for x, y in zip(a[1], b[1], strict=True)) >= GREY_APART


@pytest.mark.parametrize("dimension", sorted(DIMENSIONS))
def test_every_dimension_reads_apart_in_greyscale(dimension):
    categories = DIMENSIONS[dimension].categories
    fills = {c.key: _swatch(c.background) for c in categories}
    for a, b in itertools.combinations(categories, 2):
        assert _apart(fills[a.key], fills[b.key]), (
            dimension,
            a.key,
            b.key,
            fills[a.key],
            fills[b.key],
        )


def test_the_old_tints_would_not_pass():
    # The orange and pink tints the EU column had, alike in greyscale (a reviewer's finding).
    old = {"applicant": "#f1cc8e", "potential-candidate": "#f7e3bd", "none": "#ebc6bd"}
    assert not _apart(_swatch(old["applicant"]), _swatch(old["none"]))
    assert not _apart(_swatch(old["applicant"]), _swatch(old["potential-candidate"]))


def test_a_category_background_is_its_fill():
    hatched = Category("x", "X", "#e4a13f", "X", pattern="hatch")
    assert hatched.background.startswith("repeating-linear-gradient(135deg, #e4a13f 0,")
    split = Category("y", "Y", "#5d90c3", "Y", pattern="split", second="#a54c37")
    assert split.background == "linear-gradient(90deg, #5d90c3 50%, #a54c37 50%)"
    assert Category("z", "Z", "#bcd5a4", "Z").background == "#bcd5a4"


def test_matrix_swatches_read_apart_in_greyscale(figures):
    # As written: each column's legend keys, and each cell's swatch is its status's key.
    root = ET.fromstring(figures["matrix"])
    styles = re.compile(r"background: ([^;]+);")
    keys = {}
    for li, column in zip(root.iter("li"), ("nato", "eu", "kosovo", "leaning"), strict=True):
        entries = li.findall("span[@class='fig-key']")
        keys[column] = {
            "".join(e.itertext()).strip(): _swatch(styles.search(e[0].get("style"))[1])
            for e in entries
        }
        assert len(keys[column]) >= 3, column
        for (a, fa), (b, fb) in itertools.combinations(keys[column].items(), 2):
            assert _apart(fa, fb), (column, a, b, fa, fb)
    seen = set()
    for td in root.iter("td"):
        column, status = td.get("class")[4:], td.get("data-status")
        label = DIMENSIONS[column].category(status).label
        assert _swatch(styles.search(td[0].get("style"))[1]) == keys[column][label]
        seen.add((column, status))
    assert ("eu", "potential-candidate") in seen and ("leaning", "divided") in seen


@pytest.mark.parametrize("dimension", ["nato", "eu", "kosovo"])
def test_map_fills_read_apart_in_greyscale(data, dimension):
    svg = ET.fromstring(render_map_figure(data, dimension).svg)
    patterns = {
        p.get("id"): _swatch(p.findall(f"{SVG}rect")[1].get("fill"))[1]
        for p in svg.iter(f"{SVG}pattern")
    }
    fills = {}
    for path in svg.iter(f"{SVG}path"):
        code, fill = path.get("data-code"), path.get("fill")
        if code in BALKANS:
            ref = re.fullmatch(r"url\(#([\w-]+)\)", fill)
            fills[code] = ("hatch", patterns[ref[1]]) if ref else _swatch(fill)
    statuses = {code: getattr(data.country(code), dimension).status for code in BALKANS}
    for a, b in itertools.combinations(sorted(BALKANS), 2):
        if statuses[a] != statuses[b]:
            assert _apart(fills[a], fills[b]), (dimension, a, b, fills[a], fills[b])
        else:
            assert fills[a] == fills[b], (a, b)


# --- the figures as the templates write them ----------------------------------------------

PLACE = '{% import "partials/figures.html" as fig with context %}{{ fig.figure(name) }}'


def _write(
    figure: Figure, *, portion_marks: bool = False, user: Path | None = None, shared: Path = REPO
) -> str:
    """Write one figure with the shipped partials (or a user folder's), as base.html does."""
    env = make_environment(shared / "templates", shared / "templates" / "staff", user)
    context = {
        "figures": {figure.name: figure},
        "show": Show(portion_marks=portion_marks),
        "name": figure.name,
    }
    return env.from_string(PLACE).render(**context).strip()


@pytest.fixture(scope="module")
def figures(objects) -> dict[str, str]:
    return {name: _write(figure) for name, figure in objects.items()}


def _svg(figure: str) -> ET.Element:
    root = ET.fromstring(figure)
    svg = root.find(f".//{SVG}svg")
    assert svg is not None
    return svg


@pytest.mark.parametrize("name", ["map", "timeline", "matrix"])
def test_each_figure_is_a_captioned_self_contained_figure(figures, name):
    markup = figures[name]
    root = ET.fromstring(markup)  # well-formed, so it parses as XML too
    assert root.tag == "figure" and root.get("id") == f"figure-{name}"
    assert f"figure-{name}" in root.get("class").split()
    caption = root.find("figcaption")
    assert caption is not None and caption.find("span").get("class") == "figure-title"
    assert "".join(caption.itertext()).strip().endswith("25 November 2016")
    assert root.find(".//p[@class='fig-note']") is not None
    # The only url() allowed is a fragment naming the drawing's own pattern (a hatched fill).
    lowered = re.sub(r"url\(#map-hatch-\d+\)", "", markup.lower())
    for bad in ("<script", "href=", "url(", "@import", "<image", "<img", "<iframe"):
        assert bad not in lowered, bad
    # No tool internals on the page.
    for internal in ("content/", "countries.yaml", ".yaml", "{{", "{%"):
        assert internal not in markup, internal


@pytest.mark.parametrize("name", ["map", "timeline"])
def test_svg_figures_carry_alt_text_and_the_bundled_font(figures, name):
    svg = _svg(figures[name])
    assert svg.get("role") == "img" and svg.get("aria-label")
    assert svg.find(f"{SVG}title").text == svg.get("aria-label")
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and len(desc.text) > 100
    assert "Briefing Sans" in figures[name]
    assert svg.get("viewBox", "").startswith("0 0 ")


def test_map_colours_states_by_nato_status(figures):
    svg = _svg(figures["map"])
    fills = {
        p.get("data-code"): p.get("fill") for p in svg.iter(f"{SVG}path") if p.get("data-code")
    }
    nato = DIMENSIONS["nato"]
    assert fills["ME"] == nato.category("acceding").colour
    for code in ("AL", "HR", "SI", "BG", "RO", "GR"):
        assert fills[code] == nato.category("member").colour, code
    for code in ("RS", "BA", "MK"):
        assert fills[code] == nato.category("partner").colour, code
    assert fills["XK"] == nato.category("none").colour
    outlined = {p.get("data-highlight") for p in svg.iter(f"{SVG}path") if p.get("data-highlight")}
    assert outlined == {"ME"}


def test_map_locates_israel_in_an_inset(figures):
    svg = _svg(figures["map"])
    inset = next(g for g in svg.iter(f"{SVG}g") if g.get("data-locator"))
    assert inset.get("data-locator") == "IL"
    assert any(p.get("data-locate") == "IL" for p in inset.iter(f"{SVG}path"))
    assert "Israel" in ["".join(t.itertext()) for t in inset.iter(f"{SVG}text")]
    desc = svg.find(f"{SVG}desc").text
    assert desc.endswith("An inset shows where Israel lies, south-east of the area mapped.")


def test_map_caption_legend_and_note(figures):
    root = ET.fromstring(figures["map"])
    title = "".join(root.find("figcaption").itertext())
    assert title == "NATO membership in the Balkans, 25 November 2016"
    legend = [" ".join("".join(li.itertext()).split()) for li in root.iter("li")]
    assert "Invited, acceding Montenegro" in legend
    assert "Partner Bosnia and Herzegovina, Macedonia, Serbia" in legend
    swatch = root.find(".//li/span[@class='fig-swatch']")
    assert DIMENSIONS["nato"].category("member").colour in swatch.get("style")
    note = " ".join("".join(root.find(".//p[@class='fig-note']").itertext()).split())
    assert note.startswith(
        "Other states in the frame are left grey; their status: Turkey (member), Austria (partner),"
    )
    assert "The inset shows where Israel lies, south-east of the area mapped." in note
    assert "Boundaries are shown as they are de facto" in note
    assert "showing Kosovo as a separate unit implies no position on its status" in note
    assert "in common use in 2016" in note and "Natural Earth (public domain)" in note


def test_timeline_caption_key_and_note(figures):
    root = ET.fromstring(figures["timeline"])
    title = "".join(root.find("figcaption").itertext())
    assert title == "Timeline: what happened, and what is expected, as of 25 November 2016"
    keys = [(li.find("span").get("class"), "".join(li.itertext())) for li in root.iter("li")]
    assert keys == [
        ("fig-mark fig-mark-dot", "Event"),
        ("fig-mark fig-mark-span", "Event over several days"),
        ("fig-mark fig-mark-open", "Scheduled or expected"),
    ]
    note = "".join(root.find(".//p[@class='fig-note']").itertext())
    assert note == (
        "“analysis para. n”: the paragraph of the November 2016 analysis (in Sources) that "
        "reports the event; “public record”: established dates the analysis does not give."
    )


def test_dates_in_the_wording_come_from_the_data(data):
    later = data.model_copy(update={"as_of": dt.date(2017, 3, 1)})
    written = _write(render_map_figure(later, "eu"))
    root = ET.fromstring(written)
    assert (
        "".join(root.find("figcaption").itertext()) == "EU membership in the Balkans, 1 March 2017"
    )
    assert "in common use in 2017" in written
    timeline = ET.fromstring(_write(render_timeline_figure(later)))
    assert "".join(timeline.find("figcaption").itertext()).endswith("as of 1 March 2017")


def test_portion_marks_head_each_caption_and_matrix_row_when_shown(objects):
    for figure in objects.values():
        root = ET.fromstring(_write(figure, portion_marks=True))
        mark = root.find("figcaption/span")
        assert mark.get("class") == "portion" and mark.get("title") == "public"
        assert mark.text == "(P)"
        assert root.find("figcaption/span[2]").get("class") == "figure-title"
        plain = ET.fromstring(_write(figure))
        assert plain.find(".//span[@class='portion']") is None
    matrix = ET.fromstring(_write(objects["matrix"], portion_marks=True))
    rows = [tr for tr in matrix.iter("tr") if tr.get("data-code")]
    assert rows and all("".join(tr.find("th").itertext()).startswith("(P) ") for tr in rows)


@pytest.mark.parametrize(
    ("dimension", "code", "status"),
    [("eu", "BA", "applicant"), ("kosovo", "RS", "does-not-recognise")],
)
def test_map_can_show_another_status(data, dimension, code, status):
    svg = ET.fromstring(render_map_figure(data, dimension).svg)
    fills = {
        p.get("data-code"): p.get("fill") for p in svg.iter(f"{SVG}path") if p.get("data-code")
    }
    assert fills[code] == DIMENSIONS[dimension].category(status).colour


def test_timeline_lists_events_in_date_order_with_expected_ones_hollow(figures, data):
    svg = _svg(figures["timeline"])
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    order = [
        "NATO invites Montenegro to join the alliance",
        "Montenegro signs its NATO accession protocol",
        "Montenegro's parliamentary election; arrests over an alleged plot",
        "Donald Trump elected President of the United States",
        "Inauguration of President Trump",
    ]
    positions = [next(i for i, t in enumerate(texts) if t.startswith(label)) for label in order]
    assert positions == sorted(positions)
    assert "31 Oct – 4 Nov" in texts and "16 Oct" in texts
    assert any(t.startswith("Information date, 25 November 2016") for t in texts)
    expected = [e for e in data.events if e.date > "2016-11-25"]
    hollow = [c for c in svg.iter(f"{SVG}circle") if c.get("fill") == "#ffffff"]
    assert len(hollow) == len(expected) == 4


def test_timeline_text_fits_the_frame(figures):
    svg = _svg(figures["timeline"])
    width = float(svg.get("viewBox").split()[2])
    for text in svg.iter(f"{SVG}text"):
        if text.get("text-anchor") == "end":
            continue
        size = float(text.get("font-size"))
        style = "italic" if text.get("font-style") == "italic" else "regular"
        assert float(text.get("x")) + text_width("".join(text.itertext()), size, style) <= width


def test_matrix_has_a_row_per_state_with_cited_statuses(figures):
    root = ET.fromstring(figures["matrix"])
    rows = {tr.get("data-code"): tr for tr in root.iter("tr") if tr.get("data-code")}
    assert set(rows) == set(BALKANS) | set(OUTSIDE)
    names = {code: "".join(tr.find("th").itertext()) for code, tr in rows.items()}
    assert names == {**BALKANS, **OUTSIDE}

    def cell(code: str, column: str) -> ET.Element:
        return next(td for td in rows[code].iter("td") if td.get("class") == f"fig-{column}")

    assert cell("ME", "nato").get("data-status") == "acceding"
    assert "para. 5" in "".join(cell("ME", "nato").itertext())
    assert cell("AL", "nato").get("data-status") == "member"
    assert "Member since 2009" in "".join(cell("AL", "nato").itertext())
    assert cell("IL", "kosovo").get("data-status") == "does-not-recognise"
    assert cell("RS", "kosovo").get("data-status") == "does-not-recognise"
    assert cell("RS", "leaning").get("data-status") == "divided"
    assert cell("XK", "eu").get("title")  # the public-record note is the cell's tooltip
    headers = ["".join(th.itertext()) for th in root.find("table/thead").iter("th")]
    assert headers == [
        "State",
        "NATO",
        "European Union",
        "Recognises Kosovo",
        "Leaning, as the article describes it",
    ]
    groups = ["".join(tr.itertext()) for tr in root.iter("tr") if tr.get("class") == "fig-group"]
    assert groups == ["Balkan states", "Outside actors"]
    legend = [" ".join("".join(li.itertext()).split()) for li in root.iter("li")]
    assert legend[0] == "NATO Member Invited, acceding Partner Neither member nor partner"
    assert [item.split()[0] for item in legend] == ["NATO", "EU", "Kosovo", "Leaning"]


def test_a_user_template_changes_the_wording_and_keeps_the_rest(objects, tmp_path):
    mine = tmp_path / "mine"
    (mine / "partials").mkdir(parents=True)
    (mine / "partials" / "figure-map.html").write_text(
        '{% extends "shipped:partials/figure-map.html" %}\n'
        "{% block title %}Who is in NATO, {{ figure.as_of.year }}{% endblock %}\n"
        '{% block note %}<p class="fig-note">Our own note.</p>{% endblock %}\n',
        encoding="utf-8",
    )
    root = ET.fromstring(_write(objects["map"], portion_marks=True, user=mine))
    assert "".join(root.find("figcaption").itertext()) == "(P) Who is in NATO, 2016"
    assert "".join(root.find(".//p[@class='fig-note']").itertext()) == "Our own note."
    assert root.find(f".//{SVG}svg") is not None and len(list(root.iter("li"))) == 4


def test_figures_reach_the_document_as_objects(project):
    from briefings import assemble_briefing
    from briefings.rendering import TemplateRoots, render_html

    briefing = assemble_briefing(load_project(project), "staff", ())
    drawn = render_figures(briefing)
    assert list(drawn) == ["map", "timeline", "matrix"]
    html = render_html(briefing, TemplateRoots(project / "templates"))
    for figure in drawn.values():
        assert _write(figure, portion_marks=True, shared=project) in html


def test_wrap_keeps_lines_inside_the_width():
    text = "Kosovo's Stabilisation and Association Agreement with the EU enters into force"
    lines = wrap(text, 200, 10)
    assert " ".join(lines) == text and len(lines) > 1
    assert all(text_width(line, 10) <= 200 for line in lines)


# --- the staff documents -----------------------------------------------------------------


def _figure_blocks(html: str) -> dict[str, ET.Element]:
    blocks = re.findall(r'<figure class="figure[^"]*" id="figure-[a-z]+">.*?</figure>', html, re.S)
    parsed = [ET.fromstring(block) for block in blocks]
    return {element.get("id"): element for element in parsed}


def test_staff_html_carries_the_three_figures(built_book):
    html = (built_book / "staff.html").read_text(encoding="utf-8")
    assert '<section class="figures" id="figures">' in html
    figures = _figure_blocks(html)
    assert list(figures) == ["figure-map", "figure-timeline", "figure-matrix"]
    map_svg = figures["figure-map"].find(f".//{SVG}svg")
    paths = {
        p.get("data-code"): p.get("d") for p in map_svg.iter(f"{SVG}path") if p.get("data-code")
    }
    assert set(BALKANS) <= set(paths)
    for code in BALKANS:  # real shapes: many vertices, not boxes
        assert paths[code].count("L") > 20, code
    labels = {
        " ".join(" ".join(t.itertext()).split())
        for t in map_svg.iter(f"{SVG}text")
        if t.get("aria-hidden") != "true"
    }
    for name in BALKANS.values():
        assert name in labels, name
    assert "Israel" in labels  # the locator inset
    assert any(p.get("data-locate") == "IL" for p in map_svg.iter(f"{SVG}path"))
    timeline = figures["figure-timeline"].find(f".//{SVG}svg")
    assert timeline.get("role") == "img"
    matrix_names = {"".join(th.itertext()) for th in figures["figure-matrix"].iter("th")}
    # Row headers carry their portion mark: staff shows portion marks.
    wanted = {f"(P) {name}" for name in (*BALKANS.values(), *OUTSIDE.values())}
    assert wanted <= matrix_names


def test_staff_pdf_carries_the_figures_as_vector_text(built_book):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO((built_book / "staff.pdf").read_bytes()))
    pages = [page.extract_text() or "" for page in reader.pages]

    def squash(text: str) -> str:
        return re.sub(r"\s+", "", text)

    def page_with(title: str) -> int:
        return next(i for i, text in enumerate(pages) if title in text)

    map_page = page_with("Figure 1. NATO membership in the Balkans")
    timeline_page = page_with("Figure 2. Timeline")
    matrix_page = page_with("Figure 3. Alignment of the Balkan states")
    assert map_page < timeline_page < matrix_page
    for name in BALKANS.values():
        assert squash(name) in squash(pages[map_page]), name
        assert squash(name) in squash(pages[matrix_page]), name
    for label in ("Montenegro signs its NATO accession protocol", "Donald Trump elected"):
        assert squash(label) in squash(pages[timeline_page])
    assert "Boundaries are shown as they are de facto" in " ".join(pages[map_page].split())
    section = next(
        i
        for i, item in enumerate(reader.outline)
        if getattr(item, "title", "") == "The region at a glance"
    )
    titles = [item.title for item in reader.outline[section + 1]]
    assert titles == [
        "Figure 1. NATO membership in the Balkans, 25 November 2016",
        "Figure 2. Timeline: what happened, and what is expected, as of 25 November 2016",
        "Figure 3. Alignment of the Balkan states and outside actors, 25 November 2016",
    ]
    for index in (map_page, timeline_page, matrix_page):
        page = reader.pages[index]
        assert not page.images  # drawn, not pasted in as pictures
        fonts = {
            str(font.get_object().get("/BaseFont"))
            for font in page["/Resources"].get("/Font", {}).values()
        }
        assert fonts and all("Briefing-Sans" in f or "Briefing-Serif" in f for f in fonts), fonts


def test_staff_pdf_map_page_shows_the_status_colours(built_book):
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO((built_book / "staff.pdf").read_bytes()))
    index = next(i for i, p in enumerate(reader.pages) if "Figure 1." in (p.extract_text() or ""))
    document = pdfium.PdfDocument(str(built_book / "staff.pdf"))
    try:
        image = document[index].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    counts = {pixel: n for n, pixel in image.getcolors(maxcolors=1 << 24)}
    nato = DIMENSIONS["nato"]

    def area(colour: str) -> int:
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            n
            for pixel, n in counts.items()
            if max(abs(a - b) for a, b in zip(pixel, rgb, strict=True)) <= 6
        )

    total = image.width * image.height
    assert area(nato.category("member").colour) > total * 0.05  # most of the region
    assert area(nato.category("partner").colour) > total * 0.01  # Serbia, Bosnia, Macedonia
    assert area(nato.category("acceding").colour) > total * 0.001  # Montenegro


def test_staff_pdf_map_page_reads_in_greyscale(built_book):
    # Rendered and turned grey, each NATO status on the map still covers its own grey level.
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO((built_book / "staff.pdf").read_bytes()))
    index = next(i for i, p in enumerate(reader.pages) if "Figure 1." in (p.extract_text() or ""))
    document = pdfium.PdfDocument(str(built_book / "staff.pdf"))
    try:
        image = document[index].render(scale=110 / 72).to_pil().convert("L")
    finally:
        document.close()
    histogram = image.histogram()
    total = image.width * image.height
    nato = DIMENSIONS["nato"]
    levels = {}
    for status, share in (
        ("member", 0.05),
        ("acceding", 0.001),
        ("partner", 0.01),
        ("none", 0.0005),
    ):
        level = round(_grey(nato.category(status).colour))
        assert sum(histogram[level - 1 : level + 2]) > total * share, status
        levels[status] = level
    for a, b in itertools.combinations(levels, 2):
        assert abs(levels[a] - levels[b]) >= GREY_APART, (a, b, levels)


def test_the_figures_draw_with_the_stylesheet_palette() -> None:
    import re

    from briefings.figures import legend

    css = (Path(__file__).resolve().parent.parent / "templates" / "print.css").read_text()
    palette = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6});", css))
    for name in ("ink", "muted", "rule", "accent"):
        assert getattr(legend, name.upper()) == palette[name], name
