"""Strict YAML: text → plain data (dict, list, str, int, bool, None) and the line of every value.

A deliberately small YAML: no tags of any kind (``!!str``, ``!``, ``!local``, ``%TAG``
shorthands), no anchors or aliases, no duplicate keys, no control characters in keys, no implicit
dates or yes/no booleans (``NO`` stays the string ``"NO"``); only ``true``/``false``, whole numbers
of at most ``MAX_DIGITS`` digits and ``null`` are typed. Every problem is collected with its line
and column instead of stopping at the first; when the text still reads as data (a duplicate key
keeps its first value, an unused anchor changes nothing) the data is kept too, so the file can be
validated as well. A value quoted in a message goes through ``quoted``: escaped, and cut short.
Values are counted as they are composed, and the parse stops past a budget (``MAX_NODES`` for one
file, or what the project has left), before they cost memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import CONTROL, printable

try:  # The C parser is ~10x faster; the pure one behaves the same.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 250_000  # values in one file (keys, items, lists and mappings): ~40 times a big topic
MAX_DEPTH = 24
MAX_DIGITS = 18  # a whole number fits 64 bits; longer would be an ID, to be written as text
MAX_QUOTED = 80  # characters of a value shown in a message

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_INT = re.compile(r"[-+]?[0-9]+")
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")

Path_ = tuple[str | int, ...]
# Where a tagged node starts, and its kind: a block mapping starts where its first key does.
Tagged = tuple[int, int, type]
_NODE_OF: dict[type, type] = {
    yaml.ScalarEvent: yaml.ScalarNode,
    yaml.SequenceStartEvent: yaml.SequenceNode,
    yaml.MappingStartEvent: yaml.MappingNode,
}


ALIAS_MESSAGE = "YAML aliases (*name) are not allowed; write the value out"
ANCHOR_MESSAGE = "YAML anchors (&name) are not allowed; remove '&{name}'"
SIZE_MESSAGE = "file is {size:,} bytes; the limit is {limit:,}"
NODES_MESSAGE = (
    "more than {limit:,} values (keys, list items, lists and mappings), the limit for one file; "
    "split it"
)
TAG_MESSAGE = "YAML tags are not allowed (found {tag}); remove it"
TAB_MESSAGE = "YAML syntax: a tab character indents this line; indent with spaces"
TAB_HERE_MESSAGE = "YAML syntax: a tab character cannot separate here; use spaces"


@dataclass
class Parsed:
    """The data of one YAML file, where each value sits, and what was wrong with it.

    ``readable`` says the text became data despite the problems; ``spoiled`` holds the paths
    whose value was dropped (set to None) because of one, so validation can stay quiet there.
    """

    data: Any = None
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[int, int, str, str]] = field(default_factory=list)
    text: str = ""
    readable: bool = False
    spoiled: set[Path_] = field(default_factory=set)
    nodes: int = 0  # values composed (all of them, or up to the limit and one more)

    def where(self, path: Path_) -> tuple[int, int]:
        """Return (line, column) of the value at path, or of its nearest located parent."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _TooMany(Exception):
    """A file holds more values than its budget: composing stops there."""


class _Loader(_BaseLoader):
    """Resolves every untagged value to str/seq/map; typing is done by ``_plain``.

    The composer asks for each untagged value's tag as it makes the value, so this is where
    values are counted: past ``budget`` the composing stops, before the nodes cost memory.
    """

    budget = MAX_NODES
    nodes = 0

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        self.nodes += 1
        if self.nodes > self.budget:
            raise _TooMany
        if kind is yaml.ScalarNode:
            return _STR
        if kind is yaml.SequenceNode:
            return _SEQ
        return _MAP


