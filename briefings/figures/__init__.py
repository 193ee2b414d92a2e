"""Figures: the project's countries data → the map, timeline and matrix an audience asks for.

``render_figures`` returns, for each name in the audience's ``figures``, one complete
``<figure>`` element (inline SVG or an HTML table, with its title in a ``<figcaption>``, a legend
and a note), deterministic, with no scripts and no external references. Templates place them
(``templates/partials/figures.html``). The data is ``content/data/countries.yaml``, loaded and
checked with the rest of the project.
"""

from __future__ import annotations

from ..errors import ContentError
from ..model import Briefing, Project


def render_figures(project: Project, briefing: Briefing) -> dict[str, str]:
    """Render the figures the briefing's audience asks for, by name, in its order."""
    wanted = briefing.audience.figures
    if not wanted:
        return {}
    data = project.country_data
    if data is None:
        raise ContentError(
            f"audience '{briefing.audience.id}' asks for figures ({', '.join(wanted)}), but there "
            "is no content/data/countries.yaml to draw them from; add it or set 'figures: []'"
        )
    from .matrix import render_matrix_figure
    from .statusmap import render_map_figure
    from .timeline import render_timeline_figure

    figures: dict[str, str] = {}
    for name in wanted:
        if name == "map":
            figures[name] = render_map_figure(data, briefing.audience.map_status)
        elif name == "timeline":
            figures[name] = render_timeline_figure(data)
        elif name == "matrix":
            figures[name] = render_matrix_figure(data)
    return figures
