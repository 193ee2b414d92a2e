"""Shared fixtures: a copy of the real project in a temporary folder, never the real output/."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import os
import re
import shutil
import tracemalloc
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefings import builder

REPO = Path(__file__).resolve().parent.parent
# A build of one document lays out in a worker of its own only while WeasyPrint is not loaded
# in the process: in a test process that would hang on which tests ran before. Tests render
# in-process; tests/test_engine.py builds apart in fresh interpreters, and asks for it.
builder.ENGINE_APART = False
PROJECT_PARTS = ("content", "seeds", "templates", "briefing.yaml")
# Modules whose tests share a costly module- or session-scoped fixture (an installed wheel, a
# built edition, a planted build, Chromium with its pages open): under pytest-xdist each runs
# whole on one worker, so the fixture is made once rather than once on each worker.
WHOLE_MODULES = frozenset({
    "tests/test_browser.py",
    "tests/test_editions.py",
    "tests/test_fonts.py",
    "tests/test_release_gate.py",
    "tests/test_wheel.py",
})  # fmt: skip


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under -n (--dist load), balance test by test, except that WHOLE_MODULES stay whole.

    (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but with pytest 9.2 it
    silently stops grouping: pytest-xdist issue #1386.) The whole modules, the largest units,
    are handed out first; the single tests then even out the workers' loads.
    """
    if config.getoption("dist") != "load":
        return None  # another --dist asked for by name is obeyed
    from xdist.scheduler import LoadScopeScheduling

    class WholeModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in WHOLE_MODULES else nodeid

    return WholeModules(config, log)


CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches for the network (there is none on CI).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_missing() -> str | None:
    """Say what the browser tests lack (Playwright, axe, Debian's Chromium), or None."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (./brief test installs it; or: apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one module's tests, stopped after them, so that the next module
    can start Playwright in the same process (its sync API allows one at a time). Skipped
    without it, failed under CI (CI=true)."""
    missing = browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run: {missing}", pytrace=False)
        pytest.skip(f"browser tests need Chromium and Playwright: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def copy_project(target: Path) -> Path:
    """Copy the shipped project (content, seeds, templates, settings) into target."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def fetch(
    url: str, timeout: float = 60, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """GET a URL (with these request headers): its status and body, an HTTP error's too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def _resident_kib(field: str) -> int:
    """One "Vm…" line of /proc/self/status, in KiB."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    match = re.search(rf"^{field}:\s+(\d+) kB$", status, re.M)
    assert match, f"no {field} in /proc/self/status"
    return int(match.group(1))


def _reset_peak_rss() -> bool:
    """Hand free heap back to the system, then restart the peak-RSS count; False if unsupported."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        # Freed memory malloc keeps would be reused without raising the resident size.
        ctypes.CDLL(None).malloc_trim(0)
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # Linux 4.0+: VmHWM
    except OSError:
        return False
    return True


@contextlib.contextmanager
def peak_memory() -> Iterator[Callable[[], int]]:
    """Measure how far the process's memory rose inside the block; call the result for bytes.

    On Linux this is the kernel's high-water mark of resident memory, restarted on entry: it
    sees every allocation, C's too, at no cost. Elsewhere, tracemalloc's peak of Python's
    allocations, which makes Python code run several times slower.
    """
    peak: list[int] = []
    resident = _reset_peak_rss()
    if resident:
        start = _resident_kib("VmRSS")
    else:
        tracemalloc.start()
    try:
        yield lambda: peak[0]
    finally:
        if resident:
            peak.append((_resident_kib("VmHWM") - start) * 1024)
        else:
            peak.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project copied once per test process and built (staff, energy, HTML); read
    only: the tests that change it change a copy."""
    from briefings import build

    root = copy_project(tmp_path_factory.mktemp("baseline") / "project")
    build(root, audiences=["staff"], topics=["energy"], formats=["html"])
    assert (root / "output" / "staff.html").is_file()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the real project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def book():  # type: ignore[no-untyped-def]
    """The shipped project, loaded once (read only)."""
    from briefings import load_project

    return load_project(REPO)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole default book built once per test run into a temporary project (read only).

    Under pytest-xdist the workers share one build: the first to arrive builds it under a lock
    in the run's common temporary folder, the others wait and read it.
    """
    from briefings import build

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        root = copy_project(tmp_path_factory.mktemp("book") / "project")
        build(root, jobs=2)
        return root / "output"
    shared = tmp_path_factory.getbasetemp().parent / "built-book"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "done").exists():
                root = copy_project(shared / "project")
                build(root, jobs=2)
                (shared / "done").write_text("built\n", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return shared / "project" / "output"


def plant_restricted_point(project: Path, headline: str) -> None:
    """Add a restricted priority-1 fact to the project's security topic (the release-gate test)."""
    security = project / "content" / "security.yaml"
    security.write_text(
        security.read_text(encoding="utf-8")
        + f"""
  - id: planted-secret
    kind: fact
    headline: {headline}
    priority: 1
    marking: restricted
    sources:
      - seed: israel-balkans-2016
        paragraphs: [6]
    as_of: 2016-11-25
""",
        encoding="utf-8",
    )
