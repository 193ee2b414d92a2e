"""Run ``briefing`` with some of the speed levers turned off, to measure what each one buys.

    python bench/levers.py gc,fonts -- build -a staff -f pdf --force -j 1

The levers (issue #16), each a seam in ``briefings``; none changes a byte of the output but
``woff2``, which changes only how the HTML's fonts are compressed:

  gc       the collector paused while documents render and run between them (``PAUSED_GC``),
           what exists before frozen out of its sight (``gc.freeze()``), and collecting
           rarely for the rest of a command (``cli.RARE_GC``)
  fonts    one WeasyPrint font configuration for every document a process lays out
  order    the slowest job first (``_slowest_first``), so the long pole does not start last
  prewarm  a worker imports WeasyPrint before its first job, in its initializer
  split    a document without a page budget renders its PDF and HTML as two jobs (``_parts``)
  pagerefs a tagged PDF's page references made once per page count (``engine``)
  libs     WeasyPrint's C libraries looked up in the loader's cache only (``engine``)
  woff2    the screen HTML's fonts written fast: glyphs stored as they are, Brotli quality 5
           (off: the glyph transform and quality 10, as before; the HTML's font bytes change)
  write    each PDF object serialized once (pydyf did it twice, to hash the file), the pages'
           streams compressed in threads, a page's drawing joined once drawn, a long stream
           deflated in pieces on every core, an object's __dict__ made only once it is
           numbered (``engine``)
  layout   a short text's line-break opportunities asked of Pango once, a style property
           no rule sets taken from the parent or the initial values at once, one style for
           elements whose styles must be equal and pseudo-elements' styles made when asked
           for (``engine``)
  apart    one document at a time laid out by a worker that imports WeasyPrint while the
           build's process renders the print HTML and then checks its fonts (``ENGINE_APART``);
           off, it all runs in the build's process, one step after the other

``none`` turns nothing off. The rest of the arguments are ``briefing``'s.
"""

from __future__ import annotations

import contextlib
import gc
import sys

LEVERS = (
    "gc",
    "fonts",
    "order",
    "prewarm",
    "split",
    "pagerefs",
    "libs",
    "woff2",
    "write",
    "layout",
    "apart",
)


def turn_off(names: set[str]) -> None:
    """Patch the builder so the named levers do nothing (forked workers inherit the patches)."""
    from briefings import builder

    if "gc" in names:
        from briefings import cli

        cli.RARE_GC = gc.get_threshold()
        builder.PAUSED_GC = False
        gc.freeze = lambda: None  # type: ignore[assignment]
    if "fonts" in names:
        builder.sharing_fonts = contextlib.nullcontext  # type: ignore[assignment]
    if "order" in names:
        builder._slowest_first = lambda jobs: list(range(len(jobs)))  # type: ignore[assignment]
    if "prewarm" in names:
        original = builder._worker_start
        builder._worker_start = lambda engine=False: original(False)  # type: ignore[assignment]
    if "split" in names:
        builder._parts = lambda job: [job]  # type: ignore[assignment]
    if "pagerefs" in names:
        from briefings import engine

        def afresh(self, pdf, owner=None):  # type: ignore[no-untyped-def]
            """pydyf's own: every page's reference, made again on each read."""
            if pdf is None:
                return self
            return tuple(f"{n} 0 R".encode("ascii") for n in pdf.pages["Kids"][::3])

        engine._PageReferences.__get__ = afresh  # type: ignore[method-assign]
    if "libs" in names:
        from briefings import engine

        engine._loader_cache_only = lambda: contextlib.nullcontext(False)  # type: ignore[assignment]
    if "woff2" in names:
        from briefings import fonts

        fonts.WOFF2_QUALITY = 10
        fonts.WOFF2_TRANSFORMED = ("glyf", "loca")
    if "write" in names:
        from briefings import engine

        def plain_write(self, pdf, *args, **kwargs):  # type: ignore[no-untyped-def]
            """pydyf's own: every object serialized again for the file's hash, in one thread."""
            return self.write(pdf, *args, **kwargs)

        def plain_paint(self, page, stream, *args, **kwargs):  # type: ignore[no-untyped-def]
            """WeasyPrint's own: the page's drawing kept as one string per operator."""
            return self.paint(page, stream, *args, **kwargs)

        def plain_deflate(self, level=-1, *args, **kwargs):  # type: ignore[no-untyped-def]
            """zlib's own: each stream deflated in one call, on one core."""
            return self.zlib.compressobj(level, *args, **kwargs)

        engine._lean_objects = lambda base: None  # pydyf's own: a __dict__ for every object
        engine._WrittenOnce.__call__ = plain_write  # type: ignore[method-assign]
        engine._Deflate.compressobj = plain_deflate  # type: ignore[method-assign]
        engine._PaintedJoined.__call__ = plain_paint  # type: ignore[method-assign]
    if "layout" in names:
        from briefings import engine

        engine.LAYOUT_FIXES = False
    if "apart" in names:
        builder.ENGINE_APART = False


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    names = {n for n in sys.argv[1].split(",") if n and n != "none"}
    unknown = names - set(LEVERS)
    if unknown:
        raise SystemExit(f"levers: unknown {', '.join(sorted(unknown))}; known: {LEVERS}")
    turn_off(names)
    from briefings.cli import main as briefing

    sys.argv = ["briefing", *sys.argv[3:]]
    briefing()


if __name__ == "__main__":
    main()
