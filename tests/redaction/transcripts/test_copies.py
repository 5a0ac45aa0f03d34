"""Card data in the copies of the words no reader reads (utterances, other alternatives, entity
forms, punctuated forms), said where the words read say something else: each copy is read as
free text in order (``freetext.redact_word_texts``), found by the fuzzer (fuzz.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from redaction import transcripts

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"


def written(document: Any, fmt: str) -> tuple[str, Any]:
    text = transcripts.write_back(transcripts.load(json.dumps(document), fmt)).text
    return text, json.loads(text)


def test_assemblyai_utterance_words_saying_a_card_the_words_do_not_are_redacted() -> None:
    """The utterances' words were redacted only at a redacted word's time."""
    document = json.loads((FIXTURES / "assemblyai.json").read_text(encoding="utf-8"))
    words = document["utterances"][0]["words"]
    words[1]["text"] = "4111111111111111"  # "I"
    for word, group in zip(words[3:7], ("5555", "5555", "5555", "4444")):  # "the card number please?"
        word["text"] = group
    text, after = written(document, "assemblyai")
    assert "4111" not in text and "5555" not in text and "4444" not in text
    assert [w["text"] for w in after["utterances"][0]["words"][:8]] == [
        "Can", "[redacted]", "have", "[redacted]", "[redacted]", "[redacted]", "[redacted]", "Sure,"]
    _, unplanted = written(json.loads((FIXTURES / "assemblyai.json").read_text(encoding="utf-8")), "assemblyai")
    assert after["words"] == unplanted["words"]  # the words read: as they were written back before


def test_azure_words_of_a_lower_ranked_alternative_saying_a_card_are_redacted() -> None:
    document = json.loads((REAL / "azure-sdk-detailed-words-itn.json").read_text(encoding="utf-8"))
    second = document[0]["NBest"][1]["Words"]
    second[4]["Word"] = "4111111111111111"  # "narendra"
    for word, group in zip(second[9:13], ("5555", "5555", "5555", "4444")):  # "on his remarkable victory"
        word["Word"] = group
    text, after = written(document, "azure")
    assert "4111" not in text and "5555" not in text and "4444" not in text
    assert [w["Word"] for w in after[0]["NBest"][1]["Words"]] == [
        "the", "prime", "minister", "sri", "[redacted]", "modi", "congratulated", "ronic",
        "sidhwani"] + ["[redacted]"] * 4
    assert after[0]["NBest"][0] == document[0]["NBest"][0]  # the alternative read: nothing in it


def test_deepgram_punctuated_group_beside_a_redacted_card_and_the_transcript_quoting_it_are_redacted() -> None:
    """The words read say a card ("4111 1111 1111 1111", redacted by their time) and the word
    before it, "the", is punctuated "5430": alone no card, but a number beside a redacted one
    is its rest. The transcript rebuilt from the punctuated words quoted it."""
    document = json.loads((REAL / "deepgram-python-sdk-preamble.json").read_text(encoding="utf-8"))
    words = document["results"]["channels"][0]["alternatives"][0]["words"]
    words[1]["punctuated_word"] = "5430"
    for word, group in zip(words[2:6], ("4111", "1111", "1111", "1111")):
        word["word"] = word["punctuated_word"] = group
    text, after = written(document, "deepgram")
    alternative = after["results"]["channels"][0]["alternatives"][0]
    assert "5430" not in text and "4111" not in text
    assert [(w["word"], w["punctuated_word"]) for w in alternative["words"]] == [
        ("we", "We,")] + [("[redacted]", "[redacted]")] * 5 + [("states", "States,")]
    assert alternative["transcript"] == "We, [redacted] [redacted] [redacted] [redacted] [redacted] States,"


def test_speechmatics_spoken_form_of_an_entity_saying_a_card_is_redacted() -> None:
    """An entity's ``spoken_form`` words (the written form is read) were scrubbed one by one as
    free text: a card over them, a group a word, was written back."""
    document = json.loads((REAL / "speechmatics-entity.json").read_text(encoding="utf-8"))
    parts = document["results"][0]["spoken_form"]
    for part, group in zip(parts, ("5555", "5555", "5555", "4444")):  # "Two dollars five cents"
        part["alternatives"][0]["content"] = group
    text, after = written(document, "speechmatics")
    assert "5555" not in text and "4444" not in text
    assert [p["alternatives"][0]["content"] for p in after["results"][0]["spoken_form"]] == ["[redacted]"] * 4
    assert after["results"][0]["alternatives"] == document["results"][0]["alternatives"]  # "$2.05", read


def test_spoken_digits_punctuating_the_words_before_a_redacted_card_are_redacted_where_text_quotes_them() -> None:
    """The card read digit by digit is redacted by its time, the punctuated forms of the five
    words before it say five digits more ("five one three three nine" for "card number please
    sure it's"); the transcripts rebuilt from them before they were found quoted them (no digits
    to quote by: each is a number beside a redacted word)."""
    document = json.loads((FIXTURES / "deepgram.json").read_text(encoding="utf-8"))
    alternative = document["results"]["channels"][0]["alternatives"][0]
    for word, said in zip(alternative["words"][4:9], ("five", "one", "three", "three", "nine")):
        word["punctuated_word"] = said
    text, after = written(document, "deepgram")
    alternative = after["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"].startswith("Can i have the " + "[redacted] " * 21 + "and the expiry")
    assert "five one" not in text and "three nine" not in text
