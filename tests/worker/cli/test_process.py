"""``callrec process MANIFEST``."""

from __future__ import annotations

import json

import pytest

from tests.worker.cli.vault_cli import run, use_data_dir
from tests.worker.stored_calls import write_call
from vault.regions import recording_id


def test_process_prints_a_summary_and_is_idempotent(tmp_path, monkeypatch, capsys):
    use_data_dir(monkeypatch, tmp_path)
    monkeypatch.setenv("CALLREC_KEEP_SOURCES", "1")
    manifest = write_call(tmp_path / "call")
    rid = recording_id("acme", "CA1", "eu")
    code, out, err = run(capsys, "process", manifest)
    assert (code, err) == (0, "")
    assert out == (f"{rid}: stored in eu (3.5 s recording of a 4.0 s call; redacted: no; "
                   "masked spans: none; sources destroyed: 0)\n")
    code, out, _ = run(capsys, "process", manifest)
    assert code == 0 and out.startswith(f"{rid}: already stored in eu")


def test_process_json(tmp_path, monkeypatch, capsys):
    use_data_dir(monkeypatch, tmp_path)
    monkeypatch.setenv("CALLREC_INBOX", str(tmp_path / "call"))
    code, out, _ = run(capsys, "process", write_call(tmp_path / "call", recording=False), "--json")
    body = json.loads(out)
    assert code == 0
    assert (body["stored"], body["reason"], body["sources_destroyed"]) == (False, "number_recording_off", 2)


def test_bad_manifest_exits_2(tmp_path, monkeypatch, capsys):
    use_data_dir(monkeypatch, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, out, err = run(capsys, "process", bad)
    assert code == 2 and out == ""
    assert err.startswith("callrec process: ") and "not JSON" in err
    assert not (tmp_path / "state").exists()


def test_a_relative_inbox_is_refused_before_anything_is_stored(tmp_path, monkeypatch, capsys):
    """The inbox was read first to destroy the sources, after the recording was stored."""
    use_data_dir(monkeypatch, tmp_path)
    monkeypatch.setenv("CALLREC_INBOX", "relative")
    code, out, err = run(capsys, "process", write_call(tmp_path / "call"), "--json")
    assert (code, out) == (2, "")
    assert err == "callrec process: setting CALLREC_INBOX: 'relative' is not an absolute directory\n"
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("name, bad, message", [
    ("CALLREC_PAD_AFTER_MS", "nan", "must be 0 to 10000 ms"),
    ("CALLREC_PAD_BEFORE_MS", "-1000", "must be 0 to 10000 ms"),
    ("CALLREC_MATH_THREADS", "-4", "must be 0 or more"),
])
def test_a_setting_out_of_range_is_refused_before_any_work(name, bad, message, tmp_path, monkeypatch, capsys):
    """A NaN padding was a traceback in redaction.spans; a negative one a scrubbed message."""
    use_data_dir(monkeypatch, tmp_path)
    monkeypatch.setenv(name, bad)
    code, out, err = run(capsys, "process", write_call(tmp_path / "call"))
    assert (code, out, err) == (2, "", f"callrec process: setting {name}: {message}\n")
    assert not (tmp_path / "state").exists()


def test_a_leg_changed_while_its_call_is_processed_exits_1(tmp_path, monkeypatch, capsys):
    """Session 54 review: a leg that changed while its call was processed was bad input (exit 2,
    a queued job failed for good), though the same call run again (the recorder done) stores."""
    import worker.calls.pipeline as pipeline

    use_data_dir(monkeypatch, tmp_path)
    manifest = write_call(tmp_path / "call")
    leg = tmp_path / "call" / "CA1-a.wav"
    encode = pipeline.encode_for_storage

    def leg_grows_meanwhile(*args, **kwargs):
        with open(leg, "ab") as out:
            out.write(bytes(1000))
        return encode(*args, **kwargs)

    monkeypatch.setattr(pipeline, "encode_for_storage", leg_grows_meanwhile)
    code, out, err = run(capsys, "process", manifest)
    assert (code, out) == (1, "")
    assert err == ("callrec process: segments[0].uri: file:CA1-a.wav changed while the call was processed (its size "
                   "or times); nothing of the call is stored\n")
