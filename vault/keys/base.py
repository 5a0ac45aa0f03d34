"""The key-provider protocol: a region's key-encryption key, in versions.

A provider hands out Tink ``Aead`` primitives, never raw key bytes: the envelope code
wraps a recording's data key with ``primary()`` and unwraps it with ``kek(version)``.
"""

from __future__ import annotations

from typing import Protocol

from tink import aead


class KeyProvider(Protocol):
    """A region's KEK with versions; rotation makes a new primary version."""

    #: The region whose keys these are; a provider never serves another region.
    region: str
    #: Stable name of the key (e.g. ``local:eu`` or a KMS alias), stored beside wrapped keys.
    key_id: str

    def primary(self) -> tuple[str, aead.Aead]:
        """The current version and its Aead; new data keys are wrapped with it."""
        ...

    def current(self) -> str | None:
        """The primary version, or None when the region has no key yet; creates nothing."""
        ...

    def kek(self, version: str) -> aead.Aead:
        """The Aead of ``version``; DecryptionError when it does not exist (or is retired)."""
        ...

    def versions(self) -> tuple[str, ...]:
        """Every live version, oldest first (the primary is among them); creates nothing."""
        ...

    def rotate(self) -> str:
        """Make a new primary version and return it; older versions stay for unwrapping."""
        ...

    def retire(self, version: str) -> None:
        """Destroy ``version`` (never the primary); the caller checks that nothing uses it."""
        ...
