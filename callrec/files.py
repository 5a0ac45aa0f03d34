"""Files that appear whole or not at all: the one write-to-temp-then-rename in callrec.

A :class:`Replacement` is a temporary file beside its target (same directory, so the rename
never crosses a filesystem). Write it, then ``commit()``: the file is fsynced, renamed over
the target (``os.replace`` is atomic) and the directory fsynced, so a reader, a crash or a
power cut finds the old file or the whole new one, never a part. ``discard()`` (or any
exception inside its ``with`` block) removes it and leaves the target as it was; a writer
killed part way leaves it (``leftovers``). :func:`replaced` is the same for a caller that
writes through one open file, and there the file has no name until it is whole (``O_TMPFILE``
on Linux), so a killed writer leaves nothing at all.

Every layer writes files through this (audio's writers, the redaction engine's output, the
local vault's objects and keyring, the worker's outputs); it lives in ``callrec``, below
them all, because the layers may not import each other for it. It raises ``OSError`` as the
system gives it: each caller words it as its own error. The local vault's create-only
commit (``link``, which fails when the name exists) is another protocol and stays there.
"""

from __future__ import annotations

import contextlib
import errno
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
    ``target`` whole when the block ends normally, and is removed when it raises.

    Where the system has them (Linux), the file has no name while it is written
    (``O_TMPFILE``): a writer killed part way (SIGKILL, a power cut) leaves nothing behind, no
    hidden half-written copy of what it wrote (a decrypted export, a keyring's plaintext). It is
    given a temporary name only once written and fsynced, and renamed over ``target`` at once
    (where a sandbox refuses that naming, it is copied to a named one then). Elsewhere it is a
    :class:`Replacement`'s named temporary file."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    target = Path(target)
    handle = _unnamed(target.parent)
    if handle is None:
        with Replacement(target, prefix=prefix, suffix=suffix) as temp:
            with open(temp.path, mode, **_encoding(mode)) as out:
                yield out
        return
    with open(handle, f"{mode}+", **_encoding(mode)) as out:  # readable too: _copied
        yield out
        out.flush()
        os.fsync(out.fileno())
        name = target.with_name(f"{prefix or f'.{target.name}.'}{os.urandom(6).hex()}{suffix}")
        directory = os.open(target.parent, os.O_RDONLY)
        try:  # linkat(AT_SYMLINK_FOLLOW): a dir fd makes Python call linkat, not link
            os.link(f"/proc/self/fd/{out.fileno()}", name.name, dst_dir_fd=directory, follow_symlinks=True)
        except OSError as exc:
            if exc.errno not in _UNLINKABLE:
                raise
            _copied(out.fileno(), Replacement(target, prefix=prefix, suffix=suffix))
            return
        finally:
            os.close(directory)
    try:
        os.replace(name, target)
    except BaseException:
        name.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


#: What naming an unnamed file through /proc fails with in a sandbox that refuses it (no
#: CAP, a /proc mounted without the process's fds, a seccomp filter): a named copy instead.
_UNLINKABLE = frozenset({errno.EPERM, errno.EACCES, errno.ENOENT, errno.ENOSYS, errno.EOPNOTSUPP})

_COPY_BYTES = 1 << 20


def _copied(handle: int, temp: Replacement) -> None:
    """The unnamed file open as ``handle``, copied whole into ``temp`` and committed (only
    where it cannot be linked in: for the copy's time it has a name, as without O_TMPFILE)."""
    with temp, open(temp.path, "wb") as copy:
        offset = 0
        while block := os.pread(handle, _COPY_BYTES, offset):
            copy.write(block)
            offset += len(block)


def _unnamed(directory: Path) -> int | None:
    """A new file with no name in ``directory``, open for writing and reading, mode 0600 (``O_TMPFILE``);
    None where the system or the filesystem has no such files (then a named one is used)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, flag | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # a filesystem (or kernel) without unnamed files
        raise


def _encoding(mode: str) -> dict[str, str]:
    return {"encoding": "utf-8"} if mode == "w" else {}


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
