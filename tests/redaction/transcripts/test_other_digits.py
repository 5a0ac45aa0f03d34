"""Digits of other scripts (Arabic-Indic, Persian, Devanagari) are the digits they say: a summary
quoting a card's last four in them is a quote of the card, and so is one in ASCII digits of a card
whose words were written in them (session 54: both were written back)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redaction import transcripts

FIXTURE = Path(__file__).parent / "fixtures" / "assemblyai.json"
#: The fixture's card ends 0366: these say it in each script's digits.
ENDINGS = {"ascii": "0366", "arabic-indic": "\u0660\u0663\u0666\u0666", "persian": "\u06f0\u06f3\u06f6\u06f6",
           "devanagari": "\u0966\u0969\u096c\u096c"}


def summary_written(words_script: str, quote_script: str) -> str:
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    table = str.maketrans("0123456789", "".join(chr(ord(ENDINGS[words_script][0]) + d) for d in range(10)))
    for word in document["words"]:
        word["text"] = word["text"].translate(table)
    document["summary"] = f"The card ends {ENDINGS[quote_script]}."
    written = transcripts.redacted(transcripts.load(json.dumps(document, ensure_ascii=False), "assemblyai"))
    return json.loads(written)["summary"]


@pytest.mark.parametrize("script", ["arabic-indic", "persian", "devanagari"])
def test_a_quote_in_another_scripts_digits_of_a_card_in_ascii_digits_is_redacted(script: str) -> None:
    assert summary_written("ascii", script) == "The card ends [redacted]."


@pytest.mark.parametrize("script", ["arabic-indic", "persian", "devanagari"])
def test_a_quote_in_ascii_digits_of_a_card_in_another_scripts_digits_is_redacted(script: str) -> None:
    assert summary_written(script, "ascii") == "The card ends [redacted]."


def test_a_quote_in_the_cards_own_script_is_redacted_as_before() -> None:
    assert summary_written("arabic-indic", "arabic-indic") == "The card ends [redacted]."
    assert summary_written("ascii", "ascii") == "The card ends [redacted]."
