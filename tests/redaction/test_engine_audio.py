"""The engine on audio/: what its detectors hear of a file (audio's reader and mono mix) and
how its output is written (audio's writer, replaced whole)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pytest
import soundfile as sf

from audio.limiter import CEILING
from redaction.config import RedactionConfig
from redaction.engine import redact_array, redact_file
from redaction.words import TimedWord


class Listening:
    """A recognizer that hears nothing and keeps every sample it was given."""

    name, version = "listening", "1"

    def __init__(self) -> None:
        self.heard: list[np.ndarray] = []

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        for block in blocks:
            assert block.ndim == 1 and block.dtype == np.float32
            self.heard.append(block.copy())
        return iter(())


NO_VERIFY = RedactionConfig(verify=False, block_frames=1024)


def test_the_detectors_hear_a_two_channel_file_summed_as_the_mixdown_sums_it(tmp_path):
    # Agent 0.25, caller 0.5 (exact in 16 bits): the sum is 0.75 (a mean was 0.375, 6 dB
    # quieter: a key press on one channel lost half its level).
    frames = 3000
    stereo = np.tile(np.float64([[0.25, 0.5], [-0.25, 0.125], [0.0, -0.5]]), (frames // 3, 1))
    source, out = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(source, stereo, 8000, subtype="PCM_16")
    listener = Listening()
    redact_file(source, out, recognizer=listener, config=NO_VERIFY)
    heard = np.concatenate(listener.heard)
    assert heard[:3].tolist() == [0.75, -0.125, -0.5]
    assert np.array_equal(heard, np.tile(np.float32([0.75, -0.125, -0.5]), frames // 3))
    assert np.array_equal(sf.read(out, dtype="float64")[0], stereo)  # nothing masked: as it was


def test_two_loud_channels_are_heard_limited_under_full_scale(tmp_path):
    rate = 8000
    t = np.arange(2 * rate) / rate
    loud = 0.9 * np.sin(2 * np.pi * 300 * t)
    quiet = 0.1 * np.sin(2 * np.pi * 200 * t)
    left = np.concatenate([quiet, loud])
    right = np.concatenate([np.zeros_like(quiet), loud])
    listener = Listening()
    redact_array(np.stack([left, right], axis=1).astype(np.float32), rate, recognizer=listener, config=NO_VERIFY)
    heard = np.concatenate(listener.heard)
    assert len(heard) == 4 * rate and np.abs(heard).max() <= CEILING
    # a second before the overlap the mix is the quiet channel, sample for sample
    assert np.array_equal(heard[: rate], quiet[: rate].astype(np.float32))


def test_a_mono_file_is_heard_as_it_is(tmp_path):
    samples = np.float64([0.5, -0.999969482421875, 0.25, 0.0] * 500)
    source = tmp_path / "in.wav"
    sf.write(source, samples, 8000, subtype="PCM_16")
    listener = Listening()
    redact_file(source, tmp_path / "out.wav", recognizer=listener, config=NO_VERIFY)
    assert np.array_equal(np.concatenate(listener.heard), samples.astype(np.float32))


@pytest.mark.parametrize("name", ["in.m4a", "in.aac"])
def test_a_format_libsndfile_lacks_is_read_through_audio_s_decoder(tmp_path, name):
    # audio's reader transcodes what libsndfile cannot open (ffmpeg); the engine used to
    # refuse it. The output is written in the format its name asks for.
    import subprocess

    import imageio_ffmpeg

    wav = tmp_path / "src.wav"
    sf.write(wav, 0.1 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000), 8000, subtype="PCM_16")
    source = tmp_path / name
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), str(source)], check=True)
    report = redact_file(source, tmp_path / "out.wav", config=NO_VERIFY)
    assert report.rate_hz == 8000 and report.spans == ()
    assert sf.info(str(tmp_path / "out.wav")).frames > 7000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["src.wav", name, "out.wav"])