def format_path(path: Path_) -> str:
    """Render ('points', 2, 'confidence') as points[2].confidence (an odd key as ``quoted``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part)
            out += ("." if out else "") + (name if _PLAIN_NAME.fullmatch(name) else quoted(name))
    return out


def quoted(value: str, limit: int = MAX_QUOTED) -> str:
    """Quote text for a message: escaped like ``repr`` (no raw line break or control character
    can reach a terminal or forge a line), and cut to ``limit`` characters with "…"."""
    if len(value) <= limit:
        return repr(value)
    shown = repr(value[:limit])
    return shown[:-1] + "…" + shown[-1]


def parse_yaml(raw: bytes, max_nodes: int | None = None, too_many: str = NODES_MESSAGE) -> Parsed:
    """Parse YAML bytes strictly; never raises for bad input, reports problems instead.

    Past ``max_nodes`` values (``MAX_NODES`` unless given) the parse stops with the
    ``too_many`` problem (formatted with ``limit``), and the file does not read as data.
    """
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    parsed = Parsed()
    text = _decode(raw, parsed)
    if text is None:
        return parsed
    parsed.text = text
    tagged: dict[Tagged, str] = {}
    if any(sign in text for sign in "*&!"):
        aliased = _report_properties(text, parsed, tagged, max_nodes)
        if parsed.nodes > max_nodes:
            parsed.problems[:] = [(1, 1, "", too_many.format(limit=max_nodes))]
            return parsed
        if aliased:
            return parsed
    try:
        loader = _Loader(text)
        loader.budget = max_nodes - len(tagged)  # a tagged value is not resolved: counted here
        try:
            node = loader.get_single_node()
        finally:
            parsed.nodes = loader.nodes + len(tagged)
            loader.dispose()
    except _TooMany:
        parsed.problems.append((1, 1, "", too_many.format(limit=max_nodes)))
        return parsed
    except yaml.YAMLError as exc:
        parsed.problems.append(_syntax_problem(exc, text))
        return parsed
    parsed.readable = True
    if node is None:
        parsed.positions[()] = (1, 1)
        return parsed
    parsed.data = _Walker(parsed, tagged).value(node, (), 0)
    return parsed


def _syntax_problem(exc: yaml.YAMLError, text: str) -> tuple[int, int, str, str]:
    """Place a parser error and say it in words: both of PyYAML's halves, a tab by name."""
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader stops at the first character it refuses, so its first occurrence is it.
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        line, column = _line_column(text, max(text.find(char), 0))
        message = f"YAML syntax: {exc.reason}: {quoted(char)} (U+{ord(char):04X}); remove it"
        return line, column, "", message
    if not isinstance(exc, yaml.MarkedYAMLError):
        return 1, 1, "", f"YAML syntax: {printable(str(exc))}"
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    text_of_line = _line_text(text, line)
    indent = text_of_line[: len(text_of_line) - len(text_of_line.lstrip(" \t"))]
    if "\t" in indent:
        return line, indent.index("\t") + 1, "", TAB_MESSAGE
    if text_of_line[column - 1 : column] == "\t":
        return line, column, "", TAB_HERE_MESSAGE
    context, problem, start = exc.context or "", exc.problem or "", exc.context_mark
    if context.startswith("while ") and problem:  # where the parser was, after what went wrong
        if start is not None and start.line + 1 != line:
            context += f" started at line {start.line + 1}, column {start.column + 1}"
        reason = f"{problem} ({context})"
    else:  # one sentence in two halves: "expected a single document…; but found another…"
        reason = "; ".join(part for part in (context, problem) if part) or "invalid YAML"
    return line, column, "", f"YAML syntax: {printable(reason)}"


