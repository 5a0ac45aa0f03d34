"""AssemblyAI sentences and paragraphs (``GET /v2/transcript/{id}/sentences`` and ``/paragraphs``).

Shape (AssemblyAI API reference, ``SentencesResponse`` / ``ParagraphsResponse``): ``id``,
``confidence``, ``audio_duration`` (seconds) and ``sentences[]`` or ``paragraphs[]``, each
with ``text``, ``start``/``end`` in milliseconds, ``confidence``, ``speaker`` (``channel``
with multichannel audio) and ``words[]`` as the transcript's own (``text``, ``start``,
``end``, ``confidence``, ``speaker``). A sentence without words is a segment over its own
times. Written back: redacted words, their sentence's ``text`` rebuilt; a segment's ``text``
scrubbed; other text scrubbed as free text.
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.assemblyai import MS, OWNED, near_spans, word_of
from redaction.transcripts.base import ListedWords, Reading, Segment, WriteBack, field, lacks, load_json, seconds
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "assemblyai-sentences"
#: The list a response holds: ``/paragraphs`` answers with paragraphs, ``/sentences`` with sentences.
KINDS = ("paragraphs", "sentences")


class AssemblyAiSentences:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        kind = _kind(document)
        return lacks(document, [f"{kind}[]", f"{kind}[0].text", f"{kind}[0].words[]", "audio_duration"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, sentence, listed in _sentences(load_json(text, NAME)):
            words += [word_of(w, f"{where}.words[{j}]", NAME) for j, w in enumerate(listed)]
            if not listed:
                segments.append(_segment(sentence, where))
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        spans: list[tuple[float, float]] = []
        skip: list[Any] = []
        untimed: list[tuple[dict[str, Any], Segment]] = []
        for where, sentence, listed in _sentences(document):
            skip += listed
            hits = words.redact(listed, "text")
            spans += [(float(listed[k]["start"]), float(listed[k]["end"])) for k in hits]
            if hits:
                sentence["text"] = " ".join(w["text"] for w in listed)
            if not listed:
                untimed.append((sentence, _segment(sentence, where)))
        if untimed:
            new = redact_texts([(s.text, s.start_s, s.end_s) for _, s in untimed])
            for (sentence, _), after in zip(untimed, new):
                sentence["text"] = after
        return finish(document, words.said, skip, near=near_spans(spans), owned=OWNED)


def _kind(document: Any) -> str:
    return KINDS[0] if isinstance(document, dict) and KINDS[0] in document else KINDS[1]


def _sentences(document: Any) -> list[tuple[str, dict[str, Any], list[Any]]]:
    kind = _kind(document)
    sentences = field(document, kind, "the document", NAME)
    if not isinstance(sentences, list):
        raise TranscriptError(f"{NAME} transcript: {kind} is not a list")
    out = []
    for i, sentence in enumerate(sentences):
        where = f"{kind}[{i}]"
        listed = sentence.get("words") if isinstance(sentence, dict) else None
        if not isinstance(listed, list):
            raise TranscriptError(f"{NAME} transcript: {where} has no list of words")
        out.append((where, sentence, listed))
    return out


def _segment(sentence: dict[str, Any], where: str) -> Segment:
    body = field(sentence, "text", where, NAME)
    if not isinstance(body, str):
        raise TranscriptError(f"{NAME} transcript: {where}.text is not text")
    start = seconds(field(sentence, "start", where, NAME), f"{where}.start", NAME, unit_s=MS)
    end = seconds(field(sentence, "end", where, NAME), f"{where}.end", NAME, unit_s=MS)
    if end < start:
        raise TranscriptError(f"{NAME} transcript: {where} ends before it starts")
    return Segment(start, end, body)


FORMAT = AssemblyAiSentences()
