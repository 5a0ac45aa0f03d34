import json

import numpy as np
import pytest
import soundfile

from audio.beep import BeepSpec, beep_tone
from audio.errors import AudioInputError
from worker.calls.assemble import assemble_manifest
from worker.errors import ManifestError, UsageError
from worker.calls.manifest import load_manifest, parse_manifest
from worker.settings import Settings
from tests.worker.examples import design_example, marker_audio, marker_hz, write_design_call

RATE = 8000
SETTINGS = Settings.from_env({})


def dominant_hz(window: np.ndarray) -> float:
    """Whole-Hz peak of a 1 s window (FFT bins are exactly 1 Hz apart)."""
    return float(np.argmax(np.abs(np.fft.rfft(window))) * RATE / len(window))


@pytest.fixture(scope="module")
def design_call(tmp_path_factory):
    directory = tmp_path_factory.mktemp("design")
    return write_design_call(directory)


@pytest.fixture(scope="module")
def assembled(design_call, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "CA0001.wav"
    outcome = assemble_manifest(load_manifest(design_call), out, SETTINGS)
    data, rate = soundfile.read(out, dtype="float32")
    assert rate == RATE
    return outcome, data


def test_design_example_has_exactly_the_expected_length(assembled):
    outcome, data = assembled
    # 0.5 s beep + 80 (agent until hold) + 100 (after hold until the consultation, with
    # 15 s paused kept as silence) + 30 (rest of the agent) + 60 (external) + 30 (voicemail)
    assert len(data) == outcome.frames == int(300.5 * RATE)
    assert outcome.recorded_duration_s == 300.5
    assert outcome.call_duration_s == 390.0
    assert outcome.cut_s_by_reason() == {"ivr": 12.0, "queue": 28.0, "hold": 30.0, "consultation": 20.0}
    assert [(b.start_s, b.end_s, b.kind) for b in outcome.beeps] == [(0.0, 0.5, "start")]


def test_design_example_every_second_in_its_place(assembled):
    outcome, data = assembled
    expected_seconds = [*range(40, 120), *range(150, 250), *range(270, 390)]
    assert len(expected_seconds) == 300
    for j, call_second in enumerate(expected_seconds):
        start = int((0.5 + j) * RATE)
        window = data[start:start + RATE]
        assert outcome.time_map.to_call_s(0.5 + j) == call_second
        assert outcome.time_map.to_recording_s(call_second + 0.5) == 1.0 + j
        if 200 <= call_second < 215:
            assert not window.any(), f"paused call second {call_second} is not silent"
        else:
            assert dominant_hz(window) == marker_hz(call_second), f"recording second {j}"


def test_design_example_samples_exactly(assembled, design_call):
    outcome, data = assembled
    leg_a = soundfile.read(design_call.parent / "legs" / "a.wav", dtype="float32")[0]

    def a(first_s, last_s):
        return leg_a[(first_s - 40) * RATE:(last_s - 40) * RATE]
    beep = np.rint(beep_tone(BeepSpec(), RATE) * 32768) / 32768
    expected_a = np.concatenate([beep, a(40, 120), a(150, 200), np.zeros(15 * RATE), a(215, 250), a(270, 300)])
    # leg a is 8 kHz mono 16-bit PCM: the recording holds its very samples
    assert np.array_equal(data[:len(expected_a)], expected_a.astype(np.float32))
    # leg b was 16 kHz on two channels: mixed, resampled, then in place to within 0.4 % of the tone
    leg_b = marker_audio(300, 90, RATE)
    got_b = data[len(expected_a):]
    assert len(got_b) == len(leg_b) == 90 * RATE
    steady = np.ones(len(leg_b), dtype=bool)
    for second in range(91):  # the tone jumps each second; the anti-alias filter rings ~5 ms
        steady[max(0, second * RATE - 40):second * RATE + 40] = False
    assert np.abs(got_b - leg_b)[steady].max() < 0.002


def test_design_example_metadata(assembled):
    outcome, _ = assembled
    meta = outcome.to_dict()
    assert json.loads(json.dumps(meta)) == meta
    assert meta["recorded"] is True and meta["not_recorded_reason"] is None
    assert (meta["call_duration_s"], meta["recorded_duration_s"], meta["recorded_call_s"]) == (390.0, 300.5, 300.0)
    assert meta["silenced"] == [{"start_s": 200.0, "end_s": 215.0, "reason": "paused"}]
    assert meta["cuts"][2] == {"start_s": 120.0, "end_s": 150.0, "reason": "hold"}
    assert meta["time_map"]["pieces"] == [
        {"call_start_s": 40.0, "call_end_s": 120.0, "recording_start_s": 0.5},
        {"call_start_s": 150.0, "call_end_s": 250.0, "recording_start_s": 80.5},
        {"call_start_s": 270.0, "call_end_s": 390.0, "recording_start_s": 180.5}]
    assert meta["rate_hz"] == 8000 and meta["frames"] == 2404000


def test_verbatim_design_example_is_refused_for_its_team_plan(tmp_path):
    path = write_design_call(tmp_path, design_example())
    with pytest.raises(ManifestError, match=r"controls: account.plan 'team' cannot pause"):
        assemble_manifest(load_manifest(path), tmp_path / "out.wav", SETTINGS)
    assert not (tmp_path / "out.wav").exists()


def test_skip_cuts_paused_time(tmp_path):
    path = write_design_call(tmp_path, design_example(plan="enterprise", pause_behavior="skip"))
    outcome = assemble_manifest(load_manifest(path), tmp_path / "out.wav", SETTINGS)
    data, _ = soundfile.read(tmp_path / "out.wav", dtype="float32")
    assert len(data) == int(285.5 * RATE)
    assert outcome.cut_s_by_reason()["paused"] == 15.0
    # recording second 130.5 holds call second 215: the pause left no trace
    start = int(130.5 * RATE)
    assert dominant_hz(data[start:start + RATE]) == marker_hz(215)


def test_resume_beep_and_reminders_from_settings(tmp_path):
    path = write_design_call(tmp_path)
    settings = Settings.from_env({"CALLREC_BEEP_ON_RESUME": "1", "CALLREC_REMINDER_INTERVAL_S": "15"})
    outcome = assemble_manifest(load_manifest(path), tmp_path / "out.wav", settings)
    assert outcome.recorded_duration_s == 301.0
    kinds = [(b.start_s, b.kind) for b in outcome.beeps]
    assert kinds[:3] == [(0.0, "start"), (15.0, "reminder"), (30.0, "reminder")]
    # none at 135 s, in the pause kept as silence (130.5-145.5 s), which does not count either
    assert kinds[8:11] == [(120.0, "reminder"), (145.5, "resume"), (150.0, "reminder")]
    assert kinds[-1] == (300.0, "reminder") and len(kinds) == 2 + 19
    # the reminder is mixed into the call audio, which goes on under it (louder than the tone)
    with_reminder = data_window(tmp_path / "out.wav", 15 * RATE)
    without = data_window(tmp_path / "out.wav", 13 * RATE)
    assert dominant_hz(with_reminder) == marker_hz(54)
    assert tone_level(with_reminder, 1400) > 0.1 > 0.01 > tone_level(without, 1400)
    assert outcome.time_map.to_call_s(145.75) is None
    assert outcome.time_map.to_recording_s(215.0) == 146.0


def write_small_call(directory, events, controls, pause_behavior, seconds=20):
    """A call on one 8 kHz leg of marker tones (one per call second) from call time 0."""
    data = design_example(plan="professional", pause_behavior=pause_behavior)
    data["events"] = [{"type": t, "start": a, "end": b} for t, a, b in events]
    data["controls"] = [{"action": action, "at": at} for action, at in controls]
    data["segments"] = [{"uri": "file:legs/a.wav", "start": 0.0}]
    (directory / "legs").mkdir()
    soundfile.write(directory / "legs" / "a.wav", marker_audio(0, seconds, RATE), RATE, subtype="PCM_16")
    path = directory / "manifest.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("events,behavior,frames,resume_s", [
    ([("agent", 0, 20), ("hold", 8, 12)], "skip", 112000, 5.5),  # 0.5 + 5 + 0.5 + 8 s
    ([("agent", 0, 20), ("hold", 8, 12)], "silence", 136000, 8.5),  # 0.5 + 5 + 3 silent + 0.5 + 8 s
    ([("agent", 0, 20), ("hold", 10, 12)], "skip", 112000, 5.5),
    ([("agent", 0, 8), ("agent", 12, 20)], "skip", 112000, 5.5),
], ids=["inside-hold-skip", "inside-hold-silence", "at-hold-start", "between-events"])
def test_resume_where_nothing_is_recorded_beeps_before_the_audio_from_12_s(tmp_path, events, behavior,
                                                                            frames, resume_s):
    path = write_small_call(tmp_path, events, [("pause", 5.0), ("resume", 10.0)], behavior)
    settings = Settings.from_env({"CALLREC_BEEP_ON_RESUME": "true"})
    outcome = assemble_manifest(load_manifest(path), tmp_path / "out.wav", settings)
    assert outcome.frames == soundfile.info(tmp_path / "out.wav").frames == frames
    assert [(b.start_s, b.end_s, b.kind) for b in outcome.beeps] == [
        (0.0, 0.5, "start"), (resume_s, resume_s + 0.5, "resume")]
    assert outcome.time_map.to_recording_s(12.0) == resume_s + 0.5
    assert dominant_hz(data_window(tmp_path / "out.wav", int((resume_s + 0.5) * RATE))) == marker_hz(12)


