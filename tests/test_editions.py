"""Editions and provenance (issue #15): publish, build --since, diff, the PDF's XMP and manifest,
and verify, end to end on a copy of the shipped book, and compare() on its own."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_project
from pypdf import PdfReader
from weasyprint import HTML, Attachment

from briefings.cli import cli
from briefings.editions import Edition, EditionPoint, compare, read_edition
from briefings.model import Audience

EDITION = "2016-11-25"
TOPICS = "energy,kosovo"
AUDIENCES = "staff,principal,press"
NEW = "energy.leviathan-found"
NEW_HEADLINE = "Leviathan, Israel's largest gas field, was found in 2010 off the coast of Haifa."
CHANGED = "kosovo.status"  # headline reworded
WITHDRAWN = "energy.diversification-interest"  # staff only, internal
RAISED = "energy.near-term-limits"  # internal → restricted: above staff's ceiling
LOWERED_BAR = "energy.israel-gas-finds"  # public → internal: staff is told, press is not


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def edit_book(project: Path) -> None:
    """Change a headline, add a point, withdraw one, raise two markings."""
    energy = project / "content" / "energy.yaml"
    text = energy.read_text("utf-8")
    start = text.index("  - id: diversification-interest")
    text = text[:start] + text[text.index("  - id: risk-russian-leverage") :]
    text = text.replace(", energy.diversification-interest]", "]")
    for point, old, new in (
        ("near-term-limits", "marking: internal", "marking: restricted"),
        ("israel-gas-finds", "marking: public", "marking: internal"),
    ):
        at = text.index(old, text.index(f"  - id: {point}"))
        text = text[:at] + new + text[at + len(old) :]
    text += (
        "\n  - id: leviathan-found\n    kind: fact\n"
        f'    headline: "{NEW_HEADLINE}"\n'
        "    priority: 1\n    marking: public\n    sources:\n"
        "      - seed: israel-balkans-2016\n        paragraphs: [13]\n    as_of: 2016-11-25\n"
    )
    energy.write_text(text, "utf-8")
    kosovo = project / "content" / "kosovo.yaml"
    kosovo.write_text(
        kosovo.read_text("utf-8").replace(
            "Kosovo declared independence from Serbia on 17 February 2008, and in 2010",
            "Kosovo declared its independence from Serbia on 17 February 2008; in July 2010",
        ),
        "utf-8",
    )


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Publish, build the old documents, edit the book, build again --since (energy, kosovo)."""
    project = copy_project(tmp_path_factory.mktemp("editions") / "project")
    published = run("publish", "-C", str(project))
    assert published.exit_code == 0, published.output
    common = ("-C", str(project), "-a", AUDIENCES, "-t", TOPICS, "-j", "2")
    old = run("build", *common, "-o", str(project / "old"), "-f", "pdf", "--strict")
    assert old.exit_code == 0, old.output
    edit_book(project)
    new = run("build", *common, "--since", EDITION, "--strict")
    assert new.exit_code == 0, new.output
    return project


def changes_in(html: str) -> dict[str, list[str]]:
    """The changes section of a document: linked ids of new and changed points, withdrawn text."""
    section = html.split('<section class="changes" id="changes">', 1)[1].split("</section>")[0]
    items = re.findall(r'<li class="[^"]*">(.*?)</li>', section, re.S)
    found: dict[str, list[str]] = {"new": [], "changed": [], "withdrawn": []}
    for item in items:
        kind = re.search(r'change-label">(\w+)\.', item).group(1).lower()
        link = re.search(r'href="#pt-([^"]+)"', item)
        found[kind].append(link.group(1) if link else re.sub(r"<[^>]+>", "", item).strip())
    return found


