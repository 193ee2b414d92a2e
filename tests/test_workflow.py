"""The analyst's workflow: init, check's lints, schema, completion, sources, settings, preview."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from briefings.cli import cli
from briefings.config import load_config
from briefings.coverage import seed_coverage
from briefings.lint import lint_project
from briefings.loading import load_project
from briefings.preview import Preview
from briefings.reporting import settings_lines
from briefings.schema import SCHEMAS, json_schema
from briefings.strictyaml import parse_yaml

PLANTED = """
  - id: planted
    kind: assessment
    headline: we assess with high confidence that X will probably likely happen, possibly
    priority: 2
    marking: internal
    confidence: high
    sources:
      - seed: israel-balkans-2016
        paragraphs: [11]
    as_of: 2016-11-25
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def append(path: Path, text: str) -> int:
    """Append text to a file; return the line number its second line lands on."""
    before = path.read_text(encoding="utf-8")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 2


# --- init -------------------------------------------------------------------------------------


def test_init_then_build_gives_a_pdf(tmp_path: Path) -> None:
    target = tmp_path / "new-book"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    for part in ("briefing.yaml", "content/example.yaml", "seeds/example-source.yaml"):
        assert (target / part).is_file(), part
    assert (target / "templates" / "base.html").is_file()
    checked = run("check", "--strict", "-C", str(target))
    assert checked.exit_code == 0, checked.output
    built = run("build", "-C", str(target))
    assert built.exit_code == 0, built.output
    audiences = sorted(p.parent.name for p in (target / "templates").glob("*/audience.yaml"))
    assert len(audiences) >= 5
    for audience in audiences:
        pdf = target / "output" / f"{audience}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-"), audience


def test_init_writes_a_schema_the_example_topic_uses(tmp_path: Path) -> None:
    run("init", str(tmp_path / "book"))
    topic = (tmp_path / "book" / "content" / "example.yaml").read_text(encoding="utf-8")
    assert topic.startswith("# yaml-language-server: $schema=../topic.schema.json\n")
    schema = json.loads((tmp_path / "book" / "topic.schema.json").read_text(encoding="utf-8"))
    assert schema == json_schema("topic")
    jsonschema.validate(parse_yaml(topic.encode()).data, schema)


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path}: the folder is not empty; choose a new folder, or pass --force to add"
        " the example files (overwriting files of the same name)\n"
    )
    assert not (tmp_path / "content").exists()
    forced = run("init", "--force", str(tmp_path))
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "content" / "example.yaml").is_file()


# --- schema -----------------------------------------------------------------------------------


def test_schema_is_valid_json_schema_and_accepts_every_shipped_file(project: Path) -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"title", "summary", "order", "countries", "points"}
    point = schema["$defs"]["Point"]
    assert "topic" not in point["properties"]
    assert point["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((project / "content").glob("*.yaml")):
        data = parse_yaml(path.read_bytes()).data
        assert not list(validator.iter_errors(data)), path.name
    for kind in SCHEMAS:
        jsonschema.Draft202012Validator.check_schema(json_schema(kind))


def test_schema_flags_what_the_loader_refuses() -> None:
    validator = jsonschema.Draft202012Validator(json_schema("topic"))
    point = {
        "id": "x",
        "kind": "assessment",
        "headline": "A judgment.",
        "priority": 1,
        "marking": "public",
        "sources": [{"seed": "s", "paragraphs": [1]}],
        "as_of": "2016-11-25",
        "topic": "kosovo",
    }
    topic = {
        "title": "T",
        "summary": {"text": "S", "marking": "public"},
        "order": 1,
        "points": [point],
        "id": "t",
    }
    messages = sorted(e.message for e in validator.iter_errors(topic))
    assert "Additional properties are not allowed ('id' was unexpected)" in messages
    point_errors = sorted(e.message for e in validator.iter_errors({**topic, "id": None}))
    assert "'confidence' is a required property" in " ".join(point_errors)
    assert "('topic' was unexpected)" in " ".join(point_errors)


def test_unknown_schema_kind_is_a_usage_error() -> None:
    result = run("schema", "point")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '[topic|seed|audience|settings|front]': 'point' is not one "
        "of 'topic', 'seed', 'audience', 'settings', 'front'."
    )


