"""Log-mel features of telephone-band speech (8 kHz, 300-3400 Hz).

Frames of 25 ms every 10 ms (the usual speech-recognition framing), 32 mel bands over the
telephone pass band (ITU-T G.712: 300-3400 Hz), natural log of the band power. Training
(tools/speech) and inference use this one function, so the two cannot drift apart.
"""

from __future__ import annotations

import numpy as np

#: Every model input is 8 kHz audio (narrowband telephony, G.711).
RATE_HZ = 8000
#: 25 ms analysis window, 10 ms hop.
FRAME_LEN = int(0.025 * RATE_HZ)
HOP_LEN = int(0.010 * RATE_HZ)
FFT_LEN = 256
#: Mel bands over the telephone pass band (ITU-T G.712 300-3400 Hz).
N_MELS = 32
LOW_HZ = 300.0
HIGH_HZ = 3400.0
#: Power floor before the log: about -100 dB re full scale, far below any line noise.
POWER_FLOOR = 1e-10


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_matrix(warp: float = 1.0) -> np.ndarray:
    """Triangular mel filters, shape (FFT_LEN // 2 + 1, N_MELS).

    ``warp`` scales the frequency axis (vocal tract length perturbation, used only to
    augment training data): 1.1 makes a voice look like a 10 % shorter vocal tract.
    """
    edges_hz = _mel_to_hz(np.linspace(_hz_to_mel(np.array(LOW_HZ)), _hz_to_mel(np.array(HIGH_HZ)), N_MELS + 2))
    bins_hz = np.arange(FFT_LEN // 2 + 1) * RATE_HZ / FFT_LEN / warp
    matrix = np.zeros((bins_hz.size, N_MELS), dtype=np.float32)
    for band in range(N_MELS):
        lo, mid, hi = edges_hz[band], edges_hz[band + 1], edges_hz[band + 2]
        rising = (bins_hz - lo) / (mid - lo)
        falling = (hi - bins_hz) / (hi - mid)
        matrix[:, band] = np.clip(np.minimum(rising, falling), 0.0, None)
    return matrix


_MEL = mel_matrix()
_WINDOW = np.hamming(FRAME_LEN).astype(np.float32)


def frame_count(n_samples: int) -> int:
    """Number of whole frames in ``n_samples`` samples."""
    return 0 if n_samples < FRAME_LEN else 1 + (n_samples - FRAME_LEN) // HOP_LEN


def log_mel(samples: np.ndarray, mel: np.ndarray = _MEL) -> np.ndarray:
    """Log-mel energies, shape (frames, N_MELS), of 8 kHz float32 mono samples."""
    n_frames = frame_count(samples.size)
    if n_frames == 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    x = np.asarray(samples, dtype=np.float32)
    # Pre-emphasis (first-order, 0.97) flattens the speech spectrum's tilt.
    x = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME_LEN)[::HOP_LEN][:n_frames] * _WINDOW
    power = np.abs(np.fft.rfft(frames, FFT_LEN, axis=1)).astype(np.float32) ** 2
    return np.log(power @ mel + POWER_FLOOR).astype(np.float32)


#: Frames within this much of the loudest one count as speech for normalisation (30 dB).
ACTIVE_RANGE_NEPER = 30.0 / 10.0 * np.log(10.0)


def normalise(mel: np.ndarray) -> np.ndarray:
    """Remove each band's mean over the utterance's active frames.

    Cancels the talker's level (theo is 15-20 dB quieter than the others) and a fixed
    channel colouring, without letting the length of the surrounding silence matter.
    """
    if mel.shape[0] == 0:
        return mel
    energy = np.log(np.exp(mel).sum(axis=1))
    active = mel[energy > energy.max() - ACTIVE_RANGE_NEPER]
    return (mel - active.mean(axis=0, keepdims=True)).astype(np.float32)
