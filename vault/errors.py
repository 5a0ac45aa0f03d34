"""Errors of the vault layer (under ``callrec.errors.CallrecError``)."""

from callrec.errors import CallrecError


class VaultError(CallrecError):
    """Raised when the vault cannot complete an operation (may be transient)."""


class VaultInputError(VaultError):
    """Raised when a request to the vault is bad: unknown id, region, principal (not retried)."""

    permanent = True


class DecryptionError(VaultError):
    """Raised when a ciphertext or wrapped key cannot be decrypted, for any reason at all.

    Tampering, truncation, reordered chunks, the wrong associated data, the wrong key and a
    missing key all raise this one class with the same message, so a caller learns nothing
    about which check failed.
    """

    permanent = True


class KeyUnavailableError(DecryptionError):
    """Raised when a region's own service key (the index MAC key, the secrets key) cannot be
    opened: its KEK version retired or destroyed, the keyset altered. A server-side key problem,
    not bad input (HTTP ``503``, CLI exit 1), and no retry fixes it until an operator does
    (a job fails and waits for ``callrec jobs retry``); still a DecryptionError to whoever
    handles those."""

    permanent = False
    retryable = False


class UnsupportedKeyError(VaultError):
    """Raised when a data key is not of the template vault.segments reads (AES256_GCM_HKDF_*):
    the artifact is then decrypted whole, from the start, by Tink (not an error to report)."""


class IndexCorruptError(VaultError):
    """Raised when an index entry cannot be decoded or does not verify (not retried)."""

    permanent = True


class IndexTamperedError(IndexCorruptError):
    """Raised when an index entry does not verify: altered, moved or not written by this vault."""


class AuditTamperedError(IndexCorruptError):
    """Raised when a recording's audit trail holds an event that does not verify: altered,
    moved, or not written by this vault (not retried)."""


class PolicyTamperedError(VaultInputError):
    """Raised when a stored retention policy does not verify: altered, moved, stripped of its MAC
    once the region's policies are sealed, or not written by this vault (not retried)."""


class MigrationNeededError(VaultError):
    """Raised when stored data predates the vault's layout; an operator must migrate it."""

    permanent = True


class ObjectMissingError(VaultInputError):
    """Raised when an object, recording or key asked for does not exist in the region."""


class ObjectExistsError(VaultInputError):
    """Raised when a create-only write finds the object there already (another writer won)."""


class ObjectChangedError(VaultError):
    """Raised when a compare-and-swap write finds the object changed or gone since it was read."""


class AccessDeniedError(VaultInputError):
    """Raised when a principal may not access a recording (the refusal is audited)."""


class RecordingDeletedError(AccessDeniedError):
    """Raised when what was asked for is gone with its deleted recording (the refusal is
    audited): no one may have it, whoever asks (HTTP ``410``)."""


class RangeNotSatisfiableError(VaultInputError):
    """Raised when a byte range asked of a recording's audio starts past its end: no byte is
    exported (the refusal is audited); ``size_bytes`` is the audio's length, for a ``416``."""

    def __init__(self, message: str, size_bytes: int) -> None:
        super().__init__(message)
        self.size_bytes = size_bytes


class StoreLocationError(VaultInputError):
    """Raised when a region's bucket lies in another AWS region than the one serving that region
    (nothing of a recording may leave its region): no write goes there (not retried)."""


class StoreError(VaultError):
    """Raised when an object store fails (I/O, network, service); may be transient."""


class KeyProviderError(VaultError):
    """Raised when a key provider fails (keyring file, KMS); may be transient."""


class KmsKeyMissingError(KeyProviderError):
    """Raised when a KMS key or alias does not exist (the provider then creates it)."""
