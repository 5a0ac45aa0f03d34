"""Deepgram pre-recorded response (``/v1/listen``).

Shape (Deepgram API reference): ``results.channels[c].alternatives[0]`` has ``transcript``
and ``words`` (``word``, ``start``, ``end`` in seconds, ``confidence``, optional
``punctuated_word``, ``speaker``). With ``utterances=true`` ``results.utterances`` repeat
the words with their own ``transcript``. Only each channel's first alternative is read;
lower-ranked alternatives, utterances and paragraphs are copies of the same speech, so
their words overlapping a redacted word are redacted too and their text rebuilt
(``paragraphs``, entity values, summaries, translations, topics, intents, sentiments and
search hits, which cannot be rebuilt word by word, are dropped).
"""

from __future__ import annotations

from typing import Any

from redaction.errors import TranscriptError
from redaction.transcripts.base import dump_json, field, load_json, make_word, overlaps, redact_listed, redact_text
from redaction.words import TimedWord

NAME = "deepgram"
#: Text derived from the words that cannot be rebuilt word by word (entity values, summaries,
#: translations, topic and intent snippets): dropped from alternatives and results.
DERIVED = ("paragraphs", "entities", "summaries", "summary", "translations", "topics", "intents", "sentiments")


class DeepgramTranscript:
    name = NAME

    def parse(self, text: str) -> tuple[TimedWord, ...]:
        return tuple(
            make_word(field(w, "start", where, NAME), field(w, "end", where, NAME), field(w, "word", where, NAME),
                      w.get("confidence"), where, NAME)
            for where, w in _words(load_json(text, NAME))
        )

    def redact(self, text: str, sensitive: frozenset[int]) -> str:
        document = load_json(text, NAME)
        spans = redact_listed((word for _, word in _words(document)), sensitive, None)
        results = document["results"]
        for channel in results["channels"]:
            channel.pop("search", None)
            for alternative in channel.get("alternatives", []):
                _redact_words(alternative, spans)
                for key in DERIVED:
                    alternative.pop(key, None)
        for key in DERIVED:
            results.pop(key, None)
        for utterance in results.get("utterances", []) or []:
            _redact_words(utterance, spans)
        return dump_json(document)


def _words(document: Any) -> list[tuple[str, dict[str, Any]]]:
    results = field(document, "results", "the document", NAME)
    channels = field(results, "channels", "results", NAME)
    if not isinstance(channels, list):
        raise TranscriptError(f"{NAME} transcript: results.channels is not a list")
    out = []
    for c, channel in enumerate(channels):
        alternatives = field(channel, "alternatives", f"results.channels[{c}]", NAME)
        if not isinstance(alternatives, list):
            raise TranscriptError(f"{NAME} transcript: results.channels[{c}].alternatives is not a list")
        if not alternatives:
            continue
        words = field(alternatives[0], "words", f"results.channels[{c}].alternatives[0]", NAME)
        if not isinstance(words, list):
            raise TranscriptError(f"{NAME} transcript: results.channels[{c}].alternatives[0].words is not a list")
        out += [(f"results.channels[{c}].alternatives[0].words[{i}]", w) for i, w in enumerate(words)]
    return out


def _redact_words(holder: dict[str, Any], spans: list[tuple[float, float]]) -> None:
    words = holder.get("words", [])
    for word in words:
        if overlaps(float(word["start"]), float(word["end"]), spans):
            for key in ("word", "punctuated_word"):
                if key in word:
                    word[key] = redact_text(word[key])
    if "transcript" in holder:
        holder["transcript"] = " ".join(w.get("punctuated_word", w.get("word", "")) for w in words)


FORMAT = DeepgramTranscript()
