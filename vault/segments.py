"""A range of a stored artifact, decrypted from the ciphertext segments that hold it only.

The vault encrypts content with Tink's StreamingAead AES256_GCM_HKDF_1MB (vault.envelope), a
segmented construction whose wire format Tink publishes
(developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming):

    header     header length (1 byte: 40) || salt (32 bytes) || nonce prefix (7 bytes)
    key        HKDF-SHA256(data key, salt, info = the artifact's associated data), 32 bytes
    segment i  AES-256-GCM(key, nonce = nonce prefix || i (4 bytes, big-endian) || last (1 byte))

Ciphertext segments are 1 MiB (the first one shorter by the header), each with its 16-byte
tag. A segment decrypts only at its own position (its index is in its nonce) and with its own
last-segment flag, so a segment moved, an object cut at a segment boundary or extended, and a
header altered all fail to decrypt. That is what lets a range be served by decrypting only the
segments it covers: Tink's C++ and Java libraries offer exactly this (random-access
decryption), its Python binding only decryption from the start. So this module reads the same
format with ``cryptography``'s HKDF and AES-GCM, segment by segment: it never writes (the
vault encrypts with Tink alone), and tests/vault/test_segments.py checks it against Tink's own
decryption (every size around the segment boundaries) and against moved, cut and altered
segments.

A read also decrypts the last segment when the range does not reach it, first: the plaintext
length (``Content-Range``'s total) comes from the ciphertext's length, which only the last
segment's flag authenticates. So a range costs the segments it covers plus at most one (the
first and last segments' plaintext is kept for the reader's life: a sniff of the format and
the length check cost nothing more).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import tink
import tink.secret_key_access
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

from vault.errors import DecryptionError, UnsupportedKeyError

#: Tink's AES-GCM-HKDF streaming header: its length byte, a 32-byte salt, a 7-byte nonce prefix.
HEADER_BYTES = 1 + 32 + 7
#: AES-GCM's tag, at the end of every segment.
TAG_BYTES = 16
_TYPE_URL = "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey"
_FAILED = "cannot decrypt: ciphertext or key is invalid"

#: Reads ``length`` bytes of the ciphertext from ``start``; returns them and the ciphertext's size.
ReadAt = Callable[[int, int], tuple[bytes, int]]


class SegmentedCiphertext:
    """One stored artifact's ciphertext, read a plaintext range at a time."""

    def __init__(self, handle: tink.KeysetHandle, associated_data: bytes, read_at: ReadAt) -> None:
        key = _streaming_key(handle)
        self.segment_bytes = key.params.ciphertext_segment_size
        self._read_at = read_at
        header, self.ciphertext_bytes = read_at(0, HEADER_BYTES)
        if len(header) != HEADER_BYTES or header[0] != HEADER_BYTES:
            raise DecryptionError(_FAILED)
        salt, self._nonce_prefix = header[1:33], header[33:HEADER_BYTES]
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=associated_data).derive(key.key_value)
        self._aead = AESGCM(derived)
        self.segments = max(1, -(-self.ciphertext_bytes // self.segment_bytes))
        last_bytes = self.ciphertext_bytes - (self.segments - 1) * self.segment_bytes
        if self.ciphertext_bytes < HEADER_BYTES + TAG_BYTES or last_bytes < TAG_BYTES:
            raise DecryptionError(_FAILED)  # cut inside a tag: no segment can hold it
        #: The plaintext's length (authenticated once the last segment was decrypted).
        self.plaintext_bytes = self.ciphertext_bytes - HEADER_BYTES - TAG_BYTES * self.segments
        #: Segments decrypted so far (each costs one segment's read and AES-GCM).
        self.decrypted = 0
        self._kept: dict[int, bytes] = {}  # the first and last segments' plaintext, once decrypted
        self._first_plain = self.segment_bytes - HEADER_BYTES - TAG_BYTES
        self._plain = self.segment_bytes - TAG_BYTES

    def read(self, start: int, stop: int) -> bytes:
        """Plaintext bytes ``[start, stop)`` (clamped to the plaintext), every segment they
        touch authenticated, and the last segment too. DecryptionError for any failure."""
        return b"".join(self.chunks(start, stop))

    def check_length(self) -> int:
        """The plaintext's length, authenticated (its last segment decrypted, and kept)."""
        self._segment(self.segments - 1)
        return self.plaintext_bytes

    def chunks(self, start: int, stop: int) -> Iterator[bytes]:
        """Plaintext bytes ``[start, stop)`` (clamped) one segment's worth at a time: memory
        stays at a segment whatever the range. The last segment is decrypted first, so the
        length is authenticated before anything is handed out; a later segment that does not
        decrypt raises DecryptionError where it is reached."""
        self.check_length()
        start, stop = max(0, start), min(stop, self.plaintext_bytes)
        if start >= stop:
            return
        for index in range(self._segment_of(start), self._segment_of(stop - 1) + 1):
            offset = self._plain_start(index)
            yield self._segment(index)[max(0, start - offset):stop - offset]

    def reader(self) -> PlaintextReader:
        """The plaintext as a read-only, seekable binary file (for a decoder that seeks: a FLAC
        range), its length authenticated first; it decrypts a segment when a read reaches it."""
        self.check_length()
        return PlaintextReader(self)

    def segment_at(self, offset: int) -> tuple[int, bytes]:
        """The plaintext segment holding byte ``offset`` (inside the plaintext): where it starts, and its bytes."""
        index = self._segment_of(offset)
        return self._plain_start(index), self._segment(index)

    def _segment_of(self, offset: int) -> int:
        if offset < self._first_plain:
            return 0
        return 1 + (offset - self._first_plain) // self._plain

    def _plain_start(self, index: int) -> int:
        return 0 if index == 0 else self._first_plain + (index - 1) * self._plain

    def _segment(self, index: int) -> bytes:
        if index in self._kept:
            return self._kept[index]
        plain = self._decrypt(index)
        if index in (0, self.segments - 1):  # asked for again by most reads (a sniff, the length)
            self._kept[index] = plain
        return plain

    def _decrypt(self, index: int) -> bytes:
        begin = HEADER_BYTES if index == 0 else index * self.segment_bytes
        end = min((index + 1) * self.segment_bytes, self.ciphertext_bytes)
        data, size = self._read_at(begin, end - begin)
        if len(data) != end - begin or size != self.ciphertext_bytes:
            raise DecryptionError(_FAILED)  # the object changed under the read
        last = b"\x01" if index == self.segments - 1 else b"\x00"
        try:
            plain = self._aead.decrypt(self._nonce_prefix + index.to_bytes(4, "big") + last, data, None)
        except InvalidTag:
            raise DecryptionError(_FAILED) from None
        self.decrypted += 1
        return plain


class PlaintextReader(io.RawIOBase):
    """``SegmentedCiphertext.reader()``: reads decrypt the segment they reach, and the last
    segment read is kept (a decoder's many small reads of one segment decrypt it once).

    A segment that does not decrypt ends the read there (a decoder's C code calls ``readinto``
    and would only print an exception raised into it) and is kept in ``failure`` for the
    decoder's caller to raise."""

    def __init__(self, ciphertext: SegmentedCiphertext) -> None:
        super().__init__()
        self._ciphertext = ciphertext
        self._size = ciphertext.plaintext_bytes
        self._position = 0
        self._held: tuple[int, bytes] = (0, b"")
        #: The DecryptionError a read met (None: none).
        self.failure: DecryptionError | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}.get(whence)
        if base is None:
            raise ValueError(f"invalid whence {whence!r}")
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:  # noqa: ANN001 (a writable buffer)
        """Fills ``buffer`` up to the plaintext's end (a short read means the end: libsndfile
        takes it so), across segments."""
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._position < self._size:
            start, plain = self._held
            if not start <= self._position < start + len(plain):
                try:
                    self._held = start, plain = self._ciphertext.segment_at(self._position)
                except DecryptionError as exc:
                    self.failure = exc
                    break
            part = plain[self._position - start : self._position - start + len(view) - done]
            view[done : done + len(part)] = part
            done += len(part)
            self._position += len(part)
        return done


def _streaming_key(handle: tink.KeysetHandle) -> aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey:
    """The one AES-GCM-HKDF streaming key of a vault data key, with the template's parameters;
    UnsupportedKeyError for anything else."""
    try:
        keyset = tink_pb2.Keyset.FromString(tink.proto_keyset_format.serialize(handle, tink.secret_key_access.TOKEN))
    except tink.TinkError:
        raise UnsupportedKeyError("keyset cannot be read") from None
    if len(keyset.key) != 1 or keyset.key[0].key_data.type_url != _TYPE_URL:
        raise UnsupportedKeyError("not one AES-GCM-HKDF streaming key")
    key = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey.FromString(keyset.key[0].key_data.value)
    params = key.params
    if (key.version != 0 or len(key.key_value) != 32 or params.derived_key_size != 32
            or params.hkdf_hash_type != common_pb2.SHA256
            or params.ciphertext_segment_size <= HEADER_BYTES + TAG_BYTES):
        raise UnsupportedKeyError("parameters other than AES256_GCM_HKDF_*")
    return key
