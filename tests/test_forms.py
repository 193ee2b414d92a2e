"""Documents in their proper form: front matter (memo heading, bottom line, lead, meeting),
reference records and human-readable citations, the public-record filter, typography."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from briefings import ContentError, assemble_briefing, load_project
from briefings.markup import render_inline, render_markdown, typeset
from briefings.rendering import TemplateRoots, render_html

FRONT = "content/front/{}.yaml"


def write(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(project: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_project(project)
    return [str(p) for p in caught.value.problems]


def html_of(project: Path, audience: str) -> str:
    briefing = assemble_briefing(load_project(project), audience)
    return render_html(briefing, TemplateRoots(shared=project / "templates"))


RECORD = """\
    title: Risk Analysis for 2016
    kind: report
    standing: record
    publisher: Frontex
    published: 2016-03
    url: https://frontex.europa.eu/
    description: The EU border agency's annual risk analysis.
    marking: public
"""

ON_RECORD = """\
    title: Record test
    summary: {text: A topic for the record test., marking: public}
    order: 99
    points:
      - id: on-record
        kind: fact
        headline: "Frontex counted about 764,000 detections on the Western Balkan route in 2015."
        priority: 1
        marking: public
        sources:
          - seed: frontex-test
            locator: p. 16
        as_of: 2016-11-25
      - id: reported
        kind: fact
        headline: A fact that someone reports.
        priority: 1
        marking: public
        attribution: Unnamed officials, as reported
        sources:
          - seed: frontex-test
        as_of: 2016-11-25
      - id: article-only
        kind: fact
        headline: A fact from the article alone.
        priority: 1
        marking: public
        sources:
          - seed: israel-balkans-2016
            paragraphs: [2]
        as_of: 2016-11-25
