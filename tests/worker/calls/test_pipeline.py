"""The in-process pipeline: manifest to encrypted recording in the region's vault."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from redaction import cards, sound_chains
from redaction.dtmf import detect_dtmf
from redaction.dtmf_synth import KeyPress, key_sequence
from redaction.words import TimedWord
from vault.errors import StoreError
from vault.regional import RegionVault
from vault.regions import recording_id
from vault.stores.base import get_bytes, put_bytes
from vault.vault import Vault
from worker.errors import ManifestError, SourceChangedError, is_permanent, is_retryable
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.vaults import build_vault
from worker.boot import build_backends

from tests.cards import luhn_complete
from tests.worker.stored_calls import RATE_HZ, leg_samples, moved_to_s3, write_call


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Calls are written under tmp_path, which is the inbox: their sources are destroyed."""
    return Settings(data_dir=tmp_path / "state", inbox=str(tmp_path))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The worker's temp space, to check that nothing is left in it."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def expected_beep() -> np.ndarray:
    """The default recording-start beep as written from its spec (DESIGN.md §1: 1400 Hz,
    0.5 s; README: -12 dBFS peak, 10 ms raised-cosine ramps), not by audio.beep."""
    n = np.arange(int(0.5 * RATE_HZ))
    tone = 10 ** (-12 / 20) * np.sin(2 * np.pi * 1400 * n / RATE_HZ)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(80) + 0.5) / 80)  # 10 ms at 8 kHz
    tone[:80] *= ramp
    tone[-80:] *= ramp[::-1]
    return np.rint(tone * 32768).astype(np.int16)


def expected_recording() -> np.ndarray:
    """What write_call's call must become, from the call's own facts: the queue (0-1 s) is
    cut, so the beep, then leg a (call 1-3 s) and leg b (3-4 s) sample for sample."""
    return np.concatenate((expected_beep(), leg_samples(2.0, 1), leg_samples(1.0, 2)))


def assert_recording(stored: bytes, expected: np.ndarray) -> None:
    """The stored audio decodes to ``expected``: the legs bit for bit, the beep within one
    16-bit step (its float maths may round the other way)."""
    samples, rate = sf.read(io.BytesIO(stored), dtype="int16")
    assert rate == RATE_HZ and len(samples) == len(expected)
    beep = len(expected_beep())
    assert np.abs(samples[:beep].astype(np.int32) - expected[:beep]).max() <= 1
    assert np.array_equal(samples[beep:], expected[beep:])


def decrypt(vault: Vault, rid: str, kind: str) -> bytes:
    out = io.BytesIO()
    region_vault = vault.for_recording(rid)
    region_vault.read(region_vault.get(rid), kind, out)
    return out.getvalue()


