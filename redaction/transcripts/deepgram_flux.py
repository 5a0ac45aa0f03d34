"""Deepgram Flux (``/v2/listen``) messages, as a client saves a session's.

Shape (Deepgram API reference, "Flux"; the .NET SDK's capture of the live API): the
WebSocket sends ``Connected``, ``TurnInfo``, ``ConfigureSuccess`` and other messages, each
with its ``type``. A ``TurnInfo`` has ``event`` (``StartOfTurn``, ``Update``,
``EagerEndOfTurn``, ``TurnResumed``, ``EndOfTurn``), ``turn_index`` (from 0 in a session),
``audio_window_start``/``_end``, ``transcript`` and ``words[]`` of ``word``, ``confidence``,
``start`` and ``end`` (seconds from the start of the stream). Every message of a turn
repeats its words so far. Read as one message, a JSON array of a session's messages, or
JSON lines; messages other than ``TurnInfo`` are kept but not read. Each turn is read once,
from its (last) ``EndOfTurn``, else its last message: the turn's other messages are copies,
their words redacted by time. Written back in the shape it came: words redacted, a changed
message's ``transcript`` rebuilt from its words; other text scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import Reading, WriteBack, field, lacks, make_word, overlaps, redact_text
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words
from redaction.transcripts.messages import dump_lines, load_messages, placed

NAME = "deepgram-flux"
_TURN = "TurnInfo"
#: A turn message: the prefix naming its fields ("[3]."), the message, its words (checked).
Turn = tuple[str, dict[str, Any], list[dict[str, Any]]]


class DeepgramFluxTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        """(``auto`` passes the text itself when it is not one JSON document: JSON lines.)"""
        if isinstance(document, str):
            try:
                document = load_messages(document, NAME)[0]
            except TranscriptError:
                return ("one JSON message, a list of them or one a line",)
        messages = document if isinstance(document, list) and document else [document]
        turn = next((m for m in messages if isinstance(m, dict) and m.get("type") == _TURN), None)
        if turn is None:
            return lacks(messages[0], ["type", "event", "turn_index", "words[]"]) or ("a message of type 'TurnInfo'",)
        return lacks(turn, ["event", "turn_index", "words[]"])

    def read(self, text: str) -> Reading:
        words = tuple(make_word(w["start"], w["end"], w["word"], w.get("confidence"), where, NAME)
                      for where, w in _read(_turns(*load_messages(text, NAME))))
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = load_messages(text, NAME)
        turns = _turns(document, lines)
        read = [word for _, word in _read(turns)]
        said = [w["word"] for i, w in enumerate(read) if i in sensitive]
        spans = [(float(w["start"]), float(w["end"])) for i, w in enumerate(read) if i in sensitive]
        skip: list[Any] = []
        for _, message, words in turns:  # the words read among them: every copy by time
            skip += words
            hit = False
            for word in words:
                if overlaps(float(word["start"]), float(word["end"]), spans):
                    word["word"] = redact_text(word["word"])
                    hit = True
            if hit and isinstance(message.get("transcript"), str):
                message["transcript"] = " ".join(w["word"] for w in words)
        written = finish(document, said, skip)
        return WriteBack(dump_lines(document), written.removed) if lines else written


def _turns(document: Any, lines: list[int] | None) -> list[Turn]:
    out: list[Turn] = []
    for where, prefix, message in placed(document, lines, NAME):
        if not isinstance(message, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a message (a mapping)")
        if message.get("type") == _TURN:
            out.append((prefix, message, _words(message, where, prefix)))
    return out


def _words(message: dict[str, Any], where: str, prefix: str) -> list[dict[str, Any]]:
    index = field(message, "turn_index", where, NAME)
    if type(index) is not int or index < 0:  # type(): a bool is no turn number
        raise TranscriptError(f"{NAME} transcript: {prefix}turn_index is not a whole number")
    if not isinstance(field(message, "event", where, NAME), str):
        raise TranscriptError(f"{NAME} transcript: {prefix}event is not text")
    words = field(message, "words", where, NAME)
    if not isinstance(words, list):
        raise TranscriptError(f"{NAME} transcript: {prefix}words is not a list")
    for i, word in enumerate(words):
        here = f"{prefix}words[{i}]"
        make_word(field(word, "start", here, NAME), field(word, "end", here, NAME), field(word, "word", here, NAME),
                  word.get("confidence"), here, NAME)
    return words


def _read(turns: list[Turn]) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of the words read: of each turn (``turn_index``, in the order turns
    begin) its last ``EndOfTurn``, else its last message."""
    chosen: dict[int, tuple[tuple[bool, int], str, list[dict[str, Any]]]] = {}
    for position, (prefix, message, words) in enumerate(turns):
        rank = (message["event"] == "EndOfTurn", position)
        index = message["turn_index"]
        if index not in chosen or rank > chosen[index][0]:
            chosen[index] = (rank, prefix, words)
    return [(f"{prefix}words[{i}]", w) for _, prefix, words in chosen.values() for i, w in enumerate(words)]


FORMAT = DeepgramFluxTranscript()