def test_publish_writes_a_reviewable_edition_and_never_overwrites(editions: Path) -> None:
    path = editions / "editions" / f"{EDITION}.json"
    data = json.loads(path.read_text("utf-8"))
    assert data["format"] == "briefings-edition/1" and data["information_date"] == EDITION
    point = data["points"][WITHDRAWN]
    assert point["audiences"] == ["staff"] and point["marking"] == "internal"
    assert set(point) == {"headline", "marking", "audiences", "text"}
    assert '"audiences": ["staff"],' in path.read_text("utf-8")  # one line per list
    assert read_edition(path).points[WITHDRAWN].audiences == ("staff",)
    before = path.read_bytes()
    again = run("publish", "-C", str(editions), EDITION)
    assert again.exit_code == 1
    assert f"editions/{EDITION}.json: edition '{EDITION}' is already published" in again.output
    assert path.read_bytes() == before


def test_each_document_lists_exactly_the_changes_its_audience_may_know(editions: Path) -> None:
    out = editions / "output"
    staff = changes_in((out / "staff.html").read_text("utf-8"))
    assert staff["new"] == [NEW]
    assert staff["changed"] == [LOWERED_BAR, CHANGED]  # in reading order
    assert len(staff["withdrawn"]) == 1
    published = json.loads((editions / "editions" / f"{EDITION}.json").read_text("utf-8"))
    then = published["points"][WITHDRAWN]["headline"]
    assert staff["withdrawn"][0].replace("’", "'").endswith(then)
    principal = changes_in((out / "principal.html").read_text("utf-8"))
    assert principal == {"new": [NEW], "changed": [], "withdrawn": []}
    press = changes_in((out / "press.html").read_text("utf-8"))
    assert press == {"new": [], "changed": [CHANGED], "withdrawn": []}  # gas finds: not told
    staff_html = (out / "staff.html").read_text("utf-8")
    assert "marking public → internal" in staff_html
    assert "Large-scale Israeli gas deliveries" not in staff_html  # rose above its ceiling
    assert "Large-scale Israeli gas deliveries" not in (out / "press.html").read_text("utf-8")
    assert "Israel’s offshore discoveries" not in (out / "press.html").read_text("utf-8")


def test_new_and_changed_points_are_marked_in_the_body_of_the_pdf(editions: Path) -> None:
    text = "\n".join(p.extract_text() for p in PdfReader(editions / "output" / "staff.pdf").pages)
    assert "Changes since the edition of 25 November 2016" in text.replace("\n", " ").title() or (
        "CHANGES SINCE THE EDITION OF 25 NOVEMBER 2016" in text
    )
    assert "NEW" in text and "CHANGED" in text and "Withdrawn." in text
    html = (editions / "output" / "staff.html").read_text("utf-8")
    new_point = html.split(f'id="pt-{NEW}"')[0].rsplit("<article", 1)[1]
    assert "changed-new" in new_point


