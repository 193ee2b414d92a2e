"""Building: a project folder + options → briefing documents written into the output folder.

The one call behind ``briefing build``: load and validate, assemble a briefing per audience, fit
page budgets, render HTML and PDF (in worker processes when there are several documents), skip
documents whose inputs have not changed since the last build, and only when every document has
succeeded, write them all atomically. A failed build leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .assembly import assemble_briefing, budget_order, cut_for_budget, estimate_cut, select_topics
from .errors import RenderError, SelectionError
from .loading import load_project
from .model import FORMATS, Briefing, Omission, Project
from .output import build_lock, prepare_output, write_files
from .rendering import Layout, TemplateRoots, layout_pdf, render_html, write_pdf_bytes

MANIFEST_NAME = ".briefing-manifest.json"
MAX_LAYOUT_PASSES = 6


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to produce one audience's documents."""

    briefing: Briefing
    formats: tuple[str, ...]
    templates: TemplateRoots
    created: dt.datetime
    project_root: Path
    strict: bool


@dataclass
class Rendered:
    """One audience's documents, still in memory."""

    audience: str
    files: dict[str, bytes]
    pages: int | None
    warnings: list[str]
    omitted: tuple[Omission, ...]
    banner: str


@dataclass
class Document:
    """One file the build produced (or found up to date)."""

    audience: str
    format: str
    path: Path
    status: str  # "written" or "unchanged"
    pages: int | None = None


@dataclass
class BuildResult:
    """What a build did: the documents, what each audience left out, and every warning."""

    documents: list[Document] = field(default_factory=list)
    omitted: dict[str, tuple[Omission, ...]] = field(default_factory=dict)
    banners: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    project: Project | None = None


def split_names(values: Sequence[str]) -> tuple[str, ...]:
    """Flatten repeated and comma-separated names: ('a,b', 'c') → ('a', 'b', 'c')."""
    names: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return tuple(names)


