"""A writer killed mid-put leaves nothing behind once the call is stored (issue 10, fault test).

A worker SIGKILLed inside a put leaves what it had written: ciphertext and wrapped keys under
a tag no index entry lists, and the local store's half-written temporary file. When a later
delivery commits the recording, those leftovers of the same recording are destroyed; a
deletion destroys them too.

A re-redaction killed after writing generation 2 but before its index commit, on a recording
deleted while it wrote, leaves decryptable objects under the tombstone that no commit will
ever reclaim: the retention sweep and a second deletion destroy them.
"""

from __future__ import annotations

import contextlib
import io
import os
from datetime import UTC, datetime, timedelta

import pytest

from tests.hostile.test_vault_duplicate import nothing_decryptable
from tests.vault.conftest import clock, make_keys, make_store  # noqa: F401 (fixtures)
from tests.vault.conftest import make_entry
from vault import envelope
from vault.context import ArtifactRef
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.stores.base import get_bytes, put_bytes
from vault.stores.local import LocalStore
from vault.vault import Vault
from worker.stored.operations import delete_recording, retention_sweep

NOW = datetime(2026, 1, 15, tzinfo=UTC)


class DiesMidWrite:
    """A real local store whose process dies (no cleanup at all) in the middle of the
    ``nth`` write, after part of the bytes reached the temporary file."""

    def __init__(self, inner: LocalStore, nth: int):
        self._inner, self._nth, self._writes = inner, nth, 0
        self.region = inner.region

    @contextlib.contextmanager
    def writer(self, name):
        self._writes += 1
        with self._inner.writer(name) as out:
            yield out
            if self._writes == self._nth:
                out.flush()
                os._exit(0)  # SIGKILL-like: no finally, no except, nothing removed

    def __getattr__(self, name):
        return getattr(self._inner, name)


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("nth", [1, 2, 3], ids=["audio", "metadata", "transcript"])
def test_a_killed_put_leaves_nothing_once_a_redelivery_stored_the_call(tmp_path, nth):
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    entry = make_entry("eu")
    artifacts = lambda: {"audio": io.BytesIO(b"A" * 3000), "metadata": io.BytesIO(b"{}"),  # noqa: E731
                         "transcript": io.BytesIO(b"[redacted]")}
    pid = os.fork()
    if pid == 0:  # the worker that gets killed
        try:
            RegionVault("eu", DiesMidWrite(store, nth), keys, key_store=key_store, clock=lambda: NOW).put(
                entry, artifacts())
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    left = files(tmp_path / "vault") + files(tmp_path / "keystore")
    assert any(".tmp-" in name for name in left)  # the kill left a half-written file

    rv = RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW)
    stored = rv.put(entry, artifacts())  # the redelivery

    rid = entry.recording_id
    expected = sorted([f"index/{rid}.json"] + [f"data/{rid}/{a.kind}.1-{a.tag}.enc" for a in stored.artifacts])
    assert [n for n in files(tmp_path / "vault") if not n.startswith("accounts/")] == expected
    assert [n for n in files(tmp_path / "keystore") if n.startswith("keys/")] == sorted(
        f"keys/{rid}/{a.kind}.1-{a.tag}.json" for a in stored.artifacts)


def test_deletion_removes_a_killed_writers_temporary_files(tmp_path):
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    rv = RegionVault("eu", store, LocalKeyring(tmp_path / "keys", "eu"), key_store=key_store, clock=lambda: NOW)
    entry = rv.put(make_entry("eu"), {"audio": io.BytesIO(b"a")})
    rid = entry.recording_id
    # A re-redaction killed while writing generation 2.
    (tmp_path / "vault" / "data" / rid / ".audio.2-0badc0de.enc.tmp-0123").write_bytes(b"x" * 100)
    (tmp_path / "keystore" / "keys" / rid / ".audio.2-0badc0de.json.tmp-0123").write_bytes(b"k")
    rv.delete(rid, actor="o", reason="r")
    assert [n for n in files(tmp_path / "vault") if f"/{rid}/" in n] == []
    assert [n for n in files(tmp_path / "keystore") if f"/{rid}/" in n] == [f"seal/audit/{rid}/2026-01-15.json"]


