import json
import re

import pytest
import soundfile

from worker.cli import main
from worker.cli.assemble import write_json_atomically
from tests.worker.examples import design_example, write_design_call


@pytest.fixture(autouse=True)
def no_inbox(monkeypatch):
    """Assembly destroys nothing: the tests' inbox (the temp dir, where the legs here are no call's
    by name: worker.calls.owners) is left out."""
    monkeypatch.delenv("CALLREC_INBOX", raising=False)


@pytest.fixture
def call(tmp_path):
    return write_design_call(tmp_path)


def run(capsys, *argv):
    code = main(["assemble", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name not in ("legs", "manifest.json", "t.json"))


def test_assembles_with_metadata(tmp_path, call, capsys):
    code, out, err = run(capsys, call, "-o", tmp_path / "rec.wav", "--metadata", tmp_path / "rec.json")
    assert code == 0 and err == ""
    assert out == f"CA0001: 300.500 s recording of a 390.000 s call -> {tmp_path / 'rec.wav'}\n"
    info = soundfile.info(tmp_path / "rec.wav")
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (8000, 1, "PCM_16", 2404000)
    meta = json.loads((tmp_path / "rec.json").read_text())
    assert meta["recorded_duration_s"] == 300.5 and meta["beeps"][0]["kind"] == "start"
    assert leftovers(tmp_path) == ["rec.json", "rec.wav"]


def test_not_recorded_call_exits_0_without_audio(tmp_path, capsys):
    data = design_example(plan="professional")
    data["number"]["consent_mode"], data["consent"] = "opt_in", "declined"
    path = write_design_call(tmp_path, data)
    code, out, err = run(capsys, path, "-o", tmp_path / "rec.wav", "--metadata", tmp_path / "rec.json")
    assert (code, out) == (0, "")
    assert err == "CA0001: not recorded (opt_in_without_consent); no audio written\n"
    assert leftovers(tmp_path) == ["rec.json"]
    assert json.loads((tmp_path / "rec.json").read_text())["not_recorded_reason"] == "opt_in_without_consent"


def mutate(data, change):
    change(data)
    return data


BAD_MANIFESTS = {
    "unknown event type": (lambda d: d["events"][1].update(type="lobby"),
                           r"events\[1\]\.type: unknown value 'lobby'"),
    "end before start": (lambda d: d["events"][3].update(end=110.0),
                         r"events\[3\]\.end: 110\.0 is not after start 120\.0"),
    "segment past the end of the call": (lambda d: d["segments"][1].update(start=395.0),
                                         r"segments\[1\]\.start: 395 s is past the end of the call \(390 s"),
    "time past the end of the call": (lambda d: d["controls"][1].update(at=395.0),
                                      r"controls\[1\]\.at: 395 s is past the end of the call \(390 s"),
    "wrong JSON type": (lambda d: d["events"][2].update(start="40"),
                        r"events\[2\]\.start: expected a number of seconds, got string '40'"),
    "plan cannot pause": (lambda d: d["account"].update(plan="team"),
                          r"controls: account\.plan 'team' cannot pause"),
}


@pytest.mark.parametrize("name", BAD_MANIFESTS)
def test_bad_manifest_exits_2_and_writes_nothing(tmp_path, capsys, name):
    change, message = BAD_MANIFESTS[name]
    path = write_design_call(tmp_path, mutate(design_example(plan="professional"), change))
    code, out, err = run(capsys, path, "-o", tmp_path / "rec.wav", "--metadata", tmp_path / "rec.json")
    assert (code, out) == (2, "")
    assert err.startswith("callrec assemble: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert leftovers(tmp_path) == []


def test_manifest_that_is_not_json(tmp_path, capsys):
    path = tmp_path / "manifest.json"
    path.write_text("call_id: CA0001\n")
    code, _, err = run(capsys, path, "-o", tmp_path / "rec.wav")
    assert code == 2 and "manifest.json: not JSON (Expecting value at line 1 column 1)" in err
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind,message", [
    ("missing", "legs/a.wav: no such file"),
    ("empty", "legs/a.wav: empty file"),
    ("truncated", "legs/a.wav: truncated WAV: header promises 4160000 data bytes"),
    ("not audio", "legs/a.wav: not an audio file"),
])
def test_bad_segment_file_exits_2_and_writes_nothing(tmp_path, call, capsys, kind, message):
    leg = tmp_path / "legs" / "a.wav"
    if kind == "missing":
        leg.unlink()
    elif kind == "empty":
        leg.write_bytes(b"")
    elif kind == "truncated":
        leg.write_bytes(leg.read_bytes()[:100000])
    else:
        leg.write_bytes(b"%PDF-1.4\n" + b"\x00" * 5000)
    code, out, err = run(capsys, call, "-o", tmp_path / "rec.wav", "--metadata", tmp_path / "rec.json")
    assert (code, out) == (2, "")
    assert err.startswith("callrec assemble: segments[0].uri: ") and message in err
    assert leftovers(tmp_path) == []


