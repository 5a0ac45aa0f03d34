"""Google Cloud Speech-to-Text v1 and v2 results.

Shape (Speech-to-Text REST reference): ``results[]`` each with ``alternatives[]``
(``transcript``, ``confidence``; the first alternative has ``words[]`` when word time
offsets were asked for), ``channelTag`` and ``resultEndTime`` (v1) or ``resultEndOffset``
(v2). A word has ``word``, ``confidence`` and ``startTime``/``endTime`` (v1) or
``startOffset``/``endOffset`` (v2), protobuf durations such as ``"1.500s"`` (or
``{"seconds": 1, "nanos": 500000000}``; snake_case from the Python client too). A zero
duration may be left out (proto3 JSON): a word without a start starts where the previous
one ended. The document may be a long-running operation (``response.results``), a v2
batch file (``results`` or ``transcript.results``) or a v2 ``batchRecognize`` response with
inline output (alone or as an operation's ``response``: ``results`` maps each audio file's
URI to its result, whose ``inlineResult.transcript``, or deprecated ``transcript``, holds the
results; one file only). Results without words are segments from the previous result's end
(on the same channel) to their own; one with text but neither words nor its end is refused.
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
    overlapping,
    seconds,
)
from redaction.transcripts.freetext import finish, redact_texts
from redaction.transcripts.markers import marked_words
from redaction.words import TimedWord

NAME = "google"
_START = ("startOffset", "startTime", "start_offset", "start_time")
_END = ("endOffset", "endTime", "end_offset", "end_time")
#: The fields of a word read or written here (every other one is scrubbed: ``freetext.finish``).
_OWNED = ("word", *_START, *_END, "confidence")
_RESULT_END = ("resultEndOffset", "resultEndTime", "result_end_offset", "result_end_time")
#: Fields of a v2 BatchRecognizeFileResult: its transcript inline, where it was written, or its error.
_FILE_RESULT = ("inlineResult", "transcript", "cloudStorageResult", "uri", "error")


class GoogleTranscript:
    name = NAME

    def missing(self, document: Any) -> tuple[str, ...]:
        holder = document
        if isinstance(document, dict):
            if any(_batch_files(h) is not None for h in (document, document.get("response"))):
                return ()
            holder = next((h for h in (document.get("response"), document.get("transcript"))
                           if isinstance(h, dict) and "results" in h), document)
        return lacks(holder, ["results[]", "results[0].alternatives[]", "results[0].alternatives[0].transcript"])

    def read(self, text: str) -> Reading:
        words: list[TimedWord] = []
        segments: list[Segment] = []
        for where, result, alternative, listed, start, end in _entries(load_json(text, NAME)):
            if listed:
                words += _timed(listed, where)
            elif isinstance(alternative.get("transcript"), str) and alternative["transcript"].strip():
                if not any(k in result for k in _RESULT_END):  # from where to where: nothing says
                    raise TranscriptError(f"{NAME} transcript: {where} has text but no time "
                                          "(no words and no resultEndTime)")
                segments.append(Segment(start, end, alternative["transcript"]))
        return Reading(tuple(words), marked_words(words), tuple(segments))

    def redact(self, text: str, sensitive: frozenset[int]) -> WriteBack:
        document = load_json(text, NAME)
        words = ListedWords(sensitive)
        spans: list[tuple[float, float]] = []
        skip: list[Any] = []
        untimed = []
        for where, result, alternative, listed, start, end in _entries(document):
            if not listed:
                if isinstance(alternative.get("transcript"), str) and alternative["transcript"].strip():
                    untimed.append((alternative["transcript"], start, end, alternative))
                continue
            timed = _timed(listed, where)
            skip += listed
            hits = words.redact(listed, "word")
            spans += [(timed[k].start_s, timed[k].end_s) for k in hits]
            if hits:
                alternative["transcript"] = " ".join(w["word"] for w in listed)
                for other in result["alternatives"][1:]:  # lower-ranked: same speech, no words
                    if isinstance(other, dict) and isinstance(other.get("transcript"), str):
                        other["transcript"] = redact_texts([(other["transcript"], start, end)])[0]
        if untimed:
            new = redact_texts([(body, s, e) for body, s, e, _ in untimed])
            for (_, _, _, alternative), after in zip(untimed, new):
                alternative["transcript"] = after
        return finish(document, words.said, skip, near=_near(spans, document), owned=_OWNED)


def _near(spans: list[tuple[float, float]], document: Any) -> Any:
    owners: dict[int, tuple[float, float]] = {}
    if spans:
        for _, result, _, _, start, end in _entries(document):
            owners[id(result)] = (start, end)

    redacted = overlapping(spans)

    def near(node: dict[str, Any]) -> bool:
        times = owners.get(id(node))
        return times is not None and redacted(times[0], times[1])
    return near


def _results_of(document: Any) -> list[Any] | None:
    """The ``results`` list; an empty one for a recognize response that left it out (proto3
    JSON omits an empty list: Google's answer for audio without speech keeps only
    ``totalBilledTime`` and ``requestId``); None for a document that is neither."""
    if isinstance(document, dict):
        holders = (document, document.get("response"), document.get("transcript"))
        for holder in holders:
            files = _batch_files(holder)
            if files is not None:
                return _batch_results(files)
            if isinstance(holder, dict) and isinstance(holder.get("results"), list):
                return holder["results"]
        for holder in holders:
            if isinstance(holder, dict) and "results" not in holder and "totalBilledTime" in holder:
                return []
    return None


def _batch_files(holder: Any) -> dict[str, Any] | None:
    """A v2 BatchRecognizeResponse's ``results``: each audio file's URI to its file result."""
    files = holder.get("results") if isinstance(holder, dict) else None
    if isinstance(files, dict) and files and all(
            isinstance(f, dict) and any(k in f for k in _FILE_RESULT) for f in files.values()):
        return files
    return None


def _batch_results(files: dict[str, Any]) -> list[Any]:
    """The results of the one file of a batch response (its URIs are never named: a file
    name may hold anything)."""
    if len(files) != 1:
        raise TranscriptError(f"{NAME} transcript: the batch response holds the results of {len(files)} files; "
                              "give one file's transcript")
    (result,) = files.values()
    inline = result.get("inlineResult")
    held = inline.get("transcript") if isinstance(inline, dict) else result.get("transcript")
    if isinstance(held, dict):
        results = held.get("results", [])  # left out (proto3 JSON) for audio without speech
        if not isinstance(results, list):
            raise TranscriptError(f"{NAME} transcript: the batch response's inlineResult.transcript.results "
                                  "is not a list")
        return results
    if "error" in result:
        raise TranscriptError(f"{NAME} transcript: the batch response's file result is an error, not a transcript")
    raise TranscriptError(f"{NAME} transcript: the batch response's file result has no inlineResult.transcript "
                          "(its transcript was written to Cloud Storage: give that file)")


def _entries(document: Any) -> list[tuple[str, dict[str, Any], dict[str, Any], list[Any], float, float]]:
    """(where, result, its first alternative, that alternative's words, start, end)."""
    results = _results_of(document)
    if results is None:
        raise TranscriptError(f"{NAME} transcript: the document has no 'results' list")
    out = []
    ends: dict[Any, float] = {}
    for r, result in enumerate(results):
        where = f"results[{r}]"
        if not isinstance(result, dict):
            raise TranscriptError(f"{NAME} transcript: {where} is not a mapping")
        alternatives = result.get("alternatives") or []
        if not isinstance(alternatives, list):
            raise TranscriptError(f"{NAME} transcript: {where}.alternatives is not a list")
        if not alternatives or not isinstance(alternatives[0], dict):
            continue
        channel = result.get("channelTag", result.get("channel_tag"))
        start = ends.get(channel, 0.0)
        raw_end = next((result[k] for k in _RESULT_END if k in result), None)
        end = seconds(raw_end, f"{where}.resultEndTime", NAME) if raw_end is not None else start
        ends[channel] = max(start, end)
        words = alternatives[0].get("words") or []
        if not isinstance(words, list):
            raise TranscriptError(f"{NAME} transcript: {where}.alternatives[0].words is not a list")
        out.append((f"{where}.alternatives[0]", result, alternatives[0], words, start, max(start, end)))
    return out


def _timed(listed: list[Any], where: str) -> list[TimedWord]:
    out: list[TimedWord] = []
    previous = 0.0
    for i, word in enumerate(listed):
        here = f"{where}.words[{i}]"
        if not isinstance(word, dict):
            raise TranscriptError(f"{NAME} transcript: {here} is not a mapping")
        raw_start = next((word[k] for k in _START if k in word), None)
        raw_end = next((word[k] for k in _END if k in word), None)
        start = previous if raw_start is None else seconds(raw_start, f"{here}.startOffset", NAME)
        end = start if raw_end is None else seconds(raw_end, f"{here}.endOffset", NAME)
        out.append(make_word(start, end, word.get("word"), word.get("confidence"), here, NAME))
        previous = end
    return out


FORMAT = GoogleTranscript()
