"""AssemblyAI Universal-Streaming (v3) messages, as a client saves a session's.

Shape (AssemblyAI streaming API reference, "Message Sequence Breakdown"): the WebSocket
sends ``Begin`` (``id``, ``expires_at``), ``SpeechStarted``, ``Turn`` and ``Termination``
messages, each with its ``type``. A ``Turn`` has ``turn_order`` (from 0 in a session),
``end_of_turn``, ``turn_is_formatted``, ``transcript`` (the turn's final words so far),
``utterance``, ``end_of_turn_confidence`` and ``words[]`` of ``text``, ``start`` and ``end``
(milliseconds from the start of the stream), ``confidence`` and ``word_is_final``. Every
message of a turn repeats its words so far, and with ``format_turns`` its end comes twice,
unformatted then formatted. Read as one message, a JSON array of a session's messages, or
JSON lines (one message a line); messages other than turns are kept but not read (a
``SpeakerRevision``'s ``revisions[].words``, streaming diarization's copies of a turn's words
with their new ``speaker``, redacted as the turn's other messages are). Each
turn is read once, from its formatted end, else its end, else its last message, and of
that message only the final words (``word_is_final``): the turn's other messages are
copies, redacted by time. With streaming PII redaction a word reads ``####`` or
``[CREDIT_CARD_NUMBER]``: a provider marker, masked where it stands. Written back in the
shape it came: words redacted, a changed message's ``transcript`` rebuilt from its final
words and its ``utterance``'s numbers redacted; other text scrubbed.
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

NAME = "assemblyai-streaming"
MS = 0.001


class AssemblyAiStreamingTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return session_missing(document, "Turn", ["turn_order", "end_of_turn", "words[]"])

    def read(self, text: str) -> Reading:
        document, lines = load_messages(text, NAME)
        _revisions(document, lines)  # not read, but checked: copies to redact
        words = tuple(
            make_word(w["start"], w["end"], w["text"], w.get("confidence"), where, NAME, scale=MS)
            for where, w in _read(_turns(document, lines))
        )
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = load_messages(text, NAME)
        turns = _turns(document, lines)
        return redact_turns(document, lines, turns + _revisions(document, lines), [word for _, word in _read(turns)],
                            sensitive, "text", scale=MS,  # a revision's words carry no word_is_final: final
                            final=lambda word: word.get("word_is_final", True),
                            utterance="utterance")


def _turns(document: Any, lines: list[int] | None) -> list[Turn]:
    """The turn messages of a session, checked; ``lines``: the messages' line numbers (JSON lines)."""
    out: list[Turn] = []
    begun = False
    for where, prefix, message in placed(document, lines, NAME):
        if not isinstance(message, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a message (a mapping)")
        kind = message.get("type")
        if kind == "Begin" and (begun or out):
            raise TranscriptError(f"{NAME} transcript: {where} begins a second session (type 'Begin'); "
                                  "give each session's messages as a transcript of its own")
        begun = begun or kind == "Begin"
        if kind == "Turn":
            out.append((prefix, message, _words(message, where, prefix)))
    return out


def _revisions(document: Any, lines: list[int] | None) -> list[Turn]:
    """Each revision of the ``SpeakerRevision`` messages (streaming diarization: a turn's words
    again, ``text`` and times, with their new ``speaker``), checked, as a copy of a turn's words."""
    out: list[Turn] = []
    for where, prefix, message in placed(document, lines, NAME):
        if not isinstance(message, dict) or message.get("type") != "SpeakerRevision":
            continue
        revisions = field(message, "revisions", where, NAME)
        if not isinstance(revisions, list):
            raise TranscriptError(f"{NAME} transcript: {prefix}revisions is not a list")
        for r, revision in enumerate(revisions):
            here = f"{prefix}revisions[{r}]"
            words = field(revision, "words", here, NAME)
            if not isinstance(words, list):
                raise TranscriptError(f"{NAME} transcript: {here}.words is not a list")
            for i, word in enumerate(words):
                _check(word, f"{here}.words[{i}]")
            out.append((f"{here}.", revision, words))
    return out


def _check(word: Any, here: str) -> None:
    """A word's text and times, checked (``make_word``)."""
    if not isinstance(word, dict):
        raise TranscriptError(f"{NAME} transcript: {here} is not a mapping")
    make_word(field(word, "start", here, NAME), field(word, "end", here, NAME), field(word, "text", here, NAME),
              word.get("confidence"), here, NAME, scale=MS)


def _words(message: dict[str, Any], where: str, prefix: str) -> list[dict[str, Any]]:
    words = turn_words(message, "turn_order", where, prefix, NAME)
    for flag in ("end_of_turn", "turn_is_formatted"):
        if not isinstance(field(message, flag, where, NAME), bool):
            raise TranscriptError(f"{NAME} transcript: {prefix}{flag} is not true or false")
    for i, word in enumerate(words):
        here = f"{prefix}words[{i}]"
        _check(word, here)
        if not isinstance(field(word, "word_is_final", here, NAME), bool):
            raise TranscriptError(f"{NAME} transcript: {here}.word_is_final is not true or false")
    return words


def _read(turns: list[Turn]) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of the words read: of each turn its formatted end, else its end, else
    its last message; only final words."""
    return [(f"{prefix}words[{i}]", w) for prefix, _, words in each_turn(turns, "turn_order", _ended)
            for i, w in enumerate(words) if w["word_is_final"]]


def _ended(message: dict[str, Any]) -> tuple[bool, bool]:
    return message["end_of_turn"], message["turn_is_formatted"]


FORMAT = AssemblyAiStreamingTranscript()
