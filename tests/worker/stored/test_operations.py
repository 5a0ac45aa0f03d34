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


def _stored_card_call(tmp_path, settings):
    """A call with a keyed card number stored unredacted: its vault, region vault and id."""
    manifest = write_call(tmp_path / "call", plan="professional", redaction="auto", leg_a=keyed_card_leg())
    rid = process_call(manifest, build_backends(settings)).recording_id
    vault = build_vault(settings)
    return vault, vault.for_recording(rid), rid


def test_redact_stored_never_commits_over_a_generation_made_meanwhile(tmp_path):
    import pytest

    from vault.errors import VaultError

    settings = Settings(data_dir=tmp_path / "state")
    vault, region_vault, rid = _stored_card_call(tmp_path, settings)
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


def test_redact_stored_whose_audio_another_redaction_replaced_before_it_read_it_is_tried_again(tmp_path):
    """Found by the session-48 audit: two redaction jobs of one recording (an API request and a
    batch's redact step are two jobs; run side by side): the one that committed first destroyed
    the generation the other had not read yet, and the other failed for good, as bad input
    ("cannot decrypt"). It is the retryable "changed": its retry finds the recording up to date."""
    import pytest

    from callrec.errors import is_permanent
    from vault.errors import VaultError

    settings = Settings(data_dir=tmp_path / "state", recognizer="none")
    vault, region_vault, rid = _stored_card_call(tmp_path, settings)
    read = region_vault.read

    def another_redaction_first(entry, kind, dst):
        if kind == "audio" and region_vault.get(rid) == entry:  # the other job, whole
            assert redact_stored(rid, build_backends(settings), actor="api").redacted
        return read(entry, kind, dst)

    region_vault.read = another_redaction_first
    with pytest.raises(VaultError, match=f"recording {rid} changed during the redaction; try again") as raised:
        redact_stored(rid, build_backends(settings, vault=vault), actor="batch")
    assert not is_permanent(raised.value)
    region_vault.read = read
    assert redact_stored(rid, build_backends(settings, vault=vault)).reason == "up_to_date"
    entry = region_vault.get(rid)
    assert len(list(region_vault.key_store.names(f"keys/{rid}/"))) == len(entry.artifacts) == 2


def test_rewrap_recording_and_entries(tmp_path):
    settings = Settings(data_dir=tmp_path / "state")
    rid = process_call(write_call(tmp_path / "call"), build_backends(settings)).recording_id
    other = process_call(write_call(tmp_path / "call", "CA2", region="au"), build_backends(settings)).recording_id
    build_vault(settings).region("eu").keys.rotate()
    assert rewrap_recording(rid, build_vault(settings)) == 2
    assert rewrap_recording(rid, build_vault(settings)) == 0
    assert sorted(e.recording_id for e in entries(build_vault(settings), account_id="acme")) == sorted([rid, other])
    assert [e.recording_id for e in entries(build_vault(settings), regions=("au",))] == [other]


# -- byte ranges of stored audio: decrypted from the segments they cover only ----------------

def _long_wav(seconds: float) -> bytes:
    import numpy as np

    out = io.BytesIO()
    noise = np.random.default_rng(7).integers(-3000, 3000, int(seconds * 8000), dtype=np.int16)
    sf.write(out, noise, 8000, subtype="PCM_16", format="WAV")
    return out.getvalue()


def _stored_wav(tmp_path, call_id: str, wav: bytes):
    """A US vault under tmp_path holding ``wav`` as the audio of ``call_id`` (ticket T-7): the
    vault and the recording's id."""
    from tests.vault.conftest import make_entry

    vault = build_vault(Settings(data_dir=tmp_path / "state"))
    entry = make_entry("us", call_id, ticket="T-7")
    vault.region("us").put(entry, {"audio": io.BytesIO(wav), "metadata": io.BytesIO(b"{}")})
    return vault, entry.recording_id


