"""Loading: files → validated model, and every kind of problem by its exact message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings import ContentError, load_project
from briefings.cli import cli
from briefings.loading import load_project_with_positions
from briefings.strictyaml import parse_yaml

GOOD_POINT = """\
  - id: sample
    kind: fact
    headline: A sample fact.
    priority: 2
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [2]
    as_of: 2016-11-25
"""


def write_topic(project: Path, body: str, name: str = "zz-test") -> Path:
    path = project / "content" / f"{name}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems(project: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_project(project)
    return [str(p) for p in caught.value.problems]


def topic_with(point_fields: str) -> str:
    return (
        "title: Test\nsummary: {text: A test topic., marking: public}\norder: 99\npoints:\n"
        + point_fields
    )


def test_real_project_loads_into_frozen_objects() -> None:
    project = load_project(Path(__file__).resolve().parent.parent)
    assert {t.id for t in project.topics} >= {"security", "energy", "kosovo", "un-voting", "russia"}
    point = project.topic("kosovo").points[0]
    assert point.ref.startswith("kosovo.")
    with pytest.raises(Exception, match="frozen"):
        point.headline = "changed"  # type: ignore[misc]


def test_topics_are_ordered_by_order_then_id(project: Path) -> None:
    ids = [t.id for t in load_project(project).topics]
    assert ids[:5] == ["security", "energy", "kosovo", "un-voting", "russia"]


def test_unknown_field_suggests_the_close_one(project: Path) -> None:
    write_topic(project, topic_with(GOOD_POINT.replace("headline:", "headlin:")))
    assert problems(project) == [
        "content/zz-test.yaml:5:5: points[0]: missing required field 'headline'",
        "content/zz-test.yaml:7:5: points[0].headlin: unknown field; did you mean 'headline'?",
    ]


def test_wrong_enum_names_the_choices(project: Path) -> None:
    write_topic(project, topic_with(GOOD_POINT.replace("marking: public", "marking: secret")))
    assert problems(project) == [
        "content/zz-test.yaml:9:5: points[0].marking: expected public|internal|restricted, got 'secret'"
    ]


def test_all_problems_are_reported_together(project: Path) -> None:
    bad = GOOD_POINT.replace("priority: 2", "priority: 7").replace("kind: fact", "kind: rumour")
    write_topic(project, topic_with(bad))
    write_topic(
        project,
        "title: Other\nsummary: {text: x, marking: public}\norder: nine\npoints: []\n",
        name="zz-other",
    )
    found = problems(project)
    assert (
        "content/zz-test.yaml:6:5: points[0].kind: expected fact|assessment|recommendation|talking-point|risk, got 'rumour'"
        in found
    )
    assert (
        "content/zz-test.yaml:8:5: points[0].priority: input should be less than or equal to 3, got 7"
        in found
    )
    assert "content/zz-other.yaml:3:1: order: expected a whole number, got 'nine'" in found
    assert "content/zz-other.yaml:4:1: points: must have at least one entry" in found


def test_no_implicit_booleans_or_dates() -> None:
    parsed = parse_yaml(
        b"country: NO\nflag: yes\nwhen: 2016-11-25\nn: 3\nok: true\nnothing: null\n"
    )
    assert parsed.problems == []
    assert parsed.data == {
        "country": "NO",
        "flag": "yes",
        "when": "2016-11-25",
        "n": 3,
        "ok": True,
        "nothing": None,
    }


def test_headline_that_yaml_would_type_must_be_text(project: Path) -> None:
    write_topic(
        project, topic_with(GOOD_POINT.replace("headline: A sample fact.", "headline: 2017"))
    )
    assert problems(project) == [
        "content/zz-test.yaml:7:5: points[0].headline: expected text, got 2017 (put it in quotes)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"a: 1\na: 2\n", "2:1: a: duplicate key (first at line 1); the first value is used"),
        (b"a: &x [1]\nb: *x\n", "2:4: YAML aliases (*name) are not allowed; write the value out"),
        (
            b"a: !!python/object/apply:os.system ['true']\n",
            "1:4: a: YAML tags are not allowed (found 'tag:yaml.org,2002:python/object/apply:os.system'); remove it",
        ),
        (
            b"a: [1\n",
            "2:1: YAML syntax: did not find expected ',' or ']' "
            "(while parsing a flow sequence started at line 1, column 4)",
        ),
        (b"a: \xff\n", "1:4: not valid UTF-8; save the file as UTF-8"),
    ],
)
def test_strict_yaml_problems(text: bytes, message: str) -> None:
    parsed = parse_yaml(text)
    line, column, field, msg = parsed.problems[0]
    shown = f"{line}:{column}: {field + ': ' if field else ''}{msg}"
    assert shown == message


def test_bom_and_crlf_files_load() -> None:
    parsed = parse_yaml(b"\xef\xbb\xbftitle: T\r\nn: 2\r\n")
    assert parsed.problems == [] and parsed.data == {"title": "T", "n": 2}


def test_per_kind_rules_and_references(project: Path) -> None:
    point = (
        GOOD_POINT.replace("kind: fact", "kind: assessment")
        .replace("paragraphs: [2]", "paragraphs: [2, 99]")
        .replace(
            "as_of: 2016-11-25",
            "as_of: 2016-11-25\n    related: [kosovo.recognitoin]\n    use: raise",
        )
    )
    write_topic(project, topic_with(point))
    found = problems(project)
    assert (
        "content/zz-test.yaml:6:5: points[0].kind: an assessment needs 'confidence: low|medium|high'"
        in found
    )
    assert (
        "content/zz-test.yaml:12:25: points[0].sources[0].paragraphs[1]: seed 'israel-balkans-2016' has no paragraph 99 (it has 1-20)"
        in found
    )
    assert (
        "content/zz-test.yaml:15:5: points[0].use: only talking points have a use, not an assessment"
        in found
    )
    assert any("points[0].related[0]: no point 'kosovo.recognitoin'" in p for p in found)


def test_duplicate_point_ids(project: Path) -> None:
    write_topic(project, topic_with(GOOD_POINT + GOOD_POINT))
    assert problems(project) == [
        "content/zz-test.yaml:14:5: points[1].id: duplicate point id 'sample' (also points[0])"
    ]


def test_unknown_seed_and_bad_slug(project: Path) -> None:
    point = GOOD_POINT.replace("seed: israel-balkans-2016", "seed: israel-balkans-2061").replace(
        "id: sample", "id: ../../etc"
    )
    write_topic(project, topic_with(point))
    found = problems(project)
    assert found == [
        "content/zz-test.yaml:5:5: points[0].id: expected a lowercase hyphen slug like 'kosovo-recognition', got '../../etc'"
    ]


def test_file_name_must_be_a_slug(project: Path) -> None:
    write_topic(project, topic_with(GOOD_POINT), name="Bad Name")
    assert problems(project) == [
        "content/Bad Name.yaml: file name must be a lowercase hyphen slug like 'un-voting.yaml'"
    ]


def test_empty_and_non_mapping_files(project: Path) -> None:
    write_topic(project, "", name="zz-empty")
    write_topic(project, "- just\n- a list\n", name="zz-list")
    assert problems(project) == [
        "content/zz-empty.yaml:1:1: file is empty; expected a mapping of fields",
        "content/zz-list.yaml:1:1: expected a mapping of fields at the top level",
    ]


# --- every problem in one run -------------------------------------------------------------

ENUMS = "fact|assessment|recommendation|talking-point|risk"


def test_a_duplicate_key_does_not_hide_the_rest_of_the_file(project: Path) -> None:
    point = GOOD_POINT.replace("kind: fact", "kind: fcat\n    kind: fact")
    write_topic(project, topic_with(point.replace("priority: 2", "priority: 7")) + "order: 5\n")
    assert problems(project) == [
        f"content/zz-test.yaml:6:5: points[0].kind: expected {ENUMS}, got 'fcat'; "
        "did you mean 'fact'?",
        "content/zz-test.yaml:7:5: points[0].kind: duplicate key (first at line 6); "
        "the first value is used",
        "content/zz-test.yaml:9:5: points[0].priority: input should be less than or equal to 3, "
        "got 7",
        "content/zz-test.yaml:15:1: order: duplicate key (first at line 3); the first value is used",
    ]


def test_reference_errors_come_with_the_field_errors_of_other_points(project: Path) -> None:
    refs = (
        GOOD_POINT.replace("id: sample", "id: refs")
        .replace("seed: israel-balkans-2016", "seed: israel-balkans-2061")
        .replace(
            "        paragraphs: [2]\n",
            "        paragraphs: [2]\n      - seed: israel-balkans-2016\n        paragraphs: [99]\n",
        )
        .replace("as_of: 2016-11-25", "as_of: 2016-11-25\n    related: [kosovo.statu]")
        + "    audiences: [staf]\n"
    )
    write_topic(project, topic_with(GOOD_POINT.replace("priority: 2", "priority: 0") + refs))
    write_topic(project, topic_with(GOOD_POINT.replace("as_of: 2016-11-25", "as_of: soon")), "zz-b")
    assert problems(project) == [
        "content/zz-b.yaml:13:5: points[0].as_of: expected a date YYYY-MM-DD, got 'soon'",
        "content/zz-test.yaml:8:5: points[0].priority: input should be greater than or equal to 1, "
        "got 0",
        "content/zz-test.yaml:20:9: points[1].sources[0].seed: unknown seed 'israel-balkans-2061'; "
        "did you mean 'israel-balkans-2016'?",
        "content/zz-test.yaml:23:22: points[1].sources[1].paragraphs[0]: seed "
        "'israel-balkans-2016' has no paragraph 99 (it has 1-20)",
        "content/zz-test.yaml:25:15: points[1].related[0]: no point 'kosovo.statu'; "
        "did you mean 'kosovo.status'?",
        "content/zz-test.yaml:26:17: points[1].audiences[0]: unknown audience 'staf'; "
        "did you mean 'staff'?",
    ]


def test_no_knock_on_errors_from_what_did_not_validate(project: Path) -> None:
    broken = GOOD_POINT.replace("id: sample", "id: broken").replace("priority: 2", "priority: x")
    pointing = GOOD_POINT.replace(
        "as_of: 2016-11-25", "as_of: 2016-11-25\n    related: [zz-test.broken]"
    )
    write_topic(project, topic_with(broken + pointing))
    assert problems(project) == [
        "content/zz-test.yaml:8:5: points[0].priority: expected a whole number, got 'x'"
    ]


def test_a_tagged_value_is_reported_once(project: Path) -> None:
    write_topic(project, topic_with(GOOD_POINT.replace("headline: ", "headline: !!binary ")))
    assert problems(project) == [
        "content/zz-test.yaml:7:15: points[0].headline: YAML tags are not allowed "
        "(found 'tag:yaml.org,2002:binary'); remove it"
    ]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("kind: fact", "kind: fcat"), 6, f"points[0].kind: expected {ENUMS}, got 'fcat'; did you mean 'fact'?"),
        (("kind: fact", "kind: Fact"), 6, f"points[0].kind: expected {ENUMS}, got 'Fact'; did you mean 'fact'?"),
        (("marking: public", "marking: pubilc"), 9, "points[0].marking: expected public|internal|restricted, got 'pubilc'; did you mean 'public'?"),
        (("kind: fact", "kind: risk\n    confidence: hihg"), 7, "points[0].confidence: expected low|medium|high, got 'hihg'; did you mean 'high'?"),
        (("kind: fact", "kind: talking-point\n    use: if-askd"), 7, "points[0].use: expected raise|if-asked|avoid, got 'if-askd'; did you mean 'if-asked'?"),
        (("marking: public", "marking: secret"), 9, "points[0].marking: expected public|internal|restricted, got 'secret'"),
    ],
)  # fmt: skip
def test_a_wrong_choice_gets_a_did_you_mean(
    project: Path, change: tuple[str, str], line: int, message: str
) -> None:
    write_topic(project, topic_with(GOOD_POINT.replace(*change)))
    assert problems(project) == [f"content/zz-test.yaml:{line}:5: {message}"]


def test_a_wrong_figures_status_gets_a_did_you_mean(project: Path) -> None:
    path = project / "content" / "data" / "countries.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: acceding", "status: aceding", 1), encoding="utf-8")
    line = text.splitlines().index("      status: acceding") + 1
    assert problems(project) == [
        f"content/data/countries.yaml:{line}:7: countries[6].nato.status: "
        "expected member|acceding|partner|none, got 'aceding'; did you mean 'acceding'?"
    ]


def test_an_unused_anchor_is_refused_and_the_rest_still_validated(project: Path) -> None:
    point = GOOD_POINT.replace("headline: A", "headline: &h A").replace(
        "priority: 2", "priority: 9"
    )
    write_topic(project, topic_with(point))
    assert problems(project) == [
        "content/zz-test.yaml:7:15: YAML anchors (&name) are not allowed; remove '&h'",
        "content/zz-test.yaml:8:5: points[0].priority: input should be less than or equal to 3, "
        "got 9",
    ]


def test_an_anchor_used_by_an_alias_is_reported_at_the_alias() -> None:
    parsed = parse_yaml(b"a: &x [1]\nb: &y 2\nc: *x\n")
    assert parsed.problems == [
        (3, 4, "", "YAML aliases (*name) are not allowed; write the value out"),
        (2, 4, "", "YAML anchors (&name) are not allowed; remove '&y'"),
    ]
    assert not parsed.readable


def test_an_ampersand_in_text_is_not_an_anchor() -> None:
    parsed = parse_yaml(b"a: R&D\nb: 'x &y'\n")
    assert parsed.problems == [] and parsed.data == {"a": "R&D", "b": "x &y"}


def test_settings_and_seed_problems_are_placed(project: Path) -> None:
    settings = project / "briefing.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "audiences: [staff, presss]\n", encoding="utf-8"
    )
    seed = project / "seeds" / "israel-balkans-2016.yaml"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text + "  - n: 1\n    digest: Said again.\n", encoding="utf-8")
    second = len(text.splitlines()) + 1
    found = problems(project)
    settings_line = len(settings.read_text(encoding="utf-8").splitlines())
    assert found[0] == (
        f"briefing.yaml:{settings_line}:20: audiences[1]: unknown audience 'presss'; "
        "did you mean 'press'?"
    )
    assert found[1:] == [
        f"seeds/israel-balkans-2016.yaml:{second}:5: paragraphs[20].n: duplicate paragraph "
        "number 1 (also paragraphs[0])"
    ]


SEVERAL = """\
title: Several
summary: {text: A file with one problem of each kind., marking: public}
order: 99
order: 98
points:
  - id: bad-kind
    kind: fcat
    headline: &h A fact.
    priority: 2
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [2]
    as_of: 2016-11-25
  - id: bad-refs
    kind: fact
    headline: Another fact.
    priority: 2
    marking: public
    sources:
      - seed: israel-balkans-2061
        paragraphs: [2]
      - seed: israel-balkans-2016
        paragraphs: [99]
    as_of: 2016-11-25
    related: [kosovo.statu]
    audiences: [staf]
