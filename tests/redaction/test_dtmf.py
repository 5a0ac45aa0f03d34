"""DTMF receiver against the spec grid (ITU-T Q.24 / Bellcore numbers) and talk-off."""

from __future__ import annotations

import glob
import shutil
import subprocess
import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction.dtmf import KEYPAD, DtmfDetector, detect_dtmf
from redaction.dtmf_synth import KeyPress, key_sequence

KEYS = "".join(KEYPAD)
#: The dev digit clips: ``../shared`` beside the repository root (DESIGN.md §5), in any checkout.
FSDD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fsdd-dev"


def keys_found(presses: list[KeyPress], rate_hz: int = 8000, **kwargs) -> str:
    signal, _ = key_sequence(presses, rate_hz, **kwargs)
    return "".join(tone.key for tone in detect_dtmf(signal, rate_hz))


def test_every_key_is_found_with_its_time() -> None:
    presses = [KeyPress(key, on_s=0.1) for key in KEYS]
    signal, times = key_sequence(presses, 8000)
    tones = list(detect_dtmf(signal, 8000))
    assert "".join(t.key for t in tones) == KEYS
    for tone, (start_s, end_s) in zip(tones, times):
        # The reported span covers the tone to within one hop on each side.
        assert start_s - 0.02 <= tone.start_s <= start_s + 0.005
        assert end_s - 0.005 <= tone.end_s <= end_s + 0.02
        assert tone.confidence > 0.9


@pytest.mark.parametrize("on_s", [0.040, 0.045, 0.060, 0.5])
def test_tones_of_40_ms_and_longer_operate(on_s: float) -> None:
    assert keys_found([KeyPress(key, on_s=on_s) for key in KEYS]) == KEYS


@pytest.mark.parametrize("on_s", [0.005, 0.010, 0.015, 0.020])
def test_tones_shorter_than_20_ms_do_not_operate(on_s: float) -> None:
    assert keys_found([KeyPress(key, on_s=on_s) for key in KEYS]) == ""


@pytest.mark.parametrize("deviation", [-0.015, -0.01, 0.01, 0.015])
def test_frequency_off_by_up_to_1_5_percent_operates(deviation: float) -> None:
    assert keys_found([KeyPress(key, on_s=0.04, deviation=deviation) for key in KEYS]) == KEYS


@pytest.mark.parametrize("deviation", [-0.06, -0.035, 0.035, 0.06])
def test_frequency_off_by_3_5_percent_or_more_does_not_operate(deviation: float) -> None:
    assert keys_found([KeyPress(key, on_s=0.1, deviation=deviation) for key in KEYS]) == ""


@pytest.mark.parametrize("twist_db", [8.0, 4.0, -2.0, -4.0])
def test_twist_within_8_db_normal_and_4_db_reverse_operates(twist_db: float) -> None:
    assert keys_found([KeyPress(key, on_s=0.04, twist_db=twist_db) for key in KEYS]) == KEYS


@pytest.mark.parametrize("level_dbm0", [0.0, -10.0, -20.0, -25.0])
def test_levels_down_to_minus_25_dbm0_operate(level_dbm0: float) -> None:
    assert keys_found([KeyPress(key, on_s=0.04, level_dbm0=level_dbm0) for key in KEYS]) == KEYS


def test_tones_below_minus_55_dbm0_do_not_operate() -> None:
    assert keys_found([KeyPress(key, level_dbm0=-55.0) for key in KEYS]) == ""


@pytest.mark.parametrize(
    ("deviation", "twist_db"), list(itertools.product([-0.015, 0.015], [8.0, -4.0]))
)
def test_worst_corner_at_15_db_snr_operates(deviation: float, twist_db: float) -> None:
    """40 ms, 1.5 % off, full twist, weaker tone at the level floor, 15 dB S/N."""
    presses = [
        KeyPress(key, on_s=0.04, deviation=deviation, twist_db=twist_db, level_dbm0=-25.0 + abs(twist_db))
        for key in KEYS
    ]
    assert keys_found(presses, snr_db=15.0, seed=7) == KEYS


def test_long_press_is_one_digit_and_two_quick_presses_are_two() -> None:
    assert keys_found([KeyPress("5", on_s=3.0)], snr_db=15.0) == "5"
    assert keys_found([KeyPress("5", on_s=0.05), KeyPress("5", on_s=0.05)], gap_s=0.04) == "55"


