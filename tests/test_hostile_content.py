"""Hostile content files: markup in one-line text, image paths, YAML, sizes, control characters,
pipes and symlinks, each refused (or made harmless) with its exact message and exit code.

Every case runs the real command line on a copy of the project, and checks that nothing in the
temporary folder changed (``check`` writes nothing; a failed build keeps the previous output).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pypdf
import pytest
from click.testing import CliRunner, Result
from test_hostile import SELECT
from test_hostile import VALID_TOPIC as TOPIC  # one hostile topic for both corpora

from briefings.cli import cli
from briefings.markup import image_path_ok, render_inline, render_markdown

HEADLINE_LINE = 7  # the line of "headline:" in TOPIC; its value starts at column 15


def tree(root: Path) -> dict[str, Any]:
    """Relative path → (kind, digest or link target) of everything under root, pipes unopened."""
    found: dict[str, Any] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted([*dirs, *files]):
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                value: Any = ("link", os.readlink(path))
            elif stat.S_ISREG(mode) and path.lstat().st_size < 10_000_000:
                value = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            else:  # a folder, a pipe, or the sparse giant (its size and mode say enough)
                value = ("other", mode, path.lstat().st_size)
            found[str(path.relative_to(root))] = value
    return found


def run(project: Path, *args: str, timeout: float = 60, unchanged: bool = True) -> Result:
    """Run the command line on the project; fail (never hang) if it blocks, and (when
    ``unchanged``) if it changed anything beside the project's output, or that too on failure."""
    before = tree(project.parent) if unchanged else {}
    outcome: list[Result] = []
    worker = threading.Thread(
        target=lambda: outcome.append(CliRunner().invoke(cli, [*args, "-C", str(project)])),
        daemon=True,
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive():  # blocked opening a pipe: give it a writer so the thread can end
        for pipe in project.rglob("*"):
            if stat.S_ISFIFO(pipe.lstat().st_mode):
                with contextlib.suppress(OSError):
                    os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail(f"briefing {' '.join(args)} blocked")
    result = outcome[0]
    if unchanged:  # a successful build writes its output folder, and nothing else
        output = f"{project.name}/output"
        after = tree(project.parent)
        if result.exit_code == 0:
            before, after = (
                {k: v for k, v in t.items() if not k.startswith(output)} for t in (before, after)
            )
        assert after == before
    return result


def check(project: Path) -> Result:
    return run(project, "check")


def topic(project: Path, text: str, name: str = "hostile") -> Path:
    path = project / "content" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def edit(project: Path, name: str, old: str, new: str) -> str:
    """Replace the first ``old`` in a project file with ``new``; return the new text."""
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def errors(result: Result) -> list[str]:
    """The lines of output that name a place (``file:...: message``)."""
    return [line for line in result.output.splitlines() if re.match(r"\S+\.yaml[:]", line)]


# --- 1. One-line text is one sentence: emphasis and code, nothing else ----------------------

HOSTILE_LINE = (
    '<img src=x onerror=alert(1)> <a href="http://evil.example">x</a> '
    "[link](http://evil.example) <table> <br> - list *em* `code` ![alt](x.png) <http://evil.example>"
)


@pytest.mark.parametrize("text", [HOSTILE_LINE, "- list", "# heading", "> quote", "1. one"])
def test_inline_text_keeps_only_emphasis_and_code(text: str) -> None:
    html = render_inline(text)
    assert re.findall(r"<(\w+)", html) == re.findall(r"<(em|code)>", html)


def test_inline_text_escapes_html_and_unwraps_links() -> None:
    assert render_inline(HOSTILE_LINE) == (
        "&lt;img src=x onerror=alert(1)&gt; &lt;a href=\u201dhttp://evil.example\u201d&gt;x&lt;/a&gt; "
        "link &lt;table&gt; &lt;br&gt; - list <em>em</em> <code>code</code> alt "
        "&lt;http://evil.example&gt;"
    )
    assert render_inline("**strong** and _em_ and `a <b>`\n\n- two") == (
        "<strong>strong</strong> and <em>em</em> and <code>a &lt;b&gt;</code> - two"
    )


def test_headline_and_summary_markup_reaches_neither_html_nor_pdf(project: Path) -> None:
    edit(
        project,
        "content/energy.yaml",
        'headline: "The Balkans are',
        "headline: '" + HOSTILE_LINE + "' #",
    )
    edit(
        project,
        "content/energy.yaml",
        "text: The Balkans are",
        "text: '[summary link](http://evil.example) <img src=x> *Summary*' #",
    )
    result = run(project, "build", *SELECT, "--force")
    assert result.exit_code == 0, result.output
    html = (project / "output" / "staff.html").read_text(encoding="utf-8")
    start = html.index('id="pt-energy.pipeline-corridor"')
    headline = html[html.index('<span class="text">', start) : html.index("</h3>", start)]
    assert re.findall(r"<(\w+)", headline) == ["span", "em", "code"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in headline
    assert "&lt;a href=" in headline and "&lt;table&gt;" in headline and "&lt;br&gt;" in headline
    assert " link " in headline and "- list" in headline
    assert "<em>em</em> <code>code</code>" in headline
    summary = re.search(r'<p class="topic-summary[^>]*>(.*?)</p>', html, re.S)
    assert summary is not None
    assert "summary link &lt;img src=x&gt; <em>Summary</em>" in summary.group(1)
    assert not re.search(r"<(a|img)\b", summary.group(1))
    assert not re.search(r"<a [^>]*evil", html)
    reader = pypdf.PdfReader(io.BytesIO((project / "output" / "staff.pdf").read_bytes()))
    uris = [
        str(annot.get_object().get("/A", {}).get("/URI", ""))
        for page in reader.pages
        for annot in page.get("/Annots") or []
    ]
    assert not [uri for uri in uris if "evil.example" in uri]


# --- 2. Image paths are judged after decoding -----------------------------------------------

ESCAPING_PATHS = [
    "..\\..\\etc\\passwd",
    "fonts\\..\\..\\x.png",
    "%2e%2e/%2e%2e/x.png",
    "..%2f..%2fx.png",
    "%2e%2e%5c%2e%2e%5cx.png",
    "%252e%252e/x.png",  # encoded twice
    "/etc/hostname",
    "%2fetc%2fhostname",
    "\\\\server\\share\\x.png",
    "%5c%5cserver%5cshare%5cx.png",
    "//example.invalid/x.png",
    "c:/windows/x.png",
    "C:\\windows\\x.png",
    "c%3a/windows/x.png",
    "file:///etc/hostname",
    "https://example.invalid/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "a/../../x.png",
    ".%09./x.png",  # a browser drops the tab: ../x.png
    "",
]


def climbs(src: str) -> bool:
    """Whether a src, decoded as far as it goes, is absolute, has a scheme or climbs."""
    while unquote(src) != src:
        src = unquote(src)
    path = re.sub(r"[\x00-\x20]", "", src).replace("\\", "/")
    return path.startswith("/") or ":" in path or ".." in path.split("/") or not path


@pytest.mark.parametrize("src", ESCAPING_PATHS)
def test_image_paths_that_leave_their_folder_are_dropped(src: str) -> None:
    assert not image_path_ok(src)
    assert render_markdown(f'<img src="{src}" alt="raw">') == '<p><img alt="raw"></p>'
    # Markdown reads its own escapes first ("\\." is "."): whatever src it makes stays inside.
    html = render_markdown(f"![pic]({src})")
    assert not [found for found in re.findall(r'src="([^"]*)"', html) if climbs(found)]


@pytest.mark.parametrize("src", ["figure.png", "fonts/figure.png", "./a%20b.png", "a b.png"])
def test_relative_image_paths_inside_their_folder_are_kept(src: str) -> None:
    assert image_path_ok(src)
    assert f'src="{src}"' in render_markdown(f'<img src="{src}" alt="x">')


def test_escaping_image_paths_are_never_fetched(project: Path) -> None:
    # In Markdown "\\." is an escaped ".": those srcs become harmless names, written raw here.
    body = " ".join(
        f'<img src="{src}">' + ("" if "\\" in src else f" ![p{i}]({src})")
        for i, src in enumerate(ESCAPING_PATHS)
    )
    edit(project, "content/energy.yaml", "      Russia cancelled", f"      {body}\n      Russia")
    result = run(project, "build", *SELECT, "--strict", "--force")
    assert result.exit_code == 0, result.output  # nothing fetched, so nothing blocked
    html = (project / "output" / "staff.html").read_text(encoding="utf-8")
    article = html[html.index('id="pt-energy.pipeline-corridor"') :]
    article = article[: article.index("</article>")]
    assert not [found for found in re.findall(r'src="([^"]*)"', article) if climbs(found)]


# --- 3. The YAML promise: no tags of any kind, keys that print safely, clear syntax errors ---


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("! 12", "!"),
        ("!!str 12", "tag:yaml.org,2002:str"),
        ("!!int 12", "tag:yaml.org,2002:int"),
        ("!!map {a: b}", "tag:yaml.org,2002:map"),
        ("!!seq [a]", "tag:yaml.org,2002:seq"),
        ("!local text", "!local"),
        ("!<tag:yaml.org,2002:str> text", "tag:yaml.org,2002:str"),
    ],
)
def test_every_yaml_tag_is_refused_at_its_place(project: Path, value: str, tag: str) -> None:
    topic(project, TOPIC.replace('"A headline."', value))
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        f"content/hostile.yaml:{HEADLINE_LINE}:15: points[0].headline: "
        f"YAML tags are not allowed (found '{tag}'); remove it"
    ]


