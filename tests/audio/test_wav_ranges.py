"""WAV ranges of a FLAC recording: byte for byte the whole-file export, decoded from the frames they cover."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from audio.encode import CODECS, encode
from audio.errors import AudioError
from audio.wav_ranges import BLOCK_FRAMES, HEADER_BYTES, WavOfFlac, wav_header


class CountingReader(io.RawIOBase):
    """A seekable file of ``data`` that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._file = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def readinto(self, buffer) -> int:  # noqa: ANN001
        n = self._file.readinto(buffer)
        self.bytes_read += n
        return n


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[bytes, bytes]:
    """A 40 s 8 kHz recording (noise at many levels, so FLAC cannot shrink it to nothing)
    stored as FLAC, and the WAV the export writes from that FLAC."""
    rng = np.random.default_rng(7)
    frames = 320_000  # several BLOCK_FRAMES
    samples = (rng.standard_normal(frames) * np.repeat(rng.uniform(50, 8000, frames // 800 + 1), 800)[:frames])
    samples = np.clip(samples, -32768, 32767).astype(np.int16)
    work = tmp_path_factory.mktemp("wav-ranges")
    soundfile.write(work / "in.wav", samples, 8000, subtype="PCM_16")
    encode(work / "in.wav", work / "stored.flac", CODECS["flac"])
    encode(work / "stored.flac", work / "export.wav", CODECS["wav"])  # the whole-file export's transcoding
    return (work / "stored.flac").read_bytes(), (work / "export.wav").read_bytes()


@pytest.mark.parametrize(("frames", "rate_hz"), [(0, 8000), (1, 16000), (12345, 8000), (320_000, 44100)])
def test_the_header_is_the_one_libsndfile_writes(frames: int, rate_hz: int) -> None:
    out = io.BytesIO()
    with soundfile.SoundFile(out, "w", samplerate=rate_hz, channels=1, format="WAV", subtype="PCM_16") as f:
        f.write(np.zeros(frames, np.int16))
    assert out.getvalue()[:HEADER_BYTES] == wav_header(frames, rate_hz)
    assert len(out.getvalue()) == HEADER_BYTES + 2 * frames


def test_every_range_is_the_whole_exports_bytes_there(recording) -> None:
    flac, wav = recording
    view = WavOfFlac.of(io.BytesIO(flac))
    assert view is not None and (view.size_bytes, view.rate_hz, view.frames) == (len(wav), 8000, 320_000)
    block_b = HEADER_BYTES + 2 * BLOCK_FRAMES
    for start, stop in [(0, len(wav)), (0, 1), (0, HEADER_BYTES), (43, 45), (44, 46), (45, 46), (45, 48),
                        (1001, 2000), (block_b - 3, block_b + 5), (block_b, block_b + 2 * BLOCK_FRAMES + 1),
                        (len(wav) - 1, len(wav)), (len(wav) - 7, len(wav) + 100), (200_001, 400_000)]:
        assert b"".join(view.chunks(start, stop)) == wav[start:stop], (start, stop)
    assert b"".join(view.chunks(len(wav), len(wav) + 10)) == b""
    assert b"".join(view.chunks(50, 50)) == b""


def test_a_range_reads_little_of_the_flac(recording) -> None:
    flac, wav = recording
    source = CountingReader(flac)
    view = WavOfFlac.of(source)
    opened = source.bytes_read
    middle = len(wav) // 2
    assert b"".join(view.chunks(middle, middle + 8000)) == wav[middle:middle + 8000]  # half a second
    assert source.bytes_read - opened < len(flac) // 4


def test_only_16_bit_mono_flac_is_served_in_ranges(tmp_path) -> None:
    x = np.zeros((800, 2), np.int16)
    for name, data, fmt, subtype in [("stereo.flac", x, "FLAC", "PCM_16"), ("deep.flac", x[:, 0], "FLAC", "PCM_24"),
                                     ("plain.wav", x[:, 0], "WAV", "PCM_16")]:
        soundfile.write(tmp_path / name, data, 8000, format=fmt, subtype=subtype)
        assert WavOfFlac.of(io.BytesIO((tmp_path / name).read_bytes())) is None, name
    assert WavOfFlac.of(io.BytesIO(b"fLaC" + bytes(100))) is None  # not decodable: exported whole, which says why


def test_a_flac_shorter_than_its_header_says_fails_naming_the_frame(recording) -> None:
    flac, wav = recording
    view = WavOfFlac.of(io.BytesIO(flac[: len(flac) // 2]))  # its header still says 320,000 frames
    assert view is not None
    with pytest.raises(AudioError, match="frame"):
        b"".join(view.chunks(len(wav) - 1000, len(wav)))
