"""Operations on stored recordings used by the CLI and the queue: redaction in place, rewrap."""

from __future__ import annotations

import io
import json

import soundfile as sf

from redaction.dtmf import detect_dtmf
from tests.vault.test_regional import untagged
from tests.worker.stored_calls import RATE_HZ, write_call
from tests.worker.calls.test_pipeline import keyed_card_leg
from worker.stored.operations import delete_recording, entries, redact_stored, rewrap_recording
from worker.calls.pipeline import process_call
from worker.calls.redacting import current_detector_version
from worker.settings import Settings
from worker.vaults import build_vault
from worker.boot import build_backends


def test_redact_stored_replaces_the_unredacted_version(tmp_path):
    settings = Settings(data_dir=tmp_path / "state")
    manifest = write_call(tmp_path / "call", plan="professional", redaction="auto", leg_a=keyed_card_leg())
    rid = process_call(manifest, build_backends(settings)).recording_id
    region_vault = build_vault(settings).for_recording(rid)
    before = region_vault.get(rid)
    assert not before.redacted
    old_names = sorted(region_vault.store.names(f"data/{rid}/"))

    outcome = redact_stored(rid, build_backends(settings), actor="addon")

    assert (outcome.redacted, outcome.reason, outcome.verified) == (True, None, True)
    assert outcome.spans_by_kind == (("card_number", 16),)
    entry = region_vault.get(rid)
    assert entry.redacted and entry.detector_version == current_detector_version(build_backends(settings).recognizer)
    assert untagged(region_vault.store.names(f"data/{rid}/")) == [f"data/{rid}/audio.2.enc", f"data/{rid}/metadata.2.enc"]
    assert untagged(old_names) == [f"data/{rid}/audio.1.enc", f"data/{rid}/metadata.1.enc"]
    assert untagged(region_vault.key_store.names(f"keys/{rid}/")) == [f"keys/{rid}/audio.2.json", f"keys/{rid}/metadata.2.json"]
    out = io.BytesIO()
    region_vault.read(entry, "audio", out)
    audio, rate = sf.read(io.BytesIO(out.getvalue()), dtype="float32")
    assert rate == RATE_HZ and len(audio) == int(3.5 * RATE_HZ) and list(detect_dtmf(audio, RATE_HZ)) == []
    meta = io.BytesIO()
    region_vault.read(entry, "metadata", meta)
    assert json.loads(meta.getvalue())["redaction"]["verified"] is True
    assert [(e.action, e.principal) for e in region_vault.audit_events(rid)] == [("redact", "addon")]
    again = redact_stored(rid, build_backends(settings))
    assert (again.redacted, again.reason) == (False, "up_to_date")
    delete_recording(rid, build_vault(settings), actor="o", reason="r")
    assert redact_stored(rid, build_backends(settings)).reason == "recording_deleted"


def test_redact_stored_never_commits_over_a_generation_made_meanwhile(tmp_path):
    import pytest

    from vault.errors import VaultError

    settings = Settings(data_dir=tmp_path / "state")
    manifest = write_call(tmp_path / "call", plan="professional", redaction="auto", leg_a=keyed_card_leg())
    rid = process_call(manifest, build_backends(settings)).recording_id
    vault = build_vault(settings)
    region_vault = vault.for_recording(rid)
    read = region_vault.read

    def read_then_another_redaction(entry, kind, dst):
        count = read(entry, kind, dst)  # the audio as it was, then another worker's commit
        if kind == "audio" and region_vault.get(rid) == entry:
            region_vault.replace(rid, {"audio": io.BytesIO(b"other")}, redacted=True, detector_version="other-1")
        return count

    region_vault.read = read_then_another_redaction
    with pytest.raises(VaultError, match=f"recording {rid} changed during the write; try again"):
        redact_stored(rid, build_backends(settings, vault=vault), actor="addon")
    entry = build_vault(settings).get(rid)
    assert entry.detector_version == "other-1" and entry.artifact("audio").generation == 2
    assert len(list(region_vault.store.names(f"data/{rid}/"))) == len(entry.artifacts)  # nothing of ours left
    assert len(list(region_vault.key_store.names(f"keys/{rid}/"))) == len(entry.artifacts)


def test_rewrap_recording_and_entries(tmp_path):
    settings = Settings(data_dir=tmp_path / "state")
    rid = process_call(write_call(tmp_path / "call"), build_backends(settings)).recording_id
    other = process_call(write_call(tmp_path / "call", "CA2", region="au"), build_backends(settings)).recording_id
    build_vault(settings).region("eu").keys.rotate()
    assert rewrap_recording(rid, build_vault(settings)) == 2
    assert rewrap_recording(rid, build_vault(settings)) == 0
    assert sorted(e.recording_id for e in entries(build_vault(settings), account_id="acme")) == sorted([rid, other])
    assert [e.recording_id for e in entries(build_vault(settings), regions=("au",))] == [other]
