"""Vosk (Kaldi) recognizer results.

Shape (vosk-api ``KaldiRecognizer.Result()`` with ``SetWords(True)``, as its bindings
document it): ``{"result": [{"conf", "end", "start", "word"}, ...], "text": "..."}``, times
in seconds; with ``SetMaxAlternatives`` the words sit in ``alternatives[0].result``; with
phone-level results a word also has ``phone_start``/``phone_end``/``phone_label`` and silence
reads ``<eps>``. A whole recording is read utterance by utterance, so the results are often
kept as a list (or one JSON object per line): entries without words (``{"text": ""}``,
``{"partial": ...}``) are kept as they are. Written back: redacted words, each changed
result's ``text`` rebuilt from its words, other text scrubbed.
"""

from __future__ import annotations

import json
from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import (InvalidJSON, ListedWords, Reading, WriteBack, dump_json, field, lacks, load_json,
                                        make_word)
from redaction.transcripts.freetext import finish
from redaction.transcripts.markers import marked_words

NAME = "vosk"


class VoskTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        """(``auto`` passes the text itself when it is not one JSON document.)"""
        if isinstance(document, str):
            try:
                document = _load(document)
            except TranscriptError:
                return ("one JSON result or a sequence of them",)
        results = _results_or_none(document)
        if results is None or not any(_words_of(r) for r in results):
            first = results[0] if results else document
            return lacks(first, ["result[]", "result[0].word", "text"]) or ("result[0].word",)
        return ()

    def read(self, text: str) -> Reading:
        document = _load(text)
        words = tuple(
            make_word(field(w, "start", where, NAME), field(w, "end", where, NAME), field(w, "word", where, NAME),
                      w.get("conf"), where, NAME)
            for where, w in _listed(document)
        )
        if not words and any(str(_holder(r).get("text", "")).strip() for r in _results(document)):
            raise TranscriptError(f"{NAME} transcript: text without word times (the recognizer needs SetWords(True))")
        return Reading(words, marked_words(words))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document, lines = _load_keeping_lines(text)
        listed = ListedWords(sensitive)
        skip: list[Any] = []
        for result in _results(document):
            words = _words_of(result)
            skip += words
            holder = _holder(result)
            if listed.redact(words, "word") and isinstance(holder.get("text"), str):
                holder["text"] = " ".join(w["word"] for w in words)
        written = finish(document, listed.said, skip, owned=("word", "start", "end", "conf"))
        if lines:  # a sequence of results, as it came
            return WriteBack("".join(dump_json(r) for r in document), written.removed)
        return written


def _load(text: str) -> Any:
    return _load_keeping_lines(text)[0]


def _load_keeping_lines(text: str) -> tuple[Any, bool]:
    """The document, and whether it was a sequence of JSON objects (each ``Result()`` printed
    after the other, as vosk's examples print them): then a list of them."""
    try:
        return load_json(text, NAME), False
    except InvalidJSON:
        pieces = _pieces(text)
        if pieces is None:
            raise
    return [load_json(piece, NAME) for piece in pieces], True


def _pieces(text: str) -> list[str] | None:
    """The texts of two or more JSON objects one after the other, or None."""
    decoder, pieces, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return pieces if len(pieces) >= 2 else None
        if text[at] != "{":
            return None
        try:
            _, end = decoder.raw_decode(text, at)
        except (json.JSONDecodeError, RecursionError):
            return None
        pieces.append(text[at:end])
        at = end


def _results_or_none(document: Any) -> list[Any] | None:
    if isinstance(document, dict) and _is_result(document):
        return [document]
    if isinstance(document, list) and document and all(isinstance(r, dict) for r in document) \
            and any(_is_result(r) for r in document):
        return document
    return None


def _is_result(node: dict[str, Any]) -> bool:
    holder = _holder(node)
    return isinstance(holder.get("result"), list) or set(node) <= {"text", "partial", "spk", "spk_frames"} and bool(node)


def _results(document: Any) -> list[dict[str, Any]]:
    results = _results_or_none(document)
    if results is None:
        raise TranscriptError(f"{NAME} transcript: the document is neither a result with a 'result' word list "
                              "nor a list of results")
    return results


def _holder(result: dict[str, Any]) -> dict[str, Any]:
    """The mapping holding the words: the result, or its best alternative."""
    alternatives = result.get("alternatives")
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        return alternatives[0]
    return result


def _words_of(result: Any) -> list[Any]:
    if not isinstance(result, dict):
        return []
    words = _holder(result).get("result")
    return words if isinstance(words, list) else []


def _listed(document: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    results = _results(document)
    for r, result in enumerate(results):
        prefix = f"[{r}]." if isinstance(document, list) else ""
        inner = "alternatives[0]." if _holder(result) is not result else ""
        for i, word in enumerate(_words_of(result)):
            where = f"{prefix}{inner}result[{i}]"
            if not isinstance(word, dict):
                raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
            out.append((where, word))
    return out


FORMAT = VoskTranscript()