def test_existing_output_survives_a_failed_run(tmp_path, call, capsys):
    (tmp_path / "rec.wav").write_bytes(b"earlier recording")
    (tmp_path / "legs" / "b.wav").write_bytes(b"")
    code, _, _ = run(capsys, call, "-o", tmp_path / "rec.wav")
    assert code == 2 and (tmp_path / "rec.wav").read_bytes() == b"earlier recording"


def test_output_directory_must_exist(tmp_path, call, capsys):
    code, _, err = run(capsys, call, "-o", tmp_path / "nowhere" / "rec.wav")
    assert code == 2 and f"-o {tmp_path / 'nowhere' / 'rec.wav'}: directory '{tmp_path / 'nowhere'}' does not exist" in err


def test_metadata_and_output_must_differ(tmp_path, call, capsys):
    code, _, err = run(capsys, call, "-o", tmp_path / "x", "--metadata", tmp_path / "x")
    assert code == 2 and "--metadata " in err and "is the same file as -o" in err


def test_output_is_required(call, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["assemble", str(call)])
    assert exit_info.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["-o", "--metadata"])
def test_directory_as_output_exits_2_and_writes_nothing(tmp_path, call, capsys, flag):
    (tmp_path / "taken").mkdir()
    argv = {"-o": ["-o", tmp_path / "taken"],
            "--metadata": ["-o", tmp_path / "rec.wav", "--metadata", tmp_path / "taken"]}[flag]
    code, out, err = run(capsys, call, *argv)
    assert (code, out) == (2, "")
    assert "taken: is a directory, not an output file" in err
    assert leftovers(tmp_path) == ["taken"]


def test_json_that_cannot_be_written_leaves_no_temp_file(tmp_path):
    with pytest.raises(TypeError):
        write_json_atomically(tmp_path / "meta.json", {"not json": object()})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag,target", [("-o", "legs/a.wav"), ("--metadata", "manifest.json")])
def test_output_over_an_input_is_refused(tmp_path, call, capsys, flag, target):
    before = (tmp_path / target).read_bytes()
    argv = ["-o", tmp_path / target] if flag == "-o" else ["-o", tmp_path / "rec.wav", flag, tmp_path / target]
    code, out, err = run(capsys, call, *argv)
    assert (code, out) == (2, "")
    assert f"{target}: is also an input" in err
    assert (tmp_path / target).read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["rec.flac", "rec.mp3", "rec.OGG"])
def test_an_output_named_for_another_audio_format_than_wav_is_refused(tmp_path, call, capsys, name):
    """Found by hand (session 53): ``assemble ... -o rec.flac`` (or .mp3, .ogg) wrote a WAV under
    that name, which a player or a storage rule keyed on the extension misreads. assemble writes
    WAV: a name saying another audio format is refused before any work (exit 2), naming -o."""
    out = tmp_path / name
    code, text, err = run(capsys, call, "-o", out)
    suffix = out.suffix
    assert (code, text, err) == (2, "", f"callrec assemble: -o {out}: names a {suffix} file; assemble writes WAV "
                                        "(name it .wav)\n")
    assert leftovers(tmp_path) == []
