"""Deepgram pre-recorded response (``/v1/listen``).

Shape (Deepgram API reference): ``results.channels[c].alternatives[0]`` has ``transcript``
and ``words`` (``word``, ``start``, ``end`` in seconds, ``confidence``, optional
``punctuated_word``, ``speaker``); multichannel audio has one entry per channel. With
``smart_format`` numbers are numerals ("4111", "4111-1111-..."), which the card logic reads
like spoken digits. With ``utterances=true`` ``results.utterances`` repeat the words with
their own ``transcript``; lower-ranked alternatives repeat them too: their words overlapping
a redacted word are redacted and their text rebuilt. ``paragraphs`` sentences overlapping a
redacted word are rebuilt from the words; entity values, summaries, search hits, topics and
sentiments tied to redacted words (by time or by ``start_word``/``end_word``) have their
numbers redacted; everything else is scrubbed as free text. With ``redact``, Deepgram
writes a marker ("[REDACTED]", "[PCI]", ...) in place of the word: masked where it stands.
A live (WebSocket) session's ``Results`` messages are read too, one message or a list of
the session's messages: the words of ``channel.alternatives[0]`` of its final results
(interim ones, ``is_final`` false, are repeated by a final one; their copies are redacted by
time), timed from the start of the stream.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
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
from redaction.transcripts.markers import marked_words

NAME = "deepgram"


class DeepgramTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if _live(document) is not None:
            return ()
        return lacks(document, ["results", "results.channels[]", "results.channels[0].alternatives[]",
                                "results.channels[0].alternatives[0].words[]"])

    def read(self, text: str) -> Reading:
        document = load_json(text, NAME)
        words = tuple(
            make_word(field(w, "start", where, NAME), field(w, "end", where, NAME), field(w, "word", where, NAME),
                      w.get("confidence"), where, NAME)
            for where, w in _words(document, _live(document))
        )
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        live = _live(document)
        listed = [word for _, word in _words(document, live)]
        chosen = [w for i, w in enumerate(listed) if i in sensitive]
        # both forms, each in order: either may hold the digits free text quotes
        said = [str(w.get("punctuated_word", w["word"])) for w in chosen] + [str(w["word"]) for w in chosen]
        spans = [(float(w["start"]), float(w["end"])) for i, w in enumerate(listed) if i in sensitive]
        results = document["results"] if live is None else {"channels": [m["channel"] for _, m in live]}
        skip: list[Any] = []
        redacted = overlapping(spans)
        for channel in results["channels"]:
            for alternative in channel.get("alternatives", []):
                skip += _redact_words(alternative, redacted)
                if spans:
                    _rebuild_sentences(alternative, redacted)
        for utterance in results.get("utterances", []) or []:
            skip += _redact_words(utterance, redacted)
        return finish(document, said, skip, near=_near(redacted, sensitive),
                      owned=("word", "punctuated_word", "start", "end", "confidence"))


def _near(redacted: Callable[[float, float], bool], sensitive: frozenset[int]) -> Any:
    def near(node: dict[str, Any]) -> bool:
        try:
            if "start_word" in node and "end_word" in node:
                first, last = int(node["start_word"]), int(node["end_word"])
                return any(first <= i <= last for i in sensitive)
            if "snippet" in node and "start" in node and "end" in node:  # a search hit
                return redacted(float(node["start"]), float(node["end"]))
        except (TypeError, ValueError):
            return False
        return False
    return near


def _live(document: Any) -> list[tuple[str, dict[str, Any]]] | None:
    """The live (WebSocket) ``Results`` messages of ``document``, each with where it is: one
    message, or a list of a session's messages (``Metadata``, ``UtteranceEnd``, ... kept
    but not read); None when it is neither."""
    def result(message: Any) -> bool:
        return isinstance(message, dict) and message.get("type") == "Results" and "channel" in message
    if result(document):
        return [("", document)]
    if (isinstance(document, list) and any(result(m) for m in document)
            and all(isinstance(m, dict) and "type" in m for m in document)):
        return [(f"[{k}].", m) for k, m in enumerate(document) if result(m)]
    return None


def _words(document: Any, live: list[tuple[str, dict[str, Any]]] | None) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of the words read: ``live``, the document's live messages (``_live``)."""
    if live is not None:
        return _live_words(live)
    results = field(document, "results", "the document", NAME)
    channels = field(results, "channels", "results", NAME)
    if not isinstance(channels, list):
        raise TranscriptError(f"{NAME} transcript: results.channels is not a list")
    out = []
    for c, channel in enumerate(channels):
        out += _first_alternative_words(channel, f"results.channels[{c}]")
    return out


