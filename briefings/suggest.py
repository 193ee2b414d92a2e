"""Suggestions: a mistyped name and the valid ones → the closest valid name, as a did-you-mean.

The one place that decides what counts as close (``difflib`` ratio 0.6 or more, ignoring case),
so a typo gets the same hint in a content file, on the command line and in a selection.
"""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6


def closest(name: str, valid: Iterable[str]) -> str | None:
    """Return the valid name closest to ``name``, or None when none is close enough."""
    import difflib  # only when a name is wrong: a build that reads nothing wrong skips it

    by_lower: dict[str, str] = {}
    for option in valid:
        by_lower.setdefault(option.lower(), option)
    found = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=CUTOFF)
    return by_lower[found[0]] if found else None


def did_you_mean(name: str, valid: Iterable[str], *, known: str = "") -> str:
    """Return "; did you mean 'x'?", else "; <known>: a, b" when ``known`` is given, else ""."""
    options = list(valid)
    close = closest(name, options)
    if close is not None:
        return f"; did you mean '{close}'?"
    if known:
        return f"; {known}: {', '.join(options) or 'none'}"
    return ""
