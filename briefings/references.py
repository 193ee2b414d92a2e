"""References: the validated parts of every file → the problems no single file can show.

A point's sources must name a seed and paragraphs it has, and a marking no lower than the seed's;
related points, audience tags, an audience's topics and the settings' audiences must exist;
ids and paragraph numbers must not repeat. Files (or points) that did not validate are listed in
``Known.unsure`` so a reference to them is not reported a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .markup import check_markdown
from .model import Front, Point, Portion, Seed, SourceRef, marking_rank
from .suggest import did_you_mean
from .validation import Finding, Located, point_rules


@dataclass
class Known:
    """Every name the project's files define, and those that could not be read in full."""

    seeds: dict[str, Seed | None] = field(default_factory=dict)  # None: the seed did not validate
    topics: set[str] = field(default_factory=set)
    audiences: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)  # 'topic.point' of every point that validated
    unsure: set[str] = field(default_factory=set)  # topic ids and point refs that did not

    def is_unsure(self, ref: str) -> bool:
        """Whether a point address falls in a file or point that did not validate."""
        return ref in self.unsure or ref.split(".", 1)[0] in self.unsure


@dataclass
class TopicParts:
    """What validated of one topic file: its points (with their index in the file) and summary."""

    id: str
    path: Path
    points: list[tuple[int, Point]]
    summary: Portion | None = None


def check_topics(topics: Iterable[TopicParts], known: Known) -> Iterator[Located]:
    """Yield each topic's repeated point ids and each point's rules and references."""
    for topic in topics:
        if topic.summary is not None:
            costly = check_markdown(topic.summary.text)
            if costly:
                yield topic.path, ("summary", "text"), costly
        seen: dict[str, int] = {}
        for i, point in topic.points:
            base = ("points", i)
            if point.id in seen:
                message = f"duplicate point id '{point.id}' (also points[{seen[point.id]}])"
                yield topic.path, (*base, "id"), message
            seen.setdefault(point.id, i)
            for loc, message in (*point_rules(point), *check_point(point, known)):
                yield topic.path, (*base, *loc), message


def check_point(point: Point, known: Known) -> Iterator[Finding]:
    """Yield what is wrong with a point's sources, related points and audience tags."""
    for j, source in enumerate(point.sources):
        for loc, message in check_source(source, known):
            yield ("sources", j, *loc), message
        seed = known.seeds.get(source.seed)
        if seed is not None and marking_rank(seed.marking) > marking_rank(point.marking):
            yield (
                ("marking",),
                f"marked {point.marking}, below its source '{seed.id}' (marked {seed.marking}); "
                f"mark the point {seed.marking} or higher",
            )
    for j, ref in enumerate(point.related):
        if ref == point.ref:
            yield ("related", j), "a point cannot be related to itself"
        elif ref not in known.refs and not known.is_unsure(ref):
            yield ("related", j), f"no point '{ref}'" + did_you_mean(ref, sorted(known.refs))
    for j, tag in enumerate(point.audiences):
        if tag not in known.audiences:
            hint = did_you_mean(tag, sorted(known.audiences))
            yield ("audiences", j), f"unknown audience '{tag}'{hint}"


def check_source(source: SourceRef, known: Known) -> Iterator[Finding]:
    """Yield an unknown seed, each paragraph the seed does not have, or paragraphs missing for a
    digested seed (or given for a reference record); locs are inside the source."""
    if source.seed not in known.seeds:
        hint = did_you_mean(source.seed, sorted(known.seeds), known="known seeds")
        yield ("seed",), f"unknown seed '{source.seed}'{hint}"
        return
    seed = known.seeds[source.seed]
    if seed is None:
        return  # the seed's own file did not validate; that is reported there
    if not seed.paragraphs:
        if source.paragraphs:
            yield (
                ("paragraphs",),
                f"'{seed.id}' is a reference record with no paragraphs; "
                "cite it alone or with 'locator' (a page, section or article)",
            )
        return
    if not source.paragraphs:
        yield (
            ("seed",),
            f"cite the paragraphs of '{seed.id}' that carry the claim "
            f"('paragraphs: [n]'; it has 1-{len(seed.paragraphs)})",
        )
    for k, n in enumerate(source.paragraphs):
        if seed.paragraph(n) is None:
            yield (
                ("paragraphs", k),
                f"seed '{seed.id}' has no paragraph {n} (it has 1-{len(seed.paragraphs)})",
            )


