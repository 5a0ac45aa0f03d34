"""``callrec export``: only allowed principals get the audio; every decision is audited."""

from __future__ import annotations

import numpy as np
import pytest

from tests.worker.cli.vault_cli import run, stored_call, use_data_dir
from vault.regions import recording_id
from worker.vaults import build_vault


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_data_dir(monkeypatch, tmp_path)


def audit(settings, rid):
    return [(e.action, e.outcome, e.principal, e.reason)
            for e in build_vault(settings).for_recording(rid).audit_events(rid)]


def stored_audio(settings, rid):
    import io

    region_vault = build_vault(settings).for_recording(rid)
    out = io.BytesIO()
    region_vault.read(region_vault.get(rid), "audio", out)
    return out.getvalue()


def samples(data: bytes):
    import io

    import soundfile

    audio, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    return audio, rate


def test_agent_with_ticket_access_gets_the_exact_audio_as_wav(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    stored = stored_audio(settings, rid)
    assert stored[:4] == b"fLaC"  # stored lossless and compact by default
    out = tmp_path / "out.wav"
    code, text, err = run(capsys, "export", rid, "--account", "acme", "-o", out, "--as", "agent:a1", "--tickets", "T-1,T-7")
    assert (code, err) == (0, "")
    assert out.read_bytes()[:4] == b"RIFF"
    exported, rate = samples(out.read_bytes())
    expected, expected_rate = samples(stored)
    assert rate == expected_rate == 8000 and np.array_equal(exported, expected)
    assert text == f"{rid}: {out.stat().st_size} bytes -> {out}\n"
    assert audit(settings, rid) == [("export", "allowed", "agent:a1", "")]


def test_export_in_the_stored_codec_is_the_stored_bytes(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    out = tmp_path / "out.flac"
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", out, "--as", "agent:a1",
                       "--tickets", "T-7", "--format", "flac")
    assert (code, err) == (0, "")
    assert out.read_bytes() == stored_audio(settings, rid)


def test_export_as_opus(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    out = tmp_path / "out.opus"
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", out, "--as", "agent:a1",
                       "--tickets", "T-7", "--format", "opus")
    assert (code, err) == (0, "")
    assert out.read_bytes()[:4] == b"OggS"
    exported, rate = samples(out.read_bytes())
    assert rate == 8000 and len(exported) == len(samples(stored_audio(settings, rid))[0])


def test_a_recording_stored_as_wav_before_codecs_still_exports(tmp_path, settings, capsys, monkeypatch):
    from worker.settings import Settings

    old = Settings(data_dir=settings.data_dir, storage_codec="wav")
    rid = stored_call(tmp_path, old)
    stored = stored_audio(settings, rid)
    assert stored[:4] == b"RIFF"
    for fmt, head in (("wav", b"RIFF"), ("flac", b"fLaC")):
        out = tmp_path / f"old.{fmt}"
        code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", out, "--as", "agent:a1",
                           "--tickets", "T-7", "--format", fmt)
        assert (code, err) == (0, "") and out.read_bytes()[:4] == head
        assert np.array_equal(samples(out.read_bytes())[0], samples(stored)[0])
    assert (tmp_path / "old.wav").read_bytes() == stored


def test_an_unknown_format_is_bad_input(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    with pytest.raises(SystemExit) as stop:
        run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "x", "--as", "agent:a1",
            "--tickets", "T-7", "--format", "mp3")
    assert stop.value.code == 2 and not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("public", "argv", "why"),
    [
        (True, ["--as", "agent:a2", "--tickets", "T-1"], "agent has no access to the ticket"),
        (False, ["--as", "end-user:u1", "--requester-of", "T-7"], "account does not make recordings public"),
        (True, ["--as", "end-user:u1", "--requester-of", "T-8"], "end user is not the requester of the ticket"),
    ],
)
def test_refusals_exit_2_write_nothing_and_are_audited(tmp_path, settings, capsys, public, argv, why):
    rid = stored_call(tmp_path, settings, public=public)
    out = tmp_path / "out.wav"
    code, text, err = run(capsys, "export", rid, "--account", "acme", "-o", out, *argv)
    assert (code, text) == (2, "")
    assert err == f"callrec export: {argv[1]} may not export {rid}: {why}\n"
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    assert audit(settings, rid) == [("export", "refused", argv[1], why)]


def test_agent_of_another_account_with_the_same_ticket_id_is_refused(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings, public=True)
    out = tmp_path / "out.wav"
    code, _, err = run(capsys, "export", rid, "--account", "globex", "-o", out, "--as", "agent:g1",
                       "--tickets", "T-7")
    assert code == 2 and err.endswith("agent has no access to the ticket\n") and not out.exists()
    assert audit(settings, rid) == [("export", "refused", "agent:g1", "agent has no access to the ticket")]


def test_end_user_on_public_account(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings, public=True)
    code, _, _ = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "o.wav", "--as", "end-user:u1", "--requester-of", "T-7")
    assert code == 0
    assert np.array_equal(samples((tmp_path / "o.wav").read_bytes())[0], samples(stored_audio(settings, rid))[0])


