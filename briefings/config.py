"""Configuration: a starting folder + briefing.yaml + command-line options → one resolved ``Config``.

Settings are resolved here and nowhere else (as MkDocs' ``load_config(**cli_options)``): the
project is the nearest folder at or above the starting one that holds ``briefing.yaml``;
command-line options win over the file, the file over the defaults, and every value keeps its
origin for ``build --explain``. Build, check, list, sources, preview and completion all start
from a ``Config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ContentError, Problem
from .model import Project, Settings

if TYPE_CHECKING:
    from .loading import Positions

SETTINGS_FILE = "briefing.yaml"
FOLDERS = ("content", "seeds", "templates", "user_templates", "output")
OVERRIDABLE = (*FOLDERS, "audiences")
StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class Config:
    """The resolved settings of one project, with where each value came from."""

    root: Path
    settings: Settings
    origins: Mapping[str, str] = field(default_factory=dict)  # "command-line", file, "default"

    def folder(self, name: str) -> Path:
        """A project folder (content, seeds, templates, output) as an absolute path."""
        return (self.root / getattr(self.settings, name)).resolve()

    @property
    def content(self) -> Path:
        """The topic folder."""
        return self.folder("content")

    @property
    def seeds(self) -> Path:
        """The seed folder."""
        return self.folder("seeds")

    @property
    def templates(self) -> Path:
        """The project's template folder (shared layout and one folder per audience)."""
        return self.folder("templates")

    @property
    def user_templates(self) -> Path | None:
        """The user's own template folder, searched first, if one is set."""
        return self.folder("user_templates") if self.settings.user_templates else None

    @property
    def output(self) -> Path:
        """Where builds write."""
        return self.folder("output")

    def project(self) -> Project:
        """Load and validate the project these settings describe."""
        return self.project_and_positions()[0]

    def project_and_positions(self) -> tuple[Project, Positions]:
        """Load the project, and where each value stands in its file (for ``lint``)."""
        from .loading import load_project_with_positions

        return load_project_with_positions(
            self.root, content=self.content, seeds=self.seeds, templates=self.templates
        )

    @property
    def settings_file(self) -> Path:
        """The project's ``briefing.yaml`` (which may not exist)."""
        return self.root / SETTINGS_FILE


def find_root(start: StrPath | None = None) -> Path:
    """The nearest folder at or above ``start`` holding briefing.yaml; ``start`` if none does."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return here


def load_config(start: StrPath | None = None, **options: Any) -> Config:
    """Resolve a project's settings: command-line ``options`` over briefing.yaml over defaults.

    ``options`` take setting names (``output``, ``content``, ``seeds``, ``templates``,
    ``user_templates``, ``audiences``); ``None`` or empty means not given. Raises
    ``ContentError`` when briefing.yaml does not validate.
    """
    from .loading import load_settings

    unknown = sorted(set(options) - set(OVERRIDABLE))
    if unknown:
        raise TypeError(f"load_config() got unknown options: {', '.join(unknown)}")
    root = find_root(start)
    settings = load_settings(root)
    origins = {name: "briefing.yaml" for name in settings.model_fields_set}
    given = {k: v for k, v in options.items() if v not in (None, (), [], "")}
    update: dict[str, Any] = {}
    for name, value in given.items():
        if name == "audiences":
            update[name] = _names(value)
        else:  # a folder given on the command line is taken from the current folder
            update[name] = str(Path(value).resolve())
        origins[name] = "command-line"
    config = Config(root, settings.model_copy(update=update), origins)
    _confine(config)
    return config


def _confine(config: Config) -> None:
    """A folder named by the project's own files (or by default) must lie inside the project.

    The command line is the user's intent and may name any folder; briefing.yaml may have come
    from someone else, so it cannot send a build to read or write elsewhere (links resolved).
    """
    problems = []
    for name in FOLDERS:
        value = getattr(config.settings, name)
        if value is None or config.origins.get(name) == "command-line":
            continue
        if not config.folder(name).is_relative_to(config.root):
            line, column = _where(config.settings_file, name)
            shown = value if config.origins.get(name) else f"{value} (the default)"
            problems.append(
                Problem(
                    SETTINGS_FILE,
                    line,
                    column,
                    name,
                    f"'{shown}' resolves outside the project; the project's files may only "
                    "name folders inside it (give another folder on the command line instead)",
                )
            )
    if problems:
        raise ContentError("the project settings point outside the project", tuple(problems))


def _where(path: Path, name: str) -> tuple[int, int]:
    """Line and column of a top-level setting in briefing.yaml, or (0, 0)."""
    from .strictyaml import parse_yaml

    try:
        return parse_yaml(path.read_bytes()).where((name,))
    except (OSError, KeyError, ValueError):
        return 0, 0


def _names(value: StrPath | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    parts = [str(value)] if isinstance(value, str | os.PathLike) else list(value)
    return tuple(dict.fromkeys(n.strip() for p in parts for n in p.split(",") if n.strip()))
