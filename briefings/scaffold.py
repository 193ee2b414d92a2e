"""Scaffolding: an empty folder → a new briefing project that builds at once.

Writes the settings, one example topic (a point of each kind, commented), one seed record, a
copy of the shipped templates (the base layout, stylesheet, fonts and audience profiles, which the
new project owns and may change; the profiles' topic lists and figures, which belong to the
shipped book, are reset), the topic file's JSON Schema for editors, and a ``.gitignore``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .errors import BriefingError
from .output import write_atomic
from .schema import json_schema

SCHEMA_FILE = "topic.schema.json"

_SETTINGS = """\
# Project settings. Command-line options override them; `briefing build --explain` shows the
# settings in effect.
title: {title}
organisation: Analysis unit
information_date: {today}     # information cut-off: the date the briefing is true as of
staleness_days: 365           # `briefing check` warns about points older than this
# audiences: [principal, staff]   # what a bare `briefing build` builds (default: all)
# content: content   seeds: seeds   templates: templates   output: output   (folders)
"""

_TOPIC = """\
# yaml-language-server: $schema=../{schema}
# A topic module: one file per topic; the file name is the topic's id. Each point is one thing a
# reader should take away. `briefing check` validates this file; `briefing schema` prints the
# JSON Schema your editor uses (see the modeline above) to complete and check it as you type.
title: Example topic
summary:                        # the topic's bottom line; the memo puts it first
  text: One sentence that is the bottom line of the whole topic.
  marking: public               # every printed text carries a marking, summaries too
order: 10
countries: []
points:
  - id: first-fact
    kind: fact
    headline: A fact point states one thing the reader should take away, in one sentence.
    body: |
      The body is optional Markdown: the detail and the evidence. Leave an empty line before a
      list, or Markdown runs it into the paragraph:

      - a list item;
      - another one.
    priority: 1                 # 1 must brief, 2 should, 3 background
    marking: public             # public < internal < restricted
    sources:
      - seed: example-source
        paragraphs: [1]
    as_of: {today}

  - id: first-judgment
    kind: assessment
    headline: An assessment is a judgment that is likely to hold, stated with one likelihood term.
    body: |
      State the judgment in the headline with one likelihood term from one ICD 203 scale.
      Say how sure you are in the confidence field, never in the same sentence.
    priority: 1
    marking: internal
    confidence: medium          # required for assessments: low | medium | high
    attribution: The source argues   # when a point reports an opinion or a claim
    sources:
      - seed: example-source
        paragraphs: [2]
    as_of: {today}

  - id: first-recommendation
    kind: recommendation
    headline: Recommend one action the reader can take, in one sentence.
    priority: 1
    marking: public
    sources:
      - seed: example-source
        paragraphs: [3]
    as_of: {today}
    related: [example.first-fact]

  - id: opening-line
    kind: talking-point
    use: raise                  # talking points: raise | if-asked | avoid
    headline: A talking point is a line a diplomat can say in the meeting.
    priority: 1
    marking: internal
    sources:
      - seed: example-source
        paragraphs: [3]
    as_of: {today}

  - id: what-to-watch
    kind: risk
    headline: "Indicator to watch: a change that would alter the judgment above."
    priority: 2
    marking: internal
    sources:
      - seed: example-source
        paragraphs: [2]
    as_of: {today}
"""

_SEED = """\
# A source record: one file per source document. Points cite it by its id (the file name) and
# paragraph numbers; `briefing sources` shows which paragraphs no point cites yet.
title: Example source document
kind: report
published: "{month}"
author: null
publisher: null
description: >
  What the document is and how to read it, in one paragraph of our own words.
marking: public                 # of this record's title, metadata and description
notes:                          # corrections to the source, each with its own marking
  - text: Where the source slips, say so here, and correct it in the points.
    marking: internal
paragraphs:
  - n: 1
    digest: The first paragraph's claim, digested in our own words.
  - n: 2
    digest: The second paragraph's argument, and whose argument it is.
  - n: 3
    digest: What the third paragraph proposes.