def test_deleted_recording_is_refused(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    assert run(capsys, "delete", "--recording", rid, "--by", "operator:o")[0] == 0
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "o.wav", "--as", "agent:a1", "--tickets", "T-7")
    assert code == 2 and err.endswith("recording was deleted\n")


def test_unknown_recording_is_refused_and_audited(tmp_path, settings, capsys):
    rid = recording_id("acme", "nope", "au")
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "o.wav", "--as", "agent:a1", "--tickets", "T-7")
    assert code == 2 and err.endswith("no such recording\n")
    assert audit(settings, rid) == [("export", "refused", "agent:a1", "no such recording")]


@pytest.mark.parametrize(
    "argv",
    [
        ["--as", "agent:a1"],
        ["--as", "agent:a1", "--requester-of", "T-7"],
        ["--as", "end-user:u1", "--tickets", "T-7"],
        ["--as", "boss:b", "--tickets", "T-7"],
        ["--as", "agent:a1", "--tickets", "T-7", "-o", "/no/such/dir/o.wav"],
    ],
)
def test_usage_errors(tmp_path, settings, capsys, argv):
    rid = stored_call(tmp_path, settings)
    if "-o" not in argv:
        argv = [*argv, "-o", tmp_path / "o.wav"]
    code, _, err = run(capsys, "export", rid, "--account", "acme", *argv)
    assert code == 2 and err.startswith("callrec export: ")
    assert not (tmp_path / "o.wav").exists()


def test_voicemail_transcript_stays_exportable_after_deletion(tmp_path, settings, capsys):
    from tests.worker.calls.test_pipeline import card_transcript

    rid = stored_call(tmp_path, settings, voicemail=True, transcript=card_transcript())
    assert run(capsys, "delete", "--recording", rid, "--by", "operator:o")[0] == 0
    agent = ["--as", "agent:a1", "--tickets", "T-7"]
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "a.wav", *agent)
    assert code == 2 and err.endswith("recording was deleted\n")
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "t.txt", *agent, "--transcript")
    assert (code, err) == (0, "")
    text = (tmp_path / "t.txt").read_text()
    assert text.count("[redacted]") == 16 and "four" not in text
    assert audit(settings, rid)[-2:] == [("export", "refused", "agent:a1", "recording was deleted"),
                                         ("export", "allowed", "agent:a1", "transcript")]


def test_call_without_transcript(tmp_path, settings, capsys):
    rid = stored_call(tmp_path, settings)
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", tmp_path / "t.txt", "--as", "agent:a1", "--tickets", "T-7",
                       "--transcript")
    assert code == 2 and err.endswith("recording has no transcript\n")


def test_the_output_names_extension_chooses_the_format_and_a_contrary_one_is_refused(tmp_path, settings, capsys):
    """Found by hand (session 53): ``-o call.flac`` (or ``.opus``) without ``--format`` wrote a WAV
    under that name, which a player or a storage rule keyed on the extension misreads. The name's
    extension chooses the format when ``--format`` is not given; a name that says another format
    than ``--format`` is refused (exit 2) before anything is decrypted or audited."""
    rid = stored_call(tmp_path, settings)
    flac = tmp_path / "call.flac"
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", flac, "--as", "agent:a1", "--tickets", "T-7")
    assert (code, err) == (0, "") and flac.read_bytes() == stored_audio(settings, rid)
    ogg = tmp_path / "call.OGG"
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", ogg, "--as", "agent:a1", "--tickets", "T-7")
    assert (code, err) == (0, "") and ogg.read_bytes()[:4] == b"OggS"
    trail = audit(settings, rid)
    contrary = tmp_path / "call.opus"
    code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", contrary, "--as", "agent:a1",
                       "--tickets", "T-7", "--format", "wav")
    assert (code, err) == (2, f"callrec export: -o {contrary}: names a .opus file, not --format wav audio; give "
                              "--format opus, or a name that says wav\n")
    assert not contrary.exists() and audit(settings, rid) == trail


@pytest.mark.parametrize("name", ["call.mp3", "call.aiff", "call.M4A", "call.voc", "call.wavex", "call.nist"])
def test_a_name_of_an_audio_format_export_does_not_write_is_refused(tmp_path, settings, capsys, name):
    """Found by review (session 53): ``-o call.mp3`` (``.aiff``, ``.m4a``) wrote a WAV under that
    name, exit 0. Refused (exit 2, naming -o) before anything is decrypted or audited, with
    --format too."""
    rid = stored_call(tmp_path, settings)
    trail = audit(settings, rid)
    out = tmp_path / name
    suffix = name.partition(".")[2]
    for extra in ((), ("--format", "wav")):
        code, _, err = run(capsys, "export", rid, "--account", "acme", "-o", out, "--as", "agent:a1",
                           "--tickets", "T-7", *extra)
        assert (code, err) == (2, f"callrec export: -o {out}: names a .{suffix} file; export writes wav, flac "
                                  "or opus audio (name it .wav, .flac, .opus or .ogg)\n")
    assert not out.exists() and audit(settings, rid) == trail
