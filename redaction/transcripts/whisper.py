"""OpenAI Whisper / faster-whisper output with word timestamps.

Shape (openai-whisper ``transcribe(..., word_timestamps=True)``, written as JSON by its CLI;
faster-whisper segments serialised the same way): ``text`` and ``segments[]``, each with
``text``, ``tokens`` and ``words[]`` of ``word`` (with its leading space), ``start``, ``end``
in seconds and ``probability`` (WhisperX: ``score``). A bare list of segments is accepted
too. Segment and full text are rebuilt from the redacted words; ``tokens`` (token ids that
spell the text) are dropped; WhisperX ``word_segments`` copies are redacted by time.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import dump_json, field, load_json, make_word, overlaps, redact_listed, redact_text
from redaction.words import TimedWord

NAME = "whisper"


class WhisperTranscript:
    name = NAME

    def parse(self, text: str) -> tuple[TimedWord, ...]:
        return tuple(
            make_word(field(w, "start", where, NAME), field(w, "end", where, NAME), field(w, "word", where, NAME),
                      w.get("probability", w.get("score")), where, NAME)
            for where, w in _words(load_json(text, NAME))
        )

    def redact(self, text: str, sensitive: frozenset[int]) -> str:
        document = load_json(text, NAME)
        spans = redact_listed((word for _, word in _words(document)), sensitive, "word")
        segments = _segments(document)
        for segment in segments:
            segment["text"] = "".join(w["word"] for w in segment.get("words", []))
            segment.pop("tokens", None)
        if isinstance(document, dict):
            document["text"] = "".join(s["text"] for s in segments)
            for word in document.get("word_segments", []):
                if overlaps(float(word.get("start", -1)), float(word.get("end", -1)), spans):
                    word["word"] = redact_text(word["word"])
        return dump_json(document)


def _segments(document: Any) -> list[dict[str, Any]]:
    segments = document if isinstance(document, list) else field(document, "segments", "the document", NAME)
    if not isinstance(segments, list):
        raise TranscriptError(f"{NAME} transcript: segments is not a list")
    return segments


def _words(document: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for s, segment in enumerate(_segments(document)):
        words = field(segment, "words", f"segments[{s}] (transcribe with word timestamps)", NAME)
        if not isinstance(words, list):
            raise TranscriptError(f"{NAME} transcript: segments[{s}].words is not a list")
        out += [(f"segments[{s}].words[{i}]", w) for i, w in enumerate(words)]
    return out


FORMAT = WhisperTranscript()
