import numpy as np
import soundfile

from audio.beep import BeepSpec, beep_tone
from audio.limiter import CEILING
from audio.mixdown import mix_down
from audio.mono import limited_mono

RATE = 8000


def test_a_track_past_full_scale_is_limited_in_the_mix_not_clipped(tmp_path):
    """Loud speech (0.9) on the caller's track with a reminder tone mixed into it passes full
    scale on that track alone (the tracks file is float, not limited): the stored mix is the
    limited sum, with the waveform's shape kept, not a track clipped flat at 1.0 first."""
    t = np.arange(2 * RATE) / RATE
    caller = (0.9 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    reminder = beep_tone(BeepSpec(level_dbfs=-6.0), RATE)
    caller[RATE:RATE + len(reminder)] += reminder
    tracks = np.stack([caller, np.zeros_like(caller)], axis=1)
    assert np.abs(tracks[:, 0]).max() > 1.2
    soundfile.write(tmp_path / "tracks.wav", tracks, RATE, subtype="FLOAT")
    mixed, _ = soundfile.read(mix_down(tmp_path / "tracks.wav", tmp_path / "mono.wav"), dtype="int16")
    expected = np.concatenate(list(limited_mono([tracks], RATE)))
    assert len(mixed) == len(expected) == 2 * RATE
    assert np.abs(mixed.astype(np.int32) - np.rint(expected * 32768).astype(np.int32)).max() <= 1
    assert np.abs(mixed).max() <= CEILING * 32768 + 1
    # untouched before the tone: the limiter is bit-exact where nothing is loud
    assert np.array_equal(mixed[:RATE - 800], np.rint(caller[:RATE - 800] * 32768).astype(np.int16))
