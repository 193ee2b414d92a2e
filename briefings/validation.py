"""Validation: a file's parsed data and its model → the object, or a message per wrong field.

Pydantic's errors become words here, next to the types they come from: the choices of an enum
(with a did-you-mean), the shape a pattern asks for, the fields a mapping may hold. A file that
does not validate as a whole still yields the list items that do (``salvage``), so the points of
a file with one bad point are still cross-checked in the same run. The rules a point's type
cannot say (what each kind must carry, Markdown too costly to convert) are here too, and the
one every text obeys: no control characters (so no text can drive a terminal that lists it),
with line breaks and tabs allowed only in the long texts (``Text``). A value quoted back in a
message is escaped and cut short.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from .errors import CONTROL, CONTROL_BUT_LINES
from .markup import check_markdown
from .model import Point, Text
from .strictyaml import MAX_QUOTED, Parsed, Path_, quoted
from .suggest import did_you_mean

Loc = Path_
Finding = tuple[Loc, str]  # where in the file (its field path), and what is wrong there
Located = tuple[Path, Loc, str]  # a file, where in it, and what is wrong there

M = TypeVar("M", bound=BaseModel)


@dataclass
class Checked(Generic[M]):
    """What a file became: the object (None if it did not validate), the messages, and every
    location pydantic objected to (to tell which list items are still good)."""

    obj: M | None
    findings: list[Finding] = field(default_factory=list)
    bad: list[Loc] = field(default_factory=list)


def validate(model: type[M], parsed: Parsed, extra: dict[str, Any]) -> Checked[M]:
    """Validate a readable file's data against model, with ``extra`` fields set by loading."""
    data = parsed.data
    if () in parsed.spoiled:
        return Checked(None, bad=[()])  # the whole file was one bad value, already reported
    if data is None:
        return Checked(None, [((), "file is empty; expected a mapping of fields")], [()])
    if not isinstance(data, dict):
        return Checked(None, [((), "expected a mapping of fields at the top level")], [()])
    findings: list[Finding] = [
        ((key,), "is set from the file name; remove it") for key in sorted(set(data) & set(extra))
    ]
    controls = list(refuse_control_characters(model, data)) if _may_hold_controls(parsed) else []
    findings += controls
    refused = parsed.spoiled | {loc for loc, _ in controls}
    try:
        obj = model.model_validate({**data, **extra})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    else:  # whole, unless a text was refused
        return Checked(None if controls else obj, findings, [loc for loc, _ in controls])
    bad = [tuple(error["loc"]) for error in errors] + [loc for loc, _ in controls]
    for error in errors:
        loc = tuple(error["loc"])
        if any(loc[: len(path)] == path for path in refused):
            continue  # the value was dropped, or refused, for a problem already reported
        if error["type"] == "too_short" and _has_item_errors(bad, loc):
            continue  # pydantic also calls a list "too short" when its items failed
        findings.append(_finding(model, error))
    return Checked(None, findings, bad)


def salvage(model: type[M], items: Any, bad: list[Loc], prefix: Loc) -> list[tuple[int, M]]:
    """Return (index, object) for each item of a list that pydantic did not object to."""
    if not isinstance(items, list):
        return []
    good = ((i, salvage_one(model, item, bad, (*prefix, i))) for i, item in enumerate(items))
    return [(i, obj) for i, obj in good if obj is not None]


def salvage_one(model: type[M], value: Any, bad: list[Loc], loc: Loc) -> M | None:
    """Return the value at loc as a model object if pydantic did not object to it, else None."""
    if value is None or any(other[: len(loc)] == loc for other in bad):
        return None
    try:
        return model.model_validate(value)
    except ValidationError:  # pragma: no cover - it failed only together with its siblings
        return None


def _may_hold_controls(parsed: Parsed) -> bool:
    """Whether any value can hold a control character: only through an escape (a backslash) or
    a tab (the parser refuses the others raw). Most files have neither, and skip the walk."""
    return parsed.text is None or "\\" in parsed.text or "\t" in parsed.text


def refuse_control_characters(
    model: type[BaseModel] | None, data: dict[str, Any], loc: Loc = ()
) -> Iterator[Finding]:
    """Yield each text holding a control character: none at all in one-line text, not even a tab
    or a line break; in long text (``Text``) a line break or a tab, nothing else."""
    for key, value in data.items():
        yield from _controls(model, key, value, (*loc, key))


def _controls(model: type[BaseModel] | None, key: str, value: Any, loc: Loc) -> Iterator[Finding]:
    """Yield the control characters in the value of a model's field, whatever its shape."""
    if isinstance(value, str):
        long_text = _long_text(model, key)
        found = _control_character(value.strip(" \t\r\n"), long_text)
        if found is not None:
            yield loc, _control_message(found, long_text)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _controls(model, key, item, (*loc, i))
    elif isinstance(value, dict):
        yield from refuse_control_characters(_field_model(model, key), value, loc)


def _long_text(model: type[BaseModel] | None, key: str) -> bool:
    """Whether a field holds long text (``Text``): lines and tabs allowed (so is an unknown one)."""
    if model is None or key not in model.model_fields:
        return True
    return key in _long_text_fields(model)


@lru_cache(maxsize=64)
def _long_text_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if _mentions(info.rebuild_annotation(), Text)
    )


