"""Speechmatics batch transcript (``json-v2``).

Shape (Speechmatics docs, "Output formats"): ``results[]`` of ``type`` ``word``,
``punctuation`` or ``entity`` with ``start_time``, ``end_time`` in seconds and
``alternatives[]`` (``content``, ``confidence``, ``speaker``); ``format`` names the output version
(what tells an empty ``results`` list from another provider's). An ``entity`` (numbers, with
``entity_class``) holds its ``written_form`` and ``spoken_form`` word lists; it is read as
one word over its whole time, and the words of both forms overlapping a redacted entity are
redacted too. Written back: redacted contents; ``metadata.transcript`` and other text
scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import Reading, WriteBack, field, lacks, load_json, make_word, overlapping, redact_text
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words

NAME = "speechmatics"
_WORDS = ("word", "entity")


class SpeechmaticsTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if isinstance(document, dict) and document.get("results") == [] and "format" not in document:
            return ("format",)  # an empty results list is anyone's: its format header says whose
        return lacks(document, ["results[]", "results[0].type", "results[0].alternatives[0].content"])

    def read(self, text: str) -> Reading:
        words = []
        for where, result in _results(load_json(text, NAME)):
            best = _best(result, where)
            words.append(make_word(field(result, "start_time", where, NAME), field(result, "end_time", where, NAME),
                                   field(best, "content", where, NAME), best.get("confidence"), where, NAME))
        return Reading(tuple(words), marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        said: list[str] = []
        spans: list[tuple[float, float]] = []
        listed = _results(document)
        for index, (where, result) in enumerate(listed):
            if index in sensitive:
                said.append(_best(result, where)["content"])
                _redact(result)
                spans.append((float(result["start_time"]), float(result["end_time"])))
        redacted = overlapping(spans)
        for _, result in listed:
            for form in ("written_form", "spoken_form"):
                for part in result.get(form) or []:
                    if redacted(float(part["start_time"]), float(part["end_time"])):
                        _redact(part)
        skip = []  # each result, then the parts of its written and spoken forms (words no reader reads)
        for result in document["results"]:
            if isinstance(result, dict):
                skip += [result, *[part for form in ("written_form", "spoken_form") for part in result.get(form) or []
                                   if isinstance(part, dict)]]
        return finish(document, said, skip, owned=("start_time", "end_time", "type", "alternatives.content",
                                                    "alternatives.confidence"))


def _results(document: Any) -> list[tuple[str, dict[str, Any]]]:
    results = field(document, "results", "the document", NAME)
    if not isinstance(results, list):
        raise TranscriptError(f"{NAME} transcript: results is not a list")
    return [(f"results[{i}]", r) for i, r in enumerate(results) if isinstance(r, dict) and r.get("type") in _WORDS]


def _best(result: dict[str, Any], where: str) -> dict[str, Any]:
    alternatives = field(result, "alternatives", where, NAME)
    if not isinstance(alternatives, list) or not alternatives or not isinstance(alternatives[0], dict):
        raise TranscriptError(f"{NAME} transcript: {where} has no alternatives")
    return alternatives[0]


def _redact(result: dict[str, Any]) -> None:
    for alternative in result.get("alternatives", []):
        alternative["content"] = redact_text(alternative["content"])


FORMAT = SpeechmaticsTranscript()
