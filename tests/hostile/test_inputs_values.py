"""Hostile values (issue 10, defect 11's input items): repeated JSON fields, ids that are huge
or hide control/bidi characters, ticket and account ids that are card numbers, booleans read as
times, a manifest at a non-ASCII path."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from worker.cli import main
from worker.errors import ManifestError
from worker.queue.jobs import Job, JobDecodeError, ProcessCall
from worker.calls.manifest import load_manifest

from tests.hostile.test_leaks import PAN, cli, files_under, leaked
from tests.worker.stored_calls import write_call
from vault.regions import recording_id
from tests.worker.queue_calls import job_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_a_field_given_twice_is_refused(tmp_path):
    """Last-one-wins would let "recording": false, "recording": true record the call."""
    manifest = write_call(tmp_path / "call", recording=False)
    text = manifest.read_text().replace('"recording": false', '"recording": false, "recording": true')
    manifest.write_text(text)
    with pytest.raises(ManifestError, match=r"CA1\.json: 'recording': a field given twice in one object"):
        load_manifest(manifest)


@pytest.mark.parametrize("field,value,problem", [
    ("call_id", "C" * (1 << 20), "1048576 characters, more than 128"),
    ("call_id", "CA1\x00rm", "a character other than"),
    ("ticket_id", "T-1\u202e9001", "a character other than"),
    ("call_id", "CA1\nforged log line", "a character other than"),
    ("account.id", "acme corp", "a character other than"),
    ("number.id", "-15550100", "a character other than"),
])
def test_ids_outside_the_id_character_set_are_refused_without_echo(tmp_path, field, value, problem):
    manifest = write_call(tmp_path / "call")
    data = json.loads(manifest.read_text())
    target = data
    *parents, name = field.split(".")
    for parent in parents:
        target = target[parent]
    target[name] = value
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=rf"^{re.escape(field)}: not a valid id: {problem}") as caught:
        load_manifest(manifest)
    assert value not in str(caught.value) and len(str(caught.value)) < 300


@pytest.mark.parametrize("field,value", [
    ("ticket_id", PAN),
    ("ticket_id", "-".join(PAN[i:i + 4] for i in range(0, 16, 4))),
    ("ticket_id", f"T.{'.'.join(PAN[i:i + 4] for i in range(0, 16, 4))}"),
    ("account", f"acme-{'-'.join(PAN[i:i + 4] for i in range(0, 16, 4))}"),
    ("number", PAN),
    ("number", f"+{PAN}"),           # longer than any E.164 number
    ("number", f"+{PAN[1:]}"),       # 15 digits: E.164's length, in no country's numbering plan
    ("call_id", PAN),
    ("call_id", f"call-{'-'.join(PAN[i:i + 4] for i in range(0, 16, 4))}"),
], ids=["ticket", "ticket-dashed", "ticket-dotted", "account-dashed", "number", "number-plus-16",
        "number-plus-15", "call", "call-dashed"])
def test_a_card_number_as_ticket_account_number_or_call_id_is_refused_with_nothing_written(
        redis_client, data_dir, tmp_path, capsys, field, value):
    """A manifest's ticket id went into the metadata, the index and the audit trail (and its
    account id into the vault's paths; its number id into the manifest the API keeps for the
    workers; its call id into the index entry, metadata and ``process --json``), so
    ``delete --ticket`` then refused it: every command that reads a manifest
    refuses it with exit 2 naming the field, writes nothing and destroys no source (the
    sources lie in the tests' inbox)."""
    call_id = value if field == "call_id" else f"CA-CARD-ID-{len(value)}"
    manifest = write_call(tmp_path / "call", call_id,
                          **({} if field == "call_id" else {field.removesuffix("_id"): value}))
    sources = sorted(p.name for p in manifest.parent.iterdir())
    out, meta = tmp_path / "out.wav", tmp_path / "out.json"
    named = {"ticket_id": "ticket_id", "account": "account.id", "number": "number.id", "call_id": "call_id"}[field]
    for argv in (["process", manifest], ["enqueue", manifest],
                 ["assemble", manifest, "-o", out, "--metadata", meta]):
        code, output = cli(capsys, *argv)
        assert code == 2, (argv[0], code)
        assert f"{named}: could hold a card number" in output or f"{named}: not a phone number" in output, argv[0]
        assert not leaked(output.encode()) and value not in output, (argv, output)
    assert not out.exists() and not meta.exists()
    assert sorted(p.name for p in manifest.parent.iterdir()) == sources  # nothing destroyed
    assert not redis_client.keys("callrec:job:*")
    account = value if field == "account" else "acme"
    assert not list(data_dir.glob(f"vault/*/index/{recording_id(account, call_id, 'eu')}*"))
    vault = data_dir / "vault"
    if vault.exists():
        assert not leaked(files_under(vault)), "card number in the vault"
        assert not leaked("\n".join(str(p) for p in vault.rglob("*")).encode()), "card number in a vault path"


@pytest.mark.parametrize("call_id", ["CA" + "0" * 32, "5551722-f677-48a6-9287-39c0aafd9ac1", "+15550100", "T.1:a@b_c"])
def test_ordinary_ids_pass(tmp_path, call_id):
    manifest = write_call(tmp_path / "call", call_id=call_id)
    assert load_manifest(manifest).call_id == call_id


def test_a_boolean_is_not_a_time_in_a_transcript():
    """Whisper "start": true was read as 1 s (float(True))."""
    document = {"text": " four", "segments": [{"text": " four", "words": [
        {"word": " four", "start": True, "end": 1.5, "probability": 0.9}]}]}
    with pytest.raises(TranscriptError, match=r"segments\[0\]\.words\[0\] has a time or confidence that is not a number"):
        transcripts.load(json.dumps(document), "whisper")
    document["segments"][0]["words"][0].update(start=1.0, probability=False)
    with pytest.raises(TranscriptError, match="not a number"):
        transcripts.load(json.dumps(document), "whisper")


def test_a_manifest_at_a_non_ascii_path_is_processed_and_queued(tmp_path, monkeypatch, capsys):
    call = tmp_path / "réunion d'équipe" / "appel №7"
    shutil.copytree(SAMPLES / "03-pause-skip", call)
    monkeypatch.setenv("CALLREC_DATA_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CALLREC_INBOX")  # the tests' inbox (the temp dir): the sample's legs are no call's there
    assert main(["process", str(call / "manifest.json")]) == 0
    assert "stored in" in capsys.readouterr().out
    job = job_of(str(call / "manifest.json"))
    assert Job.decode(job.encode()) == job
    for hidden in ("\u202e", "\x00", "\n"):
        with pytest.raises(JobDecodeError, match="manifest_uri is not a valid reference"):
            ProcessCall.for_call(f"{call}/{hidden}manifest.json", "acme", "CA1")


@pytest.mark.parametrize("agent", [{"NumberOfHolds": 2, "CustomerHoldDuration": "4111 1111 1111 1111"},
                                   {"NumberOfHolds": 4111111111111111, "CustomerHoldDuration": 4111111111111111}])
def test_a_card_number_as_a_contact_records_hold_count_or_total_is_not_echoed(agent):
    """Found by the session-50 audit: the 202 of `POST /v1/ingress/connect` warned "the contact
    record gives 2 hold(s), 4111 1111 1111 1111 s in all", whatever the record held there."""
    from tests.worker.api.ingress.test_connect import PROFILE, record
    from worker.api.ingress.connect import manifest_of

    contact = record("c-1", "b/c-1.wav")
    contact["Agent"].update(agent)
    _, warnings = manifest_of("acme", PROFILE, {"ticket_id": "T-1", "contact_record": contact})
    assert len(warnings) == 1 and warnings[0].startswith("hold: the contact record gives ")
    assert "1111" not in warnings[0]


@pytest.mark.parametrize("command", ["process", "assemble", "enqueue"])
@pytest.mark.parametrize("uri", ["file:CA1-\\ud800a.wav", "s3://calls/CA1-\\udbff.wav", "https://media.example.com/\\udc00"])
def test_a_source_uri_holding_half_a_surrogate_pair_is_refused_naming_it(tmp_path, capsys, command, uri):
    """Session 56's red team: JSON lets a string hold an escaped half of a UTF-16 surrogate pair
    ("\\ud800"), which no file name or URL can: `process` and `assemble` ended in a traceback
    (UnicodeEncodeError, exit 1), `enqueue` queued it, and over HTTP it was a 500. Refused as the
    NUL character is, exit 2 naming the field; a name's undecodable byte as Python escapes it
    ("\\udc80") stays a name."""
    manifest = write_call(tmp_path / "call")
    manifest.write_text(manifest.read_text().replace('"file:CA1-a.wav"', f'"{uri}"'))
    argv = [command, str(manifest)] + (["-o", str(tmp_path / "out.wav")] if command == "assemble" else [])
    code, output = cli(capsys, *argv)
    assert code == 2, output
    assert "segments[0].uri: " in output and "half of a surrogate pair" in output and "Traceback" not in output
    assert sorted(p.name for p in (tmp_path / "call").iterdir()) == ["CA1-a.wav", "CA1-b.wav", "CA1.json"]
    assert not (tmp_path / "out.wav").exists()
