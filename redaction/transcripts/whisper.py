"""The Whisper family: openai-whisper, the OpenAI API, faster-whisper, whisper-timestamped, WhisperX.

Shapes read:

- openai-whisper ``transcribe(..., word_timestamps=True)`` as its CLI writes it: ``text``
  and ``segments[]`` with ``text``, ``tokens`` and ``words[]`` of ``word`` (leading space
  kept), ``start``, ``end`` in seconds and ``probability``. A bare list of segments too.
- the OpenAI API's ``verbose_json``: top-level ``words[]`` (``word``, ``start``, ``end``)
  with word granularity, and/or ``segments[]`` without words.
- faster-whisper segments dumped as arrays (its ``Segment``/``Word`` named tuples:
  ``[id, seek, start, end, text, tokens, ..., words]``, words ``[start, end, word,
  probability]``) or as mappings (the same as openai-whisper).
- whisper-timestamped: words have ``text`` instead of ``word`` and a ``confidence``.
- WhisperX: words have a ``score``; words it could not align (often numerals) have no
  times and are placed between their timed neighbours (from the previous word's start to
  the next word's end, so the mask covers them); ``word_segments`` copies are redacted by
  time.

Segments without words are read as segments (masked whole when they hold card data).
Segment and full text are rebuilt from the redacted words; a segment's ``tokens`` (token ids
that spell its text) cannot be redacted in place and are removed where a word was
redacted (named in the write-back's ``removed``).
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    ListedWords,
    Reading,
    Segment,
    WriteBack,
    lacks,
    load_json,
    make_word,
    near_times,
    overlapping,
    redact_text,
    seconds,
)
from redaction.transcripts.freetext import core, finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "whisper"
_TEXT_KEYS = ("word", "text")
_CONFIDENCE_KEYS = ("probability", "score", "confidence")


class WhisperTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if isinstance(document, list):
            if not document or isinstance(document[0], list) or lacks(document[0], ["start", "end", "text"]) == ():
                return ()
            return tuple(f"[0].{key}" for key in lacks(document[0], ["start", "end", "text"]))
        if isinstance(document, dict) and isinstance(document.get("words"), list) and "text" in document:
            return lacks(document, ["words[0].word", "words[0].start"])  # OpenAI verbose_json, word granularity
        return lacks(document, ["segments[]", "segments[0].start", "segments[0].text"])

    def read(self, text: str) -> Reading:
        document = load_json(text, NAME)
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, segment, listed in _segments(document):
            if listed is None:
                start, end, body = _segment_times(segment, where)
                segments.append(Segment(start, end, body))
                continue
            words += _timed(listed, segment, where)
        top = _top_words(document)
        if top is not None:
            words += _timed(top, None, "words")
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        reading = self.read(text)
        words = ListedWords(sensitive)
        spans = [(word.start_s, word.end_s) for i, word in enumerate(reading.words) if i in sensitive]
        removed: set[str] = set()
        skip: list[Any] = []
        untimed: list[tuple[str, float, float, Any]] = []  # segments without words
        entries = _segments(document)
        for where, segment, listed in entries:
            if listed is None:
                start, end, body = _segment_times(segment, where)
                untimed.append((body, start, end, segment))
                continue
            skip += listed
            if words.redact(listed, _text_at):
                _set_segment_text(segment, "".join(_spaced(_get_text(w)) for w in listed))
                if isinstance(segment, dict) and "tokens" in segment:
                    del segment["tokens"]
                    removed.add("segments[].tokens")
                elif isinstance(segment, list):
                    tokens = _array_tokens(segment)
                    if tokens is not None and segment[tokens]:
                        segment[tokens] = []
                        removed.add("segments[].tokens")
        top = _top_words(document)
        if top is not None:
            skip += top
            words.redact(top, _text_at)
        changed = bool(spans)
        if untimed:
            new = redact_texts([(body, start, end) for body, start, end, _ in untimed])
            for (body, _, _, segment), after in zip(untimed, new):
                if after != body:
                    changed = True
                    _set_segment_text(segment, after)
                    if isinstance(segment, dict) and "tokens" in segment:
                        del segment["tokens"]
                        removed.add("segments[].tokens")
        if isinstance(document, dict):
            if changed and top is None and isinstance(document.get("segments"), list):
                document["text"] = "".join(_segment_text(s) for _, s, _ in entries)
            listed_all = [w for _, _, ws in entries for w in ws or []]
            timed_spans = [(reading.words[i].start_s, reading.words[i].end_s) for i, w in enumerate(listed_all)
                           if i in sensitive and (isinstance(w, list) or ("start" in w and "end" in w))]
            _redact_word_segments(document.get("word_segments") or [], listed_all, sensitive, timed_spans,
                                  words.said, skip)
        return finish(document, words.said, skip, near=_near(spans), removed=sorted(removed),
                      owned=("word", "text", "start", "end", "probability", "score", "confidence"))


def _redact_word_segments(copies: list[Any], listed: list[Any], sensitive: frozenset[int],
                          spans: list[tuple[float, float]], said: list[str], skip: list[Any]) -> None:
    """WhisperX ``word_segments``: the segments' words again, in order. Position by position
    when the counts agree (an untimed numeral has no time to match); else by time, and an
    untimed copy by its text (``said``: the texts of the redacted words). The copy is read as
    free text too (``finish``): it may say a card the words do not."""
    for word in copies:  # a malformed copy is refused (write_back names no value)
        if "start" in word or "end" in word:
            float(word["start"]), float(word["end"])
        str(word["word"]).strip()
    redacted = overlapping(spans)
    cores = frozenset(core(t) for t in said)
    for k, word in enumerate(copies):
        skip.append(word)
        if len(copies) == len(listed):
            hit = k in sensitive
        elif "start" in word and "end" in word:
            hit = redacted(float(word["start"]), float(word["end"]))
        else:
            hit = core(word["word"]) in cores
        if hit:
            word["word"] = redact_text(word["word"])


def _near(spans: list[tuple[float, float]]) -> Any:
    return near_times(spans, lambda node: None if "words" in node else (float(node["start"]), float(node["end"])))


def _segments(document: Any) -> list[tuple[str, Any, list[Any] | None]]:
    """(where, segment, its word list or None) for every segment."""
    if isinstance(document, list):
        raw = document
    elif isinstance(document, dict) and "segments" in document:
        raw = document["segments"]
    elif isinstance(document, dict) and isinstance(document.get("words"), list):
        raw = []
    else:
        raise TranscriptError(f"{NAME} transcript: the document has no 'segments' field")
    if not isinstance(raw, list):
        raise TranscriptError(f"{NAME} transcript: segments is not a list")
    out: list[tuple[str, Any, list[Any] | None]] = []
    for s, segment in enumerate(raw):
        where = f"segments[{s}]"
        if isinstance(segment, list):
            out.append((where, segment, _array_words(segment)))
        elif isinstance(segment, dict):
            words = segment.get("words")
            if words is not None and not isinstance(words, list):
                raise TranscriptError(f"{NAME} transcript: {where}.words is not a list")
            out.append((where, segment, words if words else None))
        else:
            raise TranscriptError(f"{NAME} transcript: {where} is neither a mapping nor an array")
    return out


def _top_words(document: Any) -> list[Any] | None:
    if isinstance(document, dict) and isinstance(document.get("words"), list):
        return document["words"]
    return None


def _timed(listed: list[Any], segment: Any, where: str) -> list[TimedWord]:
    """The words of one list, untimed ones placed between their timed neighbours."""
    raw = []
    for i, word in enumerate(listed):
        here = f"{where}.words[{i}]"
        if isinstance(word, list):
            if len(word) < 3:
                raise TranscriptError(f"{NAME} transcript: {here} is an array without start, end and word")
            raw.append((word[0], word[1], word[2], word[3] if len(word) > 3 else None, here))
            continue
        if not isinstance(word, dict):
            raise TranscriptError(f"{NAME} transcript: {here} is not a mapping")
        text = next((word[k] for k in _TEXT_KEYS if k in word), None)
        if text is None:
            raise TranscriptError(f"{NAME} transcript: {here} has no 'word' field")
        confidence = next((word[k] for k in _CONFIDENCE_KEYS if k in word), None)
        raw.append((word.get("start"), word.get("end"), text, confidence, here))
    bounds = _segment_bounds(segment, where) if segment is not None else (None, None)
    # the timed words first, their times checked (``make_word``) before an untimed one is placed by them
    timed = [make_word(start, end, text, confidence, here, NAME) if start is not None and end is not None else None
             for start, end, text, confidence, here in raw]
    # the start of the nearest timed word before each word, the end of the nearest one after it
    before: list[float | None] = [bounds[0]] * len(raw)
    after: list[float | None] = [bounds[1]] * len(raw)
    for i in range(1, len(raw)):
        before[i] = timed[i - 1].start_s if timed[i - 1] is not None else before[i - 1]
    for i in range(len(raw) - 2, -1, -1):
        after[i] = timed[i + 1].end_s if timed[i + 1] is not None else after[i + 1]
    out: list[TimedWord] = []
    for i, (_, _, text, confidence, here) in enumerate(raw):
        if timed[i] is not None:
            out.append(timed[i])
            continue
        if before[i] is None or after[i] is None:
            raise TranscriptError(f"{NAME} transcript: {here} has no time and no timed neighbour")
        out.append(make_word(before[i], max(before[i], after[i]), text, confidence, here, NAME))
    return out


def _segment_bounds(segment: Any, where: str) -> tuple[float | None, float | None]:
    try:
        start, end, _ = _segment_times(segment, where)
    except TranscriptError:
        return None, None
    return start, end


def _segment_times(segment: Any, where: str) -> tuple[float, float, str]:
    if isinstance(segment, list):
        k = _array_text(segment, where)
        start, end, text = segment[k - 2], segment[k - 1], segment[k]
    else:
        for key in ("start", "end", "text"):
            if key not in segment:
                raise TranscriptError(f"{NAME} transcript: {where} has no {key!r} field")
        start, end, text = segment["start"], segment["end"], segment["text"]
    start_s, end_s = seconds(start, f"{where}.start", NAME), seconds(end, f"{where}.end", NAME)
    if end_s < start_s or not isinstance(text, str):
        raise TranscriptError(f"{NAME} transcript: {where} has bad times or no text")
    return start_s, end_s, text


def _array_text(segment: list[Any], where: str) -> int:
    """Index of a faster-whisper segment array's text: its first string after two numbers."""
    for k, value in enumerate(segment):
        if isinstance(value, str):
            if k >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in segment[k - 2:k]):
                return k
            break
    raise TranscriptError(f"{NAME} transcript: {where} is an array without start, end and text")


