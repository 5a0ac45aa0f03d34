"""Hostile transcripts (session 56's red team): what a provider that lies or writes oddly hands
``callrec redact --transcript``; a card number in it must be masked and written back redacted,
in any script and however its groups are joined, or the transcript refused naming the problem."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from worker.cli import main

CARD_GROUPS = ("4111", "1111", "1111", "1111")


@pytest.fixture(autouse=True)
def transcript_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transcript's words alone: no recognizer listening beside them."""
    monkeypatch.setenv("CALLREC_RECOGNIZER", "none")
    monkeypatch.setenv("CALLREC_VERIFY_LISTEN", "false")


def redact_simple(tmp_path: Path, words: list[str], lead: tuple[str, ...] = ("my", "card", "is")) -> tuple[int, dict, str]:
    """``redact`` of 6 s of noise with a simple transcript "LEAD... WORDS..." (0.3 s a lead word,
    0.7 s a word after): (exit status, the report, the transcript written back)."""
    audio = tmp_path / "call.wav"
    sf.write(audio, np.random.default_rng(3).normal(0, 0.03, 6 * 8000).astype(np.float32), 8000, subtype="PCM_16")
    start_s = 0.1 + 0.3 * len(lead)
    lines = [f"{0.2 + 0.3 * k:.2f} {min(0.5 + 0.3 * k, start_s):.2f} {word}" for k, word in enumerate(lead)]
    lines += [f"{start_s + 0.7 * k:.2f} {start_s + 0.6 + 0.7 * k:.2f} {word}" for k, word in enumerate(words)]
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report, written = tmp_path / "r.json", tmp_path / "t.out.txt"
    code = main(["redact", str(audio), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "simple", "--transcript-out", str(written), "--report", str(report)])
    return code, json.loads(report.read_text()), written.read_text(encoding="utf-8")


