"""Strict YAML: text → plain data (dict, list, str, int, bool, None) and the line of every value.

A deliberately small YAML: no tags, anchors or aliases, no duplicate keys, no implicit dates or
yes/no booleans (``NO`` stays the string ``"NO"``); only ``true``/``false``, whole numbers and
``null`` are typed. Every problem is collected with its line and column instead of stopping at the
first; when the text still reads as data (a duplicate key keeps its first value, an unused anchor
changes nothing) the data is kept too, so the file can be validated as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # The C parser is ~10x faster; the pure one behaves the same.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 24

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_INT = re.compile(r"[-+]?[0-9]+")

Path_ = tuple[str | int, ...]


ALIAS_MESSAGE = "YAML aliases (*name) are not allowed; write the value out"
ANCHOR_MESSAGE = "YAML anchors (&name) are not allowed; remove '&{name}'"


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

    def where(self, path: Path_) -> tuple[int, int]:
        """Return (line, column) of the value at path, or of its nearest located parent."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class _Loader(_BaseLoader):
    """Resolves every untagged value to str/seq/map; typing is done by ``_plain``."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _STR
        if kind is yaml.SequenceNode:
            return _SEQ
        return _MAP


def format_path(path: Path_) -> str:
    """Render ('points', 2, 'confidence') as points[2].confidence."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_yaml(raw: bytes) -> Parsed:
    """Parse YAML bytes strictly; never raises for bad input, reports problems instead."""
    parsed = Parsed()
    text = _decode(raw, parsed)
    if text is None:
        return parsed
    parsed.text = text
    if ("*" in text or "&" in text) and _report_anchors(text, parsed):
        return parsed
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        parsed.problems.append((line, column, "", f"YAML syntax: {reason}"))
        return parsed
    except yaml.YAMLError as exc:
        parsed.problems.append((1, 1, "", f"YAML syntax: {exc}"))
        return parsed
    parsed.readable = True
    if node is None:
        parsed.positions[()] = (1, 1)
        return parsed
    parsed.data = _Walker(parsed).value(node, (), 0)
    return parsed


def _decode(raw: bytes, parsed: Parsed) -> str | None:
    """Return the text of a file that is small enough, UTF-8 and free of NULs, else None."""
    if len(raw) > MAX_BYTES:
        parsed.problems.append(
            (1, 1, "", f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
        )
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


def _report_anchors(text: str, parsed: Parsed) -> bool:
    """Report each alias and each unused anchor where it is written; True if there is an alias.

    An alias must be caught before composing (the composer would hide it behind its anchor, and
    a billion-laughs file would expand); an unused anchor leaves the data as written.
    """
    anchors: list[tuple[str, yaml.Mark]] = []
    aliased: set[str] = set()
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                aliased.add(event.anchor)
                _mark_problem(parsed, event.start_mark, ALIAS_MESSAGE)
            elif getattr(event, "anchor", None) is not None:
                anchors.append((event.anchor, event.start_mark))
    except yaml.YAMLError:
        parsed.problems.clear()
        return False  # the syntax error is reported by the full parse
    for name, mark in anchors:
        if name not in aliased:
            _mark_problem(parsed, mark, ANCHOR_MESSAGE.format(name=name))
    return bool(aliased)


def _mark_problem(parsed: Parsed, mark: yaml.Mark, message: str) -> None:
    parsed.problems.append((mark.line + 1, mark.column + 1, "", message))


class _Walker:
    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.seen: set[int] = set()

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
        if node.tag not in (_STR, _SEQ, _MAP):
            self.problem(node, path, f"YAML tags are not allowed (found '{node.tag}'); remove it")
            return None
        if isinstance(node, yaml.ScalarNode):
            return _plain(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                self.problem(key_node, path, "keys must be plain names", spoiled=False)
                continue
            key = key_node.value
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
