"""The echo meter: how far one channel is a delayed copy of another, second by second."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.echo import BLOCK_S, MAX_LAG_S, EchoMeter

RATE = 8000


def speech_like(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    return rng.standard_normal(n) * np.repeat(rng.uniform(0.02, 0.4, n // 1600 + 1), 1600)[:n]


def measured(left: np.ndarray, right: np.ndarray, block: int = 3000) -> EchoMeter:
    meter = EchoMeter(RATE, 2)
    audio = np.stack([left, right], axis=1)
    for i in range(0, len(audio), block):
        meter.feed(audio[i : i + block])
    return meter


def late(x: np.ndarray, seconds: float, gain: float) -> np.ndarray:
    shift = round(seconds * RATE)
    return gain * np.r_[np.zeros(shift), x[: len(x) - shift]]


@pytest.mark.parametrize("gain", [1.0, 10 ** (-30 / 20), 10 ** (-60 / 20)])
def test_a_late_copy_at_any_level_correlates_fully_and_only_that_way(gain: float) -> None:
    caller = speech_like(4.5, 1)
    meter = measured(caller, late(caller, 0.03, gain))
    assert [round(meter.correlation(0, 1, k, k + 1), 3) for k in range(5)] == [1.0] * 5  # the call's end too
    assert meter.correlation(1, 0, 0.0, 4.5) < 0.1  # the caller's channel is no copy of the agent's


def test_a_copy_under_the_channels_own_noise_still_correlates() -> None:
    caller = speech_like(5.0, 2)
    echo = late(caller, 0.12, 0.01)
    noise = np.random.default_rng(3).standard_normal(len(caller)) * np.std(echo) * 10 ** (3 / 20)  # 3 dB over it
    assert measured(caller, echo + noise).correlation(0, 1, 0.0, 5.0) > 0.45


def test_independent_sound_silence_and_a_copy_too_late_do_not_correlate() -> None:
    caller = speech_like(5.0, 4)
    assert measured(caller, speech_like(5.0, 5)).correlation(0, 1, 0.0, 5.0) < 0.1
    assert measured(caller, np.zeros(len(caller))).correlation(0, 1, 0.0, 5.0) == 0.0
    assert measured(caller, late(caller, MAX_LAG_S + 0.1, 0.1)).correlation(0, 1, 0.0, 5.0) < 0.1


def test_the_measure_is_the_same_however_the_stream_is_cut_and_kept_per_block() -> None:
    caller = speech_like(6.0, 6)
    echo = np.r_[np.zeros(3 * RATE), late(caller, 0.05, 0.1)[3 * RATE :]]  # the echo from 3 s on
    meters = [measured(caller, echo, block) for block in (37, 4096, 65536, 10**6)]
    first = [meters[0].correlation(0, 1, k * BLOCK_S, (k + 1) * BLOCK_S) for k in range(6)]
    assert first[:2] == [0.0, 0.0] and first[2] < 0.45 and min(first[3:]) == pytest.approx(1.0)  # 2-3 s: its lags reach 3 s
    for meter in meters[1:]:
        assert [meter.correlation(0, 1, k, k + 1) for k in range(6)] == pytest.approx(first)
    assert meters[0].correlation(0, 1, 2.5, 3.2) == pytest.approx(1.0)  # any block it overlaps
    assert meters[0].correlation(0, 1, 60.0, 61.0) == 0.0  # nothing fed there
    assert EchoMeter(RATE, 2).correlation(0, 1, 0.0, 1.0) == 0.0


def test_an_echo_through_a_dispersive_path_still_correlates() -> None:
    # a line's echo path: a few reflections and a decaying tail (50 ms), 30 dB down, over line noise
    caller = speech_like(5.0, 7)
    path = np.zeros(400)
    path[[0, 40, 120]] = [0.6, -0.3, 0.2]
    path[200:] = 0.05 * np.random.default_rng(8).standard_normal(200) * np.exp(-np.arange(200) / 60)
    echo = np.convolve(caller, path)[: len(caller)] * 10 ** (-30 / 20)
    noise = np.random.default_rng(9).standard_normal(len(caller)) * np.std(echo) * 10 ** (-10 / 20)
    meter = measured(caller, echo + noise)
    assert min(meter.correlation(0, 1, k, k + 1) for k in range(5)) > 0.5