@pytest.mark.parametrize("key_made", [False, True], ids=["key-never-made", "key-made-by-another"])
def test_a_writer_killed_making_the_index_key_leaves_nothing_once_a_call_is_stored(tmp_path, key_made):
    """A worker killed inside the region's first write, while making the index MAC key,
    leaves ``seal/.index-mac.json.tmp-<id>``; the next process that uses the key reclaims it,
    whether that process makes the key itself or finds it made by another."""
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    if key_made:
        RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW).put(
            make_entry("eu", "C-first"), {"audio": io.BytesIO(b"a")})
    seal = tmp_path / "keystore" / "seal"
    seal.mkdir(parents=True, exist_ok=True)
    (seal / ".index-mac.json.tmp-0123abcd").write_bytes(b"half a keyset")
    (seal / ".sealed-all.json.tmp-4567").write_bytes(b"{")

    RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW).put(
        make_entry("eu"), {"audio": io.BytesIO(b"a")})
    assert [n for n in files(tmp_path / "keystore") if ".tmp-" in n] == []


def test_a_writer_killed_writing_its_ticket_marker_leaves_nothing_once_the_call_is_stored(tmp_path):
    """A worker killed inside the ticket marker's write (work begun, nothing stored) leaves
    ``tickets/<tag>/.<rid>.tmp-<id>`` beside the marker; the redelivery's commit reclaims it
    (found in CI by test_faults: nothing else ever would)."""
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    rv = RegionVault("eu", store, LocalKeyring(tmp_path / "keys", "eu"), key_store=key_store, clock=lambda: NOW)
    first = rv.put(make_entry("eu", "C-first"), {"audio": io.BytesIO(b"a")})  # the ticket's marker directory
    (marker,) = [n for n in files(tmp_path / "keystore") if n.startswith("tickets/") and n.endswith(first.recording_id)]
    entry = make_entry("eu")
    leftover = tmp_path / "keystore" / marker.rpartition("/")[0] / f".{entry.recording_id}.tmp-0badc0de"
    leftover.write_bytes(b"{")
    rv.put(entry, {"audio": io.BytesIO(b"a")})
    assert [n for n in files(tmp_path / "keystore") if ".tmp-" in n] == []


def killed_after_its_index_commit(index_dir, rid: str):
    """What a worker killed inside the index commit after its link, before removing its
    temporary name, leaves: a second name of the committed entry that no lock holds."""
    leftover = index_dir / f".{rid}.json.tmp-0badc0de0badc0de0badc0de0badc0de"
    os.link(index_dir / f"{rid}.json", leftover)
    return leftover


def test_a_redelivery_of_a_stored_call_reclaims_what_a_writer_killed_after_its_commit_left(tmp_path):
    """The fault test's leftover (seed 3084361878, 2 of 4 runs of make test here): the worker
    was killed after its index commit, so no commit of a later delivery reclaims its temporary
    name; every later delivery finds the call stored. It reclaims it then."""
    from tests.worker.stored_calls import write_call
    from worker.boot import build_backends
    from worker.calls.pipeline import process_call
    from worker.settings import Settings

    settings = Settings(data_dir=tmp_path / "state", keep_sources=True)
    manifest = write_call(tmp_path / "call")
    first = process_call(manifest, build_backends(settings))
    index_dir = tmp_path / "state" / "vault" / "eu" / "index"
    leftover = killed_after_its_index_commit(index_dir, first.recording_id)
    before = sorted(p.name for p in index_dir.iterdir() if p != leftover)
    again = process_call(manifest, build_backends(settings))  # the redelivery
    assert again.already_stored and again.recording_id == first.recording_id
    assert not leftover.exists()
    assert sorted(p.name for p in index_dir.iterdir()) == before  # the entry itself kept


