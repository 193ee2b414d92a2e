"""Bounds: a value a template builds or is about to build → its size, measured before the work,
and a refusal past the limits.

Whatever multiplies size in C code, where no deadline can interrupt it (``'x' * n``, ``join``
with a long separator, ``replace``, format widths, lists printed), is measured from its inputs
here; the sandbox (``templating``) calls these checks before it runs the operation.
"""

from __future__ import annotations

import functools
import inspect
import io
import itertools
import json
import pprint
import re
from _string import formatter_field_name_split as _formatter_field_name_split  # type: ignore[import-not-found]
from collections.abc import Callable, Iterable, Sequence, Sized
from string import Formatter
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter, sync_do_join
from jinja2.utils import Namespace

MAX_OUTPUT_CHARS = 40 * 1024 * 1024
MAX_INT_BITS = 16_384  # Python will not print an int longer than 4,300 digits anyway
MAX_ITEMS = 1_000_000
MAX_FILTER_NUMBER = 100_000  # widths, counts and lengths given to filters
MAX_NESTING = 100  # lists in lists: each level can multiply what the levels below print
# str and bytes methods whose only use is to pad or expand: the filters do it, bounded.
_AMPLIFYING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "translate"})
# Filters that make text of their value (a list is printed whole), and those that take items.
_TEXT_FILTERS = frozenset({
    "capitalize", "center", "date", "e", "escape", "forceescape", "indent", "inline", "lower",
    "markdown", "portion", "pprint", "replace", "safe", "shorten", "string", "striptags", "title",
    "tojson", "trim", "truncate", "upper", "upper_marking", "urlencode", "urlize", "wordcount",
    "wordwrap", "xmlattr",
})  # fmt: skip
_ITEM_FILTERS = frozenset({
    "batch", "groupby", "join", "list", "map", "reject", "rejectattr", "reverse", "select",
    "selectattr", "slice", "sort", "sum", "unique",
})  # fmt: skip
_CONTAINERS: tuple[type[Iterable[Any]], ...] = (
    list,
    tuple,
    set,
    frozenset,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines splits on
# Expressions that can fail, so each starts a generated line marked with its template line.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _limit(value: Any) -> int:
    return MAX_OUTPUT_CHARS if isinstance(value, str) else MAX_ITEMS


def _refuse(what: str, size: int, unit: str = "characters", bound: str = "") -> SecurityError:
    """The error for a value of ``size`` units (``bound``: "at least " or "up to ") past its cap."""
    limit = MAX_OUTPUT_CHARS if unit == "characters" else MAX_ITEMS
    return SecurityError(
        f"{what}: a value of {bound}{size:,} {unit} is too large (the limit is {limit:,})"
    )


def _children(value: Any) -> Iterable[Any] | None:
    """The parts a container prints, or None for a value that is not a container."""
    if isinstance(value, dict):
        return itertools.chain.from_iterable(value.items())
    if isinstance(value, _CONTAINERS):
        return value
    if isinstance(value, Namespace):  # {% set ns.a = … %} adds to it after it was measured
        return _children(object.__getattribute__(value, "_Namespace__attrs"))
    return None


def _printed_size(value: Any, limit: int, objects: bool = False, indent: int = 0) -> int:
    """Estimate the characters ``str(value)`` makes; stop counting once past ``limit``.

    A part shared by reference counts each time it prints (``[[s] * 10] * 10`` prints s a
    hundred times), which is how a few cheap steps build a value far longer than its memory.
    Another object counts as its own text when ``objects`` (text is about to be made of it),
    else as one character. ``indent`` is what a pretty printer puts before each item per level.
    """
    memo: dict[tuple[int, int], int] = {}

    def size(item: Any, depth: int) -> int:
        if isinstance(item, str | bytes):
            return len(item) + 2
        if _is_int(item):
            return item.bit_length() // 3 + 2
        key = (id(item), depth if indent else 0)
        if key in memo:
            return memo[key]
        children = _children(item)
        if children is None:
            memo[key] = _own_size(item) if objects else 1
            return memo[key]
        if depth >= MAX_NESTING:
            raise SecurityError(f"a value nested more than {MAX_NESTING} levels deep is refused")
        memo[key] = 5  # met again inside itself (a namespace that holds itself): '[...]'
        total, step = 2, 2 + indent * (depth + 1)
        for child in children:
            total += step + size(child, depth + 1)
            if total > limit:
                break
        memo[key] = total
        return total

    return size(value, 0)


def _own_size(value: Any) -> int:
    try:
        return len(str(value))
    except Exception:  # an undefined value: the operation itself will say so, where it is
        return 0


def _text_size(value: Any, limit: int = MAX_OUTPUT_CHARS) -> int:
    """The characters value makes as text (estimated, up to ``limit``, for a container)."""
    return len(value) if isinstance(value, str) else _printed_size(value, limit, objects=True)


def _check_text(what: str, value: Any) -> None:
    """Refuse to make text of a value whose text would be too long."""
    size = _text_size(value)
    if size > MAX_OUTPUT_CHARS:
        raise _refuse(what, size, bound="at least ")


def _check_size(value: Any) -> Any:
    """Return value, or refuse it when it is, or would print as, too long for a document."""
    if isinstance(value, str | bytes):
        if len(value) > _limit(value):
            kind = "characters" if isinstance(value, str) else "items"
            raise SecurityError(f"a value of {len(value):,} {kind} is too large (a runaway loop?)")
    elif _children(value) is not None:
        if not isinstance(value, Namespace) and len(value) > MAX_ITEMS:
            raise SecurityError(f"a value of {len(value):,} items is too large (a runaway loop?)")
        size = _printed_size(value, MAX_OUTPUT_CHARS)
        if size > MAX_OUTPUT_CHARS:
            raise SecurityError(
                f"a value that prints as at least {size:,} characters is too large "
                f"(the limit is {MAX_OUTPUT_CHARS:,}; a runaway loop?)"
            )
    return value


def _printable(value: Any) -> Any:
    """Let ``{{ value }}`` print only what fits in a document, escaped or printed whole."""
    if isinstance(value, str):
        if len(value) > MAX_OUTPUT_CHARS // 5 and not hasattr(value, "__html__"):
            size = len(value) + 4 * sum(value.count(c) for c in "<>&\"'")  # '"' is 5: &#34;
            if size > MAX_OUTPUT_CHARS:
                raise _refuse("printing it escaped", size, bound="up to ")
    elif _children(value) is not None:
        _check_text("printing", value)
    return value


def _items(value: Any, what: str) -> Any:
    """Return value as at most MAX_ITEMS items: a list when it was an iterator, else itself."""
    if isinstance(value, Sized):
        if len(value) > MAX_ITEMS:
            raise _refuse(what, len(value), "items")
        return value
    if not isinstance(value, Iterable):
        return value  # the filter says what is wrong with it
    items = list(itertools.islice(value, MAX_ITEMS + 1))
    if len(items) > MAX_ITEMS:
        raise _refuse(what, len(items), "items", "at least ")
    return items


def _check_product(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise SecurityError("the product is too large a number")
        return
    times, seq = (left, right) if _is_int(left) else (right, left)
    if not _is_int(times) or not hasattr(seq, "__len__") or times < 2:
        return
    if len(seq) * times > _limit(seq):
        raise SecurityError(f"repeating {len(seq):,} items {times:,} times is too large")
    if not isinstance(seq, str | bytes):
        size = _printed_size(seq, MAX_OUTPUT_CHARS // times + 1)
        if size * times > MAX_OUTPUT_CHARS:
            raise SecurityError(
                f"repeating a list that prints as {size:,} characters {times:,} times is too large"
            )


def _check_plus(left: Any, right: Any) -> None:
    if isinstance(left, str) and isinstance(right, str):
        if len(left) + len(right) > MAX_OUTPUT_CHARS:
            raise _refuse("+", len(left) + len(right))
    elif (
        isinstance(left, list | tuple | bytes)
        and isinstance(right, list | tuple | bytes)
        and len(left) + len(right) > MAX_ITEMS
    ):
        raise _refuse("+", len(left) + len(right), "items")


def _check_format(
    text: str, values: list[Any], what: str, brace: tuple[int, list[str]] | None = None
) -> None:
    """Refuse a format string asking for a field wider than a document, or too much text.

    The text is read as a ``%`` format, or, given ``brace`` (its fields and their numbers, from
    ``_brace_format``), as a ``str.format`` one. Each field may print the longest value
    (``'%(a)s%(a)s'`` repeats one) at the widest width.
    """
    if brace is None:
        numbers = [n for match in _PERCENT_SPEC.finditer(text) for n in match.groups() if n]
        fields = text.count("%")
        if "*" in numbers:  # the width comes from the values
            numbers += [str(abs(v)) for v in values if _is_int(v)]
    else:
        fields, numbers = brace
    widths = [n for n in numbers if n != "*"]
    if any(len(n) > 9 or int(n) > MAX_FILTER_NUMBER for n in widths):
        raise SecurityError("a format field is too wide")
    longest = 0
    for value in values:
        longest = max(longest, _text_size(value))
        if longest > MAX_OUTPUT_CHARS:
            break
    size = len(text) + fields * (longest + max(map(int, widths), default=0))
    if size > MAX_OUTPUT_CHARS:
        raise _refuse(what, size, bound="up to ")


def _brace_format(text: str, args: Sequence[Any], kwargs: Any) -> tuple[int, list[str]]:
    """The fields of a ``str.format`` string and the numbers of their specs, each nested field
    (``'{:>{}}'``, ``'{0:{1[0]}}'``) replaced by the text of its value, as ``format`` will.

    Reading stops where ``format`` would fail (a bad field, a field nested twice): what comes
    after is never formatted. A nested field is refused unless its value is found by index or
    key in a list, tuple or dict (the sandbox's lookups, which fall back to attributes, are not
    repeated here) and is a number or short text: a width hidden in anything else cannot be
    measured before the work.
    """
    formatter = Formatter()
    fields, auto, numbers = 0, 0, list[str]()
    try:
        for _, name, spec, _ in formatter.parse(text):
            if name is None:
                continue
            fields += 1
            auto += _formatter_field_name_split(name)[0] == ""
            resolved = ""
            for literal, inner, inner_spec, conversion in formatter.parse(spec or ""):
                resolved += literal
                if inner is None:
                    continue
                first, rest = _formatter_field_name_split(inner)
                if first == "":
                    first, auto = auto, auto + 1
                value = _nested_value(first, rest, args, kwargs)
                if "{" in (inner_spec or ""):
                    return fields, numbers  # a field nested twice: format stops here
                if any(len(n) > 5 for n in re.findall(r"\d+", inner_spec or "")):
                    raise SecurityError("a format field is too wide")
                converted = Formatter().convert_field(value, conversion)
                resolved += format(converted, inner_spec or "")
            numbers += re.findall(r"\d+", resolved)
    except (ValueError, TypeError, LookupError):  # format fails here too, before this field
        pass
    return fields, numbers


def _nested_value(
    first: int | str, rest: Iterable[tuple[bool, Any]], args: Any, kwargs: Any
) -> Any:
    """The value of a nested format field, found by index and key only; refused otherwise.

    A missing argument raises ``LookupError`` (``format`` fails the same way); ``kwargs`` None
    stands for a mapping that is not a dict, whose lookups are not repeated here.
    """
    refused = SecurityError(
        "a format field's width or precision must be a number or short text, found by index "
        "or key in a list, tuple or dict"
    )
    if kwargs is None and not isinstance(first, int):
        raise refused
    value = args[first] if isinstance(first, int) else kwargs[first]
    try:
        for is_attribute, key in rest:
            if is_attribute or not isinstance(value, list | tuple | dict):
                raise refused
            value = value[key]
    except (LookupError, TypeError):
        raise refused from None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise refused
    if (isinstance(value, int) and value.bit_length() > 64) or len(str(value)) > 40:
        raise refused
    return value


def _check_join(what: str, items: Sequence[Any], separator: Any) -> None:
    """Refuse to join items whose text, with the separator between each two, is too long."""
    size = _text_size(separator) * max(len(items) - 1, 0)
    exact = True
    for item in items:
        if size > MAX_OUTPUT_CHARS:
            exact = False
            break
        size += _text_size(item)
    if size > MAX_OUTPUT_CHARS:
        raise _refuse(what, size, bound="" if exact else "at least ")


def _check_replace(what: str, text: Any, old: Any, new: Any, count: Any = None) -> None:
    """Refuse a replacement whose result (each hit grows by len(new) - len(old)) is too long."""
    if not isinstance(text, str | bytes):
        _check_text(what, text)
        text = str(text)
    kind = type(text)
    old = old if isinstance(old, kind) else str(old)
    new = new if isinstance(new, kind) else str(new)
    if not isinstance(old, kind) or not isinstance(new, kind):
        return  # str and bytes mixed: the method says so
    hits = len(text) + 1 if not old else text.count(old)
    if _is_int(count) and count >= 0:
        hits = min(hits, count)
    size = len(text) + hits * max(len(new) - len(old), 0)
    if size > _limit(text):
        raise _refuse(what, size, "characters" if kind is str else "bytes")


def _line_count(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"\n") + text.count(b"\r") + 1
    return sum(text.count(c) for c in _LINE_BREAKS) + 1


def _check_text_method(
    text: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Measure what a str or bytes method would make; return its args (an iterator listed)."""
    what = f".{name}()"
    if name in ("format", "format_map") and isinstance(text, str):
        mapping = args[0] if name == "format_map" and args else None
        values = list(mapping.values()) if isinstance(mapping, dict) else [*args, *kwargs.values()]
        if name == "format_map":  # its mapping is the keywords, and there is nothing positional
            positional, keywords = (), mapping if isinstance(mapping, dict) else None
        else:
            positional, keywords = args, kwargs
        _check_format(text, values, what, _brace_format(text, positional, keywords))
    elif name == "join" and args:
        items = _items(args[0], what)
        _check_join(what, items, text)
        return (items, *args[1:])
    elif name == "replace" and len(args) >= 2:
        _check_replace(
            what, text, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count")
        )
    elif name in ("split", "rsplit", "splitlines"):
        sep = args[0] if args else kwargs.get("sep")
        most = args[1] if len(args) > 1 else kwargs.get("maxsplit", -1)
        if name == "splitlines":
            pieces = _line_count(text)
        elif isinstance(sep, type(text)) and sep:
            pieces = text.count(sep) + 1  # type: ignore[arg-type]
        else:
            pieces = len(text) // 2 + 1
        if _is_int(most) and most >= 0 and name != "splitlines":
            pieces = min(pieces, most + 1)
        if pieces > MAX_ITEMS:
            raise _refuse(what, pieces, "items", "up to ")
    elif name == "encode" and len(text) > MAX_ITEMS:  # at least a byte a character
        raise _refuse(what, len(text), "bytes", "at least ")
    return args


def _measure_indent(arguments: dict[str, Any]) -> None:
    text, width = str(arguments["s"]), arguments.get("width", 4)
    step = len(width) if isinstance(width, str) else width if _is_int(width) else 0
    size = len(text) + (_line_count(text) + 1) * step
    if size > MAX_OUTPUT_CHARS:
        raise _refuse("|indent", size, bound="up to ")


def _measure_wordwrap(arguments: dict[str, Any]) -> None:
    text, wrap = str(arguments["s"]), arguments.get("wrapstring") or "\n"
    size = len(text) + (len(text) + 1) * len(str(wrap))  # at worst a line per character
    if size > MAX_OUTPUT_CHARS:
        raise _refuse("|wordwrap", size, bound="up to ")


def _measure_urlize(arguments: dict[str, Any]) -> None:
    text = str(arguments["value"])
    extra = sum(len(str(arguments.get(k) or "")) for k in ("target", "rel"))
    size = 2 * len(text) + (len(text) // 4 + 1) * (40 + extra)  # a link per 4 characters at most
    if size > MAX_OUTPUT_CHARS:
        raise _refuse("|urlize", size, bound="up to ")


_MEASURES: dict[str, Callable[[dict[str, Any]], None]] = {
    "indent": _measure_indent,
    "wordwrap": _measure_wordwrap,
    "urlize": _measure_urlize,
    "replace": lambda a: _check_replace("|replace", a["s"], a["old"], a["new"], a.get("count")),
}


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter: its numbers, its input and what it makes are measured before it runs."""
    skip = 1 if hasattr(func, "jinja_pass_arg") else 0  # context/environment comes first
    measure = _MEASURES.get(name)
    signature = inspect.signature(func) if measure else None
    text_input, item_input = name in _TEXT_FILTERS, name in _ITEM_FILTERS

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > skip:
            value, options = args[skip], [*args[skip + 1 :], *kwargs.values()]
            if name == "format" and isinstance(value, str):
                _check_format(value, options, "|format")  # its numbers are values
            elif any(_is_int(o) and abs(o) > MAX_FILTER_NUMBER for o in options):
                raise SecurityError(
                    f"a number given to |{name} is larger than {MAX_FILTER_NUMBER:,}"
                )
            if text_input and not isinstance(value, str):
                _check_text(f"|{name}", value)
            if item_input and not (name == "reverse" and isinstance(value, str)):
                args = (*args[:skip], _items(value, f"|{name}"), *args[skip + 1 :])
            if measure and signature:
                try:
                    arguments = signature.bind(*args, **kwargs).arguments
                except TypeError:
                    arguments = None  # a wrong call: the filter itself says what is wrong
                if arguments is not None:
                    measure(arguments)
        return _check_size(func(*args, **kwargs))

    return bounded


@jinja2.pass_eval_context
def _join(
    eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    """Jinja's join, measured first: the items' text and the separator between each two."""
    items = list(value)  # at most MAX_ITEMS: the filter's wrapper has listed an iterator
    if attribute is not None:
        items = list(map(make_attrgetter(eval_ctx.environment, attribute), items))
    _check_join("|join", items, d)
    return sync_do_join(eval_ctx, items, d)


@jinja2.pass_environment
def _sum(
    environment: jinja2.Environment,
    iterable: Iterable[Any],
    attribute: str | int | None = None,
    start: Any = 0,
) -> Any:
    """Jinja's sum; lists are joined in one pass, as ``sum`` copies the total at each step."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    if not isinstance(start, list | tuple):
        return sum(iterable, start)
    kind, items = type(start).__name__, list(start)
    for part in iterable:
        if not isinstance(part, list | tuple) or isinstance(part, list) != isinstance(start, list):
            raise TypeError(f'can only concatenate {kind} (not "{type(part).__name__}") to {kind}')
        items.extend(part)
        if len(items) > MAX_ITEMS:
            raise _refuse("|sum", len(items), "items", "at least ")
    return items if isinstance(start, list) else tuple(items)


class _Sink(io.StringIO):
    """A stream that refuses text past the output cap as it is written, not once it is made."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what, self.size = what, 0

    def write(self, text: str) -> int:
        self.size += len(text)
        if self.size > MAX_OUTPUT_CHARS:
            raise _refuse(self.what, self.size, bound="at least ")
        return super().write(text)


def _pprint(value: Any) -> str:
    """Jinja's pprint, written to a sink: indentation can make it far longer than its input."""
    sink = _Sink("|pprint")
    pprint.PrettyPrinter(stream=sink).pprint(value)
    return sink.getvalue().removesuffix("\n")


def _json_dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` for |tojson, a piece at a time: an indent repeats on every line."""
    sink = _Sink("|tojson")
    for chunk in json.JSONEncoder(**kwargs).iterencode(value):
        sink.write(chunk)
    return sink.getvalue()
