"""Loading: files → validated model, and every kind of problem by its exact message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from briefings import ContentError, load_project
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
        (b"a: 1\na: 2\n", "2:1: a: duplicate key (first at line 1)"),
        (b"a: &x [1]\nb: *x\n", "2:4: YAML aliases (*name) are not allowed; write the value out"),
        (
            b"a: !!python/object/apply:os.system ['true']\n",
            "1:4: a: YAML tags are not allowed (found 'tag:yaml.org,2002:python/object/apply:os.system'); remove it",
        ),
        (b"a: [1\n", "2:1: YAML syntax: did not find expected ',' or ']'"),
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
