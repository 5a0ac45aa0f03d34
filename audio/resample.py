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
    """Streaming resampler from ``in_rate_hz`` to ``out_rate_hz`` of mono (frames,) blocks, or
    of (frames, ``channels``) blocks, each channel filtered alone.

    Feed blocks in order with ``process()`` and call ``flush()`` once at the end; the
    concatenated output equals resampling the whole signal in one go, with no delay to
    compensate (libsoxr aligns it). Equal rates pass blocks through untouched.
    """

    def __init__(self, in_rate_hz: int, out_rate_hz: int, channels: int = 1):
        if in_rate_hz <= 0 or out_rate_hz <= 0:
            raise ValueError(f"rates must be positive, got {in_rate_hz!r} -> {out_rate_hz!r}")
        if channels < 1:
            raise ValueError(f"channels must be at least 1, got {channels!r}")
        self.in_rate_hz = int(in_rate_hz)
        self.out_rate_hz = int(out_rate_hz)
        self.channels = int(channels)
        self._stream = (None if self.in_rate_hz == self.out_rate_hz else
                        soxr.ResampleStream(self.in_rate_hz, self.out_rate_hz, self.channels,
                                            dtype="float32", quality="HQ"))
        self._flushed = False

    def process(self, block: np.ndarray) -> np.ndarray:
        """Resample the next float32 block; may return fewer (or no) frames at first."""
        if self._flushed:
            raise ValueError("Resampler.process() called after flush()")
        block = np.ascontiguousarray(block, dtype=np.float32)
        if (block.ndim == 1) != (self.channels == 1) or (block.ndim == 2 and block.shape[1] != self.channels):
            raise ValueError(f"a resampler of {self.channels} channel(s) was given a block of shape {block.shape}")
        if self._stream is None:
            return block
        return self._stream.resample_chunk(block, last=False)

    def flush(self) -> np.ndarray:
        """Return the frames still held back by the filter; the stream is finished after it."""
        if self._flushed:
            raise ValueError("Resampler.flush() called twice")
        self._flushed = True
        shape = (0,) if self.channels == 1 else (0, self.channels)
        if self._stream is None:
            return np.zeros(shape, dtype=np.float32)
        return self._stream.resample_chunk(np.zeros(shape, dtype=np.float32), last=True)


def mono_blocks(blocks: Iterable[np.ndarray], in_rate_hz: int, out_rate_hz: int) -> Iterator[np.ndarray]:
    """Mix each (frames, channels) block to mono and resample the stream to ``out_rate_hz``.

    Yields non-empty float32 mono blocks; their total length is
    ``round(input_frames * out_rate_hz / in_rate_hz)``.
    """
    return _resampled((mix_to_mono(block) for block in blocks), Resampler(in_rate_hz, out_rate_hz))


#: The tracks a dual-channel leg is kept on until its redaction (``track_blocks``).
TRACKS = 2


def track_blocks(blocks: Iterable[np.ndarray], in_rate_hz: int, out_rate_hz: int) -> Iterator[np.ndarray]:
    """A leg's two tracks, (frames, 2) float32 at ``out_rate_hz``: a dual-channel leg's channels as
    they are (a third channel and on summed into the second), a mono leg on the first track with
    the second silent. Their sum is ``mono_blocks``' stream (up to float rounding)."""
    return _resampled((_two_tracks(block) for block in blocks), Resampler(in_rate_hz, out_rate_hz, TRACKS))


def _resampled(blocks: Iterable[np.ndarray], resampler: Resampler) -> Iterator[np.ndarray]:
    """``blocks`` through ``resampler``, flushed at the end; non-empty blocks only."""
    for block in blocks:
        out = resampler.process(block)
        if out.size:
            yield out
    tail = resampler.flush()
    if tail.size:
        yield tail


def _two_tracks(block: np.ndarray) -> np.ndarray:
    tracks = np.zeros((len(block), TRACKS), np.float32)
    if block.ndim == 1:
        tracks[:, 0] = block
    else:
        tracks[:, 0] = block[:, 0]
        if block.shape[1] > 1:
            tracks[:, 1] = mix_to_mono(block[:, 1:])
    return tracks
