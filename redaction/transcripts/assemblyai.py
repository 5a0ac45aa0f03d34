"""AssemblyAI transcript (``GET /v2/transcript/{id}``).

Shape (AssemblyAI API reference): ``text`` is the full transcript; ``words`` lists ``text``,
``start`` and ``end`` in milliseconds, ``confidence``, ``speaker``. With speaker labels,
``utterances`` repeat the words with their own ``text``: their words overlapping a redacted
word are redacted and their text rebuilt. Model outputs derived from the text that cannot
be redacted word by word (summary, chapters, highlights, entities, sentiment, content safety and topic
labels, which quote the text) are dropped.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import dump_json, field, load_json, make_word, overlaps, redact_listed, redact_text
from redaction.words import TimedWord

NAME = "assemblyai"
MS = 0.001
DERIVED = ("summary", "chapters", "auto_highlights_result", "entities", "sentiment_analysis_results",
           "content_safety_labels", "iab_categories_result")


class AssemblyAiTranscript:
    name = NAME

    def parse(self, text: str) -> tuple[TimedWord, ...]:
        return tuple(
            make_word(field(w, "start", where, NAME), field(w, "end", where, NAME), field(w, "text", where, NAME),
                      w.get("confidence"), where, NAME, scale=MS)
            for where, w in _words(load_json(text, NAME))
        )

    def redact(self, text: str, sensitive: frozenset[int]) -> str:
        document = load_json(text, NAME)
        spans = redact_listed((word for _, word in _words(document)), sensitive, "text")
        document["text"] = " ".join(w["text"] for w in document["words"])
        for utterance in document.get("utterances") or []:
            for word in utterance.get("words", []):
                if overlaps(float(word["start"]), float(word["end"]), spans):
                    word["text"] = redact_text(word["text"])
            utterance["text"] = " ".join(w["text"] for w in utterance.get("words", []))
        for key in DERIVED:
            document.pop(key, None)
        return dump_json(document)


def _words(document: Any) -> list[tuple[str, dict[str, Any]]]:
    words = field(document, "words", "the document", NAME)
    if not isinstance(words, list):
        raise TranscriptError(f"{NAME} transcript: words is not a list (was the transcript completed?)")
    return [(f"words[{i}]", w) for i, w in enumerate(words)]


FORMAT = AssemblyAiTranscript()
