"""Reporting: a loaded project or a build result → the text lines the command line prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Project, Settings

if TYPE_CHECKING:
    from .builder import BuildResult
    from .config import Config
    from .coverage import SeedCoverage
    from .provenance import Verdict


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


def build_lines(result: BuildResult, here: Path, *, explain: bool = False) -> Iterator[str]:
    """Lines for ``briefing build``: each file written or found unchanged; with ``explain``,
    the effective settings and every portion each audience left out."""
    for doc in result.documents:
        pages = (
            f" ({doc.pages} page{'s' if doc.pages != 1 else ''})"
            if doc.format == "pdf" and doc.pages
            else ""
        )
        note = "  [unchanged]" if doc.status == "unchanged" else ""
        yield f"{shown_path(doc.path, here)}{pages}{note}"
    if explain and result.config is not None and result.project is not None:
        yield from settings_lines(result.config, result.project)
        yield from explain_lines(result)


def shown_path(path: Path, here: Path) -> str:
    """A path relative to ``here`` where it lies below it, else as it is."""
    try:
        return str(path.relative_to(here))
    except ValueError:
        return str(path)


def explain_lines(result: BuildResult) -> Iterator[str]:
    """Lines for ``build --explain``: per audience, every point left out and why."""
    for audience, omitted in result.omitted.items():
        reasons = Counter(o.reason for o in omitted)
        summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "nothing"
        banner = result.banners.get(audience, "?").upper()
        yield f"{audience}: banner {banner}; left out {len(omitted)} ({summary})"
        for omission in omitted:
            yield f"  - {omission.ref} [{omission.reason}] {omission.detail}"


def settings_lines(config: Config, project: Project) -> Iterator[str]:
    """Lines showing each effective setting and where it came from."""
    path = config.settings_file
    source = str(path) if path.is_file() else f"no {path}, defaults"
    yield f"settings ({source}; command-line options override):"
    for name in Settings.model_fields:
        value = getattr(config.settings, name)
        origin = config.origins.get(name, "default")
        yield f"  {name:<17} {origin:<14} {_setting_text(project, name, value)}"


def _setting_text(project: Project, name: str, value: Any) -> str:
    if name == "audiences":
        names = _names(value)
        return ", ".join(names) if names else f"(all: {', '.join(a.id for a in project.audiences)})"
    if name == "information_date" and value is None:
        newest = max((p.as_of for p in project.points()), default=None)
        return f"(newest as_of: {newest})" if newest else "(none)"
    if value is None:
        return "(none)"
    return str(value)


def _names(value: Iterable[str] | str) -> list[str]:
    parts = [value] if isinstance(value, str) else list(value)
    return [name.strip() for part in parts for name in part.split(",") if name.strip()]


def coverage_lines(
    coverage: Sequence[SeedCoverage], *, uncited_only: bool = False
) -> Iterator[str]:
    """Lines for ``briefing sources``: per seed, each paragraph and the points citing it."""
    for seed in coverage:
        total = len(seed.paragraphs)
        cited = total - len(seed.uncited)
        yield f"{seed.seed}: {cited} of {total} paragraphs cited  {seed.title}"
        for paragraph in seed.paragraphs:
            if uncited_only and paragraph.cited_by:
                continue
            refs = ", ".join(paragraph.cited_by) if paragraph.cited_by else "(cited by no point)"
            yield f"  {paragraph.n:>3}  {refs}"
        if seed.uncited:
            yield f"  uncited: {', '.join(str(n) for n in seed.uncited)}"


def diff_lines(report: dict[str, Any]) -> list[str]:
    """A diff report as lines: a heading per audience, then one line per point."""
    lines = [f"changes from {report['from']['name']} to {report['to']['name']}"]
    for audience, found in report["audiences"].items():
        counts = [f"{len(found[k])} {k}" for k in ("new", "changed", "withdrawn") if found[k]]
        lines.append(f"{audience}: {', '.join(counts) if counts else 'no changes'}")
        lines.extend(f"  new        {p['id']}: {p['headline']}" for p in found["new"])
        lines.extend(
            f"  changed    {p['id']} ({', '.join(p['what'])}): {p['headline']}"
            for p in found["changed"]
        )
        lines.extend(f"  withdrawn  {p['id']}: {p['headline']}" for p in found["withdrawn"])
    return lines


def verify_lines(verdict: Verdict, path: Path, here: Path) -> list[str]:
    """The verdict as lines for the terminal."""
    name = shown_path(path, here)
    head = f"{name}: {verdict.audience}, {verdict.built}"
    if verdict.current:
        return [f"{head}: current"] + [f"  note: {n}" for n in verdict.notes]
    lines = [f"{head}: stale"]
    for title, items in (
        ("changed", verdict.changed),
        ("rose in marking", verdict.rose),
        ("withdrawn", verdict.withdrawn),
        ("new since", verdict.new),
    ):
        lines.extend(f"  {title:<15} {item}" for item in items)
    lines.extend(f"  note: {n}" for n in verdict.notes)
    return lines
