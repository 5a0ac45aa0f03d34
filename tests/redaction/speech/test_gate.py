"""The number gate: which speech regions Whisper hears."""

from __future__ import annotations


import numpy as np
import pytest

from redaction.errors import RedactionInputError
from redaction.speech.gate import NumberGate, gated_regions



def test_digits_pass_the_gate_as_one_region_covering_them(audio, blocks) -> None:
    regions = gated_regions(blocks(audio, 4000), 8000)
    assert len(regions) == 1
    assert regions[0].start_s <= 0.5 and regions[0].end_s >= 2.99  # the four digits: 0.5 .. 2.99 s
    assert regions[0].score > 0.9


def test_the_decision_does_not_depend_on_block_size_or_rate(audio, blocks) -> None:
    a = gated_regions(blocks(audio, 4000), 8000)
    b = gated_regions(blocks(audio, 333), 8000)
    assert a == b
    import soxr

    c = gated_regions(blocks(soxr.resample(audio, 8000, 16000).astype(np.float32), 8000), 16000)
    assert len(c) == 1 and c[0].start_s == pytest.approx(a[0].start_s, abs=0.02)


def test_silence_and_steady_noise_pass_nothing() -> None:
    rng = np.random.default_rng(1)
    assert gated_regions([np.zeros(80000, np.float32)], 8000) == []
    assert gated_regions([(rng.standard_normal(80000) * 0.01).astype(np.float32)], 8000) == []


def test_a_threshold_above_one_passes_nothing(audio, blocks) -> None:
    assert gated_regions(blocks(audio, 4000), 8000, NumberGate(min_number_mass=1.01)) == []


def test_only_a_threshold_of_zero_passes_every_speech_region() -> None:
    # the windows cut long spans in the gaps between regions only when no gap can hide speech
    assert NumberGate(min_number_mass=0.0).passes_every_region
    assert not NumberGate().passes_every_region
    assert not NumberGate(min_number_mass=0.05).passes_every_region


def test_bad_blocks_are_refused() -> None:
    with pytest.raises(RedactionInputError, match="mono"):
        gated_regions([np.zeros((100, 2), np.float32)], 8000)
    with pytest.raises(RedactionInputError, match="positive"):
        gated_regions([np.zeros(100, np.float32)], 0)


def test_a_gated_region_says_when_the_network_heard_each_number_sound(audio, blocks) -> None:
    heard = gated_regions(blocks(audio, 4000), 8000)[0].sounds
    sounds = [t for t, _ in heard]
    assert sounds == sorted(sounds) and 0.5 <= sounds[0] and sounds[-1] <= 2.99  # within the digits
    assert all(0.1 <= p <= 1.0 for _, p in heard) and max(p for _, p in heard) > 0.9
    clusters = 1 + sum(b - a > 0.3 for a, b in zip(sounds, sounds[1:]))
    assert clusters == 4  # one moment (or a few frames together) per spoken digit
    assert repr(gated_regions(blocks(audio, 4000), 8000)[0]).count("sounds") == 0
