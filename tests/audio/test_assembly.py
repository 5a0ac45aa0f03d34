import numpy as np
import pytest
import soundfile

from audio import assembly
from audio.assembly import Insert, Keep, SegmentInput, assemble
from audio.beep import Beep, BeepSpec, beep_tone
from audio.decode import open_source
from audio.timemap import Piece
from audio.errors import AudioInputError
from audio.limiter import CEILING, LOOKAHEAD_S
from tests.audio.signals import dominant_hz, sine

RATE = 8000
SPEC = BeepSpec()
TONE = np.rint(beep_tone(SPEC, RATE) * 32768).astype(np.int16)


def ramp_file(path, seconds, rate_hz=RATE, channels=1, offset=0.0):
    """Each frame holds (offset + its own time in s) / 1000: positions can be read back."""
    t = offset + np.arange(int(seconds * rate_hz)) / rate_hz
    data = (t / 1000).astype(np.float32)
    soundfile.write(path, np.repeat(data[:, None], channels, axis=1) / channels, rate_hz, subtype="FLOAT")
    return path


def run(tmp_path, segments, timeline, beep=SPEC):
    out = tmp_path / "out.wav"
    sources = [open_source(path) for path, _ in segments]
    try:
        result = assemble([SegmentInput(src, start) for src, (_, start) in zip(sources, segments)],
                          timeline, out, RATE, beep)
    finally:
        for src in sources:
            src.close()
    data, rate = soundfile.read(out, dtype="float32")
    assert rate == RATE
    return result, data


def seconds_at(data, frames):
    """Undo ramp_file's encoding (16-bit output: 1/32767 resolution = 30 ms of call time)."""
    return data[frames] * 1000


def test_beep_then_kept_time_in_call_order(tmp_path):
    seg = ramp_file(tmp_path / "a.wav", 10.0)
    result, data = run(tmp_path, [(seg, 5.0)],
                       [Insert("start"), Keep(6.0, 8.0), Keep(10.0, 12.0)])
    assert result.frames == len(data) == 4000 + 16000 + 16000
    assert np.array_equal(np.rint(data[:4000] * 32768).astype(np.int16), TONE)
    # call time 6.0 is 1.0 s into the segment; 10.0 is 5.0 s in
    assert seconds_at(data, 4000) == pytest.approx(1.0, abs=0.02)
    assert seconds_at(data, 4000 + 15999) == pytest.approx(3.0, abs=0.02)
    assert seconds_at(data, 20000) == pytest.approx(5.0, abs=0.02)
    assert result.beeps == (Beep(0.0, 0.5, "start"),)
    assert result.time_map.to_recording_s(10.0) == 2.5
    assert result.time_map.to_call_s(0.5) == 6.0
    assert result.duration_s == 4.5


def test_kept_time_without_audio_and_silent_time_are_silence(tmp_path):
    seg = ramp_file(tmp_path / "a.wav", 2.0, offset=1.0)
    result, data = run(tmp_path, [(seg, 3.0)],
                       [Keep(0.0, 4.0), Keep(4.0, 5.0, silent=True)])
    assert len(data) == 5 * RATE
    assert not data[:3 * RATE].any()            # before the segment starts
    assert data[3 * RATE:4 * RATE].all()        # segment audio
    assert not data[4 * RATE:].any()            # paused, kept as silence


def test_overlapping_segments_are_mixed_without_clipping(tmp_path):
    loud = np.full(2 * RATE, 0.8, dtype=np.float32)
    soundfile.write(tmp_path / "a.wav", loud, RATE, subtype="FLOAT")
    soundfile.write(tmp_path / "b.wav", loud[:RATE] * 0.25, RATE, subtype="FLOAT")
    result, data = run(tmp_path, [(tmp_path / "a.wav", 0.0), (tmp_path / "b.wav", 1.0)],
                       [Keep(0.0, 2.0)])
    attack_f = int(round(LOOKAHEAD_S * RATE))
    pcm = np.rint(data * 32768).astype(np.int32)
    assert np.all(pcm[:RATE - attack_f] == round(0.8 * 32768))   # untouched before the look-ahead
    assert np.all(np.diff(pcm[RATE - attack_f:RATE]) <= 0)       # the gain ramps down, no step up
    # the 1.0 sum is held at the ceiling (16-bit rounding apart), never at full scale
    assert np.abs(data[RATE:] - CEILING).max() <= 1 / 32768


