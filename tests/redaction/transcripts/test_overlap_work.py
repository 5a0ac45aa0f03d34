"""Session 51: the readers check every copy of the words (utterances, channel copies, other
alternatives, display words, sentences, entities, segments) against the redacted words' spans in
log time (``base.overlapping``, spans indexed once), not against every span: a transcript of
WORDS words of which SPANS are redacted costs at most WORK_PER_WORD span comparisons a word
(checking each copy against every span took WORDS x SPANS a copy: here 1.6 million).

The work is counted, not timed: each reader module's ``overlapping`` (and ``overlaps``, the old
check, where a module still has one), base's too, is replaced by a counting copy that stops the write-back once
the budget is spent."""

from __future__ import annotations

import importlib
import json
import math
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

import pytest

import redaction.transcripts as package
from redaction import transcripts
from redaction.transcripts import PLACEHOLDER, base

from .test_base import overlaps as each_span

WORDS, SPANS = 4_000, 400
STEP = WORDS // SPANS  # every STEP-th word is redacted
WORK_PER_WORD = 60


def said(k: int) -> str:
    return f"w{k}"


def timed(k: int, scale: float = 1.0) -> tuple[float, float]:
    return round(k * 0.5 * scale, 3), round((k * 0.5 + 0.4) * scale, 3)


def deepgram() -> Any:
    words = [{"word": said(k), "punctuated_word": said(k), "start": timed(k)[0], "end": timed(k)[1],
              "confidence": 0.9} for k in range(WORDS)]
    sentences = [{"text": " ".join(said(j) for j in range(k, k + 10)), "start": timed(k)[0], "end": timed(k + 9)[1]}
                 for k in range(0, WORDS, 10)]
    paragraphs = {"transcript": "", "paragraphs": [{"sentences": sentences}]}
    copy = json.loads(json.dumps(words))
    hits = [{"snippet": said(k), "start": timed(k)[0], "end": timed(k)[1]} for k in range(WORDS)]
    return {"results": {"channels": [{"search": [{"query": "w", "hits": hits}], "alternatives": [
        {"transcript": "", "words": words, "paragraphs": paragraphs}, {"transcript": "", "words": copy}]}],
        "utterances": [{"start": 0.0, "end": timed(WORDS)[1], "transcript": "", "words": json.loads(json.dumps(words))}]}}


def assemblyai() -> Any:
    words = [{"text": said(k), "start": int(timed(k)[0] * 1000), "end": int(timed(k)[1] * 1000), "confidence": 0.9}
             for k in range(WORDS)]
    return {"text": "", "words": words, "utterances": [{"text": "", "start": 0, "end": 1, "words": json.loads(json.dumps(words))}],
            "entities": [{"entity_type": "x", "text": said(k), "start": w["start"], "end": w["end"]} for k, w in enumerate(words)]}


def aws() -> Any:
    items = [{"start_time": str(timed(k)[0]), "end_time": str(timed(k)[1]), "type": "pronunciation",
              "alternatives": [{"content": said(k), "confidence": "0.9"}]} for k in range(WORDS)]
    segments = [{"start_time": items[k]["start_time"], "end_time": items[k + 9]["end_time"], "alternatives": [
        {"transcript": "", "items": [{"start_time": items[j]["start_time"], "end_time": items[j]["end_time"],
                                      "content": said(j), "confidence": "0.9", "type": "pronunciation"}
                                     for j in range(k, k + 10)]}]} for k in range(0, WORDS, 10)]
    return {"results": {"transcripts": [{"transcript": ""}], "items": items, "segments": segments,
                        "channel_labels": {"channels": [{"channel_label": "ch_0", "items": json.loads(json.dumps(items))}]}}}


def aws_streaming() -> Any:
    def result(final: bool) -> dict[str, Any]:
        items = [{"StartTime": timed(k)[0], "EndTime": timed(k)[1], "Type": "pronunciation", "Content": said(k)}
                 for k in range(WORDS)]
        entities = [{"Category": "PII", "StartTime": timed(k)[0], "EndTime": timed(k)[1], "Content": said(k)}
                    for k in range(WORDS)]
        return {"IsPartial": not final, "Alternatives": [{"Transcript": "", "Items": items, "Entities": entities}]}
    return {"Transcript": {"Results": [result(False), result(True)]}}


def azure() -> Any:
    phrases = []
    for k in range(0, WORDS, 10):
        words = [{"word": said(j), "offsetInTicks": timed(j)[0] * 1e7, "durationInTicks": 0.4e7} for j in range(k, k + 10)]
        shown = [{"displayText": said(j), "offsetInTicks": timed(j)[0] * 1e7, "durationInTicks": 0.4e7}
                 for j in range(k, k + 10)]
        phrases.append({"channel": 0, "offsetInTicks": timed(k)[0] * 1e7, "durationInTicks": 5e7, "nBest": [
            {"lexical": "", "display": "", "words": words, "displayWords": shown},
            {"lexical": "", "words": json.loads(json.dumps(words))}]})
    return {"recognizedPhrases": phrases}


