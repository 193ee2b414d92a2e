"""Provenance: what a PDF was built from, written into it, and read back to tell if it is current.

Every PDF carries XMP metadata naming its audience, marking, information date, edition, sources
and generator, and (unless its audience's profile says ``attach_manifest: false``) an attached
build manifest, ``briefing-manifest.json``: the points it prints with their digests, the points
its page budget cut, its sources, and digests of the settings and templates it was built with.
Only the builder attaches it (templates and content cannot: see ``rendering``).
``briefing verify FILE.pdf`` reads the manifest back and compares it with the project now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

from pydantic import BaseModel

from . import __version__
from .editions import EditionPoint, normalise
from .errors import BriefingError, printable
from .model import Briefing, Point, PointRef, Slug, marking_rank

MANIFEST_FILE = "briefing-manifest.json"
MANIFEST_FORMAT = "briefings-manifest/1"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
NS = "urn:x-briefings:provenance:1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
register_namespace("brf", NS)

if TYPE_CHECKING:
    from .config import Config


@dataclass(frozen=True)
class Provenance:
    """What the builder knows about a document beyond its briefing."""

    edition: str | None = None  # the published edition whose points the project holds now
    since: str | None = None  # the edition its changes are counted from
    topics: tuple[str, ...] = ()  # the topics chosen on the command line (empty: the profile's)
    settings: str = ""  # digest of the settings
    templates: str = ""  # digest of the template folders (fonts included)
    sources: tuple[tuple[str, str, str], ...] = ()  # (id, title, standing) of cited sources
    budget_cut: tuple[str, ...] = ()  # points the page budget left out


def manifest(briefing: Briefing, provenance: Provenance) -> dict[str, Any]:
    """The build manifest of one document, as JSON-ready data."""
    cited = {ref.seed for p in briefing.points() for ref in p.sources}
    return {
        "format": MANIFEST_FORMAT,
        "generator": f"briefings {__version__}",
        "audience": briefing.audience.id,
        "title": f"{briefing.settings.title}: {briefing.audience.title}",
        "marking": briefing.banner,
        "information_date": briefing.information_date.isoformat(),
        "edition": provenance.edition,
        "since": provenance.since,
        "topics": list(provenance.topics),
        "points": [
            {"id": p.ref, **EditionPoint.of(p).model_dump(exclude={"audiences"})}
            for p in briefing.points()
        ],
        "budget_cut": list(provenance.budget_cut),
        "sources": [
            {"id": seed_id, "title": title, "standing": standing}
            for seed_id, title, standing in provenance.sources
            if seed_id in cited
        ],
        "settings_digest": provenance.settings,
        "templates_digest": provenance.templates,
    }


def manifest_bytes(data: dict[str, Any]) -> bytes:
    """The manifest as attached: sorted keys, so the same build gives the same bytes."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).encode()


