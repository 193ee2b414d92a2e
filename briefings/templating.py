"""Templating: template folders → a sandboxed Jinja environment for one audience.

The search path runs most specific first: the user's template folder, then the audience's
folder, then the shared templates. A name prefixed ``shipped:`` skips the user's folder, so a
user template that shadows a shipped one can still extend it. Every template runs in Jinja's
immutable sandbox with ``StrictUndefined`` and autoescaping, from a loader that refuses any file
that resolves outside its roots (symlinks included). Work is bounded: a render has a deadline and
an output cap, and whatever multiplies size or digits in C code, where the deadline cannot
interrupt it (``9 ** 999999999``, ``'%0999999999d'``, ``range(100000)|join('x' * 20000)``, a
list of lists printed), is measured from its inputs and refused before it runs. An error names
the template file and the line of the failing expression.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .bounds import (
    _AMPLIFYING_METHODS,
    MAX_INT_BITS,
    MAX_OUTPUT_CHARS,
    _bounded_filter,
    _check_format,
    _check_plus,
    _check_product,
    _check_size,
    _check_text_method,
    _is_int,
    _join,
    _json_dumps,
    _pprint,
    _printable,
    _refuse,
    _Sink,
    _sum,
    _text_size,
)
from .dates import format_date, format_when, partial_date
from .errors import TemplateError, relative
from .limits import deadline
from .markup import check_markdown, render_inline, render_markdown, typeset
from .model import portion_mark
from .strictyaml import quoted

SHIPPED = "shipped:"
_FAILING = (
    nodes.Getattr,
    nodes.Getitem,
    nodes.Call,
    nodes.Filter,
    nodes.Test,
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Compare,
    nodes.Concat,
)
_STATEMENTS = {
    nodes.Include: "include",
    nodes.Extends: "extends",
    nodes.Import: "import",
    nodes.FromImport: "import",
}
MAX_TEMPLATE_BYTES = 512 * 1024
MAX_SELF_NESTING = 16  # a template inside itself (a recursive include for a tree), this deep
RENDER_SECONDS = 20.0
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class _PlacedError(TemplateError):
    """A template problem found outside Jinja's traceback, where its file and line are known."""

    def __init__(self, filename: str | None, line: int | None, detail: str) -> None:
        super().__init__(f"{_where(filename, line, None)}: {detail}")
        self.filename, self.line, self.detail = filename, line, detail


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
            try:
                found = candidate.is_file()
            except OSError:  # a name too long or otherwise impossible: no such template
                found = False
            if not found:
                continue
            try:
                resolved = candidate.resolve()
                if not resolved.is_relative_to(root):
                    raise jinja2.TemplateNotFound(
                        template,
                        f"{candidate} resolves outside the template folder {root}; refused",
                    )
                info = resolved.stat()
                size, mtime = info.st_size, info.st_mtime
                if size > MAX_TEMPLATE_BYTES:
                    raise jinja2.TemplateNotFound(
                        template, f"{candidate} is {size:,} bytes; limit {MAX_TEMPLATE_BYTES:,}"
                    )
                raw = resolved.read_bytes()
            except (OSError, RuntimeError) as exc:
                why = getattr(exc, "strerror", None) or exc
                raise jinja2.TemplateNotFound(
                    template, f"{candidate}: cannot read: {why}"
                ) from None
            try:
                source = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = exc.object[: exc.start].count(b"\n") + 1  # after a BOM, if any
                raise _PlacedError(
                    str(candidate), line, "not UTF-8 text; save it as UTF-8"
                ) from None
            return source, str(candidate), lambda r=resolved, m=mtime: _unchanged(r, m)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path, mtime: float) -> bool:
    """Whether a loaded template file is still there, unchanged (Jinja's up-to-date test)."""
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def _finalize(value: Any) -> Any:
    """What ``{{ value }}`` prints: bounded, and plain text typeset as prose (curly quotes, en
    dashes in ranges); markup (already converted and typeset) and URLs are left as they are."""
    value = _printable(value)
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return typeset(value)
    return value


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in this process, for the next environment that loads them.

    Every environment ``make_environment`` makes has the same options, so the code it compiles
    depends only on the template's name, file and source; Jinja checks the source's checksum,
    so an edited template is compiled again. Saves the compile on each budget pass, each
    document of a worker, each preview build.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _MemoryBytecodeCache()


