"""Templating: template folders → a sandboxed Jinja environment for one audience.

The search path runs most specific first: the user's template folder, then the audience's
folder, then the shared templates. A name prefixed ``shipped:`` skips the user's folder, so a
user template that shadows a shipped one can still extend it. Every template runs in Jinja's
immutable sandbox with ``StrictUndefined`` and autoescaping, from a loader that refuses any file
that resolves outside its roots (symlinks included). Work is bounded: a render has a deadline and
an output cap, and the operators, calls and filters that multiply size or digits in C code (where
the deadline cannot interrupt them: ``9 ** 999999999``, ``'x' * 10 ** 10``, ``'%0999999999d'``)
are checked before they run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
import string
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .dates import format_date, format_when, partial_date
from .errors import TemplateError, relative
from .limits import deadline
from .markup import render_inline, render_markdown
from .model import portion_mark

SHIPPED = "shipped:"
MAX_TEMPLATE_BYTES = 512 * 1024
MAX_OUTPUT_CHARS = 40 * 1024 * 1024
RENDER_SECONDS = 20.0
MAX_INT_BITS = 16_384  # Python will not print an int longer than 4,300 digits anyway
MAX_ITEMS = 1_000_000
MAX_FILTER_NUMBER = 100_000  # widths, counts and lengths given to filters
# str methods whose only use is to pad or expand by a number: the filters do it, bounded.
_AMPLIFYING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


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
    env = BoundedSandbox(
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
    env.filters["portion"] = lambda marking: portion_mark(str(marking))
    env.filters["date"] = _format_date
    env.filters["shorten"] = _shorten
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    return env


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` so the joined text is checked like every other result."""

    def visit_Concat(self, node: Any, frame: Any) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the size-multiplying operations checked before they run."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _AMPLIFYING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**" and _is_int(left) and _is_int(right):
            if right > 0 and abs(left) > 1 and abs(left).bit_length() * right > MAX_INT_BITS:
                raise SecurityError(f"{left} ** {right} is too large a number")
        elif operator_ == "*":
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise SecurityError("the product is too large a number")
            else:
                times, seq = (left, right) if _is_int(left) else (right, left)
                if _is_int(times) and hasattr(seq, "__len__") and len(seq) * times > _limit(seq):
                    raise SecurityError(
                        f"repeating {len(seq):,} items {times:,} times is too large"
                    )
        elif operator_ == "%" and isinstance(left, str):
            _check_format(left, right)
        return self.bounded(self.binop_table[operator_](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        receiver = getattr(method, "__self__", None)
        if isinstance(receiver, str) and getattr(method, "__name__", "") in (
            "format",
            "format_map",
        ):
            _check_format(receiver, *args, *kwargs.values())
        return __self.bounded(super().call(__context, __obj, *args, **kwargs))

    def bounded(self, value: Any) -> Any:
        """Return value, or refuse it when it is too long to be part of a document."""
        return _check_size(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _limit(value: Any) -> int:
    return MAX_OUTPUT_CHARS if isinstance(value, str) else MAX_ITEMS


def _check_format(text: str, *args: Any) -> None:
    """Refuse a format string that asks for a field wider or more precise than a document."""
    numbers = [n for match in _PERCENT_SPEC.finditer(text) for n in match.groups() if n]
    with contextlib.suppress(ValueError):
        for _, _, spec, _ in string.Formatter().parse(text):
            numbers += re.findall(r"\d+|\{", spec or "")
    if any(n in ("*", "{") for n in numbers):  # the width comes from the arguments
        for arg in args:
            values = arg.values() if isinstance(arg, dict) else arg
            items: Any = (
                values if isinstance(values, tuple | list | type({}.values())) else [values]
            )
            numbers += [str(abs(v)) for v in items if _is_int(v)]
    if any(n not in ("*", "{") and (len(n) > 9 or int(n) > MAX_FILTER_NUMBER) for n in numbers):
        raise SecurityError("a format field is too wide")


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: numeric options and the size of what it returns are bounded."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # context/environment comes first

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        value, options = args[skip : skip + 1], [*args[skip + 1 :], *kwargs.values()]
        if name == "format" and value and isinstance(value[0], str):
            _check_format(value[0], *options)  # its numbers are values; widths are checked here
        elif any(_is_int(o) and abs(o) > MAX_FILTER_NUMBER for o in options):
            raise SecurityError(f"a number given to |{name} is larger than {MAX_FILTER_NUMBER:,}")
        if name == "replace" and value and len(options) >= 2:
            text, old, new = str(value[0]), str(options[0]), str(options[1])
            hits = len(text) + 1 if not old else text.count(old)
            if len(text) + hits * max(len(new) - len(old), 0) > MAX_OUTPUT_CHARS:
                raise SecurityError("|replace would make the text too long")
        return _check_size(func(*args, **kwargs))

    return bounded


def _check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict | set) and len(value) > _limit(value):
        kind = "characters" if isinstance(value, str) else "items"
        raise SecurityError(f"a value of {len(value):,} {kind} is too large (a runaway loop?)")
    return value


def _format_date(value: Any) -> str:
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, str) and _PARTIAL_DATE.fullmatch(value) and partial_date(value):
        return format_when(value)
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
        with deadline(RENDER_SECONDS, f"{name}: rendering"):
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
    except MemoryError:
        raise TemplateError(f"{name}: ran out of memory; is a loop or value runaway?") from None


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
