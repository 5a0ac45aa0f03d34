"""The contract every transcript format keeps: parse, find card data, write back redacted."""

from __future__ import annotations

import json
import re

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError
from redaction.transcripts import PLACEHOLDER
from tests.redaction.transcripts.conftest import expected_sensitive, fixture_text



def core(text: str) -> str:
    return text.strip(" .,?").lower()


def test_every_format_is_registered() -> None:
    assert sorted(transcripts.FORMATS) == ["assemblyai", "assemblyai-sentences", "assemblyai-streaming", "aws", "aws-call-analytics", "aws-streaming",
                                           "azure", "contact-lens", "deepgram", "deepgram-flux", "elevenlabs", "google", "revai", "simple", "speechmatics",
                                           "srt", "twilio", "vosk", "watson", "webvtt", "whisper", "whisper-cpp"]
    assert transcripts.CHOICES[0] == "auto"
    with pytest.raises(TranscriptError, match="unknown transcript format 'vtt'"):
        transcripts.get_format("vtt")


def test_words_are_timed_in_seconds(format_name: str) -> None:
    transcript = transcripts.load(fixture_text(format_name), format_name)
    first = transcript.words[0]
    assert (first.start_s, first.end_s) == (1.0, 1.3)
    assert first.text.strip().lower() == "can"
    assert all(b.start_s > a.start_s for a, b in zip(transcript.words, transcript.words[1:]))


def test_card_number_expiry_and_code_words_are_found(format_name: str) -> None:
    transcript = transcripts.load(fixture_text(format_name), format_name)
    assert sorted(transcripts.sensitive_words(transcript)) == expected_sensitive(format_name)


def test_written_back_redacted_in_its_own_format(format_name: str) -> None:
    source = fixture_text(format_name)
    transcript = transcripts.load(source, format_name)
    redacted = transcripts.redacted(transcript)
    sensitive = set(expected_sensitive(format_name))
    said = {core(w.text) for i, w in enumerate(transcript.words) if i in sensitive}
    also_ordinary = {core(w.text) for i, w in enumerate(transcript.words) if i not in sensitive}
    for text in said - also_ordinary:  # anywhere in the document: words, full text, copies
        assert not re.search(rf"(?<!\w){re.escape(text)}(?!\w)", redacted, re.I), "card data left behind"
    again = transcripts.load(redacted, format_name)
    assert len(again.words) == len(transcript.words)
    for index, (before, after) in enumerate(zip(transcript.words, again.words)):
        assert (after.start_s, after.end_s) == (before.start_s, before.end_s)
        if index in sensitive:
            assert PLACEHOLDER in after.text
        else:
            assert after.text == before.text
    assert transcripts.sensitive_words(again) == frozenset()


def test_repr_hides_the_words(format_name: str) -> None:
    transcript = transcripts.load(fixture_text(format_name), format_name)
    assert "4532" not in repr(transcript) and "four" not in repr(transcript)
    assert repr(transcript) == f"Transcript({format_name}, {len(transcript.words)} words)"


@pytest.mark.parametrize("name", ["aws", "deepgram", "assemblyai", "whisper"])
def test_not_json_is_refused_with_position(name: str) -> None:
    with pytest.raises(TranscriptError, match=rf"{name} transcript is not valid JSON \(line 1, column 2\)"):
        transcripts.load("{oops", name)


@pytest.mark.parametrize("name", ["aws", "deepgram", "assemblyai", "whisper"])
def test_wrong_shape_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(TranscriptError, match=rf"^{name} transcript: .* has no '\w+' field"):
        transcripts.load('{"something": "else"}', name)


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("assemblyai", {"text": "", "words": [{"text": "four", "start": 0, "end": 100}],
                        "utterances": [{"text": "", "words": [{"text": "x", "start": "card 4532 1488", "end": 5}]}]}),
        ("deepgram", {"results": {"channels": [{"alternatives": [
            {"words": [{"word": "four", "start": 0.0, "end": 0.1}]},
            {"words": [{"word": "x", "start": "card 4532 1488", "end": 0.1}]}]}]}}),
        ("whisper", {"segments": [{"words": [{"word": " four", "start": 0.0, "end": 0.1}]}],
                     "word_segments": [{"word": "x", "start": "card 4532 1488", "end": 0.1}]}),
    ],
)
def test_malformed_copy_of_the_words_is_refused_without_echoing_it(name: str, document: dict) -> None:
    transcript = transcripts.load(json.dumps(document), name)
    with pytest.raises(TranscriptError) as caught:
        transcripts.redacted(transcript)
    assert str(caught.value) == (
        f"{name} transcript: a copy of the words (utterances, alternatives, segments) "
        "has a missing field, a time that is not a number or a word that is not text"
    )
    assert "4532" not in str(caught.value) and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("name", "document", "message"),
    [
        ("deepgram", {"results": {"channels": [{"alternatives": {"0": {}}}]}},
         r"results.channels\[0\].alternatives is not a list"),
        ("deepgram", {"results": {"channels": [{"alternatives": [{"words": "four five"}]}]}},
         r"results.channels\[0\].alternatives\[0\].words is not a list"),
        ("whisper", {"segments": [{"words": "four five"}]}, r"segments\[0\].words is not a list"),
    ],
)
def test_a_list_that_is_not_a_list_is_named(name: str, document: dict, message: str) -> None:
    with pytest.raises(TranscriptError, match=rf"^{name} transcript: {message}$"):
        transcripts.load(json.dumps(document), name)


_TURN = {"Content": "hello", "ParticipantId": "AGENT", "ParticipantRole": "AGENT", "Id": "t1",
         "BeginOffsetMillis": 0, "EndOffsetMillis": 900}


@pytest.mark.parametrize(
    ("name", "document", "message"),
    [
        ("aws", {"results": None}, r"results is not a mapping"),
        ("aws", {"results": [{"items": []}]}, r"results is not a mapping"),
        ("aws", {"results": {"channel_labels": {"channels": [{"items": []}]}, "items": None}},
         r"results.items is not a list"),
        ("contact-lens", {"Version": "1.1.0", "Transcript": [{**_TURN, "Redaction": "[PII]"}]},
         r"Transcript\[0\].Redaction is not a mapping"),
        ("contact-lens", {"Version": "1.1.0", "Transcript": [{**_TURN, "Redaction": [{"Confidence": 1.0}]}]},
         r"Transcript\[0\].Redaction is not a mapping"),
        ("aws-call-analytics", {"Transcript": [{**_TURN, "Redaction": {"RedactedTimestamps": 3880}}]},
         r"Transcript\[0\].Redaction.RedactedTimestamps is not a list"),
    ],
)
def test_a_mapping_of_the_wrong_type_is_named(name: str, document: dict, message: str) -> None:
    """Found by the audit: these were a TypeError or AttributeError (a traceback, exit 1)."""
    with pytest.raises(TranscriptError, match=rf"^{name} transcript: {message}$"):
        transcripts.load(json.dumps(document), name)
