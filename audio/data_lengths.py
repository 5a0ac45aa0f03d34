"""Where the audio of an uncompressed container starts and how many bytes its header promises,
for the containers other than RIFF WAV (``audio.decode`` reads RIFF's itself).

libsndfile reads a file cut short as the shorter file it holds, silently; ffmpeg too (a CAF
it is handed). A leg cut off part way (an upload stopped, a copy of a file still being
written) would be assembled short without a word, so ``audio.decode`` compares the promise
with the file. A header that says "unknown" (the streaming writers' AU, CAF and Wave64 sizes, an
RF64 whose ds64 was never filled in) promises nothing, and its file is decoded to its end.

Layouts: RF64 (EBU Tech 3306: a ``ds64`` chunk's 64-bit data size), Sony Wave64 (GUID chunk
ids, 64-bit sizes counting the 24-byte chunk header, 8-byte alignment), AIFF and AIFF-C (Apple:
big-endian chunks, ``SSND`` holding 8 bytes of offset and block size before its samples),
Sun/NeXT AU (``.snd`` header: data offset and size, ``0xFFFFFFFF`` unknown), Apple CAF (64-bit
chunk sizes, ``data`` of size -1 unknown, its samples after a 4-byte edit count).
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: The tail of Wave64's GUIDs after their four-character name (``riff``, ``wave``, ``data``...).
_W64_GUID_TAIL = bytes.fromhex("f3acd3118cd100c04f8edb8a")
_W64_RIFF_TAIL = bytes.fromhex("2e91cf11a5d628db04c10000")
#: Wave64 data sizes that say "unknown": ffmpeg's, writing to a pipe (INT64_MAX; UINT64_MAX too).
_W64_UNKNOWN_BYTES = 2**63 - 1
#: Offsets past any file (a chunk size near 2**64 would overflow the seek to the next chunk).
_PAST_ANY_FILE_BYTES = 2**62
#: Chunks walked before giving up on finding the data (a header, not a file of chunks).
_MAX_CHUNKS = 64


@dataclass(frozen=True)
class DataLength:
    """What a container's header says about its audio bytes."""

    #: The container's name, for messages ("RF64", "AIFF"...).
    container: str
    #: Offset of the first audio byte.
    data_start_bytes: int
    #: Audio bytes the header promises; None: "unknown", as a streaming writer leaves it.
    promised_bytes: int | None


def promised_data(handle: BinaryIO) -> DataLength | None:
    """The audio bytes the header of the file open on ``handle`` promises; None when it is not
    one of these containers or has no data chunk before ``_MAX_CHUNKS`` chunks (what libsndfile
    makes of it is then checked elsewhere)."""
    handle.seek(0)
    head = handle.read(16)
    if head[:4] in (b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return _rf64(handle, head[:4].decode())
    if head[:4] == b"riff" and head[4:16] == _W64_RIFF_TAIL:
        return _w64(handle)
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _chunks(handle, "AIFF", 12, ">4sI", b"SSND", skip_bytes=8, unknown=None)
    if head[:4] == b".snd" and len(head) >= 12:
        start, size = struct.unpack(">II", head[4:12])
        return DataLength("AU", start, None if size == 0xFFFFFFFF else size)
    if head[:4] == b"caff":
        return _chunks(handle, "CAF", 8, ">4sq", b"data", skip_bytes=4, unknown=-1)
    return None


def walk_chunks(handle: BinaryIO, offset: int, layout: str, *, pad_even: bool,
                most: int | None = _MAX_CHUNKS) -> Iterator[tuple[bytes, int, int]]:
    """The (id, size, offset of its body) of each chunk whose header is ``layout`` (a struct
    format of its id and size) from ``offset`` on, a body of odd size padded to even when
    ``pad_even`` (RIFF, AIFF); up to ``most`` chunks (None: to the end), not past one whose
    header is cut short or whose size is negative."""
    header_bytes = struct.calcsize(layout)
    for _ in itertools.count() if most is None else range(most):
        chunk = _read_at(handle, offset, header_bytes)
        if len(chunk) < header_bytes:
            return
        chunk_id, size = struct.unpack(layout, chunk)
        yield chunk_id, size, offset + header_bytes
        if size < 0:
            return
        offset += header_bytes + size + (size & 1 if pad_even else 0)


def _chunks(handle: BinaryIO, container: str, offset: int, layout: str, data_id: bytes, *,
            skip_bytes: int, unknown: int | None) -> DataLength | None:
    """The data chunk ``data_id`` among chunks of ``layout`` from ``offset``; its samples start
    ``skip_bytes`` into it (AIFF's offset and block size, CAF's edit count)."""
    for chunk_id, size, body in walk_chunks(handle, offset, layout, pad_even=container == "AIFF"):
        if chunk_id == data_id:
            promised = None if size == unknown else max(size - skip_bytes, 0)
            return DataLength(container, body + skip_bytes, promised)
    return None


def _rf64(handle: BinaryIO, container: str) -> DataLength | None:
    """RF64: the ``ds64`` chunk (first after ``WAVE``) holds the data size that ``data``'s
    32-bit size (``0xFFFFFFFF``) stands for."""
    handle.seek(12)
    ds64 = handle.read(8 + 24)
    if len(ds64) < 32 or ds64[:4] != b"ds64":
        return None
    ds64_bytes = struct.unpack("<I", ds64[4:8])[0]
    data_bytes = struct.unpack("<Q", ds64[16:24])[0]
    for chunk_id, size, body in walk_chunks(handle, 12 + 8 + ds64_bytes + (ds64_bytes & 1), "<4sI", pad_even=True):
        if chunk_id == b"data":
            return DataLength(container, body, (data_bytes if size == 0xFFFFFFFF else size) or None)
    return None


def _w64(handle: BinaryIO) -> DataLength | None:
    """Wave64: 16-byte GUID ids and 64-bit sizes that count the 24-byte header, 8-byte aligned."""
    offset = 16 + 8 + 16  # the riff GUID, its size, the wave GUID
    for _ in range(_MAX_CHUNKS):
        chunk = _read_at(handle, offset, 24)
        if len(chunk) < 24:
            return None
        size = struct.unpack("<Q", chunk[16:24])[0]
        if chunk[:4] == b"data" and chunk[4:16] == _W64_GUID_TAIL:
            return DataLength("W64", offset + 24, None if size >= _W64_UNKNOWN_BYTES else max(size - 24, 0))
        if size < 24:
            return None
        offset += size + (-size % 8)
    return None


def _read_at(handle: BinaryIO, offset: int, count: int) -> bytes:
    """Up to ``count`` bytes at ``offset``; none past any file (where a seek would fail)."""
    if offset > _PAST_ANY_FILE_BYTES:
        return b""
    handle.seek(offset)
    return handle.read(count)