def test_dual_channel_other_rate_is_mixed_and_resampled(tmp_path):
    agent, caller = sine(500, 2.0, 16000, 0.3), np.zeros(32000, dtype=np.float32)
    caller[16000:] = sine(900, 1.0, 16000, 0.3)
    soundfile.write(tmp_path / "leg.wav", np.stack([agent, caller], axis=1), 16000)
    result, data = run(tmp_path, [(tmp_path / "leg.wav", 0.0)], [Keep(0.0, 2.0)])
    assert len(data) == 16000
    assert dominant_hz(data[:8000], RATE) == pytest.approx(500, abs=2)
    assert np.abs(data[1000:7000]).max() == pytest.approx(0.3, abs=0.01)
    second = data[8000:] - sine(500, 2.0, 8000, 0.3)[8000:]
    assert dominant_hz(second, RATE) == pytest.approx(900, abs=2)


def test_segment_longer_than_kept_time_is_cut(tmp_path):
    seg = ramp_file(tmp_path / "a.wav", 4.0)
    result, data = run(tmp_path, [(seg, 0.0)], [Keep(1.0, 2.0)])
    assert len(data) == RATE
    assert seconds_at(data, 0) == pytest.approx(1.0, abs=0.02)


def test_blocks_smaller_than_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(assembly, "BLOCK_FRAMES", 1000)
    seg = ramp_file(tmp_path / "a.wav", 3.0)
    result, data = run(tmp_path, [(seg, 0.5)], [Keep(0.0, 1.25), Keep(2.0, 4.0)])
    reference = np.concatenate([np.zeros(4000), np.arange(6000) / RATE / 1000,
                                (np.arange(12000) + 12000) / RATE / 1000,
                                np.zeros(4000)]).astype(np.float32)  # segment ends at 3.5 s
    assert np.abs(data - reference).max() < 1 / 32767


def test_resume_beep_and_reminders(tmp_path):
    spec = BeepSpec(reminder_interval_s=2.0)
    soundfile.write(tmp_path / "z.wav", np.zeros(6 * RATE, dtype=np.float32), RATE)
    result, data = run(tmp_path, [(tmp_path / "z.wav", 0.0)],
                       [Insert("start"), Keep(0.0, 1.5), Insert("resume"), Keep(3.0, 6.0)], spec)
    assert result.beeps == (Beep(0.0, 0.5, "start"), Beep(2.0, 2.5, "resume"),
                            Beep(4.0, 4.5, "reminder"))
    assert result.duration_s == 5.5
    reminder = np.rint(data[4 * RATE:4 * RATE + 4000] * 32768).astype(np.int16)
    assert np.array_equal(reminder, TONE)
    assert result.time_map.to_call_s(2.25) is None
    assert result.time_map.to_recording_s(3.0) == 2.5