def test_a_range_of_stored_audio_decrypts_only_the_segments_it_covers(tmp_path):
    import pytest

    from vault.access import Principal
    from vault.errors import AccessDeniedError
    from worker.stored.operations import audio_ranges, export_recording

    wav = _long_wav(400)  # 6.4 MB: 7 ciphertext segments of 1 MiB
    vault, rid = _stored_wav(tmp_path, "CA-LONG", wav)
    region_vault = vault.region("us")
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))

    ranges = audio_ranges(rid, ann, vault, "wav")
    assert (ranges.codec, ranges.size_bytes, ranges.segments.segments) == ("wav", len(wav), 7)
    assert ranges.segments.decrypted == 2  # the first (its format) and the last (its length)
    middle = 3 * (1 << 20) + 5000  # inside the fourth segment
    assert b"".join(ranges.chunks(middle, middle + 64000)) == wav[middle:middle + 64000]
    assert ranges.segments.decrypted == 3  # one more: not the 7 a whole decryption takes
    assert b"".join(ranges.chunks(len(wav) - 100, len(wav))) == wav[-100:]
    assert ranges.segments.decrypted == 3  # the last one is kept
    whole = export_recording(rid, tmp_path / "whole.wav", ann, vault).path.read_bytes()
    assert whole == wav and b"".join(ranges.chunks(0, len(wav))) == wav

    assert audio_ranges(rid, ann, vault, "flac") is None  # a transcoding: exported whole instead
    with pytest.raises(AccessDeniedError):
        audio_ranges(rid, Principal.parse("agent:bob", "acme", frozenset({"T-9"})), vault, "wav")
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(rid)]
    assert trail.count(("export", "allowed", "agent:ann", "audio range")) == 1  # not for the flac: none served
    assert ("export", "refused", "agent:bob", "agent has no access to the ticket") in trail


def test_a_wav_range_of_audio_stored_as_flac_is_decoded_from_the_segments_it_covers(tmp_path):
    """What a player asks for (WAV) of audio stored as FLAC (the default codec): a range is the
    whole-file export's bytes there, decoded from a few segments, never the whole transcoding."""
    import pytest

    from audio.encode import CODECS, encode
    from vault.access import Principal
    from vault.errors import RangeNotSatisfiableError
    from worker.stored.operations import audio_ranges, export_recording

    (tmp_path / "in.wav").write_bytes(_long_wav(360))  # 6 minutes of noise: a 5 MB FLAC
    encode(tmp_path / "in.wav", tmp_path / "stored.flac", CODECS["flac"])
    vault, rid = _stored_wav(tmp_path, "CA-FLAC", (tmp_path / "stored.flac").read_bytes())
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    whole = export_recording(rid, tmp_path / "whole.wav", ann, vault).path.read_bytes()
    assert whole[:4] == b"RIFF" and len(whole) == 44 + 2 * 360 * 8000

    ranges = audio_ranges(rid, ann, vault, "wav", (0, None))
    assert (ranges.codec, ranges.size_bytes, ranges.first, ranges.last) == ("wav", len(whole), 0, len(whole) - 1)
    assert ranges.segments.segments >= 5 and ranges.segments.decrypted == 2  # the first and the last
    middle = len(whole) // 2 + 1  # an odd byte: half a sample
    assert b"".join(ranges.chunks(middle, middle + 16001)) == whole[middle:middle + 16001]
    assert ranges.segments.decrypted <= 4  # FLAC's seek and the frames: not every segment
    for first, last in [(0, 43), (40, 50), (len(whole) - 3, len(whole) - 1)]:
        part = audio_ranges(rid, ann, vault, "wav", (first, last))
        assert b"".join(part.chunks(part.first, part.last + 1)) == whole[first:last + 1]
    with pytest.raises(RangeNotSatisfiableError) as raised:
        audio_ranges(rid, ann, vault, "wav", (len(whole), None))
    assert raised.value.size_bytes == len(whole)
    assert audio_ranges(rid, ann, vault, "opus") is None  # a lossy transcoding: exported whole instead
    trail = [(e.action, e.outcome, e.reason) for e in vault.region("us").audit_events(rid)]
    assert trail.count(("export", "allowed", "audio range")) == 4
    assert trail.count(("export", "refused", "range not satisfiable")) == 1


