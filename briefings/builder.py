"""Building: a project folder + options → briefing documents written into the output folder.

The one call behind ``briefing build``: load and validate, assemble a briefing per audience, fit
page budgets, render HTML and PDF (in worker processes when there are several documents), skip
documents whose inputs have not changed since the last build, and only when every document has
succeeded, write them all atomically. A failed build leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .assembly import assemble_briefing, select_topics
from .budget import fit_budget
from .cache import MANIFEST_NAME, Manifest, fingerprint, folders_digest, job_key
from .config import FOLDERS, Config, load_config
from .editions import Edition, locate, matching_edition, read_edition, snapshot, with_changes
from .engine import engine as load_engine
from .errors import BriefingError, RenderError, SelectionError
from .fontcache import CACHE_FOLDER, FontCache, cache_files, prune_cache
from .limits import cores as _cores
from .limits import tie_to_parent
from .model import FORMATS, PDF_VARIANTS, Audience, Briefing, Omission, Project
from .output import build_lock, prepare_output, release_inherited_locks, write_files
from .provenance import Provenance
from .rendering import (
    Layout,
    TemplateRoots,
    font_warnings,
    layout_pdf,
    render_html,
    sharing_fonts,
    write_pdf_bytes,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor


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
    provenance: Provenance = field(default_factory=Provenance)  # for the XMP and the manifest
    print_html: str | None = None  # the briefing's print HTML, when rendered ahead (``_ahead``)
    check_fonts: bool = True  # False: the build's process checks the page's fonts (``_run``)


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
    since: str | None = None,
) -> BuildResult:
    """Build briefing documents for the chosen audiences and topics into the output folder.

    ``root`` is where to look for the project (the nearest folder at or above it holding
    briefing.yaml); the folder options are the settings of briefing.yaml of the same names,
    given on the command line (``templates`` is the project's template folder,
    ``user_templates`` your own, searched first). ``subset_fonts=False`` inlines whole font
    files in the HTML: ten times larger, but quick to make (``preview`` serves it locally).
    ``jobs`` documents render at once, each in a worker process (default: one per core); with
    one, in this process once it has loaded WeasyPrint (``_engine_apart``).
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
        since=since,
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
    since: str | None = None,
) -> BuildResult:
    """Build a resolved project: assemble, skip what is up to date, render the rest, write.

    ``pdf_variant`` (pdf/ua-1, pdf/a-3b, none) overrides every audience's own; ``since`` (an
    edition's name or file) overrides the settings' ``since``.
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
    then = _since_edition(config, since)
    out_dir = prepare_output(config.output)
    report = progress or (lambda done, total, label: None)
    result = BuildResult(project=project, config=config)
    with build_lock(out_dir):
        manifest = Manifest.read(out_dir)
        options = (strict, pdf_variant, subset_fonts)
        pending = _pending(
            project, audience_ids, topic_ids, format_list, roots, config, options, then
        )
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
    then: Edition | None = None,
) -> list[tuple[Job, str]]:
    """Assemble each audience's briefing and key it on everything its documents depend on.

    ``options`` are the build's ``strict``, ``pdf_variant`` and ``subset_fonts``; ``then`` the
    edition each document's changes are counted from.
    """
    strict, pdf_variant, subset = options
    fonts = config.output / CACHE_FOLDER if subset else None
    trees: dict[Path, str] = {}
    pending = []
    now = snapshot(project)
    edition = matching_edition(config.root, now)
    for audience_id in audience_ids:
        briefing = assemble_briefing(project, audience_id, topic_ids)
        if then is not None:
            briefing = with_changes(briefing, project, then, now, topic_ids)
        variant = pdf_variant or briefing.audience.pdf_variant
        created = creation_time(briefing)
        settings, templates = digests(config, briefing.audience, trees)
        since = then.name if then is not None else None
        provenance = Provenance(
            edition, since, tuple(topic_ids), settings, templates, cited_sources(project, briefing)
        )
        job = Job(
            briefing,
            formats,
            roots,
            created,
            config.root,
            strict,
            variant,
            fonts,
            subset,
            provenance,
        )
        folders = roots.roots(Path(briefing.audience.folder))
        choices = [formats, job.created.isoformat(), strict, job.pdf_variant, edition]
        key = job_key(briefing, choices + ([] if subset else ["whole fonts"]), folders, trees)
        pending.append((job, key))
    return pending


def digests(config: Config, audience: Audience, trees: dict[Path, str]) -> tuple[str, str]:
    """Digests of the settings a document prints (title, organisation, dates, contact: not
    where folders are) and of an audience's template folders, for its manifest.

    ``trees`` remembers each folder's digest across audiences (and the cache key's).
    """
    printed = config.settings.model_dump(exclude={*FOLDERS, "audiences", "since"})
    settings = json.dumps(fingerprint(printed), sort_keys=True)
    roots = TemplateRoots(shared=config.templates, user=config.user_templates)
    templates = folders_digest(roots.roots(Path(audience.folder)), trees)
    return hashlib.sha256(settings.encode()).hexdigest(), templates


def cited_sources(project: Project, briefing: Briefing) -> tuple[tuple[str, str, str], ...]:
    """(id, title, standing) of every source the briefing's points cite, shown or not: a point
    is never marked below a source it cites, so their titles are within its ceiling."""
    cited = dict.fromkeys(ref.seed for p in briefing.points() for ref in p.sources)
    seeds = (project.seed(seed_id) for seed_id in cited)
    return tuple((s.id, s.title, s.standing) for s in seeds if s is not None)


def _since_edition(config: Config, given: str | None) -> Edition | None:
    """The edition a build counts changes from: ``--since``, else the settings' ``since``."""
    name = given or config.settings.since
    if not name:
        return None
    path = locate(config.root, name, from_settings=not given)
    return read_edition(path, config.root)


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
    """Render the pending jobs, ``jobs`` documents at a time (or one job in two parts:
    ``_parts``), in worker processes; one at a time, in this process unless ``_engine_apart``."""
    parts = [(index, part) for index, (job, _) in enumerate(pending) for part in _parts(job)]
    workers = min(len(parts), jobs or _cores())
    if workers == 1:  # parts are for sharing a document between workers
        parts = [(index, job) for index, (job, _) in enumerate(pending)]
    report = progress or (lambda done, total, label: None)
    engine = any(_lays_out(job) for job, _ in pending)
    if workers <= 1 and not _engine_apart(engine):
        results = []
        with _rendering():
            for job, _ in pending:
                results.append(render_job(job))
                done += 1
                report(done, total, f"{job.briefing.audience.id}: rendered")
        return results
    # Imported here: a build with nothing to render (a rebuild) needs neither (11 ms).
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ahead = workers == 1  # a worker of its own lays out; this process renders ahead
    pieces: list[dict[int, Rendered]] = [{} for _ in pending]
    counts = Counter(index for index, _ in parts)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start, initargs=(engine,))
    try:
        with _ctrl_c_held():  # the workers, forked now, answer it once they can
            pool.submit(os.getpid)  # starts them: they import the engine meanwhile
        futures, checked = _submit(pool, [part for _, part in parts], ahead)
        for future in as_completed(futures):
            k = futures[future]
            index = parts[k][0]
            rendered = future.result()  # a worker's BriefingError is re-raised here
            rendered.warnings.extend(w for w in checked.get(k, ()) if w not in rendered.warnings)
            pieces[index][k] = rendered
            if len(pieces[index]) == counts[index]:
                done += 1
                report(done, total, f"{pending[index][0].briefing.audience.id}: rendered")
    except BrokenProcessPool:
        unfinished = [
            j.briefing.audience.id for i, (j, _) in enumerate(pending) if len(pieces[i]) < counts[i]
        ]
        raise RenderError(
            "a worker process ended abruptly (killed, out of memory, or a crash in the engine) "
            f"while rendering {', '.join(unfinished)}; nothing was written"
        ) from None
    finally:
        # After an error or Ctrl-C, what has not started never will. Waiting, as ``with``
        # would: left running, the pool's thread races Python's exit hook, which then writes
        # to a pipe already closed ("Bad file descriptor"; CPython gh-125451).
        pool.shutdown(cancel_futures=True)
    return [_joined([done_parts[k] for k in sorted(done_parts)]) for done_parts in pieces]


