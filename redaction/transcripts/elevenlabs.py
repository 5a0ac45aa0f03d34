"""ElevenLabs Speech to Text (Scribe) transcripts (``POST /v1/speech-to-text``).

Shape (ElevenLabs API reference, "Create transcript"): ``language_code``,
``language_probability``, ``text`` and ``words[]`` of ``text``, ``start`` and ``end`` in
seconds, ``type`` (``word``, ``spacing`` or ``audio_event``), ``speaker_id``, ``logprob`` and,
with character timestamps, ``characters[]`` (``text``, ``start``, ``end``). With
``use_multi_channel`` the answer is ``transcripts[]``, one such transcript a channel
(``channel_index``). Only ``word`` entries are read. Written back: redacted words' ``text``,
their characters emptied but the first (``[redacted]``), each changed transcript's ``text``
rebuilt from its entries; other text (entities, additional formats, the entries that are no
words: audio events, a type not known here) scrubbed.
"""

from __future__ import annotations

import math
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    PLACEHOLDER,
    ListedWords,
    Reading,
    WriteBack,
    field,
    lacks,
    load_json,
    make_word,
)
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words

NAME = "elevenlabs"
_WORD = "word"


class ElevenLabsTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        holder = document
        if isinstance(document, dict) and isinstance(document.get("transcripts"), list) and document["transcripts"]:
            holder = document["transcripts"][0]
        if isinstance(holder, dict) and holder.get("words") == []:
            return lacks(holder, ["language_probability"])  # no words: its language detection says whose
        return lacks(holder, ["words[]", "words[0].type", "words[0].start"])

    def read(self, text: str) -> Reading:
        words = tuple(make_word(field(w, "start", where, NAME), field(w, "end", where, NAME),
                                field(w, "text", where, NAME), _confidence(w.get("logprob")), where, NAME)
                      for where, w in _words(load_json(text, NAME)))
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        listed = ListedWords(sensitive)
        words: list[dict[str, Any]] = []  # redacted here; every other entry's text is scrubbed as free text
        for transcript, entries in _transcripts(document):
            spoken = [entry for entry in entries if isinstance(entry, dict) and entry.get("type", _WORD) == _WORD]
            words += spoken
            hits = listed.redact(spoken, "text")
            for k in hits:
                characters = spoken[k].get("characters")
                if isinstance(characters, list) and characters:
                    for position, character in enumerate(characters):
                        character["text"] = PLACEHOLDER if position == 0 else ""
            if hits and isinstance(transcript.get("text"), str):
                transcript["text"] = "".join(entry["text"] for entry in entries)
        return finish(document, listed.said, words, owned=("text", "start", "end", "type", "logprob"))


def _transcripts(document: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    """Each channel's transcript and its word entries (one transcript without multichannel)."""
    many = document.get("transcripts") if isinstance(document, dict) else None
    holders = many if isinstance(many, list) else [document]
    out = []
    for c, holder in enumerate(holders):
        where = f"transcripts[{c}]" if isinstance(many, list) else "the document"
        entries = field(holder, "words", where, NAME)
        if not isinstance(entries, list):
            raise TranscriptError(f"{NAME} transcript: {where}.words is not a list")
        out.append((holder, entries))
    return out


def _confidence(logprob: Any) -> float | None:
    """A word's probability from its log probability (none when that is not a number up to 0;
    past -800, where exp is 0.0 already, an integer too long for a float too)."""
    return math.exp(max(logprob, -800)) if type(logprob) in (int, float) and logprob <= 0 else None


def _words(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """(where, entry) of every ``word`` entry."""
    many = isinstance(document, dict) and isinstance(document.get("transcripts"), list)
    out = []
    for c, (_, entries) in enumerate(_transcripts(document)):
        prefix = f"transcripts[{c}]." if many else ""
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise TranscriptError(f"{NAME} transcript: {prefix}words[{i}] is not a mapping")
            if entry.get("type", _WORD) == _WORD:
                out.append((f"{prefix}words[{i}]", entry))
    return out


FORMAT = ElevenLabsTranscript()
