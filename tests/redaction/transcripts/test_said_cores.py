"""A card read word by word ("four five three two ..."): no word's own core holds two digits, so
the copies no reader reads (a Watson interim result, a Rev.ai partial hypothesis, a streaming
turn's earlier message) were checked for quotes of it with no cores at all, where the rest of
the document was scrubbed with the digits the words say (``said_cores``). Watson's interim words
kept "0366"; Rev.ai's and the streaming turns' copies were caught after, by ``finish`` reading
them as free text (these two tests pin that they still are)."""

from __future__ import annotations

import json
from typing import Any

from redaction import transcripts

#: A test card (Luhn-valid), read a digit a word.
CARD = "four five three two zero one five one one two eight three zero three six six".split()
SAID = ["my", "card", "is", *CARD]


def written(document: Any, fmt: str) -> tuple[str, Any]:
    text = transcripts.write_back(transcripts.load(json.dumps(document), fmt)).text
    return text, json.loads(text)


def test_a_watson_interim_result_quoting_a_card_read_word_by_word_is_redacted() -> None:
    stamps = [[w, 1.0 + 0.3 * k, 1.25 + 0.3 * k] for k, w in enumerate(SAID)]
    final = {"final": True, "alternatives": [{"transcript": " ".join(SAID) + " ", "timestamps": stamps}]}
    interim = {"final": False, "alternatives": [{"transcript": "ending 0366 ",
                                                 "timestamps": [["ending", 9.0, 9.4], ["0366", 9.4, 10.0]]}]}
    text, after = written({"results": [final, interim], "result_index": 0}, "watson")
    assert "0366" not in text
    assert after["results"][1]["alternatives"][0]["timestamps"] == [["ending", 9.0, 9.4], ["[redacted]", 9.4, 10.0]]


def test_a_revai_partial_quoting_a_card_read_word_by_word_is_redacted() -> None:
    final = {"type": "final", "ts": 1.0, "end_ts": 8.0, "elements": [
        {"type": "text", "value": w, "ts": 1.0 + 0.3 * k, "end_ts": 1.25 + 0.3 * k, "confidence": 1.0}
        for k, w in enumerate(SAID)]}
    partial = {"type": "partial", "ts": 9.0, "end_ts": 10.0,
               "elements": [{"type": "text", "value": "ending"}, {"type": "text", "value": "0366"}]}
    text, after = written([{"type": "connected", "id": "s1"}, final, partial], "revai")
    assert "0366" not in text
    assert [e["value"] for e in after[2]["elements"]] == ["ending", "[redacted]"]


def test_a_streaming_turns_earlier_message_quoting_a_card_read_word_by_word_is_redacted() -> None:
    def turn(event: str, words: list[tuple[str, float, float]]) -> dict[str, Any]:
        return {"type": "TurnInfo", "event": event, "turn_index": 0, "transcript": " ".join(w for w, _, _ in words),
                "words": [{"word": w, "confidence": 0.9, "start": s, "end": e} for w, s, e in words]}

    update = turn("Update", [("ending", 9.0, 9.4), ("0366", 9.4, 10.0)])
    end = turn("EndOfTurn", [(w, 1.0 + 0.3 * k, 1.25 + 0.3 * k) for k, w in enumerate(SAID)])
    text, after = written([{"type": "Connected", "request_id": "r1"}, update, end], "deepgram-flux")
    assert "0366" not in text
    assert [w["word"] for w in after[1]["words"]] == ["ending", "[redacted]"]


def test_a_watson_interim_saying_another_card_partly_at_redacted_words_times_is_redacted_whole() -> None:
    # an interim hypothesis of the card, revised: its last two groups at the final's last two groups'
    # times; redacted by time first, its own card check saw "4111 1111 [redacted] [redacted]" and
    # kept the first eight digits of a Luhn-valid card (found in review: they were redacted before
    # the copies' redaction was made one)
    said = "my card is 4532 0151 1283 0366 thanks".split()
    stamps = [[w, 1.0 + 0.5 * k, 1.4 + 0.5 * k] for k, w in enumerate(said)]
    final = {"final": True, "alternatives": [{"transcript": " ".join(said) + " ", "timestamps": stamps}]}
    interim = {"final": False, "alternatives": [{"transcript": "", "timestamps": [
        ["4111", 1.5, 1.9], ["1111", 2.0, 2.4], ["1111", 2.5, 2.9], ["1111", 3.0, 3.4]]}]}
    text, after = written({"results": [interim, final], "result_index": 0}, "watson")
    assert "4111" not in text and "0366" not in text
    assert [w for w, _, _ in after["results"][0]["alternatives"][0]["timestamps"]] == ["[redacted]"] * 4
