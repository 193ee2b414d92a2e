"""Assembly: filters, order, banner and omissions, on the real content (pure, no rendering)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import plant_restricted_point

from briefings import SelectionError, assemble_briefing, load_project
from briefings.budget import cut_for_budget
from briefings.model import marking_rank

REPO = Path(__file__).resolve().parent.parent


def test_principal_takes_priority_one_facts_judgments_recommendations(book) -> None:
    briefing = assemble_briefing(book, "principal")
    points = briefing.points()
    assert points
    assert {p.priority for p in points} == {1}
    assert {p.kind for p in points} <= {"fact", "assessment", "recommendation"}
    assert all(marking_rank(p.marking) <= marking_rank("internal") for p in points)


def test_every_point_is_either_included_or_omitted_with_a_reason(book) -> None:
    for audience in book.audiences:
        briefing = assemble_briefing(book, audience.id)
        included = {p.ref for p in briefing.points()}
        omitted = {o.ref for o in briefing.omitted if o.portion == "point"}
        assert included.isdisjoint(omitted)
        assert included | omitted == {p.ref for p in book.points()}


def test_omission_reasons(book) -> None:
    briefing = assemble_briefing(book, "press")
    reasons = {o.ref: o.reason for o in briefing.omitted}
    assert reasons["security.intel-cooperation"] == "audience-tag"
    restricted_free = [p for p in book.points() if p.marking == "internal" and not p.audiences]
    assert reasons[restricted_free[0].ref] == "ceiling"


def test_banner_is_the_highest_included_marking(book) -> None:
    assert assemble_briefing(book, "press").banner == "public"
    assert assemble_briefing(book, "staff").banner == "internal"
    assert assemble_briefing(book, "liaison").banner == "restricted"


def test_topic_selection_keeps_only_those_topics_in_book_order(book) -> None:
    briefing = assemble_briefing(book, "staff", ["kosovo", "energy"])
    assert [s.id for s in briefing.sections] == ["energy", "kosovo"]
    assert all(
        o.reason == "topic"
        for o in briefing.omitted
        if not o.ref.startswith(("energy.", "kosovo."))
    )


def test_unknown_topic_suggests_the_closest(book) -> None:
    with pytest.raises(SelectionError) as caught:
        assemble_briefing(book, "staff", ["kosvo"])
    assert caught.value.suggestion == "kosovo"
    assert str(caught.value).startswith(
        "unknown topic 'kosvo'. Did you mean 'kosovo'? Valid topics: security, energy"
    )


def test_budget_cuts_lowest_priority_last_first(book) -> None:
    briefing = assemble_briefing(book, "staff")
    cut = cut_for_budget(briefing, 3)
    dropped = [o for o in cut.omitted if o.reason == "budget"]
    assert len(dropped) == 3
    assert len(cut.points()) == len(briefing.points()) - 3
    priorities = {p.ref: p.priority for p in briefing.points()}
    assert all(priorities[o.ref] == max(priorities.values()) for o in dropped)


def test_restricted_point_planted_reaches_liaison_never_press(project: Path) -> None:
    plant_restricted_point(project, "A planted restricted fact for the release-gate test.")
    loaded = load_project(project)
    liaison = assemble_briefing(loaded, "liaison")
    assert "security.planted-secret" in {p.ref for p in liaison.points()}
    assert liaison.banner == "restricted"
    for audience in ("press", "staff", "principal", "talking-points"):
        briefing = assemble_briefing(loaded, audience)
        assert "security.planted-secret" not in {p.ref for p in briefing.points()}
