"""Conventions users expect of a command line: quiet and verbose, colour, streams, Ctrl-C,
and a preview whose runaway template is stopped while the server keeps serving."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import fetch

from briefings.cli import Reporter, _progress, cli
from briefings.preview import Preview

RUNAWAY = (
    '{% extends "shipped:briefing.html" %}{% block colophon_note %}'
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    "{% endblock %}"
)


def test_results_on_stdout_warnings_and_errors_on_stderr(project: Path) -> None:
    security = project / "content" / "security.yaml"
    text = security.read_text(encoding="utf-8")
    security.write_text(text.replace("audiences: [liaison]", "audiences: [staff]", 1))
    result = CliRunner().invoke(cli, ["check", "-C", str(project)])
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 8 topics")
    assert "audience-tag-ineffective" in result.stderr
    assert "audience-tag-ineffective" not in result.stdout


def test_quiet_prints_only_warnings_and_errors(project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", "-C", str(project), "-a", "press", "-f", "html", "-q"]
    )
    assert result.exit_code == 0 and result.stdout == ""
    assert (project / "output" / "press.html").is_file()


def test_verbose_says_what_each_step_did(project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["build", "-C", str(project), "-a", "press", "-f", "html", "-v"]
    )
    assert result.exit_code == 0
    assert f"project: {project.resolve()}" in result.stderr
    assert "press: rendered" in result.stderr


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the command line with a pseudo-terminal as stdout and stderr; return what it printed."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "briefings", *args], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the command has finished
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_none_with_no_color_or_when_piped(project: Path) -> None:
    from test_preflight_build import PLANTS, plant

    mine = plant(project, PLANTS["overlap"][0])
    args = ["build", "-C", str(project), "-a", "principal", "-f", "pdf", "--templates", str(mine)]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    colour = re.compile(r"\x1b\[[0-9;]*m")  # SGR codes; the bar's cursor codes are not colour
    assert colour.search(run_on_a_terminal([*args, "--force"], env))
    assert not colour.search(run_on_a_terminal([*args, "--force"], {**env, "NO_COLOR": "1"}))
    piped = subprocess.run(
        [sys.executable, "-m", "briefings", *args, "--force"], capture_output=True, text=True
    )
    assert "warning: principal: preflight" in piped.stderr
    assert "\x1b[" not in piped.stdout + piped.stderr


def test_ctrl_c_exits_130_and_says_nothing_was_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefings.builder

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(briefings.builder, "render_job", interrupted)
    result = CliRunner().invoke(cli, ["build", "-C", str(project), "-a", "press", "-j", "1"])
    assert result.exit_code == 130
    assert result.stderr == "Interrupted; nothing was written.\n"
    assert not (project / "output" / "press.html").exists()


def test_the_progress_bar_reaches_its_total_when_documents_are_unchanged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    report = _progress(Reporter())
    for done in (1, 2, 3):
        report(done, 3, f"audience{done}: unchanged")
    err = capsys.readouterr().err
    assert "3/3" in err


def test_a_runaway_template_in_preview_is_stopped_and_the_server_keeps_serving(
    project: Path,
) -> None:
    mine = project / "mine"
    mine.mkdir()
    (mine / "briefing.html").write_text('{% extends "shipped:briefing.html" %}\n', "utf-8")
    options = {"user_templates": str(mine)}
    with Preview(
        project, port=0, audiences=("talking-points",), interval=0.1, options=options, limit=4
    ) as preview:
        assert fetch(preview.url + "talking-points.html")[0] == 200
        (mine / "briefing.html").write_text(RUNAWAY, encoding="utf-8")
        started = time.monotonic()
        deadline = started + 60
        while time.monotonic() < deadline:
            status, page = fetch(preview.url)
            if b"The build failed" in page:
                break
            time.sleep(0.2)
        assert b"took longer than 4 s and was stopped" in page, page.decode()
        assert time.monotonic() - started < 30
        (mine / "briefing.html").write_text('{% extends "shipped:briefing.html" %}\n', "utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, page = fetch(preview.url + "talking-points.html")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200 and b"Talking points" in page
