"""Sound like speech for tests where a mask's padding must not stop in a pause (``redaction.pauses``)."""

from __future__ import annotations

import numpy as np


def talk(seconds: float, rate_hz: int = 8000, seed: int = 0) -> np.ndarray:
    """``seconds`` of sound like speech without a pause: noise at -20 dBFS, 50 dB quieter for 30 ms
    of every 250 ms from 0.2 s on (syllables: the noise floor follows the dips, too short for a
    pause; steady noise alone would become the floor, and one long pause)."""
    t_s = np.arange(round(seconds * rate_hz)) / rate_hz
    envelope = np.where((t_s - 0.2) % 0.25 < 0.03, 0.003, 1.0)
    return (0.1 * envelope * np.random.default_rng(seed).standard_normal(t_s.size)).astype(np.float32)


def talking_call(seconds: float, rate_hz: int = 8000) -> np.ndarray:
    """A call of ``seconds``: 0.2 s of silence, then ``talk``."""
    return np.concatenate([np.zeros(round(0.2 * rate_hz), np.float32), talk(seconds - 0.2, rate_hz)])