def test_recorded_events_overlapping_by_1_ms_are_recorded_as_one_stretch(tmp_path):
    path = write_small_call(tmp_path, [("agent", 0, 10.001), ("external_transfer", 10.0, 20)], [], "silence")
    outcome = assemble_manifest(load_manifest(path), tmp_path / "out.wav", SETTINGS)
    assert outcome.frames == soundfile.info(tmp_path / "out.wav").frames == 164000  # 0.5 + 20 s
    assert outcome.cuts == () and outcome.time_map.to_recording_s(10.0) == 10.5
    assert dominant_hz(data_window(tmp_path / "out.wav", int(10.5 * RATE))) == marker_hz(10)


def test_no_reminder_in_paused_time_kept_as_silence(tmp_path):
    """Pause 10-35 s of a 40 s call: the reminder falls on the same call moment (39.5 s) whether
    the pause is cut or kept as silence, and the silence holds no tone."""
    settings = Settings.from_env({"CALLREC_REMINDER_INTERVAL_S": "15"})
    found = {}
    for behavior in ("silence", "skip"):
        directory = tmp_path / behavior
        directory.mkdir()
        path = write_small_call(directory, [("agent", 0, 40)], [("pause", 10.0), ("resume", 35.0)], behavior,
                                seconds=40)
        outcome = assemble_manifest(load_manifest(path), directory / "out.wav", settings)
        data, _ = soundfile.read(directory / "out.wav", dtype="float32")
        found[behavior] = outcome, data
    outcome, data = found["silence"]
    assert outcome.frames == len(data) == 324000  # 0.5 + 10 + 25 silent + 5 s
    assert [(b.start_s, b.kind) for b in outcome.beeps] == [(0.0, "start"), (40.0, "reminder")]
    assert not data[int(10.5 * RATE):int(35.5 * RATE)].any()
    skipped, skipped_data = found["skip"]
    assert skipped.frames == 124000 and [(b.start_s, b.kind) for b in skipped.beeps] == [(0.0, "start"), (15.0, "reminder")]
    assert outcome.time_map.to_call_s(40.0) == skipped.time_map.to_call_s(15.0) == 39.5
    assert np.array_equal(data[int(35.5 * RATE):], skipped_data[int(10.5 * RATE):])


