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
