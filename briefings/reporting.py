"""Reporting: a loaded project or a build result → the text lines the command line prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from .build import BuildResult
from .model import Project


def summary_line(project: Project) -> str:
    """One line saying what a valid project holds."""
    points = project.points()
    return (
        f"ok: {len(project.topics)} topics, {len(points)} points, {len(project.seeds)} seed(s), "
        f"{len(project.audiences)} audiences"
    )


def list_lines(project: Project, what: str) -> Iterator[str]:
    """Lines for ``briefing list topics|audiences|points``."""
    if what == "topics":
        for topic in project.topics:
            yield f"{topic.id:<12} {len(topic.points):>3} points  {topic.title}"
    elif what == "audiences":
        for audience in project.audiences:
            budget = f", {audience.page_budget}-page budget" if audience.page_budget else ""
            yield f"{audience.id:<15} {audience.layout:<12} up to {audience.ceiling}{budget}  {audience.title}"
    else:
        for point in project.points():
            yield (
                f"{point.ref:<40} {point.kind:<14} p{point.priority} {point.marking:<10} "
                f"{point.headline}"
            )


def explain_lines(result: BuildResult) -> Iterator[str]:
    """Lines for ``build --explain``: per audience, every point left out and why."""
    for audience, omitted in result.omitted.items():
        reasons = Counter(o.reason for o in omitted)
        summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "nothing"
        banner = result.banners.get(audience, "?").upper()
        yield f"{audience}: banner {banner}; left out {len(omitted)} ({summary})"
        for omission in omitted:
            yield f"  - {omission.ref} [{omission.reason}] {omission.detail}"