# --- completion -------------------------------------------------------------------------------


def complete(project: Path, words: str) -> list[str]:
    env = {
        **os.environ,
        "_BRIEFING_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    out = subprocess.run(
        [sys.executable, "-c", "from briefings.cli import main; main()"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if line]


def test_completion_offers_topics_audiences_seeds_and_points(project: Path) -> None:
    assert complete(project, "briefing build -t kos") == ["kosovo"]
    assert complete(project, "briefing build -t kosovo,ene") == ["kosovo,energy"]
    assert complete(project, "briefing build -a pr") == ["press", "principal"]
    assert complete(project, "briefing sources isr") == ["israel-balkans-2016"]
    points = complete(project, "briefing sources -p kosovo.israel-n")
    assert points == ["kosovo.israel-non-recognition"]


# --- check lints ------------------------------------------------------------------------------


def test_check_flags_the_planted_assessment_with_file_and_line(project: Path) -> None:
    line = append(project / "content" / "kosovo.yaml", PLANTED) + 2  # the headline
    result = run("check", "-C", str(project))
    assert result.exit_code == 0, result.output
    where = f"content/kosovo.yaml:{line}:"
    planted = [row for row in result.output.splitlines() if row.startswith(where)]
    rules = [row.rsplit("[", 1)[1].rstrip("]") for row in planted]
    assert rules == [
        "estimative-confidence",
        "estimative-scale",
        "estimative-stacked",
        "estimative-hedge",
    ]
    index = len(load_project(project).topic("kosovo").points) - 1
    assert planted[0] == (
        f"{where}30: points[{index}].headline: confidence ('high confidence') and likelihood "
        "('probably') in one sentence (ICD 203); state how likely in the sentence and how "
        "confident in the point's 'confidence' field [estimative-confidence]"
    )
    assert (
        f"{where}82: points[{index}].headline: vague hedge 'possibly' in a judgment" in (planted[3])
    )
    strict = run("check", "--strict", "-C", str(project))
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1].startswith("Error: ")
    assert strict.output.splitlines()[-1].endswith(" warnings with --strict")
    assert not strict.output.startswith("ok:")


def test_check_lints_headlines_dates_and_lists(project: Path) -> None:
    long_headline = "More " + " ".join(["word"] * 35) + "."
    line = append(
        project / "content" / "energy.yaml",
        f"""
  - id: wordy
    kind: fact
    headline: "Gas flows. Then more gas flows, says the U.S. Government. {long_headline}"
    body: |
      Signs to watch:
      - one;
      - two.
    priority: 3
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [5]
    as_of: 2015-01-01
""",
    )
    warnings = lint_project(load_project(project))
    mine = {w.rule: w for w in warnings if w.file == "content/energy.yaml"}
    assert set(mine) == {"headline-sentences", "headline-length", "markdown-list", "stale"}
    assert mine["headline-sentences"].message == (
        "the headline is 3 sentences; a bottom line is one"
    )
    assert mine["headline-length"].line == line + 2
    assert mine["markdown-list"].line == line + 5
    assert mine["markdown-list"].column == 7
    assert mine["stale"].line == line + 12
    assert mine["stale"].message == (
        "as of 2015-01-01, 694 days before the information date 2016-11-25 "
        "(staleness horizon 365 days)"
    )


def test_wrapped_numbers_and_lists_after_a_blank_line_are_not_flagged(project: Path) -> None:
    append(
        project / "content" / "energy.yaml",
        """
  - id: tidy
    kind: fact
    headline: Gas talks continued in Athens in 2016.
    body: |
      Talks began in
      2012. They continued, as the U.S. Ambassador and Mr. Smith noted.

      - one;
      - two.
    priority: 3
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [5]
    as_of: 2016-11-25
""",
    )
    warnings = lint_project(load_project(project))
    assert [w for w in warnings if w.file == "content/energy.yaml"] == []


