"""Session 51: every field of a word mapping that a reader does not read is scrubbed (card digits
planted there were copied through), for the formats whose real fixtures hold no card four words
long (test_real.py plants into those): ElevenLabs (its ``characters``), Vosk, Twilio, whisper.cpp
(``-ojf`` tokens), AssemblyAI Universal-Streaming; and Watson's ``word_alternatives``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from redaction import transcripts

from .test_twilio import timed as twilio_document
from .test_vosk import result as vosk_result
from .test_whisper_cpp import document as cpp_document, segment as cpp_segment, token as cpp_token

SAID = ["my", "card", "is", "4111", "1111", "1111", "1111", "thanks"]
CARD = range(3, 7)
#: Planted on every word, and on the card's words (their other forms too).
PLANTED = {"x_score": "5555555555554444", "x_more": [{"shown": "5105 1051 0510 5100"}]}
PLANTED_ON_CARD = {"x_itn": "4", "x_lexical": "four one one one", "AccuracyScore": "4111"}
LEAKS = ("4111", "1111", "5555555555554444", "5105 1051 0510 5100", "four one one one", '"4"')


def planted(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for k, word in enumerate(words):
        word.update(json.loads(json.dumps(PLANTED)))
        if k in CARD:
            word.update(PLANTED_ON_CARD)
    return words


def elevenlabs() -> tuple[str, Any]:
    entries = []
    for k, text in enumerate(SAID):
        start = 1.0 + 0.5 * k
        characters = [{"text": ch, "start": start, "end": start + 0.1} for ch in text]
        entries += [{"text": text, "start": start, "end": start + 0.4, "type": "word", "speaker_id": "speaker_0",
                     "logprob": -0.1, "characters": characters},
                    {"text": " ", "start": start + 0.4, "end": start + 0.5, "type": "spacing", "speaker_id": "speaker_0",
                     "logprob": 0.0}]
    planted([e for e in entries if e["type"] == "word"])
    entries[0]["characters"][0]["x_note"] = "4111111111111111"  # a character's own field
    return "elevenlabs", {"language_code": "eng", "language_probability": 0.98, "text": " ".join(SAID), "words": entries}


def vosk() -> tuple[str, Any]:
    document = vosk_result(SAID, 1.0, 0.5)
    planted(document["result"])
    return "vosk", document


def twilio() -> tuple[str, Any]:
    document = twilio_document([(w, 1.0 + 0.5 * k, 1.4 + 0.5 * k) for k, w in enumerate(SAID)], 1.0, 5.0)
    planted(document["sentences"][0]["words"])
    return "twilio", document


def whisper_cpp() -> tuple[str, Any]:
    tokens = [cpp_token(" " + w, 1000 + 500 * k, 1400 + 500 * k, 100 + k, 0.9) for k, w in enumerate(SAID)]
    planted(tokens)
    return "whisper-cpp", cpp_document(cpp_segment(1000, 5000, tokens))


def assemblyai_streaming() -> tuple[str, Any]:
    words = planted([{"start": 1000 + 500 * k, "end": 1400 + 500 * k, "text": w, "confidence": 0.9,
                      "word_is_final": True} for k, w in enumerate(SAID)])
    turn = {"turn_order": 0, "turn_is_formatted": True, "end_of_turn": True, "transcript": " ".join(SAID),
            "end_of_turn_confidence": 0.9, "words": words, "utterance": "", "type": "Turn"}
    return "assemblyai-streaming", [{"type": "Begin", "id": "x", "expires_at": 1}, turn]


@pytest.mark.parametrize("make", [elevenlabs, vosk, twilio, whisper_cpp, assemblyai_streaming],
                         ids=lambda make: make.__name__)
def test_card_digits_in_a_words_fields_no_reader_reads_are_redacted(make: Any) -> None:
    fmt, document = make()
    transcript = transcripts.load(json.dumps(document), fmt)
    assert sorted(transcripts.sensitive_words(transcript)) == list(CARD)
    written = transcripts.write_back(transcript).text
    for digits in LEAKS:
        assert digits not in written, digits
    again = transcripts.load(written, fmt)
    assert [w.text.strip() for w in again.words] == ["my", "card", "is", *["[redacted]"] * 4, "thanks"]
    assert [(w.start_s, w.end_s) for w in again.words] == [(w.start_s, w.end_s) for w in transcript.words]
    assert written.count('"x_score": "[redacted]"') == len(SAID)  # redacted in place, not dropped


def test_watson_word_alternatives_at_a_redacted_words_time_are_redacted_whole() -> None:
    """Watson's ``word_alternatives`` (the other words it heard at a time) were scrubbed as free text
    only: "for" heard for a card's "four" stayed, and with it the card's digits read word by word."""
    said = ["my", "card", "is", "four", "one", "one", "one", "one", "one", "one", "one", "one", "one", "one",
            "one", "one", "one", "one", "one", "thanks"]
    stamps = [[w, 1.0 + 0.4 * k, 1.3 + 0.4 * k] for k, w in enumerate(said)]
    heard = [{"start_time": s, "end_time": e, "alternatives": [{"word": w, "confidence": 0.9},
                                                                 {"word": "for" if w == "four" else "won",
                                                                  "confidence": 0.1}]}
             for w, s, e in stamps]
    document = {"result_index": 0, "results": [{"final": True, "alternatives": [
        {"transcript": " ".join(said) + " ", "confidence": 0.9, "timestamps": stamps}], "word_alternatives": heard}]}
    written = json.loads(transcripts.write_back(transcripts.load(json.dumps(document), "watson")).text)
    after = written["results"][0]["word_alternatives"]
    assert [[a["word"] for a in entry["alternatives"]] for entry in after] == (
        [["my", "won"], ["card", "won"], ["is", "won"]] + [["[redacted]", "[redacted]"]] * 16 + [["thanks", "won"]])
    assert [entry["start_time"] for entry in after] == [s for _, s, _ in stamps]


def test_azure_lower_ranked_alternatives_words_at_a_redacted_words_time_are_redacted_whole() -> None:
    """An Azure SDK result's lower-ranked alternatives repeat the words with their own times and
    texts: at a redacted word's time each is redacted ("for" heard for "four" too), its unread
    fields scrubbed, and the alternative's lexical form rebuilt; elsewhere they are as they were."""
    said = ["my", "card", "is", *["four", "one", "one", "one"] * 4, "thanks"]
    best = [{"Word": w, "Offset": 10_000_000 + 4_000_000 * k, "Duration": 3_000_000, "Confidence": 0.9}
            for k, w in enumerate(said)]
    other = [{"Word": "for" if w == "four" else w, "Offset": 10_000_000 + 4_000_000 * k, "Duration": 3_000_000,
              "x_score": "5555555555554444"} for k, w in enumerate(said)]
    result = {"Id": "x", "RecognitionStatus": "Success", "Offset": 10_000_000, "Duration": 80_000_000,
              "DisplayText": "My card is 4111111111111111 thanks.", "NBest": [
                  {"Confidence": 0.9, "Lexical": " ".join(said), "Display": "My card is 4111111111111111 thanks.",
                   "Words": best},
                  {"Confidence": 0.5, "Lexical": " ".join(w["Word"] for w in other), "Words": other}]}
    written = json.loads(transcripts.write_back(transcripts.load(json.dumps(result), "azure")).text)
    lower = written["NBest"][1]
    assert [w["Word"] for w in lower["Words"]] == ["my", "card", "is", *["[redacted]"] * 16, "thanks"]
    assert lower["Lexical"] == " ".join(["my", "card", "is", *["[redacted]"] * 16, "thanks"])
    assert {w["x_score"] for w in lower["Words"]} == {"[redacted]"}
    assert [w["Offset"] for w in lower["Words"]] == [w["Offset"] for w in other]
