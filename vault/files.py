"""Local file helpers shared by the local store and the local keyring (their atomic writes
go through ``callrec.files``)."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from callrec.files import fsync_dir

_ZEROS = bytes(1 << 20)


def shred(path: Path) -> None:
    """Overwrite a file with zeros, fsync, unlink it; nothing when it does not exist. A symlink
    is unlinked, its target never followed (nobody's to zero here)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
    else:
        try:
            zero(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fsync_dir(path.parent)


def zero(fd: int, size: int) -> None:
    """Overwrite the first ``size`` bytes of the open file ``fd`` with zeros and fsync it."""
    done = 0
    while done < size:
        done += os.pwrite(fd, _ZEROS[: min(len(_ZEROS), size - done)], done)
    os.fsync(fd)
