"""The union of intervals: ``(start, end)`` spans, those that overlap or lie at most ``gap``
apart made one, in order.

Audio joins a call's pauses (``audio.beep``), redaction its masked sample intervals
(``redaction.spans``), the worker the masked seconds of two redactions (``worker.calls.metadata``).
The layers may not import each other for it, so it lives here, below them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

Number = TypeVar("Number", int, float)


def union(spans: Iterable[tuple[Number, Number]], gap: Number = 0) -> list[tuple[Number, Number]]:
    """``spans`` sorted, each that starts at most ``gap`` after the end of those before it
    (overlapping, touching) joined to them. Empty spans are kept as any other."""
    joined: list[tuple[Number, Number]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1] + gap:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined
