"""Twilio Conversational Intelligence (formerly Voice Intelligence) transcript sentences
(``GET https://intelligence.twilio.com/v2/Transcripts/{sid}/Sentences``).

Shape (Twilio API reference, "Transcript Sentence subresource"): ``sentences[]`` with
``media_channel``, ``sentence_index``, ``start_time``/``end_time`` (seconds from the start
of the recording; numbers, or strings in the newer schema; nullable), ``transcript``,
``confidence``, ``sid`` and, with ``WordTimestamps=true``, ``words[]`` of ``word``,
``start_time`` and ``end_time``; ``meta`` holds the paging links. Sentences come in
``sentence_index`` order, both channels interleaved. A sentence whose words all have times
gives timed words; one without words, or with words lacking times, is a segment over the
sentence's own times (masked whole when its text holds card data). A sentence with text and
no time at all cannot be placed on the recording and is refused. Written back: redacted
words, their sentence's ``transcript`` rebuilt; a segment's ``transcript`` scrubbed and its
untimed words that said what was redacted there redacted too; other text scrubbed.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (ListedWords, Reading, Segment, WriteBack, field, lacks, load_json, make_word,
                                        redact_text, seconds)
from redaction.transcripts.freetext import core, finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "twilio"


class TwilioTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["sentences[]", "sentences[0].sentence_index", "sentences[0].transcript"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for _, _, timed, segment in _sentences(load_json(text, NAME)):
            words += [word for _, word in timed]
            if segment is not None:
                segments.append(segment)
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        said = words.said
        skip: list[Any] = []
        untimed: list[tuple[dict[str, Any], Segment]] = []
        for _, sentence, timed, segment in _sentences(document):
            listed = [word for word, _ in timed]
            skip += listed
            if words.redact(listed, "word"):
                sentence["transcript"] = " ".join(word["word"] for word in listed)
            if segment is not None:
                untimed.append((sentence, segment))
        if untimed:
            new = redact_texts([(s.text, s.start_s, s.end_s) for _, s in untimed])
            for (sentence, segment), after in zip(untimed, new):
                sentence["transcript"] = after
                said += _untimed_words(sentence, _removed(segment.text, after))
        return finish(document, said, skip, owned=("word", "start_time", "end_time", "confidence"))


def _sentences(document: Any) -> list[tuple[str, dict[str, Any], list[tuple[dict[str, Any], TimedWord]], Segment | None]]:
    """(where, sentence, its timed words with their mappings, or else its segment)."""
    sentences = field(document, "sentences", "the document", NAME)
    if not isinstance(sentences, list):
        raise TranscriptError(f"{NAME} transcript: sentences is not a list")
    out = []
    for s, sentence in enumerate(sentences):
        where = f"sentences[{s}]"
        if not isinstance(sentence, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
        body = sentence.get("transcript")
        if body is None:
            body = ""
        if not isinstance(body, str):
            raise TranscriptError(f"{NAME} transcript: {where}.transcript is not text")
        listed = sentence.get("words")
        if listed is None:
            listed = []
        if not isinstance(listed, list):
            raise TranscriptError(f"{NAME} transcript: {where}.words is not a list")
        timed = [(w, _word(w, f"{where}.words[{i}]")) for i, w in enumerate(listed)]
        if listed and all(word is not None for _, word in timed):
            out.append((where, sentence, timed, None))
            continue
        if not body.strip():
            out.append((where, sentence, [], None))
            continue
        start, end = _time(sentence, "start_time", where), _time(sentence, "end_time", where)
        if start is None or end is None:
            raise TranscriptError(
                f"{NAME} transcript: {where} has no {'start_time' if start is None else 'end_time'} and its words "
                "no times: it cannot be placed on the recording (list the sentences with WordTimestamps=true)")
        if end < start:
            raise TranscriptError(f"{NAME} transcript: {where} has bad times ({start:.3f} s to {end:.3f} s)")
        out.append((where, sentence, [], Segment(start, end, body)))
    return out


def _removed(before: str, after: str) -> set[str]:
    """Cores of the tokens redact_texts replaced (it keeps the token count)."""
    return {core(b) for b, a in zip(before.split(), after.split()) if b != a}


def _untimed_words(sentence: dict[str, Any], cores: set[str]) -> list[str]:
    """Redact the sentence's words (without times) whose core was redacted in its transcript;
    returns what they said."""
    said = []
    for word in sentence.get("words") or []:
        if isinstance(word.get("word"), str) and core(word["word"]) in cores:
            said.append(word["word"])
            word["word"] = redact_text(word["word"])
    return said


def _word(word: Any, where: str) -> TimedWord | None:
    """The word with its times, or None when Twilio gave it none (null times)."""
    if not isinstance(word, dict):
        raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
    text = field(word, "word", where, NAME)
    start, end = _time(word, "start_time", where), _time(word, "end_time", where)
    if start is None or end is None:
        return None
    return make_word(start, end, text, word.get("confidence"), where, NAME)


def _time(mapping: dict[str, Any], key: str, where: str) -> float | None:
    value = mapping.get(key)
    return None if value is None else seconds(value, f"{where}.{key}", NAME)


FORMAT = TwilioTranscript()
