"""Amazon Transcribe specifics: string times, punctuation items, audio_segments."""

from __future__ import annotations

import json

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from tests.redaction.transcripts.conftest import fixture_text


def test_punctuation_items_are_not_words_and_full_text_is_rebuilt() -> None:
    transcript = transcripts.load(fixture_text("aws"), "aws")
    assert len(transcript.words) == 30
    document = json.loads(transcripts.redacted(transcript))
    full = document["results"]["transcripts"][0]["transcript"]
    assert full.startswith("Can I have the card number please? Sure, it's [redacted] [redacted]")
    assert document["results"]["audio_segments"][0]["transcript"] == full


def test_a_time_that_is_not_a_number_names_the_item() -> None:
    document = json.loads(fixture_text("aws"))
    document["results"]["items"][3]["start_time"] = "soon"
    with pytest.raises(TranscriptError, match=r"results.items\[3\] has a time or confidence that is not a number"):
        transcripts.load(json.dumps(document), "aws")


def test_channel_identification_copies_are_redacted_by_time() -> None:
    document = json.loads(fixture_text("aws"))
    items = document["results"]["items"]
    copies = [dict(item, alternatives=[dict(a) for a in item["alternatives"]]) for item in items]
    document["results"]["channel_labels"] = {"channels": [{"channel_label": "ch_0", "items": copies}],
                                              "number_of_channels": 1}
    transcript = transcripts.load(json.dumps(document), "aws")
    redacted = json.loads(transcripts.redacted(transcript))
    copied = redacted["results"]["channel_labels"]["channels"][0]["items"]
    assert [c["alternatives"][0]["content"] for c in copied] == [
        i["alternatives"][0]["content"] for i in redacted["results"]["items"]
    ]
    assert sum("[redacted]" in c["alternatives"][0]["content"] for c in copied) == len(
        transcripts.sensitive_words(transcript)
    ) > 0


def test_alternative_transcriptions_are_redacted_by_time_and_rebuilt() -> None:
    document = json.loads(fixture_text("aws"))
    items = document["results"]["items"]
    flat = [{k: v for k, v in item.items() if k != "alternatives"} | dict(item["alternatives"][0]) for item in items]
    document["results"]["segments"] = [{"alternatives": [{"transcript": "stale copy 4532", "items": flat}]}]
    transcript = transcripts.load(json.dumps(document), "aws")
    redacted = json.loads(transcripts.redacted(transcript))
    alternative = redacted["results"]["segments"][0]["alternatives"][0]
    assert [i["content"] for i in alternative["items"]] == [
        i["alternatives"][0]["content"] for i in redacted["results"]["items"]
    ]
    assert alternative["transcript"] == redacted["results"]["transcripts"][0]["transcript"]
