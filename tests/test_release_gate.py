"""The release gate covers every portion a document prints, not only points.

Planted restricted text of each kind (a topic summary, a row of the figures' data, a note on a
source) reaches the liaison brief under a RESTRICTED banner, and never the principal, staff or
press documents: not in the PDF text, bookmarks or metadata, nor in the HTML bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from briefings import assemble_briefing, load_project
from briefings.cli import cli
from briefings.lint import lint_project
from briefings.rendering import template_context

SUMMARY = "Quokkasummary41"
ROW = "Quokkarow77"
NOTE = "Quokkanote13"
LOWER = ("principal", "staff", "press")


def plant_restricted_summary(project: Path) -> None:
    """Mark the security topic's summary restricted and put a marker in it."""
    path = project / "content" / "security.yaml"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("order:", 1)
    head = re.sub(
        r"summary:\n  text: .*\n  marking: \w+\n",
        f"summary:\n  text: Restricted bottom line {SUMMARY} on intelligence ties.\n"
        "  marking: restricted\n",
        head,
    )
    path.write_text(head + "order:" + rest, encoding="utf-8")


def plant_restricted_row(project: Path) -> None:
    """Mark Albania's row of the figures' data restricted, with a marker in its EU detail."""
    path = project / "content" / "data" / "countries.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    name: Albania\n    group: balkans\n",
        "    name: Albania\n    group: balkans\n    marking: restricted\n",
        1,
    )
    text = text.replace(
        "detail: Candidate since June 2014; talks not yet opened", f"detail: Candidate {ROW}", 1
    )
    path.write_text(text, encoding="utf-8")


def plant_restricted_note(project: Path) -> None:
    """Add a restricted correction to the seed's notes."""
    path = project / "seeds" / "israel-balkans-2016.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "notes:\n",
        f"notes:\n  - marking: restricted\n    text: A restricted note {NOTE} on the source.\n",
        1,
    )
    path.write_text(text, encoding="utf-8")


