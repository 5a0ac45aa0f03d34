import numpy as np
import pytest

from audio.beep import Beep, BeepSpec, beep_tone, reminder_starts_s
from tests.audio.signals import dominant_hz


def test_default_beep_is_the_classic_warning_tone():
    tone = beep_tone(BeepSpec(), 8000)
    assert tone.dtype == np.float32 and len(tone) == 4000
    assert dominant_hz(tone, 8000) == pytest.approx(1400, abs=2)
    peak = 10 ** (-12 / 20)
    assert np.abs(tone[400:3600]).max() == pytest.approx(peak, rel=1e-3)


def test_ramps_do_not_click():
    tone = beep_tone(BeepSpec(), 8000)
    # starts and ends near zero; the 10 ms ramps (80 frames) rise smoothly
    assert abs(tone[0]) < 0.001 and abs(tone[-1]) < 0.001
    envelope_at_ramp_end = np.abs(tone[60:100]).max()
    assert envelope_at_ramp_end == pytest.approx(10 ** (-12 / 20), rel=0.02)
    assert np.abs(np.diff(tone)).max() < 2 * np.pi * 1400 / 8000 * 10 ** (-12 / 20) + 1e-6


def test_settings_change_the_tone():
    tone = beep_tone(BeepSpec(freq_hz=1000, duration_s=0.25, level_dbfs=-6), 16000)
    assert len(tone) == 4000
    assert dominant_hz(tone, 16000) == pytest.approx(1000, abs=4)
    assert np.abs(tone).max() == pytest.approx(10 ** (-6 / 20), rel=1e-3)


@pytest.mark.parametrize("kwargs,problem", [
    ({"freq_hz": 0}, "frequency"), ({"duration_s": 0}, "length"),
    ({"level_dbfs": 3}, "level"), ({"reminder_interval_s": 0.2}, "reminder"),
    ({"reminder_interval_s": float("nan")}, "reminder_interval_s must be a finite number"),
    ({"level_dbfs": float("-inf")}, "level_dbfs must be a finite number"),
])
def test_bad_specs(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        BeepSpec(**kwargs)


def test_beep_above_nyquist_is_refused():
    with pytest.raises(ValueError, match="5000"):
        beep_tone(BeepSpec(freq_hz=5000), 8000)


def test_reminders_every_interval_skip_inserted_beeps():
    spec = BeepSpec(reminder_interval_s=15.0)
    assert reminder_starts_s(60.0, spec) == (15.0, 30.0, 45.0)
    assert reminder_starts_s(60.5, spec) == (15.0, 30.0, 45.0, 60.0)
    assert reminder_starts_s(60.0, spec, (Beep(29.8, 30.3, "resume"),)) == (15.0, 45.0)
    assert reminder_starts_s(60.0, BeepSpec()) == ()


def test_no_reminder_in_paused_time_and_paused_time_does_not_count():
    spec = BeepSpec(reminder_interval_s=15.0)
    # recording 40.5 s, paused 10.5-35.5: 15.5 s of recording in progress, so one reminder,
    # 15 s of it in (where skip, which cuts the pause, puts it: 40.0 - 25.0 = 15.0)
    assert reminder_starts_s(40.5, spec, paused=((10.5, 35.5),)) == (40.0,)
    assert reminder_starts_s(15.5, spec) == (15.0,)
    # the grid runs on across a pause: 15, then 30 + 5 s paused
    assert reminder_starts_s(60.0, spec, paused=((20.0, 25.0),)) == (15.0, 35.0, 50.0)
    # paused stretches that touch count as one; a pause to the end holds no tone
    assert reminder_starts_s(60.0, spec, paused=((20.0, 22.0), (22.0, 25.0))) == (15.0, 35.0, 50.0)
    assert reminder_starts_s(60.0, spec, paused=((14.0, 60.0),)) == ()


def test_a_reminder_due_as_a_pause_begins_sounds_where_recording_resumes():
    spec = BeepSpec(reminder_interval_s=15.0)
    assert reminder_starts_s(40.0, spec, paused=((15.25, 20.0),)) == (20.0, 34.75)
    assert reminder_starts_s(40.0, spec, paused=((15.0, 20.0),)) == (20.0, 35.0)
    # there a resume beep already tells the caller: no reminder over it
    assert reminder_starts_s(40.0, spec, (Beep(20.0, 20.5, "resume"),), paused=((15.25, 20.0),)) == (34.75,)