def test_stores_the_assembled_recording_encrypted(tmp_path, settings, private_tmp):
    manifest = write_call(tmp_path / "call")
    digest_a = hashlib.sha256((tmp_path / "call" / "CA1-a.wav").read_bytes()).hexdigest()
    outcome = process_call(manifest, build_backends(settings))

    rid = recording_id("acme", "CA1", "eu")
    assert (outcome.recording_id, outcome.region, outcome.stored, outcome.reason) == (rid, "eu", True, None)
    assert (outcome.call_duration_s, outcome.recorded_duration_s) == (4.0, 3.5)  # 3 s kept + 0.5 s beep
    assert (outcome.redacted, outcome.verified, outcome.spans_by_kind) == (False, None, ())
    assert outcome.sources_destroyed == 2 and outcome.key_version == "v1" and not outcome.already_stored
    vault = build_vault(settings, regions=("eu",))
    stored = decrypt(vault, rid, "audio")
    assert_recording(stored, expected_recording())
    meta = json.loads(decrypt(vault, rid, "metadata"))
    assert meta["recording_id"] == rid and meta["region"] == "eu"
    assert meta["call_duration_s"] == 4.0 and meta["recorded_duration_s"] == 3.5
    assert meta["cut_s_by_reason"] == {"queue": 1.0}
    assert meta["key"] == {"key_id": "local:eu", "version": "v1"}
    assert stored[:4] == b"fLaC" and meta["codec"] == {"name": "flac", "media_type": "audio/flac",
                                                       "lossless": True, "rate_hz": 8000, "frames": 28000}
    assert meta["digests"]["output"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert [d["uri"] for d in meta["digests"]["inputs"]] == ["file:CA1-a.wav", "file:CA1-b.wav"]
    assert meta["digests"]["inputs"][0]["sha256"] == digest_a and meta["delete_after"] is None
    entry = vault.get(rid)
    assert (entry.ticket_id, entry.kind, entry.recorded_duration_s) == ("T-7", "call", 3.5)
    assert [a.kind for a in entry.artifacts] == ["audio", "metadata"]
    assert list(private_tmp.iterdir()) == []
    assert not (tmp_path / "call" / "CA1-a.wav").exists() and not (tmp_path / "call" / "CA1-b.wav").exists()


def test_metadata_names_the_key_version_its_artifacts_are_wrapped_under(tmp_path, settings, monkeypatch):
    """A rotation between the pipeline resolving the primary KEK version (for the metadata) and
    the vault's write (its data keys) named v1 in the metadata over keys wrapped under v2
    (session-48 note): the version is resolved once, for both."""
    manifest = write_call(tmp_path / "call")
    put = RegionVault.put

    def rotate_first(self, entry, artifacts, **kwargs):
        self.keys.rotate()  # an operator's `callrec keys rotate` meanwhile
        return put(self, entry, artifacts, **kwargs)

    monkeypatch.setattr(RegionVault, "put", rotate_first)
    outcome = process_call(manifest, build_backends(settings))
    rid = outcome.recording_id
    vault = build_vault(settings, regions=("eu",))
    entry = vault.for_recording(rid).get(rid)
    meta = json.loads(decrypt(vault, rid, "metadata"))
    assert {a.key_version for a in entry.artifacts} == {meta["key"]["version"]} == {outcome.key_version}

def test_only_ciphertext_reaches_the_store(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    process_call(manifest, build_backends(settings))
    probes = [s.tobytes() for s in (leg_samples(2.0, 1), leg_samples(1.0, 2))]
    windows = [p[i : i + 24] for p in probes for i in range(0, len(p) - 24, 1201)]
    files = [p for root in ("vault", "keystore") for p in (settings.data_dir / root).rglob("*") if p.is_file()]
    # index, audio + key, metadata + key, retention policy, index MAC key, its mark, the ticket's
    # marker (empty), the mark that every entry has one, the mark that every retention policy is sealed,
    # the policy's digest, the mark that every audit event is sealed, the mark that no policy record
    # is kept under its older name (a new vault's: vault.policy_digests.MOVED)
    assert len(files) == 14
    for path in files:
        data = path.read_bytes()
        assert b"RIFF" not in data and b"WAVE" not in data and b"fLaC" not in data, path
        assert not any(w in data for w in windows), path


def test_running_twice_stores_one_recording(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    settings = Settings(data_dir=settings.data_dir, keep_sources=True)
    first = process_call(manifest, build_backends(settings))
    store = build_vault(settings, regions=("eu",)).region("eu").store
    before = {name: get_bytes(store, name) for name in store.names("")}
    second = process_call(manifest, build_backends(settings))
    assert second.already_stored and second.stored and second.recording_id == first.recording_id
    assert second.recorded_duration_s == 3.5
    assert {name: get_bytes(store, name) for name in store.names("")} == before


def test_a_call_stored_under_its_id_of_before_2026_12_02_is_found_under_it(tmp_path, settings, monkeypatch):
    from vault.regions import legacy_recording_id
    from worker.calls import pipeline

    manifest = write_call(tmp_path / "call")
    settings = Settings(data_dir=settings.data_dir, keep_sources=True)
    with monkeypatch.context() as patched:  # as the pipeline named recordings then
        patched.setattr(pipeline, "make_recording_id", legacy_recording_id)
        first = process_call(manifest, build_backends(settings))
    data = json.loads(manifest.read_text())
    old = legacy_recording_id(data["account"]["id"], data["call_id"], "eu")
    assert first.recording_id == old != recording_id(data["account"]["id"], data["call_id"], "eu")
    store = build_vault(settings, regions=("eu",)).region("eu").store
    before = {name: get_bytes(store, name) for name in store.names("")}
    second = process_call(manifest, build_backends(settings))
    assert second.already_stored and second.stored and second.recording_id == old
    assert {name: get_bytes(store, name) for name in store.names("")} == before


def test_a_delivery_that_loses_the_race_reports_the_winners_recording(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    keep = Settings(data_dir=settings.data_dir, keep_sources=True)
    vault = build_vault(keep, regions=("eu",))
    region_vault = vault.region("eu")
    put = region_vault.put

    def put_after_the_winner(entry, artifacts, **kwargs):
        region_vault.put = put
        winner = process_call(manifest, build_backends(keep, vault=build_vault(keep, regions=("eu",))))
        assert not winner.already_stored
        return put(entry, artifacts, **kwargs)

    region_vault.put = put_after_the_winner
    loser = process_call(manifest, build_backends(keep, vault=vault))
    assert loser.already_stored and loser.stored and loser.recorded_duration_s == 3.5
    store = region_vault.store
    assert len(list(region_vault.key_store.names("keys/"))) == 2 and len(list(store.names("data/"))) == 2  # no orphan


def test_keep_sources(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    outcome = process_call(manifest, build_backends(Settings(data_dir=settings.data_dir, keep_sources=True)))
    assert outcome.sources_destroyed == 0
    assert (tmp_path / "call" / "CA1-a.wav").exists()


def test_not_recorded_stores_nothing_and_destroys_sources(tmp_path, settings, private_tmp):
    manifest = write_call(tmp_path / "call", recording=False)
    outcome = process_call(manifest, build_backends(settings))
    assert (outcome.stored, outcome.reason, outcome.recorded_duration_s) == (False, "number_recording_off", 0.0)
    assert outcome.sources_destroyed == 2 and not (tmp_path / "call" / "CA1-a.wav").exists()
    assert not (settings.data_dir / "vault").exists() or not any((settings.data_dir / "vault").rglob("*.json"))
    assert list(private_tmp.iterdir()) == []


def test_bad_manifest_writes_nothing(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    data = json.loads(manifest.read_text())
    data["events"][1]["end"] = 0.5
    manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"events\[1\]\.end"):
        process_call(manifest, build_backends(settings))
    assert (tmp_path / "call" / "CA1-a.wav").exists()
    assert not (settings.data_dir / "vault").exists()


class Tripwire:
    def __init__(self, region):
        self.region = region
        self.key_id = f"local:{region}"

    def __getattr__(self, name):
        raise AssertionError(f"region {self.region} was touched ({name})")


def test_eu_call_never_touches_other_regions(tmp_path, settings):
    from worker.vaults import build_region

    vault = Vault({"eu": build_region(settings, "eu"),
                   **{r: RegionVault(r, Tripwire(r), Tripwire(r), key_store=Tripwire(r)) for r in ("us", "au")}})
    outcome = process_call(write_call(tmp_path / "call"), build_backends(settings, vault=vault))
    assert outcome.stored and outcome.region == "eu"
    assert not (settings.data_dir / "vault" / "us").exists() and not (settings.data_dir / "keys" / "us.json").exists()


class BrokenStore:
    """The real local store, failing on the n-th write."""

    def __init__(self, inner, fail_on):
        self._inner, self._fail_on, self._n = inner, fail_on, 0
        self.region = inner.region

    def writer(self, name):
        self._n += 1
        if self._n == self._fail_on:
            raise StoreError("injected: store unavailable")
        return self._inner.writer(name)

    def create(self, name, data):
        self._n += 1
        if self._n == self._fail_on:
            raise StoreError("injected: store unavailable")
        return self._inner.create(name, data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.parametrize(("failing", "fail_on"), [("store", 1), ("store", 2), ("store", 3), ("store", 4),
                                                   ("key_store", 1), ("key_store", 2)],
                         ids=["policy", "audio", "metadata", "index", "audio-key", "metadata-key"])
def test_store_failure_keeps_sources_and_leaves_nothing(tmp_path, settings, private_tmp, failing, fail_on):
    from worker.vaults import build_key_store, build_keys, build_store

    store, key_store = build_store(settings, "eu"), build_key_store(settings, "eu")
    if failing == "store":
        vault = Vault({"eu": RegionVault("eu", BrokenStore(store, fail_on), build_keys(settings, "eu"),
                                         key_store=key_store)})
    else:
        vault = Vault({"eu": RegionVault("eu", store, build_keys(settings, "eu"),
                                         key_store=BrokenStore(key_store, fail_on))})
    manifest = write_call(tmp_path / "call")
    with pytest.raises(StoreError, match="injected"):
        process_call(manifest, build_backends(settings, vault=vault))
    # the account's policy (the manifest's window) is written just before the commit, and kept
    assert [n for n in store.names("") if not n.startswith("accounts/")] == [] and list(key_store.names("keys/")) == []
    assert (tmp_path / "call" / "CA1-a.wav").exists()
    assert list(private_tmp.iterdir()) == []
    assert process_call(manifest, build_backends(settings)).stored  # the retry succeeds


def test_deleted_recording_is_not_resurrected(tmp_path, settings):
    manifest = write_call(tmp_path / "call")
    keep = Settings(data_dir=settings.data_dir, keep_sources=True)
    rid = process_call(manifest, build_backends(keep)).recording_id
    build_vault(keep, regions=("eu",)).region("eu").delete(rid, actor="operator", reason="request")
    again = process_call(manifest, build_backends(keep))
    assert (again.stored, again.reason, again.already_stored) == (False, "recording_deleted", True)
    assert build_vault(keep, regions=("eu",)).get(rid).artifacts == ()


def delete_ticket_while_processed(monkeypatch, settings, ticket: str) -> None:
    """Have ``ticket`` (account acme's) deleted while the next call is processed, just before its
    vault write (as the pipeline follows the account's retention window)."""
    import worker.calls.pipeline as pipeline
    from worker.stored.operations import delete_ticket

    follow = pipeline._follow_retention

    def deletion_meanwhile(region_vault, manifest):
        delete_ticket(ticket, "acme", build_vault(settings, regions=("eu",)), actor="operator", reason="request")
        follow(region_vault, manifest)

    monkeypatch.setattr(pipeline, "_follow_retention", deletion_meanwhile)


def test_a_call_whose_ticket_is_deleted_while_it_is_processed_is_not_stored(tmp_path, settings, monkeypatch):
    """Session-50 review: a ticket's deletion while one of its calls was being processed (here
    just before the vault write) left that call to be stored afterwards. The job reports it
    deleted, keeps nothing of it, destroys its sources, and its redelivery stores nothing."""
    process_call(write_call(tmp_path / "c1", "CA1", ticket="T-7"), build_backends(settings))
    delete_ticket_while_processed(monkeypatch, settings, "T-7")
    keep = Settings(data_dir=settings.data_dir, inbox=settings.inbox, keep_sources=True)
    manifest = write_call(tmp_path / "c2", "CA2", ticket="T-7")
    outcome = process_call(manifest, build_backends(keep))
    assert (outcome.stored, outcome.reason) == (False, "recording_deleted")
    monkeypatch.undo()
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    assert region_vault.get(outcome.recording_id).deleted and region_vault.get(outcome.recording_id).artifacts == ()
    assert not list(region_vault.store.names(f"data/{outcome.recording_id}/"))
    again = process_call(manifest, build_backends(keep))  # redelivered
    assert (again.stored, again.reason, again.already_stored) == (False, "recording_deleted", True)


def test_a_call_whose_first_delivery_died_before_storing_and_whose_ticket_was_deleted_meanwhile_is_not_stored(
        tmp_path, settings, monkeypatch):
    """The first delivery began before the ticket's deletion and died while processing (before its
    vault write, so before its marker): nothing kept when its work began, and the redelivery,
    begun after the deletion, stored the call, playable. The work's beginning is marked as it
    begins; the deletion finds that marker and the redelivery stores nothing."""
    import worker.calls.pipeline as pipeline
    from worker.stored.operations import delete_ticket

    class Killed(BaseException):
        pass

    process_call(write_call(tmp_path / "c1", "CA1", ticket="T-7"), build_backends(settings))

    def die(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(pipeline, "encode_for_storage", die)
    keep = Settings(data_dir=settings.data_dir, inbox=settings.inbox, keep_sources=True)
    manifest = write_call(tmp_path / "c2", "CA2", ticket="T-7")
    with pytest.raises(Killed):
        process_call(manifest, build_backends(keep))
    monkeypatch.undo()
    delete_ticket("T-7", "acme", build_vault(settings, regions=("eu",)), actor="operator", reason="request")
    again = process_call(manifest, build_backends(keep))  # redelivered
    assert (again.stored, again.reason) == (False, "recording_deleted")
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    assert region_vault.get(again.recording_id).deleted
    assert not list(region_vault.store.names(f"data/{again.recording_id}/"))


def test_a_redelivery_that_finds_its_call_stored_deletes_it_when_its_tickets_deletion_missed_it(tmp_path, settings):
    """Its commit wrote its marker back (the sweep had removed it) and then failed to read the
    ticket's tombstone (a key-store error: the job is retried): the ticket's deletion, after the
    work began, had missed it. The redelivery finds the call stored, reads the marker and deletes
    it (``RegionVault.recheck_ticket``); a call stored while its ticket stood is kept."""
    from vault.tickets import WorkBegan

    keep = Settings(data_dir=settings.data_dir, inbox=settings.inbox, keep_sources=True)
    kept = write_call(tmp_path / "c1", "CA1", ticket="T-8")
    process_call(kept, build_backends(keep))
    manifest = write_call(tmp_path / "c2", "CA2", ticket="T-7")
    first = process_call(manifest, build_backends(keep))
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    [marker] = [n for n in region_vault.key_store.names("tickets/") if n.endswith(f"/{first.recording_id}")]
    began = WorkBegan(region_vault.clock(), region_vault.tickets.deletion("acme", "T-7"))
    put_bytes(region_vault.key_store, marker, began.body())  # as the commit wrote it back
    region_vault.tickets.bury("acme", "T-7", region_vault.clock())  # the deletion that missed it
    assert not region_vault.get(first.recording_id).deleted
    again = process_call(manifest, build_backends(keep))  # redelivered
    assert (again.stored, again.reason, again.already_stored) == (False, "recording_deleted", True)
    assert region_vault.get(first.recording_id).deleted
    assert not list(region_vault.store.names(f"data/{first.recording_id}/"))
    assert process_call(kept, build_backends(keep)).stored  # its ticket never deleted: kept


def test_voicemail_kind_and_retention_recorded(tmp_path, settings):
    manifest = write_call(tmp_path / "call", voicemail=True, retention_days=30)
    outcome = process_call(manifest, build_backends(settings))
    vault = build_vault(settings, regions=("eu",))
    entry = vault.get(outcome.recording_id)
    assert (entry.kind, entry.retention_days) == ("voicemail", 30)
    meta = json.loads(decrypt(vault, outcome.recording_id, "metadata"))
    assert meta["delete_after"] == entry.expires_at(30).isoformat()


def test_s3_and_kms_backends(tmp_path, moto_url, monkeypatch):
    import uuid

    from tests.aws import aws_client
    from vault.stores.s3 import S3Store

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"callrec-{{region}}-{uuid.uuid4().hex[:8]}"
    key_bucket = f"callrec-keys-{{region}}-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path / "state", store="s3", keys="kms", aws_endpoint_url=moto_url,
                        s3_bucket=bucket, s3_key_bucket=key_bucket,
                        kms_key=f"alias/callrec-{uuid.uuid4().hex[:8]}-{{region}}")
    for name in (bucket, key_bucket):
        S3Store(aws_client("s3", moto_url, "au"), name.format(region="au"), "au").ensure_bucket()
    manifest = write_call(tmp_path / "call", region="au")
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored and outcome.key_version.startswith("arn:aws:kms:ap-southeast-2:")
    vault = build_vault(settings, regions=("au",))
    assert_recording(decrypt(vault, outcome.recording_id, "audio"), expected_recording())
    assert not (tmp_path / "state" / "vault").exists()


def keyed_card_leg() -> np.ndarray:
    """2 s with a 16-digit card number keyed on the phone (DTMF), as 16-bit samples."""
    presses = [KeyPress(key, on_s=0.05) for key in "4111111111111111"]
    signal, _ = key_sequence(presses, RATE_HZ, gap_s=0.05, lead_s=0.1, seed=3)
    out = np.zeros(2 * RATE_HZ, np.float32)
    out[: len(signal)] = signal
    return (out * 32767).astype(np.int16)


def test_team_plan_call_is_redacted_before_storage(tmp_path, settings):
    manifest = write_call(tmp_path / "call", plan="team", redaction="auto", leg_a=keyed_card_leg())
    assert len(list(detect_dtmf(sf.read(tmp_path / "call" / "CA1-a.wav", dtype="float32")[0], RATE_HZ))) == 16
    outcome = process_call(manifest, build_backends(settings))
    assert (outcome.redacted, outcome.verified, outcome.spans_by_kind) == (True, True, (("card_number", 16),))
    vault = build_vault(settings, regions=("eu",))
    audio, rate = sf.read(io.BytesIO(decrypt(vault, outcome.recording_id, "audio")), dtype="float32")
    assert rate == RATE_HZ and len(audio) == int(3.5 * RATE_HZ)
    assert list(detect_dtmf(audio, RATE_HZ)) == []
    entry = vault.get(outcome.recording_id)
    assert entry.redacted and entry.detector_version.startswith("dtmf/")
    meta = json.loads(decrypt(vault, outcome.recording_id, "metadata"))
    assert meta["redaction"]["verified"] is True and len(meta["redaction"]["spans"]) == 16
    assert {s["entity"] for s in meta["redaction"]["spans"]} == {"card_number"}
    text = json.dumps(meta)  # digests and times may hold "4111" by chance: the card's run, or a group of it
    assert "4111111111111111" not in text and not re.search(r"(?<![0-9a-f])4111(?![0-9a-f])", text)


def test_an_account_that_accepts_lossy_storage_gets_opus_with_the_masks_intact(tmp_path, settings):
    manifest = write_call(tmp_path / "call", plan="team", redaction="auto", leg_a=keyed_card_leg())
    lossy = Settings(data_dir=settings.data_dir, lossy_accounts="other, acme")
    outcome = process_call(manifest, build_backends(lossy))
    assert outcome.redacted and outcome.verified
    vault = build_vault(lossy, regions=("eu",))
    stored = decrypt(vault, outcome.recording_id, "audio")
    assert stored[:4] == b"OggS"
    meta = json.loads(decrypt(vault, outcome.recording_id, "metadata"))
    assert meta["codec"]["name"] == "opus" and meta["codec"]["lossless"] is False
    audio, rate = sf.read(io.BytesIO(stored), dtype="float32")
    assert rate == RATE_HZ and len(audio) == int(3.5 * RATE_HZ)
    # verified on the decoded Opus, independently of the pipeline's own check: no key press
    # is left anywhere, and every masked interval holds the mask, not the keyed tones
    assert list(detect_dtmf(audio, RATE_HZ)) == []
    for start_s, end_s in meta["redaction"]["masked"]:
        inside = audio[int(start_s * RATE_HZ) + 80:int(end_s * RATE_HZ) - 80]
        assert list(detect_dtmf(inside, RATE_HZ)) == []


def test_s3_segments_are_fetched_and_destroyed(tmp_path, moto_url, monkeypatch):
    import uuid

    from tests.aws import aws_client
    from vault.stores.s3 import S3Store

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"platform-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path / "state", aws_endpoint_url=moto_url,
                        source_roots=f"s3://{bucket}/legs/", inbox=f"s3://{bucket}/legs")
    local_manifest = write_call(tmp_path / "call")
    incoming = S3Store(aws_client("s3", moto_url, "eu"), bucket, "eu")
    incoming.ensure_bucket(versioned=True)
    s3_manifest = moved_to_s3(local_manifest, incoming)

    outcome = process_call(s3_manifest, build_backends(settings))

    assert outcome.stored and outcome.sources_destroyed == 2
    assert_recording(decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "audio"),
                     expected_recording())
    listing = incoming._client.list_object_versions(Bucket=incoming.bucket)
    assert listing.get("Versions", []) == [] and listing.get("DeleteMarkers", []) == []
    data = json.loads(s3_manifest.read_text())
    data["call_id"] = "CA2"  # its legs named for it (a call's own in the inbox), never uploaded
    for segment in data["segments"]:
        segment["uri"] = segment["uri"].replace("/CA1-", "/CA2-")
    s3_manifest.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"segments\[0\]\.uri: s3://.*/legs/CA2-a.wav: no such object"):
        process_call(s3_manifest, build_backends(settings))


CARD_WORDS = "four one one one one one one one one one one one one one one one".split()


def card_transcript() -> str:
    """A call-clock transcript (the project's own format): a card read from 1.2 s of call time."""
    lines = ["# callrec words", "1.00 1.10 my", "1.10 1.20 card"]
    lines += [f"{1.2 + 0.1 * i:.2f} {1.3 + 0.1 * i:.2f} {word}" for i, word in enumerate(CARD_WORDS)]
    lines += ["3.20 3.40 thanks"]
    return "\n".join(lines) + "\n"


def test_call_clock_transcript_drives_masking_and_is_stored_redacted(tmp_path, settings):
    manifest = write_call(tmp_path / "call", plan="growth", redaction="auto", transcript=card_transcript())
    expected = expected_recording()
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.redacted and outcome.verified and outcome.spans_by_kind == (("card_number", 1),)
    assert outcome.sources_destroyed == 3 and not (tmp_path / "call" / "CA1-words.txt").exists()
    vault = build_vault(settings, regions=("eu",))
    meta = json.loads(decrypt(vault, outcome.recording_id, "metadata"))
    # Call 1.2-2.8 s is recording 0.7-2.3 s (queue cut, 0.5 s beep), padded 150 ms / 100 ms.
    assert meta["redaction"]["masked"] == [[0.55, 2.4]]
    assert meta["redaction"]["spans"][0]["detector"] == "transcript:simple"
    stored, _ = sf.read(io.BytesIO(decrypt(vault, outcome.recording_id, "audio")), dtype="int16")
    start, end = int(0.55 * RATE_HZ), int(2.4 * RATE_HZ)
    edge = 2  # the report rounds the interval to the millisecond; allow a sample either side
    assert np.array_equal(stored[: start - edge], expected[: start - edge])
    assert np.array_equal(stored[end + edge :], expected[end + edge :])
    assert not np.array_equal(stored[start:end], expected[start:end])
    text = decrypt(vault, outcome.recording_id, "transcript").decode()
    assert text.count("[redacted]") == 16 and " one" not in text and "four" not in text
    assert "my" in text and "thanks" in text


def test_transcript_whose_copy_cannot_be_redacted_falls_back_and_is_not_stored(tmp_path, settings):
    words = [{"text": "four", "start": 1200, "end": 1300}]
    bad = {"text": "four", "words": words, "utterances": [{"text": "four", "words": [
        {"text": "4111 1111", "start": "soon", "end": 1300}]}]}
    manifest = write_call(tmp_path / "call", plan="growth", redaction="auto", transcript=json.dumps(bad))
    data = json.loads(manifest.read_text())
    data["transcript"]["format"] = "assemblyai"
    manifest.write_text(json.dumps(data))
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored and outcome.verified
    assert outcome.transcript_problem.startswith("assemblyai transcript: a copy of the words")
    assert build_vault(settings, regions=("eu",)).region("eu").find(outcome.recording_id).artifact("transcript") is None


def test_provider_redacted_transcript_in_auto_format_masks_the_marked_call_time(tmp_path, settings):
    items = [{"start_time": "1.00", "end_time": "1.20", "type": "pronunciation",
              "alternatives": [{"confidence": "0.99", "content": "card"}]},
             {"start_time": "1.20", "end_time": "2.80", "type": "pronunciation",
              "alternatives": [{"content": "[PII]", "redactions": [{"confidence": "0.99"}]}]}]
    aws = json.dumps({"jobName": "j", "isRedacted": True, "status": "COMPLETED",
                      "results": {"transcripts": [{"transcript": "card [PII]"}], "items": items}})
    manifest = write_call(tmp_path / "call", plan="growth", redaction="auto", transcript=aws)
    data = json.loads(manifest.read_text())
    data["transcript"]["format"] = "auto"
    manifest.write_text(json.dumps(data))
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.redacted and outcome.verified and outcome.spans_by_kind == (("pii", 1),)
    assert outcome.transcript_problem is None
    meta = json.loads(decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata"))
    # Call 1.2-2.8 s is recording 0.7-2.3 s (queue cut, 0.5 s beep), padded 150 ms / 100 ms.
    assert meta["redaction"]["masked"] == [[0.55, 2.4]]
    assert [s["detector"] for s in meta["redaction"]["spans"]] == ["transcript:aws-redaction"]
    assert meta["transcript"] == {"format": "aws", "fallback": None, "problem": None, "removed_fields": []}


class HearsACode:
    """A recognizer double: hears a security code at recording 3.0-4.0 s, whatever it is given."""

    name, version = "hears-a-code", "1"

    def __init__(self) -> None:
        self.passes = 0

    def recognize(self, blocks, rate_hz):
        from redaction.words import TimedWord

        self.passes += 1
        for _ in blocks:
            pass
        yield from [TimedWord(2.6, 2.9, "security"), TimedWord(2.9, 3.0, "code")]
        yield from [TimedWord(3.0 + 0.3 * i, 3.3 + 0.3 * i, w) for i, w in enumerate(["seven", "three", "one"])]


@pytest.mark.parametrize("listen", [True, False])
def test_verification_listens_although_a_transcript_gave_the_words(tmp_path, settings, monkeypatch, listen):
    import dataclasses

    recognizer = HearsACode()
    settings = dataclasses.replace(settings, verify_listen=listen)
    manifest = write_call(tmp_path / "call", plan="growth", redaction="auto", transcript=card_transcript())
    outcome = process_call(manifest, build_backends(settings, recognizer=recognizer))
    meta = json.loads(decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata"))
    # the recognizer hears pass 1 beside the transcript, and the output in verification
    assert outcome.verified and recognizer.passes == (2 if listen else 0)
    if listen:  # the code the transcript missed is masked too, found in pass 1, and the metadata says so
        assert outcome.spans_by_kind == (("card_number", 1), ("security_code", 1))
        assert meta["redaction"]["verification"]["spans_added"] == 0
        # the code, to the recording's end: its padding stops 0.12 s into the pause before it (leg b's
        # steady noise is no speech to the energy detector: redaction.pauses)
        assert meta["redaction"]["masked"] == [[0.55, 2.4], [2.88, 3.5]]
    else:
        assert outcome.spans_by_kind == (("card_number", 1),) and meta["redaction"]["masked"] == [[0.55, 2.4]]


def test_transcript_is_stored_redacted_even_without_audio_redaction(tmp_path, settings):
    manifest = write_call(tmp_path / "call", transcript=card_transcript(), voicemail=True)
    outcome = process_call(manifest, build_backends(settings))
    assert not outcome.redacted
    vault = build_vault(settings, regions=("eu",))
    assert decrypt(vault, outcome.recording_id, "transcript").decode().count("[redacted]") == 16
    vault.region("eu").delete(outcome.recording_id, actor="operator", reason="request")
    assert decrypt(vault, outcome.recording_id, "transcript").decode().count("[redacted]") == 16


def test_unreadable_transcript_falls_back_to_the_recognizer_and_says_so(tmp_path, settings):
    manifest = write_call(tmp_path / "call", plan="team", redaction="auto", transcript="1.0 oops 4111111111111111\n")
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored and outcome.redacted and outcome.verified
    assert outcome.transcript_problem == "transcript CA1-words.txt: simple transcript: line 1 has a time or " \
        "confidence that is not a number"
    vault = build_vault(settings, regions=("eu",))
    meta = json.loads(decrypt(vault, outcome.recording_id, "metadata"))
    assert meta["transcript"] == {"format": None, "fallback": meta["transcript"]["fallback"],
                                  "problem": outcome.transcript_problem, "removed_fields": []}
    assert meta["transcript"]["fallback"].startswith("recognizer:") or meta["transcript"]["fallback"] == "dtmf only"
    assert not any(name.startswith("transcript") for name in (d["name"] for d in meta["redaction"]["detectors"]))
    assert vault.region("eu").find(outcome.recording_id).artifact("transcript") is None  # never stored unredacted
    text = json.dumps(meta)  # digests and times may hold "4111" by chance: the card's run, or a group of it
    assert "4111111111111111" not in text and not re.search(r"(?<![0-9a-f])4111(?![0-9a-f])", text)


def test_failed_verification_stores_nothing_and_keeps_sources(tmp_path, settings, private_tmp, monkeypatch):
    import worker.calls.redacting
    from redaction.errors import VerificationError

    def fails(*args, **kwargs):
        raise VerificationError("redacted output failed verification: 1 keyed digit(s) still detectable")

    monkeypatch.setattr(worker.calls.redacting, "redact_file", fails)
    manifest = write_call(tmp_path / "call", plan="team", redaction="auto", leg_a=keyed_card_leg())
    with pytest.raises(VerificationError):
        process_call(manifest, build_backends(settings))
    assert (tmp_path / "call" / "CA1-a.wav").exists() and (tmp_path / "call" / "CA1-b.wav").exists()
    assert list(build_vault(settings, regions=("eu",)).region("eu").store.names("")) == []
    assert list(private_tmp.iterdir()) == []


def test_manifest_window_becomes_the_account_policy(tmp_path, settings, clock_vault):
    from worker.stored.operations import retention_sweep

    old = process_call(write_call(tmp_path / "c1", "CA1"), build_backends(settings, vault=clock_vault(days_ago=40)))
    region_vault = build_vault(settings, regions=("eu",)).region("eu")
    assert region_vault.policy("acme").retention_days is None
    process_call(write_call(tmp_path / "c2", "CA2", retention_days=30), build_backends(settings, vault=clock_vault(days_ago=0)))
    assert region_vault.policy("acme").retention_days == 30
    report = retention_sweep(build_vault(settings, regions=("eu",)))
    assert (report.scanned, report.due, report.deleted) == (2, 1, 1)
    assert region_vault.get(old.recording_id).deleted


def test_a_window_the_account_set_is_not_undone_by_its_next_call(tmp_path, settings, clock_vault):
    """Found by the session-47 audit: every call's manifest wrote its window over the account's
    policy, so a window set with ``retention set`` or ``PUT /v1/retention`` (3650 days, say)
    flipped back to the 30 the account's calls carried with its next call, and the sweep then
    deleted, for good, what the account meant to keep. A manifest's window now changes the
    policy only when it differs from what the account's manifests carried before (the window
    changed where they come from): the latest change wins."""
    from worker.stored.operations import retention_sweep, set_retention

    vault = build_vault(settings, regions=("eu",))
    old = process_call(write_call(tmp_path / "c1", "CA1", retention_days=30),
                       build_backends(settings, vault=clock_vault(days_ago=40)))
    region_vault = vault.region("eu")
    assert region_vault.policy("acme").retention_days == 30
    set_retention("acme", 3650, vault)
    process_call(write_call(tmp_path / "c2", "CA2", retention_days=30), build_backends(settings))
    assert region_vault.policy("acme").retention_days == 3650  # the set window stands
    assert retention_sweep(build_vault(settings, regions=("eu",))).deleted == 0
    assert not region_vault.get(old.recording_id).deleted
    process_call(write_call(tmp_path / "c3", "CA3", retention_days=90), build_backends(settings))
    assert region_vault.policy("acme").retention_days == 90  # changed where the manifests come from: it wins


def test_a_window_set_before_any_call_stands_against_the_first_manifest(tmp_path, settings):
    from worker.stored.operations import set_retention

    vault = build_vault(settings, regions=("eu",))
    set_retention("acme", 7, vault)
    process_call(write_call(tmp_path / "c1", "CA1", retention_days=None), build_backends(settings))
    assert vault.region("eu").policy("acme").retention_days == 7
    process_call(write_call(tmp_path / "c2", "CA2", retention_days=None), build_backends(settings))
    assert vault.region("eu").policy("acme").retention_days == 7
    process_call(write_call(tmp_path / "c3", "CA3", retention_days=30), build_backends(settings))
    assert vault.region("eu").policy("acme").retention_days == 30


def test_a_failure_after_the_commit_does_not_lose_the_manifests_window(tmp_path, settings, monkeypatch):
    """Found by the session-46 audit: the policy was written after the recording's commit, so a
    failure there (a full vault disk) lost the window for good: the rerun found the call stored
    and returned before it."""
    from vault.errors import StoreError
    from vault.regional import RegionVault

    follow = RegionVault.follow_manifest
    calls = []

    def fails_once(self, account_id, days):
        calls.append(days)
        if len(calls) == 1:
            raise StoreError("cannot write accounts/acme/policy.json: No space left on device")
        return follow(self, account_id, days)

    monkeypatch.setattr(RegionVault, "follow_manifest", fails_once)
    manifest = write_call(tmp_path / "c1", "CA1", retention_days=30)
    with pytest.raises(StoreError):
        process_call(manifest, build_backends(settings))
    process_call(manifest, build_backends(settings))
    assert build_vault(settings, regions=("eu",)).region("eu").policy("acme").retention_days == 30


@pytest.fixture
def clock_vault(settings):
    from datetime import UTC, datetime, timedelta

    def build(days_ago: float) -> Vault:
        moment = datetime.now(UTC) - timedelta(days=days_ago)
        return build_vault(settings, regions=("eu",), clock=lambda: moment)

    return build


class HeardCard:
    """A fake recognizer passed in through Backends: it "hears" a card number read out at
    1.0-2.6 s of the recording (16 digit words of 0.1 s) whatever the audio holds."""

    name = "fake-ears"
    version = "7"

    def __init__(self) -> None:
        self.rates_hz: list[int] = []

    def recognize(self, blocks, rate_hz):
        self.rates_hz.append(rate_hz)
        for _ in blocks:
            pass
        digits = "zero one two three four five six seven eight nine".split()
        for i, digit in enumerate("4532015112830366"):
            yield TimedWord(1.0 + 0.1 * i, 1.0 + 0.1 * (i + 1), digits[int(digit)])


def test_process_call_uses_the_recognizer_it_is_handed(tmp_path, settings):
    ears = HeardCard()
    backends = build_backends(settings, recognizer=ears)
    outcome = process_call(write_call(tmp_path / "call", plan="team", redaction="auto"), backends)

    assert ears.rates_hz and set(ears.rates_hz) == {RATE_HZ}  # detection and verification
    assert (outcome.redacted, outcome.verified, outcome.spans_by_kind) == (True, True, (("card_number", 1),))
    meta = json.loads(decrypt(backends.vault, outcome.recording_id, "metadata"))
    assert meta["redaction"]["detector_version"].endswith(",recognizer:fake-ears/7+cards"
                                                           f"{cards.VERSION}+chains{sound_chains.VERSION}")
    assert [(span["start_s"], span["end_s"], span["detector"]) for span in meta["redaction"]["spans"]] == \
        [(1.0, 2.6, "recognizer:fake-ears")]
    # the span padded 0.12 s into the pause it lies in (the leg's steady noise is no speech to the
    # energy detector: redaction.pauses), not the whole 300 ms before and 250 ms after
    assert meta["redaction"]["masked"] == [[0.88, 2.72]]
    samples, _ = sf.read(io.BytesIO(decrypt(backends.vault, outcome.recording_id, "audio")), dtype="int16")
    expected = expected_recording()
    first, last = round((1.0 - 0.12) * RATE_HZ), round((2.6 + 0.12) * RATE_HZ)
    beep = len(expected_beep())
    assert np.array_equal(samples[beep:first], expected[beep:first])
    assert np.array_equal(samples[last:], expected[last:])
    assert not np.array_equal(samples[first:last], expected[first:last])


# -- a card number in a source's name --------------------------------------------------------

PAN = luhn_complete("411111111111111")


def grouped(number: str, joiner: str) -> str:
    return joiner.join(number[i:i + 4] for i in range(0, len(number), 4))


def renamed_segments(manifest: Path, names: list[str]) -> Path:
    """``manifest`` (write_call's) with its two legs renamed to ``names``."""
    data = json.loads(manifest.read_text())
    for segment, name in zip(data["segments"], names):
        (manifest.parent / segment["uri"].removeprefix("file:")).rename(manifest.parent / name)
        segment["uri"] = f"file:{name}"
    manifest.write_text(json.dumps(data))
    return manifest


def stored_metadata(manifest, settings) -> str:
    """The metadata of the call ``manifest`` names, processed and stored (its JSON text)."""
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored
    return decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata").decode()


def test_a_card_number_in_a_segment_s_name_is_masked_in_the_metadata_and_the_call_stored(tmp_path, settings):
    """The platform names the files: the call is stored (refusing it would lose a real call),
    and its metadata names each input with the card number's digits masked, digest kept."""
    connect = "4e3b1c2a-9f0d-4c57-8a2e-1b6f0c9d7e21_20261202T10:15_UTC.wav"  # Connect's shape: kept
    manifest = renamed_segments(write_call(tmp_path / "CA1"), [f"{grouped(PAN, '-')}.wav", connect])
    digest = hashlib.sha256((tmp_path / "CA1" / f"{grouped(PAN, '-')}.wav").read_bytes()).hexdigest()
    raw = stored_metadata(manifest, settings)
    leaked = PAN[:4] in raw or PAN[-4:] in raw  # a boolean: a failure prints no digits
    assert not leaked
    inputs = json.loads(raw)["digests"]["inputs"]
    assert [d["sha256"] for d in inputs][:1] == [digest]
    assert [d["uri"] for d in inputs] == ["file:####-####-####-####.wav", f"file:{connect}"]


@pytest.mark.parametrize("written", [
    lambda name: "".join(f"%{ord(ch):02X}" for ch in name),  # the manifest reader unescapes it
    lambda name: "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else "\uff0d" for ch in name),  # fullwidth
], ids=["percent-escaped", "fullwidth-hyphens"])
def test_a_card_number_in_a_segment_s_name_as_read_is_masked_in_the_metadata(tmp_path, settings, written):
    """Session 56's review: a leg named ``file:%34%31...`` (the manifest reader unescapes it and opens
    the card-named file) or in fullwidth digits and hyphens was kept whole in ``digests.inputs``."""
    manifest = write_call(tmp_path / "CA1")
    data = json.loads(manifest.read_text())
    uri = "file:" + written(grouped(PAN, "-")) + ".wav"
    opened = manifest.parent / urllib.parse.unquote(uri.removeprefix("file:"))
    (manifest.parent / "CA1-a.wav").rename(opened)
    data["segments"][0]["uri"] = uri
    manifest.write_text(json.dumps(data))
    raw = stored_metadata(manifest, settings)
    inputs = [d["uri"] for d in json.loads(raw)["digests"]["inputs"]]
    assert inputs == ["file:####-####-####-####.wav", "file:CA1-b.wav"]


def test_a_segment_named_with_a_byte_that_is_not_utf8_is_stored_naming_it_printably(tmp_path, settings):
    """Session 56's review: a leg whose file name holds a byte that is not UTF-8 (its manifest names it
    as Python reads it, "\\udc80") was stored with that name in ``digests.inputs``, which no UTF-8
    writer can encode (GET /v1/recordings/{id}: a 500). It is processed, and named with ``\\x80``."""
    manifest = write_call(tmp_path / "CA1")
    (manifest.parent / "CA1-a.wav").rename(manifest.parent / "CA-sur-1-\udc80a.wav")
    assert os.fsencode(manifest.parent / "CA-sur-1-\udc80a.wav").endswith(b"CA-sur-1-\x80a.wav")
    manifest.write_text(manifest.read_text().replace('"file:CA1-a.wav"', '"file:CA-sur-1-\\udc80a.wav"'))
    raw = stored_metadata(manifest, settings)
    inputs = [d["uri"] for d in json.loads(raw)["digests"]["inputs"]]
    assert inputs == ["file:CA-sur-1-\\x80a.wav", "file:CA1-b.wav"]


def test_a_card_number_in_a_transcript_s_name_is_in_no_problem_text(tmp_path, settings):
    """A transcript that cannot be read is named in the problem the metadata and the job's
    outcome (``process --json``) keep: its card digits are hidden there as in any error text."""
    manifest = write_call(tmp_path / "CA1", plan="growth", redaction="auto", transcript="oops")
    data = json.loads(manifest.read_text())
    data["transcript"]["uri"] = f"file:{grouped(PAN, ' ')}.json"  # no such file: the problem names it
    manifest.write_text(json.dumps(data))
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored and outcome.transcript_problem is not None
    raw = decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata").decode()
    problem = json.loads(raw)["transcript"]["problem"]
    hidden = problem is not None and "#### #### #### ####.json" in problem  # booleans: no digits printed
    assert hidden
    leaked = [PAN[:4] in text or PAN[-4:] in text for text in (raw, json.dumps(outcome.to_dict()))]
    assert leaked == [False, False]


class HearsACardOnce:
    """A recognizer double: the first time, a card read in two groups at recording 1.0-1.4 s and
    2.0-2.4 s (16 digit words of 0.05 s); in verification, nothing (the masked output)."""

    name, version = "hears-a-card-once", "1"

    def __init__(self) -> None:
        self.passes = 0

    def recognize(self, blocks, rate_hz):
        for _ in blocks:
            pass
        self.passes += 1
        if self.passes > 1:
            return
        digits = "zero one two three four five six seven eight nine".split()
        for i, digit in enumerate("4532015112830366"):
            start = (1.0 if i < 8 else 1.6) + 0.05 * i
            yield TimedWord(round(start, 3), round(start + 0.05, 3), digits[int(digit)])


def dual_channel_leg() -> np.ndarray:
    """Leg a (recording 0.5-2.5 s) on two channels: the caller talking throughout on the first;
    on the second, the agent's "mhm" at recording 1.42-1.48 s, between the card's two groups."""
    caller, agent = leg_samples(2.0, 1), np.zeros(2 * RATE_HZ, np.int16)
    agent[round(0.92 * RATE_HZ) : round(0.98 * RATE_HZ)] = leg_samples(0.06, 9)
    return np.stack([caller, agent], axis=1)


@pytest.mark.parametrize("mask_channels", ["speaker", "all"])
def test_a_dual_channel_leg_is_masked_on_the_party_that_said_the_card(tmp_path, settings, private_tmp,
                                                                      mask_channels):
    import dataclasses

    settings = dataclasses.replace(settings, mask="silence", mask_channels=mask_channels)
    manifest = write_call(tmp_path / "call", plan="team", redaction="auto", leg_a=dual_channel_leg())
    outcome = process_call(manifest, build_backends(settings, recognizer=HearsACardOnce()))
    assert (outcome.redacted, outcome.verified, outcome.spans_by_kind) == (True, True, (("card_number", 1),))
    meta = json.loads(decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "metadata"))
    samples, rate = sf.read(io.BytesIO(decrypt(build_vault(settings, regions=("eu",)), outcome.recording_id, "audio")),
                            dtype="int16")
    assert rate == RATE_HZ and samples.ndim == 1 and len(samples) == round(3.5 * RATE_HZ)  # mono, as every recording
    assert meta["redaction"]["masked"] == [[0.88, 2.52]]  # padded 0.12 s into the pause (steady noise: redaction.pauses)
    mhm = slice(round(1.42 * RATE_HZ), round(1.48 * RATE_HZ))
    caller_alone = np.r_[round(0.93 * RATE_HZ) : mhm.start, mhm.stop : round(2.47 * RATE_HZ)]
    assert not samples[caller_alone].any()  # the caller: masked (silence)
    if mask_channels == "speaker":
        assert [s["channel"] for s in meta["redaction"]["spans"]] == [0]
        assert meta["redaction"]["masked_by_channel"] == [[[0.88, 2.52]], []]
        assert np.array_equal(samples[mhm], leg_samples(0.06, 9))  # the agent's "mhm": heard as it was said
    else:
        assert "channel" not in meta["redaction"]["spans"][0] and "masked_by_channel" not in meta["redaction"]
        assert not samples[mhm].any()
    # outside the mask the recording is the legs' mix, sample for sample
    assert np.array_equal(samples[round(2.52 * RATE_HZ) :], leg_samples(1.0, 2)[round(0.02 * RATE_HZ) :])
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("change", ["rewritten", "rewritten, times kept", "appended", "replaced"])
def test_a_leg_that_changes_while_its_call_is_processed_fails_the_call_and_is_kept(tmp_path, settings, monkeypatch,
                                                                                   change):
    """Session 54: a leg rewritten after assembly read it (a recorder still writing it, an operator's
    copy) was digested anew for the metadata, so its ``sha256`` named bytes never stored, and then
    destroyed: what changed in it was lost. A source read again is compared with its first reading
    (``callrec.file_identity``: its times set back, the change time tells); changed, the call fails
    naming the segment, retried (not bad input), nothing stored, no source destroyed."""
    import worker.calls.pipeline as pipeline

    manifest = write_call(tmp_path / "call")
    leg = tmp_path / "call" / "CA1-a.wav"
    encode = pipeline.encode_for_storage

    def leg_changes_meanwhile(*args, **kwargs):
        data = leg.read_bytes()
        if change == "rewritten, times kept":  # in place, the same size, times set back (cp -p, touch -r)
            before = leg.stat()
            leg.write_bytes(data[:44] + data[44:][::-1])
            os.utime(leg, ns=(before.st_atime_ns, before.st_mtime_ns))  # only its change time tells
            return encode(*args, **kwargs)
        if change == "rewritten":  # in place, the same size
            leg.write_bytes(data[:44] + data[44:][::-1])
        elif change == "appended":
            with open(leg, "ab") as out:
                out.write(bytes(1000))
        else:  # another file renamed over it
            (tmp_path / "call" / "new.wav").write_bytes(data)
            (tmp_path / "call" / "new.wav").replace(leg)
        os.utime(leg, ns=(leg.stat().st_atime_ns, leg.stat().st_mtime_ns + 1_000_000_000))
        return encode(*args, **kwargs)

    monkeypatch.setattr(pipeline, "encode_for_storage", leg_changes_meanwhile)
    with pytest.raises(SourceChangedError, match=r"^segments\[0\]\.uri: file:CA1-a\.wav changed while the call was "
                                                 r"processed \(its size or times\); nothing of the call is stored$") as info:
        process_call(manifest, build_backends(settings))
    # not bad input: a recorder flushing a leg late; the queue retries it (session 54 review)
    assert (is_permanent(info.value), is_retryable(info.value)) == (False, True)
    assert leg.exists() and (tmp_path / "call" / "CA1-b.wav").exists()
    assert not (settings.data_dir / "vault").exists() or not any((settings.data_dir / "vault").rglob("data/*"))


def test_a_leg_that_changes_after_its_digest_is_stored_as_read_and_kept(tmp_path, settings, monkeypatch, caplog):
    """Session 54 review: the check ran before the commit, and a leg the recorder appended to
    afterwards (while the vault wrote the call) was destroyed with what it had gained. The destroy
    step compares each local source with its first reading just before unlinking it: changed, it
    is kept and logged (no content), and not counted."""
    manifest = write_call(tmp_path / "call")
    leg = tmp_path / "call" / "CA1-a.wav"
    put = RegionVault.put

    def leg_grows_meanwhile(self, *args, **kwargs):
        with open(leg, "ab") as out:
            out.write(bytes(9000))
        return put(self, *args, **kwargs)

    monkeypatch.setattr(RegionVault, "put", leg_grows_meanwhile)
    size_before = leg.stat().st_size
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.stored and outcome.sources_destroyed == 1
    assert leg.stat().st_size == size_before + 9000 and not (tmp_path / "call" / "CA1-b.wav").exists()
    kept = [r for r in caplog.records if "kept" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in kept] == [
        ("WARNING", "segments[0].uri: changed after the call read it; kept, not destroyed")]


def test_each_leg_is_opened_once_to_assemble_once_to_digest_and_checked_twice(tmp_path, settings, monkeypatch):
    """Session 54 review: the digest checked a leg, opened it (which checks) and checked it again:
    one opening more than needed. A leg is opened to assemble it and to digest it, and checked after
    the digest and before it is destroyed."""
    import worker.calls.sources as sources

    manifest = write_call(tmp_path / "call")
    opened = []
    open_confined = sources.open_confined

    def counted(path, roots):
        opened.append(Path(path).name)
        return open_confined(path, roots)

    monkeypatch.setattr(sources, "open_confined", counted)
    assert process_call(manifest, build_backends(settings)).sources_destroyed == 2
    assert sorted(opened) == ["CA1-a.wav"] * 4 + ["CA1-b.wav"] * 4


def test_a_call_is_stored_beside_a_policy_that_does_not_verify_and_names_the_account(tmp_path, settings, caplog):
    """A policy spoilt in the object store is left as it is by the next call (session-55 review:
    it was replaced by the manifest's window) and logged, naming the account, nothing of it."""
    from worker.stored.operations import set_retention

    vault = build_vault(settings, regions=("eu",))
    set_retention("acme", 3650, vault)
    name = "accounts/acme/policy.json"
    body = json.loads(get_bytes(vault.region("eu").store, name))
    body["mac"] = "AAAA"
    spoilt = json.dumps(body).encode()
    put_bytes(vault.region("eu").store, name, spoilt)
    caplog.set_level("INFO", logger="callrec.jobs")
    outcome = process_call(write_call(tmp_path / "c1", "CA1", retention_days=30), build_backends(settings))
    assert not vault.region("eu").get(outcome.recording_id).deleted
    assert get_bytes(vault.region("eu").store, name) == spoilt
    events = [r for r in caplog.records if getattr(r, "fields", {}).get("event") == "retention_policy_tampered"]
    assert [(r.levelname, r.getMessage(), r.fields) for r in events] == [
        ("WARNING", "retention_policy_tampered",
         {"event": "retention_policy_tampered", "account_id": "acme", "region": "eu"})]
