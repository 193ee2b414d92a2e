"""Alignment matrix: the countries data → a ``MatrixFigure``, the rows and cells of states × statuses.

Rows are the Balkan states (by name) and then the outside actors (in file order); columns are
NATO, the EU, recognition of Kosovo and the leaning the article gives each state. A cell carries
the status's fill (the same as on the map), its words, the article paragraphs it rests on
(para. n) where it rests on them, and the note behind a public-record entry. The table itself is
written by ``templates/partials/figure-matrix.html``.
"""

from __future__ import annotations

from ..model import CountryData, CountryRecord, highest_marking
from .figure import LegendEntry, MatrixCell, MatrixColumn, MatrixFigure, MatrixGroup, MatrixRow
from .legend import DIMENSIONS, cite, status_key, status_of, status_text

COLUMNS = ("nato", "eu", "kosovo", "leaning")
GROUPS = ("balkans", "outside")


def _cell(country: CountryRecord, dimension: str) -> MatrixCell:
    key = status_key(country, dimension)
    entry = status_of(country, dimension)
    return MatrixCell(
        column=dimension,
        status=key,
        colour=DIMENSIONS[dimension].category(key).background,
        text=status_text(country, dimension),
        cite=cite(entry.source) if entry is not None else "",
        note=entry.note if entry is not None else None,
    )


def render_matrix_figure(data: CountryData) -> MatrixFigure:
    """Gather the alignment table: a row per state in its group, a cell per status column."""
    groups = []
    for group in GROUPS:
        members = [c for c in data.countries if c.group == group]
        if group == "balkans":
            members.sort(key=lambda c: c.name)
        if members:
            rows = tuple(
                MatrixRow(
                    c.code,
                    c.name,
                    c.marking or data.marking,
                    tuple(_cell(c, d) for d in COLUMNS),
                )
                for c in members
            )
            groups.append(MatrixGroup(group, rows))

    shown = [c for c in data.countries if c.group in GROUPS]
    columns = []
    for dimension in COLUMNS:
        dim = DIMENSIONS[dimension]
        used = {status_key(c, dimension) for c in shown}
        legend = tuple(
            LegendEntry(c.key, c.label, c.background) for c in dim.categories if c.key in used
        )
        columns.append(MatrixColumn(dimension, dim.heading, dim.short, legend))

    return MatrixFigure(
        name="matrix",
        marking=highest_marking(
            [data.marking, *(c.marking or data.marking for c in data.countries)]
        ),
        as_of=data.as_of,
        svg=None,
        columns=tuple(columns),
        groups=tuple(groups),
    )
