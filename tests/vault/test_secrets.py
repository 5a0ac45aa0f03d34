"""SecretBox: small secrets under Tink AEAD, its key wrapped by the region's KEK in the key
store, and kept through KEK rotation and retirement."""

from __future__ import annotations

import pytest

from vault.errors import DecryptionError
from vault.secrets import KEY_NAME
from vault.stores.base import get_bytes

SECRET = b"whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
AAD = b"webhook-secret\x00we_0123456789abcdef\x00acme"


def test_a_secret_comes_back_only_with_its_associated_data(make_region):
    box = make_region("eu").secrets
    sealed = box.encrypt(SECRET, AAD)
    assert SECRET not in sealed and len(sealed) == len(SECRET) + 5 + 12 + 16  # Tink prefix, nonce, tag
    assert box.encrypt(SECRET, AAD) != sealed  # a fresh nonce each time
    assert box.decrypt(sealed, AAD) == SECRET
    with pytest.raises(DecryptionError, match="a secret of region eu cannot be decrypted") as caught:
        box.decrypt(sealed, AAD.replace(b"acme", b"globex"))  # moved to another owner
    assert SECRET.decode() not in str(caught.value)
    with pytest.raises(DecryptionError):
        box.decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), AAD)


def test_its_key_lives_wrapped_in_the_key_store_and_is_made_once(make_region):
    rv = make_region("eu")
    assert rv.secrets.key_version() is None
    with pytest.raises(DecryptionError):
        rv.secrets.decrypt(b"x" * 40, AAD)  # nothing was ever encrypted: no key is made
    assert rv.secrets.key_version() is None
    sealed = rv.secrets.encrypt(SECRET, AAD)
    stored = get_bytes(rv.key_store, KEY_NAME)
    assert b'"version": "v1"' in stored and list(rv.store.names("seal/")) == []
    again = type(rv.secrets)("eu", rv.keys, rv.key_store)  # another process
    assert again.decrypt(sealed, AAD) == SECRET and get_bytes(rv.key_store, KEY_NAME) == stored


def test_rotation_and_retirement_keep_every_secret(make_region):
    rv = make_region("eu")
    sealed = rv.secrets.encrypt(SECRET, AAD)
    rv.keys.rotate()
    assert rv.retire_unused() == ("v1",)  # nothing else used v1: the box's key moved to v2 first
    assert rv.secrets.key_version() == "v2" and rv.keys.versions() == ("v2",)
    fresh = type(rv.secrets)("eu", rv.keys, rv.key_store)
    assert fresh.decrypt(sealed, AAD) == SECRET
