"""A call found stored, delivered again (worker.calls.replayed): which of its sources are destroyed."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace

import pytest

from tests.worker.stored_calls import leg_samples, write_call
from tests.worker.calls.test_pipeline import decrypt, delete_ticket_while_processed
from worker.boot import build_backends
from worker.calls import replayed
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.vaults import build_vault


@pytest.mark.parametrize("how", ["no inbox", "keep sources", "inbox elsewhere"])
def test_a_redelivery_digests_no_source_when_none_would_be_destroyed(tmp_path, monkeypatch, how):
    """Session-55 review: a redelivery of a stored call read its metadata and digested every leg
    (an S3 or https one downloaded first) to decide whether to destroy them, also when nothing
    would be destroyed (no inbox, CALLREC_KEEP_SOURCES, sources outside the inbox). Only what
    would be destroyed is digested."""
    settings = Settings(data_dir=tmp_path / "state", recognizer="none")
    settings = {"no inbox": settings, "keep sources": replace(settings, inbox=str(tmp_path), keep_sources=True),
                "inbox elsewhere": replace(settings, inbox=str(tmp_path / "inbox"))}[how]
    (tmp_path / "inbox").mkdir()
    manifest = write_call(tmp_path / "call", "CA1")
    assert process_call(manifest, build_backends(settings)).sources_destroyed == 0
    digested = []
    monkeypatch.setattr(replayed, "sha256_of", lambda handle: digested.append(handle) or "0" * 64)
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.already_stored and outcome.sources_destroyed == 0 and digested == []
    assert sorted(path.name for path in (tmp_path / "call").iterdir()) == ["CA1-a.wav", "CA1-b.wav", "CA1.json"]


def test_a_redelivery_digests_the_sources_it_destroys(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path), keep_sources=True)
    manifest = write_call(tmp_path / "call", "CA1")
    process_call(manifest, build_backends(settings))
    digested = []
    real = replayed.sha256_of
    monkeypatch.setattr(replayed, "sha256_of", lambda handle: digested.append(handle) or real(handle))
    assert process_call(manifest, build_backends(replace(settings, keep_sources=False))).sources_destroyed == 2
    assert len(digested) == 2 and not (tmp_path / "call" / "CA1-a.wav").exists()


def test_a_leg_a_full_disk_stopped_shredding_after_its_first_4_kib_is_destroyed_by_the_next_delivery(
        tmp_path, monkeypatch):
    """Found by the fault test (seeds 721879117 and 1335064498, 2 rounds of 8): its full-disk
    worker (RLIMIT_FSIZE 4 KiB) got the redelivery of a call stored by a worker killed before
    destroying its legs; the overwrite of the first leg zeroed its first 4 KiB and failed (EFBIG).
    The next delivery found a leg that neither had a stored digest nor began with 64 KiB of
    zeros, took the legs for another call's and kept both in the inbox for good. A shredding
    stopped part way leaves at least its first 4 KiB zeroed (a page; the fault test's limit)."""
    import errno
    import os

    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path), keep_sources=True)
    manifest = write_call(tmp_path / "call", "CA1")
    process_call(manifest, build_backends(settings))  # stored; its legs left (killed before destroying them)
    settings = replace(settings, keep_sources=False)
    legs = {os.stat(p).st_ino for p in (tmp_path / "call").glob("*.wav")}
    real_pwrite = os.pwrite

    def as_past_a_4_kib_file_size_limit(fd, data, offset):
        if os.fstat(fd).st_ino not in legs:
            return real_pwrite(fd, data, offset)
        if offset >= 4096:
            raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
        return real_pwrite(fd, bytes(data)[: 4096 - offset], offset)

    monkeypatch.setattr(os, "pwrite", as_past_a_4_kib_file_size_limit)
    with pytest.raises(OSError):
        process_call(manifest, build_backends(settings))
    monkeypatch.undo()
    begun = [p.read_bytes() for p in (tmp_path / "call").glob("*.wav") if p.read_bytes()[:4096] == bytes(4096)]
    assert len(begun) == 1 and begun[0][4096:].strip(b"\0")  # one leg begun, stopped after 4 KiB
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.already_stored and outcome.sources_destroyed == 2
    assert sorted(path.name for path in (tmp_path / "call").iterdir()) == ["CA1.json"]


def test_a_redelivery_destroys_the_transcript_its_recording_was_made_from(tmp_path):
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path))
    manifest = write_call(tmp_path / "call", "CA1", transcript="1.0 2.0 hello\n")
    first = process_call(manifest, build_backends(replace(settings, keep_sources=True)))
    metadata = json.loads(decrypt(build_vault(settings, regions=("eu",)), first.recording_id, "metadata"))
    assert metadata["digests"]["transcript"] == {"sha256": hashlib.sha256(b"1.0 2.0 hello\n").hexdigest()}
    assert process_call(manifest, build_backends(settings)).sources_destroyed == 3
    assert sorted(path.name for path in (tmp_path / "call").iterdir()) == ["CA1.json"]


