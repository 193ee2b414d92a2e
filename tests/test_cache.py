"""The incremental cache: keys on what is rendered (ids included), and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from briefings import assemble_briefing, build, load_project
from briefings.cache import MANIFEST_NAME, Manifest, fingerprint, job_key


def statuses(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f"{d.audience}.{d.format}": d.status for d in result.documents}


def test_fingerprint_keeps_the_ids_serialisation_leaves_out(book) -> None:
    briefing = assemble_briefing(book, "staff")
    assert "topic" not in briefing.model_dump()["sections"][0]["points"][0]
    image = fingerprint(briefing)
    assert image["sections"][0]["points"][0]["topic"] == briefing.sections[0].id
    assert image["audience"]["id"] == "staff"


def test_the_key_changes_with_a_point_id_and_not_without_a_change(book, tmp_path: Path) -> None:
    briefing = assemble_briefing(book, "principal")
    key = job_key(briefing, ["pdf"], [])
    assert job_key(briefing, ["pdf"], []) == key
    point = briefing.sections[0].points[0]
    renamed = briefing.sections[0].model_copy(
        update={"points": (point.model_copy(update={"topic": "renamed"}),)}
    )
    other = briefing.model_copy(update={"sections": (renamed, *briefing.sections[1:])})
    assert job_key(other, ["pdf"], []) != key


def test_renaming_a_topic_file_renders_the_documents_that_hold_it(project: Path) -> None:
    options = {"audiences": ["principal", "press"], "formats": ["html"], "jobs": 1}
    build(project, **options)
    assert set(statuses(build(project, **options)).values()) == {"unchanged"}
    (project / "content" / "un-voting.yaml").rename(project / "content" / "un-votes.yaml")
    for path in (project / "content").glob("**/*.yaml"):  # the files that name its points
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("un-voting.", "un-votes."), encoding="utf-8")
    again = build(project, **options)
    assert statuses(again) == {"principal.html": "written", "press.html": "written"}
    html = (project / "output" / "press.html").read_text(encoding="utf-8")
    assert 'id="topic-un-votes"' in html and "topic-un-voting" not in html


def test_editing_a_template_renders_again(project: Path) -> None:
    options = {"audiences": ["talking-points"], "formats": ["html"], "jobs": 1}
    build(project, **options)
    css = project / "templates" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* edited */\n", encoding="utf-8")
    assert statuses(build(project, **options)) == {"talking-points.html": "written"}
    assert statuses(build(project, **options)) == {"talking-points.html": "unchanged"}


def test_a_corrupt_manifest_is_an_empty_one(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"staff": [1, 2', encoding="utf-8")
    assert Manifest.read(tmp_path).entries == {}
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"staff": {"omitted": [{"x": 1}]}}))
    manifest = Manifest.read(tmp_path)
    assert manifest.recorded("staff") == (None, None, ())
    assert not manifest.up_to_date("staff", "k", ["html"])


def test_a_corrupt_manifest_does_not_stop_a_build(project: Path) -> None:
    options = {"audiences": ["talking-points"], "formats": ["html"], "jobs": 1}
    build(project, **options)
    (project / "output" / MANIFEST_NAME).write_text("[not json", encoding="utf-8")
    assert statuses(build(project, **options)) == {"talking-points.html": "written"}


def test_the_manifest_round_trips_what_a_build_recorded(project: Path) -> None:
    options = {"audiences": ["principal"], "formats": ["html"], "jobs": 1}
    first = build(project, **options)
    second = build(project, **options)
    assert second.omitted["principal"] == first.omitted["principal"]
    assert second.banners["principal"] == first.banners["principal"] == "internal"
    loaded = load_project(project)
    assert len(first.omitted["principal"]) == len(assemble_briefing(loaded, "principal").omitted)
