"""Envelope encryption: round trip and one DecryptionError for every kind of tampering."""

from __future__ import annotations

import io
import os

import pytest

from vault import envelope
from vault.context import ArtifactRef
from vault.errors import DecryptionError
from vault.keys.local import LocalKeyring
from tests.vault.conftest import RID, seal

SEGMENT = 1 << 20  # AES256_GCM_HKDF_1MB: every ciphertext segment after the first
HEADER = 40  # 1 length byte + 32 salt + 7 nonce prefix
TAG = 16


def open_(ct: bytes, wrapped, keys, ref) -> bytes:
    out = io.BytesIO()
    envelope.decrypt_stream(io.BytesIO(ct), out, wrapped, keys, ref)
    return out.getvalue()


# Deterministic bytes for multi-segment streams.
DATA = bytes(range(256)) * (3 * SEGMENT // 256 + 2000)


def test_round_trip_multi_segment(keys, ref):
    ct, wrapped = seal(DATA, keys, ref)
    segments = -(-(len(DATA) + HEADER) // (SEGMENT - TAG))
    assert len(ct) == len(DATA) + HEADER + TAG * segments == len(DATA) + HEADER + 4 * TAG
    assert open_(ct, wrapped, keys, ref) == DATA
    assert (wrapped.key_id, wrapped.version) == ("local:eu", "v1")


def test_empty_stream_round_trips(keys, ref):
    ct, wrapped = seal(b"", keys, ref)
    assert open_(ct, wrapped, keys, ref) == b""


def test_every_recording_gets_a_fresh_data_key(keys, ref):
    ct1, w1 = seal(b"same", keys, ref)
    ct2, w2 = seal(b"same", keys, ref)
    assert w1.ciphertext != w2.ciphertext and ct1 != ct2
    with pytest.raises(DecryptionError):
        open_(ct1, w2, keys, ref)


def flipped(ct: bytes, at: int) -> bytes:
    out = bytearray(ct)
    out[at] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize("where", ["header", "first segment", "middle segment", "last tag"])
def test_flipped_byte_fails(keys, ref, where):
    ct, wrapped = seal(DATA, keys, ref)
    at = {"header": 5, "first segment": HEADER + 10, "middle segment": 2 * SEGMENT + 77, "last tag": len(ct) - 1}
    with pytest.raises(DecryptionError, match="^cannot decrypt: ciphertext or key is invalid$"):
        open_(flipped(ct, at[where]), wrapped, keys, ref)


@pytest.mark.parametrize("cut", [1, TAG, SEGMENT // 2, None])
def test_truncation_fails(keys, ref, cut):
    ct, wrapped = seal(DATA, keys, ref)
    # None: drop exactly the last segment, leaving a stream that ends on a segment boundary.
    short = ct[: 3 * SEGMENT] if cut is None else ct[:-cut]
    with pytest.raises(DecryptionError):
        open_(short, wrapped, keys, ref)


def test_reordered_segments_fail(keys, ref):
    ct, wrapped = seal(DATA, keys, ref)
    swapped = ct[:SEGMENT] + ct[2 * SEGMENT : 3 * SEGMENT] + ct[SEGMENT : 2 * SEGMENT] + ct[3 * SEGMENT :]
    assert len(swapped) == len(ct) and swapped != ct
    with pytest.raises(DecryptionError):
        open_(swapped, wrapped, keys, ref)


@pytest.mark.parametrize(
    "other",
    [
        ArtifactRef("rec_eu_" + "cd" * 16, "acme", "eu", "audio"),
        ArtifactRef(RID, "other-account", "eu", "audio"),
        ArtifactRef(RID, "acme", "eu", "metadata"),
    ],
    ids=["recording", "account", "kind"],
)
def test_wrong_associated_data_fails(keys, ref, other):
    ct, wrapped = seal(b"payload" * 1000, keys, ref)
    with pytest.raises(DecryptionError):
        open_(ct, wrapped, keys, other)


def test_content_bound_even_with_a_rebound_key(keys, ref):
    """Re-wrapping the data key for another artifact still cannot open the content."""
    ct, wrapped = seal(b"payload" * 1000, keys, ref)
    other = ArtifactRef(RID, "acme", "eu", "metadata")
    moved_key = envelope.wrap_data_key(envelope.unwrap_data_key(wrapped, keys, ref), keys, other)
    with pytest.raises(DecryptionError):
        open_(ct, moved_key, keys, other)


def test_wrong_region_fails(tmp_path, ref):
    us_keys = LocalKeyring(tmp_path / "keys", "us")
    eu_keys = LocalKeyring(tmp_path / "keys", "eu")
    ct, wrapped = seal(b"payload", eu_keys, ref)
    us_ref = ArtifactRef(RID.replace("_eu_", "_us_"), "acme", "us", "audio")
    with pytest.raises(DecryptionError):
        open_(ct, wrapped, us_keys, us_ref)


def test_wrong_key_fails(tmp_path, keys, ref):
    ct, wrapped = seal(b"payload", keys, ref)
    stranger = LocalKeyring(tmp_path / "other-keys", "eu")  # also has a v1, another key
    with pytest.raises(DecryptionError):
        open_(ct, wrapped, stranger, ref)


def test_missing_key_version_fails(keys, ref):
    ct, wrapped = seal(b"payload", keys, ref)
    keys.rotate()
    keys.retire("v1")
    with pytest.raises(DecryptionError):
        open_(ct, wrapped, keys, ref)


@pytest.mark.parametrize("blob", [b"", b"{}", b"not json", b'{"key_id":"local:eu","version":"v1","wrapped":"!!"}'])
def test_unreadable_wrapped_key_fails(blob):
    with pytest.raises(DecryptionError):
        envelope.WrappedKey.decode(blob)


def test_tampered_wrapped_key_fails(keys, ref):
    ct, wrapped = seal(b"payload", keys, ref)
    bad = envelope.WrappedKey(wrapped.key_id, wrapped.version, flipped(wrapped.ciphertext, len(wrapped.ciphertext) - 3))
    with pytest.raises(DecryptionError):
        open_(ct, bad, keys, ref)


def test_wrapped_key_codec_round_trips(keys, ref):
    _, wrapped = seal(b"x", keys, ref)
    assert envelope.WrappedKey.decode(wrapped.encode()) == wrapped


def test_rewrap_keeps_content_and_moves_to_primary(keys, ref):
    ct, wrapped = seal(b"payload", keys, ref)
    assert keys.rotate() == "v2"
    again = envelope.rewrap(wrapped, keys, ref)
    assert again.version == "v2"
    keys.retire("v1")
    assert open_(ct, again, keys, ref) == b"payload"


def test_ciphertext_holds_no_plaintext(keys, ref):
    data = b"RIFF" + os.urandom(16) + b"SECRET-SAMPLES" * 5000
    ct, _ = seal(data, keys, ref)
    assert b"RIFF" not in ct and b"SECRET-SAMPLES" not in ct
