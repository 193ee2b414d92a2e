"""Linting: a validated ``Project`` → warnings about how its points are written, each with a fix.

The loader already refuses what is wrong (a missing confidence, a source that does not resolve);
these are the things that are allowed but read badly: a headline that is not one short sentence,
estimative language that breaks ICD 203 (two likelihood scales, confidence and likelihood in one
sentence, vague hedges in a judgment), a point older than the staleness horizon or newer than the
information date, a Markdown list that Python-Markdown runs into the paragraph before it, and
an audience tag that can never take effect (the audience's ceiling, kinds or priorities exclude
the point anyway).
Warnings are placed with the positions loading kept (``load_project_with_positions``); without
them, a topic file is parsed again on its first warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .assembly import profile_exclusion, record_ids
from .errors import Problem
from .model import Point, Project, Topic
from .strictyaml import Parsed, format_path, parse_yaml

MAX_HEADLINE_WORDS = 35
JUDGMENTS = ("assessment", "risk")

# ICD 203's two columns of likelihood terms; a product should use one of them.
# Each entry: pattern, the scale it belongs to, and the same step on the other scale.
_LIKELIHOOD: tuple[tuple[str, str, str], ...] = (
    (r"almost\s+no\s+chance", "A", "remote"),
    (r"very\s+unlikely", "A", "highly improbable"),
    (r"unlikely", "A", "improbable"),
    (r"roughly\s+even\s+chance", "A", "roughly even odds"),
    (r"very\s+likely", "A", "highly probable"),
    (r"likely", "A", "probable"),
    (r"almost\s+certain(?:ly)?", "A", "nearly certain"),
    (r"remote\s+(?:chance|possibility|prospect|likelihood)", "B", "almost no chance"),
    (r"highly\s+improbabl[ey]", "B", "very unlikely"),
    (r"improbabl[ey]", "B", "unlikely"),
    (r"roughly\s+even\s+odds", "B", "roughly even chance"),
    (r"highly\s+probabl[ey]", "B", "very likely"),
    (r"probabl[ey]", "B", "likely"),
    (r"nearly\s+certain(?:ly)?", "B", "almost certain"),
)
_LIKELIHOOD_RE = re.compile(
    "|".join(rf"(?P<t{i}>\b{pattern}\b)" for i, (pattern, _, _) in enumerate(_LIKELIHOOD)),
    re.IGNORECASE,
)
# Every likelihood term above holds one of these, in any case: a text without any has no term,
# and is passed over before the sentence split and the long alternation (on 5,000 points,
# matching the alternation took 0.35 s, this 0.07 s; tests/test_lint.py holds every term to it).
_LIKELIHOOD_HINT_RE = re.compile(r"likel|chance|certain|remote|probab|odds", re.IGNORECASE)
_SCALE_NAMES = {"A": "'likely'", "B": "'probable'"}
_CONFIDENCE_RE = re.compile(
    r"\b(?:(?:very\s+)?(?:high|moderate|medium|low)\s+)?confiden(?:ce|t)\b", re.IGNORECASE
)
# "may" only in lower case, so the month is not a hedge.
_HEDGE_RE = re.compile(r"\b(?:(?i:possibly|perhaps|maybe|might|could|conceivably)|may)\b")
_LIST_ITEM_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s")
# Only "1." starts an ordered list after a paragraph line; "2012. Then" is a wrapped sentence.
_LIST_START_RE = re.compile(r"^\s{0,3}(?:[-*+]|1[.)])\s")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s")
_FENCE_RE = re.compile(r"^\s{0,3}(?:```|~~~)")
_WORD_RE = re.compile(r"\S+")
# A sentence ends at . ! or ? (and any closing quotes or brackets), then space and a capital,
# digit or opening quote, unless the word before the full stop is an abbreviation or an initial.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "dr", "st", "no", "nos", "vs", "etc", "gen", "col", "lt", "sen"),
        *("rep", "gov", "prof", "inc", "ltd", "co", "jr", "sr", "approx", "cf", "al", "fig"),
        *("art", "para", "paras", "op", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep"),
        *("sept", "oct", "nov", "dec"),
    )
)


@dataclass(frozen=True, order=True)
class Lint:
    """One warning about one place in one file, with the rule it breaks and how to fix it."""

    file: str
    line: int
    column: int
    field: str
    message: str
    fix: str
    rule: str

    def __str__(self) -> str:
        where = Problem(self.file, self.line, self.column, self.field, self.message)
        return f"{where}; {self.fix} [{self.rule}]"


def lint_project(project: Project, positions: Mapping[str, Parsed] | None = None) -> list[Lint]:
    """Return every warning about the project's points, in file and line order.

    ``positions`` are the parsed files from ``load_project_with_positions``, by relative path;
    a topic file not in them is parsed again to place its warnings.
    """
    root = Path(project.root)
    judgments = [
        (topic, i, point)
        for topic in project.topics
        for i, point in enumerate(topic.points)
        if point.kind in JUDGMENTS
    ]
    majority = _majority_scale(p for _, _, p in judgments)
    reference = _reference_date(project)
    found: list[Lint] = []
    for topic in project.topics:
        place = _Placer(root, topic, (positions or {}).get(topic.file))
        for i, point in enumerate(topic.points):
            found.extend(_lint_point(point, i, place, majority))
            found.extend(_lint_dates(point, i, place, reference, project.settings.staleness_days))
            found.extend(_lint_tags(point, i, place, project))
    return sorted(set(found))


def _reference_date(project: Project) -> dt.date | None:
    """The information date from the settings, else the newest point's date."""
    if project.settings.information_date is not None:
        return project.settings.information_date
    return max((p.as_of for p in project.points()), default=None)


