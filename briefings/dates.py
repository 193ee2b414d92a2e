"""Dates: a date or a partial date (``2009``, ``2016-05``, ``2016-05-19``) → the words printed.

One writer for every date a document shows, in English and independent of the machine's locale
(``strftime('%B')`` is not): templates through the ``date`` filter, figures directly.
"""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def short_month(month: int) -> str:
    """Jan, Feb, ... Dec."""
    return MONTHS[month - 1][:3]


def format_date(day: dt.date) -> str:
    """Write a date as '25 November 2016'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def partial_date(value: str) -> dt.date | None:
    """The first day of a YYYY, YYYY-MM or YYYY-MM-DD period, or None if there is no such day."""
    year, month, day = [*(int(p) for p in value.split("-")), 1, 1][:3]
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_when(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of a YYYY, YYYY-MM or YYYY-MM-DD period (the loader checked it)."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        start = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return start, following - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def format_when(value: str) -> str:
    """Write a partial date for a reader: '2009', 'June 2014', '15 February 2016'."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS[parts[1] - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{parts[2]} {month} {parts[0]}"
