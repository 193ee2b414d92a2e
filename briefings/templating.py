"""Templating: template folders → a sandboxed Jinja environment for one audience.

The search path runs most specific first: the user's template folder, then the audience's
folder, then the shared templates. A name prefixed ``shipped:`` skips the user's folder, so a
user template that shadows a shipped one can still extend it. Every template runs in Jinja's
immutable sandbox with ``StrictUndefined`` and autoescaping, from a loader that refuses any file
that resolves outside its roots (symlinks included).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import TemplateError, relative
from .markup import render_inline, render_markdown

SHIPPED = "shipped:"
MAX_TEMPLATE_BYTES = 512 * 1024
MAX_OUTPUT_CHARS = 40 * 1024 * 1024
RENDER_SECONDS = 20.0


class ConfinedLoader(jinja2.BaseLoader):
    """Load templates by name from an ordered list of roots, never from outside them."""

    def __init__(self, user: Sequence[Path], shipped: Sequence[Path]) -> None:
        self.user = [p.resolve() for p in user]
        self.shipped = [p.resolve() for p in shipped]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        roots = self.user + self.shipped
        name = template
        if template.startswith(SHIPPED):
            roots, name = self.shipped, template[len(SHIPPED) :]
        parts = name.replace("\\", "/").split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise jinja2.TemplateNotFound(
                template, "template names are relative paths inside the template folders"
            )
        for root in roots:
            candidate = root.joinpath(*parts)
            if not candidate.is_file():
                continue
            resolved = candidate.resolve()
            if not resolved.is_relative_to(root):
                raise jinja2.TemplateNotFound(
                    template, f"{candidate} resolves outside the template folder {root}; refused"
                )
            size = resolved.stat().st_size
            if size > MAX_TEMPLATE_BYTES:
                raise jinja2.TemplateNotFound(
                    template, f"{candidate} is {size:,} bytes; limit {MAX_TEMPLATE_BYTES:,}"
                )
            source = resolved.read_text(encoding="utf-8")
            mtime = resolved.stat().st_mtime
            return source, str(candidate), lambda r=resolved, m=mtime: r.stat().st_mtime == m
        raise jinja2.TemplateNotFound(template)


def make_environment(
    shared: Path, audience_folder: Path | None, user: Path | None
) -> ImmutableSandboxedEnvironment:
    """Build the sandboxed environment for one audience's templates."""
    shipped = [p for p in (audience_folder, shared) if p is not None]
    env = ImmutableSandboxedEnvironment(
        loader=ConfinedLoader([user] if user else [], shipped),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=64,
    )
    env.filters["markdown"] = lambda text: jinja2.utils.markupsafe.Markup(render_markdown(text))
    env.filters["inline"] = lambda text: jinja2.utils.markupsafe.Markup(render_inline(text))
    env.filters["upper_marking"] = lambda marking: str(marking).upper()
    env.filters["portion"] = lambda marking: {
        "public": "P",
        "internal": "I",
        "restricted": "R",
    }.get(str(marking), "?")
    env.filters["date"] = _format_date
    env.filters["shorten"] = _shorten
    return env


def _format_date(value: Any) -> str:
    if hasattr(value, "strftime"):
        return f"{value.day} {value.strftime('%B %Y')}"
    return str(value)


def _shorten(text: str, width: int = 70) -> str:
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def render_template(
    env: jinja2.Environment, name: str, context: dict[str, Any], root: Path | None = None
) -> str:
    """Render a template by name; turn every Jinja failure into a TemplateError with file:line."""
    try:
        with _deadline(RENDER_SECONDS, name):
            return _render(env, name, context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{_where(exc.filename or exc.name, exc.lineno, root)}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        detail = f" ({exc.message})" if exc.message and exc.message != exc.name else ""
        raise TemplateError(f"template not found: {exc.name}{detail}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(
            f"{_traceback_where(exc, root)}: refused by the sandbox: {exc}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_traceback_where(exc, root)}: {exc.message}") from None
    except TemplateError:
        raise
    except (
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
        KeyError,
        IndexError,
        OverflowError,
    ) as exc:
        raise TemplateError(f"{_traceback_where(exc, root)}: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise TemplateError(
            f"{name}: recursion too deep (a macro or include calls itself?)"
        ) from None


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    template = env.get_template(name)
    chunks: list[str] = []
    size = 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateError(
                f"{name}: output passed {MAX_OUTPUT_CHARS:,} characters; is a loop runaway?"
            )
        chunks.append(chunk)
    return "".join(chunks)


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds: float, name: str) -> Iterator[None]:
    """Stop a runaway template after ``seconds`` (only where signals work: the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Timeout:
        raise TemplateError(
            f"{name}: rendering took longer than {seconds:g} s; is a loop runaway?"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(filename: str | None, line: int | None, root: Path | None) -> str:
    shown = (
        relative(Path(filename), root)
        if filename and os.path.isabs(filename)
        else (filename or "?")
    )
    return f"{shown}:{line}" if line else shown


def _traceback_where(exc: BaseException, root: Path | None) -> str:
    """Find the innermost template frame of a render error (Jinja rewrites tracebacks for this)."""
    found = "template"
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (
            code.co_filename.endswith((".html", ".css", ".svg", ".txt", ".xml", ".jinja"))
            or "/templates/" in code.co_filename
        ):
            found = _where(code.co_filename, tb.tb_lineno, root)
        tb = tb.tb_next
    return found