def test_a_wav_range_over_an_altered_flac_segment_fails_and_serves_nothing_from_it(tmp_path, capfd):
    """A ciphertext segment altered at rest, inside the FLAC frames a WAV range needs: the range
    fails with the vault's DecryptionError (the decoder's read ends where the segment does not
    decrypt; the error is kept for its caller, not raised into libsndfile's C code) rather than
    serving made-up samples, and nothing of the audio reaches the error or stderr."""
    import pytest

    from audio.encode import CODECS, encode
    from vault.access import Principal
    from vault.errors import DecryptionError
    from worker.stored.operations import audio_ranges

    (tmp_path / "in.wav").write_bytes(_long_wav(360))
    encode(tmp_path / "in.wav", tmp_path / "stored.flac", CODECS["flac"])
    vault, rid = _stored_wav(tmp_path, "CA-FLAC-ALT", (tmp_path / "stored.flac").read_bytes())
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    [stored] = list((tmp_path / "state").rglob(f"data/{rid}/audio*.enc"))
    data = bytearray(stored.read_bytes())
    data[3 * (1 << 20) + 500] ^= 0x40  # inside the fourth segment
    stored.write_bytes(bytes(data))
    ranges = audio_ranges(rid, ann, vault, "wav", (0, None))
    # the WAV bytes whose FLAC frames lie there (steady noise: FLAC's bytes track the samples')
    there = 44 + 2 * int((3 * (1 << 20) + 500) / len(data) * (ranges.size_bytes - 44) / 2)
    with pytest.raises(DecryptionError) as raised:
        b"".join(ranges.chunks(there - 32000, there + 32000))
    again = audio_ranges(rid, ann, vault, "wav", (0, 3999))  # another request: a range the segment does not hold
    head = b"".join(again.chunks(again.first, again.last + 1))
    assert head[:4] == b"RIFF" and len(head) == 4000
    out, err = capfd.readouterr()
    assert "RIFF" not in str(raised.value) and "fLaC" not in out + err


def test_a_range_past_the_end_of_the_audio_is_audited_refused_and_nothing_allowed(tmp_path):
    """A range that starts past the audio's end exports no byte: its audit record says refused
    (as access refusals are: action export, the reason), never an allowed export."""
    import pytest

    from vault.access import Principal
    from vault.errors import RangeNotSatisfiableError
    from worker.stored.operations import audio_ranges

    wav = _long_wav(3)
    vault, rid = _stored_wav(tmp_path, "CA-SHORT", wav)
    region_vault = vault.region("us")
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    size = len(wav)
    for wanted in [(size, None), (size + 10, size + 20), (size, size)]:
        with pytest.raises(RangeNotSatisfiableError) as raised:
            audio_ranges(rid, ann, vault, "wav", wanted)
        assert raised.value.size_bytes == size
    for wanted, first, last in [((0, 9), 0, 9), ((size - 5, None), size - 5, size - 1),
                                ((None, 300), size - 300, size - 1), ((5, size + 999), 5, size - 1),
                                ((None, size + 7), 0, size - 1)]:
        ranges = audio_ranges(rid, ann, vault, "wav", wanted)
        assert (ranges.first, ranges.last) == (first, last)
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(rid)]
    assert trail.count(("export", "refused", "agent:ann", "range not satisfiable")) == 3
    assert trail.count(("export", "allowed", "agent:ann", "audio range")) == 5
    assert len(trail) == 8


