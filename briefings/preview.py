"""Preview: a project folder → its briefings served on 127.0.0.1, rebuilt as soon as a file changes.

Builds the HTML into a temporary folder (never the project's output folder), one folder per
audience, and serves it with the standard library's HTTP server. File-system events (``watch``)
say when a file under the content, seeds or template folders, or ``briefing.yaml``, changes;
then the audiences whose pages are open are rebuilt first, and the others after, one at a time,
in a second process at a lower priority. Every build runs in a warm worker process with a time
limit (``limits.WarmWorker``), so a runaway template or layout is stopped with a message, its
process replaced, and the server keeps serving. Each served page carries a small script (added
when serving, never written to disk) that listens on ``/__events``: each time its audience has
been rebuilt, the server pushes an event (nothing polls), and the page fetches itself and
changes, in place, what differs in its body, so the stylesheet, the fonts and the scroll
position stay (a full reload when anything before the body changed, or the update fails).
``/<audience>.pdf`` builds that PDF on request. A build that fails leaves the server running
and shows the error in place of the page until it is fixed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from .config import SETTINGS_FILE, find_root, load_config
from .errors import BriefingError, SelectionError
from .limits import WarmWorker
from .watch import Watcher

HOST = "127.0.0.1"
BUILD_SECONDS = 180.0  # a preview build (or PDF) running longer is stopped
POLL_SECONDS = 0.5  # where the system gives no file-system events
SETTLE_SECONDS = 0.03  # an editor may save in several writes: build after the last
KEEP_ALIVE_SECONDS = 15.0  # a comment on the event stream, so a closed page is noticed
INDEX = ""  # the page at /, which reloads after any build
_INLINE_FONT = re.compile(rb'url\("data:font/(ttf|otf|woff2?);base64,([A-Za-z0-9+/=]+)"\)')
MAX_SERVED_FONTS = 64
_DOCUMENT = re.compile(r"^/([a-z0-9]+(?:-[a-z0-9]+)*)\.(html|pdf)$")
# After each rebuild the page fetches itself and changes, in place, the parts of its body that
# differ: the stylesheet and fonts stay parsed, the browser lays out again only what changed,
# and the scroll stays. A full reload instead when anything before <body> changed (data-head),
# the page has scripts of its own (they would not run again), or anything fails.
_RELOAD = """<script data-preview="{page}" data-head="{head}">
(function () {{
  var own = document.currentScript.dataset, busy = false, again = false;
  var events = new EventSource("/__events?page={page}&seen={version}");
  events.addEventListener("reload", function () {{
    if (busy) again = true;
    else update();
  }});
  function same(a, b) {{
    if (a.nodeName !== b.nodeName || a.attributes.length !== b.attributes.length) return false;
    for (var i = 0; i < b.attributes.length; i++) {{
      var name = b.attributes[i];
      if (a.getAttributeNS(name.namespaceURI, name.localName) !== name.value) return false;
    }}
    return true;
  }}
  function patch(old, next) {{
    var a = Array.prototype.slice.call(old.childNodes);
    var b = Array.prototype.slice.call(next.childNodes);
    if (a.length !== b.length) return old.parentNode.replaceChild(next, old);
    for (var i = 0; i < a.length; i++) {{
      if (a[i].isEqualNode(b[i])) continue;
      if (a[i].nodeType === 1 && same(a[i], b[i])) patch(a[i], b[i]);
      else old.replaceChild(b[i], a[i]);
    }}
  }}
  function update() {{
    busy = true;
    fetch(location.href, {{cache: "no-store"}}).then(function (response) {{
      return response.text();
    }}).then(function (text) {{
      var next = new DOMParser().parseFromString(text, "text/html");
      var script = next.querySelector("script[data-preview]");
      var scripts = next.querySelectorAll("script").length;
      if (scripts !== 1 || !script || script.dataset.head !== own.head) throw "changed";
      var x = window.scrollX, y = window.scrollY;
      if (same(document.body, next.body)) patch(document.body, next.body);
      else document.documentElement.replaceChild(next.body, document.body);
      window.scrollTo(x, y);
      busy = false;
      if (again) {{ again = false; update(); }}
    }}).catch(function () {{ events.close(); location.reload(); }});
  }}
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
        self.interval = interval  # polling period, where there are no file-system events
        self.log = log or (lambda line: None)
        self.version = 0  # one more after every build
        self.errors: dict[str, str] = {}  # audience (INDEX: the whole project) → its error
        self.documents: tuple[str, ...] = self.audiences  # all of the project's, once built
        self._versions: dict[str, int] = {}  # audience → builds of it so far
        self._generation = 0  # one more for every settled change
        self._built: dict[str, int] = {}  # audience → the generation it was last built at
        self._claimed: set[str] = set()  # audiences being built now
        self._viewers: dict[str, int] = {}  # page → event streams open on it
        self._changed_at: float | None = None
        self._state = threading.Condition()
        self._stop = threading.Event()
        self._front = WarmWorker("the preview build", _warm_up)  # the open pages; PDFs
        self._back = WarmWorker("the preview build", _warm_up_behind)  # the other audiences
        self._watcher = Watcher(self._on_change, interval)
        self._folder: Path | None = None
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self.fonts: dict[str, bytes] = {}  # /__fonts/<name> → a font the pages use

    @property
    def url(self) -> str:
        """The address the preview is served at."""
        return f"http://{HOST}:{self.port}/"

    @property
    def error(self) -> str | None:
        """The first build error still standing, if any."""
        return next(iter(self.errors.values()), None)

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
            self._watch_folders()
            self.rebuild(first=True)
            self._back.start()  # warms up while the first page is read
        except BaseException:
            self._server.server_close()
            self._server = None
            self._cleanup()
            raise
        for target in (self._server.serve_forever, self._front_loop, self._back_loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        """Stop serving and watching, and remove the temporary build folder."""
        self._stop.set()
        with self._state:
            self._state.notify_all()
        self._watcher.stop()
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
        """Build every audience's HTML again, now; keep each error to show it."""
        with self._state:
            generation = self._generation
        self._build(self._front, self.audiences, generation, first=first)

    def build_pdf(self, audience: str) -> bytes:
        """Build one audience's PDF now and return it."""
        assert self._folder is not None
        folder = self._folder / ".pdf"
        request = (self.start_folder, self.options, (audience,), self.topics, ("pdf",), folder)
        _, outcomes = self._front.call(_build_each, *request, seconds=self.limit)
        ok, value = outcomes[audience]
        if not ok:
            raise value
        return (folder / audience / f"{audience}.pdf").read_bytes()

    def page(self, audience: str) -> bytes | None:
        """Return the served HTML of one audience, reload script included, or None."""
        if self._folder is None or audience not in self.documents:
            return None
        with self._state:
            version = self._versions.get(audience, 0)
        try:
            data = (self._folder / audience / f"{audience}.html").read_bytes()
        except OSError:
            return None
        text = self._link_fonts(data).decode("utf-8")
        return _with_reload(text, audience, version).encode("utf-8")

    def _link_fonts(self, page: bytes) -> bytes:
        """Serve the page's inlined fonts as files of their own, named by their content, so a
        reload fetches only the page (the browser keeps the fonts) and parses a tenth of it.

        Bytes, not text: decoding the 3.5 MB page with its fonts took longer than the rest.
        """

        def link(match: re.Match[bytes]) -> bytes:
            kind, data = match.groups()
            name = f"{hashlib.sha256(data).hexdigest()[:24]}.{kind.decode()}"
            if name not in self.fonts:
                if len(self.fonts) >= MAX_SERVED_FONTS:
                    self.fonts.clear()  # fonts of old builds; the pages ask again
                self.fonts[name] = base64.b64decode(data)
            return f'url("/__fonts/{name}")'.encode()

        return _INLINE_FONT.sub(link, page)

    def page_version(self, page: str) -> int:
        """How many builds the page has seen: the audience's, or all of them for the index."""
        return self.version if page == INDEX else self._versions.get(page, 0)

    def wait_for_build(self, page: str, seen: int, seconds: float) -> bool:
        """Wait until the page has been rebuilt since ``seen``; False when the time is up."""
        with self._state:
            return (
                self._state.wait_for(
                    lambda: self._stop.is_set() or self.page_version(page) != seen, seconds
                )
                and not self._stop.is_set()
            )

    @contextlib.contextmanager
    def viewing(self, page: str) -> Any:
        """Count an open page while its event stream lasts: open pages are rebuilt first."""
        with self._state:
            self._viewers[page] = self._viewers.get(page, 0) + 1
        try:
            yield
        finally:
            with self._state:
                self._viewers[page] -= 1

    # --- Watching and building --------------------------------------------------------------

    def _on_change(self, path: str) -> None:
        """A watched file changed (called from the watcher's thread)."""
        with self._state:
            self._changed_at = time.monotonic()
            self._state.notify_all()

    def _front_loop(self) -> None:
        """After each change: rebuild the audiences on screen (all, when no page is open)."""
        while not self._stop.is_set():
            with self._state:
                claimed = self._next_change()
                if claimed is None:
                    return
                viewed, targets, generation = claimed
            try:
                self._watch_folders()  # briefing.yaml may name other folders now
                self._build(self._front, viewed or self.audiences, generation)
            except Exception as exc:  # a bad edit must never end watching
                self._record({a: (False, exc) for a in targets or {INDEX}}, generation)
            finally:
                with self._state:
                    self._claimed -= targets
                    self._state.notify_all()

    def _next_change(self) -> tuple[tuple[str, ...], set[str], int] | None:
        """Wait (holding the state) for a change to settle; claim what to build first.

        Returns the audiences on screen, those claimed, and the change's generation; None
        once stopped.
        """
        self._state.wait_for(lambda: self._stop.is_set() or self._changed_at is not None)
        while self._changed_at is not None and not self._stop.is_set():
            late = self._changed_at + SETTLE_SECONDS - time.monotonic()
            if late <= 0:
                break
            self._state.wait(late)  # a later event moves the start on
        if self._stop.is_set():
            return None
        self._changed_at = None
        self._generation += 1
        viewed = tuple(a for a in self.documents if self._viewers.get(a))
        targets = set(viewed or self.documents)
        self._state.wait_for(lambda: not (targets & self._claimed) or self._stop.is_set())
        self._claimed |= targets
        return viewed, targets, self._generation

    def _back_loop(self) -> None:
        """Rebuild, one at a time, the audiences a change left behind."""
        while not self._stop.is_set():
            with self._state:
                self._state.wait_for(lambda: self._stop.is_set() or self._behind() is not None)
                audience = self._behind()
                if audience is None:
                    return
                self._claimed.add(audience)
                generation = self._generation
            try:
                self._build(self._back, (audience,), generation)
            except Exception as exc:
                self._record({audience: (False, exc)}, generation)
            finally:
                with self._state:
                    self._claimed.discard(audience)
                    self._state.notify_all()

    def _behind(self) -> str | None:
        """An audience built before the latest change and not being built now."""
        if self._changed_at is not None:
            return None  # the front loop goes first
        for audience in self.documents:
            if self._built.get(audience, -1) < self._generation and audience not in self._claimed:
                return audience
        return None

    def _build(
        self,
        worker: WarmWorker,
        audiences: Sequence[str],
        generation: int,
        *,
        first: bool = False,
    ) -> None:
        """Build audiences' HTML (all with none named) in a worker, within the time limit."""
        assert self._folder is not None
        request = (self.start_folder, self.options, tuple(audiences), self.topics, ("html",))
        try:
            known, outcomes = worker.call(_build_each, *request, self._folder, seconds=self.limit)
        except SelectionError:
            if first:
                raise
            message = "an audience or topic named on the command line no longer exists"
            outcomes = {a: (False, BriefingError(message)) for a in audiences or (INDEX,)}
            known = None
        except BriefingError as exc:  # the project did not load, or the build was stopped
            outcomes = {a: (False, exc) for a in audiences or self.documents or (INDEX,)}
            known = None
        if first:
            for ok, value in outcomes.values():
                if not ok and isinstance(value, SelectionError):
                    raise value
        self._record(outcomes, generation, known)

    def _record(
        self,
        outcomes: Mapping[str, tuple[bool, Any]],
        generation: int,
        known: tuple[str, ...] | None = None,
    ) -> None:
        """Keep what builds gave, and tell the open pages."""
        lines = []
        with self._state:
            if known is not None:
                self.documents = known
                self.errors.pop(INDEX, None)
            for audience, (ok, value) in outcomes.items():
                self._built[audience] = max(self._built.get(audience, -1), generation)
                self._versions[audience] = self._versions.get(audience, 0) + 1
                if ok:
                    self.errors.pop(audience, None)
                    lines += [f"warning: {audience}: {w}" for w in value]
                else:
                    self.errors[audience] = str(value) or type(value).__name__
                    lines.append(f"build failed:\n{self.errors[audience]}")
            if all(ok for ok, _ in outcomes.values()):
                lines.append(f"rebuilt {', '.join(outcomes)}")
            self.version += 1
            self._state.notify_all()
        for line in lines:
            self.log(line)

    def _watch_folders(self) -> None:
        """Watch the folders a build reads, as briefing.yaml names them now."""
        try:
            config = load_config(self.start_folder, **self.options)
            folders = [config.content, config.seeds, config.templates, config.user_templates]
        except BriefingError:
            folders = [self.root / name for name in ("content", "seeds", "templates")]
        self._watcher.watch([f for f in folders if f is not None], [self.root / SETTINGS_FILE])

    def _cleanup(self) -> None:
        self._front.close()
        self._back.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _warm_up() -> None:
    """What a preview worker imports before its first build (the engine too, for budgets)."""
    from . import builder

    with contextlib.suppress(Exception):  # the build reports a broken engine itself
        builder.load_engine()  # the quick import, as a build's worker does


def _warm_up_behind() -> None:
    """The background worker's warm-up: at a lower priority, so that on a busy machine the
    page on screen (its build, then the browser laying it out) goes first."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: no os.nice here
        os.nice(10)
    _warm_up()


def _build_each(
    start: Path,
    options: dict[str, Any],
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    formats: tuple[str, ...],
    folder: Path,
) -> tuple[tuple[str, ...] | None, dict[str, tuple[bool, Any]]]:
    """One preview build (run in a worker): each audience into a folder of its own.

    Returns the project's audiences (when ``audiences`` is empty: then all are built) and, for
    each audience built, ``(True, warnings)`` or ``(False, error)``. Served from this machine,
    the page keeps its fonts whole: cutting them down takes seconds.
    """
    from .builder import build

    known = None
    if not audiences:
        config = load_config(start, **options)
        known = config.settings.audiences or tuple(a.id for a in config.project().audiences)
        audiences = tuple(known)
    outcomes: dict[str, tuple[bool, Any]] = {}
    for audience in audiences:
        try:
            result = build(
                start,
                audiences=(audience,),
                topics=topics,
                formats=formats,
                output=folder / audience,
                jobs=1,
                subset_fonts=False,
                **options,
            )
        except BriefingError as exc:
            outcomes[audience] = (False, exc)
        else:
            outcomes[audience] = (True, result.warnings)
    return known, outcomes


def _with_reload(text: str, page: str, version: int) -> str:
    """Add the script that updates the page after a rebuild, which knows what precedes <body>."""
    lower = text.lower()
    body = lower.find("<body")
    head = hashlib.sha256(text[: body if body != -1 else None].encode()).hexdigest()[:16]
    script = _RELOAD.format(page=page, version=version, head=head)
    end = lower.rfind("</body>")
    if end == -1:
        return text + script
    return text[:end] + script + text[end:]


def _index(preview: Preview) -> str:
    """The page at /: links to each document, or the build errors."""
    if preview.errors:
        shown = "\n\n".join(
            f"{audience}: {error}" if audience else error
            for audience, error in preview.errors.items()
        )
        body = f"<h1>The build failed</h1>\n<pre>{html.escape(shown)}</pre>"
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


def _error_page(preview: Preview, audience: str) -> str:
    """The error of one audience's build, in place of its page."""
    error = preview.errors.get(audience) or preview.error or ""
    body = f"<h1>The build failed</h1>\n<pre>{html.escape(error)}</pre>"
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>briefing preview: {html.escape(audience)}</title></head>\n<body>\n{body}\n"
        "<p>The page comes back when the build succeeds.</p>\n</body>\n</html>\n"
    )
    return _with_reload(page, audience, preview.page_version(audience))


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
            path, _, query = self.path.partition("?")
            if path == "/__events":
                self._events(parse_qs(query))
                return
            if path.startswith("/__fonts/"):
                font = preview.fonts.get(path.removeprefix("/__fonts/"))
                if font is None:
                    self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
                else:
                    kind = "font/" + path.rsplit(".", 1)[-1]
                    self._send(HTTPStatus.OK, kind, font, cache="max-age=31536000, immutable")
                return
            if path == "/__version":
                self._send(HTTPStatus.OK, "text/plain", str(preview.version).encode())
                return
            if path in ("/", "/index.html"):
                page = _with_reload(_index(preview), INDEX, preview.version)
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))
                return
            match = _DOCUMENT.match(path)
            if match is None or match.group(1) not in preview.documents:
                if preview.errors and match is not None:
                    self._error_page(match.group(1))
                    return
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
                return
            audience, kind = match.groups()
            if audience in preview.errors or INDEX in preview.errors:
                self._error_page(audience)
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

        def _events(self, query: dict[str, list[str]]) -> None:
            """Server-sent events: a ``reload`` each time the page's audience has been rebuilt.

            The stream stays open, so the page counts as open between two rebuilds too.
            """
            page = (query.get("page") or [INDEX])[0]
            try:
                seen = int((query.get("seen") or ["0"])[0])
            except ValueError:
                seen = -1
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            with preview.viewing(page), contextlib.suppress(OSError):
                self.wfile.write(b"retry: 500\n\n")
                self.wfile.flush()
                while True:
                    if preview.wait_for_build(page, seen, KEEP_ALIVE_SECONDS):
                        seen = preview.page_version(page)
                        self.wfile.write(f"event: reload\ndata: {seen}\n\n".encode())
                    elif preview._stop.is_set():
                        return
                    else:
                        self.wfile.write(b": still here\n\n")  # fails once the page is closed
                    self.wfile.flush()

        def _same_origin(self) -> bool:
            """Whether the request comes from the preview's own pages or the address bar."""
            site = (self.headers.get("Sec-Fetch-Site") or "none").lower()
            if site not in ("none", "same-origin"):
                return False
            origin = self.headers.get("Origin")
            own = (f"http://{HOST}:{preview.port}", f"http://localhost:{preview.port}")
            return origin is None or origin.lower() in own

        def _error_page(self, audience: str) -> None:
            page = _error_page(preview, audience)
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8", page.encode("utf-8")
            )

        def _send(
            self, status: HTTPStatus, kind: str, body: bytes, cache: str = "no-store"
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would drown the rebuild messages

    return Handler
