"""waveform_peaks: min and max of equal stretches, channels mixed, streamed."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from audio.peaks import waveform_peaks


def test_each_stretch_gives_its_min_and_max_of_the_channels_mixed(tmp_path):
    left = np.array([0.5, -0.5, 0.25, 0.0, 1.0, -1.0, 0.125], np.float32)
    right = np.array([0.5, 0.5, -0.25, 0.0, 0.0, 1.0, 0.125], np.float32)
    path = tmp_path / "s.wav"
    sf.write(path, np.stack([left, right], axis=1), 8000, subtype="FLOAT")
    # 7 frames in 3 columns: stretches of 3, 3 and 1 frames; mono = [0.5, 0, 0, 0, 0.5, 0, 0.125]
    assert waveform_peaks(path, 3) == [[0.0, 0.5], [0.0, 0.5], [0.125, 0.125]]
    # more columns than frames: one pair per frame
    assert waveform_peaks(path, 500) == [[v, v] for v in (0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.125)]


def test_values_are_rounded_and_a_pcm_file_reads_as_floats(tmp_path):
    path = tmp_path / "p.wav"
    sf.write(path, np.array([12345, -20000, 7, 0], np.int16), 8000, subtype="PCM_16")
    assert waveform_peaks(path, 1) == [[-0.61, 0.377]]  # -20000/32768, 12345/32768


def test_an_empty_file_has_no_peaks_and_bad_columns_are_refused(tmp_path):
    path = tmp_path / "e.wav"
    sf.write(path, np.zeros(0, np.float32), 8000)
    assert waveform_peaks(path, 10) == []
    with pytest.raises(ValueError, match="columns must be at least 1, got 0"):
        waveform_peaks(path, 0)