def test_deletion_reclaims_what_a_writer_killed_after_its_index_commit_left(tmp_path):
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    rv = RegionVault("eu", store, LocalKeyring(tmp_path / "keys", "eu"), key_store=key_store, clock=lambda: NOW)
    rid = rv.put(make_entry("eu"), {"audio": io.BytesIO(b"a")}).recording_id
    leftover = killed_after_its_index_commit(tmp_path / "vault" / "index", rid)
    rv.delete(rid, actor="o", reason="r")  # the copy of the live entry goes with the recording
    assert not leftover.exists() and rv.get(rid).deleted


class Killed(BaseException):
    """The writer's process is gone: nothing it would still do reaches a store."""


class DiesBeforeCommit:
    """A real store shared by one writer that runs ``meanwhile`` (another process deleting
    the recording) when it starts writing ciphertext, then dies at its index commit: from
    then on every call of the writer fails, as no clean-up of a killed process runs."""

    def __init__(self, inner, state: dict):
        self._inner, self._state = inner, state
        self.region = inner.region

    def _alive(self) -> None:
        if self._state["dead"]:
            raise Killed()

    def writer(self, name):
        self._alive()
        if name.startswith("data/") and self._state["meanwhile"] is not None:
            meanwhile, self._state["meanwhile"] = self._state["meanwhile"], None
            meanwhile()
        return self._inner.writer(name)

    def replace_if(self, name, data, version):
        self._alive()
        if name.startswith("index/"):
            self._state["dead"] = True
            raise Killed()
        return self._inner.replace_if(name, data, version)

    def __getattr__(self, name):
        self._alive()
        return getattr(self._inner, name)


class DiesAtIndexUpdate(DiesBeforeCommit):
    """... with no ``meanwhile`` of its own: it dies at its first index update."""


def killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock) -> tuple[RegionVault, str]:
    """A recording, deleted while a re-redaction wrote generation 2, the re-redaction killed
    before its commit: generation 2's ciphertexts and keys are left under the tombstone."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = plain.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 4000), "metadata": io.BytesIO(b"{}")}).recording_id
    state = {"dead": False,
             "meanwhile": lambda: plain.delete(rid, actor="operator", reason="customer request")}
    writer = RegionVault("eu", DiesBeforeCommit(store, state), keys,
                         key_store=DiesBeforeCommit(key_store, state), clock=clock)
    with pytest.raises(Killed):
        writer.replace(rid, {"audio": io.BytesIO(b"R" * 3000), "metadata": io.BytesIO(b"{}")},
                       detector_version="dtmf-2")
    assert plain.get(rid).deleted
    left = decryptable(plain, rid)
    assert sorted(left) == ["audio", "metadata"]  # the defect: generation 2 opens under a tombstone
    return plain, rid


def decryptable(rv: RegionVault, rid: str) -> dict[str, bytes]:
    """Kind -> plaintext of every ciphertext under ``rid`` that its key beside it opens."""
    out = {}
    for name in rv.store.names(f"data/{rid}/"):
        kind, slot = name.rsplit("/", 1)[1].removesuffix(".enc").split(".", 1)
        wrapped = envelope.WrappedKey.decode(get_bytes(rv.key_store, f"keys/{rid}/{kind}.{slot}.json"))
        dst = io.BytesIO()
        with rv.store.reader(name) as src:
            envelope.decrypt_stream(src, dst, wrapped, rv.keys, ArtifactRef(rid, "acme", "eu", kind))
        out[kind] = dst.getvalue()
    return out


def test_the_retention_sweep_destroys_what_a_killed_re_redaction_left_under_a_tombstone(
        make_store, make_keys, clock):
    rv, rid = killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock)
    report = retention_sweep(Vault({"eu": rv}))
    assert (report.scanned, report.already_deleted, report.deleted, report.reclaimed) == (1, 1, 0, 4)
    nothing_decryptable(rv, rid)
    assert list(rv.store.names(f"index/{rid}")) == [f"index/{rid}.json"] and rv.get(rid).deleted
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0  # nothing more to find


def test_a_dry_run_sweep_reclaims_nothing(make_store, make_keys, clock):
    rv, rid = killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock)
    report = retention_sweep(Vault({"eu": rv}), dry_run=True)
    assert report.reclaimed == 0
    assert sorted(decryptable(rv, rid)) == ["audio", "metadata"]


def test_deleting_again_destroys_what_a_killed_re_redaction_left_under_a_tombstone(
        make_store, make_keys, clock):
    rv, rid = killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock)
    outcome = delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="again")
    assert (outcome.deleted, outcome.already_deleted, outcome.reclaimed) == (0, 1, 4)
    nothing_decryptable(rv, rid)
    assert rv.get(rid).deleted


def test_a_forked_re_redaction_killed_after_generation_two_is_swept(tmp_path):
    """The same with a real process killed (``os._exit``) right after its last key write."""
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW)
    rid = plain.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 3000)}).recording_id
    read, write = os.pipe()
    go, went = os.pipe()
    pid = os.fork()
    if pid == 0:  # the re-redaction that gets killed
        try:
            class Exits:
                region = "eu"

                def __getattr__(self, name):
                    return getattr(store, name)

                def writer(self, name):
                    os.write(write, b"w")  # started writing: the parent deletes now
                    os.read(go, 1)
                    return store.writer(name)

                def replace_if(self, name, data, version):
                    os._exit(0)  # SIGKILL-like, at the commit

            RegionVault("eu", Exits(), keys, key_store=key_store, clock=lambda: NOW).replace(
                rid, {"audio": io.BytesIO(b"R" * 3000)}, detector_version="dtmf-2")
        finally:
            os._exit(1)
    assert os.read(read, 1) == b"w"
    plain.delete(rid, actor="operator", reason="customer request")
    os.write(went, b"g")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sorted(decryptable(plain, rid)) == ["audio"]
    assert retention_sweep(Vault({"eu": plain})).reclaimed == 2
    nothing_decryptable(plain, rid)
    assert plain.get(rid).deleted


def test_a_sweep_a_week_after_the_deletion_settles_the_tombstone_and_later_sweeps_pass_it_by(
        make_store, make_keys, clock):
    rv, rid = killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock)
    vault = Vault({"eu": rv})
    assert retention_sweep(vault).reclaimed == 4
    assert rv.get(rid).tombstone.settled_at is None  # a writer that read it may still be alive
    clock.advance(days=7)
    assert retention_sweep(vault).reclaimed == 0
    assert rv.get(rid).tombstone.settled_at == clock.now  # sealed: the entry still verifies
    # an object under a settled tombstone (none can appear: no writer lives a week) is left
    # to a second deletion, which reclaims whatever the tombstone says
    with rv.store.writer(f"data/{rid}/audio.9-late.enc") as out:
        out.write(b"x" * 10)
    report = retention_sweep(vault)
    assert (report.already_deleted, report.reclaimed) == (1, 0)
    assert delete_recording(rid, vault, actor="operator", reason="again").reclaimed == 1
    assert list(rv.store.names(f"data/{rid}/")) == []


def test_a_tombstone_not_settled_keeps_the_bytes_of_entries_made_before_settling_existed(make_store, make_keys,
                                                                                       clock):
    rv, rid = killed_re_redaction_of_a_deleted_recording(make_store, make_keys, clock)
    encoded = rv.get(rid).encode()
    assert b"settled_at" not in encoded and b"deleted_at" in encoded
    assert type(rv.get(rid)).decode(encoded) == rv.get(rid)


class DiesAtFirstCommit(DiesBeforeCommit):
    """... and a first put dies at its create-only index commit."""

    def create(self, name, data):
        self._alive()
        if name.startswith("index/"):
            self._state["dead"] = True
            raise Killed()
        return self._inner.create(name, data)


def killed_before_its_first_commit(make_store, make_keys, clock) -> tuple[RegionVault, str]:
    """A first put (a ``callrec process`` nobody runs again) killed at its index commit: its
    ciphertexts and wrapped keys lie under a recording id no entry names."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    state = {"dead": False, "meanwhile": None}
    writer = RegionVault("eu", DiesAtFirstCommit(store, state), keys,
                         key_store=DiesAtFirstCommit(key_store, state), clock=clock)
    with pytest.raises(Killed):
        writer.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 4000), "metadata": io.BytesIO(b"{}")})
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = make_entry("eu").recording_id
    assert sorted(decryptable(plain, rid)) == ["audio", "metadata"]  # the defect: found by no sweep
    return plain, rid


