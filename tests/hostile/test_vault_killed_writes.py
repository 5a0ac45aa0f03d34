"""A writer killed mid-put leaves nothing behind once the call is stored (issue 10, fault test).

A worker SIGKILLed inside a put leaves what it had written: ciphertext and wrapped keys under
a tag no index entry lists, and the local store's half-written temporary file. When a later
delivery commits the recording, those leftovers of the same recording are destroyed; a
deletion destroys them too.
"""

from __future__ import annotations

import contextlib
import io
import os
from datetime import UTC, datetime

import pytest

from tests.vault.conftest import make_entry
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.stores.local import LocalStore

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
    assert [n for n in files(tmp_path / "keystore") if f"/{rid}/" in n] == []


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
