"""Envelope encryption: a fresh Tink StreamingAead data key per artifact, wrapped by the KEK.

Content is encrypted with Tink's StreamingAead AES256_GCM_HKDF_1MB (segments of 1 MiB,
each authenticated; a per-stream key derived with HKDF from the data key and a random
salt; truncation and reordering detected), with the artifact's associated data. The data
key is a Tink keyset serialised encrypted under the region's KEK (Tink's
``serialize_encrypted``) with the artifact's key associated data; the KEK's id and version
are stored beside it in a ``WrappedKey``. Every failure to decrypt, whatever its cause,
raises ``DecryptionError`` with one message.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import tink
from tink import aead, streaming_aead

from vault.context import ArtifactRef
from vault.errors import DecryptionError, StoreError, VaultError
from vault.keys.base import KeyProvider

streaming_aead.register()

#: Tink's streaming template: AES-256-GCM, HKDF-SHA256 per-stream keys, 1 MiB segments.
TEMPLATE = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
#: Plaintext copied per write into the encrypting stream (one Tink segment).
CHUNK_BYTES = 1 << 20

_FAILED = "cannot decrypt: ciphertext or key is invalid"


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under a KEK version, with the KEK's id and version beside it."""

    key_id: str
    version: str
    ciphertext: bytes

    def encode(self) -> bytes:
        body = {
            "key_id": self.key_id,
            "version": self.version,
            "wrapped": base64.b64encode(self.ciphertext).decode("ascii"),
        }
        return json.dumps(body, sort_keys=True).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> WrappedKey:
        try:
            body = json.loads(data)
            return cls(body["key_id"], body["version"], base64.b64decode(body["wrapped"], validate=True))
        except (ValueError, KeyError, TypeError):
            raise DecryptionError(_FAILED) from None


def encrypt_stream(src: BinaryIO, dst: BinaryIO, keys: KeyProvider, ref: ArtifactRef,
                   on_wrapped: Callable[[WrappedKey], None] | None = None,
                   primary: tuple[str, aead.Aead] | None = None) -> WrappedKey:
    """Encrypt everything readable from ``src`` into ``dst`` under a fresh data key.

    ``dst`` is not closed. Returns the data key wrapped by the KEK's primary version (or by
    ``primary``, the version and KEK a caller resolved once for several artifacts), also
    given to ``on_wrapped`` before any ciphertext is written (to store it first).
    """
    handle = tink.new_keyset_handle(TEMPLATE)
    wrapped = wrap_data_key(handle, keys, ref, primary)
    if on_wrapped is not None:
        on_wrapped(wrapped)
    cipher = handle.primitive(streaming_aead.StreamingAead)
    sink = _Unclosable(dst, "store")
    try:
        with cipher.new_encrypting_stream(sink, ref.content_aad()) as enc:
            shutil.copyfileobj(src, enc, CHUNK_BYTES)
    except tink.TinkError as exc:
        raise sink.cause(exc) from exc
    return wrapped


def decrypt_stream(src: BinaryIO, dst: BinaryIO, wrapped: WrappedKey, keys: KeyProvider, ref: ArtifactRef) -> int:
    """Decrypt ``src`` into ``dst``; returns the plaintext length.

    Plaintext reaches ``dst`` segment by segment, each authenticated; a failure found in a
    later segment (or a truncated end) raises DecryptionError after earlier segments were
    written, so write ``dst`` to a temporary file and keep it only when this returns.
    """
    handle = unwrap_data_key(wrapped, keys, ref)
    source = _Unclosable(src, "read")
    try:
        cipher = handle.primitive(streaming_aead.StreamingAead)
        total = 0
        with cipher.new_decrypting_stream(source, ref.content_aad()) as dec:
            while block := dec.read(CHUNK_BYTES):
                dst.write(block)
                total += len(block)
        return total
    except tink.TinkError:
        if source.failure is not None:  # the store failed under Tink: say so, it may be transient
            raise source.cause(None) from source.failure
        raise DecryptionError(_FAILED) from None


def wrap_data_key(handle: tink.KeysetHandle, keys: KeyProvider, ref: ArtifactRef,
                  primary: tuple[str, aead.Aead] | None = None) -> WrappedKey:
    """Encrypt a data-key keyset under the KEK's primary version (or ``primary``: a version and
    its KEK resolved by the caller), bound to ``ref``."""
    version, kek = keys.primary() if primary is None else primary
    blob = tink.proto_keyset_format.serialize_encrypted(handle, kek, ref.key_aad())
    return WrappedKey(keys.key_id, version, blob)


def unwrap_data_key(wrapped: WrappedKey, keys: KeyProvider, ref: ArtifactRef) -> tink.KeysetHandle:
    """The data-key keyset of ``wrapped``; DecryptionError for any failure."""
    if wrapped.key_id != keys.key_id:
        raise DecryptionError(_FAILED)
    try:
        kek = keys.kek(wrapped.version)
        handle = tink.proto_keyset_format.parse_encrypted(wrapped.ciphertext, kek, ref.key_aad())
        if handle.keyset_info().key_info[0].type_url != TEMPLATE.type_url:
            raise DecryptionError(_FAILED)
        return handle
    except (tink.TinkError, DecryptionError):
        raise DecryptionError(_FAILED) from None


def rewrap(wrapped: WrappedKey, keys: KeyProvider, ref: ArtifactRef,
           primary: tuple[str, aead.Aead] | None = None) -> WrappedKey:
    """The same data key wrapped by the KEK's primary version (or ``primary``, as
    ``wrap_data_key``; content is not touched)."""
    return wrap_data_key(unwrap_data_key(wrapped, keys, ref), keys, ref, primary)


class _Unclosable(io.RawIOBase):
    """Lets Tink close its stream without closing ours (the store commits on its own exit).

    Tink turns an exception raised by our stream into a TinkError that names nothing; the
    stream keeps the original (a full disk, a store error) so ``cause`` can report it."""

    def __init__(self, inner: BinaryIO, doing: str):
        self._inner = inner
        self._doing = doing
        self.failure: BaseException | None = None

    def cause(self, tink_error: Exception | None) -> BaseException:
        """The error to raise for a TinkError seen while Tink used this stream."""
        failure = self.failure
        if isinstance(failure, VaultError) or (failure is not None and not isinstance(failure, Exception)):
            return failure  # a store error, or an interrupt (time limit, Ctrl-C) as it was
        if isinstance(failure, OSError):
            return StoreError(f"cannot {self._doing} the ciphertext ({failure.strerror or type(failure).__name__})")
        if failure is not None:
            return StoreError(f"cannot {self._doing} the ciphertext ({type(failure).__name__})")
        return VaultError(f"encryption failed ({type(tink_error).__name__})")

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except BaseException as exc:
            self.failure = exc
            raise
        if not data:
            return 0
        buffer[: len(data)] = data
        return len(data)

    def write(self, data) -> int:  # type: ignore[override]
        try:
            self._inner.write(data)
        except BaseException as exc:
            self.failure = exc
            raise
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.flush()
            except BaseException as exc:
                self.failure = exc
                raise
        super().close()