def test_a_tag_shorthand_from_a_tag_directive_is_refused(project: Path) -> None:
    text = "%TAG !e! tag:yaml.org,2002:\n---\n" + TOPIC.replace('"A headline."', "!e!str 12")
    topic(project, text)
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        "content/hostile.yaml:1:1: YAML %TAG directives are not allowed; remove the one for '!e!'",
        f"content/hostile.yaml:{HEADLINE_LINE + 2}:15: points[0].headline: "
        "YAML tags are not allowed (found 'tag:yaml.org,2002:str'); remove it",
    ]


def test_a_tagged_key_is_refused(project: Path) -> None:
    topic(project, "!!str title: Hostile\n" + TOPIC.split("\n", 1)[1])
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        "content/hostile.yaml:1:1: YAML tags are not allowed (found 'tag:yaml.org,2002:str'); "
        "remove it",
        "content/hostile.yaml:1:1: missing required field 'title'",
    ]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ('"title\\ncontent/forged.yaml:1:1: all is well"', "'title\\ncontent/forged.yaml:1:1: all is well'"),
        ('"x\\e]0;PWNED\\a"', "'x\\x1b]0;PWNED\\x07'"),
        ('"tab\\there"', "'tab\\there'"),
        ('"cr\\rhere"', "'cr\\rhere'"),
        ('"nel\\Nhere"', "'nel\\x85here'"),
    ],
)  # fmt: skip
def test_a_key_with_a_control_character_is_refused_and_printed_escaped(
    project: Path, key: str, shown: str
) -> None:
    topic(project, TOPIC + f"{key}: 1\n")
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        f"content/hostile.yaml:14:1: a key must not contain control characters; rename {shown}"
    ]
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert not [line for line in result.output.splitlines() if line.startswith("content/forged")]