def make_environment(
    shared: Path, audience_folder: Path | None, user: Path | None
) -> ImmutableSandboxedEnvironment:
    """Build the sandboxed environment for one audience's templates."""
    shipped = [p for p in (audience_folder, shared) if p is not None]
    env = BoundedSandbox(
        loader=ConfinedLoader([user] if user else [], shipped),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=64,
        bytecode_cache=_COMPILED,
    )
    env.globals.pop("lipsum", None)  # random text: the same inputs must give the same document
    env.filters.pop("random", None)  # likewise
    env.policies["json.dumps_function"] = _json_dumps
    env.filters["join"] = _join
    env.filters["sum"] = _sum
    env.filters["pprint"] = _pprint
    env.filters["markdown"] = _markdown
    env.filters["inline"] = lambda text: jinja2.utils.markupsafe.Markup(render_inline(text))
    env.filters["upper_marking"] = lambda marking: str(marking).upper()
    env.filters["portion"] = lambda marking: portion_mark(str(marking))
    env.filters["date"] = _format_date
    env.filters["shorten"] = _shorten
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    return env


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles templates whose errors name their line and whose built values are measured.

    Jinja marks the template line of statements only, so a failure inside ``{% with %}``, or in
    a tag or ``{{ }}`` spanning lines, was blamed on an earlier line: here each expression that
    can fail starts a generated line of its own, marked with its template line. ``a ~ b`` and
    list, tuple and dict literals are measured like every other result.
    """

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(node, _FAILING) or node.lineno == self._last_line:
            return super().visit(node, *args, **kwargs)
        self.write("(")  # inside brackets the expression may go on over a new line
        self.newline(node)
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.bounded({join}(environment.joinable((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._measured(super().visit_List, node, frame)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._measured(super().visit_Dict, node, frame)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # a target of for or set: assigned to, not built
            super().visit_Tuple(node, frame)
        else:
            self._measured(super().visit_Tuple, node, frame)

    def _measured(
        self, visit: Callable[[Any, Frame], None], node: nodes.Node, frame: Frame
    ) -> None:
        self.write("environment.bounded(")
        visit(node, frame)
        self.write(")")


class _Template(jinja2.Template):
    """A template that refuses to extend itself, directly or through others."""

    @classmethod
    def _from_namespace(
        cls, environment: jinja2.Environment, namespace: Any, globals: Any
    ) -> jinja2.Template:
        template = super()._from_namespace(environment, namespace, globals)
        render = template.root_render_func

        def root(context: Context) -> Iterator[str]:
            _enter(context, template)
            return _nested(template, render(context))

        template.root_render_func = root
        return template


_rendering = threading.local()  # the templates rendering now in this thread, outermost first


def _nested(template: jinja2.Template, chunks: Iterator[str]) -> Iterator[str]:
    """Render a template's chunks, refusing an include or import that runs into itself.

    An include or import renders in a new context, so ``_enter`` cannot see it; a template met
    MAX_SELF_NESTING times in the stack of templates rendering now is a cycle (a recursive
    include for a tree ends well before), named instead of reaching Python's recursion limit.
    """
    stack: list[str] = vars(_rendering).setdefault("stack", [])
    name = str(template.name)
    if stack.count(name) >= MAX_SELF_NESTING:
        start = stack.index(name)
        steps = list(dict.fromkeys(stack[start:]))
        cycle = " → ".join([*steps, name])
        raise _PlacedError(
            template.filename or name,
            None,
            f"include or import cycle: {cycle} (a template that imports or includes itself, "
            f"directly or through others, {MAX_SELF_NESTING} deep)",
        )
    stack.append(name)
    try:
        yield from chunks
    finally:
        stack.pop()


def _enter(context: Context, template: jinja2.Template) -> None:
    """Note that template renders into context; refuse it when it is already rendering there.

    ``{% extends %}`` renders the parent into the child's context, and only it does (an include
    or import gets a new context), so a name met twice in one context is an extends cycle, found
    at its second step instead of at Python's recursion limit.
    """
    chain: list[jinja2.Template] = vars(context).setdefault("_extends_chain", [])
    names, name = [str(t.name) for t in chain], str(template.name)
    if name in names:
        cycle = " → ".join([*names[names.index(name) :], name])
        extender = chain[-1].filename
        line = next(
            (n for n, kind in _statements(template.environment, extender) if kind == "extends"),
            None,
        )
        raise _PlacedError(extender, line, f"extends cycle: {cycle}")
    chain.append(template)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the size-multiplying operations checked before they run."""

    code_generator_class = _BoundedCodeGenerator
    template_class = _Template
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str | bytes) and attr in _AMPLIFYING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**" and _is_int(left) and _is_int(right):
            if right > 0 and abs(left) > 1 and abs(left).bit_length() * right > MAX_INT_BITS:
                raise SecurityError(f"{left} ** {right} is too large a number")
        elif operator_ == "*":
            _check_product(left, right)
        elif operator_ == "%" and isinstance(left, str | bytes):
            text = left if isinstance(left, str) else left.decode("latin-1")
            values = right.values() if isinstance(right, dict) else right
            listed: Any = values if isinstance(values, tuple | type({}.values())) else [values]
            _check_format(text, list(listed), "%")
        elif operator_ == "+":
            _check_plus(left, right)
        return self.bounded(self.binop_table[operator_](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        receiver = getattr(method, "__self__", None)
        if isinstance(receiver, str | bytes):
            name = getattr(method, "__name__", "")
            args = _check_text_method(receiver, name, args, kwargs)
        return __self.bounded(super().call(__context, __obj, *args, **kwargs))

    def bounded(self, value: Any) -> Any:
        """Return value, or refuse it when it is too long to be part of a document."""
        return _check_size(value)

    def joinable(self, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return the parts of ``a ~ b ~ …``, or refuse them when joined they are too long."""
        if all(isinstance(part, str) for part in parts):
            size, bound = sum(map(len, parts)), ""
        else:  # a list or dict is printed: measure until it is clear
            size, bound = 0, "at least "
            for part in parts:
                size += _text_size(part)
                if size > MAX_OUTPUT_CHARS:
                    break
        if size > MAX_OUTPUT_CHARS:
            raise _refuse("~", size, bound=bound)
        return parts

    def concat(self, parts: Iterable[str]) -> str:
        """Join the output of a macro, call, block or ``{% set %}`` block, up to the cap."""
        what = "the output of a macro or block"
        if isinstance(parts, list):  # a buffer: its parts exist already, only the join is new
            if (size := sum(map(len, parts))) > MAX_OUTPUT_CHARS:
                raise _refuse(what, size)
            return "".join(parts)
        sink = _Sink(what)  # a block rendering: stop it as soon as it is too long
        for part in parts:
            sink.write(part)
        return sink.getvalue()


def _markdown(text: Any) -> Markup:
    """The ``markdown`` filter: the same cost checks as a content file's body, then Markdown."""
    problem = check_markdown(str(text))
    if problem is not None:  # text a template builds gets no cheaper than a body on disk
        raise SecurityError(f"|markdown: {problem}")
    return Markup(render_markdown(str(text)))


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
        raise TemplateError(_not_found(env, exc, root)) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(
            f"{_traceback_where(exc, root)}: refused by the sandbox: {exc}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{_traceback_where(exc, root)}: {exc.message}") from None
    except _PlacedError as exc:
        raise TemplateError(f"{_where(exc.filename, exc.line, root)}: {exc.detail}") from None
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


def _not_found(env: jinja2.Environment, exc: jinja2.TemplateNotFound, root: Path | None) -> str:
    """Say which template was not found, and which include, import or extends asked for it."""
    detail = exc.message if exc.message and exc.message != exc.name else ""
    frame = _template_frame(exc)
    if frame is None:  # the document's own template
        return f"template not found: {exc.name}" + (f" ({detail})" if detail else "")
    filename, line = frame
    kind = next((f"{k}: " for n, k in _statements(env, filename) if n == line), "")
    problem = f": {detail}" if detail else " not found in the template folders"
    return f"{_where(filename, line, root)}: {kind}template {quoted(str(exc.name))}{problem}"


def _statements(env: jinja2.Environment, filename: str | None) -> list[tuple[int, str]]:
    """The line and kind (include, import, extends) of each statement in a template file."""
    try:
        tree = env.parse(Path(filename or "").read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, jinja2.TemplateSyntaxError):
        return []
    return [(node.lineno, _STATEMENTS[type(node)]) for node in tree.find_all(tuple(_STATEMENTS))]


def _where(filename: str | None, line: int | None, root: Path | None) -> str:
    shown = (
        relative(Path(filename), root)
        if filename and os.path.isabs(filename)
        else (filename or "?")
    )
    return f"{shown}:{line}" if line else shown


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The file and line of the innermost template frame of a render error, if any."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (
            code.co_filename.endswith((".html", ".css", ".svg", ".txt", ".xml", ".jinja"))
            or "/templates/" in code.co_filename
        ):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _traceback_where(exc: BaseException, root: Path | None) -> str:
    """Where a render error happened (Jinja rewrites tracebacks to point into templates)."""
    frame = _template_frame(exc)
    return _where(*frame, root) if frame else "template"