def test_the_retention_sweep_destroys_a_write_never_committed_a_day_after_it_first_saw_it(
        make_store, make_keys, clock):
    """Found by the session-46 audit: nothing reached such objects (no entry, so no sweep,
    no ticket and no recording id found them). The sweep notes an id with objects and no entry
    and destroys them, keys first, when it still has none a day later (a live writer's commit
    comes within its job's time limit)."""
    rv, rid = killed_before_its_first_commit(make_store, make_keys, clock)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0  # noted: a live writer's, for all it knows
    assert retention_sweep(Vault({"eu": rv}), dry_run=True).reclaimed == 0
    clock.advance(hours=23)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0 and sorted(decryptable(rv, rid)) == ["audio", "metadata"]
    clock.advance(hours=1)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 4
    nothing_decryptable(rv, rid)
    assert list(rv.store.names("data/")) == [] and list(rv.key_store.names("keys/")) == []
    assert list(rv.store.names("uncommitted/")) == []
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0


def test_a_write_committed_after_the_sweep_noted_it_is_kept(make_store, make_keys, clock):
    rv, rid = killed_before_its_first_commit(make_store, make_keys, clock)
    retention_sweep(Vault({"eu": rv}))
    rv.put(make_entry("eu"), {"audio": io.BytesIO(b"B" * 4000), "metadata": io.BytesIO(b"{}")})  # the redelivery
    clock.advance(hours=25)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0
    assert decryptable(rv, rid)["audio"] == b"B" * 4000 and not rv.get(rid).deleted
    assert list(rv.store.names("uncommitted/")) == []


class SweepsMidRead(io.BytesIO):
    """An artifact's plaintext whose first read runs ``meanwhile`` (a retention sweep in
    another process) while its writer is live: its earlier artifacts are written then."""

    def __init__(self, data: bytes, meanwhile):
        super().__init__(data)
        self._meanwhile = meanwhile

    def read(self, *args):
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return super().read(*args)


def test_a_live_write_under_an_id_noted_a_day_earlier_keeps_what_it_wrote(make_store, make_keys, clock):
    """Found by the session-48 audit: a note's time is when the *killed* writer's objects were
    first seen, not when the live one started. A redelivery writing a day after the note (the
    queue's backoff, a `process` run again) lost its wrapped keys to the sweep mid-write, then
    committed a recording nothing decrypts (its sources destroyed). Only objects seen a day
    earlier go; the live writer's are noted anew."""
    rv, rid = killed_before_its_first_commit(make_store, make_keys, clock)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0  # noted
    clock.advance(hours=25)
    swept = []
    metadata = SweepsMidRead(b"{}", lambda: swept.append(retention_sweep(Vault({"eu": rv})).reclaimed))
    stored = rv.put(make_entry("eu"), {"audio": io.BytesIO(b"B" * 4000), "metadata": metadata})  # the redelivery
    assert swept == [4]  # the killed writer's objects went, keys first
    assert decryptable(rv, rid) == {"audio": b"B" * 4000, "metadata": b"{}"}
    out = io.BytesIO()
    rv.read(stored, "audio", out)
    assert out.getvalue() == b"B" * 4000
    clock.advance(hours=25)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0 and list(rv.store.names("uncommitted/")) == []
    assert decryptable(rv, rid) == {"audio": b"B" * 4000, "metadata": b"{}"}


