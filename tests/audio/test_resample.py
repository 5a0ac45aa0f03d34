import numpy as np
import pytest
import soxr

from audio.resample import Resampler, mono_blocks
from tests.audio.signals import dominant_hz, sine


@pytest.mark.parametrize("in_rate_hz", [8000, 11025, 16000, 22050, 44100, 48000])
def test_stream_equals_whole_signal(in_rate_hz):
    signal = np.random.default_rng(in_rate_hz).uniform(-0.5, 0.5, in_rate_hz * 2).astype(np.float32)
    resampler = Resampler(in_rate_hz, 8000)
    parts = [resampler.process(signal[i:i + 3001]) for i in range(0, len(signal), 3001)]
    parts.append(resampler.flush())
    streamed = np.concatenate(parts)
    assert len(streamed) == 16000
    if in_rate_hz != 8000:
        assert np.array_equal(streamed, soxr.resample(signal, in_rate_hz, 8000, quality="HQ"))
    else:
        assert np.array_equal(streamed, signal)


def test_tone_keeps_its_frequency_and_timing():
    tone = sine(1000, 1.0, 44100, amplitude=0.5)
    out = np.concatenate(list(mono_blocks([tone[:, None]], 44100, 8000)))
    assert len(out) == 8000
    assert dominant_hz(out, 8000) == pytest.approx(1000, abs=1)
    assert np.abs(out[1000:7000]).max() == pytest.approx(0.5, abs=0.01)


def test_no_aliasing_from_above_the_new_nyquist():
    # 6 kHz at 48 kHz would fold to 2 kHz at 8 kHz without the anti-aliasing filter.
    tone = sine(6000, 1.0, 48000, amplitude=0.5)
    out = np.concatenate(list(mono_blocks([tone[:, None]], 48000, 8000)))
    assert np.sqrt(np.mean(out[800:-800] ** 2)) < 1e-4


def test_upsampling():
    tone = sine(400, 0.5, 8000)
    out = np.concatenate(list(mono_blocks([tone[:, None]], 8000, 16000)))
    assert len(out) == 8000
    assert dominant_hz(out, 16000) == pytest.approx(400, abs=2)


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="0"):
        Resampler(0, 8000)
    resampler = Resampler(16000, 8000)
    resampler.flush()
    with pytest.raises(ValueError, match="after flush"):
        resampler.process(np.zeros(10, dtype=np.float32))


def test_two_channels_are_resampled_each_as_alone():
    from audio.resample import track_blocks

    rng = np.random.default_rng(3)
    left, right = rng.uniform(-0.5, 0.5, 44100).astype(np.float32), rng.uniform(-0.5, 0.5, 44100).astype(np.float32)
    stereo = np.stack([left, right], axis=1)
    both = Resampler(44100, 8000, channels=2)
    out = np.concatenate([both.process(stereo[i : i + 1000]) for i in range(0, 44100, 1000)] + [both.flush()])

    def alone(x):
        one = Resampler(44100, 8000)
        return np.concatenate([one.process(x[i : i + 1000]) for i in range(0, 44100, 1000)] + [one.flush()])

    assert out.shape == (8000, 2)
    assert np.allclose(out[:, 0], alone(left), atol=1e-6) and np.allclose(out[:, 1], alone(right), atol=1e-6)
    with pytest.raises(ValueError, match="2 channel"):
        Resampler(44100, 8000, channels=2).process(left)
    # a leg's two tracks: a mono leg on the first; a third channel joins the second
    tracks = np.concatenate(list(track_blocks([left[:, None]], 44100, 8000)))
    assert np.allclose(tracks[:, 0], alone(left), atol=1e-6) and not tracks[:, 1].any()
    three = np.stack([left, right, right], axis=1)
    tracks = np.concatenate(list(track_blocks([three], 44100, 8000)))
    assert np.allclose(tracks[:, 1], alone(2 * right), atol=1e-5)
