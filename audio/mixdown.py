"""The mixdown of a recording's tracks into the mono recording that is stored.

A dual-channel call is assembled on two tracks (``audio.assembly``, ``tracks=2``) so that
redaction can mask each party on their own; this writes their mono mix (``audio.mono``:
summed, limited under full scale: what redaction's verification heard) as the 16-bit WAV
every other recording is, atomically. Memory: a few blocks, whatever the length.
"""

from __future__ import annotations

import os
from pathlib import Path

from audio.decode import open_source
from audio.mono import limited_mono
from audio.wavout import AtomicWavWriter

#: Frames read per step.
BLOCK_FRAMES = 65536


def mix_down(tracks_path: str | os.PathLike[str], out_path: str | os.PathLike[str]) -> Path:
    """Write the mono mix of the audio file ``tracks_path`` to ``out_path`` (16-bit WAV at its
    rate) and return ``out_path``."""
    with open_source(Path(tracks_path)) as source, AtomicWavWriter(out_path, source.rate_hz) as out:
        # The tracks are float and not limited, so one can pass full scale (loud speech under
        # a reminder tone). Clipping each to [-1, 1] on reading squared the waveform off before
        # the limiter saw it; DESIGN wants the mix "without clipping", so the tracks are read as
        # written and only their sum is brought under full scale, by the limiter. (A single
        # track has no limiter in ``limited_mono``: it is cleaned up to full scale as before.)
        # Finite: a NaN in our own tracks would be a bug, not audio to store as silence.
        blocks = source.blocks(BLOCK_FRAMES, finite=True, full_scale=source.channels < 2)
        for block in limited_mono(blocks, source.rate_hz):
            out.write(block)
    return Path(out_path)
