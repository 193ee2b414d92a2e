"""Status map: the countries data + one dimension → a ``MapFigure`` (the coloured map and its data).

The Balkan states are coloured by their NATO status, EU status or recognition of Kosovo (the
audience's ``map_status``); the other states in the frame stay neutral grey. The outside actors
that lie beyond the frame, where the boundary data has them, are shown in a locator inset. The
figure carries the drawing and, for ``templates/partials/figure-map.html`` to write, the legend
(each category with the Balkan states in it, so the figure reads without colour too), the grey
states with their status, and the located states, for the note.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from markupsafe import Markup

from ..dates import format_date
from ..model import CountryData, highest_marking
from .figure import FrameState, LegendEntry, LocatedState, MapFigure
from .legend import DIMENSIONS, status_key, status_text
from .locator import direction, load_locator
from .map import load_boundaries, render_map_svg

MAP_WIDTH = 640  # intrinsic size in CSS px; the stylesheet scales it to the column


def render_map_figure(
    data: CountryData, dimension: str = "nato", *, fonts: Path | None = None
) -> MapFigure:
    """Draw the map coloured by one dimension; gather its legend and the grey states' status."""
    dim = DIMENSIONS[dimension]
    on_map = set(load_boundaries()["countries"])
    mapped = [c for c in data.countries if c.code in on_map]
    balkans = sorted((c for c in mapped if c.group == "balkans"), key=lambda c: c.name)
    categories = {c.code: dim.category(status_key(c, dimension)) for c in balkans}
    fills = {code: category.colour for code, category in categories.items()}
    hatched = {code for code, category in categories.items() if category.pattern == "hatch"}
    highlight = {c.code for c in balkans if status_key(c, dimension) in dim.highlight}
    off_map = set(load_locator()["states"]) - on_map
    located = tuple(
        LocatedState(c.code, c.name, direction(c.code))
        for c in data.countries
        if c.group == "outside" and c.code in off_map
    )
    title = f"{dim.map_title} in the Balkans, {format_date(data.as_of)}"
    svg = render_map_svg(
        fills,
        highlight=highlight,
        hatched=hatched,
        labels={c.code: c.name for c in balkans},
        locate={s.code: s.name for s in located},
        width=MAP_WIDTH,
        title=title,
        fonts=fonts,
    )
    description = " ".join(f"{c.name}: {status_text(c, dimension)}." for c in balkans)
    description += "".join(
        f" An inset shows where {s.name} lies, {s.direction} of the area mapped." for s in located
    )
    svg = svg.replace("</title>", f"</title>\n<desc>{escape(description)}</desc>", 1)

    legend = []
    for category in dim.categories:
        members = tuple(c.name for c in balkans if status_key(c, dimension) == category.key)
        if members:
            legend.append(LegendEntry(category.key, category.label, category.background, members))
    others = sorted(
        (c for c in mapped if c.group != "balkans"), key=lambda c: (c.group != "outside", c.name)
    )
    frame = tuple(
        FrameState(
            c.code,
            c.name,
            c.group,
            status_key(c, dimension),
            dim.category(status_key(c, dimension)).label,
        )
        for c in others
    )
    return MapFigure(
        name="map",
        marking=highest_marking(
            [data.marking, *(c.marking or data.marking for c in data.countries)]
        ),
        as_of=data.as_of,
        svg=Markup(svg),  # drawn here; every text in it is escaped
        dimension=dimension,
        subject=dim.map_title,
        legend=tuple(legend),
        frame_states=frame,
        located=located,
    )
