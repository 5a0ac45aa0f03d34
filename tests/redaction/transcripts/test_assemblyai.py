"""AssemblyAI specifics: milliseconds, utterances, derived model output kept and redacted."""

from __future__ import annotations

import json

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from redaction.transcripts import assemblyai, assemblyai_sentences
from redaction.words import TimedWord
from tests.redaction.transcripts.conftest import fixture_text


def test_milliseconds_become_seconds() -> None:
    words = transcripts.load(fixture_text("assemblyai"), "assemblyai").words
    assert (words[9].start_s, words[9].end_s) == (4.15, 4.45)


def test_summary_is_kept_redacted_and_utterances_redacted() -> None:
    document = json.loads(transcripts.redacted(transcripts.load(fixture_text("assemblyai"), "assemblyai")))
    assert document["summary"].startswith("Caller gave card Can I have the card number please? Sure, it's [redacted] ")
    assert "4532" not in document["summary"] and "0366" not in document["summary"]
    assert document["utterances"][0]["text"] == document["text"]
    assert "[redacted] [redacted] [redacted] [redacted]." in document["text"]


def test_content_safety_and_topic_labels_that_quote_the_text_are_kept_redacted() -> None:
    document = json.loads(fixture_text("assemblyai"))
    stamp = {"start": 4150, "end": 5500}  # the time of the card words
    document["content_safety_labels"] = {"results": [{"text": "card 4532 0151", "labels": [], "timestamp": stamp}]}
    document["iab_categories_result"] = {"results": [{"text": "it's 4532 0151", "labels": [], "timestamp": stamp}]}
    written = transcripts.write_back(transcripts.load(json.dumps(document), "assemblyai"))
    assert "4532" not in written.text and written.removed == ()
    after = json.loads(written.text)
    assert after["content_safety_labels"]["results"][0]["text"] == "card [redacted] [redacted]"
    assert after["iab_categories_result"]["results"][0]["text"] == "it's [redacted] [redacted]"


@pytest.mark.parametrize("name", [assemblyai.NAME, assemblyai_sentences.NAME])
def test_one_word_reader_serves_the_transcript_and_its_sentences(name: str) -> None:
    """AssemblyAI's sentences and paragraphs hold the transcript's own words: one reader
    (``word_of``) reads them both, each naming its own format in an error."""
    word = {"text": "four", "start": 1200, "end": 1450, "confidence": 0.9, "speaker": "A"}
    assert assemblyai.word_of(word, "words[3]", name) == TimedWord(1.2, 1.45, "four", 0.9)
    assert assemblyai.word_of({"text": "four", "start": 1200, "end": 1450}, "words[3]", name).confidence == 1.0
    with pytest.raises(TranscriptError) as caught:
        assemblyai.word_of({**word, "start": "x"}, "sentences[0].words[3]", name)
    assert str(caught.value) == f"{name} transcript: sentences[0].words[3] has a time or confidence that is not a number"
    assert "make_word" not in vars(assemblyai_sentences)  # the sentences read their words with word_of
