"""Coverage: a ``Project`` → for each seed, which points cite each paragraph, and which none.

Every claim in a source should be in some point; a paragraph no point cites is either a claim not
yet carried into the content or one deliberately left out, and the analyst should know which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import SelectionError
from .model import Project


@dataclass(frozen=True)
class ParagraphCoverage:
    """One paragraph of a seed and the points (``topic.point``) that cite it."""

    n: int
    digest: str
    cited_by: tuple[str, ...]


@dataclass(frozen=True)
class SeedCoverage:
    """One seed's paragraphs and who cites them."""

    seed: str
    title: str
    paragraphs: tuple[ParagraphCoverage, ...]

    @property
    def uncited(self) -> tuple[int, ...]:
        """Numbers of the paragraphs no point cites."""
        return tuple(p.n for p in self.paragraphs if not p.cited_by)


def seed_coverage(
    project: Project, seeds: Sequence[str] = (), points: Sequence[str] = ()
) -> list[SeedCoverage]:
    """Return paragraph coverage for the chosen seeds (default all); with ``points``, only the
    paragraphs those points cite."""
    known = tuple(s.id for s in project.seeds)
    for name in seeds:
        if name not in known:
            raise SelectionError("seed", name, known)
    refs = tuple(p.ref for p in project.points())
    for name in points:
        if name not in refs:
            raise SelectionError("point", name, refs)
    citing: dict[tuple[str, int], list[str]] = {}
    for point in project.points():
        if points and point.ref not in points:
            continue
        for source in point.sources:
            for n in source.paragraphs:
                cited = citing.setdefault((source.seed, n), [])
                if point.ref not in cited:
                    cited.append(point.ref)
    result = []
    for seed in project.seeds:
        if seeds and seed.id not in seeds:
            continue
        if not seed.paragraphs and seed.id not in seeds:
            continue  # a reference record has no paragraphs to cover
        paragraphs = tuple(
            ParagraphCoverage(p.n, p.digest, tuple(citing.get((seed.id, p.n), ())))
            for p in sorted(seed.paragraphs, key=lambda p: p.n)
            if not points or (seed.id, p.n) in citing  # -p: only what those points cite
        )
        if paragraphs or not points:
            result.append(SeedCoverage(seed.id, seed.title, paragraphs))
    return result
