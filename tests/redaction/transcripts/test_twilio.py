"""Twilio Conversational (Voice) Intelligence sentences (``GET /v2/Transcripts/{sid}/Sentences``).

Documents are built from the response Twilio's documentation publishes
(fixtures/real/twilio-docs-sentences.json), with the times it leaves null filled in, as
``WordTimestamps=true`` returns them (numbers, or the strings the newer schema types them as).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from redaction import transcripts
from redaction.cards import find_entities
from redaction.errors import TranscriptError
from worker.cli import main

REAL = Path(__file__).parent / "fixtures" / "real" / "twilio-docs-sentences.json"


def published() -> dict[str, Any]:
    return json.loads(REAL.read_text(encoding="utf-8"))


def timed(words: list[tuple[str, Any, Any]], start: Any = 1.0, end: Any = 2.0, *, channel: int = 1,
          text: str | None = None) -> dict[str, Any]:
    """The published response with its one sentence holding ``words``."""
    document = published()
    sentence = document["sentences"][0]
    sentence.update(start_time=start, end_time=end, media_channel=channel, confidence=0.93,
                    transcript=text if text is not None else " ".join(w for w, _, _ in words))
    sentence["words"] = [{"word": w, "start_time": s, "end_time": e} for w, s, e in words]
    return document


CARD = [("my", 1.0, 1.2), ("card", 1.2, 1.5), ("is", 1.5, 1.6), ("4111", 1.7, 2.3), ("1111", 2.4, 3.0),
        ("1111", 3.1, 3.7), ("1111", 3.8, 4.4), ("thanks", 4.6, 5.0)]


def test_published_response_is_recognised_but_its_null_times_are_refused_naming_the_sentence() -> None:
    text = REAL.read_text(encoding="utf-8")
    assert transcripts.recognise(text) == "twilio"
    with pytest.raises(TranscriptError, match=r"^twilio transcript: sentences\[0\] has no start_time") as caught:
        transcripts.load(text, "auto")
    assert "test" not in str(caught.value)


def test_word_timestamps_are_read_with_exact_times() -> None:
    document = timed([("test", 0.64, 0.9), ("test", "0.96", "1.4")], start="0.64", end="1.4")
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.format == "twilio" and transcript.segments == ()
    assert [(w.text, w.start_s, w.end_s, w.confidence) for w in transcript.words] == [
        ("test", 0.64, 0.9, 1.0), ("test", 0.96, 1.4, 1.0)]
    assert transcripts.load(json.dumps(document), "twilio").words == transcript.words


def test_sentences_on_both_channels_are_read_in_the_order_given() -> None:
    document = timed([("hello", 0.5, 0.8)], 0.5, 0.8)
    second = copy.deepcopy(document["sentences"][0])
    second.update(media_channel=2, sentence_index=1, start_time=1.0, end_time=1.6, transcript="hi there",
                  words=[{"word": "hi", "start_time": 1.0, "end_time": 1.2},
                         {"word": "there", "start_time": 1.25, "end_time": 1.6}])
    document["sentences"].append(second)
    words = transcripts.load(json.dumps(document), "auto").words
    assert [(w.text, w.start_s, w.end_s) for w in words] == [("hello", 0.5, 0.8), ("hi", 1.0, 1.2),
                                                            ("there", 1.25, 1.6)]


def test_card_in_a_twilio_transcript_is_found_masked_and_written_back_redacted() -> None:
    transcript = transcripts.load(json.dumps(timed(CARD, 1.0, 5.0)), "auto")
    card = [e for e in find_entities(transcript.words) if e.entity == "card_number"]
    assert [(e.start_s, e.end_s, sorted(e.words)) for e in card] == [(1.7, 4.4, [3, 4, 5, 6])]
    assert transcripts.sensitive_words(transcript) >= {3, 4, 5, 6}
    written = json.loads(transcripts.write_back(transcript).text)
    sentence = written["sentences"][0]
    assert [w["word"] for w in sentence["words"]][3:7] == ["[redacted]"] * 4
    assert sentence["transcript"] == "my card is [redacted] [redacted] [redacted] [redacted] thanks"
    assert written["meta"] == published()["meta"]


def test_sentence_without_word_times_is_a_segment_masked_whole_when_it_holds_a_card() -> None:
    """Without WordTimestamps the words carry no times: the sentence is read like any
    provider's segment without word times (masked whole, padded)."""
    document = timed([("test", None, None)], 2.5, 6.0, text="it is 4111 1111 1111 1111 thanks")
    document["sentences"][0].pop("words")
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.words == () and [(s.start_s, s.end_s) for s in transcript.segments] == [(2.5, 6.0)]
    found = transcripts.detections(transcript)
    assert [(d.start_s, d.end_s, d.entity, d.detector) for d in found] == [
        (2.25, 6.25, "card_number", "transcript:twilio")]
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["sentences"][0]["transcript"] == "it is [redacted] [redacted] [redacted] [redacted] thanks"


