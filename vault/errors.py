"""Errors of the vault layer."""


class VaultError(Exception):
    """Raised when the vault cannot complete an operation (may be transient)."""

    #: Permanent errors are bad input: retrying cannot help (CLI exit 2, no queue retry).
    permanent = False


class VaultInputError(VaultError):
    """Raised when a request to the vault is bad: unknown id, region, principal (not retried)."""

    permanent = True
