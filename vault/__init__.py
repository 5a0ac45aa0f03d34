"""Vault layer: envelope encryption, key providers, object stores, retention, access."""
