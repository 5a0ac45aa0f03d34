"""The training channel's simulated room (tools/speech/channel.room)."""

from __future__ import annotations

import numpy as np

from tools.speech.channel import RATE_HZ, ROOM_DIRECT, ROOM_RT60_S, room


def test_a_click_in_a_room_is_its_direct_sound_then_a_decaying_tail_of_the_same_energy() -> None:
    click = np.zeros(RATE_HZ, np.float32)
    click[0] = 1.0
    for seed in range(5):
        y = room(click, np.random.default_rng(seed)).astype(np.float64)
        assert np.sqrt(ROOM_DIRECT[0]) - 1e-6 <= y[0] <= np.sqrt(ROOM_DIRECT[1]) + 1e-6
        assert abs(np.sum(y**2) - 1.0) < 1e-4  # the response's energy is the click's
        tail = y[1:]
        tail_n = np.flatnonzero(np.abs(tail) > 1e-9)[-1] + 1  # past it, FFT round-off
        assert ROOM_RT60_S[0] * RATE_HZ - 2 <= tail_n <= ROOM_RT60_S[1] * RATE_HZ
        tenth = tail_n // 10
        # 60 dB down over the RT60: its last tenth far quieter than its first
        early, late = np.sum(tail[:tenth] ** 2), np.sum(tail[-tenth:] ** 2)
        assert late < early * 1e-4


def test_speech_in_a_room_keeps_its_start_and_keeps_half_the_tail_past_its_end() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4000).astype(np.float32)
    y = room(x, np.random.default_rng(2))
    assert y.dtype == np.float32
    assert x.size < y.size <= x.size + ROOM_RT60_S[1] * RATE_HZ / 2
    # the direct sound leads: the first sample is the input's scaled by the direct path
    assert y[0] / x[0] > np.sqrt(ROOM_DIRECT[0]) - 1e-6
