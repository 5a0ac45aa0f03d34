"""Local-store specifics: atomic files, zeroed deletes, safe names."""

from __future__ import annotations

import contextlib
import fcntl
import os

import pytest

from vault.errors import VaultInputError
from vault.stores.base import get_bytes, put_bytes
from vault.stores.local import LocalStore


def test_delete_zeroes_before_unlinking(tmp_path, monkeypatch):
    store = LocalStore(tmp_path, "eu")
    put_bytes(store, "keys/r/audio.1.json", b"secret-key-bytes")
    path = tmp_path / "keys" / "r" / "audio.1.json"
    seen = []
    real_unlink = type(path).unlink

    def spy(self, *a, **k):
        seen.append(self.read_bytes())
        return real_unlink(self, *a, **k)

    monkeypatch.setattr(type(path), "unlink", spy)
    store.delete("keys/r/audio.1.json")
    assert seen == [bytes(16)]
    assert not path.exists()


def test_an_object_written_while_its_name_is_deleted_is_kept_whole(tmp_path, monkeypatch):
    """Session 58: a delete zeroed the file it opened, then unlinked the name, which a writer
    (``writer``: a rename, taking no directory lock) had given to a new object meanwhile: the
    new object was lost, its ciphertext left on the disk unzeroed. A delete takes the object
    aside (a rename) before zeroing it: what it zeroes is what it removes, and a write after
    that stays."""
    store = LocalStore(tmp_path, "eu")
    put_bytes(store, "policy/acme.json", b"old-record")
    real_fsync, writes = os.fsync, []

    def fsync_then_a_writer_renames_in(fd):
        real_fsync(fd)
        if not writes:  # the deleter's first fsync: its zeros are on the disk
            writes.append(fd)
            put_bytes(store, "policy/acme.json", b"new-record")

    monkeypatch.setattr(os, "fsync", fsync_then_a_writer_renames_in)
    store.delete("policy/acme.json")
    monkeypatch.undo()
    assert get_bytes(store, "policy/acme.json") == b"new-record"
    assert sorted(p.name for p in (tmp_path / "policy").iterdir()) == ["acme.json"]


def test_temp_files_are_not_objects(tmp_path):
    store = LocalStore(tmp_path, "eu")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / ".a.json.tmp-123").write_bytes(b"x")
    assert list(store.names("")) == []


@pytest.mark.parametrize("name", ["", "../x", "a//b", "/abs", "a/./b", ".hidden"])
def test_unsafe_names_refused(tmp_path, name):
    with pytest.raises(VaultInputError, match="plain relative path"):
        put_bytes(LocalStore(tmp_path, "eu"), name, b"x")


def test_reclaiming_a_creator_s_linked_temp_file_leaves_the_object_whole(tmp_path):
    # create() links its temp file into place, then unlinks it: a reclaimer in between must
    # remove the temp name only (zeroing it would zero the object it is linked to).
    store = LocalStore(tmp_path, "eu")
    store.create("seal/key.json", b"the-index-key")
    path = tmp_path / "seal" / "key.json"
    linked = tmp_path / "seal" / ".key.json.tmp-0123"
    linked.hardlink_to(path)
    orphan = tmp_path / "seal" / ".key.json.tmp-4567"
    orphan.write_bytes(b"half-written")
    assert store.discard_partial("seal/") == 2
    assert path.read_bytes() == b"the-index-key"
    assert sorted(p.name for p in path.parent.iterdir()) == ["key.json"]


def test_reclaiming_partials_spares_a_create_between_link_and_cleanup(tmp_path, monkeypatch):
    """create() hard-links its temporary file into place and then unlinks it: for that
    moment the ``.tmp-`` name IS the object. Another process reclaiming partial writes then
    zeroed the object through it (found failing in a suite run: two vaults making the index
    key at once, one read back zeros). A live writer's file is never touched."""
    store = LocalStore(tmp_path, "eu")
    real_link = os.link
    reclaimed = []

    def link_then_another_process_reclaims(src, dst, *args, **kwargs):
        real_link(src, dst, *args, **kwargs)
        reclaimed.append(store.discard_partial("seal/"))

    monkeypatch.setattr(os, "link", link_then_another_process_reclaims)
    store.create("seal/key.json", b"the key")
    monkeypatch.undo()
    assert reclaimed == [0]
    assert get_bytes(store, "seal/key.json") == b"the key"
    assert sorted(p.name for p in (tmp_path / "seal").iterdir()) == ["key.json"]


