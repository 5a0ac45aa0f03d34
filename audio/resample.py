"""Streaming anti-aliased resampling (and the mono stream of a leg at a new rate).

Resampling uses libsoxr (the ``soxr`` package) in its "HQ" setting: a linear-phase
low-pass whose pass band reaches 91 % of the lower Nyquist frequency with more than 100 dB
stop-band rejection, so nothing above 4 kHz folds back into an 8 kHz recording. Its
streaming output is sample-for-sample the output of resampling the whole signal at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import soxr

from audio.mono import mix_to_mono


class Resampler:
    """Streaming mono resampler from ``in_rate_hz`` to ``out_rate_hz``.

    Feed blocks in order with ``process()`` and call ``flush()`` once at the end; the
    concatenated output equals resampling the whole signal in one go, with no delay to
    compensate (libsoxr aligns it). Equal rates pass blocks through untouched.
    """

    def __init__(self, in_rate_hz: int, out_rate_hz: int):
        if in_rate_hz <= 0 or out_rate_hz <= 0:
            raise ValueError(f"rates must be positive, got {in_rate_hz!r} -> {out_rate_hz!r}")
        self.in_rate_hz = int(in_rate_hz)
        self.out_rate_hz = int(out_rate_hz)
        self._stream = (None if self.in_rate_hz == self.out_rate_hz else
                        soxr.ResampleStream(self.in_rate_hz, self.out_rate_hz, 1,
                                            dtype="float32", quality="HQ"))
        self._flushed = False

    def process(self, block: np.ndarray) -> np.ndarray:
        """Resample the next mono float32 block; may return fewer (or no) frames at first."""
        if self._flushed:
            raise ValueError("Resampler.process() called after flush()")
        block = np.ascontiguousarray(block, dtype=np.float32)
        if self._stream is None:
            return block
        return self._stream.resample_chunk(block, last=False)

    def flush(self) -> np.ndarray:
        """Return the frames still held back by the filter; the stream is finished after it."""
        if self._flushed:
            raise ValueError("Resampler.flush() called twice")
        self._flushed = True
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        return self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)


def mono_blocks(blocks: Iterable[np.ndarray], in_rate_hz: int, out_rate_hz: int) -> Iterator[np.ndarray]:
    """Mix each (frames, channels) block to mono and resample the stream to ``out_rate_hz``.

    Yields non-empty float32 mono blocks; their total length is
    ``round(input_frames * out_rate_hz / in_rate_hz)``.
    """
    resampler = Resampler(in_rate_hz, out_rate_hz)
    for block in blocks:
        out = resampler.process(mix_to_mono(block))
        if out.size:
            yield out
    tail = resampler.flush()
    if tail.size:
        yield tail
