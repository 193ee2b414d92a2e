"""Loading: project files on disk → one validated, frozen ``Project`` (or every problem at once).

Reads ``briefing.yaml`` (settings), ``seeds/*.yaml``, ``content/*.yaml`` (topics),
``templates/<audience>/audience.yaml`` (audience profiles), ``content/front/*.yaml`` (what an
analyst writes for one audience's document besides its points) and, when there is one,
``content/data/countries.yaml`` (the figures' data, ``countries``). Each file is parsed and
validated (``reading``); whatever of each file validated, down to single points, is then checked
across files (``references``); all problems are reported together as
``file:line:col: field: message``. ``load_project_with_positions`` also returns every parsed
file, so what comes later (lint) places its messages without reading the files again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from . import references
from .config import SETTINGS_FILE
from .countries import COUNTRY_DATA_FILE, load_country_data
from .errors import ContentError
from .model import Audience, Front, Point, Portion, Project, Seed, Settings, Topic
from .reading import Collector, SourceFile, read_files
from .references import Known, TopicParts
from .strictyaml import Parsed
from .validation import salvage, salvage_one

AUDIENCE_FILE = "audience.yaml"
FRONT_FOLDER = "front"  # content/front/<audience>.yaml: a document's heading and bottom line
MAX_FILES = 2000

Positions = Mapping[str, Parsed]
"""Each parsed file by its path relative to the project root (as in ``Topic.file``)."""


def _yaml_files(folder: Path, collector: Collector) -> list[Path]:
    if not folder.is_dir():
        collector.add(folder, 0, 0, "", "folder not found")
        return []
    files = sorted(p for p in folder.glob("*.yaml") if collector.regular(p))
    if len(files) > MAX_FILES:
        collector.add(folder, 0, 0, "", f"{len(files)} files; the limit is {MAX_FILES}")
        return []
    for stray in sorted(folder.glob("*.yml")):
        collector.add(stray, 0, 0, "", "use the .yaml extension; this file is ignored")
    return files


def _audience_files(folder: Path, collector: Collector) -> list[Path]:
    if not folder.is_dir():
        collector.add(folder, 0, 0, "", "folder not found")
        return []
    return sorted(p for p in folder.glob(f"*/{AUDIENCE_FILE}") if collector.regular(p))


def load_settings(root: Path, collector: Collector | None = None) -> Settings:
    """Read ``briefing.yaml`` at the project root, or return the defaults."""
    own = collector or Collector(root)
    path = root / SETTINGS_FILE
    settings = Settings()
    if path.exists() or path.is_symlink():  # a broken link or a pipe is reported, not skipped
        parsed = own.parse(path)
        if parsed is not None and parsed.data is not None:
            settings = own.validate(Settings, path, parsed, {}).obj or settings
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
    project, _ = load_project_with_positions(
        root, content=content, seeds=seeds, templates=templates
    )
    return project


def load_project_with_positions(
    root: str | os.PathLike[str] = ".",
    *,
    content: str | os.PathLike[str] | None = None,
    seeds: str | os.PathLike[str] | None = None,
    templates: str | os.PathLike[str] | None = None,
) -> tuple[Project, Positions]:
    """Like ``load_project``, and return each parsed file too, to place later messages."""
    root_path = Path(root).resolve()
    given = [root_path / folder for folder in (content, seeds, templates) if folder]
    collector = Collector(root_path, given)  # the caller's folders may lie outside the project
    settings = load_settings(root_path, collector)
    content_dir = root_path / (content or settings.content)
    seed_dir = root_path / (seeds or settings.seeds)
    seed_files = read_files(Seed, _yaml_files(seed_dir, collector), collector)
    topic_files = read_files(Topic, _yaml_files(content_dir, collector), collector)
    templates_dir = root_path / (templates or settings.templates)
    audience_files = read_files(Audience, _audience_files(templates_dir, collector), collector)
    front_dir = content_dir / FRONT_FOLDER
    front_files = (
        read_files(Front, _yaml_files(front_dir, collector), collector)
        if (front_dir.is_dir() or front_dir.is_symlink())
        else []
    )
    topics = [_topic_parts(file) for file in topic_files]
    known = _known(seed_files, topic_files, audience_files, topics)
    _cross_check(collector, known, topics, audience_files, seed_files, settings)
    points = {point.ref: point for part in topics for _, point in part.points}
    for front in front_files:
        if front.obj is not None:
            collector.add_all(references.check_front(front.path, front.obj, known, points))
    country_file = content_dir.joinpath(*COUNTRY_DATA_FILE)
    if country_file.is_symlink() or country_file.exists():
        collector.regular(country_file)  # load_country_data reads regular files only, silently
    project = Project(
        settings=settings,
        topics=_whole_topics(topic_files, topics),
        seeds=tuple(f.obj for f in seed_files if f.obj is not None),
        audiences=tuple(f.obj for f in audience_files if f.obj is not None),
        fronts=tuple(f.obj for f in front_files if f.obj is not None),
        root=str(root_path),
        country_data=load_country_data(content_dir, known, collector),
    )
    if collector.problems:
        count = len(collector.problems)
        raise ContentError(
            f"{count} problem{'s' if count != 1 else ''} in the project files",
            tuple(sorted(set(collector.problems))),
        )
    return project, collector.positions()


def _topic_parts(file: SourceFile[Topic]) -> TopicParts:
    """What validated of a topic file, each point stamped with its topic (``topic.point``)."""
    topic = file.obj
    summary: Portion | None
    if topic is not None:
        points, summary = list(enumerate(topic.points)), topic.summary
    else:
        points = salvage(Point, file.data("points"), file.bad(), ("points",))
        summary = salvage_one(Portion, file.data("summary"), file.bad(), ("summary",))
    stamped = [(i, point.model_copy(update={"topic": file.ident})) for i, point in points]
    return TopicParts(file.ident, file.path, stamped, summary)


def _whole_topics(files: list[SourceFile[Topic]], parts: list[TopicParts]) -> tuple[Topic, ...]:
    """The topics that validated as a whole, with their stamped points, in reading order."""
    topics = [
        file.obj.model_copy(update={"points": tuple(point for _, point in part.points)})
        for file, part in zip(files, parts, strict=True)
        if file.obj is not None
    ]
    return tuple(sorted(topics, key=lambda t: (t.order, t.id)))


def _known(
    seed_files: list[SourceFile[Seed]],
    topic_files: list[SourceFile[Topic]],
    audience_files: list[SourceFile[Audience]],
    topics: list[TopicParts],
) -> Known:
    """Every name the files define, and the topics and points that could not be read."""
    known = Known(
        seeds={file.ident: file.obj for file in seed_files},
        topics={file.ident for file in topic_files},
        audiences={file.ident for file in audience_files},
        refs={point.ref for part in topics for _, point in part.points},
    )
    for file, part in zip(topic_files, topics, strict=True):
        if file.obj is None:
            known.unsure.update(_unsure_refs(file, part))
    return known


def _unsure_refs(file: SourceFile[Topic], part: TopicParts) -> set[str]:
    """The refs of a topic's points that did not validate (the topic's id if one has no id)."""
    raw = file.data("points")
    if not isinstance(raw, list):
        return {file.ident}
    good = {i for i, _ in part.points}
    unsure: set[str] = set()
    for i, point in enumerate(raw):
        ident = point.get("id") if isinstance(point, dict) else None
        if i in good:
            continue
        if not isinstance(ident, str):
            return {file.ident}
        unsure.add(f"{file.ident}.{ident}")
    return unsure


def _cross_check(
    collector: Collector,
    known: Known,
    topics: list[TopicParts],
    audience_files: list[SourceFile[Audience]],
    seed_files: list[SourceFile[Seed]],
    settings: Settings,
) -> None:
    """Check what one file cannot know alone, for whatever of each file validated."""
    collector.add_all(references.check_topics(topics, known))
    for file in audience_files:
        collector.add_all(references.check_audience_topics(file.path, file.names("topics"), known))
    for seed in seed_files:
        if seed.obj is not None:
            collector.add_all(references.check_seed(seed.path, seed.obj))
    settings_path = collector.root / SETTINGS_FILE
    collector.add_all(references.check_settings_audiences(settings_path, settings.audiences, known))
