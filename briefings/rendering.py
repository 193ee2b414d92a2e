"""Rendering: a ``Briefing`` → HTML (Jinja templates) → laid-out pages → PDF bytes (WeasyPrint).

HTML comes from the audience's ``briefing.html`` through the sandboxed template search path.
The screen variant inlines its stylesheet and its fonts, cut down to the page's characters (see
``fonts``), so the file opens anywhere offline; the print variant points at the bundled font
files, which WeasyPrint reads through a confined fetcher.
WeasyPrint is loaded through ``engine``, with our fixes, only when a PDF is laid out; everything
it logs is captured and returned as warnings, so a ``--strict`` build can fail on them.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import __version__, fonts
from .assembly import disclosable
from .editions import change_view
from .engine import engine
from .errors import BriefingError, RenderError, TemplateError
from .fontcache import FontCache
from .limits import deadline
from .model import Briefing
from .provenance import Provenance, pdf_options

ENTRY_TEMPLATE = "briefing.html"
STYLESHEETS = ("fonts/fonts.css", "print.css", "audience.css")
KIND_LABELS = {
    "fact": "Fact",
    "assessment": "Assessment",
    "recommendation": "Recommendation",
    "talking-point": "Talking point",
    "risk": "Risk to watch",
    "reported": "Reported",  # a fact that carries an attribution: a report, not the record
}
USE_LABELS = {"raise": "Raise", "if-asked": "If asked", "avoid": "Avoid"}
LAYOUT_SECONDS = 120.0  # per layout or PDF pass; a runaway SVG or table is stopped
_RUNAWAY = "is an SVG, table or page count runaway?"
# Printed where the screen stylesheet goes until its fonts are cut: text from content is
# escaped, so only a template's own `{{ stylesheet }}` can put these characters in the page.
_STYLESHEET_PLACEHOLDER = "<briefings-stylesheet/>"


@dataclass(frozen=True)
class TemplateRoots:
    """Where templates are looked up: user folder first, then audience folder, then shared."""

    shared: Path
    user: Path | None = None

    def roots(self, audience_folder: Path) -> list[Path]:
        """Return the folders a document may read from, most specific first."""
        return [p for p in (self.user, audience_folder, self.shared) if p is not None]


def render_html(
    briefing: Briefing,
    templates: TemplateRoots,
    *,
    medium: str = "screen",
    project_root: Path | None = None,
    font_cache: FontCache | None = None,
    subset_fonts: bool = True,
) -> str:
    """Render a briefing to an HTML page for the screen (self-contained) or for print.

    The screen page is rendered once with a placeholder for its stylesheet; its characters
    are read from it, and the stylesheet, its fonts cut down to them (``font_cache``
    remembers the cuts), takes the placeholder's place. ``subset_fonts=False`` inlines whole
    font files instead.
    """
    from .templating import make_environment, render_template  # Jinja: not for a no-op build

    env = make_environment(templates.shared, Path(briefing.audience.folder), templates.user)
    sheets = _stylesheets(env)

    def page(stylesheet: str) -> str:
        context = template_context(briefing, stylesheet, medium, render_figures(briefing))
        return render_template(env, ENTRY_TEMPLATE, context, project_root)

    if medium == "print":
        return page("\n".join(fonts.print_fonts(css, folder) for folder, css in sheets))
    raw = "\n".join(css for _, css in sheets)
    html = page(_STYLESHEET_PLACEHOLDER)
    characters = fonts.page_characters(html, raw) if subset_fonts else None
    cache, features = font_cache or FontCache(), fonts.css_features(raw)
    inlined = "\n".join(
        fonts.inline_fonts(css, folder, characters, cache, features) for folder, css in sheets
    )
    return html.replace(_STYLESHEET_PLACEHOLDER, inlined)


def font_warnings(
    briefing: Briefing,
    templates: TemplateRoots,
    project_root: Path | None = None,
    page: str | None = None,
) -> list[str]:
    """Name each character of the page that none of its stylesheet's fonts has.

    ``page`` is the briefing's page when it is already rendered (screen or print: they hold
    the same text); else the print page is rendered for the check.
    """
    from .templating import make_environment

    env = make_environment(templates.shared, Path(briefing.audience.folder), templates.user)
    sheets = _stylesheets(env)
    if page is None:
        page = render_html(briefing, templates, medium="print", project_root=project_root)
    text = fonts.page_text(page) + fonts.css_strings("\n".join(css for _, css in sheets))
    return fonts.coverage_warnings(text, fonts.faces(sheets), briefing)


def template_context(
    briefing: Briefing, stylesheet: str, medium: str, figures: dict[str, str]
) -> dict[str, Any]:
    """Return the variables every template sees (documented in templates/README.md)."""
    briefing = disclosable(briefing)
    return {
        "briefing": briefing,
        "audience": briefing.audience,
        "settings": briefing.settings,
        "sections": briefing.sections,
        "banner": briefing.banner,
        "omitted": briefing.omitted,
        "seeds": briefing.seeds,
        "source_numbers": {seed.id: n for n, seed in enumerate(briefing.seeds, start=1)},
        "front": briefing.front,
        "changes": change_view(briefing),
        "information_date": briefing.information_date,
        "show": briefing.audience.show,
        "stylesheet": Markup(stylesheet),
        "medium": medium,
        "figures": dict(figures),
        "kind_labels": KIND_LABELS,
        "use_labels": USE_LABELS,
        "generator": f"briefings {__version__}",
    }


def render_figures(briefing: Briefing) -> dict[str, Any]:
    """The figures the audience's profile lists, drawn from the data it may see.

    Each is a frozen figure object (``briefings.figures.Figure``: its SVG markup and its data);
    ``templates/partials/figures.html`` writes the words around it.
    """
    if not briefing.audience.figures:
        return {}
    from .figures import render_figures as draw

    return dict(draw(briefing))


def _stylesheets(env: Any) -> list[tuple[Path, str]]:
    """The stylesheets found on the search path, in order, each with its folder."""
    parts = []
    for name in STYLESHEETS:
        try:
            source, filename, _ = env.loader.get_source(env, name)
        except Exception as exc:  # TemplateNotFound: optional sheets may be missing
            if name == "audience.css" and getattr(exc, "message", None) == name:
                continue  # absent; a refused one (a symlink out of its folder) is an error
            raise TemplateError(f"stylesheet not found: {name} ({exc})") from None
        if "</" in source:
            raise TemplateError(f"{filename}: a stylesheet may not contain '</'")
        parts.append((Path(filename).parent, source))
    return parts


@dataclass
class Layout:
    """A laid-out document: its pages, where each point landed, and what WeasyPrint said."""

    document: Any
    warnings: list[str] = field(default_factory=list)
    html: str = ""  # the print HTML it was laid out from

    @property
    def page_count(self) -> int:
        """Number of pages."""
        return len(self.document.pages)

    def anchor_positions(self, prefix: str) -> dict[str, tuple[int, float, float]]:
        """Map anchor ids starting with prefix to (page index, top y, bottom y) of their box."""
        found: dict[str, tuple[int, float, float]] = {}
        for index, page in enumerate(self.document.pages):
            for name, box in page.anchors.items():  # (x1, y1, x2, y2)
                if name.startswith(prefix):
                    found.setdefault(name, (index, box[1], box[3]))
        return found

    def page_height(self) -> float:
        """Height of the first page, in CSS px."""
        return float(self.document.pages[0].height) if self.document.pages else 1.0


def layout_pdf(html: str, roots: list[Path], base_url: Path) -> Layout:
    """Lay out print HTML with WeasyPrint, confined to the given roots."""
    with captured_warnings() as warnings:
        weasyprint = engine()
        from .fetcher import make_fetcher

        fetcher = make_fetcher(roots, warnings)
        try:
            document = weasyprint.HTML(
                string=html, base_url=base_url.as_uri() + "/", url_fetcher=fetcher
            )
            _strip_attachments(document, warnings)
            with deadline(LAYOUT_SECONDS, "laying out the PDF", RenderError, _RUNAWAY):
                rendered = document.render(font_config=_shared_fonts())
        except RecursionError:
            raise RenderError("layout failed: the document nests too deeply") from None
        except BriefingError:
            raise
        except Exception as exc:  # the engine's own failures (it asserts on impossible pages)
            raise RenderError(
                f"layout failed in the engine ({type(exc).__name__}: {str(exc)[:200] or 'no message'}); "
                "is a page too small for its margins, or a size in the stylesheet out of range?"
            ) from None
    return Layout(rendered, warnings, html)


def write_pdf_bytes(
    layout: Layout,
    created: dt.datetime,
    variant: str = "pdf/ua-1",
    provenance: tuple[Briefing, Provenance] | None = None,
) -> bytes:
    """Serialize a laid-out document to PDF bytes, deterministically, as a PDF/UA-1 (tagged),
    PDF/A-3B or plain (``none``) file; with ``provenance`` (the briefing laid out, and what the
    builder knows of it), its XMP names its sources and edition and its manifest is attached."""
    options: dict[str, Any] = {} if variant == "none" else {"pdf_variant": variant}
    finisher = None
    if provenance is not None:
        extra, finisher = pdf_options(layout.document, *provenance, created)
        options.update(extra)
    with captured_warnings() as warnings:
        stamp = created.strftime("%Y%m%d%H%M%SZ").encode()
        with deadline(LAYOUT_SECONDS, "writing the PDF", RenderError, _RUNAWAY):
            data = layout.document.write_pdf(
                pdf_identifier=b"briefings-" + stamp, finisher=finisher, **options
            )
    layout.warnings.extend(warnings)
    return data


def _strip_attachments(document: Any, warnings: list[str]) -> None:
    """Refuse PDF attachments a template or body tries to smuggle in (rel=attachment)."""
    for element in document.etree_element.iter():
        rel = element.get("rel")
        if rel and "attachment" in rel.lower().split():
            target = element.get("href", "")
            del element.attrib["rel"]
            if element.tag == "link":
                element.attrib.pop("href", None)
            warnings.append(f"refused a PDF attachment: {target or '(no href)'}")


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect everything WeasyPrint logs at warning level or above, and every Python warning
    raised meanwhile (Pillow's decompression-bomb warning among them), instead of printing it."""
    sink: list[str] = []
    handler = _ListHandler(sink)
    loggers = [
        logging.getLogger("weasyprint"),
        logging.getLogger("weasyprint.progress"),
        logging.getLogger("fontTools"),
    ]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for developer_only in (DeprecationWarning, PendingDeprecationWarning, ResourceWarning):
                warnings.simplefilter("ignore", developer_only)
            yield sink
        sink.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.propagate = propagate
            lg.setLevel(level)


# While a build shares it (``sharing_fonts``): one font configuration for every document laid
# out in this process, so the system's fonts are listed and each bundled font is read once.
_SHARED_FONTS: list[Any] = []


@contextmanager
def sharing_fonts() -> Iterator[None]:
    """Let the documents laid out inside share one font configuration (fonts loaded once).

    A font is known by its ``@font-face`` rule (its URL among it), so the sharing lasts one
    build: a font file edited between builds is read again by the next one.
    """
    if _SHARED_FONTS:  # an outer build already shares one
        yield
        return
    _SHARED_FONTS.append(None)  # made on first use: an HTML-only build never imports the engine
    try:
        yield
    finally:
        _SHARED_FONTS.clear()


def _shared_fonts() -> Any:
    """The font configuration being shared, or None (WeasyPrint makes a fresh one)."""
    if not _SHARED_FONTS:
        return None
    if _SHARED_FONTS[0] is None:
        from weasyprint.text.fonts import FontConfiguration

        _SHARED_FONTS[0] = FontConfiguration()
    return _SHARED_FONTS[0]
