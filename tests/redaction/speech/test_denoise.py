"""The recognizer's denoiser: exact where it takes nothing out, steady noise down, speech kept,
the same output however the audio is cut into blocks."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.speech.denoise import GAIN_FLOOR, HISTORY_S, UPDATE_FRAMES, Denoiser

RATE = 8000


def denoised(x: np.ndarray, block: int, rate_hz: int = RATE) -> np.ndarray:
    d = Denoiser(rate_hz)
    return np.concatenate([*(d.feed(x[i : i + block]) for i in range(0, x.size, block)), d.flush()])


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64))))


def noise_and_tone(seconds: float = 6.0, tone_at_s: tuple[float, float] = (2.0, 3.0)) -> np.ndarray:
    """White noise at -40 dBFS with a 440 Hz tone about 20 dB over it between ``tone_at_s``."""
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 0.01, int(seconds * RATE))
    a, b = (int(t * RATE) for t in tone_at_s)
    x[a:b] += 0.1 * np.sin(2 * np.pi * 440.0 * np.arange(b - a) / RATE)
    return x.astype(np.float32)


@pytest.mark.parametrize("block", [1, 255, 4000, 48000])
def test_as_many_samples_out_as_in_and_the_same_whatever_the_blocks(block: int) -> None:
    x = noise_and_tone()
    whole = denoised(x, x.size)
    assert whole.size == x.size and whole.dtype == np.float32
    assert np.array_equal(denoised(x, block), whole)


def test_the_first_frames_pass_unchanged_before_any_noise_is_known() -> None:
    x = noise_and_tone()
    out = denoised(x, 1000)
    hop = Denoiser(RATE)._hop  # noqa: SLF001 (the frame geometry, to name the first changed sample)
    unchanged = (UPDATE_FRAMES - 1) * hop
    np.testing.assert_allclose(out[:unchanged], x[:unchanged], atol=1e-6)
    assert not np.allclose(out[unchanged + 2 * hop :], x[unchanged + 2 * hop :], atol=1e-4)


def test_where_there_is_no_noise_the_frames_add_back_to_the_signal() -> None:
    """Digital silence, then a tone: the noise is nothing and every frame keeps all its power,
    so the half-overlapping square-root Hann windows give the input back."""
    x = np.zeros(5 * RATE)
    x[2 * RATE :] = 0.2 * np.sin(2 * np.pi * 300.0 * np.arange(3 * RATE) / RATE)
    np.testing.assert_allclose(denoised(x.astype(np.float32), 700), x, atol=1e-6)


def test_steady_noise_is_taken_down_and_a_louder_sound_kept() -> None:
    x = noise_and_tone()
    out = denoised(x, 4000)
    before = slice(int(1.0 * RATE), int(2.0 * RATE))
    tone = slice(int(2.1 * RATE), int(2.9 * RATE))
    after = slice(int(4.0 * RATE), int(6.0 * RATE))
    # before any sound over the noise nothing is taken out (no speech heard yet) ...
    np.testing.assert_allclose(out[before], x[before], atol=1e-6)
    # ... once one was, the noise is taken down, up to the floor, and the louder sound keeps its level
    taken_db = level_db(out[after]) - level_db(x[after])
    assert 10 * np.log10(GAIN_FLOOR) - 0.5 < taken_db < -6.0
    assert abs(level_db(out[tone]) - level_db(x[tone])) < 0.5


def test_the_noise_is_followed_when_it_changes() -> None:
    """The line gets 20 dB quieter: once the loud noise has aged out of the history, a broadband
    sound 10 dB over the quiet noise (10 dB under the old noise) is kept, not taken down as noise,
    and the quiet noise after it is taken down in turn."""
    rng = np.random.default_rng(2)
    loud = rng.normal(0.0, 0.1, int(10 * RATE))
    loud[5 * RATE : 6 * RATE] += rng.normal(0.0, 0.3, RATE)  # speech over the loud noise
    quiet = rng.normal(0.0, 0.01, int((HISTORY_S + 10) * RATE))
    x = np.concatenate([loud, quiet])
    sound = slice(x.size - 9 * RATE, x.size - 6 * RATE)  # 3 s of the 20 s history: speech is loud for more than 5 %
    x[sound] += rng.normal(0.0, 0.03, 3 * RATE)
    out = denoised(x.astype(np.float32), 8000)
    assert abs(level_db(out[sound]) - level_db(x[sound])) < 1.0
    late = slice(x.size - 5 * RATE, x.size)
    assert level_db(out[late]) - level_db(x[late]) < -6.0
    early = slice(7 * RATE, 9 * RATE)  # the loud noise after the speech over it
    assert level_db(out[early]) - level_db(x[early]) < -6.0


def test_wideband_audio_is_framed_at_its_rate() -> None:
    x = np.repeat(noise_and_tone(), 2)  # 16 kHz
    out = denoised(x, 3000, rate_hz=2 * RATE)
    assert out.size == x.size
    assert Denoiser(2 * RATE)._n == 2 * Denoiser(RATE)._n  # noqa: SLF001 (32 ms frames at either rate)
    assert level_db(out[8 * RATE : 12 * RATE]) < level_db(x[8 * RATE : 12 * RATE]) - 6.0  # after the tone


def test_a_quiet_line_and_noise_alone_pass_unchanged() -> None:
    """Nothing is taken out of a line whose loud sound is QUIET_LINE_DB or more over its noise
    (Whisper's words would move for nothing), nor of noise with nothing over it (no speech yet)."""
    rng = np.random.default_rng(4)
    quiet = rng.normal(0.0, 0.001, 8 * RATE)  # -60 dBFS
    quiet[3 * RATE : 5 * RATE] += rng.normal(0.0, 0.1, 2 * RATE)  # 40 dB over it
    for x in (quiet, rng.normal(0.0, 0.01, 8 * RATE)):
        np.testing.assert_allclose(denoised(x.astype(np.float32), 1000), x, atol=1e-6)
    # the same sound 10 dB over the noise is a noisy line: the noise around it is taken down
    noisy = rng.normal(0.0, 0.03, 8 * RATE)
    noisy[3 * RATE : 5 * RATE] += rng.normal(0.0, 0.1, 2 * RATE)
    out = denoised(noisy.astype(np.float32), 1000)
    assert level_db(out[6 * RATE :]) < level_db(noisy[6 * RATE :]) - 6.0
