"""The content model: frozen, typed objects that files become once validated.

Topics hold points; seeds hold the paragraph digests points cite; audiences say what a reader
takes; settings describe the project. Templates only ever see these objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
PointRef = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$")
]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000, strip_whitespace=True)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=400, strip_whitespace=True)]
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]

Kind = Literal["fact", "assessment", "recommendation", "talking-point", "risk"]
Marking = Literal["public", "internal", "restricted"]
Confidence = Literal["low", "medium", "high"]
Use = Literal["raise", "if-asked", "avoid"]
Layout = Literal["memo", "backgrounder", "fact-sheet", "card"]
Figure = Literal["map", "timeline", "matrix"]
Format = Literal["html", "pdf"]
PdfVariant = Literal["pdf/ua-1", "pdf/a-3b", "none"]
Standing = Literal["record", "report", "opinion"]
Evidence = Literal["any", "record"]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s<>\"]+$", max_length=400)]

KINDS: tuple[Kind, ...] = get_args(Kind)
MARKINGS: tuple[Marking, ...] = get_args(Marking)
USES: tuple[Use, ...] = get_args(Use)
FORMATS: tuple[Format, ...] = get_args(Format)
PDF_VARIANTS: tuple[PdfVariant, ...] = get_args(PdfVariant)


ANCHOR_PREFIX = "pt-"  # a slug has no dot, so "pt-un-voting.core-aim" reads one way only


def marking_rank(marking: str) -> int:
    """Place a marking on the ladder public < internal < restricted."""
    return MARKINGS.index(marking)


def highest_marking(markings: Iterable[str]) -> str:
    """The highest of some markings (public when there are none)."""
    return MARKINGS[max((marking_rank(m) for m in markings), default=0)]


def portion_mark(marking: str) -> str:
    """The portion mark of a marking: P, I or R."""
    return marking[:1].upper() if marking in MARKINGS else "?"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Portion(_Frozen):
    """Text a document may print besides a point (a summary, a source note), with its marking."""

    text: Text
    marking: Marking


class SourceRef(_Frozen):
    """Where a point comes from: a seed and the paragraphs of it that carry the claim, or a
    reference record and, optionally, where in it (a page, section or article)."""

    seed: Slug
    paragraphs: tuple[Annotated[int, Field(ge=1)], ...] = Field(
        default=(), description="Required when the seed has paragraphs; not allowed otherwise."
    )
    locator: Line | None = Field(default=None, description='Where in the source: "p. 16".')


class Point(_Frozen):
    """One thing a reader should take away."""

    id: Slug
    kind: Kind
    headline: Line
    body: Text | None = None
    priority: Annotated[int, Field(ge=1, le=3)]
    marking: Marking
    confidence: Confidence | None = None
    attribution: Line | None = None
    use: Use | None = Field(
        default=None, description="Talking points only: raise, say if asked, or avoid."
    )
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    as_of: dt.date
    audiences: tuple[Slug, ...] = ()
    countries: tuple[Country, ...] = ()
    related: tuple[PointRef, ...] = ()
    # Filled in by loading, never written in a file.
    topic: str = Field(default="", exclude=True, json_schema_extra={"readOnly": True})

    @property
    def ref(self) -> str:
        """The point's address, ``topic.point``."""
        return f"{self.topic}.{self.id}"

    @property
    def anchor(self) -> str:
        """The point's element id in a document, ``pt-topic.point``: budgets measure by it."""
        return f"{ANCHOR_PREFIX}{self.ref}"


class Topic(_Frozen):
    """One topic module: its bottom line and its points."""

    title: Line
    summary: Portion = Field(description="The topic's bottom line: its text and its marking.")
    order: int
    countries: tuple[Country, ...] = ()
    points: tuple[Point, ...] = Field(min_length=1)
    id: str = Field(default="", exclude=True)
    file: str = Field(default="", exclude=True)


