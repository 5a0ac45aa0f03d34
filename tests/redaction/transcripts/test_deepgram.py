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


def test_entity_values_summaries_and_search_hits_are_dropped() -> None:
    document = json.loads(fixture_text("deepgram"))
    results = document["results"]
    channel = results["channels"][0]
    channel["alternatives"][0]["entities"] = [{"label": "CARDINAL", "value": "4532 1488", "start_word": 9}]
    channel["search"] = [{"query": "card", "hits": [{"snippet": "it's 4532 1488"}]}]
    results["summary"] = {"short": "Caller paid with card 4532 1488."}
    redacted = transcripts.redacted(transcripts.load(json.dumps(document), "deepgram"))
    assert "4532" not in redacted
    after = json.loads(redacted)["results"]
    assert "summary" not in after and "search" not in after["channels"][0]
    assert "entities" not in after["channels"][0]["alternatives"][0]
