"""Font cache: font subsets already made → kept in the process and in the output folder.

Cutting a font down takes about half a second a face, so each subset is kept under a key that
hashes everything it is made from (the font file, the family, the code points, the features,
the versions of fontTools and Brotli). In the process it stays in a bounded map; on disk it is a
file in ``.briefing-fonts/`` in the output folder, beside the build manifest, written only with
the documents of a build that succeeds. Each file starts with the SHA-256 of its WOFF2 data; a
missing, linked or corrupt entry is no entry, and the subset is made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CACHE_FOLDER = ".briefing-fonts"  # in the output folder, beside the build manifest
CACHE_ENTRIES = 160  # on disk; past this, the entries the last build did not use go first
_MEMORY_ENTRIES = 256
_MEMORY: dict[str, bytes] = {}


@dataclass
class FontCache:
    """Subsets already made: this process's, and those on disk in an output folder.

    New subsets are kept in ``fresh`` for the build to write with its documents (a failed build
    writes nothing); ``used`` names every entry this page needed, so pruning can keep them.
    """

    folder: Path | None = None
    fresh: dict[str, bytes] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        """Return the subset under a key, from memory, from disk, or made now."""
        self.used.add(key)
        found = _MEMORY.get(key)
        stored = found is not None and self._path(key) is not None
        if found is None:
            found = self._read(key)
            stored = found is not None
        if found is None:
            found = make()
        if self.folder is not None and not stored:
            self.fresh[key] = found  # made here, or earlier in this process for another folder
        remember({key: found})
        return found

    def _path(self, key: str) -> Path | None:
        """The entry's file, when it is a plain file in a real folder."""
        if self.folder is None or self.folder.is_symlink():
            return None
        path = self.folder / f"{key}.woff2"
        return path if path.is_file() and not path.is_symlink() else None

    def _read(self, key: str) -> bytes | None:
        """An entry on disk; a missing, linked, odd or corrupt one is no entry."""
        path = self._path(key)
        try:
            if path is None or path.stat().st_size > 1 << 24:
                return None
            raw = path.read_bytes()
        except OSError:
            return None
        digest, data = raw[:32], raw[32:]
        ok = data.startswith(b"wOF2") and hashlib.sha256(data).digest() == digest
        return data if ok else None


def remember(entries: dict[str, bytes]) -> None:
    """Keep subsets in this process (the oldest go past a bound)."""
    for key, data in entries.items():
        _MEMORY.pop(key, None)
        _MEMORY[key] = data
    while len(_MEMORY) > _MEMORY_ENTRIES:
        del _MEMORY[next(iter(_MEMORY))]


def cache_files(caches: Iterable[FontCache]) -> dict[Path, bytes]:
    """The new subsets to write beside a build's documents (each prefixed by its SHA-256)."""
    files: dict[Path, bytes] = {}
    for cache in caches:
        remember(cache.fresh)
        folder = cache.folder
        if folder is None or not cache.fresh or folder.is_symlink():
            continue
        with contextlib.suppress(OSError):
            folder.mkdir(exist_ok=True)
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            continue  # a cache that cannot be written is no reason to fail the build
        for key, data in cache.fresh.items():
            files[folder / f"{key}.woff2"] = hashlib.sha256(data).digest() + data
    return files


def prune_cache(folder: Path, keep: set[str]) -> None:
    """Bound the on-disk cache: drop stray files, then the oldest entries not in ``keep``."""
    if folder.is_symlink() or not folder.is_dir():
        return
    entries, kept = [], 0
    for path in folder.iterdir():
        if path.name.startswith(".") or path.suffix != ".woff2" or path.is_symlink():
            with contextlib.suppress(OSError):
                path.unlink()  # debris of a killed build, a link, or not ours
        elif path.stem in keep:
            kept += 1
        else:
            with contextlib.suppress(OSError):
                entries.append((path.stat().st_mtime_ns, path.name, path))
    for _, _, path in sorted(entries)[: max(kept + len(entries) - CACHE_ENTRIES, 0)]:
        with contextlib.suppress(OSError):
            path.unlink()