def test_diff_agrees_with_the_documents(editions: Path) -> None:
    result = run("diff", "-C", str(editions), EDITION, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["from"]["name"] == EDITION and report["to"]["name"] == "now"
    out = editions / "output"
    for audience in AUDIENCES.split(","):
        shown = changes_in((out / f"{audience}.html").read_text("utf-8"))
        told = report["audiences"][audience]
        in_topics = [p for p in told["new"] if p["id"].split(".")[0] in TOPICS]
        assert [p["id"] for p in in_topics] == shown["new"], audience
        changed = [p["id"] for p in told["changed"] if p["id"].split(".")[0] in TOPICS]
        assert changed == shown["changed"], audience
        assert len(told["withdrawn"]) == len(shown["withdrawn"]), audience
    lines = run("diff", "-C", str(editions), EDITION, "-a", "staff").output
    assert f"  withdrawn  {WITHDRAWN}: " in lines and RAISED not in lines
    assert f"  changed    {LOWERED_BAR} (marking public → internal): " in lines


def test_xmp_and_attached_manifest_describe_the_document(editions: Path) -> None:
    pdf = editions / "output" / "staff.pdf"
    xmp: str | bytes = PdfReader(pdf).xmp_metadata.stream.get_data()  # type: ignore[union-attr]
    if shutil.which("pdfinfo"):  # poppler's reading too, where it is installed
        meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True)
        assert meta.returncode == 0, meta.stderr
        assert meta.stdout.strip() == (xmp if isinstance(xmp, str) else xmp.decode()).strip()
    xmp = xmp if isinstance(xmp, str) else xmp.decode()
    assert "<brf:audience>staff</brf:audience>" in xmp
    assert f"<brf:since>{EDITION}</brf:since>" in xmp
    assert "<brf:informationDate>2016-11-25</brf:informationDate>" in xmp
    assert "<brf:edition>unpublished</brf:edition>" in xmp  # the book changed since
    assert "israel-balkans-2016: " in xmp and "pdfuaid:part" in xmp
    manifest = json.loads(PdfReader(pdf).attachments["briefing-manifest.json"][0])
    html = (editions / "output" / "staff.html").read_text("utf-8")
    printed = re.findall(r'<article class="point[^"]*" id="pt-([^"]+)"', html)
    assert [p["id"] for p in manifest["points"]] == printed
    assert manifest["audience"] == "staff" and manifest["marking"] == "internal"
    assert manifest["topics"] == ["energy", "kosovo"] and manifest["since"] == EDITION
    cited = {s["id"] for s in manifest["sources"]}
    assert "israel-balkans-2016" in cited and all(s["title"] for s in manifest["sources"])
    old = json.loads(
        PdfReader(editions / "old" / "staff.pdf").attachments["briefing-manifest.json"][0]
    )
    assert old["edition"] == EDITION  # built from exactly the published points


def test_verify_says_stale_for_the_old_pdf_and_current_for_the_new(editions: Path) -> None:
    stale = run("verify", "-C", str(editions), str(editions / "old" / "staff.pdf"))
    assert stale.exit_code == 1, stale.output
    assert stale.output.splitlines()[0].endswith(": stale")
    assert f"  changed         {CHANGED}: Kosovo declared independence" in stale.output
    assert (
        f"  rose in marking {RAISED}: " in stale.output
        and "(internal → restricted)" in stale.output
    )
    assert f"  withdrawn       {WITHDRAWN}: " in stale.output
    assert f"  new since       {NEW}: " in stale.output
    current = run("verify", "-C", str(editions), str(editions / "output" / "staff.pdf"))
    assert current.exit_code == 0, current.output
    assert current.output.strip().endswith("staff, information as of 2016-11-25: current")
    principal = run("verify", "-C", str(editions), str(editions / "old" / "principal.pdf"))
    assert principal.exit_code == 1 and f"new since       {NEW}" in principal.output


