"""Hostile segment audio (session 51's outsider red-team of the decoders): each bad file is fed
to the CLI in a child process bounded in time and memory (``tests.hostile.mutants``), which
must exit 2 naming the file and what is wrong, write nothing at ``-o`` and leave the source as
it was. Every file is generated here."""

from __future__ import annotations

import hashlib
import math
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from audio.decode import DecodeLimits, open_source
from audio.errors import AudioInputError
from tests.hostile.mutants import lying_wavs, mutants, run_cli, seed_file
from tests.worker.stored_calls import write_call

REPO = Path(__file__).resolve().parents[2]
#: The pipeline's limits for a leg of a short call (the defaults' rates and channels).
LEG_LIMITS = DecodeLimits(max_duration_s=63.0, min_rate_hz=4000, max_rate_hz=192000, max_channels=8)


def assemble_with_leg(tmp_path: Path, leg: bytes) -> tuple[int, str, Path]:
    """``callrec assemble`` of a two-leg call whose first leg (``CA1-a.wav``) is ``leg``:
    (exit status, stderr, the leg's path); asserts that a refusal wrote nothing and that the
    leg is unchanged."""
    manifest = write_call(tmp_path / "call")
    source = tmp_path / "call" / "CA1-a.wav"
    source.write_bytes(leg)
    out = tmp_path / "out.wav"
    done = run_cli(["assemble", str(manifest), "-o", str(out)], cwd=REPO,
                   env={"CALLREC_DATA_DIR": str(tmp_path / "state")}, timeout_s=30)
    assert hashlib.sha256(source.read_bytes()).digest() == hashlib.sha256(leg).digest()
    if done.returncode != 0:
        assert not out.exists()
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.returncode, done.stderr, source


@pytest.mark.parametrize("container,subtype", [("RF64", "PCM_16"), ("W64", "PCM_16"), ("AIFF", "PCM_16"),
                                               ("AU", "ULAW"), ("CAF", "PCM_16")])
