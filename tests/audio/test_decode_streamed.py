"""Files as a streaming recorder writes them: to a pipe, so their header never learns the
length (an MP3 without its Xing frame, a FLAC whose STREAMINFO counts 0 samples, a WAV whose
RIFF and data sizes stay 0), and codecs libsndfile opens but cannot seek in (GSM 6.10 WAV).
Found by the session-46 audit; ffmpeg (the product's own, ``imageio-ffmpeg``) decodes them all.
"""

import struct
import subprocess

import numpy as np
import pytest
import soundfile

from audio.decode import DecodeLimits, open_source
from audio.errors import AudioInputError
from tests.audio.signals import dominant_hz, sine

RATE = 8000


@pytest.fixture(scope="module")
def ffmpeg():
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="the product's ffmpeg (imageio-ffmpeg) is not installed")
    return imageio_ffmpeg.get_ffmpeg_exe()


def piped(ffmpeg, tmp_path, signal, *args):
    """``signal`` (8 kHz) encoded by ffmpeg onto a pipe, as a streaming recorder writes it."""
    wav = tmp_path / "src.wav"
    soundfile.write(wav, signal, RATE, subtype="PCM_16")
    return subprocess.run([ffmpeg, "-v", "error", "-i", str(wav), *args, "-"], check=True,
                          capture_output=True).stdout


def ffmpeg_frames(ffmpeg, path):
    """How many frames ffmpeg itself decodes from ``path``."""
    out = path.with_suffix(".ref.wav")
    subprocess.run([ffmpeg, "-v", "error", "-i", str(path), "-c:a", "pcm_f32le", "-y", str(out)], check=True)
    return soundfile.info(out).frames


def read_all(path, limits=None):
    with open_source(path, limits) as source:
        return source, np.concatenate(list(source.blocks(4096)))


def test_a_vbr_mp3_without_a_xing_header_decodes_whole(ffmpeg, tmp_path):
    # libsndfile took the first frame's bitrate for the whole file and stopped at its guess:
    # 6.2 s of a 30 s leg, silently.
    path = tmp_path / "leg.mp3"
    path.write_bytes(piped(ffmpeg, tmp_path, sine(300, 30.0, RATE, 0.3), "-f", "mp3", "-c:a", "libmp3lame", "-q:a", "5"))
    assert b"Xing" not in path.read_bytes()[:512] and b"Info" not in path.read_bytes()[:512]
    expected = ffmpeg_frames(ffmpeg, path)
    assert expected >= 30 * RATE  # the whole tone, plus the encoder's delay and padding
    source, audio = read_all(path)
    assert source.frames == audio.shape[0] == expected
    assert dominant_hz(audio[-2 * RATE:-RATE, 0], RATE) == pytest.approx(300, abs=2)


def test_an_mp3_with_a_xing_header_is_still_read_by_libsndfile(tmp_path):
    path = tmp_path / "leg.mp3"
    soundfile.write(path, sine(300, 2.0, RATE, 0.3), RATE, format="MP3")
    with open_source(path) as source:
        assert source._temp_dir is None and source.frames == 2 * RATE


def test_an_mp3_shorter_than_its_xing_header_says_is_truncated_and_says_it_once(tmp_path, capfd):
    # libmpg123 printed its own "Warning: Xing stream size off by more than 1%" on stderr,
    # where one-shot commands write only JSON lines.
    path = tmp_path / "half.mp3"
    soundfile.write(path, sine(300, 20.0, RATE, 0.3), RATE, format="MP3")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(AudioInputError, match=rf"half\.mp3: truncated MP3: its header promises {len(data)} bytes"
                                              rf" of audio, the file holds {len(data) // 2}"):
        read_all(path)
    assert capfd.readouterr().err == ""


def test_an_mp3_longer_than_its_xing_header_says_decodes_whole(ffmpeg, tmp_path, capfd):
    # Two recordings joined: libsndfile stopped where the first one's header said.
    one = tmp_path / "one.mp3"
    soundfile.write(one, sine(300, 2.0, RATE, 0.3), RATE, format="MP3")
    path = tmp_path / "joined.mp3"
    path.write_bytes(one.read_bytes() * 2)
    source, audio = read_all(path)
    assert source.frames == audio.shape[0] == ffmpeg_frames(ffmpeg, path) > 4 * RATE
    assert capfd.readouterr().err == ""


def test_a_flac_written_to_a_pipe_decodes_to_its_length(ffmpeg, tmp_path):
    signal = sine(300, 10.0, RATE, 0.3)
    path = tmp_path / "leg.flac"
    path.write_bytes(piped(ffmpeg, tmp_path, signal, "-f", "flac"))
    source, audio = read_all(path)
    assert source.frames == audio.shape[0] == 10 * RATE
    assert np.abs(audio[:, 0] - signal).max() <= 1 / 32768  # lossless: the 16-bit samples


def streaming_wav(path, signal):
    """A 16-bit mono WAV whose RIFF and data sizes are 0: the header was never finalised."""
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, 2 * RATE, 2, 16)
    samples = np.round(signal * 32767).astype("<i2").tobytes()
    path.write_bytes(b"RIFF" + struct.pack("<I", 0) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", 0) + samples)
    return np.round(signal * 32767) / 32768


def test_a_wav_whose_sizes_were_never_written_decodes_to_its_length(tmp_path):
    path = tmp_path / "leg.wav"
    expected = streaming_wav(path, sine(300, 10.0, RATE, 0.3))
    source, audio = read_all(path)
    assert source.frames == audio.shape[0] == 10 * RATE
    assert np.array_equal(audio[:, 0], expected.astype(np.float32))


@pytest.mark.parametrize("kind", ["flac", "wav"])
def test_a_stream_of_unknown_length_is_bounded_like_any_file(ffmpeg, tmp_path, kind):
    signal = sine(300, 10.0, RATE, 0.3)
    path = tmp_path / f"long.{kind}"
    if kind == "flac":
        path.write_bytes(piped(ffmpeg, tmp_path, signal, "-f", "flac"))
    else:
        streaming_wav(path, signal)
    # ffmpeg stops one second past the limit, as for any transcode; the length is a number
    with pytest.raises(AudioInputError, match=rf"long\.{kind}: 3\.0 s of audio, longer than the 2\.0 s"):
        open_source(path, DecodeLimits(max_duration_s=2.0), temp_parent=tmp_path)


def test_a_gsm_wav_that_libsndfile_cannot_seek_in_decodes(tmp_path):
    # Asterisk's "wav49": libsndfile opens it but cannot rewind, so nothing was decoded.
    path = tmp_path / "leg.wav"
    soundfile.write(path, sine(300, 2.0, RATE, 0.3), RATE, subtype="GSM610")
    source, audio = read_all(path)
    assert source.frames == audio.shape[0] == 2 * RATE
    assert dominant_hz(audio[:, 0], RATE) == pytest.approx(300, abs=2)
