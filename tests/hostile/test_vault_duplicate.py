"""One call, two deliveries racing: one recording, and deleting it leaves nothing decryptable.

The same call under two manifest paths, run by two workers at once, used to store two
ciphertexts and two wrapped keys; the index kept one, and ``delete`` left the other
decryptable with the live key (issue 10, defect 1). Here both writers are held at the
index commit, so the race is forced on every run, not left to luck.
"""

from __future__ import annotations

import contextlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.vault.conftest import clock, make_keys, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from tests.worker.stored_calls import leg_samples, moved_to_s3, write_call
from vault import envelope
from vault.context import ARTIFACT_KINDS, ArtifactRef
from vault.errors import DecryptionError, VaultInputError
from vault.regional import RegionVault
from vault.stores.base import get_bytes
from vault.vault import Vault
from worker.stored.operations import delete_recording
from worker.calls.pipeline import process_call
from worker.settings import Settings
from worker.boot import build_backends


class CommitTogether:
    """A real store that holds the first ``parties`` writers of an index entry until all of
    them arrived (later writes, e.g. the tombstone, pass)."""

    def __init__(self, inner, parties: int = 2):
        self._inner = inner
        self.region = inner.region
        self._barrier = threading.Barrier(parties, timeout=30)
        self._waiting = parties
        self._lock = threading.Lock()

    def _meet(self, name: str) -> None:
        if not name.startswith("index/"):
            return
        with self._lock:
            if self._waiting == 0:
                return
            self._waiting -= 1
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait()

    def writer(self, name):
        self._meet(name)
        return self._inner.writer(name)

    def create(self, name, data):
        self._meet(name)
        return self._inner.create(name, data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def region_vault(store, keys, clock, key_store) -> RegionVault:
    return RegionVault("eu", store, keys, key_store=key_store, clock=clock)


def stores_of(rv: RegionVault) -> list:
    return [rv.store, rv.key_store]


def nothing_decryptable(rv: RegionVault, rid: str, account: str = "acme") -> None:
    """No object of ``rid`` is left anywhere but its entry (tombstone), audit events and their head
    (vault.audit_heads), ticket marker (empty: vault.tickets) and deletion record (its tombstone:
    vault.deletions), and no leftover key opens any leftover ciphertext."""
    kept = ("index/", "audit/", "seal/audit/", "tickets/", "seal/deleted/")
    left = [n for store in stores_of(rv) for n in store.names("") if rid in n and not n.startswith(kept)]
    assert left == []
    ciphertexts = [get_bytes(s, n) for s in stores_of(rv) for n in s.names("data/")]
    wrapped = [envelope.WrappedKey.decode(get_bytes(s, n)) for s in stores_of(rv) for n in s.names("keys/")]
    for data in ciphertexts:
        for key in wrapped:
            for kind in ARTIFACT_KINDS:
                with pytest.raises(DecryptionError):
                    envelope.decrypt_stream(io.BytesIO(data), io.BytesIO(), key, rv.keys,
                                            ArtifactRef(rid, account, "eu", kind))


def test_two_puts_of_one_recording_at_once_store_one(make_store, make_keys, clock):
    store, key_store = make_store("eu"), make_store.key_store("eu")
    racing = CommitTogether(store)
    a = region_vault(racing, make_keys("eu"), clock, key_store)
    b = region_vault(racing, make_keys("eu"), clock, key_store)
    entry = make_entry("eu")

    def put(rv, audio):
        return rv.put(entry, {"audio": io.BytesIO(audio), "metadata": io.BytesIO(b"{}")})

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(put, a, b"A" * 5000), pool.submit(put, b, b"B" * 7000)]
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except VaultInputError as exc:
            outcomes.append(str(exc))
    assert sorted(type(o).__name__ for o in outcomes) == ["IndexEntry", "str"]
    assert [o for o in outcomes if isinstance(o, str)] == [f"recording {entry.recording_id} is stored already"]
    winner = a.get(entry.recording_id)
    assert winner in outcomes
    rid = entry.recording_id
    assert len(list(store.names(f"data/{rid}/"))) == 2  # the winner's two artifacts, no orphan
    out = io.BytesIO()
    a.read(winner, "audio", out)
    assert out.getvalue() in (b"A" * 5000, b"B" * 7000)

    a.delete(rid, actor="operator", reason="customer request")
    nothing_decryptable(a, rid)


def test_one_call_under_two_manifest_paths_run_at_once(tmp_path, make_keys, clock):
    from vault.stores.local import LocalStore

    settings = Settings(data_dir=tmp_path / "state", keep_sources=True)
    first = write_call(tmp_path / "inbox-a", "CA9")
    second = write_call(tmp_path / "inbox-b", "CA9")  # the same call, another path
    store = CommitTogether(LocalStore(tmp_path / "vault" / "eu", "eu"))
    rv = region_vault(store, make_keys("eu"), clock, LocalStore(tmp_path / "keystore" / "eu", "eu"))
    vault = Vault({"eu": rv})

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda path: process_call(path, build_backends(settings, vault=vault)), [first, second]))

    assert {o.recording_id for o in outcomes} == {outcomes[0].recording_id}
    assert sorted(o.already_stored for o in outcomes) == [False, True]
    assert all(o.stored for o in outcomes)
    rid = outcomes[0].recording_id
    assert len(list(rv.store.names(f"data/{rid}/"))) == 2  # audio and metadata, once

    delete_recording(rid, vault, actor="operator", reason="customer request")
    nothing_decryptable(rv, rid)


