"""Figures: the project's countries data → the map, timeline and matrix an audience asks for.

``render_figures`` returns, for each name in the audience's ``figures``, a frozen figure object
(``figure.py``): the drawing as inline SVG markup (deterministic, with no scripts and no external
references; None for the matrix, a table) and the plain data its caption, legend and note are
written from. The words around a figure live in templates (``templates/partials/figures.html``
and ``figure-<name>.html``), so a user can change them through the template search path. The
data is ``content/data/countries.yaml``, loaded and checked with the rest of the project.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ContentError
from ..model import Briefing
from .figure import (
    Figure,
    FrameState,
    LegendEntry,
    LocatedState,
    MapFigure,
    MatrixCell,
    MatrixColumn,
    MatrixFigure,
    MatrixGroup,
    MatrixRow,
    TimelineEvent,
    TimelineFigure,
)

__all__ = [
    "Figure",
    "FrameState",
    "LegendEntry",
    "LocatedState",
    "MapFigure",
    "MatrixCell",
    "MatrixColumn",
    "MatrixFigure",
    "MatrixGroup",
    "MatrixRow",
    "TimelineEvent",
    "TimelineFigure",
    "render_figures",
]


def render_figures(briefing: Briefing) -> dict[str, Figure]:
    """Render the figures the briefing's audience asks for, by name, in its order.

    They are drawn from ``briefing.country_data``: only the rows assembly let this audience see.
    Text in the drawings is measured with the sans in the project's ``templates/fonts`` (the
    shipped one where the project has none).
    """
    audience = briefing.audience
    wanted = audience.figures
    if not wanted:
        return {}
    data = briefing.country_data
    if data is None:
        raise ContentError(
            f"audience '{audience.id}' asks for figures ({', '.join(wanted)}), but there is no "
            "figures data it may see (content/data/countries.yaml is missing, or marked above "
            f"its {audience.ceiling} ceiling); add it or set 'figures: []'"
        )
    from .matrix import render_matrix_figure
    from .statusmap import render_map_figure
    from .timeline import render_timeline_figure

    # The audience's folder sits in the project's template folder, next to its fonts.
    fonts = Path(audience.folder).parent / "fonts" if audience.folder else None
    figures: dict[str, Figure] = {}
    for name in wanted:
        if name == "map":
            figures[name] = render_map_figure(data, audience.map_status, fonts=fonts)
        elif name == "timeline":
            figures[name] = render_timeline_figure(data, fonts=fonts)
        else:
            figures[name] = render_matrix_figure(data)
    return figures
