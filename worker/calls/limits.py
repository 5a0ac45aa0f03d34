"""Limits on one call's input, from settings, checked before any work starts.

A manifest may describe a call of any length with any number of events and segments, and a
small file may claim hours of audio at any rate; without limits one bad input fills the
disk or the memory of a worker. Each limit is a setting (README, "Configuration"); past one,
the input is bad (``ManifestError`` naming the field and the limit, exit 2, not retried).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from audio.decode import DecodeLimits
from worker.errors import ManifestError
from worker.calls.manifest import Manifest, Segment
from worker.settings import Settings

#: The derived byte cap of a fetched segment: 16-bit samples, and room for headers and tags.
SEGMENT_SAMPLE_BYTES = 2
SEGMENT_HEADER_BYTES = 64 * 1024
#: The derived byte cap of a provider transcript: room for a short call's fixed parts, and per
#: second of the call many times what the richest real transcripts hold (about 3 KB a second,
#: summaries and alternatives included: the readers' real fixtures). A transcript is read into
#: hundreds of bytes of memory per byte; 18 MB of words on a 4 s recording took 1.3 GB.
TRANSCRIPT_BASE_BYTES = 1_000_000
TRANSCRIPT_BYTES_PER_S = 20_000
#: The settings an audio input's refused rate names.
RATES_SET_BY = "CALLREC_MIN_RATE_HZ, CALLREC_MAX_RATE_HZ"


@dataclass(frozen=True)
class InputLimits:
    """The input limits of ``Settings`` (see there for each one's meaning)."""

    max_call_s: float
    max_events: int
    max_segments: int
    max_manifest_bytes: int
    max_transcript_bytes: int
    max_segment_overrun_s: float
    min_rate_hz: int
    max_rate_hz: int
    max_channels: int
    max_segment_bytes: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        """The limits, each already in its range (checked when the settings loaded)."""
        return cls(settings.max_call_s, settings.max_events, settings.max_segments,
                   settings.max_manifest_bytes, settings.max_transcript_bytes,
                   settings.max_segment_overrun_s, settings.min_rate_hz, settings.max_rate_hz,
                   settings.max_channels, settings.max_segment_bytes)

    def check_manifest(self, manifest: Manifest) -> None:
        """Refuse a manifest beyond the limits (linear in its size)."""
        for name, items, limit, setting in (
                ("events", manifest.events, self.max_events, "MAX_EVENTS"),
                ("controls", manifest.controls, self.max_events, "MAX_EVENTS"),
                ("segments", manifest.segments, self.max_segments, "MAX_SEGMENTS")):
            if len(items) > limit:
                raise ManifestError(f"{name}: {len(items)} given, more than the {limit} allowed "
                                    f"(CALLREC_{setting})")
        if manifest.call_duration_s > self.max_call_s:
            last = max(range(len(manifest.events)), key=lambda i: manifest.events[i].end_s)
            raise ManifestError(f"events[{last}].end: {manifest.call_duration_s:g} s makes the call "
                                f"longer than the longest allowed ({self.max_call_s:g} s, "
                                "CALLREC_MAX_CALL_S)")

    def transcript_bytes(self, duration_s: float, of: str = "call") -> tuple[int, str]:
        """The most bytes a provider transcript of a ``duration_s`` call (or recording: ``of``)
        may hold, and why: ``TRANSCRIPT_BASE_BYTES`` and ``TRANSCRIPT_BYTES_PER_S`` a second of
        it, ``max_transcript_bytes`` at most."""
        derived = TRANSCRIPT_BASE_BYTES + math.ceil(max(duration_s, 0.0) * TRANSCRIPT_BYTES_PER_S)
        if derived >= self.max_transcript_bytes:
            return self.max_transcript_bytes, "CALLREC_MAX_TRANSCRIPT_BYTES"
        return derived, (f"{TRANSCRIPT_BASE_BYTES} bytes and {TRANSCRIPT_BYTES_PER_S} a second of the "
                         f"{duration_s:g} s {of}; CALLREC_MAX_TRANSCRIPT_BYTES at most")

    def audio(self) -> DecodeLimits:
        """What any one audio input may hold (no call to measure it against)."""
        return DecodeLimits(self.max_call_s + self.max_segment_overrun_s, self.min_rate_hz,
                            self.max_rate_hz, self.max_channels,
                            "a recording may last (CALLREC_MAX_CALL_S and CALLREC_MAX_SEGMENT_OVERRUN_S)",
                            RATES_SET_BY)

    def segment_bytes(self, manifest: Manifest, segment: Segment) -> tuple[int, str]:
        """The most bytes ``segment`` may hold when it is fetched, and the setting to name.

        ``max_segment_bytes`` when set; else what the segment's room in the call holds as
        16-bit samples at the highest accepted rate, plus headers (a telephone leg is far
        smaller: 8 kHz stereo is a twelfth of 192 kHz mono)."""
        if self.max_segment_bytes:
            return self.max_segment_bytes, "CALLREC_MAX_SEGMENT_BYTES"
        room_s = self.segment(manifest, segment).max_duration_s
        derived = math.ceil(room_s * self.max_rate_hz) * SEGMENT_SAMPLE_BYTES + SEGMENT_HEADER_BYTES
        return derived, (f"CALLREC_MAX_SEGMENT_BYTES unset: {room_s:g} s of room in the call at up to "
                         f"{self.max_rate_hz} Hz")

    def segment(self, manifest: Manifest, segment: Segment) -> DecodeLimits:
        """What ``segment`` may hold: no more audio than the call has time for after its start
        (plus ``max_segment_overrun_s``), whatever its file claims."""
        room_s = max(manifest.call_duration_s - segment.start_s, 0.0) + self.max_segment_overrun_s
        return DecodeLimits(min(room_s, self.max_call_s + self.max_segment_overrun_s),
                            self.min_rate_hz, self.max_rate_hz, self.max_channels,
                            rates_set_by=RATES_SET_BY)
