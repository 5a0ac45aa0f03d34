"""Deepgram specifics: punctuated words, utterances redacted by time, paragraphs dropped."""

from __future__ import annotations

import json

from redaction import transcripts
from tests.redaction.transcripts.conftest import fixture_text


def test_utterance_copies_are_redacted_and_paragraphs_dropped() -> None:
    document = json.loads(transcripts.redacted(transcripts.load(fixture_text("deepgram"), "deepgram")))
    alternative = document["results"]["channels"][0]["alternatives"][0]
    utterance = document["results"]["utterances"][0]
    assert "paragraphs" not in alternative
    assert utterance["transcript"] == alternative["transcript"]
    assert [w["word"] for w in utterance["words"]] == [w["word"] for w in alternative["words"]]
    assert alternative["words"][9]["punctuated_word"] == "[redacted]"