def _submit(
    pool: ProcessPoolExecutor, parts: list[Job], ahead: bool
) -> tuple[dict[Future[Rendered], int], dict[int, list[str]]]:
    """Hand the parts to the workers, the slowest first; return each one's future, and the font
    warnings found here for the PDFs whose print HTML was rendered here (``_ahead``): that HTML
    is their page, checked while a worker lays it out.

    Every print HTML is rendered before any part is handed over, so that a template error
    stops the build at once instead of after the layouts already under way.
    """
    ready = [(k, _ahead(parts[k]) if ahead else parts[k]) for k in _slowest_first(parts)]
    here = {
        k
        for k, part in ready
        if part.print_html is not None
        and part.formats == ("pdf",)
        and part.briefing.audience.page_budget is None
    }
    futures = {
        pool.submit(render_job, replace(part, check_fonts=k not in here)): k for k, part in ready
    }
    checked = {
        k: font_warnings(part.briefing, part.templates, part.project_root, part.print_html)
        for k, part in ready
        if k in here
    }
    return futures, checked


# One document at a time is laid out in a worker of its own when this process has not loaded
# WeasyPrint: the worker imports it (0.35 s) while this process renders the print HTML (0.25 s
# the first time: templates compiled, figures drawn), so the two run side by side instead of
# one after the other; while the worker lays out, this process checks the page's fonts. With
# two workers or more, each imports the engine as the other starts, and rendering here as
# well only competes with them for the cores (the book at -j 2: 4.65 s against 4.46 s).
ENGINE_APART = True


