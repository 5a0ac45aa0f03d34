"""Storage codecs: the finished recording re-encoded for the vault, and back for export.

Assembly and redaction write 16-bit mono WAV, and export gives WAV unless asked otherwise.
For storage the recording is re-encoded with one of ``CODECS``:

- ``flac``: lossless, the default: decodes to the very same samples, in a fraction of the
  bytes (bench/storage.py measures it on the committed sample calls);
- ``opus``: Ogg Opus at libsndfile's default rate (about 20 kbit/s for 8 kHz speech), lossy,
  for accounts that accept lossy storage;
- ``wav``: stored as is.

Every encoding is checked on its *decoded* result before anyone stores it: a lossless one
must give back exactly the samples it was given; a lossy one must keep the length and the
alignment, and every masked span must still hold its mask (the level of the masked audio,
silence stays silent), so a masked span stays masked and in place. A failed check raises
``EncodingError`` and leaves no output. Files are read and written block by block.

The vault stays byte-agnostic: it stores the bytes it is given; the recording's metadata
names the codec, and ``sniff`` tells a stored file's codec from its first bytes (recordings
stored before codecs existed are WAV).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from audio.errors import AudioInputError, EncodingError
from callrec.errors import heading
from audio.wavout import AtomicWavWriter

#: Frames per block when re-encoding or checking (8 s at 8 kHz).
BLOCK_FRAMES = 65536
#: Lossy check: masked audio decoded within this many dB of its level before encoding ...
MASK_LEVEL_TOLERANCE_DB = 3.0
#: ... except a silent mask (below this level), which must decode below it too.
SILENCE_DBFS = -60.0
#: Lossy check: the edges of a masked span are left out (codec smearing of the neighbours).
MASK_EDGE_S = 0.020
#: Lossy check: the decoded recording correlates with what was encoded at least this much
#: at lag 0 (a shifted decode of speech falls far below it).
MIN_CORRELATION = 0.7


@dataclass(frozen=True)
class Codec:
    """A storage or export format: libsndfile container and subtype, file suffix, media type."""

    name: str
    container: str
    subtype: str
    suffix: str
    media_type: str
    lossless: bool


CODECS: dict[str, Codec] = {codec.name: codec for codec in (
    Codec("wav", "WAV", "PCM_16", ".wav", "audio/wav", True),
    Codec("flac", "FLAC", "PCM_16", ".flac", "audio/flac", True),
    Codec("opus", "OGG", "OPUS", ".opus", "audio/ogg", False),
)}


def codec_named(name: str) -> Codec:
    """The codec called ``name``; AudioInputError naming the choices otherwise."""
    try:
        return CODECS[name]
    except (KeyError, TypeError):
        raise AudioInputError(f"codec {name!r}: must be one of {', '.join(CODECS)}") from None


@dataclass(frozen=True)
class Encoded:
    """An encoded recording: where, how, how long and how big."""

    path: Path
    codec: Codec
    rate_hz: int
    frames: int
    size_bytes: int

    def to_dict(self) -> dict[str, object]:
        """For the recording's metadata: how the stored audio is encoded."""
        return {"name": self.codec.name, "media_type": self.codec.media_type,
                "lossless": self.codec.lossless, "rate_hz": self.rate_hz, "frames": self.frames}


def encode(src: str | os.PathLike[str], dst: str | os.PathLike[str], codec: Codec, *,
           masked: Sequence[tuple[float, float]] = ()) -> Encoded:
    """Re-encode the mono recording ``src`` (any format libsndfile reads) as ``codec`` into
    ``dst``, then check the decoded result (``masked``: recording-time spans, in seconds,
    that must stay masked). ``dst`` appears complete and checked, or not at all."""
    src, dst = Path(src), Path(dst)
    rate_hz, frames = _mono_info(src)
    with AtomicWavWriter(dst, rate_hz, container=codec.container, subtype=codec.subtype) as out:
        for block in _pcm_blocks(src):
            out.write(block)
    try:
        check_decoded(src, dst, codec, masked)
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    return Encoded(dst, codec, rate_hz, frames, dst.stat().st_size)