class Paragraph(_Frozen):
    """One paragraph of a source, digested in our own words."""

    n: Annotated[int, Field(ge=1)]
    digest: Text


class Seed(_Frozen):
    """A source: a document digested paragraph by paragraph, which points cite by paragraph, or
    a reference record (no paragraphs) from the public record, cited whole or by locator."""

    title: Line
    kind: Line = Field(description='What the source is, in words: "opinion analysis", "report".')
    standing: Standing = Field(
        default="report",
        description="record: established public record (official statistics, treaties, court "
        "opinions, official decisions); report: a journalist's or researcher's report; "
        "opinion: an author's argument. An audience with `evidence: record` takes only facts "
        "that cite a record and carry no attribution.",
    )
    short: Line | None = Field(default=None, description="A short title for citations.")
    published: PartialDate
    author: Line | None = None
    publisher: Line | None = None
    url: Url | None = None
    description: Text
    marking: Marking = Field(description="Marking of the record's title, metadata and description.")
    notes: tuple[Portion, ...] = Field(
        default=(), description="Corrections to the source, each with its own marking."
    )
    paragraphs: tuple[Paragraph, ...] = Field(
        default=(), description="The source's digest, one entry per paragraph; none for a record."
    )
    id: str = Field(default="", exclude=True)

    def paragraph(self, n: int) -> Paragraph | None:
        """Return paragraph n, or None."""
        return next((p for p in self.paragraphs if p.n == n), None)

    @property
    def citation_title(self) -> str:
        """The title a citation names: the short title, or the title."""
        return self.short or self.title


class BottomLine(_Frozen):
    """A document's bottom line, written by the analyst: at most three sentences, marked and
    dated like a point, naming the points it draws on."""

    text: Text
    marking: Marking
    as_of: dt.date
    draws_on: tuple[PointRef, ...] = Field(
        min_length=1, description="The points it summarises; its marking is at least theirs."
    )


class Front(_Frozen):
    """What an analyst writes for one audience's document besides its points
    (``content/front/<audience>.yaml``): the heading a memo or card needs, and its bottom line."""

    marking: Marking = Field(
        description="Marking of the heading fields (everything here but the bottom line)."
    )
    addressee: Line | None = Field(default=None, description="FOR, or 'Prepared for': a reader.")
    sender: Line | None = Field(default=None, description="FROM; the organisation if unset.")
    subject: Line | None = Field(default=None, description="The subject as a one-line statement.")
    purpose: Line | None = None
    lead: Text | None = Field(default=None, description="A fact sheet's opening paragraph.")
    objective: Line | None = Field(default=None, description="A meeting's objective.")
    counterpart: Line | None = Field(default=None, description="Whom the meeting is with.")
    context: Text | None = Field(default=None, description="A meeting's context, in brief.")
    drafted: Line | None = Field(default=None, description="The drafter's line.")
    cleared: tuple[Line, ...] = Field(default=(), description="The clearance lines.")
    bottom_line: BottomLine | None = None
    id: str = Field(default="", exclude=True)


class Show(_Frozen):
    """What an audience's document shows besides headlines."""

    body: bool = True
    sources: bool = False
    confidence: bool = True
    attribution: bool = True
    portion_marks: bool = True
    toc: bool = False
    cover: bool = False
    summary: bool = True
    omissions: bool = Field(
        default=False,
        description="Print a count of the points left out that are within this audience's "
        "ceiling. Off by default: omissions belong in `build --explain`, not the document.",
    )


class Preflight(_Frozen):
    """What the layout preflight accepts in an audience's PDF."""

    min_fill: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.3,
        description="A page (not the last, not one marked data-preflight=sparse) whose content "
        "fills less than this share of its body height is reported.",
    )