def test_a_leg_cut_short_in_any_container_is_refused_as_truncated(tmp_path, container, subtype):
    """libsndfile reads a file cut short as the shorter file it holds: only RIFF WAV's data size
    was checked, so a cut RF64 (what recorders write past 4 GiB), W64, AIFF, AU or CAF leg was
    assembled 40 % short without a word (an upload cut off part way)."""
    whole = seed_file(container, subtype, seconds=1.0)
    code, err, source = assemble_with_leg(tmp_path, whole[: len(whole) * 6 // 10])
    assert code == 2, err
    assert f"segments[0].uri: {source}: truncated {container}: header promises" in err


def test_a_streaming_writers_rf64_is_decoded_whole(tmp_path):
    """RF64 written to a pipe (ffmpeg ``-rf64 always`` to stdout) leaves its ds64 sizes 0 and
    its data size 0xFFFFFFFF: "unknown", as a streaming WAV's 0 is. libsndfile took it for no
    audio and the leg was refused as empty; like a streaming WAV it is decoded to its end."""
    rf64 = bytearray(seed_file("RF64", "PCM_16", seconds=1.0))
    struct.pack_into("<QQQ", rf64, 12 + 8, 0, 0, 0)  # ds64: RIFF, data and sample counts
    struct.pack_into("<I", rf64, rf64.find(b"data") + 4, 0xFFFFFFFF)
    code, err, source = assemble_with_leg(tmp_path, bytes(rf64))
    assert code == 0, err
    with open_source(source) as decoded:
        assert (decoded.frames, sum(len(block) for block in decoded.blocks())) == (8000, 8000)


def test_mutated_legs_are_decoded_whole_or_refused_naming_the_file(tmp_path):
    """The seeded fuzz (``tests.hostile.mutants``: 300 mutants of every sample format and
    container read, header fields set to 0, 1, 0xFFFFFFFF..., truncations, flipped bytes,
    spliced runs): each decodes to as many finite samples in [-1, 1] as its source counts, or is
    refused as bad input naming the file; a file cut short is always refused; none past the
    limits, none hangs, no transcode left behind. It found the W64 chunk size that overflowed a
    seek (a ValueError)."""
    leg = tmp_path / "leg.wav"
    decoded = refused = 0
    for mutant in mutants(300, seed=4):
        leg.write_bytes(mutant.data)
        if decoded_or_refused(leg, mutant.name):
            assert ":truncate@" not in mutant.name, f"{mutant.name}: a file cut short was decoded"
            decoded += 1
        else:
            refused += 1
    assert decoded > 50 and refused > 50  # the mutants reach both the decoders and the checks


@pytest.mark.parametrize("field", ["frames", "bytes"])
def test_an_mp3_whose_xing_header_counts_nothing_is_decoded_whole_and_quietly(tmp_path, field):
    """A Xing header whose frame or byte count is 0 (a placeholder never filled in): libsndfile
    took 0 frames for "no count", guessed the length from the first frame and stopped there
    (3456 samples of 8000: 57 % of the leg lost without a word), and with 0 bytes libmpg123
    wrote its own warning on stderr, where the commands write only their own lines. Like an
    MP3 without a Xing header, it is decoded by ffmpeg to its end (without the frame count
    ffmpeg keeps up to a frame of the encoder's padding: 111 samples here)."""
    mp3 = bytearray(seed_file("MP3", "MPEG_LAYER_III", seconds=1.0))
    at = max(mp3.find(b"Xing"), mp3.find(b"Info"))
    assert struct.unpack(">I", mp3[at + 4:at + 8])[0] & 3 == 3  # both counts present
    struct.pack_into(">I", mp3, at + (8 if field == "frames" else 12), 0)
    code, err, source = assemble_with_leg(tmp_path, bytes(mp3))
    assert (code, err) == (0, "")
    with open_source(source) as decoded:
        assert 8000 <= sum(len(block) for block in decoded.blocks()) < 8000 + 576  # an MPEG-2.5 frame


#: Playlists ffmpeg recognises by their content, each naming a file outside the call.
PLAYLISTS = {
    "dash": ('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
             'profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" mediaPresentationDuration="PT2S" '
             'minBufferTime="PT1S"><Period><AdaptationSet mimeType="audio/mp4"><Representation id="a" '
             'bandwidth="64000"><BaseURL>{target}</BaseURL></Representation></AdaptationSet></Period></MPD>\n'),
    "hls": "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\n{target}\n#EXT-X-ENDLIST\n",
    "ffconcat": "ffconcat version 1.0\nfile '{target}'\n",
}


@pytest.mark.parametrize("playlist", sorted(PLAYLISTS))
def test_a_leg_that_is_a_playlist_reads_no_file_outside_the_call(tmp_path, playlist):
    """A "leg" that is a DASH manifest naming another file (another call's m4a, outside the
    source roots): ffmpeg, which transcodes what libsndfile cannot read, recognises the
    manifest by its content and read that file into this call's recording (exit 0: the
    confinement of sources to their roots bypassed). ffmpeg may now open the descriptor it is
    given and nothing else."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    secret = tmp_path / "elsewhere" / "secret.m4a"
    secret.parent.mkdir()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=f=1000:d=2:r=8000",
                    "-c:a", "aac", str(secret)], check=True)
    code, err, source = assemble_with_leg(tmp_path, PLAYLISTS[playlist].format(target=secret).encode())
    assert code == 2, err
    assert err.strip().endswith(f"segments[0].uri: {source}: not an audio file (neither libsndfile nor ffmpeg "
                                "can decode it)")


#: Only a hang fails this (each file takes well under 0.1 s): that a lying count is not believed
#: is checked by the audio decoded, which ``LEG_LIMITS`` (and a PCM file's bytes) bound.
HANG_S = 20.0


def decoded_or_refused(path: Path, name: str, max_samples_per_byte: float = math.inf) -> bool:
    """Whether ``path`` decodes within ``LEG_LIMITS`` to as many finite samples in [-1, 1] as it
    counts, no more than ``max_samples_per_byte`` of its size (True), or is refused as bad input
    naming it (False); anything else fails."""
    started = time.monotonic()
    try:
        with open_source(path, LEG_LIMITS, temp_parent=path.parent) as source:
            frames = 0
            for block in source.blocks():
                assert np.isfinite(block).all() and np.abs(block).max(initial=0) <= 1.0, name
                frames += len(block)
            assert frames == source.frames > 0, name
            assert source.duration_s <= LEG_LIMITS.max_duration_s, name
            assert frames * source.channels <= max_samples_per_byte * path.stat().st_size, name
        return True
    except AudioInputError as exc:
        assert str(exc).startswith(f"{path}: "), (name, str(exc))
        return False
    finally:
        assert time.monotonic() - started < HANG_S, name
        assert list(path.parent.iterdir()) == [path], name  # no transcode left behind


def test_wav_headers_whose_fields_lie_are_decoded_whole_or_refused(tmp_path):
    """52 WAVs whose header fields lie (``mutants.lying_wavs``: rates of 0 or 4 GHz, 65535
    channels or bits, odd float and companded widths, extensible sub-formats, chunks out of
    order, twice or claiming 2**31 entries, NaN samples, a lying ds64): none held a defect in
    session 51; kept so that none comes back."""
    leg = tmp_path / "leg.wav"
    outcomes = {}
    for name, data in lying_wavs().items():
        leg.write_bytes(data)
        # A PCM WAV holds a sample in a byte at least: more audio is a header's lying count believed.
        outcomes[name] = decoded_or_refused(leg, name, max_samples_per_byte=1.0)
    assert outcomes["rate 1"] is outcomes["9 channels"] is outcomes["no data"] is False  # past the limits, no audio
    assert outcomes["NaN samples"] is outcomes["fmt after data"] is True  # NaN read as 0; ffmpeg reads the other


def test_a_leg_libsndfile_takes_for_an_mp3_leaves_only_the_refusal_on_stderr(tmp_path):
    """A FLAC whose first two bytes are 0xFFFF (an MPEG frame sync): libsndfile tries it as an
    MP3 and libmpg123 prints "Note: Illegal Audio-MPEG-Header ... Trying to resync..." on
    stderr before the command's one line (the worker's JSON log lines too). Found by the CLI
    fuzz (1 of 240 mutants; MP3s damaged in their frames do it too). Mended in session 54:
    libsndfile's opens, and its reads of an MP3, run with descriptor 2 captured and libmpg123's
    lines dropped, every other line written back (``audio.library_notes``)."""
    flac = seed_file("FLAC", "PCM_16", seconds=0.5)
    code, err, source = assemble_with_leg(tmp_path, b"\xff\xff" + flac[2:])
    assert code == 2 and err == f"callrec assemble: segments[0].uri: {source}: not an audio file (neither " \
                                 "libsndfile nor ffmpeg can decode it)\n"
