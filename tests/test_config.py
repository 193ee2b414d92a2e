"""Configuration: the project found upward, options over the file over defaults, with origins."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.cli import cli
from briefings.config import find_root, load_config


def test_the_project_is_found_by_searching_upward(project: Path) -> None:
    assert find_root(project / "content" / "data") == project.resolve()
    assert load_config(project / "templates" / "staff").root == project.resolve()


def test_without_a_settings_file_the_start_folder_is_the_project(tmp_path: Path) -> None:
    assert find_root(tmp_path) == tmp_path.resolve()
    config = load_config(tmp_path)
    assert config.content == tmp_path.resolve() / "content"
    assert config.origins == {}


def test_options_override_the_file_and_keep_their_origin(project: Path, tmp_path: Path) -> None:
    config = load_config(project, output=tmp_path / "out", audiences=("staff,press",))
    assert config.output == (tmp_path / "out").resolve()
    assert config.settings.audiences == ("staff", "press")
    assert config.origins["output"] == config.origins["audiences"] == "command-line"
    assert config.origins["title"] == "briefing.yaml"
    assert "staleness_days" not in config.origins  # a default
    assert config.user_templates is None


def test_an_unknown_option_is_a_programming_error(project: Path) -> None:
    with pytest.raises(TypeError, match="unknown options: colour"):
        load_config(project, colour=True)


@pytest.mark.parametrize("command", [["check"], ["list", "topics"], ["sources", "--uncited"]])
def test_every_command_finds_the_project_from_a_subfolder(
    project: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(project / "content")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


def test_build_just_works_from_the_content_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "content")
    result = CliRunner().invoke(cli, ["build", "-a", "talking-points", "-f", "html"])
    assert result.exit_code == 0, result.output
    assert (project / "output" / "talking-points.html").is_file()
    assert result.stdout == f"{project.resolve() / 'output' / 'talking-points.html'}\n"


@pytest.mark.parametrize("command", ["check", "list", "sources", "preview", "build"])
def test_every_project_command_takes_the_same_layout_options(command: str) -> None:
    help_text = CliRunner().invoke(cli, [command, "--help"]).output
    for option in ("--project", "--content", "--seeds", "--templates", "--quiet", "--verbose"):
        assert option in help_text, (command, option)


def test_content_folder_given_on_the_command_line(project: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    (project / "content").rename(moved)
    missing = CliRunner().invoke(cli, ["check", "-C", str(project)])
    assert missing.exit_code == 1
    found = CliRunner().invoke(cli, ["check", "-C", str(project), "--content", str(moved)])
    assert found.exit_code == 0, found.output
