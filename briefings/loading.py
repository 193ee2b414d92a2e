"""Loading: project files on disk → one validated, frozen ``Project`` (or every problem at once).

Reads ``briefing.yaml`` (settings), ``seeds/*.yaml``, ``content/*.yaml`` (topics),
``templates/<audience>/audience.yaml`` (audience profiles) and, when there is one,
``content/data/countries.yaml`` (the figures' statuses and events), checks each against the
model and then across files (sources resolve, related points exist, ids are unique), and reports
all problems together as ``file:line:col: field: message``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ContentError, Problem, relative
from .markup import check_markdown
from .model import (
    Audience,
    CountryData,
    Point,
    Project,
    Seed,
    Settings,
    Topic,
    marking_rank,
)
from .strictyaml import Parsed, format_path, parse_yaml

SETTINGS_FILE = "briefing.yaml"
AUDIENCE_FILE = "audience.yaml"
MAX_FILES = 2000
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

M = TypeVar("M", bound=BaseModel)


class _Collector:
    """Gathers problems from every file so they are reported together."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.parsed: dict[Path, Parsed] = {}
        self.topic_paths: dict[str, Path] = {}
        self.failed: set[str] = set()  # ids whose files did not load; no knock-on errors for them

    def add(self, path: Path, line: int, column: int, field: str, message: str) -> None:
        self.problems.append(Problem(relative(path, self.root), line, column, field, message))

    def parse(self, path: Path) -> Parsed | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.add(path, 0, 0, "", f"cannot read: {exc.strerror or exc}")
            return None
        parsed = parse_yaml(raw)
        for line, column, field, message in parsed.problems:
            self.add(path, line, column, field, message)
        return None if parsed.problems else parsed

    def validate(
        self, model: type[M], path: Path, parsed: Parsed, extra: dict[str, Any]
    ) -> M | None:
        data = parsed.data
        if data is None:
            self.add(path, 1, 1, "", "file is empty; expected a mapping of fields")
            return None
        if not isinstance(data, dict):
            self.add(path, *parsed.where(()), "", "expected a mapping of fields at the top level")
            return None
        clash = sorted(set(data) & set(extra))
        for key in clash:
            self.add(path, *parsed.where((key,)), key, "is set from the file name; remove it")
        try:
            return model.model_validate({**data, **extra})
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            for error in errors:
                if error["type"] == "too_short" and _has_item_errors(errors, tuple(error["loc"])):
                    continue  # pydantic also calls a list "too short" when its items failed
                self._validation_problem(model, path, parsed, error)
            return None

    def _validation_problem(
        self, model: type[BaseModel], path: Path, parsed: Parsed, error: Any
    ) -> None:
        loc = tuple(error["loc"])
        kind = error["type"]
        value = error.get("input")
        if kind == "missing":
            parent, name = loc[:-1], loc[-1]
            self.add(
                path, *parsed.where(parent), format_path(parent), f"missing required field '{name}'"
            )
            return
        line, column = parsed.where(loc)
        field = format_path(loc)
        if kind == "extra_forbidden":
            known = _field_names(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(known)}"
            )
            self.add(path, line, column, field, f"unknown field{hint}")
            return
        self.add(path, line, column, field, _message(kind, error, value))


def _has_item_errors(errors: list[Any], loc: tuple[Any, ...]) -> bool:
    return any(len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == loc for e in errors)


