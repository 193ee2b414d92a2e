"""Shared fixtures: a copy of the real project in a temporary folder, never the real output/."""

from __future__ import annotations

import shutil
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
    """The whole default book built once per session into a temporary project."""
    from briefings import build

    root = copy_project(tmp_path_factory.mktemp("book") / "project")
    build(root, jobs=2)
    return root / "output"


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
