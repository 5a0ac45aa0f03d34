"""Azure AI Speech batch transcription result files.

Shape (Azure Speech "batch transcription" docs): ``recognizedPhrases[]`` each with
``channel``, ``offsetInTicks`` and ``durationInTicks`` (100 ns ticks; ISO 8601 ``offset``
and ``duration`` such as ``"PT1.5S"`` when the tick fields are absent) and ``nBest[]``
alternatives (``lexical``, ``itn``, ``maskedITN``, ``display``, ``confidence``); with word
level timestamps the best alternative has ``words[]`` (``word``, ``offsetInTicks``,
``durationInTicks``, ``confidence``) and possibly ``displayWords[]`` (``displayText``).
``combinedRecognizedPhrases[]`` hold each channel's whole text. Phrases without words are
segments. The Speech SDK's detailed results (``SpeechServiceResponse_JsonResult``, kept one
per phrase in a list, or one alone) have the same fields in PascalCase: ``Offset`` and
``Duration`` in ticks, ``NBest[]`` with ``Display``, ``Lexical``, ``ITN``, ``MaskedITN`` and
``Words[]`` (``Word``, ``Offset``, ``Duration``, ``Confidence``; null without word-level
timestamps), ``SpeakerId``, ``Channel``; the SDK's simple results (and the REST API for short
audio's) have no ``NBest``, only ``DisplayText``, and are segments. The fast transcription API
(``transcriptions:transcribe``, 2024-11-15) answers with ``phrases[]`` (``channel``,
``speaker``, ``offsetMilliseconds``, ``durationMilliseconds``, display ``text`` and
``words[]`` of ``text`` and millisecond times; no alternatives) and ``combinedPhrases[]``
(each channel's ``text``). Batch transcription v2.0 result files (``AudioFileResults[]``, one
audio file's) hold SDK-style phrases as ``SegmentResults[]`` and each channel's text as
``CombinedResults[]``. Written back: redacted words, the best alternative's ``lexical``
rebuilt, the lower-ranked alternatives' words at a redacted word's time redacted (their lexical
form rebuilt), numbers in the texts of a phrase holding card data redacted, every other text
scrubbed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (ListedWords, Reading, Segment, WriteBack, checked_time, lacks, load_json,
                                        make_word, overlapping, redact_text, seconds)
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "azure"
#: One tick is 100 ns.
TICK_S = 1e-7
#: Where a word's text is: batch ``words`` and ``displayWords``, the SDK's ``Words``, fast ``words``.
_WORD_TEXT = ("word", "displayText", "Word", "text")
#: The texts of an alternative, batch and SDK spellings, and a fast transcription phrase's.
_BEST_TEXTS = ("display", "lexical", "itn", "maskedITN", "Display", "Lexical", "ITN", "MaskedITN", "text",
               "DisplayText")
#: The fields of a word (and a display word) read or written here.
_OWNED = (*_WORD_TEXT, "offset", "duration", "offsetInTicks", "durationInTicks", "Offset", "Duration",
          "offsetMilliseconds", "durationMilliseconds", "confidence", "Confidence")
_ISO = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


class AzureTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if any(found(document) is not None for found in (_sdk_results, _fast_phrases, _v2_segments)):
            return ()
        return lacks(document, ["recognizedPhrases[]", "recognizedPhrases[0].nBest[]"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, phrase, best, start, end in _phrases(load_json(text, NAME)):
            key, listed = _listed(best, where)
            if listed:
                words += [_word(w, f"{where}.{key}[{i}]") for i, w in enumerate(listed)]
            else:
                body = _text(best)
                if isinstance(body, str) and body.strip():
                    segments.append(Segment(start, end, body))
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        spans: list[tuple[float, float]] = []
        skip: list[Any] = []
        untimed = []
        shown: list[Any] = []  # the display words (batch ``displayWords``), redacted by time below
        phrases = _phrases(document)
        for where, phrase, best, start, end in phrases:
            key, listed = _listed(best, where)
            if not listed:
                body = _text(best)
                if isinstance(body, str) and body.strip():
                    untimed.append((start, end, best))
                continue
            skip += listed
            hits = words.redact(listed, _text_key)
            timed = [_word(listed[k], f"{where}.{key}[{k}]") for k in hits]
            spans += [(word.start_s, word.end_s) for word in timed]
            if hits and key in ("words", "Words"):
                lexical = "lexical" if key == "words" else "Lexical"
                if lexical in best:
                    best[lexical] = " ".join(w["word" if key == "words" else "Word"] for w in listed)
            shown += (best.get("displayWords") or []) if key == "words" else []
        redacted = overlapping(spans)
        for word in shown:
            skip.append(word)
            try:
                s, e = _ticks(word, "offset", "a display word"), _ticks(word, "duration", "a display word")
            except TranscriptError:
                continue
            if redacted(s, s + e) and isinstance(word.get("displayText"), str):
                word["displayText"] = redact_text(word["displayText"])
        skip += _redact_lower_ranked(phrases, redacted)  # by every redacted word's time: a second pass
        for key in _BEST_TEXTS:
            texts = [(b[key], s, e) for s, e, b in untimed if isinstance(b.get(key), str)]
            holders = [b for s, e, b in untimed if isinstance(b.get(key), str)]
            for best, after in zip(holders, redact_texts(texts)):
                best[key] = after
        return finish(document, words.said, skip, near=_near(spans), owned=_OWNED)


def _redact_lower_ranked(phrases: list[tuple[str, dict[str, Any], dict[str, Any], float, float]],
                         near: Callable[[float, float], bool]) -> list[Any]:
    """The words of each phrase's (``_phrases``) lower-ranked alternatives (their own times and
    texts: "for" for "four") at a redacted word's time redacted whole, a changed alternative's
    lexical form rebuilt; returns those words (redacted here: their other fields are scrubbed,
    ``freetext.finish``)."""
    out: list[Any] = []
    for where, phrase, _, _, _ in phrases:
        ranked = "NBest" if "NBest" in phrase else "nBest"
        for rank, alternative in enumerate((phrase.get(ranked) or [])[1:], start=1):
            place = f"{where.removesuffix('.nBest[0]')}.{ranked}[{rank}]"
            key, listed = _listed(alternative, place) if isinstance(alternative, dict) else ("", [])
            hit = False
            for k, word in enumerate(listed):
                timed = _word(word, f"{place}.{key}[{k}]")
                if near(timed.start_s, timed.end_s):
                    word[_text_key(word)] = redact_text(word[_text_key(word)])
                    hit = True
            out += listed
            lexical = "lexical" if key == "words" else "Lexical"
            if hit and key in ("words", "Words") and lexical in alternative:
                alternative[lexical] = " ".join(w[_text_key(w)] for w in listed)
    return out


def _near(spans: list[tuple[float, float]]) -> Any:
    redacted = overlapping(spans)

    def near(node: dict[str, Any]) -> bool:
        if not spans or ("nBest" not in node and "NBest" not in node and "offsetMilliseconds" not in node):
            return False
        try:
            start = _ticks(node, "offset", "phrase")
            return redacted(start, start + _ticks(node, "duration", "phrase"))
        except TranscriptError:
            return False
    return near


def _phrases(document: Any) -> list[tuple[str, dict[str, Any], dict[str, Any], float, float]]:
    """Each phrase's place, the phrase, its best alternative (a fast transcription phrase is
    its own), and its start and end in seconds; the place names the alternative."""
    sdk, fast, v2 = _sdk_results(document), _fast_phrases(document), _v2_segments(document)
    if sdk is not None:
        phrases, key, prefix = sdk, "NBest", ""
    elif fast is not None:
        phrases, key, prefix = fast, None, "phrases"
    elif v2 is not None:
        phrases, key, prefix = v2, "NBest", "AudioFileResults[0].SegmentResults"
    else:
        phrases = document.get("recognizedPhrases") if isinstance(document, dict) else None
        if not isinstance(phrases, list):
            raise TranscriptError(f"{NAME} transcript: the document has no 'recognizedPhrases' list")
        key, prefix = "nBest", "recognizedPhrases"
    out = []
    for p, phrase in enumerate(phrases):
        where = f"{prefix}[{p}]" if isinstance(document, list) or sdk is None else "the result"
        if not isinstance(phrase, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
        best = phrase.get(key) if key is not None else [phrase]
        if best is None and sdk is not None:
            if "DisplayText" not in phrase:  # a result that recognised nothing (NoMatch)
                continue
            best = [phrase]  # the simple format: the result is its only alternative
        if not isinstance(best, list):
            raise TranscriptError(f"{NAME} transcript: {where}.{key} is not a list")
        if not best or not isinstance(best[0], dict):
            continue
        start = _ticks(phrase, "offset", where)
        end = start + _ticks(phrase, "duration", where)
        out.append((where if key is None else f"{where}.nBest[0]", phrase, best[0], start, end))
    return out


def _fast_phrases(document: Any) -> list[Any] | None:
    """The fast transcription API's ``phrases`` (beside ``combinedPhrases`` or ``durationMilliseconds``)."""
    if isinstance(document, dict) and isinstance(document.get("phrases"), list) \
            and "recognizedPhrases" not in document \
            and ("combinedPhrases" in document or "durationMilliseconds" in document):
        return document["phrases"]
    return None


