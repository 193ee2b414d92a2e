"""A project received from someone else: its settings cannot reach outside it, its images and
folders cannot exhaust memory, its faults end in messages, and no fault leaves the tool stuck."""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import fetch

from briefings.cli import cli
from briefings.preview import Preview

FAST = ("-a", "talking-points", "-f", "html")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("setting", "value"),
    [("output", "../elsewhere"), ("user_templates", "/etc"), ("content", "/etc"), ("seeds", "..")],
)
def test_settings_cannot_name_a_folder_outside_the_project(
    project: Path, setting: str, value: str
) -> None:
    settings = project / "briefing.yaml"
    line = settings.read_text(encoding="utf-8").count("\n") + 1
    settings.write_text(settings.read_text(encoding="utf-8") + f"{setting}: {value}\n", "utf-8")
    result = run("build", "-C", str(project), *FAST)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the project settings point outside the project\n"
        f"briefing.yaml:{line}:1: {setting}: '{value}' resolves outside the project; the "
        "project's files may only name folders inside it (give another folder on the command "
        "line instead)\n"
    )
    assert not (project.parent / "elsewhere").exists()
    assert not (project / "output").exists()


def test_a_folder_that_links_outside_is_outside(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "theirs"
    (project / "content").rename(outside)
    (project / "content").symlink_to(outside)
    result = run("check", "-C", str(project))
    assert result.exit_code == 1
    assert "content: 'content (the default)' resolves outside the project" in result.stderr


def test_the_command_line_may_name_any_folder(project: Path, tmp_path: Path) -> None:
    result = run("build", "-C", str(project), *FAST, "-o", str(tmp_path / "mine"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mine" / "talking-points.html").is_file()


def test_init_force_never_writes_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("mine", encoding="utf-8")
    (tmp_path / "secret-dir").mkdir()
    book = tmp_path / "book"
    book.mkdir()
    (book / "briefing.yaml").symlink_to(outside)
    result = run("init", str(book), "--force")
    assert result.exit_code == 0, result.output
    assert outside.read_text(encoding="utf-8") == "mine"
    assert not (book / "briefing.yaml").is_symlink()
    (book / "seeds").rename(book / "old-seeds")
    (book / "seeds").symlink_to(tmp_path / "secret-dir")
    refused = run("init", str(book), "--force")
    assert refused.exit_code == 1
    assert refused.stderr == f"Error: {book / 'seeds'}: is a link; refusing to write through it\n"
    assert list((tmp_path / "secret-dir").iterdir()) == []


@pytest.mark.parametrize("name", ["café 😀 book", "bell\abook"])
def test_init_in_any_folder_name_gives_a_project_that_loads(tmp_path: Path, name: str) -> None:
    book = tmp_path / name
    assert run("init", str(book)).exit_code == 0
    result = run("check", "-C", str(book))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("epoch", ["yesterday", "99999999999999999999", "-5"])
def test_an_unusable_source_date_epoch_is_a_message(
    project: Path, monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run("build", "-C", str(project), *FAST)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970 "
        "(0 to 253402300799); unset it to date the PDFs by the information date\n"
    )


def test_a_failure_inside_the_layout_engine_is_a_message(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WeasyPrint asserts on pages it cannot lay out (a page smaller than its margins); whatever
    # the engine raises becomes a message and the previous output stays.
    import weasyprint

    assert run("build", "-C", str(project), "-a", "talking-points", "-j", "1").exit_code == 0
    before = snapshot(project / "output")

    def broken(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    result = run("build", "-C", str(project), "-a", "talking-points", "-j", "1", "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: layout failed in the engine (AssertionError: no message); is a page too small "
        "for its margins, or a size in the stylesheet out of range?\n"
    )
    assert snapshot(project / "output") == before


def test_running_from_a_deleted_folder_is_a_message(project: Path, tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    script = (
        "import os, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]);"
        "from briefings.cli import main; sys.argv = ['briefing', 'build', '-C', sys.argv[2]];"
        "main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(gone), str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "Error: the current folder no longer exists; cd to a folder that does and run it again\n"
    )
    assert not (project / "output").exists()


def _png(width: int, height: int) -> bytes:
    """A PNG header announcing width × height (the pixels never follow)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(project: Path) -> None:
    (project / "templates" / "bomb.png").write_bytes(_png(12000, 12000))
    path = project / "content" / "energy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    body: |\n", "    body: |\n      ![map](bomb.png)\n\n", 1))
    args = ("build", "-C", str(project), "-a", "staff", "-t", "energy", "-f", "pdf")
    relaxed = run(*args)
    assert relaxed.exit_code == 0, relaxed.output
    assert "blocked resource" in relaxed.stderr
    assert "an image of 144,000,000 pixels (limit 40,000,000); scale it down" in relaxed.stderr
    assert "DecompressionBomb" not in relaxed.output
    assert run(*args, "--strict", "--force").exit_code == 1


def test_an_empty_selection_warns_and_fails_under_strict(project: Path) -> None:
    (project / "content" / "quiet.yaml").write_text(
        "title: Quiet\nsummary: {text: Nothing public here., marking: internal}\norder: 99\n"
        "points:\n  - id: only\n    kind: fact\n    headline: An internal fact.\n"
        "    priority: 1\n    marking: internal\n    sources:\n"
        "      - {seed: israel-balkans-2016, paragraphs: [1]}\n    as_of: 2016-11-25\n",
        encoding="utf-8",
    )
    args = ("build", "-C", str(project), "-a", "press", "-t", "quiet", "-f", "html")
    relaxed = run(*args)
    assert relaxed.exit_code == 0
    assert (
        "warning: press: no point meets this audience's criteria for the chosen topics; "
        "the document is empty" in relaxed.stderr
    )
    assert run(*args, "--strict", "--force").exit_code == 1


def test_a_huge_file_in_the_template_folder_is_not_read_to_key_the_cache(project: Path) -> None:
    big = project / "templates" / "huge.bin"
    with big.open("wb") as handle:
        handle.truncate(8 * 1024**3)  # sparse: 8 GiB that take no disk
    started = time.monotonic()
    result = run("build", "-C", str(project), *FAST)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 60


def test_the_preview_refuses_cross_site_requests(project: Path) -> None:
    with Preview(project, port=0, audiences=("principal",)) as preview:
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
            assert fetch(preview.url + "principal.pdf", 30, headers)[0] == 403
        assert fetch(preview.url, 30, {"Sec-Fetch-Site": "same-origin"})[0] == 200


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return not re.search(r"^State:\s+Z", status.read_text(), re.M)
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_killing_a_parallel_build_leaves_no_worker_and_no_lock(project: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-m", "briefings", "build", "-C", str(project), "-j", "2", "--force"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [c for c in _children(parent.pid) if _alive(c)]
        time.sleep(0.05)
    assert len(workers) >= 2, "the build never started its workers"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
    result = run("build", "-C", str(project), *FAST)
    assert result.exit_code == 0, result.output


def test_control_characters_in_names_never_reach_the_terminal_raw(project: Path) -> None:
    (project / "content" / "\x1b]0;pwned\x07\x1b[2J.yaml").write_text("title: x\n", "utf-8")
    result = run("check", "-C", str(project))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in result.output


def test_a_content_file_that_links_outside_the_project_is_refused(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "theirs.yaml"
    outside.write_text((project / "content" / "energy.yaml").read_text(encoding="utf-8"))
    (project / "content" / "energy.yaml").unlink()
    (project / "content" / "energy.yaml").symlink_to(outside)
    result = run("check", "-C", str(project))
    assert result.exit_code == 1
    assert "content/energy.yaml: a link to a file outside the project; refused" in result.stderr
    inside = project / "content" / "kosovo-copy.yaml"
    inside.symlink_to(project / "content" / "kosovo.yaml")  # a link inside is fine
    assert "kosovo-copy.yaml: a link" not in run("check", "-C", str(project)).stderr
