"""Hostile input: content, Markdown, templates and the output folder, each one contained.

Every case builds a known-good output first (copied from one module-wide baseline build), then
runs the hostile build and checks the exit code, the message, that the previous output is
byte-identical (or, where the build may succeed, that the new output holds nothing it should
not), that nothing outside the output folder changed, and that no request left the machine.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import socket
import socketserver
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner, Result

from briefings import build, rendering, templating
from briefings.cli import cli
from briefings.errors import ContentError, OutputError
from briefings.loading import load_project
from briefings.output import LOCK_NAME, TEMP_PREFIX

REPO = Path(__file__).resolve().parent.parent
SELECT = ("-a", "staff", "-t", "energy")
SECRET = "PLANTED-SECRET-7f3a9c1e"
INSIDE = "INSIDE-ROOT-MARKER-52d1"
VALID_TOPIC = """\
title: Hostile
summary: {text: A topic written to attack the loader., marking: public}
order: 99
points:
  - id: first
    kind: fact
    headline: "A headline."
    priority: 1
    marking: public
    sources:
      - seed: israel-balkans-2016
        paragraphs: [1]
    as_of: 2016-11-25
"""


# --- The machine stays offline ------------------------------------------------------------


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record and refuse every outgoing connection or name lookup during the test."""
    attempts = _forbid_network(monkeypatch)
    yield attempts
    assert attempts == [], f"a request tried to leave the machine: {attempts}"


def _forbid_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError(errno.ENETUNREACH, "the network is off in test_hostile")

    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, *a: refuse(*a))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, refuse)
    return attempts


class _Listener(http.server.ThreadingHTTPServer):
    def server_bind(self) -> None:  # skip HTTPServer's reverse lookup of its own name
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server; SSRF cases assert it never hears from the build."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = _Listener(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- A scene: a built project, a secret beside it, snapshots ------------------------------


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project copied once and built (staff, energy, HTML and PDF)."""
    root = tmp_path_factory.mktemp("baseline") / "project"
    root.mkdir()
    for part in ("content", "seeds", "templates"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy2(REPO / "briefing.yaml", root / "briefing.yaml")
    with pytest.MonkeyPatch.context() as monkeypatch:
        attempts = _forbid_network(monkeypatch)
        build(root, audiences=["staff"], topics=["energy"], formats=["html", "pdf"])
    assert attempts == []
    assert {p.name for p in (root / "output").iterdir()} >= {"staff.html", "staff.pdf"}
    return root


@dataclass
class Scene:
    """One test's world: tmp/project (with output/), tmp/outside/secret.txt, tmp/project/mine/."""

    tmp: Path
    project: Path
    out: Path
    secret: Path
    mine: Path
    before_out: dict[str, Any] = field(default_factory=dict)
    before_tree: dict[str, Any] = field(default_factory=dict)

    def snapshot(self) -> None:
        """Record the output folder and everything else under tmp, right before a build."""
        self.before_out = listing(self.out)
        self.before_tree = tree(self.tmp, skip=self.out)

    def run(self, *args: str, strict: bool = True, templates: bool = False) -> Result:
        """Snapshot, then run ``briefing build`` on the staff/energy selection."""
        self.snapshot()
        argv = ["build", "-C", str(self.project), *SELECT, *args]
        argv += ["--strict"] if strict else []
        argv += ["--templates", str(self.mine)] if templates else []
        return CliRunner().invoke(cli, argv)

    def assert_intact(self) -> None:
        """The previous output is byte-identical, no debris, and nothing else changed."""
        now = listing(self.out)
        assert now == self.before_out, _diff(self.before_out, now)
        assert not [n for n in now if n.startswith(TEMP_PREFIX)]
        self.assert_outside_unchanged()

    def assert_outside_unchanged(self) -> None:
        now = tree(self.tmp, skip=self.out)
        assert now == self.before_tree, _diff(self.before_tree, now)

    def topic(self, text: str | bytes, name: str = "hostile") -> Path:
        path = self.project / "content" / f"{name}.yaml"
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path

    def template(self, body: str, name: str = "briefing.html") -> Path:
        """A user template whose colophon block holds body, starting on line 3."""
        path = self.mine / name
        path.write_text(
            '{% extends "shipped:briefing.html" %}\n{% block colophon %}\n'
            + body
            + "\n{% endblock %}\n",
            encoding="utf-8",
        )
        return path

    def pdf(self) -> bytes:
        return (self.out / "staff.pdf").read_bytes()

    def html(self) -> str:
        return (self.out / "staff.html").read_text(encoding="utf-8")


