"""Amazon Transcribe batch output (``results.items``).

Shape (Amazon Transcribe developer guide, "Transcription output"): ``results.transcripts[0]
.transcript`` holds the full text; ``results.items`` lists ``pronunciation`` items (times as
strings in seconds, ``alternatives[0].content`` and ``.confidence``) and ``punctuation``
items (no times). Newer jobs add item ``id`` and ``results.audio_segments`` whose
``transcript`` is rebuilt from the redacted items. With channel identification,
``results.channel_labels.channels[].items`` repeat the words per channel: those overlapping a
redacted word are redacted too, and so are the items of alternative transcriptions
(``results.segments[].alternatives[].items``, flat ``content``), whose ``transcript`` is
rebuilt. An output with channels only (as the guide shows one) is read channel by channel,
its ``transcripts`` scrubbed as free text. Speaker labels (``results.speaker_labels``) hold times only. With content
redaction, a redacted word reads ``[PII]`` (or its entity type) and carries
``redactions[].confidence``: a provider marker, masked where it stands. With PII
identification the word is kept and ``redactions[]`` gives its ``type``
(``CREDIT_DEBIT_NUMBER``, ``CREDIT_DEBIT_CVV``...): masked too, and a card type is
redacted in the written-back copy even where the card logic would not have found it.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    Marked,
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
from redaction.transcripts.markers import CARD_KINDS, UNLABELLED, marked_words, marker_entity
from redaction.words import TimedWord

NAME = "aws"


class AwsTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if lacks(document, ["results.items"]) and not lacks(document, ["results.channel_labels.channels[0].items[]"]):
            return lacks(document, ["results.channel_labels.channels[0].items[0].alternatives"])
        return lacks(document, ["results", "results.items[]", "results.items[0].alternatives"])

    def read(self, text: str) -> Reading:
        words = []
        document = load_json(text, NAME)
        for where, item in _pronunciations(document):
            alternative = field(item, "alternatives", where, NAME)
            if not isinstance(alternative, list) or not alternative:
                raise TranscriptError(f"{NAME} transcript: {where} has no alternatives")
            best = alternative[0]
            words.append(
                make_word(
                    field(item, "start_time", where, NAME),
                    field(item, "end_time", where, NAME),
                    field(best, "content", where, NAME),
                    best.get("confidence"),
                    where,
                    NAME,
                )
            )
        return Reading(tuple(words), _marked(words, document))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        spans, said = [], []
        pronunciations = _pronunciations(document)
        flagged = {i for i, (_, item) in enumerate(pronunciations) if _flag(item) in CARD_KINDS}
        done: set[int] = set()
        for index, (_, item) in enumerate(pronunciations):
            if index in sensitive or index in flagged:
                said.append(item["alternatives"][0]["content"])
                _redact_item(item)
                done.add(id(item))
                spans.append((float(item["start_time"]), float(item["end_time"])))
        results = document["results"]
        top = results.get("items")
        skip: list[Any] = [item for item in top or [] if isinstance(item, dict)]
        redacted = overlapping(spans)
        for channel in (results.get("channel_labels") or {}).get("channels", []):
            for item in channel.get("items", []):
                skip.append(item)
                if id(item) not in done and "start_time" in item and redacted(
                        float(item["start_time"]), float(item["end_time"])):
                    _redact_item(item)
        for segment in results.get("segments", []):  # alternative transcriptions (ShowAlternatives)
            for alternative in segment.get("alternatives", []):
                items = alternative.get("items", [])
                skip += items
                hit = False
                for item in items:
                    if "start_time" in item and redacted(float(item["start_time"]), float(item["end_time"])):
                        item["content"] = redact_text(item["content"])
                        hit = True
                if hit and "transcript" in alternative:
                    alternative["transcript"] = _join([{"type": i.get("type"), "alternatives": [i]} for i in items])
        if spans and top is not None:  # else (channels only) the transcript is scrubbed as free text
            full = _join(top)
            for entry in results.get("transcripts", []):
                entry["transcript"] = full
            by_id = {item.get("id"): item for item in top if "id" in item}
            for segment in results.get("audio_segments", []):
                segment["transcript"] = _join([by_id[i] for i in segment.get("items", []) if i in by_id])
        return finish(document, said, skip, owned=_OWNED)


#: The fields of an item (a channel's, an alternative transcription's) read or written here.
_OWNED = ("start_time", "end_time", "type", "id", "content", "confidence", "alternatives.content",
          "alternatives.confidence")


def _flag(item: dict[str, Any]) -> str | None:
    """The entity AWS flagged an item as (PII identification or redaction: ``redactions[]``
    with an optional ``type``), or None."""
    alternatives = item.get("alternatives")
    best = alternatives[0] if isinstance(alternatives, list) and alternatives else {}
    flags = best.get("redactions") if isinstance(best, dict) else None
    if not isinstance(flags, list) or not flags:
        return None
    label = flags[0].get("type") if isinstance(flags[0], dict) else None
    return (marker_entity(f"[{label}]") if isinstance(label, str) else None) or UNLABELLED


def _marked(words: list[TimedWord], document: Any) -> tuple[Marked, ...]:
    """Marker words ([PII]) and items AWS flagged (identified but not replaced), once each."""
    found = {(m.start_s, m.end_s): m for m in marked_words(words)}
    for word, (_, item) in zip(words, _pronunciations(document)):
        entity = _flag(item)
        if entity is not None and (word.start_s, word.end_s) not in found:
            found[(word.start_s, word.end_s)] = Marked(word.start_s, word.end_s, entity)
        elif entity is not None and entity != UNLABELLED:  # the label says more than "[PII]"
            found[(word.start_s, word.end_s)] = Marked(word.start_s, word.end_s, entity)
    return tuple(sorted(found.values(), key=lambda m: (m.start_s, m.end_s)))


def _pronunciations(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """The pronunciation items of ``results.items``, or, when a channel-identification
    output has no such list, of each channel in turn (``channel_labels.channels[].items``)."""
    results = field(document, "results", "the document", NAME)
    if not isinstance(results, dict):
        raise TranscriptError(f"{NAME} transcript: results is not a mapping")
    if "items" not in results and isinstance(results.get("channel_labels"), dict):
        channels = field(results["channel_labels"], "channels", "results.channel_labels", NAME)
        if not isinstance(channels, list):
            raise TranscriptError(f"{NAME} transcript: results.channel_labels.channels is not a list")
        return [entry for c, channel in enumerate(channels)
                for entry in _listed(field(channel, "items", f"results.channel_labels.channels[{c}]", NAME),
                                     f"results.channel_labels.channels[{c}].items")]
    return _listed(field(results, "items", "results", NAME), "results.items")


def _listed(items: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(items, list):
        raise TranscriptError(f"{NAME} transcript: {where} is not a list")
    return [
        (f"{where}[{i}]", item)
        for i, item in enumerate(items)
        if isinstance(item, dict) and item.get("type", "pronunciation") == "pronunciation"
    ]


def _redact_item(item: dict[str, Any]) -> None:
    for alternative in item["alternatives"]:
        alternative["content"] = redact_text(alternative["content"])


def _join(items: list[dict[str, Any]]) -> str:
    text = ""
    for item in items:
        content = item.get("alternatives", [{}])[0].get("content", "")
        if item.get("type") == "punctuation" or not text:
            text += content
        else:
            text += " " + content
    return text


FORMAT = AwsTranscript()
