"""Chooses the speech recognizer for spoken card data (settings.recognizer: builtin | none).

The built-in recognizer lives in ``redaction.speech``; until that package provides
``redaction.speech.recognizer.BuiltinRecognizer`` (or when it cannot be imported on this
machine) there is no recognizer and redaction covers keyed digits and transcripts only.
"""

from __future__ import annotations

import importlib

from redaction.recognizer import Recognizer
from worker.errors import UsageError
from worker.settings import Settings

#: Values of CALLREC_RECOGNIZER.
CHOICES = ("builtin", "none")


def make_recognizer(settings: Settings) -> Recognizer | None:
    """The recognizer ``settings`` asks for, or None (none chosen, or not available here)."""
    if settings.recognizer not in CHOICES:
        raise UsageError(f"CALLREC_RECOGNIZER {settings.recognizer!r} is not one of {', '.join(CHOICES)}")
    if settings.recognizer == "none":
        return None
    try:
        module = importlib.import_module("redaction.speech.recognizer")
    except ImportError:
        return None
    factory = getattr(module, "BuiltinRecognizer", None)
    return None if factory is None else factory()
