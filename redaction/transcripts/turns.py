"""Turn-by-turn transcripts of Amazon Connect Contact Lens and Transcribe Call Analytics.

Shape (Amazon Connect admin guide, "Example Contact Lens output files"; Transcribe
developer guide, "Post-call analytics output"): ``Transcript[]`` turns with ``Content``,
``BeginOffsetMillis``, ``EndOffsetMillis``, ``ParticipantId`` or ``ParticipantRole``;
Call Analytics turns add ``Items[]`` (``Content``, ``BeginOffsetMillis``,
``EndOffsetMillis``, ``Type`` pronunciation or punctuation, ``Confidence``). A redacted
file has ``[PII]`` (or an entity label) in place of the words, and a turn that held any
has ``Redaction.RedactedTimestamps[]`` (``BeginOffsetMillis``, ``EndOffsetMillis``;
sometimes nested one list deeper): those times are masked. Turns without items are
segments (masked whole when their text holds card data).
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    ListedWords,
    Marked,
    Reading,
    Segment,
    WriteBack,
    field,
    load_json,
    make_word,
    near_times,
    overlapping,
    seconds,
)
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import UNLABELLED, marked_words, markers_in
from redaction.words import TimedWord

MS = 0.001


def read(text: str, name: str) -> Reading:
    words: list[TimedWord] = []
    segments: list[Segment] = []
    for where, turn in _turns(load_json(text, name), name):
        start, end = _turn_times(turn, where, name)
        marked = _redacted(turn, where, name)
        items = _items(turn, where, name)
        if items is None:
            content = field(turn, "Content", where, name)
            if not isinstance(content, str):
                raise TranscriptError(f"{name} transcript: {where}.Content is not text")
            labels = markers_in(content)
            marked = tuple(Marked(m.start_s, m.end_s, labels[k] if k < len(labels) else m.entity)
                           for k, m in enumerate(marked))
            segments.append(Segment(start, end, content, marked))
            continue
        turn_words = [
            make_word(field(item, "BeginOffsetMillis", f"{where}.Items[{i}]", name),
                      field(item, "EndOffsetMillis", f"{where}.Items[{i}]", name),
                      field(item, "Content", f"{where}.Items[{i}]", name), item.get("Confidence"),
                      f"{where}.Items[{i}]", name, scale=MS)
            for i, item in _pronunciations(items)
        ]
        words += turn_words
        segments_marked = marked_words(turn_words)
        # A redacted timestamp no marker word covers is masked too.
        covered = overlapping([(w.start_s, w.end_s) for w in segments_marked])
        extra = [m for m in marked if not covered(m.start_s, m.end_s)]
        if extra:
            segments.append(Segment(start, end, "", tuple(extra)))
    return Reading(tuple(words), marked_words(words), tuple(segments))


def redact(text: str, sensitive: frozenset[int], name: str) -> WriteBack:
    document = load_json(text, name)
    words = ListedWords(sensitive)
    spans: list[tuple[float, float]] = []
    skip: list[Any] = []
    untimed: list[tuple[str, float, float, dict[str, Any]]] = []
    for where, turn in _turns(document, name):
        items = _items(turn, where, name)
        if items is None:
            start, end = _turn_times(turn, where, name)
            untimed.append((turn["Content"], start, end, turn))
            continue
        listed = [item for _, item in _pronunciations(items)]
        hits = words.redact(listed, "Content")
        spans += [(float(listed[k]["BeginOffsetMillis"]) * MS, float(listed[k]["EndOffsetMillis"]) * MS) for k in hits]
        skip += items
        if hits and isinstance(turn.get("Content"), str):
            turn["Content"] = join_items(items)
    if untimed:
        new = redact_texts([(body, start, end) for body, start, end, _ in untimed])
        for (body, _, _, turn), after in zip(untimed, new):
            turn["Content"] = after
    return finish(document, words.said, skip, near=_near(spans),
                  owned=("Content", "BeginOffsetMillis", "EndOffsetMillis", "Confidence", "Type"))


def _near(spans: list[tuple[float, float]]) -> Any:
    return near_times(spans, lambda node: None if "Items" in node else (float(node["BeginOffsetMillis"]) * MS,
                                                                         float(node["EndOffsetMillis"]) * MS))


def _turns(document: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
    turns = field(document, "Transcript", "the document", name)
    if not isinstance(turns, list):
        raise TranscriptError(f"{name} transcript: Transcript is not a list")
    out = []
    for t, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise TranscriptError(f"{name} transcript: Transcript[{t}] is not a mapping")
        out.append((f"Transcript[{t}]", turn))
    return out


def _turn_times(turn: dict[str, Any], where: str, name: str) -> tuple[float, float]:
    start = seconds(field(turn, "BeginOffsetMillis", where, name), f"{where}.BeginOffsetMillis", name, unit_s=MS)
    end = seconds(field(turn, "EndOffsetMillis", where, name), f"{where}.EndOffsetMillis", name, unit_s=MS)
    if end < start:
        raise TranscriptError(f"{name} transcript: {where} ends before it begins")
    return start, end


def _items(turn: dict[str, Any], where: str, name: str) -> list[Any] | None:
    items = turn.get("Items")
    if items is None:
        return None
    if not isinstance(items, list):
        raise TranscriptError(f"{name} transcript: {where}.Items is not a list")
    return items


def _pronunciations(items: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, item) for i, item in enumerate(items)
            if isinstance(item, dict) and item.get("Type", "pronunciation") == "pronunciation"]


def _redacted(turn: dict[str, Any], where: str, name: str) -> tuple[Marked, ...]:
    redaction = turn.get("Redaction") or {}
    if not isinstance(redaction, dict):
        raise TranscriptError(f"{name} transcript: {where}.Redaction is not a mapping")
    stamps = redaction.get("RedactedTimestamps") or []
    if not isinstance(stamps, list):
        raise TranscriptError(f"{name} transcript: {where}.Redaction.RedactedTimestamps is not a list")
    flat: list[Any] = []
    for stamp in stamps:  # the guide shows them one list deeper in places
        flat += stamp if isinstance(stamp, list) else [stamp]
    out = []
    for k, stamp in enumerate(flat):
        here = f"{where}.Redaction.RedactedTimestamps[{k}]"
        start = seconds(field(stamp, "BeginOffsetMillis", here, name), f"{here}.BeginOffsetMillis", name, unit_s=MS)
        end = seconds(field(stamp, "EndOffsetMillis", here, name), f"{here}.EndOffsetMillis", name, unit_s=MS)
        if end < start:
            raise TranscriptError(f"{name} transcript: {here} ends before it begins")
        out.append(Marked(start, end, UNLABELLED))
    return tuple(out)


def join_items(items: list[dict[str, Any]]) -> str:
    """The text of Amazon items (``Content``; ``Type`` punctuation attached to the word before)."""
    text = ""
    for item in items:
        content = str(item.get("Content", ""))
        text += content if item.get("Type") == "punctuation" or not text else " " + content
    return text
