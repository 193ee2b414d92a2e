"""Hostile projects, third round: linked folders, impossible template names, format widths hidden
in values, many large YAML files, image formats, giant fonts, odd file names, seed URLs.

Each case plants one fault in a copy of a built project and checks the exact message, the exit
code, that the previous output is byte-identical and that nothing outside the project changed;
where the fault is one of size, that it was refused before the work (time, peak memory).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import peak_memory

from briefings import reading, strictyaml
from briefings.cache import tree_digest
from briefings.cli import cli
from briefings.fetcher import MAX_IMAGE_PIXELS, _pixels

SELECT = ("-a", "staff", "-t", "energy")
PEAK_BYTES = 200 * 1024 * 1024


@pytest.fixture
def project(baseline: Path, tmp_path: Path) -> Path:
    """A copy of the built project at tmp/project, beside tmp/outside (holding a secret)."""
    project = tmp_path / "project"
    shutil.copytree(baseline, project, symlinks=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("SECRET-OUTSIDE\n", encoding="utf-8")
    return project


def tree(root: Path) -> dict[str, Any]:
    """Relative path → link target or digest (or size, for a giant) of everything under root."""
    found: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            info = path.lstat()
            if path.is_symlink():
                found[os.fsdecode(path.relative_to(root))] = ("link", os.readlink(path))
            elif path.is_file():
                big = info.st_size > 50_000_000
                value = info.st_size if big else hashlib.sha256(path.read_bytes()).hexdigest()
                found[os.fsdecode(path.relative_to(root))] = ("file", value)
    return found


def run(project: Path, *args: str) -> tuple[Result, int]:
    """Run the command line on the project; return its result and the peak of its memory."""
    with peak_memory() as peak:
        result = CliRunner().invoke(cli, [*args, "-C", str(project)])
    return result, peak()


def assert_refused(project: Path, message: str, *args: str) -> None:
    """The command exits 1 with exactly this message; nothing under tmp changed."""
    before = tree(project.parent)
    result, peak = run(project, *args)
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"
    assert "Traceback" not in result.output
    assert tree(project.parent) == before
    assert peak < PEAK_BYTES, f"peak {peak:,} bytes"


def build_args(*extra: str) -> tuple[str, ...]:
    return ("build", *SELECT, "-f", "html", "--strict", *extra)


# --- 1. One confinement rule for every folder under the project ------------------------------


def _move_out(project: Path, folder: str) -> Path:
    """Move a project folder outside and leave a link to it in its place."""
    outside = project.parent / "outside" / Path(folder).name
    shutil.move(str(project / folder), outside)
    (project / folder).symlink_to(outside)
    return outside


@pytest.mark.parametrize("command", ["check", "build"])
def test_an_audience_folder_that_links_outside_is_refused(project: Path, command: str) -> None:
    outside = _move_out(project, "templates/staff")
    (outside / "secret.html").write_text("SECRET-OUTSIDE", encoding="utf-8")
    args = ("check",) if command == "check" else build_args()
    assert_refused(
        project,
        "2 problems in the project files\n"
        "content/front/staff.yaml:2:1: no audience 'staff' to write front matter for\n"
        "templates/staff: a link to a folder outside the project; refused",
        *args,
    )


def test_a_new_audience_folder_that_links_outside_is_refused(project: Path) -> None:
    outside = project.parent / "outside" / "evil"
    shutil.copytree(project / "templates" / "staff", outside)
    (project / "templates" / "evil").symlink_to(outside)
    assert_refused(
        project,
        "1 problem in the project files\n"
        "templates/evil: a link to a folder outside the project; refused",
        "build",
        "-a",
        "evil",
        "-f",
        "html",
    )


def test_a_front_folder_that_links_outside_is_refused(project: Path) -> None:
    outside = project.parent / "outside" / "front"
    outside.mkdir()
    (outside / "staff.yaml").write_text("marking: public\naddressee: SECRET\n", "utf-8")
    if (project / "content" / "front").exists():
        shutil.rmtree(project / "content" / "front")
    (project / "content" / "front").symlink_to(outside)
    assert_refused(
        project,
        "1 problem in the project files\n"
        "content/front: a link to a folder outside the project; refused",
        *build_args(),
    )


def test_a_folder_that_links_inside_the_project_is_fine(project: Path) -> None:
    shutil.move(str(project / "templates" / "staff"), project / "staff-profile")
    (project / "templates" / "staff").symlink_to(project / "staff-profile")
    result, _ = run(project, *build_args("--force"))
    assert result.exit_code == 0, result.output


def test_a_folder_named_on_the_command_line_may_be_anywhere(project: Path) -> None:
    content = _move_out(project, "content")
    (project / "content").unlink()
    result, _ = run(project, "check", "--content", str(content))
    assert result.exit_code == 0, result.output


# --- 2. A template name the file system cannot take is a name not found ----------------------


def _user_template(project: Path, body: str) -> Path:
    mine = project / "mine"
    mine.mkdir(exist_ok=True)
    (mine / "briefing.html").write_text(
        '{% extends "shipped:briefing.html" %}\n{% block colophon %}\n' + body + "\n"
        "{% endblock %}\n",
        encoding="utf-8",
    )
    return mine


def test_a_too_long_template_name_is_not_found(project: Path) -> None:
    name = "a" * 5000
    mine = _user_template(project, f'{{% include ["{name}", "none.html"] ignore missing %}}ok')
    result, _ = run(project, *build_args("--force", "--templates", str(mine)))
    assert result.exit_code == 0, result.output
    mine = _user_template(project, f'{{% include "{name}" %}}')
    shown = "'" + "a" * 80 + "…'"
    assert_refused(
        project,
        f"mine/briefing.html:3: include: template {shown} not found in the template folders",
        *build_args("--templates", str(mine)),
    )


# --- 3. A format width hidden in a value is measured before the work ------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{{ "{:>{}}".format("x", "1500000000") }}', "a format field is too wide"),
        ('{{ "{0:{1[0]}}".format("x", [1500000000]) }}', "a format field is too wide"),
        ('{{ "{a:>{b}}".format_map({"a": "x", "b": "1500000000"}) }}', "a format field is too wide"),
        ('{{ "{0:{1:9>9}}".format("x", 1) }}', "a format field is too wide"),
        ('{{ "{0:>{1!s}}".format("x", "1500000000") }}', "a format field is too wide"),
        ('{{ "{0:{1.real}}".format("x", 5) }}', "a format field's width or precision must be a number or short text, found by index or key in a list, tuple or dict"),
    ],
)  # fmt: skip
def test_a_nested_format_width_is_measured_before_the_work(
    project: Path, body: str, message: str
) -> None:
    mine = _user_template(project, body)  # unmeasured, each would allocate 1.5 GB
    assert_refused(
        project,
        f"mine/briefing.html:3: refused by the sandbox: {message}",
        *build_args("--templates", str(mine)),
    )


def test_ordinary_nested_format_widths_still_work(project: Path) -> None:
    mine = _user_template(
        project, '[{{ "{:>{}}".format("r", 4) }}|{{ "{:.{p}f}".format(2, p=2) }}]'
    )
    result, _ = run(project, *build_args("--force", "--templates", str(mine)))
    assert result.exit_code == 0, result.output
    assert "[   r|2.00]" in (project / "output" / "staff.html").read_text(encoding="utf-8")


# --- 4. All the YAML files of a project share one budget ------------------------------------


def _flow_list(items: int) -> str:
    return "title: T\npoints: [" + "1," * (items - 1) + "1]\n"


def test_a_file_with_too_many_values_is_refused_while_parsing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(strictyaml, "MAX_NODES", 5000)
    (project / "content" / "junk.yaml").write_text(_flow_list(20000), encoding="utf-8")
    assert_refused(
        project,
        "1 problem in the project files\ncontent/junk.yaml:1:1: more than 5,000 values (keys, "
        "list items, lists and mappings), the limit for one file; split it",
        *build_args(),
    )


def test_many_files_run_out_the_projects_budget_of_values(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_PROJECT_NODES", 3_000)
    for i in range(5):  # each within the file limit; together past the project's
        (project / "content" / f"junk-{i}.yaml").write_text(_flow_list(900), "utf-8")
    result, _ = run(project, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("Error: ")
    ran_out = [line for line in lines if "the limit for a project" in line]
    assert len(ran_out) == 1
    name = ran_out[0].split(":")[0]  # where the budget ran out; no file after it is read
    assert ran_out[0] == (
        f"{name}:1:1: the project's files hold more than 3,000 values with this one (keys, list "
        "items, lists and mappings), the limit for a project; this file and those after it are "
        "not read"
    )
    assert not [line for line in lines if line.split(":")[0] > name]


def test_many_files_run_out_the_projects_budget_of_bytes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_PROJECT_BYTES", 1_000_000)
    for i in range(5):
        (project / "content" / f"junk-{i}.yaml").write_text(
            f'title: "{"x" * 400_000}"\n', encoding="utf-8"
        )
    result, _ = run(project, "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == (
        "content/junk-2.yaml:1:1: the project's files come to more than 1,000,000 bytes with "
        "this one, the limit for a project; this file and those after it are not read"
    )
    assert not [line for line in lines if line.startswith(("content/junk-3", "content/junk-4"))]


def test_the_real_limits_take_the_shipped_book_many_times_over(baseline: Path) -> None:
    files = [*baseline.glob("content/*.yaml"), *baseline.glob("seeds/*.yaml")]
    size = sum(f.stat().st_size for f in files)
    values = sum(strictyaml.parse_yaml(f.read_bytes()).nodes for f in files)
    assert size * 8 < reading.MAX_PROJECT_BYTES
    assert values * 8 < reading.MAX_PROJECT_NODES


# --- 5. Every raster format's pixels are read from its header -------------------------------


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "PNG", "GIF", "PPM", "TGA"])
def test_pixels_are_read_from_the_header_of_every_format(fmt: str) -> None:
    from PIL import Image

    data = io.BytesIO()
    Image.new("L", (640, 480)).save(data, fmt)
    assert _pixels(data.getvalue()) == 640 * 480
    font = Path(__file__).resolve().parent.parent / "templates/fonts/SourceSans3-Regular.ttf"
    assert _pixels(font.read_bytes()) == 0
    assert _pixels(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == 0


def test_a_tiff_pixel_bomb_is_refused_before_it_is_decoded(project: Path) -> None:
    from PIL import Image

    Image.new("1", (7000, 7000)).save(  # one bit a pixel: cheap to make, 49 million pixels
        project / "templates" / "big.tiff", compression="tiff_adobe_deflate"
    )
    assert _pixels((project / "templates" / "big.tiff").read_bytes()) > MAX_IMAGE_PIXELS
    path = project / "content" / "energy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    body: |\n", "    body: |\n      ![map](big.tiff)\n\n", 1))
    args = ("build", *SELECT, "-f", "pdf")
    relaxed, peak = run(project, *args)
    assert relaxed.exit_code == 0, relaxed.output
    assert "an image of 49,000,000 pixels (limit 40,000,000); scale it down" in relaxed.stderr
    assert peak < PEAK_BYTES, f"peak {peak:,} bytes"  # decoded, it would be 49 MB and more
    before = tree(project.parent)
    strict = CliRunner().invoke(cli, [*args, "--strict", "--force", "-C", str(project)])
    assert strict.exit_code == 1  # memory was measured above; this run only checks the exit
    assert tree(project.parent) == before


# --- 6. A font file is judged by its size before it is read ---------------------------------


def test_a_giant_font_file_is_refused_before_it_is_read(project: Path) -> None:
    font = project / "templates" / "fonts" / "SourceSerif4-Regular.ttf"
    font.unlink()
    with font.open("wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: 4 GiB that take no disk
    started = time.monotonic()
    assert_refused(
        project,
        f"{font}: font file is 4,294,967,296 bytes; the limit is 33,554,432",
        *build_args(),
    )
    assert time.monotonic() - started < 60


# --- 7. Any file name under the template folders keys the cache -----------------------------


def test_a_file_name_that_is_not_utf8_keys_the_cache(project: Path, tmp_path: Path) -> None:
    odd = os.fsencode(project / "templates") + b"/\xff\xfe.txt"
    with open(odd, "wb") as handle:
        handle.write(b"x")
    result, _ = run(project, *build_args("--force"))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, name in ((one, b"\xff.txt"), (two, b"\xfe.txt")):
        folder.mkdir()
        with open(os.fsencode(folder) + b"/" + name, "wb") as handle:
            handle.write(b"x")
    assert tree_digest(one) != tree_digest(two)


# --- 8. A seed URL that is not http(s) says what a URL must be ------------------------------


def test_a_javascript_seed_url_says_what_a_url_must_be(project: Path) -> None:
    seed = project / "seeds" / "israel-balkans-2016.yaml"
    text = seed.read_text(encoding="utf-8")
    line = text[: text.index("\nurl:") + 1].count("\n") + 1 if "\nurl:" in text else None
    if line is None:
        line = text.count("\n") + 1
        text += "url: javascript:alert(1)\n"
    else:
        start = text.index("\nurl:") + 1
        end = text.index("\n", start)
        text = text[:start] + "url: javascript:alert(1)" + text[end:]
    seed.write_text(text, encoding="utf-8")
    assert_refused(
        project,
        "1 problem in the project files\n"
        f"seeds/israel-balkans-2016.yaml:{line}:1: url: expected an http:// or https:// address "
        "without spaces, quotes or angle brackets, got 'javascript:alert(1)'",
        *build_args(),
    )