def creation_time(briefing: Briefing) -> dt.datetime:
    """The document date: SOURCE_DATE_EPOCH when set, else the information date (never the clock)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    day = briefing.information_date
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def build(
    root: str | os.PathLike[str] = ".",
    *,
    audiences: Sequence[str] = (),
    topics: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
    output: str | os.PathLike[str] | None = None,
    content: str | os.PathLike[str] | None = None,
    seeds: str | os.PathLike[str] | None = None,
    templates: str | os.PathLike[str] | None = None,
    user_templates: str | os.PathLike[str] | None = None,
    strict: bool = False,
    force: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BuildResult:
    """Build briefing documents for the chosen audiences and topics into the output folder."""
    root_path = Path(root).resolve()
    project = load_project(root_path, content=content, seeds=seeds, templates=templates)
    settings = project.settings
    audience_ids = _choose_audiences(project, split_names(audiences))
    topic_ids = split_names(topics)
    for audience_id in audience_ids:  # unknown topics fail before any work
        select_topics(project, project.audience(audience_id), topic_ids)
    format_list = split_names(formats) or FORMATS
    for name in format_list:
        if name not in FORMATS:
            raise SelectionError("format", name, FORMATS)
    shared = root_path / (templates or settings.templates)
    user_dir = user_templates or settings.user_templates
    template_roots = TemplateRoots(
        shared=shared.resolve(), user=(root_path / user_dir).resolve() if user_dir else None
    )
    if template_roots.user is not None and not template_roots.user.is_dir():
        raise RenderError(f"{template_roots.user}: the user template folder does not exist")
    out_dir = prepare_output(root_path / (output or settings.output))

    result = BuildResult(project=project)
    with build_lock(out_dir):
        manifest = _read_manifest(out_dir)
        trees: dict[Path, str] = {}
        pending: list[tuple[Job, str]] = []
        for audience_id in audience_ids:
            briefing = assemble_briefing(project, audience_id, topic_ids)
            job = Job(
                briefing=briefing,
                formats=format_list,
                templates=template_roots,
                created=creation_time(briefing),
                project_root=root_path,
                strict=strict,
            )
            key = _job_key(job, trees)
            entry = manifest.get(audience_id, {})
            if not force and _up_to_date(entry, key, out_dir, audience_id, format_list):
                for fmt in format_list:
                    result.documents.append(
                        Document(
                            audience_id,
                            fmt,
                            out_dir / f"{audience_id}.{fmt}",
                            "unchanged",
                            entry.get("pages"),
                        )
                    )
                result.omitted[audience_id] = tuple(Omission(**o) for o in entry.get("omitted", []))
                result.banners[audience_id] = entry.get("banner", briefing.banner)
                if progress:
                    progress(0, len(audience_ids), f"{audience_id}: unchanged")
                continue
            pending.append((job, key))

        rendered = _run(
            pending, jobs, progress, len(audience_ids) - len(pending), len(audience_ids)
        )
        for item in rendered:
            result.warnings.extend(f"{item.audience}: {w}" for w in item.warnings)
        if strict and result.warnings:
            raise RenderError(
                f"{len(result.warnings)} warning(s) with --strict; nothing was written:\n"
                + "\n".join(f"  {w}" for w in result.warnings)
            )
        files: dict[Path, bytes] = {}
        for item, (_, key) in zip(rendered, pending, strict=True):
            for fmt, data in item.files.items():
                target = out_dir / f"{item.audience}.{fmt}"
                files[target] = data
                result.documents.append(Document(item.audience, fmt, target, "written", item.pages))
            result.omitted[item.audience] = item.omitted
            result.banners[item.audience] = item.banner
            manifest[item.audience] = {
                "key": key,
                "formats": list(item.files),
                "hashes": {f: hashlib.sha256(d).hexdigest() for f, d in item.files.items()},
                "pages": item.pages,
                "banner": item.banner,
                "omitted": [o.model_dump() for o in item.omitted],
            }
        if rendered:  # all documents, then the manifest, staged and renamed together
            files[out_dir / MANIFEST_NAME] = json.dumps(manifest, indent=1, sort_keys=True).encode()
            write_files(files)
    order = {a: i for i, a in enumerate(audience_ids)}
    result.documents.sort(key=lambda d: (order[d.audience], FORMATS.index(d.format)))
    return result


def _choose_audiences(project: Project, wanted: tuple[str, ...]) -> tuple[str, ...]:
    known = tuple(a.id for a in project.audiences)
    for name in wanted:
        if name not in known:
            raise SelectionError("audience", name, known)
    if wanted:
        return wanted
    return project.settings.audiences or known


def _run(
    pending: list[tuple[Job, str]],
    jobs: int | None,
    progress: Callable[[int, int, str], None] | None,
    done: int,
    total: int,
) -> list[Rendered]:
    """Render the pending jobs, in worker processes when there is more than one."""
    workers = min(len(pending), jobs or os.cpu_count() or 1)
    report = progress or (lambda done, total, label: None)
    if workers <= 1:
        results = []
        for job, _ in pending:
            results.append(render_job(job))
            done += 1
            report(done, total, f"{job.briefing.audience.id}: rendered")
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(render_job, job): i for i, (job, _) in enumerate(pending)}
        results: list[Rendered | None] = [None] * len(pending)
        for future in as_completed(futures):
            rendered = future.result()  # a worker's BriefingError is re-raised here, intact
            results[futures[future]] = rendered
            done += 1
            report(done, total, f"{rendered.audience}: rendered")
        return [r for r in results if r is not None]


def render_job(job: Job) -> Rendered:
    """Produce one audience's documents: fit the page budget, then render each format."""
    briefing = job.briefing
    warnings: list[str] = []
    pages: int | None = None
    pdf: bytes | None = None
    needs_layout = "pdf" in job.formats or briefing.audience.page_budget is not None
    if needs_layout:
        briefing, layout = fit_budget(job, warnings)
        pages = layout.page_count
        if "pdf" in job.formats:
            warnings.extend(preflight_warnings(layout, briefing))
            pdf = write_pdf_bytes(layout, job.created)
            warnings.extend(w for w in layout.warnings if w not in warnings)
    files: dict[str, bytes] = {}
    for fmt in job.formats:
        if fmt == "html":
            html = render_html(
                briefing,
                job.templates,
                medium="screen",
                project_root=job.project_root,
            )
            files["html"] = html.encode("utf-8")
        elif fmt == "pdf" and pdf is not None:
            files["pdf"] = pdf
    return Rendered(briefing.audience.id, files, pages, warnings, briefing.omitted, briefing.banner)