def _field_model(model: type[BaseModel] | None, key: str) -> type[BaseModel] | None:
    info = model.model_fields.get(key) if model is not None else None
    return _inner_model(info.annotation) if info is not None else None


def _control_character(text: str, long_text: bool) -> str | None:
    found = (CONTROL_BUT_LINES if long_text else CONTROL).search(text)
    return found.group() if found else None


def _control_message(char: str, long_text: bool) -> str:
    found = f"contains the control character {quoted(char)} (U+{ord(char):04X})"
    if long_text:
        return f"{found}; text may hold line breaks and tabs but no other control characters"
    return f"{found}; one-line text may hold no control characters, tabs or line breaks"


def _mentions(annotation: Any, wanted: Any) -> bool:
    """Whether a type is, or is built from, another (``Text | None`` mentions ``Text``)."""
    if annotation == wanted:
        return True
    return any(_mentions(arg, wanted) for arg in get_args(annotation))


def refuse_point_topic(data: Any) -> Iterator[Finding]:
    """Yield a 'topic' written in a point: a point's topic is its file."""
    points = data.get("points") if isinstance(data, dict) else None
    for i, point in enumerate(points if isinstance(points, list) else ()):
        if isinstance(point, dict) and "topic" in point:
            yield ("points", i, "topic"), "unknown field; a point's topic is its file"


def point_rules(point: Point) -> Iterator[Finding]:
    """Yield what a point's kind requires or forbids, and Markdown too costly to convert."""
    if point.kind == "assessment" and point.confidence is None:
        yield ("kind",), "an assessment needs 'confidence: low|medium|high'"
    if point.confidence is not None and point.kind not in ("assessment", "risk"):
        yield (
            ("confidence",),
            f"only assessments and risks carry a confidence, not {_a(point.kind)}",
        )
    if point.kind == "talking-point" and point.use is None:
        yield ("kind",), "a talking point needs 'use: raise|if-asked|avoid'"
    if point.use is not None and point.kind != "talking-point":
        yield ("use",), f"only talking points have a use, not {_a(point.kind)}"
    for name in ("headline", "body"):
        costly = check_markdown(getattr(point, name) or "")
        if costly:
            yield (name,), costly


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _has_item_errors(bad: list[Loc], loc: Loc) -> bool:
    return any(len(other) > len(loc) and other[: len(loc)] == loc for other in bad)


def _finding(model: type[BaseModel], error: Any) -> Finding:
    """Turn one pydantic error into a location and a message."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return loc[:-1], f"missing required field '{loc[-1]}'"
    if kind == "extra_forbidden":
        known = _field_names(model, loc[:-1])
        name = str(loc[-1])[: MAX_QUOTED + 1]  # a longer name is no typo; keep difflib quick
        return loc, "unknown field" + did_you_mean(name, known, known="known fields")
    return loc, _message(kind, error, error.get("input"))


def _message(kind: str, error: Any, value: Any) -> str:
    if isinstance(value, dict | list):
        got = f"got a {type(value).__name__}"
    else:
        got = f"got {quoted(value) if isinstance(value, str) else repr(value)}"
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ").split(", ")
        close = isinstance(value, str) and len(value) <= MAX_QUOTED  # else too long to be a typo
        hint = did_you_mean(value, expected) if close else ""
        return f"expected {'|'.join(expected)}, {got}{hint}"
    if kind == "string_pattern_mismatch":
        return f"expected {_pattern_shape(error['ctx']['pattern'])}, {got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (limit {error['ctx']['max_length']} characters)"
    if kind == "too_short":
        return "must have at least one entry"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{error['msg'].lower()}, {got}"
    expected = next((words for kinds, words in _EXPECTED if kind in kinds), None)
    if expected is not None:
        return f"expected {expected}, {got}"
    if kind == "string_type":
        return f"expected text, {got} (put it in quotes)"
    return f"{error['msg']}, {got}"


_EXPECTED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("int_type", "int_parsing", "int_parsing_size", "int_from_float"), "a whole number"),
    (("bool_type", "bool_parsing"), "true or false"),
    (
        ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"),
        "a date YYYY-MM-DD",
    ),
    (("tuple_type", "list_type"), "a list"),
    (("model_type", "model_attributes_type", "dict_type"), "a mapping of fields"),
)


def _pattern_shape(pattern: str) -> str:
    """Say in words what a model's string pattern asks for."""
    if pattern.startswith("^https?://"):
        return "an http:// or https:// address without spaces, quotes or angle brackets"
    if pattern == r"^[A-Z]{2}$":
        return "a two-letter ISO country code like 'RS'"
    if pattern.startswith("^[a-z]{2}("):
        return "a language tag like 'en' or 'en-GB'"
    if pattern.startswith("^[A-Za-z0-9]"):
        return "an edition name (letters, digits, '.', '_' and '-') like '2016-11-25'"
    if "\\." in pattern:
        return "a point address 'topic.point'"
    if "\\d{4}" in pattern:
        return "YYYY, YYYY-MM or YYYY-MM-DD"
    return "a lowercase hyphen slug like 'kosovo-recognition'"


def _field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the field names a file may use at a location (for did-you-mean)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _inner_model(info.annotation)
        if current is None:
            return []
    return [name for name, info in current.model_fields.items() if not info.exclude]


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
