"""Watching: folders and files → a call whenever one of their files is written, moved or removed.

File-system events (inotify on Linux, FSEvents, ReadDirectoryChangesW, through watchdog), so a
change is seen within milliseconds and nothing is polled; where the system refuses a watch (too
many inotify watches, a network folder) it falls back to watchdog's polling observer. Reads are
not changes (a build reading the files it watches does not trigger another), and neither are
editors' scratch files (``.name.swp``, ``name~``, ``#name#``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

CHANGES = frozenset({"created", "modified", "deleted", "moved", "closed"})  # not "opened"


def is_scratch(name: str) -> bool:
    """Whether a file name is an editor's or a tool's scratch file, not project content."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


class Watcher:
    """Call ``changed(path)`` from a thread of its own whenever a watched file changes."""

    def __init__(self, changed: Callable[[str], None], interval: float = 0.5) -> None:
        self.changed = changed
        self.interval = interval  # for the polling fallback only
        self.polling = False
        self._lock = threading.Lock()
        self._observer: Any = None
        self._folders: tuple[Path, ...] = ()
        self._files: frozenset[Path] = frozenset()

    def watch(self, folders: Sequence[Path], files: Sequence[Path]) -> None:
        """Watch every file under ``folders`` and each of ``files``, instead of what was before."""
        folders = tuple(f for f in dict.fromkeys(folders) if f.is_dir())
        wanted = frozenset(files)
        with self._lock:
            if (folders, wanted) == (self._folders, self._files) and self._observer is not None:
                return
            self._stop()
            self._folders, self._files = folders, wanted
            try:
                self._observer = self._start(Observer())
            except OSError:  # out of inotify watches, or a file system without events
                self.polling = True
                self._observer = self._start(PollingObserver(timeout=self.interval))

    def stop(self) -> None:
        """Stop watching."""
        with self._lock:
            self._stop()

    def _start(self, observer: Any) -> Any:
        handler = _Handler(self)
        for folder in self._folders:
            observer.schedule(handler, str(folder), recursive=True)
        for parent in sorted({f.parent for f in self._files} - set(self._folders)):
            if parent.is_dir():
                observer.schedule(handler, str(parent), recursive=False)
        observer.daemon = True
        try:
            observer.start()
        except BaseException:
            observer.stop()
            raise
        return observer

    def _stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=5)
            self._observer = None

    def wanted(self, path: str) -> bool:
        """Whether a changed path is a file this watcher reports."""
        changed = Path(path)
        if is_scratch(changed.name):
            return False
        if changed in self._files:
            return True
        return any(changed.is_relative_to(folder) for folder in self._folders)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # an entry added or removed: the entry's own event says whether it counts
        for path in (event.src_path, getattr(event, "dest_path", "")):
            shown = path.decode() if isinstance(path, bytes) else path
            if shown and self.watcher.wanted(shown):
                self.watcher.changed(shown)
                return
