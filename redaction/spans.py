"""Spans to mask and the planner that merges them.

A detector sees a tone or a word only after it has started and its reported edges are
estimates, so the engine pads every span, more before its onset than after its end
(``engine._padded``); the planner clips them to the audio and merges overlapping or nearly
touching spans into one masked interval.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

from callrec.intervals import union

#: How sensitive data was conveyed.
KEYED, SPOKEN = "keyed", "spoken"


class Source(enum.Enum):
    """Which kind of detector found a detection. Code decides by this (the engine pads
    what a recognizer heard more); ``Detection.detector`` is the detector's name in reports and
    metadata ("dtmf", "recognizer:whisper", "transcript:aws", "transcript:aws-redaction")."""

    DTMF = "dtmf"  #: the DTMF receiver: keyed digits
    RECOGNIZER = "recognizer"  #: a speech recognizer listening to the audio
    TRANSCRIPT = "transcript"  #: a transcript's timed words, or the text of an untimed segment
    PROVIDER_REDACTION = "provider-redaction"  #: what the transcription provider redacted
    VERIFICATION = "verification"  #: a region verification masked whole
#: Spans closer than this are masked as one (no 20 ms of audio between two masks).
MERGE_GAP_S = 0.05
#: Seconds times rate lands a hair off whole samples (1.2 * 1000 = 1200.0000000000002).
_EPS = 1e-6


@dataclass(frozen=True)
class Detection:
    """Something to mask: where, how it was conveyed, what it is, who found it, how sure.

    ``kind`` is keyed or spoken; ``entity`` is card_number, expiry, security_code or
    keyed_digit; ``detector`` is e.g. "dtmf", "transcript:aws" or "recognizer:builtin" (the
    name reports give); ``source`` is the kind of detector, for code to decide by;
    ``channel``: the one channel of a dual-channel recording that said it (None: every channel).
    """

    start_s: float
    end_s: float
    kind: str
    entity: str
    detector: str
    confidence: float
    source: Source
    channel: int | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "kind": self.kind,
            "entity": self.entity,
            "detector": self.detector,
            "confidence": round(self.confidence, 3),
        }
        if self.channel is not None:
            out["channel"] = self.channel
        return out


@dataclass(frozen=True)
class MaskInterval:
    """Samples ``start`` to ``end`` (exclusive) are masked."""

    start: int
    end: int

    def seconds(self, rate_hz: int) -> tuple[float, float]:
        return self.start / rate_hz, self.end / rate_hz


def plan(detections: Iterable[Detection], *, rate_hz: int, length: int) -> tuple[MaskInterval, ...]:
    """The sample intervals of ``detections`` (padded already: ``engine._padded``), clipped to
    ``[0, length)``, merged and sorted."""
    raw = []
    for d in detections:
        start = max(0, math.floor(d.start_s * rate_hz + _EPS))
        end = min(length, math.ceil(d.end_s * rate_hz - _EPS))
        if end > start:
            raw.append((start, end))
    return _merged(raw, round(MERGE_GAP_S * rate_hz))


def _merged(intervals: Iterable[tuple[int, int]], gap: int = 0) -> tuple[MaskInterval, ...]:
    """Sample ``intervals`` sorted, those at most ``gap`` samples apart (or overlapping) made one."""
    return tuple(MaskInterval(start, end) for start, end in union(intervals, gap))


def covered(start_s: float, end_s: float, intervals: Iterable[MaskInterval], rate_hz: int, length: int) -> bool:
    """True when ``[start_s, end_s]``, clipped to the ``length`` samples, lies inside one
    masked interval, or wholly past the end (a transcript word within the end tolerance:
    there is no audio of it to mask)."""
    start = min(max(0, math.floor(start_s * rate_hz + _EPS)), length)
    end = min(math.ceil(end_s * rate_hz - _EPS), length)
    if start >= length:
        return True
    return any(i.start <= start and end <= i.end for i in intervals)


@dataclass(frozen=True)
class ChannelPlan:
    """What to mask on each channel: ``by_channel[c]`` on channel ``c``, or, with one entry,
    the same intervals on every channel (a mono recording, or channels heard as one mix)."""

    by_channel: tuple[tuple[MaskInterval, ...], ...]

    @property
    def separate(self) -> bool:
        return len(self.by_channel) > 1

    def on(self, channel: int) -> tuple[MaskInterval, ...]:
        return self.by_channel[channel if self.separate else 0]

    @property
    def anywhere(self) -> tuple[MaskInterval, ...]:
        """Samples masked on at least one channel (the report's ``masked``)."""
        if not self.separate:
            return self.by_channel[0]
        return _merged((i.start, i.end) for intervals in self.by_channel for i in intervals)

    def covers(self, detection: Detection, rate_hz: int, length: int) -> bool:
        """``detection`` lies inside a masked interval on its channel (on every channel when
        it has none)."""
        channels = range(len(self.by_channel)) if detection.channel is None or not self.separate else [detection.channel]
        return all(covered(detection.start_s, detection.end_s, self.on(c), rate_hz, length) for c in channels)


def plan_channels(detections: Iterable[Detection], channels: int, **planning: object) -> ChannelPlan:
    """``plan`` on each of ``channels`` channels of what it said, or what no channel alone said
    (``Detection.channel`` None); one plan for them all when no detection is one channel's."""
    detections = list(detections)
    if channels <= 1 or all(d.channel is None for d in detections):
        return ChannelPlan((plan(detections, **planning),))  # type: ignore[arg-type]
    return ChannelPlan(tuple(plan([d for d in detections if d.channel in (None, c)], **planning)  # type: ignore[arg-type]
                             for c in range(channels)))
