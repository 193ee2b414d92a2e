"""Building: a project folder + options → briefing documents written into the output folder.

The one call behind ``briefing build``: load and validate, assemble a briefing per audience, fit
page budgets, render HTML and PDF (in worker processes when there are several documents), skip
documents whose inputs have not changed since the last build, and only when every document has
succeeded, write them all atomically. A failed build leaves the previous output untouched.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .assembly import assemble_briefing, select_topics
from .budget import fit_budget
from .cache import MANIFEST_NAME, Manifest, job_key
from .config import Config, load_config
from .errors import BriefingError, RenderError, SelectionError
from .fontcache import CACHE_FOLDER, FontCache, cache_files, prune_cache
from .limits import tie_to_parent
from .model import FORMATS, PDF_VARIANTS, Briefing, Omission, Project
from .output import build_lock, prepare_output, release_inherited_locks, write_files
from .rendering import (
    Layout,
    TemplateRoots,
    font_warnings,
    layout_pdf,
    render_html,
    write_pdf_bytes,
)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to produce one audience's documents."""

    briefing: Briefing
    formats: tuple[str, ...]
    templates: TemplateRoots
    created: dt.datetime
    project_root: Path
    strict: bool
    pdf_variant: str = "pdf/ua-1"
    font_cache: Path | None = None  # the output folder's cache of font subsets
    subset_fonts: bool = True  # False: the screen HTML inlines whole font files


@dataclass
class Rendered:
    """One audience's documents, still in memory."""

    audience: str
    files: dict[str, bytes]
    pages: int | None
    warnings: list[str]
    omitted: tuple[Omission, ...]
    banner: str
    fonts: FontCache | None = None  # the font subsets the HTML used, and those newly made


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
    config: Config | None = None


MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a PDF date can hold


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
    if epoch is not None and epoch.strip():
        try:
            seconds = int(epoch.strip())
            if not 0 <= seconds <= MAX_EPOCH:
                raise ValueError(seconds)
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise BriefingError(
                f"SOURCE_DATE_EPOCH={epoch[:40]!r}: expected whole seconds since 1970 "
                f"(0 to {MAX_EPOCH}); unset it to date the PDFs by the information date"
            ) from None
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
    pdf_variant: str | None = None,
    subset_fonts: bool = True,
) -> BuildResult:
    """Build briefing documents for the chosen audiences and topics into the output folder.

    ``root`` is where to look for the project (the nearest folder at or above it holding
    briefing.yaml); the folder options are the settings of briefing.yaml of the same names,
    given on the command line (``templates`` is the project's template folder,
    ``user_templates`` your own, searched first). ``subset_fonts=False`` inlines whole font
    files in the HTML: ten times larger, but quick to make (``preview`` serves it locally).
    """
    config = load_config(
        root,
        output=output,
        content=content,
        seeds=seeds,
        templates=templates,
        user_templates=user_templates,
        audiences=audiences,
    )
    return build_project(
        config,
        topics=topics,
        formats=formats,
        strict=strict,
        force=force,
        jobs=jobs,
        progress=progress,
        pdf_variant=pdf_variant,
        subset_fonts=subset_fonts,
    )


