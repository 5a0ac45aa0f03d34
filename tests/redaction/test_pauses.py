"""Pauses, where the padding of spoken card data's masks stops (redaction.pauses)."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.pauses import MARGIN_S, PauseFinder, padded_s


def speech_like(seconds: float, rate_hz: int, seed: int = 0) -> np.ndarray:
    """Noise at -20 dBFS with a 20 ms dip every 200 ms (too short for a pause)."""
    t_s = np.arange(round(seconds * rate_hz)) / rate_hz
    return (0.1 * np.where(t_s % 0.2 < 0.02, 0.003, 1.0)
            * np.random.default_rng(seed).standard_normal(t_s.size)).astype(np.float32)


def with_quiet(audio: np.ndarray, rate_hz: int, *quiet_s: tuple[float, float]) -> np.ndarray:
    out = audio.copy()
    for a, b in quiet_s:
        out[round(a * rate_hz) : round(b * rate_hz)] = 0.0
    return out


def pauses_of(audio: np.ndarray, rate_hz: int, block: int) -> tuple[tuple[float, float], ...]:
    finder = PauseFinder(rate_hz)
    for i in range(0, audio.size, block):
        finder.feed(audio[i : i + block])
    return finder.pauses_s()


@pytest.mark.parametrize("rate_hz", [8000, 16000, 44100])
def test_pauses_are_found_where_the_quiet_is_whatever_the_blocks_and_the_rate(rate_hz: int) -> None:
    audio = with_quiet(speech_like(6.0, rate_hz), rate_hz, (0.0, 0.5), (2.05, 2.35), (3.01, 3.1), (5.5, 6.0))
    expected = [(0.0, 0.5), (2.05, 2.35), (5.5, 6.0)]  # 3.01-3.1: 90 ms, no pause (nor the 20 ms dips)
    for block in (rate_hz * 10, 4096, 333, 80):
        found = pauses_of(audio, rate_hz, block)
        assert [(round(a, 2), round(b, 2)) for a, b in found] == expected, block


def test_steady_noise_is_no_speech_and_a_quiet_digital_line_is_quiet() -> None:
    """The floor follows the quietest frames: line noise alone becomes one long pause; speech
    loud over it is none; under ABSOLUTE_FLOOR_DBFS nothing is speech."""
    rng = np.random.default_rng(1)
    noise = (0.001 * rng.standard_normal(8000 * 3)).astype(np.float32)  # -60 dBFS
    assert pauses_of(noise, 8000, 4096) == ((0.0, 3.0),)
    faint = (1e-4 * rng.standard_normal(8000 * 2)).astype(np.float32)  # -80 dBFS
    assert pauses_of(np.concatenate([np.zeros(800, np.float32), faint]), 8000, 4096) == ((0.0, 2.1),)
    loud = speech_like(2.0, 8000) + noise[: 8000 * 2]
    assert pauses_of(np.concatenate([noise[:4000], loud]), 8000, 4096) == ((0.0, 0.52),)  # and the first dip


def test_a_pause_runs_on_across_blocks_and_one_open_at_the_end_counts() -> None:
    audio = with_quiet(speech_like(3.0, 8000), 8000, (1.0, 1.5), (2.9, 3.0))
    finder = PauseFinder(8000)
    finder.feed(audio[:8800])  # 0.1 s into the pause: none yet
    assert finder.pauses_s() == ()
    finder.feed(audio[8800:9000])  # 0.125 s: the pause so far
    assert [(round(a, 2), round(b, 2)) for a, b in finder.pauses_s()] == [(1.0, 1.12)]
    finder.feed(audio[9000:11000])
    finder.feed(audio[11000:])
    assert [(round(a, 2), round(b, 2)) for a, b in finder.pauses_s()] == [(1.0, 1.5)]  # one; 2.9-3.0: 0.1 s


def test_padding_stops_in_the_nearest_pause_within_reach() -> None:
    pauses = [(1.0, 2.0), (3.5, 3.8), (9.1, 9.4), (12.0, 13.0)]
    # data 4.0-9.0, up to 0.6 s before and 0.55 s after: 3.8 - 0.12, 9.1 + 0.12
    assert padded_s(4.0, 9.0, pauses, 0.6, 0.55) == (pytest.approx(3.8 - MARGIN_S), pytest.approx(9.1 + MARGIN_S))
    # no pause within reach: the whole padding
    assert padded_s(4.0, 9.0, [(1.0, 2.0), (12.0, 13.0)], 0.6, 0.55) == (pytest.approx(3.4), pytest.approx(9.55))
    assert padded_s(4.0, 9.0, [], 0.6, 0.55) == (pytest.approx(3.4), pytest.approx(9.55))
    # a pause barely within reach: stopped short of the whole padding only where MARGIN_S is less
    assert padded_s(4.0, 9.0, [(3.0, 3.45)], 0.6, 0.55)[0] == pytest.approx(3.4)
    assert padded_s(4.0, 9.0, [(3.0, 3.6)], 0.6, 0.55)[0] == pytest.approx(3.48)
    # an edge inside a pause reaches MARGIN_S into it
    assert padded_s(4.0, 9.0, [(3.5, 4.5), (8.8, 9.5)], 0.6, 0.55) == (pytest.approx(3.88), pytest.approx(9.12))
    # never inside the data, never before 0
    assert padded_s(0.05, 9.0, [], 0.6, 0.55)[0] == 0.0
    assert padded_s(4.0, 9.0, pauses, 0.0, 0.0) == (4.0, 9.0)

