import json

import soundfile

from worker.cli import main
from worker.cli.demo import SAMPLES_DIR

#: What each committed sample must assemble to: (recorded duration s, cut s by reason) or
#: the reason it is not recorded.
EXPECTED = {
    "01-plain-inbound": (32.5, {}),
    "02-warm-transfer": (32.0, {"ivr": 4.0, "queue": 5.0, "hold": 4.0, "consultation": 6.5}),
    "03-pause-skip": (16.0, {"paused": 7.0}),
    "04-external-forward": (25.0, {}),
    "05-voicemail": (7.5, {"ivr": 6.0}),
    "06-opt-in-declined": "opt_in_without_consent",
    "07-recording-off": "number_recording_off",
}


def test_samples_are_committed():
    assert sorted(p.parent.name for p in SAMPLES_DIR.glob("*/manifest.json")) == sorted(EXPECTED)
    total = sum(p.stat().st_size for p in SAMPLES_DIR.glob("*/legs/*"))
    assert total < 2_000_000


def test_demo_assembles_every_sample(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name, expected in EXPECTED.items():
        meta = json.loads((tmp_path / f"{name}.json").read_text())
        assert f"{name} (" in out
        if isinstance(expected, str):
            assert (meta["recorded"], meta["not_recorded_reason"]) == (False, expected)
            assert not (tmp_path / f"{name}.wav").exists()
            continue
        duration_s, cuts = expected
        assert (meta["recorded_duration_s"], meta["cut_s_by_reason"]) == (duration_s, cuts)
        info = soundfile.info(tmp_path / f"{name}.wav")
        assert (info.samplerate, info.channels, info.frames) == (8000, 1, duration_s * 8000)
    assert "consultation 6.500 s" in out and "no: number_recording_off" in out


def test_demo_without_samples_is_bad_input(tmp_path, capsys):
    assert main(["demo", "--samples", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no sample calls" in capsys.readouterr().err
