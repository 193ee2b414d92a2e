"""The layout engine, WeasyPrint, imported quickly and with our fixes to its speed.

Each fix stands in for a piece of WeasyPrint 70 or its pydyf 0.13 and gives the same result,
byte for byte (``tests/test_engine.py`` compares each with the piece it replaces):

- importing: its C libraries looked up in the dynamic loader's cache (``_loader_cache_only``);
- laying out: a short text's line-break opportunities asked of Pango once (``_ShortBreaks``),
  a style property that no rule sets taken from the parent or the initial values at once
  (``_quick_missing``), one style for elements whose styles must be equal and a
  pseudo-element's style made when asked for (``_share_styles``);
- writing: objects without a ``__dict__`` until they are numbered (``_lean_objects``), the
  pages' references made once per page count (``_PageReferences``), a page's
  drawing joined once drawn (``_PaintedJoined``), each object serialized once and the pages'
  streams compressed in threads (``_WrittenOnce``, ``_SerializedOnce``), a long stream
  deflated in pieces on every core (``_Deflate``).

``engine()`` is the only way in; ``rendering`` and ``builder`` import WeasyPrint through it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

from .limits import cores

# The layout fixes (``_ShortBreaks``, ``_quick_missing``, ``_share_styles``) are installed; the
# benchmark's lever ``layout`` turns this off before the engine is first loaded, to measure
# what they buy.
LAYOUT_FIXES = True


def engine() -> Any:
    """WeasyPrint, imported the quick way (``_loader_cache_only``), with the fixes we make to
    how it lays out (``_ShortBreaks``, ``_quick_missing``, ``_share_styles``) and writes a PDF
    (``_lean_objects``, ``_PageReferences``, ``_PaintedJoined``, ``_WrittenOnce``,
    ``_Deflate``)."""
    with _ENGINE_LOCK:  # two threads' first calls would wrap what the other just wrapped
        return _engine()


_ENGINE_LOCK = threading.Lock()


def _engine() -> Any:
    import pydyf

    if "weasyprint" not in sys.modules:
        _import_engine()
    import weasyprint
    from weasyprint.css import ComputedStyle, StyleFor
    from weasyprint.layout import inline, preferred

    if LAYOUT_FIXES and not isinstance(inline.__dict__["can_break_text"], _ShortBreaks):
        inline.can_break_text = preferred.can_break_text = _ShortBreaks(inline.can_break_text)
    if LAYOUT_FIXES and not hasattr(ComputedStyle.__dict__["__missing__"], "slow"):
        ComputedStyle.__missing__ = _quick_missing(ComputedStyle.__dict__["__missing__"])
    if LAYOUT_FIXES and not hasattr(StyleFor.__dict__["__init__"], "slow"):
        _share_styles(StyleFor)
    if not hasattr(pydyf.Object.__dict__["__init__"], "slow"):
        _lean_objects(pydyf.Object)
    if not isinstance(pydyf.PDF.__dict__.get("page_references"), _PageReferences):
        pydyf.PDF.page_references = _PageReferences()
    page = weasyprint.document.Page
    if not isinstance(page.__dict__.get("paint"), _PaintedJoined):
        page.paint = _PaintedJoined(page.__dict__["paint"], pydyf._to_bytes)
    if not isinstance(pydyf.zlib, _Deflate):
        pydyf.zlib = _Deflate(pydyf.zlib)
    if not isinstance(pydyf.PDF.__dict__.get("write"), _WrittenOnce):
        for kind in (pydyf.Dictionary, pydyf.Array, pydyf.Stream):
            kind.data = _SerializedOnce(kind.__dict__["data"])
        pydyf.PDF.write = _WrittenOnce(pydyf.PDF.__dict__["write"], pydyf.Stream)
    return weasyprint


def _import_engine(quick: Callable[[], AbstractContextManager[bool]] | None = None) -> None:
    """Import WeasyPrint with its C libraries looked up in the loader's cache only; should that
    fail for any reason, import it again the ordinary way, so what worked before still works."""
    with (quick or _loader_cache_only)() as patched:
        if patched:
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # its own plea to install them
                    import weasyprint
                return
            except Exception:
                for name in [m for m in sys.modules if m.partition(".")[0] == "weasyprint"]:
                    del sys.modules[name]
    import weasyprint  # noqa: F401


@contextmanager
def _loader_cache_only() -> Iterator[bool]:
    """While inside, ``ctypes.util.find_library`` asks only the dynamic loader's cache.

    WeasyPrint loads each library under names for several systems in turn (for GObject:
    ``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, ``libgobject-2.0.so.0``...), and cffi
    asks ``find_library`` about each name it cannot load as given, which on Linux runs
    ``ldconfig -p``, then gcc, then ld: 22 lookups, 0.23 s of the 0.6 s the import took. A name
    the cache lists is the library the ordinary lookup finds too; one it does not list now
    fails at once, and the next name is tried. Yields whether it did anything (Linux only).
    """
    import ctypes.util

    cache_only = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if cache_only is None or not sys.platform.startswith("linux"):
        yield False
        return
    ordinary = ctypes.util.find_library
    ctypes.util.find_library = cache_only
    try:
        yield True
    finally:
        ctypes.util.find_library = ordinary


class _ShortBreaks:
    """WeasyPrint's ``can_break_text`` as its inline layout asks it: remembered for short texts.

    Where one inline box meets the next, the layout asks whether a line may break between the
    last letter of the one and the first of the other, and Pango builds the attributes of every
    character of those two to answer: 5% of laying out the 439-page synthetic staff. The answer
    depends only on the text and its language, so a short text is asked about once per process.
    """

    LONGEST = 4  # the layout asks about two letters; a longer text is asked each time
    KEPT = 65_536  # answers remembered at most; then forgotten all at once

    def __init__(self, ask: Callable[[str, str | None], bool]) -> None:
        self.ask = ask
        self.known: dict[tuple[str, str | None], bool] = {}

    def __call__(self, text: str, lang: str | None) -> bool:
        if len(text) > self.LONGEST:
            return self.ask(text, lang)
        known = self.known.get((text, lang))
        if known is None:
            if len(self.known) >= self.KEPT:
                self.known.clear()
            known = self.known[(text, lang)] = self.ask(text, lang)
        return known


def _quick_missing(missing: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    """WeasyPrint's ``ComputedStyle.__missing__``, quick for a property that no rule sets.

    A box's style computes each property the first time it is read; that took 14.5% of laying
    out the 439-page synthetic staff. Most reads are of properties that no rule sets on the
    element, nor, for a side such as ``margin_top``, on its logical twin
    (``margin_block_start``): WeasyPrint's own path then ends with the parent's value for an
    inherited property, and the initial value for another whose initial value is its computed
    value, after checks for variables, math functions and special properties that cannot apply.
    This returns those at once; everything else goes WeasyPrint's way (``.slow``), as does
    an inherited value holding a math function (WeasyPrint checks it again, and may warn).
    """
    from weasyprint.css import INITIAL_VALUES, PHYSICAL_FUNCTIONS
    from weasyprint.css.functions import check_math
    from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED

    special = {"display", "float", "position", "page"}  # computed from one another
    plain = (str, int, float, type(None))  # values that cannot hold a math function
    inherit, initial = object(), object()
    quick = {  # property → (where its value comes from, {direction: its logical twin} or None)
        key: (
            inherit if key in INHERITED else initial,
            {d: logical(block="ttb", inline=d) for d in ("ltr", "rtl")}  # the block flows down
            if (logical := PHYSICAL_FUNCTIONS.get(key))
            else None,
        )
        for key in INITIAL_VALUES
        if key not in special
        and not key.startswith("text_decoration_")  # propagated, not inherited
        and (key in INHERITED or key not in INITIAL_NOT_COMPUTED)
    }

    def __missing__(style: Any, key: str) -> Any:
        found = quick.get(key)
        cascaded = style.cascaded
        if found is None or key in cascaded:
            return __missing__.slow(style, key)  # type: ignore[attr-defined]
        source, twins = found
        if twins is not None:
            twin = twins.get(style["direction"])
            if twin is None or twin in cascaded:
                return __missing__.slow(style, key)  # type: ignore[attr-defined]
        if source is inherit:
            parent = style.parent_style
            if parent is None:
                return __missing__.slow(style, key)  # type: ignore[attr-defined]
            value = parent[key]
            if type(value) not in plain and check_math(value):
                return __missing__.slow(style, key)  # type: ignore[attr-defined]
        else:
            value = INITIAL_VALUES[key]
        style[key] = value
        return value

    __missing__.slow = missing  # type: ignore[attr-defined]
    return __missing__


def _share_styles(style_for: type) -> None:
    """WeasyPrint's ``StyleFor``, with one style for elements whose styles must be equal, and a
    pseudo-element's style made when asked for.

    An element's computed style follows from its parent's and the declarations that reach it.
    WeasyPrint shares one style among siblings that the same rules reach, but an element with
    an ``id`` has a style of its own (its anchor), and so, in turn, has every element below it:
    the 5,000-point synthetic staff made a style for each of its 34,000 elements. And it makes
    one for six pseudo-elements of every element (``::marker``, ``::footnote-call``...), which
    its stylesheet reaches with ``*``-wide rules, though only list items and notes use them.
    After WeasyPrint's own cascade, this keeps one style for each parent's style and set of
    declarations, the children of two elements that differ only in their anchor taking the
    same parent (no property reads its parent's anchor unless it says ``inherit``, itself or
    through a variable), and makes a pseudo-element's style the first time the layout asks for
    it. A pseudo-element made at once (one with an anchor) takes the style its element keeps.
    A document with a length in viewport units keeps WeasyPrint's styles (``_timeless``).
    WeasyPrint's own ``__init__``, ``set_computed_styles`` and ``__call__`` are ``.slow``.
    """
    from weasyprint.css import PSEUDO_ELEMENTS, ComputedStyle

    deferrable = frozenset(PSEUDO_ELEMENTS) - {None}  # a page's margin boxes are not among them
    init, set_computed_styles, call = (
        style_for.__dict__[name] for name in ("__init__", "set_computed_styles", "__call__")
    )

    def __init__(self: Any, html: Any, *args: Any, **kwargs: Any) -> None:
        # pseudo-element → {element: its declarations}, made into styles when asked for
        self._deferred = {kind: {} for kind in deferrable}
        self._deferred_from = (html.etree_element, html.base_url)
        self._interned = {}
        try:
            init(self, html, *args, **kwargs)
        finally:
            del self._interned
        styles = self._computed_styles
        if _timeless(styles, self._deferred):
            _one_style_each(html.etree_element, styles)
            for (element, pseudo_type), style in styles.items():
                if pseudo_type is not None:  # made at once (it has an anchor): its element's
                    style.parent_style = styles[element, None]

    def deferring(
        self: Any,
        element: Any,
        parent: Any,
        root: Any = None,
        pseudo_type: Any = None,
        base_url: Any = None,
        target_collector: Any = None,
    ) -> None:
        interned = getattr(self, "_interned", None)  # only while WeasyPrint's __init__ runs
        if (
            interned is not None
            and pseudo_type in deferrable
            and parent is element
            and (root, base_url) == self._deferred_from
        ):
            cascaded = self._cascaded_styles.get((element, pseudo_type), {})
            if "anchor" not in cascaded:  # an anchor is collected as the style is made
                cascaded = interned.setdefault(_declared(cascaded), cascaded)  # one, not one each
                self._deferred[pseudo_type][element] = cascaded
                return
        set_computed_styles(self, element, parent, root, pseudo_type, base_url, target_collector)

    def __call__(self: Any, element: Any, pseudo_type: Any = None) -> Any:
        if pseudo_type is not None and (waiting := self._deferred.get(pseudo_type)):
            cascaded = waiting.pop(element, None)
            if cascaded is not None:
                root, base_url = self._deferred_from
                styles = self._computed_styles
                styles[element, pseudo_type] = ComputedStyle(  # as set_computed_styles does
                    styles[element, None],
                    cascaded,
                    pseudo_type,
                    styles[root, None],
                    base_url,
                    self.font_config,
                    self.initial_page_sizes,
                )
        return call(self, element, pseudo_type)

    __init__.slow = init  # type: ignore[attr-defined]
    deferring.slow = set_computed_styles  # type: ignore[attr-defined]
    __call__.slow = call  # type: ignore[attr-defined]
    for name, replacement in (
        ("__init__", __init__),
        ("set_computed_styles", deferring),
        ("__call__", __call__),
    ):
        setattr(style_for, name, replacement)


def _declared(cascaded: dict[str, tuple[Any, Any]]) -> tuple[tuple[str, int, Any], ...]:
    """What a style's cascaded declarations are, as a key: each property with its parsed value
    (the same object, from the same rule) and its weight."""
    return tuple((name, id(value), weight) for name, (value, weight) in cascaded.items())


def _timeless(styles: dict[tuple[Any, Any], Any], deferred: dict[Any, dict[Any, Any]]) -> bool:
    """Whether no declaration of the document uses a viewport unit (``vw``, ``vh``...).

    WeasyPrint computes such a length against the first page's size, or, asked before the
    first page exists (as box building may be), against A4's, with a warning: its value
    depends on when it is first read, and one style shared by more elements is read at other
    times. A document that uses one keeps WeasyPrint's own styles. Each parsed value is looked
    into once (the rules' values are shared by every element they reach).
    """
    from weasyprint.css.units import VIEWPORT_UNITS

    seen: dict[int, bool] = {}

    def uses(value: Any) -> bool:
        found = seen.get(id(value))
        if found is None:
            found = seen[id(value)] = _mentions(value, VIEWPORT_UNITS)
        return found

    cascades = [style.cascaded for (_, kind), style in styles.items() if kind is None]
    cascades += [
        c for waiting in deferred.values() for c in {id(c): c for c in waiting.values()}.values()
    ]
    return not any(uses(value) for cascaded in cascades for value, _ in cascaded.values())


def _mentions(value: Any, units: frozenset[str] | set[str]) -> bool:
    """Whether a parsed CSS value (WeasyPrint's, or tinycss2's tokens, as in a variable or a
    math function) holds a length in one of ``units``; a string such as one is counted too."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.lower() in units:
                return True
            continue
        unit = getattr(item, "unit", None)
        if isinstance(unit, str) and unit.lower() in units:
            return True
        if isinstance(item, tuple | list):
            stack.extend(item)
        else:
            for inner in ("tokens", "arguments", "content"):
                parts = getattr(item, inner, None)
                if isinstance(parts, tuple | list):
                    stack.extend(parts)
    return False


def _one_style_each(root: Any, styles: dict[tuple[Any, Any], Any]) -> None:
    """Give every element whose parent's style and declarations are the same one style.

    Declarations are the same when each property has the same parsed value (the same object,
    from the same rule) with the same weight. The style an element's children take as their
    parent is found without its anchor, unless a child's own anchor could read it.
    """
    same: dict[tuple[int, tuple[Any, ...]], Any] = {}  # (parent, declarations) → its style
    kin: dict[tuple[int, tuple[Any, ...]], Any] = {}  # the same, the anchor left out
    as_parent: dict[Any, Any] = {}  # element → the style its children take as their parent

    def share(element: Any, parent: Any) -> None:
        style = styles.get((element, None))
        if style is None or (parent is not None and parent not in as_parent):
            return  # not styled, nor what is below it: left as WeasyPrint made it
        cascaded = style.cascaded
        anchor = cascaded.get("anchor", (None,))[0]
        if parent is None:
            parent_style = None
        elif anchor is None or (isinstance(anchor, str) and anchor != "inherit"):
            parent_style = as_parent[parent]
        else:  # inherit, or a variable: it could read the parent's anchor
            parent_style = styles[parent, None]
        declared = _declared(cascaded)
        shared = same.setdefault((id(parent_style), declared), style)
        if shared is style and parent_style is not None:
            style.parent_style = parent_style
        styles[element, None] = shared
        if "anchor" in cascaded:
            declared = tuple(d for d in declared if d[0] != "anchor")
            shared = kin.setdefault((id(parent_style), declared), shared)
        as_parent[element] = shared

    share(root, None)
    for element in root.iter():
        for child in element:
            if isinstance(child.tag, str):
                share(child, element)


def _lean_objects(base: type) -> None:
    """pydyf's ``Object.__init__``, which gives every dictionary, array, string and stream of a
    PDF four attributes (its number, offset, generation and whether it is free), made lean.

    Set in ``__init__``, they give each object a ``__dict__`` of its own, 360 bytes; a tagged
    file holds one object for each element and each list of children: 49,000 at once for the
    96-page synthetic staff, half of them never added to the file, never numbered. The four
    are now the class's defaults, so an object has a ``__dict__`` only once one of them is set
    (its number, when it is added to a file). They read the same. pydyf's own ``__init__`` is
    ``.slow``.
    """
    slow = base.__dict__["__init__"]
    for name, value in (("number", None), ("offset", 0), ("generation", 0), ("free", "n")):
        setattr(base, name, value)

    def __init__(self: Any) -> None:
        pass

    __init__.slow = slow  # type: ignore[attr-defined]
    setattr(base, "__init__", __init__)  # noqa: B010 (mypy refuses assigning to a method)


class _PageReferences:
    """``pydyf.PDF.page_references``, made once per page count instead of once per use.

    pydyf 0.13 rebuilds the tuple of every page's reference each time it is read, and
    WeasyPrint 70 reads it once per tagged element and per link: quadratic in the pages: writing
    a tagged PDF of 142 pages took 8.0 s of CPU with it and 7.4 s without, one of 439 pages
    32.1 s and 23.4 s. Pages are only ever appended to ``Kids``, so the tuple holds until their
    number changes; the bytes written are the same.
    """

    def __get__(self, pdf: Any, owner: type | None = None) -> Any:
        if pdf is None:
            return self
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_briefings_page_references")
        if cached is None or cached[0] is not kids or cached[1] != len(kids):
            references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
            cached = (kids, len(kids), references)
            pdf.__dict__["_briefings_page_references"] = cached
        return cached[2]


# While ``_WrittenOnce`` writes a file in this thread: the file, and its objects' serialized
# bytes by ``id`` (a stream's may be a ``Future`` until compressed). Unset otherwise.
_WRITING = threading.local()


class _Method:
    """An object standing in for a method: bound as a function is (``obj.method(...)`` calls
    it with ``obj`` first), and callable on the class (``Class.method(obj, ...)``)."""

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self if obj is None else functools.partial(cast(Callable[..., Any], self), obj)


class _PaintedJoined(_Method):
    """WeasyPrint's ``Page.paint``, with the page's drawing joined into one string once drawn.

    A page's content stream is a list of small byte strings, one per drawing operator, kept
    until the file is written, where pydyf joins them with newlines: 598,000 strings (43 MiB)
    for the 439-page synthetic staff. Joined as each page is drawn, they take 5 MiB; what is
    drawn on the page afterwards is appended as before, and the bytes written are the same.
    """

    def __init__(self, paint: Callable[..., Any], to_bytes: Callable[[Any], bytes]) -> None:
        self.paint = paint
        self.to_bytes = to_bytes

    def __call__(self, page: Any, stream: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.paint(page, stream, *args, **kwargs)
        stream.stream = [b"\n".join(self.to_bytes(item) for item in stream.stream)]
        return result


class _WrittenOnce(_Method):
    """``pydyf.PDF.write``, serializing each object once, its streams compressed on every core.

    pydyf 0.13 serializes every object, and compresses every stream (zlib level 9), a second
    time to hash the file for its identifier, which our files carry (``pdf_identifier``): the
    439-page synthetic staff took 12.1 s to write, 10.8 s with each object's bytes kept for the
    hash. zlib lets go of the interpreter's lock while it compresses, so the pages' streams are
    also compressed in threads, one per core, while this thread writes the rest: 9.9 s. The
    bytes written are the same.
    """

    def __init__(self, write: Callable[..., Any], stream: Any) -> None:
        self.write = write
        self.stream = stream

    def __call__(self, pdf: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_WRITING, "state", None) is not None:  # a file written inside another
            return self.write(pdf, *args, **kwargs)
        streams = [
            obj
            for obj in pdf.objects
            if isinstance(obj, self.stream) and obj.free != "f" and obj.compress
        ]
        threads = min(cores(), 4, len(streams))
        pool = ThreadPoolExecutor(threads, "compress") if threads > 1 else None
        memo: dict[int, Any] = {}
        try:
            if pool is not None:
                serialize = self.stream.data.serialize
                memo.update((id(obj), pool.submit(serialize, obj)) for obj in streams)
            _WRITING.state = (pdf, memo)
            return self.write(pdf, *args, **kwargs)
        finally:
            _WRITING.state = None
            if pool is not None:
                pool.shutdown(cancel_futures=True)


class _SerializedOnce:
    """The ``data`` property of pydyf's dictionaries, arrays and streams, made once for each
    object of the file being written (``_WrittenOnce``), and as before for anything else."""

    def __init__(self, data: property) -> None:
        self.serialize: Callable[[Any], bytes] = data.fget  # type: ignore[assignment]

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        state = getattr(_WRITING, "state", None)
        if state is None:
            return self.serialize(obj)
        pdf, memo = state
        made = memo.get(id(obj))
        if made is None:
            number = obj.number  # set when added to a file; the file's objects live on in it
            if number is None or number >= len(pdf.objects) or pdf.objects[number] is not obj:
                return self.serialize(obj)  # a part of an object, or not this file's
            made = memo[id(obj)] = self.serialize(obj)
        elif isinstance(made, Future):
            made = memo[id(obj)] = made.result()
        return made


class _Deflate:
    """The ``zlib`` module as pydyf sees it, with level 9 streams deflated in pieces on every core.

    pydyf compresses each stream in one call at level 9. The last and longest, the object
    stream holding every dictionary, is written after everything else: 10.9 MB for the
    439-page synthetic staff, 0.75 s on one core. A stream longer than ``PIECE`` is deflated in
    pieces of that size in threads (zlib lets go of the interpreter's lock), each primed with
    the 32 KiB before it, as pigz does, and flushed to a byte boundary, so that the pieces join
    into one zlib stream: 0.39 s on two cores, 352 bytes longer. The pieces do not depend on
    the number of cores, so the bytes are the same on any machine; a stream up to ``PIECE`` is
    deflated in one call, byte for byte as before.
    """

    PIECE = 1 << 20
    WINDOW = 1 << 15  # what deflate may refer back to

    def __init__(self, zlib: Any) -> None:
        self.zlib = zlib

    def __getattr__(self, name: str) -> Any:
        return getattr(self.zlib, name)

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        if level != 9 or args or kwargs:
            return self.zlib.compressobj(level, *args, **kwargs)
        return _Pieces(self)

    def deflate(self, data: bytes) -> bytes:
        """``data`` as one zlib stream at level 9, deflated in pieces when long."""
        zlib = self.zlib
        if len(data) <= self.PIECE:
            whole = zlib.compressobj(9)
            return bytes(whole.compress(data) + whole.flush())
        view = memoryview(data)
        starts = range(0, len(data), self.PIECE)
        last = starts[-1]

        def piece(start: int) -> bytes:
            primer = {"zdict": view[max(0, start - self.WINDOW) : start]} if start else {}
            raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, **primer)
            end = zlib.Z_FINISH if start == last else zlib.Z_SYNC_FLUSH
            return bytes(raw.compress(view[start : start + self.PIECE]) + raw.flush(end))

        with ThreadPoolExecutor(min(cores(), 4, len(starts)), "deflate") as pool:
            pieces = list(pool.map(piece, starts))
        header = b"\x78\xda"  # deflate, 32 KiB window, level 9: what zlib.compressobj(9) writes
        return header + b"".join(pieces) + zlib.adler32(data).to_bytes(4, "big")


class _Pieces:
    """The compressor ``_Deflate.compressobj`` gives: it keeps what it is given until flushed."""

    def __init__(self, deflate: _Deflate) -> None:
        self.deflate = deflate
        self.given: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        self.given.append(data)
        return b""

    def flush(self, mode: int | None = None) -> bytes:
        data, self.given = b"".join(self.given), []
        return self.deflate.deflate(data)
