from __future__ import annotations

import numpy as np

from redaction.line_noise import MIN_FRAMES, NOISY_SPREAD_DB, NoiseMeter
from redaction.pauses import PauseFinder

R = 8000


def _speech_like(seconds: float, noise_dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """Bursts at about -20 dBFS (0.3 s on, 0.2 s off) over white line noise at ``noise_dbfs``."""
    t = np.arange(round(seconds * R)) / R
    on = (t % 0.5) < 0.3
    bursts = 0.1 * np.sin(2 * np.pi * 440.0 * t) * on * (1.0 + 0.5 * np.sin(2 * np.pi * 3.0 * t))
    noise = rng.standard_normal(t.size) * 10 ** (noise_dbfs / 20)
    return (bursts + noise).astype(np.float32)


def _spread(x: np.ndarray, block: int = 4096) -> float | None:
    meter = NoiseMeter(R)
    for i in range(0, x.size, block):
        meter.feed(x[i : i + block])
    return meter.spread_db()


def test_a_quiet_line_spreads_wide_and_a_noisy_one_narrow() -> None:
    rng = np.random.default_rng(1)
    quiet, noisy = _speech_like(20.0, -70.0, rng), _speech_like(20.0, -30.0, rng)
    assert _spread(quiet) > 40.0  # the bursts at about -20 dBFS, the pauses at -70
    assert _spread(noisy) < NOISY_SPREAD_DB  # the noise 10 dB under the bursts fills the pauses
    meter = NoiseMeter(R)
    meter.feed(noisy)
    assert meter.noisy
    meter = NoiseMeter(R)
    meter.feed(quiet)
    assert not meter.noisy


def test_the_spread_is_the_distance_between_the_frames_10th_and_90th_percentiles() -> None:
    # 20 s: 80 % of the frames at -60 dBFS, 20 % at -20 dBFS (each frame one level): 40 dB
    frames = np.concatenate([np.full(1600, 10 ** (-60 / 20)), np.full(400, 10 ** (-20 / 20))])
    x = np.repeat(frames, 80) * np.tile([1.0, -1.0], 80 * 2000 // 2)  # +-a: each frame's energy a^2
    assert _spread(x.astype(np.float32)) == 40.0
    # whatever the blocks it arrives in
    assert _spread(x.astype(np.float32), block=333) == 40.0


def test_too_short_a_call_says_nothing() -> None:
    meter = NoiseMeter(R)
    meter.feed(np.zeros((MIN_FRAMES - 1) * 80, np.float32))
    assert meter.spread_db() is None and not meter.noisy
    meter.feed(np.zeros(80, np.float32))
    assert meter.spread_db() == 0.0  # digital silence: every frame in the lowest bin


def test_the_frames_the_pause_finder_read_count_as_the_meters_own() -> None:
    # the engine computes each frame's energy once, in the pause finder, and the meter counts it
    x = _speech_like(20.0, -30.0, np.random.default_rng(3))
    finder, counted, fed = PauseFinder(R), NoiseMeter(R), NoiseMeter(R)
    for i in range(0, x.size, 3000):
        counted.add(finder.feed(x[i : i + 3000]))
        fed.feed(x[i : i + 3000])
    assert counted.spread_db() == fed.spread_db() < NOISY_SPREAD_DB
