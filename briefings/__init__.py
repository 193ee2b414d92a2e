"""briefings: assemble briefing documents for chosen audiences from structured topic modules.

The library behind the ``briefing`` command: ``build()`` does what ``briefing build`` does;
``load_project()`` reads and validates a project; ``assemble_briefing()`` selects what one
audience gets. Names are imported on first use, so ``import briefings`` (and ``briefing --help``)
stays light: no pydantic, Jinja or WeasyPrint until a command needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "assemble_briefing": "assembly",
    "build": "builder",
    "BuildResult": "builder",
    "BriefingError": "errors",
    "ContentError": "errors",
    "Problem": "errors",
    "SelectionError": "errors",
    "load_project": "loading",
}

__all__ = [
    "BriefingError",
    "BuildResult",
    "ContentError",
    "Problem",
    "SelectionError",
    "__version__",
    "assemble_briefing",
    "build",
    "load_project",
]

if TYPE_CHECKING:
    from .assembly import assemble_briefing
    from .builder import BuildResult, build
    from .errors import BriefingError, ContentError, Problem, SelectionError
    from .loading import load_project


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'briefings' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