def test_staleness_is_measured_from_the_newest_point_without_an_information_date(
    project: Path,
) -> None:
    settings = project / "briefing.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("information_date:", "# information_date:")
        + "staleness_days: 30\n",
        encoding="utf-8",
    )
    kosovo = project / "content" / "kosovo.yaml"
    kosovo.write_text(
        kosovo.read_text(encoding="utf-8").replace("as_of: 2016-11-25", "as_of: 2016-09-01", 1),
        encoding="utf-8",
    )
    stale = [w for w in lint_project(load_project(project)) if w.rule == "stale"]
    assert [w.file for w in stale] == ["content/kosovo.yaml"]
    assert "85 days before the information date 2016-11-25" in stale[0].message


def test_check_handles_5000_points(project: Path) -> None:
    # Speed is the benchmark's to measure (./brief bench), not a timed assertion here.
    lines = [
        "title: Bulk",
        "summary: {text: Many points., marking: public}",
        "order: 99",
        "points:",
    ]
    for i in range(5000):
        lines += [
            f"  - id: p{i}",
            "    kind: assessment",
            f'    headline: "Point {i} is likely to hold, and the analysts judge it with care."',
            "    body: |",
            "      Detail here. More detail.",
            "",
            "      - a list",
            "    priority: 2",
            "    marking: public",
            "    confidence: medium",
            "    sources:",
            "      - seed: israel-balkans-2016",
            "        paragraphs: [1, 2]",
            "    as_of: 2016-11-25",
        ]
    (project / "content" / "bulk.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert "5073 points" in result.output


# --- sources ----------------------------------------------------------------------------------


def test_sources_shows_paragraph_coverage(project: Path) -> None:
    coverage = seed_coverage(load_project(project))
    assert [c.seed for c in coverage] == ["israel-balkans-2016"]
    paragraphs = {p.n: p for p in coverage[0].paragraphs}
    assert "kosovo.israel-non-recognition" in paragraphs[12].cited_by
    result = run("sources", "-C", str(project))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    total = len(paragraphs)
    cited = total - len(coverage[0].uncited)
    assert lines[0].startswith(f"israel-balkans-2016: {cited} of {total} paragraphs cited")
    assert any(
        line.startswith("   12  ") and "kosovo.israel-non-recognition" in line for line in lines
    )


def test_sources_lists_a_paragraph_no_point_cites(project: Path) -> None:
    seed = project / "seeds" / "israel-balkans-2016.yaml"
    n = len(parse_yaml(seed.read_bytes()).data["paragraphs"]) + 1
    append(seed, f"  - n: {n}\n    digest: A paragraph nobody cites yet.\n")
    result = run("sources", "-C", str(project), "--uncited")
    assert result.exit_code == 0, result.output
    assert f"  {n:>3}  (cited by no point)" in result.output.splitlines()
    assert result.output.splitlines()[-1].startswith("  uncited: ")
    assert result.output.splitlines()[-1].endswith(str(n))
    strict = run("sources", "-C", str(project), "--strict")
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1].startswith("Error: ")
    assert strict.output.splitlines()[-1].endswith("paragraph(s) cited by no point (--strict)")


def test_sources_for_one_point(project: Path) -> None:
    result = run("sources", "-C", str(project), "-p", "kosovo.israel-non-recognition")
    assert result.stdout.splitlines() == [
        "israel-balkans-2016: 1 of 1 paragraphs cited  "
        "Understanding the Israeli-Balkans Strategic Partnership",
        "   12  kosovo.israel-non-recognition",
    ]


def test_sources_unknown_names_are_usage_errors(project: Path) -> None:
    result = run("sources", "-C", str(project), "israel-balkans")
    assert result.exit_code == 2
    assert "unknown seed 'israel-balkans'. Did you mean 'israel-balkans-2016'?" in result.output
    result = run("sources", "-C", str(project), "-p", "kosovo.status-quo")
    assert result.exit_code == 2
    assert "unknown point 'kosovo.status-quo'. Did you mean 'kosovo.status'?" in result.output


# --- settings ---------------------------------------------------------------------------------


