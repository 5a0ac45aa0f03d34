"""A region's vault against both stores: storage, tampering, isolation, failures, deletion."""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
import json
import re

import numpy as np
import pytest
import soundfile as sf

from tests.vault.conftest import make_entry
from vault import envelope
from vault.context import ArtifactRef
from vault.errors import DecryptionError, ObjectMissingError, StoreError, VaultError, VaultInputError
from vault.index import IndexEntry
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault, data_name, key_name
from vault.stores.base import get_bytes, put_bytes
from vault.vault import Vault


def wav_bytes(seconds: float = 2.0, rate_hz: int = 8000) -> tuple[bytes, np.ndarray]:
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    samples = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    buf = io.BytesIO()
    sf.write(buf, samples, rate_hz, format="WAV", subtype="PCM_16")
    return buf.getvalue(), samples


def put_call(rv: RegionVault, entry: IndexEntry | None = None, audio: bytes | None = None) -> IndexEntry:
    entry = entry or make_entry(rv.region)
    return rv.put(entry, {
        "audio": io.BytesIO(audio if audio is not None else wav_bytes()[0]),
        "metadata": io.BytesIO(b'{"recorded_s": 2.0}'),
        "transcript": io.BytesIO(b'{"words": ["my", "card", "is", "[redacted]"]}'),
    })


def read(rv: RegionVault, entry: IndexEntry, kind: str) -> bytes:
    out = io.BytesIO()
    rv.read(entry, kind, out)
    return out.getvalue()


def untagged(names) -> list[str]:
    """Object names without their random write tags, sorted."""
    return sorted(re.sub(r"-[0-9a-f]{8}\.(enc|json)$", r".\1", name) for name in names)


def audio_data(entry: IndexEntry) -> str:
    return data_name(entry.recording_id, entry.artifact("audio"))


def audio_key(entry: IndexEntry) -> str:
    return key_name(entry.recording_id, entry.artifact("audio"))


def all_objects(rv: RegionVault) -> dict[str, bytes]:
    return {name: get_bytes(store, name) for store in (rv.store, rv.key_store) for name in store.names("")}


def test_round_trip_and_index(make_region):
    rv = make_region("eu")
    audio, _ = wav_bytes()
    entry = put_call(rv, audio=audio)
    assert [a.kind for a in entry.artifacts] == ["audio", "metadata", "transcript"]
    assert {a.key_version for a in entry.artifacts} == {"v1"}
    assert read(rv, entry, "audio") == audio
    assert read(rv, entry, "metadata") == b'{"recorded_s": 2.0}'
    # The index entry is readable without any key.
    body = json.loads(get_bytes(rv.store, f"index/{entry.recording_id}.json"))
    assert body.pop("mac")  # authenticated (tests/hostile/test_vault_index_tamper.py)
    assert IndexEntry.decode(json.dumps(body).encode()) == entry == rv.get(entry.recording_id)
    assert list(rv.entries()) == [entry]


def test_storing_twice_is_refused(make_region):
    rv = make_region("eu")
    put_call(rv)
    with pytest.raises(VaultInputError, match="stored already"):
        put_call(rv)


def test_stored_bytes_never_hold_plaintext_audio(make_region):
    rv = make_region("eu")
    audio, samples = wav_bytes(seconds=3.0)
    put_call(rv, audio=audio)
    pcm = samples.tobytes()
    probes = [pcm[i : i + 32] for i in range(0, len(pcm) - 32, 997)]
    for name, data in all_objects(rv).items():
        assert b"RIFF" not in data and b"WAVE" not in data, name
        assert not any(p in data for p in probes), name
        assert b"card" not in data, name