def build_project(
    config: Config,
    *,
    topics: Sequence[str] = (),
    formats: Sequence[str] = FORMATS,
    strict: bool = False,
    force: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    pdf_variant: str | None = None,
    subset_fonts: bool = True,
) -> BuildResult:
    """Build a resolved project: assemble, skip what is up to date, render the rest, write.

    ``pdf_variant`` (pdf/ua-1, pdf/a-3b, none) overrides every audience's own.
    """
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise SelectionError("PDF variant", pdf_variant, PDF_VARIANTS)
    project = config.project()
    audience_ids = _choose_audiences(project, config.settings.audiences)
    topic_ids = split_names(topics)
    for audience_id in audience_ids:  # unknown topics fail before any work
        select_topics(project, project.audience(audience_id), topic_ids)
    format_list = split_names(formats) or FORMATS
    for name in format_list:
        if name not in FORMATS:
            raise SelectionError("format", name, FORMATS)
    roots = TemplateRoots(shared=config.templates, user=config.user_templates)
    if roots.user is not None and not roots.user.is_dir():
        raise RenderError(f"{roots.user}: the user template folder does not exist")
    out_dir = prepare_output(config.output)
    report = progress or (lambda done, total, label: None)
    result = BuildResult(project=project, config=config)
    with build_lock(out_dir):
        manifest = Manifest.read(out_dir)
        options = (strict, pdf_variant, subset_fonts)
        pending = _pending(project, audience_ids, topic_ids, format_list, roots, config, options)
        if not force:
            pending = _skip_unchanged(pending, manifest, format_list, result, report)
        done = len(audience_ids) - len(pending)
        rendered = _run(pending, jobs, report, done, len(audience_ids))
        for item in rendered:
            result.warnings.extend(f"{item.audience}: {w}" for w in item.warnings)
        if strict and result.warnings:
            raise RenderError(
                f"{len(result.warnings)} warning(s) with --strict; nothing was written:\n"
                + "\n".join(f"  {w}" for w in result.warnings)
            )
        _write(rendered, [key for _, key in pending], manifest, result)
    order = {a: i for i, a in enumerate(audience_ids)}
    result.documents.sort(key=lambda d: (order[d.audience], FORMATS.index(d.format)))
    return result


def _pending(
    project: Project,
    audience_ids: Sequence[str],
    topic_ids: Sequence[str],
    formats: tuple[str, ...],
    roots: TemplateRoots,
    config: Config,
    options: tuple[bool, str | None, bool],
) -> list[tuple[Job, str]]:
    """Assemble each audience's briefing and key it on everything its documents depend on.

    ``options`` are the build's ``strict``, ``pdf_variant`` and ``subset_fonts``.
    """
    strict, pdf_variant, subset = options
    fonts = config.output / CACHE_FOLDER if subset else None
    trees: dict[Path, str] = {}
    pending = []
    for audience_id in audience_ids:
        briefing = assemble_briefing(project, audience_id, topic_ids)
        variant = pdf_variant or briefing.audience.pdf_variant
        created = creation_time(briefing)
        job = Job(briefing, formats, roots, created, config.root, strict, variant, fonts, subset)
        folders = roots.roots(Path(briefing.audience.folder))
        choices = [formats, job.created.isoformat(), strict, job.pdf_variant]
        key = job_key(briefing, choices + ([] if subset else ["whole fonts"]), folders, trees)
        pending.append((job, key))
    return pending


def _skip_unchanged(
    pending: list[tuple[Job, str]],
    manifest: Manifest,
    formats: tuple[str, ...],
    result: BuildResult,
    report: Callable[[int, int, str], None],
) -> list[tuple[Job, str]]:
    """Drop the jobs whose documents are up to date, recording them as unchanged."""
    left = []
    for job, key in pending:
        audience_id = job.briefing.audience.id
        if not manifest.up_to_date(audience_id, key, formats):
            left.append((job, key))
            continue
        pages, banner, omitted = manifest.recorded(audience_id)
        for fmt in formats:
            path = manifest.folder / f"{audience_id}.{fmt}"
            result.documents.append(Document(audience_id, fmt, path, "unchanged", pages))
        result.omitted[audience_id] = omitted
        result.banners[audience_id] = banner or job.briefing.banner
        skipped = len(result.banners)
        report(skipped, len(pending), f"{audience_id}: unchanged")
    return left


