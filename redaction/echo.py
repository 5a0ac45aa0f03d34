"""How much of one channel of a recording is an echo of another, second by second.

A dual-channel call leg's agent channel may carry the caller's voice fed back (a headset's
microphone picking up its earpiece, a line's hybrid echo): a delayed, scaled and somewhat
filtered copy, often tens of dB down and at or under the channel's own line noise, but heard.
``EchoMeter`` takes the channels' blocks as they stream and keeps, for each whole second
(``BLOCK_S``) and each ordered pair of channels, the largest normalised cross-correlation of
the first with the second up to ``MAX_LAG_S`` later: 1.0 for an exact copy at any level, about
0.5 for a copy 5 dB under the second channel's own noise, a few hundredths for independent
sound (the other party talking, line noise). Two floats a second per pair.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

#: The correlation is measured over blocks of this long (the last, shorter one too).
BLOCK_S = 1.0
#: ... with the second channel up to this much later (a line's or a headset's echo path).
MAX_LAG_S = 0.3


class EchoMeter:
    """Cross-correlation of each ordered pair of ``channels`` per BLOCK_S (module docstring),
    fed (frames, channels) blocks of any size."""

    def __init__(self, rate_hz: int, channels: int) -> None:
        self.block = max(1, round(BLOCK_S * rate_hz))
        self.block_s = self.block / rate_hz
        self.lags = round(MAX_LAG_S * rate_hz)
        self.pairs = list(permutations(range(channels), 2))
        self._fft = 1 << int(np.ceil(np.log2(self.block + self.lags)))
        self._rest = np.zeros((0, channels))
        self._blocks: list[np.ndarray] = []  # (pairs,) per whole block measured
        self._measured_all: np.ndarray | None = None  # every block's, the last partial ones too, until more is fed

    def feed(self, block: np.ndarray) -> None:
        x = np.concatenate([self._rest, np.asarray(block, dtype=np.float64)])
        at = 0
        while len(x) - at >= self.block + self.lags:
            self._blocks.append(self._measured(x[at : at + self.block + self.lags]))
            at += self.block
        self._rest = x[at:]
        self._measured_all = None

    def correlation(self, source: int, other: int, start_s: float, end_s: float) -> float:
        """The largest correlation of ``source`` with ``other`` (up to MAX_LAG_S later) in the
        blocks that overlap [start_s, end_s); 0.0 where nothing was fed."""
        measured = self._measures()
        a = max(0, int(start_s / self.block_s))
        b = min(len(measured), max(a + 1, int(np.ceil(end_s / self.block_s))))
        if b <= a:
            return 0.0
        return float(measured[a:b, self.pairs.index((source, other))].max())

    def _measures(self) -> np.ndarray:
        """(blocks, pairs): every whole block's, and those of the samples still held (fewer than
        BLOCK_S + MAX_LAG_S: the call's end so far)."""
        if self._measured_all is None:
            rest, tail = self._rest, []
            while len(rest):
                tail.append(self._measured(rest[: self.block + self.lags]))
                rest = rest[self.block :]
            self._measured_all = np.array([*self._blocks, *tail]).reshape(-1, len(self.pairs))
        return self._measured_all

    def _measured(self, x: np.ndarray) -> np.ndarray:
        """Each pair's largest |normalised cross-correlation| of the first channel's first
        ``block`` samples of ``x`` with the second's, shifted 0..lags later (of a shorter ``x``,
        the call's end: its first samples, leaving the lags room, at most half of it)."""
        n = min(self.block, len(x) - min(self.lags, len(x) // 2))
        spectra = np.fft.rfft(x, n=self._fft, axis=0)
        heads = np.fft.rfft(x[:n], n=self._fft, axis=0)
        power = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x**2, axis=0)])
        out = np.zeros(len(self.pairs))
        lags = min(self.lags, len(x) - n) + 1
        for k, (source, other) in enumerate(self.pairs):
            cross = np.fft.irfft(np.conj(heads[:, source]) * spectra[:, other], n=self._fft)[:lags]
            other_power = power[n : n + lags, other] - power[:lags, other]
            norm = np.sqrt(power[n, source] * other_power)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(norm > 0.0, np.abs(cross) / norm, 0.0)
            out[k] = float(r.max(initial=0.0))
        return out
