"""briefings: assemble briefing documents for chosen audiences from structured topic modules.

The library behind the ``briefing`` command: ``build()`` does what ``briefing build`` does;
``load_project()`` reads and validates a project; ``assemble_briefing()`` selects what one
audience gets. Importing this package does not import WeasyPrint.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .assembly import assemble_briefing
from .build import BuildResult, build
from .errors import BriefingError, ContentError, Problem, SelectionError
from .loading import load_project

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