def xmp_description(data: dict[str, Any], attached: bytes | None) -> Element:
    """An rdf:Description of the document's provenance, in the briefings namespace."""
    about = Element(f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
    simple = {
        "audience": data["audience"],
        "marking": data["marking"],
        "informationDate": data["information_date"],
        "edition": data["edition"] or "unpublished",
        "since": data["since"],
        "generator": data["generator"],
        "manifest": f"sha256:{hashlib.sha256(attached).hexdigest()}" if attached else None,
    }
    for name, value in simple.items():
        if value:
            SubElement(about, f"{{{NS}}}{name}").text = value
    sources = SubElement(SubElement(about, f"{{{NS}}}sources"), f"{{{_RDF}}}Bag")
    for source in data["sources"]:
        SubElement(sources, f"{{{_RDF}}}li").text = f"{source['id']}: {source['title']}"
    return about


def pdf_options(
    document: Any, briefing: Briefing, provenance: Provenance, created: dt.datetime
) -> tuple[dict[str, Any], Callable[[Any, Any], None]]:
    """What ``write_pdf`` needs to carry the provenance: its attachments, and a finisher that
    writes the XMP packet when the variant (``none``) writes none of its own."""
    from weasyprint import Attachment

    data = manifest(briefing, provenance)
    attached = manifest_bytes(data) if briefing.audience.attach_manifest else None
    description = xmp_description(data, attached)
    metadata = document.metadata
    generate = metadata.generate_rdf_metadata

    def with_provenance(variant: str, version: Any, conformance: Any) -> bytes:
        rdf = fromstring(generate(variant, version, conformance))
        rdf.append(description)
        return tostring(rdf, encoding="utf-8")

    # WeasyPrint 70 builds the XMP packet in this one method (pinned in pyproject.toml).
    metadata.generate_rdf_metadata = with_provenance
    options: dict[str, Any] = {}
    if attached is not None:
        options["attachments"] = [
            Attachment(
                string=attached.decode(),
                name=MANIFEST_FILE,
                description="Build manifest: the points, sources and templates of this document",
                created=created,
                modified=created,
                relationship="Data",
            )
        ]

    def finisher(doc: Any, pdf: Any) -> None:
        if "Metadata" not in pdf.catalog:  # pdf_variant none: no packet was written
            metadata.include_in_pdf(pdf, "", None, None, compress=True)
        files = pdf.catalog.get("AF")
        if files:  # PDF/A-3: WeasyPrint 70 lists each attachment twice in /AF
            unique = list(dict.fromkeys(files))
            files.clear()
            files.extend(unique)

    return options, finisher


# --- briefing verify -------------------------------------------------------------------------


class _PrintedPoint(EditionPoint):
    id: PointRef


class _Manifest(BaseModel):
    """What ``verify`` relies on in a manifest (the rest is for readers)."""

    format: Literal["briefings-manifest/1"]
    audience: Slug
    points: list[_PrintedPoint]


@dataclass
class Verdict:
    """What ``verify`` found: the document, and each way it no longer matches the project."""

    audience: str
    built: str  # information date and edition, as printed
    changed: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    rose: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        """Whether every point it prints is still as printed, and none is missing."""
        return not (self.changed or self.withdrawn or self.rose or self.new)


def read_manifest(path: Path) -> dict[str, Any]:
    """The build manifest attached to a PDF; a message (never a traceback) when there is none."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    shown = printable(str(path))
    try:
        if not path.is_file():
            raise BriefingError(f"{shown}: no such file")
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(path, strict=False)
        files = reader.attachments
        found = files.get(MANIFEST_FILE)
    except BriefingError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise BriefingError(f"{shown}: not a readable PDF ({type(exc).__name__})") from None
    if not found:
        raise BriefingError(
            f"{shown}: carries no build manifest ({MANIFEST_FILE}); it was not built by "
            "briefings, or its audience's profile has attach_manifest: false"
        )
    raw = found[0]
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BriefingError(f"{shown}: its build manifest is too large to be one")
    try:
        data = json.loads(raw.decode("utf-8"))
        _Manifest.model_validate(data)
    except (ValueError, RecursionError):  # ValidationError and UnicodeDecodeError among them
        raise BriefingError(
            f"{shown}: its build manifest does not parse as a {MANIFEST_FORMAT} manifest"
        ) from None
    return data


def verify(path: Path, config: Config) -> Verdict:
    """Compare a PDF's manifest with the project now."""
    from .assembly import assemble_briefing
    from .builder import digests
    from .editions import snapshot

    data = read_manifest(path)
    project = config.project()
    audience_id = str(data["audience"])
    built = f"information as of {data.get('information_date')}"
    if data.get("edition"):
        built += f", edition {data['edition']}"
    verdict = Verdict(printable(audience_id), printable(built))
    if audience_id not in {a.id for a in project.audiences}:
        verdict.notes.append(f"the project has no audience {audience_id!r} any more")
        verdict.withdrawn.extend(printable(p["id"]) for p in data["points"])
        return verdict
    now = snapshot(project)
    printed = {str(p["id"]): p for p in data["points"]}
    for ref, point in printed.items():
        cur = now.points.get(ref)
        label = printable(f"{ref}: {point['headline']}")[:200]
        if cur is None:
            verdict.withdrawn.append(label)
            continue
        if marking_rank(cur.marking) > marking_rank(str(point["marking"])):
            verdict.rose.append(f"{label} ({point['marking']} → {cur.marking})")
        elif cur.headline != point["headline"] or cur.text != point["text"]:
            verdict.changed.append(label)
        elif audience_id not in cur.audiences:
            verdict.withdrawn.append(f"{label} (no longer for this audience)")
    chosen = tuple(str(t) for t in data.get("topics") or ())
    topics = tuple(t for t in chosen if t in {topic.id for topic in project.topics})
    reached: tuple[Point, ...] = ()  # nothing can be new if every topic it had is gone
    if topics or not chosen:
        reached = assemble_briefing(project, audience_id, topics).points()
    if len(topics) < len(chosen):
        gone = ", ".join(t for t in chosen if t not in topics)
        verdict.notes.append(printable(f"topics no longer in the project: {gone}")[:200])
    cut = {str(r) for r in data.get("budget_cut") or ()}
    for point in reached:
        if point.ref not in printed and point.ref not in cut:
            verdict.new.append(printable(f"{point.ref}: {normalise(point.headline)}")[:200])
    settings, templates = digests(config, project.audience(audience_id), {})
    if data.get("settings_digest") not in (None, settings):
        verdict.notes.append("the project settings have changed since (points unaffected)")
    if data.get("templates_digest") not in (None, templates):
        verdict.notes.append("the templates have changed since (layout only; points unaffected)")
    return verdict
