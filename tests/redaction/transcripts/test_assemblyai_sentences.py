"""AssemblyAI ``GET /v2/transcript/{id}/sentences`` and ``/paragraphs`` responses.

Documents are built in the shape AssemblyAI's API reference gives them (``SentencesResponse``,
``ParagraphsResponse``: ``id``, ``confidence``, ``audio_duration`` and ``sentences[]`` or
``paragraphs[]`` of ``text``, ``start``/``end`` ms, ``confidence``, ``speaker``, ``words[]``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

SAID = [("Thanks", 1000, 1300), ("for", 1300, 1500), ("calling.", 1500, 2000)]
CARD = [("My", 3000, 3200), ("card", 3200, 3500), ("number", 3500, 3800), ("is", 3800, 3900),
        ("4111", 4000, 4600), ("1111", 4700, 5300), ("1111", 5400, 6000), ("1111.", 6100, 6700)]


def sentence(words: list[tuple[str, int, int]], speaker: str = "A") -> dict[str, Any]:
    return {"text": " ".join(w for w, _, _ in words), "start": words[0][1], "end": words[-1][2],
            "confidence": 0.9, "speaker": speaker, "channel": None,
            "words": [{"text": w, "start": s, "end": e, "confidence": 0.9, "speaker": speaker} for w, s, e in words]}


def response(kind: str, *sentences: dict[str, Any]) -> dict[str, Any]:
    return {kind: list(sentences), "id": "5551722-f677-48a4-a4a9-2a9a9b1e3c0d", "confidence": 0.9,
            "audio_duration": 7.0}


@pytest.mark.parametrize("kind", ["sentences", "paragraphs"])
def test_sentences_and_paragraphs_are_recognised_and_read_with_exact_times(kind: str) -> None:
    text = json.dumps(response(kind, sentence(SAID), sentence(CARD, "B")))
    assert transcripts.recognise(text) == "assemblyai-sentences"
    transcript = transcripts.load(text, "auto")
    assert [(w.text, w.start_s, w.end_s, w.confidence) for w in transcript.words[:3]] == [
        ("Thanks", 1.0, 1.3, 0.9), ("for", 1.3, 1.5, 0.9), ("calling.", 1.5, 2.0, 0.9)]
    assert len(transcript.words) == 11 and transcript.segments == ()
    assert sorted(transcripts.sensitive_words(transcript)) == [7, 8, 9, 10]


@pytest.mark.parametrize("kind", ["sentences", "paragraphs"])
def test_card_words_and_their_sentence_text_are_written_back_redacted(kind: str) -> None:
    document = response(kind, sentence(SAID), sentence(CARD, "B"))
    written = json.loads(transcripts.redacted(transcripts.load(json.dumps(document), "auto")))
    expected = response(kind, sentence(SAID), sentence(CARD, "B"))
    card = expected[kind][1]
    for word in card["words"][4:]:
        word["text"] = "[redacted]." if word["text"].endswith(".") else "[redacted]"
    card["text"] = "My card number is [redacted] [redacted] [redacted] [redacted]."
    assert written == expected


def test_a_sentence_without_words_is_a_segment_masked_whole() -> None:
    untimed = {**sentence(CARD), "words": []}
    text = json.dumps(response("sentences", sentence(SAID), untimed))
    transcript = transcripts.load(text, "assemblyai-sentences")
    assert [(s.start_s, s.end_s) for s in transcript.segments] == [(3.0, 6.7)]
    assert [(d.start_s, d.end_s) for d in transcripts.detections(transcript)] == [(2.75, 6.95)]
    written = json.loads(transcripts.redacted(transcript))
    assert written["sentences"][1]["text"] == "My card number is [redacted] [redacted] [redacted] [redacted]."


def test_the_bare_transcript_shape_is_not_taken_for_sentences() -> None:
    assert transcripts.recognise(json.dumps({"text": "a", "words": [{"text": "a", "start": 0, "end": 10}]})) == "assemblyai"


def test_a_bad_word_time_is_refused_naming_the_word_not_its_text() -> None:
    document = response("paragraphs", sentence(CARD))
    document["paragraphs"][0]["words"][4]["end"] = "soon"
    with pytest.raises(TranscriptError) as caught:
        transcripts.load(json.dumps(document), "auto")
    assert str(caught.value) == ("assemblyai-sentences transcript: paragraphs[0].words[4] has a time or confidence "
                                 "that is not a number")
    document = response("sentences", sentence(CARD))
    document["sentences"] = {"words": []}
    with pytest.raises(TranscriptError, match=r"^assemblyai-sentences transcript: sentences is not a list$"):
        transcripts.load(json.dumps(document), "assemblyai-sentences")
