"""Output files that appear complete or not at all: temp file beside the target, fsync,
rename; the temp file is removed on any failure."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from worker.errors import WorkerError


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Yield a file to write ``path`` through (``mode`` "w" for UTF-8 text, "wb" for bytes).

    An ``OSError`` (disk full, no permission) becomes a ``WorkerError`` naming ``path``;
    any other exception propagates unchanged. Either way ``path`` is left as it was.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WorkerError(f"{path}: cannot write ({exc.strerror})") from exc
    try:
        with os.fdopen(handle, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException as exc:
        Path(name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WorkerError(f"{path}: cannot write ({exc.strerror})") from exc
        raise
