"""A streaming session's messages as a client saves them: one JSON message, a JSON array of
them, or JSON lines (one message a line); shared by the streaming formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import InvalidJSON, WriteBack, field, lacks, load_json, overlapping, redact_text
from redaction.transcripts.freetext import finish, redact_copy, redact_free, redact_numbers, said_cores


def load_messages(text: str, name: str) -> tuple[Any, list[int] | None]:
    """The document, and when it came as JSON lines (then a list of the messages) their line numbers."""
    try:
        return load_json(text, name), None
    except InvalidJSON:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if len(lines) < 2 or not _is_object(lines[0][1]):
            raise
    messages = []
    for n, line in lines:
        try:
            messages.append(load_json(line, name))
        except InvalidJSON:
            raise TranscriptError(f"{name} transcript: line {n} is not a JSON message (JSON lines: one a line)") from None
        except TranscriptError as exc:
            raise TranscriptError(str(exc).replace(f"{name} transcript", f"{name} transcript line {n}", 1)) from None
    return messages, [n for n, _ in lines]


def session_missing(document: Any, kind: str, fields: list[str]) -> tuple[str, ...]:
    """For ``auto``: what the session's first message of type ``kind`` lacks of ``fields``
    (JSON lines come as the list of their messages, read once by ``recognise``)."""
    messages = document if isinstance(document, list) and document else [document]
    found = next((m for m in messages if isinstance(m, dict) and m.get("type") == kind), None)
    if found is None:
        return lacks(messages[0], ["type", *fields]) or (f"a message of type {kind!r}",)
    return lacks(found, fields)


#: A turn message: the prefix naming its fields ("[3]."), the message, its words (checked).
Turn = tuple[str, dict[str, Any], list[dict[str, Any]]]


def turn_words(message: dict[str, Any], number: str, where: str, prefix: str, name: str) -> list[Any]:
    """A turn message's ``words`` list, its turn number (field ``number``) checked."""
    order = field(message, number, where, name)
    if type(order) is not int or order < 0:  # type(): a bool is no turn number
        raise TranscriptError(f"{name} transcript: {prefix}{number} is not a whole number")
    words = field(message, "words", where, name)
    if not isinstance(words, list):
        raise TranscriptError(f"{name} transcript: {prefix}words is not a list")
    return words


def each_turn(turns: list[Turn], number: str, rank: Callable[[dict[str, Any]], tuple[bool, ...]]) -> list[Turn]:
    """Of each turn (field ``number``, in the order turns begin) the message ranked highest
    (ties: the last)."""
    chosen: dict[int, tuple[tuple[Any, ...], Turn]] = {}
    for position, turn in enumerate(turns):
        key = (*rank(turn[1]), position)
        order = turn[1][number]
        if order not in chosen or key > chosen[order][0]:
            chosen[order] = (key, turn)
    return [turn for _, turn in chosen.values()]


def placed(document: Any, lines: list[int] | None, name: str) -> list[tuple[str, str, Any]]:
    """Each message with where it is, as a phrase ("[3]", "line 4") and as a field prefix."""
    if isinstance(document, dict):
        return [("the message", "", document)]
    if isinstance(document, list) and lines is not None:
        return [(f"line {n}", f"line {n}: ", m) for n, m in zip(lines, document)]
    if isinstance(document, list):
        return [(f"[{k}]", f"[{k}].", m) for k, m in enumerate(document)]
    raise TranscriptError(f"{name} transcript: the document is neither a message nor a list of messages")


def redact_turns(document: Any, lines: list[int] | None, turns: list[Turn], read: list[dict[str, Any]],
                 sensitive: frozenset[int], key: str, scale: float = 1.0,
                 final: Callable[[dict[str, Any]], bool] = lambda word: True,
                 utterance: str | None = None) -> WriteBack:
    """A session written back: the sensitive words among those ``read`` (text ``word[key]``,
    times in units of ``scale`` seconds) redacted in every turn message (``freetext.redact_copy``); a
    changed message's ``transcript`` rebuilt from its ``final`` words and its ``utterance``
    field's numbers redacted; other text scrubbed."""
    chosen = [word for i, word in enumerate(read) if i in sensitive]
    said, spans = [word[key] for word in chosen], [(float(word["start"]), float(word["end"])) for word in chosen]
    cores, near = said_cores(said), overlapping(spans)
    skip: list[Any] = []
    for _, message, words in turns:  # the words read among them: every copy by time and its own card data
        skip += words
        changed = redact_copy([(w, key, float(w["start"]) * scale, float(w["end"]) * scale,
                                redact_text if near(float(w["start"]), float(w["end"])) else None) for w in words], cores)
        if not changed:
            continue
        said += changed.values()
        if isinstance(message.get("transcript"), str):
            message["transcript"] = " ".join(w[key] for w in words if final(w))
        if utterance is not None and isinstance(message.get(utterance), str):
            message[utterance] = redact_numbers(redact_free(message[utterance], cores))
    return as_it_came(document, lines, finish(document, said, skip, owned=(key, "start", "end", "confidence")))


def as_it_came(document: Any, lines: list[int] | None, written: WriteBack) -> WriteBack:
    """The write-back as JSON lines when the messages came so."""
    if lines is None:
        return written
    return WriteBack("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in document), written.removed)


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False
