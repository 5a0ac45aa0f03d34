"""Vault layer: envelope encryption, key providers, object stores, retention, access."""

from vault.regional import RegionVault
from vault.vault import Vault

__all__ = ["RegionVault", "Vault"]
