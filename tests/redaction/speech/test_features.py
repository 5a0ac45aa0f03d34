import numpy as np
import pytest

from redaction.speech.features import FRAME_LEN, HOP_LEN, N_MELS, frame_count, log_mel, mel_matrix, normalise


def tone(hz: float, seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * 8000)) / 8000
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_frame_count_is_25ms_frames_every_10ms():
    assert (FRAME_LEN, HOP_LEN) == (200, 80)
    assert frame_count(199) == 0
    assert frame_count(200) == 1
    assert frame_count(8000) == 98  # 1 s: 1 + (8000 - 200) // 80


def test_log_mel_shape_and_empty_input():
    assert log_mel(np.zeros(8000, np.float32)).shape == (98, N_MELS)
    assert log_mel(np.zeros(100, np.float32)).shape == (0, N_MELS)


def test_tone_energy_lands_in_the_band_that_covers_it():
    mel = log_mel(tone(1000.0, 0.5))
    peak_band = int(np.argmax(mel.mean(axis=0)))
    weights = mel_matrix()[round(1000.0 * 256 / 8000)]
    assert weights[peak_band] == weights.max() > 0


def test_filters_stay_inside_the_telephone_band():
    matrix = mel_matrix()
    bins_hz = np.arange(matrix.shape[0]) * 8000 / 256
    assert matrix[bins_hz < 300].sum() == 0
    assert matrix[bins_hz > 3400].sum() == 0


def test_normalise_cancels_level():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(8000) * 0.1).astype(np.float32)
    a = normalise(log_mel(x))
    b = normalise(log_mel(x * 0.05))  # 26 dB quieter
    assert np.allclose(a, b, atol=1e-3)


@pytest.mark.parametrize("warp", [0.9, 1.1])
def test_warp_moves_filters(warp):
    assert not np.allclose(mel_matrix(warp), mel_matrix())
