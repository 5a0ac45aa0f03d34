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

import tink
from tink import aead

from vault.errors import DecryptionError
from vault.keys.base import KeyProvider
from vault.stores.base import ObjectStore
from vault.wrapped_keyset import WrappedKeyset

aead.register()

#: Tink's AES-256-GCM.
TEMPLATE = aead.aead_key_templates.AES256_GCM
#: Where the region's wrapped secrets key lives in the key store.
KEY_NAME = "seal/secrets-aead.json"


class SecretBox:
    """Encrypts and decrypts one region's small secrets."""

    def __init__(self, region: str, keys: KeyProvider, key_store: ObjectStore) -> None:
        self.region = region
        self._keyset = WrappedKeyset(region, keys, key_store, name=KEY_NAME, template=TEMPLATE,
                                     purpose="secrets-aead", what="secrets key")
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
        return self._keyset.version()

    def rewrap(self) -> bool:
        """Re-wrap the box's key under the KEK's primary version; True when it changed."""
        return self._keyset.rewrap()

    def _primitive(self, *, create: bool) -> aead.Aead | None:
        if self._aead is None:
            wrapped = self._keyset.read()
            if wrapped is None:
                if not create:
                    return None
                wrapped = self._keyset.create()
            self._aead = self._keyset.open(wrapped).primitive(aead.Aead)
        return self._aead
