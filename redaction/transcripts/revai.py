"""Rev.ai transcript (``GET /jobs/{id}/transcript``, ``application/vnd.rev.transcript.v1.0+json``).

Shape (Rev.ai API reference): ``monologues[]`` with ``speaker`` and ``elements[]``: ``text``
elements (``value``, ``ts``, ``end_ts`` in seconds, ``confidence``) and ``punct`` elements
(``value`` only, spaces too). Written back: redacted elements' ``value``; any other text
scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import ListedWords, Reading, WriteBack, field, lacks, load_json, make_word
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words

NAME = "revai"


class RevAiTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["monologues[]", "monologues[0].elements[]"])

    def read(self, text: str) -> Reading:
        words = tuple(
            make_word(field(e, "ts", where, NAME), field(e, "end_ts", where, NAME), field(e, "value", where, NAME),
                      e.get("confidence"), where, NAME)
            for where, e in _elements(load_json(text, NAME))
        )
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        words.redact([e for _, e in _elements(document)], "value")
        skip = [e for m in document["monologues"] for e in m.get("elements", [])]
        return finish(document, words.said, skip, owned=("value", "ts", "end_ts", "type", "confidence"))


def _elements(document: Any) -> list[tuple[str, dict[str, Any]]]:
    monologues = field(document, "monologues", "the document", NAME)
    if not isinstance(monologues, list):
        raise TranscriptError(f"{NAME} transcript: monologues is not a list")
    out = []
    for m, monologue in enumerate(monologues):
        elements = field(monologue, "elements", f"monologues[{m}]", NAME)
        if not isinstance(elements, list):
            raise TranscriptError(f"{NAME} transcript: monologues[{m}].elements is not a list")
        out += [(f"monologues[{m}].elements[{i}]", e) for i, e in enumerate(elements)
                if isinstance(e, dict) and e.get("type") == "text"]
    return out


FORMAT = RevAiTranscript()
