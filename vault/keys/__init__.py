"""Key providers: the region's key-encryption keys (KEKs) behind one small protocol."""

from vault.keys.base import KeyProvider

__all__ = ["KeyProvider"]
