"""What we change in how the engine is used: its fixes for speed (``briefings.engine``), the
collector paused while documents render, workers, HarfBuzz font cuts.

None may change what a reader gets: the PDF is the same byte for byte, and a cut keeps the
notices the font licence asks for.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
from pathlib import Path

import pydyf
import pytest
from fontTools.ttLib import TTFont

from briefings import engine, fonts, rendering

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "templates" / "fonts"
CREATED = dt.datetime(2016, 11, 25, tzinfo=dt.UTC)

# Three pages, each with a heading, a list and a link to another: tags and links on every page.
PAGES = "".join(
    f'<section id="s{n}" style="break-after: page"><h1>Part {n}</h1>'
    f'<ul><li>One</li><li>Two</li></ul><p><a href="#s{(n + 1) % 3}">next</a></p></section>'
    for n in range(3)
)
HTML = f'<html lang="en"><head><title>Pages</title></head><body>{PAGES}</body></html>'


def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """What pydyf itself gives: every page's reference, made afresh."""
    return tuple(f"{n} 0 R".encode("ascii") for n in pdf.pages["Kids"][::3])


def test_the_page_references_follow_the_pages_added() -> None:
    engine.engine()
    pdf = pydyf.PDF()
    assert pdf.page_references == ()
    for count in (1, 2, 3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == page_references(pdf)
        assert len(pdf.page_references) == count
        assert pdf.page_references is pdf.page_references  # made once per page count


def test_the_cached_page_references_change_no_byte_of_a_tagged_pdf(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def write() -> bytes:
        layout = rendering.layout_pdf(HTML, [ROOT / "templates"], ROOT / "templates")
        assert layout.page_count == 3
        return rendering.write_pdf_bytes(layout, CREATED, "pdf/ua-1")

    cached = write()
    assert isinstance(pydyf.PDF.__dict__["page_references"], engine._PageReferences)
    monkeypatch.setattr(pydyf.PDF, "page_references", property(page_references))
    assert write() == cached


def unpatched_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydyf and WeasyPrint as they come: a page's drawing kept as one string per operator,
    each object serialized and each stream compressed as often as asked."""
    from weasyprint.document import Page

    monkeypatch.setattr(Page, "paint", Page.__dict__["paint"].paint)
    for kind in (pydyf.Dictionary, pydyf.Array, pydyf.Stream):
        monkeypatch.setattr(kind, "data", property(kind.__dict__["data"].serialize))
    monkeypatch.setattr(pydyf.PDF, "write", pydyf.PDF.__dict__["write"].write)
    monkeypatch.setattr(pydyf.Object, "__init__", pydyf.Object.__dict__["__init__"].slow)


def test_an_object_has_its_own_attributes_only_once_numbered() -> None:
    engine.engine()
    pdf = pydyf.PDF()
    kids = pydyf.Array([1])
    element = pydyf.Dictionary({"Type": "/StructElem", "K": kids})
    assert vars(element) == vars(kids) == {}  # no __dict__ of 4 attributes each, as pydyf gives
    assert (element.number, element.offset, element.generation, element.free) == (None, 0, 0, "n")
    pdf.add_object(element)
    assert vars(element) == {"number": len(pdf.objects) - 1} and kids.number is None
    assert element.reference == f"{element.number} 0 R".encode()


def test_each_page_drawn_is_kept_as_one_string() -> None:
    weasyprint = engine.engine()
    kept: list[int] = []

    def finisher(document: object, pdf: pydyf.PDF) -> None:  # before the file is written
        for number in pdf.pages["Kids"][::3]:
            contents = pdf.objects[number]["Contents"]  # b"<n> 0 R"
            kept.append(len(pdf.objects[int(contents.split()[0])].stream))

    weasyprint.HTML(string=HTML).render().write_pdf(finisher=finisher)
    assert kept == [1, 1, 1]


@pytest.mark.parametrize("threads", [1, 2])
def test_each_object_is_serialized_once_and_the_file_is_the_same(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    layout = rendering.layout_pdf(HTML, [ROOT / "templates"], ROOT / "templates")
    monkeypatch.setattr(engine, "cores", lambda: threads)
    stream_data = pydyf.Stream.__dict__["data"]
    assert isinstance(stream_data, engine._SerializedOnce)
    made: list[int] = []  # the ids of the streams compressed, once each time
    plain = stream_data.serialize

    def counted(stream: pydyf.Stream) -> bytes:
        made.append(id(stream))
        return plain(stream)

    monkeypatch.setattr(stream_data, "serialize", counted)
    once = rendering.write_pdf_bytes(layout, CREATED, "pdf/ua-1")
    assert made and len(made) == len(set(made))  # pydyf alone compresses each one twice

    unpatched_writing(monkeypatch)
    made.clear()
    assert rendering.write_pdf_bytes(layout, CREATED, "pdf/ua-1") == once
    assert len(made) > len(set(made))  # the check can tell: without the patch, twice


@pytest.mark.parametrize("threads", [1, 2])
def test_a_long_stream_deflated_in_pieces_is_one_zlib_stream_the_same_on_any_core_count(
    monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    import zlib

    engine.engine()
    monkeypatch.setattr(engine, "cores", lambda: threads)
    deflate = pydyf.zlib
    assert isinstance(deflate, engine._Deflate)
    words = [
        f"<</Type /Annot /Rect [{n} {n * 7 % 613} 20 30] /P {n} 0 R>>".encode()
        for n in range(99_999)
    ]
    data = b"\n".join(words)  # 5.6 MB: six pieces
    assert len(data) > 5 * deflate.PIECE

    def deflated(data: bytes) -> bytes:
        pieces = deflate.compressobj(level=9)
        return pieces.compress(data[:1000]) + pieces.compress(data[1000:]) + pieces.flush()

    whole = zlib.compress(data, 9)
    made = deflated(data)
    assert zlib.decompress(made) == data
    assert len(made) < len(whole) * 1.01  # primed pieces: about as small as one call
    assert made == EXPECTED_PIECES.setdefault("long", made)  # the same at 1 and 2 threads
    short = data[: deflate.PIECE]
    assert deflated(short) == zlib.compress(short, 9)  # up to one piece: as before, byte for byte


EXPECTED_PIECES: dict[str, bytes] = {}


def test_a_file_with_a_long_object_stream_reads_back() -> None:
    import pypdf

    engine.engine()
    pdf = pydyf.PDF()
    for n in range(30_000):  # 1.4 MB of dictionaries, all in the object stream
        last = pydyf.Dictionary({"Type": "/Example", "N": n, "Name": pydyf.String(f"n{n}")})
        pdf.add_object(last)
    pdf.add_page(pydyf.Dictionary({"Type": "/Page", "MediaBox": pydyf.Array([0, 0, 10, 10])}))
    out = io.BytesIO()
    pdf.write(out, version=b"1.7", identifier=b"x", compress=True)
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 1
    assert reader.get_object(last.number)["/N"] == 29_999  # the last one, from the stream
    assert out.getvalue().count(b"/Type /ObjStm") == 1
    stream = next(o for o in pdf.objects if isinstance(o, pydyf.Stream))  # the object stream
    assert len(b"\n".join(map(pydyf._to_bytes, stream.stream))) > pydyf.zlib.PIECE  # two pieces


def test_serializing_outside_a_file_being_written_is_as_before() -> None:
    engine.engine()
    stream = pydyf.Stream([b"BT", b"ET"], compress=True)
    assert stream.data == stream.data  # made afresh each time, the same
    assert pydyf.Dictionary({"A": 1}).data == b"<</A 1>>"


# Styles the quick path must compute as WeasyPrint does: inherited and not, set and not, the
# logical twins of physical sides in both directions, variables, math with percentages in an
# inherited property, propagated decorations, named pages, floats and positions. And styles one
# object may serve: elements with and without anchors (an id) at several depths, cousins under
# different anchors, a child whose anchor is its parent's (``inherit``), pseudo-elements made
# when asked for (markers, footnote calls, first letters, generated content with a leader) or at
# once (one with an anchor), style and lang attributes, tables (whose style the build changes).
ARTICLES = "".join(
    f'<article id="a{n}"><h3>Point {n}</h3><p>Text <span class="k">k</span> and '
    f'<a href="#a{(n + 1) % 4}">next</a>.<span class="fn">Note {n}.</span></p>'
    f'<p class="inh">Kept</p><ol><li>One</li><li id="i{n}">Two</li></ol></article>'
    for n in range(4)
)
STYLED = f"""<html lang="en"><head><title>Styles</title><style>
@page wide {{ size: A4 landscape }}
:root {{ --gap: 3px; font-size: 11pt }}
body {{ margin-inline-start: 2em; padding-block-end: var(--gap); text-indent: calc(5% + 2px) }}
.rtl {{ direction: rtl; margin-inline-start: 7px; border-inline-end: 2px solid red }}
.rtl p {{ padding-inline-end: 4% }}
aside {{ float: inline-start; width: 30%; position: relative; top: 1em; page: wide }}
u {{ text-decoration: underline wavy }}
li::marker {{ color: teal }}
p::first-letter {{ font-size: 2em }}
h2 {{ break-before: page; display: block; border-top: thin solid }}
article {{ border-left: 1pt solid; padding-left: 2pt }}
h3::before {{ content: counter(h) ". "; counter-increment: h }}
.k {{ font-weight: bold }}
.fn {{ float: footnote }}
.inh {{ -weasy-anchor: inherit; color: green }}
#a1::after {{ content: "end"; -weasy-anchor: "a1-end" }}
.toc a::after {{ content: leader(".") target-counter(attr(href), page) }}
table {{ margin: 4pt; border-collapse: collapse }}
.w, .w.q.q {{ margin-left: 5px }}
.w.w {{ margin-inline-start: 40px }}
.cell {{ display: table-cell; margin-left: 40px; border: 1px solid }}
.b::before {{ content: "before"; display: block; -weasy-anchor: "b-before"; margin-left: inherit }}
#px::after {{ content: "end"; -weasy-anchor: "px-end" }}
#py::after {{ content: "again"; -weasy-anchor: "px" }}
.back::after {{ content: " p. " target-counter(attr(href), page) }}
</style></head><body>
<h1>Styles</h1><p>Plain <u>under <em>lined</em></u> and <code>code</code>.</p>
<div class="rtl" dir="rtl"><p>مرحبا <b>bold</b> text</p><aside>aside</aside></div>
<ul><li>One</li><li style="--gap: 9px; padding: var(--gap)">Two</li></ul>
<nav class="toc"><p><a href="#a1">One</a></p><p><a href="#a1-end">End</a></p></nav>
<section id="s1">{ARTICLES}</section><section lang="fr">{ARTICLES.replace('id="', 'id="f')}</section>
<h2 style="margin-block: 1em 2%">Two</h2><table><tr><td>cell</td></tr></table>
<table><tr><td id="c">cell</td></tr></table>
<div id="w1"><p class="w">one</p></div><div id="w2"><p class="w q">two</p></div>
<p class="w">three</p><p class="w q">four</p>
<div class="cell">A</div><div class="cell b">B</div>
<p id="px">X</p><p id="py">Y</p>
<p><a class="back" href="#px-end">to the end</a> <a class="back" href="#px">to X</a></p>
</body></html>"""

# Lengths in viewport units, which WeasyPrint computes against A4 when read before the first
# page exists (building the boxes of a table cell) and against the page once it does.
VIEWPORT = """<html lang="en"><head><title>Viewport</title><style>
@page { size: A6 }
.tb { display: table; border-collapse: collapse }
.tr { display: table-row }
.x { display: table-cell; border-left: 5vw solid blue; width: 40px; height: 20px }
</style></head><body>
<div class="tb" id="t1"><div class="tr"><object class="x" data="data:image/svg+xml,<svg
 xmlns='http://www.w3.org/2000/svg' width='8' height='8'/>"></object></div></div>
<div class="tb" id="t2"><div class="tr"><span class="x">t</span></div></div>
</body></html>"""


def computed_styles(document: object) -> list[tuple[str, str, object]]:
    """Every property of every box of a laid-out document, in one order."""
    from weasyprint.css import INITIAL_VALUES

    found = []
    for page in document.pages:  # type: ignore[attr-defined]
        boxes = [page._page_box]
        while boxes:
            box = boxes.pop()
            boxes.extend(getattr(box, "children", ()))
            for key in sorted(INITIAL_VALUES):
                try:
                    value = repr(box.style[key])
                except KeyError:  # a logical property, which an anonymous box cannot compute
                    value = "KeyError"
                found.append((box.element_tag, key, value))
    return found


def slow_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint's own layout, as it comes: the styles and line breaks without our fixes."""
    from weasyprint.css import ComputedStyle, StyleFor
    from weasyprint.layout import inline, preferred

    monkeypatch.setattr(ComputedStyle, "__missing__", ComputedStyle.__missing__.slow)
    for name in ("__init__", "set_computed_styles", "__call__"):
        monkeypatch.setattr(StyleFor, name, getattr(StyleFor, name).slow)
    monkeypatch.setattr(inline, "can_break_text", inline.can_break_text.ask)
    monkeypatch.setattr(preferred, "can_break_text", preferred.can_break_text.ask)


@pytest.mark.parametrize("page", ["styled", "viewport"])
def test_the_layout_fixes_change_no_style_no_warning_and_no_byte(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, page: str
) -> None:
    from weasyprint.css import ComputedStyle

    weasyprint = engine.engine()
    slow = ComputedStyle.__missing__.slow
    asked: list[str] = []

    def counted(style: object, key: str) -> object:
        asked.append(key)
        return slow(style, key)

    monkeypatch.setattr(ComputedStyle.__missing__, "slow", counted)

    def lay_out() -> tuple[object, bytes, set[str]]:
        caplog.clear()
        html = STYLED if page == "styled" else VIEWPORT
        document = weasyprint.HTML(string=html, base_url=str(ROOT)).render()
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"x")
        return document, pdf, {r.getMessage() for r in caplog.records if r.name == "weasyprint"}

    quick, quick_pdf, quick_warnings = lay_out()
    quick_styles, fell_back = computed_styles(quick), len(asked)
    if page == "styled":
        assert 0 < fell_back < len(quick_styles) / 10  # most properties took the quick path

    monkeypatch.setattr(ComputedStyle.__missing__, "slow", slow)
    slow_layout(monkeypatch)
    plain, plain_pdf, plain_warnings = lay_out()
    assert computed_styles(plain) == quick_styles
    assert plain_pdf == quick_pdf
    # the same warnings (a style shared by three elements may give one where there were three)
    assert plain_warnings == quick_warnings
    if page == "styled":
        assert len(quick.pages) == 5  # type: ignore[attr-defined]
        assert "Anchor defined twice: 'px'" in quick_warnings  # a pseudo-element's anchor
    else:
        assert "vw unit resolved before first page layout" in quick_warnings


def test_elements_whose_styles_must_be_equal_share_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The headings of articles with different ids share a style (one per section: the second
    has a language of its own); a paragraph whose anchor is its article's does not; pseudo-
    elements nobody asks for get none."""
    from weasyprint.css import ComputedStyle

    weasyprint = engine.engine()

    def styles(tag: str) -> tuple[int, int]:
        gc.collect()  # the documents before
        document = weasyprint.HTML(string=STYLED, base_url=str(ROOT)).render()
        found: dict[str, set[int]] = {"h3": set(), "p": set()}
        for page in document.pages:  # type: ignore[attr-defined]
            boxes = [page._page_box]
            while boxes:
                box = boxes.pop()
                boxes.extend(getattr(box, "children", ()))
                own = box.element_tag == tag and type(box.style) is ComputedStyle  # not ::before
                if own and (tag == "h3" or box.element.get("class") == "inh"):
                    found[tag].add(id(box.style))
        return len(found[tag]), sum(type(o) is ComputedStyle for o in gc.get_objects())

    (headings, made), (kept, _) = styles("h3"), styles("p")
    slow_layout(monkeypatch)
    (slow_headings, slow_made), (slow_kept, _) = styles("h3"), styles("p")
    assert (headings, slow_headings) == (2, 8)
    assert kept == slow_kept == 8
    assert made < slow_made / 3


def test_a_short_text_is_asked_about_once_and_answered_as_pango_does() -> None:
    engine.engine()
    from weasyprint.layout import inline
    from weasyprint.text.line_break import can_break_text

    assert isinstance(inline.can_break_text, engine._ShortBreaks)
    asked: list[str] = []

    def ask(text: str, lang: str | None) -> bool:
        asked.append(text)
        return can_break_text(text, lang)

    breaks = engine._ShortBreaks(ask)
    pairs = [("a b", "en"), ("ab", "en"), ("a-", "en"), ("x—", "en"), ("中文", "zh"), ("a/", None)]
    for _ in range(3):
        assert [breaks(t, lang) for t, lang in pairs] == [
            can_break_text(t, lang) for t, lang in pairs
        ]
    assert sorted(asked) == sorted(t for t, _ in pairs)  # each once
    long = "a long text, whose answer is not kept"
    assert breaks(long, "en") is breaks(long, "en") is True
    assert asked.count(long) == 2


def test_the_collector_is_paused_while_rendering_and_put_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from briefings import builder

    assert gc.isenabled()
    with builder._rendering():
        assert not gc.isenabled()
        monkeypatch.setattr(builder, "LEFT_BEHIND", 10)
        left = [[n] for n in range(100)]
        for cell in left:
            cell.append(cell)  # a cycle each, only the collector frees
        del left
        assert gc.get_count()[0] > 10
        builder._collect_between()
        assert gc.get_count()[0] < 10
    assert gc.isenabled()
    monkeypatch.setattr(builder, "PAUSED_GC", False)
    with builder._rendering():
        assert gc.isenabled()


def test_a_harfbuzz_cut_keeps_the_licence_notices_and_only_the_page_characters() -> None:
    data = (FONTS / "SourceSans3-Bold.ttf").read_bytes()
    wanted = frozenset(map(ord, "Kosovo 2016"))
    font = TTFont(io.BytesIO(fonts.subset_font(data, wanted, "Briefing Sans", ("smcp",))))
    names = {r.nameID: r.toUnicode() for r in font["name"].names if r.langID == 0x409}
    original = {r.nameID: r.toUnicode() for r in TTFont(io.BytesIO(data))["name"].names}
    for name_id in (0, 7, 13, 14):  # copyright, trademark, licence, licence URL
        if name_id in original:
            assert names[name_id] == original[name_id], name_id
    assert "SIL Open Font License" in names[13]
    assert set(font.getBestCmap()) == wanted
    assert font["head"].modified == TTFont(io.BytesIO(data))["head"].modified  # no timestamp


def test_a_font_harfbuzz_cannot_read_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "Broken.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 200)
    face = fonts.Face("Briefing Sans", broken)
    with pytest.raises(fonts.TemplateError, match=r"Broken\.ttf: could not cut it down"):
        fonts.subset_face(face, frozenset(map(ord, "abc")), (), fonts.FontCache())


# --- How a build shares its documents among workers ---------------------------------------------


def test_a_document_in_two_parts_on_two_workers_is_the_same_as_one_job(project: Path) -> None:
    """Staff (no page budget) renders its PDF and HTML as two jobs at -j 2; press (a budget)
    stays one job. Every file, the build manifest among them, is what -j 1 makes, and so are
    the warnings, in the same order (a character no font has gives some)."""
    from briefings import build

    kosovo = project / "content" / "kosovo.yaml"
    text = kosovo.read_text(encoding="utf-8")
    kosovo.write_text(text.replace("from Serbia on", "from Serbia (\u0e01) on", 1), "utf-8")
    made, warned = {}, {}
    for jobs in (1, 2):
        out = project / f"j{jobs}"
        result = build(
            project, audiences=["staff", "press"], topics=["kosovo"], jobs=jobs, output=out
        )
        assert [(d.audience, d.format) for d in result.documents] == [
            ("staff", "html"),
            ("staff", "pdf"),
            ("press", "html"),
            ("press", "pdf"),
        ]
        made[jobs] = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
        made[jobs].pop(".briefing-build.lock", None)
        warned[jobs] = result.warnings
    assert made[1] == made[2]
    assert warned[1] == warned[2]
    assert any("THAI CHARACTER KO KAI" in w for w in warned[2])
    assert {"staff.pdf", "staff.html", "press.pdf", ".briefing-manifest.json"} <= set(made[2])


def test_the_slowest_part_starts_first(book) -> None:  # type: ignore[no-untyped-def]
    """The book's long poles, the two long documents' PDFs, start before the fact sheets (which a
    page budget keeps to a page or two) and the screen pages (about a second each)."""
    from briefings import builder

    jobs = []
    for audience in ("press", "talking-points", "liaison", "principal", "staff"):
        briefing = builder.assemble_briefing(book, audience, ())
        job = builder.Job(briefing, ("html", "pdf"), None, CREATED, ROOT, False)  # type: ignore[arg-type]
        jobs.extend(builder._parts(job))
    assert [len(j.formats) for j in jobs] == [2, 2, 1, 1, 2, 1, 1]
    order = [(jobs[i].briefing.audience.id, jobs[i].formats) for i in builder._slowest_first(jobs)]
    assert order[:2] == [("staff", ("pdf",)), ("liaison", ("pdf",))]
    assert len(order) == len(set(order)) == 7


def test_woff2_is_written_fast_and_fonttools_is_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Brotli at quality 5 and the glyphs stored as they are (the null transform): a page's fonts
    made fifteen times faster for a fifth more bytes. The module fontTools calls is put back
    afterwards, and the cut still decodes to the same font."""
    import brotli  # type: ignore[import-untyped]
    from fontTools.ttLib import woff2

    qualities: list[int] = []

    class Spy:
        MODE_GENERIC, MODE_TEXT, MODE_FONT = brotli.MODE_GENERIC, brotli.MODE_TEXT, brotli.MODE_FONT
        decompress = staticmethod(brotli.decompress)

        @staticmethod
        def compress(data: bytes, mode: int = 0, quality: int = 11) -> bytes:
            qualities.append(quality)
            return bytes(brotli.compress(data, mode=mode, quality=quality))

    monkeypatch.setattr(woff2, "brotli", Spy)
    data = (FONTS / "SourceSerif4-Regular.ttf").read_bytes()
    wanted = frozenset(map(ord, "Belgrade and Pristina"))
    cut = fonts.subset_font(data, wanted, "Briefing Serif", ())
    assert qualities == [fonts.WOFF2_QUALITY] == [5]
    assert woff2.brotli is Spy
    font = TTFont(io.BytesIO(cut))
    assert font.flavor == "woff2" and set(font.getBestCmap()) == wanted
    assert font.flavorData.transformedTables == set()
    assert font.reader.tables["glyf"].transformVersion == 3  # the WOFF2 null transform
    original = TTFont(io.BytesIO(data))
    glyphs = font["glyf"]
    for name in ("B", "e", "a"):  # the outlines themselves are untouched by the storage
        assert (
            glyphs[name].getCoordinates(glyphs)[0]
            == original["glyf"][name].getCoordinates(original["glyf"])[0]
        )


# --- Importing the engine: the libraries looked up in the loader's cache only ------------------

_LOADED = """
import json, sys
from briefings import engine
{before}
engine.engine()
import weasyprint.text.ffi as ffi
libraries = sorted({{l.split()[-1] for l in open("/proc/self/maps") if ".so" in l}})
print(json.dumps({{"libraries": libraries, "pango": ffi.pango.pango_version() > 0}}))
"""


def loaded(before: str = "") -> dict[str, object]:
    """The shared libraries a fresh interpreter has mapped once ``engine()`` returns."""
    import json
    import subprocess
    import sys

    code = _LOADED.format(before=before)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.count("\n") == 1, done.stdout  # nothing printed but the answer
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc (Linux)")
def test_the_quick_import_loads_the_same_libraries_as_the_ordinary_one() -> None:
    ordinary = "engine._loader_cache_only = lambda: __import__('contextlib').nullcontext(False)"
    quick, plain = loaded(), loaded(ordinary)
    assert quick == plain
    assert any("libpango-1.0" in path for path in quick["libraries"])  # type: ignore[attr-defined]


def test_find_library_is_put_back_after_the_import() -> None:
    import ctypes.util

    ordinary = ctypes.util.find_library
    with engine._loader_cache_only() as patched:
        assert (ctypes.util.find_library is not ordinary) == patched
    assert ctypes.util.find_library is ordinary


def test_a_quick_import_that_fails_is_done_again_the_ordinary_way() -> None:
    # The quick attempt cannot reach the libraries' module; the plain import that follows can.
    failing = """
import contextlib, sys
@contextlib.contextmanager
def failing():
    sys.modules["weasyprint.text.ffi"] = None
    try:
        yield True
    finally:
        sys.modules.pop("weasyprint.text.ffi", None)
_engine = engine.engine
engine.engine = lambda: (engine._import_engine(failing), _engine())[1]
"""
    assert loaded(failing)["pango"] is True


_APART = """
import json, sys
from briefings import build, builder
builder.ENGINE_APART = {apart}
try:
    result = build(sys.argv[1], audiences={audiences}, topics=["kosovo"], formats={formats},
                   jobs=1, output=sys.argv[2])
except Exception as exc:
    print(json.dumps({{"error": f"{{type(exc).__name__}}: {{exc}}"}}))
else:
    print(json.dumps({{"engine_here": "weasyprint" in sys.modules, "warnings": result.warnings}}))
"""


def build_apart(
    project: Path,
    out: Path,
    apart: bool,
    audiences: tuple[str, ...] = ("staff",),
    formats: tuple[str, ...] = ("pdf",),
) -> dict[str, object]:
    """A build at -j 1 in a fresh interpreter (no engine loaded yet)."""
    import json
    import subprocess
    import sys

    code = _APART.format(apart=apart, audiences=list(audiences), formats=list(formats))
    done = subprocess.run(
        [sys.executable, "-c", code, str(project), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_one_document_is_laid_out_apart_the_same_as_here(project: Path) -> None:
    """At -j 1 in a process without the engine, a worker imports WeasyPrint and lays out while
    the build's process renders the print HTML: the files are those of rendering in-process."""
    kosovo = project / "content" / "kosovo.yaml"
    text = kosovo.read_text(encoding="utf-8")
    kosovo.write_text(text.replace("from Serbia on", "from Serbia (\u0e01) on", 1), "utf-8")
    for audiences, formats in [(("staff",), ("pdf",)), (("staff", "press"), ("html", "pdf"))]:
        apart = build_apart(project, project / "apart", True, audiences, formats)
        here = build_apart(project, project / "here", False, audiences, formats)
        assert apart["engine_here"] is False  # the worker laid it out
        assert here["engine_here"] is True
        assert apart["warnings"] == here["warnings"]  # the same, in the same order
        assert any("THAI CHARACTER KO KAI" in w for w in apart["warnings"])  # type: ignore[attr-defined]
        made = {p.name: p.read_bytes() for p in (project / "apart").iterdir() if p.is_file()}
        assert made == {p.name: p.read_bytes() for p in (project / "here").iterdir() if p.is_file()}
        assert {f"{a}.{f}" for a in audiences for f in formats} <= set(made)


def test_a_template_error_met_while_rendering_ahead_leaves_the_output_as_it_was(
    project: Path,
) -> None:
    out = project / "out"
    assert build_apart(project, out, True)["engine_here"] is False
    before = (out / "staff.pdf").read_bytes()
    page = project / "templates" / "staff" / "briefing.html"
    page.write_text(page.read_text(encoding="utf-8") + "\n{{ nonsense(", encoding="utf-8")
    error = build_apart(project, out, True)["error"]
    assert "TemplateError" in str(error) and "briefing.html" in str(error)
    assert (out / "staff.pdf").read_bytes() == before


def test_one_document_goes_apart_only_with_a_second_core_and_no_engine_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The preview's warm worker and a library caller's second build have the engine loaded:
    no import to overlap, so they render one document in-process."""
    import sys

    from briefings import builder

    monkeypatch.setattr(builder, "ENGINE_APART", True)
    monkeypatch.setattr(builder, "_cores", lambda: 2)
    engine.engine()
    assert builder._engine_apart(True) is False  # loaded here
    monkeypatch.delitem(sys.modules, "weasyprint")
    assert builder._engine_apart(True) is True
    assert builder._engine_apart(False) is False  # nothing to lay out
    monkeypatch.setattr(builder, "_cores", lambda: 1)
    assert builder._engine_apart(True) is False  # one core: nothing to overlap with


def _ends_abruptly(job: object) -> None:
    """A worker that dies as one killed by the kernel would (no exception, no clean-up)."""
    import os

    os._exit(9)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_that_dies_is_a_clear_error_and_nothing_is_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from briefings import build, builder
    from briefings.errors import RenderError

    out = project / "out"
    build(project, audiences=["press"], topics=["kosovo"], output=out, jobs=jobs)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    monkeypatch.setattr(builder, "render_job", _ends_abruptly)  # forked workers inherit it
    monkeypatch.setattr(builder, "_engine_apart", lambda engine: True)  # -j 1 too, here
    with pytest.raises(RenderError, match="a worker process ended abruptly") as caught:
        build(
            project,
            audiences=["staff", "press"],
            topics=["kosovo"],
            output=out,
            jobs=jobs,
            force=True,
        )
    assert "while rendering staff, press; nothing was written" in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_with_workers_says_one_line_and_leaves_none_behind(project: Path, jobs: str) -> None:
    """Ctrl-C reaches the whole process group: the workers end without a word (one stopped in
    its initializer used to print a traceback) and the build's process says nothing was
    written."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = project / "out"
    briefing = [sys.executable, "-c", "from briefings.cli import main; main()"]
    command = [*briefing, "build", "-C", str(project), "-o", str(out)]
    build = subprocess.Popen(
        [*command, "-f", "pdf", "-j", jobs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal gives a command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # even if run in "&"
    )
    children = Path(f"/proc/{build.pid}/task/{build.pid}/children")
    for _ in range(600):  # until a worker exists: importing the engine, or laying out
        if children.exists() and children.read_text().split():
            break
        assert build.poll() is None, build.communicate()
        time.sleep(0.01)
    else:
        pytest.fail("no worker started")
    os.killpg(build.pid, signal.SIGINT)
    _, err = build.communicate(timeout=60)
    assert build.returncode == 130
    assert err.decode().strip() == "Interrupted; nothing was written."
    assert not (out / "staff.pdf").exists()
    time.sleep(0.2)
    left = subprocess.run(["pgrep", "-g", str(build.pid)], capture_output=True, text=True)
    assert left.stdout.split() == []
