"""Detections carry a typed source: code decides by it, reports keep the detectors' names."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import numpy as np

from redaction import cards, transcripts
from redaction.config import RedactionConfig
from redaction.dtmf_synth import KeyPress, key_sequence
from redaction.engine import redact_array
from redaction.spans import SPOKEN, Detection, Source
from redaction.words import TimedWord
from tests.talk import talking_call

NUMBERS = "four five three two oh one five one one two eight three oh three six six".split()


class Hearing:
    name, version = "scripted", "1"

    def __init__(self, words: list[TimedWord]) -> None:
        self.words = words

    def recognize(self, blocks: Iterable[np.ndarray], rate_hz: int) -> Iterator[TimedWord]:
        for _ in blocks:
            pass
        yield from self.words


def spoken_card(start_s: float) -> list[TimedWord]:
    return [TimedWord(start_s + 0.4 * i, start_s + 0.4 * i + 0.3, word) for i, word in enumerate(NUMBERS)]


def test_each_detection_says_which_kind_of_detector_found_it_and_keeps_its_name():
    keys, _ = key_sequence([KeyPress(k, on_s=0.07) for k in "4532015112830366"], 8000, snr_db=30, seed=1)
    call = np.concatenate([keys * 0.9, np.zeros(30 * 8000, np.float32)]).astype(np.float32)
    words = spoken_card(12.0)
    marked = Detection(25.0, 26.0, SPOKEN, "pii", "transcript:aws-redaction", 1.0, Source.PROVIDER_REDACTION)
    config = RedactionConfig(verify=False)
    _, heard = redact_array(call, 8000, recognizer=Hearing(spoken_card(5.0)), config=config)
    _, read = redact_array(call, 8000, words=words, words_detector="transcript:aws", spans=[marked], config=config)
    assert {(s.detector, s.source) for s in heard.spans} == {("dtmf", Source.DTMF),
                                                            ("recognizer:scripted", Source.RECOGNIZER)}
    assert {(s.detector, s.source) for s in read.spans} == {
        ("dtmf", Source.DTMF), ("transcript:aws", Source.TRANSCRIPT),
        ("transcript:aws-redaction", Source.PROVIDER_REDACTION)}
    assert [(d.name, d.source) for d in read.detectors] == [
        ("dtmf", Source.DTMF), ("transcript:aws", Source.TRANSCRIPT),
        ("transcript:aws-redaction", Source.PROVIDER_REDACTION)]
    # the contract (DESIGN.md §3): reports and metadata carry the names as before, no more
    body = read.to_dict()
    assert {span["detector"] for span in body["spans"]} == {"dtmf", "transcript:aws", "transcript:aws-redaction"}
    assert all(set(span) == {"start_s", "end_s", "kind", "entity", "detector", "confidence"} for span in body["spans"])
    assert body["detectors"] == [{"name": "dtmf", "version": "1.0"}, {"name": "transcript:aws", "version": cards.VERSION},
                                 {"name": "transcript:aws-redaction", "version": cards.VERSION}]
    assert "Source" not in json.dumps(body)


def test_speech_padding_follows_the_source_not_the_name():
    speech = talking_call(10.0)  # no pause for the padding to stop in
    config = RedactionConfig(pad_before_ms=0, pad_after_ms=0, speech_pad_ms=500, verify=False)

    def masked(detector: str, source: Source) -> tuple[tuple[float, float], ...]:
        span = Detection(4.0, 5.0, SPOKEN, "card_number", detector, 0.9, source)
        return redact_array(speech, 8000, spans=[span], config=config)[1].masked

    assert masked("transcript:recognizer:x", Source.RECOGNIZER) == ((3.5, 5.5),)  # what a recognizer heard
    assert masked("recognizer:named-like-one", Source.TRANSCRIPT) == ((4.0, 5.0),)  # a name decides nothing


def test_a_transcript_s_spans_are_provider_redactions_or_a_segment_s_text():
    card = "4111 1111 1111 1111"
    document = {"segments": [{"start": 2.0, "end": 4.0, "text": " my number is [REDACTED] ok"},
                             {"start": 5.0, "end": 9.0, "text": f" my card is {card} thanks"}]}
    found = transcripts.detections(transcripts.load(json.dumps(document), "whisper"))
    assert [(d.detector, d.source) for d in found] == [("transcript:whisper-redaction", Source.PROVIDER_REDACTION),
                                                      ("transcript:whisper", Source.TRANSCRIPT)]