def _majority_scale(points: Iterable[Point]) -> str | None:
    """Return the likelihood scale most used across judgments ('A' wins a tie), or None."""
    counts = {"A": 0, "B": 0}
    for point in points:
        for text in (point.headline, point.body or ""):
            if not _LIKELIHOOD_HINT_RE.search(text):
                continue
            for match in _LIKELIHOOD_RE.finditer(text):
                counts[_term(match)[1]] += 1
    if not counts["A"] and not counts["B"]:
        return None
    return "B" if counts["B"] > counts["A"] else "A"


def _term(match: re.Match[str]) -> tuple[str, str, str]:
    """Return (the words matched, their scale, the same step on the other scale)."""
    index = int((match.lastgroup or "t0")[1:])  # groups are named t0, t1, ...
    _, scale, counterpart = _LIKELIHOOD[index]
    return " ".join(match.group().split()), scale, counterpart


class _Placer:
    """Finds the line and column of a point's field, or of a phrase inside it, in its file."""

    def __init__(self, root: Path, topic: Topic, parsed: Parsed | None = None) -> None:
        self.file = topic.file
        self.path = root / topic.file
        self._parsed = parsed
        self._starts: list[int] | None = None

    @property
    def parsed(self) -> Parsed:
        """The file as loading parsed it, else parsed again on the first warning only."""
        if self._parsed is None:
            try:
                self._parsed = parse_yaml(self.path.read_bytes())
            except OSError:
                self._parsed = Parsed()
        return self._parsed

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def starts(self) -> list[int]:
        """The offset at which each line of the file starts."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        return self._starts

    def lint(
        self,
        loc: tuple[str | int, ...],
        message: str,
        fix: str,
        rule: str,
        at: int | None = None,
        text: str = "",
    ) -> Lint:
        """Make a warning at a field, or at the ``at``-th character of its value ``text``."""
        parsed = self.parsed
        line, column = parsed.where(loc) if parsed.positions else (0, 0)
        if at is not None and self.text and line:
            line, column = self._inside(text, loc, line, column, at)
        return Lint(self.file, line, column, format_path(loc), message, fix, rule)

    def _inside(
        self, value: str, loc: tuple[str | int, ...], line: int, column: int, at: int
    ) -> tuple[int, int]:
        """Map an offset in a value to its place on disk by counting words up to it."""
        # Folding and block indentation change only the white space between words, so the n-th
        # word of the value is the n-th word on disk after the value starts (the first word on
        # disk may be a block indicator such as '|' or '>-', or carry an opening quote).
        word_start = at
        while word_start > 0 and not value[word_start - 1].isspace():
            word_start -= 1
        words_before = len(_WORD_RE.findall(value[:word_start]))
        start = self.starts[line - 1] + column - 1
        words = _WORD_RE.finditer(self.text, start)
        first = next(words, None)
        if isinstance(loc[-1], str):  # a field's position is its key's: skip 'key:'
            while first is not None and not first.group().endswith(":"):
                first = next(words, None)
            first = next(words, None)
        if first is not None and first.group()[0] in "|>":
            first = next(words, None)
        target = first
        for _ in range(words_before):
            target = next(words, None)
        if target is None:
            return line, column
        offset = target.start() + at - word_start
        if target is first and target.group()[0] in "\"'":
            offset += 1  # the opening quote of a quoted scalar
        line = _bisect(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _bisect(starts: list[int], offset: int) -> int:
    """Return the 1-based line holding a character offset."""
    low, high = 0, len(starts)
    while low + 1 < high:
        middle = (low + high) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle
    return low + 1


def _lint_point(point: Point, i: int, place: _Placer, majority: str | None) -> Iterator[Lint]:
    headline = ("points", i, "headline")
    body = ("points", i, "body")
    sentences = _sentences(point.headline)
    if len(sentences) > 1:
        yield place.lint(
            headline,
            f"the headline is {len(sentences)} sentences; a bottom line is one",
            "keep the bottom line in the headline and move the rest into 'body'",
            "headline-sentences",
        )
    words = len(point.headline.split())
    if words > MAX_HEADLINE_WORDS:
        yield place.lint(
            headline,
            f"the headline is {words} words, too long to be a bottom line "
            f"(limit {MAX_HEADLINE_WORDS})",
            "shorten it to the judgment or fact itself and move detail into 'body'",
            "headline-length",
        )
    if point.kind == "assessment":
        for match in _HEDGE_RE.finditer(point.headline):
            word = match.group()
            yield place.lint(
                headline,
                f"vague hedge '{word}' in a judgment (ICD 203)",
                "say how likely with one likelihood term (e.g. 'likely', 'roughly even chance') "
                "and put the doubt in 'confidence'",
                "estimative-hedge",
                at=match.start(),
                text=point.headline,
            )
    if point.kind in JUDGMENTS:
        yield from _lint_estimative(headline, point.headline, place, majority)
        if point.body:
            yield from _lint_estimative(body, point.body, place, majority)
    if point.body:
        yield from _lint_lists(body, point.body, place)


def _lint_tags(point: Point, i: int, place: _Placer, project: Project) -> Iterator[Lint]:
    """A tag for an audience whose profile keeps the point out anyway is a silent no-op."""
    if not point.audiences:
        return
    audiences = {a.id: a for a in project.audiences}
    records = record_ids(project)
    for j, tag in enumerate(point.audiences):
        audience = audiences.get(tag)
        why = profile_exclusion(point, audience, records) if audience is not None else None
        if why is None or audience is None:
            continue
        reason, detail = why
        fix = {
            "ceiling": f"remove '{tag}' from 'audiences', or mark the point {audience.ceiling}",
            "kind": f"remove '{tag}' from 'audiences', or add {point.kind} to its kinds",
            "priority": f"remove '{tag}' from 'audiences', or change the priority to one of "
            f"{', '.join(map(str, audience.priorities))}",
            "evidence": f"remove '{tag}' from 'audiences', or cite a record and drop the "
            "attribution if the point stands on the public record",
        }[reason]
        yield place.lint(
            ("points", i, "audiences", j),
            f"tagged for '{tag}', which never receives it: {detail}",
            fix,
            "audience-tag-ineffective",
        )


def _lint_estimative(
    loc: tuple[str | int, ...], text: str, place: _Placer, majority: str | None
) -> Iterator[Lint]:
    if not _LIKELIHOOD_HINT_RE.search(text):
        return
    for start, end in _sentences(text):
        sentence = text[start:end]
        terms = list(_LIKELIHOOD_RE.finditer(sentence))
        if not terms:
            continue
        confidence = _CONFIDENCE_RE.search(sentence)
        if confidence:
            yield place.lint(
                loc,
                f"confidence ('{' '.join(confidence.group().split())}') and likelihood ('{_term(terms[0])[0]}') in "
                "one sentence (ICD 203)",
                "state how likely in the sentence and how confident in the point's 'confidence' "
                "field",
                "estimative-confidence",
                at=start + confidence.start(),
                text=text,
            )
        if len(terms) > 1:
            names = ", ".join(f"'{_term(t)[0]}'" for t in terms)
            yield place.lint(
                loc,
                f"{len(terms)} likelihood terms in one sentence ({names})",
                "keep one likelihood term per judgment",
                "estimative-stacked",
                at=start + terms[1].start(),
                text=text,
            )
        for match in terms:
            words, scale, counterpart = _term(match)
            if majority is not None and scale != majority:
                yield place.lint(
                    loc,
                    f"'{words}' is from the other ICD 203 likelihood scale; the project uses the "
                    f"{_SCALE_NAMES[majority]} scale",
                    f"write '{counterpart}' instead",
                    "estimative-scale",
                    at=start + match.start(),
                    text=text,
                )


def _lint_lists(loc: tuple[str | int, ...], text: str, place: _Placer) -> Iterator[Lint]:
    """Warn at a list item that follows a paragraph line directly (Markdown joins them)."""
    block: str | None = None  # None between blocks, else "list", "para", "swallowed", "fence"
    offset = 0
    for line in text.split("\n"):
        here, offset = offset, offset + len(line) + 1
        if block == "fence":
            if _FENCE_RE.match(line):
                block = None
            continue
        if not line.strip():
            block = None
        elif _FENCE_RE.match(line):
            block = "fence"
        elif _HEADING_RE.match(line):
            block = None  # a heading ends its own block
        elif _LIST_ITEM_RE.match(line):
            if block == "para" and _LIST_START_RE.match(line):
                yield place.lint(
                    loc,
                    "this list item runs into the paragraph above it (Markdown needs a blank line "
                    "before a list)",
                    "add an empty line before the list",
                    "markdown-list",
                    at=here + len(line) - len(line.lstrip()),
                    text=text,
                )
                block = "swallowed"  # one warning per paragraph
                continue
            block = block or "list"
        else:
            block = block or "para"


def _lint_dates(
    point: Point, i: int, place: _Placer, reference: dt.date | None, horizon: int
) -> Iterator[Lint]:
    if reference is None:
        return
    loc = ("points", i, "as_of")
    age = (reference - point.as_of).days
    if age > horizon:
        yield place.lint(
            loc,
            f"as of {point.as_of}, {age} days before the information date {reference} "
            f"(staleness horizon {horizon} days)",
            "review the point and update 'as_of', or raise 'staleness_days' in briefing.yaml",
            "stale",
        )
    elif age < 0:
        yield place.lint(
            loc,
            f"as of {point.as_of}, after the information date {reference}",
            "move 'information_date' in briefing.yaml forward, or correct 'as_of'",
            "after-information-date",
        )


def _sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans, not breaking after abbreviations or initials."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[start : match.start()].rstrip("\"'”’)]")
        word = before.rsplit(None, 1)[-1] if before.split() else ""
        stem = word.rstrip(".!?").lstrip("\"'“‘([")
        if word.endswith(".") and (len(stem) == 1 or "." in stem or stem.lower() in _ABBREVIATIONS):
            continue
        spans.append((start, match.start()))
        start = match.end()
    # Blank lines and list items also end a sentence.
    spans.append((start, len(text)))
    result: list[tuple[int, int]] = []
    for begin, end in spans:
        piece_start = begin
        for match in re.finditer(r"\n\s*\n|\n(?=\s{0,3}(?:[-*+]|\d{1,9}[.)])\s)", text[begin:end]):
            result.append((piece_start, begin + match.start()))
            piece_start = begin + match.end()
        result.append((piece_start, end))
    return [(b, e) for b, e in result if text[b:e].strip()]
