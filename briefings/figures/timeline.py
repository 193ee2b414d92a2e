"""Timeline: the dated events of the countries data → a ``TimelineFigure`` (a vertical SVG timeline).

Events run down a spine in date order, grouped under their year, each with its date, a one- or
two-line label and a line naming the states and the source (a paragraph of the article, or the
public record). A dashed rule marks the information date; events after it are drawn hollow, as
scheduled or expected. Text is measured in the bundled sans (``metrics``) so that it wraps inside
the frame; the output is deterministic. The caption, key and note are written by
``templates/partials/figure-timeline.html`` from the figure's events and markers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path
from xml.sax.saxutils import quoteattr

from markupsafe import Markup

from ..dates import format_date, parse_when, short_month
from ..model import CountryData, Event, highest_marking
from .figure import TimelineEvent, TimelineFigure
from .legend import ACCENT, INK, MUTED, RULE, cite
from .metrics import text_width, wrap

WIDTH = 1000.0  # user units across
SCALE_WIDTH = 640  # intrinsic width in CSS px
FONT = "'Briefing Sans', sans-serif"
LABEL_SIZE = 19.0
LABEL_LEAD = 23.0
META_SIZE = 14.5
META_LEAD = 18.0
DATE_SIZE = 17.0
YEAR_SIZE = 24.0
DATE_RIGHT = 150.0
SPINE = 174.0
TEXT_LEFT = 198.0
TEXT_WIDTH = WIDTH - TEXT_LEFT - 6.0
ROW_GAP = 15.0
YEAR_GAP = 40.0
MARKER = 7.0
MARKERS = ("dot", "span", "open")  # key order


@dataclass(frozen=True)
class _Row:
    event: Event
    start: dt.date
    end: dt.date
    expected: bool
    precision: int  # 1 year, 2 month, 3 day

    @property
    def spans_days(self) -> bool:
        return self.event.end is not None and self.event.end != self.start

    @property
    def marker(self) -> str:
        return "open" if self.expected else "span" if self.spans_days else "dot"


def _rows(data: CountryData) -> list[_Row]:
    rows = []
    for event in data.events:
        first, last = parse_when(event.date)
        precision = event.date.count("-") + 1
        end = event.end or (last if precision < 3 else first)
        rows.append(_Row(event, first, end, first > data.as_of, precision))
    # A month or a year sorts by its middle, so "November" falls after 8 November.
    return sorted(
        rows, key=lambda r: r.start + (r.end - r.start) / 2 if r.precision < 3 else r.start
    )


def _date_text(row: _Row) -> str:
    start, event = row.start, row.event
    if row.precision == 1:
        return f"In {start.year}"
    if row.precision == 2:
        return short_month(start.month)
    text = f"{start.day} {short_month(start.month)}"
    if event.end is not None and event.end != start:
        end = event.end
        text += f" – {end.day} {short_month(end.month)}"
        if end.year != start.year:
            text += f" {end.year}"
    return text


def _long_date(row: _Row) -> str:
    event = row.event
    if row.precision == 1:
        return str(row.start.year)
    if row.precision == 2:
        return f"{format_date(row.start).split(' ', 1)[1]}"
    if event.end is not None and event.end != row.start:
        return f"{format_date(row.start)} to {format_date(event.end)}"
    return format_date(row.start)


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, text: str, *, size: float, fill: str, extra: str = "") -> str:
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(size)}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _marker(row: _Row, y: float) -> str:
    if row.marker == "open":
        return (
            f'<circle cx="{_fmt(SPINE)}" cy="{_fmt(y)}" r="{_fmt(MARKER)}" fill="#ffffff" '
            f'stroke="{ACCENT}" stroke-width="2.6"/>'
        )
    if row.marker == "span":
        return (
            f'<rect x="{_fmt(SPINE - 6)}" y="{_fmt(y - 12)}" width="12" height="24" rx="6" '
            f'fill="{ACCENT}" stroke="#ffffff" stroke-width="2"/>'
        )
    return (
        f'<circle cx="{_fmt(SPINE)}" cy="{_fmt(y)}" r="{_fmt(MARKER)}" fill="{ACCENT}" '
        'stroke="#ffffff" stroke-width="2"/>'
    )


def render_timeline_svg(data: CountryData, *, fonts: Path | None = None) -> str:
    """Draw the events as a vertical timeline in an SVG string."""
    names = {c.code: c.name for c in data.countries}
    rows = _rows(data)
    body: list[str] = []
    y = 10.0
    year: int | None = None
    spine_top = spine_split = spine_bottom = None
    marked_now = False
    for row in rows:
        if row.expected and not marked_now:
            marked_now = True
            y += 8
            spine_split = y
            body.append(
                f'<path d="M0,{_fmt(y)}H{_fmt(WIDTH)}" stroke="{ACCENT}" stroke-width="1.4" '
                'stroke-dasharray="7 5" fill="none"/>'
            )
            label = f"Information date, {format_date(data.as_of)}: later events are scheduled or expected"
            body.append(
                f'<rect x="{_fmt(TEXT_LEFT - 6)}" y="{_fmt(y - 11)}" '
                f'width="{_fmt(text_width(label, META_SIZE, "italic", fonts=fonts) + 12)}" '
                'height="22" fill="#ffffff"/>'
            )
            body.append(
                _text(
                    TEXT_LEFT,
                    y + 5,
                    label,
                    size=META_SIZE,
                    fill=ACCENT,
                    extra=' font-style="italic"',
                )
            )
            y += 22
        if row.start.year != year:
            year = row.start.year
            if spine_top is not None:
                y += YEAR_GAP - ROW_GAP
            baseline = y + YEAR_SIZE * 0.8
            body.append(
                _text(
                    DATE_RIGHT,
                    baseline,
                    str(year),
                    size=YEAR_SIZE,
                    fill=ACCENT,
                    extra=' font-weight="700" text-anchor="end"',
                )
            )
            body.append(
                f'<path d="M{_fmt(TEXT_LEFT)},{_fmt(baseline - YEAR_SIZE * 0.32)}H{_fmt(WIDTH)}" '
                f'stroke="{RULE}" stroke-width="1" fill="none"/>'
            )
            y = baseline + 14
        lines = wrap(row.event.label, TEXT_WIDTH, LABEL_SIZE, fonts=fonts)
        first_baseline = y + LABEL_SIZE * 0.8
        centre = first_baseline - LABEL_SIZE * 0.33
        if spine_top is None:
            spine_top = centre
        spine_bottom = centre
        body.append(_marker(row, centre))
        style = ' font-style="italic"' if row.expected else ""
        body.append(
            _text(
                DATE_RIGHT,
                first_baseline,
                _date_text(row),
                size=DATE_SIZE,
                fill=INK,
                extra=f' font-weight="700" text-anchor="end"{style}',
            )
        )
        for i, line in enumerate(lines):
            body.append(
                _text(TEXT_LEFT, first_baseline + i * LABEL_LEAD, line, size=LABEL_SIZE, fill=INK)
            )
        meta = ", ".join(names.get(code, code) for code in row.event.countries)
        source = row.event.source
        where = f"analysis {cite(source)}" if source and source.paragraphs else "public record"
        meta = f"{meta} · {where}" if meta else where
        meta_baseline = first_baseline + (len(lines) - 1) * LABEL_LEAD + META_LEAD + 1
        body.append(_text(TEXT_LEFT, meta_baseline, meta, size=META_SIZE, fill=MUTED))
        y = meta_baseline + META_SIZE * 0.3 + ROW_GAP
    height = y + 4

    spine: list[str] = []
    if spine_top is not None and spine_bottom is not None:
        solid_end = spine_split if spine_split is not None else spine_bottom
        spine.append(
            f'<path d="M{_fmt(SPINE)},{_fmt(spine_top)}V{_fmt(min(solid_end, spine_bottom))}" '
            f'stroke="{ACCENT}" stroke-width="2.2" fill="none"/>'
        )
        if spine_split is not None and spine_bottom > spine_split:
            spine.append(
                f'<path d="M{_fmt(SPINE)},{_fmt(spine_split)}V{_fmt(spine_bottom)}" '
                f'stroke="{ACCENT}" stroke-width="2.2" stroke-dasharray="5 5" fill="none"/>'
            )

    title = (
        f"Timeline of events, {rows[0].start.year}–{rows[-1].start.year}" if rows else "Timeline"
    )
    description = " ".join(
        f"{_long_date(r)}{' (expected)' if r.expected else ''}: {r.event.label}." for r in rows
    )
    scale = SCALE_WIDTH / WIDTH
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SCALE_WIDTH}" '
        f'height="{_fmt(height * scale)}" viewBox="0 0 {_fmt(WIDTH)} {_fmt(height)}" role="img" '
        f"aria-label={quoteattr(title)}>\n"
        f"<title>{escape(title)}</title>\n<desc>{escape(description)}</desc>\n"
        f'<g font-family="{FONT}">\n' + "\n".join(spine + body) + "\n</g>\n</svg>\n"
    )


def render_timeline_figure(data: CountryData, *, fonts: Path | None = None) -> TimelineFigure:
    """Draw the timeline; gather its events, in the order drawn, and the markers it uses."""
    names = {c.code: c.name for c in data.countries}
    rows = _rows(data)
    precisions = {1: "year", 2: "month", 3: "day"}
    events = tuple(
        TimelineEvent(
            label=row.event.label,
            date=row.event.date,
            start=row.start,
            end=row.event.end if row.spans_days else None,
            precision=precisions[row.precision],
            expected=row.expected,
            marker=row.marker,
            countries=tuple(names.get(code, code) for code in row.event.countries),
            cite=cite(row.event.source),
            note=row.event.note,
            marking=row.event.marking or data.marking,
        )
        for row in rows
    )
    used = {row.marker for row in rows}
    return TimelineFigure(
        name="timeline",
        marking=highest_marking([data.marking, *(e.marking for e in events)]),
        as_of=data.as_of,
        svg=Markup(render_timeline_svg(data, fonts=fonts)),  # drawn here; its text is escaped
        events=events,
        markers=tuple(m for m in MARKERS if m in used),
    )
