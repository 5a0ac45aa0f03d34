"""Perturbed real speakers: the tune split's stand-in for people no component has heard."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tools.evalcalls import calls, splits, voices
from tools.evalcalls.calls import make_call
from tools.evalcalls.voices import RATE_HZ, FsddSpeaker, espeak_installed, perturb

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="needs Debian's sox (tempo)")
needs_calls = pytest.mark.skipif(not espeak_installed() or shutil.which("sox") is None
                                 or not any(calls.FSDD_DIR.glob("0_jackson_*.wav")),
                                 reason="needs Debian's espeak-ng and sox and ../shared/data/fsdd-dev")


def _peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / RATE_HZ)[np.argmax(spectrum)])


def _tone(hz: float, seconds: float) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(int(seconds * RATE_HZ)) / RATE_HZ)).astype(np.float32)


@needs_sox
def test_a_longer_or_shorter_vocal_tract_scales_every_frequency_and_keeps_the_length():
    rng = np.random.default_rng(0)
    for factor in (0.8, 1.25):
        y = perturb(_tone(1000.0, 1.0), factor, 1.0, 0.0, None, rng)
        assert abs(_peak_hz(y) - 1000.0 * factor) <= 2.0
        assert abs(y.size - RATE_HZ) <= 0.02 * RATE_HZ


@needs_sox
def test_tempo_changes_the_length_and_keeps_the_pitch():
    y = perturb(_tone(500.0, 1.0), 1.0, 0.75, 0.0, None, np.random.default_rng(0))
    assert abs(y.size - RATE_HZ / 0.75) <= 0.02 * RATE_HZ
    assert abs(_peak_hz(y) - 500.0) <= 2.0


def test_gain_and_noise_are_exact_and_come_from_the_generator():
    x = _tone(700.0, 0.5)
    assert np.allclose(perturb(x, 1.0, 1.0, -20.0, None, np.random.default_rng(0)), x * 0.1, atol=1e-7)
    a = perturb(x, 1.0, 1.0, 0.0, 10.0, np.random.default_rng(5))
    b = perturb(x, 1.0, 1.0, 0.0, 10.0, np.random.default_rng(5))
    assert np.array_equal(a, b)
    snr_db = 10 * np.log10(np.mean(x.astype(np.float64) ** 2) / np.mean((a - x).astype(np.float64) ** 2))
    assert 9.5 < snr_db < 10.5


def test_a_perturbed_speaker_is_named_after_it_and_unknown_ones_are_refused():
    assert FsddSpeaker("jackson", calls.FSDD_DIR, "deep").name == "fsdd-jackson+deep"
    assert FsddSpeaker("jackson", calls.FSDD_DIR).name == "fsdd-jackson"
    with pytest.raises(ValueError, match="unknown perturbation 'squeaky'"):
        FsddSpeaker("jackson", calls.FSDD_DIR, "squeaky")


def test_perturbed_voices_are_tune_voices_made_from_the_tune_speaker_only():
    assert set(splits.PERTURBED) <= set(splits.TUNE)
    for voice in splits.PERTURBED:
        speaker, _, perturbation = voice.partition("+")
        assert speaker == "fsdd-jackson" and perturbation in voices.PERTURBATIONS
        assert splits.split_of(voice) == "tune"
    assert isinstance(calls.voice_of("fsdd-jackson+rough", np.random.default_rng(0)), FsddSpeaker)


@needs_calls
def test_a_perturbed_call_is_deterministic_and_keeps_its_digits(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREC_EVAL_CACHE", str(tmp_path))
    a = make_call("fsdd-jackson+rough", "card", 3, 0, cache=False)
    b = make_call("fsdd-jackson+rough", "card", 3, 0, cache=False)
    plain = make_call("fsdd-jackson", "card", 3, 0, cache=False)
    assert np.array_equal(a.audio, b.audio) and a.spans == b.spans
    sensitive = [s for s in a.spans if s.sensitive]
    assert all(s.digits == 1 for s in sensitive)
    assert sum(s.digits for s in sensitive if s.kind == "card") in (15, 16)
    assert not np.array_equal(a.audio[: plain.audio.size], plain.audio[: a.audio.size])


def test_an_mbrola_voice_reading_english_is_available_by_its_diphones(monkeypatch, tmp_path):
    """"mb-de4-en" needs MBROLA's de4 diphones (/usr/share/mbrola/de4), as "mb-us1" needs us1."""
    seen = []
    real_is_dir = voices.Path.is_dir
    monkeypatch.setattr(voices.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(voices.Path, "is_dir", lambda self: seen.append(str(self)) or real_is_dir(tmp_path))
    assert voices.EspeakVoice("mb-de4-en").available() and voices.EspeakVoice("mb-us1").available()
    assert seen == ["/usr/share/mbrola/de4", "/usr/share/mbrola/us1"]
