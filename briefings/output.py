"""Output: document bytes → files in the output folder, atomically, one build at a time.

Each file is written to a temporary file in the output folder, synced, then renamed over the
target, so a failed or interrupted build leaves the previous file byte-identical and no debris.
A build's files are staged together and renamed only once all of them are on disk, so a full
disk or an interrupt halfway keeps every previous file. A symlink at a target is replaced, never
followed. A lock file refuses a second build into the same folder while one runs.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError

LOCK_NAME = ".briefing-build.lock"
_HELD: set[int] = set()  # lock descriptors this process holds
TEMP_PREFIX = ".briefing-tmp-"


def prepare_output(folder: Path) -> Path:
    """Create the output folder if needed and check it is a writable folder."""
    if folder.is_symlink() and not folder.exists():
        raise OutputError(f"{folder}: the output folder is a broken symlink")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder; choose another -o")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: the output folder is not writable")
    return folder


def _remove_debris(folder: Path) -> None:
    """Remove temporary files a killed build left behind (only ours, by prefix)."""
    for stray in folder.glob(TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            stray.unlink()


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's build lock; refuse if another build holds it."""
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot open the build lock: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    f"{folder}: another build is writing to this folder; wait for it to finish"
                ) from None
            raise
        _remove_debris(folder)  # only under the lock: unlocked, they may be a live build's files
        _HELD.add(fd)
        try:
            yield
        finally:
            _HELD.discard(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def release_inherited_locks() -> None:
    """In a forked worker: close the parent's lock descriptors, so the lock dies with the parent
    (an flock is held while any copy of its descriptor is open)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def write_atomic(target: Path, data: bytes) -> None:
    """Write bytes to target via a temporary file and a rename; never follows a symlink there."""
    write_files({target: data})


def write_files(files: dict[Path, bytes]) -> None:
    """Write several files as a set: stage every one in a temporary file, then rename them all."""
    for target in files:
        if target.is_dir() and not target.is_symlink():
            raise OutputError(f"{target}: is a folder where an output file goes; remove it")
    staged: list[tuple[str, Path]] = []
    current = next(iter(files), Path())
    try:
        for current, data in files.items():
            staged.append((_stage(current, data), current))
        while staged:
            temp, current = staged[0]
            os.replace(temp, current)  # replaces a symlink itself, not what it points to
            staged.pop(0)
    except BaseException as exc:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"{current}: could not write: {exc.strerror or exc}") from None
        raise


def _stage(target: Path, data: bytes) -> str:
    """Write data to a synced temporary file beside target; return its path."""
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp
