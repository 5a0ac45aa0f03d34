"""What the start of an MP3 says about its length: the Xing (VBR) or Info (CBR) header that
LAME and ffmpeg write into the first frame when they can seek back to fill it in.

libsndfile (through libmpg123) knows an MP3's length only from that header. Without one
(a recorder streaming its MP3 to a pipe writes none, and the Fraunhofer VBRI header is not
read) it guesses from the first frame's bitrate, and stops reading at the guess: a VBR leg
came out 6 s long of 30, silently. ``read_xing`` finds the header, so that such a file can
be decoded whole by ffmpeg instead, and a file shorter than its header promises can be
refused before libmpg123 prints its own warning about it on stderr.

Layouts: ID3v2 (id3.org, "ID3 tag version 2.4.0 - Main Structure" 3.1), the MPEG audio frame
header (ISO/IEC 11172-3 2.4.1.3, 13818-3 for the MPEG-2 and 2.5 rates), and the Xing header
after the Layer III side information, as libmpg123's ``check_lame_tag`` reads it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

#: ID3v2 tags stacked before the first frame that are skipped; more is not an MP3 we know.
_MAX_ID3_TAGS = 4

#: Bytes of Layer III side information after the 4-byte frame header, by (MPEG-1, mono):
#: where the Xing header starts.
_SIDE_INFO_BYTES = {(True, True): 17, (True, False): 32, (False, True): 9, (False, False): 17}

#: Xing flags: the header counts frames; it counts bytes.
_XING_FRAMES = 0x1
_XING_BYTES = 0x2


@dataclass(frozen=True)
class XingHeader:
    """An MP3's Xing or Info header: where its audio starts and what it counts."""

    #: Offset of the first MPEG frame (after any ID3v2 tags): the Xing frame itself.
    audio_start_bytes: int
    #: MPEG frames the header counts (None: it does not say, so neither does libsndfile).
    mpeg_frames: int | None
    #: Bytes of audio from the Xing frame on (None: it does not say).
    stream_bytes: int | None


def read_xing(handle: BinaryIO) -> XingHeader | None:
    """The Xing/Info header of the MP3 open on ``handle``; None when the file does not start
    (after its ID3v2 tags) with a Layer III frame holding one. Leaves the position anywhere."""
    offset = _skip_id3v2(handle)
    if offset is None:
        return None
    handle.seek(offset)
    frame = handle.read(4 + 32 + 16)  # header, the longest side info, Xing tag to bytes
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        return None
    version, layer, protected = (frame[1] >> 3) & 3, (frame[1] >> 1) & 3, not frame[1] & 1
    if version == 1 or layer != 1 or protected:  # reserved version; not Layer III; a CRC
        return None                              # moves the header (LAME never writes one)
    mono = frame[3] >> 6 == 3
    at = 4 + _SIDE_INFO_BYTES[(version == 3, mono)]
    if frame[at:at + 4] not in (b"Xing", b"Info") or len(frame) < at + 8:
        return None
    flags = struct.unpack(">I", frame[at + 4:at + 8])[0]
    fields = iter(struct.unpack(">II", frame[at + 8:at + 16])) if len(frame) >= at + 16 else iter(())
    mpeg_frames = next(fields, None) if flags & _XING_FRAMES else None
    stream_bytes = next(fields, None) if flags & _XING_BYTES else None
    return XingHeader(offset, mpeg_frames, stream_bytes)


def _skip_id3v2(handle: BinaryIO) -> int | None:
    """Offset just past the ID3v2 tags at the start (0 without); None past too many."""
    offset = 0
    for _ in range(_MAX_ID3_TAGS + 1):
        handle.seek(offset)
        head = handle.read(10)
        if len(head) < 10 or head[:3] != b"ID3":
            return offset
        size = 0
        for byte in head[6:10]:  # "syncsafe": 7 bits a byte
            size = size << 7 | (byte & 0x7F)
        footer = 10 if head[5] & 0x10 else 0
        offset += 10 + size + footer
    return None
