"""Assembly: project + audience + topic selection → a ``Briefing`` (pure; no files, no HTML).

Picks the topics, filters every point by the audience's tags, marking ceiling, kinds and
priorities, and every other portion (topic summaries, source records and their notes, the
figures' data) by its marking; orders what is left, computes the banner from everything
included, and records every portion left out with its reason. Nothing that is not in the
briefing can reach a template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence

from .errors import SelectionError
from .model import (
    Audience,
    Briefing,
    CountryData,
    CountryRecord,
    Event,
    Front,
    Omission,
    Point,
    Project,
    Section,
    Seed,
    Topic,
    highest_marking,
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


def exclusion(
    point: Point, audience: Audience, records: Collection[str] = ()
) -> tuple[str, str] | None:
    """Say why a point cannot go to an audience, as (reason, detail), or None if it can."""
    if point.audiences and audience.id not in point.audiences:
        return "audience-tag", f"tagged for {', '.join(point.audiences)} only"
    return profile_exclusion(point, audience, records)


def profile_exclusion(
    point: Point, audience: Audience, records: Collection[str] = ()
) -> tuple[str, str] | None:
    """Say why the audience's profile (ceiling, kinds, priorities, evidence) keeps a point out,
    or None; ``records`` are the ids of the sources of standing ``record``."""
    if not within(point.marking, audience):
        return "ceiling", f"marked {point.marking}, above the {audience.ceiling} ceiling"
    if point.kind not in audience.kinds:
        return "kind", f"{point.kind} is not among the kinds this audience takes"
    if point.priority not in audience.priorities:
        return "priority", f"priority {point.priority} is not among {list(audience.priorities)}"
    if audience.evidence == "record" and not on_record(point, records):
        return "evidence", (
            "not on the public record (this audience takes facts with no attribution that "
            "cite a source of standing record)"
        )
    return None


def on_record(point: Point, records: Collection[str]) -> bool:
    """Whether a point stands on the public record: a fact, not attributed to anyone, citing at
    least one source of standing ``record``."""
    return (
        point.kind == "fact"
        and point.attribution is None
        and any(ref.seed in records for ref in point.sources)
    )


def record_ids(project: Project) -> frozenset[str]:
    """The ids of the project's sources of standing ``record``."""
    return frozenset(s.id for s in project.seeds if s.standing == "record")


def within(marking: str, audience: Audience) -> bool:
    """Whether text with this marking may reach the audience (the release gate)."""
    return marking_rank(marking) <= marking_rank(audience.ceiling)


def assemble_briefing(project: Project, audience_id: str, topics: Sequence[str] = ()) -> Briefing:
    """Assemble the briefing one audience gets from the chosen topics."""
    known = tuple(a.id for a in project.audiences)
    if audience_id not in known:
        raise SelectionError("audience", audience_id, known)
    audience = project.audience(audience_id)
    chosen = select_topics(project, audience, topics)
    sections: list[Section] = []
    omitted: list[Omission] = []
    records = record_ids(project)
    for topic in project.topics:
        if topic.id not in chosen:
            omitted.extend(omit(p, "topic", "topic not selected") for p in topic.points)
    for topic_id in chosen:
        topic = project.topic(topic_id)
        kept = []
        for point in topic.points:
            why = exclusion(point, audience, records)
            if why is None:
                kept.append(point)
            else:
                omitted.append(omit(point, *why))
        if kept:
            sections.append(_section(topic, tuple(kept), audience, omitted))
    return _briefing(project, audience, sections, omitted)


def disclosable(briefing: Briefing) -> Briefing:
    """The briefing as its templates get it: omissions only if the audience shows them, and then
    only points within its own ceiling (so a document never hints at what it may not hold)."""
    audience = briefing.audience
    told = tuple(
        o
        for o in briefing.omitted
        if audience.show.omissions and o.portion == "point" and within(o.marking, audience)
    )
    return briefing.model_copy(update={"omitted": told})


def banner_of(briefing: Briefing) -> str:
    """The highest marking of everything the briefing holds: points, summaries, sources and
    their notes, figure data, front matter, withdrawn headlines, and the audience's own text."""
    marks = [briefing.audience.marking]  # the fixed text of its profile and templates
    if briefing.changes is not None:  # withdrawn headlines are printed as they were
        marks.extend(marking for _, _, marking in briefing.changes.withdrawn)
    if briefing.front is not None:
        marks.append(briefing.front.marking)
        if briefing.front.bottom_line is not None:
            marks.append(briefing.front.bottom_line.marking)
    for section in briefing.sections:
        marks.extend(p.marking for p in section.points)
        if section.summary is not None:
            marks.append(section.summary.marking)
    for seed in briefing.seeds:
        marks.append(seed.marking)
        marks.extend(note.marking for note in seed.notes)
    data = briefing.country_data
    if data is not None:
        marks.append(data.marking)
        marks.extend(c.marking or data.marking for c in data.countries)
        marks.extend(e.marking or data.marking for e in data.events)
    return highest_marking(marks)


