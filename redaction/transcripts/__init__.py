"""Word-timed transcripts from transcription providers: one module per format.

``load(text, format_name)`` parses; ``redacted(transcript)`` writes it back with the words
of every card number, expiry date and security code replaced (a transcript is a copy of the
card data too).
"""

from __future__ import annotations

from redaction.cards import find_entities
from redaction.errors import TranscriptError
from redaction.transcripts import assemblyai, aws, deepgram, simple, whisper
from redaction.transcripts.base import PLACEHOLDER, Transcript, TranscriptFormat
from redaction.transcripts.clock import to_recording_clock

#: Every supported format by name.
FORMATS: dict[str, TranscriptFormat] = {
    module.NAME: module.FORMAT for module in (aws, deepgram, assemblyai, whisper, simple)
}


def get_format(name: str) -> TranscriptFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise TranscriptError(f"unknown transcript format {name!r}; known: {', '.join(sorted(FORMATS))}") from None


def load(text: str, format_name: str) -> Transcript:
    """Parse ``text`` as ``format_name``; raises TranscriptError naming what is wrong."""
    fmt = get_format(format_name)
    return Transcript(fmt.name, fmt.parse(text), text)


def sensitive_words(transcript: Transcript) -> frozenset[int]:
    """Indices of the words that say card data (the ones redaction masks)."""
    return frozenset(i for entity in find_entities(transcript.words) for i in entity.words)


def redacted(transcript: Transcript) -> str:
    """The transcript in its own format with every sensitive word replaced by PLACEHOLDER.

    Copies of the words that ``parse`` does not read (utterances, other alternatives, word
    segments) are only checked here: a malformed copy is a TranscriptError naming no value
    (``float('card 4532 ...')`` would echo the transcript's text).
    """
    fmt = get_format(transcript.format)
    try:
        return fmt.redact(transcript.source, sensitive_words(transcript))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise TranscriptError(
            f"{fmt.name} transcript: a copy of the words (utterances, alternatives, segments) "
            "has a missing field, a time that is not a number or a word that is not text"
        ) from None


__all__ = [
    "FORMATS",
    "PLACEHOLDER",
    "Transcript",
    "TranscriptFormat",
    "get_format",
    "load",
    "redacted",
    "sensitive_words",
    "to_recording_clock",
]