"""

_GITIGNORE = "/output/\n"


def shipped_templates() -> Path:
    """Return the folder of templates that ships with the package.

    A wheel carries them inside the package (pyproject.toml maps templates/ onto
    ``briefings._shipped``); a checkout or an editable install has no such folder and uses the
    repository's templates/, so an edit there is what init copies. Paths, not
    importlib.resources: the editable finder cannot import a data-only subpackage.
    """
    package = Path(__file__).resolve().parent
    installed = package / "_shipped"
    checkout = package.parent / "templates"
    if (installed / "base.html").is_file():
        return installed
    # pyproject.toml tells a repository from site-packages, where "templates" is anyone's name.
    if (checkout / "base.html").is_file() and (package.parent / "pyproject.toml").is_file():
        return checkout
    raise BriefingError(
        f"the shipped templates were not found in the package ({installed}) nor in a repository"
        f" checkout ({checkout}); reinstall it from its repository: pip install . (or -e .)"
    )


def init_project(
    target: str | Path, *, force: bool = False, today: dt.date | None = None
) -> list[Path]:
    """Create a new briefing project in target; return the files written."""
    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise BriefingError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise BriefingError(
            f"{folder}: the folder is not empty; choose a new folder, or pass --force to add "
            "the example files (overwriting files of the same name)"
        )
    templates = shipped_templates()
    day = today or dt.date.today()
    try:
        return _write(folder, templates, day)
    except OSError as exc:
        raise BriefingError(f"{exc.filename or folder}: cannot write: {exc.strerror}") from None


def _write(folder: Path, templates: Path, day: dt.date) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(relative: str, data: str | bytes) -> None:
        # Never through a link: --force in a folder someone else prepared must not write
        # outside it (a link at a name is replaced, a linked folder refused).
        path = _inside(folder, relative)
        write_atomic(path, data.encode("utf-8") if isinstance(data, str) else data)
        written.append(path)

    write("briefing.yaml", _SETTINGS.format(title=_title(folder), today=day.isoformat()))
    write("content/example.yaml", _TOPIC.format(schema=SCHEMA_FILE, today=day.isoformat()))
    write("seeds/example-source.yaml", _SEED.format(month=day.strftime("%Y-%m")))
    write(SCHEMA_FILE, json.dumps(json_schema("topic"), indent=2) + "\n")
    write(".gitignore", _GITIGNORE)
    for source in sorted(templates.rglob("*")):
        relative = source.relative_to(templates)
        if not source.is_file() or any(
            p.startswith(".") or p == "__pycache__" for p in relative.parts
        ):
            continue
        data = source.read_bytes()
        if source.name == "audience.yaml":
            data = _generic_profile(data.decode("utf-8")).encode("utf-8")
        write(f"templates/{relative.as_posix()}", data)
    return written


def _inside(folder: Path, relative: str) -> Path:
    """The path of a file to write under folder, its folders made; none of them may be a link."""
    path = folder
    for part in relative.split("/")[:-1]:
        path = path / part
        if path.is_symlink():
            raise BriefingError(f"{path}: is a link; refusing to write through it")
        path.mkdir(exist_ok=True)
    return folder / relative


def _title(folder: Path) -> str:
    """A settings title from the folder's name: printable text only, quoted for YAML."""
    name = folder.resolve().name.replace("-", " ").replace("_", " ").title()
    name = "".join(c for c in name if c.isprintable()).strip() or "Briefing book"
    return json.dumps(name[:200], ensure_ascii=False)


def _generic_profile(profile: str) -> str:
    """Reset what in an audience profile belongs to the shipped book: its topics and figures."""
    resets = {
        "topics": "topics: []  # topic ids in reading order; empty means every topic\n",
        "figures": "figures: []  # map, timeline, matrix: draw from content/data/countries.yaml\n",
    }
    out: list[str] = []
    skipping = False
    for line in profile.splitlines(keepends=True):
        key = re.match(r"(topics|figures)\s*:", line)
        if key:
            out.append(resets[key.group(1)])
            skipping = True
            continue
        if skipping and (line[:1] in (" ", "\t", "-") or not line.strip()):
            continue  # the rest of a block list
        skipping = False
        out.append(line)
    return "".join(out)
