"""IBM Watson Speech to Text results (``POST /v1/recognize``, or the WebSocket's results kept).

Shape (IBM Cloud API reference, "Speech to Text", ``SpeechRecognitionResults``): ``results[]``
each with ``final`` and ``alternatives[]``; the first alternative has ``transcript``,
``confidence`` and, asked for with ``timestamps=true``, ``timestamps``: ``[word, start, end]``
lists in seconds (``word_confidence=true`` adds ``[word, confidence]`` lists beside them);
``result_index``, ``speaker_labels``, ``keywords_result`` and ``word_alternatives`` may be
there too. An interim result (``final`` false) is said again by a final one: not read (its
timestamps checked as a final one's are: malformed, refused), its words redacted by time and
of their own card data. A profanity is written ``****`` (``profanity_filter``, on by
default) and with ``redaction=true`` each digit of a number is written ``X``: both are
provider markers, masked where they stand. Written back: redacted words in ``timestamps``
and ``word_confidence``, a changed alternative's ``transcript`` rebuilt from its words, the
lower-ranked alternatives' and all other text scrubbed; ``word_alternatives`` at a redacted word's
time redacted whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (
    ListedWords,
    Marked,
    Reading,
    WriteBack,
    lacks,
    load_json,
    make_word,
    overlapping,
    redact_text,
)
from redaction.transcripts.freetext import finish, redact_copy, redact_texts, said_cores
from redaction.transcripts.markers import UNLABELLED, marked_words
from redaction.words import TimedWord

NAME = "watson"
#: A number Watson redacted (``redaction=true``): its digits written as X, three or more.
_REDACTED_NUMBER = re.compile(r"X{3,}")


class WatsonTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        if isinstance(document, dict) and document.get("results") == [] and "result_index" not in document:
            return ("result_index",)  # an empty results list is anyone's: Watson's response numbers its results
        return lacks(document, ["results[]", "results[0].alternatives[]", "results[0].alternatives[0].timestamps[]"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        document = load_json(text, NAME)
        for where, _, alternative, stamps in _entries(document):
            words += _timed(alternative, stamps, where)
        for where, _, alternative, stamps in _entries(document, interim=True):  # not read, but checked
            _timed(alternative, stamps, where)
        redacted = [Marked(w.start_s, w.end_s, UNLABELLED) for w in words
                    if _REDACTED_NUMBER.fullmatch(w.text.strip(".,;:!?"))]
        return Reading(tuple(words), tuple(sorted((*marked_words(words), *redacted), key=lambda m: m.start_s)))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        spans: list[tuple[float, float]] = []
        for where, result, alternative, stamps in _entries(document):
            timed = _timed(alternative, stamps, where)
            hits = words.redact(stamps, lambda _: 0)
            spans += [(timed[k].start_s, timed[k].end_s) for k in hits]
            _redacted_copy(result, alternative, hits, where)
        cores, near = said_cores(words.said), overlapping(spans)
        # interim results (checked by ``read``): the same speech said again, by time, and their own
        # card data: an interim hypothesis may say what the final result does not; without
        # timestamps their text, if any, is scrubbed
        for where, result, alternative, stamps in _entries(document, interim=True):
            changed = redact_copy([(stamp, 0, stamp[1], stamp[2], redact_text if near(stamp[1], stamp[2]) else None)
                                   for stamp in stamps], cores)
            words.said += changed.values()  # quoted elsewhere, it goes there too
            _redacted_copy(result, alternative, list(changed), where)
        _redact_word_alternatives(document, near)
        return finish(document, words.said)


def _redact_word_alternatives(document: Any, near: Callable[[float, float], bool]) -> None:
    """Each result's ``word_alternatives`` at a redacted word's time: every word Watson heard there
    redacted ("for" heard for a card's "four" is that digit too; free text alone kept it)."""
    for result in _results(document):
        entries = result.get("word_alternatives") if isinstance(result, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if near(float(entry["start_time"]), float(entry["end_time"])):
                for alternative in entry["alternatives"]:
                    alternative["word"] = redact_text(alternative["word"])


def _redacted_copy(result: dict[str, Any], alternative: dict[str, Any], hits: list[int], where: str) -> None:
    """After the words at ``hits`` were redacted: their ``word_confidence`` twins, the
    alternative's transcript rebuilt, the lower-ranked alternatives' texts scrubbed."""
    stamps = alternative["timestamps"]
    confidences = _confidences(alternative, stamps, where)
    if not hits:
        return
    for k in hits:
        if confidences is not None:
            confidences[k][0] = stamps[k][0]
    alternative["transcript"] = " ".join(stamp[0] for stamp in stamps) + " "  # Watson ends each with a space
    for other in _alternatives(result)[1:]:
        if isinstance(other, dict) and isinstance(other.get("transcript"), str):
            other["transcript"] = redact_texts([(other["transcript"], stamps[0][1], stamps[-1][2])])[0]


def _results(document: Any) -> list[Any]:
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise TranscriptError(f"{NAME} transcript: the document has no 'results' list")
    return results


def _alternatives(result: Any) -> list[Any]:
    alternatives = result.get("alternatives") if isinstance(result, dict) else None
    return alternatives if isinstance(alternatives, list) else []


def _entries(document: Any, interim: bool = False) -> list[tuple[str, dict[str, Any], dict[str, Any], list[Any]]]:
    """(where, result, its first alternative, that alternative's timestamps) of the final results
    (``interim``: of the interim ones, ``final`` false, those with timestamps)."""
    out = []
    for r, result in enumerate(_results(document)):
        where = f"results[{r}]"
        if not isinstance(result, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
        if bool(result.get("final", True)) == interim or not _alternatives(result):
            continue
        alternative = _alternatives(result)[0]
        if not isinstance(alternative, dict):
            raise TranscriptError(f"{NAME} transcript: {where}.alternatives[0] is not a mapping")
        stamps = alternative.get("timestamps")
        if stamps is None:
            if not interim and isinstance(alternative.get("transcript"), str) and alternative["transcript"].strip():
                raise TranscriptError(f"{NAME} transcript: {where}.alternatives[0] has text but no timestamps "
                                      "(transcribe with timestamps=true)")
            continue
        if not isinstance(stamps, list):
            raise TranscriptError(f"{NAME} transcript: {where}.alternatives[0].timestamps is not a list")
        out.append((f"{where}.alternatives[0]", result, alternative, stamps))
    return out


def _confidences(alternative: dict[str, Any], stamps: list[Any], where: str) -> list[Any] | None:
    """The alternative's ``word_confidence`` list (one ``[word, confidence]`` a timestamp), if any."""
    confidences = alternative.get("word_confidence")
    if confidences is not None and not (isinstance(confidences, list) and len(confidences) == len(stamps)):
        raise TranscriptError(f"{NAME} transcript: {where}.word_confidence is not a list as long as its timestamps")
    return confidences


def _timed(alternative: dict[str, Any], stamps: list[Any], where: str) -> list[TimedWord]:
    confidences = _confidences(alternative, stamps, where) or [None] * len(stamps)
    out = []
    for k, (stamp, confidence) in enumerate(zip(stamps, confidences)):
        here = f"{where}.timestamps[{k}]"
        if not (isinstance(stamp, list) and len(stamp) == 3):
            raise TranscriptError(f"{NAME} transcript: {here} is not a [word, start, end] list")
        conf = confidence[1] if isinstance(confidence, list) and len(confidence) == 2 else None
        out.append(make_word(stamp[1], stamp[2], stamp[0], conf, here, NAME))
    return out


FORMAT = WatsonTranscript()