@pytest.mark.parametrize("stored_transcript", ["1.0 2.0 hello\n", None])
def test_a_replay_naming_another_transcript_keeps_it(tmp_path, caplog, stored_transcript):
    """Session-55 review: the replay check compared the legs only, and the transcript is destroyed
    with them: a call id sent again naming its own legs and another call's transcript in the inbox
    had that transcript destroyed, never stored. The transcript is destroyed only when its SHA-256
    is the one the stored recording's metadata records (none recorded: kept)."""
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path))
    assert process_call(write_call(tmp_path / "call", "CA1", transcript=stored_transcript),
                        build_backends(settings)).sources_destroyed == (3 if stored_transcript else 2)
    manifest = write_call(tmp_path / "again", "CA1", transcript="1.0 2.0 goodbye\n")  # another call's words
    with caplog.at_level(logging.WARNING, logger="callrec.jobs"):
        outcome = process_call(manifest, build_backends(settings))
    assert outcome.already_stored and outcome.sources_destroyed == 2
    assert sorted(path.name for path in (tmp_path / "again").iterdir()) == ["CA1-words.txt", "CA1.json"]
    assert (tmp_path / "again" / "CA1-words.txt").read_text() == "1.0 2.0 goodbye\n"
    assert [r.getMessage() for r in caplog.records] == [
        f"{outcome.recording_id}: transcript.uri is not the transcript the stored recording was made from; kept, "
        "not destroyed"]


def test_a_deleted_recording_sent_again_has_its_sources_destroyed(tmp_path, caplog):
    """A recording deleted since keeps no digests to compare a redelivery's files with (session
    55's review kept them, and logged it): a deletion's promise is that nothing of the call
    survives, and a platform sending the call again (its legs fetched anew into the inbox) would
    then leave its unredacted audio there for good. What a manifest names is the call's own, as
    for a call not to be recorded (``number.recording: false``), so they are destroyed, unread,
    and nothing is stored."""
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path))
    first = process_call(write_call(tmp_path / "call", "CA1"), build_backends(settings))
    build_vault(settings, regions=("eu",)).region("eu").delete(first.recording_id, actor="operator", reason="asked")
    manifest = write_call(tmp_path / "again", "CA1", leg_a=leg_samples(2.0, 99), transcript="1.0 2.0 hi\n")
    with caplog.at_level(logging.WARNING, logger="callrec.jobs"):
        outcome = process_call(manifest, build_backends(settings))
    assert (outcome.stored, outcome.reason, outcome.sources_destroyed) == (False, "recording_deleted", 3)
    assert sorted(path.name for path in (tmp_path / "again").iterdir()) == ["CA1.json"]
    assert caplog.records == []


def test_a_delivery_whose_call_another_stored_meanwhile_keeps_another_transcript(tmp_path, monkeypatch):
    """Its legs the ones stored, its transcript not: the legs are destroyed, the transcript kept."""
    import worker.calls.pipeline as pipeline

    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path))
    stored = write_call(tmp_path / "call", "CA1", transcript="1.0 2.0 hello\n")
    assemble = pipeline.assemble_manifest
    first: list = []

    def the_other_run_first(*args, **kwargs):  # after this run read its transcript
        if not first:
            first.append(None)
            first[0] = process_call(stored, build_backends(settings))
        return assemble(*args, **kwargs)

    monkeypatch.setattr(pipeline, "assemble_manifest", the_other_run_first)
    outcome = process_call(write_call(tmp_path / "again", "CA1", transcript="1.0 2.0 goodbye\n"),
                           build_backends(settings))
    assert first[0].sources_destroyed == 3 and outcome.already_stored and outcome.sources_destroyed == 2
    assert sorted(path.name for path in (tmp_path / "again").iterdir()) == ["CA1-words.txt", "CA1.json"]


def test_a_delivery_whose_ticket_is_deleted_while_it_reads_its_sources_destroys_them(tmp_path, monkeypatch):
    """Not a replay: this delivery read the call's own sources, and a ticket's deletion destroys them."""
    settings = Settings(data_dir=tmp_path / "state", recognizer="none", inbox=str(tmp_path))
    process_call(write_call(tmp_path / "c1", "CA1", ticket="T-7"), build_backends(settings))
    delete_ticket_while_processed(monkeypatch, settings, "T-7")
    outcome = process_call(write_call(tmp_path / "c2", "CA2", ticket="T-7"), build_backends(settings))
    assert (outcome.stored, outcome.reason, outcome.sources_destroyed) == (False, "recording_deleted", 2)
    assert sorted(path.name for path in (tmp_path / "c2").iterdir()) == ["CA2.json"]
