"""Benchmark: the briefing tool against the WeasyPrint command line, side by side, in one run.

Prints the machine, then medians of several runs (default 3; ``--quick`` for 1) as ratios:

  (a) ``briefing build`` of one document vs ``weasyprint`` on the same final HTML
  (b) the whole book cold vs the same documents through ``weasyprint`` one by one
  (c) a rebuild with nothing changed vs the cold book
  (d) one topic changed vs the cold book, and how many documents were re-rendered
  (e) ``briefing --help`` vs ``python -c pass``
  (f) a synthetic book (default 5,000 points): build time per page, peak memory, ``check`` time

Everything runs as subprocesses (start-up counts) in a temporary copy of the project; nothing is
written into the repository but the package's byte-compiled files (``briefings/__pycache__``,
ignored by git), made first so that it is timed as an installed copy runs. Run it as ``./brief bench`` (or ``.venv/bin/python bench/run.py``).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import dataclasses
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import levers
import peers
import reload
import synthetic

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BRIEFING = BIN / "briefing"
WEASYPRINT = BIN / "weasyprint"
PROJECT_PARTS = ("briefing.yaml", "content", "seeds", "templates")
GOALS = {
    "a": 1.0,  # stretch 0.85
    "b": 0.5,  # stretch 0.4
    "c": 0.1,
    "e": 3.0,
    "f_per_page": 0.8,  # of the engine's own time per page on the same HTML
    "f_memory_mib": 700,
    "f_check_s": 2.0,
    "g_s": 0.5,
}
LEVERS = os.path.join(os.path.dirname(__file__), "levers.py")
ONE_DOCUMENT = "staff"
CHANGED_TOPIC = "energy"


# --- Running and measuring -------------------------------------------------------------------


class BenchError(Exception):
    """A measured command failed; the other sections still report."""


@dataclass
class Run:
    """One finished subprocess: wall time, output, and memory."""

    seconds: float
    stdout: str
    stderr: str
    max_rss_mib: float  # largest single process in the tree (kernel rusage, as /usr/bin/time -v)
    tree_peak_mib: float | None = None  # sampled sum over the process tree
    cpu_s: float = 0.0  # user + system time of the process and the workers it waited for
    tree_pss_mib: float | None = None  # the same, each shared page divided among its sharers


def run(cmd: list[str | Path], cwd: Path, *, sample_tree: bool = False) -> Run:
    """Run a command to completion; raise with its stderr if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, stdout=out, stderr=err)
        sampler = _TreeSampler(proc.pid) if sample_tree else None
        # wait4 gives this child's rusage, which includes every worker it waited for.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        tree_peak, tree_pss = sampler.stop() if sampler else (None, None)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        shown = " ".join(str(c) for c in cmd)
        raise BenchError(f"failed ({proc.returncode}): {shown}\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, stdout, stderr, usage.ru_maxrss / 1024, tree_peak, cpu, tree_pss)


class _TreeSampler:
    """Sum the resident memory of a process and all its descendants, every 50 ms.

    Resident memory counts a page a forked worker still shares with its parent once in each;
    the proportional set size (``/proc/PID/smaps_rollup``, Linux 4.14+) divides it among them,
    so it is what the tree really holds. Both are kept; the second is read once a second, as
    the kernel walks the page tables for it (13 ms for a 690 MB process) and would otherwise
    take time from what is measured.
    """

    PSS_EVERY = 1.0  # seconds

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self.pss_peak_kib = 0
        self.page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        last_pss = 0.0
        while not self._done.is_set():
            now = time.monotonic()
            proportional = now - last_pss >= self.PSS_EVERY
            with contextlib.suppress(OSError):
                resident, pss = self._tree_kib(proportional)
                self.peak_kib = max(self.peak_kib, resident)
                self.pss_peak_kib = max(self.pss_peak_kib, pss)
            if proportional:
                last_pss = now
            self._done.wait(0.05)

    def _tree_kib(self, proportional: bool) -> tuple[int, int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        total, pss, todo = 0, 0, [self.pid]
        while todo:
            pid = todo.pop()
            todo.extend(children.get(pid, ()))
            try:
                with open(f"/proc/{pid}/statm", "rb") as handle:
                    total += int(handle.read().split()[1]) * self.page_kib
                pss += _pss_kib(pid) if proportional else 0
            except OSError:
                continue
        return total, pss

    def stop(self) -> tuple[float, float | None]:
        """The peaks in MiB: resident, and proportional (None where the kernel has no rollup)."""
        self._done.set()
        self._thread.join()
        return self.peak_kib / 1024, (self.pss_peak_kib / 1024 if self.pss_peak_kib else None)


def _pss_kib(pid: int) -> int:
    """A process's proportional set size in KiB, 0 if the kernel does not say."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values)


def pages_of(stdout: str) -> dict[str, int]:
    """Pages per audience from ``briefing build`` output lines like ``out/staff.pdf (15 pages)``."""
    found = {}
    for line in stdout.splitlines():
        match = re.search(r"([\w-]+)\.pdf \((\d+) pages?\)", line)
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


def written_of(stdout: str) -> list[str]:
    """Files a build wrote (not the ``[unchanged]`` ones)."""
    return [
        Path(line.split(" (")[0]).name
        for line in stdout.splitlines()
        if line.strip() and "[unchanged]" not in line
    ]


def pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(path).pages)


# --- The print variant of our HTML -----------------------------------------------------------


class _Stop(Exception):
    pass


@contextlib.contextmanager
def capturing_print_html(stop_at_first: bool) -> Iterator[dict[str, str]]:
    """Record the print HTML each audience's last layout pass was given (in this process).

    ``output/*.html`` is the screen variant (fonts inlined as data: URIs); the PDF is laid out
    from a print variant that is never written. This wraps the layout call inside the builder
    to keep it. With ``stop_at_first`` the build is abandoned at the first layout.
    """
    from briefings import builder

    original = builder.layout_pdf
    captured: dict[str, str] = {}

    def spy(html, roots, base_url, *args, **kwargs):  # type: ignore[no-untyped-def]
        shared = Path(base_url).resolve()
        audience = next((Path(r).name for r in roots if Path(r).resolve().parent == shared), "?")
        captured[audience] = html
        if stop_at_first:
            raise _Stop
        return original(html, roots, base_url, *args, **kwargs)

    builder.layout_pdf = spy
    try:
        yield captured
    finally:
        builder.layout_pdf = original


def print_variants(
    project: Path, target: Path, audiences: tuple[str, ...] = (), stop_at_first: bool = False
) -> dict[str, Path]:
    """Write each audience's final print HTML into target; empty if the builder hides it."""
    from briefings import build

    target.mkdir(parents=True, exist_ok=True)
    try:
        from briefings.engine import engine

        engine()  # loaded here, the build lays out in this process, where the spy is
        with capturing_print_html(stop_at_first) as captured, contextlib.suppress(_Stop):
            build(
                project,
                audiences=audiences,
                formats=("pdf",),
                output=target / "_out",
                force=True,
                jobs=1,
            )
    except Exception as exc:  # the builder changed shape: fall back to the screen variant only
        print(f"  (print variant unavailable: {type(exc).__name__}: {exc})")
        return {}
    paths = {}
    for audience, html in captured.items():
        paths[audience] = target / f"{audience}.html"
        paths[audience].write_text(html, encoding="utf-8")
    shutil.rmtree(target / "_out", ignore_errors=True)
    return paths


# --- The measurements ------------------------------------------------------------------------


@dataclass
class Results:
    machine: dict[str, str] = field(default_factory=dict)
    sections: dict[str, dict] = field(default_factory=dict)  # type: ignore[type-arg]


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, target / part)
    return target


def weasyprint_cmd(html: Path, pdf: Path, base_url: Path | None) -> list[str | Path]:
    cmd: list[str | Path] = [WEASYPRINT, "-q"]
    if base_url is not None:  # the print variant's relative URLs resolve from the templates
        cmd += ["-u", base_url.as_uri() + "/"]
    return [*cmd, html, pdf]


def change_topic(project: Path, marker: str) -> str:
    """Append a word to the first headline of the changed topic; return the point's address."""
    path = project / "content" / f"{CHANGED_TOPIC}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    point_id = None
    for i, line in enumerate(lines):
        match = re.match(r"\s*-\s+id:\s*([\w-]+)", line)
        if match and point_id is None:
            point_id = match.group(1)
        edited = re.sub(r'^(\s+headline: ".*?)(\.?)("\s*)$', rf"\1 {marker}\2\3", line)
        if point_id and edited != line:
            lines[i] = edited
            path.write_text("".join(lines), encoding="utf-8")
            return f"{CHANGED_TOPIC}.{point_id}"
    raise SystemExit(f"bench: no quoted headline to change in {path}")


def including(project: Path, ref: str) -> list[str]:
    """Audiences whose assembled briefing (before any budget cut) includes a point."""
    from briefings import assemble_briefing, load_project

    loaded = load_project(project)
    return [
        a.id
        for a in loaded.audiences
        if any(p.ref == ref for p in assemble_briefing(loaded, a.id).points())
    ]


def measure_book(work: Path, runs: int, results: Results, log: Callable[[str], None]) -> None:
    """Sections (a) to (e) on a copy of the real project."""
    project = copy_project(work / "project")
    shared = project / "templates"
    log("preparing: a cold build for the screen HTML, and the print HTML our builder lays out")
    reference = run([BRIEFING, "build", "--force", "-o", work / "reference"], project)
    pages = pages_of(reference.stdout)
    audiences = tuple(pages)
    screen = {a: work / "reference" / f"{a}.html" for a in audiences}
    printed = print_variants(project, work / "print")
    variants = {"screen": (screen, None)}
    if set(printed) >= set(audiences):
        variants["print"] = (printed, shared)

    times: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)

    ws_pages: dict[str, int | None] = {}
    rerendered: list[list[str]] = []
    changed_refs: list[str] = []
    for i in range(runs):
        log(f"run {i + 1}/{runs}")
        # (a) one document, both sides interleaved
        one = run(
            [
                BRIEFING,
                "build",
                "-a",
                ONE_DOCUMENT,
                "-f",
                "pdf",
                "--force",
                "-j",
                "1",
                "-o",
                work / f"a{i}",
            ],
            project,
        )
        add("a:ours", one.seconds)
        add("a:ours-cpu", one.cpu_s)
        for variant, (files, base) in variants.items():
            pdf = work / f"a{i}-{variant}.pdf"
            engine = run(weasyprint_cmd(files[ONE_DOCUMENT], pdf, base), project)
            add(f"a:weasyprint-{variant}", engine.seconds)
            add(f"a:weasyprint-{variant}-cpu", engine.cpu_s)
            ws_pages[variant] = pdf_pages(pdf)
        if "print" in variants:  # like for like: the engine tagging the PDF for PDF/UA, as we do
            files, base = variants["print"]
            tagged = weasyprint_cmd(files[ONE_DOCUMENT], work / f"a{i}-ua.pdf", base)
            add(
                "a:weasyprint-print-ua",
                run([*tagged, "--pdf-variant", "pdf/ua-1"], project).seconds,
            )
        # (b) the whole book cold, vs the same documents one by one
        cold_dir = work / f"book{i}"
        cold = run([BRIEFING, "build", "--force", "-o", cold_dir], project)
        add("b:ours", cold.seconds)
        for variant, (files, base) in variants.items():
            total = 0.0
            for audience in audiences:
                pdf = work / f"b{i}-{variant}-{audience}.pdf"
                total += run(weasyprint_cmd(files[audience], pdf, base), project).seconds
            add(f"b:weasyprint-{variant}", total)
        # (c) nothing changed
        again = run([BRIEFING, "build", "-o", cold_dir], project)
        if written_of(again.stdout):
            raise BenchError(f"a rebuild with nothing changed wrote: {again.stdout}")
        add("c:rebuild", again.seconds)
        # (d) one topic changed; then the same audiences cold, as the yardstick
        ref = change_topic(project, f"rev{i + 1}")
        changed = run([BRIEFING, "build", "-o", cold_dir], project)
        add("d:changed", changed.seconds)
        rerendered.append(sorted({Path(f).stem for f in written_of(changed.stdout)}))
        changed_refs.append(ref)
        if rerendered[-1]:
            subset = run(
                [
                    BRIEFING,
                    "build",
                    "--force",
                    "-a",
                    ",".join(rerendered[-1]),
                    "-o",
                    work / f"d{i}",
                ],
                project,
            )
            add("d:same-audiences-cold", subset.seconds)
    expected = including(project, changed_refs[-1])

    log("(e) start-up")
    python = Path(sys.executable)
    for _ in range(5 * runs):
        add("e:help", run([BRIEFING, "--help"], project).seconds)
        add("e:python", run([python, "-c", "pass"], project).seconds)
        add("e:check", run([BRIEFING, "check"], project).seconds)
        add("e:import-weasyprint", run([python, "-c", "import weasyprint"], project).seconds)

    m = {name: median(values) for name, values in times.items()}
    total_pages = sum(pages.values())
    results.sections["a"] = {
        "document": f"{ONE_DOCUMENT}, pdf, -j 1",
        "pages": pages[ONE_DOCUMENT],
        "weasyprint_pages": ws_pages,
        "ours_s": m["a:ours"],
        **{f"weasyprint_{v}_s": m[f"a:weasyprint-{v}"] for v in variants},
        **{f"ratio_{v}": m["a:ours"] / m[f"a:weasyprint-{v}"] for v in variants},
    }
    if "a:weasyprint-print-cpu" in m:  # CPU seconds: steadier than wall time on a shared host
        results.sections["a"]["ours_cpu_s"] = m["a:ours-cpu"]
        results.sections["a"]["weasyprint_print_cpu_s"] = m["a:weasyprint-print-cpu"]
        results.sections["a"]["cpu_ratio_print"] = m["a:ours-cpu"] / m["a:weasyprint-print-cpu"]
    if "a:weasyprint-print-ua" in m:
        results.sections["a"]["weasyprint_print_ua_s"] = m["a:weasyprint-print-ua"]
        results.sections["a"]["ratio_print_ua"] = m["a:ours"] / m["a:weasyprint-print-ua"]
    results.sections["b"] = {
        "documents": len(audiences),
        "pages": total_pages,
        "ours_s": m["b:ours"],
        **{f"weasyprint_{v}_s": m[f"b:weasyprint-{v}"] for v in variants},
        **{f"ratio_{v}": m["b:ours"] / m[f"b:weasyprint-{v}"] for v in variants},
    }
    results.sections["c"] = {"rebuild_s": m["c:rebuild"], "ratio": m["c:rebuild"] / m["b:ours"]}
    d = {
        "changed": changed_refs[-1],
        "rerendered": rerendered[-1],
        "rerendered_pages": sum(pages.get(a, 0) for a in rerendered[-1]),
        "include_the_point": expected,
        "changed_s": m["d:changed"],
        "ratio": m["d:changed"] / m["b:ours"],
        "pages": total_pages,
    }
    if "d:same-audiences-cold" in m:
        d["same_audiences_cold_s"] = m["d:same-audiences-cold"]
        d["ratio_to_same_audiences_cold"] = m["d:changed"] / m["d:same-audiences-cold"]
    results.sections["d"] = d
    results.sections["e"] = {
        "help_s": m["e:help"],
        "python_s": m["e:python"],
        "ratio": m["e:help"] / m["e:python"],
        "check_s": m["e:check"],
        "import_weasyprint_s": m["e:import-weasyprint"],
        "runs": 5 * runs,
    }
    results.sections["_runs"] = {"runs": runs, "variants": list(variants)}


# The levers that act on one document at -j 1 (the others act across documents or workers).
ONE_WORKER_LEVERS = ("gc", "fonts", "pagerefs", "libs", "write", "layout", "apart")


def measure_levers(work: Path, runs: int, results: Results, log: Callable[[str], None]) -> None:
    """Each speed lever of issue #16 on its own: (a) and (b) with that lever turned off.

    ``bench/levers.py`` patches the builder's seam for a lever and runs ``briefing``; what a
    lever buys is the time with it off minus the time with everything on, in the same run.
    """
    project = work / "project"
    python = Path(sys.executable)
    configs = ("none", *levers.LEVERS, ",".join(levers.LEVERS))
    times: dict[str, list[float]] = {}
    for i in range(runs):
        log(f"levers, run {i + 1}/{runs}: (a) and (b) with each lever off")
        for off in configs:
            one = [python, LEVERS, off, "--", "build", "-a", ONE_DOCUMENT, "-f", "pdf"]
            one += ["--force", "-j", "1", "-o", work / f"lever-a-{i}"]
            if off in ("none", *ONE_WORKER_LEVERS, ",".join(levers.LEVERS)):
                times.setdefault(f"a:{off}", []).append(run(one, project).seconds)
            if off != "apart":  # it acts with one worker only; the book has two
                fresh = work / f"lever-b-{i}-{off}"  # its own folder: no font subsets cut before
                book = [python, LEVERS, off, "--", "build", "--force", "-o", fresh]
                times.setdefault(f"b:{off}", []).append(run(book, project).seconds)
    results.sections["levers"] = {name: median(values) for name, values in times.items()}


def measure_peers(
    work: Path, runs: int, install: bool, results: Results, log: Callable[[str], None]
) -> None:
    """Pandoc (with WeasyPrint) and Chromium on the same documents as (a) and (b)."""
    project = work / "project"
    screen = {p.stem: p for p in sorted((work / "reference").glob("*.html"))}
    pandoc, pandoc_why = peers.find_pandoc(install, log)
    chromium, chromium_why = peers.find_chromium()
    found: dict[str, dict] = {}  # type: ignore[type-arg]
    for name, command, why in (
        ("pandoc", pandoc, pandoc_why),
        ("chromium", chromium, chromium_why),
    ):
        if command is None:
            found[name] = {"skipped": why}
            log(f"peers: {name} skipped: {why}")
            continue
        a_times, b_times, pages = [], [], {}
        for i in range(runs):
            log(f"peers: {name}, run {i + 1}/{runs}")
            total = 0.0
            for audience, html in screen.items():
                pdf = work / f"peer-{name}-{i}-{audience}.pdf"
                if name == "pandoc":
                    cmd = peers.pandoc_cmd(command, WEASYPRINT, html, pdf)
                else:
                    cmd = peers.chromium_cmd(command, html, pdf, work / "chromium-profile")
                try:
                    seconds = run(cmd, project).seconds
                except BenchError as exc:
                    found[name] = {"skipped": f"failed on {audience}: {str(exc)[-300:]}"}
                    break
                total += seconds
                pages[audience] = pdf_pages(pdf)
                if audience == ONE_DOCUMENT:
                    a_times.append(seconds)
            else:
                b_times.append(total)
                continue
            break
        if "skipped" not in found.get(name, {}):
            found[name] = {"a_s": median(a_times), "b_s": median(b_times), "pages": pages}
    results.sections["peers"] = found


def measure_preview(work: Path, runs: int, results: Results, log: Callable[[str], None]) -> None:
    """(g) edit → reload, on a fresh copy of the project."""
    project = copy_project(work / "preview-project")
    results.sections["g"] = reload.measure(BRIEFING, project, runs, log)


def measure_synthetic(
    work: Path,
    runs: int,
    points: int,
    topics: int,
    audiences: str,
    results: Results,
    log: Callable[[str], None],
) -> None:
    """Section (f): generate a synthetic project, time check, build a long document."""
    project = work / "synthetic"
    log(f"(f) generating a synthetic project of {points:,} points in {topics} topics")
    made = synthetic.generate(project, points=points, topics=topics)
    checks = []
    for _ in range(runs):
        checks.append(run([BRIEFING, "check"], project).seconds)
    builds: list[Run] = []
    pages: dict[str, int] = {}
    for i in range(runs):
        log(f"(f) build -a {audiences} -f pdf, run {i + 1}/{runs}")
        built = run(
            [BRIEFING, "build", "-a", audiences, "-f", "pdf", "--force", "-o", work / f"f{i}"],
            project,
            sample_tree=True,
        )
        builds.append(built)
        pages = pages_of(built.stdout)
    total_pages = sum(pages.values())
    f = {
        "points": made["points"],
        "topics": made["topics"],
        "audiences": audiences,
        "pages": pages,
        "check_s": median(checks),
        "build_s": median([b.seconds for b in builds]),
        "per_page_ms": 1000 * median([b.seconds for b in builds]) / max(total_pages, 1),
        "cpu_s": median([b.cpu_s for b in builds]),
        "max_rss_mib": max(b.max_rss_mib for b in builds),
        "tree_peak_mib": max(b.tree_peak_mib or 0 for b in builds),
        "tree_pss_mib": max(b.tree_pss_mib or 0 for b in builds) or None,
    }
    if "," not in audiences:  # the engine alone on the same HTML, once, for reference
        log("(f) the WeasyPrint command line on the same print HTML, once")
        printed = print_variants(project, work / "f-print", (audiences,), stop_at_first=True)
        if audiences in printed:
            alone = run(
                weasyprint_cmd(printed[audiences], work / "f-ws.pdf", project / "templates"),
                project,
                sample_tree=True,
            )
            f["weasyprint_s"] = alone.seconds
            f["weasyprint_per_page_ms"] = 1000 * alone.seconds / max(total_pages, 1)
            f["weasyprint_max_rss_mib"] = alone.max_rss_mib
            f["weasyprint_cpu_s"] = alone.cpu_s
            f["weasyprint_pages"] = pdf_pages(work / "f-ws.pdf")
    results.sections["f"] = f


# --- The machine and the report --------------------------------------------------------------


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        return "unknown"

    memory = first("/proc/meminfo", "MemTotal")
    with contextlib.suppress(ValueError):
        memory = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": f"{os.cpu_count()} (nproc {len(os.sched_getaffinity(0))})",
        "cpu": first("/proc/cpuinfo", "model name"),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "weasyprint": importlib.metadata.version("weasyprint"),
        "briefings": f"{importlib.metadata.version('briefings')} ({commit or 'no git'})",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: Results) -> list[str]:
    s = results.sections
    runs = s.get("_runs", {}).get("runs", "?")
    lines = [
        "",
        f"Medians of {runs} run(s); every timing is a subprocess, start-up included.",
        "print HTML: what our build hands WeasyPrint (kept in-process; fonts as file: URLs).",
        "screen HTML: output/<audience>.html (fonts inlined as data: URIs).",
        "",
    ]
    if "a" in s:
        a = s["a"]
        lines.append(f"(a) one document: briefing build -a {a['document']} ({a['pages']} pages)")
        lines.append(f"    briefing build                         {a['ours_s']:7.2f} s")
        for v in ("print", "screen"):
            if f"ratio_{v}" in a:
                label = f"weasyprint CLI, {v} HTML"
                pages = a["weasyprint_pages"].get(v)
                lines.append(
                    f"    {label:<38} {a[f'weasyprint_{v}_s']:7.2f} s"
                    + (f"  ({pages} pages)" if pages else "")
                )
        for v in ("print", "screen"):
            if f"ratio_{v}" in a:
                r = a[f"ratio_{v}"]
                lines.append(
                    f"    {'ratio vs ' + v + ' HTML':<38} {r:7.2f}   goal <= {GOALS['a']} (stretch 0.85)  "
                    f"{verdict(r <= GOALS['a'])}"
                )
        if "cpu_ratio_print" in a:
            lines.append(
                f"    {'CPU (user + system), print HTML':<38} ours {a['ours_cpu_s']:.2f} s, "
                f"the engine's {a['weasyprint_print_cpu_s']:.2f} s, ratio {a['cpu_ratio_print']:.2f}"
            )
        # Not the goal's yardstick: the same work as ours (tagged), for the profile.
        if "ratio_print_ua" in a:
            lines.append(
                f"    {'weasyprint CLI, print HTML, pdf/ua-1':<38} {a['weasyprint_print_ua_s']:7.2f} s"
                f"  (tagged, as ours)"
            )
            lines.append(f"    {'ratio vs it':<38} {a['ratio_print_ua']:7.2f}   (for the profile)")
    if "b" in s:
        b = s["b"]
        lines.append(f"(b) whole book cold: {b['documents']} documents, {b['pages']} PDF pages")
        lines.append(f"    briefing build --force (default -j)    {b['ours_s']:7.2f} s")
        for v in ("print", "screen"):
            if f"ratio_{v}" in b:
                label = f"weasyprint CLI one by one, {v}"
                lines.append(f"    {label:<38} {b[f'weasyprint_{v}_s']:7.2f} s")
        for v in ("print", "screen"):
            if f"ratio_{v}" in b:
                r = b[f"ratio_{v}"]
                lines.append(
                    f"    {'ratio vs ' + v + ' HTML':<38} {r:7.2f}   goal <= {GOALS['b']} (stretch 0.4) "
                    f"(two cores)  {verdict(r <= GOALS['b'])}"
                )
    if "c" in s:
        c = s["c"]
        lines.append("(c) rebuild, nothing changed")
        lines.append(f"    briefing build                         {c['rebuild_s']:7.2f} s")
        lines.append(
            f"    ratio vs the cold book                 {c['ratio']:7.2f}   goal <= {GOALS['c']}  "
            f"{verdict(c['ratio'] <= GOALS['c'])}"
        )
    if "d" in s:
        d = s["d"]
        lines.append(f"(d) one topic changed: a word appended to the headline of {d['changed']}")
        lines.append(
            f"    re-rendered {len(d['rerendered'])} of {s['b']['documents']} documents "
            f"({', '.join(d['rerendered']) or 'none'}; {d['rerendered_pages']} of {d['pages']} "
            f"pages); the point is in: {', '.join(d['include_the_point'])}"
        )
        lines.append(f"    briefing build                         {d['changed_s']:7.2f} s")
        lines.append(f"    ratio vs the cold book                 {d['ratio']:7.2f}")
        if "same_audiences_cold_s" in d:
            r = d["ratio_to_same_audiences_cold"]
            proportional = r <= 1.1 and sorted(d["rerendered"]) == sorted(d["include_the_point"])
            lines.append(
                f"    those audiences alone, --force         {d['same_audiences_cold_s']:7.2f} s"
            )
            lines.append(
                f"    ratio vs those alone                   {r:7.2f}   goal: proportional  "
                f"{verdict(proportional)}"
            )
    if "e" in s:
        e = s["e"]
        lines.append(f"(e) start-up (medians of {e['runs']})")
        lines.append(f"    briefing --help                        {e['help_s']:7.3f} s")
        lines.append(f"    python -c pass                         {e['python_s']:7.3f} s")
        lines.append(
            f"    ratio                                  {e['ratio']:7.2f}   goal <= {GOALS['e']}  "
            f"{verdict(e['ratio'] <= GOALS['e'])}"
        )
        lines.append(f"    (briefing check, real project          {e['check_s']:7.3f} s)")
        lines.append(
            f"    (python -c 'import weasyprint'         {e['import_weasyprint_s']:7.3f} s)"
        )
    if "f" in s:
        f = s["f"]
        shown = ", ".join(f"{a} {n} pages" for a, n in f["pages"].items())
        lines.append(f"(f) synthetic book: {f['points']:,} points in {f['topics']} topics")
        lines.append(
            f"    briefing check                         {f['check_s']:7.2f} s   "
            f"goal <= {GOALS['f_check_s']} s  {verdict(f['check_s'] <= GOALS['f_check_s'])}"
        )
        lines.append(f"    build -a {f['audiences']} -f pdf: {shown}")
        lines.append(
            f"    briefing build                         {f['build_s']:7.2f} s   "
            f"{f['per_page_ms']:.0f} ms per page"
        )
        peak = max(f["max_rss_mib"], f["tree_peak_mib"])
        lines.append(
            f"    peak memory                            {peak:7.0f} MiB "
            f"goal <= {GOALS['f_memory_mib']} MiB  {verdict(peak <= GOALS['f_memory_mib'])}"
        )
        lines.append(
            f"      (largest process {f['max_rss_mib']:.0f} MiB; "
            f"process tree, sampled {f['tree_peak_mib']:.0f} MiB"
            + (
                f", {f['tree_pss_mib']:.0f} MiB with shared pages counted once)"
                if f.get("tree_pss_mib")
                else ")"
            )
        )
        if "weasyprint_s" in f:
            lines.append(
                f"    weasyprint CLI, same print HTML, once  {f['weasyprint_s']:7.2f} s   "
                f"{f['weasyprint_per_page_ms']:.0f} ms per page, "
                f"{f['weasyprint_max_rss_mib']:.0f} MiB"
                + (f", {f['weasyprint_pages']} pages" if f.get("weasyprint_pages") else "")
            )
            ratio = f["per_page_ms"] / f["weasyprint_per_page_ms"]
            lines.append(
                f"    time per page vs the engine            {ratio:7.2f}   goal <= "
                f"{GOALS['f_per_page']}  {verdict(ratio <= GOALS['f_per_page'])}"
            )
            if f.get("weasyprint_cpu_s"):
                lines.append(
                    f"    CPU (user + system): ours {f['cpu_s']:.1f} s, the engine's "
                    f"{f['weasyprint_cpu_s']:.1f} s, ratio {f['cpu_s'] / f['weasyprint_cpu_s']:.2f}"
                )
            lines.append(
                f"    peak memory: ours {peak:.0f} MiB, the engine's own "
                f"{f['weasyprint_max_rss_mib']:.0f} MiB"
            )
    lines += report_more(s)
    return lines


def report_more(s: dict) -> list[str]:  # type: ignore[type-arg]
    """The levers one by one, the peers, and (g)."""
    lines = []
    if "levers" in s:
        lv = s["levers"]
        lines.append("levers, each turned off alone (bench/levers.py); bought = off - all on")
        for key, label in (("a", "(a) staff -f pdf -j 1"), ("b", "(b) whole book")):
            on = lv.get(f"{key}:none")
            if on is None:
                continue
            lines.append(f"    {label}, all levers on            {on:7.2f} s")
            for off in (*levers.LEVERS, ",".join(levers.LEVERS)):
                value = lv.get(f"{key}:{off}")
                if value is None:
                    continue
                name = "all" if "," in off else off
                lines.append(
                    f"      {name + ' off':<22} {value:7.2f} s   bought {value - on:+6.2f} s "
                    f"({(value - on) / value:+.0%})"
                )
    if "peers" in s:
        lines.append("peers on the same documents (screen HTML in; one by one)")
        ours_a = s.get("a", {}).get("ours_s")
        ours_b = s.get("b", {}).get("ours_s")
        for name, found in s["peers"].items():
            if "skipped" in found:
                lines.append(f"    {name:<10} skipped: {found['skipped']}")
                continue
            pages = found["pages"].get(ONE_DOCUMENT)
            lines.append(
                f"    {name:<10} (a) {ONE_DOCUMENT} {found['a_s']:6.2f} s ({pages} pages)"
                + (f", ours/{name} {ours_a / found['a_s']:.2f}" if ours_a else "")
                + f"; (b) book {found['b_s']:6.2f} s"
                + (f", ours/{name} {ours_b / found['b_s']:.2f}" if ours_b else "")
            )
    if "g" in s:
        g = s["g"]
        best = median(g["http_s"])
        lines.append(
            f"(g) preview: edit content/{g['topic']}.yaml -> the {g['page']} page shows it "
            "(pushed reload)"
        )
        lines.append(
            f"    event stream + fetch (median of {len(g['http_s'])}) {best:7.2f} s   goal <= "
            f"{GOALS['g_s']} s  {verdict(best <= GOALS['g_s'])}   "
            f"({', '.join(f'{x:.2f}' for x in g['http_s'])})"
        )
        if "browser_s" in g:
            shown = median(g["browser_s"])
            lines.append(
                f"    in Chromium, text on screen            {shown:7.2f} s   "
                f"({', '.join(f'{x:.2f}' for x in g['browser_s'])})"
            )
        else:
            lines.append(f"    in Chromium: skipped ({g.get('browser_skipped')})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark the briefing tool against the WeasyPrint command line."
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--points", type=int, default=5000, help="synthetic points (f)")
    parser.add_argument("--topics", type=int, default=50, help="synthetic topics (f)")
    parser.add_argument(
        "--synthetic-audience",
        default="staff",
        metavar="NAME[,NAME]",
        help="audience(s) built for (f); staff is the long one (default: staff)",
    )
    parser.add_argument("--skip-book", action="store_true", help="skip (a) to (e)")
    parser.add_argument("--skip-synthetic", action="store_true", help="skip (f)")
    parser.add_argument("--skip-levers", action="store_true", help="skip the levers one by one")
    parser.add_argument("--skip-peers", action="store_true", help="skip Pandoc and Chromium")
    parser.add_argument("--skip-preview", action="store_true", help="skip (g)")
    parser.add_argument(
        "--no-install", action="store_true", help="never apt-get install pandoc for the peers"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    for tool in (BRIEFING, WEASYPRINT):
        if not tool.exists():
            raise SystemExit(
                f"bench: {tool} not found; run with the project's .venv (./brief bench)"
            )

    # Timed as an installed package runs: byte-compiled (pip compiles what it installs). An
    # editable checkout where PYTHONDONTWRITEBYTECODE is set would compile 28 modules again in
    # every timed command (45 ms), which no installed copy does.
    compileall.compile_dir(ROOT / "briefings", quiet=1)
    results = Results(machine=machine())
    print("Machine")
    for key, value in results.machine.items():
        print(f"  {key:<13} {value}")
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"  [{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    failures: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    try:
        if not args.skip_book:
            try:
                measure_book(work, runs, results, log)
            except BenchError as exc:
                failures.append(f"(a)-(e): {exc}")
            for skip, name, measure in (
                (args.skip_levers, "levers", lambda: measure_levers(work, runs, results, log)),
                (
                    args.skip_peers,
                    "peers",
                    lambda: measure_peers(work, runs, not args.no_install, results, log),
                ),
                (args.skip_preview, "(g)", lambda: measure_preview(work, runs, results, log)),
            ):
                if skip or (name != "(g)" and "a" not in results.sections):
                    continue
                try:
                    measure()
                except (BenchError, RuntimeError, OSError) as exc:
                    failures.append(f"{name}: {exc}")
        if not args.skip_synthetic:
            try:
                measure_synthetic(
                    work, runs, args.points, args.topics, args.synthetic_audience, results, log
                )
            except BenchError as exc:
                failures.append(f"(f): {exc}")
    finally:
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results.sections.setdefault("_runs", {"runs": runs})
    results.machine["load average after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results.machine["bench time"] = f"{time.perf_counter() - started:.0f} s"
    for line in report(results):
        print(line)
    print(
        f"\nLoad average before/after: {results.machine['load average']} / "
        f"{results.machine['load average after']}; bench took {results.machine['bench time']}."
    )
    for failure in failures:
        print(f"\nbench: {failure}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(dataclasses.asdict(results), indent=1, default=str) + "\n")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
