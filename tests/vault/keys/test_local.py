"""The local keyring: created on first use, 0600, one key per region, versions."""

from __future__ import annotations

import json
import stat

import pytest

from vault.errors import DecryptionError, KeyProviderError, VaultInputError
from vault.keys.local import LocalKeyring


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_on_first_use_with_private_modes(tmp_path):
    ring = LocalKeyring(tmp_path / "keys", "au")
    assert not ring.path.exists()
    version, kek = ring.primary()
    assert version == "v1"
    assert mode(ring.path) == 0o600
    assert mode(ring.path.parent) == 0o700
    assert kek.decrypt(kek.encrypt(b"k", b"ad"), b"ad") == b"k"


def test_one_key_per_region(tmp_path):
    eu = LocalKeyring(tmp_path, "eu")
    us = LocalKeyring(tmp_path, "us")
    blob = eu.primary()[1].encrypt(b"data key", b"ad")
    with pytest.raises(Exception):
        us.primary()[1].decrypt(blob, b"ad")
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["eu.json", "us.json"]
    assert json.loads(eu.path.read_text())["region"] == "eu"


def test_survives_a_new_instance(tmp_path):
    blob = LocalKeyring(tmp_path, "eu").primary()[1].encrypt(b"x", b"ad")
    assert LocalKeyring(tmp_path, "eu").kek("v1").decrypt(blob, b"ad") == b"x"


def test_rotation_and_retirement(tmp_path):
    ring = LocalKeyring(tmp_path, "eu")
    old = ring.primary()[1].encrypt(b"x", b"ad")
    assert ring.rotate() == "v2"
    assert ring.primary()[0] == "v2"
    assert ring.versions() == ("v1", "v2")
    assert ring.kek("v1").decrypt(old, b"ad") == b"x"
    with pytest.raises(VaultInputError, match="primary"):
        ring.retire("v2")
    ring.retire("v1")
    assert ring.versions() == ("v2",)
    with pytest.raises(DecryptionError):
        ring.kek("v1")
    assert mode(ring.path) == 0o600


def test_corrupt_file_is_reported(tmp_path):
    ring = LocalKeyring(tmp_path, "eu")
    ring.primary()
    ring.path.write_text("{broken")
    with pytest.raises(KeyProviderError, match="corrupt"):
        LocalKeyring(tmp_path, "eu").primary()


def test_unknown_region_refused(tmp_path):
    with pytest.raises(VaultInputError, match="'mars'"):
        LocalKeyring(tmp_path, "mars")


def test_a_rotation_killed_mid_write_leaves_no_copy_of_the_keys_once_the_keyring_is_written_again(tmp_path):
    """Found by the session-48 audit: a `keys rotate` killed while writing the keyring left
    its temporary file, a whole plaintext copy of every key-encryption key, beside the keyring
    for good; a version retired later lived on in it. Every write happens under the keyring's
    lock, so the next one removes what a dead writer left."""
    import contextlib
    import os

    import vault.keys.local as local

    ring = LocalKeyring(tmp_path, "eu")
    ring.primary()
    pid = os.fork()
    if pid == 0:  # the rotation that gets killed after its temporary file is written
        try:
            @contextlib.contextmanager
            def dies_after_writing(target):
                path = target.with_name(f".{target.name}.killed.tmp")
                with open(path, "wb") as out:
                    yield out
                os._exit(0)

            local.replaced = dies_after_writing
            LocalKeyring(tmp_path, "eu").rotate()
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [p.name for p in tmp_path.glob(".eu.json.*.tmp")] == [".eu.json.killed.tmp"]
    assert ring.rotate() == "v2"
    ring.retire("v1")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert ring.versions() == ("v2",)