def test_a_note_of_an_older_version_starts_over(make_store, make_keys, clock):
    """A note that holds only its time (before notes named their objects) cannot tell the
    killed writer's objects from a live one's: it is noted anew, destroyed a day later."""
    rv, rid = killed_before_its_first_commit(make_store, make_keys, clock)
    put_bytes(rv.store, f"uncommitted/{rid}.json", (clock() - timedelta(days=3)).isoformat().encode())
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 0
    assert sorted(decryptable(rv, rid)) == ["audio", "metadata"]
    clock.advance(hours=24)
    assert retention_sweep(Vault({"eu": rv})).reclaimed == 4
    nothing_decryptable(rv, rid)


def test_deleting_a_recording_never_committed_destroys_what_its_writer_left(make_store, make_keys, clock):
    """``delete --recording`` of such an id answered "no recording" and destroyed nothing."""
    from vault.errors import ObjectMissingError

    rv, rid = killed_before_its_first_commit(make_store, make_keys, clock)
    with pytest.raises(ObjectMissingError, match=r"no recording .* \(4 objects an uncommitted write left destroyed\)"):
        delete_recording(rid, Vault({"eu": rv}), actor="operator", reason="request")
    nothing_decryptable(rv, rid)
    assert list(rv.store.names("data/")) == [] and list(rv.key_store.names("keys/")) == []


def test_a_re_redaction_interrupted_after_its_commit_leaves_no_old_generation_once_retried(tmp_path):
    """Found by the session-46 audit: a re-redaction stopped between its commit and destroying
    the old generation (Dramatiq's time limit is an exception raised wherever the job is; a
    kill) left the unredacted audio and its live key under a live recording: the retry found it
    up to date, and no sweep or deletion of anything else reached it. Any delivery of the job
    (and any later re-redaction) now destroys the generations older than the entry's."""
    from tests.worker.calls.test_pipeline import keyed_card_leg
    from tests.worker.stored_calls import write_call
    from worker.boot import build_backends
    from worker.calls.pipeline import process_call
    from worker.settings import Settings
    from worker.stored.operations import redact_stored
    from worker.vaults import build_vault

    settings = Settings(data_dir=tmp_path / "state", regions="eu", recognizer="none")
    rid = process_call(write_call(tmp_path / "call", plan="professional", redaction="off", leg_a=keyed_card_leg()),
                       build_backends(settings)).recording_id

    class TimeLimitExceeded(BaseException):
        pass

    destroy = RegionVault._destroy_artifact
    try:
        RegionVault._destroy_artifact = lambda self, recording_id, info: (_ for _ in ()).throw(TimeLimitExceeded())
        with pytest.raises(TimeLimitExceeded):
            redact_stored(rid, build_backends(settings))
    finally:
        RegionVault._destroy_artifact = destroy
    rv = build_vault(settings).region("eu")
    assert sorted(n.rsplit("/", 1)[1].split("-")[0] for n in rv.key_store.names(f"keys/{rid}/")) == [
        "audio.1", "audio.2", "metadata.1", "metadata.2"]  # the old generation still has its keys
    again = redact_stored(rid, build_backends(settings))  # the queue's redelivery of the job
    assert (again.redacted, again.reason) == (False, "up_to_date")
    assert sorted(n.rsplit("/", 1)[1].split("-")[0] for n in rv.key_store.names(f"keys/{rid}/")) == [
        "audio.2", "metadata.2"]
    assert sorted(n.rsplit("/", 1)[1].split("-")[0] for n in rv.store.names(f"data/{rid}/")) == [
        "audio.2", "metadata.2"]