def tone_level(window: np.ndarray, hz: int) -> float:
    """Amplitude of the ``hz`` component of a 1 s window, averaged over the window."""
    return float(np.abs(np.fft.rfft(window))[hz] * 2 / len(window))


def data_window(path, start):
    return soundfile.read(path, dtype="float32", start=start, frames=RATE)[0]


def test_other_output_rate(tmp_path):
    path = write_design_call(tmp_path)
    outcome = assemble_manifest(load_manifest(path), tmp_path / "out.wav",
                                Settings.from_env({"CALLREC_OUTPUT_RATE_HZ": "16000"}))
    assert soundfile.info(tmp_path / "out.wav").frames == outcome.frames == 300.5 * 16000


@pytest.mark.parametrize("changes,reason", [
    ({"number": {"id": "+1", "recording": False, "consent_mode": "none"}}, "number_recording_off"),
    ({"number": {"id": "+1", "recording": True, "consent_mode": "opt_in"}, "consent": "declined"},
     "opt_in_without_consent"),
])
def test_calls_not_recorded_write_nothing(tmp_path, changes, reason):
    data = design_example(plan="professional")
    data.update(changes)
    data["segments"][0]["uri"] = "file:legs/missing.wav"  # never opened: nothing is recorded
    outcome = assemble_manifest(parse_manifest(data, tmp_path), tmp_path / "out.wav", SETTINGS)
    assert (outcome.recorded, outcome.reason, outcome.frames, outcome.time_map) == (False, reason, 0, None)
    assert outcome.to_dict()["recorded_duration_s"] == 0.0
    assert list(tmp_path.iterdir()) == []