def test_flipped_stored_byte_fails(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    name = audio_data(entry)
    data = bytearray(get_bytes(rv.store, name))
    data[len(data) // 2] ^= 0x80
    put_bytes(rv.store, name, bytes(data))
    with pytest.raises(DecryptionError):
        read(rv, entry, "audio")


def test_missing_key_object_fails(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rv.key_store.delete(audio_key(entry))
    with pytest.raises(DecryptionError, match="^cannot decrypt: ciphertext or key is invalid$"):
        read(rv, entry, "audio")


def test_keys_swapped_between_recordings_fail(make_region):
    rv = make_region("eu")
    a = put_call(rv, make_entry("eu", "CA1"))
    b = put_call(rv, make_entry("eu", "CA2"))
    put_bytes(rv.key_store, audio_key(b), get_bytes(rv.key_store, audio_key(a)))
    with pytest.raises(DecryptionError):
        read(rv, b, "audio")
    # ... and the ciphertext of a moved under b's name fails with a's key too.
    put_bytes(rv.store, audio_data(b), get_bytes(rv.store, audio_data(a)))
    with pytest.raises(DecryptionError):
        read(rv, b, "audio")


class Tripwire:
    """A store and key provider of another region that fails the test when touched."""

    def __init__(self, region: str):
        self.region = region
        self.key_id = f"local:{region}"

    def __getattr__(self, name):
        raise AssertionError(f"region {self.region} was touched ({name})")


def test_region_isolation(make_region):
    eu = make_region("eu")
    us = Tripwire("us")
    vault = Vault({"eu": eu, "us": RegionVault("us", us, us, key_store=Tripwire("us")),
                   "au": RegionVault("au", Tripwire("au"), Tripwire("au"), key_store=Tripwire("au"))})
    entry = make_entry("eu")
    put_call(vault.for_recording(entry.recording_id), entry)
    assert vault.get(entry.recording_id).region == "eu"
    with pytest.raises(VaultInputError, match="does not belong to region eu"):
        eu.find(make_entry("us").recording_id)


def test_ciphertext_moved_to_another_region_fails(make_region):
    eu, us = make_region("eu"), make_region("us")
    src = put_call(eu, make_entry("eu", "CA1"))
    dst = put_call(us, make_entry("us", "CA1"))
    put_bytes(us.store, audio_data(dst), get_bytes(eu.store, audio_data(src)))
    put_bytes(us.key_store, audio_key(dst), get_bytes(eu.key_store, audio_key(src)))
    with pytest.raises(DecryptionError):
        read(us, dst, "audio")


class FailingStore:
    """A real store that fails (after writing part of the object) on the n-th write."""

    def __init__(self, inner, fail_on: int, writes: list[int] | None = None):
        self._inner = inner
        self.region = inner.region
        self._writes = [0] if writes is None else writes  # shared by a store and its key store
        self._fail_on = fail_on

    def _count(self) -> bool:
        self._writes[0] += 1
        return self._writes[0] == self._fail_on

    @contextlib.contextmanager
    def writer(self, name):
        failing = self._count()
        with self._inner.writer(name) as out:
            yield out
            if failing:
                out.write(b"\x00" * 100)
                raise StoreError("injected: disk full")

    def create(self, name, data):
        if self._count():
            raise StoreError("injected: disk full")
        self._inner.create(name, data)

    def replace_if(self, name, data, version):
        if self._count():
            raise StoreError("injected: disk full")
        self._inner.replace_if(name, data, version)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.parametrize("fail_on", [1, 2, 3, 5, 7], ids=["audio", "audio-key", "metadata", "transcript", "index"])
def test_store_error_mid_write_leaves_nothing(make_store, make_key_store, make_keys, clock, fail_on):
    store, key_store = make_store("eu"), make_key_store("eu")
    rv = failing_region(store, key_store, make_keys("eu"), clock, fail_on)
    with pytest.raises(StoreError, match="injected"):
        put_call(rv)
    assert list(store.names("")) == [] and list(key_store.names("keys/")) == []  # no partial object, no orphan key
    put_call(RegionVault("eu", store, make_keys("eu"), key_store=key_store, clock=clock))  # a retry then succeeds


def failing_region(store, key_store, keys, clock, fail_on: int) -> RegionVault:
    """A region whose n-th write (ciphertext, key or index, counted together) fails."""
    writes = [0]
    return RegionVault("eu", FailingStore(store, fail_on, writes), keys,
                       key_store=FailingStore(key_store, fail_on, writes), clock=clock)


def test_delete_leaves_nothing_recoverable(make_region, make_store):
    rv = make_region("eu")
    entry = put_call(rv)
    other = put_call(rv, make_entry("eu", "CA2"))
    rid = entry.recording_id
    stolen = get_bytes(rv.store, audio_data(entry))  # an attacker's earlier copy
    rv.keys.rotate()

    deleted = rv.delete(rid, actor="operator:alice", reason="customer request")

    assert deleted.tombstone.deleted_by == "operator:alice" and deleted.artifacts == ()
    assert [n for n in rv.store.names("") if rid in n] == [f"index/{rid}.json"]
    # nothing of it in the key store but its audit trail's head, its deletion's record (its tombstone:
    # vault.deletions) and its ticket's marker (when its write began: vault.tickets), which a ticket's
    # deletion done again needs
    assert [(n.split("/")[0], get_bytes(rv.key_store, n)) for n in rv.key_store.names("") if rid in n] == [
        ("seal", get_bytes(rv.key_store, f"seal/audit/{rid}/2026-01-15.json")),
        ("seal", b'{"deleted_at": "2026-01-15T12:00:00+00:00", "deleted_by": "operator:alice", '
                 b'"reason": "customer request"}'),
        ("tickets", b'{"started_at": "2026-01-15T12:00:00+00:00", "deletion": null}')]
    if hasattr(rv.store, "bucket"):  # S3: no old version or delete marker remains
        listing = rv.store._client.list_object_versions(Bucket=rv.store.bucket, Prefix=f"data/{rid}")
        assert listing.get("Versions", []) == [] and listing.get("DeleteMarkers", []) == []
        listing = rv.key_store._client.list_object_versions(Bucket=rv.key_store.bucket, Prefix=f"keys/{rid}")
        assert listing.get("Versions", []) == [] and listing.get("DeleteMarkers", []) == []
    # Try every wrapped key left in the store, under every KEK version, with every binding.
    ref = ArtifactRef(rid, entry.account_id, "eu", "audio")
    attempts = 0
    for name in rv.key_store.names("keys/"):
        wrapped = envelope.WrappedKey.decode(get_bytes(rv.key_store, name))
        for version in rv.keys.versions():
            for kind in ("audio", "metadata", "transcript"):
                for rid_try in (rid, other.recording_id):
                    try_ref = ArtifactRef(rid_try, entry.account_id, "eu", kind)
                    try_key = envelope.WrappedKey(wrapped.key_id, version, wrapped.ciphertext)
                    with pytest.raises(DecryptionError):
                        envelope.decrypt_stream(io.BytesIO(stolen), io.BytesIO(), try_key, rv.keys, try_ref)
                    attempts += 1
    assert attempts == 3 * 2 * 3 * 2  # other's three keys x two KEK versions x kinds x ids
    assert read(rv, other, "audio")  # the other recording is untouched
    with pytest.raises(DecryptionError):
        envelope.decrypt_stream(io.BytesIO(stolen), io.BytesIO(), envelope.WrappedKey("local:eu", "v1", b""), rv.keys, ref)
    events = list(rv.audit_events(rid))
    assert [(e.action, e.outcome, e.principal, e.reason) for e in events] == [
        ("delete", "done", "operator:alice", "customer request")
    ]


def test_delete_is_idempotent(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    first = rv.delete(entry.recording_id, actor="operator", reason="r")
    assert rv.delete(entry.recording_id, actor="someone else", reason="again") == first
    assert len(list(rv.audit_events())) == 1


def test_voicemail_keeps_its_transcript(make_region):
    rv = make_region("eu")
    entry = put_call(rv, make_entry("eu", kind="voicemail"))
    deleted = rv.delete(entry.recording_id, actor="retention", reason="retention window")
    assert [a.kind for a in deleted.artifacts] == ["transcript"]
    assert b"[redacted]" in read(rv, deleted, "transcript")
    with pytest.raises(ObjectMissingError):
        read(rv, deleted, "audio")
    assert untagged(n.split("/")[-1] for n in all_objects(rv) if "/" + entry.recording_id + "/" in n and not n.startswith("seal/audit/")) == [
        "transcript.1.enc", "transcript.1.json"]
    assert [e.action for e in rv.audit_events()] == ["retention-delete"]


def test_replace_makes_a_new_generation_and_destroys_the_old(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rid = entry.recording_id
    old_key = get_bytes(rv.key_store, audio_key(entry))
    new = rv.replace(rid, {"audio": io.BytesIO(b"redacted audio")}, detector_version="dtmf-2")
    assert new.artifact("audio").generation == 2 and new.detector_version == "dtmf-2"
    assert read(rv, new, "audio") == b"redacted audio"
    assert untagged(rv.store.names(f"data/{rid}/")) == [
        f"data/{rid}/audio.2.enc", f"data/{rid}/metadata.1.enc", f"data/{rid}/transcript.1.enc"]
    assert untagged(rv.key_store.names(f"keys/{rid}/")) == [
        f"keys/{rid}/audio.2.json", f"keys/{rid}/metadata.1.json", f"keys/{rid}/transcript.1.json"]
    assert get_bytes(rv.key_store, audio_key(new)) != old_key
    assert [a.kind for a in new.artifacts] == ["metadata", "transcript", "audio"]


@pytest.mark.parametrize("fail_on", [1, 2, 3, 5])
def test_failed_replace_keeps_the_old_version(make_store, make_key_store, make_keys, clock, fail_on):
    store, key_store = make_store("eu"), make_key_store("eu")
    entry = put_call(RegionVault("eu", store, make_keys("eu"), key_store=key_store, clock=clock))
    rv = failing_region(store, key_store, make_keys("eu"), clock, fail_on)
    before = all_objects(rv)
    with pytest.raises(StoreError, match="injected"):
        rv.replace(entry.recording_id, {"audio": io.BytesIO(b"new"), "metadata": io.BytesIO(b"{}")})
    assert all_objects(rv) == before
    assert read(rv, rv.get(entry.recording_id), "audio") == wav_bytes()[0]


def test_replace_refused_after_deletion(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rv.delete(entry.recording_id, actor="o", reason="r")
    with pytest.raises(VaultInputError, match="was deleted"):
        rv.replace(entry.recording_id, {"audio": io.BytesIO(b"x")})


class Meanwhile(io.BytesIO):
    """Plaintext whose first read lets something else happen to the vault."""

    def __init__(self, data: bytes, meanwhile):
        super().__init__(data)
        self._meanwhile = meanwhile

    def read(self, size=-1):
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return super().read(size)


def test_deletion_during_a_replace_is_not_undone(make_region):
    rv = make_region("eu")
    rid = put_call(rv).recording_id
    audio = Meanwhile(b"redacted audio", lambda: rv.delete(rid, actor="o", reason="r"))
    with pytest.raises(VaultInputError, match="was deleted"):
        rv.replace(rid, {"audio": audio})
    assert rv.get(rid).deleted
    assert list(rv.store.names(f"data/{rid}/")) == [] and list(rv.key_store.names(f"keys/{rid}/")) == []


def test_replace_keeps_a_rewrap_made_meanwhile(make_region):
    rv = make_region("eu")
    rid = put_call(rv).recording_id
    rv.keys.rotate()
    audio = Meanwhile(b"redacted audio", lambda: rv.rewrap(rid))
    rv.replace(rid, {"audio": audio})  # the re-wrap left the old audio as it was: applied over it
    entry = rv.get(rid)
    assert entry.artifact("audio").generation == 2 and read(rv, entry, "audio") == b"redacted audio"
    assert {a.key_version for a in entry.artifacts} == {rv.keys.primary()[0]}
    assert len(list(rv.key_store.names(f"keys/{rid}/"))) == 3


def test_a_put_racing_a_put_of_the_same_recording_gives_up(make_region):
    rv = make_region("eu")
    entry = make_entry("eu")
    audio = Meanwhile(wav_bytes()[0], lambda: put_call(rv, entry))
    with pytest.raises(VaultInputError, match="stored already"):
        rv.put(entry, {"audio": audio})
    rid = entry.recording_id
    assert len(list(rv.key_store.names(f"keys/{rid}/"))) == 3  # the first writer's, no orphan


def before_key_write(inner, meanwhile):
    """A real store that, just before its first write of a wrapped key (a new one, or a
    re-wrapped one replacing the key it read), lets something else run."""
    return Interleaving(inner, meanwhile, when=lambda name: name.startswith("keys/"))


def test_deletion_during_a_rewrap_is_not_undone(make_store, make_key_store, make_keys, clock):
    store, key_store, keys = make_store("eu"), make_key_store("eu"), make_keys("eu")
    rv = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = put_call(rv).recording_id
    keys.rotate()
    racing = RegionVault("eu", store, keys, clock=clock,
                         key_store=before_key_write(key_store, lambda: rv.delete(rid, actor="o", reason="r")))
    # the next key is gone already: the re-wrap starts over from the entry, deleted, and does nothing
    assert racing.rewrap(rid) == 0
    assert rv.get(rid).deleted
    assert list(key_store.names(f"keys/{rid}/")) == [] and list(store.names(f"data/{rid}/")) == []


def test_rewrap_starts_over_when_the_entry_changed_meanwhile(make_store, make_key_store, make_keys, clock):
    store, key_store, keys = make_store("eu"), make_key_store("eu"), make_keys("eu")
    rv = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = put_call(rv).recording_id
    keys.rotate()
    racing = RegionVault("eu", store, keys, clock=clock,
                         key_store=before_key_write(key_store, lambda: rv.replace(rid, {"audio": io.BytesIO(b"new")})))
    assert racing.rewrap(rid) == 2  # metadata and transcript, over the new entry
    entry = rv.get(rid)
    assert entry.artifact("audio").generation == 2 and read(rv, entry, "audio") == b"new"
    assert {a.key_version for a in entry.artifacts} == {keys.primary()[0]}
    assert len(list(key_store.names(f"keys/{rid}/"))) == 3  # no key left of the destroyed generation


def test_rewrap_then_retire(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rv.keys.rotate()
    assert rv.retire_unused() == ()  # v1 still wraps three data keys
    assert rv.versions_in_use() == {"v1": 3}
    audio_before = get_bytes(rv.store, audio_data(entry))
    assert rv.rewrap(entry.recording_id) == 3
    assert rv.rewrap(entry.recording_id) == 0
    assert rv.versions_in_use() == {"v2": 3}
    assert rv.retire_unused() == ("v1",)
    assert rv.keys.versions() == ("v2",)
    entry = rv.get(entry.recording_id)
    assert entry.key_versions() == ("v2",)
    assert get_bytes(rv.store, audio_data(entry)) == audio_before
    assert read(rv, entry, "metadata") == b'{"recorded_s": 2.0}'


def test_policy_round_trip(make_region, clock):
    rv = make_region("au")
    assert rv.policy("acme") is None
    rv.set_policy("acme", 30)
    assert rv.policy("acme").retention_days == 30 and rv.policy("acme").updated_at == clock.now


def test_an_older_policy_put_back_or_deleted_is_refused_until_set_again(make_region):
    """``vault.policy_digests`` on both stores (its record writes are compare-and-swaps)."""
    from vault.errors import PolicyTamperedError

    rv = make_region("eu")
    rv.set_policy("acme", 1)
    older = get_bytes(rv.store, "accounts/acme/policy.json")
    rv.set_policy("acme", None)
    put_bytes(rv.store, "accounts/acme/policy.json", older)
    with pytest.raises(PolicyTamperedError, match="^retention policy of account acme is not the one last written"):
        rv.policy("acme")
    rv.store.delete("accounts/acme/policy.json")
    with pytest.raises(PolicyTamperedError, match="^retention policy of account acme is not the one last written"):
        rv.policy("acme")
    rv.set_policy("acme", 90)
    assert rv.policy("acme").retention_days == 90
    assert json.loads(get_bytes(rv.key_store, "seal/policy-digests/acme/sha256.json")) == {
        "sha256": hashlib.sha256(get_bytes(rv.store, "accounts/acme/policy.json")).hexdigest(), "previous": []}


def test_a_call_reads_the_policy_once(make_region, monkeypatch):
    """Session-55 review: ``follow_manifest`` read the policy object three times and checked its
    MAC twice for every call stored (two more GETs per call on S3); now once each (the read that
    gives the version its compare-and-swap would write over). Session 56's last read: its digest
    record was read twice too (checked, then settled): once now. The older name's miss went with
    it until the session-58 review: a new vault never has a record there (``keys migrate`` marks
    an older one's moved)."""
    from vault.seal import IndexSealer

    rv = make_region("eu")
    rv.follow_manifest("acme", 30)
    reads, key_reads, opens = _reads(rv.store, monkeypatch), _reads(rv.key_store, monkeypatch), []
    real_open = IndexSealer.open_policy
    monkeypatch.setattr(IndexSealer, "open_policy", lambda self, name, data: opens.append(name) or real_open(self, name, data))
    assert rv.follow_manifest("acme", 30).retention_days == 30  # unchanged: nothing written
    assert (reads, opens) == (["accounts/acme/policy.json"], ["accounts/acme/policy.json"])
    assert key_reads == ["seal/policy-digests/acme/sha256.json"]


def _reads(store, monkeypatch) -> list[str]:
    """The names ``store`` is read by from now on (``reader`` or ``read_versioned``, once a read:
    the local store's read_versioned reads through its reader)."""
    reads: list[str] = []
    real_reader, real_versioned = store.reader, store.read_versioned
    within = []

    def reader(name):
        if not within:
            reads.append(name)
        return real_reader(name)

    def read_versioned(name):
        reads.append(name)
        within.append(name)
        try:
            return real_versioned(name)
        finally:
            within.pop()
    monkeypatch.setattr(store, "reader", reader)
    monkeypatch.setattr(store, "read_versioned", read_versioned)
    return reads


@pytest.mark.parametrize("first, second, expected", [
    # ``retention set`` begun before a call's manifest changed the window, its write landing last
    (lambda rv: rv.set_policy("acme", None), lambda rv: rv.follow_manifest("acme", 90), (None, 90)),
    # and the other way round: the manifest's new window is the latest change
    (lambda rv: rv.follow_manifest("acme", 90), lambda rv: rv.set_policy("acme", None), (90, 90)),
])
def test_two_policy_saves_whose_writes_land_out_of_order_leave_the_policy_readable(
        make_store, make_key_store, make_keys, clock, first, second, expected):
    """Session 55 left this open: the record of the save that began second named only its own
    bytes, the first save's object write landed over them, and the policy was refused (the sweep
    skipped the account) until ``retention set`` ran again. The policy object's write is a
    compare-and-swap now: the loser reads the policy again and applies its change to it."""
    store, key_store = make_store("eu"), make_key_store("eu")
    other = RegionVault("eu", store, make_keys("eu"), key_store=key_store, clock=clock)
    other.follow_manifest("acme", 30)
    racing = RegionVault("eu", Interleaving(store, lambda: second(other), when=lambda n: n.endswith("/policy.json")),
                         make_keys("eu"),
                         key_store=key_store, clock=clock)
    first(racing)
    policy = other.policy("acme")
    assert (policy.retention_days, policy.manifest_days) == expected
    assert json.loads(get_bytes(key_store, "seal/policy-digests/acme/sha256.json")) == {
        "sha256": hashlib.sha256(get_bytes(store, "accounts/acme/policy.json")).hexdigest(), "previous": []}


def test_store_and_keys_must_match_the_region(tmp_path, make_store, make_key_store):
    with pytest.raises(VaultInputError, match="store is for 'us'"):
        RegionVault("eu", make_store("us"), LocalKeyring(tmp_path, "eu"), key_store=make_key_store("eu"))
    with pytest.raises(VaultInputError, match="key store for 'us'"):
        RegionVault("eu", make_store("eu"), LocalKeyring(tmp_path, "eu"), key_store=make_key_store("us"))


def test_keys_are_never_kept_with_the_ciphertext(tmp_path, make_store):
    store = make_store("eu")
    with pytest.raises(VaultInputError, match="wrapped keys need a store apart from the ciphertext"):
        RegionVault("eu", store, LocalKeyring(tmp_path, "eu"), key_store=store)


class Interleaving:
    """A real store that, just before the first write whose name ``when`` picks (an index entry's
    unless told), lets another writer run whole (its write lands first, though it began second)."""

    def __init__(self, inner, meanwhile, when=lambda name: name.startswith("index/")):
        self._inner, self._meanwhile, self._when = inner, meanwhile, when
        self.region = inner.region

    def _before(self, name):
        if self._when(name) and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()

    def writer(self, name):
        self._before(name)
        return self._inner.writer(name)

    def create(self, name, data):
        self._before(name)
        return self._inner.create(name, data)

    def replace_if(self, name, data, version):
        self._before(name)
        return self._inner.replace_if(name, data, version)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_racing_writers_never_mix_ciphertext_and_key(make_store, make_key_store, make_keys, clock):
    store, key_store = make_store("eu"), make_key_store("eu")
    other = RegionVault("eu", store, make_keys("eu"), key_store=key_store, clock=clock)
    audio_b = wav_bytes(seconds=1.0)[0]
    racing = RegionVault("eu", Interleaving(store, lambda: put_call(other, audio=audio_b)), make_keys("eu"),
                         key_store=key_store, clock=clock)
    audio_a = wav_bytes(seconds=2.0)[0]
    with pytest.raises(VaultInputError, match="stored already"):
        put_call(racing, audio=audio_a)  # B commits first; A's create-only commit loses
    winner = other.get(make_entry("eu").recording_id)
    assert read(other, winner, "audio") == audio_b
    assert read(other, winner, "metadata") == b'{"recorded_s": 2.0}'
    rid = winner.recording_id
    assert len(list(store.names(f"data/{rid}/"))) == 3 and len(list(key_store.names(f"keys/{rid}/"))) == 3


def test_delete_destroys_objects_no_entry_lists(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    rid = entry.recording_id
    # What a writer killed before its commit (or a losing one) left behind.
    put_bytes(rv.store, f"data/{rid}/audio.1-0badc0de.enc", get_bytes(rv.store, audio_data(entry)))
    put_bytes(rv.key_store, f"keys/{rid}/audio.1-0badc0de.json", get_bytes(rv.key_store, audio_key(entry)))
    rv.delete(rid, actor="o", reason="r")
    kept = ("index/", "tickets/", "seal/deleted/", "seal/audit/")
    assert [n for n in all_objects(rv) if rid in n and not n.startswith(kept)] == []
    put_bytes(rv.key_store, f"keys/{rid}/audio.1-0badc0de.json", b"{}")  # left after the deletion
    rv.delete(rid, actor="o", reason="again")  # idempotent, and sweeps again
    assert list(rv.key_store.names(f"keys/{rid}/")) == []
    assert len(list(rv.audit_events(rid))) == 1


def test_voicemail_deletion_sweeps_all_but_the_kept_transcript(make_region):
    rv = make_region("eu")
    entry = put_call(rv, make_entry("eu", kind="voicemail"))
    rid = entry.recording_id
    put_bytes(rv.store, f"data/{rid}/transcript.1-0badc0de.enc", b"orphan")
    deleted = rv.delete(rid, actor="o", reason="r")
    assert b"[redacted]" in read(rv, deleted, "transcript")
    assert untagged(n.split("/")[-1] for n in all_objects(rv) if f"/{rid}/" in n and not n.startswith("seal/audit/")) == [
        "transcript.1.enc", "transcript.1.json"]


def test_reclaim_destroys_all_under_a_tombstone_but_the_kept_transcript(make_region):
    rv = make_region("eu")
    rid = put_call(rv, make_entry("eu", kind="voicemail")).recording_id
    deleted = rv.delete(rid, actor="o", reason="r")
    for name in (f"data/{rid}/audio.2-0badc0de.enc", f"data/{rid}/transcript.2-0badc0de.enc"):
        put_bytes(rv.store, name, b"left by a killed re-redaction")
    put_bytes(rv.key_store, f"keys/{rid}/audio.2-0badc0de.json", b"its wrapped key")
    assert rv.reclaim(rid) == 3
    assert rv.reclaim(rid) == 0
    assert b"[redacted]" in read(rv, deleted, "transcript")
    assert untagged(n.split("/")[-1] for n in all_objects(rv) if f"/{rid}/" in n and not n.startswith("seal/audit/")) == [
        "transcript.1.enc", "transcript.1.json"]


def test_reclaim_refuses_a_recording_not_deleted(make_region):
    rv = make_region("eu")
    entry = put_call(rv)
    with pytest.raises(VaultInputError, match=f"recording {entry.recording_id} is not deleted"):
        rv.reclaim(entry.recording_id)
    assert rv.get(entry.recording_id) == entry and len(list(rv.store.names(f"data/{entry.recording_id}/"))) == 3


class HeldSource(io.RawIOBase):
    """A source that gives its first bytes, then waits until ``release`` is set (a write in
    flight: its data key is wrapped, its ciphertext not yet whole)."""

    def __init__(self, data: bytes):
        self._data, self._at = data, 0
        self.reached, self.release = threading.Event(), threading.Event()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._at > 0 and not self.release.is_set():
            self.reached.set()
            self.release.wait(30)
        chunk = self._data[self._at:self._at + min(len(buffer), 1024)]
        buffer[:len(chunk)] = chunk
        self._at += len(chunk)
        return len(chunk)


def test_a_rotation_and_rewrap_during_a_write_never_retire_the_version_it_wrapped_with(make_region):
    """Found by the session-46 audit: a write wraps its data key under the primary version as it
    starts and stored the wrapped key only after the ciphertext; ``keys rotate`` then ``keys
    rewrap`` meanwhile saw no key under v1 and retired it, and the write committed a recording
    nothing could decrypt again. The wrapped key is now stored before the ciphertext."""
    rv = make_region("eu")
    audio, _ = wav_bytes(4.0)
    source = HeldSource(audio)
    entry = make_entry("eu")
    writer = threading.Thread(target=lambda: rv.put(entry, {"audio": source, "metadata": io.BytesIO(b"{}")}))
    writer.start()
    assert source.reached.wait(30)
    rv.keys.rotate()
    assert rv.retire_unused() == ()  # the write in flight holds v1
    source.release.set()
    writer.join(30)
    stored = rv.get(entry.recording_id)
    # the metadata too: a write wraps every artifact under the version it resolved as it began
    assert read(rv, stored, "audio") == audio and stored.key_versions() == ("v1",)
    assert rv.rewrap(entry.recording_id) == 2 and rv.retire_unused() == ("v1",)
    assert read(rv, rv.get(entry.recording_id), "audio") == audio


def test_a_rewrap_racing_a_deletion_finds_the_recording_deleted(make_region):
    """Found by the session-46 audit: a deletion between the re-wrap's read of the entry and of
    a wrapped key made the re-wrap fail as "cannot decrypt" (a batch's rewrap step failed for
    good, ``keys rewrap`` exited 1). It starts over from the entry as it is: deleted, nothing to do."""
    rv = make_region("eu")
    entry = put_call(rv)
    rv.keys.rotate()
    get_key = rv._get_key_versioned

    def deleted_meanwhile(recording_id, info):
        rv._get_key_versioned = get_key
        rv.delete(recording_id, actor="operator", reason="request")
        return get_key(recording_id, info)

    rv._get_key_versioned = deleted_meanwhile
    assert rv.rewrap(entry.recording_id) == 0
    assert rv.get(entry.recording_id).deleted and list(rv.key_store.names(f"keys/{entry.recording_id}/")) == []


def test_a_write_whose_version_is_retired_between_wrapping_and_storing_fails_and_can_be_run_again(make_region,
                                                                                                   monkeypatch):
    """The one instant the wrapped-key-first order leaves open: ``keys rotate`` and a retirement
    between the data key's wrapping and its wrapped key's store. The write fails (transient:
    "try again") rather than commit a recording nothing could decrypt, and runs again whole."""
    import vault.regional as regional

    rv = make_region("eu")
    entry = make_entry("eu")
    audio, _ = wav_bytes(1.0)
    store_key = regional.put_bytes
    retired = []

    def retired_meanwhile(store, name, data):
        if store is rv.key_store and not retired:
            rv.keys.rotate()
            rv.keys.retire("v1")  # nothing stored under v1 yet: a retirement would take it now
            retired.append(name)
        return store_key(store, name, data)

    monkeypatch.setattr(regional, "put_bytes", retired_meanwhile)
    with pytest.raises(VaultError, match="KEK version v1 of region eu was retired during the write; try again") as info:
        rv.put(entry, {"audio": io.BytesIO(audio), "metadata": io.BytesIO(b"{}")})
    assert not isinstance(info.value, VaultInputError)  # transient: the job is retried
    assert rv.find(entry.recording_id) is None  # nothing committed
    rv.put(entry, {"audio": io.BytesIO(audio), "metadata": io.BytesIO(b"{}")})
    assert read(rv, rv.get(entry.recording_id), "audio") == audio and rv.get(entry.recording_id).key_versions() == ("v2",)


def test_a_rewrap_meeting_a_deletion_under_way_waits_for_its_tombstone(make_region):
    """Found by the session-47 audit: a batch's rewrap step beside a retention sweep failed for
    good as "cannot decrypt" (43 of 400 jobs): a deletion destroys the keys, then the ciphertext,
    and only then commits its tombstone, so the re-wrap found its key gone under a live entry.
    A reader whose keys vanished under a live entry waits (a few seconds at most) for the
    tombstone of the deletion that took them."""
    rv = make_region("eu")
    entry = put_call(rv)
    rv.keys.rotate()
    for info in entry.artifacts:  # the deletion's first step, done: its keys destroyed...
        rv.key_store.delete(key_name(entry.recording_id, info))
    later = threading.Timer(0.3, lambda: rv.delete(entry.recording_id, actor="operator", reason="request"))
    later.start()  # ...and its tombstone committed a moment later
    try:
        assert rv.rewrap(entry.recording_id) == 0  # found deleted, not "cannot decrypt"
    finally:
        later.join()
    assert rv.get(entry.recording_id).deleted


def test_keys_missing_under_a_live_entry_with_no_deletion_under_way_still_fail(make_region, monkeypatch):
    import vault.regional as regional

    monkeypatch.setattr(regional, "DELETION_SETTLE_S", 0.2)
    rv = make_region("eu")
    entry = put_call(rv)
    rv.keys.rotate()
    rv.key_store.delete(key_name(entry.recording_id, entry.artifacts[0]))  # lost, not deleted
    with pytest.raises((DecryptionError, ObjectMissingError)):
        rv.rewrap(entry.recording_id)


def test_a_re_wrap_whose_version_was_retired_before_it_stored_a_key_leaves_the_recording_readable(
        make_region, monkeypatch):
    """A re-wrap resolves the primary version once per recording (session 48), so the time
    between resolving it and storing the first key re-wrapped under it spans every key's
    unwrap and wrap: a ``keys rotate`` meanwhile retired that version (no key used it yet),
    and the re-wrap then replaced the recording's only wrapped keys with ones nothing can
    open. It checks the version before it replaces a key, and starts over under the new one."""
    rv = make_region("eu")
    entry = put_call(rv)
    audio = read(rv, entry, "audio")
    rv.keys.rotate()  # v2: the re-wrap's version
    rewrap = envelope.rewrap
    rotated = []

    def rotated_meanwhile(wrapped, keys, ref, primary=None):
        new = rewrap(wrapped, keys, ref, primary)
        if not rotated:  # `keys rotate` in another process: v3, and v2 (no key under it yet) retired
            rotated.append(rv.keys.rotate())
            assert "v2" in rv.retire_unused()
        return new

    monkeypatch.setattr(envelope, "rewrap", rotated_meanwhile)
    rv.rewrap(entry.recording_id)
    stored = rv.get(entry.recording_id)
    assert read(rv, stored, "audio") == audio
    assert stored.key_versions() == ("v3",)


class LostReplyStore:
    """A real store whose create-only commit of an index entry is done but answers an error (the
    reply lost after every retry of the client)."""

    def __init__(self, inner):
        self._inner = inner
        self.region = inner.region

    def create(self, name, data):
        self._inner.create(name, data)
        if name.startswith("index/"):
            raise StoreError("injected: connection reset after the write")

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_commit_done_whose_reply_was_lost_keeps_what_it_committed(make_store, make_key_store, make_keys, clock):
    """Found by the session-49 review: the put's error path destroyed its artifacts, then found its
    own entry committed and said "stored already": a recording stored with nothing to decrypt,
    and the pipeline took it as stored and destroyed the call's sources."""
    store, key_store, keys = make_store("eu"), make_key_store("eu"), make_keys("eu")
    audio, _ = wav_bytes()
    rv = RegionVault("eu", LostReplyStore(store), keys, key_store=key_store, clock=clock)
    entry = put_call(rv, audio=audio)
    assert read(RegionVault("eu", store, keys, key_store=key_store, clock=clock), entry, "audio") == audio


class LostReplyOnUpdate(LostReplyStore):
    """Its compare-and-swap update of an index entry is done but answers an error."""

    def create(self, name, data):
        self._inner.create(name, data)

    def replace_if(self, name, data, version):
        self._inner.replace_if(name, data, version)
        if name.startswith("index/"):
            raise StoreError("injected: connection reset after the write")


def test_a_new_generation_committed_whose_reply_was_lost_keeps_what_it_committed(make_store, make_key_store,
                                                                                  make_keys, clock):
    """The same for a re-redaction's new generation: its error path destroyed the generation its
    own commit had just listed."""
    store, key_store, keys = make_store("eu"), make_key_store("eu"), make_keys("eu")
    rv = RegionVault("eu", LostReplyOnUpdate(store), keys, key_store=key_store, clock=clock)
    entry = put_call(rv)
    redacted, _ = wav_bytes(seconds=1.0)
    replaced = rv.replace(entry.recording_id, {"audio": io.BytesIO(redacted)})
    assert replaced.artifact("audio").generation == 2
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    assert plain.get(entry.recording_id) == replaced and read(plain, replaced, "audio") == redacted
    assert [n for n in store.names(f"data/{entry.recording_id}/") if "audio." in n] == [audio_data(replaced)]


def test_a_first_write_and_a_listing_read_no_deletion_record_and_a_read_by_id_one(make_region, monkeypatch):
    """What ``vault.deletions`` costs: a call's first write finds no entry and reads no record; a
    live entry read by id reads its record (one key-store read, 404 when not deleted); a listing
    lists the records beside the index and reads none."""
    rv = make_region("eu")
    deleted = put_call(rv, make_entry("eu", "CA0")).recording_id
    rv.delete(deleted, actor="o", reason="r")
    read = []
    real = rv.key_store.reader
    monkeypatch.setattr(rv.key_store, "reader", lambda name: (read.append(name) if name.startswith("seal/deleted/")
                                                               else None) or real(name))
    rid = put_call(rv).recording_id
    assert read == []
    assert not rv.get(rid).deleted and read == [f"seal/deleted/{rid}.json"]
    assert {e.recording_id: e.deleted for e in rv.scan()} == {deleted: True, rid: False}
    assert read == [f"seal/deleted/{rid}.json"]


def test_a_listing_finds_each_older_entry_put_back_among_others(make_region):
    """``scan`` merges the deletion records (``vault.deletions``) with the index in name order:
    every other recording deleted and its older entry put back, each reads as deleted, none else."""
    rv = make_region("eu")
    rids = sorted(put_call(rv, make_entry("eu", f"CA{n}")).recording_id for n in range(5))
    older = {rid: get_bytes(rv.store, f"index/{rid}.json") for rid in rids[1::2]}
    for rid in older:
        rv.delete(rid, actor="o", reason="r")
        put_bytes(rv.store, f"index/{rid}.json", older[rid])
    assert [(e.recording_id, e.deleted) for e in rv.scan()] == [(rid, rid in older) for rid in rids]
    assert [e.deleted for e in rv.entries()] == [False, True, False, True, False]