def _message(kind: str, error: Any, value: Any) -> str:
    got = (
        f"got {value!r}" if not isinstance(value, dict | list) else f"got a {type(value).__name__}"
    )
    if kind == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ").split(", ")
        return f"expected {'|'.join(expected)}, {got}"
    if kind == "string_type":
        return f"expected text, {got} (put it in quotes)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, {got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, {got}"
    if kind in (
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return f"expected a date YYYY-MM-DD, {got}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, {got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, {got}"
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        if "A-Z" in pattern:
            return f"expected a two-letter ISO country code like 'RS', {got}"
        if "\\." in pattern:
            return f"expected a point address 'topic.point', {got}"
        if "\\d{4}" in pattern:
            return f"expected YYYY, YYYY-MM or YYYY-MM-DD, {got}"
        return f"expected a lowercase hyphen slug like 'kosovo-recognition', {got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (limit {error['ctx']['max_length']} characters)"
    if kind == "too_short":
        return "must have at least one entry"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{error['msg'].lower()}, {got}"
    return f"{error['msg']}, {got}"


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
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


def _yaml_files(folder: Path, collector: _Collector) -> list[Path]:
    if not folder.is_dir():
        collector.add(folder, 0, 0, "", "folder not found")
        return []
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if len(files) > MAX_FILES:
        collector.add(folder, 0, 0, "", f"{len(files)} files; the limit is {MAX_FILES}")
        return []
    for stray in sorted(folder.glob("*.yml")):
        collector.add(stray, 0, 0, "", "use the .yaml extension; this file is ignored")
    return files


def _stem_ok(path: Path, collector: _Collector) -> bool:
    if _SLUG.fullmatch(path.stem):  # ASCII only: ids become file names, anchors and URLs
        return True
    collector.add(path, 0, 0, "", "file name must be a lowercase hyphen slug like 'un-voting.yaml'")
    return False


def load_settings(root: Path, collector: _Collector | None = None) -> Settings:
    """Read ``briefing.yaml`` at the project root, or return the defaults."""
    own = collector or _Collector(root)
    path = root / SETTINGS_FILE
    settings = Settings()
    if path.is_file():
        parsed = own.parse(path)
        if parsed is not None and parsed.data is not None:
            settings = own.validate(Settings, path, parsed, {}) or settings
    if collector is None and own.problems:
        raise ContentError("the project settings do not validate", tuple(own.problems))
    return settings


def load_project(
    root: str | os.PathLike[str] = ".",
    *,
    content: str | os.PathLike[str] | None = None,
    seeds: str | os.PathLike[str] | None = None,
    templates: str | os.PathLike[str] | None = None,
) -> Project:
    """Read and validate a whole project; raise ``ContentError`` listing every problem."""
    root_path = Path(root).resolve()
    collector = _Collector(root_path)
    settings = load_settings(root_path, collector)
    content_dir = root_path / (content or settings.content)
    seeds_dir = root_path / (seeds or settings.seeds)
    templates_dir = root_path / (templates or settings.templates)

    seed_list = list(_load_all(Seed, _yaml_files(seeds_dir, collector), collector, "seed"))
    topic_list = list(_load_all(Topic, _yaml_files(content_dir, collector), collector, "topic"))
    audience_files = (
        sorted(p for p in templates_dir.glob(f"*/{AUDIENCE_FILE}") if p.is_file())
        if templates_dir.is_dir()
        else []
    )
    if not templates_dir.is_dir():
        collector.add(templates_dir, 0, 0, "", "folder not found")
    audience_list = list(_load_all(Audience, audience_files, collector, "audience"))
    topic_list.sort(key=lambda t: (t.order, t.id))
    project = Project(
        settings=settings,
        topics=tuple(topic_list),
        seeds=tuple(seed_list),
        audiences=tuple(audience_list),
        root=str(root_path),
    )
    _cross_check(project, collector)
    country_data = load_country_data(content_dir, project, collector)  # for the figures
    if country_data is not None:
        project = project.model_copy(update={"country_data": country_data})
    if collector.problems:
        count = len(collector.problems)
        raise ContentError(
            f"{count} problem{'s' if count != 1 else ''} in the project files",
            tuple(sorted(set(collector.problems))),
        )
    return project


def _load_all(
    model: type[M], files: Iterable[Path], collector: _Collector, what: str
) -> Iterable[M]:
    for path in files:
        is_audience = what == "audience"
        ident = path.parent.name if is_audience else path.stem
        if not (_stem_ok(path.parent if is_audience else path, collector)):
            continue
        parsed = collector.parse(path)
        if parsed is None:
            collector.failed.add(ident)
            continue
        extra: dict[str, Any] = {"id": ident}
        if what == "topic":
            extra["file"] = relative(path, collector.root)
            _refuse_point_topic(path, parsed, collector)
        if is_audience:
            extra["folder"] = str(path.parent)
        obj = collector.validate(model, path, parsed, extra)
        if obj is None:
            collector.failed.add(ident)
            continue
        collector.parsed[path] = parsed
        if isinstance(obj, Topic):
            collector.topic_paths[ident] = path
            # Stamp each point with its topic so it can be addressed as ``topic.point``.
            points = tuple(p.model_copy(update={"topic": ident}) for p in obj.points)
            obj = obj.model_copy(update={"points": points})  # type: ignore[assignment]
        yield obj


def _refuse_point_topic(path: Path, parsed: Parsed, collector: _Collector) -> None:
    """A point's topic is its file; saying it again in the point is an error."""
    data = parsed.data
    if isinstance(data, dict) and isinstance(data.get("points"), list):
        for i, point in enumerate(data["points"]):
            if isinstance(point, dict) and "topic" in point:
                loc = ("points", i, "topic")
                collector.add(
                    path,
                    *parsed.where(loc),
                    format_path(loc),
                    "unknown field; a point's topic is its file",
                )


def _cross_check(project: Project, collector: _Collector) -> None:
    """Check what one file cannot know alone: references, uniqueness, per-kind fields."""
    root = Path(project.root)
    all_refs = {p.ref for p in project.points()}
    audience_ids = {a.id for a in project.audiences}
    topic_ids = {t.id for t in project.topics}
    for topic in project.topics:
        path = collector.topic_paths[topic.id]
        parsed = collector.parsed.get(path)

        def where(*loc: Any, parsed: Parsed | None = parsed) -> tuple[int, int]:
            return parsed.where(loc) if parsed else (0, 0)

        costly = check_markdown(topic.summary.text)
        if costly:
            collector.add(path, *where("summary", "text"), "summary.text", costly)
        seen: dict[str, int] = {}
        for i, point in enumerate(topic.points):
            base = ("points", i)

            def add(
                loc: tuple[Any, ...], message: str, base: tuple[Any, ...] = base, path: Path = path
            ) -> None:
                full = (*base, *loc)
                collector.add(path, *where(*full), format_path(full), message)

            if point.id in seen:
                add(("id",), f"duplicate point id '{point.id}' (also points[{seen[point.id]}])")
            seen.setdefault(point.id, i)
            _check_point(point, add, project, all_refs, audience_ids, collector.failed)
    for audience in project.audiences:
        path = Path(audience.folder) / AUDIENCE_FILE
        parsed = collector.parsed.get(path)
        for i, topic_id in enumerate(audience.topics):
            if topic_id not in topic_ids and topic_id not in collector.failed:
                loc = ("topics", i)
                close = difflib.get_close_matches(topic_id, sorted(topic_ids), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                line, col = parsed.where(loc) if parsed else (0, 0)
                collector.add(
                    path, line, col, format_path(loc), f"unknown topic '{topic_id}'{hint}"
                )
    for i, audience_id in enumerate(project.settings.audiences):
        if audience_id not in audience_ids:
            collector.add(
                root / SETTINGS_FILE, 0, 0, f"audiences[{i}]", f"unknown audience '{audience_id}'"
            )
    for seed in project.seeds:
        numbers = [p.n for p in seed.paragraphs]
        if len(set(numbers)) != len(numbers):
            collector.add(
                root / project.settings.seeds / f"{seed.id}.yaml",
                0,
                0,
                "paragraphs",
                "paragraph numbers repeat",
            )


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _check_point(
    point: Point,
    add: Any,
    project: Project,
    all_refs: set[str],
    audience_ids: set[str],
    failed: set[str],
) -> None:
    if point.kind == "assessment" and point.confidence is None:
        add(("kind",), "an assessment needs 'confidence: low|medium|high'")
    if point.confidence is not None and point.kind not in ("assessment", "risk"):
        add(("confidence",), f"only assessments and risks carry a confidence, not {_a(point.kind)}")
    if point.kind == "talking-point" and point.use is None:
        add(("kind",), "a talking point needs 'use: raise|if-asked|avoid'")
    if point.use is not None and point.kind != "talking-point":
        add(("use",), f"only talking points have a use, not {_a(point.kind)}")
    for name in ("headline", "body"):  # Markdown the converter would take too long over
        costly = check_markdown(getattr(point, name) or "")
        if costly:
            add((name,), costly)
    for j, source in enumerate(point.sources):
        seed = project.seed(source.seed)
        if seed is None:
            known = sorted(s.id for s in project.seeds)
            close = difflib.get_close_matches(source.seed, known, n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; known seeds: {', '.join(known) or 'none'}"
            )
            add(("sources", j, "seed"), f"unknown seed '{source.seed}'{hint}")
            continue
        if marking_rank(seed.marking) > marking_rank(point.marking):
            add(
                ("marking",),
                f"marked {point.marking}, below its source '{seed.id}' (marked {seed.marking}); "
                f"mark the point {seed.marking} or higher",
            )
        for k, n in enumerate(source.paragraphs):
            if seed.paragraph(n) is None:
                add(
                    ("sources", j, "paragraphs", k),
                    f"seed '{seed.id}' has no paragraph {n} (it has 1-{len(seed.paragraphs)})",
                )
    for j, ref in enumerate(point.related):
        if ref == point.ref:
            add(("related", j), "a point cannot be related to itself")
        elif ref not in all_refs and ref.split(".", 1)[0] not in failed:
            close = difflib.get_close_matches(ref, sorted(all_refs), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            add(("related", j), f"no point '{ref}'{hint}")
    for j, tag in enumerate(point.audiences):
        if tag not in audience_ids:
            close = difflib.get_close_matches(tag, sorted(audience_ids), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            add(("audiences", j), f"unknown audience '{tag}'{hint}")


# --- Figures data: content/data/countries.yaml ------------------------------------------

COUNTRY_DATA_FILE = ("data", "countries.yaml")
_STATUS_FIELDS = ("nato", "eu", "kosovo", "leaning")


def load_country_data(
    content_dir: Path, project: Project, collector: _Collector
) -> CountryData | None:
    """Read the figures' data (``content/data/countries.yaml``) if there is one, and check it."""
    path = content_dir.joinpath(*COUNTRY_DATA_FILE)
    if not path.is_file():
        return None
    parsed = collector.parse(path)
    if parsed is None:
        return None
    data = collector.validate(CountryData, path, parsed, {"file": relative(path, collector.root)})
    if data is None:
        return None

    def add(loc: tuple[Any, ...], message: str) -> None:
        collector.add(path, *parsed.where(loc), format_path(loc), message)

    seen: dict[str, int] = {}
    for i, country in enumerate(data.countries):
        if country.code in seen:
            add(
                ("countries", i, "code"),
                f"duplicate '{country.code}' (also countries[{seen[country.code]}])",
            )
        seen.setdefault(country.code, i)
        if (country.kosovo.status == "self") != (country.code == "XK"):
            add(
                ("countries", i, "kosovo", "status"),
                "'self' is for Kosovo (XK) only"
                if country.code != "XK"
                else "Kosovo (XK) takes 'self'",
            )
        for name in _STATUS_FIELDS:
            status = getattr(country, name)
            if status is not None:
                _check_dated(status, ("countries", i, name), "since", add, project, collector)
    for i, event in enumerate(data.events):
        _check_dated(event, ("events", i), "date", add, project, collector)
        start = _partial_date(event.date)
        if event.end is not None and start is not None and event.end < start:
            add(("events", i, "end"), f"ends before it starts ({event.date})")
        for j, code in enumerate(event.countries):
            if code not in seen:
                add(("events", i, "countries", j), f"'{code}' is not in countries")
    return data


def _check_dated(
    item: Any,
    loc: tuple[Any, ...],
    date_field: str,
    add: Any,
    project: Project,
    collector: _Collector,
) -> None:
    """A status or event needs a real date, and a source that resolves or a note."""
    value = getattr(item, date_field)
    if value is not None and _partial_date(value) is None:
        add((*loc, date_field), f"no such date: {value!r}")
    if item.source is None and item.note is None:
        add(loc, "give a 'source' (seed and paragraphs) or a 'note' (the public record)")
    if item.source is None:
        return
    seed = project.seed(item.source.seed)
    if seed is None:
        if item.source.seed not in collector.failed:
            known = ", ".join(sorted(s.id for s in project.seeds)) or "none"
            add(
                (*loc, "source", "seed"), f"unknown seed '{item.source.seed}'; known seeds: {known}"
            )
        return
    for k, n in enumerate(item.source.paragraphs):
        if seed.paragraph(n) is None:
            add(
                (*loc, "source", "paragraphs", k),
                f"seed '{seed.id}' has no paragraph {n} (it has 1-{len(seed.paragraphs)})",
            )


def _partial_date(value: str) -> dt.date | None:
    """The first day of a YYYY, YYYY-MM or YYYY-MM-DD period, or None if there is no such date."""
    year, month, day = [*(int(p) for p in value.split("-")), 1, 1][:3]
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
