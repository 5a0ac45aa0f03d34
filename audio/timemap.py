"""The map between the call's clock and the recording's clock.

A recording is the call with some stretches cut out (hold, queue, paused with ``skip``...)
and tones inserted (the start beep, beeps on resume). Each ``Piece`` is a stretch of call
time that was kept, and where it starts in the recording. Between pieces, call time was
cut (``to_recording_s`` gives None) or recording time was inserted (``to_call_s`` gives None).
Transcripts and redaction reports use both clocks, so both directions are exact.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Tolerance for comparing times that went through sample-frame arithmetic.
EPSILON_S = 1e-9


@dataclass(frozen=True)
class Piece:
    """Call time [call_start_s, call_end_s) plays at recording time recording_start_s on."""

    call_start_s: float
    call_end_s: float
    recording_start_s: float

    @property
    def duration_s(self) -> float:
        return self.call_end_s - self.call_start_s

    @property
    def recording_end_s(self) -> float:
        return self.recording_start_s + self.duration_s


@dataclass(frozen=True)
class TimeMap:
    """Kept pieces of the call in order; times are seconds."""

    pieces: tuple[Piece, ...]
    _call_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _recording_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pieces = tuple(self.pieces)
        for index, piece in enumerate(pieces):
            if not piece.call_end_s > piece.call_start_s or piece.recording_start_s < 0:
                raise ValueError(f"pieces[{index}] is empty or negative: {piece!r}")
            if index:
                before = pieces[index - 1]
                if (piece.call_start_s < before.call_end_s - EPSILON_S
                        or piece.recording_start_s < before.recording_end_s - EPSILON_S):
                    raise ValueError(f"pieces[{index}] overlaps or precedes pieces[{index - 1}]")
        object.__setattr__(self, "pieces", pieces)
        object.__setattr__(self, "_call_starts", tuple(p.call_start_s for p in pieces))
        object.__setattr__(self, "_recording_starts", tuple(p.recording_start_s for p in pieces))

    def __iter__(self) -> Iterator[Piece]:
        return iter(self.pieces)

    @property
    def recorded_call_s(self) -> float:
        """How much call time the recording holds (its length without inserted tones)."""
        return sum(piece.duration_s for piece in self.pieces)

    def to_recording_s(self, call_s: float) -> float | None:
        """Recording time of call time ``call_s``, or None when that moment was cut.

        Pieces are half-open, except that the very end of a piece still maps (to the end
        of its recording stretch) when no piece starts there.
        """
        index = bisect.bisect_right(self._call_starts, call_s + EPSILON_S) - 1
        if index < 0:
            return None
        piece = self.pieces[index]
        if call_s <= piece.call_end_s + EPSILON_S:
            return piece.recording_start_s + max(0.0, call_s - piece.call_start_s)
        return None

    def to_call_s(self, recording_s: float) -> float | None:
        """Call time heard at recording time ``recording_s``, or None inside an inserted tone."""
        index = bisect.bisect_right(self._recording_starts, recording_s + EPSILON_S) - 1
        if index < 0:
            return None
        piece = self.pieces[index]
        if recording_s <= piece.recording_end_s + EPSILON_S:
            return piece.call_start_s + max(0.0, recording_s - piece.recording_start_s)
        return None

    def call_span_to_recording(self, start_s: float, end_s: float) -> tuple[tuple[float, float], ...]:
        """The recording-time stretches that hold call time [start_s, end_s) (cut parts dropped)."""
        spans = []
        for piece in self.pieces:
            lo, hi = max(start_s, piece.call_start_s), min(end_s, piece.call_end_s)
            if hi > lo:
                offset = piece.recording_start_s - piece.call_start_s
                spans.append((lo + offset, hi + offset))
        return tuple(spans)

    def recording_span_to_call(self, start_s: float, end_s: float) -> tuple[tuple[float, float], ...]:
        """The call-time stretches heard in recording time [start_s, end_s) (tones dropped)."""
        spans = []
        for piece in self.pieces:
            lo = max(start_s, piece.recording_start_s)
            hi = min(end_s, piece.recording_end_s)
            if hi > lo:
                offset = piece.call_start_s - piece.recording_start_s
                spans.append((lo + offset, hi + offset))
        return tuple(spans)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"pieces": [{"call_start_s", "call_end_s", "recording_start_s"}]}``."""
        return {"pieces": [{"call_start_s": p.call_start_s, "call_end_s": p.call_end_s,
                            "recording_start_s": p.recording_start_s} for p in self.pieces]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TimeMap:
        """Inverse of ``to_dict``; raises ValueError on a malformed map."""
        try:
            return cls(tuple(Piece(float(p["call_start_s"]), float(p["call_end_s"]),
                                   float(p["recording_start_s"])) for p in data["pieces"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a time map: {exc!r}") from exc
