"""The recognizer factory: none, the built-in network, or Whisper behind the number gate."""

from __future__ import annotations

import pytest

from redaction.speech.recognizer import BuiltinRecognizer
from worker.errors import UsageError
from worker.calls.recognizers import make_recognizer
from worker.settings import Settings


def test_none_means_no_recognizer() -> None:
    assert make_recognizer(Settings(recognizer="none")) is None


def test_builtin_is_the_speech_package_recognizer() -> None:
    assert isinstance(make_recognizer(Settings(recognizer="builtin")), BuiltinRecognizer)


def test_unknown_choice_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="CALLREC_RECOGNIZER 'vosk'"):
        make_recognizer(Settings(recognizer="vosk"))


def test_whisper_is_the_default_and_loaded_once_per_process() -> None:
    from redaction.speech.whisper import WhisperRecognizer

    assert Settings().recognizer == "whisper"
    first = make_recognizer(Settings())
    assert isinstance(first, WhisperRecognizer)
    assert make_recognizer(Settings(recognizer="whisper")) is first