def _v2_segments(document: Any) -> list[Any] | None:
    """Batch transcription v2.0's ``AudioFileResults[0].SegmentResults`` (SDK-style phrases);
    a file of several audio files' results is refused (their times are each file's own)."""
    files = document.get("AudioFileResults") if isinstance(document, dict) else None
    if not (isinstance(files, list) and files and all(isinstance(f, dict) and "SegmentResults" in f for f in files)):
        return None
    if len(files) != 1:
        raise TranscriptError(f"{NAME} transcript: the result file holds the results of {len(files)} audio files; "
                              "give one file's")
    segments = files[0]["SegmentResults"]
    if not isinstance(segments, list):
        raise TranscriptError(f"{NAME} transcript: AudioFileResults[0].SegmentResults is not a list")
    return segments


def _sdk_results(document: Any) -> list[Any] | None:
    """The Speech SDK's results, detailed (PascalCase ``NBest``) or simple (``DisplayText``
    and ``RecognitionStatus`` alone, as the REST API for short audio answers too): a list of
    them or one alone."""
    if isinstance(document, dict) and "recognizedPhrases" not in document and (
            "NBest" in document or "DisplayText" in document and "RecognitionStatus" in document):
        return [document]
    if isinstance(document, list) and document and all(isinstance(r, dict) for r in document) \
            and any("NBest" in r or "DisplayText" in r for r in document) \
            and all("NBest" in r or "RecognitionStatus" in r for r in document):
        return document
    return None


