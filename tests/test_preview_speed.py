"""The fast preview: file-system events, a warm worker per side, reloads pushed to the open page,
which updates itself in place (in Chromium, where it is installed).

No timings here (the machine is noisy); ``./brief bench`` measures the edit → reload time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fetch

from briefings.errors import RenderError
from briefings.limits import WarmWorker
from briefings.preview import Preview, _with_reload
from briefings.watch import Watcher

OLD = "Israel does not recognise Kosovo as an independent state"
NEW = "Israel still withholds recognition of Kosovo as a state"


class Events:
    """An open event stream on one page, as the page's script holds it."""

    def __init__(self, preview: Preview, page: str) -> None:
        seen = preview.page_version(page)
        self.connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=60)
        self.connection.request("GET", f"/__events?page={page}&seen={seen}")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"
        assert self.response.readline() == b"retry: 500\n"
        self.response.readline()

    def next_event(self) -> str:
        """Read up to the next event; return its name."""
        name = ""
        while True:
            line = self.response.readline().decode()
            if line.startswith("event: "):
                name = line.removeprefix("event: ").strip()
            elif line == "\n" and name:
                return name
            elif line == "":
                raise AssertionError("the event stream ended without an event")

    def close(self) -> None:
        self.connection.close()


def wait_until(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_an_edit_reloads_the_open_page_through_a_pushed_event(project: Path) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    with Preview(project, port=0, audiences=("staff", "principal")) as preview:
        status, page = fetch(preview.url + "staff.html")
        assert status == 200 and OLD.encode() in page
        assert b'new EventSource("/__events?page=staff&seen=' in page
        assert b"__version" not in page  # pushed, not polled
        events = Events(preview, "staff")
        try:
            assert wait_until(lambda: preview._viewers.get("staff") == 1)
            kosovo.write_text(kosovo.read_text("utf-8").replace(OLD, NEW), "utf-8")
            assert events.next_event() == "reload"
        finally:
            events.close()
        status, page = fetch(preview.url + "staff.html")
        assert status == 200 and NEW.encode() in page
        # The page on screen went first; the other one follows in the background.
        assert wait_until(lambda: preview._built.get("principal") == preview._generation)


def test_a_bad_edit_then_a_good_one_still_rebuilds(project: Path) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    good = kosovo.read_text("utf-8")
    with Preview(project, port=0, audiences=("staff",)) as preview:
        events = Events(preview, "staff")
        try:
            kosovo.write_text("title: [unclosed\n", "utf-8")
            assert events.next_event() == "reload"
        finally:
            events.close()
        status, page = fetch(preview.url + "staff.html")
        assert status == 500
        assert b"content/kosovo.yaml:2:1: YAML syntax: did not find expected" in page
        assert b'new EventSource("/__events?page=staff&seen=' in page  # the error page reloads
        events = Events(preview, "staff")
        try:
            kosovo.write_text(good.replace(OLD, NEW), "utf-8")
            assert events.next_event() == "reload"
        finally:
            events.close()
        status, page = fetch(preview.url + "staff.html")
        assert status == 200 and NEW.encode() in page
        assert preview.errors == {}


def test_a_page_that_missed_a_build_reloads_at_once(project: Path) -> None:
    with Preview(project, port=0, audiences=("talking-points",)) as preview:
        connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=30)
        connection.request("GET", "/__events?page=talking-points&seen=-1")
        response = connection.getresponse()
        body = b""
        while b"event: reload" not in body:
            chunk = response.read1()
            assert chunk, f"the stream ended without a reload: {body!r}"
            body += chunk
        connection.close()
        assert body.startswith(b"retry: 500\n\n")


def test_the_event_stream_refuses_cross_site_requests(project: Path) -> None:
    with Preview(project, port=0, audiences=("talking-points",)) as preview:
        url = preview.url + "__events?page=talking-points"
        assert fetch(url, 30, {"Sec-Fetch-Site": "cross-site"})[0] == 403


def test_the_preview_watches_with_file_system_events(project: Path) -> None:
    with Preview(project, port=0, audiences=("talking-points",)) as preview:
        watcher = preview._watcher
        assert not watcher.polling
        assert type(watcher._observer).__name__ != "PollingObserver"
        assert (project / "content").resolve() in watcher._folders


