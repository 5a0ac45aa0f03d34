"""The masker: replaces masked intervals with a tone, silence or comfort noise, block by block.

The fill is a function of the absolute sample index, so any block size gives the same
output; short raised-cosine ramps at both ends of every interval avoid clicks. Outside the
intervals the block is returned untouched (the same values, bit for bit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from redaction.spans import MaskInterval

MODES = ("tone", "silence", "noise")
#: The mask tone: one frequency, so it can never read as a DTMF pair; well clear of the
#: 1400 Hz recording beep.
TONE_HZ = 1000.0
TONE_DBFS = -20.0
#: Comfort noise: white noise, quiet, like an open line.
NOISE_DBFS = -50.0
RAMP_MS = 5.0
_NOISE_TABLE = 1 << 16


class Masker:
    """Applies a mask plan to consecutive blocks of ``(frames, channels)`` samples."""

    def __init__(
        self,
        intervals: Sequence[MaskInterval],
        rate_hz: int,
        *,
        mode: str = "tone",
        ramp_ms: float = RAMP_MS,
        tone_hz: float = TONE_HZ,
        tone_dbfs: float = TONE_DBFS,
        noise_dbfs: float = NOISE_DBFS,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mask mode must be one of {MODES}, got {mode!r}")
        self.intervals = tuple(sorted(intervals, key=lambda i: i.start))
        self.rate_hz = rate_hz
        self.mode = mode
        self.ramp = max(1, round(ramp_ms / 1000.0 * rate_hz))
        self.tone_hz = tone_hz
        self.tone_amplitude = 10.0 ** (tone_dbfs / 20.0)
        rng = np.random.default_rng(20240521)
        # Uniform noise with the RMS of NOISE_DBFS (full-scale sine reference).
        rms = 10.0 ** (noise_dbfs / 20.0) / np.sqrt(2.0)
        self._noise = rng.uniform(-1.0, 1.0, _NOISE_TABLE) * rms * np.sqrt(3.0)
        self._next = 0  # first interval that may still overlap the coming blocks

    def apply(self, block: np.ndarray, offset: int) -> np.ndarray:
        """Masked copy of ``block`` whose first frame is sample ``offset`` of the stream."""
        end = offset + len(block)
        while self._next < len(self.intervals) and self.intervals[self._next].end <= offset:
            self._next += 1
        out = block
        for interval in self.intervals[self._next :]:
            if interval.start >= end:
                break
            lo, hi = max(interval.start, offset), min(interval.end, end)
            if out is block:
                out = block.copy()
            index = np.arange(lo, hi)
            gain = self._gain(index, interval)
            fill = self._fill(index)
            segment = out[lo - offset : hi - offset]
            if segment.ndim == 2:
                gain, fill = gain[:, None], fill[:, None]
            out[lo - offset : hi - offset] = segment * (1.0 - gain) + fill * gain
        return out

    def _gain(self, index: np.ndarray, interval: MaskInterval) -> np.ndarray:
        ramp = min(self.ramp, max(1, (interval.end - interval.start) // 2))
        rise = np.clip((index - interval.start + 1) / ramp, 0.0, 1.0)
        fall = np.clip((interval.end - index) / ramp, 0.0, 1.0)
        return 0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall))

    def _fill(self, index: np.ndarray) -> np.ndarray:
        if self.mode == "tone":
            return self.tone_amplitude * np.sin(2.0 * np.pi * self.tone_hz * index / self.rate_hz)
        if self.mode == "noise":
            return self._noise[index % _NOISE_TABLE]
        return np.zeros(len(index))


class ChannelMasker:
    """Applies one ``Masker`` per channel to ``(frames, channels)`` blocks (channel ``c`` to
    ``maskers[c]``), or a single masker to every channel."""

    def __init__(self, maskers: Sequence[Masker]) -> None:
        if not maskers:
            raise ValueError("ChannelMasker needs at least one Masker")
        self.maskers = tuple(maskers)

    def apply(self, block: np.ndarray, offset: int) -> np.ndarray:
        if len(self.maskers) == 1:
            return self.maskers[0].apply(block, offset)
        if block.ndim != 2 or block.shape[1] != len(self.maskers):
            raise ValueError(f"a plan for {len(self.maskers)} channels cannot mask a block of shape {block.shape}")
        out = np.empty_like(block)
        for channel, masker in enumerate(self.maskers):
            out[:, channel] = masker.apply(block[:, channel], offset)
        return out
