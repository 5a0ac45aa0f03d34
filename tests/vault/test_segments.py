"""vault.segments: a range of a Tink streaming ciphertext from the segments that hold it only,
checked against Tink's own decryption and against moved, cut and altered segments."""

from __future__ import annotations

import io
import os

import pytest

from vault import envelope
from vault.context import ArtifactRef
from vault.errors import DecryptionError
from vault.segments import HEADER_BYTES, TAG_BYTES, SegmentedCiphertext
from tests.vault.conftest import RID, seal

SEGMENT = 1 << 20
FIRST_PLAIN = SEGMENT - HEADER_BYTES - TAG_BYTES  # 1048520
PLAIN = SEGMENT - TAG_BYTES  # 1048560


def segmented(ciphertext: bytes, wrapped, keys, ref, *, reads: list | None = None) -> SegmentedCiphertext:
    def read_at(start: int, length: int) -> tuple[bytes, int]:
        if reads is not None:
            reads.append((start, length))
        return ciphertext[start:start + length], len(ciphertext)

    return SegmentedCiphertext(envelope.unwrap_data_key(wrapped, keys, ref), ref.content_aad(), read_at)


SIZES = [0, 1, FIRST_PLAIN - 1, FIRST_PLAIN, FIRST_PLAIN + 1, FIRST_PLAIN + PLAIN, FIRST_PLAIN + PLAIN + 1,
         FIRST_PLAIN + 3 * PLAIN + 12345]


@pytest.mark.parametrize("size", SIZES)
def test_every_range_equals_tinks_own_decryption(size, keys, ref):
    data = os.urandom(size)
    ciphertext, wrapped = seal(data, keys, ref)
    whole = io.BytesIO()
    envelope.decrypt_stream(io.BytesIO(ciphertext), whole, wrapped, keys, ref)  # Tink's reading
    assert whole.getvalue() == data
    reader = segmented(ciphertext, wrapped, keys, ref)
    assert reader.plaintext_bytes == size
    edges = sorted({0, 1, FIRST_PLAIN - 1, FIRST_PLAIN, FIRST_PLAIN + 1, FIRST_PLAIN + PLAIN - 1,
                    FIRST_PLAIN + PLAIN, size - 1, size, size + 5})
    for start in edges:
        for stop in edges:
            assert reader.read(start, stop) == data[max(0, start):max(0, stop)], (start, stop)


def test_a_range_decrypts_the_segments_it_covers_and_the_last_one_only(keys, ref):
    data = os.urandom(FIRST_PLAIN + 6 * PLAIN + 777)  # 8 segments, about 7 MiB
    ciphertext, wrapped = seal(data, keys, ref)

    def decrypted_for(start: int, stop: int) -> tuple[int, int]:
        reads: list = []
        reader = segmented(ciphertext, wrapped, keys, ref, reads=reads)
        assert reader.segments == 8 and reads == [(0, HEADER_BYTES)]
        assert reader.read(start, stop) == data[start:stop]
        return reader.decrypted, sum(length for _, length in reads)

    inside = FIRST_PLAIN + 2 * PLAIN + 100  # in segment 3
    count, read_bytes = decrypted_for(inside, inside + 1000)
    assert count == 2 and read_bytes == HEADER_BYTES + SEGMENT + (len(ciphertext) - 7 * SEGMENT)  # it, the last
    across = FIRST_PLAIN + PLAIN - 10  # segments 1 and 2
    assert decrypted_for(across, across + 20)[0] == 3
    assert decrypted_for(len(data) - 5, len(data))[0] == 1  # the last covers it: decrypted once
    assert decrypted_for(0, 44)[0] == 2  # a header: the first segment and the last
    assert decrypted_for(0, len(data))[0] == 8  # the whole: each segment once

    reader = segmented(ciphertext, wrapped, keys, ref)
    assert reader.read(0, 12) == data[:12] and reader.decrypted == 2  # a sniff of the format
    assert reader.read(inside, inside + 10) == data[inside:inside + 10]
    assert reader.decrypted == 3  # the first and last are kept: only segment 3 more
    chunks = list(reader.chunks(across, across + 20))
    assert b"".join(chunks) == data[across:across + 20] and len(chunks) == 2