def _write(
    rendered: list[Rendered], keys: list[str], manifest: Manifest, result: BuildResult
) -> None:
    """Write every rendered document and the manifest, staged and renamed together."""
    files: dict[Path, bytes] = {}
    for item, key in zip(rendered, keys, strict=True):
        for fmt, data in item.files.items():
            target = manifest.folder / f"{item.audience}.{fmt}"
            files[target] = data
            result.documents.append(Document(item.audience, fmt, target, "written", item.pages))
        result.omitted[item.audience] = item.omitted
        result.banners[item.audience] = item.banner
        manifest.record(item.audience, key, item.files, item.pages, item.banner, item.omitted)
    if rendered:
        files[manifest.folder / MANIFEST_NAME] = manifest.to_bytes()
        files.update(cache_files(item.fonts for item in rendered if item.fonts))
        write_files(files)
        used = {key for item in rendered if item.fonts for key in item.fonts.used}
        prune_cache(manifest.folder / CACHE_FOLDER, used)


def _choose_audiences(project: Project, wanted: Sequence[str]) -> tuple[str, ...]:
    known = tuple(a.id for a in project.audiences)
    for name in wanted:
        if name not in known:
            raise SelectionError("audience", name, known)
    return tuple(wanted) or known


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
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start) as pool:
        futures = {pool.submit(render_job, job): i for i, (job, _) in enumerate(pending)}
        slots: list[Rendered | None] = [None] * len(pending)
        for future in as_completed(futures):
            rendered = future.result()  # a worker's BriefingError is re-raised here, intact
            slots[futures[future]] = rendered
            done += 1
            report(done, total, f"{rendered.audience}: rendered")
        return [r for r in slots if r is not None]


def _worker_start() -> None:
    """A worker lives no longer than its build, and never holds the build's lock."""
    release_inherited_locks()
    tie_to_parent()


def render_job(job: Job) -> Rendered:
    """Produce one audience's documents: fit the page budget, then render each format."""
    briefing = job.briefing
    warnings: list[str] = []
    pages: int | None = None
    pdf: bytes | None = None
    page: str | None = None  # a rendered page of the final briefing, for the font check
    if "pdf" in job.formats or briefing.audience.page_budget is not None:
        briefing, layout, cut = fit_budget(briefing, _layout_for(job, warnings), strict=job.strict)
        warnings.extend(cut)
        pages, page = layout.page_count, layout.html
        if "pdf" in job.formats:
            warnings.extend(preflight_warnings(layout, briefing))
            pdf = write_pdf_bytes(layout, job.created, job.pdf_variant)
            warnings.extend(w for w in layout.warnings if w not in warnings)
    if not briefing.sections:
        warnings.append(
            "no point meets this audience's criteria for the chosen topics; the document is empty"
        )
    files: dict[str, bytes] = {}
    fonts, html = None, None
    if "html" in job.formats:
        fonts = FontCache(job.font_cache)
        html = render_html(
            briefing,
            job.templates,
            project_root=job.project_root,
            font_cache=fonts,
            subset_fonts=job.subset_fonts,
        )
        files["html"] = html.encode("utf-8")
    if pdf is not None:
        files["pdf"] = pdf
    warnings.extend(font_warnings(briefing, job.templates, job.project_root, html or page))
    return Rendered(
        briefing.audience.id, files, pages, warnings, briefing.omitted, briefing.banner, fonts
    )


def _layout_for(job: Job, warnings: list[str]) -> Callable[[Briefing], Layout]:
    """How budget fitting lays a briefing out: print HTML, then WeasyPrint."""
    roots = job.templates.roots(Path(job.briefing.audience.folder))

    def lay_out(briefing: Briefing) -> Layout:
        html = render_html(briefing, job.templates, medium="print", project_root=job.project_root)
        layout = layout_pdf(html, roots, job.templates.shared)
        warnings.extend(w for w in layout.warnings if w not in warnings)
        return layout

    return lay_out


def preflight_warnings(layout: Layout, briefing: Briefing) -> list[str]:
    """Inspect the laid-out pages as a reviewer would; each defect becomes a warning."""
    from .preflight import check_pages

    name = f"{briefing.audience.id}.pdf"
    findings = check_pages(layout.document, min_fill=briefing.audience.preflight.min_fill)
    return [f"preflight: {name} {finding.message}" for finding in findings]