class Audience(_Frozen):
    """A reader and what their document takes, in what order, and how it looks."""

    title: Line
    description: Line
    marking: Marking = Field(
        description="Marking of the profile's own text (title, description, distribution) and of "
        "the fixed text its templates print."
    )
    layout: Layout
    kinds: tuple[Kind, ...] = KINDS
    priorities: tuple[Annotated[int, Field(ge=1, le=3)], ...] = (1, 2, 3)
    ceiling: Marking = "internal"
    topics: tuple[Slug, ...] = ()
    show: Show = Show()
    page_budget: Annotated[int, Field(ge=1)] | None = None
    paper: Literal["A4", "letter"] = "A4"
    distribution: Line = "Distribution as marked."
    figures: tuple[Figure, ...] = ()
    map_status: Literal["nato", "eu", "kosovo"] = "nato"
    preflight: Preflight = Preflight()
    evidence: Evidence = Field(
        default="any",
        description="record: only facts with no attribution that cite at least one source of "
        "standing `record` (a press sheet speaks only to the public record).",
    )
    pdf_variant: PdfVariant = Field(
        default="pdf/ua-1",
        description="pdf/ua-1: tagged for assistive technology (the default); pdf/a-3b: for "
        "archiving; none: a plain PDF. `build --pdf-variant` overrides it for every audience.",
    )
    attach_manifest: bool = Field(
        default=True,
        description="Attach the build manifest (the points, their digests and the sources, as "
        "JSON) to the PDF, for `briefing verify`. The XMP provenance is written either way.",
    )
    id: str = Field(default="", exclude=True)
    folder: str = Field(default="", exclude=True)


class Settings(_Frozen):
    """Project settings from ``briefing.yaml``; command-line options override them."""

    title: Line = "Briefing book"
    subtitle: Line | None = None
    organisation: Line = "Briefings"
    information_date: dt.date | None = None
    audiences: tuple[Slug, ...] = ()
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"
    staleness_days: Annotated[int, Field(ge=1)] = 365
    contact: Line | None = Field(
        default=None, description="Who answers questions about the documents (press contact)."
    )
    content: str = "content"
    seeds: str = "seeds"
    templates: str = "templates"
    user_templates: str | None = None
    output: str = "output"
    since: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")] | None
    ) = Field(
        default=None,
        description="Build every document with its changes since this edition "
        "(editions/<name>.json); `build --since` overrides it.",
    )


class Project(_Frozen):
    """Everything loaded from one project: the input to assembly."""

    settings: Settings
    topics: tuple[Topic, ...]
    seeds: tuple[Seed, ...]
    audiences: tuple[Audience, ...]
    root: str
    fronts: tuple[Front, ...] = ()  # content/front/<audience>.yaml
    country_data: CountryData | None = None  # content/data/countries.yaml, for the figures

    def topic(self, topic_id: str) -> Topic:
        """Return the topic with this id."""
        return next(t for t in self.topics if t.id == topic_id)

    def seed(self, seed_id: str) -> Seed | None:
        """Return the seed with this id, or None."""
        return next((s for s in self.seeds if s.id == seed_id), None)

    def audience(self, audience_id: str) -> Audience:
        """Return the audience with this id."""
        return next(a for a in self.audiences if a.id == audience_id)

    def front(self, audience_id: str) -> Front | None:
        """Return the front matter written for this audience, or None."""
        return next((f for f in self.fronts if f.id == audience_id), None)

    def points(self) -> tuple[Point, ...]:
        """Every point of every topic, in topic order."""
        return tuple(p for t in self.topics for p in t.points)


PortionKind = Literal[
    "point", "summary", "source", "source-note", "figure-data", "front", "bottom-line"
]


class Omission(_Frozen):
    """A portion (usually a point) left out of a briefing, and why."""

    ref: str
    reason: Literal["topic", "ceiling", "kind", "priority", "audience-tag", "evidence", "budget"]
    detail: str
    portion: PortionKind = "point"
    marking: Marking = "public"


class Section(_Frozen):
    """One topic as one audience gets it: its summary only if the audience may see it, and only
    the points that survived selection (never the raw ``Topic``)."""

    id: str
    title: str
    order: int
    countries: tuple[Country, ...] = ()
    summary: Portion | None = None
    points: tuple[Point, ...]