def _line_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of a character of the text, lines as YAML counts them."""
    line, start = 1, 0
    for found in _BREAK.finditer(text, 0, index):
        line, start = line + 1, found.end()
    return line, index - start + 1


def _line_text(text: str, line: int) -> str:
    """The text of a 1-based line, lines as YAML counts them ("" past the end)."""
    lines = _BREAK.split(text, maxsplit=line)
    return lines[line - 1] if len(lines) >= line else ""


def _decode(raw: bytes, parsed: Parsed) -> str | None:
    """Return the text of a file that is small enough, UTF-8 and free of NULs, else None."""
    if len(raw) > MAX_BYTES:
        parsed.problems.append((1, 1, "", SIZE_MESSAGE.format(size=len(raw), limit=MAX_BYTES)))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        parsed.problems.append((line, column, "", "not valid UTF-8; save the file as UTF-8"))
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        parsed.problems.append((line, 1, "", "contains a NUL character; is this a text file?"))
        return None
    return text


def _report_properties(
    text: str, parsed: Parsed, tagged: dict[Tagged, str], max_nodes: int
) -> bool:
    """Report each alias, unused anchor and %TAG directive where it is written, and note where
    each tagged node starts (with its tag) in ``tagged``; True if there is an alias. Values
    and aliases are counted in ``parsed.nodes``, up to one past ``max_nodes``.

    An alias must be caught before composing (the composer would hide it behind its anchor, and
    a billion-laughs file would expand); an unused anchor leaves the data as written. A tag must
    be seen here: composing resolves ``!`` and ``!!str`` as if they were not written.
    """
    anchors: list[tuple[str, yaml.Mark]] = []
    aliased: set[str] = set()
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent):
                parsed.nodes += 1
                if parsed.nodes > max_nodes:
                    return False
            if isinstance(event, yaml.AliasEvent):
                aliased.add(event.anchor)
                _mark_problem(parsed, event.start_mark, ALIAS_MESSAGE)
                continue
            if isinstance(event, yaml.DocumentStartEvent) and event.tags:
                for handle in event.tags:
                    message = (
                        f"YAML %TAG directives are not allowed; remove the one for {quoted(handle)}"
                    )
                    _mark_problem(parsed, event.start_mark, message)
            if getattr(event, "anchor", None) is not None:
                anchors.append((event.anchor, event.start_mark))
            if getattr(event, "tag", None) is not None:
                mark = event.start_mark
                tagged[(mark.line + 1, mark.column + 1, _NODE_OF[type(event)])] = event.tag
    except yaml.YAMLError:
        parsed.problems.clear()
        tagged.clear()
        return False  # the syntax error is reported by the full parse
    for name, mark in anchors:
        if name not in aliased:
            _mark_problem(parsed, mark, ANCHOR_MESSAGE.format(name=name))
    return bool(aliased)


def _mark_problem(parsed: Parsed, mark: yaml.Mark, message: str) -> None:
    parsed.problems.append((mark.line + 1, mark.column + 1, "", message))


class _Walker:
    def __init__(self, parsed: Parsed, tagged: dict[Tagged, str]) -> None:
        self.parsed = parsed
        self.tagged = tagged  # where a node with a tag starts, and the tag
        self.seen: set[int] = set()

    def tag(self, node: yaml.Node) -> str | None:
        """The tag written on a node, if any (``!``, ``!!str`` and the like included)."""
        mark = node.start_mark
        written = self.tagged.get((mark.line + 1, mark.column + 1, type(node)))
        if written is not None:
            return written
        return None if node.tag in (_STR, _SEQ, _MAP) else node.tag

    def problem(self, node: yaml.Node, path: Path_, message: str, spoiled: bool = True) -> None:
        mark = node.start_mark
        self.parsed.problems.append((mark.line + 1, mark.column + 1, format_path(path), message))
        if spoiled:
            self.parsed.spoiled.add(path)

    def value(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.parsed.positions.setdefault(
            path, (node.start_mark.line + 1, node.start_mark.column + 1)
        )
        if id(node) in self.seen:
            # The composer hands back the anchored node again for an alias.
            self.problem(node, path, ALIAS_MESSAGE)
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.problem(node, path, f"nested deeper than {MAX_DEPTH} levels")
            return None
        tag = self.tag(node)
        if tag is not None:
            self.problem(node, path, TAG_MESSAGE.format(tag=quoted(tag)))
            return None
        if isinstance(node, yaml.ScalarNode):
            digits = len(node.value.lstrip("+-"))
            if not node.style and digits > MAX_DIGITS and _INT.fullmatch(node.value):
                message = (
                    f"expected a whole number of at most {MAX_DIGITS} digits, got {digits:,} "
                    "digits (put text in quotes)"
                )
                self.problem(node, path, message)
                return None
            return _plain(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            tag = self.tag(key_node)
            if tag is not None:
                self.problem(key_node, path, TAG_MESSAGE.format(tag=quoted(tag)), spoiled=False)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, path, "keys must be plain names", spoiled=False)
                continue
            key = key_node.value
            if CONTROL.search(key):
                message = f"a key must not contain control characters; rename {quoted(key)}"
                self.problem(key_node, path, message, spoiled=False)
                continue
            line = key_node.start_mark.line + 1
            if key in first_line:
                message = (
                    f"duplicate key (first at line {first_line[key]}); the first value is used"
                )
                self.problem(key_node, (*path, key), message, spoiled=False)
                continue
            first_line[key] = line
            self.parsed.positions[(*path, key)] = (line, key_node.start_mark.column + 1)
            result[key] = self.value(value_node, (*path, key), depth + 1)
        return result


def _plain(node: yaml.ScalarNode) -> Any:
    if node.style:  # quoted or block scalars are always text (plain is None or "")
        return node.value
    value = node.value
    if value in ("", "~", "null"):
        return None
    if value in ("true", "false"):
        return value == "true"
    if _INT.fullmatch(value):
        return int(value)
    return value