def test_an_export_whose_access_cannot_be_audited_leaves_no_output(tmp_path):
    """Every access is audited: the audio was decrypted to ``-o`` first and the allowed access
    recorded after, so an audit trail that could not be written (a full or broken vault disk)
    left the audio with the caller, exit 1, and no record of the access."""
    import pytest

    from vault.access import Principal
    from vault.errors import StoreError
    from worker.stored.operations import export_recording

    vault, rid = _stored_wav(tmp_path, "CA-AUDIT", _long_wav(1))
    (vault.region("us").store.root / "audit").write_bytes(b"")  # the trail's directory cannot be made
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    for options in ({}, {"audio_format": "flac"}, {"artifact": "metadata"}):
        out = tmp_path / "out.bin"
        with pytest.raises(StoreError, match="cannot write audit/"):
            export_recording(rid, out, ann, vault, **options)
        assert not out.exists()


def test_an_export_that_fails_its_audit_or_range_leaves_a_file_at_its_path_as_it_was(tmp_path):
    """Session-50 review: the export was linked in at ``-o`` (replacing what was there) before
    its access was audited, and removed when the audit failed: a file the caller had at that
    path was destroyed though nothing was exported. An output replaces its path only when the
    export succeeds (README: a failure leaves the path as it was); so with a range past the end."""
    import shutil

    import pytest

    from vault.access import Principal
    from vault.errors import RangeNotSatisfiableError, StoreError
    from worker.stored.operations import export_recording

    vault, rid = _stored_wav(tmp_path, "CA-AUDIT", _long_wav(1))
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    out = tmp_path / "out.bin"
    out.write_bytes(b"the caller's own file")
    with pytest.raises(RangeNotSatisfiableError):
        export_recording(rid, out, ann, vault, byte_range=(10 ** 9, None))
    assert out.read_bytes() == b"the caller's own file"
    trail = vault.region("us").store.root / "audit"
    shutil.rmtree(trail)
    trail.write_bytes(b"")  # the trail's directory cannot be made
    for options in ({}, {"audio_format": "flac"}, {"artifact": "metadata"}):
        with pytest.raises(StoreError, match="cannot write audit/"):
            export_recording(rid, out, ann, vault, **options)
        assert out.read_bytes() == b"the caller's own file", options
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.bin")) == []  # no temp left


def test_an_export_audited_whose_output_cannot_then_be_linked_in_is_audited_as_failed(tmp_path, monkeypatch):
    """The output is linked in after the allowed access is audited: when that fails (a full
    disk at the rename), the file the caller had stays, and the trail says the export failed."""
    import errno
    import os

    import pytest

    import callrec.files
    from vault.access import Principal
    from worker.errors import WorkerError
    from worker.stored.operations import export_recording

    vault, rid = _stored_wav(tmp_path, "CA-LINK", _long_wav(1))
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    out = tmp_path / "out.wav"
    out.write_bytes(b"the caller's own file")

    replace = os.replace

    def full(src, dst):  # the export's rename only (the audit trail's own writes go through)
        if os.fspath(dst) == os.fspath(out):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        replace(src, dst)

    monkeypatch.setattr(callrec.files.os, "replace", full)
    with pytest.raises(WorkerError, match="cannot write"):
        export_recording(rid, out, ann, vault)
    monkeypatch.undo()
    assert out.read_bytes() == b"the caller's own file"
    trail = [(e.action, e.outcome) for e in vault.region("us").audit_events(rid) if e.action == "export"]
    assert trail == [("export", "allowed"), ("export", "failed")]


def test_entries_for_a_batch_pass_over_an_index_entry_that_cannot_be_read(tmp_path):
    """``callrec batch --account A`` lists A's recordings: one unreadable index entry anywhere in
    the region (another account's too) used to stop every account's batch (exit 2); it is left
    to the retention sweep, which names it."""
    from tests.vault.conftest import make_entry

    vault, rid = _stored_wav(tmp_path, "CA-OK", _long_wav(1))
    other = make_entry("us", "CA-B", account="other")
    vault.region("us").put(other, {"audio": io.BytesIO(b"a")})
    (vault.region("us").store.root / "index" / f"{other.recording_id}.json").write_bytes(b'{"trunc')
    assert [e.recording_id for e in entries(vault, account_id="acme")] == [rid]


