"""Streaming speech-region finder: an energy detector with an adaptive noise floor.

Cuts 8 kHz audio into regions of speech (with a little silence around them) so the
network runs only where someone talks. A region ends after ``END_SILENCE_S`` of quiet, or
at the quietest 10 ms inside its last ``SPLIT_SEARCH_S`` when it reaches ``MAX_REGION_S``,
so memory is bounded by one region whatever the call length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from redaction.pauses import ABSOLUTE_FLOOR_DBFS, FLOOR_RISE_DB_PER_S, SPEECH_OVER_FLOOR_DB
from redaction.speech.features import RATE_HZ

FRAME = RATE_HZ // 100  # 10 ms
#: A frame is speech when it is SPEECH_OVER_FLOOR_DB above a noise floor that follows a drop at once
#: and rises by FLOOR_RISE_DB_PER_S (and above ABSOLUTE_FLOOR_DBFS): the rule the engine's pauses
#: (where the padding of spoken masks stops) are found by, so a region and a pause agree.
#: Silence kept before and after a region, and the quiet that closes one.
PRE_ROLL_S = 0.20
END_SILENCE_S = 0.40
#: Longest region; a longer stretch of speech is split at its quietest frame.
MAX_REGION_S = 8.0
SPLIT_SEARCH_S = 1.5


@dataclass(frozen=True)
class Region:
    """Speech from ``start_s`` (seconds from the audio's start) at 8 kHz."""

    start_s: float
    samples: np.ndarray = field(repr=False)  # audio: never in a repr

    @property
    def end_s(self) -> float:
        return self.start_s + self.samples.size / RATE_HZ


def spoken_s(start_s: float, end_s: float) -> tuple[float, float]:
    """The speech itself in a region from ``start_s`` to ``end_s``: without the PRE_ROLL_S of
    quiet a region keeps on each side (a region split at MAX_REGION_S keeps none at the cut, and
    loses that much speech here: a mask cut to it is padded by more than that)."""
    middle_s = (start_s + end_s) / 2
    return min(start_s + PRE_ROLL_S, middle_s), max(end_s - PRE_ROLL_S, middle_s)


class RegionFinder:
    """Feed 8 kHz blocks, get finished regions; ``finish()`` flushes the last one."""

    def __init__(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)  # < one frame carried between blocks
        self._frame_index = 0  # frames seen so far
        self._floor_dbfs: float | None = None
        self._pre: deque[np.ndarray] = deque(maxlen=round(PRE_ROLL_S * 100))
        self._frames: list[np.ndarray] = []  # current region, 10 ms frames
        self._energy: list[float] = []
        self._region_start = 0  # frame index of the region's first frame
        self._quiet = 0  # trailing non-speech frames in the current region

    @property
    def open_from_s(self) -> float:
        """Earliest start of a region still to come: the open region's start, or the pre-roll."""
        if self._frames:
            return self._region_start * FRAME / RATE_HZ
        return (self._frame_index - len(self._pre)) * FRAME / RATE_HZ

    def feed(self, samples: np.ndarray) -> Iterator[Region]:
        x = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = x.size // FRAME
        self._pending = x[n * FRAME :]
        if n == 0:
            return
        frames = x[: n * FRAME].reshape(n, FRAME)
        energy_dbfs = 10.0 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        for frame, e in zip(frames, energy_dbfs):
            yield from self._step(frame, float(e))

    def finish(self) -> Iterator[Region]:
        if self._frames and self._quiet < len(self._frames):
            yield self._close(len(self._frames))
        self._frames, self._energy = [], []

    def _step(self, frame: np.ndarray, e: float) -> Iterator[Region]:
        rise = FLOOR_RISE_DB_PER_S / 100.0
        self._floor_dbfs = e if self._floor_dbfs is None else min(e, self._floor_dbfs + rise)
        speech = e > max(self._floor_dbfs + SPEECH_OVER_FLOOR_DB, ABSOLUTE_FLOOR_DBFS)
        index = self._frame_index
        self._frame_index += 1
        if not self._frames:
            if speech:
                self._region_start = index - len(self._pre)
                self._frames, self._energy = list(self._pre), [-120.0] * len(self._pre)
                self._frames.append(frame)
                self._energy.append(e)
                self._quiet = 0
                self._pre.clear()
            else:
                self._pre.append(frame)
            return
        self._frames.append(frame)
        self._energy.append(e)
        self._quiet = 0 if speech else self._quiet + 1
        if self._quiet >= round(END_SILENCE_S * 100):
            keep = len(self._frames) - self._quiet + round(PRE_ROLL_S * 100)
            yield self._close(keep)
        elif len(self._frames) >= round(MAX_REGION_S * 100):
            search = round(SPLIT_SEARCH_S * 100)
            cut = len(self._frames) - search + int(np.argmin(self._energy[-search:]))
            rest_frames, rest_energy = self._frames[cut:], self._energy[cut:]
            region = self._close(cut)
            self._region_start = index + 1 - len(rest_frames)
            self._frames, self._energy = rest_frames, rest_energy
            self._quiet = 0
            yield region

    def _close(self, keep: int) -> Region:
        region = Region(self._region_start * FRAME / RATE_HZ, np.concatenate(self._frames[:keep]))
        tail = self._frames[keep:]
        self._frames, self._energy = [], []
        self._pre.clear()
        self._pre.extend(tail[-self._pre.maxlen :] if tail else [])
        return region
