"""A full vault disk is a transient storage error naming the cause, never "TinkError"
(issue 10, #11), and leaves nothing behind."""

from __future__ import annotations

import contextlib
import errno
import io
import os
from datetime import UTC, datetime

import pytest

from vault.errors import StoreError
from vault.index import IndexEntry
from vault.keys.local import LocalKeyring
from vault.regional import RegionVault
from vault.regions import recording_id
from vault.stores.local import LocalStore

NOW = datetime(2026, 1, 15, tzinfo=UTC)


class FullAfter:
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, inner, room: int):
        self._inner, self._room = inner, room

    def write(self, data) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._inner.write(data)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class FullDisk:
    """A real local store whose disk fills up after ``room`` bytes of ciphertext."""

    def __init__(self, inner: LocalStore, room: int):
        self._inner, self._room = inner, room
        self.region = inner.region

    @contextlib.contextmanager
    def writer(self, name):
        with self._inner.writer(name) as out:
            yield FullAfter(out, self._room) if name.startswith("data/") else out

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.parametrize("room", [0, 100, 1 << 20])
def test_full_disk_is_a_transient_store_error(tmp_path, room):
    inner, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    rv = RegionVault("eu", FullDisk(inner, room), LocalKeyring(tmp_path / "keys", "eu"),
                     key_store=key_store, clock=lambda: NOW)
    entry = IndexEntry(recording_id("acme", "CA1", "eu"), "acme", "CA1", "T-1", "call", "eu", NOW, None,
                       False, False, "test", "")
    audio = io.BytesIO(os.urandom(3 << 20))
    with pytest.raises(StoreError) as info:
        rv.put(entry, {"audio": audio, "metadata": io.BytesIO(b"{}")})
    assert "No space left on device" in str(info.value) and "Tink" not in str(info.value)
    assert not info.value.permanent  # retried later, not failed as bad input
    assert list(inner.names("")) == [] and list(key_store.names("")) == []


class FailingRead:
    """A stored ciphertext whose disk fails (EIO) after ``room`` bytes were read."""

    def __init__(self, inner, room: int):
        self._inner, self._room = inner, room

    def read(self, size=-1):
        data = self._inner.read(size)
        self._room -= len(data)
        if self._room < 0:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return data

    def __getattr__(self, name):
        return getattr(self._inner, name)


class BadReads:
    def __init__(self, inner: LocalStore, room: int):
        self._inner, self._room = inner, room
        self.region = inner.region

    @contextlib.contextmanager
    def reader(self, name):
        with self._inner.reader(name) as src:
            yield FailingRead(src, self._room) if name.startswith("data/") else src

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_failing_read_is_a_store_error_not_a_decryption_error(tmp_path):
    store, key_store = LocalStore(tmp_path / "vault", "eu"), LocalStore(tmp_path / "keystore", "eu")
    keys = LocalKeyring(tmp_path / "keys", "eu")
    entry = IndexEntry(recording_id("acme", "CA1", "eu"), "acme", "CA1", "T-1", "call", "eu", NOW, None,
                       False, False, "test", "")
    stored = RegionVault("eu", store, keys, key_store=key_store, clock=lambda: NOW).put(entry, {"audio": io.BytesIO(os.urandom(3 << 20))})
    broken = RegionVault("eu", BadReads(store, 1 << 20), keys, key_store=key_store, clock=lambda: NOW)
    with pytest.raises(StoreError, match=r"^cannot read the ciphertext \(Input/output error\)$") as info:
        broken.read(stored, "audio", io.BytesIO())
    assert not info.value.permanent


DISK_LIMITED = """
import resource, signal, sys
from pathlib import Path
from vault.errors import StoreError
from vault.stores.local import LocalStore
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
store = LocalStore(Path(sys.argv[1]), "eu")
resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))
for how in ("writer", "create"):
    try:
        if how == "writer":
            with store.writer("data/x/audio.enc") as out:
                out.write(b"a" * 200)  # buffered: it fails when flushed, at the end
        else:
            store.create("index/x.json", b"a" * 200)
    except StoreError as exc:
        print(how, "StoreError", "cannot write" in str(exc))
    except BaseException as exc:
        print(how, type(exc).__name__)
print(sorted(str(p.relative_to(sys.argv[1])) for p in Path(sys.argv[1]).rglob("*") if p.is_file()))
"""


def test_a_write_that_fails_when_its_buffer_is_flushed_names_the_store_and_object(tmp_path):
    """Found by the session-46 audit on a real full disk: the buffered tail failed again when
    the file was closed, and that OSError replaced the StoreError naming the store and object
    (the pipeline then blamed the worker's temp space). A real file-size limit, not a stand-in."""
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path / "vault"
    root.mkdir()
    done = subprocess.run([sys.executable, "-c", DISK_LIMITED, str(root)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.stdout.splitlines() == ["writer StoreError True", "create StoreError True", "[]"], done.stderr