def write_bad_leg(path, kind):
    if kind == "empty":
        path.write_bytes(b"")
        return "empty file"
    if kind == "text":
        path.write_text("call notes\n" * 50)
        return "not an audio file"
    soundfile.write(path, marker_audio(40, 2, RATE), RATE, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:20000])
    return "truncated WAV"


@pytest.mark.parametrize("kind", ["missing", "empty", "text", "truncated"])
def test_bad_segment_files(tmp_path, kind):
    path = write_design_call(tmp_path)
    problem = write_bad_leg(tmp_path / "legs" / "b.wav", kind) if kind != "missing" else "no such file"
    if kind == "missing":
        (tmp_path / "legs" / "b.wav").unlink()
    with pytest.raises(ManifestError, match=rf"^segments\[1\]\.uri: .*legs/b\.wav: {problem}"):
        assemble_manifest(load_manifest(path), tmp_path / "out.wav", SETTINGS)
    assert not (tmp_path / "out.wav").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_segment_that_fails_part_way_is_named_by_its_field(tmp_path):
    # Found by the session-46 audit: a FLAC cut short opens (its header is whole) and fails
    # while it is assembled; that error named the file but not the manifest field.
    write_design_call(tmp_path)
    leg = tmp_path / "legs" / "b.flac"
    soundfile.write(leg, np.random.default_rng(0).uniform(-0.5, 0.5, 90 * RATE).astype(np.float32), RATE)
    leg.write_bytes(leg.read_bytes()[:leg.stat().st_size // 2])
    data = design_example(plan="professional")
    data["segments"][1]["uri"] = "file:legs/b.flac"
    with pytest.raises(AudioInputError, match=r"^segments\[1\]\.uri: .*legs/b\.flac: audio cannot be decoded after "):
        assemble_manifest(parse_manifest(data, tmp_path), tmp_path / "out.wav", SETTINGS)
    assert not (tmp_path / "out.wav").exists()


def test_s3_segments_need_a_resolver(tmp_path):
    data = design_example(plan="professional")
    data["segments"][1]["uri"] = "s3://calls-us/CA0001/b.wav"
    write_design_call(tmp_path)
    manifest = parse_manifest(data, tmp_path)
    with pytest.raises(ManifestError, match=r"segments\[1\]\.uri: segment \(value not shown\): only local files"):
        assemble_manifest(manifest, tmp_path / "out.wav", SETTINGS)
    fetched = assemble_manifest(manifest, tmp_path / "out.wav", SETTINGS,
                                resolve=lambda s: s.location.path or tmp_path / "legs" / "b.wav")
    assert fetched.frames == int(300.5 * RATE)


def test_bad_beep_settings(tmp_path):
    path = write_design_call(tmp_path)
    with pytest.raises(UsageError, match="beep settings"):
        assemble_manifest(load_manifest(path), tmp_path / "out.wav",
                          Settings.from_env({"CALLREC_BEEP_DBFS": "6"}))
    with pytest.raises(UsageError, match="CALLREC_OUTPUT_RATE_HZ 2000"):
        assemble_manifest(load_manifest(path), tmp_path / "out.wav",
                          Settings.from_env({"CALLREC_OUTPUT_RATE_HZ": "2000"}))


def test_missing_output_directory_is_bad_input(tmp_path):
    path = write_design_call(tmp_path)
    with pytest.raises(AudioInputError, match="does not exist"):
        assemble_manifest(load_manifest(path), tmp_path / "no" / "out.wav", SETTINGS)