def test_a_recording_past_its_retention_window_is_refused_before_a_sweep_deletes_it(tmp_path):
    """Found by the audit: a recording past its window played until someone ran a sweep. It is
    refused (and the refusal audited) from the moment its window ends; the sweep still deletes it."""
    import pytest

    from vault.access import Principal
    from vault.errors import AccessDeniedError
    from worker.stored.operations import audio_ranges, export_recording

    vault, rid = _stored_wav(tmp_path, "CA-KEPT", _long_wav(1))  # stored 2026-01-15, kept without limit
    region_vault = vault.region("us")
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    out = tmp_path / "out.wav"
    assert export_recording(rid, out, ann, vault).path == out
    out.unlink()
    region_vault.set_policy("acme", 30)  # the account's window is now 30 days: long past
    for export in (lambda: export_recording(rid, out, ann, vault), lambda: audio_ranges(rid, ann, vault, "wav", (0, 9))):
        with pytest.raises(AccessDeniedError, match="past its retention window"):
            export()
    assert not out.exists()
    trail = [(e.action, e.outcome, e.reason) for e in region_vault.audit_events(rid)]
    assert trail.count(("export", "refused", "recording is past its retention window")) == 2
    region_vault.set_policy("acme", None)  # kept without limit again
    assert export_recording(rid, out, ann, vault).path == out


def test_a_window_removed_during_a_sweep_stops_its_deletions(tmp_path, monkeypatch):
    """Found by the session-46 audit: the sweep read each account's policy once and went on
    deleting under it after the account removed its window (crypto-shredding is final). Each
    deletion now judges the recording against the policy as it is at that moment."""
    from tests.vault.conftest import make_entry
    from vault.regional import RegionVault
    from worker.stored.operations import retention_sweep

    vault = build_vault(Settings(data_dir=tmp_path / "state"))
    region_vault = vault.region("us")
    rids = [region_vault.put(make_entry("us", f"CA{i}", ticket="T-7"), {"audio": io.BytesIO(b"a")}).recording_id
            for i in range(4)]
    region_vault.set_policy("acme", 30)  # the recordings (made 2026-01-15) are past it
    delete = RegionVault.delete

    def delete_then_the_window_goes(self, recording_id, **kwargs):
        entry = delete(self, recording_id, **kwargs)
        self.set_policy("acme", None)  # the account removed its window meanwhile
        return entry

    monkeypatch.setattr(RegionVault, "delete", delete_then_the_window_goes)
    report = retention_sweep(vault)
    assert (report.due, report.deleted) == (1, 1)
    assert sum(region_vault.get(rid).deleted for rid in rids) == 1


def test_a_re_redaction_racing_a_deletion_ends_as_one_found_deleted(tmp_path, monkeypatch):
    """Found by the session-46 audit: a deletion while a re-redaction (a batch's redact step, a
    ``POST .../redact``) worked failed the job for good ("was deleted", bad input), and the batch
    never finished clean. It ends as one that found the recording deleted up front."""
    from vault.regional import RegionVault

    vault, rid = _stored_wav(tmp_path, "CA-GONE", _long_wav(2))
    replace = RegionVault.replace

    def deleted_meanwhile(self, recording_id, *args, **kwargs):
        self.delete(recording_id, actor="operator", reason="request")
        return replace(self, recording_id, *args, **kwargs)

    monkeypatch.setattr(RegionVault, "replace", deleted_meanwhile)
    settings = Settings(data_dir=tmp_path / "state", recognizer="none")
    outcome = redact_stored(rid, build_backends(settings))
    assert (outcome.redacted, outcome.reason) == (False, "recording_deleted")
    assert vault.region("us").get(rid).deleted