def test_bad_segment_mid_stream_writes_nothing(tmp_path):
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 5 * RATE).astype(np.float32)
    soundfile.write(tmp_path / "a.flac", noise, RATE)
    data = (tmp_path / "a.flac").read_bytes()
    (tmp_path / "a.flac").write_bytes(data[: len(data) // 2])
    with open_source(tmp_path / "a.flac") as src:
        with pytest.raises(AudioInputError, match="a.flac"):
            assemble([SegmentInput(src, 0.0)], [Keep(0.0, 5.0)], tmp_path / "out.wav", RATE, SPEC)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac"]


def test_timeline_going_back_is_refused(tmp_path):
    with pytest.raises(ValueError, match="back in call time"):
        assemble([], [Keep(5.0, 6.0), Keep(1.0, 2.0)], tmp_path / "o.wav", RATE, SPEC)
    assert list(tmp_path.iterdir()) == []


def test_kept_and_silent_time_at_odd_times_make_one_time_map_piece(tmp_path):
    seg = ramp_file(tmp_path / "a.wav", 3.0)
    result, _ = run(tmp_path, [(seg, 0.0)],
                    [Insert("start"), Keep(0.1, 0.3), Keep(0.3, 1.7, silent=True), Keep(1.7, 2.9)])
    assert result.time_map.pieces == (Piece(0.1, 2.9, 0.5),)


@pytest.mark.parametrize("beep", [SPEC, BeepSpec(reminder_interval_s=0.7)])
def test_two_tracks_keep_a_dual_channel_leg_s_parties_apart_and_mix_down_to_the_mono_recording(tmp_path, beep):
    from audio.mixdown import mix_down
    from audio.resample import mono_blocks

    rng = np.random.default_rng(5)
    caller, agent = rng.uniform(-0.5, 0.5, 16000), rng.uniform(-0.4, 0.4, 16000)
    soundfile.write(tmp_path / "dual.wav", np.stack([caller, agent], axis=1), 16000, subtype="FLOAT")  # 1 s at 16 kHz
    soundfile.write(tmp_path / "mono.wav", rng.uniform(-0.3, 0.3, 8000), RATE, subtype="FLOAT")
    segments = [(tmp_path / "dual.wav", 1.0), (tmp_path / "mono.wav", 2.0)]
    timeline = [Insert("start"), Keep(1.0, 3.0)]
    sources = [open_source(path) for path, _ in segments]
    try:
        inputs = [SegmentInput(src, start) for src, (_, start) in zip(sources, segments)]
        tracks = assemble(inputs, timeline, tmp_path / "tracks.wav", RATE, beep, tracks=2)
    finally:
        for src in sources:
            src.close()
    mono_result, mono = run(tmp_path, segments, timeline, beep)
    data, rate = soundfile.read(tmp_path / "tracks.wav", dtype="float32")
    assert (tracks.channels, rate, data.shape) == (2, RATE, (4000 + 16000, 2))
    assert (tracks.frames, tracks.beeps, tracks.time_map) == (len(mono), mono_result.beeps, mono_result.time_map)
    assert mono_result.channels == 1
    assert np.array_equal(np.rint(data[:4000, 0] * 32768).astype(np.int16), TONE) and not data[:4000, 1].any()
    # each party on its track, resampled alone; the mono leg on the first, the second silent there
    reminders = np.zeros(len(data), np.float32)
    for b in tracks.beeps[1:]:  # the reminder tones, on the first track
        reminders[round(b.start_s * RATE) : round(b.end_s * RATE)] = beep_tone(beep, RATE)
    assert len(tracks.beeps) == (1 if beep is SPEC else 3)
    for track, party in enumerate((caller, agent)):
        alone = np.concatenate(list(mono_blocks([party.astype(np.float32)], 16000, RATE)))
        assert np.allclose(data[4000:12000, track] - (reminders[4000:12000] if track == 0 else 0), alone, atol=1e-6)
    assert not data[12000:, 1].any()
    mono_leg = soundfile.read(tmp_path / "mono.wav", dtype="float32")[0]
    assert np.allclose(data[12000:, 0] - reminders[12000:], mono_leg, atol=1e-6)
    mixed = mix_down(tmp_path / "tracks.wav", tmp_path / "mixed.wav")
    samples, _ = soundfile.read(mixed, dtype="int16")
    expected = np.rint(mono * 32768).astype(np.int32)
    assert len(samples) == len(expected) and np.abs(samples.astype(np.int32) - expected).max() <= 1


def test_tracks_are_one_or_two():
    with pytest.raises(ValueError, match="tracks must be 1 or 2"):
        assemble([], [Keep(0.0, 1.0)], "never.wav", RATE, SPEC, tracks=3)