@pytest.fixture
def scene(baseline: Path, tmp_path: Path) -> Scene:
    project = tmp_path / "project"
    shutil.copytree(baseline, project, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    mine = project / "mine"
    mine.mkdir()
    (mine / "inside.txt").write_text(f"{INSIDE}\n", encoding="utf-8")
    return Scene(tmp_path, project, project / "output", secret, mine)


def listing(folder: Path) -> dict[str, Any]:
    """Name → bytes (or link target, or 'dir') of each entry in a folder."""
    if not folder.is_dir():
        return {}
    entries: dict[str, Any] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            entries[entry.name] = ("symlink", os.readlink(entry))
        elif entry.is_dir():
            entries[entry.name] = ("dir", listing(entry))
        else:
            entries[entry.name] = entry.read_bytes()
    return entries


def tree(root: Path, skip: Path) -> dict[str, Any]:
    """Relative path → (kind, mode, digest or link target) for everything under root but skip."""
    found: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if here / d != skip)
        for name in [*dirs, *files]:
            path = here / name
            info = path.lstat()
            if path.is_symlink():
                value: Any = ("symlink", os.readlink(path))
            elif path.is_dir():
                value = ("dir", info.st_mode)
            elif stat.S_ISREG(info.st_mode):
                value = ("file", info.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
            else:  # a pipe or device: reading it could block or never end
                value = ("special", info.st_mode)
            found[str(path.relative_to(root))] = value
    return found


def _diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return f"changed: {changed}"


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def set_body(scene: Scene, markdown: str) -> int:
    """Replace the body of energy.pipeline-corridor (shown to staff); return the body's line."""
    path = scene.project / "content" / "energy.yaml"
    text = path.read_text(encoding="utf-8")
    block = "".join(f"      {line}\n" if line else "\n" for line in markdown.splitlines())
    new, count = re.subn(
        r"    body: \|\n(?:      .*\n)+", lambda m: "    body: |\n" + block, text, count=1
    )
    assert count == 1
    path.write_text(new, encoding="utf-8")
    return line_of(new, "body: |")


def point_html(html: str, anchor: str = "pt-energy.pipeline-corridor") -> str:
    """The HTML of one point's article."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</article>", start)]


def tags(html: str) -> list[tuple[str, list[str]]]:
    """Every start tag in html with its attribute names, as a browser's parser sees them."""
    found: list[tuple[str, list[str]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, [name for name, _ in attrs]))

    Parser().feed(html)
    return found


def assert_pdf_clean(data: bytes, *markers: str) -> None:
    """No attachment but the builder's own manifest, and no marker in the raw bytes, streams or
    extracted text."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert list(reader.attachments) in ([], ["briefing-manifest.json"])
    for content in reader.attachments.get("briefing-manifest.json", []):
        assert json.loads(content)["format"] == "briefings-manifest/1"
    filespecs = 0
    for number in range(1, int(reader.trailer["/Size"])):
        with contextlib.suppress(Exception):  # free or unreadable entries: nothing to check
            obj = reader.get_object(number)
            filespecs += isinstance(obj, dict) and obj.get("/Type") == "/Filespec"
    assert filespecs == len(reader.attachments)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
    streams = []
    for number in range(1, int(reader.trailer["/Size"])):
        with contextlib.suppress(Exception):  # free or unreadable entries: nothing to check
            obj = reader.get_object(number)
            if isinstance(obj, pypdf.generic.StreamObject):
                streams.append(obj.get_data())
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    hostname = Path("/etc/hostname")
    extra = [hostname.read_text().strip()] if hostname.is_file() else []
    for marker in [*markers, *(h for h in extra if len(h) >= 8)]:
        assert marker not in text
        assert marker.encode() not in data
        assert not [s for s in streams if marker.encode() in s]


# --- Content files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom value",
        "!!timestamp 2016-11-25",
    ],
)
def test_yaml_tags_are_refused_and_run_nothing(scene: Scene, tag: str) -> None:
    marker = scene.tmp / "outside" / "PWNED"
    text = VALID_TOPIC.replace('headline: "A headline."', "headline: " + tag.format(marker=marker))
    scene.topic(text)
    result = scene.run()
    assert result.exit_code == 1
    assert f"content/hostile.yaml:{line_of(text, 'headline:')}:15: " in result.output
    assert "YAML tags are not allowed" in result.output
    assert not marker.exists()
    scene.assert_intact()


def test_billion_laughs_is_refused_at_the_first_alias_quickly(scene: Scene) -> None:
    lines = ['lol0: &l0 "lol"']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    scene.topic("\n".join(lines) + "\n" + VALID_TOPIC)
    started = time.monotonic()
    result = scene.run()
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "content/hostile.yaml:2:12: YAML aliases (*name) are not allowed" in result.output
    scene.assert_intact()


def test_duplicate_keys_are_refused(scene: Scene) -> None:
    scene.topic(VALID_TOPIC + "title: Again\n")
    result = scene.run()
    assert result.exit_code == 1
    assert "content/hostile.yaml:14:1: title: duplicate key (first at line 1)" in result.output
    scene.assert_intact()


def test_no_yes_and_dates_stay_text_where_text_belongs(scene: Scene) -> None:
    text = (
        VALID_TOPIC.replace('headline: "A headline."', "headline: NO")
        .replace("order: 99", "order: 99\ncountries: [NO, ON]")
        .replace("    marking: public", "    marking: public\n    attribution: 2016-11-25")
    )
    scene.topic(text)
    project = load_project(scene.project)
    topic = next(t for t in project.topics if t.id == "hostile")
    assert topic.countries == ("NO", "ON")
    assert topic.points[0].headline == "NO"
    assert topic.points[0].attribution == "2016-11-25"
    result = scene.run("-f", "html", "--force")
    assert result.exit_code == 0, result.output
    scene.assert_outside_unchanged()


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (('headline: "A headline."', "headline: 12"), "7:5: points[0].headline", "expected text, got 12 (put it in quotes)"),
        (("kind: fact", "kind: NO"), "6:5: points[0].kind", "expected fact|assessment|recommendation|talking-point|risk, got 'NO'"),
        (("priority: 1", "priority: yes"), "8:5: points[0].priority", "expected a whole number, got 'yes'"),
        (("as_of: 2016-11-25", "as_of: yesterday"), "13:5: points[0].as_of", "expected a date YYYY-MM-DD, got 'yesterday'"),
    ],
)  # fmt: skip
def test_wrong_scalar_types_name_file_line_and_field(
    scene: Scene, change: tuple[str, str], where: str, message: str
) -> None:
    scene.topic(VALID_TOPIC.replace(*change))
    result = scene.run()
    assert result.exit_code == 1
    assert f"content/hostile.yaml:{where}: {message}" in result.output
    scene.assert_intact()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"title: ok\nsummary: caf\xe9\n", "content/hostile.yaml:2:13: not valid UTF-8; save the file as UTF-8"),
        (b"title: ok\n\xff\xfe\n", "content/hostile.yaml:2:1: not valid UTF-8"),
        (b"title: ok\nsummary: a\x00b\n", "content/hostile.yaml:2:1: contains a NUL character; is this a text file?"),
        (b"\xff\xfet\x00i\x00t\x00", "content/hostile.yaml:1:1: not valid UTF-8"),
    ],
)  # fmt: skip
def test_bad_encoding_is_refused_with_its_position(scene: Scene, raw: bytes, message: str) -> None:
    scene.topic(raw)
    result = scene.run()
    assert result.exit_code == 1
    assert message in result.output
    scene.assert_intact()


def test_bom_and_crlf_files_work_and_give_identical_output(scene: Scene) -> None:
    for name in ("content/energy.yaml", "templates/staff/audience.yaml", "briefing.yaml"):
        path = scene.project / name
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    before = {name: (scene.out / name).read_bytes() for name in ("staff.html", "staff.pdf")}
    result = scene.run("--force")
    assert result.exit_code == 0, result.output
    assert {name: (scene.out / name).read_bytes() for name in before} == before
    scene.assert_outside_unchanged()


def test_line_numbers_are_right_in_a_bom_crlf_file(scene: Scene) -> None:
    text = VALID_TOPIC.replace("priority: 1", "priority: 7")
    scene.topic(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = scene.run()
    assert result.exit_code == 1
    assert (
        "content/hostile.yaml:8:5: points[0].priority: input should be less than or equal to 3, got 7"
        in result.output
    )
    scene.assert_intact()


def test_an_oversize_file_is_refused_before_parsing(scene: Scene) -> None:
    size = len(scene.topic(VALID_TOPIC + "#" * (2 * 1024 * 1024) + "\n").read_bytes())
    started = time.monotonic()
    result = scene.run()
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert f"content/hostile.yaml:1:1: file is {size:,} bytes; the limit is 2,097,152" in (
        result.output
    )
    scene.assert_intact()


def test_an_oversize_body_is_refused(scene: Scene) -> None:
    scene.topic(VALID_TOPIC.replace("priority: 1", "body: " + "word " * 5000 + "\n    priority: 1"))
    result = scene.run()
    assert result.exit_code == 1
    assert "content/hostile.yaml:8:5: points[0].body: is too long (limit 20000 characters)" in (
        result.output
    )
    scene.assert_intact()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "content/hostile.yaml:1:1: expected a mapping of fields at the top level"),
        ("", "content/hostile.yaml:1:1: file is empty; expected a mapping of fields"),
        ("just text\n", "content/hostile.yaml:1:1: expected a mapping of fields at the top level"),
        (VALID_TOPIC.split("points:")[0] + "points: {id: x}\n", "content/hostile.yaml:4:1: points: expected a list, got a dict"),
        (VALID_TOPIC.split("points:")[0] + "points: []\n", "content/hostile.yaml:4:1: points: must have at least one entry"),
        (VALID_TOPIC.replace("sources:\n      - seed: israel-balkans-2016\n        paragraphs: [1]", "sources: 5"), "content/hostile.yaml:10:5: points[0].sources: expected a list, got 5"),
        ("? [a, b]\n: c\n" + VALID_TOPIC, "content/hostile.yaml:1:3: keys must be plain names"),
        ("title: " + "[" * 30 + "]" * 30 + "\n", "nested deeper than 24 levels"),
        ("title: " + "[" * 3000 + "]" * 3000 + "\n", "content/hostile.yaml:1:"),
    ],
)  # fmt: skip
def test_wrong_shapes_are_refused(scene: Scene, text: str, message: str) -> None:
    scene.topic(text)
    result = scene.run()
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    scene.assert_intact()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  - id: first", "  - id: ../../etc"), "content/hostile.yaml:5:5: points[0].id: expected a lowercase hyphen slug like 'kosovo-recognition', got '../../etc'"),
        (("title: Hostile", "id: ../../etc\ntitle: Hostile"), "content/hostile.yaml:1:1: id: is set from the file name; remove it"),
        (("seed: israel-balkans-2016", "seed: ../../outside/secret"), "points[0].sources[0].seed: expected a lowercase hyphen slug"),
        (("as_of: 2016-11-25", "as_of: 2016-11-25\n    related: [../../etc.passwd]"), "points[0].related[0]: expected a point address 'topic.point'"),
        (("as_of: 2016-11-25", "as_of: 2016-11-25\n    audiences: [../staff]"), "points[0].audiences[0]: expected a lowercase hyphen slug"),
    ],
)  # fmt: skip
def test_id_traversal_is_refused(scene: Scene, change: tuple[str, str], message: str) -> None:
    scene.topic(VALID_TOPIC.replace(*change))
    result = scene.run()
    assert result.exit_code == 1
    assert message in result.output
    scene.assert_intact()


@pytest.mark.parametrize("name", ["Evil Name", "evil.name", "-evil", "evil_", "..", "évil"])
def test_file_names_that_are_not_slugs_are_refused(scene: Scene, name: str) -> None:
    (scene.project / "content" / f"{name}.yaml").write_text(VALID_TOPIC, encoding="utf-8")
    result = scene.run()
    assert result.exit_code == 1
    assert "file name must be a lowercase hyphen slug" in result.output
    scene.assert_intact()


def test_duplicate_point_ids_are_refused(scene: Scene) -> None:
    point = VALID_TOPIC[VALID_TOPIC.index("  - id: first") :]
    scene.topic(VALID_TOPIC + point)
    result = scene.run()
    assert result.exit_code == 1
    assert (
        "content/hostile.yaml:14:5: points[1].id: duplicate point id 'first' (also points[0])"
        in (result.output)
    )
    scene.assert_intact()


def test_a_second_file_for_the_same_topic_is_reported(scene: Scene) -> None:
    shutil.copy(scene.project / "content" / "energy.yaml", scene.project / "content" / "energy.yml")
    result = scene.run()
    assert result.exit_code == 1
    assert "content/energy.yml: use the .yaml extension; this file is ignored" in result.output
    scene.assert_intact()


# --- Markdown bodies ------------------------------------------------------------------------

ACTIVE_MARKDOWN = """\
Intro <script>document.title='PWNED-SCRIPT'</script> text.

<img src="https://example.invalid/x.png" onerror="alert('PWNED-ONERROR')">
<p onclick="alert('PWNED-ONCLICK')">click</p>
<svg onload="alert('PWNED-ONLOAD')"><circle r="5"/></svg>
<iframe src="{secret_uri}"></iframe>
<object data="{secret_uri}"></object>
<embed src="{secret_uri}">
<style>body {{ background: url("{url}/style") }}</style>
<meta http-equiv="refresh" content="0;url={url}/meta">
<base href="{url}/base/">
<form action="{url}/form"><input name="q"></form>
<a href="javascript:alert('PWNED-JS')">js</a> <a href="JaVaScRiPt:alert(1)">js2</a>
<a href="data:text/html,PWNED-DATA">data</a> <a href="vbscript:msgbox">vb</a>
<a href="file:///etc/passwd">passwd</a> <a rel="attachment" href="{secret_uri}">attach</a>
[md link]({secret_uri}) [md js](javascript:alert(1)) <a href="https://example.org/ok">fine</a>
"""


def test_active_markdown_is_sanitized(scene: Scene, listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    set_body(scene, ACTIVE_MARKDOWN.format(secret_uri=scene.secret.as_uri(), url=url))
    result = scene.run("--force")
    assert result.exit_code == 0, result.output
    body = point_html(scene.html())
    for banned in (
        "<script", "PWNED", "onerror", "onclick", "onload", "<svg", "<iframe", "<object",
        "<embed", "<style", "<meta", "<base", "<form", "<input", "javascript:", "vbscript:",
        "data:", "file:", "attachment", url,
    ):  # fmt: skip
        assert banned.lower() not in body.lower(), banned
    assert '<a href="https://example.org/ok" rel="noopener noreferrer">fine</a>' in body
    assert {t for t, _ in tags(body)} <= {"article", "h3", "span", "p", "div", "a", "img"}
    assert not [a for _, a in tags(body) if any(n.startswith("on") for n in a)]
    assert_pdf_clean(scene.pdf(), SECRET, "PWNED")
    assert hits == []
    scene.assert_outside_unchanged()


@pytest.mark.parametrize(
    ("src", "strict_exit"),
    [
        ("{secret_uri}", 0),
        ("{url}/image.png", 0),
        ("//127.0.0.1:{port}/image.png", 0),
        ("../../outside/secret.txt", 0),
        ("/etc/hostname", 0),
        ("\\\\server\\share\\x.png", 0),
        ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>", 0),
        ("%2e%2e/%2e%2e/outside/secret.txt", 0),  # dropped by the sanitizer, never fetched
        ("fonts/..%2f..%2f..%2foutside%2fsecret.txt", 0),
        ("leak.png", 1),  # a symlink inside the template folder pointing outside it
    ],
)
def test_images_come_only_from_the_project(
    scene: Scene, listener: tuple[str, list[str]], src: str, strict_exit: int
) -> None:
    url, hits = listener
    (scene.project / "templates" / "leak.png").symlink_to(scene.secret)
    src = src.format(secret_uri=scene.secret.as_uri(), url=url, port=url.rsplit(":", 1)[1])
    set_body(scene, f'Look: ![picture]({src}) and <img src="{src}" alt="raw">')
    strict = scene.run("-f", "pdf", "--force")
    assert strict.exit_code == strict_exit, strict.output
    if strict_exit:
        assert "blocked resource" in strict.output
        assert "outside the project's template and asset folders" in strict.output
        scene.assert_intact()
    else:
        scene.assert_outside_unchanged()
    relaxed = scene.run("--force", strict=False)
    assert relaxed.exit_code == 0, relaxed.output
    assert_pdf_clean(scene.pdf(), SECRET)
    assert SECRET not in scene.html()
    assert hits == []
    scene.assert_outside_unchanged()


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("> " * 40 + "deep", "quotes or lists nested deeper than 12 levels"),
        ("\n".join("    " * i + "- item" for i in range(60)), "quotes or lists nested deeper than 12 levels"),
        ("1. " * 300 + "deep", "quotes or lists nested deeper than 12 levels"),
        ("- 1) > " * 100 + "deep", "quotes or lists nested deeper than 12 levels"),
        ("[" * 8000, "too many '[' or '<' (limit 200); simplify the Markdown"),
        ("![" * 4000, "too many '[' or '<' (limit 200); simplify the Markdown"),
        ("[a](" * 2000, "too many '[' or '<' (limit 200); simplify the Markdown"),
        ("<div>" * 3000, "too many '[' or '<' (limit 200); simplify the Markdown"),
        ("_" * 5000 + "a", "a run of 200 or more '*', '_' or '`'"),
    ],
)  # fmt: skip
def test_costly_markdown_is_refused_when_loading(scene: Scene, markdown: str, message: str) -> None:
    line = set_body(scene, markdown)
    started = time.monotonic()
    result = scene.run()
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert f"content/energy.yaml:{line}:5: points[0].body: {message}" in result.output
    assert "Traceback" not in result.output
    scene.assert_intact()


def test_hostile_markup_in_a_headline_is_sanitized(scene: Scene) -> None:
    path = scene.project / "content" / "energy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'headline: "The Balkans are',
            "headline: \"<script>x('PWNED')</script><img src=x onerror=alert(1)> The Balkans are",
            1,
        ),
        encoding="utf-8",
    )
    result = scene.run("-f", "html", "--force")
    assert result.exit_code == 0, result.output
    article = point_html(scene.html())
    assert "<script" not in article
    assert not [a for t, a in tags(article) if t == "script" or any(n.startswith("on") for n in a)]
    assert (  # raw HTML in a headline is shown as text
        '<span class="text">&lt;script&gt;x(\u2018PWNED\u2019)&lt;/script&gt;'
        "&lt;img src=x onerror=alert(1)&gt; The Balkans are" in article
    )
    scene.assert_outside_unchanged()


# --- Templates from --templates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}", "access to attribute '__init__'"),
        ("{{ joiner.__init__.__globals__['os'].system('touch {marker}') }}", "access to attribute '__init__'"),
        ("{{ lipsum.__globals__['os'].popen('touch {marker}') }}", "'lipsum' is undefined"),
        ("{{ namespace.__init__.__globals__ }}", "access to attribute '__init__'"),
        ("{{ self._TemplateReference__context }}", "access to attribute '_TemplateReference__context'"),
        ("{{ self.__init__.__globals__ }}", "access to attribute '__init__'"),
        ("{{ '{0.__class__}'.format(briefing) }}", "access to attribute '__class__'"),
        ("{{ '{x.__init__.__globals__}'.format_map({'x': cycler}) }}", "access to attribute '__init__'"),
        ("{{ '{x.__class__.__base__.__subclasses__}'.format(x=1) }}", "access to attribute '__class__' of 'int'"),
        ("{% set f = '{0.__class__}'.format %}{{ f(1) }}", "access to attribute '__class__'"),
        ("{{ briefing|attr('__class__') }}", "access to attribute '__class__'"),
        ("{{ sections|map(attribute='__class__')|first }}", "access to attribute '__class__' of 'Section' object is unsafe"),
        ("{{ dict.mro() }}", "access to attribute 'mro' of 'type' object is unsafe"),
        ("{{ briefing.model_copy.__func__.__globals__ }}", "access to attribute '__func__'"),
        ("{{ range.__self__ }}", "'function object' has no attribute '__self__'"),
        ("{{ config.items() }}", "'config' is undefined"),
        ("{{ request.application.__globals__ }}", "'request' is undefined"),
        ("{{ settings.model_dump().update(title='x') }}", "access to attribute 'update' of 'dict' object is unsafe"),
    ],
)  # fmt: skip
def test_sandbox_escapes_are_refused(scene: Scene, payload: str, message: str) -> None:
    marker = scene.tmp / "outside" / "PWNED"
    scene.template(payload.replace("{marker}", str(marker)))
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1, result.output
    assert "Error: mine/briefing.html:3: " in result.output
    assert message in result.output
    assert not marker.exists()
    scene.assert_intact()


@pytest.mark.parametrize(
    "statement",
    [
        "{% include '/etc/passwd' %}",
        "{% include '../../outside/secret.txt' %}",
        "{% include '../briefing.yaml' %}",
        "{% include 'shipped:../../briefing.yaml' %}",
        "{% include 'shipped:/etc/passwd' %}",
        "{% include 'fonts/../../briefing.yaml' %}",
        "{% include '..\\\\briefing.yaml' %}",
        "{% include './inside.txt' %}",
        "{% import '/etc/passwd' as x %}",
        "{% from '../../outside/secret.txt' import x %}",
    ],
)
def test_includes_outside_the_template_folders_are_refused(scene: Scene, statement: str) -> None:
    scene.template(statement)
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1
    assert "Error: mine/briefing.html:3: " in result.output  # the statement that asked for it
    assert "template names are relative paths inside the template folders" in result.output
    assert SECRET not in result.output and "root:" not in result.output
    scene.assert_intact()


def test_a_template_may_include_its_own_files(scene: Scene) -> None:
    scene.template("{% include 'inside.txt' %}")
    result = scene.run("-f", "html", "--force", templates=True)
    assert result.exit_code == 0, result.output
    assert INSIDE in scene.html()
    scene.assert_outside_unchanged()


@pytest.mark.parametrize(
    ("link", "use", "message"),
    [
        ("leak.html", "{% include 'leak.html' %}", "resolves outside the template folder"),
        ("partials/point.html", "{% include 'partials/point.html' %}", "resolves outside the template folder"),
        ("print.css", "", "stylesheet not found: print.css"),
        ("audience.css", "", "audience.css"),
    ],
)  # fmt: skip
def test_symlinks_in_the_user_template_folder_cannot_reach_out(
    scene: Scene, link: str, use: str, message: str
) -> None:
    target = scene.mine / link
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(scene.secret)
    scene.template(use or "{{ 1 }}")
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert SECRET not in result.output
    scene.assert_intact()


def test_a_symlinked_font_cannot_reach_out(scene: Scene) -> None:
    (scene.mine / "fonts").mkdir()
    (scene.mine / "fonts" / "leak.ttf").symlink_to(scene.secret)
    (scene.mine / "fonts" / "fonts.css").write_text(
        '@font-face { font-family: "Leak"; src: url("leak.ttf"); }\n', encoding="utf-8"
    )
    scene.template("{{ 1 }}")
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1
    assert "font file not found inside its template folder" in result.output
    scene.assert_intact()


SSRF_TAGS = """\
<img src="{url}/img.png"> <img src="//127.0.0.1:{port}/scheme-relative.png">
<img src="file://127.0.0.1/{secret_path}"> <img src="{secret_uri}">
<link rel="stylesheet" href="{url}/sheet.css"> <link rel="stylesheet" href="{secret_uri}">
<style>
@import url("{url}/import.css");
@font-face {{ font-family: "Remote"; src: url("{url}/font.ttf"); }}
.colophon {{ background: url("{secret_uri}"); font-family: "Remote"; }}
.colophon::after {{ content: url("{url}/after.png"); }}
</style>
<object data="{url}/object.svg" type="image/svg+xml"></object> <embed src="{url}/embed.svg">
<iframe src="{url}/frame.html"></iframe> <video src="{url}/v.mp4" poster="{url}/poster.png"></video>
<svg width="10" height="10"><image href="{url}/svg-image.png" width="10" height="10"/></svg>
<svg width="10" height="10"><image href="{secret_uri}" width="10" height="10"/></svg>
"""


def test_ssrf_and_lfi_tags_in_a_template_fetch_nothing(
    scene: Scene, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    scene.template(
        SSRF_TAGS.format(
            url=url,
            port=url.rsplit(":", 1)[1],
            secret_uri=scene.secret.as_uri(),
            secret_path=str(scene.secret).lstrip("/"),
        )
    )
    strict = scene.run("-f", "pdf", "--force", templates=True)
    assert strict.exit_code == 1
    assert "warning(s) with --strict; nothing was written" in strict.output
    assert f"blocked resource {url}/img.png: only files inside the project are allowed" in (
        strict.output
    )
    scene.assert_intact()
    relaxed = scene.run("--force", strict=False, templates=True)
    assert relaxed.exit_code == 0, relaxed.output
    assert f"warning: staff: blocked resource {url}/" in relaxed.output
    assert "remote file hosts are not allowed" in relaxed.output
    assert f"blocked resource {scene.secret.as_uri()}: outside the project's" in relaxed.output
    assert_pdf_clean(scene.pdf(), SECRET)
    assert hits == []
    scene.assert_outside_unchanged()


ATTACHMENTS = """\
<a rel="attachment" href="{secret_uri}">a</a>
<a rel="ATTACHMENT nofollow" href="inside.txt">b</a>
<a rel=" noopener	attachment " href="fonts/fonts.css">c</a>
<link rel="attachment" href="{secret_uri}" title="secret">
<link rel="Attachment" href="inside.txt" title="inside">
<svg width="10" height="10"><a rel="attachment" href="inside.txt"><rect width="5" height="5"/></a></svg>
"""


def test_attachments_never_reach_the_pdf(scene: Scene) -> None:
    scene.template(ATTACHMENTS.format(secret_uri=scene.secret.as_uri()))
    strict = scene.run("-f", "pdf", "--force", templates=True)
    assert strict.exit_code == 1
    assert "warning(s) with --strict; nothing was written" in strict.output
    assert "refused a PDF attachment" in strict.output
    scene.assert_intact()
    relaxed = scene.run("--force", strict=False, templates=True)
    assert relaxed.exit_code == 0, relaxed.output
    assert f"warning: staff: refused a PDF attachment: {scene.secret.as_uri()}" in relaxed.output
    assert_pdf_clean(scene.pdf(), SECRET, INSIDE, "@font-face")
    scene.assert_outside_unchanged()


def test_a_runaway_loop_is_stopped_by_the_deadline(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(templating, "RENDER_SECONDS", 1.0)
    scene.template(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    result = scene.run("-f", "html", templates=True)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "Error: briefing.html: rendering took longer than 1 s; is a loop runaway?" in (
        result.output
    )
    scene.assert_intact()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "recursion too deep (a macro or include calls itself?)"),
        ("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", "recursion too deep (a macro or include calls itself?)"),
        ("{% include 'briefing.html' %}", "include or import cycle: briefing.html → shipped:briefing.html → base.html → briefing.html"),
        ("{% import 'briefing.html' as me with context %}x", "include or import cycle: briefing.html → shipped:briefing.html → base.html → briefing.html"),
        ("{% from 'cycle.html' import m with context %}x", "include or import cycle: briefing.html → shipped:briefing.html → base.html → cycle.html → briefing.html"),
    ],
)  # fmt: skip
def test_recursion_is_stopped(scene: Scene, body: str, message: str) -> None:
    scene.template(body)
    (scene.mine / "cycle.html").write_text(
        "{% import 'briefing.html' as b with context %}{% macro m() %}{% endmacro %}", "utf-8"
    )
    started = time.monotonic()
    result = scene.run("-f", "html", templates=True)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert f"briefing.html: {message}" in result.output
    scene.assert_intact()


def test_huge_output_is_stopped(scene: Scene) -> None:
    scene.template("{% for i in range(100000) %}{{ 'abcdefghij' * 100 }}{% endfor %}")
    started = time.monotonic()
    result = scene.run("-f", "html", templates=True)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "Error: briefing.html: output passed 41,943,040 characters; is a loop runaway?" in (
        result.output
    )
    scene.assert_intact()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{{ 9 ** 999999999 }}", "9 ** 999999999 is too large a number"),
        ("{{ (briefing.points()|length + 8) ** 99999999 }}", "is too large a number"),
        ("{% set ns = namespace(v=3) %}{% for i in range(24) %}{% set ns.v = ns.v * ns.v %}{% endfor %}", "the product is too large a number"),
        ("{{ 'x' * 10 ** 9 }}", "repeating 1 items 1,000,000,000 times is too large"),
        ("{{ [0] * 10 ** 8 }}", "repeating 1 items 100,000,000 times is too large"),
        ("{% set ns = namespace(s='ab') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "characters is too large"),
        ("{% set ns = namespace(s='ab') %}{% for i in range(30) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "characters is too large"),
        ("{% set ns = namespace(s=[0]) %}{% for i in range(27) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "items is too large"),
        ("{{ '%0999999999d' % 1 }}", "a format field is too wide"),
        ("{{ '%*d' % (10 ** 9, 1) }}", "a format field is too wide"),
        ("{{ '{:>999999999}'.format(1) }}", "a format field is too wide"),
        ("{{ '{:>{w}}'.format(1, w=10 ** 9) }}", "a format field is too wide"),
        ("{{ '%0999999999d'|format(1) }}", "a format field is too wide"),
        ("{{ 'x'|center(10 ** 9) }}", "a number given to |center is larger than 100,000"),
        ("{{ 'x'|indent(10 ** 9) }}", "a number given to |indent is larger than 100,000"),
        ("{{ 'ab'|replace('', 'x' * 50000) * 1000 }}", "is too large"),
        ("{{ 'x'.center(10 ** 9) }}", "access to attribute 'center' of 'str' object is unsafe"),
        ("{{ ('\t' * 1000).expandtabs(10 ** 8) }}", "access to attribute 'expandtabs'"),
    ],
)  # fmt: skip
def test_work_done_inside_c_code_is_bounded_before_it_runs(
    scene: Scene, payload: str, message: str
) -> None:
    scene.template(payload)
    started = time.monotonic()
    result = scene.run("-f", "html", templates=True)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "Error: mine/briefing.html:3: refused by the sandbox: " in result.output
    assert message in result.output
    scene.assert_intact()


def test_ordinary_template_arithmetic_still_works(scene: Scene) -> None:
    scene.template(
        "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ '%05.1f' % 3.14159 }} {{ '{:>6}'.format('r') }}|"
        "{{ 'x'|center(7) }}|{{ [1] + [2] }} {{ 'a' ~ 1 }} {{ '%d'|format(123456789012) }}"
    )
    result = scene.run("-f", "html", "--force", templates=True)
    assert result.exit_code == 0, result.output
    assert "1024 ababab 003.1      r|   x   |[1, 2] a1 123456789012" in scene.html()
    scene.assert_outside_unchanged()


def test_a_runaway_svg_is_stopped_by_the_layout_deadline(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendering, "LAYOUT_SECONDS", 1.5)
    svg = '<svg width="50" height="50"><defs><rect id="l0" width="1" height="1"/>'
    for level in range(1, 10):
        svg += f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * 10 + "</g>"
    scene.template(svg + '</defs><use href="#l9"/></svg>')
    started = time.monotonic()
    result = scene.run("-f", "pdf", "--force", strict=False, templates=True)
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert "took longer than 1.5 s; is an SVG, table or page count runaway?" in result.output
    scene.assert_intact()


def test_a_template_syntax_error_names_file_and_line(scene: Scene) -> None:
    scene.template("{{ 1 + }}")
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1
    assert "Error: mine/briefing.html:3: unexpected 'end of print statement'" in result.output
    scene.assert_intact()


def test_a_missing_user_template_folder_is_an_error(scene: Scene) -> None:
    shutil.rmtree(scene.mine)
    result = scene.run("-f", "html", templates=True)
    assert result.exit_code == 1
    assert f"Error: {scene.mine}: the user template folder does not exist" in result.output
    scene.assert_intact()


# --- The command line and the output folder -------------------------------------------------


def test_an_output_path_that_is_a_file_is_refused(scene: Scene) -> None:
    blocker = scene.tmp / "outside" / "not-a-folder"
    blocker.write_bytes(b"keep me")
    result = scene.run("-o", str(blocker))
    assert result.exit_code == 1
    assert f"Error: {blocker}: exists and is not a folder; choose another -o" in result.output
    assert blocker.read_bytes() == b"keep me"
    scene.assert_intact()


def test_an_output_path_below_a_file_is_refused(scene: Scene) -> None:
    blocker = scene.tmp / "outside" / "not-a-folder"
    blocker.write_bytes(b"keep me")
    result = scene.run("-o", str(blocker / "sub"))
    assert result.exit_code == 1
    assert "cannot create the output folder: Not a directory" in result.output
    scene.assert_intact()


def test_an_unwritable_output_folder_is_refused(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() == 0:  # root writes anyway; make access() tell the truth a user would see
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, m, **k: False if Path(p) == scene.out else real_access(p, m)
        )
    scene.out.chmod(0o555)
    try:
        result = scene.run("--force")
    finally:
        scene.out.chmod(0o755)
    assert result.exit_code == 1
    assert f"Error: {scene.out}: the output folder is not writable" in result.output
    scene.assert_intact()


def test_a_symlinked_target_is_replaced_not_followed(scene: Scene) -> None:
    victims = {}
    for name in ("staff.html", "staff.pdf", ".briefing-manifest.json"):
        victim = scene.tmp / "outside" / f"victim-{name}"
        victim.write_bytes(b"victim " + name.encode())
        (scene.out / name).unlink()
        (scene.out / name).symlink_to(victim)
        victims[victim] = victim.read_bytes()
    result = scene.run("--force", strict=False)
    assert result.exit_code == 0, result.output
    for name in ("staff.html", "staff.pdf", ".briefing-manifest.json"):
        assert not (scene.out / name).is_symlink()
        assert (scene.out / name).is_file()
    assert {v: v.read_bytes() for v in victims} == victims
    assert (scene.out / "staff.pdf").read_bytes().startswith(b"%PDF-")
    scene.assert_outside_unchanged()


def test_a_manifest_linked_to_a_pipe_is_not_read(scene: Scene) -> None:
    fifo = scene.tmp / "outside" / "pipe"
    os.mkfifo(fifo)
    (scene.out / ".briefing-manifest.json").unlink()
    (scene.out / ".briefing-manifest.json").symlink_to(fifo)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(
                build(scene.project, audiences=["staff"], topics=["energy"], formats=["html"])
            )
        except BaseException as exc:  # reported below
            outcome.append(exc)

    scene.snapshot()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # blocked opening the pipe: give it a writer so the thread ends
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail("the build blocked reading the manifest through a symlink")
    assert not isinstance(outcome[0], BaseException), outcome[0]
    assert not (scene.out / ".briefing-manifest.json").is_symlink()
    scene.assert_outside_unchanged()


def test_a_symlinked_lock_is_refused(scene: Scene) -> None:
    victim = scene.tmp / "outside" / "victim.lock"
    victim.write_bytes(b"victim")
    (scene.out / LOCK_NAME).unlink()
    (scene.out / LOCK_NAME).symlink_to(victim)
    result = scene.run("--force")
    assert result.exit_code == 1
    assert f"{scene.out / LOCK_NAME}: cannot open the build lock" in result.output
    assert victim.read_bytes() == b"victim"
    scene.assert_intact()


def test_a_folder_where_an_output_goes_is_refused_before_anything_is_written(
    scene: Scene,
) -> None:
    _change_content(scene)
    (scene.out / "staff.pdf").unlink()
    (scene.out / "staff.pdf").mkdir()
    result = scene.run("--force", strict=False)
    assert result.exit_code == 1
    assert f"{scene.out / 'staff.pdf'}: " in result.output
    assert "is a folder" in result.output
    scene.assert_intact()


def _change_content(scene: Scene) -> None:
    """Edit the content so a new build would give different bytes than the previous one."""
    path = scene.project / "content" / "energy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("The Balkans are a transit", "The Balkans are a key transit", 1))


@pytest.mark.parametrize("failing_call", [1, 2, 3])
@pytest.mark.parametrize("exception", [KeyboardInterrupt, OSError(errno.ENOSPC, "No space")])
def test_an_interrupted_write_keeps_every_previous_output(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, failing_call: int, exception: Any
) -> None:
    _change_content(scene)
    calls = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == failing_call:
            raise exception
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    scene.snapshot()
    expected = KeyboardInterrupt if exception is KeyboardInterrupt else OutputError
    with pytest.raises(expected) as caught:
        build(scene.project, audiences=["staff"], topics=["energy"], force=True)
    if expected is OutputError:
        assert "could not write: No space" in str(caught.value)
    scene.assert_intact()


def test_an_interrupt_through_the_cli_keeps_every_previous_output(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    _change_content(scene)
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    result = scene.run("--force", strict=False)
    monkeypatch.setattr(os, "replace", real_replace)
    assert result.exit_code == 130
    assert "Interrupted; nothing was written." in result.output
    scene.assert_intact()


def test_a_build_that_fails_late_keeps_every_previous_output(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    _change_content(scene)

    def explode(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the renderer crashed")

    monkeypatch.setattr("briefings.builder.write_pdf_bytes", explode)
    scene.snapshot()
    with pytest.raises(RuntimeError, match="the renderer crashed"):
        build(scene.project, audiences=["staff"], topics=["energy"], force=True)
    scene.assert_intact()


def test_a_concurrent_build_is_refused_and_leaves_the_other_alone(scene: Scene) -> None:
    inflight = scene.out / f"{TEMP_PREFIX}inflight.pdf"
    inflight.write_bytes(b"%PDF- being written by the other build")
    fd = os.open(scene.out / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = scene.run("--force")
        after = listing(scene.out)
    finally:
        os.close(fd)
    assert result.exit_code == 1
    assert (
        f"Error: {scene.out}: another build is writing to this folder; wait for it to finish"
        in result.output
    )
    assert after == scene.before_out  # the other build's temporary file included
    scene.assert_outside_unchanged()


def test_debris_of_a_killed_build_is_cleaned_up(scene: Scene) -> None:
    (scene.out / f"{TEMP_PREFIX}killed.pdf").write_bytes(b"half a PDF")
    (scene.out / "notes.txt").write_bytes(b"not ours")
    result = scene.run("-f", "html", "--force")
    assert result.exit_code == 0, result.output
    names = {p.name for p in scene.out.iterdir()}
    assert not [n for n in names if n.startswith(TEMP_PREFIX)]
    assert (scene.out / "notes.txt").read_bytes() == b"not ours"
    scene.assert_outside_unchanged()


def test_a_project_folder_that_does_not_exist_is_an_error(scene: Scene) -> None:
    scene.snapshot()
    result = CliRunner().invoke(cli, ["build", "-C", str(scene.tmp / "nowhere"), *SELECT])
    assert result.exit_code == 1
    assert "content: folder not found" in result.output
    assert not (scene.tmp / "nowhere").exists()
    scene.assert_intact()


def test_content_errors_raise_the_library_error(scene: Scene) -> None:
    scene.topic(VALID_TOPIC.replace("kind: fact", "kind: !!python/name:os.system"))
    scene.snapshot()
    with pytest.raises(ContentError) as caught:
        build(scene.project, audiences=["staff"], topics=["energy"])
    assert "content/hostile.yaml:6:11: points[0].kind: YAML tags are not allowed" in str(
        caught.value
    )
    scene.assert_intact()


# --- Reproducible builds --------------------------------------------------------------------


@pytest.mark.parametrize("epoch", [None, "1500000000"])
def test_two_builds_are_byte_identical(
    scene: Scene, monkeypatch: pytest.MonkeyPatch, epoch: str | None
) -> None:
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    outputs = []
    for folder in ("first", "second"):
        result = scene.run("-o", str(scene.tmp / folder), "--force", strict=False)
        assert result.exit_code == 0, result.output
        outputs.append(
            {name: (scene.tmp / folder / name).read_bytes() for name in ("staff.html", "staff.pdf")}
        )
    assert outputs[0] == outputs[1]
    info = pypdf.PdfReader(io.BytesIO(outputs[0]["staff.pdf"])).metadata
    # The document's dates are the information date from the content, never the clock.
    assert info.get("/CreationDate") == info.get("/ModDate") == "D:20161125"
    if epoch is None:
        assert outputs[0] == {n: (scene.out / n).read_bytes() for n in outputs[0]}