def _live_words(messages: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Words of the final results (an interim result, ``is_final`` false, is repeated by a
    final one); their times count from the start of the stream."""
    out = []
    for prefix, message in messages:
        if message.get("is_final") is False:
            continue
        out += _first_alternative_words(message["channel"], f"{prefix}channel")
    return out


def _first_alternative_words(channel: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, word) of each word of ``channel``'s first alternative (none when it has none)."""
    alternatives = field(channel, "alternatives", where, NAME)
    if not isinstance(alternatives, list):
        raise TranscriptError(f"{NAME} transcript: {where}.alternatives is not a list")
    if not alternatives:
        return []
    words = field(alternatives[0], "words", f"{where}.alternatives[0]", NAME)
    if not isinstance(words, list):
        raise TranscriptError(f"{NAME} transcript: {where}.alternatives[0].words is not a list")
    return [(f"{where}.alternatives[0].words[{i}]", w) for i, w in enumerate(words)]


def _redact_words(holder: dict[str, Any], redacted: Callable[[float, float], bool]) -> list[dict[str, Any]]:
    """Redact ``holder``'s words at a ``redacted`` time and rebuild its transcript; returns the
    words (their texts are read as free text too, in ``finish``)."""
    words = holder.get("words", [])
    hit = False
    for word in words:
        if redacted(float(word["start"]), float(word["end"])):
            hit = True
            for key in ("word", "punctuated_word"):
                if key in word:
                    word[key] = redact_text(word[key])
    if hit and "transcript" in holder:
        holder["transcript"] = " ".join(w.get("punctuated_word", w.get("word", "")) for w in words)
    return list(words)


def _rebuild_sentences(alternative: dict[str, Any], redacted: Callable[[float, float], bool]) -> None:
    """Paragraph sentences at a ``redacted`` time are rebuilt from the alternative's words (those
    within the sentence's times, found by their starts in log time, and in no sentence rebuilt
    before); the paragraphs' transcript
    gets the rebuilt sentences in place of the old."""
    paragraphs = alternative.get("paragraphs")
    if not isinstance(paragraphs, dict):
        return
    words = alternative.get("words", [])
    by_start = sorted(range(len(words)), key=lambda k: float(words[k]["start"]))
    starts = [float(words[k]["start"]) for k in by_start]
    changed = []
    # Each word goes into one sentence rebuilt, and each position of ``by_start`` is visited once:
    # sentences overlapping (each saying the whole call) were each rebuilt from, then each read, all
    # their words (sentences x words). ``after[p]``: the first position from p not visited yet.
    after = list(range(len(by_start) + 1))

    def unvisited(p: int) -> int:
        root = p
        while after[root] != root:
            root = after[root]
        while after[p] != root:  # shortened for the next look
            after[p], p = root, after[p]
        return root

    for paragraph in paragraphs.get("paragraphs", []):
        for sentence in paragraph.get("sentences", []):
            start, end = float(sentence["start"]), float(sentence["end"])
            if not redacted(start, end):
                continue
            inside, p = [], unvisited(bisect_left(starts, start - 1e-6))
            stop = bisect_right(starts, end + 1e-6)
            while p < stop:
                k = by_start[p]
                if float(words[k]["end"]) <= end + 1e-6:
                    inside.append(k)
                    after[p] = p + 1
                elif starts[p] < end - 1e-6:  # said in this sentence's time, ending past it: in no later one
                    after[p] = p + 1
                p = unvisited(p + 1)  # a word starting as the sentence ends may be the next one's first
            rebuilt = " ".join(words[k].get("punctuated_word", words[k].get("word", "")) for k in sorted(inside))
            changed.append((sentence["text"], rebuilt))
            sentence["text"] = rebuilt
    if isinstance(paragraphs.get("transcript"), str) and changed:
        in_order = _replaced_in_order(paragraphs["transcript"], changed)
        paragraphs["transcript"] = in_order if in_order is not None else "\n\n".join(
            " ".join(str(s.get("text", "")) for s in p.get("sentences", [])) for p in paragraphs.get("paragraphs", []))


def _replaced_in_order(text: str, changes: list[tuple[str, str]]) -> str | None:
    """``text`` with each ``(old, new)`` replaced at old's first place after the previous one's, or
    None when one is not found in order. Deepgram's paragraph transcript holds the sentences in
    order: one pass, whatever their count (a replace over the whole text per sentence cost
    sentences x text: 4 s of an 8 MB document, minutes at the size a long call's transcript may
    have). Not in order (not Deepgram's layout), the caller rebuilds the text from the sentences."""
    pieces, cursor = [], 0
    for old, new in changes:
        at = text.find(old, cursor) if old else -1
        if at < 0:
            return None
        pieces += [text[cursor:at], new]
        cursor = at + len(old)
    pieces.append(text[cursor:])
    return "".join(pieces)


FORMAT = DeepgramTranscript()