def test_a_long_odd_key_is_printed_escaped_and_short(project: Path) -> None:
    topic(project, TOPIC + f'? "{"é " * 5000}"\n: 1\n')
    result = check(project)
    assert result.exit_code == 1
    [line] = errors(result)
    assert line.startswith("content/hostile.yaml:14:3: '" + "é " * 40 + "…': unknown field; ")
    assert len(line) < 300


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TOPIC + "---\ntitle: Second\n", "content/hostile.yaml:14:1: YAML syntax: expected a single document in the stream; but found another document"),
        (TOPIC.replace("    kind: fact", "\tkind: fact"), "content/hostile.yaml:6:1: YAML syntax: a tab character indents this line; indent with spaces"),
        (TOPIC.replace("    kind: fact", "  \t  kind: fact"), "content/hostile.yaml:6:3: YAML syntax: a tab character indents this line; indent with spaces"),
        (TOPIC.replace("      - seed:", "      -\tseed:"), "content/hostile.yaml:11:8: YAML syntax: a tab character cannot separate here; use spaces"),
        (TOPIC.replace("paragraphs: [1]", "paragraphs: [1"), "content/hostile.yaml:13:10: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence started at line 12, column 21)"),
        (TOPIC.replace('"A headline."', '"A \x1b[2Jheadline."'), "content/hostile.yaml:7:18: YAML syntax: control characters are not allowed: '\\x1b' (U+001B); remove it"),
    ],
)  # fmt: skip
def test_yaml_syntax_errors_say_all_they_know(project: Path, text: str, message: str) -> None:
    topic(project, text)
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [message]
    assert "\x1b" not in result.output


