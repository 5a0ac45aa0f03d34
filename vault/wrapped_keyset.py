"""A region's small service key: a Tink keyset encrypted under the region's KEK, in the key store.

The index MAC key (``seal``) and the secrets key (``secrets``) are such keysets. Each is made
on first use with a create-only write, so two processes making it at once agree on one; it
is opened with associated data naming its purpose and region (a keyset copied to another
name or region does not open); and it is re-wrapped under the KEK's primary version before
older versions are retired, so rotating the KEK never loses it.
"""

from __future__ import annotations

import json

import tink
from tink.proto import tink_pb2

from vault.envelope import WrappedKey
from vault.errors import DecryptionError, KeyUnavailableError, ObjectExistsError, ObjectMissingError, StoreError
from vault.keys.base import KeyProvider
from vault.stores.base import ObjectStore, get_bytes, put_bytes


class WrappedKeyset:
    """One region's keyset of ``template`` under ``name`` in ``key_store``, for ``purpose``."""

    def __init__(self, region: str, keys: KeyProvider, key_store: ObjectStore, *, name: str,
                 template: tink_pb2.KeyTemplate, purpose: str, what: str) -> None:
        self.region = region
        self.name = name
        self._keys = keys
        self._key_store = key_store
        self._template = template
        self._purpose = purpose
        self._what = what  # for errors: "index key", "secrets key"

    def read(self) -> WrappedKey | None:
        """The stored wrapped keyset, or None before it was made."""
        try:
            return WrappedKey.decode(get_bytes(self._key_store, self.name))
        except ObjectMissingError:
            return None

    def version(self) -> str | None:
        """The KEK version wrapping the keyset (None before it was made)."""
        wrapped = self.read()
        return None if wrapped is None else wrapped.version

    def create(self) -> WrappedKey:
        """Make the keyset unless another process did."""
        handle = tink.new_keyset_handle(self._template)
        version, kek = self._keys.primary()
        blob = tink.proto_keyset_format.serialize_encrypted(handle, kek, self._aad())
        try:
            self._key_store.create(self.name, WrappedKey(self._keys.key_id, version, blob).encode())
        except ObjectExistsError:
            pass  # another process made it first: use theirs
        except StoreError:
            if self.read() is None:
                raise
            # another process made it (and may have reclaimed our half-written copy): use theirs
        wrapped = self.read()
        assert wrapped is not None
        return wrapped

    def open(self, wrapped: WrappedKey) -> tink.KeysetHandle:
        """The keyset; KeyUnavailableError when it is not this region's keyset of this kind, or its
        KEK version is gone."""
        try:
            if wrapped.key_id != self._keys.key_id:
                raise DecryptionError("wrong key")
            kek = self._keys.kek(wrapped.version)
            handle = tink.proto_keyset_format.parse_encrypted(wrapped.ciphertext, kek, self._aad())
            if handle.keyset_info().key_info[0].type_url != self._template.type_url:
                raise DecryptionError("wrong key type")
            return handle
        except (tink.TinkError, DecryptionError):
            raise KeyUnavailableError(f"the {self._what} of region {self.region} cannot be opened") from None

    def rewrap(self) -> bool:
        """Re-wrap the keyset under the KEK's primary version; True when it changed."""
        wrapped = self.read()
        primary, kek = self._keys.primary()
        if wrapped is None or wrapped.version == primary:
            return False
        handle = self.open(wrapped)
        blob = tink.proto_keyset_format.serialize_encrypted(handle, kek, self._aad())
        put_bytes(self._key_store, self.name, WrappedKey(self._keys.key_id, primary, blob).encode())
        return True

    def _aad(self) -> bytes:
        return json.dumps(["callrec/v1", self._purpose, self.region]).encode("ascii")
