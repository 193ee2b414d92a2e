"""Dates: one writer for every date a document prints, whatever the machine's locale."""

from __future__ import annotations

import datetime as dt

from briefings.dates import format_date, format_when, parse_when, partial_date, short_month


def test_dates_are_written_the_same_way_everywhere() -> None:
    assert format_date(dt.date(2016, 11, 25)) == "25 November 2016"
    assert format_when("2009") == "2009"
    assert format_when("2014-06") == "June 2014"
    assert format_when("2016-02-15") == "15 February 2016"
    assert short_month(6) == "Jun"


def test_partial_dates() -> None:
    assert parse_when("2016-02") == (dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    assert parse_when("2016") == (dt.date(2016, 1, 1), dt.date(2016, 12, 31))
    assert partial_date("2016-02-30") is None
    assert partial_date("2016-12") == dt.date(2016, 12, 1)


def test_the_date_filter_takes_partial_dates_and_leaves_other_text() -> None:
    from briefings.templating import _format_date

    assert _format_date("2016-05") == "May 2016"
    assert _format_date("soon") == "soon"
