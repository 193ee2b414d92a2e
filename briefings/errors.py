"""Errors the library raises: every problem carries the file, line, field and a fix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc: C0, DEL and C1
CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and line feed allowed


def printable(text: str, keep: str = "") -> str:
    """Text with every unprintable character (control, line separator, bidi override…) written
    as its escape, except those in ``keep``: no name or value can drive a terminal or forge a
    line of output."""
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class BriefingError(Exception):
    """Base of every error the library raises on purpose; the CLI turns it into exit 1."""

    exit_code = 1

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the problems when an error crosses from a worker process.
        return (_rebuild, (type(self), self.args[0], self.problems))

    def __str__(self) -> str:
        head = self.args[0]
        if not self.problems:
            return head
        return head + "\n" + "\n".join(str(p) for p in self.problems)


def _rebuild(
    cls: type[BriefingError], message: str, problems: tuple[Problem, ...]
) -> BriefingError:
    error = BriefingError.__new__(cls)
    BriefingError.__init__(error, message, problems)
    return error


class ContentError(BriefingError):
    """Content, seed, audience or settings files that do not validate."""


class TemplateError(BriefingError):
    """A template that does not compile or render."""


class RenderError(BriefingError):
    """A document that could not be laid out, or a warning under --strict."""


class OutputError(BriefingError):
    """The output folder cannot be written, or another build holds it."""


class SelectionError(BriefingError):
    """An unknown topic, audience or format was asked for; the CLI makes this a usage error."""

    exit_code = 2

    def __init__(self, kind: str, name: str, valid: tuple[str, ...]) -> None:
        from .suggest import closest

        close = closest(name, valid)
        hint = f" Did you mean '{close}'?" if close else ""
        message = f"unknown {kind} '{name}'.{hint} Valid {kind}s: {', '.join(valid)}"
        super().__init__(message)
        self.kind, self.name, self.valid = kind, name, valid
        self.suggestion = close


def relative(path: Path, root: Path | None) -> str:
    """Show a path relative to the project root when it lies inside it."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