def test_the_watcher_reports_writes_not_reads_nor_scratch_files(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    topic = folder / "topic.yaml"
    topic.write_text("title: A\n", "utf-8")
    settings = tmp_path / "briefing.yaml"
    settings.write_text("title: T\n", "utf-8")
    seen: list[str] = []
    changed = threading.Event()

    def record(path: str) -> None:
        seen.append(path)
        changed.set()

    watcher = Watcher(record)
    watcher.watch([folder], [settings])
    try:
        topic.read_text("utf-8")
        (folder / ".topic.yaml.swp").write_text("x", "utf-8")
        (folder / "topic.yaml~").write_text("x", "utf-8")
        (tmp_path / "output.txt").write_text("x", "utf-8")  # beside, not watched
        settings.read_text("utf-8")
        topic.write_text("title: B\n", "utf-8")
        assert changed.wait(10)
        time.sleep(0.2)  # anything else that was coming has come
        assert set(seen) == {str(topic)}
        seen.clear()
        changed.clear()
        settings.write_text("title: U\n", "utf-8")
        assert changed.wait(10)
        time.sleep(0.2)
        assert set(seen) == {str(settings)}
    finally:
        watcher.stop()


def _pid() -> int:
    return os.getpid()


def _spin() -> None:
    while True:
        pass


def test_a_warm_worker_answers_from_one_process_and_replaces_a_stopped_one() -> None:
    worker = WarmWorker("the test call")
    try:
        first = worker.call(_pid, seconds=60)
        assert worker.call(_pid, seconds=60) == first != os.getpid()
        with pytest.raises(RenderError) as caught:
            worker.call(_spin, seconds=1)
        assert str(caught.value).startswith("the test call took longer than 1 s and was stopped")
        assert worker.call(_pid, seconds=60) not in (first, os.getpid())
    finally:
        worker.close()


def test_the_page_links_its_fonts_so_a_reload_fetches_only_the_page(project: Path) -> None:
    with Preview(project, port=0, audiences=("principal",)) as preview:
        status, page = fetch(preview.url + "principal.html")
        assert status == 200 and b"data:font/" not in page
        links = sorted(set(re.findall(rb'url\("(/__fonts/[0-9a-f]{24}\.ttf)"\)', page)))
        assert links, "the page names no font"
        fonts = project / "templates" / "fonts"
        bundled = {p.read_bytes() for p in fonts.glob("*.ttf")}
        for link in links:
            with urllib.request.urlopen(preview.url + link.decode()[1:], timeout=30) as response:
                assert response.headers["Cache-Control"] == "max-age=31536000, immutable"
                assert response.headers["Content-Type"] == "font/ttf"
                assert response.read() in bundled
        assert fetch(preview.url + "__fonts/0123.ttf")[0] == 404
        assert len(page) < 1_000_000  # whole fonts inlined, the page was about 3.5 MB


def test_the_event_stream_stays_open_across_rebuilds(project: Path) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    with Preview(project, port=0, audiences=("staff",)) as preview:
        events = Events(preview, "staff")
        try:
            for word in ("once", "twice"):
                text = kosovo.read_text("utf-8")
                kosovo.write_text(text.replace(OLD, f"{OLD} {word}", 1), "utf-8")
                assert events.next_event() == "reload"
                assert preview._viewers.get("staff") == 1  # still counted as open
        finally:
            events.close()


def test_the_update_script_knows_what_precedes_the_body() -> None:
    page = '<!DOCTYPE html><html><head><style>p {{}}</style></head><body class="b">{}</body></html>'
    first = _with_reload(page.format("one"), "staff", 3)
    second = _with_reload(page.format("two"), "staff", 4)
    styled = _with_reload(page.replace("p {{}}", "p {{ color: red }}").format("one"), "staff", 3)

    def head(served: str) -> str:
        found = re.search(r'data-head="([0-9a-f]+)"', served)
        assert found is not None
        return found.group(1)

    assert head(first) == head(second) != head(styled)
    assert first.index("<script") > first.index("one") and first.endswith("</body></html>")
    assert 'new EventSource("/__events?page=staff&seen=3")' in first


# --- In a real browser ------------------------------------------------------------------------


@contextlib.contextmanager
def previewing(project: Path, browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """The preview of staff, its page open in the browser and listening; the page, and its
    navigations from then on."""
    with Preview(project, port=0, audiences=("staff",)) as preview:
        page = browser.new_page(viewport={"width": 1280, "height": 700})
        try:
            page.goto(preview.url + "staff.html")
            assert wait_until(lambda: preview._viewers.get("staff") == 1)
            navigations: list[str] = []
            page.on("framenavigated", lambda frame: navigations.append(frame.url))
            yield page, navigations
        finally:
            page.close()


def shows(page: Any, text: str) -> None:
    page.wait_for_function("t => document.body.textContent.includes(t)", arg=text, timeout=60_000)


def test_an_edit_updates_the_open_page_in_place_and_keeps_its_scroll(
    project: Path, browser: Any
) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    with previewing(project, browser) as (page, navigations):
        page.evaluate("window.kept = 'set before the edit'; window.scrollTo(0, 2500)")
        scrolled = page.evaluate("window.scrollY")
        assert scrolled > 0
        for old, new in ((OLD, NEW), (NEW, f"{NEW} again")):  # the page keeps listening
            kosovo.write_text(kosovo.read_text("utf-8").replace(old, new), "utf-8")
            shows(page, new)
            assert page.evaluate("window.kept") == "set before the edit"
            assert page.evaluate("window.scrollY") == scrolled
        assert OLD not in page.evaluate("document.body.textContent")
        assert navigations == []
        assert page.evaluate("document.querySelectorAll('script').length") == 1


def test_a_broken_file_shows_its_error_on_the_open_page_and_a_fix_brings_it_back(
    project: Path, browser: Any
) -> None:
    kosovo = project / "content" / "kosovo.yaml"
    good = kosovo.read_text("utf-8")
    with previewing(project, browser) as (page, _):
        kosovo.write_text("title: [unclosed\n", "utf-8")
        shows(page, "The build failed")
        text = page.evaluate("document.body.textContent")
        assert "content/kosovo.yaml:2:1: YAML syntax: did not find expected" in text
        kosovo.write_text(good.replace(OLD, NEW), "utf-8")
        shows(page, NEW)
        assert "The build failed" not in page.evaluate("document.body.textContent")


def test_a_change_to_the_stylesheet_reloads_the_whole_page(project: Path, browser: Any) -> None:
    css = project / "templates" / "staff" / "audience.css"
    with previewing(project, browser) as (page, navigations):
        page.evaluate("window.kept = 'set before the edit'")
        css.write_text(css.read_text("utf-8") + "\n.preview-test { color: red }\n", "utf-8")
        page.wait_for_function(
            "() => document.head.innerHTML.includes('.preview-test')", timeout=60_000
        )
        assert page.evaluate("window.kept") is None
        assert len(navigations) == 1
