import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio.decode import open_source
from audio.errors import AudioInputError, AudioToolError
from callrec.errors import is_permanent, is_retryable
from tests.audio.signals import dominant_hz, sine

PCM_CASES = [
    # (subtype, largest quantisation error of a sample)
    ("PCM_U8", 1 / 128),
    ("PCM_16", 1 / 32768),
    ("PCM_24", 1 / 2 ** 23),
    ("PCM_32", 1 / 2 ** 31),
    ("FLOAT", 1e-7),
    ("ULAW", 0.02),
    ("ALAW", 0.02),
]


def read_all(path, block_frames=1000):
    with open_source(path) as source:
        blocks = list(source.blocks(block_frames))
        return source, np.concatenate(blocks)


@pytest.mark.parametrize("subtype,tolerance", PCM_CASES)
def test_wav_subtypes_decode_to_float32(tmp_path, subtype, tolerance):
    signal = sine(440, 0.5, 8000)
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, signal, 8000, subtype=subtype)
    source, audio = read_all(path)
    assert (source.rate_hz, source.channels, source.frames) == (8000, 1, 4000)
    assert audio.dtype == np.float32 and audio.shape == (4000, 1)
    assert np.abs(audio[:, 0] - signal).max() <= tolerance


def test_blocks_have_requested_size_and_shape(tmp_path):
    stereo = np.stack([sine(300, 1.0, 16000), sine(700, 1.0, 16000)], axis=1)
    path = tmp_path / "stereo.wav"
    soundfile.write(path, stereo, 16000, subtype="PCM_16")
    with open_source(path) as source:
        sizes = [b.shape for b in source.blocks(6000)]
        assert sizes == [(6000, 2), (6000, 2), (4000, 2)]
        # blocks() starts from the beginning each time it is called
        assert sum(b.shape[0] for b in source.blocks(7000)) == 16000
    assert source.duration_s == 1.0


@pytest.mark.parametrize("fmt,subtype,suffix", [
    ("FLAC", "PCM_16", ".flac"),
    ("OGG", "VORBIS", ".ogg"),
    ("MP3", "MPEG_LAYER_III", ".mp3"),
])
def test_compressed_formats(tmp_path, fmt, subtype, suffix):
    signal = sine(1000, 1.0, 16000, amplitude=0.3)
    path = tmp_path / f"x{suffix}"
    soundfile.write(path, signal, 16000, format=fmt, subtype=subtype)
    source, audio = read_all(path, 4096)
    assert source.rate_hz == 16000 and source.channels == 1
    assert abs(audio.shape[0] - 16000) <= 2000  # codec padding for lossy formats
    assert dominant_hz(audio[:, 0], 16000) == pytest.approx(1000, abs=2)
    if fmt == "FLAC":
        assert np.abs(audio[:, 0] - signal).max() <= 1 / 32768


def test_other_formats_go_through_ffmpeg(tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    wav = tmp_path / "in.wav"
    soundfile.write(wav, sine(500, 1.0, 8000), 8000)
    m4a = tmp_path / "in.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav),
                    "-c:a", "aac", str(m4a)], check=True)
    with open_source(m4a) as source:
        temp_dir = source._temp_dir
        audio = np.concatenate(list(source.blocks()))
        assert source.rate_hz == 8000 and temp_dir.exists()
    assert not temp_dir.exists()
    assert dominant_hz(audio[:, 0], 8000) == pytest.approx(500, abs=2)


def test_missing_file(tmp_path):
    with pytest.raises(AudioInputError, match=r"nope\.wav: no such file"):
        open_source(tmp_path / "nope.wav")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioInputError, match=r"empty\.wav: empty file"):
        open_source(path)