def test_an_export_racing_a_re_redaction_exports_the_new_generation(tmp_path, monkeypatch):
    """Found by the session-46 audit: a re-redaction committed between the export's read of the
    entry and of the key destroyed the generation it was reading: the export failed as "cannot
    decrypt" (exit 2, bad input) and was audited as a failed decryption. It reads the entry
    again and exports what is stored now."""
    from vault.access import Principal
    from vault.regional import RegionVault
    from worker.stored.operations import export_recording

    vault, rid = _stored_wav(tmp_path, "CA-RACE", _long_wav(1))
    region_vault = vault.region("us")
    newer = _long_wav(2)
    read = RegionVault.read

    def replaced_meanwhile(self, entry, kind, dst):
        monkeypatch.setattr(RegionVault, "read", read)
        self.replace(rid, {"audio": io.BytesIO(newer), "metadata": io.BytesIO(b"{}")}, redacted=True)
        return read(self, entry, kind, dst)

    monkeypatch.setattr(RegionVault, "read", replaced_meanwhile)
    out = tmp_path / "out.wav"
    export_recording(rid, out, Principal.parse("agent:ann", "acme", frozenset({"T-7"})), vault)
    assert sf.read(out, dtype="int16")[0].size == 16000
    trail = [(e.action, e.outcome) for e in region_vault.audit_events(rid)]
    assert ("export", "failed") not in trail and ("export", "allowed") in trail


def test_a_range_racing_a_re_redaction_is_served_from_the_new_generation(tmp_path, monkeypatch):
    """A re-redaction committed between the range's read of the entry and of its segments
    destroyed the generation it was opening: the range failed as a decryption error (the API's
    500). It reads the entry again, as ``export_recording`` does, and serves what is stored now."""
    from vault.access import Principal
    from vault.regional import RegionVault
    from worker.stored.operations import audio_ranges

    vault, rid = _stored_wav(tmp_path, "CA-RRACE", _long_wav(1))
    region_vault = vault.region("us")
    newer = _long_wav(2)
    segments = RegionVault.segments

    def replaced_meanwhile(self, entry, kind):
        monkeypatch.setattr(RegionVault, "segments", segments)
        self.replace(rid, {"audio": io.BytesIO(newer), "metadata": io.BytesIO(b"{}")}, redacted=True)
        return segments(self, entry, kind)

    monkeypatch.setattr(RegionVault, "segments", replaced_meanwhile)
    ranges = audio_ranges(rid, Principal.parse("agent:ann", "acme", frozenset({"T-7"})), vault, "wav", (0, None))
    assert ranges.size_bytes == len(newer) and b"".join(ranges.chunks(0, len(newer))) == newer
    trail = [(e.action, e.outcome) for e in region_vault.audit_events(rid)]
    assert ("export", "failed") not in trail and ("export", "allowed") in trail


def test_a_head_is_admitted_and_audited_as_headers_only_without_decrypting(tmp_path, monkeypatch):
    import pytest

    from vault.access import Principal
    from vault.errors import AccessDeniedError, RecordingDeletedError
    from vault.regional import RegionVault
    from worker.stored.operations import HEADERS_ONLY, admit_headers

    vault, rid = _stored_wav(tmp_path, "CA-HEAD", _long_wav(1))
    region_vault = vault.region("us")
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))

    def never(*args, **kwargs):
        raise AssertionError("a HEAD decrypted the audio")

    monkeypatch.setattr(RegionVault, "read", never)
    monkeypatch.setattr(RegionVault, "segments", never)
    assert admit_headers(rid, ann, vault).recording_id == rid
    with pytest.raises(AccessDeniedError):
        admit_headers(rid, Principal.parse("agent:bob", "acme", frozenset({"T-9"})), vault)
    delete_recording(rid, vault, actor="operator", reason="request")
    with pytest.raises(RecordingDeletedError):
        admit_headers(rid, ann, vault)
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(rid)]
    assert trail.count(("export", "allowed", "agent:ann", HEADERS_ONLY)) == 1
    assert ("export", "refused", "agent:bob", "agent has no access to the ticket") in trail
    assert ("export", "refused", "agent:ann", "recording was deleted") in trail


