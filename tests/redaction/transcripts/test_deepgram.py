"""Deepgram specifics: punctuated words, utterances redacted by time, derived text kept redacted."""

from __future__ import annotations

import json

from redaction import transcripts
from tests.redaction.transcripts.conftest import fixture_text


def test_utterance_copies_are_redacted_and_paragraphs_kept_redacted() -> None:
    document = json.loads(transcripts.redacted(transcripts.load(fixture_text("deepgram"), "deepgram")))
    alternative = document["results"]["channels"][0]["alternatives"][0]
    utterance = document["results"]["utterances"][0]
    assert alternative["paragraphs"]["transcript"].startswith("Can i have the card number please sure it's [redacted]")
    assert "four" not in alternative["paragraphs"]["transcript"]
    assert utterance["transcript"] == alternative["transcript"]
    assert [w["word"] for w in utterance["words"]] == [w["word"] for w in alternative["words"]]
    assert alternative["words"][9]["punctuated_word"] == "[redacted]"


def test_entity_values_summaries_and_search_hits_are_kept_redacted() -> None:
    document = json.loads(fixture_text("deepgram"))
    results = document["results"]
    channel = results["channels"][0]
    channel["alternatives"][0]["entities"] = [{"label": "CARDINAL", "value": "4532 1488", "start_word": 9,
                                               "end_word": 16, "confidence": 0.9}]
    channel["search"] = [{"query": "card", "hits": [{"confidence": 0.9, "start": 4.0, "end": 6.5,
                                                     "snippet": "it's 4532 1488"}]}]
    results["summary"] = {"result": "success", "short": "Caller paid with card 4532 1488."}
    written = transcripts.write_back(transcripts.load(json.dumps(document), "deepgram"))
    assert "4532" not in written.text and written.removed == ()
    after = json.loads(written.text)["results"]
    assert after["summary"] == {"result": "success", "short": "Caller paid with card [redacted] [redacted]."}
    assert after["channels"][0]["search"][0]["hits"][0]["snippet"] == "it's [redacted] [redacted]"
    assert after["channels"][0]["alternatives"][0]["entities"][0]["value"] == "[redacted] [redacted]"
