"""AWS KMS as key provider: one KMS key per version, an alias naming the primary.

``key_id`` is the region's alias (e.g. ``alias/callrec-eu``); a version is the ARN of the
KMS key the alias pointed to when the data key was wrapped. ``rotate()`` creates a new KMS
key tagged with the alias and moves the alias (tagging the key it moves from: one the operator
made stays a version); ``retire()`` schedules the old key's
deletion (KMS's minimum 7-day window). The KMS client must be bound to the AWS region that
serves this storage region, so no key material or request leaves it. The associated data
becomes the KMS encryption context, which KMS authenticates and CloudTrail records (it
holds ids only, never content).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from tink import aead

from callrec.errors import shown
from vault.errors import DecryptionError, KeyProviderError, KmsKeyMissingError, VaultInputError
from vault.regions import check_region

_TAG = "callrec-alias"
#: KMS refuses these on decrypt when the ciphertext, key or context is wrong.
_DECRYPT_REFUSALS = {
    "InvalidCiphertextException",
    "IncorrectKeyException",
    "NotFoundException",
    "DisabledException",
    "KMSInvalidStateException",
    "AccessDeniedException",
}
_DECRYPT_FAILED = "cannot decrypt: ciphertext or key is invalid"


class KmsKeyProvider:
    """A region's KEK in AWS KMS, reached through a boto3 KMS client for that region."""

    def __init__(self, client: Any, region: str, alias: str, *, create: bool = True):
        self.region = check_region(region)
        if not alias.startswith("alias/"):
            raise VaultInputError(f"KMS key {shown(alias)} must be an alias (alias/...) so it can rotate")
        self.key_id = alias
        self._client = client
        self._create = create

    def primary(self) -> tuple[str, aead.Aead]:
        arn = self._alias_target()
        if arn is None:
            if not self._create:
                raise KeyProviderError(f"KMS alias {self.key_id} does not exist in {self.region}")
            arn = self._new_key()
            self._call("create_alias", AliasName=self.key_id, TargetKeyId=arn)
        return arn, _KmsAead(self._client, arn)

    def current(self) -> str | None:
        return self._alias_target()

    def kek(self, version: str) -> aead.Aead:
        return _KmsAead(self._client, version)

    def versions(self) -> tuple[str, ...]:
        found: list[tuple[str, str]] = []
        for page in self._client.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                meta = self._call("describe_key", KeyId=key["KeyId"])["KeyMetadata"]
                if meta["KeyState"] in ("PendingDeletion", "PendingReplicaDeletion"):
                    continue
                tags = self._call("list_resource_tags", KeyId=key["KeyId"]).get("Tags", [])
                if {"TagKey": _TAG, "TagValue": self.key_id} in tags:
                    found.append((meta["CreationDate"].isoformat(), meta["Arn"]))
        primary = self._alias_target()
        if primary is not None and primary not in {arn for _, arn in found}:
            found.append(("~", primary))
        return tuple(arn for _, arn in sorted(found))

    def rotate(self) -> str:
        old = self._alias_target()
        if old is not None:  # a key the operator made (untagged) stays a version once the alias moves
            self._call("tag_resource", KeyId=old, Tags=[{"TagKey": _TAG, "TagValue": self.key_id}])
        arn = self._new_key()
        if old is None:
            self._call("create_alias", AliasName=self.key_id, TargetKeyId=arn)
        else:
            self._call("update_alias", AliasName=self.key_id, TargetKeyId=arn)
        return arn

    def retire(self, version: str) -> None:
        if version == self._alias_target():
            raise VaultInputError(f"key {self.key_id}: cannot retire the primary version {version}")
        key_id = self._call("describe_key", KeyId=version)["KeyMetadata"]["KeyId"]
        self._call("schedule_key_deletion", KeyId=key_id, PendingWindowInDays=7)

    def _new_key(self) -> str:
        meta = self._call(
            "create_key",
            Description=f"callrec key-encryption key ({self.region})",
            KeyUsage="ENCRYPT_DECRYPT",
            Tags=[{"TagKey": _TAG, "TagValue": self.key_id}],
        )["KeyMetadata"]
        return meta["Arn"]

    def _alias_target(self) -> str | None:
        try:
            return self._call("describe_key", KeyId=self.key_id)["KeyMetadata"]["Arn"]
        except KmsKeyMissingError:
            return None

    def _call(self, operation: str, **kwargs: Any) -> dict:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                raise KmsKeyMissingError from exc
            raise KeyProviderError(f"KMS {operation} failed in {self.region}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise KeyProviderError(f"KMS {operation} failed in {self.region}: {type(exc).__name__}") from exc


class _KmsAead(aead.Aead):
    """Tink Aead over KMS Encrypt/Decrypt; associated data is the encryption context."""

    def __init__(self, client: Any, key_arn: str):
        self._client = client
        self._key_arn = key_arn

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> bytes:
        try:
            return self._client.encrypt(
                KeyId=self._key_arn, Plaintext=plaintext, EncryptionContext=_context(associated_data)
            )["CiphertextBlob"]
        except ClientError as exc:
            raise KeyProviderError(f"KMS encrypt failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise KeyProviderError(f"KMS encrypt failed: {type(exc).__name__}") from exc

    def decrypt(self, ciphertext: bytes, associated_data: bytes) -> bytes:
        try:
            return self._client.decrypt(
                KeyId=self._key_arn, CiphertextBlob=ciphertext, EncryptionContext=_context(associated_data)
            )["Plaintext"]
        except ClientError as exc:
            if _code(exc) in _DECRYPT_REFUSALS or _code(exc).startswith("Validation"):
                raise DecryptionError(_DECRYPT_FAILED) from None
            raise KeyProviderError(f"KMS decrypt failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise KeyProviderError(f"KMS decrypt failed: {type(exc).__name__}") from exc


def _context(associated_data: bytes) -> dict[str, str]:
    return {"callrec": associated_data.decode("ascii")}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))
