"""Completion: a partial word on the command line → matching topic, audience or point names.

Reads the project leniently (names only, no validation) so completion stays fast and still works
while a file is being edited.
"""

from __future__ import annotations

from pathlib import Path

import click


def complete_names(ctx: click.Context, kind: str, incomplete: str) -> list[str]:
    """Return names of this kind that start with the last comma-separated part of ``incomplete``."""
    root = Path(ctx.params.get("project") or ".")
    head, _, tail = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    if kind == "topic":
        names = sorted(p.stem for p in (root / "content").glob("*.yaml"))
    elif kind == "audience":
        names = sorted(p.parent.name for p in (root / "templates").glob("*/audience.yaml"))
    else:
        names = []
    return [prefix + name for name in names if name.startswith(tail)]
