"""Small service secrets (webhook signing secrets) encrypted with Tink AEAD under a region's key.

Whatever keeps such a secret (Redis, for webhooks) keeps only its ciphertext: Tink's
AES256_GCM with associated data naming what the secret is and whose, so a ciphertext copied
to another owner does not decrypt. The box's key is a Tink keyset encrypted under the
region's KEK and stored in the key store (``seal/secrets-aead.json``, beside the index MAC
key), never beside the ciphertexts; it is made on the first encryption and re-wrapped under
the KEK's primary version before older versions are retired (``RegionVault.retire_unused``),
so rotating the KEK never loses a secret.
"""

from __future__ import annotations

import json

import tink
from tink import aead

from vault.envelope import WrappedKey
from vault.errors import DecryptionError, ObjectExistsError, ObjectMissingError, StoreError
from vault.keys.base import KeyProvider
from vault.stores.base import ObjectStore, get_bytes, put_bytes

aead.register()

#: Tink's AES-256-GCM.
TEMPLATE = aead.aead_key_templates.AES256_GCM
#: Where the region's wrapped secrets key lives in the key store.
KEY_NAME = "seal/secrets-aead.json"


class SecretBox:
    """Encrypts and decrypts one region's small secrets."""

    def __init__(self, region: str, keys: KeyProvider, key_store: ObjectStore) -> None:
        self.region = region
        self._keys = keys
        self._key_store = key_store
        self._aead: aead.Aead | None = None

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        """``plaintext`` encrypted; ``associated_data`` (what and whose) must match to decrypt."""
        return self._primitive(create=True).encrypt(plaintext, associated_data)

    def decrypt(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        """The plaintext; DecryptionError (naming nothing of it) when anything does not match."""
        primitive = self._primitive(create=False)
        try:
            if primitive is None:
                raise tink.TinkError("no key")
            return primitive.decrypt(ciphertext, associated_data)
        except tink.TinkError:
            raise DecryptionError(f"a secret of region {self.region} cannot be decrypted") from None

    def key_version(self) -> str | None:
        """The KEK version wrapping the box's key (None before the first encryption)."""
        wrapped = self._read_key()
        return None if wrapped is None else wrapped.version

    def rewrap(self) -> bool:
        """Re-wrap the box's key under the KEK's primary version; True when it changed."""
        wrapped = self._read_key()
        primary, kek = self._keys.primary()
        if wrapped is None or wrapped.version == primary:
            return False
        handle = self._unwrap(wrapped)
        blob = tink.proto_keyset_format.serialize_encrypted(handle, kek, self._aad())
        put_bytes(self._key_store, KEY_NAME, WrappedKey(self._keys.key_id, primary, blob).encode())
        return True

    def _primitive(self, *, create: bool) -> aead.Aead | None:
        if self._aead is None:
            wrapped = self._read_key()
            if wrapped is None:
                if not create:
                    return None
                wrapped = self._new_key()
            self._aead = self._unwrap(wrapped).primitive(aead.Aead)
        return self._aead

    def _new_key(self) -> WrappedKey:
        handle = tink.new_keyset_handle(TEMPLATE)
        version, kek = self._keys.primary()
        blob = tink.proto_keyset_format.serialize_encrypted(handle, kek, self._aad())
        try:
            self._key_store.create(KEY_NAME, WrappedKey(self._keys.key_id, version, blob).encode())
        except ObjectExistsError:
            pass  # another process made it first: use theirs
        except StoreError:
            if self._read_key() is None:
                raise
        wrapped = self._read_key()
        assert wrapped is not None
        return wrapped

    def _read_key(self) -> WrappedKey | None:
        try:
            return WrappedKey.decode(get_bytes(self._key_store, KEY_NAME))
        except ObjectMissingError:
            return None

    def _unwrap(self, wrapped: WrappedKey) -> tink.KeysetHandle:
        try:
            if wrapped.key_id != self._keys.key_id:
                raise DecryptionError("wrong key")
            kek = self._keys.kek(wrapped.version)
            handle = tink.proto_keyset_format.parse_encrypted(wrapped.ciphertext, kek, self._aad())
            if handle.keyset_info().key_info[0].type_url != TEMPLATE.type_url:
                raise DecryptionError("wrong key type")
            return handle
        except (tink.TinkError, DecryptionError):
            raise DecryptionError(f"the secrets key of region {self.region} cannot be opened") from None

    def _aad(self) -> bytes:
        return json.dumps(["callrec/v1", "secrets-aead", self.region]).encode("ascii")
