"""Reading: one kind of file on disk → its parsed data and validated object, problems placed.

The ``Collector`` keeps every problem of every file (so all are reported together) and every
parsed file (so a message found later, by a cross-check or by lint, is placed at its line).
It reads a file only when it is a regular file within the size limit, judged before opening it
(a named pipe would block, a sparse file could be huge), and only when it resolves inside the
project or a folder the command line named (one rule for files and folders: a link may point
anywhere inside, never out); it names every file by its path in the project (a symlinked file by
the link, not by where it points). All the files of a load share one budget of bytes and of
values, counted as they are read and parsed, so many large files cannot exhaust memory. A ``SourceFile`` keeps what
one file became, even when it did not validate as a whole, so the parts that did can still be
checked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from . import strictyaml
from .errors import Problem, printable, relative
from .model import Audience, Topic
from .strictyaml import MAX_BYTES, SIZE_MESSAGE, Parsed, format_path, parse_yaml
from .validation import Checked, Loc, Located, refuse_point_topic, validate

M = TypeVar("M", bound=BaseModel)

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# What all the files of one project may hold together (the 5,000-point benchmark: 2.4 MB and
# 140,000 values).
MAX_PROJECT_BYTES = 64 * 1024 * 1024
MAX_PROJECT_NODES = 1_500_000
PROJECT_BYTES_MESSAGE = (
    "the project's files come to more than {limit:,} bytes with this one, the limit for a "
    "project; this file and those after it are not read"
)
PROJECT_NODES_MESSAGE = (
    "the project's files hold more than {limit:,} values with this one (keys, list items, lists "
    "and mappings), the limit for a project; this file and those after it are not read"
)


class Collector:
    """Gathers problems from every file so they are reported together, and keeps each parse.

    ``folders`` are folders the command line named, which may lie outside ``root``: a file
    may resolve inside the root or inside one of them.
    """

    def __init__(self, root: Path, folders: Iterable[Path] = ()) -> None:
        self.root = root
        self.folders = [Path(folder) for folder in folders]
        self._bases: list[Path] | None = None  # root and folders, links resolved
        self.problems: list[Problem] = []
        self.parsed: dict[Path, Parsed] = {}
        self.bytes_left = MAX_PROJECT_BYTES
        self.nodes_left = MAX_PROJECT_NODES
        self.spent = False  # a project budget ran out: no further file is read

    def add(self, path: Path, line: int, column: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.name(path), line, column, field, message))

    def name(self, path: Path) -> str:
        """A file's path as the project names it: relative to the root, through any symlink
        (never where the link points), each unprintable character escaped."""
        try:
            inside = path.relative_to(self.root)
        except ValueError:
            inside = None
        shown = str(inside) if inside is not None and ".." not in inside.parts else None
        return printable(shown or relative(path, self.root))

    def add_at(self, path: Path, loc: Loc, message: str) -> None:
        """Add a problem at a field of a parsed file (at its line and column when known)."""
        parsed = self.parsed.get(path)
        line, column = parsed.where(loc) if parsed is not None else (0, 0)
        self.add(path, line, column, format_path(loc), message)

    def add_all(self, found: Iterable[Located]) -> None:
        """Add each (file, location, message)."""
        for path, loc, message in found:
            self.add_at(path, loc, message)

    def inside(self, path: Path) -> bool:
        """Whether a path, links resolved, lies in the project or a command-line folder."""
        if self._bases is None:
            self._bases = [base.resolve() for base in (self.root, *self.folders)]
        target = path.resolve()
        return any(target.is_relative_to(base) for base in self._bases)

    def regular(self, path: Path) -> bool:
        """Whether a path is a regular file that resolves inside the project (or a folder the
        command line named); report it if not. A link, to the file or to any folder above it,
        may point anywhere inside, never out: the link that leads out is the one named."""
        try:
            mode = path.stat().st_mode
            inside = self.inside(path)
        except (OSError, RuntimeError) as exc:
            self.add(path, 0, 0, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}")
            return False
        if not inside:
            link = self._link_out(path)
            kind = "file" if link == path else "folder"
            self.add(link, 0, 0, "", f"a link to a {kind} outside the project; refused")
            return False
        if not stat.S_ISREG(mode):
            self.add(path, 0, 0, "", "not a regular file; skipped")
            return False
        return True

    def _link_out(self, path: Path) -> Path:
        """The first folder (or the file) on the way to path that resolves outside."""
        base = next((b for b in (*self.folders, self.root) if path.is_relative_to(b)), None)
        if base is None:
            return path
        step = base
        for part in path.relative_to(base).parts:
            step = step / part
            if not self.inside(step):
                return step
        return path

    def read(self, path: Path) -> bytes | None:
        """A regular file's bytes, if within the size limit; else report it and return None.

        The kind and size are judged from ``stat`` before opening, and again on the open file
        (opened non-blocking: a pipe swapped in meanwhile cannot hang the read).
        """
        if not self.regular(path):
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            self.add(path, 0, 0, "", f"cannot read: {exc.strerror or exc}")
            return None
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.add(path, 0, 0, "", "not a regular file; skipped")
                return None
            small = info.st_size <= min(MAX_BYTES, self.bytes_left)
            raw = file.read(MAX_BYTES + 1) if small else b""
        size = max(info.st_size, len(raw))
        if size > MAX_BYTES:
            self.add(path, 1, 1, "", SIZE_MESSAGE.format(size=size, limit=MAX_BYTES))
            return None
        if size > self.bytes_left:
            self.add(path, 1, 1, "", PROJECT_BYTES_MESSAGE.format(limit=MAX_PROJECT_BYTES))
            self.spent = True
            return None
        self.bytes_left -= size
        return raw

    def parse(self, path: Path) -> Parsed | None:
        """Parse a file, report its problems, and return it if it still reads as data.

        Once a project budget has run out, no further file is read (the one where it ran out
        is named).
        """
        if self.spent:
            return None
        raw = self.read(path)
        if raw is None:
            return None
        budget = min(strictyaml.MAX_NODES, self.nodes_left)
        if budget < strictyaml.MAX_NODES:  # the project's budget is the tighter one
            message = PROJECT_NODES_MESSAGE.format(limit=MAX_PROJECT_NODES)
            parsed = parse_yaml(raw, budget, message)
            self.spent = parsed.nodes > budget
        else:
            parsed = parse_yaml(raw)
        self.nodes_left -= min(parsed.nodes, budget)
        for line, column, field, message in parsed.problems:
            self.add(path, line, column, field, message)
        if not parsed.readable:
            return None
        self.parsed[path] = parsed
        return parsed

    def validate(
        self, model: type[M], path: Path, parsed: Parsed, extra: dict[str, Any]
    ) -> Checked[M]:
        """Validate a parsed file against model and report what is wrong."""
        checked = validate(model, parsed, extra)
        self.add_all((path, loc, message) for loc, message in checked.findings)
        return checked

    def positions(self) -> dict[str, Parsed]:
        """Each parsed file by its path relative to the project root."""
        return {self.name(path): parsed for path, parsed in self.parsed.items()}


@dataclass
class SourceFile(Generic[M]):
    """One file of one kind: its id, and what it became (``parsed`` None: it did not read)."""

    ident: str
    path: Path
    parsed: Parsed | None = None
    checked: Checked[M] | None = None

    @property
    def obj(self) -> M | None:
        """The file's object if it validated as a whole."""
        return self.checked.obj if self.checked is not None else None

    def data(self, key: str) -> Any:
        """The raw value of a top-level field, or None."""
        data = self.parsed.data if self.parsed is not None else None
        return data.get(key) if isinstance(data, dict) else None

    def bad(self) -> list[Loc]:
        """Every location validation objected to (the whole file if it was not validated)."""
        return self.checked.bad if self.checked is not None else [()]

    def names(self, key: str) -> tuple[str, ...]:
        """A top-level list of names, taken from the object or, failing that, from the data
        when validation did not object to it."""
        value = getattr(self.obj, key) if self.obj is not None else self.data(key)
        if not isinstance(value, list | tuple) or any(loc[:1] == (key,) for loc in self.bad()):
            return ()
        return tuple(name for name in value if isinstance(name, str))


def read_files(model: type[M], paths: Iterable[Path], collector: Collector) -> list[SourceFile[M]]:
    """Parse and validate each file whose name (an audience's: its folder's) is a slug."""
    files: list[SourceFile[M]] = []
    for path in paths:
        named = path.parent if model is Audience else path
        ident = named.name if model is Audience else path.stem
        if not slug_ok(ident, named, collector):
            continue
        file: SourceFile[M] = SourceFile(ident, path, collector.parse(path))
        files.append(file)
        if file.parsed is None:
            continue
        extra: dict[str, Any] = {"id": ident}
        if model is Topic:
            extra["file"] = collector.name(path)
            collector.add_all((path, *found) for found in refuse_point_topic(file.parsed.data))
        if model is Audience:
            extra["folder"] = str(path.parent)
        file.checked = collector.validate(model, path, file.parsed, extra)
    return files


def slug_ok(ident: str, path: Path, collector: Collector) -> bool:
    """Whether a file's id is a slug; report the file if not."""
    if _SLUG.fullmatch(ident):  # ASCII only: ids become file names, anchors and URLs
        return True
    collector.add(path, 0, 0, "", "file name must be a lowercase hyphen slug like 'un-voting.yaml'")
    return False
