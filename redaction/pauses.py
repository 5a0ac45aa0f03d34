"""Pauses in a call, where the padding of a mask of spoken card data stops.

A recognizer times words loosely, so a mask of spoken data is padded by up to
``RedactionConfig.speech_pad_ms`` on each side on top of the padding every detection gets, ``pad_before_ms`` and
``pad_after_ms`` (0.3 s before, 0.25 s after). Where that padding reaches across a pause into the speech beyond it (the
caller's "Yes," a quarter of a second before the digits, the agent's "thank you" after them),
it stops MARGIN_S into the pause: the digit a mask holds is sound up to the pause, what lies
past the pause is other speech. Where no pause lies within reach (a digit still sounding at the
mask's edge, digits read without a break), the padding is whole.

A pause is MIN_PAUSE_S or more of quiet: 10 ms frames no louder than SPEECH_OVER_FLOOR_DB over an
adaptive noise floor that follows a drop at once and rises by FLOOR_RISE_DB_PER_S (the speech
regions' energy detector's rule, ``redaction.speech.regions``, at any sample rate). Streaming:
a call's pauses are a few per second of speech, whatever its length.

Measured (session 42: pass-1 masks rescored on eight tune word sets, dev 259-262, 265-266,
273-276, 277-280, generated 255-258, 263-264, 267-268, 277-280; 20,673 sensitive digits in their
card calls): with the padding as it was (``speech_pad_ms`` 150: 0.3 s before, 0.25 s after) the stop
masks 0.5 to 0.75 point less other speech in card calls on every set (dev 273-276 7.14 -> 6.40 %,
generated 277-280 12.50 -> 11.54 %) and 41 fewer digits (19,889 -> 19,848). A longer reach with the stop
masked more digits for the same other speech on the tune sets (350 ms: 19,924) but, held out (seeds
100-102), 2 more digits of 1,922 for 0.3 to 0.5 point more other speech: not kept (the stop only ever
shortens the padding as it was). Pauses of 0.08 or 0.15 s, margins of 0.06 or 0.18 s and an edge
stopped only by 0.12 s of pause within its reach measured no better (docs/measurements.md, session 42).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from redaction.frame_energy import FrameEnergy

FRAME_S = 0.01
#: A frame is speech when it is this far above the noise floor (and above ABSOLUTE_FLOOR_DBFS).
SPEECH_OVER_FLOOR_DB = 9.0
#: Quieter than this is never speech: about the level of an idle digital line.
ABSOLUTE_FLOOR_DBFS = -65.0
#: The noise floor follows a drop at once and rises by this much per second (min statistics).
FLOOR_RISE_DB_PER_S = 3.0
#: The shortest quiet that parts two sounds (a stop consonant's closure inside a digit is shorter).
MIN_PAUSE_S = 0.12
#: How far into a pause a padded edge reaches (a soft onset or ending under the floor's margin).
MARGIN_S = 0.12


class PauseFinder:
    """Feed mono blocks at ``rate_hz``; ``pauses_s()`` gives the (start_s, end_s) of each pause so far."""

    def __init__(self, rate_hz: int) -> None:
        self.hop = max(1, round(FRAME_S * rate_hz))
        self.frame_s = self.hop / rate_hz
        self._energy = FrameEnergy(self.hop)
        self._frames = 0  # frames seen
        self._floor_dbfs = float("inf")  # the floor after the last frame seen (none yet: none)
        self._quiet_from: int | None = None  # first frame of the quiet run still open
        self._pauses: list[tuple[int, int]] = []  # frames [start, end) of each closed pause
        self._min_frames = max(1, round(MIN_PAUSE_S / self.frame_s))

    def feed(self, block: np.ndarray) -> np.ndarray:
        """Take ``block``; return the energy (dBFS) of the frames it completed, for other readers of
        the same frames (``line_noise.NoiseMeter.add``)."""
        energy_dbfs = self._energy(block)
        n = energy_dbfs.size
        if n == 0:
            return energy_dbfs
        # floor[i] = min(e[i], floor[i-1] + rise): the least of each e[j] risen by (i - j) frames
        rise = FLOOR_RISE_DB_PER_S * self.frame_s
        steps = np.arange(n) * rise
        floor = np.minimum(np.minimum.accumulate(energy_dbfs - steps) + steps, self._floor_dbfs + steps + rise)
        self._floor_dbfs = float(floor[-1])
        quiet = ~(energy_dbfs > np.maximum(floor + SPEECH_OVER_FLOOR_DB, ABSOLUTE_FLOOR_DBFS))
        if self._quiet_from is not None and not quiet[0]:  # the run open at the last block's end ended there
            self._close(self._quiet_from, self._frames)
            self._quiet_from = None
        edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
        for start, end in zip(edges[::2].tolist(), edges[1::2].tolist()):
            first = self._quiet_from if start == 0 and self._quiet_from is not None else self._frames + start
            self._quiet_from = None
            if end == n:  # still quiet at the block's end: open
                self._quiet_from = first
            else:
                self._close(first, self._frames + end)
        self._frames += n
        return energy_dbfs

    def pauses_s(self) -> tuple[tuple[float, float], ...]:
        """Each pause so far, a quiet run still open at the end included, in seconds, in order."""
        frames = list(self._pauses)
        if self._quiet_from is not None and self._frames - self._quiet_from >= self._min_frames:
            frames.append((self._quiet_from, self._frames))
        return tuple((a * self.frame_s, b * self.frame_s) for a, b in frames)

    def _close(self, start: int, end: int) -> None:
        if end - start >= self._min_frames:
            self._pauses.append((start, end))


def padded_s(start_s: float, end_s: float, pauses_s: Sequence[tuple[float, float]],
             before_s: float, after_s: float) -> tuple[float, float]:
    """``start_s``-``end_s`` padded by up to ``before_s`` before and ``after_s`` after, each edge
    stopping MARGIN_S into the nearest pause within its reach (``pauses_s``: in order, apart; an
    edge inside a pause reaches MARGIN_S on); never inside ``start_s``-``end_s``."""
    new_start_s = start_s - before_s
    k = bisect_left(pauses_s, start_s, key=lambda p: p[0]) - 1  # the last pause to begin before the data
    if k >= 0 and pauses_s[k][1] > new_start_s:
        new_start_s = max(new_start_s, min(pauses_s[k][1], start_s) - MARGIN_S)
    new_end_s = end_s + after_s
    k = bisect_right(pauses_s, end_s, key=lambda p: p[1])  # the first pause to end after the data
    if k < len(pauses_s) and pauses_s[k][0] < new_end_s:
        new_end_s = min(new_end_s, max(pauses_s[k][0], end_s) + MARGIN_S)
    return max(0.0, min(new_start_s, start_s)), max(new_end_s, end_s)
