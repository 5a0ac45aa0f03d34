"""Rev.ai transcripts: the asynchronous API's (``GET /jobs/{id}/transcript``,
``application/vnd.rev.transcript.v1.0+json``) and a streaming session's messages.

Shape (Rev.ai API reference): ``monologues[]`` with ``speaker`` and ``elements[]``: ``text``
elements (``value``, ``ts``, ``end_ts`` in seconds, ``confidence``) and ``punct`` elements
(``value`` only, spaces too). A streaming session (``GET /speechtotext/v1/stream``) sends
``connected`` once, then hypotheses of ``type`` ``partial`` and ``final`` (``ts``, ``end_ts``
and ``elements``; a final's ``text`` elements have their own ``ts``, ``end_ts`` and
``confidence``, from the start of the stream); saved as one message, a JSON array of a
session's messages, or JSON lines. Its final hypotheses' words are read; its partial ones say
the same speech again (their elements timed only with ``detailed_partials``): not read,
redacted as copies. Written back: redacted elements' ``value``; a partial's elements at a
redacted word's time (its numbers, when they are not timed) and its own card data redacted;
any other text scrubbed; a session's JSON lines as JSON lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (ListedWords, Reading, WriteBack, field, lacks, make_word, overlapping,
                                        redact_text)
from redaction.transcripts.freetext import CopyWord, finish, redact_copy, redact_numbers, said_cores
from redaction.transcripts.markers import marked_words
from redaction.transcripts.messages import as_it_came, load_messages, placed
from redaction.transcripts.quotes import Cores

NAME = "revai"
_CONNECTED, _PARTIAL, _FINAL = "connected", "partial", "final"
#: The fields of an element read or written here (every other one is scrubbed: ``freetext.finish``).
_OWNED = ("value", "ts", "end_ts", "type", "confidence")


class RevAiTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if _session(document):
            return ()
        return lacks(document, ["monologues[]", "monologues[0].elements[]"])

    def read(self, text: str) -> Reading:
        document, lines = load_messages(text, NAME)
        words = tuple(_word(e, where) for where, e in _elements(document, lines)[0])
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = load_messages(text, NAME)
        read, partials = _elements(document, lines)
        listed = [e for _, e in read]
        words = ListedWords(sensitive)
        spans = [(float(listed[k]["ts"]), float(listed[k]["end_ts"])) for k in words.redact(listed, "value")]
        cores, redacted = said_cores(words.said), overlapping(spans)
        for message in partials:
            _redact_partial(message, cores, redacted, words.said)
        holders = [m for _, _, m in _messages(document, lines)] if _session(document) else document["monologues"]
        skip = [e for holder in holders for e in holder.get("elements", [])]
        return as_it_came(document, lines, finish(document, words.said, skip, owned=_OWNED))


def _redact_partial(message: dict[str, Any], cores: Cores, redacted: Callable[[float, float], bool],
                    said: list[str]) -> None:
    """A partial hypothesis (checked by ``_elements``) redacted as a copy: its text elements at a
    redacted word's time (untimed: their numbers, when the hypothesis is), and its own card data
    (what they said added to ``said``)."""
    start, end = float(message["ts"]), float(message["end_ts"])
    texts = [e for e in message["elements"] if e.get("type") == "text"]
    step = (end - start) / max(len(texts), 1)
    words: list[CopyWord] = []
    for k, element in enumerate(texts):
        if "ts" in element:
            s, t = float(element["ts"]), float(element["end_ts"])
            words.append((element, "value", s, t, redact_text if redacted(s, t) else None))
        else:
            words.append((element, "value", start + k * step, start + (k + 1) * step,
                          redact_numbers if redacted(start, end) else None))
    said += redact_copy(words, cores).values()


def _session(document: Any) -> bool:
    """Whether ``document`` is a streaming session's: a hypothesis, or a list of messages each with
    a ``type``, one of them a hypothesis."""
    def hypothesis(message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") in (_PARTIAL, _FINAL) and "elements" in message
    if isinstance(document, dict):
        return hypothesis(document)
    return (isinstance(document, list) and any(hypothesis(m) for m in document)
            and all(isinstance(m, dict) and "type" in m for m in document))


def _messages(document: Any, lines: list[int] | None) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, field prefix, message) of a session's messages; a second ``connected`` is refused
    (the times of another session start at 0 again)."""
    out = []
    connected = False
    for where, prefix, message in placed(document, lines, NAME):
        if not isinstance(message, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a message (a mapping)")
        if message.get("type") == _CONNECTED:
            if connected or out:
                raise TranscriptError(f"{NAME} transcript: {where} begins a second session (type 'connected'); "
                                      "give each session's messages as a transcript of its own")
            connected = True
        out.append((where, prefix, message))
    return out


def _elements(document: Any, lines: list[int] | None) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """(where, element) of the text elements read (a transcript's, a session's final hypotheses'),
    and a session's partial hypotheses, checked."""
    if not _session(document):
        return _monologue_elements(document), []
    read: list[tuple[str, dict[str, Any]]] = []
    partials = []
    for where, prefix, message in _messages(document, lines):
        kind = message.get("type")
        if kind not in (_PARTIAL, _FINAL):
            continue
        make_word(field(message, "ts", where, NAME), field(message, "end_ts", where, NAME), "", None, where, NAME)
        elements = field(message, "elements", where, NAME)
        if not isinstance(elements, list):
            raise TranscriptError(f"{NAME} transcript: {prefix}elements is not a list")
        texts = [(f"{prefix}elements[{i}]", e) for i, e in enumerate(elements) if _text(e, f"{prefix}elements[{i}]")]
        if kind == _FINAL:
            read += texts
            continue
        for here, element in texts:  # a partial's: its text, and its times where it has them
            if "ts" in element or "end_ts" in element:
                _word(element, here)
            elif not isinstance(element.get("value"), str):
                raise TranscriptError(f"{NAME} transcript: {here} has no word text")
        partials.append(message)
    return read, partials


def _text(element: Any, where: str) -> bool:
    if not isinstance(element, dict):
        raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
    return element.get("type") == "text"


def _word(element: dict[str, Any], where: str) -> Any:
    return make_word(field(element, "ts", where, NAME), field(element, "end_ts", where, NAME),
                     field(element, "value", where, NAME), element.get("confidence"), where, NAME)


def _monologue_elements(document: Any) -> list[tuple[str, dict[str, Any]]]:
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
