"""A recording's waveform outline: the lowest and highest sample of each of ``columns``
equal stretches of the file, mixed to mono, read as a stream (for drawing, e.g. the review page)."""

from __future__ import annotations

import os

import soundfile


def waveform_peaks(path: str | os.PathLike[str], columns: int) -> list[list[float]]:
    """``[min, max]`` (float, rounded to 3 places) of each stretch of ``-(-frames // columns)``
    frames; fewer than ``columns`` pairs when the file is short, none when it is empty."""
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns!r}")
    info = soundfile.info(str(path))
    per = max(1, -(-info.frames // columns))
    found = []
    for block in soundfile.blocks(str(path), blocksize=per, dtype="float32", always_2d=True):
        mono = block.mean(axis=1)
        found.append([round(float(mono.min()), 3), round(float(mono.max()), 3)])
    return found
