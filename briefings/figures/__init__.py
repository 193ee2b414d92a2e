"""Figures: the project's countries data → the map, timeline and matrix an audience asks for.

``render_figures`` returns, for each name in the audience's ``figures``, one complete
``<figure>`` element (inline SVG or an HTML table, with its title in a ``<figcaption>``, a legend
and a note), deterministic, with no scripts and no external references. Templates place them
(``templates/partials/figures.html``). The data is ``content/data/countries.yaml``, loaded and
checked with the rest of the project.
"""

from __future__ import annotations

from ..errors import ContentError
from ..model import Briefing, highest_marking, portion_mark


def render_figures(briefing: Briefing) -> dict[str, str]:
    """Render the figures the briefing's audience asks for, by name, in its order.

    They are drawn from ``briefing.country_data``: only the rows assembly let this audience see.
    Each caption starts with the figure's portion mark where the audience shows portion marks.
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

    marks = audience.show.portion_marks
    countries = highest_marking(
        [data.marking, *(c.marking or data.marking for c in data.countries)]
    )
    events = highest_marking([data.marking, *(e.marking or data.marking for e in data.events)])
    figures: dict[str, str] = {}
    for name in wanted:
        if name == "map":
            html, marking = render_map_figure(data, audience.map_status), countries
        elif name == "timeline":
            html, marking = render_timeline_figure(data), events
        else:
            html, marking = render_matrix_figure(data, portion_marks=marks), countries
        figures[name] = _mark_caption(html, marking) if marks else html
    return figures


def _mark_caption(html: str, marking: str) -> str:
    """Put the figure's portion mark at the head of its caption."""
    mark = f'<span class="portion" title="{marking}">({portion_mark(marking)})</span> '
    return html.replace("<figcaption>", "<figcaption>" + mark, 1)
