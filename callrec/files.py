"""Files that appear whole or not at all: the one write-to-temp-then-rename in callrec.

A :class:`Replacement` is a temporary file beside its target (same directory, so the rename
never crosses a filesystem). Write it, then ``commit()``: the file is fsynced, renamed over
the target (``os.replace`` is atomic) and the directory fsynced, so a reader, a crash or a
power cut finds the old file or the whole new one, never a part. ``discard()`` (or any
exception inside its ``with`` block) removes it and leaves the target as it was.
:func:`replaced` is the same for a caller that writes through one open file.

Every layer writes files through this (audio's writers, the redaction engine's output, the
local vault's objects and keyring, the worker's outputs); it lives in ``callrec``, below
them all, because the layers may not import each other for it. It raises ``OSError`` as the
system gives it: each caller words it as its own error. The local vault's create-only
commit (``link``, which fails when the name exists) is another protocol and stays there.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class Replacement:
    """``with Replacement(target) as temp:`` write ``temp.path``; it becomes ``target`` when
    the block ends normally (``commit()``), and is removed when it raises (``discard()``).

    The temporary name is ``prefix + random + suffix`` (default ``.<target name>.<random>.tmp``,
    hidden); the file is created empty, readable and writable by its owner only.
    """

    def __init__(self, target: str | os.PathLike[str], *, prefix: str | None = None, suffix: str = ".tmp"):
        self.target = Path(target)
        handle, name = tempfile.mkstemp(dir=self.target.parent, prefix=prefix or f".{self.target.name}.",
                                        suffix=suffix)
        os.close(handle)
        self.path = Path(name)
        self._open = True

    def sync(self) -> None:
        """Write the file down (fsync) without making it the target yet."""
        with open(self.path, "rb") as written:
            os.fsync(written.fileno())

    def commit(self) -> None:
        """Make the written file ``target``, durably; on failure it is removed (OSError)."""
        if not self._open:
            raise ValueError(f"{self.target}: replacement already committed or discarded")
        try:
            self.sync()
            os.replace(self.path, self.target)
        except BaseException:
            self.discard()
            raise
        self._open = False
        fsync_dir(self.target.parent)

    def discard(self) -> None:
        """Remove the temporary file (nothing when it is already gone or committed)."""
        if self._open:
            self._open = False
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> Replacement:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


@contextlib.contextmanager
def replaced(target: str | os.PathLike[str], mode: str = "wb", *, prefix: str | None = None,
             suffix: str = ".tmp") -> Iterator[IO[Any]]:
    """Yield a file open for writing (``"wb"``, or ``"w"`` for UTF-8 text) that replaces
    ``target`` whole when the block ends normally, and is removed when it raises."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    with Replacement(target, prefix=prefix, suffix=suffix) as temp:
        with open(temp.path, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as out:
            yield out


def leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """The temporary files of ``Replacement(target)`` (default names) whose writer died before
    committing or discarding them."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.") and p.name.endswith(".tmp")]


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or unlink in the directory ``path`` durable."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