def test_an_export_being_streamed_is_still_admitted_until_its_recording_is_deleted(tmp_path):
    """What a whole-file download checks now and then while it streams (the session-46 audit: a
    reader slow but steady finished its download after the recording was deleted)."""
    from vault.access import Principal
    from worker.stored.operations import still_admitted

    vault, rid = _stored_wav(tmp_path, "CA-STREAM", _long_wav(1))
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    assert still_admitted(rid, ann, vault)
    delete_recording(rid, vault, actor="operator", reason="request")
    assert not still_admitted(rid, ann, vault)
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in vault.region("us").audit_events(rid)]
    assert trail[-1] == ("export", "stopped", "agent:ann", "recording was deleted")


def test_a_voicemails_transcript_past_the_window_is_served_as_the_sweep_leaves_it(tmp_path):
    """Found by the session-47 audit: past its window a voicemail's transcript was refused, and
    once the sweep had deleted the voicemail it was served again for good (deletion keeps a
    voicemail's redacted transcription with the ticket: DESIGN.md §1). It stays with the
    ticket throughout; its audio is refused past the window and deleted by the sweep."""
    import pytest

    from tests.vault.conftest import make_entry
    from vault.access import Principal
    from vault.errors import AccessDeniedError, RecordingDeletedError
    from worker.stored.operations import export_recording, retention_sweep

    vault = build_vault(Settings(data_dir=tmp_path / "state"))
    entry = make_entry("us", "CA-VM", kind="voicemail", ticket="T-7")
    vault.region("us").put(entry, {"audio": io.BytesIO(_long_wav(1)), "metadata": io.BytesIO(b"{}"),
                                   "transcript": io.BytesIO(b"0.0 0.5 hello")})
    rid, ann = entry.recording_id, Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    vault.region("us").set_policy("acme", 30)  # long past
    with pytest.raises(AccessDeniedError, match="past its retention window"):
        export_recording(rid, tmp_path / "a.wav", ann, vault)
    out = export_recording(rid, tmp_path / "t1", ann, vault, artifact="transcript").path
    assert out.read_bytes() == b"0.0 0.5 hello"
    assert retention_sweep(vault).deleted == 1
    assert export_recording(rid, tmp_path / "t2", ann, vault, artifact="transcript").path.read_bytes() == b"0.0 0.5 hello"
    with pytest.raises(RecordingDeletedError):
        export_recording(rid, tmp_path / "b.wav", ann, vault)


def test_a_re_redaction_meeting_a_deletion_under_way_ends_as_one_found_deleted(tmp_path):
    """Found by the session-47 audit: a batch's redact step beside a retention sweep failed as
    "cannot decrypt": the deletion had destroyed the keys and not yet committed its tombstone."""
    import threading

    from vault.regional import key_name

    vault, rid = _stored_wav(tmp_path, "CA-SWEPT", _long_wav(2))
    region_vault = vault.region("us")
    for info in region_vault.get(rid).artifacts:
        region_vault.key_store.delete(key_name(rid, info))
    later = threading.Timer(0.3, lambda: region_vault.delete(rid, actor="retention", reason="retention window"))
    later.start()
    try:
        outcome = redact_stored(rid, build_backends(Settings(data_dir=tmp_path / "state", recognizer="none")))
    finally:
        later.join()
    assert (outcome.redacted, outcome.reason) == (False, "recording_deleted")