class Changes(_Frozen):
    """What changed for one audience since an edition (``briefings.editions.compare``)."""

    since: str
    since_date: str
    new: tuple[str, ...] = ()  # point refs
    changed: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (ref, what: headline, text, marking)
    withdrawn: tuple[tuple[str, str, Marking], ...] = ()  # (ref, headline then, marking then)

    @property
    def empty(self) -> bool:
        """Nothing new, changed or withdrawn."""
        return not (self.new or self.changed or self.withdrawn)


class Briefing(_Frozen):
    """The result of assembly for one audience: what is in, in order, and what was left out."""

    audience: Audience
    settings: Settings
    sections: tuple[Section, ...]
    banner: Marking
    omitted: tuple[Omission, ...]
    seeds: tuple[Seed, ...]
    information_date: dt.date
    country_data: CountryData | None = None  # only the rows this audience may see
    front: Front | None = None  # its bottom line only if within the ceiling
    changes: Changes | None = None  # with `build --since EDITION`

    def points(self) -> tuple[Point, ...]:
        """Every included point, in reading order."""
        return tuple(p for s in self.sections for p in s.points)


# --- Figures data (content/data/countries.yaml): statuses and dated events ------------------

# A year may be written bare (2009); it is read as the text "2009", like "2016-05" or "2016-05-19".
When = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
]
Short = Annotated[str, StringConstraints(min_length=1, max_length=90, strip_whitespace=True)]
NatoStatus = Literal["member", "acceding", "partner", "none"]
EuStatus = Literal["member", "candidate", "applicant", "potential-candidate", "none"]
KosovoStance = Literal["recognises", "does-not-recognise", "self"]
Leaning = Literal["west", "divided", "moscow", "israel", "outside-power", "not-described"]
CountryGroup = Literal["balkans", "outside", "neighbour"]


class Status(_Frozen):
    """A dated status with what it rests on: a seed paragraph, or a note from the public record."""

    since: When | None = None
    detail: Short | None = None
    source: SourceRef | None = None
    note: Line | None = None


class NatoMembership(Status):
    """Where a state stands with NATO."""

    status: NatoStatus


class EuMembership(Status):
    """Where a state stands with the European Union."""

    status: EuStatus


class KosovoRecognition(Status):
    """Whether a state recognises Kosovo's independence."""

    status: KosovoStance


class Alignment(Status):
    """Where the source article places a state between the West and Moscow, or beside Israel."""

    status: Leaning


class CountryRecord(_Frozen):
    """One state and its statuses, as of the data's date."""

    code: Country
    name: Line
    group: CountryGroup
    marking: Marking | None = Field(default=None, description="Defaults to the file's marking.")
    nato: NatoMembership
    eu: EuMembership
    kosovo: KosovoRecognition
    leaning: Alignment | None = None


class Event(_Frozen):
    """A dated event for the timeline; a date after the data's date is scheduled or expected."""

    date: When
    end: dt.date | None = None
    marking: Marking | None = Field(default=None, description="Defaults to the file's marking.")
    label: Short
    countries: tuple[Country, ...] = ()
    source: SourceRef | None = None
    note: Line | None = None


class CountryData(_Frozen):
    """The figures' data: every state's statuses and the timeline's events, as of one date."""

    as_of: dt.date
    marking: Marking = Field(
        description="Marking of the figures' own text (titles, legends, notes) and the default "
        "for every state and event."
    )
    countries: tuple[CountryRecord, ...] = Field(min_length=1)
    events: tuple[Event, ...] = ()
    file: str = Field(default="", exclude=True)

    def country(self, code: str) -> CountryRecord | None:
        """Return the state with this code, or None."""
        return next((c for c in self.countries if c.code == code), None)


Project.model_rebuild()
Briefing.model_rebuild()
