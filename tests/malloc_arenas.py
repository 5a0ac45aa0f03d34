"""glibc's malloc arenas counted in a child process (``malloc_info``'s heaps): each new thread got an
arena of its own, which kept what it freed (the lookahead's threads: 503 MB of peak RSS on the
ordinary 6-minute call of bench/pipeline.py against 377 MB)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile


def arenas() -> int:
    """The arenas of this process (run in the child)."""
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    with tempfile.TemporaryDirectory() as temp:
        path = os.path.join(temp, "info.xml")
        stream = libc.fopen(path.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        with open(path) as info:
            return info.read().count("<heap nr=")


def before_and_after(probe: str, *args: str) -> tuple[int, int]:
    """The two counts ``probe`` prints (Python source run in a child from the repository's root,
    ``arenas`` imported for it)."""
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": "."}
    done = subprocess.run([sys.executable, "-c", "from tests.malloc_arenas import arenas\n" + probe, *args],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    before, after = map(int, done.stdout.split())
    return before, after