def _engine_apart(engine: bool) -> bool:
    """Whether one-at-a-time rendering goes to a worker of its own (``ENGINE_APART``): when
    there is something to lay out, a second core, and no engine loaded here yet (the preview's
    warm worker and a library caller's second build have one: no import to overlap)."""
    loaded = "weasyprint" in sys.modules
    return engine and ENGINE_APART and not loaded and _cores() > 1


def _ahead(job: Job) -> Job:
    """The job with the print HTML of its briefing rendered here, if it lays out."""
    if not _lays_out(job):
        return job
    html = render_html(job.briefing, job.templates, medium="print", project_root=job.project_root)
    return replace(job, print_html=html)


def _parts(job: Job) -> list[Job]:
    """A job split where its parts do not wait on each other, so two workers can share it: the
    PDF and the HTML of a document without a page budget (a budget's cuts decide both)."""
    if len(job.formats) > 1 and job.briefing.audience.page_budget is None:
        # The PDF's part first: joined, the warnings come in the order one job gives them.
        formats = sorted(job.formats, key=lambda fmt: fmt != "pdf")
        return [replace(job, formats=(fmt,)) for fmt in formats]
    return [job]


def _joined(parts: list[Rendered]) -> Rendered:
    """One audience's documents from its parts: their files, and each warning once."""
    first = parts[0]
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    for part in parts:
        files.update(part.files)
        warnings.extend(w for w in part.warnings if w not in warnings)
    pages = next((p.pages for p in parts if p.pages is not None), None)
    fonts = next((p.fonts for p in parts if p.fonts is not None), None)
    return replace(
        first, files=dict(sorted(files.items())), pages=pages, warnings=warnings, fonts=fonts
    )