@pytest.mark.parametrize("write", ["create", "writer"])
def test_a_reclaim_between_a_writer_s_open_and_its_lock_costs_the_writer_nothing(tmp_path, monkeypatch, write):
    """A writer creates its temporary file and then locks it: a reclaimer in between found it
    unlocked, took it for a killed writer's and unlinked it, and the writer's link or rename
    then failed with "No such file or directory" (found failing in CI: two workers saving one
    account's first policy at once, each reclaiming the other's partial writes first). The
    writer now checks, once locked, that its file still has its name, and starts again if not."""
    store = LocalStore(tmp_path, "eu")
    real_flock = fcntl.flock
    reclaimed = []

    def another_process_reclaims_first(fd, operation):
        if operation == fcntl.LOCK_EX and not reclaimed:  # the writer's own (blocking) lock
            reclaimed.append(store.discard_partial("accounts/acme/policy.json"))
        return real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", another_process_reclaims_first)
    if write == "create":
        store.create("accounts/acme/policy.json", b"the policy")
    else:
        with store.writer("accounts/acme/policy.json") as out:
            out.write(b"the policy")
    monkeypatch.undo()
    assert reclaimed == [1]  # the reclaim did happen, in the window
    assert get_bytes(store, "accounts/acme/policy.json") == b"the policy"
    assert sorted(p.name for p in (tmp_path / "accounts" / "acme").iterdir()) == ["policy.json"]


def test_reclaiming_partials_spares_a_write_in_progress(tmp_path):
    store = LocalStore(tmp_path, "eu")
    put_bytes(store, "data/r/audio", b"old")
    with store.writer("data/r/audio") as out:
        out.write(b"new, half")
        assert store.discard_partial("data/r/") == 0
        out.write(b" and the rest")
    assert get_bytes(store, "data/r/audio") == b"new, half and the rest"
    assert sorted(p.name for p in (tmp_path / "data" / "r").iterdir()) == ["audio"]



def test_listing_a_prefix_reads_only_the_directories_under_it(tmp_path, monkeypatch):
    """A deletion lists ``keys/<rid>/`` and ``data/<rid>/``: listing used to walk the whole
    region (every recording's files and the ever-growing audit trail) each time, so every
    deletion, and a sweep's, cost as much as the vault was large."""
    import vault.stores.local as local

    store = LocalStore(tmp_path, "eu")
    for name in ("keys/r1/audio.1-a.json", "keys/r1/metadata.1-b.json", "keys/r2/audio.1-c.json",
                 "data/r1/audio.1-a.enc", "audit/2026-01-01/e.json", "index/r1.json", "index/r2.json"):
        put_bytes(store, name, b"x")
    walked: list[str] = []
    real_walk = os.walk

    def spy(top, *args, **kwargs):
        for dirpath, dirs, files in real_walk(top, *args, **kwargs):
            walked.append(os.path.relpath(dirpath, tmp_path))
            yield dirpath, dirs, files

    monkeypatch.setattr(local.os, "walk", spy)
    assert list(store.names("keys/r1/")) == ["keys/r1/audio.1-a.json", "keys/r1/metadata.1-b.json"]
    assert list(store.names("keys/r1/audio.1-")) == ["keys/r1/audio.1-a.json"]
    assert list(store.names("index/")) == ["index/r1.json", "index/r2.json"]
    assert walked == ["keys/r1", "keys/r1", "index"]
    assert list(store.names("keys/r3/")) == [] and list(store.names("nothing/here")) == []
    assert walked == ["keys/r1", "keys/r1", "index"]
    assert list(store.names("ke")) == ["keys/r1/audio.1-a.json", "keys/r1/metadata.1-b.json",
                                       "keys/r2/audio.1-c.json"]


def test_a_deletion_racing_a_conditional_replace_is_never_undone(tmp_path, monkeypatch):
    """A re-wrap replaces a wrapped key only while it is the one it read (``replace_if``), so a
    key a re-redaction or a deletion destroyed never comes back. Locally the compare and the
    rename run under the directory's lock; a deletion that took no lock could shred the key
    between them, and the rename brought it back (the destroyed generation's key live again)."""
    import threading

    from vault.errors import ObjectChangedError

    store = LocalStore(tmp_path, "eu")
    put_bytes(store, "keys/r/audio.1-a.json", b"old-wrapped-key")
    _, version = store.read_versioned("keys/r/audio.1-a.json")
    writer = store.writer
    deleting: list[threading.Thread] = []

    def deleted_meanwhile(name):  # the deletion runs once the replace has compared, before its rename
        deleting.append(threading.Thread(target=store.delete, args=(name,)))
        deleting[0].start()
        deleting[0].join(0.5)  # done at once unless it waits for the replace
        return writer(name)

    monkeypatch.setattr(store, "writer", deleted_meanwhile)
    with contextlib.suppress(ObjectChangedError):
        store.replace_if("keys/r/audio.1-a.json", b"new-wrapped-key", version)
    deleting[0].join(10)
    assert not deleting[0].is_alive()
    assert list(store.names("keys/r/")) == []