def _array_words(segment: list[Any]) -> list[Any] | None:
    for value in segment:
        if isinstance(value, list) and value and all(
            isinstance(w, list) and len(w) >= 3 and isinstance(w[2], str) for w in value
        ):
            return value
    return None


def _array_tokens(segment: list[Any]) -> int | None:
    k = _array_text(segment, "segment")
    if k + 1 < len(segment) and isinstance(segment[k + 1], list) and all(isinstance(t, int) for t in segment[k + 1]):
        return k + 1
    return None


def _get_text(word: Any) -> str:
    if isinstance(word, list):
        return str(word[2])
    return str(next(word[k] for k in _TEXT_KEYS if k in word))


def _text_at(word: Any) -> int | str:
    """Where a word's text is: a faster-whisper array's third field, else its text key."""
    return 2 if isinstance(word, list) else next(k for k in _TEXT_KEYS if k in word)


def _spaced(text: str) -> str:
    """Word texts of openai-whisper and faster-whisper carry their leading space; WhisperX
    and whisper-timestamped words do not."""
    return text if text.startswith(" ") else " " + text


def _segment_text(segment: Any) -> str:
    if isinstance(segment, list):
        return str(segment[_array_text(segment, "segment")])
    return str(segment.get("text", ""))


def _set_segment_text(segment: Any, text: str) -> None:
    if isinstance(segment, list):
        segment[_array_text(segment, "segment")] = text
    else:
        segment["text"] = text


FORMAT = WhisperTranscript()
