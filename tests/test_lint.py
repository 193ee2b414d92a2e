"""Lint: warnings are placed with the positions loading kept, without reading the files again."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.lint import lint_project
from briefings.loading import load_project, load_project_with_positions

PLANTED = """
  - id: planted
    kind: assessment
    headline: we assess with high confidence that X will probably likely happen, possibly
    body: |
      Signs to watch:
      - one;
      - two.
    priority: 2
    marking: internal
    confidence: high
    sources:
      - seed: israel-balkans-2016
        paragraphs: [11]
    as_of: 2014-11-25
"""


def plant(project: Path) -> int:
    """Append the planted point to kosovo.yaml; return the line of its headline."""
    path = project / "content" / "kosovo.yaml"
    before = path.read_text(encoding="utf-8")
    path.write_text(before + PLANTED, encoding="utf-8")
    return before.count("\n") + 4


def test_lint_uses_the_positions_loading_kept(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = plant(project)
    expected = lint_project(load_project(project))  # placed by parsing the files again
    loaded, positions = load_project_with_positions(project)
    read: list[Path] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert lint_project(loaded, positions) == expected
    assert read == []
    index = len(loaded.topic("kosovo").points) - 1
    planted = [str(w) for w in expected if w.field.startswith(f"points[{index}].")]
    assert planted[0] == (
        f"content/kosovo.yaml:{line}:30: points[{index}].headline: confidence ('high confidence') "
        "and likelihood ('probably') in one sentence (ICD 203); state how likely in the sentence "
        "and how confident in the point's 'confidence' field [estimative-confidence]"
    )
    assert f"content/kosovo.yaml:{line + 3}:7: points[{index}].body: this list item" in planted[4]
    assert planted[-1].startswith(
        f"content/kosovo.yaml:{line + 11}:5: points[{index}].as_of: as of 2014-11-25, 731 days "
    )


def test_lint_without_positions_still_places_its_warnings(project: Path) -> None:
    line = plant(project)
    warnings = lint_project(load_project(project))
    assert {w.line for w in warnings if w.file == "content/kosovo.yaml"} >= {line, line + 11}
    assert all(w.line > 0 for w in warnings)


def test_lint_does_not_need_the_files_once_loaded(project: Path) -> None:
    plant(project)
    loaded, positions = load_project_with_positions(project)
    expected = lint_project(loaded, positions)
    for topic in loaded.topics:
        (project / topic.file).unlink()
    assert lint_project(loaded, positions) == expected
    assert [w for w in lint_project(loaded) if w.line] == []  # nothing left to place them by


# One phrase for each ICD 203 likelihood term, in the order of ``lint._LIKELIHOOD``.
TERM_SAMPLES = (
    "almost no chance",
    "Very unlikely",
    "UNLIKELY",
    "roughly even chance",
    "very  likely",
    "Likely",
    "almost certainly",
    "remote possibility",
    "highly improbably",
    "improbable",
    "roughly even odds",
    "Highly probable",
    "probably",
    "nearly certain",
)


def test_every_likelihood_term_holds_a_hint_so_no_text_is_passed_over_wrongly() -> None:
    from briefings import lint

    assert len(TERM_SAMPLES) == len(lint._LIKELIHOOD)  # a new term needs a sample here
    for index, sample in enumerate(TERM_SAMPLES):
        match = lint._LIKELIHOOD_RE.fullmatch(sample)
        assert match is not None and match.lastgroup == f"t{index}", sample
        assert lint._LIKELIHOOD_HINT_RE.search(sample), sample
        assert lint._LIKELIHOOD_HINT_RE.search(f"It is {sample.upper()} that it holds."), sample