def _text(best: dict[str, Any]) -> Any:
    return next((best[k] for k in ("display", "Display", "lexical", "Lexical", "text", "DisplayText") if k in best), "")


def _listed(best: dict[str, Any], where: str) -> tuple[str, list[Any]]:
    """The best alternative's timed words: ``words`` (lexical), else ``displayWords``."""
    for key in ("words", "displayWords", "Words"):
        listed = best.get(key)
        if listed:
            if not isinstance(listed, list):
                raise TranscriptError(f"{NAME} transcript: {where}.{key} is not a list")
            return key, listed
    return "words", []


def _word(word: Any, where: str) -> TimedWord:
    if not isinstance(word, dict):
        raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
    start = _ticks(word, "offset", where)
    text = next((word[k] for k in _WORD_TEXT if k in word), None)
    return make_word(start, start + _ticks(word, "duration", where), text,
                     word.get("confidence", word.get("Confidence")), where, NAME)


def _text_key(word: dict[str, Any]) -> str:
    return next(k for k in _WORD_TEXT if k in word)


def _ticks(node: dict[str, Any], name: str, where: str) -> float:
    """``<name>InTicks`` (or the SDK's ``<Name>``) in seconds, or fast transcription's
    ``<name>Milliseconds``, else the ISO 8601 duration ``<name>``."""
    for key, unit_s in ((f"{name}InTicks", TICK_S), (name.capitalize(), TICK_S), (f"{name}Milliseconds", 1e-3)):
        if key in node:
            return seconds(node[key], f"{where}.{key}", NAME, unit_s=unit_s)
    raw = node.get(name)
    match = _ISO.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise TranscriptError(f"{NAME} transcript: {where} has no {name}InTicks, {name}Milliseconds "
                              f"or ISO 8601 {name}")
    hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
    return checked_time(hours * 3600 + minutes * 60 + secs, f"{where}.{name}", NAME)


FORMAT = AzureTranscript()
