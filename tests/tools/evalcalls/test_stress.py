"""The stress test: a share of a card's digits written as other words, and what the card logic still masks."""

from __future__ import annotations

import json
import random

import pytest

from redaction.words import TimedWord
from tools.evalcalls import stress

R = 8000
CARD = "4 5 3 2 0 1 5 1 1 2 8 3 0 3 6 6".split()


def _record(ask: str) -> dict:
    # the agent asks (0-2 s), the caller reads a 16-digit card one digit a 0.4 s (from 3 s), the agent thanks
    words = [(0.4 * i, 0.4 * i + 0.3, t) for i, t in enumerate(ask.split())]
    words += [(3 + 0.4 * i, 3.3 + 0.4 * i, d) for i, d in enumerate(CARD)] + [(10.0, 10.5, "thank"), (10.6, 11.0, "you.")]
    spans = [(0, 2 * R, "other", 0), *[(round((3 + 0.4 * i) * R), round((3.3 + 0.4 * i) * R), "card", 1) for i in range(16)],
             (10 * R, 11 * R, "other", 0)]
    return {"call": "en-us/card/seed1/0", "voice": "en-us", "kind": "card", "seed": 1, "words": words, "spans": spans}


def test_only_number_words_over_the_card_are_lost_and_a_seed_draws_the_same():
    words = [TimedWord(0.0, 0.3, "code"), TimedWord(1.0, 1.3, "7,"), TimedWord(1.4, 1.7, "three"), TimedWord(5.0, 5.3, "9")]
    card_s = [(0.9, 2.0)]
    assert stress.lost(words, card_s, 0.0, random.Random(1)) == words
    every = stress.lost(words, card_s, 1.0, random.Random(1))
    assert [w.text for w in (every[0], every[3])] == ["code", "9"]  # no number word, or outside the card
    assert every[1].text.endswith(",") and every[1].text[:-1] in stress.OTHER_WORDS and every[2].text in stress.OTHER_WORDS
    assert [(w.start_s, w.end_s) for w in every] == [(w.start_s, w.end_s) for w in words]
    assert stress.lost(words, card_s, 0.5, random.Random(7)) == stress.lost(words, card_s, 0.5, random.Random(7))


def test_the_asks_answer_masks_a_card_written_as_other_words_and_without_the_ask_nothing_does():
    asked = _record("can I take the card number?")
    whole = stress.stressed(asked, 0.0, random.Random(1))
    assert (whole.digits_masked, whole.leaky_cards) == (16, 0)
    lost = stress.stressed(asked, 1.0, random.Random(1))  # no digit left: the unanswered ask's answer is masked
    assert (lost.digits, lost.digits_masked, lost.leaky_cards) == (16, 16, 0)
    unasked = stress.stressed(_record("can I take the long one?"), 1.0, random.Random(1))
    assert (unasked.digits_masked, unasked.leaky_cards) == (0, 1)


@pytest.mark.parametrize(("option", "value", "error"), [
    ("--share", "1.5", "--share must lie between 0 and 1, not 1.5"),
    ("--kinds", "card,pin", "--kinds must name some of card, code, expiry, not 'card,pin'"),
    ("--seeds", "1,two", "--seeds must be comma-separated whole numbers, not '1,two'"),
    ("--seeds", ",", "--seeds names no seed"),
])
def test_the_command_line_refuses_a_share_outside_0_to_1_kinds_it_does_not_know_and_bad_seeds(option, value, error, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["stress", "words.jsonl", option, value])
    with pytest.raises(SystemExit) as exit_info:
        stress.main()
    assert exit_info.value.code == 2
    assert error in capsys.readouterr().err


def test_the_command_line_prints_a_line_a_file_over_its_card_calls_and_seeds(tmp_path, monkeypatch, capsys):
    path = tmp_path / "w.jsonl"
    harmless = {**_record("can I take the card number?"), "kind": "harmless"}  # not a card call: left out
    path.write_text(json.dumps(_record("can I take the card number?")) + "\n" + json.dumps(harmless) + "\n")
    monkeypatch.setattr("sys.argv", ["stress", str(path), "--share", "1", "--seeds", "1,2"])
    assert stress.main() == 0
    assert capsys.readouterr().out.splitlines() == [
        "w.jsonl share 1.0 of card seeds 1,2: digits 32/32 = 100.00%, leaky 0/2, other speech 0.00%"]
