"""Alignment matrix: the countries data → a ``<figure>`` with a table of states × statuses.

Rows are the Balkan states (by name) and then the outside actors (in file order); columns are
NATO, the EU, recognition of Kosovo and the leaning the article gives each state. A cell shows
the status's colour (the same as on the map), its words, and the article paragraph it rests on
(¶n) where it rests on one; the note behind a public-record entry is the cell's tooltip on screen.
"""

from __future__ import annotations

from html import escape

from ..model import CountryData, CountryRecord, portion_mark
from .legend import DIMENSIONS, cite, format_date, status_key, status_of, status_text, swatch

COLUMNS = ("nato", "eu", "kosovo", "leaning")
GROUPS = (("balkans", "Balkan states"), ("outside", "Outside actors"))
LEGEND_LABELS = {"eu": "EU", "kosovo": "Kosovo", "leaning": "Leaning"}


def _cell(country: CountryRecord, dimension: str) -> str:
    key = status_key(country, dimension)
    category = DIMENSIONS[dimension].category(key)
    entry = status_of(country, dimension)
    mark = cite(entry.source) if entry is not None else ""
    note = f" title={_attr(entry.note)}" if entry is not None and entry.note else ""
    cited = f' <span class="fig-cite">{escape(mark)}</span>' if mark else ""
    return (
        f'<td class="fig-{dimension}" data-status="{key}"{note}>{swatch(category.colour)}'
        f'<span class="fig-cell">{escape(status_text(country, dimension))}{cited}</span></td>'
    )


def _attr(text: str) -> str:
    return '"' + escape(text, quote=True) + '"'


def render_matrix_figure(data: CountryData, *, portion_marks: bool = False) -> str:
    """The alignment table with its title, legend and note, as a ``<figure>``."""
    title = f"Alignment of the Balkan states and outside actors, {format_date(data.as_of)}"
    head = "".join(
        f'<th scope="col" class="fig-{d}">{escape(DIMENSIONS[d].heading)}</th>' for d in COLUMNS
    )
    bodies = []
    for group, heading in GROUPS:
        members = [c for c in data.countries if c.group == group]
        if group == "balkans":
            members.sort(key=lambda c: c.name)
        if not members:
            continue
        rows = [
            f'<tr class="fig-group"><th colspan="{len(COLUMNS) + 1}" scope="colgroup">'
            f"{escape(heading)}</th></tr>"
        ]
        for country in members:
            cells = "".join(_cell(country, d) for d in COLUMNS)
            marking = country.marking or data.marking
            mark = (
                f'<span class="portion" title="{marking}">({portion_mark(marking)})</span> '
                if portion_marks
                else ""
            )
            rows.append(
                f'<tr data-code="{country.code}" data-marking="{marking}"><th scope="row">'
                f"{mark}{escape(country.name)}</th>{cells}</tr>"
            )
        bodies.append("<tbody>\n" + "\n".join(rows) + "\n</tbody>")

    shown = [c for c in data.countries if c.group in dict(GROUPS)]
    legend = []
    for dimension in COLUMNS:
        dim = DIMENSIONS[dimension]
        used = {status_key(c, dimension) for c in shown}
        entries = " ".join(
            f'<span class="fig-key">{swatch(c.colour)}{escape(c.label)}</span>'
            for c in dim.categories
            if c.key in used
        )
        name = LEGEND_LABELS.get(dimension, dim.heading)
        legend.append(f'<li><span class="fig-legend-label">{escape(name)}</span> {entries}</li>')

    return (
        '<figure class="figure figure-matrix" id="figure-matrix">\n'
        f'<figcaption><span class="figure-title">{escape(title)}</span></figcaption>\n'
        '<table class="fig-matrix">\n'
        f'<thead><tr><th scope="col" class="fig-state">State</th>{head}</tr></thead>\n'
        + "\n".join(bodies)
        + "\n</table>\n"
        '<ul class="fig-legend fig-legend-keys" aria-label="Legend">\n'
        + "\n".join(legend)
        + "\n</ul>\n"
        '<p class="fig-note">¶n: the paragraph of the source article that an entry rests on; '
        "entries without one come from the public record. Leaning is the article's description, "
        "not an assessment of ours; “not described” means the article does not discuss the state."
        "</p>\n</figure>\n"
    )
