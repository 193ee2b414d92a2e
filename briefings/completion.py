"""Completion: a partial word on the command line → matching topic, audience, seed or point names.

Reads the project leniently (file names, and point ids by a line scan; no validation) so
completion stays fast and still works while a file is being edited or does not yet validate.
Folders are the project's, resolved as every command resolves them (``config``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from .config import find_root, load_config
from .errors import BriefingError

_POINT_ID = re.compile(r"^\s*-\s+id:\s*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*)[\"']?\s*(?:#.*)?$", re.M)


def complete_names(ctx: click.Context, kind: str, incomplete: str) -> list[str]:
    """Return names of this kind that start with the last comma-separated part of ``incomplete``."""
    options = {"content": ctx.params.get("content_folder"), "seeds": ctx.params.get("seeds_folder")}
    head, _, tail = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    names = project_names(ctx.params.get("project"), kind, **options)
    return [prefix + name for name in names if name.startswith(tail)]


def project_names(start: Path | None, kind: str, **options: Any) -> list[str]:
    """Return the sorted names of one kind (topic, audience, seed, point) found in a project."""
    if kind == "edition":
        return sorted(p.stem for p in (find_root(start) / "editions").glob("*.json"))
    content, seeds, templates = _folders(start, options)
    if kind == "topic":
        return sorted(p.stem for p in content.glob("*.yaml"))
    if kind == "audience":
        return sorted(p.parent.name for p in templates.glob("*/audience.yaml"))
    if kind == "seed":
        return sorted(p.stem for p in seeds.glob("*.yaml"))
    if kind == "point":
        names: list[str] = []
        for path in sorted(content.glob("*.yaml")):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            names.extend(f"{path.stem}.{m.group(1)}" for m in _POINT_ID.finditer(text))
        return names
    return []


def _folders(start: Path | None, options: dict[str, Any]) -> tuple[Path, Path, Path]:
    """The content, seeds and templates folders; the defaults while briefing.yaml is broken."""
    try:
        config = load_config(start, **options)
    except BriefingError:
        root = find_root(start)
        return root / "content", root / "seeds", root / "templates"
    return config.content, config.seeds, config.templates
