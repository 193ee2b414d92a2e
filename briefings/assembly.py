"""Assembly: project + audience + topic selection → a ``Briefing`` (pure; no files, no HTML).

Picks the topics, filters every point by the audience's tags, marking ceiling, kinds and
priorities, orders what is left, computes the banner from what is included, and records every
point left out with its reason. Nothing that is not in the briefing can reach a template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from .errors import SelectionError
from .model import (
    MARKINGS,
    Audience,
    Briefing,
    Omission,
    Point,
    Project,
    Section,
    Topic,
    marking_rank,
)


def select_topics(project: Project, audience: Audience, wanted: Sequence[str] = ()) -> list[str]:
    """Return topic ids in reading order: those asked for, else the audience's, else all."""
    known = [t.id for t in project.topics]
    for name in wanted:
        if name not in known:
            raise SelectionError("topic", name, tuple(known))
    base = list(audience.topics) or known
    if not wanted:
        return base
    ordered = [t for t in base if t in wanted]
    return ordered + [t for t in known if t in wanted and t not in ordered]


def exclusion(point: Point, audience: Audience) -> tuple[str, str] | None:
    """Say why a point cannot go to an audience, as (reason, detail), or None if it can."""
    if point.audiences and audience.id not in point.audiences:
        return "audience-tag", f"tagged for {', '.join(point.audiences)} only"
    if marking_rank(point.marking) > marking_rank(audience.ceiling):
        return "ceiling", f"marked {point.marking}, above the {audience.ceiling} ceiling"
    if point.kind not in audience.kinds:
        return "kind", f"{point.kind} is not among the kinds this audience takes"
    if point.priority not in audience.priorities:
        return "priority", f"priority {point.priority} is not among {list(audience.priorities)}"
    return None


def assemble_briefing(project: Project, audience_id: str, topics: Sequence[str] = ()) -> Briefing:
    """Assemble the briefing one audience gets from the chosen topics."""
    known = tuple(a.id for a in project.audiences)
    if audience_id not in known:
        raise SelectionError("audience", audience_id, known)
    audience = project.audience(audience_id)
    chosen = select_topics(project, audience, topics)
    sections: list[Section] = []
    omitted: list[Omission] = []
    for topic in project.topics:
        if topic.id not in chosen:
            omitted.extend(_omit(p, "topic", "topic not selected") for p in topic.points)
    for topic_id in chosen:
        topic = project.topic(topic_id)
        kept = []
        for point in topic.points:
            why = exclusion(point, audience)
            if why is None:
                kept.append(point)
            else:
                omitted.append(_omit(point, *why))
        if kept:
            sections.append(_section(topic, tuple(kept)))
    return _briefing(project, audience, sections, omitted)


def cut_for_budget(briefing: Briefing, count: int) -> Briefing:
    """Drop ``count`` points, lowest priority first and last-read first, recording each cut."""
    order = budget_order(briefing)
    cut = {p.ref for p in order[:count]}
    sections = []
    for section in briefing.sections:
        kept = tuple(p for p in section.points if p.ref not in cut)
        if kept:
            sections.append(_section(section.topic, kept))
    budget = briefing.audience.page_budget
    omitted = list(briefing.omitted) + [
        _omit(p, "budget", f"cut to fit the {budget}-page budget") for p in order[:count]
    ]
    return briefing.model_copy(
        update={
            "sections": tuple(sections),
            "omitted": tuple(omitted),
            "banner": _banner(p for s in sections for p in s.points),
        }
    )


def budget_order(briefing: Briefing) -> list[Point]:
    """Return the included points in the order a budget cuts them."""
    points = list(briefing.points())
    ranked = sorted(enumerate(points), key=lambda ip: (-ip[1].priority, -ip[0]))
    return [p for _, p in ranked]


def estimate_cut(point_heights: Sequence[float], overflow: float) -> int:
    """Return how many points (in budget order, with these heights) cover an overflow."""
    total = 0.0
    for count, height in enumerate(point_heights, start=1):
        total += height
        if total >= overflow:
            return count
    return max(1, len(point_heights))  # not enough to cover it: everything cuttable


def _section(topic: Topic, points: tuple[Point, ...]) -> Section:
    """One topic as a briefing shows it; the topic inside carries only the kept points too."""
    # So a point left out reaches no template, and editing it changes no briefing (and so no
    # build's content hash): only the documents that include a changed point are re-rendered.
    return Section(topic=topic.model_copy(update={"points": points}), points=points)


def _briefing(
    project: Project, audience: Audience, sections: list[Section], omitted: list[Omission]
) -> Briefing:
    included = [p for s in sections for p in s.points]
    cited = {ref.seed for p in included for ref in p.sources}
    dates = [p.as_of for p in included] or [p.as_of for p in project.points()]
    information_date = project.settings.information_date or max(dates, default=dt.date(1970, 1, 1))
    return Briefing(
        audience=audience,
        settings=project.settings,
        sections=tuple(sections),
        banner=_banner(included),
        omitted=tuple(omitted),
        seeds=tuple(s for s in project.seeds if s.id in cited),
        information_date=information_date,
    )


def _banner(points: Iterable[Point]) -> str:
    ranks = [marking_rank(p.marking) for p in points]
    return MARKINGS[max(ranks, default=0)]


def _omit(point: Point, reason: str, detail: str) -> Omission:
    return Omission(ref=point.ref, reason=reason, detail=detail)  # type: ignore[arg-type]
