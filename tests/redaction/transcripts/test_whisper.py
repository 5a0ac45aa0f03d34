"""Whisper specifics: leading spaces kept, token ids dropped, bare segment lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import transcripts
from redaction.transcripts.base import TranscriptError
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


def test_an_untimed_word_is_placed_between_its_timed_neighbours_times() -> None:
    segment = {"start": 0.0, "end": 3.0, "text": " a b c d e", "words": [
        {"word": " a", "start": 0.5, "end": 0.7}, {"word": " b"}, {"word": " c"},
        {"word": " d", "start": 1.5, "end": 1.9}, {"word": " e"}]}
    words = transcripts.load(json.dumps({"segments": [segment]}), "whisper").words
    assert [(w.start_s, w.end_s) for w in words] == [(0.5, 0.7), (0.5, 1.9), (0.5, 1.9), (1.5, 1.9), (1.5, 3.0)]


@pytest.mark.parametrize("bad", ["x", [1], {"s": 1}, True])
def test_a_neighbours_time_that_is_no_number_is_bad_input_naming_the_word(bad) -> None:
    """An untimed word takes its neighbours' times: they are checked before they are used (a
    string there was compared with a number: TypeError, exit 1, where bad input is exit 2)."""
    segment = {"start": 0, "end": 2, "text": "b a", "words": [{"word": "b"}, {"word": "a", "start": 0.5, "end": bad}]}
    with pytest.raises(TranscriptError, match=r"segments\[0\]\.words\[1\] has a time or confidence that is not a number"):
        transcripts.load(json.dumps({"segments": [segment]}), "whisper")


WHISPERX = Path(__file__).parent / "fixtures" / "real" / "whisperx-untimed-numerals.json"


#: The numerals the card's neighbours say ("so 60 billion, 66 and 70"): near a card in free text, each may be
#: its expiry or code, and a copy is read as free text.
NEAR = {9: "[redacted]", 11: "[redacted]", 13: "[redacted]"}


@pytest.mark.parametrize(("full", "planted", "expected"), [
    (True, {4: "4111111111111111"}, {4: "[redacted]", **NEAR}),
    (True, {4: "4111 1111 1111 1111"}, {4: "[redacted] [redacted] [redacted] [redacted]", **NEAR}),
    (True, {4: "4111-1111-1111-1111,"}, {4: "[redacted],", **NEAR}),
    (False, {4: "4111111111111111"}, {4: "[redacted]", **NEAR}),
    (False, {1: "4111", 2: "1111", 3: "1111", 4: "1111,"}, {1: "[redacted]", 2: "[redacted]", 3: "[redacted]",
                                                            4: "[redacted],", **NEAR}),
])
def test_card_in_a_whisperx_word_segments_copy_that_differs_from_the_words_is_redacted(
        full: bool, planted: dict[int, str], expected: dict[int, str]) -> None:
    """WhisperX's word_segments copy was redacted only where the segments' words were (by
    position, time or text): a copy holding a card the words do not say (a whole card number in
    one entry, or its groups in entries of their own) was written back as it was. The words
    read (the segments') are as they were; the numbers redacted in the copy are in the text too."""
    document = json.loads(WHISPERX.read_text(encoding="utf-8"))
    if full:  # a full copy, as WhisperX writes it (the fixture keeps the first 14 entries)
        document["word_segments"] = [dict(w) for w in document["segments"][0]["words"]]
    before = [w["word"] for w in document["word_segments"]]
    for k, text in planted.items():
        document["word_segments"][k]["word"] = text
    written = transcripts.write_back(transcripts.load(json.dumps(document), "whisper"))
    after = json.loads(written.text)
    assert [w["word"] for w in after["word_segments"]] == [expected.get(k, word) for k, word in enumerate(before)]
    assert after["segments"][0]["words"] == document["segments"][0]["words"] and written.removed == ()
    assert after["segments"][0]["text"] == document["segments"][0]["text"].replace(" 60 ", " [redacted] ").replace(
        " 66 ", " [redacted] ").replace(" 70 ", " [redacted] ")  # quoted: what the copy redacted


def test_free_text_in_a_document_that_is_a_list_of_arrays_is_scrubbed() -> None:
    """faster-whisper's segments dumped as arrays, the document a list of them: the scrubbed
    copy of a list in a list was built and dropped (the document itself was written), so card
    data in a segment's text stayed whenever no word of it was redacted."""
    real = Path(__file__).parent / "fixtures" / "real" / "faster-whisper-card-arrays.json"
    document = json.loads(real.read_text(encoding="utf-8"))
    document[0][4] += " My card is 4111 1111 1111 1111."
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "whisper")).text)
    assert after[0][4] == (" And you, or calling, can I take the long number on the card please? My card is "
                           "[redacted] [redacted] [redacted] [redacted].")
    assert after[0][:4] + after[0][5:] == document[0][:4] + document[0][5:]


@pytest.mark.parametrize("bare", [False, True], ids=["document", "bare-list"])
def test_a_card_in_a_segment_without_words_after_a_phone_s_lead_in_is_redacted(bare) -> None:
    """Segments with no words are read by their texts: together ("my phone is 1234 4111...": one run,
    no card) and each alone (the card); 9cb86bb kept only the reading together, the card written back."""
    segments = [{"id": 0, "start": 0.0, "end": 2.0, "text": " my phone is 1234"},
                {"id": 1, "start": 2.2, "end": 5.0, "text": " 4111111111111111 is my card"}]
    document = segments if bare else {"text": "", "segments": segments}
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "whisper")).text)
    texts = [segment["text"] for segment in (after if bare else after["segments"])]
    assert texts == [" my phone is 1234", " [redacted] is my card"]


def test_a_card_said_glued_to_letters_in_a_list_of_labels_is_redacted() -> None:
    words = "my card is 4532015112830366 thanks".split()
    document = {"text": " my card is 4532015112830366 thanks", "refs": ["pay4532015112830366", "vip"],
                "segments": [{"id": 0, "start": 0.0, "end": 3.0, "text": " my card is 4532015112830366 thanks",
                              "words": [{"word": " " + w, "start": k * 0.6, "end": (k + 1) * 0.6}
                                        for k, w in enumerate(words)]}]}
    after = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "whisper")).text)
    assert after["refs"] == ["[redacted]", "vip"]
    assert after["text"] == " my card is [redacted] thanks"