def test_one_call_run_twice_at_once_from_one_dir_ends_stored_for_both(tmp_path, monkeypatch):
    """Found by the session-50 audit: two `callrec process` of one call dir at once (an
    operator's retry beside a cron job), the inbox the call's dir. The first stored the call and
    destroyed its legs while the second was reading them: the second exited 2, "no such file",
    bad input, for a call that was stored. It ends as already stored, as a run after the first does."""
    import worker.calls.pipeline as pipeline

    manifest = write_call(tmp_path / "call", "CA9")
    settings = Settings(data_dir=tmp_path / "state", inbox=str(tmp_path / "call"), recognizer="none")
    first: list = []
    assemble = pipeline.assemble_manifest

    def the_other_run_first(*args, **kwargs):  # the other run stores and destroys while this one starts reading
        if not first:
            first.append(None)
            first[0] = process_call(manifest, build_backends(settings))
        return assemble(*args, **kwargs)

    monkeypatch.setattr(pipeline, "assemble_manifest", the_other_run_first)
    second = process_call(manifest, build_backends(settings))
    assert first[0].stored and not first[0].already_stored and first[0].sources_destroyed == 2
    assert second.stored and second.already_stored and second.recording_id == first[0].recording_id


def test_a_stored_call_sent_again_with_other_legs_destroys_none_of_them(tmp_path):
    """Found by the session-55 red team: a manifest naming a call already stored (its call id
    replayed, by mistake or on purpose) had its sources destroyed "as after storing", whatever
    they were: another call's legs named in it were shredded in the inbox, never stored anywhere.
    Now a stored call's sources are destroyed only when they are the ones its recording was made
    from (their SHA-256 among its metadata's inputs); a redelivery of the same legs still is."""
    settings = Settings(data_dir=tmp_path / "state", inbox=str(tmp_path), recognizer="none")
    first = process_call(write_call(tmp_path / "call", "CA1"), build_backends(settings))
    assert first.stored and first.sources_destroyed == 2
    manifest = write_call(tmp_path / "again", "CA1", leg_a=leg_samples(2.0, 99))  # another call's leg a
    legs = {path: path.read_bytes() for path in (tmp_path / "again").glob("*.wav")}
    outcome = process_call(manifest, build_backends(settings))
    assert outcome.already_stored and outcome.sources_destroyed == 0
    assert {path: path.read_bytes() for path in legs} == legs
    redelivered = process_call(write_call(tmp_path / "third", "CA1"), build_backends(settings))
    assert redelivered.already_stored and redelivered.sources_destroyed == 2
    assert not list((tmp_path / "third").glob("*.wav"))
    shredded = write_call(tmp_path / "fourth", "CA1")  # a delivery killed as it overwrote leg a
    leg = tmp_path / "fourth" / "CA1-a.wav"
    leg.write_bytes(bytes(leg.stat().st_size))
    assert process_call(shredded, build_backends(settings)).sources_destroyed == 2
    assert not list((tmp_path / "fourth").glob("*.wav"))


def test_a_redelivery_after_a_destruction_of_s3_legs_killed_part_way_destroys_the_rest(tmp_path, moto_url,
                                                                                       monkeypatch):
    """Session-55 review: a delivery killed after deleting one S3 leg of a stored call left the
    other; its redelivery found the first "no such object", took the legs for others than the
    stored recording's, and kept the second leg (unredacted audio) in the inbox for good. A remote
    leg already gone is skipped, as a local file already gone is."""
    import uuid
    from dataclasses import replace

    from tests.aws import aws_client
    from vault.stores.s3 import S3Store
    from worker.calls.manifest import load_manifest

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"platform-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=tmp_path / "state", aws_endpoint_url=moto_url, recognizer="none",
                        source_roots=f"s3://{bucket}/legs/", inbox=f"s3://{bucket}/legs")
    incoming = S3Store(aws_client("s3", moto_url, "eu"), bucket, "eu")
    incoming.ensure_bucket(versioned=True)
    manifest = moved_to_s3(write_call(tmp_path / "call"), incoming)
    assert process_call(manifest, build_backends(replace(settings, keep_sources=True))).stored
    backends = build_backends(settings)
    backends.remotes("eu")["s3"].delete(load_manifest(manifest, 1 << 20).segments[0].location)  # then killed
    again = process_call(manifest, backends)
    assert again.already_stored and again.sources_destroyed == 2  # a deletion of what is gone counts, as it did
    assert incoming._client.list_object_versions(Bucket=bucket).get("Versions", []) == []