# --- 4. Sizes judged before reading; huge values never echoed whole ---------------------------


def test_a_sparse_giant_is_refused_from_its_size_without_reading(project: Path) -> None:
    giant = project / "content" / "giant.yaml"
    giant.touch()
    os.truncate(giant, 10 * 1024**3)
    started = time.monotonic()
    result = check(project)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert errors(result) == [
        "content/giant.yaml:1:1: file is 10,737,418,240 bytes; the limit is 2,097,152"
    ]


def test_a_5000_digit_number_is_a_message_not_a_traceback(project: Path) -> None:
    topic(project, TOPIC.replace("order: 99", "order: " + "9" * 5000))
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        "content/hostile.yaml:3:8: order: expected a whole number of at most 18 digits, "
        "got 5,000 digits (put text in quotes)"
    ]
    assert "Traceback" not in result.output


def test_a_5000_digit_quoted_number_is_a_message_not_a_traceback(project: Path) -> None:
    topic(project, TOPIC.replace("order: 99", 'order: "' + "9" * 5000 + '"'))
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [
        "content/hostile.yaml:3:1: order: expected a whole number, got '" + "9" * 80 + "…'"
    ]


def test_a_huge_wrong_value_is_quoted_short(project: Path) -> None:
    topic(project, TOPIC.replace("kind: fact", "kind: " + "x" * 1_500_000))
    started = time.monotonic()
    result = check(project)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert errors(result) == [
        "content/hostile.yaml:6:5: points[0].kind: expected "
        "fact|assessment|recommendation|talking-point|risk, got '" + "x" * 80 + "…'"
    ]
    assert len(result.output) < 1000


# --- 5. Control characters: none in one-line text; only line breaks and tabs in long text ----

ONE_LINE = "one-line text may hold no control characters, tabs or line breaks"
LONG_TEXT = "text may hold line breaks and tabs but no other control characters"


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('"A headline."', '"\\e]0;PWNED\\aA headline."', "7:5: points[0].headline", f"contains the control character '\\x1b' (U+001B); {ONE_LINE}"),
        ('"A headline."', '"A\\rheadline."', "7:5: points[0].headline", f"contains the control character '\\r' (U+000D); {ONE_LINE}"),
        ('"A headline."', '"A\\nheadline."', "7:5: points[0].headline", f"contains the control character '\\n' (U+000A); {ONE_LINE}"),
        ('"A headline."', "A\theadline.", "7:5: points[0].headline", f"contains the control character '\\t' (U+0009); {ONE_LINE}"),
        ('"A headline."', '"A \\x9b2J headline."', "7:5: points[0].headline", f"contains the control character '\\x9b' (U+009B); {ONE_LINE}"),
        ("title: Hostile", 'title: "Hostile\\e]2;retitled\\a"', "1:1: title", f"contains the control character '\\x1b' (U+001B); {ONE_LINE}"),
        ("priority: 1", 'body: "Fine\\n\\ttext\\a"\n    priority: 1', "8:5: points[0].body", f"contains the control character '\\x07' (U+0007); {LONG_TEXT}"),
        ("text: A topic written to attack the loader.", 'text: "A \\x7f topic."', "2:11: summary.text", f"contains the control character '\\x7f' (U+007F); {LONG_TEXT}"),
    ],
)  # fmt: skip
def test_control_characters_are_refused_when_loading(
    project: Path, old: str, new: str, where: str, message: str
) -> None:
    topic(project, TOPIC.replace(old, new, 1))
    result = check(project)
    assert result.exit_code == 1
    assert errors(result) == [f"content/hostile.yaml:{where}: {message}"]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.output)


def test_long_text_may_hold_line_breaks_and_tabs(project: Path) -> None:
    topic(project, TOPIC.replace("priority: 1", 'body: "One\\n\\n\\tTwo"\n    priority: 1'))
    result = check(project)
    assert result.exit_code == 0, result.output


