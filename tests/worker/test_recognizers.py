"""The recognizer factory: none, or the built-in one."""

from __future__ import annotations

import pytest

from redaction.speech.recognizer import BuiltinRecognizer
from worker.errors import UsageError
from worker.recognizers import make_recognizer
from worker.settings import Settings


def test_none_means_no_recognizer() -> None:
    assert make_recognizer(Settings(recognizer="none")) is None


def test_builtin_is_the_speech_package_recognizer() -> None:
    assert isinstance(make_recognizer(Settings(recognizer="builtin")), BuiltinRecognizer)


def test_unknown_choice_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="CALLREC_RECOGNIZER 'whisper'"):
        make_recognizer(Settings(recognizer="whisper"))
