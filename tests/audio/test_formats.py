import pytest

from audio.errors import AudioInputError
from audio.formats import output_format


@pytest.mark.parametrize(("name", "like", "expected"), [
    ("out.wav", "PCM_24", ("WAV", "PCM_24")),      # the input's sample format is kept
    ("out.WAV", "ULAW", ("WAV", "ULAW")),
    ("out.flac", "PCM_16", ("FLAC", "PCM_16")),
    ("out.flac", "FLOAT", ("FLAC", "PCM_16")),     # FLAC holds no float: its default
    ("out.wav", "MPEG_LAYER_III", ("WAV", "PCM_16")),  # MP3 data only in an MP3 file
    ("out.opus", "PCM_16", ("OGG", "VORBIS")),
    ("out.aif", "PCM_16", ("AIFF", "PCM_16")),
])
def test_the_name_picks_the_container_and_the_input_its_sample_format(name, like, expected):
    assert output_format(name, like) == expected


@pytest.mark.parametrize("name", ["out.xyz", "out", "out.m4a"])
def test_a_name_without_a_writable_format_is_bad_input(name):
    with pytest.raises(AudioInputError, match=r"unknown audio format '(xyz|m4a|)' \(use e\.g\. \.wav or \.flac\)"):
        output_format(name, "PCM_16")


def test_a_path_heading_a_format_error_is_quoted_when_it_could_blur():
    with pytest.raises(AudioInputError) as caught:
        output_format("/srv/out dir/call.xyz", "PCM_16")
    assert str(caught.value) == "'/srv/out dir/call.xyz': unknown audio format 'xyz' (use e.g. .wav or .flac)"