def test_a_re_wrap_killed_after_a_re_redaction_destroyed_the_key_it_read_leaves_no_key_of_it(
        make_store, make_keys, clock, monkeypatch):
    """Found by the session-48 audit: a re-wrap wrote its re-wrapped key back under the old
    generation's name after a re-redaction had committed and destroyed that generation (the
    unredacted audio's key), and was killed before it noticed and dropped it. The key of the
    destroyed generation was live again in the key store, beside nothing: an object-store
    backup from before the re-redaction plus the live key store decrypted the unredacted
    audio. A re-wrap now replaces a key only while it is still the one it read."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    rid = plain.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 4000), "metadata": io.BytesIO(b"{}")}).recording_id
    first = {n for n in key_store.names(f"keys/{rid}/")}
    keys.rotate()
    rewrap = envelope.rewrap

    def re_redacted_meanwhile(wrapped, keys, ref, primary=None):
        new = rewrap(wrapped, keys, ref, primary)  # the last key read and re-wrapped; now the re-redaction commits
        if ref.kind == "metadata" and not list(key_store.names(f"keys/{rid}/audio.2-")):
            plain.replace(rid, {"audio": io.BytesIO(b"R" * 3000), "metadata": io.BytesIO(b"{}")})
        return new

    monkeypatch.setattr(envelope, "rewrap", re_redacted_meanwhile)
    state = {"dead": False, "meanwhile": None}
    writer = RegionVault("eu", DiesAtIndexUpdate(store, state), keys, key_store=key_store, clock=clock)
    with contextlib.suppress(Killed):
        writer.rewrap(rid)
    assert sorted(first & set(key_store.names(f"keys/{rid}/"))) == []  # generation 1's keys gone for good
    assert decryptable(plain, rid) == {"audio": b"R" * 3000, "metadata": b"{}"}


def test_a_re_redaction_killed_before_its_commit_leaves_nothing_once_retried(make_store, make_keys, clock):
    """Found by the session-48 audit (a kill after each store operation of a re-redaction): one
    killed before its commit, on a recording still live, left its generation 2 (ciphertext and
    live wrapped key, under its own tag) beside the entry; the retry committed a generation 2 of
    its own and destroyed generation 1 only, and nothing later reached the killed one's objects
    but a deletion. A replace's commit now destroys every other object of the generations it
    replaced up to its own."""
    store, key_store, keys = make_store("eu"), make_store.key_store("eu"), make_keys("eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=clock)
    entry = plain.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 4000), "metadata": io.BytesIO(b"{}")})
    rid = entry.recording_id
    state = {"dead": False, "meanwhile": None}
    writer = RegionVault("eu", DiesAtIndexUpdate(store, state), keys, key_store=DiesAtIndexUpdate(key_store, state),
                         clock=clock)
    with pytest.raises(Killed):
        writer.replace(rid, {"audio": io.BytesIO(b"R" * 3000), "metadata": io.BytesIO(b"{}")}, based_on=entry)
    assert plain.get(rid) == entry  # the previous generation stands
    # the job's next delivery, as redact_stored runs it: leftovers cleared, then the re-redaction again
    plain.clear_leftovers(entry)
    stored = plain.replace(rid, {"audio": io.BytesIO(b"S" * 3000), "metadata": io.BytesIO(b"{}")}, based_on=entry)
    assert decryptable(plain, rid) == {"audio": b"S" * 3000, "metadata": b"{}"}
    assert sorted(key_store.names(f"keys/{rid}/")) == sorted(
        f"keys/{rid}/{a.kind}.{a.generation}-{a.tag}.json" for a in stored.artifacts)
    assert sorted(store.names(f"data/{rid}/")) == sorted(
        f"data/{rid}/{a.kind}.{a.generation}-{a.tag}.enc" for a in stored.artifacts)


def test_a_re_redaction_killed_inside_a_write_leaves_no_temporary_file_once_retried(tmp_path):
    """Found by the session-48 audit: a re-redaction SIGKILLed while writing generation 2 left
    that write's temporary file (ciphertext); its retry's commit reclaimed the half-written
    files of generation 1 only, so nothing but a deletion ever did (a live writer's file is
    locked: any generation's may go)."""
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    plain = RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW)
    entry = plain.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 3000), "metadata": io.BytesIO(b"{}")})
    rid = entry.recording_id
    pid = os.fork()
    if pid == 0:  # the re-redaction that gets killed inside its first ciphertext write
        try:
            RegionVault("eu", DiesMidWrite(store, 1), keys, key_store=key_store, clock=lambda: NOW).replace(
                rid, {"audio": io.BytesIO(b"R" * 3000), "metadata": io.BytesIO(b"{}")}, based_on=entry)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [n for n in files(tmp_path / "vault") if ".tmp-" in n] != []  # the kill left a half-written file
    plain.clear_leftovers(entry)  # the job's next delivery, as redact_stored runs it
    stored = plain.replace(rid, {"audio": io.BytesIO(b"S" * 3000), "metadata": io.BytesIO(b"{}")}, based_on=entry)
    assert [n for n in files(tmp_path / "vault") + files(tmp_path / "keystore") if ".tmp-" in n] == []
    assert [n for n in files(tmp_path / "vault") if n.startswith("data/")] == sorted(
        f"data/{rid}/{a.kind}.2-{a.tag}.enc" for a in stored.artifacts)
    assert [n for n in files(tmp_path / "keystore") if n.startswith("keys/")] == sorted(
        f"keys/{rid}/{a.kind}.2-{a.tag}.json" for a in stored.artifacts)


