"""Countries: the figures' data file (``content/data/countries.yaml``) → checked ``CountryData``.

The model checks each state's and event's fields; this checks what it cannot: real dates, an end
after a start, codes that do not repeat and that events name, 'self' for Kosovo only, and a
source that resolves (or a note from the public record) behind every status and event. When the
file does not validate as a whole, the states and events that do are still checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .dates import partial_date
from .errors import relative
from .model import CountryData, CountryRecord, Event
from .reading import Collector, SourceFile
from .references import Known, check_source
from .validation import Finding, Loc, salvage

COUNTRY_DATA_FILE = ("data", "countries.yaml")
STATUS_FIELDS = ("nato", "eu", "kosovo", "leaning")


def load_country_data(content_dir: Path, known: Known, collector: Collector) -> CountryData | None:
    """Read the figures' data if there is one, and check what of it validated."""
    path = content_dir.joinpath(*COUNTRY_DATA_FILE)
    if not path.is_file():
        return None
    file: SourceFile[CountryData] = SourceFile("countries", path, collector.parse(path))
    if file.parsed is None:
        return None
    extra = {"file": relative(path, collector.root)}
    file.checked = collector.validate(CountryData, path, file.parsed, extra)
    data = file.obj
    if data is not None:
        countries, events = list(enumerate(data.countries)), list(enumerate(data.events))
    else:
        countries = salvage(CountryRecord, file.data("countries"), file.bad(), ("countries",))
        events = salvage(Event, file.data("events"), file.bad(), ("events",))
    raw = file.data("countries")
    codes = [c.get("code") for c in raw if isinstance(c, dict)] if isinstance(raw, list) else []
    found = check_country_data(countries, events, [c for c in codes if isinstance(c, str)], known)
    collector.add_all((path, loc, message) for loc, message in found)
    return data


def check_country_data(
    countries: Iterable[tuple[int, CountryRecord]],
    events: Iterable[tuple[int, Event]],
    other_codes: Iterable[str],
    known: Known,
) -> Iterator[Finding]:
    """Yield the problems of the states and events that validated.

    ``other_codes`` are the codes of states that did not validate: events may still name them.
    """
    seen: dict[str, int] = {}
    for i, country in countries:
        if country.code in seen:
            yield (
                ("countries", i, "code"),
                f"duplicate '{country.code}' (also countries[{seen[country.code]}])",
            )
        seen.setdefault(country.code, i)
        yield from _check_country(country, ("countries", i), known)
    codes = {*seen, *other_codes}
    for i, event in events:
        loc = ("events", i)
        yield from check_dated(event, loc, "date", known)
        start = partial_date(event.date)
        if event.end is not None and start is not None and event.end < start:
            yield (*loc, "end"), f"ends before it starts ({event.date})"
        for j, code in enumerate(event.countries):
            if code not in codes:
                yield (*loc, "countries", j), f"'{code}' is not in countries"


def _check_country(country: CountryRecord, loc: Loc, known: Known) -> Iterator[Finding]:
    if (country.kosovo.status == "self") != (country.code == "XK"):
        yield (
            (*loc, "kosovo", "status"),
            "'self' is for Kosovo (XK) only"
            if country.code != "XK"
            else "Kosovo (XK) takes 'self'",
        )
    for name in STATUS_FIELDS:
        status = getattr(country, name)
        if status is not None:
            yield from check_dated(status, (*loc, name), "since", known)


def check_dated(item: Any, loc: Loc, date_field: str, known: Known) -> Iterator[Finding]:
    """A status or event needs a real date, and a source that resolves or a note."""
    value = getattr(item, date_field)
    if value is not None and partial_date(value) is None:
        yield (*loc, date_field), f"no such date: {value!r}"
    if item.source is None and item.note is None:
        yield loc, "give a 'source' (seed and paragraphs) or a 'note' (the public record)"
    if item.source is not None:
        for where, message in check_source(item.source, known):
            yield (*loc, "source", *where), message
