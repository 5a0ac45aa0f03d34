"""Deepgram Flux (``/v2/listen``) messages, as a client saves a session's.

Shape (Deepgram API reference, "Flux"; the .NET SDK's capture of the live API): the
WebSocket sends ``Connected``, ``TurnInfo``, ``ConfigureSuccess`` and other messages, each
with its ``type``. A ``TurnInfo`` has ``event`` (``StartOfTurn``, ``Update``,
``EagerEndOfTurn``, ``TurnResumed``, ``EndOfTurn``), ``turn_index`` (from 0 in a session),
``audio_window_start``/``_end``, ``transcript`` and ``words[]`` of ``word``, ``confidence``,
``start`` and ``end`` (seconds from the start of the stream). Every message of a turn
repeats its words so far. Read as one message, a JSON array of a session's messages, or
JSON lines, of one session (a second ``Connected`` or ``request_id`` is refused); messages
other than ``TurnInfo`` are kept but not read. Each turn is read once, from its (last)
``EndOfTurn``, else its last message: the turn's other messages are copies, their words
redacted by time (and their own card data). Written back in the shape it came: words
redacted, a changed message's ``transcript`` rebuilt from its words; other text scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import Reading, WriteBack, field, make_word
from redaction.transcripts.markers import marked_words
from redaction.transcripts.messages import (
    Turn,
    each_turn,
    load_messages,
    placed,
    redact_turns,
    session_missing,
    turn_words,
)

NAME = "deepgram-flux"
_TURN = "TurnInfo"
_CONNECTED = "Connected"


class DeepgramFluxTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return session_missing(document, _TURN, ["event", "turn_index", "words[]"])

    def read(self, text: str) -> Reading:
        words = tuple(make_word(w["start"], w["end"], w["word"], w.get("confidence"), where, NAME)
                      for where, w in _read(_turns(*load_messages(text, NAME))))
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = load_messages(text, NAME)
        turns = _turns(document, lines)
        return redact_turns(document, lines, turns, [word for _, word in _read(turns)], sensitive, "word")


def _turns(document: Any, lines: list[int] | None) -> list[Turn]:
    """The turn messages of one session, checked: a second session (its ``Connected``, or another
    ``request_id``) is refused, its turn numbers and times starting at 0 again."""
    out: list[Turn] = []
    connected = False
    session: str | None = None
    for where, prefix, message in placed(document, lines, NAME):
        if not isinstance(message, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a message (a mapping)")
        request = message.get("request_id") if isinstance(message.get("request_id"), str) else None
        another = session is not None and request is not None and request != session
        if (message.get("type") == _CONNECTED and (connected or out)) or another:
            raise TranscriptError(f"{NAME} transcript: {where} begins a second session; give each session's "
                                  "messages as a transcript of its own")
        connected = connected or message.get("type") == _CONNECTED
        session = session or request
        if message.get("type") == _TURN:
            out.append((prefix, message, _words(message, where, prefix)))
    return out


def _words(message: dict[str, Any], where: str, prefix: str) -> list[dict[str, Any]]:
    words = turn_words(message, "turn_index", where, prefix, NAME)
    if not isinstance(field(message, "event", where, NAME), str):
        raise TranscriptError(f"{NAME} transcript: {prefix}event is not text")
    for i, word in enumerate(words):
        here = f"{prefix}words[{i}]"
        make_word(field(word, "start", here, NAME), field(word, "end", here, NAME), field(word, "word", here, NAME),
                  word.get("confidence"), here, NAME)
    return words


def _read(turns: list[Turn]) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of the words read: of each turn its last ``EndOfTurn``, else its last message."""
    return [(f"{prefix}words[{i}]", w) for prefix, _, words in each_turn(turns, "turn_index", _ended)
            for i, w in enumerate(words)]


def _ended(message: dict[str, Any]) -> tuple[bool]:
    return (message["event"] == "EndOfTurn",)


FORMAT = DeepgramFluxTranscript()