@pytest.mark.parametrize("rate_hz", [8000, 11025, 16000, 22050, 44100, 48000])
def test_any_input_rate_gives_times_on_the_input_clock(rate_hz: int) -> None:
    presses = [KeyPress(key, on_s=0.05) for key in "159#"]
    signal, times = key_sequence(presses, rate_hz)
    tones = list(detect_dtmf(signal, rate_hz))
    assert "".join(t.key for t in tones) == "159#"
    for tone, (start_s, end_s) in zip(tones, times):
        assert start_s - 0.02 <= tone.start_s <= start_s + 0.006
        assert end_s - 0.006 <= tone.end_s <= end_s + 0.02


@pytest.mark.parametrize("block", [1, 37, 160, 4096])
def test_block_size_does_not_change_the_result(block: int) -> None:
    signal, _ = key_sequence([KeyPress(key, on_s=0.045) for key in KEYS], 22050, snr_db=20.0)
    whole = list(detect_dtmf(signal, 22050))
    detector = DtmfDetector(22050)
    pieces = [t for i in range(0, len(signal), block) for t in detector.feed(signal[i : i + block])]
    pieces += detector.finish()
    assert [(t.key, round(t.start_s, 4), round(t.end_s, 4)) for t in pieces] == [
        (t.key, round(t.start_s, 4), round(t.end_s, 4)) for t in whole
    ]


def test_silence_noise_and_single_tones_give_nothing() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(8000 * 5) / 8000
    signals = [
        np.zeros(8000 * 5, np.float32),
        rng.normal(0, 0.3, 8000 * 5).astype(np.float32),
        (0.5 * np.sin(2 * np.pi * 697 * t)).astype(np.float32),
        (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32),  # the mask tone
        (0.3 * np.sin(2 * np.pi * 350 * t) + 0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),  # dial tone
    ]
    for signal in signals:
        assert list(detect_dtmf(signal, 8000)) == []


def test_repr_never_shows_the_key() -> None:
    (tone,) = detect_dtmf(key_sequence([KeyPress("7")], 8000)[0], 8000)
    assert "7" not in repr(tone).replace("0.", "")


def test_bad_use_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_hz"):
        DtmfDetector(0)
    detector = DtmfDetector(8000)
    detector.finish()
    with pytest.raises(RuntimeError):
        detector.feed(np.zeros(10, np.float32))


@pytest.mark.skipif(not glob.glob(f"{FSDD}/*.wav"), reason=f"dev digit clips not present in {FSDD}")
@pytest.mark.parametrize("gain", ["as recorded", "peak normalised"])
def test_talk_off_no_false_digit_on_the_1500_dev_digit_clips(gain: str) -> None:
    clips = []
    for path in sorted(glob.glob(f"{FSDD}/*.wav")):
        clip, rate_hz = sf.read(path, dtype="float32")
        assert rate_hz == 8000
        if gain == "peak normalised":
            clip = clip / max(float(np.abs(clip).max()), 1e-6) * 0.9
        clips += [clip, np.zeros(400, np.float32)]
    assert len(clips) == 3000
    speech = np.concatenate(clips)
    blocks = (speech[i : i + 8192] for i in range(0, len(speech), 8192))
    assert list(detect_dtmf(blocks, 8000)) == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng (Debian) not installed")
def test_talk_off_no_false_digit_on_synthetic_speech(tmp_path) -> None:
    """High-pitched synthetic voices hold steady harmonics, the classic talk-off risk."""
    text = (
        "Ooooh, aaaah, eeeee, mmmmm. Nine one one. Please read me the sixteen digits on the front "
        "of your card. Sure, four five three two, one four eight eight. Beautiful music, la la la."
    )
    found = []
    for voice, pitch in itertools.product(["en", "en+f2", "en+f5", "en+m3"], [50, 99]):
        path = tmp_path / f"{voice}-{pitch}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-w", str(path), text], check=True)
        speech, rate_hz = sf.read(path, dtype="float32")
        found += list(detect_dtmf(speech / np.abs(speech).max() * 0.9, rate_hz))
    assert found == []
