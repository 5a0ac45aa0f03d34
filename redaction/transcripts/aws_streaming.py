"""Amazon Transcribe streaming results (``StartStreamTranscription`` transcript events).

Shape (Amazon Transcribe developer guide, "Streaming transcriptions"): a ``TranscriptEvent``
body is ``Transcript.Results[]``, each with ``IsPartial``, ``StartTime``/``EndTime``,
``ChannelId`` and ``Alternatives[]`` of ``Transcript`` and ``Items`` (``pronunciation`` or
``punctuation``, ``Content``, ``StartTime``/``EndTime`` as numbers in seconds from the
stream's start, ``Confidence``). Read as one body, the event (``TranscriptEvent``) or its
stream wrapper (``TranscriptResultStream``), or a list of them as a client keeps them.
Partial results (``IsPartial`` true) are repeated by the final one: not read, their copies
redacted by time. With streaming content redaction a word reads ``[PII]``: a provider
marker, masked where it stands. Written back: redacted items' ``Content``, each changed
alternative's ``Transcript`` rebuilt, entities and other text scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    Reading, WriteBack, field, lacks, load_json, make_word, near_times, overlapping, redact_text)
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words
from redaction.transcripts.turns import join_items

NAME = "aws-streaming"


class AwsStreamingTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        events = document if isinstance(document, list) and document else [document]
        for event in events:
            missing = lacks(_unwrapped(event), ["Transcript", "Transcript.Results[]",
                                                "Transcript.Results[0].Alternatives[]",
                                                "Transcript.Results[0].Alternatives[0].Items[]"])
            if missing:
                return missing
        return ()

    def read(self, text: str) -> Reading:
        words = [make_word(field(item, "StartTime", where, NAME), field(item, "EndTime", where, NAME),
                           field(item, "Content", where, NAME), item.get("Confidence"), where, NAME)
                 for where, item, final in _items(load_json(text, NAME)) if final]
        return Reading(tuple(words), marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        listed = _items(document)
        finals = [item for _, item, final in listed if final]
        said = [item["Content"] for i, item in enumerate(finals) if i in sensitive]
        spans = [(float(item["StartTime"]), float(item["EndTime"])) for i, item in enumerate(finals) if i in sensitive]
        redacted = overlapping(spans)
        for _, alternative, _, _ in _alternatives(document):
            items = alternative.get("Items") or []
            hit = False
            for item in items:
                if item.get("Type") == "pronunciation" and redacted(float(item["StartTime"]), float(item["EndTime"])):
                    item["Content"] = redact_text(item["Content"])
                    hit = True
            if hit:
                alternative["Transcript"] = join_items(items)
        return finish(document, said, [item for _, item, _ in listed], near=_near(spans),
                      owned=("StartTime", "EndTime", "Type", "Content", "Confidence"))


def _near(spans: list[tuple[float, float]]) -> Any:  # an entity (PII identification) over a redacted word
    return near_times(spans, lambda node: (float(node["StartTime"]), float(node["EndTime"])) if "Category" in node
                      else None)


def _unwrapped(event: Any) -> Any:
    """The event body (``Transcript``) out of its stream wrappers."""
    for key in ("TranscriptResultStream", "TranscriptEvent"):
        if isinstance(event, dict) and isinstance(event.get(key), dict):
            event = event[key]
    return event


def _body(event: Any) -> Any:
    """The ``Transcript`` mapping of an event in any of its wrappings, or None."""
    event = _unwrapped(event)
    if isinstance(event, dict) and isinstance(event.get("Transcript"), dict) and "Results" in event["Transcript"]:
        return event["Transcript"]
    return None


def _alternatives(document: Any) -> list[tuple[str, dict[str, Any], dict[str, Any], int]]:
    """(where, alternative, its result, its position) for every alternative of every result;
    partial ones too."""
    out = []
    for where, result in _results(document):
        alternatives = field(result, "Alternatives", where, NAME)
        if not isinstance(alternatives, list):
            raise TranscriptError(f"{NAME} transcript: {where}.Alternatives is not a list")
        for a, alternative in enumerate(alternatives):
            if not isinstance(alternative, dict):
                raise TranscriptError(f"{NAME} transcript: {where}.Alternatives[{a}] is not a mapping")
            out.append((f"{where}.Alternatives[{a}]", alternative, result, a))
    return out


def _results(document: Any) -> list[tuple[str, dict[str, Any]]]:
    events = document if isinstance(document, list) else [document]
    out = []
    for e, event in enumerate(events):
        body = _body(event)
        prefix = f"[{e}]." if isinstance(document, list) else ""
        if body is None:
            raise TranscriptError(f"{NAME} transcript: {f'[{e}]' if prefix else 'the document'} has no Transcript.Results")
        results = body["Results"]
        if not isinstance(results, list):
            raise TranscriptError(f"{NAME} transcript: {prefix}Transcript.Results is not a list")
        for r, result in enumerate(results):
            where = f"{prefix}Transcript.Results[{r}]"
            if not isinstance(result, dict):
                raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
            out.append((where, result))
    return out


def _items(document: Any) -> list[tuple[str, dict[str, Any], bool]]:
    """Pronunciation items of every result's first alternative, and whether the result is final."""
    out = []
    for here, alternative, result, position in _alternatives(document):
        if position:
            continue
        items = alternative.get("Items")
        if not isinstance(items, list):
            raise TranscriptError(f"{NAME} transcript: {here}.Items is not a list")
        final = result.get("IsPartial") is not True
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise TranscriptError(f"{NAME} transcript: {here}.Items[{i}] is not a mapping")
            if item.get("Type", "pronunciation") == "pronunciation":
                out.append((f"{here}.Items[{i}]", item, final))
    return out


FORMAT = AwsStreamingTranscript()
