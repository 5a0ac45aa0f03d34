"""Local file helpers shared by the local store and the local keyring (their atomic writes
go through ``callrec.files``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from callrec.files import fsync_dir

_ZEROS = bytes(1 << 20)


def shred(path: Path) -> None:
    """Overwrite a file with zeros, fsync, unlink it; nothing when it does not exist."""
    try:
        f = open(path, "r+b")
    except FileNotFoundError:
        return
    with f:
        size = os.fstat(f.fileno()).st_size
        while f.tell() < size:
            f.write(_ZEROS[: min(len(_ZEROS), size - f.tell())])
        f.flush()
        os.fsync(f.fileno())
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fsync_dir(path.parent)