def test_settings_lines_show_where_each_setting_comes_from(project: Path) -> None:
    config = load_config(project, output=Path("/tmp/out"), audiences=("staff,press",))
    lines = list(settings_lines(config, load_project(project)))
    assert lines[0] == (
        f"settings ({project.resolve() / 'briefing.yaml'}; command-line options override):"
    )
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in lines[1:]}
    assert rows["title"] == ["briefing.yaml", "Israel and the Balkans"]
    assert rows["output"] == ["command-line", "/tmp/out"]
    assert rows["audiences"] == ["command-line", "staff, press"]
    assert rows["staleness_days"] == ["default", "365"]
    assert rows["information_date"] == ["briefing.yaml", "2016-11-25"]
    assert lines[1] == "  title             briefing.yaml  Israel and the Balkans"


def test_settings_lines_without_settings_file(tmp_path: Path) -> None:
    run("init", str(tmp_path / "book"))
    (tmp_path / "book" / "briefing.yaml").unlink()
    book = tmp_path / "book"
    lines = list(settings_lines(load_config(book), load_project(book)))
    assert lines[0].startswith("settings (no ")
    assert lines[0].endswith("briefing.yaml, defaults; command-line options override):")
    rows = {line.split()[0]: line for line in lines[1:]}
    today = dt.date.today().isoformat()
    assert f"(newest as_of: {today})" in rows["information_date"]
    assert "(all: liaison, press, principal, staff, talking-points)" in rows["audiences"]


# --- preview ----------------------------------------------------------------------------------


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers["Content-Type"], exc.read()


def wait_for(url: str, predicate, seconds: float = 30.0) -> bytes:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        body = fetch(url)[2]
        if predicate(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_preview_serves_and_picks_up_an_edit(project: Path) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    old = "Israel does not recognise Kosovo as an independent state"
    new = "Israel still withholds recognition of Kosovo as a state"
    with Preview(project, port=0, audiences=("staff",), interval=0.1) as preview:
        assert preview.url.startswith("http://127.0.0.1:")
        status, kind, page = fetch(preview.url + "staff.html")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert old.encode() in page
        assert b'new EventSource("/__events?page=staff' in page
        version = fetch(preview.url + "__version")[2]

        kosovo.write_text(kosovo.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        assert wait_for(preview.url + "__version", lambda v: v != version) != version
        page = fetch(preview.url + "staff.html")[2]
        assert new.encode() in page

        kosovo.write_text("title: [unclosed\n", encoding="utf-8")
        wait_for(preview.url + "staff.html", lambda body: b"The build failed" in body)
        status, _, page = fetch(preview.url + "staff.html")
        assert status == 500
        assert b"content/kosovo.yaml:2:1: YAML syntax: did not find expected" in page

        status, _, _ = fetch(preview.url + "../briefing.yaml")
        assert status == 404
        folder = preview._folder
    assert folder is not None and not folder.exists()
    assert not (project / "output").exists()
    # The served script is never written to disk: the built HTML stays clean.


def test_preview_builds_a_pdf_on_request(project: Path) -> None:
    with Preview(project, port=0, audiences=("principal",)) as preview:
        status, kind, body = fetch(preview.url + "principal.pdf")
        assert (status, kind) == (200, "application/pdf")
        assert body.startswith(b"%PDF-")
        assert fetch(preview.url + "staff.pdf")[0] == 404


def test_preview_refuses_other_host_names(project: Path) -> None:
    with Preview(project, port=0, audiences=("staff",)) as preview:
        request = urllib.request.Request(preview.url, headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        with caught.value as error:
            assert error.code == 403


def test_preview_on_a_busy_port_is_an_error(project: Path) -> None:
    with Preview(project, port=0, audiences=("staff",)) as first:
        port = str(first.port)
        result = run("preview", "-C", str(project), "--no-open", "-p", port, "-a", "staff")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot listen on 127.0.0.1:{first.port}: ")
    assert result.output.endswith("; choose another --port, or 0 for a free one\n")


def test_preview_unknown_audience_is_a_usage_error(project: Path) -> None:
    result = run("preview", "-C", str(project), "--no-open", "-p", "0", "-a", "staf")
    assert result.exit_code == 2
    assert "unknown audience 'staf'. Did you mean 'staff'?" in result.output
