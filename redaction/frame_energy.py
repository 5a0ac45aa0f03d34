"""The energy of fixed frames of a stream of blocks, in dBFS: what the pause finder and the line's
noise meter read (``pauses``, ``line_noise``)."""

from __future__ import annotations

import numpy as np


class FrameEnergy:
    """Feed mono blocks; each call gives the energy (dBFS) of the whole frames of ``hop`` samples
    completed so far, carrying the samples of a frame not yet complete to the next block."""

    def __init__(self, hop: int) -> None:
        self.hop = hop
        self._rest = np.zeros(0, dtype=np.float64)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._rest, np.asarray(block, dtype=np.float64).reshape(-1)])
        n = x.size // self.hop
        self._rest = x[n * self.hop :]
        return 10.0 * np.log10(np.mean(x[: n * self.hop].reshape(n, self.hop) ** 2, axis=1) + 1e-12)
