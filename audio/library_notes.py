"""libmpg123's notes on stderr, kept out of the service's own.

libsndfile decodes MP3 through libmpg123, which prints notes on the process's stderr itself
(C's ``fprintf`` on file descriptor 2): ``Note: Illegal Audio-MPEG-Header 0x... Trying to
resync...``, ``[src/libmpg123/parse.c:do_readahead():1083] warning: ...``, for a damaged MP3
and for a file libsndfile only tries as one (a FLAC whose first bytes look like an MPEG frame
sync). A one-shot command's stderr is its one line, a worker's its JSON log lines.

``quiet()`` points descriptor 2 at a file in memory around such a call, then writes back every
line that is not libmpg123's: a line of ours (another thread's log line) written meanwhile comes
out after the call, none is lost. Descriptor 2 is the process's, so one call at a time holds it
(a lock; a call inside another's is inside its capture). Where no file in memory can be made (no
``memfd_create``, no descriptor left) the call runs as it is, its notes on stderr.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

#: A line libmpg123 prints: an error tagged with its source file, a note or a warning (its own
#: words: the service's lines are JSON log lines and ``callrec ...:``, Python's ``file:line: ...Warning``).
_NOTE = re.compile(rb"\[src/libmpg123/|Note: |Warning: |big_values too large!")
_STDERR = 2
_LOCK = threading.RLock()
_held = threading.local()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run the body with libmpg123's lines on stderr dropped and every other line kept."""
    with _LOCK:
        if getattr(_held, "depth", 0):  # inside another call's capture already
            yield
            return
        capture = _capture()
        if capture is None:
            yield
            return
        memory, saved = capture
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            _flush_python_stderr()
            os.dup2(saved, _STDERR)
            os.close(saved)
            _write_back(memory)


def _capture() -> tuple[int, int] | None:
    """Descriptor 2 pointed at a new file in memory: (that file, descriptor 2 as it was), or None."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:
        return None
    _flush_python_stderr()
    try:
        memory = memfd_create("callrec-stderr", os.MFD_CLOEXEC)
    except OSError:
        return None
    try:
        saved = os.dup(_STDERR)
    except OSError:
        os.close(memory)
        return None
    os.dup2(memory, _STDERR)
    return memory, saved


def _write_back(memory: int) -> None:
    """Every line written to the file in memory that is not libmpg123's, on stderr again."""
    try:
        os.lseek(memory, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(memory, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(memory)
    kept = b"".join(line for line in b"".join(chunks).splitlines(keepends=True) if not _NOTE.match(line))
    with contextlib.suppress(OSError):  # stderr closed: nobody reads it
        while kept:
            kept = kept[os.write(_STDERR, kept):]


def _flush_python_stderr() -> None:
    """Python's own buffered stderr written out, on the descriptor it is on now."""
    with contextlib.suppress(Exception):  # closed, replaced or None: nothing buffered to keep in order
        sys.stderr.flush()
