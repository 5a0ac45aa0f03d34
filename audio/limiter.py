"""A streaming look-ahead peak limiter for the mixdown.

Summing a dual-channel leg, overlapping segments or a reminder tone can push the mono mix
past full scale. Bending each sample on its own (a waveshaper such as tanh) squares the
waveform off; a limiter instead lowers the *gain* smoothly around a peak, so the waveform
keeps its shape and only its level changes for a moment:

- ``needed[n] = min(1, CEILING / |x[n]|)`` is the gain that brings sample ``n`` under the
  ceiling; its attenuation ``1 - needed`` is quantised up to an integer (``_UNITS`` per
  unit), so the integer maths below is exact;
- the attenuation is held at its peak from ``LOOKAHEAD_S`` before a loud sample to
  ``HOLD_S`` after it (a running maximum over that window);
- it is smoothed by a triangular window (two cascaded moving sums) exactly as long as the
  look-ahead, so the gain ramps down over ``LOOKAHEAD_S`` before the peak and back up over
  the same time after the hold, with no step.

Because the smoothing window never reaches past the look-ahead, every sample's gain is at
most the gain it needs: ``|output| <= CEILING`` always. Where no sample within
``LOOKAHEAD_S + HOLD_S`` exceeds the ceiling the gain is exactly 1.0 and the output equals
the input bit for bit. The output is delayed by the look-ahead inside the stream, not in
time: sample ``n`` out is sample ``n`` in, the last ones come out of ``flush()``. All state
is carried across ``process()`` calls and the per-sample maths is integer or pointwise, so
the output is identical whatever the block sizes.
"""

from __future__ import annotations

import numpy as np

#: The limiter's ceiling: -0.3 dBFS, so a limited peak stays clear of the 16-bit rails.
CEILING_DBFS = -0.3
CEILING = float(10 ** (CEILING_DBFS / 20))
#: The gain starts falling this long before a peak (the attack ramp).
LOOKAHEAD_S = 0.005
#: ...and stays down this long after it before rising again over LOOKAHEAD_S (the release).
HOLD_S = 0.050
#: Attenuation quantum: 1/2**20 of full gain (about -120 dB), far below one 16-bit step.
_UNITS = 1 << 20


class Limiter:
    """``Limiter(rate_hz)``; feed mono float32 blocks to ``process()``, then ``flush()`` once.

    The concatenated output has exactly as many frames as the input, in the same positions.
    """

    def __init__(self, rate_hz: int):
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz!r}")
        #: Each of the two moving sums spans ``_box`` frames; together ``_lookahead + 1``.
        self._box = max(1, int(round(LOOKAHEAD_S * rate_hz / 2)) + 1)
        self._lookahead = 2 * self._box - 2
        self._hold = int(round(HOLD_S * rate_hz))
        self._scale = float(self._box * self._box * _UNITS)
        #: Input frames not yet given out (at most the look-ahead).
        self._pending = np.zeros(0, dtype=np.float32)
        #: Attenuation of the frames from ``lookahead + hold`` before the pending ones on;
        #: None while it is all zero.
        self._history: np.ndarray | None = None
        self._flushed = False

    def process(self, block: np.ndarray) -> np.ndarray:
        """Take the next mono block; return the frames that are now final (may be fewer)."""
        if self._flushed:
            raise ValueError("Limiter.process() called after flush()")
        block = np.asarray(block, dtype=np.float32)
        if block.ndim != 1:
            raise ValueError(f"expected a mono block of shape (frames,), got shape {block.shape!r}")
        return self._advance(block, final=False)

    def flush(self) -> np.ndarray:
        """Return the frames still held back for the look-ahead; the stream ends here."""
        if self._flushed:
            raise ValueError("Limiter.flush() called twice")
        self._flushed = True
        return self._advance(np.zeros(0, dtype=np.float32), final=True)

    def _advance(self, block: np.ndarray, final: bool) -> np.ndarray:
        frames = np.concatenate((self._pending, block)) if len(self._pending) else block
        ready = len(frames) if final else max(0, len(frames) - self._lookahead)
        out = frames[:ready]
        self._pending = frames[ready:].copy()
        if self._history is None and not _exceeds(block):
            return out  # nothing near needs attenuation: the gain is exactly 1 (the usual case)
        # attenuation[i] belongs to frame i - lead of ``frames``: the history reaches
        # lookahead + hold frames before the first pending frame.
        lead = self._lookahead + self._hold
        history = (self._history if self._history is not None
                   else np.zeros(lead + len(frames) - len(block), dtype=np.int64))
        attenuation = np.concatenate((history, _attenuation(block)))
        if final:  # after the end there is only silence, which needs no attenuation
            attenuation = np.concatenate((attenuation, np.zeros(self._lookahead, dtype=np.int64)))
        needed = attenuation[:ready + lead + self._lookahead]
        if ready and needed.any():
            out = self._apply(out, needed)
        rest = attenuation[ready:]
        self._history = rest.copy() if rest.any() else None
        return out

    def _apply(self, out: np.ndarray, attenuation: np.ndarray) -> np.ndarray:
        """Scale ``out`` by the smoothed gain; ``attenuation`` covers ``lookahead + hold``
        frames before ``out`` and ``lookahead`` after."""
        # held[j]: the peak attenuation of frames j - lookahead - hold .. j (out's indices),
        # i.e. the hold-and-look-ahead peak for frame j - lookahead.
        held = _running_max(attenuation, self._hold + self._lookahead + 1)
        # smooth[k]: held[k .. k + lookahead] under a triangle, the peaks of frames k - lookahead
        # .. k each covering frame k, so smooth[k] >= box * box * attenuation of frame k.
        smooth = _moving_sum(_moving_sum(held, self._box), self._box)
        gain = 1.0 - smooth[:len(out)] / self._scale
        return (out * gain).astype(np.float32)


def _exceeds(block: np.ndarray) -> bool:
    """True when some sample of ``block`` is beyond the ceiling (no temporary arrays)."""
    return bool(block.size) and (float(block.max()) > CEILING or float(block.min()) < -CEILING)


def _attenuation(block: np.ndarray) -> np.ndarray:
    """Per frame, the attenuation needed to bring it under the ceiling, in ``_UNITS``
    (rounded up, so the guarantee holds); 0 where it is under already."""
    magnitude = np.abs(block.astype(np.float64))
    over = magnitude > CEILING
    units = np.zeros(len(block), dtype=np.int64)
    if over.any():
        units[over] = np.ceil((1.0 - CEILING / magnitude[over]) * _UNITS).astype(np.int64)
    return units


def _running_max(values: np.ndarray, window: int) -> np.ndarray:
    """``out[i] = max(values[i : i + window])`` for every full window (exact: a sparse table
    of doubling windows, a handful of passes whatever the window length)."""
    if len(values) < window:
        return np.zeros(0, dtype=values.dtype)
    span, table = 1, values
    while span * 2 <= window:
        table = np.maximum(table[:-span], table[span:])
        span *= 2
    count = len(values) - window + 1
    return np.maximum(table[:count], table[window - span:window - span + count])


def _moving_sum(values: np.ndarray, window: int) -> np.ndarray:
    """``out[i] = sum(values[i : i + window])`` for every full window (integers: exact)."""
    sums = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(values, dtype=np.int64)))
    return sums[window:] - sums[:-window]
