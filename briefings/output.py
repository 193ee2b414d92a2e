"""Output: document bytes → files in the output folder, atomically, one build at a time.

Each file is written to a temporary file in the output folder, synced, then renamed over the
target, so a failed or interrupted build leaves the previous file byte-identical and no debris.
A symlink at a target is replaced, never followed. A lock file refuses a second build into the
same folder while one runs.
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
    _remove_debris(folder)
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
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write bytes to target via a temporary file and a rename; never follows a symlink there."""
    folder = target.parent
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)  # replaces a symlink itself, not what it points to
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"{target}: could not write: {exc.strerror or exc}") from None
        raise
