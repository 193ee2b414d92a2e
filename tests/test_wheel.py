"""Packaging: the tree → an sdist → a wheel, installed alone, whose `briefing` inits and builds.

The sdist is built from a copy of the tree and the wheel from the unpacked sdist, as
``python -m build`` does, so both are checked. The wheel goes into a fresh virtual environment
without the system site-packages, with the runtime dependencies pinned to the versions installed
here (fetched by pip), and runs from a folder outside the repository with no PYTHONPATH.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")
TIMEOUT = 300  # seconds for any one step; the whole module takes about 30 s


@dataclass(frozen=True)
class Installed:
    source: Path  # the copy of the tree the sdist was built from
    sdist: Path
    wheel: Path
    venv: Path


def clean_env(venv: Path | None = None) -> dict[str, str]:
    """Return the environment without anything that would put the repository on sys.path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    }
    env["PYTHONNOUSERSITE"] = "1"
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
    return env


def call(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; its output is kept for the assertion message."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def must(result: subprocess.CompletedProcess[str]) -> str:
    """Return the command's stdout, or fail with everything it printed."""
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def copy_tree(target: Path) -> Path:
    """Copy the working tree without environments, build products, caches or output.

    Building in the repository itself would leave build/ and an egg-info behind, and build/lib
    keeps files deleted since the last build, so a stale template could ship.
    """
    top_level = {".git", ".venv", "venv", "output", "build", "dist"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n.startswith(".") or n.endswith((".egg-info", ".pyc"))}
        skipped |= {"__pycache__"} & set(names)
        if Path(folder) == REPO:
            skipped |= top_level & set(names)
        return skipped

    return Path(shutil.copytree(REPO, target, ignore=ignore))


def runtime_pins() -> list[str]:
    """Return the runtime dependencies, recursively, pinned to the versions installed here."""
    pins: dict[str, str] = {}
    todo = list(PYPROJECT["project"]["dependencies"])
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in pins:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            pins[name] = str(requirement)  # not installed here: let pip choose
            continue
        pins[name] = f"{name}=={distribution.version}"
        todo.extend(distribution.requires or [])
    return sorted(pins.values())


def shipped_files() -> list[str]:
    """Return every file of the repository's templates/, relative to it, as POSIX paths."""
    root = REPO / "templates"
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the sdist and the wheel from a copy of the tree and install it in a fresh venv."""
    root = tmp_path_factory.mktemp("wheel")
    source = copy_tree(root / "source")
    venv = root / "venv"
    env = clean_env()
    # No pip of its own (ensurepip takes seconds): this environment's pip installs into it.
    must(call(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root, env=env))
    python = venv / "bin" / "python"
    env = clean_env(venv)
    pip = (sys.executable, *PIP, "--python", python)

    # The build backend (the version pyproject.toml asks for) and the runtime dependencies come
    # from the index in one pip call; only this step needs it, the wheel itself installs with
    # --no-index against what is already there.
    wanted = [*PYPROJECT["build-system"]["requires"], *runtime_pins()]
    result = call(*pip, "install", "-q", *wanted, cwd=root, env=env)
    if result.returncode != 0:
        pytest.skip(f"pip could not install the dependencies: {result.stderr.strip()[-800:]}")

    dist = root / "dist"
    hook = "import importlib, sys; print(importlib.import_module(sys.argv[1]).build_sdist(sys.argv[2]))"
    backend = PYPROJECT["build-system"]["build-backend"]
    name = must(call(python, "-c", hook, backend, dist, cwd=source, env=env)).splitlines()[-1]
    sdist = dist / name
    unpacked = root / "unpacked"
    with tarfile.open(sdist) as archive:
        # The "data" filter (Python 3.11.4 and later) refuses links and paths out of the folder.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(unpacked, **safe)  # type: ignore[arg-type]
    (sdist_root,) = unpacked.iterdir()
    must(
        call(*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
             "-w", dist, sdist_root, cwd=root, env=env)
    )  # fmt: skip
    (wheel,) = dist.glob("*.whl")
    must(call(*pip, "install", "-q", "--no-index", wheel, cwd=root, env=env))
    return Installed(source=source, sdist=sdist, wheel=wheel, venv=venv)


def test_the_wheel_carries_every_template_and_module(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        for relative in shipped_files():
            packed = f"briefings/_shipped/{relative}"
            assert packed in names, f"{packed} is missing from the wheel"
            assert wheel.read(packed) == (REPO / "templates" / relative).read_bytes(), packed
    # pyproject.toml lists the packages: a subpackage missing from that list would be left out.
    modules = {
        p.relative_to(installed.source).as_posix()
        for p in (installed.source / "briefings").rglob("*.py")
    }
    assert modules - names == set()


def test_the_sdist_carries_every_template(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [f for f in shipped_files() if f"templates/{f}" not in names]
    assert missing == []


def test_the_installed_briefing_inits_and_builds_outside_the_repository(
    installed: Installed, tmp_path: Path
) -> None:
    env = clean_env(installed.venv)
    briefing = installed.venv / "bin" / "briefing"
    where = "import briefings.scaffold as s; print(s.__file__); print(s.shipped_templates())"
    module, templates = must(
        call(installed.venv / "bin" / "python", "-c", where, cwd=tmp_path, env=env)
    ).splitlines()
    assert Path(module).is_relative_to(installed.venv), module  # not the repository's package
    assert Path(templates) == Path(module).parent / "_shipped"

    must(call(briefing, "init", "proj", cwd=tmp_path, env=env))
    project = tmp_path / "proj"
    copied = sorted(
        p.relative_to(project / "templates").as_posix()
        for p in (project / "templates").rglob("*")
        if p.is_file()
    )
    assert copied == shipped_files()
    for relative in copied:
        if not relative.endswith("/audience.yaml"):  # profiles are reset by init
            expected = (REPO / "templates" / relative).read_bytes()
            assert (project / "templates" / relative).read_bytes() == expected, relative

    must(call(briefing, "build", cwd=project, env=env))
    audiences = sorted(p.parent.name for p in (project / "templates").glob("*/audience.yaml"))
    assert len(audiences) >= 5
    output = project / "output"
    for audience in audiences:
        assert (output / f"{audience}.pdf").read_bytes().startswith(b"%PDF-"), audience
        assert "<html" in (output / f"{audience}.html").read_text(encoding="utf-8"), audience
