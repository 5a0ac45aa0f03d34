"""whisper.cpp JSON (``whisper-cli -oj``, ``-ojf``; the ``transcription`` document).

Shape (whisper.cpp ``examples/cli/cli.cpp``, ``output_json``): ``systeminfo``, ``model``,
``params``, ``result.language`` and ``transcription[]`` segments with ``timestamps``
(``"00:00:02,500"`` strings), ``offsets`` (``from``/``to`` in milliseconds) and ``text``;
with ``-ojf`` (full) each segment has ``tokens[]`` (``text``, ``timestamps``, ``offsets``,
``id``, ``p``, ``t_dtw``), a token without times when whisper.cpp had none for it. Tokens are
pieces of words: one starting with a space (or following a sentence's end) starts a word,
others continue it (``"'s"``, ``","``); control tokens (``[_BEG_]``, ``[_TT_150]``) are not speech. Segments without
tokens (``-oj``; ``-ml 1`` makes them a word each) are segments, masked whole when they
hold card data. Written back: a redacted word's first token reads ``[redacted]`` and its
other tokens are emptied, the segment ``text`` rebuilt; the redacted tokens' ``id`` (token
ids spell the text) is removed and named in ``removed``.
"""

from __future__ import annotations

import re
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    Reading,
    Segment,
    WriteBack,
    lacks,
    load_json,
    make_word,
    near_times,
    redact_text,
    seconds,
)
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "whisper-cpp"
#: Offsets are whole milliseconds (divided, so 700 ms reads as exactly 0.7 s).
MS_PER_S = 1000.0
#: whisper.cpp's control tokens as its JSON writes them: [_BEG_], [_TT_150], [_SOT_], ...
_CONTROL = re.compile(r"^\[_[A-Z]+_?\d*\]$")
#: A token after one ending a sentence starts a word even without a space (whisper often
#: drops it there; "3." + "14" splits, a rare cost).
_SENTENCE_END = re.compile(r"[.!?\u2026]['\")\]]?$")
#: Field removed from redacted tokens (whisper token ids spell the text).
REMOVED_ID = "transcription[].tokens[].id"


class WhisperCppTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["transcription[]", "transcription[0].offsets", "transcription[0].text"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, segment, start, end in _segments(load_json(text, NAME)):
            grouped = _words(segment, where, start, end)
            if grouped is None:
                segments.append(Segment(start, end, segment["text"]))
                continue
            words += [word for word, _ in grouped]
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        said: list[str] = []
        spans: list[tuple[float, float]] = []
        skip: list[Any] = []
        untimed: list[tuple[str, float, float, dict[str, Any]]] = []
        removed = False
        index = 0
        for where, segment, start, end in _segments(document):
            grouped = _words(segment, where, start, end)
            if grouped is None:
                untimed.append((segment["text"], start, end, segment))
                continue
            skip += [t for t in segment["tokens"] if isinstance(t, dict)]
            hit = False
            for word, tokens in grouped:
                if index in sensitive:
                    said.append(word.text)
                    spans.append((word.start_s, word.end_s))
                    tokens[0]["text"] = redact_text(word.text)
                    for token in tokens[1:]:
                        token["text"] = ""
                    for token in tokens:
                        removed = token.pop("id", None) is not None or removed
                    hit = True
                index += 1
            if hit:
                segment["text"] = "".join(str(t.get("text", "")) for t in segment["tokens"]
                                          if isinstance(t, dict) and not _control(t))
        if untimed:
            for (_, _, _, segment), after in zip(untimed, redact_texts([(b, s, e) for b, s, e, _ in untimed])):
                segment["text"] = after
        return finish(document, said, skip, near=_near(spans), removed=[REMOVED_ID] if removed else [],
                      owned=("text", "offsets", "timestamps", "id", "p", "t_dtw"))


def _near(spans: list[tuple[float, float]]) -> Any:
    def times(node: dict[str, Any]) -> tuple[float, float] | None:
        if "tokens" in node or not isinstance(node.get("offsets"), dict):
            return None
        return float(node["offsets"]["from"]) / MS_PER_S, float(node["offsets"]["to"]) / MS_PER_S
    return near_times(spans, times)


def _segments(document: Any) -> list[tuple[str, dict[str, Any], float, float]]:
    listed = document.get("transcription") if isinstance(document, dict) else None
    if not isinstance(listed, list):
        raise TranscriptError(f"{NAME} transcript: the document has no 'transcription' list")
    out = []
    for s, segment in enumerate(listed):
        where = f"transcription[{s}]"
        if not isinstance(segment, dict) or not isinstance(segment.get("text"), str):
            raise TranscriptError(f"{NAME} transcript: {where} is not a segment with text")
        start, end = _offsets(segment, where)
        out.append((where, segment, start, end))
    return out


def _offsets(node: dict[str, Any], where: str) -> tuple[float, float]:
    offsets = node.get("offsets")
    if not isinstance(offsets, dict) or "from" not in offsets or "to" not in offsets:
        raise TranscriptError(f"{NAME} transcript: {where} has no offsets.from and offsets.to")
    start = seconds(offsets["from"], f"{where}.offsets.from", NAME, per_s=MS_PER_S)
    end = seconds(offsets["to"], f"{where}.offsets.to", NAME, per_s=MS_PER_S)
    if end < start:
        raise TranscriptError(f"{NAME} transcript: {where} ends before it begins")
    return start, end


def _control(token: dict[str, Any]) -> bool:
    return isinstance(token.get("text"), str) and bool(_CONTROL.match(token["text"]))


def _words(segment: dict[str, Any], where: str, start_s: float, end_s: float
           ) -> list[tuple[TimedWord, list[dict[str, Any]]]] | None:
    """The segment's words, each with its tokens; None when it has no tokens (``-oj``)."""
    tokens = segment.get("tokens")
    if tokens is None or tokens == []:
        return None
    if not isinstance(tokens, list):
        raise TranscriptError(f"{NAME} transcript: {where}.tokens is not a list")
    pieces: list[list[tuple[dict[str, Any], float, float]]] = []
    firsts: list[int] = []  # each word's first token, for messages
    for t, token in enumerate(tokens):
        here = f"{where}.tokens[{t}]"
        if not isinstance(token, dict) or not isinstance(token.get("text"), str):
            raise TranscriptError(f"{NAME} transcript: {here} is not a token with text")
        if _control(token) or not token["text"].strip():
            continue
        begin, finish_s = _offsets(token, here) if "offsets" in token and token["offsets"] else (start_s, end_s)
        if token["text"][:1].isspace() or not pieces or _SENTENCE_END.search(pieces[-1][-1][0]["text"]):
            pieces.append([])
            firsts.append(t)
        pieces[-1].append((token, begin, finish_s))
    out = []
    for piece, first in zip(pieces, firsts):
        text = "".join(token["text"] for token, _, _ in piece)
        confidence = min((token["p"] for token, _, _ in piece if _number(token.get("p"))), default=None)
        word = make_word(min(b for _, b, _ in piece), max(e for _, _, e in piece), text, confidence,
                         f"{where}.tokens[{first}] (a word's first token)", NAME)
        out.append((word, [token for token, _, _ in piece]))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


FORMAT = WhisperCppTranscript()
