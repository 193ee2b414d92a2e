"""Preview: a project folder → its briefings served on 127.0.0.1, rebuilt whenever a file changes.

Builds the HTML into a temporary folder (never the project's output folder), serves it with the
standard library's HTTP server, and polls the modification times of the content, seeds and
template folders and of ``briefing.yaml``. On a change it rebuilds, each build in a process of
its own with a time limit (``limits.run_isolated``), so a runaway template or layout is stopped
with a message and the server keeps serving; each served page carries a
small script (added when serving, never written to disk) that polls ``/__version`` and reloads
the page when a build finishes. ``/<audience>.pdf`` builds that PDF on request. A build that
fails leaves the server running and shows the error in place of the page until it is fixed.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .config import SETTINGS_FILE, find_root, load_config
from .errors import BriefingError, SelectionError
from .limits import run_isolated

HOST = "127.0.0.1"
BUILD_SECONDS = 180.0  # a preview build (or PDF) running longer is stopped
POLL_SECONDS = 0.5
_DOCUMENT = re.compile(r"^/([a-z0-9]+(?:-[a-z0-9]+)*)\.(html|pdf)$")
_RELOAD = """<script>
(function () {{
  var seen = "{version}";
  function poll() {{
    fetch("/__version", {{cache: "no-store"}})
      .then(function (r) {{ return r.text(); }})
      .then(function (v) {{ if (v !== seen) {{ location.reload(); }} }})
      .catch(function () {{}})
      .finally(function () {{ setTimeout(poll, {interval}); }});
  }}
  setTimeout(poll, {interval});
}})();
</script>
"""


class Preview:
    """A running preview of one project: a server on 127.0.0.1 and a watcher that rebuilds."""

    def __init__(
        self,
        root: str | os.PathLike[str] = ".",
        *,
        port: int = 0,
        audiences: Sequence[str] = (),
        topics: Sequence[str] = (),
        interval: float = POLL_SECONDS,
        log: Callable[[str], None] | None = None,
        options: Mapping[str, Any] | None = None,
        limit: float = BUILD_SECONDS,
    ) -> None:
        self.start_folder = Path(root)
        self.options = dict(options or {})  # command-line folders, as load_config takes them
        self.limit = limit
        self.root = find_root(root)
        self.port = port
        self.audiences = tuple(audiences)
        self.topics = tuple(topics)
        self.interval = interval
        self.log = log or (lambda line: None)
        self.version = 0
        self.error: str | None = None
        self.documents: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._folder: Path | None = None
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._seen: dict[str, tuple[int, int]] = {}

    @property
    def url(self) -> str:
        """The address the preview is served at."""
        return f"http://{HOST}:{self.port}/"

    def start(self) -> str:
        """Build once, start serving and watching; return the URL."""
        try:
            self._server = ThreadingHTTPServer((HOST, self.port), _handler(self))
        except OSError as exc:
            raise BriefingError(
                f"cannot listen on {HOST}:{self.port}: {exc.strerror or exc}; choose another "
                "--port, or 0 for a free one"
            ) from None
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._folder = Path(tempfile.mkdtemp(prefix="briefing-preview-"))
        try:
            self._seen = self._snapshot()
            self.rebuild(first=True)
        except BaseException:
            self._server.server_close()
            self._server = None
            self._cleanup()
            raise
        for target in (self._server.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        """Stop serving and watching, and remove the temporary build folder."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._cleanup()

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self) -> None:
        """Block until stopped (Ctrl-C in the command line)."""
        while not self._stop.wait(0.5):
            pass

    def rebuild(self, *, first: bool = False) -> None:
        """Build the HTML again; keep the error to show it if the build fails."""

        assert self._folder is not None
        with self._lock:
            try:
                result = self._build(("html",), self.audiences)
            except SelectionError:
                if first:
                    raise
                self.error = "an audience or topic named on the command line no longer exists"
            except BriefingError as exc:
                self.error = str(exc)
            else:
                self.error = None
                self.documents = tuple(
                    dict.fromkeys(d.audience for d in result.documents if d.format == "html")
                )
                for warning in result.warnings:
                    self.log(f"warning: {warning}")
            self.version += 1
        if self.error:
            self.log(f"build failed:\n{self.error}")
        elif not first:
            self.log(f"rebuilt {len(self.documents)} document(s)")

    def build_pdf(self, audience: str) -> bytes:
        """Build one audience's PDF now and return it."""
        assert self._folder is not None
        with self._lock:
            self._build(("pdf",), (audience,))
            return (self._folder / f"{audience}.pdf").read_bytes()

    def _build(self, formats: tuple[str, ...], audiences: Sequence[str]) -> Any:
        """Build into the preview's folder, in a process of its own, within the time limit."""
        request = (self.start_folder, self.options, tuple(audiences), self.topics, formats)
        return run_isolated(
            _build_into, *request, self._folder, seconds=self.limit, what="the preview build"
        )

    def page(self, audience: str) -> bytes | None:
        """Return the served HTML of one audience, reload script included, or None."""
        if self._folder is None or audience not in self.documents:
            return None
        with self._lock:
            try:
                text = (self._folder / f"{audience}.html").read_text(encoding="utf-8")
            except OSError:
                return None
            version = self.version
        return _with_reload(text, version, self.interval).encode("utf-8")

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                current = self._snapshot()
                if current != self._seen:
                    self._seen = current
                    self.rebuild()
            except Exception as exc:  # one bad edit must not end watching for good
                self.error = f"{type(exc).__name__}: {exc}"
                self.log(f"build failed:\n{self.error}")

    def _snapshot(self) -> dict[str, tuple[int, int]]:
        """Modification time and size of every file a build reads."""
        try:
            config = load_config(self.start_folder, **self.options)
            folders = [config.content, config.seeds, config.templates, config.user_templates]
        except BriefingError:
            folders = [self.root / name for name in ("content", "seeds", "templates")]
        files = [self.root / SETTINGS_FILE]
        for folder in folders:
            if folder is not None:
                files.extend(sorted(folder.rglob("*")))
        seen = {}
        for path in files:
            if path.name.startswith("."):
                continue
            with contextlib.suppress(OSError):
                stat = path.stat()
                if not path.is_dir():
                    seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
        return seen

    def _cleanup(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _build_into(
    start: Path,
    options: dict[str, Any],
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    formats: tuple[str, ...],
    folder: Path,
) -> Any:
    """One preview build (run in its own process): these documents into the preview folder.

    Served from this machine, the page keeps its fonts whole: cutting them down takes seconds.
    """
    from .builder import build

    return build(
        start,
        audiences=audiences,
        topics=topics,
        formats=formats,
        output=folder,
        jobs=1,
        subset_fonts=False,
        **options,
    )


def _with_reload(text: str, version: int, interval: float) -> str:
    script = _RELOAD.format(version=version, interval=int(interval * 1000))
    end = text.lower().rfind("</body>")
    if end == -1:
        return text + script
    return text[:end] + script + text[end:]


def _index(preview: Preview) -> str:
    """The page at /: links to each document, or the build error."""
    if preview.error:
        body = f"<h1>The build failed</h1>\n<pre>{html.escape(preview.error)}</pre>"
    else:
        items = "\n".join(
            f'<li><a href="/{a}.html">{a}</a> (<a href="/{a}.pdf">PDF</a>)</li>'
            for a in preview.documents
        )
        body = f"<h1>Briefings</h1>\n<ul>\n{items}\n</ul>"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>briefing preview: {html.escape(preview.root.name)}</title></head>\n<body>\n"
        f"{body}\n<p>Watching {html.escape(str(preview.root))}; pages reload after each "
        "build.</p>\n</body>\n</html>\n"
    )


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "briefing-preview"

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").lower()
            if host not in (f"{HOST}:{preview.port}", f"localhost:{preview.port}"):
                # Only pages opened from this machine's own address (no DNS rebinding).
                self._send(HTTPStatus.FORBIDDEN, "text/plain", b"forbidden host\n")
                return
            if not self._same_origin():
                # Another site's page may point at us (an <img> of /staff.pdf): no builds for it.
                self._send(HTTPStatus.FORBIDDEN, "text/plain", b"cross-site request refused\n")
                return
            path = self.path.split("?", 1)[0]
            if path == "/__version":
                self._send(HTTPStatus.OK, "text/plain", str(preview.version).encode())
                return
            if path in ("/", "/index.html"):
                page = _with_reload(_index(preview), preview.version, preview.interval)
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))
                return
            match = _DOCUMENT.match(path)
            if match is None or match.group(1) not in preview.documents:
                if preview.error and match is not None:
                    self._error_page()
                    return
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
                return
            audience, kind = match.groups()
            if preview.error:
                self._error_page()
            elif kind == "html":
                body = preview.page(audience)
                if body is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
                else:
                    self._send(HTTPStatus.OK, "text/html; charset=utf-8", body)
            else:
                try:
                    data = preview.build_pdf(audience)
                except (BriefingError, OSError) as exc:
                    self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain", f"{exc}\n".encode())
                else:
                    self._send(HTTPStatus.OK, "application/pdf", data)

        def _same_origin(self) -> bool:
            """Whether the request comes from the preview's own pages or the address bar."""
            site = (self.headers.get("Sec-Fetch-Site") or "none").lower()
            if site not in ("none", "same-origin"):
                return False
            origin = self.headers.get("Origin")
            own = (f"http://{HOST}:{preview.port}", f"http://localhost:{preview.port}")
            return origin is None or origin.lower() in own

        def _error_page(self) -> None:
            page = _with_reload(_index(preview), preview.version, preview.interval)
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8", page.encode("utf-8")
            )

        def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would drown the rebuild messages

    return Handler
