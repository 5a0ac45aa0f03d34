"""AssemblyAI transcript (``GET /v2/transcript/{id}``).

Shape (AssemblyAI API reference): ``text`` is the full transcript; ``words`` lists ``text``,
``start`` and ``end`` in milliseconds, ``confidence``, ``speaker``. With speaker labels,
``utterances`` repeat the words with their own ``text``: their words overlapping a redacted
word are redacted and their text rebuilt. With ``redact_pii``, a redacted word reads
``####`` (hash substitution) or ``[CREDIT_CARD_NUMBER]`` (entity name): a provider marker,
masked where it stands. Model outputs derived from the text (summary, chapters,
highlights, entities, sentiment, content safety and topic labels) are kept, scrubbed as free
text; those tied to the time of a redacted word have their numbers redacted too.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    ListedWords,
    Reading,
    WriteBack,
    field,
    lacks,
    load_json,
    make_word,
    overlapping,
    redact_text,
)
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "assemblyai"
MS = 0.001


class AssemblyAiTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        lacking = lacks(document, ["words[]", "words[0].text", "words[0].start", "text"])
        if not lacking and not all(_whole_ms(word) for word in document["words"]):
            return ("words[].start and .end in whole milliseconds",)  # another provider's seconds
        return lacking

    def read(self, text: str) -> Reading:
        words = tuple(word_of(w, where) for where, w in _words(load_json(text, NAME)))
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        listed = [word for _, word in _words(document)]
        words = ListedWords(sensitive)
        spans = [(float(listed[k]["start"]), float(listed[k]["end"])) for k in words.redact(listed, "text")]
        skip: list[Any] = list(listed)
        if spans:
            document["text"] = " ".join(w["text"] for w in document["words"])
        redacted = overlapping(spans)
        for utterance in document.get("utterances") or []:
            hit = False
            for word in utterance.get("words", []):
                skip.append(word)
                if redacted(float(word["start"]), float(word["end"])):
                    word["text"] = redact_text(word["text"])
                    hit = True
            if hit:
                utterance["text"] = " ".join(w["text"] for w in utterance.get("words", []))
        return finish(document, words.said, skip, near=near_spans(spans), owned=OWNED)


def word_of(word: Any, where: str, format_name: str = NAME) -> TimedWord:
    """One of AssemblyAI's words (``text``, ``start`` and ``end`` in milliseconds, ``confidence``),
    as the transcript and its sentences and paragraphs hold them; errors name ``format_name``."""
    return make_word(field(word, "start", where, format_name), field(word, "end", where, format_name),
                     field(word, "text", where, format_name), word.get("confidence"), where, format_name, scale=MS)


#: The fields of a word read or written here (every other one is scrubbed: ``freetext.finish``).
OWNED = ("text", "start", "end", "confidence")


def near_spans(spans: list[tuple[float, float]]) -> Any:
    """Whether a mapping (a highlight, an entity, a chapter) lies at the time of a redacted word."""
    redacted = overlapping(spans)

    def near(node: dict[str, Any]) -> bool:
        if not spans or "words" in node:
            return False
        try:
            if "start" in node and "end" in node:
                return redacted(float(node["start"]), float(node["end"]))
            stamps = node.get("timestamps") or ([node["timestamp"]] if isinstance(node.get("timestamp"), dict) else [])
            return any(redacted(float(t["start"]), float(t["end"])) for t in stamps)
        except (KeyError, TypeError, ValueError):
            return False
    return near


#: The statuses of a transcript fetched before it completed (no words yet), and why.
UNFINISHED = {"queued": "not transcribed yet; fetch it again once it is completed",
              "processing": "not transcribed yet; fetch it again once it is completed",
              "error": "AssemblyAI could not transcribe the audio"}


def unfinished(document: Any) -> TranscriptError | None:
    """The error for an AssemblyAI transcript fetched before it completed (``status`` queued,
    processing or error, no words), else None."""
    if not (isinstance(document, dict) and "audio_url" in document and not isinstance(document.get("words"), list)):
        return None
    status = document.get("status")
    if not isinstance(status, str) or status not in UNFINISHED:
        return None
    return TranscriptError(f"{NAME} transcript: status is {status!r}, not 'completed': {UNFINISHED[status]}")


def _words(document: Any) -> list[tuple[str, dict[str, Any]]]:
    if (error := unfinished(document)) is not None:
        raise error
    words = field(document, "words", "the document", NAME)
    if not isinstance(words, list):
        raise TranscriptError(f"{NAME} transcript: words is not a list (was the transcript completed?)")
    return [(f"words[{i}]", w) for i, w in enumerate(words)]


def _whole_ms(word: Any) -> bool:
    """AssemblyAI's word times are whole milliseconds (numbers with a fraction are seconds)."""
    times = [word.get("start"), word.get("end")] if isinstance(word, dict) else []
    return all(type(t) is int or type(t) is float and t.is_integer() for t in times)


FORMAT = AssemblyAiTranscript()
