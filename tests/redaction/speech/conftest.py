"""Fixtures shared by the speech tests: the Whisper model, loaded and checked once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def whisper_model():
    from redaction.speech.whisper_model import load_model

    return load_model()
