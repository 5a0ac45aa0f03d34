"""How noisy a call's line is: the spread of its 10 ms frames' energy.

On a quiet line the frames range from the speech's loud syllables down to the line noise in the
pauses; on a noisy line the noise fills the pauses and the spread shrinks. ``NoiseMeter`` keeps a
histogram of the frames' energy (memory the same whatever the call length) and gives the spread
between its ``HIGH_PERCENTILE`` and ``LOW_PERCENTILE``; a line is noisy when that spread is under
``NOISY_SPREAD_DB``. On the tune calls (``tools/evalcalls``, 68 calls of seed 285) the spread was
18-52 dB as made (line noise 15-30 dB under the parties), 14-28 dB with white noise 15 dB under the
caller's speech added, 11-23 dB at 10 dB (74 % of them under 17 dB) and 7-19 dB at 5 dB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redaction.frame_energy import FrameEnergy
from redaction.pauses import FRAME_S  # the pause finder's frames: the engine counts those (``add``)

#: The percentiles whose distance is the spread.
LOW_PERCENTILE, HIGH_PERCENTILE = 10.0, 90.0
#: A line whose spread is under this is noisy. Of seed 285's 68 tune calls as made none was (the
#: least 18.0 dB); of the 816 calls of three tune word sets as made 24 were (their own line noise is
#: 15-30 dB under the parties, and a call with few pauses spreads less).
NOISY_SPREAD_DB = 17.0
#: Fewest frames heard before the spread says anything (10 s).
MIN_FRAMES = 1000
#: The histogram: frames from LOWEST_DBFS (and below) to 0 dBFS in BIN_DB steps.
LOWEST_DBFS, BIN_DB = -120.0, 0.25
_BINS = round(-LOWEST_DBFS / BIN_DB) + 1


@dataclass(frozen=True)
class LineNoise:
    """What the meter said of a call's line: its frames' spread (None: too short to say) and whether
    that made it noisy (the chains of number sounds run on a noisy line only)."""

    spread_db: float | None
    noisy: bool

    def to_dict(self) -> dict[str, object]:
        return {"noise_spread_db": self.spread_db, "noisy": self.noisy}


class NoiseMeter:
    """Feed mono float blocks at ``rate_hz``; ``spread_db()`` and ``noisy`` read the frames so far."""

    def __init__(self, rate_hz: int) -> None:
        self._energy = FrameEnergy(max(1, round(FRAME_S * rate_hz)))
        self._counts = np.zeros(_BINS, dtype=np.int64)

    def feed(self, block: np.ndarray) -> None:
        self.add(self._energy(block))

    def add(self, energy_dbfs: np.ndarray) -> None:
        """Count frames whose energy (dBFS, FRAME_S frames) another reader already has (``pauses.PauseFinder.feed``)."""
        bins = np.clip(np.round((energy_dbfs - LOWEST_DBFS) / BIN_DB), 0, _BINS - 1).astype(np.int64)
        self._counts += np.bincount(bins, minlength=_BINS)

    def spread_db(self) -> float | None:
        """The frames' energy from their LOW_PERCENTILE to their HIGH_PERCENTILE, in dB (to a bin);
        None before MIN_FRAMES frames."""
        total = int(self._counts.sum())
        if total < MIN_FRAMES:
            return None
        cumulative = np.cumsum(self._counts)
        low, high = (int(np.searchsorted(cumulative, total * p / 100.0)) for p in (LOW_PERCENTILE, HIGH_PERCENTILE))
        return (high - low) * BIN_DB

    @property
    def noisy(self) -> bool:
        return self.reading().noisy

    def reading(self) -> LineNoise:
        spread = self.spread_db()
        return LineNoise(spread, spread is not None and spread < NOISY_SPREAD_DB)