"""
SEVERAL_PROBLEMS = [
    "content/other.yaml:3:1: order: expected a whole number, got 'nine'",
    "content/several.yaml:4:1: order: duplicate key (first at line 3); the first value is used",
    f"content/several.yaml:7:5: points[0].kind: expected {ENUMS}, got 'fcat'; did you mean 'fact'?",
    "content/several.yaml:8:15: YAML anchors (&name) are not allowed; remove '&h'",
    "content/several.yaml:21:9: points[1].sources[0].seed: unknown seed 'israel-balkans-2061'; "
    "did you mean 'israel-balkans-2016'?",
    "content/several.yaml:24:22: points[1].sources[1].paragraphs[0]: seed 'israel-balkans-2016' "
    "has no paragraph 99 (it has 1-20)",
    "content/several.yaml:26:15: points[1].related[0]: no point 'kosovo.statu'; "
    "did you mean 'kosovo.status'?",
    "content/several.yaml:27:17: points[1].audiences[0]: unknown audience 'staf'; "
    "did you mean 'staff'?",
]


def plant_several(project: Path) -> None:
    write_topic(project, SEVERAL, "several")
    write_topic(project, topic_with(GOOD_POINT).replace("order: 99", "order: nine"), "other")


def test_load_project_reports_every_kind_of_problem_at_once(project: Path) -> None:
    plant_several(project)
    with pytest.raises(ContentError) as caught:
        load_project(project)
    assert str(caught.value).splitlines() == ["8 problems in the project files", *SEVERAL_PROBLEMS]


def test_check_reports_every_kind_of_problem_in_one_run(project: Path) -> None:
    plant_several(project)
    result = CliRunner().invoke(cli, ["check", "-C", str(project)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-8:] == SEVERAL_PROBLEMS
    assert "Error: 8 problems in the project files" in result.output


def test_positions_are_returned_for_every_file(project: Path) -> None:
    loaded, positions = load_project_with_positions(project)
    assert {t.file for t in loaded.topics} <= set(positions)
    assert {"briefing.yaml", "seeds/israel-balkans-2016.yaml"} <= set(positions)
    kosovo = positions["content/kosovo.yaml"]
    assert kosovo.where(("points", 0, "headline"))[0] > 1
    assert kosovo.text.startswith(
        (project / "content" / "kosovo.yaml").read_text(encoding="utf-8")[:20]
    )
