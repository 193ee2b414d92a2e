"""Status map: the countries data + one dimension → a ``<figure>`` with the coloured map and legend.

The Balkan states are coloured by their NATO status, EU status or recognition of Kosovo (the
audience's ``map_status``); the other states in the frame stay neutral grey, and the note gives
their status in words. The legend lists the Balkan states in each category, so the figure reads
without colour too, and the note says that boundaries are shown de facto.
"""

from __future__ import annotations

from html import escape

from ..model import CountryData
from .legend import DIMENSIONS, format_date, status_key, status_text, swatch
from .map import load_boundaries, render_map_svg

MAP_WIDTH = 640  # intrinsic size in CSS px; the stylesheet scales it to the column


def render_map_figure(data: CountryData, dimension: str = "nato") -> str:
    """Draw the map coloured by one dimension, with its legend and caption, as a ``<figure>``."""
    dim = DIMENSIONS[dimension]
    on_map = set(load_boundaries()["countries"])
    mapped = [c for c in data.countries if c.code in on_map]
    balkans = sorted((c for c in mapped if c.group == "balkans"), key=lambda c: c.name)
    fills = {c.code: dim.category(status_key(c, dimension)).colour for c in balkans}
    highlight = {c.code for c in balkans if status_key(c, dimension) in dim.highlight}
    title = f"{dim.map_title} in the Balkans, {format_date(data.as_of)}"
    svg = render_map_svg(
        fills,
        highlight=highlight,
        labels={c.code: c.name for c in balkans},
        width=MAP_WIDTH,
        title=title,
    )
    description = " ".join(f"{c.name}: {status_text(c, dimension)}." for c in balkans)
    svg = svg.replace("</title>", f"</title>\n<desc>{escape(description)}</desc>", 1)

    items = []
    for category in dim.categories:
        members = [c.name for c in balkans if status_key(c, dimension) == category.key]
        if not members:
            continue
        items.append(
            f'<li>{swatch(category.colour)}<span class="fig-legend-label">{escape(category.label)}'
            f"</span> {escape(', '.join(members))}</li>"
        )
    others = sorted(
        (c for c in mapped if c.group != "balkans"), key=lambda c: (c.group != "outside", c.name)
    )
    context = ", ".join(
        f"{c.name} ({_lower_first(dim.category(status_key(c, dimension)).label)})" for c in others
    )
    return (
        f'<figure class="figure figure-map" id="figure-map">\n'
        f'<figcaption><span class="figure-title">{escape(title)}</span></figcaption>\n'
        f'<div class="fig-graphic">{svg}</div>\n'
        f'<ul class="fig-legend" aria-label="Legend">\n' + "\n".join(items) + "\n</ul>\n"
        f'<p class="fig-note">Other states in the frame are left grey; their status: {escape(context)}. '
        "Boundaries are shown as they are de facto; showing Kosovo as a separate unit implies no "
        "position on its status, and the names are those in common use in 2016. Boundary data: "
        "Natural Earth (public domain).</p>\n"
        "</figure>\n"
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
