"""Suggestions: one did-you-mean for content files and command-line names alike."""

from __future__ import annotations

import pytest

from briefings.errors import SelectionError
from briefings.suggest import closest, did_you_mean

KINDS = ("fact", "assessment", "recommendation", "talking-point", "risk")


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("fcat", "; did you mean 'fact'?"),
        ("FACT", "; did you mean 'fact'?"),
        ("talkingpoint", "; did you mean 'talking-point'?"),
        ("rumour", ""),
        ("", ""),
    ],
)
def test_did_you_mean(name: str, hint: str) -> None:
    assert did_you_mean(name, KINDS) == hint


def test_did_you_mean_lists_the_known_names_when_none_is_close() -> None:
    assert did_you_mean("zzz", ["a-seed", "b-seed"], known="known seeds") == (
        "; known seeds: a-seed, b-seed"
    )
    assert did_you_mean("zzz", [], known="known seeds") == "; known seeds: none"
    assert did_you_mean("a-sed", ["a-seed"], known="known seeds") == "; did you mean 'a-seed'?"


def test_selection_errors_use_the_same_suggestion() -> None:
    error = SelectionError("topic", "kosvo", ("security", "kosovo"))
    assert (
        str(error) == "unknown topic 'kosvo'. Did you mean 'kosovo'? Valid topics: security, kosovo"
    )
    assert error.suggestion == closest("kosvo", ("security", "kosovo")) == "kosovo"
    assert SelectionError("topic", "zzz", ("kosovo",)).suggestion is None