"""


# --- Front matter ---------------------------------------------------------------------------


def test_the_shipped_memo_follows_the_convention(book) -> None:  # type: ignore[no-untyped-def]
    front = book.front("principal")
    assert front is not None and front.bottom_line is not None
    html = render_html(
        assemble_briefing(book, "principal"),
        TemplateRoots(shared=Path(book.root) / "templates"),
    )
    for label, value in (
        ("For", front.addressee),
        ("From", front.sender),
        ("Date", "25 November 2016"),
    ):
        assert f'<th scope="row">{label}</th><td' in html
        assert typeset(str(value)) in html
    assert typeset(str(front.subject)) in html and typeset(str(front.purpose)) in html
    assert html.count(render_inline(front.bottom_line.text)) == 1
    assert typeset(str(front.drafted)) in html
    assert all(typeset(line) in html for line in front.cleared)
    body = html.split("<body", 1)[1]
    assert "Memorandum for the principal" not in body  # FOR names a reader, not a document type


def test_a_bottom_line_is_three_sentences_and_75_words_at_most(project: Path) -> None:
    long = " ".join(["Israel gains."] * 4)
    write(
        project,
        FRONT.format("principal"),
        f"""\
        marking: internal
        bottom_line:
          text: {long}
          marking: internal
          as_of: 2016-11-25
          draws_on: [security.shared-threats]
        """,
    )
    assert problems(project) == [
        "content/front/principal.yaml:3:3: bottom_line.text: 8 words in 4 sentences; a bottom "
        "line is at most 3 sentences and 75 words"
    ]


def test_a_bottom_line_is_marked_like_the_points_it_draws_on(project: Path) -> None:
    write(
        project,
        FRONT.format("liaison"),
        """\
        marking: internal
        bottom_line:
          text: Senior liaison works.
          marking: internal
          as_of: 2016-11-25
          draws_on: [security.intel-value, security.no-such-point]
        """,
    )
    found = problems(project)
    assert (
        "content/front/liaison.yaml:4:3: bottom_line.marking: marked internal, below "
        "'security.intel-value' it draws on (marked restricted); mark the bottom line "
        "restricted or higher"
    ) in found
    assert any("bottom_line.draws_on[1]: no point 'security.no-such-point'" in p for p in found)


def test_front_matter_for_no_audience_is_an_error(project: Path) -> None:
    write(project, FRONT.format("principle"), "marking: public\nsubject: A subject.\n")
    assert problems(project) == [
        "content/front/principle.yaml:1:1: no audience 'principle' to write front matter for; "
        "did you mean 'principal'?"
    ]


def test_a_bottom_line_above_the_ceiling_is_withheld_and_recorded(project: Path) -> None:
    briefing = assemble_briefing(load_project(project), "staff")  # ceiling internal
    assert briefing.front is not None and briefing.front.bottom_line is not None
    write(
        project,
        FRONT.format("press"),
        """\
        marking: public
        lead: A public lead.
        bottom_line:
          text: Something internal.
          marking: internal
          as_of: 2016-11-25
          draws_on: [security.shared-threats]
        """,
    )
    press = assemble_briefing(load_project(project), "press")
    assert press.front is not None and press.front.bottom_line is None
    assert press.banner == "public"
    withheld = [o for o in press.omitted if o.portion == "bottom-line"]
    assert [(o.ref, o.marking) for o in withheld] == [("front (press): bottom line", "internal")]


def test_front_matter_raises_the_banner(project: Path) -> None:
    write(project, FRONT.format("talking-points"), "marking: internal\nobjective: To agree.\n")
    card = assemble_briefing(load_project(project), "talking-points", ["energy"])
    assert {p.marking for p in card.points()} == {"public"}
    assert card.banner == "internal"


def test_each_summary_is_printed_once(project: Path) -> None:
    project_book = load_project(project)
    with_front = html_of(project, "staff")
    for topic in project_book.topics:
        assert with_front.count(render_inline(topic.summary.text)) <= 1, topic.id
    (project / FRONT.format("staff")).unlink()
    without = html_of(project, "staff")
    for topic in project_book.topics:
        assert without.count(render_inline(topic.summary.text)) <= 1, topic.id
    assert 'class="topic-summary' not in without  # the bottom line lists them instead


# --- Sources: reference records, citations, the public record --------------------------------


def test_a_reference_record_is_cited_by_locator_and_listed_in_style(project: Path) -> None:
    write(project, "seeds/frontex-test.yaml", RECORD)
    write(project, "content/zz-record.yaml", ON_RECORD)
    html = html_of(project, "staff")
    assert '<a class="citation" href="#seed-frontex-test">' in html
    assert "</a> p. 16. Information as of 25 November 2016." in html
    assert "<cite>Risk Analysis for 2016</cite>. Frontex, March 2016." in html
    assert '<a class="url" href="https://frontex.europa.eu/">' in html
    assert "israel-balkans-2016 ¶" not in html  # no machine keys


def test_a_record_has_no_paragraphs_and_a_digest_needs_them(project: Path) -> None:
    write(project, "seeds/frontex-test.yaml", RECORD)
    broken = ON_RECORD.replace("            locator: p. 16", "            paragraphs: [3]")
    broken = broken.replace("            paragraphs: [2]\n", "")
    write(project, "content/zz-record.yaml", broken)
    found = problems(project)
    assert any(
        "points[0].sources[0].paragraphs: 'frontex-test' is a reference record with no "
        "paragraphs; cite it alone or with 'locator'" in p
        for p in found
    ), found
    assert any(
        "points[2].sources[0].seed: cite the paragraphs of 'israel-balkans-2016' that carry "
        "the claim" in p
        for p in found
    ), found


def test_a_record_names_its_publisher_and_url(project: Path) -> None:
    bare = RECORD.replace("    publisher: Frontex\n", "").replace(
        "    url: https://frontex.europa.eu/\n", ""
    )
    write(project, "seeds/frontex-test.yaml", bare)
    assert problems(project) == [
        "seeds/frontex-test.yaml:1:1: title: a reference record gives its URL ('url: https://…')",
        "seeds/frontex-test.yaml:1:1: title: a reference record names its author or its publisher",
    ]


def test_the_press_sheet_takes_only_the_public_record(project: Path) -> None:
    write(project, "seeds/frontex-test.yaml", RECORD)
    write(project, "content/zz-record.yaml", ON_RECORD)
    press = assemble_briefing(load_project(project), "press")
    refs = {p.ref for p in press.points()}
    assert "zz-record.on-record" in refs
    assert {"zz-record.reported", "zz-record.article-only"}.isdisjoint(refs)
    reasons = {o.ref: o.reason for o in press.omitted}
    assert reasons["zz-record.reported"] == reasons["zz-record.article-only"] == "evidence"
    assert all(p.kind == "fact" and p.attribution is None for p in press.points())


def test_an_attributed_fact_is_labelled_reported(project: Path) -> None:
    write(project, "seeds/frontex-test.yaml", RECORD)
    write(project, "content/zz-record.yaml", ON_RECORD)
    html = html_of(project, "staff")
    reported = html.split('id="pt-zz-record.reported"', 1)[1].split("</article>", 1)[0]
    assert '<span class="kind">Reported</span>' in reported
    on_record = html.split('id="pt-zz-record.on-record"', 1)[1].split("</article>", 1)[0]
    assert '<span class="kind">Fact</span>' in on_record


def test_no_tool_internals_on_the_page(built_book: Path) -> None:
    import pypdf

    for pdf in sorted(built_book.glob("*.pdf")):
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        for internal in ("content/", ".yaml", "briefings 0.", "¶", "opinion-analysis", "Points"):
            assert internal not in text, (pdf.name, internal)


def test_the_press_sheet_never_talks_about_its_sources(built_book: Path) -> None:
    import pypdf

    text = " ".join(p.extract_text() for p in pypdf.PdfReader(built_book / "press.pdf").pages)
    assert "contact" in text.lower() or "enquiries" in text.lower()
    for word in ("article", "the author", "understates", "recommend"):
        assert word not in text.lower(), word


# --- Typography ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "printed"),
    [
        ('He said "no".', "He said \u201cno\u201d."),
        ("Israel's view", "Israel\u2019s view"),
        ("('quoted')", "(\u2018quoted\u2019)"),
        ("in 1999-2000 and 2008-2012", "in 1999\u20132000 and 2008\u20132012"),
        ("roughly 800-1,000 fighters", "roughly 800\u20131,000 fighters"),
        ("on 2016-11-25", "on 2016-11-25"),
        ("F-16 jets", "F-16 jets"),
        ("wait...", "wait\u2026"),
        ("https://example.org/a-1999-2000's", "https://example.org/a-1999-2000's"),
    ],
)
def test_typeset(plain: str, printed: str) -> None:
    assert typeset(plain) == printed


def test_markdown_is_typeset_outside_code_and_tags() -> None:
    html = render_markdown('"Quoted" 1999-2000 `a "b" 1-2` [x](https://e.org/1-2 \'t "q"\')')
    assert html.startswith('<p>\u201cQuoted\u201d 1999\u20132000 <code>a "b" 1-2</code>')
    assert 'href="https://e.org/1-2"' in html and 'title="t &quot;q&quot;"' in html


def test_the_front_schema_accepts_the_shipped_front_matter() -> None:
    import jsonschema
    from click.testing import CliRunner

    from briefings.cli import cli
    from briefings.schema import json_schema
    from briefings.strictyaml import parse_yaml

    validator = jsonschema.Draft202012Validator(json_schema("front"))
    shipped = sorted((Path(__file__).parent.parent / "content" / "front").glob("*.yaml"))
    assert {p.stem for p in shipped} == {"principal", "staff", "liaison", "press", "talking-points"}
    for path in shipped:
        assert not list(validator.iter_errors(parse_yaml(path.read_bytes()).data)), path.name
    result = CliRunner().invoke(cli, ["schema", "front"])
    assert result.exit_code == 0 and '"bottom_line"' in result.output