def google() -> Any:  # a result every two words: each is checked
    return {"results": [{"alternatives": [{"transcript": " ".join(said(j) for j in range(k, k + 2)), "words": [
        {"word": said(j), "startOffset": f"{timed(j)[0]}s", "endOffset": f"{timed(j)[1]}s"} for j in range(k, k + 2)]}]}
        for k in range(0, WORDS, 2)]}


def speechmatics() -> Any:
    return {"format": "2.9", "results": [
        {"type": "word", "start_time": timed(k)[0], "end_time": timed(k)[1], "alternatives": [{"content": said(k)}],
         "written_form": [{"type": "word", "start_time": timed(k)[0], "end_time": timed(k)[1],
                           "alternatives": [{"content": said(k)}]}]} for k in range(WORDS)]}


def call_analytics() -> Any:
    return {"JobStatus": "COMPLETED", "Transcript": [
        {"ParticipantRole": "AGENT", "Content": "", "BeginOffsetMillis": int(timed(k)[0] * 1000),
         "EndOffsetMillis": int(timed(k + 9)[1] * 1000), "Items": [
             {"Type": "pronunciation", "Content": said(j), "BeginOffsetMillis": int(timed(j)[0] * 1000),
              "EndOffsetMillis": int(timed(j)[1] * 1000), "Confidence": 0.9} for j in range(k, k + 10)],
         "Sentiment": {"Score": {"BeginOffsetMillis": int(timed(k)[0] * 1000), "EndOffsetMillis": int(timed(k)[1] * 1000)}}}
        for k in range(0, WORDS, 10)]}


def whisper() -> Any:
    segments = [{"start": timed(k)[0], "end": timed(k + 9)[1], "text": "", "words": [
        {"word": said(j), "start": timed(j)[0], "end": timed(j)[1]} for j in range(k, k + 10)]}
        for k in range(0, WORDS, 10)]
    copies = [{"word": said(k), "start": timed(k)[0], "end": timed(k)[1]} for k in range(WORDS)] + [{"word": "x"}]
    return {"text": "", "segments": segments, "word_segments": copies}  # one copy more: matched by time


def whisper_cpp() -> Any:
    segments = []
    for k in range(0, WORDS, 10):
        tokens = [{"text": " " + said(j), "offsets": {"from": int(timed(j)[0] * 1000), "to": int(timed(j)[1] * 1000)},
                   "id": j, "p": 0.9} for j in range(k, k + 10)]
        segments.append({"offsets": {"from": tokens[0]["offsets"]["from"], "to": tokens[-1]["offsets"]["to"]},
                         "text": "", "tokens": tokens})
    untimed = [{"offsets": {"from": int(timed(k)[0] * 1000), "to": int(timed(k)[1] * 1000)}, "text": said(k)}
               for k in range(0, WORDS, 10)]
    return {"transcription": segments + untimed}


DOCUMENTS: dict[str, Callable[[], Any]] = {
    "deepgram": deepgram, "assemblyai": assemblyai, "aws": aws, "aws-streaming": aws_streaming, "azure": azure,
    "google": google, "speechmatics": speechmatics, "aws-call-analytics": call_analytics, "whisper": whisper,
    "whisper-cpp": whisper_cpp,
}


class Work:
    """Span comparisons counted against a budget."""

    def __init__(self, budget: int) -> None:
        self.budget, self.done = budget, 0

    def add(self, comparisons: int) -> None:
        self.done += comparisons
        if self.done > self.budget:
            raise AssertionError(f"more than {self.budget} span comparisons")


def counted(work: Work) -> tuple[Callable[..., bool], Callable[..., Callable[[float, float], bool]]]:
    indexed = base.overlapping  # the one counted (base's own is replaced too: base.near_times calls it)
    def overlaps(start_s: float, end_s: float, spans: Iterable[tuple[float, float]]) -> bool:
        spans = list(spans)
        work.add(max(1, len(spans)))
        return each_span(start_s, end_s, spans)

    def overlapping(spans: Iterable[tuple[float, float]]) -> Callable[[float, float], bool]:
        spans = list(spans)
        steps = math.ceil(math.log2(len(spans) + 2))
        work.add(len(spans) * steps)  # sorting them
        near = indexed(spans)

        def check(start_s: float, end_s: float) -> bool:
            work.add(steps)
            return near(start_s, end_s)
        return check
    return overlaps, overlapping


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_copies_of_the_words_are_checked_in_bounded_work(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(DOCUMENTS[name]())
    fmt = transcripts.get_format(name)
    sensitive = frozenset(range(0, WORDS, STEP))
    work = Work(WORK_PER_WORD * WORDS)
    overlaps, overlapping = counted(work)
    for module in pkgutil.iter_modules(package.__path__):
        reader = importlib.import_module(f"{package.__name__}.{module.name}")
        for attribute, counting in (("overlaps", overlaps), ("overlapping", overlapping)):
            if hasattr(reader, attribute):
                monkeypatch.setattr(reader, attribute, counting)
    written = fmt.redact(text, sensitive).text
    assert work.done > 0  # the copies were checked, through the counting copies
    assert written.count(PLACEHOLDER) >= 2 * SPANS  # the words and at least one copy of each
