"""Object stores: one per region, behind one small protocol."""

from vault.stores.base import ObjectStore, get_bytes, put_bytes

__all__ = ["ObjectStore", "get_bytes", "put_bytes"]
