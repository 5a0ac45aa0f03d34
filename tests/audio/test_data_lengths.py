"""audio.data_lengths: where each container's audio starts and what its header promises."""

from __future__ import annotations

import io
import struct

import pytest

from audio.data_lengths import DataLength, promised_data
from tests.hostile.mutants import seed_file


@pytest.mark.parametrize("container,subtype,promised", [
    ("RF64", "PCM_16", 8000), ("W64", "PCM_16", 8000), ("AIFF", "PCM_16", 8000), ("AIFF", "FLOAT", 16000),
    ("AU", "ULAW", 4000), ("CAF", "PCM_16", 8000)])
def test_a_whole_file_promises_exactly_the_audio_it_ends_with(container, subtype, promised):
    data = seed_file(container, subtype, seconds=0.5)
    length = promised_data(io.BytesIO(data))
    assert length is not None and (length.container, length.promised_bytes) == (container, promised)
    assert length.data_start_bytes + length.promised_bytes <= len(data)


def test_unknown_sizes_are_none():
    au = bytearray(seed_file("AU", "PCM_16"))
    struct.pack_into(">I", au, 8, 0xFFFFFFFF)
    w64 = bytearray(seed_file("W64", "PCM_16"))
    data_guid = w64.find(b"data")
    struct.pack_into("<Q", w64, data_guid + 16, 2**63 - 1)
    rf64 = bytearray(seed_file("RF64", "PCM_16"))
    struct.pack_into("<Q", rf64, 12 + 8 + 8, 0)  # ds64's data size
    for data in (au, w64, rf64):
        length = promised_data(io.BytesIO(bytes(data)))
        assert length is not None and length.promised_bytes is None


@pytest.mark.parametrize("data", [b"", b"RIFF", seed_file("WAV", "PCM_16"), seed_file("FLAC", "PCM_16"),
                                  b"FORM\0\0\0\x04AIFF", b".snd", b"caff" + b"\xff" * 12])
def test_other_files_and_bare_headers_promise_nothing(data):
    assert promised_data(io.BytesIO(data)) is None


def test_a_chunk_walk_stops_at_the_end_of_the_header():
    aiff = seed_file("AIFF", "PCM_16")
    ssnd = aiff.find(b"SSND")
    assert promised_data(io.BytesIO(aiff[:ssnd + 4])) is None
    assert promised_data(io.BytesIO(aiff)) == DataLength("AIFF", ssnd + 16, len(aiff) - ssnd - 16)


@pytest.mark.parametrize("container", ["W64", "CAF", "RF64", "AIFF"])
def test_a_chunk_size_past_any_file_ends_the_walk(container):
    """A chunk before the data claiming 2**64 - 1 (2**63 - 1 in CAF) bytes: the next chunk is
    past any file, not a seek that fails (the fuzzer's ValueError in session 51)."""
    data = bytearray(seed_file(container, "PCM_16"))
    if container == "W64":
        struct.pack_into("<Q", data, data.find(b"fmt ") + 16, 2**64 - 1)
    elif container == "CAF":
        struct.pack_into(">q", data, data.find(b"desc") + 4, 2**63 - 1)
    elif container == "RF64":
        struct.pack_into("<I", data, data.find(b"fmt ") + 4, 0xFFFFFFFF)
    else:
        struct.pack_into(">I", data, data.find(b"COMM") + 4, 0xFFFFFFFF)
    assert promised_data(io.BytesIO(bytes(data))) is None
