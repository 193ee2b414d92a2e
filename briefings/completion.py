"""Completion: a partial word on the command line → matching topic, audience, seed or point names.

Reads the project leniently (file names, and point ids by a line scan; no validation) so
completion stays fast and still works while a file is being edited or does not yet validate.
Folder names come from ``briefing.yaml`` when it sets them.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

_POINT_ID = re.compile(r"^\s*-\s+id:\s*[\"']?([a-z0-9]+(?:-[a-z0-9]+)*)[\"']?\s*(?:#.*)?$", re.M)
_FOLDER = re.compile(r"^(content|seeds|templates):\s*[\"']?([^\"'#\n]+?)[\"']?\s*(?:#.*)?$", re.M)


def complete_names(ctx: click.Context, kind: str, incomplete: str) -> list[str]:
    """Return names of this kind that start with the last comma-separated part of ``incomplete``."""
    root = Path(ctx.params.get("project") or ".")
    head, _, tail = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    return [prefix + name for name in project_names(root, kind) if name.startswith(tail)]


def project_names(root: Path, kind: str) -> list[str]:
    """Return the sorted names of one kind (topic, audience, seed, point) found in a project."""
    folders = _folders(root)
    if kind == "topic":
        return sorted(p.stem for p in (root / folders["content"]).glob("*.yaml"))
    if kind == "audience":
        return sorted(p.parent.name for p in (root / folders["templates"]).glob("*/audience.yaml"))
    if kind == "seed":
        return sorted(p.stem for p in (root / folders["seeds"]).glob("*.yaml"))
    if kind == "point":
        names = []
        for path in sorted((root / folders["content"]).glob("*.yaml")):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            names.extend(f"{path.stem}.{m.group(1)}" for m in _POINT_ID.finditer(text))
        return names
    return []


def _folders(root: Path) -> dict[str, str]:
    """The content, seeds and templates folder names, from briefing.yaml where it sets them."""
    folders = {"content": "content", "seeds": "seeds", "templates": "templates"}
    try:
        text = (root / "briefing.yaml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return folders
    for match in _FOLDER.finditer(text):
        folders[match.group(1)] = match.group(2).strip()
    return folders
