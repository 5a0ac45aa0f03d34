"""Storage codecs: FLAC decodes bit for bit, Opus keeps length, alignment and masks; every
encoding is checked on its decoded result and a failed check leaves nothing behind."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from audio.encode import CODECS, Codec, EncodingError, check_decoded, codec_named, encode, sniff, sniff_file
from audio.errors import AudioInputError
from tests.audio.signals import sine

RATE = 8000


def speechy(seconds: float, seed: int = 1) -> np.ndarray:
    """Voiced-speech-like 16-bit audio: harmonics of a wandering pitch under syllable envelopes."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * RATE)
    pitch = np.repeat(rng.uniform(100, 220, frames // 1600 + 1), 1600)[:frames]
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.repeat(rng.uniform(0.05, 0.4, frames // 1200 + 1), 1200)[:frames]
    return np.rint(voice / np.abs(voice).max() * envelope * 32767).astype(np.int16)


def with_masks(audio: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A 1 kHz tone over 1.0-2.0 s and silence over 3.0-3.5 s (the two mask kinds)."""
    masked = audio.copy()
    masked[RATE:2 * RATE] = np.rint(sine(1000, 1.0, RATE, amplitude=0.1) * 32768).astype(np.int16)
    masked[3 * RATE:int(3.5 * RATE)] = 0
    return masked, [(1.0, 2.0), (3.0, 3.5)]


def write(path, samples: np.ndarray):
    soundfile.write(path, samples, RATE, subtype="PCM_16")
    return path


def decoded(path) -> np.ndarray:
    return soundfile.read(path, dtype="int16")[0]


def level_dbfs(samples: np.ndarray) -> float:
    rms = np.sqrt(np.mean((samples.astype(np.float64) / 32768) ** 2))
    return 20 * np.log10(rms) if rms > 0 else -np.inf


def test_flac_decodes_bit_for_bit_and_is_smaller(tmp_path):
    audio = speechy(5.0)
    src = write(tmp_path / "in.wav", audio)
    result = encode(src, tmp_path / "out.flac", CODECS["flac"])
    assert np.array_equal(decoded(tmp_path / "out.flac"), audio)
    assert (result.frames, result.rate_hz, result.codec.name) == (len(audio), RATE, "flac")
    assert result.size_bytes == (tmp_path / "out.flac").stat().st_size < 0.7 * src.stat().st_size
    assert sniff_file(tmp_path / "out.flac") is CODECS["flac"]
    assert result.to_dict() == {"name": "flac", "media_type": "audio/flac", "lossless": True,
                                "rate_hz": RATE, "frames": len(audio)}


def test_opus_keeps_length_alignment_and_the_masks(tmp_path):
    original = speechy(4.0)
    masked, spans = with_masks(original)
    src = write(tmp_path / "in.wav", masked)
    result = encode(src, tmp_path / "out.opus", CODECS["opus"], masked=spans)
    out = decoded(tmp_path / "out.opus").astype(np.float64)
    assert len(out) == len(masked) and result.size_bytes < 0.3 * src.stat().st_size
    # aligned: the best lag of the decoded audio against what was encoded is 0 (+-1 sample)
    lags = range(-40, 41)
    scores = [np.dot(out[100 + lag:-100 + lag], masked[100:-100].astype(np.float64)) for lag in lags]
    assert abs(list(lags)[int(np.argmax(scores))]) <= 1
    # the tone mask is still the tone, at its level; the silent mask is still silent
    tone = out[RATE + 160:2 * RATE - 160]
    assert abs(level_dbfs(tone) - level_dbfs(masked[RATE + 160:2 * RATE - 160])) < 1.0
    spectrum = np.abs(np.fft.rfft(tone * np.hanning(len(tone))))
    assert np.argmax(spectrum) * RATE / len(tone) == pytest.approx(1000, abs=10)
    assert level_dbfs(out[3 * RATE + 160:int(3.5 * RATE) - 160]) < -60
    # what was masked is gone: the masked stretches do not follow the original speech
    speech = original[RATE + 160:2 * RATE - 160].astype(np.float64)
    assert abs(np.dot(tone, speech)) < 0.05 * np.linalg.norm(tone) * np.linalg.norm(speech)


def test_a_lossless_codec_that_does_not_decode_exactly_fails_and_leaves_nothing(tmp_path):
    src = write(tmp_path / "in.wav", speechy(2.0))
    pretend = Codec("opus", "OGG", "OPUS", ".opus", "audio/ogg", lossless=True)
    with pytest.raises(EncodingError, match="same samples"):
        encode(src, tmp_path / "out.opus", pretend)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


def test_the_lossy_check_catches_a_shift_and_a_lost_mask(tmp_path):
    original = speechy(4.0)
    masked, spans = with_masks(original)
    src = write(tmp_path / "in.wav", masked)
    shifted = write(tmp_path / "shifted.wav", np.concatenate((np.zeros(80, np.int16), masked[:-80])))
    with pytest.raises(EncodingError, match="no longer lines up"):
        check_decoded(src, shifted, CODECS["opus"], spans)
    unmasked = masked.copy()
    unmasked[3 * RATE:int(3.5 * RATE)] = original[3 * RATE:int(3.5 * RATE)]
    with pytest.raises(EncodingError, match="masked span 3.000-3.500 s"):
        check_decoded(src, write(tmp_path / "unmasked.wav", unmasked), CODECS["opus"], spans)
    louder = masked.copy()
    louder[RATE:2 * RATE] *= 3
    with pytest.raises(EncodingError, match="masked span 1.000-2.000 s"):
        check_decoded(src, write(tmp_path / "louder.wav", louder), CODECS["opus"], spans)
    with pytest.raises(EncodingError, match="frames"):
        check_decoded(src, write(tmp_path / "short.wav", masked[:-1]), CODECS["flac"])


def test_sniff_and_names():
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is CODECS["wav"]
    assert sniff(b"fLaC\x00\x00\x00\x22") is CODECS["flac"]
    assert sniff(b"OggS" + bytes(24) + b"OpusHead") is CODECS["opus"]
    assert sniff(b"OggS" + bytes(24) + b"\x01vorbis") is None and sniff(b"") is None
    assert codec_named("flac") is CODECS["flac"]
    with pytest.raises(AudioInputError, match="'mp3': must be one of wav, flac, opus"):
        codec_named("mp3")


def test_bad_inputs_are_refused(tmp_path):
    soundfile.write(tmp_path / "stereo.wav", np.zeros((800, 2), np.int16), RATE)
    with pytest.raises(AudioInputError, match="mono"):
        encode(tmp_path / "stereo.wav", tmp_path / "out.flac", CODECS["flac"])
    (tmp_path / "junk.wav").write_bytes(b"RIFF nonsense")
    with pytest.raises(AudioInputError, match="not a readable recording"):
        encode(tmp_path / "junk.wav", tmp_path / "out.flac", CODECS["flac"])
    assert not (tmp_path / "out.flac").exists()



def test_a_path_heading_an_encode_error_is_quoted_when_it_could_blur(tmp_path):
    src = tmp_path / "not a recording.wav"
    src.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(AudioInputError) as caught:
        encode(src, tmp_path / "out.flac", codec_named("flac"))
    assert str(caught.value).startswith(f"{str(src)!r}: not a readable recording (")