def _section(
    topic: Topic, points: tuple[Point, ...], audience: Audience, omitted: list[Omission]
) -> Section:
    """One topic as the audience gets it: its summary only within the ceiling and when shown."""
    # Only the kept points, so a point left out reaches no template, and editing it changes no
    # briefing (and so no build's content hash): only documents that include it are re-rendered.
    summary = topic.summary if audience.show.summary else None
    if summary is not None and not within(summary.marking, audience):
        omitted.append(_withheld(f"{topic.id} (summary)", "summary", summary.marking, audience))
        summary = None
    return Section(
        id=topic.id,
        title=topic.title,
        order=topic.order,
        countries=topic.countries,
        summary=summary,
        points=points,
    )


def _briefing(
    project: Project, audience: Audience, sections: list[Section], omitted: list[Omission]
) -> Briefing:
    included = [p for s in sections for p in s.points]
    dates = [p.as_of for p in included] or [p.as_of for p in project.points()]
    information_date = project.settings.information_date or max(dates, default=dt.date(1970, 1, 1))
    cited = list(dict.fromkeys(ref.seed for p in included for ref in p.sources))
    by_id = {s.id: s for s in project.seeds}
    seeds = [by_id[i] for i in cited if i in by_id] if audience.show.sources else []
    briefing = Briefing(
        audience=audience,
        settings=project.settings,
        sections=tuple(sections),
        banner="public",
        omitted=(),
        seeds=tuple(_seeds(seeds, audience, omitted)),
        information_date=information_date,
        country_data=_country_data(project.country_data, audience, omitted),
        front=_front(project.front(audience.id), audience, omitted),
    )
    return briefing.model_copy(update={"omitted": tuple(omitted), "banner": banner_of(briefing)})


def _front(front: Front | None, audience: Audience, omitted: list[Omission]) -> Front | None:
    """The front matter the audience may see: none if its heading is above the ceiling, and
    without its bottom line if that is."""
    if front is None:
        return None
    if not within(front.marking, audience):
        omitted.append(_withheld(f"front ({audience.id})", "front", front.marking, audience))
        return None
    bottom = front.bottom_line
    if bottom is not None and not within(bottom.marking, audience):
        ref = f"front ({audience.id}): bottom line"
        omitted.append(_withheld(ref, "bottom-line", bottom.marking, audience))
        return front.model_copy(update={"bottom_line": None})
    return front


def _seeds(seeds: list[Seed], audience: Audience, omitted: list[Omission]) -> Iterator[Seed]:
    """The source records the audience may see, each with only the notes it may see."""
    for seed in seeds:
        if not within(seed.marking, audience):
            omitted.append(_withheld(seed.id, "source", seed.marking, audience))
            continue
        notes = []
        for i, note in enumerate(seed.notes):
            if within(note.marking, audience):
                notes.append(note)
            else:
                ref = f"{seed.id} (note {i + 1})"
                omitted.append(_withheld(ref, "source-note", note.marking, audience))
        yield seed.model_copy(update={"notes": tuple(notes)})


def _country_data(
    data: CountryData | None, audience: Audience, omitted: list[Omission]
) -> CountryData | None:
    """The figures' data for an audience that shows figures: only the rows it may see, each
    stamped with its effective marking; nothing at all if the figures' own text is above it."""
    if data is None or not audience.figures:
        return None
    if not within(data.marking, audience):
        omitted.append(_withheld("figures", "figure-data", data.marking, audience))
        return None
    countries = [
        c for c in data.countries if _keep(c, f"figures: {c.code}", data, audience, omitted)
    ]
    events = [
        e for e in data.events if _keep(e, f"figures: event {e.date}", data, audience, omitted)
    ]
    if not countries:
        return None
    stamp = [row.model_copy(update={"marking": row.marking or data.marking}) for row in countries]
    dated = [row.model_copy(update={"marking": row.marking or data.marking}) for row in events]
    return data.model_copy(update={"countries": tuple(stamp), "events": tuple(dated)})


def _keep(
    row: CountryRecord | Event,
    ref: str,
    data: CountryData,
    audience: Audience,
    omitted: list[Omission],
) -> bool:
    """Whether a row of the figures' data may reach the audience; if not, record it."""
    marking = row.marking or data.marking
    if within(marking, audience):
        return True
    omitted.append(_withheld(ref, "figure-data", marking, audience))
    return False


def _withheld(ref: str, portion: str, marking: str, audience: Audience) -> Omission:
    return Omission(
        ref=ref,
        reason="ceiling",
        detail=f"marked {marking}, above the {audience.ceiling} ceiling",
        portion=portion,
        marking=marking,
    )


def omit(point: Point, reason: str, detail: str) -> Omission:
    """Record a point left out, and why."""
    return Omission(ref=point.ref, reason=reason, detail=detail, marking=point.marking)
