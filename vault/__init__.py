"""Vault layer: envelope encryption, key providers, object stores, retention, access."""

from typing import Any

__all__ = ["RegionVault", "Vault"]


def __getattr__(name: str) -> Any:
    """``vault.RegionVault`` and ``vault.Vault`` load on first use, so importing a light
    module such as ``vault.errors`` (every CLI command does) does not load Tink."""
    if name == "RegionVault":
        from vault.regional import RegionVault
        return RegionVault
    if name == "Vault":
        from vault.vault import Vault
        return Vault
    raise AttributeError(f"module 'vault' has no attribute {name!r}")