def _worker_start(engine: bool = False) -> None:
    """A worker lives no longer than its build, and never holds the build's lock.

    It imports WeasyPrint before its first job when the build lays anything out, then renders
    as ``_rendering`` does, for the rest of its life (the build's).
    """
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # as the build's process does
        signal.signal(signal.SIGINT, _stop_quietly)
    if hasattr(signal, "pthread_sigmask"):  # POSIX: held by _ctrl_c_held
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    release_inherited_locks()
    tie_to_parent()
    if PAUSED_GC:
        gc.disable()  # for the import too, whose objects live as long as the worker
    if engine:
        with contextlib.suppress(Exception):  # the job reports a broken engine itself
            load_engine()
    _WORKER.enter_context(_rendering())


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while workers are forked: one arriving before a worker has set
    its own answer (``_stop_quietly``) would end it with a traceback. This process gets it as
    soon as the block ends; a worker, once its answer is set."""
    mask = getattr(signal, "pthread_sigmask", None)  # POSIX only
    if mask is None:
        yield
        return
    mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        mask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop_quietly(signum: int, frame: object) -> None:
    """A worker's answer to Ctrl-C, which reaches the whole process group: end at once, and say
    nothing (stopped in its initializer or between jobs, it would print a traceback); the
    build's process says that nothing was written. Interrupted alone, its build fails."""
    os._exit(128 + signum)


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
            trimmed = tuple(o.ref for o in briefing.omitted if o.reason == "budget")
            provenance = replace(job.provenance, budget_cut=trimmed)
            pdf = write_pdf_bytes(layout, job.created, job.pdf_variant, (briefing, provenance))
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
    if job.check_fonts:
        warnings.extend(font_warnings(briefing, job.templates, job.project_root, html or page))
    return Rendered(
        briefing.audience.id, files, pages, warnings, briefing.omitted, briefing.banner, fonts
    )


def _layout_for(job: Job, warnings: list[str]) -> Callable[[Briefing], Layout]:
    """How budget fitting lays a briefing out: print HTML, then WeasyPrint."""
    roots = job.templates.roots(Path(job.briefing.audience.folder))

    def lay_out(briefing: Briefing) -> Layout:
        if briefing is job.briefing and job.print_html is not None:
            html = job.print_html
        else:
            html = render_html(
                briefing, job.templates, medium="print", project_root=job.project_root
            )
        _collect_between()  # the documents and budget passes laid out before, held in cycles
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


# --- How documents render: garbage collection, shared fonts, order ----------------------------

# WeasyPrint makes millions of small objects while it lays out and draws a document, and hardly
# a cycle among them: the collector scans each new object at least once and finds next to
# nothing to free. Paused while a document renders, it lets the 439-page synthetic staff lay
# out in 18.2 s instead of 19.9 s (and in 21.1 s at the default thresholds), for a peak 21-30
# MiB higher. A laid-out document is held in cycles, so the collector runs before each layout
# (a budget's passes included), once what is left passes LEFT_BEHIND.
PAUSED_GC = True
LEFT_BEHIND = 50_000  # objects made since the last collection and still there (gc.get_count)
_WORKER = contextlib.ExitStack()  # what a worker process keeps open until it ends


@contextlib.contextmanager
def _rendering() -> Iterator[None]:
    """Render the documents inside with the collector paused and one font configuration.

    What exists already (imports, the project) is frozen out of the collector's sight; both are
    put back afterwards, so a library caller's process is left as it was. Neither changes a
    byte of the output.
    """
    enabled = gc.isenabled()
    gc.freeze()
    if PAUSED_GC:
        gc.disable()
    try:
        with sharing_fonts():
            yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def _collect_between() -> None:
    """With the collector paused (``_rendering``), collect before the next layout what the ones
    before it left in cycles, once that is worth a pass."""
    if not gc.isenabled() and gc.get_count()[0] > LEFT_BEHIND:
        gc.collect()


def _lays_out(job: Job) -> bool:
    """Whether a job needs the layout engine: a PDF, or a page budget to fit."""
    return "pdf" in job.formats or job.briefing.audience.page_budget is not None


def _slowest_first(jobs: Sequence[Job]) -> list[int]:
    """The jobs' indexes, the slowest first, so that the long pole does not start last.

    Longest-processing-time-first, with costs in twentieths of a second as measured on the book
    (two workers): a PDF takes half a second and a twentieth per point it prints (staff, 61
    points, 3.5 s; liaison, 38, 2.3 s); a page budget lays out a page or two a few times (the
    fact sheets took 0.33-0.45 s with their HTML); the screen HTML 0.15-0.2 s, most of it its
    fonts, cut for its characters.
    """

    def cost(index: int) -> float:
        job = jobs[index]
        points = sum(1 for _ in job.briefing.points())
        html = 2 + points / 30 if "html" in job.formats else 0
        if job.briefing.audience.page_budget is not None:
            return 6 + html
        return (points + 10 if "pdf" in job.formats else 0) + html

    return sorted(range(len(jobs)), key=lambda i: (-cost(i), i))
