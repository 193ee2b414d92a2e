"""Templates as a contract: documented blocks and variables, user overrides, strict errors."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from briefings.cli import cli
from briefings.rendering import template_context

REPO = Path(__file__).resolve().parent.parent
DOC = (REPO / "templates" / "README.md").read_text(encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_block_of_base_is_documented() -> None:
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    blocks = set(re.findall(r"{%-?\s*block\s+(\w+)", base))
    assert blocks >= {"head", "cover", "content", "section", "colophon"}
    for block in blocks:
        assert f"| `{block}` |" in DOC, block


def test_every_context_variable_is_documented() -> None:
    from briefings import assemble_briefing, load_project

    briefing = assemble_briefing(load_project(REPO), "staff")
    for name in template_context(briefing, "", "screen", {}):
        assert f"| `{name}` |" in DOC, name


def test_user_folder_overrides_one_block_and_extends_the_shipped(
    project: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mytemplates"
    mine.mkdir()
    (mine / "base.html").write_text(
        '{% extends "shipped:base.html" %}\n'
        '{% block colophon %}<footer id="end-of-document">Desk meeting copy. {{ super() }}</footer>{% endblock %}\n',
        encoding="utf-8",
    )
    shipped = {p: p.read_bytes() for p in (project / "templates").rglob("*") if p.is_file()}
    out = tmp_path / "out"
    result = run(
        "build",
        "-C",
        str(project),
        "-a",
        "staff,principal",
        "-f",
        "html",
        "-o",
        str(out),
        "--templates",
        str(mine),
    )
    assert result.exit_code == 0, result.output
    for audience in ("staff", "principal"):
        html = (out / f"{audience}.html").read_text(encoding="utf-8")
        assert "Desk meeting copy. " in html
        assert (
            'class="title-block"' in html or 'class="cover"' in html or 'class="memo-head"' in html
        )
    assert {p: p.read_bytes() for p in (project / "templates").rglob("*") if p.is_file()} == shipped


def test_misspelt_variable_is_an_error_with_file_and_line(project: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "briefing.html").write_text(
        '{% extends "base.html" %}\n{% block cover %}\n{{ setings.title }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    result = run(
        "build",
        "-C",
        str(project),
        "-a",
        "press",
        "-f",
        "html",
        "-o",
        str(tmp_path / "o"),
        "--templates",
        str(mine),
    )
    assert result.exit_code == 1
    assert "mine/briefing.html:3: 'setings' is undefined" in result.output


def test_template_syntax_error_names_file_and_line(project: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "base.html").write_text("<p>\n{% if %}\n", encoding="utf-8")
    result = run(
        "build",
        "-C",
        str(project),
        "-a",
        "press",
        "-f",
        "html",
        "-o",
        str(tmp_path / "o"),
        "--templates",
        str(mine),
    )
    assert result.exit_code == 1
    assert "mine/base.html:2: Expected an expression, got 'end of statement block'" in result.output


def test_the_readme_example_builds_clean_under_strict_and_reaches_every_audience(
    project: Path, tmp_path: Path
) -> None:
    example = re.search(r"```jinja\n(.*?)```", DOC, re.S)
    assert example is not None
    mine = tmp_path / "mytemplates"
    mine.mkdir()
    (mine / "base.html").write_text(example.group(1), encoding="utf-8")
    result = run("build", "-C", str(project), "--templates", str(mine), "--strict", "-j", "2")
    assert result.exit_code == 0, result.output
    for path in sorted((project / "output").glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert "Prepared for the Tuesday desk meeting." in html, path.name
        assert html.count('id="end-of-document"') == 1, path.name
