"""libmpg123's notes on stderr dropped around a libsndfile call, every other line kept."""

from __future__ import annotations

import io
import os
import threading

import numpy as np
import pytest
import soundfile

from audio.decode import open_source
from audio.errors import AudioInputError
from audio.library_notes import quiet

NOTES = (b"Note: Illegal Audio-MPEG-Header 0x00000000 at offset 33.\n"
         b"Note: Trying to resync...\n"
         b"Note: Skipped 1024 bytes in input.\n"
         b"[src/libmpg123/parse.c:do_readahead():1083] warning: Cannot read next header, a one-frame stream? Duh...\n"
         b"Note: Hit end of (available) data during resync.\n")


def test_libmpg123_lines_are_dropped_and_every_other_line_written_after_the_call(capfd):
    with quiet():
        os.write(2, NOTES[:40])  # a line written in pieces is one line
        os.write(2, NOTES[40:] + b"callrec: our own line\n")
        os.write(2, b"Warning: Xing stream size off by more than 1%, fuzzy seeking may be even more fuzzy than by design!\n"
                    b"big_values too large! 600\n")
        os.write(2, b'{"event": "job_failed"}\nworker.py:12: UserWarning: ours\n  Note: indented\nno line end')
    assert capfd.readouterr().err == ('callrec: our own line\n{"event": "job_failed"}\nworker.py:12: UserWarning: ours\n'
                                      '  Note: indented\nno line end')


def test_stderr_is_given_back_and_lines_kept_when_the_call_raises(capfd):
    with pytest.raises(RuntimeError, match="decoder"):
        with quiet():
            os.write(2, b"kept\n" + NOTES)
            raise RuntimeError("decoder")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "kept\nafter\n"


def test_a_call_inside_another_and_calls_in_threads_each_keep_their_lines(capfd):
    def call(k: int) -> None:
        with quiet():
            with quiet():
                os.write(2, NOTES + f"thread {k}\n".encode())

    threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(capfd.readouterr().err.splitlines()) == ["thread 0", "thread 1", "thread 2", "thread 3"]


def test_a_flac_that_libsndfile_tries_as_an_mp3_is_refused_without_libmpg123s_notes(tmp_path, capfd):
    """Its first two bytes 0xFFFF (an MPEG frame sync): libmpg123 printed "Cannot read next
    header, a one-frame stream? Duh..." before the refusal."""
    flac = io.BytesIO()
    soundfile.write(flac, np.zeros(4000, dtype="float32"), 8000, format="FLAC", subtype="PCM_16")
    path = tmp_path / "leg.wav"
    path.write_bytes(b"\xff\xff" + flac.getvalue()[2:])
    with pytest.raises(AudioInputError, match="not an audio file"):
        open_source(path)
    assert capfd.readouterr().err == ""


def test_an_mp3_damaged_in_its_frames_is_refused_without_libmpg123s_notes(tmp_path, capfd):
    """400 bytes of a third of the way in zeroed (every seventh 0xFF): libmpg123 printed "Note:
    Illegal Audio-MPEG-Header ... Trying to resync... Skipped 432 bytes in input." while read."""
    mp3 = io.BytesIO()
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(3 * 8000) / 8000)
    soundfile.write(mp3, tone.astype("float32"), 8000, format="MP3", subtype="MPEG_LAYER_III")
    data = bytearray(mp3.getvalue())
    for k in range(len(data) // 3, len(data) // 3 + 400):
        data[k] = 0xFF if k % 7 == 0 else 0x00
    path = tmp_path / "leg.mp3"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioInputError, match="truncated: audio ends at 2.598 s but the header promises 3.000 s"):
        with open_source(path) as source:
            for _ in source.blocks():
                pass
    assert capfd.readouterr().err == ""
