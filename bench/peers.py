"""The tools a user might pick instead, as commands on the same documents: Pandoc and Chromium.

Pandoc reads our screen HTML (its words and structure, not our stylesheet) and hands WeasyPrint
its own HTML (``--pdf-engine=weasyprint``); Chromium prints our screen HTML as it is
(``--print-to-pdf``). Each is found on the PATH; Pandoc is installed with apt-get when the
bench runs as root and may install (``--no-install`` says not to), otherwise skipped with the
reason, like Chromium when no browser is there. ``briefing build`` never installs either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def find_pandoc(install: bool, log) -> tuple[str | None, str]:  # type: ignore[no-untyped-def]
    """The pandoc command, or None and why not."""
    found = shutil.which("pandoc")
    if found:
        return found, ""
    if not install:
        return None, "pandoc is not installed (--no-install)"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            None,
            "pandoc is not installed; as root the bench installs it: apt-get install pandoc",
        )
    log("installing pandoc with apt-get (for the peers section)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "pandoc"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0 and command[1] == "install":
            return None, f"apt-get install pandoc failed: {done.stderr.strip()[-200:]}"
    found = shutil.which("pandoc")
    return (found, "") if found else (None, "pandoc still not on the PATH after apt-get")


def find_chromium() -> tuple[str | None, str]:
    """The Chromium command, or None and why not."""
    for name in CHROMIUM:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, "no Chromium on the PATH (./brief test installs Debian's chromium)"


def pandoc_cmd(pandoc: str, weasyprint: Path, html: Path, pdf: Path) -> list[str | Path]:
    """Pandoc: our screen HTML → its own HTML → WeasyPrint → PDF."""
    return [
        pandoc,
        "--from=html",
        "--standalone",
        f"--pdf-engine={weasyprint}",
        "--metadata=title:briefing",
        "-o",
        pdf,
        html,
    ]


def chromium_cmd(chromium: str, html: Path, pdf: Path, profile: Path) -> list[str | Path]:
    """Headless Chromium printing our screen HTML, as a user's 'Save as PDF' does."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",  # the bench runs as root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