def test_non_audio_file(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are meeting notes, not audio\n" * 20)
    with pytest.raises(AudioInputError, match=r"notes\.wav: not an audio file"):
        open_source(path)


def test_truncated_wav(tmp_path):
    path = tmp_path / "cut.wav"
    soundfile.write(path, sine(440, 1.0, 8000), 8000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioInputError, match=r"cut\.wav: truncated WAV: header promises 16000 data bytes"):
        open_source(path)


def _junk_before_data(data: bytes) -> bytes:
    """100 chunks between ``fmt`` and ``data`` (RIFF's walk has no chunk limit, the other
    containers' stops at 64), the data then cut 2 bytes short."""
    padded = data[:36] + b"junk\x01\x00\x00\x00x\x00" * 100 + data[36:]
    return padded[:4] + struct.pack("<I", len(padded) - 8) + padded[8:-2]


@pytest.mark.parametrize(("cut", "message"), [
    (lambda data: data[:30], "truncated WAV: chunk b'fmt ' runs past the end"),
    (lambda data: data[:36], "truncated WAV: no data chunk in 36 bytes"),
    (lambda data: data[:40], "truncated WAV: no data chunk in 40 bytes"),
    (_junk_before_data, "truncated WAV: header promises 16000 data bytes, file holds 15998"),
], ids=["in-fmt", "before-data", "in-data-header", "after-100-chunks"])
def test_a_wav_cut_short_says_where(tmp_path, cut, message):
    path = tmp_path / "head.wav"
    soundfile.write(path, sine(440, 1.0, 8000), 8000, subtype="PCM_16")
    path.write_bytes(cut(path.read_bytes()))
    with pytest.raises(AudioInputError, match=rf"head\.wav: {re.escape(message)}$"):
        open_source(path)


def test_truncated_flac(tmp_path):
    path = tmp_path / "cut.flac"
    soundfile.write(path, np.random.default_rng(0).uniform(-0.5, 0.5, 16000).astype(np.float32), 8000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioInputError, match=r"cut\.flac: (truncated|audio cannot be decoded)"):
        read_all(path)


def test_streaming_wav_with_unknown_length_is_accepted(tmp_path):
    path = tmp_path / "stream.wav"
    soundfile.write(path, sine(440, 0.25, 8000), 8000, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data[40:44] = b"\xff\xff\xff\xff"  # data size unknown, as live recorders write it
    path.write_bytes(bytes(data))
    source, audio = read_all(path)
    assert audio.shape == (2000, 1)


def test_bad_block_size(tmp_path):
    path = tmp_path / "a.wav"
    soundfile.write(path, sine(440, 0.1, 8000), 8000)
    with open_source(path) as source, pytest.raises(ValueError, match="0"):
        next(source.blocks(0))


def test_native_formats_are_not_transcoded(tmp_path):
    path = tmp_path / "a.wav"
    soundfile.write(path, sine(440, 0.1, 8000), 8000)
    with open_source(path) as source:
        assert source._temp_dir is None


def test_unreadable_file_is_bad_input(tmp_path, monkeypatch):
    path = tmp_path / "locked.wav"
    soundfile.write(path, sine(440, 0.1, 8000), 8000)

    real_open = os.open

    def denied(name, *args, **kwargs):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(name, *args, **kwargs)
    monkeypatch.setattr(os, "open", denied)  # as root, chmod 000 would not stop a read
    with pytest.raises(AudioInputError, match=r"locked\.wav: cannot read \(Permission denied\)"):
        open_source(path)


def test_float_samples_come_out_finite_and_in_full_scale(tmp_path):
    path = tmp_path / "float.wav"
    values = np.array([0.25, np.nan, 1.5, -3.0, np.inf, -np.inf, -0.5], dtype=np.float32)
    soundfile.write(path, values, 8000, subtype="FLOAT")
    _, audio = read_all(path)
    assert audio[:, 0].tolist() == [0.25, 0.0, 1.0, -1.0, 1.0, -1.0, -0.5]


def test_float_samples_as_the_file_holds_them_for_a_caller_that_asks(tmp_path):
    """``callrec redact`` must not change a sample silently: it keeps samples past full scale
    and refuses NaN and infinity, naming the time of the first (block by block)."""
    path = tmp_path / "float.wav"
    values = np.array([0.25, 1.5, -3.0, 1e30, -0.5] * 2000, dtype=np.float32)
    soundfile.write(path, values, 8000, subtype="FLOAT")
    with open_source(path) as source:
        kept = np.concatenate(list(source.blocks(1000, finite=True, full_scale=False)))
    assert np.array_equal(kept[:, 0], values)
    values[8003] = np.nan
    values[9000] = np.inf
    soundfile.write(path, values, 8000, subtype="FLOAT")
    with open_source(path) as source:
        assert np.isfinite(np.concatenate(list(source.blocks(1000)))).all()  # the default still cleans
        with pytest.raises(AudioInputError, match=r"float\.wav: the sample at 1\.000 s is not a finite number"):
            list(source.blocks(1000, finite=True))


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32"])
def test_float64_blocks_hold_every_integer_sample_exactly(tmp_path, subtype):
    bits = {"PCM_16": 16, "PCM_24": 24, "PCM_32": 32}[subtype]
    ints = np.random.default_rng(bits).integers(-(2 ** 31), 2 ** 31 - 1, (5000, 2), dtype=np.int64)
    ints = (ints >> (32 - bits) << (32 - bits)).astype(np.int32)  # what the subtype holds
    path = tmp_path / "in.wav"
    soundfile.write(path, ints, 8000, subtype=subtype)
    with open_source(path) as source:
        assert (source.container, source.subtype) == ("WAV", subtype)
        blocks = list(source.blocks(1024, dtype="float64"))
    assert all(b.dtype == np.float64 and b.shape[1] == 2 for b in blocks)
    assert np.array_equal(np.rint(np.concatenate(blocks) * 2 ** 31).astype(np.int64), ints.astype(np.int64))


def test_blocks_refuse_a_dtype_they_do_not_give(tmp_path):
    path = tmp_path / "in.wav"
    soundfile.write(path, np.zeros(100), 8000, subtype="PCM_16")
    with open_source(path) as source, pytest.raises(ValueError, match="'int16'"):
        next(source.blocks(dtype="int16"))


def test_libsndfile_reads_says_whether_libsndfile_itself_opens_a_file(tmp_path):
    from audio.decode import libsndfile_reads

    wav = tmp_path / "ok.wav"
    soundfile.write(wav, np.zeros(80, np.float32), 8000)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF nonsense")
    assert libsndfile_reads(wav)
    assert not libsndfile_reads(junk)
    assert not libsndfile_reads(tmp_path / "missing.wav")


def test_a_path_heading_a_decode_error_is_quoted_when_it_could_blur(tmp_path):
    missing = tmp_path / "call: no such file.wav"
    with pytest.raises(AudioInputError) as caught:
        open_source(missing)
    assert str(caught.value) == f"{str(missing)!r}: no such file"
    empty = tmp_path / "empty leg.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioInputError) as caught:
        open_source(empty)
    assert str(caught.value) == f"{str(empty)!r}: empty file (0 bytes)"


FSIZE_LIMITED = """
import resource, sys
from audio.decode import open_source
from audio.errors import AudioResourceError, AudioInputError
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
try:
    open_source(sys.argv[1]).close()
except AudioResourceError as exc:
    print("resource", exc)
except AudioInputError as exc:
    print("input", exc)
"""


def test_a_transcode_stopped_by_a_file_size_limit_is_a_resource_error_not_bad_input(tmp_path):
    """Found by the session-46 audit: ffmpeg killed by SIGXFSZ (a file-size limit, as the fault
    test models a full disk) was "not an audio file": exit 2, a queued call failed for good."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    wav = tmp_path / "in.wav"
    soundfile.write(wav, sine(500, 5.0, 8000), 8000)
    m4a = tmp_path / "in.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)],
                   check=True)
    done = subprocess.run([sys.executable, "-c", FSIZE_LIMITED, str(m4a)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.stdout.startswith("resource "), (done.stdout, done.stderr)
    assert "transient" in done.stdout



OLD_FFMPEG = """#!/bin/sh
# ffmpeg 5.1's answers (Debian 12's): it has no fd protocol and no -fd option.
case "$1" in -version) echo "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers"; exit 0;; esac
echo "Unrecognized option 'fd'." >&2
echo "Error splitting the argument list: Option not found" >&2
exit 1
"""


def aac_file(tmp_path: Path) -> Path:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    wav, m4a = tmp_path / "in.wav", tmp_path / "in.m4a"
    soundfile.write(wav, sine(500, 1.0, 8000), 8000)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)],
                   check=True)
    return m4a


def test_an_ffmpeg_too_old_to_read_a_descriptor_is_the_setup_s_fault_not_the_file_s(tmp_path, monkeypatch):
    """imageio-ffmpeg runs the ffmpeg IMAGEIO_FFMPEG_EXE names, or the system's where it has no
    binary for the platform; one older than 6.0 (Debian 12 has 5.1) knows no ``-fd``. Every leg
    libsndfile does not read (AAC, Opus in WebM, AMR) was then "not an audio file": exit 2, a
    queued call failed at once as bad input. It is a fault of the setup, named, exit 1."""
    m4a = aac_file(tmp_path)
    fake = tmp_path / "ffmpeg"
    fake.write_text(OLD_FFMPEG)
    fake.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(fake))
    with pytest.raises(AudioToolError) as raised:
        open_source(m4a)
    assert not is_permanent(raised.value) and not is_retryable(raised.value)
    assert str(raised.value) == (f"{m4a}: the ffmpeg at {fake} (version 5.1.9-0+deb12u1) cannot read an open file "
                                 "(callrec needs ffmpeg 6.0 or newer: unset IMAGEIO_FFMPEG_EXE for the bundled one)")


@pytest.mark.skipif(not Path("/usr/bin/ffmpeg").exists(), reason="needs Debian's ffmpeg (apt-get install ffmpeg)")
def test_debian_12s_ffmpeg_is_refused_as_too_old_or_reads_the_file(tmp_path, monkeypatch):
    m4a = aac_file(tmp_path)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/usr/bin/ffmpeg")
    try:
        with open_source(m4a) as source:
            assert source.rate_hz == 8000  # an ffmpeg of 6.0 or newer
    except AudioToolError as exc:
        assert "cannot read an open file (callrec needs ffmpeg 6.0 or newer" in str(exc)
