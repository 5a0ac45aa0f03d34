"""The mono mix: channels summed, and where the sum passes full scale, limited.

Summed, not averaged: in a dual-channel call leg the agent and the caller sit on separate
channels and mostly take turns, so summing keeps each voice (and a key press on one
channel) at its own level, where a mean would halve it (-6 dB). Where both are loud at once
the sum can pass full scale; it is not bent sample by sample (a per-sample knee squares
the waveform off) but brought under the ceiling by the look-ahead limiter
(``audio.limiter``), which is bit-exact wherever nothing comes near full scale.

This is the one mono view of a recording: the mixdown stores it (``audio.assembly``) and
redaction's detectors hear it, so what is masked is found in what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from audio.limiter import Limiter


def mix_to_mono(block: np.ndarray) -> np.ndarray:
    """(frames, channels) float32 to (frames,) float32, channels summed (not limited: see
    ``limited_mono``). A mono block is returned unchanged (a 1-D view)."""
    if block.ndim == 1:
        return block
    if block.shape[1] == 1:
        return block[:, 0]
    mixed = block[:, 0] + block[:, 1]  # column by column: much faster than sum(axis=1)
    for channel in range(2, block.shape[1]):
        mixed += block[:, channel]
    return mixed


def limited_mono(blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[np.ndarray]:
    """The mono float32 stream of ``blocks`` ((frames,) or (frames, channels), any float
    dtype): channels summed through one ``Limiter``; a single channel passes as it is.

    Yields non-empty blocks (their sizes may differ from the input's: the limiter holds its
    look-ahead back until the next block) totalling exactly the input's frames.
    """
    limiter: Limiter | None = None
    for block in blocks:
        block = np.asarray(block)
        if block.ndim == 2 and block.shape[1] > 1:
            limiter = limiter or Limiter(rate_hz)
            out = limiter.process(mix_to_mono(block.astype(np.float32, copy=False)))
        else:
            out = mix_to_mono(block).astype(np.float32, copy=False)
        if out.size:
            yield out
    if limiter is not None:
        tail = limiter.flush()
        if tail.size:
            yield tail