def test_a_deletion_that_fails_skips_its_recording_and_the_sweep_goes_on(tmp_path, monkeypatch):
    """Seen once by the session-47 audit: a sweep beside a batch stopped after 1,715 of 2,000
    deletions with no summary. One recording's deletion failing (an update racing it past the
    retries, a store error) ended the sweep for everyone after it. It is skipped and named, as
    an entry the sweep cannot judge is; the next sweep tries it again."""
    from tests.vault.conftest import make_entry
    from vault.errors import VaultError
    from vault.regional import RegionVault
    from worker.stored.operations import retention_sweep

    vault = build_vault(Settings(data_dir=tmp_path / "state"))
    region_vault = vault.region("us")
    rids = sorted(region_vault.put(make_entry("us", f"CA{i}", ticket="T-7"), {"audio": io.BytesIO(b"a")}).recording_id
                  for i in range(3))
    region_vault.set_policy("acme", 30)
    delete = RegionVault.delete

    def fails_for_the_first(self, recording_id, **kwargs):
        if recording_id == rids[0]:
            raise VaultError(f"recording {recording_id} changed during the deletion; try again")
        return delete(self, recording_id, **kwargs)

    monkeypatch.setattr(RegionVault, "delete", fails_for_the_first)
    report = retention_sweep(vault)
    assert (report.due, report.deleted) == (3, 2)
    assert report.skipped == ((rids[0], f"deletion failed: recording {rids[0]} changed during the deletion; try again"),)
    assert [region_vault.get(rid).deleted for rid in rids] == [False, True, True]


def test_a_recording_past_its_retention_window_is_not_redacted_again(tmp_path):
    """Found by the red team (session 53): a recording past its window, whose reads are refused,
    was still redacted again on request: its audio decrypted and stored anew as a new generation,
    when the only thing left to do with it is to delete it (DESIGN: deleted after the window,
    which applies retroactively). Refused as its reads are, audited; nothing decrypted or changed."""
    import pytest

    from vault.errors import AccessDeniedError

    settings = Settings(data_dir=tmp_path / "state")
    vault, rid = _stored_wav(tmp_path, "CA-OLD", _long_wav(1))  # stored 2026-01-15
    region_vault = vault.region("us")
    region_vault.set_policy("acme", 30)
    before = region_vault.get(rid)
    with pytest.raises(AccessDeniedError) as refused:
        redact_stored(rid, build_backends(settings), actor="api-key:0123abcd0123abcd")
    assert str(refused.value) == f"recording {rid} is past its retention window; the next sweep deletes it"
    assert region_vault.get(rid) == before  # the same generation: nothing stored anew
    trail = [(e.action, e.outcome, e.principal, e.reason) for e in region_vault.audit_events(rid)]
    assert trail == [("redact", "refused", "api-key:0123abcd0123abcd", "recording is past its retention window")]
    region_vault.set_policy("acme", None)  # kept without limit again: redacted as asked
    assert redact_stored(rid, build_backends(settings), force=True).redacted is True


def test_the_window_is_judged_by_the_vaults_clock_as_the_sweep_judges_it(tmp_path):
    """The refusal past the window read the wall clock, the sweep and ``retention_due`` the region
    vault's: a vault whose clock is still inside the window (a test's, a replica's) refused a
    recording its own sweep would keep. Both read the vault's clock now."""
    from datetime import UTC, datetime

    from vault.access import Principal
    from worker.stored.operations import export_recording, past_retention

    vault, rid = _stored_wav(tmp_path, "CA-CLOCK", _long_wav(1))  # stored 2026-01-15
    region_vault = vault.region("us")
    region_vault.set_policy("acme", 30)
    region_vault.clock = lambda: datetime(2026, 1, 20, tzinfo=UTC)  # five days in: inside the window
    assert past_retention(region_vault, region_vault.get(rid)) is False
    out = tmp_path / "out.wav"
    ann = Principal.parse("agent:ann", "acme", frozenset({"T-7"}))
    assert export_recording(rid, out, ann, vault).path == out
    region_vault.clock = lambda: datetime(2026, 2, 20, tzinfo=UTC)  # 36 days in: past it
    assert past_retention(region_vault, region_vault.get(rid)) is True
