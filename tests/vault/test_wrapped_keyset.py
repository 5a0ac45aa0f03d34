"""WrappedKeyset: a region's small Tink keyset under its KEK in the key store (the index MAC
key and the secrets key are two of them)."""

from __future__ import annotations

import pytest
from tink import aead, mac

from vault.errors import DecryptionError
from vault.stores.base import get_bytes, put_bytes
from vault.wrapped_keyset import WrappedKeyset

aead.register()
mac.register()
NAME = "seal/test-key.json"


def _keyset(rv, *, name=NAME, template=mac.mac_key_templates.HMAC_SHA256_256BITTAG, purpose="test", region="eu"):
    return WrappedKeyset(region, rv.keys, rv.key_store, name=name, template=template, purpose=purpose, what="test key")


def test_made_once_whoever_asks(make_region):
    rv = make_region("eu")
    first, second = _keyset(rv), _keyset(rv)
    assert first.read() is None and first.version() is None
    wrapped = first.create()
    assert second.create() == wrapped  # the second uses the first's
    assert second.read() == wrapped and first.version() == "v1"
    tag = first.open(wrapped).primitive(mac.Mac).compute_mac(b"x")
    second.open(second.read()).primitive(mac.Mac).verify_mac(tag, b"x")


@pytest.mark.parametrize("other", [
    {"purpose": "another-purpose"},  # the associated data names the purpose
    {"region": "au"},  # ... and the region
    {"template": aead.aead_key_templates.AES256_GCM},  # a keyset of another kind is refused
])
def test_opens_only_as_the_keyset_it_was_made(make_region, other):
    rv = make_region("eu")
    wrapped = _keyset(rv).create()
    with pytest.raises(DecryptionError, match=r"^the test key of region (eu|au) cannot be opened$"):
        _keyset(rv, **other).open(wrapped)


def test_rewrap_moves_it_to_the_primary_version_and_keeps_it(make_region):
    rv = make_region("eu")
    keyset = _keyset(rv)
    assert keyset.rewrap() is False  # nothing made yet
    wrapped = keyset.create()
    tag = keyset.open(wrapped).primitive(mac.Mac).compute_mac(b"x")
    assert keyset.rewrap() is False  # already under the primary
    rv.keys.rotate()
    assert keyset.rewrap() is True and keyset.version() == "v2"
    keyset.open(keyset.read()).primitive(mac.Mac).verify_mac(tag, b"x")
    put_bytes(rv.key_store, NAME, get_bytes(rv.key_store, NAME).replace(b'"v2"', b'"v1"'))
    with pytest.raises(DecryptionError):  # wrapped by v2, claiming v1
        keyset.open(keyset.read())
