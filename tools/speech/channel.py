"""Telephone-channel simulation for training data and benchmarks (not used by the product).

Band-pass 300-3400 Hz (ITU-T G.712), G.711 mu-law companding (mu = 255, 8 bits), additive
noise at a given S/N, level and speed changes.
"""

from __future__ import annotations

import numpy as np
import soxr
from scipy import signal

RATE_HZ = 8000
_BAND_SOS = signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=RATE_HZ, output="sos")
MU = 255.0


def band_pass(x: np.ndarray) -> np.ndarray:
    return signal.sosfilt(_BAND_SOS, x).astype(np.float32)


def mu_law(x: np.ndarray) -> np.ndarray:
    """G.711 mu-law encode to 8 bits and decode (continuous-curve approximation)."""
    x = np.clip(x, -1.0, 1.0)
    code = np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)
    code = np.round(code * 127.0) / 127.0
    return (np.sign(code) * ((1.0 + MU) ** np.abs(code) - 1.0) / MU).astype(np.float32)


def rms_dbfs(x: np.ndarray) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def set_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scale so the loud part (frames within 20 dB of the loudest) sits at ``dbfs``."""
    frames = x[: x.size // 80 * 80].reshape(-1, 80) if x.size >= 80 else x.reshape(1, -1)
    energy = np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20
    active = energy[energy > energy.max() * 0.01]
    level = 10.0 * np.log10(active.mean())
    return (x * 10.0 ** ((dbfs - level) / 20.0)).astype(np.float32)


def noise(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return white
    if kind == "pink":  # 1/f via a cheap IIR (Kellet's economy filter)
        b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
        a = [1.0, -2.494956002, 2.017265875, -0.522189400]
        return signal.lfilter(b, a, white).astype(np.float32)
    if kind == "hum":
        t = np.arange(n) / RATE_HZ
        return (np.sin(2 * np.pi * 60.0 * t) + 0.5 * np.sin(2 * np.pi * 180.0 * t) + 0.1 * white).astype(np.float32)
    raise ValueError(f"unknown noise kind {kind!r}")


def add_noise(x: np.ndarray, snr_db: float, kind: str, rng: np.random.Generator, speech_dbfs: float) -> np.ndarray:
    n = noise(x.size, kind, rng)
    n *= 10.0 ** ((speech_dbfs - snr_db - rms_dbfs(n)) / 20.0)
    return (x + n).astype(np.float32)


def change_speed(x: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (tempo and pitch together, as Kaldi's speed perturbation)."""
    if abs(factor - 1.0) < 1e-3:
        return x
    return soxr.resample(x, RATE_HZ * factor, RATE_HZ).astype(np.float32)


#: A simulated room's reverberation time (RT60) and the direct sound's share of the
#: response's energy, drawn uniformly: a handset or speakerphone in an ordinary room.
ROOM_RT60_S = (0.15, 0.7)
ROOM_DIRECT = (0.3, 0.9)


def room(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x`` as heard in a room: convolved with a synthetic impulse response (a direct path
    and exponentially decaying noise, 60 dB down after an RT60 drawn from ``ROOM_RT60_S``),
    half the tail kept past the end (``telephone`` sets the level). Synthetic voices are dry;
    people's recordings carry their room."""
    rt60_s = float(rng.uniform(*ROOM_RT60_S))
    n = int(rt60_s * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    tail = rng.standard_normal(n) * 10.0 ** (-3.0 * t / rt60_s)
    tail[0] = 0.0
    direct = float(rng.uniform(*ROOM_DIRECT))
    h = np.sqrt(1.0 - direct) * tail / np.sqrt(np.sum(tail**2))
    h[0] = np.sqrt(direct)
    return signal.fftconvolve(x, h)[: x.size + n // 2].astype(np.float32)


def telephone(x: np.ndarray, rng: np.random.Generator, *, level_dbfs: float, snr_db: float, noise_kind: str = "pink") -> np.ndarray:
    """Speech at ``level_dbfs`` plus line noise, through the band and mu-law."""
    y = set_level(x, level_dbfs)
    y = add_noise(y, snr_db, noise_kind, rng, level_dbfs)
    return mu_law(band_pass(y))
