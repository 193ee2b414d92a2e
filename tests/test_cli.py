"""The command line: exit codes, messages, and that it agrees with the library."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefings.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_unknown_topic_is_a_usage_error_with_suggestion(project: Path) -> None:
    result = run("build", "-C", str(project), "-a", "staff", "-t", "kosvo", "-f", "html")
    assert result.exit_code == 2
    assert "unknown topic 'kosvo'. Did you mean 'kosovo'?" in result.output
    assert "Valid topics: security, energy, kosovo" in result.output
    assert not (project / "output" / "staff.html").exists()


def test_unknown_audience_is_a_usage_error(project: Path) -> None:
    result = run("build", "-C", str(project), "-a", "princpal")
    assert result.exit_code == 2
    assert "unknown audience 'princpal'. Did you mean 'principal'?" in result.output


def test_unknown_format_is_a_usage_error(project: Path) -> None:
    result = run("build", "-C", str(project), "-a", "staff", "-f", "docx")
    assert result.exit_code == 2
    assert "unknown format 'docx'" in result.output


def test_check_ok_and_broken(project: Path) -> None:
    ok = run("check", "-C", str(project))
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ok: 8 topics")
    broken = project / "content" / "kosovo.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("kind: fact", "kind: factoid", 1)
        + "extra_field: 1\n",
        encoding="utf-8",
    )
    result = run("check", "-C", str(project))
    assert result.exit_code == 1
    assert "Error: 2 problems in the project files" in result.output
    assert "content/kosovo.yaml:" in result.output
    assert (
        "kind: expected fact|assessment|recommendation|talking-point|risk, got 'factoid'"
        in result.output
    )
    assert "extra_field: unknown field" in result.output


def test_broken_content_keeps_previous_output(project: Path) -> None:
    first = run("build", "-C", str(project), "-a", "staff", "-f", "html")
    assert first.exit_code == 0, first.output
    before = (project / "output" / "staff.html").read_bytes()
    (project / "content" / "energy.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    second = run("build", "-C", str(project), "-a", "staff", "-f", "html")
    assert second.exit_code == 1
    assert "content/energy.yaml:2:1: YAML syntax" in second.output
    assert (project / "output" / "staff.html").read_bytes() == before


def test_build_html_prints_paths_and_comma_lists_work(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", "-C", str(project), "-a", "principal,staff", "-f", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.html")) == ["principal.html", "staff.html"]
    assert str(out / "principal.html") in result.output
    html = (out / "staff.html").read_text(encoding="utf-8")
    assert '<h2 class="topic-title bookmark-1">Kosovo</h2>' in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_filtered_points_never_reach_the_html(project: Path, tmp_path: Path) -> None:
    from briefings import assemble_briefing, load_project

    out = tmp_path / "out"
    assert (
        run("build", "-C", str(project), "-a", "press", "-f", "html", "-o", str(out)).exit_code == 0
    )
    html = (out / "press.html").read_text(encoding="utf-8")
    briefing = assemble_briefing(load_project(project), "press")
    for omission in (o for o in briefing.omitted if o.portion == "point"):
        topic, point = omission.ref.split(".")
        assert f'id="pt-{topic}.{point}"' not in html


def test_explain_lists_omissions(project: Path, tmp_path: Path) -> None:
    result = run(
        "build",
        "-C",
        str(project),
        "-a",
        "principal",
        "-f",
        "html",
        "-o",
        str(tmp_path),
        "--explain",
    )
    assert result.exit_code == 0
    assert "principal: banner INTERNAL; left out" in result.output
    assert "[priority] priority 2 is not among [1]" in result.output


def test_list_commands(project: Path) -> None:
    topics = run("list", "topics", "-C", str(project))
    assert topics.exit_code == 0 and topics.output.split()[0] == "security"
    points = run("list", "points", "-C", str(project))
    assert "kosovo.israel-non-recognition" in points.output
    audiences = run("list", "audiences", "-C", str(project))
    assert {line.split()[0] for line in audiences.output.splitlines()} >= {"principal", "staff"}


def test_library_call_matches_build(project: Path, tmp_path: Path) -> None:
    from briefings import build

    result = build(project, audiences=["principal"], formats=["html"], output=tmp_path / "lib")
    cli_out = tmp_path / "cli"
    run("build", "-C", str(project), "-a", "principal", "-f", "html", "-o", str(cli_out))
    assert [d.path.name for d in result.documents] == ["principal.html"]
    assert (tmp_path / "lib" / "principal.html").read_bytes() == (
        cli_out / "principal.html"
    ).read_bytes()


def test_help_mentions_examples() -> None:
    result = run("build", "--help")
    assert "briefing build -a staff -t kosovo -t energy" in result.output