def preflight_warnings(layout: Layout, briefing: Briefing) -> list[str]:
    """Inspect the laid-out pages as a reviewer would; each defect becomes a warning."""
    from .preflight import check_pages

    name = f"{briefing.audience.id}.pdf"
    findings = check_pages(layout.document, min_fill=briefing.audience.preflight.min_fill)
    return [f"preflight: {name} {finding.message}" for finding in findings]


def fit_budget(job: Job, warnings: list[str]):  # type: ignore[no-untyped-def]
    """Lay out the briefing; while it overflows its page budget, cut by measured height."""
    briefing = job.briefing
    budget = briefing.audience.page_budget
    roots = job.templates.roots(Path(briefing.audience.folder))
    for _ in range(MAX_LAYOUT_PASSES):
        html = render_html(
            briefing,
            job.templates,
            medium="print",
            project_root=job.project_root,
        )
        layout = layout_pdf(html, roots, job.templates.shared)
        warnings.extend(w for w in layout.warnings if w not in warnings)
        order = budget_order(briefing)
        if budget is None or layout.page_count <= budget or not order:
            break
        heights, overflow = _measure(layout, briefing, budget)
        count = estimate_cut([heights.get(p.ref, 0.0) for p in order], overflow)
        if job.strict:
            raise RenderError(
                f"{briefing.audience.id}: {layout.page_count} pages, over the budget of {budget}; "
                f"{count} point(s) would be cut (--strict)"
            )
        briefing = cut_for_budget(briefing, min(count, len(order)))
    cut = [o.ref for o in briefing.omitted if o.reason == "budget"]
    if cut:
        warnings.append(f"over the {budget}-page budget; cut {len(cut)} point(s): {', '.join(cut)}")
    if budget is not None and layout.page_count > budget:
        warnings.append(f"still {layout.page_count} pages after cutting; the budget is {budget}")
    return briefing, layout


def _measure(layout, briefing: Briefing, budget: int) -> tuple[dict[str, float], float]:  # type: ignore[no-untyped-def]
    """Return each point's height and how much point content sits on pages past the budget.

    Heights come from each point's own box, so columns and page breaks do not skew them.
    """
    positions = layout.anchor_positions("pt-")
    heights: dict[str, float] = {}
    overflow = 0.0
    for point in briefing.points():
        found = positions.get(f"pt-{point.topic}-{point.id}")
        if found is None:
            continue
        page, top, bottom = found
        heights[point.ref] = max(bottom - top, 1.0) * 1.1  # plus the gap below it
        if page >= budget:
            overflow += heights[point.ref]
    return heights, max(overflow, layout.page_height() * 0.05)


def _job_key(job: Job, trees: dict[Path, str]) -> str:
    """Hash everything that decides a job's output: content, templates, fonts, options."""
    digest = hashlib.sha256()
    digest.update(f"briefings {__version__}\n".encode())
    # The briefing holds all that is rendered (the figures are drawn from its country_data).
    digest.update(job.briefing.model_dump_json().encode())
    digest.update(json.dumps([job.formats, job.created.isoformat(), job.strict]).encode())
    for folder in job.templates.roots(Path(job.briefing.audience.folder)):
        if folder not in trees:  # each folder hashed once per build
            trees[folder] = _tree_digest(folder)
        digest.update(trees[folder].encode())
    return digest.hexdigest()


def _tree_digest(folder: Path) -> str:
    """Hash the names and bytes of every file under a template folder (fonts included)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            digest.update(f"{path.relative_to(folder)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _read_manifest(out_dir: Path) -> dict:  # type: ignore[type-arg]
    path = out_dir / MANIFEST_NAME
    if path.is_symlink() or not path.is_file():  # never read through a link, a pipe or a device
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _up_to_date(
    entry: dict, key: str, out_dir: Path, audience: str, formats: tuple[str, ...]
) -> bool:  # type: ignore[type-arg]
    if entry.get("key") != key:
        return False
    hashes = entry.get("hashes", {})
    for fmt in formats:
        target = out_dir / f"{audience}.{fmt}"
        if fmt not in hashes or not target.is_file() or target.is_symlink():
            return False
        if hashlib.sha256(target.read_bytes()).hexdigest() != hashes[fmt]:
            return False
    return True
