"""Chooses the speech recognizer for spoken card data (settings.recognizer: builtin | none).

``builtin`` is ``redaction.speech.recognizer.BuiltinRecognizer``. If it cannot be loaded the
error surfaces: silently running without it would store spoken card numbers unmasked.
"""

from __future__ import annotations

from redaction.recognizer import Recognizer
from redaction.speech.recognizer import BuiltinRecognizer
from worker.errors import UsageError
from worker.settings import Settings

#: Values of CALLREC_RECOGNIZER.
CHOICES = ("builtin", "none")


def make_recognizer(settings: Settings) -> Recognizer | None:
    """The recognizer ``settings`` asks for, or None when it asks for none."""
    if settings.recognizer not in CHOICES:
        raise UsageError(f"CALLREC_RECOGNIZER {settings.recognizer!r} is not one of {', '.join(CHOICES)}")
    if settings.recognizer == "none":
        return None
    return BuiltinRecognizer()
