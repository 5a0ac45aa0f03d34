"""AssemblyAI specifics: milliseconds, utterances, derived model output dropped."""

from __future__ import annotations

import json

from redaction import transcripts
from tests.redaction.transcripts.conftest import fixture_text


def test_milliseconds_become_seconds() -> None:
    words = transcripts.load(fixture_text("assemblyai"), "assemblyai").words
    assert (words[9].start_s, words[9].end_s) == (4.15, 4.45)


def test_summary_is_dropped_and_utterances_redacted() -> None:
    document = json.loads(transcripts.redacted(transcripts.load(fixture_text("assemblyai"), "assemblyai")))
    assert "summary" not in document
    assert document["utterances"][0]["text"] == document["text"]
    assert "[redacted] [redacted] [redacted] [redacted]." in document["text"]


def test_content_safety_and_topic_labels_that_quote_the_text_are_dropped() -> None:
    document = json.loads(fixture_text("assemblyai"))
    document["content_safety_labels"] = {"results": [{"text": "card 4532 1488", "labels": []}]}
    document["iab_categories_result"] = {"results": [{"text": "card 4532 1488", "labels": []}]}
    redacted = transcripts.redacted(transcripts.load(json.dumps(document), "assemblyai"))
    assert "4532" not in redacted
    assert not {"content_safety_labels", "iab_categories_result"} & set(json.loads(redacted))