def test_a_title_cannot_drive_the_terminal_that_lists_it(project: Path) -> None:
    topic(project, TOPIC.replace("title: Hostile", 'title: "\\e]0;PWNED\\a\\e[2JHostile"'))
    result = run(project, "list", "topics")
    assert result.exit_code == 1
    assert "content/hostile.yaml:1:1: title: contains the control character '\\x1b'" in (
        result.output
    )
    assert "\x1b" not in result.output and "\x07" not in result.output


# --- 6. Pipes, sockets and other non-files are reported, never opened ------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda path: os.mkfifo(path),
        lambda path: path.mkdir(),
        lambda path: path.symlink_to(path.parent / "nowhere.yaml"),
    ],
    ids=["fifo", "folder", "broken-link"],
)
def test_a_content_entry_that_is_not_a_file_is_reported(
    project: Path, make: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / "content" / "pipe.yaml"
    make(path)
    opened: list[Path] = []
    real_open = os.open

    def spy(target: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        opened.append(Path(target))
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    result = check(project)
    assert path not in opened
    assert result.exit_code == 1
    message = (
        "cannot read: No such file or directory"
        if path.is_symlink()
        else "not a regular file; skipped"
    )
    assert errors(result) == [f"content/pipe.yaml: {message}"]


@pytest.mark.parametrize(
    "name",
    ["templates/staff/audience.yaml", "seeds/pipe.yaml", "briefing.yaml", "content/data/countries.yaml"],
)  # fmt: skip
def test_a_pipe_anywhere_the_loader_reads_is_reported(project: Path, name: str) -> None:
    path = project / name
    path.unlink(missing_ok=True)
    os.mkfifo(path)
    result = check(project)
    assert result.exit_code == 1
    assert f"{name}: not a regular file; skipped" in result.output


def test_a_pipe_swapped_in_after_the_check_does_not_block(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between stat and open a file can become a pipe: the open must not wait for a writer."""
    from briefings import reading

    path = project / "content" / "hostile.yaml"
    path.write_text(TOPIC, encoding="utf-8")
    real_open = os.open

    def swap(target: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(target) == path and not stat.S_ISFIFO(path.lstat().st_mode):
            path.unlink()
            os.mkfifo(path)
        return real_open(target, flags, *args, **kwargs)

    monkeypatch.setattr(reading.os, "open", swap)
    result = run(project, "check", unchanged=False)
    assert result.exit_code == 1
    assert errors(result) == ["content/hostile.yaml: not a regular file; skipped"]


# --- 7. A symlinked file is named by the link --------------------------------------------------


@pytest.mark.parametrize("inside", [True, False], ids=["target-inside", "target-outside"])
def test_errors_in_a_symlinked_file_name_the_link(project: Path, inside: bool) -> None:
    folder = project / "elsewhere" if inside else project.parent / "outside"
    folder.mkdir()
    target = folder / "real.yaml"
    target.write_text(TOPIC.replace("priority: 1", "priority: 7"), encoding="utf-8")
    (project / "content" / "linked.yaml").symlink_to(target)
    result = check(project)
    assert result.exit_code == 1
    if not inside:  # a file that links out of the project is refused, named by the link
        assert errors(result) == [
            "content/linked.yaml: a link to a file outside the project; refused"
        ]
        return
    assert errors(result) == [
        "content/linked.yaml:8:5: points[0].priority: input should be less than or equal to 3, "
        "got 7"
    ]


def test_a_markdown_conversion_stopped_halfway_leaves_nothing_behind() -> None:
    from markdown.preprocessors import Preprocessor

    from briefings import markup

    class Stopped(Exception):
        pass

    class Stop(Preprocessor):
        def run(self, lines: list[str]) -> list[str]:
            self.md.parser.state.set("list")  # as a list's parser leaves it when stopped
            raise Stopped

    markup.render_markdown("warm the converter up")
    converter = markup._CONVERTERS.block
    converter.preprocessors.register(Stop(converter), "stop", 100)
    with pytest.raises(Stopped):
        markup.render_markdown("stopped halfway through")
    two = "Hello *world*, once more.\n\nSecond paragraph."
    assert markup.render_markdown(two) == (
        "<p>Hello <em>world</em>, once more.</p>\n<p>Second paragraph.</p>"
    )
    assert markup._CONVERTERS.block is not converter
