"""Fixtures shared by the speech tests: the Whisper model, loaded and checked once per session,
and the four spoken digits of ``fixtures/jackson_digits.wav`` (8 kHz; jackson is a tune
speaker, see tools/evalcalls/splits.py) with a block splitter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

DIGITS_CLIP = Path(__file__).with_name("fixtures") / "jackson_digits.wav"


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    """The clip as float32 samples at 8 kHz."""
    x, rate = sf.read(DIGITS_CLIP, dtype="float32")
    assert rate == 8000
    return x


@pytest.fixture
def blocks():
    """``blocks(x, size)``: ``x`` in consecutive blocks of ``size`` samples, as a stream arrives."""
    def split(x: np.ndarray, size: int) -> Iterator[np.ndarray]:
        return (x[i : i + size] for i in range(0, x.size, size))
    return split


@pytest.fixture(scope="session")
def whisper_model():
    from redaction.speech.whisper_model import load_model

    return load_model()
