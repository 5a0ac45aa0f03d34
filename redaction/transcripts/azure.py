"""Azure AI Speech batch transcription result files.

Shape (Azure Speech "batch transcription" docs): ``recognizedPhrases[]`` each with
``channel``, ``offsetInTicks`` and ``durationInTicks`` (100 ns ticks; ISO 8601 ``offset``
and ``duration`` such as ``"PT1.5S"`` when the tick fields are absent) and ``nBest[]``
alternatives (``lexical``, ``itn``, ``maskedITN``, ``display``, ``confidence``); with word
level timestamps the best alternative has ``words[]`` (``word``, ``offsetInTicks``,
``durationInTicks``, ``confidence``) and possibly ``displayWords[]`` (``displayText``).
``combinedRecognizedPhrases[]`` hold each channel's whole text. Phrases without words are
segments. Written back: redacted words, the best alternative's ``lexical`` rebuilt, numbers
in the texts of a phrase holding card data redacted, every other text scrubbed.
"""

from __future__ import annotations

import re
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import Reading, Segment, WriteBack, lacks, load_json, make_word, overlaps, redact_text, seconds
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "azure"
#: One tick is 100 ns.
TICK_S = 1e-7
_ISO = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


class AzureTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        return lacks(document, ["recognizedPhrases[]", "recognizedPhrases[0].nBest[]"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, phrase, best, start, end in _phrases(load_json(text, NAME)):
            key, listed = _listed(best)
            if listed:
                words += [_word(w, f"{where}.nBest[0].{key}[{i}]") for i, w in enumerate(listed)]
            else:
                body = best.get("display", best.get("lexical", ""))
                if isinstance(body, str) and body.strip():
                    segments.append(Segment(start, end, body))
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        said: list[str] = []
        spans: list[tuple[float, float]] = []
        skip: list[Any] = []
        untimed = []
        index = 0
        for where, phrase, best, start, end in _phrases(document):
            key, listed = _listed(best)
            if not listed:
                body = best.get("display", best.get("lexical", ""))
                if isinstance(body, str) and body.strip():
                    untimed.append((start, end, phrase))
                continue
            hit = False
            for i, word in enumerate(listed):
                skip.append(word)
                if index in sensitive:
                    timed = _word(word, f"{where}.nBest[0].{key}[{i}]")
                    text_key = "word" if "word" in word else "displayText"
                    said.append(word[text_key])
                    word[text_key] = redact_text(word[text_key])
                    spans.append((timed.start_s, timed.end_s))
                    hit = True
                index += 1
            if hit and "lexical" in best and key == "words":
                best["lexical"] = " ".join(w["word"] for w in listed)
            for shown in (best.get("displayWords") or []) if key == "words" else []:
                skip.append(shown)
                try:
                    s, e = _ticks(shown, "offset", where), _ticks(shown, "duration", where)
                except TranscriptError:
                    continue
                if overlaps(s, s + e, spans) and isinstance(shown.get("displayText"), str):
                    shown["displayText"] = redact_text(shown["displayText"])
        for key in ("display", "lexical", "itn", "maskedITN"):
            texts = [(p["nBest"][0][key], s, e) for s, e, p in untimed if isinstance(p["nBest"][0].get(key), str)]
            holders = [p for s, e, p in untimed if isinstance(p["nBest"][0].get(key), str)]
            for phrase, after in zip(holders, redact_texts(texts)):
                phrase["nBest"][0][key] = after
        return finish(document, said, skip, near=_near(spans))


def _near(spans: list[tuple[float, float]]) -> Any:
    def near(node: dict[str, Any]) -> bool:
        if not spans or "nBest" not in node:
            return False
        try:
            start = _ticks(node, "offset", "phrase")
            return overlaps(start, start + _ticks(node, "duration", "phrase"), spans)
        except TranscriptError:
            return False
    return near


def _phrases(document: Any) -> list[tuple[str, dict[str, Any], dict[str, Any], float, float]]:
    phrases = document.get("recognizedPhrases") if isinstance(document, dict) else None
    if not isinstance(phrases, list):
        raise TranscriptError(f"{NAME} transcript: the document has no 'recognizedPhrases' list")
    out = []
    for p, phrase in enumerate(phrases):
        where = f"recognizedPhrases[{p}]"
        if not isinstance(phrase, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
        best = phrase.get("nBest")
        if not isinstance(best, list):
            raise TranscriptError(f"{NAME} transcript: {where}.nBest is not a list")
        if not best or not isinstance(best[0], dict):
            continue
        start = _ticks(phrase, "offset", where)
        out.append((where, phrase, best[0], start, start + _ticks(phrase, "duration", where)))
    return out


def _listed(best: dict[str, Any]) -> tuple[str, list[Any]]:
    """The best alternative's timed words: ``words`` (lexical), else ``displayWords``."""
    for key in ("words", "displayWords"):
        listed = best.get(key)
        if listed:
            if not isinstance(listed, list):
                raise TranscriptError(f"{NAME} transcript: nBest[0].{key} is not a list")
            return key, listed
    return "words", []


def _word(word: Any, where: str) -> TimedWord:
    if not isinstance(word, dict):
        raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
    start = _ticks(word, "offset", where)
    return make_word(start, start + _ticks(word, "duration", where), word.get("word", word.get("displayText")),
                     word.get("confidence"), where, NAME)


def _ticks(node: dict[str, Any], name: str, where: str) -> float:
    """``<name>InTicks`` in seconds, else the ISO 8601 duration ``<name>``."""
    if f"{name}InTicks" in node:
        return seconds(node[f"{name}InTicks"], f"{where}.{name}InTicks", NAME) * TICK_S
    raw = node.get(name)
    match = _ISO.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise TranscriptError(f"{NAME} transcript: {where} has no {name}InTicks or ISO 8601 {name}")
    hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + secs


FORMAT = AzureTranscript()