def test_verify_without_a_manifest_is_a_message_not_a_traceback(
    editions: Path, tmp_path: Path
) -> None:
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_bytes(b"%PDF-1.7\nthis is not a PDF at all\n")
    plain = tmp_path / "plain.pdf"
    HTML(string="<p>Someone else's PDF</p>").write_pdf(plain)
    bad = tmp_path / "bad-manifest.pdf"
    HTML(string="<p>x</p>").write_pdf(
        bad, attachments=[Attachment(string='{"format": 1}', name="briefing-manifest.json")]
    )
    for path, message in (
        (not_pdf, "not a readable PDF"),
        (plain, "carries no build manifest (briefing-manifest.json)"),
        (bad, "its build manifest does not parse as a briefings-manifest/1 manifest"),
        (tmp_path / "missing.pdf", "no such file"),
    ):
        result = run("verify", "-C", str(editions), str(path))
        assert result.exit_code == 2, (path, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_since_names_only_published_editions_inside_the_project(editions: Path) -> None:
    unknown = run("build", "-C", str(editions), "-a", "principal", "--since", "week-9")
    assert unknown.exit_code == 1
    assert (
        f"editions/week-9.json: no such edition. Published editions: {EDITION}." in unknown.output
    )
    settings = editions / "briefing.yaml"
    saved = settings.read_text("utf-8")
    try:
        settings.write_text(saved + "since: ../../etc/passwd\n", "utf-8")
        outside = run("check", "-C", str(editions))
        assert (
            outside.exit_code == 1
            and "briefing.yaml:" in outside.output
            and "since" in outside.output
        )
    finally:
        settings.write_text(saved, "utf-8")


def test_publish_refuses_a_book_that_does_not_validate(project: Path) -> None:
    (project / "content" / "kosovo.yaml").write_text("title: Kosovo\npoints: [\n", "utf-8")
    result = run("publish", "-C", str(project), "draft")
    assert result.exit_code == 1 and "content/kosovo.yaml:" in result.output
    assert not (project / "editions" / "draft.json").exists()


def test_a_profile_can_turn_the_manifest_off(project: Path) -> None:
    profile = project / "templates" / "principal" / "audience.yaml"
    profile.write_text(profile.read_text("utf-8") + "attach_manifest: false\n", "utf-8")
    built = run("build", "-C", str(project), "-a", "principal", "-f", "pdf")
    assert built.exit_code == 0, built.output
    pdf = project / "output" / "principal.pdf"
    assert PdfReader(pdf).attachments == {}
    assert (
        b"<brf:audience>principal</brf:audience>" in PdfReader(pdf).xmp_metadata.stream.get_data()
    )
    result = run("verify", "-C", str(project), str(pdf))
    assert result.exit_code == 2 and "attach_manifest: false" in result.output


# --- compare() on its own --------------------------------------------------------------------


def _edition(**points: tuple[str, tuple[str, ...], str, str]) -> Edition:
    return Edition(
        name="then",
        information_date="2016-11-25",
        points={
            ref.replace("_", "."): EditionPoint(headline=h, marking=m, audiences=a, text=t * 32)
            for ref, (h, a, m, t) in points.items()
        },
    )


def test_compare_tells_an_audience_only_what_it_may_know() -> None:
    staff = Audience(
        title="Staff", description="d", marking="internal", layout="backgrounder", id="staff"
    )
    then = _edition(
        t_same=("Same", ("staff",), "public", "a"),
        t_reworded=("Old words", ("staff",), "public", "a"),
        t_spaced=("Same", ("staff",), "public", "a"),
        t_raised=("Raised", ("staff",), "internal", "a"),
        t_gone=("Gone", ("staff",), "internal", "a"),
        t_other=("Other", ("press",), "public", "a"),
        t_lowered=("Lowered", (), "restricted", "a"),
    )
    now = _edition(
        t_same=("Same", ("staff",), "public", "a"),
        t_reworded=("New words", ("staff",), "public", "b"),
        t_spaced=("Same", ("staff",), "public", "a"),
        t_raised=("Raised", (), "restricted", "a"),
        t_other=("Other", ("press",), "public", "a"),
        t_lowered=("Lowered", ("staff",), "internal", "a"),
        t_added=("Added", ("staff",), "public", "c"),
    )
    changes = compare(then, now, staff)
    assert changes.new == ("t.lowered", "t.added")
    assert changes.changed == (("t.reworded", ("headline", "text")),)
    assert changes.withdrawn == (("t.gone", "Gone", "internal"),)  # t.raised: not mentioned
    assert compare(then, now, staff, topics={"u"}).empty


def test_verify_a_pdf_whose_topic_is_gone(project: Path, tmp_path: Path) -> None:
    manifest = {
        "format": "briefings-manifest/1",
        "audience": "staff",
        "information_date": "2016-11-25",
        "topics": ["gone"],
        "points": [{"id": "gone.point", "marking": "public", "headline": "Old", "text": "0" * 32}],
    }
    pdf = tmp_path / "old.pdf"
    attachment = Attachment(string=json.dumps(manifest), name="briefing-manifest.json")
    HTML(string="<p>x</p>").write_pdf(pdf, attachments=[attachment])
    result = run("verify", "-C", str(project), str(pdf))
    assert result.exit_code == 1, result.output
    assert "  withdrawn       gone.point: Old" in result.output
    assert "  note: topics no longer in the project: gone" in result.output
    assert "new since" not in result.output
