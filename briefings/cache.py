"""Cache: what a document is rendered from → a key, and the output folder's manifest → which
documents are still up to date.

A key hashes everything that decides a document's bytes: the assembled briefing with every field
(ids included, which serialisation leaves out), the options, and the content of every file under
the template folders. The manifest (``.briefing-manifest.json`` in the output folder) records
each audience's key and the hashes of the files written; a document is up to date when its key
matches and its files on disk are still the ones written. A manifest that cannot be read is
treated as empty: everything is rendered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import __version__
from .model import Briefing, Omission

MANIFEST_NAME = ".briefing-manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_HASHED_BYTES = 32 * 1024 * 1024  # larger than any template or font we would read
TEXT_SUFFIXES = frozenset({".html", ".css", ".yaml", ".yml", ".svg", ".json", ".md", ".txt"})


def fingerprint(value: Any) -> Any:
    """A JSON-ready image of a model with every field, the excluded ones (ids) included."""
    if isinstance(value, BaseModel):
        return {name: fingerprint(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, tuple | list):
        return [fingerprint(item) for item in value]
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def job_key(
    briefing: Briefing,
    options: Iterable[Any],
    folders: Iterable[Path],
    trees: dict[Path, str] | None = None,
) -> str:
    """Hash a document's inputs: the briefing, the options and the template folders' files.

    ``trees`` remembers each folder's digest, so a build hashes a folder once for all documents.
    """
    digest = hashlib.sha256(f"briefings {__version__}\n".encode())
    digest.update(json.dumps(fingerprint(briefing), sort_keys=True).encode())
    digest.update(json.dumps(list(options), default=str).encode())
    digest.update(folders_digest(folders, trees).encode())
    return digest.hexdigest()


def folders_digest(folders: Iterable[Path], trees: dict[Path, str] | None = None) -> str:
    """One digest of some template folders' files; ``trees`` remembers each folder's."""
    trees = {} if trees is None else trees
    digest = hashlib.sha256()
    for folder in folders:
        if folder not in trees:
            trees[folder] = tree_digest(folder)
        digest.update(trees[folder].encode())
    return digest.hexdigest()


def tree_digest(folder: Path) -> str:
    """Hash the names and bytes of every file under a template folder (fonts included).

    Links are not followed (a link is hashed by where it points; the loader and fetcher refuse
    those that leave their folder), and a file too large to be a template or a font is hashed by
    its size and time instead of being read.
    """
    digest = hashlib.sha256()
    for top, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(f for f in files if not f.startswith(".")):
            path = Path(top, name)
            digest.update(os.fsencode(path.relative_to(folder)) + b"\n")  # any name, as bytes
            digest.update(_file_digest(path))
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    try:
        status = path.lstat()
        if stat.S_ISLNK(status.st_mode):
            return f"link {os.readlink(path)}".encode()
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_HASHED_BYTES:
            return f"{status.st_mode} {status.st_size} {status.st_mtime_ns}".encode()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            if path.suffix in TEXT_SUFFIXES:  # read as text: a BOM or CRLF changes nothing
                data = handle.read().removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
                digest.update(data)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.digest()
    except OSError as exc:  # unreadable: its state is what we can key on
        return f"unreadable {exc.errno}".encode()


class Manifest:
    """The record of what the last builds wrote into one output folder."""

    def __init__(self, folder: Path, entries: dict[str, Any] | None = None) -> None:
        self.folder = folder
        self.entries: dict[str, Any] = entries or {}

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """Read the folder's manifest; an absent, odd or unreadable one is an empty manifest."""
        path = folder / MANIFEST_NAME
        if path.is_symlink() or not path.is_file():  # never through a link, a pipe or a device
            return cls(folder)
        try:
            if path.stat().st_size > MAX_MANIFEST_BYTES:
                return cls(folder)
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return cls(folder)
        entries = data if isinstance(data, dict) else {}
        return cls(folder, {k: v for k, v in entries.items() if isinstance(v, dict)})

    def up_to_date(self, audience: str, key: str, formats: Iterable[str]) -> bool:
        """Whether the audience's files were built from this key and are unchanged on disk."""
        entry = self.entries.get(audience, {})
        hashes = entry.get("hashes")
        if entry.get("key") != key or not isinstance(hashes, dict):
            return False
        for fmt in formats:
            target = self.folder / f"{audience}.{fmt}"
            if fmt not in hashes or not target.is_file() or target.is_symlink():
                return False
            if hashlib.sha256(target.read_bytes()).hexdigest() != hashes[fmt]:
                return False
        return True

    def recorded(self, audience: str) -> tuple[int | None, str | None, tuple[Omission, ...]]:
        """The pages, banner and omissions recorded for an up-to-date audience."""
        entry = self.entries.get(audience, {})
        try:
            omitted = tuple(Omission(**o) for o in entry.get("omitted", []))
        except (TypeError, ValidationError):
            omitted = ()
        pages = entry.get("pages")
        banner = entry.get("banner")
        return (
            pages if isinstance(pages, int) else None,
            banner if isinstance(banner, str) else None,
            omitted,
        )

    def record(
        self,
        audience: str,
        key: str,
        files: dict[str, bytes],
        pages: int | None,
        banner: str,
        omitted: Iterable[Omission],
    ) -> None:
        """Note what was just written for an audience."""
        self.entries[audience] = {
            "key": key,
            "formats": list(files),
            "hashes": {f: hashlib.sha256(d).hexdigest() for f, d in files.items()},
            "pages": pages,
            "banner": banner,
            "omitted": [o.model_dump() for o in omitted],
        }

    def to_bytes(self) -> bytes:
        """The manifest as written to disk."""
        return json.dumps(self.entries, indent=1, sort_keys=True).encode()
