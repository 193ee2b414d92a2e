"""Shared fixtures: a copy of the real project in a temporary folder, never the real output/."""

from __future__ import annotations

import fcntl
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("content", "seeds", "templates", "briefing.yaml")


def copy_project(target: Path) -> Path:
    """Copy the shipped project (content, seeds, templates, settings) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def fetch(url: str, timeout: float = 60) -> tuple[int, bytes]:
    """GET a URL: its status and body, an HTTP error's too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project copied once per module and built (staff, energy, HTML)."""
    from briefings import build

    root = copy_project(tmp_path_factory.mktemp("baseline") / "project")
    build(root, audiences=["staff"], topics=["energy"], formats=["html"])
    assert (root / "output" / "staff.html").is_file()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the real project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def book():  # type: ignore[no-untyped-def]
    """The shipped project, loaded once (read only)."""
    from briefings import load_project

    return load_project(REPO)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole default book built once per test run into a temporary project (read only).

    Under pytest-xdist the workers share one build: the first to arrive builds it under a lock
    in the run's common temporary folder, the others wait and read it.
    """
    from briefings import build

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        root = copy_project(tmp_path_factory.mktemp("book") / "project")
        build(root, jobs=2)
        return root / "output"
    shared = tmp_path_factory.getbasetemp().parent / "built-book"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "done").exists():
                root = copy_project(shared / "project")
                build(root, jobs=2)
                (shared / "done").write_text("built\n", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return shared / "project" / "output"


def plant_restricted_point(project: Path, headline: str) -> None:
    """Add a restricted priority-1 fact to the project's security topic (the release-gate test)."""
    security = project / "content" / "security.yaml"
    security.write_text(
        security.read_text(encoding="utf-8")
        + f"""
  - id: planted-secret
    kind: fact
    headline: {headline}
    priority: 1
    marking: restricted
    sources:
      - seed: israel-balkans-2016
        paragraphs: [6]
    as_of: 2016-11-25
""",
        encoding="utf-8",
    )
