"""Figure objects: what the figure renderers hand templates, the drawing as markup and the facts.

Each figure is a frozen dataclass: its ``svg`` (already-safe ``Markup``, or None for the matrix,
which is a table) and the plain data a template needs to write its caption, legend and note
(``templates/partials/figure-*.html``). No wording of the page lives here; the words are the
data's own (state names, event labels, status texts) and the status vocabulary of ``legend.py``.
Templates read these in Jinja's sandbox, so they hold only plain attributes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Figure:
    """What every figure has: its name, the highest marking of its data, the data's date."""

    name: str  # map, timeline or matrix; the element id is figure-<name>
    marking: str  # the caption's portion mark: the highest marking of what the figure shows
    as_of: dt.date  # the date the data describes
    svg: Markup | None  # the drawing (inline SVG with <title> and <desc>), None for a table


@dataclass(frozen=True)
class LegendEntry:
    """One status value in a legend: its key, words and fill, and the states that have it."""

    status: str
    label: str
    colour: str  # a CSS background: a colour, or a gradient for a hatched or split status
    members: tuple[str, ...] = ()  # state names, on the map's legend


@dataclass(frozen=True)
class FrameState:
    """A state in the map's frame that is left grey, with its status in the map's dimension."""

    code: str
    name: str
    group: str  # outside or neighbour
    status: str
    label: str  # the status's legend label, e.g. 'Member'


@dataclass(frozen=True)
class LocatedState:
    """An outside actor beyond the map's frame, which the map's inset locates."""

    code: str
    name: str
    direction: str  # from the middle of the frame: 'south-east', …


@dataclass(frozen=True)
class MapFigure(Figure):
    """The map coloured by one dimension (the audience's ``map_status``)."""

    dimension: str  # nato, eu or kosovo
    subject: str  # what the colours show, e.g. 'NATO membership'
    legend: tuple[LegendEntry, ...]  # the categories that colour a Balkan state, in order
    frame_states: tuple[FrameState, ...]  # the grey states: outside actors first, then by name
    located: tuple[LocatedState, ...] = ()  # the outside actors the inset locates, in data order


@dataclass(frozen=True)
class TimelineEvent:
    """One event as the timeline draws it."""

    label: str
    date: str  # as the data gives it: YYYY, YYYY-MM or YYYY-MM-DD
    start: dt.date  # the first day of that period
    end: dt.date | None  # the last day of a multi-day event, else None
    precision: str  # year, month or day
    expected: bool  # after the information date: scheduled or expected
    marker: str  # dot, span (several days) or open (expected)
    countries: tuple[str, ...]  # state names
    cite: str  # where in the source analysis ('para. 5', 'paras. 5, 7'), or ''
    note: str | None  # the public-record note, where there is no paragraph
    marking: str


@dataclass(frozen=True)
class TimelineFigure(Figure):
    """The dated events along a vertical spine, split at the information date."""

    events: tuple[TimelineEvent, ...]  # in the order drawn
    markers: tuple[str, ...]  # the marker kinds drawn, in key order: dot, span, open


@dataclass(frozen=True)
class MatrixCell:
    """One state's status in one column."""

    column: str  # nato, eu, kosovo or leaning
    status: str
    colour: str  # a CSS background, as in LegendEntry
    text: str  # the entry's own words, else the category's
    cite: str  # 'para. 5' or ''
    note: str | None  # the public-record note behind the entry


@dataclass(frozen=True)
class MatrixRow:
    """One state: its name, its marking and a cell per column."""

    code: str
    name: str
    marking: str
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class MatrixGroup:
    """The rows of one group of states (balkans, then outside), in the order shown."""

    key: str
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class MatrixColumn:
    """A column: its status dimension, heading, short legend name, and the statuses used."""

    key: str
    heading: str
    short: str
    legend: tuple[LegendEntry, ...]


@dataclass(frozen=True)
class MatrixFigure(Figure):
    """The states × statuses table."""

    columns: tuple[MatrixColumn, ...]
    groups: tuple[MatrixGroup, ...]