class DiesAtMigrationMark:
    """A key store whose process dies as it marks a new vault's entries all sealed."""

    def __init__(self, inner):
        self._inner = inner
        self.region = inner.region

    def create(self, name, data):
        if name == "seal/sealed-all.json":
            raise Killed()
        return self._inner.create(name, data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_new_vault_killed_making_its_index_key_still_refuses_a_bare_entry(tmp_path):
    """Found by the session-48 audit: a new vault's first write made the index MAC key, then the
    mark that a bare entry there can only be tampering. Killed between the two (or the mark's
    write failing: the key was found made, the write went on), the vault stayed one of "an older
    vault" for good: an entry stripped of its MAC and edited was "run keys migrate", and that
    migration sealed it, edit included. The mark is written before the key now."""
    import json

    from vault.errors import IndexTamperedError
    from vault.stores.base import put_bytes

    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    first = RegionVault("eu", store, keys, key_store=DiesAtMigrationMark(key_store), clock=lambda: NOW)
    with contextlib.suppress(Killed):
        first.put(make_entry("eu"), {"audio": io.BytesIO(b"A" * 3000)})
    rv = RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW)  # the redelivery
    entry = make_entry("eu")
    if rv.find(entry.recording_id) is None:
        rv.put(entry, {"audio": io.BytesIO(b"A" * 3000)})
    name = f"index/{entry.recording_id}.json"
    body = json.loads(get_bytes(store, name))
    del body["mac"]
    body["public"] = True  # end users may play it
    put_bytes(store, name, json.dumps(body).encode())
    with pytest.raises(IndexTamperedError):
        rv.find(entry.recording_id)
    assert rv.migrate_index() == (0, 1)  # refused, never sealed
    with pytest.raises(IndexTamperedError):
        rv.find(entry.recording_id)


def test_a_writer_killed_writing_a_retention_policy_leaves_nothing_once_the_next_call_is_stored(tmp_path):
    """A worker killed inside a policy's save leaves ``seal/policy-digests/<account>/.sha256.json.tmp-<id>``
    in the key store (its digest record) or ``accounts/<id>/.policy.json.tmp-<id>`` in the store;
    the account's policy unchanged, no later save comes to reclaim them, so the next call that
    follows the policy does (found by test_faults, seed 3084361878, session 55)."""
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    rv = RegionVault("eu", store, LocalKeyring(tmp_path / "keys", "eu"), key_store=key_store, clock=lambda: NOW)
    rv.follow_manifest("acme", 30)  # the first save: the policy and its record
    rv.follow_manifest("other", 30)
    digests = tmp_path / "keystore" / "seal" / "policy-digests"
    (digests / "acme" / ".sha256.json.tmp-0badc0de").write_bytes(b"{")
    (tmp_path / "vault" / "accounts" / "acme" / ".policy.json.tmp-0badc0de").write_bytes(b"{")
    (digests / "other" / ".sha256.json.tmp-0badc0de").write_bytes(b"{")
    assert rv.follow_manifest("acme", 30).retention_days == 30  # unchanged: nothing written
    left = [n for n in files(tmp_path / "keystore") + files(tmp_path / "vault") if ".tmp-" in n]
    assert left == ["seal/policy-digests/other/.sha256.json.tmp-0badc0de"]  # another account's: its own call's
