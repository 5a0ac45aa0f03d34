"""The object-store contract, run against the local store and the S3 server alike."""

from __future__ import annotations

import os

import pytest

from vault.errors import ObjectChangedError, ObjectExistsError, ObjectMissingError
from vault.stores.base import get_bytes, put_bytes


class Boom(Exception):
    pass


def test_round_trip_and_replace(make_store):
    store = make_store("eu")
    put_bytes(store, "data/r1/audio.1.enc", b"one")
    put_bytes(store, "data/r1/audio.1.enc", b"two")
    assert get_bytes(store, "data/r1/audio.1.enc") == b"two"


def test_large_object_streams(make_store):
    store = make_store("eu")
    blob = os.urandom(9 << 20)  # past the S3 writer's in-memory spool
    with store.writer("big") as out:
        for i in range(0, len(blob), 1 << 20):
            out.write(blob[i : i + (1 << 20)])
    with store.reader("big") as src:
        assert src.read(3) == blob[:3]
        assert src.read() == blob[3:]


def test_missing_object(make_store):
    with pytest.raises(ObjectMissingError, match="has no object nothing/here"):
        get_bytes(make_store("eu"), "nothing/here")


def test_names_by_prefix_sorted(make_store):
    store = make_store("au")
    for name in ["index/b.json", "index/a.json", "keys/a/audio.1.json"]:
        put_bytes(store, name, b"x")
    assert list(store.names("index/")) == ["index/a.json", "index/b.json"]
    assert list(store.names("")) == ["index/a.json", "index/b.json", "keys/a/audio.1.json"]


def test_error_mid_write_leaves_nothing(make_store):
    store = make_store("eu")
    with pytest.raises(Boom):
        with store.writer("data/r/audio.1.enc") as out:
            out.write(b"partial ciphertext" * 1000)
            raise Boom
    assert list(store.names("")) == []
    with pytest.raises(ObjectMissingError):
        get_bytes(store, "data/r/audio.1.enc")


def test_error_mid_replace_keeps_the_old_object(make_store):
    store = make_store("eu")
    put_bytes(store, "k", b"old")
    with pytest.raises(Boom):
        with store.writer("k") as out:
            out.write(b"new")
            raise Boom
    assert get_bytes(store, "k") == b"old"


def test_delete_is_idempotent_and_exact(make_store):
    store = make_store("us")
    put_bytes(store, "keys/r/audio.1.json", b"k")
    put_bytes(store, "keys/r/audio.1.json.bak", b"other")
    store.delete("keys/r/audio.1.json")
    store.delete("keys/r/audio.1.json")
    assert list(store.names("keys/")) == ["keys/r/audio.1.json.bak"]


def test_create_writes_only_a_new_name(make_store):
    store = make_store("eu")
    store.create("index/r1.json", b"first")
    with pytest.raises(ObjectExistsError, match="has an object index/r1.json already"):
        store.create("index/r1.json", b"second")
    assert get_bytes(store, "index/r1.json") == b"first"
    assert list(store.names("")) == ["index/r1.json"]  # no temporary left


def test_of_many_racing_creates_exactly_one_wins(make_store):
    from concurrent.futures import ThreadPoolExecutor

    store = make_store("eu")

    def create(i: int) -> int | None:
        try:
            store.create("index/r2.json", str(i).encode())
            return i
        except ObjectExistsError:
            return None

    with ThreadPoolExecutor(8) as pool:
        winners = [w for w in pool.map(create, range(8)) if w is not None]
    assert len(winners) == 1 and get_bytes(store, "index/r2.json") == str(winners[0]).encode()


def test_replace_if_writes_only_over_the_version_read(make_store):
    store = make_store("eu")
    put_bytes(store, "index/r3.json", b"first")
    data, version = store.read_versioned("index/r3.json")
    assert data == b"first"
    store.replace_if("index/r3.json", b"second", version)
    assert get_bytes(store, "index/r3.json") == b"second"
    with pytest.raises(ObjectChangedError, match="index/r3.json changed since it was read"):
        store.replace_if("index/r3.json", b"third", version)  # the version read is gone
    data, last = store.read_versioned("index/r3.json")
    assert data == b"second"
    store.delete("index/r3.json")
    with pytest.raises(ObjectChangedError):
        store.replace_if("index/r3.json", b"fourth", last)  # gone: not even its last version matches
    assert list(store.names("")) == []  # nothing brought back, no temporary left
    with pytest.raises(ObjectMissingError):
        store.read_versioned("index/r3.json")


def test_of_many_racing_replace_ifs_exactly_one_wins(make_store):
    from concurrent.futures import ThreadPoolExecutor

    store = make_store("eu")
    put_bytes(store, "index/r4.json", b"start")
    _, version = store.read_versioned("index/r4.json")

    def update(i: int) -> int | None:
        try:
            store.replace_if("index/r4.json", str(i).encode(), version)
            return i
        except ObjectChangedError:
            return None

    with ThreadPoolExecutor(8) as pool:
        winners = [w for w in pool.map(update, range(8)) if w is not None]
    assert len(winners) == 1 and get_bytes(store, "index/r4.json") == str(winners[0]).encode()


def test_a_range_of_an_object_and_its_size(make_store):
    store = make_store("us")
    data = os.urandom(3 * (1 << 20) + 17)
    put_bytes(store, "data/r/audio.1.enc", data)
    for start, length in [(0, 40), (1 << 20, 1 << 20), (len(data) - 17, 17), (len(data) - 5, 100), (7, 0)]:
        assert store.read_range("data/r/audio.1.enc", start, length) == (data[start:start + length], len(data))
    assert store.read_range("data/r/audio.1.enc", len(data), 10) == (b"", len(data))  # from its end
    put_bytes(store, "data/r/empty.enc", b"")
    assert store.read_range("data/r/empty.enc", 0, 40) == (b"", 0)
    with pytest.raises(ObjectMissingError):
        store.read_range("data/r/nothing.enc", 0, 40)
