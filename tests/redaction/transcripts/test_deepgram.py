"""Deepgram specifics: punctuated words, utterances redacted by time, derived text kept redacted."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_multichannel_words_of_every_channel_are_read_and_the_callers_card_redacted() -> None:
    """multichannel=true: one entry per channel (the agent on 0, the caller on 1), their
    times overlapping. Built from the real SDK response: channel 1 says a card over it."""
    real = (Path(__file__).parent / "fixtures" / "real" / "deepgram-python-sdk-preamble.json").read_text()
    document = json.loads(real)
    caller = json.loads(json.dumps(document["results"]["channels"][0]))
    words = caller["alternatives"][0]["words"]
    for word, said in zip(words[2:6], ["4111", "1111", "1111", "1111"]):
        word["word"] = word["punctuated_word"] = said
    caller["alternatives"][0]["transcript"] = " ".join(w["punctuated_word"] for w in words)
    document["results"]["channels"].append(caller)
    transcript = transcripts.load(json.dumps(document), "auto")
    assert len(transcript.words) == 14 and transcript.words[9].text == "4111"
    assert sorted(transcripts.sensitive_words(transcript)) == [9, 10, 11, 12]
    written = json.loads(transcripts.write_back(transcript).text)["results"]["channels"]
    assert [w["word"] for w in written[1]["alternatives"][0]["words"][2:6]] == ["[redacted]"] * 4
    # The recording is mono: the agent's words under the card are masked in the audio, and in the copy.
    assert [w["word"] for w in written[0]["alternatives"][0]["words"]] == ["we", "the"] + ["[redacted]"] * 4 + ["states"]
    assert "4111" not in json.dumps(written) and "1111" not in json.dumps(written)
