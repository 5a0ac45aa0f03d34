"""A text progress bar for batches: done, failed, rate and ETA, redrawn in place on a TTY."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from worker.queue.records import BatchProgress

#: Width of the bar in characters.
BAR_CHARS = 30


def render(progress: BatchProgress, rate_per_s: float | None) -> str:
    """``[#####-----]  50.0%  100/200 done  0 failed  12.5/s  ETA 0:00:08``."""
    finished = progress.done + progress.failed
    fraction = 1.0 if progress.total == 0 else min(finished / progress.total, 1.0)
    filled = round(fraction * BAR_CHARS)
    bar = "#" * filled + "-" * (BAR_CHARS - filled)
    remaining = max(progress.total - finished, 0)
    if remaining == 0:
        eta = "0:00:00"
    elif rate_per_s:
        eta = _clock(remaining / rate_per_s)
    else:
        eta = "?"
    rate = f"{rate_per_s:.1f}/s" if rate_per_s is not None else "-/s"
    return (f"[{bar}] {100 * fraction:5.1f}%  {progress.done}/{progress.total} done  "
            f"{progress.failed} failed  {rate}  ETA {eta}")


def watch(read: Callable[[], BatchProgress], out: TextIO, *, interval_s: float = 0.5,
          timeout_s: float | None = None, clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> BatchProgress:
    """Redraw the bar until every recording is done or failed (or ``timeout_s`` passes)."""
    start = clock()
    first = read()
    tty = out.isatty()
    progress = first
    shown = None
    while True:
        elapsed = clock() - start
        handled = (progress.done + progress.failed) - (first.done + first.failed)
        rate = handled / elapsed if elapsed > 0 and handled > 0 else None
        counts = (progress.done, progress.failed, progress.total)
        if tty or counts != shown or progress.finished:  # a log file gets a line per change
            line = render(progress, rate)
            out.write(("\r" + line) if tty else (line + "\n"))
            out.flush()
            shown = counts
        if progress.finished or (timeout_s is not None and elapsed >= timeout_s):
            break
        sleep(interval_s)
        progress = read()
    if tty:
        out.write("\n")
    return progress


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
