"""Vosk results: one result, a list of them, the sequence vosk's examples print, alternatives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import transcripts
from redaction.errors import TranscriptError

REAL = Path(__file__).parent / "fixtures" / "real" / "vosk-api-what-zero.json"
#: Spoken digits a caller reads, as Vosk writes them (lower-case words, six-digit times).
CARD = "four one one one one one one one one one one one one one one one".split()


def result(words: list[str], start_s: float = 0.0, step_s: float = 0.3) -> dict:
    return {"result": [{"conf": 1.0, "end": round(start_s + (k + 1) * step_s, 6), "start": round(start_s + k * step_s, 6),
                        "word": w} for k, w in enumerate(words)], "text": " ".join(words)}


def test_the_real_result_is_recognised_and_read_with_its_times() -> None:
    transcript = transcripts.load(REAL.read_text(), "auto")
    assert transcript.format == "vosk"
    assert [(w.start_s, w.end_s, w.text) for w in transcript.words] == [
        (0.87, 1.11, "what"), (1.11, 1.53, "zero"), (1.53, 1.95, "zero"), (1.95, 2.34, "zero"), (2.34, 2.61, "one")]


def sequence(*results: dict) -> str:
    """Results one after another, pretty-printed, as a loop of ``print(rec.Result())`` writes them."""
    return "".join(json.dumps(r, indent=2) + "\n" for r in results)


def test_a_printed_sequence_with_empty_and_partial_results_is_read_in_order() -> None:
    text = sequence({"partial": "four"}, result(["my", "card", "is"], 1.0), {"text": ""},
                    result(CARD, 3.0), {"partial": ""})
    transcript = transcripts.load(text, "auto")
    assert transcript.format == "vosk" and len(transcript.words) == 19
    assert (transcript.words[3].start_s, transcript.words[3].end_s) == (3.0, 3.3)
    written = transcripts.write_back(transcript).text
    decoder, at, pieces = json.JSONDecoder(), 0, []  # the write-back is again a printed sequence
    while at < len(written.strip()):
        value, end = decoder.raw_decode(written, at)
        pieces.append(value)
        at = end + 1
    assert [p.get("text") for p in pieces] == [None, "my card is", "", " ".join(["[redacted]"] * 16), None]
    assert pieces[0] == {"partial": "four"} and all(w["word"] == "[redacted]" for w in pieces[3]["result"])
    assert "one" not in written.replace("[redacted]", "")


def test_a_list_of_results_and_an_alternatives_result_are_read() -> None:
    listed = json.dumps([result(["hello"]), result(CARD, 2.0)])
    assert len(transcripts.load(listed, "auto").words) == 17
    best = {"alternatives": [dict(result(CARD), confidence=231.2), {"confidence": 200.1, "text": "for one"}]}
    transcript = transcripts.load(json.dumps(best), "auto")
    assert transcript.format == "vosk" and len(transcript.words) == 16
    written = json.loads(transcripts.write_back(transcript).text)
    assert written["alternatives"][0]["text"] == " ".join(["[redacted]"] * 16)


@pytest.mark.parametrize(("document", "where"), [
    ({"result": [{"conf": 1.0, "end": 1.0, "word": "four"}], "text": "four"}, r"result\[0\] has no 'start'"),
    ({"result": [{"conf": 1.0, "start": 2.0, "end": 1.0, "word": "four"}], "text": "four"}, r"result\[0\] has bad times"),
    ([{"text": ""}, {"result": ["four"], "text": "four"}], r"\[1\]\.result\[0\] is not a mapping"),
])
def test_a_malformed_word_is_refused_naming_it_and_never_its_text(document: object, where: str) -> None:
    with pytest.raises(TranscriptError, match=where) as info:
        transcripts.load(json.dumps(document), "vosk")
    assert "four" not in str(info.value)


def test_text_that_is_no_result_names_what_vosk_lacks() -> None:
    with pytest.raises(TranscriptError, match=r"vosk transcript: text without word times \(the recognizer needs SetWords"):
        transcripts.load(json.dumps({"text": "hello"}), "vosk")
    with pytest.raises(TranscriptError, match=r"closest is vosk \(missing result\[0\]\.word\)"):
        transcripts.load(json.dumps({"result": [], "text": "hello"}), "auto")
    assert transcripts.load(json.dumps([{"text": ""}, {"partial": ""}]), "vosk").words == ()  # no speech at all
