"""Whisper specifics: leading spaces kept, token ids dropped, bare segment lists."""

from __future__ import annotations

import json

from redaction import transcripts
from tests.redaction.transcripts.conftest import fixture_text


def test_token_ids_are_removed_where_a_word_was_redacted_and_text_rebuilt() -> None:
    written = transcripts.write_back(transcripts.load(fixture_text("whisper"), "whisper"))
    document = json.loads(written.text)
    assert ["tokens" in segment for segment in document["segments"]] == [True, False, True, False, True, False, True]
    assert written.removed == ("segments[].tokens",)
    assert document["segments"][0]["text"] == " Can I have the card number please?"
    assert " it's [redacted] [redacted]" in document["text"]


def test_a_bare_list_of_segments_is_read() -> None:
    segments = json.loads(fixture_text("whisper"))["segments"]
    words = transcripts.load(json.dumps(segments), "whisper").words
    assert len(words) == 40


def test_whisperx_score_is_the_confidence() -> None:
    segments = json.loads(fixture_text("whisper"))["segments"]
    word = segments[0]["words"][0]
    del word["probability"]
    word["score"] = 0.5
    assert transcripts.load(json.dumps(segments), "whisper").words[0].confidence == 0.5