def check_decoded(src: Path, dst: Path, codec: Codec, masked: Sequence[tuple[float, float]] = ()) -> None:
    """Raise EncodingError unless ``dst`` decodes to ``src`` (exactly, when lossless)."""
    rate_hz, frames = _mono_info(src)
    out_rate_hz, out_frames = _mono_info(dst)
    if (out_rate_hz, out_frames) != (rate_hz, frames):
        raise EncodingError(f"{heading(dst)}: {codec.name} decodes to {out_frames} frames at {out_rate_hz} Hz, "
                            f"not {frames} at {rate_hz} Hz")
    if codec.lossless:
        for position, (before, after) in enumerate(zip(_pcm_blocks(src), _pcm_blocks(dst))):
            if not np.array_equal(before, after):
                raise EncodingError(f"{heading(dst)}: {codec.name} does not decode to the same samples "
                                    f"(block {position})")
        return
    _check_lossy(src, dst, codec, rate_hz, masked)


def sniff(head: bytes) -> Codec | None:
    """The codec of a file starting with ``head`` (its first 64 bytes will do), or None."""
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return CODECS["wav"]
    if head[:4] == b"fLaC":
        return CODECS["flac"]
    if head[:4] == b"OggS" and b"OpusHead" in head[:64]:
        return CODECS["opus"]
    return None


def sniff_file(path: str | os.PathLike[str]) -> Codec | None:
    with open(path, "rb") as src:
        return sniff(src.read(64))


def _mono_info(path: Path) -> tuple[int, int]:
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise AudioInputError(f"{heading(path)}: not a readable recording ({exc})") from exc
    if info.channels != 1:
        raise AudioInputError(f"{heading(path)}: a recording is mono, this has {info.channels} channels")
    return int(info.samplerate), int(info.frames)


def _pcm_blocks(path: Path) -> Iterator[np.ndarray]:
    with soundfile.SoundFile(str(path)) as audio:
        while True:
            block = audio.read(BLOCK_FRAMES, dtype="int16")
            if not len(block):
                return
            yield block


def _check_lossy(src: Path, dst: Path, codec: Codec, rate_hz: int,
                 masked: Sequence[tuple[float, float]]) -> None:
    cross = energy_src = energy_dst = 0.0
    for before, after in zip(_pcm_blocks(src), _pcm_blocks(dst)):
        before, after = before.astype(np.float64), after.astype(np.float64)
        cross += float(np.dot(before, after))
        energy_src += float(np.dot(before, before))
        energy_dst += float(np.dot(after, after))
    if energy_src > 0 and cross < MIN_CORRELATION * math.sqrt(energy_src * energy_dst):
        raise EncodingError(f"{heading(dst)}: {codec.name} decodes to audio that no longer lines up with "
                            f"the recording")
    edge_f = int(round(MASK_EDGE_S * rate_hz))
    with soundfile.SoundFile(str(src)) as before_file, soundfile.SoundFile(str(dst)) as after_file:
        for start_s, end_s in masked:
            start_f, end_f = int(round(start_s * rate_hz)) + edge_f, int(round(end_s * rate_hz)) - edge_f
            if end_f <= start_f:
                continue
            before_file.seek(start_f)
            after_file.seek(start_f)
            level_before = _level_dbfs(before_file.read(end_f - start_f, dtype="float64"))
            level_after = _level_dbfs(after_file.read(end_f - start_f, dtype="float64"))
            silent = level_before < SILENCE_DBFS
            if (level_after >= SILENCE_DBFS if silent
                    else abs(level_after - level_before) > MASK_LEVEL_TOLERANCE_DB):
                raise EncodingError(f"{heading(dst)}: masked span {start_s:.3f}-{end_s:.3f} s decodes at "
                                    f"{level_after:.1f} dBFS, the mask was {level_before:.1f} dBFS")


def _level_dbfs(samples: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(samples ** 2))) if len(samples) else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf
