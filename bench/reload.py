"""(g) The preview's edit → reload time: edit a content file, time until the open page shows it.

Runs ``briefing preview -p 0 --no-open`` (every audience, as an analyst starts it), opens the
staff page's event stream the way the page's own script does (``/__events?page=staff&seen=N``),
appends a word to a headline of a topic staff prints, and stops the clock when the reload event
has come and the page fetched after it holds the word. With Chromium and Playwright at hand it
does the same in a real browser: the page open, the clock stopped when its text shows the word,
and it counts the page's navigations meanwhile (0 when the page updated itself in place).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TOPIC = "kosovo"
PAGE = "staff"


@contextlib.contextmanager
def serving(briefing: Path, project: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """Start the preview; yield its port once it serves."""
    process = subprocess.Popen(
        [str(briefing), "preview", "-p", "0", "--no-open"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if match is None:
            raise RuntimeError(f"the preview did not start: {line!r}")
        yield int(match.group(1)), process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def edit(project: Path, marker: str) -> None:
    """Append a word to the first quoted headline of the topic."""
    path = project / "content" / f"{TOPIC}.yaml"
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r'(\n\s+headline: ".*?)(\.?")', rf"\1 {marker}\2", text, count=1)
    path.write_text(edited, encoding="utf-8")


def settled(port: int, seconds: float = 120.0) -> None:
    """Wait until every audience has been rebuilt (the index lists them, no error)."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        version = get(port, "/__version")
        if version == last:
            return
        last = version
        time.sleep(1.5)


def over_http(port: int, project: Path, marker: str) -> float:
    """One edit; seconds until the reload event has come and the page shows the marker."""
    page = get(port, f"/{PAGE}.html")
    seen = re.search(rb"seen=(-?\d+)", page)
    if seen is None:
        raise RuntimeError("the served page carries no reload script")
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    stream.request("GET", f"/__events?page={PAGE}&seen={seen.group(1).decode()}")
    response = stream.getresponse()
    response.readline()  # retry:
    response.readline()
    started = time.perf_counter()
    edit(project, marker)
    try:
        while not response.readline().startswith(b"event: reload"):
            pass
    finally:
        stream.close()
    page = get(port, f"/{PAGE}.html")
    seconds = time.perf_counter() - started
    if marker.encode() not in page:
        raise RuntimeError("the page reloaded without the edit")
    return seconds


def in_browser(port: int, project: Path, markers: list[str]) -> tuple[list[float], int] | str:
    """The same edits with the page open in Chromium; the times and the navigations, or why
    not measured."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright is not installed"
    times: list[float] = []
    navigations = 0
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        except Exception as exc:
            return f"Chromium did not start ({type(exc).__name__})"
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/{PAGE}.html")

            def navigated(frame: Any) -> None:
                nonlocal navigations
                navigations += frame == page.main_frame

            page.on("framenavigated", navigated)
            for marker in markers:
                page.wait_for_timeout(300)  # the event stream is open
                started = time.perf_counter()
                edit(project, marker)
                page.wait_for_function(
                    "m => document.body && document.body.innerText.includes(m)",
                    arg=marker,
                    timeout=60_000,
                    polling="raf",
                )
                times.append(time.perf_counter() - started)
        finally:
            browser.close()
    return times, navigations


def measure(briefing: Path, project: Path, runs: int, log: Callable[[str], None]) -> dict:  # type: ignore[type-arg]
    """Section (g): edit → reload, over HTTP and (where it can) in Chromium."""
    results: dict = {"page": PAGE, "topic": TOPIC}  # type: ignore[type-arg]
    with serving(briefing, project) as (port, _):
        settled(port)
        http_times = []
        for i in range(max(3, runs)):
            log(f"(g) edit {i + 1}: content/{TOPIC}.yaml, waiting for the {PAGE} page")
            http_times.append(over_http(port, project, f"reloadhttp{i}"))
            settled(port)
        results["http_s"] = http_times
        browser = in_browser(port, project, [f"reloadpage{i}" for i in range(max(3, runs))])
        if isinstance(browser, str):
            results["browser_skipped"] = browser
        else:
            results["browser_s"], results["browser_navigations"] = browser
    return results
