import numpy as np
import pytest
import soundfile

from audio.errors import AudioError, AudioInputError
from audio.wavout import AtomicWavWriter, float_to_pcm16


def test_writes_16_bit_mono_incrementally(tmp_path):
    path = tmp_path / "out.wav"
    with AtomicWavWriter(path, 8000) as out:
        out.write(np.full(3000, 0.5, dtype=np.float32))
        assert not path.exists()
        out.write(np.full(1000, -0.25, dtype=np.float32))
    assert out.frames == 4000
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (8000, 1, "PCM_16", 4000)
    data, _ = soundfile.read(path, dtype="int16")
    assert data[0] == 16384 and data[-1] == -8192
    assert list(tmp_path.iterdir()) == [path]


def test_conversion_rounds_and_clips():
    values = np.array([0.0, 1.0, -1.0, 1.5, -2.0, 0.4 / 32768, -0.6 / 32768, 0.5], dtype=np.float32)
    assert float_to_pcm16(values).tolist() == [0, 32767, -32768, 32767, -32768, 0, -1, 16384]


def test_16_bit_input_passes_bit_exact(tmp_path):
    original = np.arange(-32768, 32768, 7, dtype=np.int16)
    soundfile.write(tmp_path / "in.wav", original, 8000, subtype="PCM_16")
    decoded, _ = soundfile.read(tmp_path / "in.wav", dtype="float32")
    with AtomicWavWriter(tmp_path / "out.wav", 8000) as out:
        out.write(decoded)
    assert np.array_equal(soundfile.read(tmp_path / "out.wav", dtype="int16")[0], original)


def test_exception_removes_temp_and_keeps_old_file(tmp_path):
    path = tmp_path / "out.wav"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="boom"):
        with AtomicWavWriter(path, 8000) as out:
            out.write(np.zeros(100, dtype=np.float32))
            raise RuntimeError("boom")
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_missing_directory_is_bad_input(tmp_path):
    with pytest.raises(AudioInputError, match="does not exist"):
        with AtomicWavWriter(tmp_path / "no" / "out.wav", 8000):
            pass


def test_refuses_multichannel_blocks(tmp_path):
    with pytest.raises(ValueError, match=r"\(10, 2\)"):
        with AtomicWavWriter(tmp_path / "o.wav", 8000) as out:
            out.write(np.zeros((10, 2), dtype=np.float32))
    assert list(tmp_path.iterdir()) == []


def test_directory_as_target_is_bad_input(tmp_path):
    (tmp_path / "out.wav").mkdir()
    with pytest.raises(AudioInputError, match=r"out\.wav: is a directory"):
        with AtomicWavWriter(tmp_path / "out.wav", 8000):
            pass
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


class _FailingFile:
    """A SoundFile stand-in whose writes or close fail, as on a full disk."""

    def __init__(self, real, fail_on):
        self._real, self._fail_on = real, fail_on

    def write(self, data):
        if self._fail_on == "write":
            raise soundfile.LibsndfileError(0, "System error: No space left on device")
        self._real.write(data)

    def close(self):
        self._real.close()
        if self._fail_on == "close":
            raise soundfile.LibsndfileError(0, "System error: No space left on device")


@pytest.mark.parametrize("fail_on", ["write", "close"])
def test_failed_write_or_close_is_an_audio_error_and_leaves_nothing(tmp_path, fail_on):
    with pytest.raises(AudioError, match=r"out\.wav: cannot (finish )?writ"):
        with AtomicWavWriter(tmp_path / "out.wav", 8000) as out:
            out._file._file = _FailingFile(out._file._file, fail_on)  # the libsndfile handle
            out.write(np.zeros(100, dtype=np.float32))
    assert list(tmp_path.iterdir()) == []


def test_file_writer_keeps_channels_and_integer_samples_bit_for_bit(tmp_path):
    from audio.wavout import FileWriter

    ints = np.random.default_rng(5).integers(-(2 ** 23), 2 ** 23 - 1, (3000, 3), dtype=np.int32) << 8
    path = tmp_path / "x.wav"
    with FileWriter(path, 16000, 3, container="WAV", subtype="PCM_24") as out:
        for a in range(0, 3000, 1000):
            out.write(ints[a:a + 1000] / 2 ** 31)  # float64, as audio.decode gives them
    assert out.frames == 3000
    info = soundfile.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 3, "PCM_24")
    assert np.array_equal(soundfile.read(path, dtype="int32")[0], ints)


def test_file_writer_errors_name_what_the_caller_shows(tmp_path):
    from audio.wavout import FileWriter

    with pytest.raises(AudioError, match=r"^out\.flac: cannot write FLAC"):
        FileWriter(tmp_path / "gone" / ".tmp-1", 8000, container="FLAC", subtype="PCM_16", shown_as="out.flac")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_inside_the_message_is_quoted(tmp_path):
    target = tmp_path / "no such dir" / "out.wav"
    with pytest.raises(AudioInputError) as info:
        with AtomicWavWriter(target, 8000):
            pass
    assert str(info.value) == f"'{target}': output directory '{tmp_path}/no such dir' does not exist"


def test_a_directory_that_cannot_be_written_in_is_quoted(tmp_path, monkeypatch):
    import audio.wavout

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(audio.wavout, "Replacement", refuse)
    target = tmp_path / "out.wav"
    with pytest.raises(AudioError) as info:
        with AtomicWavWriter(target, 8000):
            pass
    assert str(info.value) == f"{target}: cannot create a file in '{tmp_path}' (Permission denied)"


def test_a_path_heading_a_writer_error_is_quoted_when_it_could_blur(tmp_path):
    directory = tmp_path / "a dir.wav"
    directory.mkdir()
    with pytest.raises(AudioInputError) as caught:
        with AtomicWavWriter(directory, 8000):
            pass
    assert str(caught.value) == f"{str(directory)!r}: is a directory, not an output file"


def test_two_channel_float_tracks_keep_samples_past_full_scale(tmp_path):
    block = np.float32([[0.5, -1.5], [1.25, 0.0], [-0.25, 0.75]])
    with AtomicWavWriter(tmp_path / "tracks.wav", 8000, channels=2, subtype="FLOAT") as out:
        out.write(block)
        with pytest.raises(ValueError, match=r"\(frames, 2\)"):
            out.write(block[:, 0])
    data, rate = soundfile.read(tmp_path / "tracks.wav", dtype="float32")
    assert rate == 8000 and np.array_equal(data, block)
