"""AssemblyAI Universal-Streaming (v3) messages, as a client saves a session's.

Shape (AssemblyAI streaming API reference, "Message Sequence Breakdown"): the WebSocket
sends ``Begin`` (``id``, ``expires_at``), ``SpeechStarted``, ``Turn`` and ``Termination``
messages, each with its ``type``. A ``Turn`` has ``turn_order`` (from 0 in a session),
``end_of_turn``, ``turn_is_formatted``, ``transcript`` (the turn's final words so far),
``utterance``, ``end_of_turn_confidence`` and ``words[]`` of ``text``, ``start`` and ``end``
(milliseconds from the start of the stream), ``confidence`` and ``word_is_final``. Every
message of a turn repeats its words so far, and with ``format_turns`` its end comes twice,
unformatted then formatted. Read as one message, a JSON array of a session's messages, or
JSON lines (one message a line); messages other than turns are kept but not read. Each
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
from redaction.transcripts.base import Reading, WriteBack, field, lacks, make_word, overlaps, redact_text
from redaction.transcripts.freetext import digit_cores, finish, redact_free, redact_numbers
from redaction.transcripts.markers import marked_words
from redaction.transcripts.messages import dump_lines, load_messages, placed

NAME = "assemblyai-streaming"
MS = 0.001
#: A turn message: the prefix naming its fields in messages ("[3]."), the message, its words (checked).
Turn = tuple[str, dict[str, Any], list[dict[str, Any]]]


class AssemblyAiStreamingTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        """(``auto`` passes the text itself when it is not one JSON document: JSON lines.)"""
        if isinstance(document, str):
            try:
                document = load_messages(document, NAME)[0]
            except TranscriptError:
                return ("one JSON message, a list of them or one a line",)
        messages = document if isinstance(document, list) and document else [document]
        turn = next((m for m in messages if isinstance(m, dict) and m.get("type") == "Turn"), None)
        if turn is None:
            return lacks(messages[0], ["type", "turn_order", "end_of_turn", "words[]"]) or ("a message of type 'Turn'",)
        return lacks(turn, ["turn_order", "end_of_turn", "words[]"])

    def read(self, text: str) -> Reading:
        words = tuple(
            make_word(w["start"], w["end"], w["text"], w.get("confidence"), where, NAME, scale=MS)
            for where, w in _read(_turns(*load_messages(text, NAME)))
        )
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = load_messages(text, NAME)
        turns = _turns(document, lines)
        read = [word for _, word in _read(turns)]
        said = [w["text"] for i, w in enumerate(read) if i in sensitive]
        spans = [(float(w["start"]), float(w["end"])) for i, w in enumerate(read) if i in sensitive]
        cores = digit_cores(said)
        skip: list[Any] = []
        for _, message, words in turns:  # the words read among them: every copy by time
            skip += words
            hit = False
            for word in words:
                if overlaps(float(word["start"]), float(word["end"]), spans):
                    word["text"] = redact_text(word["text"])
                    hit = True
            if hit and isinstance(message.get("transcript"), str):
                message["transcript"] = " ".join(w["text"] for w in words if w["word_is_final"])
            if hit and isinstance(message.get("utterance"), str):
                message["utterance"] = redact_numbers(redact_free(message["utterance"], cores))
        written = finish(document, said, skip)
        if lines:  # JSON lines, as it came
            return WriteBack(dump_lines(document), written.removed)
        return written


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


def _words(message: dict[str, Any], where: str, prefix: str) -> list[dict[str, Any]]:
    order = field(message, "turn_order", where, NAME)
    if type(order) is not int or order < 0:  # type(): a bool is no turn number
        raise TranscriptError(f"{NAME} transcript: {prefix}turn_order is not a whole number")
    for flag in ("end_of_turn", "turn_is_formatted"):
        if not isinstance(field(message, flag, where, NAME), bool):
            raise TranscriptError(f"{NAME} transcript: {prefix}{flag} is not true or false")
    words = field(message, "words", where, NAME)
    if not isinstance(words, list):
        raise TranscriptError(f"{NAME} transcript: {prefix}words is not a list")
    for i, word in enumerate(words):
        here = f"{prefix}words[{i}]"
        if not isinstance(word, dict):
            raise TranscriptError(f"{NAME} transcript: {here} is not a mapping")
        if not isinstance(field(word, "word_is_final", here, NAME), bool):
            raise TranscriptError(f"{NAME} transcript: {here}.word_is_final is not true or false")
        make_word(field(word, "start", here, NAME), field(word, "end", here, NAME), field(word, "text", here, NAME),
                  word.get("confidence"), here, NAME, scale=MS)
    return words


def _read(turns: list[Turn]) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of the words read: of each turn (``turn_order``, in the order turns
    begin) its formatted end, else its end, else its last message; only final words."""
    chosen: dict[int, tuple[tuple[bool, bool, int], str, list[dict[str, Any]]]] = {}
    for position, (prefix, message, words) in enumerate(turns):
        rank = (message["end_of_turn"], message["turn_is_formatted"], position)
        order = message["turn_order"]
        if order not in chosen or rank > chosen[order][0]:
            chosen[order] = (rank, prefix, words)
    return [(f"{prefix}words[{i}]", w) for _, prefix, words in chosen.values()
            for i, w in enumerate(words) if w["word_is_final"]]


FORMAT = AssemblyAiStreamingTranscript()
