import io

import numpy as np
import soundfile

from audio.mp3_header import read_xing
from tests.audio.signals import sine


def lame_mp3(rate_hz, channels):
    """One second written by libsndfile's LAME, which puts a Xing/Info header first."""
    signal = sine(300, 1.0, rate_hz, 0.3)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([signal] * channels, axis=1), rate_hz, format="MP3")
    return buffer.getvalue()


def id3v2(body_bytes):
    """An ID3v2.4 tag of ``body_bytes`` (zero padding is a valid body); size is syncsafe."""
    size = bytes((body_bytes >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size + bytes(body_bytes)


def test_the_header_is_found_at_every_side_information_length():
    # MPEG-2.5 mono (9 bytes of side information), MPEG-2 stereo (17), MPEG-1 stereo (32)
    for rate_hz, channels in ((8000, 1), (22050, 2), (44100, 2)):
        data = lame_mp3(rate_hz, channels)
        xing = read_xing(io.BytesIO(data))
        assert xing is not None and xing.audio_start_bytes == 0, (rate_hz, channels)
        assert xing.stream_bytes == len(data) and xing.mpeg_frames > 0


def test_id3v2_tags_before_the_first_frame_are_skipped():
    data = lame_mp3(8000, 1)
    tags = id3v2(300) + id3v2(200_000)  # 200,000 > 2**7 per byte: the size really is syncsafe
    xing = read_xing(io.BytesIO(tags + data))
    assert xing is not None and xing.audio_start_bytes == len(tags) and xing.stream_bytes == len(data)


def test_no_header_is_none():
    data = lame_mp3(8000, 1)
    assert read_xing(io.BytesIO(b"RIFF" + bytes(60))) is None
    assert read_xing(io.BytesIO(id3v2(10))) is None  # a tag and nothing after it
    assert read_xing(io.BytesIO(data[:13] + b"Nope" + data[17:])) is None
    assert read_xing(io.BytesIO(b"")) is None