def pdf_everything(path: Path) -> str:
    """The text of every page, every bookmark title and the document information."""
    reader = pypdf.PdfReader(path)
    parts = [page.extract_text() for page in reader.pages]

    def titles(outline: list) -> None:  # type: ignore[type-arg]
        for item in outline:
            if isinstance(item, list):
                titles(item)
            else:
                parts.append(str(item.title))

    titles(reader.outline)
    parts.extend(str(v) for v in (reader.metadata or {}).values())
    return "\n".join(parts)


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("gate") / "project")
    plant_restricted_summary(project)
    plant_restricted_row(project)
    plant_restricted_note(project)
    out = project / "output"
    result = CliRunner().invoke(
        cli, ["build", "-C", str(project), "-a", "liaison,principal,staff,press", "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_planted_restricted_portions_reach_liaison(gated: Path) -> None:
    text = pdf_everything(gated / "liaison.pdf")
    for marker in (SUMMARY, ROW, NOTE):
        assert marker in text, marker
    assert "RESTRICTED" in text
    html = (gated / "liaison.html").read_bytes()
    for marker in (SUMMARY, ROW, NOTE):
        assert marker.encode() in html


@pytest.mark.parametrize("audience", LOWER)
def test_planted_restricted_portions_never_reach_lower_audiences(
    gated: Path, audience: str
) -> None:
    text = pdf_everything(gated / f"{audience}.pdf")
    html = (gated / f"{audience}.html").read_bytes()
    for marker in (SUMMARY, ROW, NOTE):
        assert marker not in text, (audience, marker)
        assert marker.encode() not in html, (audience, marker)
    assert "RESTRICTED" not in text
    assert b"RESTRICTED" not in html


def test_withheld_portions_are_explained(project: Path) -> None:
    plant_restricted_summary(project)
    plant_restricted_row(project)
    plant_restricted_note(project)
    briefing = assemble_briefing(load_project(project), "staff")
    withheld = {(o.portion, o.ref) for o in briefing.omitted if o.portion != "point"}
    assert withheld == {
        ("summary", "security (summary)"),
        ("figure-data", "figures: AL"),
        ("source-note", "israel-balkans-2016 (note 1)"),
    }
    assert briefing.banner == "internal"
    security = next(s for s in briefing.sections if s.id == "security")
    assert security.summary is None
    assert briefing.country_data is not None
    assert "AL" not in {c.code for c in briefing.country_data.countries}


def test_banner_counts_every_portion_not_only_points(project: Path) -> None:
    plant_restricted_summary(project)
    book = load_project(project)
    # Liaison's points include restricted ones anyway; an audience whose only restricted text is
    # the summary shows that the summary alone raises the banner.
    liaison = assemble_briefing(book, "liaison", ["kosovo", "security"])
    assert liaison.banner == "restricted"
    without_points = liaison.model_copy(
        update={
            "sections": tuple(
                s.model_copy(
                    update={"points": tuple(p for p in s.points if p.marking != "restricted")}
                )
                for s in liaison.sections
            )
        }
    )
    from briefings.assembly import banner_of

    assert banner_of(without_points) == "restricted"


def test_templates_never_get_the_raw_topic_or_hidden_omissions(project: Path) -> None:
    plant_restricted_summary(project)
    briefing = assemble_briefing(load_project(project), "staff")
    context = template_context(briefing, "", "print", {})
    for section in context["sections"]:
        assert not hasattr(section, "topic")
    assert SUMMARY not in repr(context)
    # Staff does not opt in to omissions: its templates hear of none.
    assert context["omitted"] == () and context["briefing"].omitted == ()


def test_omissions_opt_in_counts_only_within_the_ceiling(project: Path) -> None:
    profile = project / "templates" / "staff" / "audience.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8").replace(
            "  toc: true\n", "  toc: true\n  omissions: true\n"
        ),
        encoding="utf-8",
    )
    book = load_project(project)
    briefing = assemble_briefing(book, "staff")
    context = template_context(briefing, "", "print", {})
    told = context["omitted"]
    assert told and all(o.marking != "restricted" and o.portion == "point" for o in told)
    hidden = [o for o in briefing.omitted if o.marking == "restricted"]
    assert hidden and len(told) == len(briefing.omitted) - len(hidden) - sum(
        1 for o in briefing.omitted if o.portion != "point" and o.marking != "restricted"
    )


def test_shipped_documents_print_no_omission_note(built_book: Path) -> None:
    for path in built_book.glob("*.html"):
        assert b"Left out of this edition" not in path.read_bytes(), path.name


def test_portion_marks_on_bottom_line_and_summaries(built_book: Path) -> None:
    staff = (built_book / "staff.html").read_text(encoding="utf-8")
    bluf = staff.split('id="bottom-line"', 1)[1].split("</section>", 1)[0]
    assert bluf.count('<span class="portion"') == bluf.count("<li") + bluf.count("<p")
    summaries = re.findall(r'<p class="topic-summary[^"]*">(.*?)</p>', staff)
    assert summaries and all(s.startswith('<span class="portion"') for s in summaries)


def test_lint_flags_an_audience_tag_that_can_never_take_effect(project: Path) -> None:
    path = project / "content" / "security.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("audiences: [liaison]", "audiences: [staff, liaison]", 1), encoding="utf-8"
    )
    line = next(
        n
        for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "audiences: [staff, liaison]" in row
    )
    found = [
        str(w) for w in lint_project(load_project(project)) if w.rule == "audience-tag-ineffective"
    ]
    assert found == [
        f"content/security.yaml:{line}:17: points[6].audiences[0]: tagged for 'staff', which never "
        "receives it: marked restricted, above the internal ceiling; remove 'staff' from "
        "'audiences', or mark the point internal [audience-tag-ineffective]"
    ]
    result = CliRunner().invoke(cli, ["check", "--strict", "-C", str(project)])
    assert result.exit_code == 1
    assert (
        f"content/security.yaml:{line}:17: points[6].audiences[0]: tagged for 'staff'"
        in result.output
    )


def test_shipped_book_has_no_ineffective_audience_tags() -> None:
    book = load_project(Path(__file__).resolve().parent.parent)
    assert [w for w in lint_project(book) if w.rule == "audience-tag-ineffective"] == []
