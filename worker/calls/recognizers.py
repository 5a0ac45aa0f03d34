"""Chooses the speech recognizer for spoken card data (settings.recognizer: whisper | builtin | none).

``whisper`` (the default) is ``redaction.speech.whisper.WhisperRecognizer``: Whisper tiny.en on
what settings.whisper_hears asks for, with context: ``speech`` (the default), every speech
region, or ``numbers``, the regions the number gate passes. Its model is loaded and checked once per process and
shared by every job. ``builtin`` is ``redaction.speech.recognizer.BuiltinRecognizer`` alone. If
a recognizer cannot be loaded (a missing package, a model file that fails its digest) the
error surfaces: silently running without it would store spoken card numbers unmasked.
"""

from __future__ import annotations

import functools

from callrec.errors import shown
from redaction.recognizer import Recognizer
from redaction.speech.recognizer import BuiltinRecognizer
from worker.errors import UsageError
from worker.settings import Settings

#: Values of CALLREC_RECOGNIZER.
CHOICES = ("whisper", "builtin", "none")
#: Values of CALLREC_WHISPER_HEARS (redaction.speech.whisper.HEARS, named here so settings are
#: checked without loading the speech packages).
HEARS = ("numbers", "speech")


def make_recognizer(settings: Settings) -> Recognizer | None:
    """The recognizer ``settings`` asks for, or None when it asks for none."""
    if settings.recognizer not in CHOICES:
        raise UsageError(f"CALLREC_RECOGNIZER {shown(settings.recognizer)} is not one of {', '.join(CHOICES)}")
    if settings.whisper_hears not in HEARS:
        raise UsageError(f"CALLREC_WHISPER_HEARS {shown(settings.whisper_hears)} is not one of {', '.join(HEARS)}")
    if settings.recognizer == "none":
        return None
    if settings.recognizer == "whisper":
        return whisper_recognizer(settings.whisper_hears)
    return BuiltinRecognizer()


@functools.cache
def whisper_recognizer(hears: str = "numbers") -> Recognizer:
    """The process's one WhisperRecognizer per ``hears`` (model loaded and checked on first use)."""
    from redaction.speech.whisper import WhisperRecognizer

    return WhisperRecognizer(whisper_model(), hears=hears)


@functools.cache
def whisper_model():  # noqa: ANN201 (a faster_whisper.WhisperModel)
    """The process's one Whisper model, loaded and checked on first use."""
    from redaction.speech.whisper_model import load_model

    return load_model()