def check_audience_topics(path: Path, topics: Iterable[str], known: Known) -> Iterator[Located]:
    """Yield each topic an audience lists that no topic file defines."""
    for i, topic_id in enumerate(topics):
        if topic_id not in known.topics:
            hint = did_you_mean(topic_id, sorted(known.topics))
            yield path, ("topics", i), f"unknown topic '{topic_id}'{hint}"


def check_settings_audiences(
    path: Path, audiences: Iterable[str], known: Known
) -> Iterator[Located]:
    """Yield each audience the settings list that no audience folder defines."""
    for i, audience_id in enumerate(audiences):
        if audience_id not in known.audiences:
            hint = did_you_mean(audience_id, sorted(known.audiences))
            yield path, ("audiences", i), f"unknown audience '{audience_id}'{hint}"


def check_seed(path: Path, seed: Seed) -> Iterator[Located]:
    """Yield each paragraph number that repeats within a seed, and a reference record (no
    paragraphs) that names neither its author nor its publisher, or has no URL."""
    if not seed.paragraphs:
        if seed.author is None and seed.publisher is None:
            yield path, ("title",), "a reference record names its author or its publisher"
        if seed.url is None:
            yield path, ("title",), "a reference record gives its URL ('url: https://…')"
    seen: dict[int, int] = {}
    for j, paragraph in enumerate(seed.paragraphs):
        if paragraph.n in seen:
            message = (
                f"duplicate paragraph number {paragraph.n} (also paragraphs[{seen[paragraph.n]}])"
            )
            yield path, ("paragraphs", j, "n"), message
        seen.setdefault(paragraph.n, j)


BOTTOM_LINE_WORDS = 75
BOTTOM_LINE_SENTENCES = 3
_SENTENCE_END = re.compile(r"[.!?][\"'’”)]*(?=\s+[\"'‘“(]?[A-Z0-9]|\s*$)")


def check_front(
    path: Path, front: Front, known: Known, points: dict[str, Point]
) -> Iterator[Located]:
    """Yield a front file for no audience, and a bottom line that is too long, draws on points
    that do not exist, or is marked below a point it draws on."""
    audience = path.stem
    if audience not in known.audiences:
        hint = did_you_mean(audience, sorted(known.audiences))
        yield path, (), f"no audience '{audience}' to write front matter for{hint}"
    bottom = front.bottom_line
    if bottom is None:
        return
    words = len(bottom.text.split())
    sentences = len(_SENTENCE_END.findall(bottom.text))
    if words > BOTTOM_LINE_WORDS or sentences > BOTTOM_LINE_SENTENCES:
        yield (
            path,
            ("bottom_line", "text"),
            f"{words} words in {sentences} sentences; a bottom line is at most "
            f"{BOTTOM_LINE_SENTENCES} sentences and {BOTTOM_LINE_WORDS} words",
        )
    for j, ref in enumerate(bottom.draws_on):
        point = points.get(ref)
        if point is None:
            if not known.is_unsure(ref):
                hint = did_you_mean(ref, sorted(known.refs))
                yield path, ("bottom_line", "draws_on", j), f"no point '{ref}'{hint}"
        elif marking_rank(point.marking) > marking_rank(bottom.marking):
            yield (
                path,
                ("bottom_line", "marking"),
                f"marked {bottom.marking}, below '{ref}' it draws on (marked {point.marking}); "
                f"mark the bottom line {point.marking} or higher",
            )