def test_the_reader_is_a_seekable_file_of_the_plaintext_decrypting_each_segment_once_in_a_row(keys, ref):
    data = os.urandom(FIRST_PLAIN + 3 * PLAIN + 4321)  # 5 segments
    ciphertext, wrapped = seal(data, keys, ref)
    ciphertext_reader = segmented(ciphertext, wrapped, keys, ref)
    file = ciphertext_reader.reader()
    assert ciphertext_reader.decrypted == 1  # the last: the length is authenticated first
    assert file.readable() and file.seekable() and file.tell() == 0
    small = [file.read(4096) for _ in range(300)]  # 1.2 MB in small reads, as a decoder reads
    assert b"".join(small) == data[:300 * 4096] and file.tell() == 300 * 4096
    assert ciphertext_reader.decrypted == 3  # segments 0 and 1, each once, and the last
    assert file.seek(-10, io.SEEK_END) == len(data) - 10 and file.read() == data[-10:]
    assert file.read(5) == b"" and ciphertext_reader.decrypted == 3  # the last is kept
    middle = FIRST_PLAIN + 2 * PLAIN - 3  # across segments 2 and 3
    file.seek(middle)
    assert io.BufferedReader(file).read(7) == data[middle:middle + 7]
    file.seek(5)
    assert file.seek(10, io.SEEK_CUR) == 15 and file.read(3) == data[15:18]
    with pytest.raises(ValueError):
        file.seek(-1)
    with pytest.raises(ValueError):
        file.seek(0, 7)


def test_a_segment_that_does_not_decrypt_ends_the_readers_read_and_is_kept_for_its_caller(keys, ref):
    data = os.urandom(FIRST_PLAIN + 3 * PLAIN + 99)  # 5 segments
    ciphertext, wrapped = seal(data, keys, ref)
    altered = bytearray(ciphertext)
    altered[2 * SEGMENT + 10] ^= 1  # segment 2
    file = segmented(bytes(altered), wrapped, keys, ref).reader()
    assert file.failure is None
    read = file.read(FIRST_PLAIN + 2 * PLAIN)  # segments 0, 1 and into 2
    assert read == data[:FIRST_PLAIN + PLAIN]  # what came before the segment, nothing made up
    assert isinstance(file.failure, DecryptionError) and "ciphertext or key is invalid" in str(file.failure)


def _segment_bounds(ciphertext: bytes, index: int) -> tuple[int, int]:
    begin = HEADER_BYTES if index == 0 else index * SEGMENT
    return begin, min((index + 1) * SEGMENT, len(ciphertext))


def _swapped(ciphertext: bytes) -> bytes:
    a, b = _segment_bounds(ciphertext, 1), _segment_bounds(ciphertext, 2)
    return ciphertext[:a[0]] + ciphertext[b[0]:b[1]] + ciphertext[a[0]:a[1]] + ciphertext[b[1]:]


TAMPERING = {
    "two segments swapped": _swapped,
    "cut at a segment boundary": lambda ct: ct[:3 * SEGMENT],
    "cut inside the last segment": lambda ct: ct[:-1],
    "a segment appended": lambda ct: ct + ct[SEGMENT:2 * SEGMENT],
    "a byte of segment 1 flipped": lambda ct: ct[:SEGMENT + 9] + bytes([ct[SEGMENT + 9] ^ 1]) + ct[SEGMENT + 10:],
    "the salt altered": lambda ct: ct[:5] + bytes([ct[5] ^ 1]) + ct[6:],
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_moved_cut_or_altered_ciphertext_never_decrypts_a_range(tamper, keys, ref):
    data = os.urandom(FIRST_PLAIN + 3 * PLAIN + 500)  # 5 segments
    ciphertext, wrapped = seal(data, keys, ref)
    damaged = tamper(ciphertext)
    with pytest.raises(DecryptionError, match="cannot decrypt"):
        reader = segmented(damaged, wrapped, keys, ref)
        reader.read(FIRST_PLAIN + 10, FIRST_PLAIN + 20)  # a range in segment 1 only


def test_another_artifacts_associated_data_does_not_decrypt(keys, ref):
    ciphertext, wrapped = seal(os.urandom(5000), keys, ref)
    handle = envelope.unwrap_data_key(wrapped, keys, ref)
    other = ArtifactRef(RID, "acme", "eu", "transcript")
    reader = SegmentedCiphertext(handle, other.content_aad(), lambda s, n: (ciphertext[s:s + n], len(ciphertext)))
    with pytest.raises(DecryptionError):
        reader.read(0, 10)


def test_an_object_that_changes_under_the_read_is_refused(keys, ref):
    ciphertext, wrapped = seal(os.urandom(FIRST_PLAIN + 10), keys, ref)
    sizes = iter([len(ciphertext), len(ciphertext) + SEGMENT])
    reader = SegmentedCiphertext(envelope.unwrap_data_key(wrapped, keys, ref), ref.content_aad(),
                                 lambda s, n: (ciphertext[s:s + n], next(sizes, len(ciphertext) + 1)))
    with pytest.raises(DecryptionError):
        reader.read(0, 10)
