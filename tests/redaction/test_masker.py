"""Masker: tone, silence or noise inside intervals, ramps, untouched outside, any block size."""

from __future__ import annotations

import numpy as np
import pytest

from redaction.dtmf import detect_dtmf
from redaction.masker import ChannelMasker, Masker
from redaction.spans import MaskInterval

RATE = 8000


def masked(mode: str, signal: np.ndarray, block: int) -> np.ndarray:
    masker = Masker([MaskInterval(1000, 3000), MaskInterval(5000, 5400)], RATE, mode=mode)
    return np.concatenate([masker.apply(signal[i : i + block], i) for i in range(0, len(signal), block)])


@pytest.mark.parametrize("mode", ["tone", "silence", "noise"])
def test_outside_untouched_inside_replaced_and_block_size_free(mode: str) -> None:
    signal = np.random.default_rng(1).uniform(-0.5, 0.5, 8000)
    whole = masked(mode, signal, 8000)
    assert np.array_equal(whole[:1000], signal[:1000])
    assert np.array_equal(whole[3000:5000], signal[3000:5000])
    assert np.array_equal(whole[5400:], signal[5400:])
    for block in (1, 333, 4096):
        assert np.array_equal(masked(mode, signal, block), whole)
    inner = whole[1040:2960]  # past the 5 ms ramps
    if mode == "silence":
        assert not inner.any()
    elif mode == "tone":
        assert np.isclose(np.sqrt(np.mean(inner**2)), 0.1 / np.sqrt(2), rtol=1e-3)  # -20 dBFS sine
    else:
        assert 0.001 < np.sqrt(np.mean(inner**2)) < 0.004  # about -50 dBFS
    assert np.corrcoef(inner, signal[1040:2960])[0, 1] < 0.1 if mode != "silence" else True


def test_ramps_fade_between_signal_and_mask() -> None:
    signal = np.full(8000, 0.5)
    out = masked("silence", signal, 8000)
    ramp = out[1000:1040]
    assert np.all(np.diff(ramp) <= 0) and ramp[0] < 0.5 and ramp[-1] == 0.0
    assert np.all(np.diff(out[2960:3000]) >= 0) and out[2999] < 0.5


def test_multichannel_blocks_get_the_same_mask_on_every_channel() -> None:
    signal = np.random.default_rng(2).uniform(-0.5, 0.5, (8000, 2))
    out = Masker([MaskInterval(100, 200)], RATE).apply(signal, 0)
    assert np.array_equal(out[150, 0], out[150, 1])
    assert np.array_equal(out[300:], signal[300:])


def test_the_mask_tone_is_not_a_keyed_digit() -> None:
    out = Masker([MaskInterval(0, 80_000)], RATE).apply(np.zeros(80_000), 0)
    assert list(detect_dtmf(out.astype(np.float32), RATE)) == []


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'beep'"):
        Masker([], RATE, mode="beep")


def test_a_channel_masker_masks_each_channel_with_its_own_plan() -> None:
    block = np.tile(np.float64([[0.25, -0.5]]), (4000, 1))
    masker = ChannelMasker([Masker([MaskInterval(1000, 2000)], RATE, mode="silence"),
                            Masker([MaskInterval(3000, 3500)], RATE, mode="silence")])
    out = np.concatenate([masker.apply(block[i : i + 512], i) for i in range(0, 4000, 512)])
    assert np.array_equal(out[:1000], block[:1000]) and np.array_equal(out[2000:3000], block[2000:3000])
    ramp = masker.maskers[0].ramp
    assert not out[1000 + ramp : 2000 - ramp, 0].any() and np.array_equal(out[1000:2000, 1], block[1000:2000, 1])
    assert not out[3000 + ramp : 3500 - ramp, 1].any() and np.array_equal(out[3000:3500, 0], block[3000:3500, 0])
    with pytest.raises(ValueError, match="2 channels"):
        masker.apply(block[:, 0], 0)