def test_words_with_null_times_fall_back_to_their_sentence() -> None:
    document = timed([("test", None, None), ("test", None, None)], 0.5, 1.5)
    transcript = transcripts.load(json.dumps(document), "auto")
    assert transcript.words == () and [(s.start_s, s.end_s) for s in transcript.segments] == [(0.5, 1.5)]


def test_untimed_words_of_a_sentence_holding_a_card_are_written_back_redacted_too() -> None:
    document = timed([(w, None, None) for w, _, _ in CARD], 1.0, 5.0)
    transcript = transcripts.load(json.dumps(document), "auto")
    assert [d.entity for d in transcripts.detections(transcript)] == ["card_number"]
    written = transcripts.write_back(transcript).text
    assert "4111" not in written and "1111" not in written
    words = json.loads(written)["sentences"][0]["words"]
    assert [w["word"] for w in words] == ["my", "card", "is"] + ["[redacted]"] * 4 + ["thanks"]


BAD = [
    (lambda d: d.update(sentences={"a": 1}), r"sentences is not a list"),
    (lambda d: d["sentences"].__setitem__(0, "x"), r"sentences\[0\] is not a mapping"),
    (lambda d: d["sentences"][0].__setitem__("words", "x"), r"sentences\[0\]\.words is not a list"),
    (lambda d: d["sentences"][0]["words"].__setitem__(1, 7), r"sentences\[0\]\.words\[1\] is not a mapping"),
    (lambda d: d["sentences"][0]["words"][1].pop("word"), r"sentences\[0\]\.words\[1\] has no 'word' field"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("word", 4111), r"sentences\[0\]\.words\[1\] has no word text"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("start_time", "soon"),
     r"sentences\[0\]\.words\[1\]\.start_time is not a time"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("end_time", True),
     r"sentences\[0\]\.words\[1\]\.end_time is not a time"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("start_time", -3),
     r"sentences\[0\]\.words\[1\]\.start_time is not a time"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("end_time", 0.1),
     r"sentences\[0\]\.words\[1\] has bad times"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("end_time", float("inf")),
     r"sentences\[0\]\.words\[1\]\.end_time is not a time"),
    (lambda d: d["sentences"][0]["words"][1].__setitem__("start_time", 1e12),  # no longer echoed, nor 1e12 s read
     r"sentences\[0\]\.words\[1\]\.start_time has a time no recording has"),
    (lambda d: d["sentences"][0].__setitem__("transcript", ["x"]), r"sentences\[0\]\.transcript is not text"),
]


@pytest.mark.parametrize(("spoil", "message"), BAD)
def test_bad_input_is_refused_naming_the_field_and_where(spoil: Any, message: str) -> None:
    document = timed(CARD, 1.0, 5.0)
    spoil(document)
    with pytest.raises(TranscriptError, match=r"^twilio transcript: " + message) as caught:
        transcripts.load(json.dumps(document), "twilio")
    assert "4111" not in str(caught.value) and "card" not in str(caught.value)


def test_untimed_sentence_on_the_command_line_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = tmp_path / "in.wav"
    soundfile.write(wav, np.zeros(8000, dtype=np.int16), 8000)
    code = main(["redact", str(wav), "-o", str(tmp_path / "out.wav"), "--transcript", str(REAL),
                 "--transcript-format", "twilio"])
    err = capsys.readouterr().err
    assert code == 2 and "sentences[0] has no start_time" in err and "test test" not in err
