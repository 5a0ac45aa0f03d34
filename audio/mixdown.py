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
        for block in limited_mono(source.blocks(BLOCK_FRAMES), source.rate_hz):
            out.write(block)
    return Path(out_path)
