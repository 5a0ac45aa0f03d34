"""Byte ranges of the WAV a FLAC recording exports as, decoded from the frames they cover only.

Recordings are stored as FLAC (``audio.encode``) and played as 16-bit mono WAV, whose bytes
are a 44-byte header and then the samples, two bytes each: byte ``b`` past the header is half
of sample ``(b - 44) // 2``. So a range of that WAV (a player seeking) needs only the FLAC
frames it covers, found by FLAC's own seeking, never the whole file transcoded. The bytes are
the very ones the whole-file export writes (libsndfile's canonical header, the lossless
samples): a client may join ranges from either.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

import soundfile

from audio.errors import AudioError

#: The canonical WAV header of 16-bit PCM: RIFF, fmt (16 bytes), data.
HEADER_BYTES = 44
#: Frames decoded at a time (memory stays at one block whatever the range).
BLOCK_FRAMES = 65536


def wav_header(frames: int, rate_hz: int) -> bytes:
    """The header libsndfile writes for ``frames`` frames of 16-bit mono PCM at ``rate_hz``."""
    data_bytes = 2 * frames
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate_hz, 2 * rate_hz, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))


class WavOfFlac:
    """The 16-bit mono WAV of a 16-bit mono FLAC file, read a byte range at a time.

    ``source``: the FLAC's bytes, readable and seekable (only the parts FLAC's seeking and the
    frames asked for are read). ``of`` gives None for anything else (another codec, more
    channels, other sample widths: those export whole)."""

    def __init__(self, sound: soundfile.SoundFile, source: BinaryIO | None = None) -> None:
        self._sound = sound
        self._source = source
        self.rate_hz = int(sound.samplerate)
        self.frames = int(sound.frames)
        #: The WAV's length in bytes.
        self.size_bytes = HEADER_BYTES + 2 * self.frames
        self._header = wav_header(self.frames, self.rate_hz)

    @classmethod
    def of(cls, source: BinaryIO) -> WavOfFlac | None:
        try:
            sound = soundfile.SoundFile(source)
        except (soundfile.LibsndfileError, RuntimeError, TypeError):
            return None
        if (sound.format, sound.subtype, sound.channels) != ("FLAC", "PCM_16", 1) or 2 * sound.frames >= 1 << 32:
            sound.close()
            return None
        return cls(sound, source)

    def chunks(self, start: int, stop: int) -> Iterator[bytes]:
        """The WAV's bytes ``[start, stop)`` (clamped), a block of frames at a time;
        AudioError when the FLAC ends before its header said, or the source's own error when
        it kept one (``failure``: a segment that did not decrypt, vault.segments)."""
        start, stop = max(0, start), min(stop, self.size_bytes)
        if start >= stop:
            return
        if start < HEADER_BYTES:
            yield self._header[start:min(stop, HEADER_BYTES)]
        first_b, stop_b = max(start, HEADER_BYTES) - HEADER_BYTES, stop - HEADER_BYTES
        if stop_b <= first_b:
            return
        frame, last_frame = first_b // 2, (stop_b + 1) // 2
        try:
            self._sound.seek(frame)
            while frame < last_frame:
                n = min(BLOCK_FRAMES, last_frame - frame)
                block = self._sound.read(n, dtype="int16")
                if len(block) != n:
                    self._raise_failure()
                    raise AudioError(f"the stored FLAC ends at frame {frame + len(block)}, before its {self.frames}")
                data = block.astype("<i2", copy=False).tobytes()
                yield data[max(first_b - 2 * frame, 0):stop_b - 2 * frame]
                frame += n
        except (soundfile.LibsndfileError, RuntimeError) as exc:
            self._raise_failure()
            raise AudioError(f"the stored FLAC cannot be decoded at frame {frame} ({exc})") from exc

    def _raise_failure(self) -> None:
        failure = getattr(self._source, "failure", None)
        if failure is not None:
            raise failure
