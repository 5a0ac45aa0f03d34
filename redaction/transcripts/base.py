"""What every transcript format provides, and helpers they share.

A format turns a provider's document into timed words (in a fixed order, so an index names
one word) and writes the document back with chosen words replaced by ``PLACEHOLDER``,
in the provider's own shape. Derived text (full transcripts, utterances) is rebuilt from the
redacted words; derived data that cannot be rebuilt (token ids, summaries) is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from redaction.errors import TranscriptError
from redaction.words import TimedWord

#: What a redacted word reads as in a written-back transcript.
PLACEHOLDER = "[redacted]"

_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


class TranscriptFormat(Protocol):
    """One provider's word-timed transcript format."""

    #: Name used on the command line and in manifests (aws, deepgram, ...).
    name: str

    def parse(self, text: str) -> tuple[TimedWord, ...]:
        """Timed words in document order; raises TranscriptError."""
        ...

    def redact(self, text: str, sensitive: frozenset[int]) -> str:
        """The document with the words at indices ``sensitive`` (as ``parse`` numbers them)
        replaced by PLACEHOLDER."""
        ...


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: its format, its words, and the source to write back redacted."""

    format: str
    words: tuple[TimedWord, ...]
    source: str

    def __repr__(self) -> str:  # never show text
        return f"Transcript({self.format}, {len(self.words)} words)"


def load_json(text: str, format_name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f"{format_name} transcript is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None


def dump_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def field(mapping: Any, key: str, where: str, format_name: str) -> Any:
    """``mapping[key]`` or a TranscriptError naming the missing field."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise TranscriptError(f"{format_name} transcript: {where} has no {key!r} field")
    return mapping[key]


def make_word(start: Any, end: Any, text: Any, confidence: Any, where: str, format_name: str, scale: float = 1.0) -> TimedWord:
    """A TimedWord from raw fields, with errors that name the word and never its text."""
    try:
        start_s, end_s = float(start) * scale, float(end) * scale
        conf = 1.0 if confidence is None else float(confidence)
    except (TypeError, ValueError):
        raise TranscriptError(f"{format_name} transcript: {where} has a time or confidence that is not a number") from None
    if not isinstance(text, str):
        raise TranscriptError(f"{format_name} transcript: {where} has no word text")
    if not 0.0 <= start_s <= end_s:
        raise TranscriptError(
            f"{format_name} transcript: {where} has bad times ({start_s:.3f} s to {end_s:.3f} s)"
        )
    return TimedWord(start_s, end_s, text, conf)


def redact_text(text: str) -> str:
    """A word's text with its core replaced, its punctuation and leading space kept."""
    match = _CORE.match(text)
    assert match is not None
    lead, core, trail = match.groups()
    return f"{lead}{PLACEHOLDER}{trail}" if core else text


def redact_listed(words: Iterable[dict[str, Any]], sensitive: frozenset[int], text_key: str | None) -> list[tuple[float, float]]:
    """Redact, in place, the text (``text_key``; None: leave it) of the ``sensitive`` words
    (positions in ``words``); return their (start, end) times, for redacting the copies of
    those words elsewhere in the document."""
    spans = []
    for index, word in enumerate(words):
        if index in sensitive:
            if text_key is not None:
                word[text_key] = redact_text(word[text_key])
            spans.append((float(word["start"]), float(word["end"])))
    return spans


def overlaps(start_s: float, end_s: float, spans: Iterable[tuple[float, float]]) -> bool:
    """True when the word time overlaps any of ``spans`` (derived copies of redacted words)."""
    return any(start_s < e and s < end_s or (start_s == s and end_s == e) for s, e in spans)
