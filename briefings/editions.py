"""Editions: what the book held when it was published, and what has changed since, per audience.

``briefing publish NAME`` records a snapshot of the project in ``editions/NAME.json``: for every
point its marking, the audiences it reached and a digest of what is printed of it, plus the
information date. Two snapshots (an edition and the project now, or two editions) are compared
for one audience at a time: points new to it, points changed (headline, text or marking; not
whitespace), points withdrawn from it. An audience is told only about points it may see now or
saw then, and never about a point that left it because its marking rose above the ceiling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from . import __version__
from .assembly import assemble_briefing, banner_of, select_topics, within
from .errors import BriefingError, OutputError, printable, relative
from .model import Audience, Briefing, Changes, Marking, Point, PointRef, Project, Slug

if TYPE_CHECKING:
    from .config import Config

FOLDER = "editions"
FORMAT: Literal["briefings-edition/1"] = "briefings-edition/1"
MAX_BYTES = 8 * 1024 * 1024  # an edition of 5,000 points is about 1.5 MB
_STRING_LIST = re.compile(r'\[((?:\s+"[a-z0-9-]*",?)+)\s+\]')  # a list of slugs, one per line
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EditionPoint(_Record):
    """One point as an edition recorded it."""

    headline: Annotated[str, StringConstraints(max_length=2000)]
    marking: Marking
    audiences: tuple[Slug, ...] = ()
    text: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] = Field(
        description="Digest of everything printed of the point but its headline."
    )

    @classmethod
    def of(cls, point: Point, audiences: tuple[str, ...] = ()) -> EditionPoint:
        """A point as recorded: its headline (whitespace collapsed), marking and digest."""
        return cls(
            headline=normalise(point.headline),
            marking=point.marking,
            audiences=audiences,
            text=text_digest(point),
        )


class Edition(_Record):
    """A snapshot of the book: every point by its address (``topic.point``)."""

    format: Literal["briefings-edition/1"] = FORMAT
    name: Annotated[str, StringConstraints(pattern=_NAME.pattern)]
    information_date: Annotated[str, StringConstraints(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
    generator: Annotated[str, StringConstraints(max_length=100)] = f"briefings {__version__}"
    points: dict[PointRef, EditionPoint]

    def digest(self) -> str:
        """One digest of the points (names, dates and generator left out): two editions with
        the same points have the same digest."""
        body = {ref: p.model_dump() for ref, p in sorted(self.points.items())}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def normalise(text: str | None) -> str:
    """Text as compared: runs of whitespace are one space."""
    return " ".join((text or "").split())


def text_digest(point: Point) -> str:
    """Digest of what is printed of a point besides its headline and marking."""
    printed = {
        "kind": point.kind,
        "body": normalise(point.body),
        "confidence": point.confidence,
        "attribution": normalise(point.attribution),
        "use": point.use,
        "sources": [[s.seed, list(s.paragraphs), s.locator] for s in point.sources],
    }
    return hashlib.sha256(json.dumps(printed, sort_keys=True).encode()).hexdigest()[:32]


def snapshot(project: Project, name: str = "now") -> Edition:
    """The project as an edition: every point, with the audiences it reaches (all its topics)."""
    reached: dict[str, list[str]] = {}
    dates = []
    for audience in project.audiences:
        briefing = assemble_briefing(project, audience.id)
        dates.append(briefing.information_date)
        for point in briefing.points():
            reached.setdefault(point.ref, []).append(audience.id)
    points = {p.ref: EditionPoint.of(p, tuple(reached.get(p.ref, ()))) for p in project.points()}
    date = project.settings.information_date or max(dates, default=None)
    return Edition(name=name, information_date=str(date or ""), points=points)


def compare(
    then: Edition, now: Edition, audience: Audience, topics: Collection[str] | None = None
) -> Changes:
    """What changed for one audience from ``then`` to ``now``, within the chosen topics.

    A point is new to the audience if it reaches it now and did not then; changed if it did
    both and its headline, text or marking differ; withdrawn if it reached it then and not now,
    unless it is still in the project above the audience's ceiling, or was marked then above
    the ceiling the audience has now: such a point is not mentioned.
    """

    def reaches(edition: Edition) -> list[str]:
        return [
            ref
            for ref, p in edition.points.items()
            if audience.id in p.audiences and (topics is None or ref.split(".")[0] in topics)
        ]

    seen, sees = reaches(then), reaches(now)
    new = tuple(ref for ref in sees if ref not in seen)
    changed = []
    for ref in sees:
        if ref not in seen:
            continue
        old, cur = then.points[ref], now.points[ref]
        what = [
            label
            for label, differs in (
                ("headline", old.headline != cur.headline),
                ("text", old.text != cur.text),
                (f"marking {old.marking} → {cur.marking}", old.marking != cur.marking),
            )
            if differs
        ]
        if what:
            changed.append((ref, tuple(what)))
    withdrawn = []
    for ref in seen:
        if ref in sees:
            continue
        still = now.points.get(ref)
        if still is not None and not within(still.marking, audience):
            continue  # rose above the ceiling: the audience is not told it exists
        old = then.points[ref]
        if not within(old.marking, audience):
            continue
        withdrawn.append((ref, old.headline, old.marking))
    return Changes(
        since=then.name,
        since_date=then.information_date,
        new=new,
        changed=tuple(changed),
        withdrawn=tuple(withdrawn),
    )


def with_changes(
    briefing: Briefing, project: Project, then: Edition, now: Edition, topics: Iterable[str]
) -> Briefing:
    """The briefing with its changes since ``then`` (and its banner counting what they print)."""
    chosen = select_topics(project, briefing.audience, tuple(topics))
    changes = compare(then, now, briefing.audience, set(chosen))
    updated = briefing.model_copy(update={"changes": changes})
    return updated.model_copy(update={"banner": banner_of(updated)})


# --- Edition files ----------------------------------------------------------------------------


def edition_path(root: Path, name: str) -> Path:
    """``editions/NAME.json`` in the project, for a valid edition name."""
    if not _NAME.match(name) or name.endswith(".json"):
        raise BriefingError(
            f"edition name {printable(name)[:80]!r}: use letters, digits, '.', '_' and '-' "
            "(up to 64, starting with a letter or digit), e.g. 2016-11-25 or week-48"
        )
    return root / FOLDER / f"{name}.json"


def locate(root: Path, given: str, *, from_settings: bool = False) -> Path:
    """The file of an edition named on the command line (a name, or a path to a .json file) or
    in briefing.yaml (a name only: the project's files name nothing outside it)."""
    if not from_settings and ("/" in given or given.endswith(".json")):
        return Path(given).resolve()
    path = edition_path(root, given)
    if not path.resolve().is_relative_to(root.resolve()):
        raise BriefingError(f"{FOLDER}/{given}.json: a link to a file outside the project; refused")
    return path


def read_edition(path: Path, root: Path | None = None) -> Edition:
    """Read and check an edition file; every fault is a message naming the file."""
    shown = relative(path, root)
    try:
        info = path.stat()
    except FileNotFoundError:
        known = sorted(p.stem for p in path.parent.glob("*.json")) if path.parent.is_dir() else []
        hint = f" Published editions: {', '.join(known)}." if known else " None is published yet."
        raise BriefingError(f"{shown}: no such edition.{hint}") from None
    except OSError as exc:
        raise BriefingError(f"{shown}: cannot read the edition: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BriefingError(f"{shown}: not a file")
    if info.st_size > MAX_BYTES:
        raise BriefingError(f"{shown}: {info.st_size:,} bytes; an edition is at most {MAX_BYTES:,}")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise BriefingError(f"{shown}: not an edition file (not JSON: {detail})") from None
    try:
        return Edition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise BriefingError(
            f"{shown}: not an edition file ({where}: {first['msg']}); "
            f"it should be written by `briefing publish`"
        ) from None


def publish(project: Project, root: Path, name: str | None = None) -> tuple[Path, Edition]:
    """Record the project as an edition; never over an existing one."""
    from .output import write_files

    current = snapshot(project)
    name = name or current.information_date or "edition"
    path = edition_path(root, name)
    folder = path.parent
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError(f"{FOLDER}/: not a folder of the project; refused")
    if path.exists() or path.is_symlink():
        raise OutputError(
            f"{relative(path, root)}: edition {name!r} is already published; editions are "
            "never overwritten (give another name: `briefing publish NAME`)"
        )
    edition = current.model_copy(update={"name": name})
    folder.mkdir(exist_ok=True)
    write_files({path: edition_bytes(edition)})
    return path, edition


def edition_bytes(edition: Edition) -> bytes:
    """An edition as written: its points in reading order, so a diff of two reads like the book,
    and each point's audiences on one line."""
    text = json.dumps(edition.model_dump(), indent=1, ensure_ascii=False)
    text = _STRING_LIST.sub(lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    return (text + "\n").encode()


def matching_edition(root: Path, current: Edition) -> str | None:
    """The name of the latest published edition with exactly the project's points, if any."""
    folder = root / FOLDER
    if not folder.is_dir() or folder.is_symlink():
        return None
    digest = current.digest()
    found = []
    for path in sorted(folder.glob("*.json")):
        if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
            continue  # a link out of the project is never read
        try:
            edition = read_edition(path, root)
        except BriefingError:
            continue
        if edition.digest() == digest:
            found.append((edition.information_date, path.stem))
    return max(found)[1] if found else None


def diff_report(config: Config, old: str, new: str | None = None) -> dict[str, Any]:
    """What changed for each audience from edition ``old`` to ``new`` (or the project now), as
    JSON-ready data: the same lists ``build --since`` prints in each document."""
    project = config.project()
    then = read_edition(locate(config.root, old), config.root)
    now = read_edition(locate(config.root, new), config.root) if new else snapshot(project)
    wanted = config.settings.audiences or tuple(a.id for a in project.audiences)
    audiences: dict[str, Any] = {}
    for audience_id in wanted:
        audience = project.audience(audience_id)
        changes = compare(then, now, audience)
        audiences[audience_id] = {
            "new": [{"id": r, "headline": now.points[r].headline} for r in changes.new],
            "changed": [
                {"id": r, "what": list(what), "headline": now.points[r].headline}
                for r, what in changes.changed
            ],
            "withdrawn": [{"id": r, "headline": h, "marking": m} for r, h, m in changes.withdrawn],
        }
    return {
        "from": {"name": then.name, "information_date": then.information_date},
        "to": {"name": now.name if new else "now", "information_date": now.information_date},
        "audiences": audiences,
    }


@dataclass(frozen=True)
class ChangeView:
    """A document's changes as its templates get them: only points it prints (a point its page
    budget cut is neither new nor changed in it), each new or changed one by its ``Point``."""

    since: str
    since_date: dt.date | str
    new: tuple[Point, ...]
    changed: tuple[tuple[Point, str], ...]  # the point, and what changed in words
    withdrawn: tuple[tuple[str, str, str], ...]  # ref, headline as printed then, its marking
    marks: dict[str, str]  # ref → "new" or "changed", for the marks in the body

    @property
    def empty(self) -> bool:
        """Nothing to report."""
        return not (self.new or self.changed or self.withdrawn)


def change_view(briefing: Briefing) -> ChangeView | None:
    """The briefing's changes for its templates, or None when it was not built ``--since``."""
    changes = briefing.changes
    if changes is None:
        return None
    printed = {p.ref: p for p in briefing.points()}
    new = tuple(printed[r] for r in changes.new if r in printed)
    changed = tuple((printed[r], _in_words(what)) for r, what in changes.changed if r in printed)
    try:
        since_date: dt.date | str = dt.date.fromisoformat(changes.since_date)
    except ValueError:
        since_date = changes.since_date
    marks = {p.ref: "new" for p in new} | {p.ref: "changed" for p, _ in changed}
    return ChangeView(changes.since, since_date, new, changed, changes.withdrawn, marks)


def _in_words(what: tuple[str, ...]) -> str:
    """("headline", "text", "marking public → internal") → "headline and text revised; marking
    public → internal"."""
    revised = [w for w in what if w in ("headline", "text")]
    parts = [" and ".join(revised) + " revised"] if revised else []
    parts += [w for w in what if w not in ("headline", "text")]
    return "; ".join(parts)