def ascii_digits(text: str) -> str:
    """``text`` folded (NFKC) with every decimal digit of any script as its ASCII digit."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("joined", [
    "\u00b7".join(CARD_GROUPS),  # middle dot
    "\u2022".join(CARD_GROUPS),  # bullet
    "\u30fb".join(CARD_GROUPS),  # katakana middle dot
    "\u066c".join("".join(chr(0x660 + int(d)) for d in group) for group in CARD_GROUPS),  # Arabic-Indic, grouped
    "\u2800".join(CARD_GROUPS),  # braille blank: shows as a space, is no white space
    "+".join(CARD_GROUPS),
    "=".join(CARD_GROUPS),
    "@".join(CARD_GROUPS),
    "^".join(CARD_GROUPS),
    "\\".join(CARD_GROUPS),
    "`".join(CARD_GROUPS),
])
def test_a_card_joined_inside_one_word_by_any_symbol_is_masked_and_written_back_redacted(tmp_path, joined):
    """A word is parted into its digits by white space and a list of punctuation and symbols
    (session 54); a card whose groups another character joins (a middle dot or bullet, the
    Arabic thousands separator between Arabic-Indic digits, a braille blank, "+", "=", "@")
    was one ordinary word: nothing masked, and the transcript written back "redacted" held the
    whole number. Any character that is neither a letter nor a digit parts digits on either side."""
    code, report, written = redact_simple(tmp_path, [joined])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    body = ascii_digits(written)
    assert not any(group in body for group in ("4111", "1111")), written



@pytest.mark.parametrize("glued", ["card" + "".join(CARD_GROUPS), "".join(CARD_GROUPS) + "ok",
                                   "\u0441\u0447\u0451\u0442" + "".join(CARD_GROUPS)])  # Cyrillic "account"
def test_a_whole_card_glued_to_letters_in_one_word_is_masked_and_written_back_redacted(tmp_path, glued):
    """A word whose digits sit among letters is an ordinary word ("W5", "28th" aside), so a whole
    card number glued to a word ("card4111111111111111", a provider's missing space, a markup class)
    was neither masked nor redacted in the copy written back. A run of a card number's length (13
    digits or more) parts from the letters around it."""
    code, report, written = redact_simple(tmp_path, [glued])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    assert "1111" not in written, written



@pytest.mark.parametrize("words", [["card" + "".join(CARD_GROUPS)[:10], "".join(CARD_GROUPS)[10:]],
                                   ["card" + "".join(CARD_GROUPS[:2]), "".join(CARD_GROUPS[2:])],
                                   ["".join(CARD_GROUPS[:2]), "".join(CARD_GROUPS[2:]) + "ok"]])
def test_a_card_over_two_words_one_glued_to_letters_is_masked_and_written_back_redacted(tmp_path, words):
    """Only a run of a card number's length (13 digits or more) parted from letters glued to it, so
    a card over two words whose first or last is glued ("card41111111 11111111", "41111111
    11111111ok") kept that word's digits: 8 of the card's written back. A run of 6 digits or more
    parts from letters."""
    code, report, written = redact_simple(tmp_path, words)
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    assert "1111" not in written, written


@pytest.mark.parametrize("words", [["invoice", "INV123456", "thanks"], ["code", "CA1008", "and", "W5", "on", "the", "28th"]])
def test_short_runs_glued_to_letters_stay_harmless(tmp_path, words):
    """A reference with a 6-digit run ("INV123456", read as "inv" and its digits) or shorter ones
    ("CA1008", "28th") is no card: nothing masked, written back as it was."""
    code, report, written = redact_simple(tmp_path, words, lead=("the",))
    assert code == 0
    assert report["spans"] == []
    assert all(word in written for word in words), written


@pytest.mark.parametrize("signed", ["$" + "".join(CARD_GROUPS), "".join(CARD_GROUPS) + "%", "$".join(CARD_GROUPS),
                                    "%".join(CARD_GROUPS), "\u20ac" + "".join(CARD_GROUPS)])
def test_a_card_written_with_an_amounts_sign_is_masked_and_written_back_redacted(tmp_path, signed):
    """A word with a currency or percent sign is an amount, not digits read out ("$12.50", "15%"),
    whatever digits it held: "$4111111111111111" or "4111%1111%1111%1111" kept the whole card in the
    redacted copy. A word with a card number's count of digits (13 or more) is no amount."""
    code, report, written = redact_simple(tmp_path, [signed])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    assert "1111" not in written, written


@pytest.mark.parametrize("sign", ["$", "%", "\u00a3", "\u20ac", "\u00a2"])
def test_a_card_over_two_words_with_an_amounts_sign_between_digits_is_masked_and_written_back_redacted(
        tmp_path, sign):
    """A word with 13 digits or more is no amount, but a card over two words, each with an amount's
    sign between its groups ("4111$1111 1111$1111"), was two amounts: nothing masked, the card
    written back whole. A sign with a digit on either side joins digits; it makes no amount."""
    code, report, written = redact_simple(tmp_path, [sign.join(CARD_GROUPS[:2]), sign.join(CARD_GROUPS[2:])])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    assert "1111" not in written, written


def test_an_international_phone_number_stays_a_harmless_word(tmp_path):
    """A run of 13 digits or more parts from any sign glued to it ("$4111111111111111"), so an
    international phone number ("+" and up to 15 digits, E.164) was masked as a card and written
    back "+[redacted]". A "+" and 8 to 15 digits that do not pass as a card (a card's length, an
    issuer's prefix and the Luhn check) is one harmless word."""
    code, report, written = redact_simple(tmp_path, ["+4930123456789", "any", "time"],
                                          lead=("you", "can", "reach", "me", "on"))
    assert code == 0
    assert report["spans"] == []
    assert "+4930123456789" in written, written


@pytest.mark.parametrize("card", ["".join(CARD_GROUPS), "378282246310005", "4222222222222"])
def test_a_card_after_a_plus_sign_is_masked_and_written_back_redacted(tmp_path, card):
    """A "+" before 16 digits is no phone number (E.164 has 15 at most): the card parts from it. Nor
    before 13 to 15 digits that pass as a card (an Amex, a 13-digit Visa): session 58's review found
    them kept whole and written back audible."""
    code, report, written = redact_simple(tmp_path, ["+" + card])
    assert code == 0
    assert [(s["entity"], s["detector"]) for s in report["spans"]] == [("card_number", "transcript:simple")]
    assert card[-4:] not in written, written


def whisper_document(words: list[tuple[float, float, str]], **extra: object) -> dict:
    """A Whisper JSON transcript (one segment, word timestamps) of ``words``, plus ``extra`` fields."""
    text = " ".join(word for _, _, word in words)
    return {"text": text, "segments": [{"id": 0, "start": 0.0, "end": 4.0, "text": text, "words": [
        {"word": " " + word, "start": start_s, "end": end_s, "probability": 0.9} for start_s, end_s, word in words]}],
        **extra}


SAID_CARD = [(0.2, 0.5, "my"), (0.5, 0.8, "card"), (0.8, 1.0, "is"), (1.0, 1.5, "4111"), (1.6, 2.1, "1111"),
             (2.2, 2.7, "1111"), (2.8, 3.3, "1111")]
SAID_NOTHING = [(0.2, 0.5, "my"), (0.5, 0.8, "card"), (0.8, 1.0, "is"), (1.0, 3.3, "fine")]


@pytest.mark.parametrize("words, extra", [
    (SAID_CARD, {"note": {"my card 4111 1111 1111 1111": "kept"}}),
    (SAID_NOTHING, {"note": {"my card 4111 1111 1111 1111": "kept"}}),
    (SAID_CARD, {"by_reference": {"4111111111111111": 1}}),
], ids=["said-and-in-a-key", "in-a-key-alone", "said-and-a-key-of-its-digits"])
def test_card_data_in_a_json_key_is_written_back_redacted(tmp_path, words, extra):
    """Free text is scrubbed in every string value of a JSON transcript, its keys were copied as
    they were: a card number as a key (a provider's metadata echoing a client's own labels, a
    map by word) was written back in the "redacted" transcript, beside its words redacted. A key
    is read as a value in its place would be (free text when it holds a space, else a label)."""
    audio = tmp_path / "call.wav"
    sf.write(audio, np.random.default_rng(3).normal(0, 0.03, 6 * 8000).astype(np.float32), 8000, subtype="PCM_16")
    transcript, written = tmp_path / "t.json", tmp_path / "t.out.json"
    transcript.write_text(json.dumps(whisper_document(words, **extra)))
    assert main(["redact", str(audio), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "whisper", "--transcript-out", str(written)]) == 0
    document = json.loads(written.read_text())
    assert "1111" not in written.read_text()
    (holder,) = (document[name] for name in extra)
    assert list(holder.values()) == list(next(iter(extra.values())).values())  # the value kept, under its key redacted


def test_card_data_in_a_redacted_words_keys_is_written_back_redacted(tmp_path):
    """A word's fields no reader reads are redacted with the word ("ITN": "4" of "four"), its keys
    were read as labels only: a Whisper word carrying its alternatives by text (``"alts": {"4111":
    0.9}``) was written back with the card's groups as keys beside the words redacted. A key in a
    redacted word is redacted as a value there is."""
    audio = tmp_path / "call.wav"
    sf.write(audio, np.random.default_rng(3).normal(0, 0.03, 6 * 8000).astype(np.float32), 8000, subtype="PCM_16")
    document = whisper_document(SAID_CARD)
    for word in document["segments"][0]["words"][3:]:
        word["alts"] = {word["word"].strip(): 0.9}
    transcript, written = tmp_path / "t.json", tmp_path / "t.out.json"
    transcript.write_text(json.dumps(document))
    assert main(["redact", str(audio), "-o", str(tmp_path / "out.wav"), "--transcript", str(transcript),
                 "--transcript-format", "whisper", "--transcript-out", str(written)]) == 0
    assert "1111" not in written.read_text(), written.read_text()
    words = json.loads(written.read_text())["segments"][0]["words"]
    assert [word["alts"] for word in words[3:]] == [{"[redacted]": 0.9}] * 4

